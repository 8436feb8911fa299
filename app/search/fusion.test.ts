import { describe, expect, it } from 'vitest'
import { fuse } from './fusion'

describe('fuse', () => {
	it('puts every-word matches first, in their own order, however far in meaning', () => {
		expect(fuse(['new', 'old'], ['new', 'old'], ['a', 'b', 'old', 'new'])).toEqual([
			'new',
			'old',
			'a',
			'b',
		])
	})

	it('orders the rest by reciprocal rank over some-words and meaning', () => {
		// b is second by meaning and first by some of the words: it overtakes a, first by meaning only.
		expect(fuse([], ['b', 'c'], ['a', 'b'])).toEqual(['b', 'a', 'c'])
		expect(fuse([], [], ['x', 'y'])).toEqual(['x', 'y'])
		expect(fuse(['w'], ['w', 'z'], [])).toEqual(['w', 'z'])
	})
})
