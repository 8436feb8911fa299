import { z } from 'zod'
import { checkHealth } from '#app/http/health.server'
import { jsonContent } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'

const checkState = z.enum(['ok', 'failing']).meta({ id: 'CheckState' })
const healthChecks = z
	.object({ database: checkState, storage: checkState, queue: checkState })
	.meta({ id: 'HealthChecks' })

export const getHealth = defineOperation({
	method: 'GET',
	path: '/api/health',
	operationId: 'getHealth',
	tag: 'Operations',
	summary: 'Health of the database, storage and queue',
	description:
		'Probes the database, object storage and the job queue, each with a 3 s timeout. Answers `200` when all are `ok`, else `503` naming the failing checks. Not authenticated: for load balancers and orchestrators. Never cached.',
	access: 'public',
	unlimited: true,
	responses: {
		'200': {
			description: 'Every check is ok.',
			content: jsonContent(
				z.object({ status: z.literal('ok'), checks: healthChecks }).meta({ id: 'HealthOk' }),
			),
		},
		'503': {
			description: 'At least one check is failing; `failing` names them.',
			content: {
				'application/json': {
					schema: z
						.object({
							status: z.literal('failing'),
							failing: z
								.array(z.enum(['database', 'storage', 'queue']))
								.min(1)
								.meta({ description: 'The checks that failed.' }),
							checks: healthChecks,
						})
						.meta({ id: 'HealthFailing' }),
					example: {
						status: 'failing',
						failing: ['storage'],
						checks: { database: 'ok', storage: 'failing', queue: 'ok' },
					},
				},
			},
		},
	},
	handler: async () => {
		const health = await checkHealth()
		return json(health, { status: health.status === 'ok' ? 200 : 503 })
	},
})

export const getLiveness = defineOperation({
	method: 'GET',
	path: '/api/health/live',
	operationId: 'getLiveness',
	tag: 'Operations',
	summary: 'Liveness: the process is serving',
	description:
		'Answers `200` while this process serves requests, without probing the database, storage or queue: an outage of those makes a process unready (`GET /api/health`), and restarting it would not help. For liveness probes. Not authenticated. Never cached.',
	access: 'public',
	unlimited: true,
	responses: {
		'200': {
			description: 'The process is serving.',
			content: jsonContent(z.object({ status: z.literal('ok') }).meta({ id: 'Live' })),
		},
	},
	handler: async () => json({ status: 'ok' as const }),
})

// Built on first use, and imported then: this module is part of the document it serves.
let documentBody: string | undefined

export const getOpenApiDocument = defineOperation({
	method: 'GET',
	path: '/api/openapi.json',
	operationId: 'getOpenApiDocument',
	tag: 'Operations',
	summary: 'This document',
	description:
		'The OpenAPI 3.1 description of this API, generated from the declarations the routes are served from. Cacheable for 5 minutes.',
	access: 'public',
	unlimited: true,
	responses: {
		'200': {
			description: 'The OpenAPI document.',
			headers: z.object({
				'Cache-Control': z.literal('public, max-age=300').meta({ description: 'Five minutes.' }),
			}),
			content: jsonContent(
				z
					.object({ openapi: z.string(), info: z.object({}).loose(), paths: z.object({}).loose() })
					.loose()
					.meta({ description: 'An OpenAPI 3.1 document.' }),
			),
		},
	},
	handler: async () => {
		documentBody ??= JSON.stringify((await import('#app/http/openapi.server')).openApiDocument)
		return new Response(documentBody, {
			headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' },
		})
	},
})
