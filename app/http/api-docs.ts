// Turns an OpenAPI 3.1 document into what the /api/docs page shows: every
// operation with its parameters, body fields, responses and a curl example.
// Generic on purpose: the page is generated from the operations' document, so a
// route documented there appears here without further work. Pure functions,
// no server imports: tests call them directly.

import { Marked, Renderer, type Tokens } from 'marked'

type Json = Record<string, unknown>

export type OpenApiDocument = {
	openapi: string
	info: { title: string; version: string; summary?: string; description?: string }
	servers?: Array<{ url: string }>
	tags?: Array<{ name: string; description?: string }>
	security?: Array<Record<string, string[]>>
	paths: Record<string, Json>
	webhooks?: Record<string, Json>
	components?: Record<string, Record<string, Json>>
}

export const HTTP_METHODS = [
	'get',
	'put',
	'post',
	'delete',
	'patch',
	'head',
	'options',
	'trace',
] as const

const isObject = (value: unknown): value is Json =>
	value !== null && typeof value === 'object' && !Array.isArray(value)

// ---------------------------------------------------------------------------
// $ref

/** The component name of a local `$ref` (`#/components/schemas/User` → `User`). */
export const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1)

/**
 * Follows `$ref`s (local JSON pointers) until an object without one. Sibling
 * keys of a `$ref` override the target's (OpenAPI 3.1 allows a `description`
 * or `summary` beside it). An unresolvable reference gives `{}`.
 */
export function resolveRef(doc: OpenApiDocument, node: unknown): Json {
	let current: unknown = node
	const overrides: Json[] = []
	for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
		if (hops > 20) return {}
		const { $ref, ...siblings } = current
		overrides.unshift(siblings)
		current = pointer(doc, $ref as string)
	}
	if (!isObject(current)) return {}
	return Object.assign({}, current, ...overrides)
}

function pointer(doc: OpenApiDocument, ref: string): unknown {
	if (!ref.startsWith('#/')) return undefined
	let node: unknown = doc
	for (const raw of ref.slice(2).split('/')) {
		const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
		if (!isObject(node) || !(segment in node)) return undefined
		node = node[segment]
	}
	return node
}

// ---------------------------------------------------------------------------
// Operations

export type Parameter = {
	name: string
	in: 'path' | 'query' | 'header' | 'cookie'
	required: boolean
	description?: string
	schema: Json
	example?: unknown
}

export type Operation = {
	method: string
	path: string
	operationId?: string
	/** A stable, unique HTML id for the operation. */
	anchor: string
	tags: string[]
	summary?: string
	description?: string
	deprecated: boolean
	/** Path-level and operation-level parameters, resolved; the operation's win. */
	parameters: Parameter[]
	requestBody: Json | null
	responses: Record<string, Json>
	/** The security requirement alternatives that apply (operation's, else the document's). */
	security: Array<Record<string, string[]>>
}

