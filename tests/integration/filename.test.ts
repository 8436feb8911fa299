import { describe, expect, test } from 'vitest'
import { safeFilename } from '#app/images/filename'

describe('safeFilename', () => {
	test.each([
		['../../etc/passwd', 'passwd'],
		['C:\\Users\\me\\photo.jpg', 'photo.jpg'],
		['evil\r\nSet-Cookie: x.jpg', 'evil Set-Cookie: x.jpg'],
		['tab\tand\u0000nul.png', 'tab andnul.png'],
		['invoice\u202Egpj.exe', 'invoicegpj.exe'],
		['   ', 'image.jpg'],
		['...', 'image.jpg'],
		['', 'image.jpg'],
		['.hidden.png', 'hidden.png'],
		['café ☕.jpg', 'café ☕.jpg'],
	])('%j → %j', (input, expected) => {
		expect(safeFilename(input, 'jpg')).toBe(expected)
	})

	test('a 1,000-character name is cut to 255 bytes, keeping the extension and whole characters', () => {
		const name = safeFilename(`${'é'.repeat(1000)}.jpeg`)
		expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255)
		expect(name.endsWith('.jpeg')).toBe(true)
		expect(name).not.toContain('\uFFFD')
	})
})
