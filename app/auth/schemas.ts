import { z } from 'zod'

// What the API answers about accounts, described once: the OpenAPI document
// is generated from these, and the presenters return their types.

export const timestamp = z.iso.datetime().meta({ description: 'ISO 8601, UTC.' })

export const userSchema = z
	.object({
		id: z.uuid(),
		email: z.email().meta({ description: 'Stored lower-cased.' }),
		createdAt: timestamp,
	})
	.meta({ id: 'User' })
