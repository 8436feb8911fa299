import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	curlFor,
	describeApi,
	exampleFor,
	type OpenApiDocument,
	operationsOf,
	resolveRef,
} from '#app/http/api-docs'
import { openApiDocument } from '#app/http/openapi.server'
import { smallJpeg } from '#tests/support/images'
import { startWeb, type WebProcess } from '#tests/support/app'

// The /api/docs page and the generator behind it (app/http/api-docs.ts): every
// operation of the OpenAPI document gets a curl example, and the examples
// work when pasted into a shell against the real server.

type Json = Record<string, unknown>

const doc = openApiDocument as unknown as OpenApiDocument
const BASE = 'https://darkroom.example'
const operations = operationsOf(doc)
const keyOf = (op: { method: string; path: string }) => `${op.method.toUpperCase()} ${op.path}`

/**
 * Whether `value` satisfies `schema`, as a list of problems (empty when it
 * does): types, required properties, enums, consts, lengths, ranges, item
 * counts and the formats the API's request bodies use.
 */
function violations(schemaNode: unknown, value: unknown, at = '(root)'): string[] {
	const schema = resolveRef(doc, schemaNode)
	for (const key of ['anyOf', 'oneOf'] as const) {
		if (Array.isArray(schema[key])) {
			const fits = (schema[key] as unknown[]).some(
				(option) => violations(option, value).length === 0,
			)
			if (!fits) return [`${at}: matches none of ${key}`]
		}
	}
	const problems: string[] = []
	const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []
	const typeOf = (v: unknown) =>
		v === null
			? 'null'
			: Array.isArray(v)
				? 'array'
				: Number.isInteger(v)
					? 'integer'
					: typeof v === 'number'
						? 'number'
						: typeof v
	const actual = typeOf(value)
	const typeOk =
		types.length === 0 ||
		types.includes(actual) ||
		(actual === 'integer' && types.includes('number'))
	if (!typeOk) return [`${at}: ${actual} is not ${types.join(' | ')}`]
	if (Array.isArray(schema.enum) && !schema.enum.includes(value))
		problems.push(`${at}: not in enum`)
	if ('const' in schema && schema.const !== value) problems.push(`${at}: not the const`)
	if (typeof value === 'string') {
		if (typeof schema.minLength === 'number' && value.length < schema.minLength)
			problems.push(`${at}: shorter than ${schema.minLength}`)
		if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
			problems.push(`${at}: longer than ${schema.maxLength}`)
		if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
			problems.push(`${at}: does not match ${schema.pattern}`)
		if (schema.format === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value))
			problems.push(`${at}: not an email`)
		if (schema.format === 'uuid' && !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(value))
			problems.push(`${at}: not a uuid`)
		if (schema.format === 'uri' && !URL.canParse(value)) problems.push(`${at}: not a URI`)
	}
	if (typeof value === 'number') {
		if (typeof schema.minimum === 'number' && value < schema.minimum)
			problems.push(`${at}: below ${schema.minimum}`)
		if (typeof schema.maximum === 'number' && value > schema.maximum)
			problems.push(`${at}: above ${schema.maximum}`)
	}
	if (Array.isArray(value)) {
		if (typeof schema.minItems === 'number' && value.length < schema.minItems)
			problems.push(`${at}: fewer than ${schema.minItems} items`)
		if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
			problems.push(`${at}: more than ${schema.maxItems} items`)
		value.forEach((item, i) => problems.push(...violations(schema.items ?? {}, item, `${at}.${i}`)))
	}
	if (actual === 'object') {
		const object = value as Json
		for (const name of (schema.required as string[] | undefined) ?? []) {
			if (!(name in object)) problems.push(`${at}: missing required ${name}`)
		}
		const properties = (schema.properties as Json | undefined) ?? {}
		for (const [name, child] of Object.entries(object)) {
			if (name in properties) problems.push(...violations(properties[name], child, `${at}.${name}`))
			else if (schema.additionalProperties === false) problems.push(`${at}: unknown ${name}`)
		}
	}
	return problems
}

