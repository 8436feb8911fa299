import { usageSchema } from '#app/ai/schemas'
import { aiUsage, DEFAULT_USAGE_DAYS, usageQuerySchema } from '#app/ai/usage.server'
import { jsonContent, problem } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'

export const getUsage = defineOperation({
	method: 'GET',
	path: '/api/usage',
	operationId: 'getUsage',
	tag: 'Usage',
	summary: 'AI usage and cost',
	description: `The caller's AI analyses in whole UTC days \`from\`..\`to\` (both included), with their
tokens and cost, in total and per model. Default: the last ${DEFAULT_USAGE_DAYS} days up to today (UTC); with only
\`to\`, the ${DEFAULT_USAGE_DAYS} days ending then; with only \`from\`, up to today.

An analysis counts on the day it completed. Each existing image counts once, with its latest
completed analysis: a deleted image, or an analysis replaced by a re-run, no longer counts.
Analyses by the \`local\` provider or by models missing from the price table count with cost 0.`,
	access: 'read',
	rateLimit: 'read',
	query: usageQuerySchema,
	responses: {
		'200': { description: 'The totals.', content: jsonContent(usageSchema) },
		'422': problem(
			'ValidationFailed',
			'`from` or `to` is not a `YYYY-MM-DD` date, or `from` is after `to`.',
		),
	},
	handler: async ({ auth, query }) => json(await aiUsage(auth.user.id, query)),
})
