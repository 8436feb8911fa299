import { MethodNotAllowedError } from '#app/errors'
import { apiHandler } from './problem.server'

/** A loader or action that answers 405 problem+json naming the allowed methods. */
export const methodNotAllowed = (allowed: string[]) =>
	apiHandler(async () => {
		throw new MethodNotAllowedError(allowed)
	})
