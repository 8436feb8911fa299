import { describe, expect, it } from 'vitest'
import {
	embeddingText,
	normalize,
	quantize,
	quantizedDot,
	realArrayLiteral,
	signatureOf,
	textHash,
} from './vectors'

describe('embeddingText', () => {
	it('joins summary, tags, OCR text and file name, leaving out what is missing', () => {
		const ai = { summary: 'A receipt.', tags: ['paper', 'shop'], ocrText: 'TOTAL 4.20' }
		expect(embeddingText({ filename: 'scan.jpg', ai })).toBe(
			'A receipt.\npaper, shop\nTOTAL 4.20\nscan.jpg',
		)
		expect(
			embeddingText({ filename: 'scan.jpg', ai: { summary: null, tags: [], ocrText: ' ' } }),
		).toBe('scan.jpg')
	})

	it('hashes the same text the same way and another text differently', () => {
		expect(textHash('a')).toBe(textHash('a'))
		expect(textHash('a')).not.toBe(textHash('b'))
	})
})

describe('vectors', () => {
	it('are stored at unit length, with their sign bits as the signature', () => {
		expect(normalize([3, -4])).toEqual([0.6, -0.8])
		expect(signatureOf([0.6, -0.8, 0])).toBe('101')
		expect(realArrayLiteral([0.5, -1])).toBe('{0.5,-1}')
	})
})

describe('quantize', () => {
	it('keeps cosine similarities within about a percent', () => {
		const a = normalize(Array.from({ length: 512 }, (_, i) => Math.sin(i * 1.7) + 0.3))
		const b = normalize(Array.from({ length: 512 }, (_, i) => Math.cos(i * 0.9) + 0.3))
		const exact = a.reduce((sum, x, i) => sum + x * b[i]!, 0)
		expect(quantize(a)).toHaveLength(516)
		expect(Math.abs(quantizedDot(quantize(a), b) - exact)).toBeLessThan(0.01)
		expect(quantizedDot(quantize(a), a)).toBeCloseTo(1, 2)
	})
})
