import { z } from 'zod'

// What the API answers about AI usage, described once: the OpenAPI document
// is generated from these, and aiUsage returns their type.

const tokens = z.int().min(0)
const usd = z.number().min(0)

export const usageByModelSchema = z
	.object({
		model: z.string().meta({ description: 'As in `ai.model`.' }),
		images: z.int().min(1),
		inputTokens: tokens,
		outputTokens: tokens,
		costUsd: usd,
	})
	.meta({ id: 'UsageByModel' })

export const usageSchema = z
	.object({
		from: z.iso.date().meta({ description: 'First UTC day, included.' }),
		to: z.iso.date().meta({ description: 'Last UTC day, included.' }),
		imagesAnalyzed: z.int().min(0),
		inputTokens: tokens,
		outputTokens: tokens,
		costUsd: usd.meta({ description: 'USD, the sum of `ai.costUsd`.' }),
		byModel: z
			.array(usageByModelSchema)
			.meta({ description: 'The same totals per model, by model name.' }),
		embeddingRequests: z.int().min(0).meta({
			description:
				'Addition: embeddings calls for semantic search (one per image text embedded, one per new search query; a repeated query is answered from a cache and not counted).',
		}),
		embeddingTokens: tokens.meta({ description: 'Addition: input tokens of those calls.' }),
		embeddingCostUsd: usd.meta({
			description: 'Addition: USD of those calls, priced like the analyses (`AI_PRICES`).',
		}),
		totalCostUsd: usd.meta({ description: 'Addition: `costUsd` + `embeddingCostUsd`.' }),
	})
	.meta({
		id: 'Usage',
		description:
			"The caller's AI analyses that completed in `from`..`to`, and (additions) the semantic search embeddings made for them in those days.",
		example: {
			from: '2026-01-01',
			to: '2026-01-30',
			imagesAnalyzed: 42,
			inputTokens: 39480,
			outputTokens: 5460,
			costUsd: 0.024528,
			byModel: [
				{
					model: 'gpt-4.1-mini-2025-04-14',
					images: 42,
					inputTokens: 39480,
					outputTokens: 5460,
					costUsd: 0.024528,
				},
			],
			embeddingRequests: 45,
			embeddingTokens: 3150,
			embeddingCostUsd: 0.000063,
			totalCostUsd: 0.024591,
		},
	})
