import fs from 'node:fs'
import path from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { describe, expect, it } from 'vitest'
import { openApiDocument } from '#app/http/openapi.server'
import { action, loader } from '#app/routes/api.openapi[.]json'

// Structural checks of /api/openapi.json, without a server or the network.

type Json = Record<string, unknown>

const doc = openApiDocument as unknown as Json
const paths = doc.paths as Record<string, Json>
const components = doc.components as Record<string, Record<string, Json>>

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

// The contract's routes (shared/contract.md); checked against the file itself below when present.
const contractRoutes = [
	'POST /api/auth/register',
	'POST /api/auth/login',
	'POST /api/auth/logout',
	'GET /api/me',
	'POST /api/images',
	'POST /api/images/upload',
	'GET /api/images',
	'GET /api/images/{id}',
	'GET /api/images/{id}/download',
	'POST /api/images/{id}/process',
	'POST /api/images/process',
	'DELETE /api/images/{id}',
	'GET /api/health',
	'GET /api/openapi.json',
]

const publicRoutes = [
	'POST /api/auth/register',
	'POST /api/auth/login',
	'GET /api/health',
	'GET /api/health/live',
	'GET /api/openapi.json',
]

// The top-level fields of the contract's "Image detail" block.
const imageDetailFields = [
	'id',
	'filename',
	'contentType',
	'byteSize',
	'sha256',
	'createdAt',
	'updatedAt',
	'width',
	'height',
	'format',
	'status',
	'aiStatus',
	'overallStatus',
	'error',
	'aiError',
	'metadata',
	'variants',
	'urlsExpireAt',
	'ai',
]

const contractPath = path.resolve(import.meta.dirname, '../../../shared/contract.md')
const contract = fs.existsSync(contractPath) ? fs.readFileSync(contractPath, 'utf8') : null