/** Every operation of `doc.paths`, in document order. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
	const operations: Operation[] = []
	for (const [path, rawItem] of Object.entries(doc.paths)) {
		const item = resolveRef(doc, rawItem)
		for (const method of HTTP_METHODS) {
			const op = item[method]
			if (!isObject(op)) continue
			operations.push(toOperation(doc, method, path, op, item))
		}
	}
	return operations
}

function toOperation(
	doc: OpenApiDocument,
	method: string,
	path: string,
	op: Json,
	item: Json,
): Operation {
	const byKey = new Map<string, Parameter>()
	for (const raw of [...asArray(item.parameters), ...asArray(op.parameters)]) {
		const parameter = resolveRef(doc, raw) as unknown as Parameter
		byKey.set(`${parameter.in}:${parameter.name}`, {
			...parameter,
			required: parameter.in === 'path' || parameter.required === true,
			schema: resolveRef(doc, parameter.schema ?? {}),
		})
	}
	const responses: Record<string, Json> = {}
	for (const [status, response] of Object.entries((op.responses as Json | undefined) ?? {})) {
		responses[status] = resolveRef(doc, response)
	}
	const operationId = typeof op.operationId === 'string' ? op.operationId : undefined
	return {
		method,
		path,
		operationId,
		anchor: `op-${slug(operationId ?? `${method}-${path}`)}`,
		tags: asArray(op.tags).filter((tag): tag is string => typeof tag === 'string'),
		summary: typeof op.summary === 'string' ? op.summary : undefined,
		description: typeof op.description === 'string' ? op.description : undefined,
		deprecated: op.deprecated === true,
		parameters: [...byKey.values()],
		requestBody: op.requestBody ? resolveRef(doc, op.requestBody) : null,
		responses,
		security: (op.security ?? doc.security ?? []) as Array<Record<string, string[]>>,
	}
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
const slug = (text: string) =>
	text
		.replace(/[^A-Za-z0-9_-]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.toLowerCase()

/** True when some security alternative asks for credentials (`[]` or `[{}]` mean none). */
export const isSecured = (operation: Operation) =>
	operation.security.length > 0 && operation.security.every((alt) => Object.keys(alt).length > 0)

// ---------------------------------------------------------------------------
// Examples

const EXAMPLE_UUID = '0b7e4c1e-8f5d-4a53-9a41-2d1f0c6e9b10'

/** Values for common string formats, valid for them. */
const formatExamples: Record<string, string> = {
	email: 'me@example.com',
	uuid: EXAMPLE_UUID,
	'date-time': '2026-01-01T12:00:00Z',
	date: '2026-01-01',
	time: '12:00:00Z',
	uri: 'https://example.com/darkroom-hook',
	url: 'https://example.com/darkroom-hook',
	'uri-reference': '/api/images',
	hostname: 'example.com',
	ipv4: '192.0.2.1',
	ipv6: '2001:db8::1',
	password: 'correct horse battery staple',
	binary: '',
	byte: 'ZGFya3Jvb20=',
}

/**
 * An example value for a schema: its own `example`, `examples[0]`, `const`,
 * `default` or first `enum` value when it has one, otherwise generated from
 * its type. Objects get their required properties, and optional ones that
 * have an example or default of their own; arrays get `minItems` (at least
 * one) items.
 */
export function exampleFor(doc: OpenApiDocument, node: unknown, name?: string, depth = 0): unknown {
	const schema = resolveRef(doc, node)
	const own = declaredExample(schema)
	if (own.found) return own.value
	if (depth > 8) return null
	for (const key of ['oneOf', 'anyOf'] as const) {
		const options = asArray(schema[key]).map((option) => resolveRef(doc, option))
		const chosen = options.find((option) => !typeNames(option).every((t) => t === 'null'))
		if (chosen) return exampleFor(doc, { ...withoutKey(schema, key), ...chosen }, name, depth + 1)
	}
	if (Array.isArray(schema.allOf)) {
		const merged = mergeAllOf(doc, schema)
		return exampleFor(doc, merged, name, depth + 1)
	}
	const type = typeNames(schema).find((t) => t !== 'null') ?? inferType(schema)
	switch (type) {
		case 'object': {
			const properties = (schema.properties as Json | undefined) ?? {}
			const required = new Set(asArray(schema.required))
			const value: Json = {}
			for (const [key, property] of Object.entries(properties)) {
				if (!required.has(key) && !declaredExample(resolveRef(doc, property)).found) continue
				value[key] = exampleFor(doc, property, key, depth + 1)
			}
			return value
		}
		case 'array': {
			const items = resolveRef(doc, schema.items ?? {})
			const count = Math.max(1, Number(schema.minItems ?? 1))
			if (Array.isArray(items.enum)) return items.enum.slice(0, count)
			return Array.from({ length: count }, () => exampleFor(doc, items, name, depth + 1))
		}
		case 'integer':
		case 'number': {
			const minimum = typeof schema.minimum === 'number' ? schema.minimum : undefined
			const maximum = typeof schema.maximum === 'number' ? schema.maximum : undefined
			let value = minimum ?? 1
			if (maximum !== undefined && value > maximum) value = maximum
			return type === 'integer' ? Math.ceil(value) : value
		}
		case 'boolean':
			return true
		case 'null':
			return null
		default:
			return stringExample(schema, name)
	}
}

