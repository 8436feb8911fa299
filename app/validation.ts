import { z } from 'zod'
import { ValidationError } from '#app/errors'

// Input validation shared by the API, the pages and the domain modules.

function toValidationError(error: z.ZodError): ValidationError {
	const errors = error.issues.map((issue) => ({
		path: issue.path.join('.') || '(root)',
		message: issue.message,
	}))
	return new ValidationError(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors)
}

/** Parses a value with a zod schema; a mismatch is a 422 naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
	const result = schema.safeParse(value)
	if (!result.success) throw toValidationError(result.error)
	return result.data
}

const uuidSchema = z.uuid()

/** Ids in paths are UUIDs; anything else names nothing (a 404, not a 422). */
export const isUuid = (value: string) => uuidSchema.safeParse(value).success
