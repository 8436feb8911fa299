import { describe, expect, it } from 'vitest'
import { isEmptySearch, parseSearchTerms, wordsOf } from './search-terms'

const word = (text: string) => ({ text, phrase: false })
const phrase = (text: string) => ({ text, phrase: true })

describe('parseSearchTerms', () => {
	it('keeps hyphens inside a word as part of it', () => {
		expect(parseSearchTerms('rocket-copy')).toEqual({ all: [[word('rocket-copy')]], none: [] })
		expect(parseSearchTerms('camera-4000x3000')).toEqual({
			all: [[word('camera-4000x3000')]],
			none: [],
		})
		expect(parseSearchTerms('trailing- a-')).toEqual({
			all: [[word('trailing-')], [word('a-')]],
			none: [],
		})
	})

	it('excludes only with a minus at the start or after a space', () => {
		expect(parseSearchTerms('rocket -copy')).toEqual({
			all: [[word('rocket')]],
			none: [word('copy')],
		})
		expect(parseSearchTerms('-draft')).toEqual({ all: [], none: [word('draft')] })
		expect(parseSearchTerms('a\t-b')).toEqual({ all: [[word('a')]], none: [word('b')] })
	})

	it('ignores a lone minus', () => {
		expect(parseSearchTerms('cat - dog')).toEqual({ all: [[word('cat')], [word('dog')]], none: [] })
	})

	it('reads quoted words as one phrase, also excluded or unclosed', () => {
		expect(parseSearchTerms('"red  car" -"blue sky" "open')).toEqual({
			all: [[phrase('red car')], [phrase('open')]],
			none: [phrase('blue sky')],
		})
		expect(parseSearchTerms('"" "  "')).toEqual({ all: [], none: [] })
	})

	it('groups terms joined by or, ignoring a dangling or', () => {
		expect(parseSearchTerms('cat dog or bird OR "sea lion" fish')).toEqual({
			all: [[word('cat')], [word('dog'), word('bird'), phrase('sea lion')], [word('fish')]],
			none: [],
		})
		expect(parseSearchTerms('or cat or')).toEqual({ all: [[word('cat')]], none: [] })
		expect(parseSearchTerms('cat or -dog bird')).toEqual({
			all: [[word('cat')], [word('bird')]],
			none: [word('dog')],
		})
		// Quoted or excluded, "or" is a word like any other.
		expect(parseSearchTerms('"or" -or')).toEqual({ all: [[phrase('or')]], none: [word('or')] })
	})

	it('is empty for blank input', () => {
		expect(isEmptySearch(parseSearchTerms('  '))).toBe(true)
		expect(isEmptySearch(parseSearchTerms('-'))).toBe(true)
		expect(isEmptySearch(parseSearchTerms('-x'))).toBe(false)
	})
})

describe('wordsOf', () => {
	it('splits at punctuation and lower-cases, keeping letters of any script', () => {
		expect(wordsOf('IMG_2001.jpg')).toEqual(['img', '2001', 'jpg'])
		expect(wordsOf('Café-Ölberg')).toEqual(['café', 'ölberg'])
		expect(wordsOf('--')).toEqual([])
	})
})