function declaredExample(schema: Json): { found: boolean; value?: unknown } {
	if ('example' in schema) return { found: true, value: schema.example }
	if (Array.isArray(schema.examples) && schema.examples.length > 0) {
		return { found: true, value: schema.examples[0] }
	}
	if ('const' in schema) return { found: true, value: schema.const }
	if ('default' in schema) return { found: true, value: schema.default }
	if (Array.isArray(schema.enum) && schema.enum.length > 0) {
		return { found: true, value: schema.enum.find((v) => v !== null) ?? schema.enum[0] }
	}
	return { found: false }
}

/** Values for fields whose name says what they hold, when the schema does not. */
const nameExamples: Array<[RegExp, string]> = [
	[/password/i, formatExamples.password!],
	[/e-?mail/i, formatExamples.email!],
	[/url$/i, formatExamples.uri!],
]

function stringExample(schema: Json, name?: string) {
	const format = typeof schema.format === 'string' ? schema.format : undefined
	let value =
		(format && formatExamples[format]) ??
		(name && nameExamples.find(([pattern]) => pattern.test(name))?.[1]) ??
		name ??
		'string'
	const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0
	const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity
	if (value.length < minLength) value = value.padEnd(minLength, '-x')
	return value.slice(0, maxLength)
}

function mergeAllOf(doc: OpenApiDocument, schema: Json): Json {
	const merged: Json = { ...withoutKey(schema, 'allOf'), properties: {}, required: [] }
	for (const part of [schema, ...asArray(schema.allOf)].map((p) => resolveRef(doc, p))) {
		Object.assign(merged.properties as Json, part.properties ?? {})
		;(merged.required as unknown[]).push(...asArray(part.required))
		if (part.type && !merged.type) merged.type = part.type
	}
	return merged
}

const withoutKey = (schema: Json, key: string) => {
	const copy = { ...schema }
	delete copy[key]
	return copy
}

/** The schema's `type` as a list (`['string', 'null']`), or [] when it has none. */
export function typeNames(schema: Json): string[] {
	if (Array.isArray(schema.type)) return schema.type.filter((t) => typeof t === 'string')
	return typeof schema.type === 'string' ? [schema.type] : []
}

function inferType(schema: Json) {
	if (schema.properties) return 'object'
	if (schema.items) return 'array'
	return 'string'
}

// ---------------------------------------------------------------------------
// curl