describe('the curl generator (app/http/api-docs.ts)', () => {
	it('gives every operation of the document a curl example against the base URL', () => {
		expect(operations.length).toBeGreaterThanOrEqual(16)
		for (const op of operations) {
			const curl = curlFor(doc, op, BASE)
			const pathPrefix = op.path.split('{')[0]!
			expect(curl, keyOf(op)).toMatch(/^curl /)
			expect(curl, keyOf(op)).toContain(`${BASE}${pathPrefix}`)
			// No template is left for the reader to fill in.
			expect(curl, keyOf(op)).not.toMatch(/\{\w+\}/)
		}
	})

	it('builds JSON bodies that satisfy the request schema', () => {
		const jsonOperations = operations.filter(
			(op) => (op.requestBody?.content as Json | undefined)?.['application/json'],
		)
		expect(jsonOperations.map(keyOf)).toEqual(
			expect.arrayContaining(['POST /api/auth/register', 'POST /api/images/process']),
		)
		for (const op of jsonOperations) {
			const curl = curlFor(doc, op, BASE)
			expect(curl, keyOf(op)).toContain(`-H 'Content-Type: application/json'`)
			const body = /-d '((?:[^']|'\\'')*)'/.exec(curl)?.[1]?.replace(/'\\''/g, "'")
			expect(body, keyOf(op)).toBeDefined()
			const schema = ((op.requestBody!.content as Json)['application/json'] as Json).schema
			expect(violations(schema, JSON.parse(body!)), keyOf(op)).toEqual([])
		}
		const register = operations.find((op) => op.operationId === 'register')!
		expect(curlFor(doc, register, BASE)).toContain(
			`-d '{"email":"me@example.com","password":"correct horse battery staple"}'`,
		)
		// Optional properties with a default are shown; required ones always are.
		const batch = operations.find((op) => op.operationId === 'processImages')!
		expect(curlFor(doc, batch, BASE)).toContain(`"stages":["image","ai"]`)
	})

	it('uploads with -F file=@ and sends the bearer token only where the operation needs one', () => {
		for (const op of operations) {
			const curl = curlFor(doc, op, BASE)
			const multipart = (op.requestBody?.content as Json | undefined)?.['multipart/form-data']
			if (multipart) expect(curl, keyOf(op)).toContain('-F file=@photo.jpg')
			else expect(curl, keyOf(op)).not.toContain('-F ')
			const security = (op.security ?? doc.security) as unknown[]
			const secured = security.length > 0
			expect(curl.includes('-H "Authorization: Bearer $DARKROOM_TOKEN"'), keyOf(op)).toBe(secured)
		}
		const curlOf = (key: string) =>
			curlFor(
				doc,
				operations.find((op) => keyOf(op) === key)!,
				BASE,
			)
		expect(curlOf('POST /api/images')).toMatch(/^curl https:\/\/darkroom\.example\/api\/images \\/)
		expect(curlOf('GET /api/health')).toBe('curl https://darkroom.example/api/health')
		expect(curlOf('DELETE /api/images/{id}')).toMatch(
			/^curl -X DELETE https:\/\/darkroom\.example\/api\/images\/[0-9a-f-]{36} \\/,
		)
		expect(curlOf('POST /api/auth/logout')).toMatch(/^curl -X POST /)
		expect(curlOf('GET /api/images/{id}/download')).toMatch(/^curl -L -OJ /)
	})

	it('handles operations it has never seen: header and query parameters, streams, API keys', () => {
		const synthetic: OpenApiDocument = {
			openapi: '3.1.0',
			info: { title: 'Synthetic', version: '1' },
			servers: [{ url: '/v2' }],
			security: [{ apiKey: [] }],
			paths: {
				'/things/{thingId}': {
					parameters: [{ name: 'thingId', in: 'path', required: true, example: 'abc 1' }],
					put: {
						parameters: [
							{ name: 'X-Trace', in: 'header', required: true, schema: { type: 'string' } },
							{ name: 'dryRun', in: 'query', required: true, schema: { type: 'boolean' } },
							{ name: 'unused', in: 'query', schema: { type: 'string' } },
						],
						requestBody: {
							content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
						},
						responses: { '204': { description: 'Saved.' }, '304': { description: 'Same.' } },
					},
				},
				'/events': {
					get: {
						security: [],
						responses: {
							'200': { description: 'Events.', content: { 'text/event-stream': {} } },
						},
					},
				},
			},
			webhooks: {
				imageCompleted: {
					post: {
						requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
						responses: { '200': { description: 'Received.' } },
					},
				},
			},
			components: {
				securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
				schemas: {
					Thing: {
						type: 'object',
						required: ['name', 'size', 'labels', 'parent'],
						properties: {
							name: { type: 'string', minLength: 3 },
							size: { type: 'integer', minimum: 5 },
							labels: { type: 'array', minItems: 2, items: { enum: ['a', 'b', 'c'] } },
							parent: { anyOf: [{ $ref: '#/components/schemas/Ref' }, { type: 'null' }] },
							note: { type: ['string', 'null'] },
						},
					},
					Ref: {
						type: 'object',
						required: ['id'],
						properties: { id: { type: 'string', format: 'uuid' } },
					},
				},
			},
		}
		const [put, events] = operationsOf(synthetic)
		expect(curlFor(synthetic, put!, BASE)).toBe(
			[
				`curl -X PUT 'https://darkroom.example/v2/things/abc%201?dryRun=true'`,
				`-H "X-API-Key: $DARKROOM_TOKEN"`,
				`-H 'X-Trace: X-Trace'`,
				`-H 'Content-Type: application/json'`,
				`-d '{"name":"name","size":5,"labels":["a","b"],"parent":{"id":"0b7e4c1e-8f5d-4a53-9a41-2d1f0c6e9b10"}}'`,
			].join(' \\\n  '),
		)
		expect(curlFor(synthetic, events!, BASE)).toBe('curl -N https://darkroom.example/v2/events')
		expect(exampleFor(synthetic, { $ref: '#/components/schemas/Thing' })).not.toHaveProperty('note')
		const view = describeApi(synthetic, BASE)
		const putView = view.groups[0]!.operations[0]!
		expect(putView.responses.map((r) => r.status)).toEqual(['204', '304'])
		const parent = putView.requestBody!.content[0]!.fields.find((f) => f.name === 'parent')!
		expect(parent).toMatchObject({ type: 'Ref', ref: 'Ref', nullable: true, required: true })
		expect(parent.children.map((c) => c.name)).toEqual(['id'])
		// Outgoing webhooks are described, but there is nothing to curl.
		expect(view.webhooks).toMatchObject([{ method: 'POST', path: 'imageCompleted', curl: '' }])
	})

	it('renders descriptions as HTML, their headings under the heading they sit below', () => {
		const described: OpenApiDocument = {
			openapi: '3.1.0',
			info: { title: 'Described', version: '1', description: '## Intro\n\nHello **there**.' },
			paths: {
				'/things': {
					get: {
						description:
							'# Notes\n\n- one `a`\n- two\n\n## Detail\n\n| a | b |\n|---|---|\n| `x` | 2 |',
						responses: { '200': { description: 'A `Thing`.' } },
					},
				},
			},
		}
		const view = describeApi(described, BASE)
		// The overview sits under an h2, an operation under an h3: whatever level the text starts at.
		expect(view.descriptionHtml).toContain('<h3>Intro</h3>')
		expect(view.descriptionHtml).toContain('<strong>there</strong>')
		const operation = view.groups[0]!.operations[0]!
		expect(operation.descriptionHtml).toContain('<h4>Notes</h4>')
		expect(operation.descriptionHtml).toContain('<h5>Detail</h5>')
		expect(operation.descriptionHtml).toMatch(/<ul>\s*<li>one <code>a<\/code><\/li>/)
		// A table scrolls in its own box, which a keyboard can reach.
		expect(operation.descriptionHtml).toMatch(
			/<div tabindex="0" role="group" aria-label="Table"><table>[\s\S]*<td><code>x<\/code><\/td>/,
		)
		expect(operation.responses[0]!.descriptionHtml).toBe('<p>A <code>Thing</code>.</p>\n')
	})
})

