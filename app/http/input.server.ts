import { z } from 'zod'
import { BadRequestError } from '#app/errors'
import { parseInput } from '#app/validation'

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
