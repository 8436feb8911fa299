// TRANSITION (issue 18): compares the generated document with the hand-written
// one it replaces, operation by operation, both fully dereferenced.
// Usage: DATABASE_URL=postgres://x@127.0.0.1:1/x npx tsx scripts/openapi-diff.ts [before.json] [pathPrefix]
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { buildOpenApiDocument } from '#app/http/openapi.server'
import { operations } from '#app/http/operations.server'

type Json = Record<string, unknown>
const [beforeFile = '/work/notes/openapi-before.json', prefix = '/api/'] = process.argv.slice(2)

/** Shared answers stay named (compared once, below), the rest is dereferenced. */
async function prepare(doc: Json): Promise<Json> {
	for (const item of Object.values(doc.paths as Json)) {
		for (const op of Object.values(item as Json)) {
			const responses = (op as Json)?.responses as Json | undefined
			for (const [status, response] of Object.entries(responses ?? {})) {
				const { $ref, description } = response as Json
				if (typeof $ref === 'string' && $ref.startsWith('#/components/responses/')) {
					responses![status] =
						`shared ${$ref.split('/').pop()}${description ? `: ${description}` : ''}`
				}
			}
		}
	}
	return (await SwaggerParser.dereference(doc as never)) as Json
}
const before = await prepare(JSON.parse(fs.readFileSync(beforeFile, 'utf8')))
const after = await prepare(structuredClone(buildOpenApiDocument(operations)) as unknown as Json)

// zod closes every answer's objects (additionalProperties: false): intended, so not shown.
const sortKeys = (value: unknown): unknown =>
	Array.isArray(value)
		? value.map(sortKeys)
		: value && typeof value === 'object'
			? Object.fromEntries(
					Object.keys(value as Json)
						.filter((key) => !(key === 'additionalProperties' && (value as Json)[key] === false))
						.sort()
						.map((key) => [key, sortKeys((value as Json)[key])]),
				)
			: value

function operationView(doc: Json, pathName: string, method: string) {
	const item = ((doc.paths as Json)[pathName] ?? {}) as Json
	const op = (item[method] ?? {}) as Json
	const parameters = [...((item.parameters as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])]
	parameters.sort((a, b) => `${a.in}${a.name}`.localeCompare(`${b.in}${b.name}`))
	return sortKeys({ ...op, parameters, pathDescription: item.description })
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-diff-'))
let differing = 0
for (const [pathName, item] of Object.entries(after.paths as Json)) {
	if (!pathName.startsWith(prefix)) continue
	for (const method of Object.keys(item as Json).filter((key) => key !== 'description')) {
		const a = path.join(dir, 'before.json')
		const b = path.join(dir, 'after.json')
		fs.writeFileSync(a, JSON.stringify(operationView(before, pathName, method), null, 1))
		fs.writeFileSync(b, JSON.stringify(operationView(after, pathName, method), null, 1))
		const diff = spawnSync('diff', ['-u', a, b], { encoding: 'utf8' }).stdout
		if (diff) {
			differing++
			console.log(
				`\n===== ${method.toUpperCase()} ${pathName}\n${diff.split('\n').slice(2).join('\n')}`,
			)
		}
	}
}
for (const kind of ['responses', 'headers', 'securitySchemes', 'requestBodies']) {
	const a = path.join(dir, 'before.json')
	const b = path.join(dir, 'after.json')
	const of = (doc: Json) => sortKeys((doc.components as Json)[kind] ?? {})
	fs.writeFileSync(a, JSON.stringify(of(before), null, 1))
	fs.writeFileSync(b, JSON.stringify(of(after), null, 1))
	const diff = spawnSync('diff', ['-u', a, b], { encoding: 'utf8' }).stdout
	if (diff && prefix === '/api/') console.log(`\n===== components.${kind}\n${diff}`)
}
console.log(`\n${differing} operation(s) differ`)
