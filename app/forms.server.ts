import { data } from '@remix-run/node'
import { AppError, type FieldError } from '#app/errors'

// The one way a page action answers a refused form: the status of the error
// (app/errors.ts), its message, the first problem of each field, and the form
// as it was typed. The page parses with parseInput (#app/validation) inside
// `run`, so a schema's mismatch is a ValidationError like any domain refusal.

/** The first problem of each form field, by the field's name. */
export type FieldErrors = Record<string, string>

/** What was typed: one string per field, a list for repeated names (checkboxes). */
export type FormValues = Record<string, string | string[]>

/** Every page's answer to a refused form. */
export type FormRefusal<Values extends FormValues = FormValues> = {
	/** The whole message: for the page to show when no field carries the problem. */
	error: string
	/** Only for fields the form has, so a page shows each one beside its field. */
	fieldErrors: FieldErrors
	/** What was typed, without secrets, to fill the form again. */
	values: Values
}

export type FormOptions<Values extends FormValues, Secret extends keyof Values, About> = {
	/**
	 * Every field the form has, as typed (passwords too: `secrets` are never sent
	 * back). A function when `run` reads the form itself (after a rate limit).
	 */
	values?: Values | (() => Values)
	/** Fields whose value never goes back to the browser. */
	secrets?: readonly Secret[]
	/** Which form or row the answer belongs to (an intent, an id): refusals carry it too. */
	about?: About
	/** The page's own words for a field's problem. */
	fieldMessages?: Partial<FieldErrors>
	/** The page's own wording of the whole message. */
	message?: (error: AppError) => string
	/** A page that has always answered some refusals with another status keeps it. */
	status?: (error: AppError) => number
}

/**
 * Runs a page action's work. What it returns (or throws: redirects) is the
 * answer; an AppError becomes a FormRefusal with the error's status and
 * headers. Anything else rethrows: the 500 page, logged.
 */
export async function formAction<
	Result,
	Values extends FormValues = Record<never, never>,
	Secret extends keyof Values = never,
	About extends object = Record<never, never>,
>(options: FormOptions<Values, Secret, About>, run: () => Promise<Result>) {
	try {
		return await run()
	} catch (error) {
		if (!(error instanceof AppError)) throw error
		const typed = typeof options.values === 'function' ? options.values() : options.values
		const refusal: FormRefusal<Omit<Values, Secret>> = {
			error: options.message?.(error) ?? error.message,
			fieldErrors: fieldErrorsOf(error.errors, Object.keys(typed ?? {}), options.fieldMessages),
			values: withoutSecrets(typed ?? ({} as Values), options.secrets ?? []),
		}
		return data(
			{ ...(options.about as About), ...refusal },
			{ status: options.status?.(error) ?? error.status, headers: error.headers },
		)
	}
}

/** The first problem of each field the form has; `events.0` belongs to `events`. */
export function fieldErrorsOf(
	errors: FieldError[] = [],
	fields: readonly string[],
	fieldMessages: Partial<FieldErrors> = {},
): FieldErrors {
	const fieldErrors: FieldErrors = {}
	for (const { path, message } of errors) {
		const field = path.split('.')[0]!
		if (fields.includes(field)) fieldErrors[field] ??= fieldMessages[field] ?? message
	}
	return fieldErrors
}

function withoutSecrets<Values extends FormValues, Secret extends keyof Values>(
	values: Values,
	secrets: readonly Secret[],
): Omit<Values, Secret> {
	const kept: Partial<Values> = { ...values }
	for (const secret of secrets) delete kept[secret]
	return kept as Omit<Values, Secret>
}

/** A form's fields as typed: each name once, or every value of the `lists` (checkboxes). */
export function formValues<const Text extends string, const List extends string = never>(
	form: FormData,
	text: readonly Text[],
	lists: readonly List[] = [],
) {
	const values: FormValues = {}
	for (const name of text) values[name] = String(form.get(name) ?? '')
	for (const name of lists) values[name] = form.getAll(name).map(String)
	return values as { [K in Text]: string } & { [K in List]: string[] }
}