/** Quotes a word for a POSIX shell. */
export const shellQuote = (text: string) =>
	/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`

/** The first `{a}` `{b}` path template values replaced with example values. */
function examplePath(doc: OpenApiDocument, operation: Operation) {
	return operation.path.replace(/\{([^}]+)\}/g, (whole, name: string) => {
		const parameter = operation.parameters.find((p) => p.in === 'path' && p.name === name)
		if (!parameter) return whole
		const value = parameter.example ?? exampleFor(doc, parameter.schema, name)
		return encodeURIComponent(String(value))
	})
}

/** The base the document's first server resolves to against `baseUrl`, with no trailing slash. */
export function serverUrl(doc: OpenApiDocument, baseUrl: string) {
	const server = doc.servers?.[0]?.url ?? '/'
	return new URL(server, baseUrl).href.replace(/\/+$/, '')
}

/** The credential header (or cookie) curl should send for the first usable scheme. */
function credentialArgs(doc: OpenApiDocument, operation: Operation): string[] {
	if (!isSecured(operation)) return []
	const schemes = doc.components?.securitySchemes ?? {}
	const candidates = operation.security.flatMap((alt) => Object.keys(alt))
	// A bearer token is what API clients have; fall back to whatever else is allowed.
	const ordered = [
		...candidates.filter((name) => schemes[name]?.type === 'http'),
		...candidates.filter((name) => schemes[name]?.type !== 'http'),
	]
	for (const name of ordered) {
		const scheme = schemes[name]
		if (!scheme) continue
		if (scheme.type === 'http' && String(scheme.scheme).toLowerCase() === 'bearer') {
			return ['-H', '"Authorization: Bearer $DARKROOM_TOKEN"']
		}
		if (scheme.type === 'http' && String(scheme.scheme).toLowerCase() === 'basic') {
			return ['-u', '"$DARKROOM_USER:$DARKROOM_PASSWORD"']
		}
		if (scheme.type === 'apiKey' && scheme.in === 'header') {
			return ['-H', `"${scheme.name}: $DARKROOM_TOKEN"`]
		}
		if (scheme.type === 'apiKey' && scheme.in === 'cookie') {
			return ['-b', `"${scheme.name}=$DARKROOM_SESSION"`]
		}
	}
	return ['-H', '"Authorization: Bearer $DARKROOM_TOKEN"']
}

/** The query string of the example: required parameters, and those with an example. */
function exampleQuery(doc: OpenApiDocument, operation: Operation) {
	const query = new URLSearchParams()
	for (const parameter of operation.parameters) {
		if (parameter.in !== 'query') continue
		const schemaExample = declaredExample(parameter.schema)
		const hasExample = parameter.example !== undefined || 'example' in parameter.schema
		if (!parameter.required && !hasExample) continue
		const value =
			parameter.example ??
			(schemaExample.found
				? schemaExample.value
				: exampleFor(doc, parameter.schema, parameter.name))
		for (const item of Array.isArray(value) ? value : [value])
			query.append(parameter.name, String(item))
	}
	const text = query.toString()
	return text ? `?${text}` : ''
}

/** The request body part of the example: `-F` fields, or a JSON (or other) `-d`. */
function bodyArgs(doc: OpenApiDocument, operation: Operation): string[][] {
	const content = (operation.requestBody?.content as Json | undefined) ?? {}
	const types = Object.keys(content)
	if (types.length === 0) return []
	const preferred =
		types.find((t) => t === 'multipart/form-data') ?? types.find((t) => /json/.test(t)) ?? types[0]!
	const media = resolveRef(doc, content[preferred])
	if (preferred === 'multipart/form-data') {
		const schema = resolveRef(doc, media.schema ?? {})
		const required = new Set(asArray(schema.required))
		const lines: string[][] = []
		for (const [name, raw] of Object.entries((schema.properties as Json | undefined) ?? {})) {
			const property = resolveRef(doc, raw)
			if (!required.has(name)) continue
			if (property.format === 'binary' || property.contentMediaType || property.contentEncoding) {
				lines.push(['-F', shellQuote(`${name}=@${fileNameFor(media, name)}`)])
			} else {
				lines.push(['-F', shellQuote(`${name}=${String(exampleFor(doc, property, name))}`)])
			}
		}
		return lines
	}
	const value = mediaExample(doc, media)
	const body = /json/.test(preferred) ? JSON.stringify(value) : String(value ?? '')
	return [
		['-H', shellQuote(`Content-Type: ${preferred}`)],
		['-d', shellQuote(body)],
	]
}

/** The example of a media type object: its `example`, first `examples` value, or the schema's. */
export function mediaExample(doc: OpenApiDocument, media: Json): unknown {
	if ('example' in media) return media.example
	const examples = Object.values((media.examples as Json | undefined) ?? {})
	if (examples.length > 0) {
		const first = resolveRef(doc, examples[0])
		if ('value' in first) return first.value
	}
	return exampleFor(doc, media.schema ?? {})
}

function fileNameFor(media: Json, part: string) {
	const encoding = (media.encoding as Record<string, Json> | undefined)?.[part]
	const contentType = String(encoding?.contentType ?? '')
	return contentType.includes('image/') ? 'photo.jpg' : 'file.bin'
}

/**
 * A curl command for the operation, against `baseUrl` (this server's origin):
 * the method when curl would not infer it, example path and query values, the
 * credential for secured operations (`$DARKROOM_TOKEN`), and an example body.
 */
export function curlFor(doc: OpenApiDocument, operation: Operation, baseUrl: string): string {
	const url = serverUrl(doc, baseUrl) + examplePath(doc, operation) + exampleQuery(doc, operation)
	const body = bodyArgs(doc, operation)
	const method = operation.method.toUpperCase()
	const first = ['curl']
	const successes = Object.keys(operation.responses).filter((s) => /^[23]/.test(s))
	// A redirect is the answer (a download): follow it and save the file under its own name.
	if (successes.length > 0 && successes.every((s) => s.startsWith('3'))) first.push('-L', '-OJ')
	if (successesStream(operation)) first.push('-N')
	if (method === 'HEAD') first.push('-I')
	else if (!(method === 'GET' && body.length === 0) && !(method === 'POST' && body.length > 0)) {
		first.push('-X', method)
	}
	first.push(shellQuote(url))
	const lines = [first, credentialArgs(doc, operation), ...headerArgs(doc, operation), ...body]
	return lines
		.filter((line) => line.length > 0)
		.map((line) => line.join(' '))
		.join(' \\\n  ')
}

/** Required header parameters (optional ones, like Idempotency-Key, are left to the reader). */
function headerArgs(doc: OpenApiDocument, operation: Operation): string[][] {
	return operation.parameters
		.filter((p) => p.in === 'header' && p.required)
		.map((p) => {
			const value = p.example ?? exampleFor(doc, p.schema, p.name)
			return ['-H', shellQuote(`${p.name}: ${String(value)}`)]
		})
}

const successesStream = (operation: Operation) =>
	Object.entries(operation.responses).some(
		([status, response]) =>
			status.startsWith('2') &&
			Object.keys((response.content as Json) ?? {}).includes('text/event-stream'),
	)

// ---------------------------------------------------------------------------
// Schemas as field lists

export type SchemaField = {
	name: string
	/** `string (uuid)`, `array of Variant`, `ImageStatus | null`… */
	type: string
	/** The component a `$ref` pointed to, for a link to its definition. */
	ref?: string
	required: boolean
	nullable: boolean
	description?: string
	enum?: unknown[]
	/** Short constraints: `default: 20`, `1–100`, `pattern …`. */
	constraints: string[]
	children: SchemaField[]
}

type FieldOptions = { expandRefs: boolean }

/**
 * The fields of an object schema (or the single field of another one) as a
 * tree: nested objects and array items become children. With `expandRefs`
 * referenced components are expanded in place (once per branch, so cycles
 * end); without, they are named by `ref` and left to their own definition.
 */
export function schemaFields(
	doc: OpenApiDocument,
	node: unknown,
	options: FieldOptions = { expandRefs: true },
): SchemaField[] {
	const root = describeSchema(doc, '', node, true, options, new Set())
	return root.children.length > 0 || root.type.startsWith('object') ? root.children : [root]
}

function describeSchema(
	doc: OpenApiDocument,
	name: string,
	node: unknown,
	required: boolean,
	options: FieldOptions,
	seen: Set<string>,
	top = true,
): SchemaField {
	const { schema, ref, nullable } = unwrap(doc, node)
	const typeList = typeNames(schema).filter((t) => t !== 'null')
	const isNullable = nullable || typeNames(schema).includes('null')
	const field: SchemaField = {
		name,
		type: '',
		ref,
		required,
		nullable: isNullable,
		description: typeof schema.description === 'string' ? schema.description : undefined,
		enum: Array.isArray(schema.enum) ? schema.enum : undefined,
		constraints: constraintsOf(schema),
		children: [],
	}
	const expand = top || !ref || (options.expandRefs && !seen.has(ref))
	const nextSeen = ref ? new Set([...seen, ref]) : seen
	const type = typeList[0] ?? (schema.properties ? 'object' : schema.items ? 'array' : '')
	if (type === 'array' && ref && !top) {
		// A named array (Stages): named like any other component; its enum says the rest.
		field.type = ref
		const itemField = describeSchema(doc, '', schema.items ?? {}, true, options, nextSeen, false)
		if (expand) field.children = itemField.children
		if (!field.enum && itemField.enum) field.enum = itemField.enum
	} else if (type === 'array') {
		const items = unwrap(doc, schema.items ?? {})
		const itemBase = typeNames(items.schema).filter((t) => t !== 'null')[0] || 'any'
		const itemFormat = items.schema.format ? ` (${String(items.schema.format)})` : ''
		const itemType = items.ref ?? itemBase + itemFormat
		field.type = `array of ${itemType}`
		const itemField = describeSchema(doc, '', schema.items ?? {}, true, options, nextSeen, false)
		if (expand) field.children = itemField.children
		if (!field.enum && itemField.enum) field.enum = itemField.enum
		if (!field.ref && items.ref) field.ref = items.ref
	} else {
		field.type = ref && !top ? ref : type || 'any'
		if (type && typeList.length === 1 && schema.format) field.type += ` (${String(schema.format)})`
		if (typeList.length > 1) field.type = typeList.join(' | ')
		if (type === 'object' && expand) {
			const requiredNames = new Set(asArray(schema.required))
			field.children = Object.entries((schema.properties as Json | undefined) ?? {}).map(
				([key, child]) =>
					describeSchema(doc, key, child, requiredNames.has(key), options, nextSeen, false),
			)
		}
	}
	return field
}

/** Resolves `$ref`s and the `anyOf: [X, {type: null}]` nullable idiom. */
function unwrap(
	doc: OpenApiDocument,
	node: unknown,
): { schema: Json; ref?: string; nullable: boolean } {
	const raw = isObject(node) ? node : {}
	for (const key of ['anyOf', 'oneOf'] as const) {
		const options = asArray(raw[key])
		const nonNull = options.filter((o) => !(isObject(o) && o.type === 'null'))
		if (options.length === 2 && nonNull.length === 1) {
			const inner = unwrap(doc, nonNull[0])
			const description = raw.description ?? inner.schema.description
			return { ...inner, schema: { ...inner.schema, description }, nullable: true }
		}
	}
	if (typeof raw.$ref === 'string') {
		return { schema: resolveRef(doc, raw), ref: refName(raw.$ref), nullable: false }
	}
	if (Array.isArray(raw.allOf)) return { schema: mergeAllOf(doc, raw), nullable: false }
	return { schema: raw, nullable: false }
}

function constraintsOf(schema: Json): string[] {
	const out: string[] = []
	const range = (min: unknown, max: unknown, unit: string) => {
		if (min === undefined && max === undefined) return
		if (min !== undefined && max !== undefined) out.push(`${min}–${max}${unit}`)
		else if (min !== undefined) out.push(`at least ${min}${unit}`)
		else out.push(`at most ${max}${unit}`)
	}
	range(schema.minimum, schema.maximum, '')
	range(schema.minLength, schema.maxLength, ' characters')
	range(schema.minItems, schema.maxItems, ' items')
	if (typeof schema.pattern === 'string') out.push(`pattern ${schema.pattern}`)
	if ('default' in schema) out.push(`default: ${JSON.stringify(schema.default)}`)
	if ('const' in schema) out.push(`always ${JSON.stringify(schema.const)}`)
	return out
}

// ---------------------------------------------------------------------------
// Descriptions: Markdown (CommonMark with GFM tables), rendered by marked

const markdown = new Marked({
	gfm: true,
	renderer: {
		// A wide table scrolls sideways in its own box, not the page; focusable so a
		// keyboard can scroll it, and named so a screen reader says what got focus.
		table(token) {
			const table = Renderer.prototype.table.call(this, token)
			return `<div tabindex="0" role="group" aria-label="Table">${table}</div>\n`
		},
		// Code blocks scroll sideways too: focusable for the same reason.
		code(token) {
			return Renderer.prototype.code.call(this, token).replace(/^<pre>/, '<pre tabindex="0">')
		},
	},
})

/**
 * A description as HTML, its headings moved so the highest one is
 * `h{headingLevel}` (the level under the heading the description sits below),
 * whether the text starts at `#` or `##`. Empty for no text.
 */
