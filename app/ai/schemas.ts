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
	})
	.meta({
		id: 'Usage',
		description: "The caller's AI analyses that completed in `from`..`to`.",
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
		},
	})