// ---------------------------------------------------------------------------
// The page, served by the real web process

const hasCurl = fs.existsSync('/usr/bin/curl')

function decodeHtml(text: string) {
	return text
		.replace(/<[^>]+>/g, '')
		.replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
		.replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
		.replace(/&quot;/g, '"')
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&amp;/g, '&')
}

/** The curl commands on the page, by operation id, as a reader would copy them. */
function curlsOnPage(html: string): Map<string, string> {
	const found = new Map<string, string>()
	for (const match of html.matchAll(/<pre[^>]*data-curl="([^"]+)"[^>]*>([\s\S]*?)<\/pre>/g)) {
		found.set(match[1]!, decodeHtml(match[2]!))
	}
	return found
}

/** Runs a command from the page in a shell, printing the status on a last line of its own. */
function runInShell(
	command: string,
	{ cwd, token }: { cwd: string; token?: string },
): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn('sh', ['-c', `${command} -sS -w '\\n%{http_code}'`], {
			cwd,
			// Nothing of ours leaks in: the token is there only when the example should have it.
			env: {
				PATH: process.env.PATH,
				...(token ? { DARKROOM_TOKEN: token } : {}),
			} as unknown as NodeJS.ProcessEnv,
			stdio: ['ignore', 'pipe', 'pipe'],
		})
		let out = ''
		let err = ''
		child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
		child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
		child.on('error', reject)
		child.on('exit', (code) => {
			if (code !== 0) return reject(new Error(`${command}\nexited ${code}: ${err}`))
			const cut = out.lastIndexOf('\n')
			resolve({ status: Number(out.slice(cut + 1)), body: out.slice(0, cut) })
		})
	})
}

