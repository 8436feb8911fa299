import { describe, expect, it } from 'vitest'
import { safeRedirect } from './auth.server'

describe('safeRedirect', () => {
	it.each([
		['/images', '/images'],
		['/images/abc?tab=ai#top', '/images/abc?tab=ai#top'],
		['/settings/tokens', '/settings/tokens'],
		['/a/../images', '/images'],
	])('keeps the path %j on this site', (to, expected) => {
		expect(safeRedirect(to)).toBe(expected)
	})

	it.each([
		'/\t/evil.example',
		'/\n/evil.example',
		'/\r/evil.example',
		'/\r\n/evil.example',
		'/\u0000/evil.example',
		'//evil.example',
		'///evil.example',
		'/\\evil.example',
		'/\\/evil.example',
		'\\/evil.example',
		'\\\\evil.example',
		'https://evil.example',
		'http:/evil.example',
		'javascript:alert(1)',
		'/%09/evil.example',
		'/%5C/evil.example',
		'/%2F/evil.example',
		'/.//evil.example',
		'/%2e//evil.example',
		'/%E0%A4%A',
		'evil.example',
		'',
	])('refuses %j and falls back', (to) => {
		expect(safeRedirect(to)).toBe('/images')
		expect(safeRedirect(to, '/')).toBe('/')
	})

	it('refuses what is not a string', () => {
		expect(safeRedirect(null)).toBe('/images')
		expect(safeRedirect(undefined)).toBe('/images')
		expect(safeRedirect(new File([], 'x'))).toBe('/images')
	})
})
