import { describe, expect, it } from 'vitest'
import { isCommonPassword, isEmailAsPassword, newPasswordSchema } from './password.server'

const problems = (password: unknown) =>
	newPasswordSchema.safeParse(password).error?.issues.map((issue) => issue.message) ?? []

describe('newPasswordSchema', () => {
	it('takes 8 characters and more, spaces and any script included, up to 256', () => {
		for (const password of [
			'kx7#mq2v',
			'correct horse battery',
			'пароль-на-кухне',
			'y'.repeat(256),
		]) {
			expect(problems(password)).toEqual([])
		}
	})

	it('counts characters as people do: 7 emoji are 7 characters, not 14', () => {
		expect(problems('🔒'.repeat(7))).toEqual(['Password must be at least 8 characters'])
		expect(problems('🔒'.repeat(8))).toEqual([])
	})

	it('refuses too short, too long and missing passwords with one message each', () => {
		expect(problems('1234567')).toEqual(['Password must be at least 8 characters'])
		expect(problems('y'.repeat(257))).toEqual(['Password must be at most 256 characters'])
		expect(problems(undefined)).toEqual(['Password is required'])
	})

	it('refuses passwords from the common and breached list, in any case', () => {
		for (const password of ['password', '12345678', 'Iloveyou', 'QWERTYUIOP', 'trustno1']) {
			expect(isCommonPassword(password)).toBe(true)
			expect(problems(password)[0]).toMatch(/list of common or breached passwords/)
		}
		expect(isCommonPassword('correct horse battery')).toBe(false)
	})
})

describe('isEmailAsPassword', () => {
	it('matches the email whatever its case and surrounding spaces', () => {
		expect(isEmailAsPassword(' Me@Example.com', 'me@example.com')).toBe(true)
		expect(isEmailAsPassword('me@example.com!', 'me@example.com')).toBe(false)
	})
})