export function renderMarkdown(text: string | undefined, headingLevel: number): string {
	if (!text?.trim()) return ''
	const tokens = markdown.lexer(text)
	const headings: Tokens.Heading[] = []
	markdown.walkTokens(tokens, (token) => {
		if (token.type === 'heading') headings.push(token as Tokens.Heading)
	})
	const shift = headingLevel - Math.min(...headings.map((heading) => heading.depth))
	for (const heading of headings) heading.depth = Math.min(6, heading.depth + shift)
	return markdown.parser(tokens)
}

/** A schema field with its description rendered, as the page shows it. */
export type FieldView = Omit<SchemaField, 'description' | 'children'> & {
	/** HTML from renderMarkdown. */
	descriptionHtml: string
	/** Where `ref`'s definition is on the page. */
	refAnchor?: string
	children: FieldView[]
}

const fieldViews = (fields: SchemaField[]): FieldView[] =>
	fields.map(({ description, children, ...field }) => ({
		...field,
		descriptionHtml: renderMarkdown(description, 5),
		refAnchor: field.ref ? schemaAnchor(field.ref) : undefined,
		children: fieldViews(children),
	}))

// ---------------------------------------------------------------------------
// The page

export type ParameterView = {
	name: string
	in: string
	required: boolean
	type: string
	/** HTML, like every `descriptionHtml` here (renderMarkdown). */
	descriptionHtml: string
}