function routesInContract(text: string) {
	const found = new Set<string>()
	for (const match of text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/api\/[^`?\s]*)/g)) {
		found.add(`${match[1]} ${match[2]}`)
	}
	return [...found]
}

function imageDetailFieldsInContract(text: string) {
	const block = text.split('### Image detail')[1]?.split('```')[1]
	if (!block) throw new Error('No image detail block in the contract')
	const fields: string[] = []
	for (const line of block.split('\n')) {
		// Top-level fields are indented by exactly two spaces; nested ones by more.
		const top = /^ {2}(?! )(.*)$/.exec(line)?.[1]
		if (!top) continue
		const code = top.replace(/\/\/.*$/, '')
		const key = /^(\w+)\s*:/.exec(code)
		if (key) fields.push(key[1]!)
		else
			fields.push(
				...code
					.split(',')
					.map((s) => s.trim())
					.filter((s) => /^\w+$/.test(s)),
			)
	}
	return fields
}

type Operation = {
	key: string
	path: string
	method: string
	op: Json
}

const operations: Operation[] = Object.entries(paths).flatMap(([p, item]) =>
	HTTP_METHODS.filter((m) => m in item).map((m) => ({
		key: `${m.toUpperCase()} ${p}`,
		path: p,
		method: m,
		op: item[m] as Json,
	})),
)

function resolvePointer(ref: string): unknown {
	if (!ref.startsWith('#/')) throw new Error(`Not a local $ref: ${ref}`)
	let node: unknown = doc
	for (const raw of ref.slice(2).split('/')) {
		const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
		if (node === null || typeof node !== 'object' || !(segment in node)) return undefined
		node = (node as Json)[segment]
	}
	return node
}

function collectRefs(node: unknown, at: string, out: { ref: string; at: string }[] = []) {
	if (Array.isArray(node)) node.forEach((child, i) => collectRefs(child, `${at}/${i}`, out))
	else if (node && typeof node === 'object') {
		for (const [key, value] of Object.entries(node)) {
			if (key === '$ref' && typeof value === 'string') out.push({ ref: value, at })
			else collectRefs(value, `${at}/${key}`, out)
		}
	}
	return out
}

/** A response object, following a $ref to components.responses. */
function responseOf(op: Json, status: string): Json | undefined {
	const response = (op.responses as Record<string, Json>)[status]
	if (!response) return undefined
	return typeof response.$ref === 'string'
		? { ...(resolvePointer(response.$ref) as Json), ...response }
		: response
}

describe('openApiDocument', () => {
	it('is OpenAPI 3.1.0', () => {
		expect(doc.openapi).toBe('3.1.0')
		expect((doc.info as Json).title).toBeTruthy()
		expect((doc.info as Json).version).toBeTruthy()
		expect(String((doc.info as Json).description)).toContain('curl ')
	})

	it('documents every route of the contract, with the right methods', () => {
		expect(operations.map((o) => o.key)).toEqual(expect.arrayContaining(contractRoutes))
	})

	it.skipIf(!contract)('lists the same routes as shared/contract.md', () => {
		expect(routesInContract(contract!).sort()).toEqual([...contractRoutes].sort())
	})

	it('resolves every $ref inside the document', () => {
		const refs = collectRefs(doc, '#')
		expect(refs.length).toBeGreaterThan(0)
		const broken = refs.filter(({ ref }) => resolvePointer(ref) === undefined)
		expect(broken).toEqual([])
	})

	it('gives every operation a unique operationId, a success response and problem+json errors', () => {
		const ids = operations.map(({ op }) => op.operationId)
		expect(new Set(ids).size).toBe(ids.length)
		for (const { key, op } of operations) {
			const statuses = Object.keys(op.responses as Json)
			// The download answers only with a redirect to a signed URL.
			const success = key === 'GET /api/images/{id}/download' ? /^3\d\d$/ : /^2\d\d$/
			expect(
				statuses.some((s) => success.test(s)),
				key,
			).toBe(true)
			for (const status of statuses.filter((s) => /^[45]/.test(s))) {
				if (key === 'GET /api/health') continue // its 503 is the health JSON
				const content = responseOf(op, status)!.content as Json
				expect(Object.keys(content), `${key} ${status}`).toEqual(['application/problem+json'])
			}
		}
	})

	it('requires auth everywhere except register, login, health and the document itself', () => {
		expect(doc.security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }, { cookieAuth: [] }])
		const schemes = components.securitySchemes!
		expect(schemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
		expect(schemes.apiKeyAuth).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' })
		expect(schemes.cookieAuth).toMatchObject({
			type: 'apiKey',
			in: 'cookie',
			name: 'darkroom_session',
		})
		for (const { key, op } of operations) {
			const security = (op.security ?? doc.security) as unknown[]
			if (publicRoutes.includes(key)) {
				expect(security, key).toEqual([])
				continue
			}
			expect(security.length, key).toBeGreaterThan(0)
			const unauthorized = responseOf(op, '401')
			expect(unauthorized, `${key} documents 401`).toBeDefined()
			expect(Object.keys(unauthorized!.headers as Json)).toContain('WWW-Authenticate')
		}
	})

	it('documents the real error statuses of the upload, download and process operations', () => {
		const statusesOf = (key: string) =>
			Object.keys(operations.find((o) => o.key === key)!.op.responses as Json)
		for (const key of ['POST /api/images', 'POST /api/images/upload']) {
			expect(statusesOf(key)).toEqual(
				expect.arrayContaining(['202', '400', '401', '413', '415', '422', '503']),
			)
			const replayed = responseOf(operations.find((o) => o.key === key)!.op, '202')!
			expect(Object.keys(replayed.headers as Json)).toEqual(['Location', 'Idempotent-Replayed'])
		}
		expect(statusesOf('GET /api/images/{id}/download')).toEqual(
			expect.arrayContaining(['302', '401', '404', '422']),
		)
		expect(statusesOf('POST /api/images/process')).toEqual(
			expect.arrayContaining(['202', '400', '401', '404', '409', '422']),
		)
		expect(statusesOf('POST /api/auth/register')).toEqual(
			expect.arrayContaining(['201', '409', '422']),
		)
		expect(statusesOf('GET /api/usage')).toEqual(expect.arrayContaining(['200', '401', '422']))
		expect(statusesOf('GET /api/images')).toEqual(expect.arrayContaining(['200', '401', '422']))
		expect(statusesOf('POST /api/tokens')).toEqual(
			expect.arrayContaining(['201', '400', '401', '409', '422']),
		)
		expect(statusesOf('DELETE /api/tokens/{id}')).toEqual(
			expect.arrayContaining(['204', '401', '404']),
		)
		expect(statusesOf('PATCH /api/webhooks/{id}')).toEqual(
			expect.arrayContaining(['200', '400', '401', '404', '422']),
		)
		expect(statusesOf('POST /api/webhooks/{id}/deliveries/{deliveryId}/retry')).toEqual(
			expect.arrayContaining(['202', '401', '404', '409']),
		)
		expect(statusesOf('POST /api/webhooks/{id}/test')).toContain('409')
		expect(components.schemas!.Webhook!.required).toEqual(
			expect.arrayContaining(['enabled', 'disabledAt', 'disabledReason']),
		)
		const responses = components.responses!
		expect(Object.keys(responses.StorageUnavailable!.headers as Json)).toEqual(['Retry-After'])
		expect(Object.keys(responses.MethodNotAllowed!.headers as Json)).toEqual(['Allow'])
	})

	it('requires every field of the contract image detail in ImageDetail', () => {
		const detail = components.schemas!.ImageDetail!
		expect(detail.required).toEqual(expect.arrayContaining(imageDetailFields))
		expect(Object.keys(detail.properties as Json)).toEqual(
			expect.arrayContaining(imageDetailFields),
		)
		const listItem = components.schemas!.ImageListItem!
		expect(listItem.required).toEqual(
			expect.arrayContaining([
				'id',
				'filename',
				'createdAt',
				'status',
				'aiStatus',
				'overallStatus',
				'width',
				'height',
				'thumbnailUrl',
			]),
		)
	})

	it('documents the search filters, the usage query and the AI additions', () => {
		const parameterNames = (key: string) =>
			(operations.find((o) => o.key === key)!.op.parameters as Json[]).map(
				(p) => (resolvePointer(p.$ref as string) as Json).name,
			)
		expect(parameterNames('GET /api/images')).toEqual(
			expect.arrayContaining(['page', 'pageSize', 'status', 'q', 'tag']),
		)
		expect(parameterNames('GET /api/usage')).toEqual(['from', 'to'])
		const schemas = components.schemas!
		expect(schemas.Usage!.required).toEqual(
			expect.arrayContaining([
				'from',
				'to',
				'imagesAnalyzed',
				'inputTokens',
				'outputTokens',
				'costUsd',
				'byModel',
			]),
		)
		const safety = (schemas.AiResult!.properties as Record<string, Json>).safety!
		expect(safety.required).toEqual(expect.arrayContaining(['flagged', 'categories', 'source']))
		expect((safety.properties as Record<string, Json>).source!.enum).toEqual([
			'moderation',
			'model',
			'none',
		])
		expect(Object.keys(schemas.ImageListItem!.properties as Json)).toEqual(
			expect.arrayContaining(['safety', 'tags']),
		)
	})

	it.skipIf(!contract)('finds the same image detail fields in shared/contract.md', () => {
		expect(imageDetailFieldsInContract(contract!)).toEqual(imageDetailFields)
	})

	it('describes the nested image detail objects of the contract', () => {
		const schemas = components.schemas!
		expect(schemas.Metadata!.required).toEqual(
			expect.arrayContaining([
				'format',
				'width',
				'height',
				'space',
				'hasAlpha',
				'orientation',
				'density',
				'pages',
				'exif',
				'gps',
			]),
		)
		const metadata = schemas.Metadata!.properties as Record<string, Json>
		expect(metadata.exif!.type).toEqual(['object', 'null'])
		expect(metadata.gps!.type).toEqual(['object', 'null'])
		expect(schemas.Variant!.required).toEqual(['url', 'contentType', 'byteSize', 'width', 'height'])
		expect(schemas.AiResult!.required).toEqual(
			expect.arrayContaining([
				'summary',
				'tags',
				'ocrText',
				'safety',
				'model',
				'inputTokens',
				'outputTokens',
				'costUsd',
			]),
		)
		expect(schemas.Problem!.required).toEqual(['type', 'title', 'status', 'detail'])
		expect(schemas.OverallStatus!.enum).toEqual([
			'pending',
			'processing',
			'completed',
			'partial',
			'failed',
		])
		expect(schemas.AiStatus!.enum).toEqual([
			'pending',
			'processing',
			'completed',
			'failed',
			'skipped',
		])
		expect(schemas.ImageStatus!.enum).toEqual(['pending', 'processing', 'completed', 'failed'])
	})

	it('passes @apidevtools/swagger-parser validation', async () => {
		// validate() dereferences in place: give it a copy.
		await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy()
	})
})

describe('GET /api/openapi.json', () => {
	it('serves the document as cacheable JSON', async () => {
		const request = new Request('http://localhost/api/openapi.json')
		const response = await loader({ request, params: {}, context: { requestId: 'test' } })
		expect(response.status).toBe(200)
		expect(response.headers.get('Content-Type')).toBe('application/json')
		expect(response.headers.get('Cache-Control')).toBe('public, max-age=300')
		expect(await response.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument)))
	})

	it('answers other methods with 405', async () => {
		const request = new Request('http://localhost/api/openapi.json', { method: 'POST' })
		const response = await action({ request, params: {}, context: { requestId: 'test' } })
		expect(response.status).toBe(405)
		expect(response.headers.get('Allow')).toBe('GET')
		expect(response.headers.get('Content-Type')).toBe('application/problem+json')
	})
})
