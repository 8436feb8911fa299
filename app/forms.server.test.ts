import { redirect } from '@remix-run/node'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConflictError, TooManyRequestsError } from '#app/errors'
import { parseInput } from '#app/validation'
import { formAction, formValues } from './forms.server'

const signUp = z.object({
	email: z.email('Enter an email address'),
	password: z.string().min(8, 'At least 8 characters'),
	tags: z.array(z.string().min(2, 'Too short')).min(1, 'Choose one'),
})

function form(fields: Array<[string, string]>) {
	const data = new FormData()
	for (const [name, value] of fields) data.append(name, value)
	return data
}

/** The answer of a refusal: formAction returns data() for those. */
async function refusal<T>(answer: Promise<T>) {
	const result = (await answer) as { data: unknown; init: ResponseInit | null }
	return { body: result.data, status: result.init?.status, headers: result.init?.headers }
}

describe('formValues', () => {
	it('reads each field once, lists as lists, and missing ones as empty', () => {
		const values = formValues(
			form([
				['email', 'a@b.c'],
				['tags', 'x'],
				['tags', 'y'],
			]),
			['email', 'name'],
			['tags', 'none'],
		)
		expect(values).toEqual({ email: 'a@b.c', name: '', tags: ['x', 'y'], none: [] })
	})
})

describe('formAction', () => {
	const typed = { email: 'nope', password: 'short', tags: ['a', 'b'] }

	it('answers what the work returns', async () => {
		expect(await formAction({ values: typed }, async () => ({ done: true }))).toEqual({
			done: true,
		})
	})

	it('answers a schema mismatch 422 with each field’s first problem and what was typed, without secrets', async () => {
		const answer = formAction(
			{ values: typed, secrets: ['password'], about: { intent: 'create' } },
			async () => parseInput(signUp, typed),
		)
		const { body, status } = await refusal(answer)
		expect(status).toBe(422)
		expect(body).toEqual({
			intent: 'create',
			error: expect.stringContaining('email: Enter an email address'),
			fieldErrors: {
				email: 'Enter an email address',
				password: 'At least 8 characters',
				tags: 'Too short',
			},
			values: { email: 'nope', tags: ['a', 'b'] },
		})
	})

	it('leaves out problems of fields the form does not have, and words a field its own way', async () => {
		const answer = formAction(
			{ values: { email: 'nope' }, fieldMessages: { email: 'Which email?' } },
			async () => parseInput(signUp, typed),
		)
		const { body } = await refusal(answer)
		expect(body).toMatchObject({ fieldErrors: { email: 'Which email?' } })
	})

	it('keeps another refusal’s status, headers and message, or the page’s wording and status', async () => {
		const limited = new TooManyRequestsError('Slow down.', {
			limit: 1,
			remaining: 0,
			resetSeconds: 7,
		})
		const plain = await refusal(formAction({}, () => Promise.reject(limited)))
		expect(plain).toEqual({
			body: { error: 'Slow down.', fieldErrors: {}, values: {} },
			status: 429,
			headers: limited.headers,
		})
		const worded = await refusal(
			formAction({ message: (error) => `${error.message} Try again.`, status: () => 200 }, () =>
				Promise.reject(new ConflictError('Taken.')),
			),
		)
		expect(worded).toMatchObject({ body: { error: 'Taken. Try again.' }, status: 200 })
	})

	it('reads what was typed when refused, for work that reads the form itself', async () => {
		let values = { email: '' }
		const answer = formAction({ values: () => values }, async () => {
			values = { email: 'late@example.com' }
			throw new ConflictError('Taken.')
		})
		expect((await refusal(answer)).body).toMatchObject({ values: { email: 'late@example.com' } })
	})

	it('rethrows anything else: redirects and bugs', async () => {
		await expect(
			formAction({}, async () => Promise.reject(redirect('/there'))),
		).rejects.toBeInstanceOf(Response)
		await expect(formAction({}, async () => Promise.reject(new TypeError('bug')))).rejects.toThrow(
			'bug',
		)
	})
})