export type ContentView = {
	contentType: string
	/** The component the body's schema references, if it is one. */
	schemaRef?: string
	schemaAnchor?: string
	fields: FieldView[]
}

export type ResponseView = {
	status: string
	descriptionHtml: string
	content: ContentView[]
	headers: Array<{ name: string; type: string; descriptionHtml: string }>
}

export type OperationView = {
	anchor: string
	method: string
	path: string
	operationId?: string
	summary?: string
	descriptionHtml: string
	deprecated: boolean
	secured: boolean
	/** The scopes (roles) a token needs, from the security requirements: `bearerAuth: ['read']`. */
	scopes: string[]
	parameters: ParameterView[]
	requestBody: { required: boolean; descriptionHtml: string; content: ContentView[] } | null
	responses: ResponseView[]
	curl: string
}

export type ApiDocsView = {
	title: string
	version: string
	summary?: string
	descriptionHtml: string
	groups: Array<{ tag: string; anchor: string; description?: string; operations: OperationView[] }>
	webhooks: OperationView[]
	schemas: Array<{ name: string; anchor: string; descriptionHtml: string; fields: FieldView[] }>
}

/** Everything the /api/docs page renders, computed once from the document. */
export function describeApi(doc: OpenApiDocument, baseUrl: string): ApiDocsView {
	const operations = operationsOf(doc)
	const tagOrder = [
		...(doc.tags ?? []).map((t) => t.name),
		...operations.flatMap((op) => op.tags),
		'Other',
	]
	const groups = [...new Set(tagOrder)]
		.map((tag) => ({
			tag,
			anchor: `tag-${slug(tag)}`,
			description: doc.tags?.find((t) => t.name === tag)?.description,
			operations: operations
				.filter((op) => (op.tags[0] ?? 'Other') === tag)
				.map((op) => operationView(doc, op, baseUrl)),
		}))
		.filter((group) => group.operations.length > 0)
	const webhooks = Object.entries(doc.webhooks ?? {}).flatMap(([name, rawItem]) => {
		const item = resolveRef(doc, rawItem)
		return HTTP_METHODS.filter((m) => isObject(item[m])).map((method) => {
			const op = toOperation(doc, method, name, item[method] as Json, item)
			return {
				...operationView(doc, { ...op, anchor: `webhook-${slug(name)}-${method}` }, baseUrl),
				curl: '',
			}
		})
	})
	const schemas = Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => ({
		name,
		anchor: schemaAnchor(name),
		descriptionHtml: renderMarkdown(String(schema.description ?? ''), 4),
		fields: fieldViews(
			schemaFields(doc, { ...schema, description: undefined }, { expandRefs: false }),
		),
	}))
	return {
		title: doc.info.title,
		version: doc.info.version,
		summary: doc.info.summary,
		descriptionHtml: renderMarkdown(doc.info.description, 3),
		groups,
		webhooks,
		schemas,
	}
}

