import { z } from 'zod'
import { BadRequestError, ValidationError } from '#app/errors'

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

/**
 * Reads a JSON request body; malformed JSON is a 400, a schema mismatch a 422.
 * Reading it whole is safe: the server hands routes at most MAX_BODY_BYTES
 * (server/body-limit.ts) and answers 413 past that.
 */
export async function parseJsonBody<S extends z.ZodType>(
	request: Request,
	schema: S,
	{ optional = false } = {},
): Promise<z.output<S>> {
	const text = await request.text()
	if (optional && text.trim() === '') return parseInput(schema, {})
	let value: unknown
	try {
		value = JSON.parse(text)
	} catch {
		throw new BadRequestError('The request body is not valid JSON.')
	}
	return parseInput(schema, value)
}

export function parseSearchParams<S extends z.ZodType>(request: Request, schema: S): z.output<S> {
	return parseInput(schema, Object.fromEntries(new URL(request.url).searchParams))
}

const uuidSchema = z.uuid()

/** Ids in paths are UUIDs; anything else names nothing (a 404, not a 422). */
export const isUuid = (value: string) => uuidSchema.safeParse(value).success
