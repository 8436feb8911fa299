import { describe, expect, it } from 'vitest'
import { fuse } from './fusion'

describe('fuse', () => {
	it('puts a words match first even when it is nowhere in the meaning ranking', () => {
		// By reciprocal rank alone `words` ties with `a` (1/61 each); matching the words decides.
		expect(fuse(['words'], ['a', 'b'])).toEqual(['words', 'a', 'b'])
		// Last by meaning, still first.
		expect(fuse(['words'], ['a', 'b', 'c', 'words'])).toEqual(['words', 'a', 'b', 'c'])
	})

	it('orders words matches by both rankings, then meaning-only matches by theirs', () => {
		// b is second by words but first by meaning: it overtakes a.
		expect(fuse(['a', 'b'], ['b', 'x', 'y'])).toEqual(['b', 'a', 'x', 'y'])
		expect(fuse([], ['x', 'y'])).toEqual(['x', 'y'])
		expect(fuse(['a', 'b'], [])).toEqual(['a', 'b'])
	})
})