export const schemaAnchor = (name: string) => `schema-${slug(name)}`

function operationView(doc: OpenApiDocument, op: Operation, baseUrl: string): OperationView {
	const requestBody = op.requestBody
	return {
		anchor: op.anchor,
		method: op.method.toUpperCase(),
		path: op.path,
		operationId: op.operationId,
		summary: op.summary,
		descriptionHtml: renderMarkdown(op.description, 4),
		deprecated: op.deprecated,
		secured: isSecured(op),
		scopes: [...new Set(op.security.flatMap((alt) => Object.values(alt).flat()))],
		parameters: op.parameters.map((p) => ({
			name: p.name,
			in: p.in,
			required: p.required,
			type: typeLabel(doc, p.schema),
			descriptionHtml: renderMarkdown(p.description, 5),
		})),
		requestBody: requestBody
			? {
					required: requestBody.required === true,
					descriptionHtml: renderMarkdown(String(requestBody.description ?? ''), 5),
					content: contentViews(doc, requestBody.content, true),
				}
			: null,
		responses: Object.entries(op.responses).map(([status, response]) => ({
			status,
			descriptionHtml: renderMarkdown(String(response.description ?? ''), 5),
			content: contentViews(doc, response.content, false),
			headers: Object.entries((response.headers as Json | undefined) ?? {}).map(([name, raw]) => {
				const header = resolveRef(doc, raw)
				return {
					name,
					type: typeLabel(doc, header.schema ?? {}),
					descriptionHtml: renderMarkdown(String(header.description ?? ''), 5),
				}
			}),
		})),
		curl: curlFor(doc, op, baseUrl),
	}
}

function contentViews(doc: OpenApiDocument, content: unknown, withFields: boolean): ContentView[] {
	return Object.entries(isObject(content) ? content : {}).map(([contentType, raw]) => {
		const media = resolveRef(doc, raw)
		const schema = media.schema
		const schemaRef =
			isObject(schema) && typeof schema.$ref === 'string' ? refName(schema.$ref) : undefined
		return {
			contentType,
			schemaRef,
			schemaAnchor: schemaRef ? schemaAnchor(schemaRef) : undefined,
			fields: withFields && schema ? fieldViews(schemaFields(doc, schema)) : [],
		}
	})
}

/** A one-line type for a parameter or header schema. */
export function typeLabel(doc: OpenApiDocument, node: unknown): string {
	const field = describeSchema(doc, '', node, true, { expandRefs: false }, new Set())
	const parts = [field.nullable ? `${field.type} | null` : field.type]
	if (field.enum) parts.push(`one of ${field.enum.map((v) => JSON.stringify(v)).join(', ')}`)
	parts.push(...field.constraints)
	return parts.join('; ')
}
