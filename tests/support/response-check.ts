import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

// Every answer a test gets from an /api path is checked against the OpenAPI
// document (the one /api/openapi.json serves, built here from the same
// declarations: a server may refuse to serve it to the test, e.g. for its Host): its status must be documented for that
// operation, its body must match the schema documented for that status and
// media type, and its required headers must be there. A mismatch fails the
// fetch, and so the test, naming the operation and what differed.
// Installed for every test file by setup-file.ts.

type Json = Record<string, unknown>

const realFetch = globalThis.fetch

type Checker = {
	doc: Json
	ajv: Ajv2020
	validators: Map<string, ValidateFunction>
	routes: Array<{ template: string; pattern: RegExp; literal: number }>
}

let checker: Promise<Checker> | undefined

export function installResponseCheck() {
	globalThis.fetch = async (input, init) => {
		const response = await realFetch(input, init)
		// Not `new Request(input, init)`: that would read a streamed body a second time.
		const url = new URL(input instanceof Request ? input.url : input)
		const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
		if (!url.pathname.startsWith('/api/') || url.pathname === '/api/docs') return response
		if (method === 'OPTIONS') return response
		const problems = await checkResponse(method, url, response)
		if (problems.length > 0) {
			throw new Error(
				`${method} ${url.pathname} answered ${response.status}, which /api/openapi.json does not describe:\n- ${problems.join('\n- ')}`,
			)
		}
		return response
	}
}

async function loadChecker(): Promise<Checker> {
	// Imported on first use: the app's modules read the environment setup-file.ts sets.
	const { openApiDocument } = await import('#app/http/openapi.server')
	const doc = JSON.parse(JSON.stringify(openApiDocument)) as Json
	const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
	addFormats(ajv)
	ajv.addSchema(doc, 'openapi.json')
	const routes = Object.keys(doc.paths as Json).map((template) => ({
		template,
		pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
		literal: template.replace(/\{[^}]+\}/g, '').length,
	}))
	// A literal segment wins over a parameter: /api/images/process is not /api/images/{id}.
	routes.sort((a, b) => b.literal - a.literal)
	return { doc, ajv, validators: new Map(), routes }
}

async function checkResponse(method: string, url: URL, response: Response): Promise<string[]> {
	const loaded = await (checker ??= loadChecker())
	const route = loaded.routes.find((candidate) => candidate.pattern.test(url.pathname))
	const contentType = response.headers.get('Content-Type') ?? ''
	// An unknown path, or a method the path does not have: a problem document.
	const operationKey = method === 'HEAD' ? 'get' : method.toLowerCase()
	const item = route ? ((loaded.doc.paths as Json)[route.template] as Json) : undefined
	if (!route || !item?.[operationKey]) {
		// 429: the per-address ceiling counts every /api request, even these.
		const expected = route ? 405 : 404
		if (response.status !== expected && response.status !== 429) {
			return [`expected ${expected} for an undocumented operation`]
		}
		return checkBody(loaded, '#/components/schemas/Problem', response, 'application/problem+json')
	}
	const pointer = `#/paths/${escapePointer(route.template)}/${operationKey}/responses/${response.status}`
	const documented = resolve(loaded.doc, pointer)
	if (!documented) return [`status ${response.status} is not documented for this operation`]
	const problems: string[] = []
	for (const [name, header] of Object.entries((documented.headers ?? {}) as Json)) {
		const required = resolve(loaded.doc, header as Json)?.required === true
		if (required && !response.headers.has(name)) problems.push(`required header ${name} missing`)
	}
	const content = documented.content as Json | undefined
	if (method === 'HEAD' || response.status === 304) return problems
	if (!content) {
		const text = await response.clone().text()
		if (text !== '') problems.push(`a body was sent, but none is documented: ${text.slice(0, 200)}`)
		return problems
	}
	const mediaType = contentType.split(';')[0]!.trim()
	if (!(mediaType in content)) {
		problems.push(`Content-Type ${contentType} is not one of ${Object.keys(content).join(', ')}`)
		return problems
	}
	// A stream has no end to wait for; its media type is all there is to check.
	if (mediaType === 'text/event-stream') return problems
	const schemaPointer = `${pointerOf(loaded.doc, pointer)}/content/${escapePointer(mediaType)}/schema`
	return [...problems, ...(await checkBody(loaded, schemaPointer, response, mediaType))]
}

async function checkBody(
	loaded: Checker,
	schemaPointer: string,
	response: Response,
	mediaType: string,
): Promise<string[]> {
	if (!(response.headers.get('Content-Type') ?? '').startsWith(mediaType)) {
		return [`Content-Type ${response.headers.get('Content-Type')} is not ${mediaType}`]
	}
	let validate = loaded.validators.get(schemaPointer)
	if (!validate) {
		validate = loaded.ajv.compile({ $ref: `openapi.json${schemaPointer}` })
		loaded.validators.set(schemaPointer, validate)
	}
	const text = await response.clone().text()
	let body: unknown
	try {
		body = JSON.parse(text)
	} catch {
		return [`the body is not JSON: ${text.slice(0, 200)}`]
	}
	if (validate(body)) return []
	return (validate.errors ?? []).map(
		(error) => `body${error.instancePath} ${error.message} (${JSON.stringify(error.params)})`,
	)
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1')

/** The object at a JSON pointer, following a `$ref` in place of it (a shared response). */
function resolve(doc: Json, node: string | Json | undefined): Json | undefined {
	if (node === undefined) return undefined
	if (typeof node === 'string') node = at(doc, node)
	if (node && typeof node.$ref === 'string') return resolve(doc, node.$ref)
	return node
}

/** The pointer of what `pointer` refers to, after a `$ref`. */
function pointerOf(doc: Json, pointer: string): string {
	const node = at(doc, pointer)
	return node && typeof node.$ref === 'string' ? pointerOf(doc, node.$ref) : pointer
}

function at(doc: Json, pointer: string): Json | undefined {
	let node: unknown = doc
	for (const part of pointer.replace(/^#\//, '').split('/')) {
		const key = part.replace(/~1/g, '/').replace(/~0/g, '~')
		node = node && typeof node === 'object' ? (node as Json)[key] : undefined
	}
	return node as Json | undefined
}