describe('GET /api/docs', () => {
	let web: WebProcess
	let html: string
	let workDir: string

	beforeAll(async () => {
		web = await startWeb()
		workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-docs-'))
		fs.writeFileSync(path.join(workDir, 'photo.jpg'), await smallJpeg())
	})

	afterAll(async () => {
		await web?.stop()
		if (workDir) fs.rmSync(workDir, { recursive: true, force: true })
	})

	it('is an HTML page for anyone, not an API problem', async () => {
		const response = await fetch(`${web.baseUrl}/api/docs`, { headers: { Accept: 'text/html' } })
		html = await response.text()
		expect(response.status).toBe(200)
		expect(response.headers.get('Content-Type')).toMatch(/^text\/html\b/)
		expect(response.headers.get('Content-Security-Policy')).toContain("script-src 'self' 'nonce-")
		expect(html).toContain('<h1')
		expect(html.match(/<h1\b/g)).toHaveLength(1)
		expect(html).toContain('href="/api/openapi.json"')
	})

	it('shows every path of the document, each operation with its curl example', async () => {
		html ??= await (await fetch(`${web.baseUrl}/api/docs`)).text()
		for (const pathName of Object.keys(doc.paths)) expect(html).toContain(pathName)
		const curls = curlsOnPage(html)
		expect(curls.size).toBe(operations.length)
		for (const op of operations) {
			const curl = curls.get(op.operationId!)
			expect(curl, keyOf(op)).toBe(curlFor(doc, op, web.baseUrl))
			expect(curl, keyOf(op)).toMatch(
				new RegExp(`^curl .*${web.baseUrl.replace(/\./g, '\\.')}/api/`),
			)
		}
	})

	it('renders the descriptions: headings, tables, lists, code and links, no Markdown left over', async () => {
		html ??= await (await fetch(`${web.baseUrl}/api/docs`)).text()
		const main = /<main\b[\s\S]*<\/main>/.exec(html)![0]
		const overview = /<section aria-labelledby="overview"[\s\S]*?<\/section>/.exec(main)![0]
		expect(overview).toContain('<h3>Rate limits</h3>')
		// The rate-limit table is a table, in a box that scrolls sideways and takes keyboard focus.
		expect(overview).toMatch(
			/<div tabindex="0" role="group" aria-label="Table"><table>\s*<thead>\s*<tr>\s*<th>class<\/th>/,
		)
		expect(overview).toContain('<td><code>upload</code></td>')
		expect(overview).toMatch(/<ul>\s*<li>JSON in and out \(<code>application\/json<\/code>\)/)
		expect(overview).toContain('<strong>Personal tokens</strong>')
		expect(overview).toContain('<a href="https://www.standardwebhooks.com">Standard Webhooks</a>')
		expect(overview).toMatch(/<pre tabindex="0"><code class="language-sh">BASE=/)
		const events = /<article aria-labelledby="op-streamimageevents"[\s\S]*?<\/article>/.exec(
			main,
		)![0]
		expect(events).toMatch(/<ul>\s*<li><code>event: image<\/code> with <code>data:<\/code>/)
		// No Markdown syntax is left for a reader to see in any description (code blocks aside).
		const text = decodeHtml(main.replace(/<pre\b[\s\S]*?<\/pre>/g, ''))
		expect(text).not.toContain('`')
		expect(text).not.toContain('**')
		expect(text).not.toMatch(/\]\(https?:/)
		expect(text).not.toMatch(/^\s*(#|\|)/m)
	})

	it.skipIf(!hasCurl)(
		'has examples that work as pasted: health, register, upload, detail, list, delete',
		async () => {
			html ??= await (await fetch(`${web.baseUrl}/api/docs`)).text()
			const curls = curlsOnPage(html)
			const run = (id: string, token?: string, edit = (c: string) => c) =>
				runInShell(edit(curls.get(id)!), { cwd: workDir, token })

			const health = await run('getHealth')
			expect(health.status).toBe(200)
			expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' })

			const registered = await run('register')
			expect(registered.status, registered.body).toBe(201)
			const { token } = JSON.parse(registered.body) as { token: string }

			const me = await run('getMe', token)
			expect(me.status, me.body).toBe(200)
			expect(JSON.parse(me.body)).toMatchObject({ user: { email: 'me@example.com' } })

			const uploaded = await run('uploadImage', token)
			expect(uploaded.status, uploaded.body).toBe(202)
			const image = JSON.parse(uploaded.body) as { id: string; filename: string }
			expect(image.filename).toBe('photo.jpg')

			// The examples use a placeholder id: the reader puts in their own.
			const withId = (curl: string) =>
				curl.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/, image.id)
			const detail = await run('getImage', token, withId)
			expect(detail.status, detail.body).toBe(200)
			expect(JSON.parse(detail.body)).toMatchObject({ id: image.id, filename: 'photo.jpg' })

			const list = await run('listImages', token)
			expect(list.status, list.body).toBe(200)
			expect(JSON.parse(list.body)).toMatchObject({ page: 1, items: expect.any(Array) })

			const deleted = await run('deleteImage', token, withId)
			expect(deleted.status, deleted.body).toBe(204)
			expect((await run('getImage', token, withId)).status).toBe(404)

			// Without the token the secured examples are refused, so the header matters.
			expect((await run('getMe')).status).toBe(401)
		},
	)

	it.skipIf(!hasCurl)(
		'has webhook examples that work as pasted: enable and describe, resend a delivery',
		async () => {
			html ??= await (await fetch(`${web.baseUrl}/api/docs`)).text()
			const curls = curlsOnPage(html)
			const registered = await runInShell(
				curls.get('register')!.replace('me@example.com', 'hooks@example.com'),
				{ cwd: workDir },
			)
			expect(registered.status, registered.body).toBe(201)
			const { token, user } = JSON.parse(registered.body) as { token: string; user: { id: string } }
			// Registering one here would need DNS for its host: a disabled webhook and a failed delivery, in SQL.
			const sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
			try {
				const [webhook] = await sql<[{ id: string }]>`
					insert into webhooks (user_id, url, events, secret_encrypted, disabled_at, disabled_reason)
					values (${user.id}, 'https://example.com/darkroom-hook', '{image.completed}', 'unused',
						now(), 'Disabled by its owner.')
					returning id`
				const [delivery] = await sql<[{ id: string; eventId: string }]>`
					insert into webhook_deliveries (webhook_id, event_id, event_type, payload, status)
					values (${webhook.id}, gen_random_uuid(), 'webhook.test', '{"type":"webhook.test"}', 'failed')
					returning id, event_id as "eventId"`
				// The examples' placeholder ids, in path order: the webhook's, then the delivery's.
				const withIds = (curl: string) => {
					const ids = [webhook.id, delivery.id]
					return curl.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, () => ids.shift()!)
				}
				const run = (id: string) => runInShell(withIds(curls.get(id)!), { cwd: workDir, token })

				const edited = await run('updateWebhook')
				expect(edited.status, edited.body).toBe(200)
				expect(JSON.parse(edited.body)).toMatchObject({
					webhook: {
						id: webhook.id,
						description: 'Production receiver',
						enabled: true,
						disabledAt: null,
					},
				})
				const resent = await run('retryWebhookDelivery')
				expect(resent.status, resent.body).toBe(202)
				expect(JSON.parse(resent.body)).toMatchObject({
					delivery: { webhookId: webhook.id, eventId: delivery.eventId, status: 'pending' },
				})
			} finally {
				await sql.end()
			}
		},
	)
})
