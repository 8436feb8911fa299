// What the gallery's search box means, as plain data (queries.server.ts turns
// it into SQL). Like a web search: words must all match, "quoted words" match
// together, `or` between two terms lets either match, and `-word` excludes.
// Unlike PostgreSQL's websearch_to_tsquery, a hyphen inside a word is part of
// the word: `rocket-copy` and `camera-4000x3000` are names, not exclusions.

export type SearchTerm = {
	/** The term as typed, without quotes or a leading minus. */
	text: string
	/** Quoted: matches as a whole, no prefix match on its last word. */
	phrase: boolean
}

export type SearchTerms = {
	/** Every group must match; within a group, any term (`a or b`). */
	all: SearchTerm[][]
	/** No term may match. */
	none: SearchTerm[]
}

type Token = SearchTerm & { negated: boolean; or: boolean }

/** The search box text as groups of terms; an empty result means no search. */
export function parseSearchTerms(input: string): SearchTerms {
	const all: SearchTerm[][] = []
	const none: SearchTerm[] = []
	let joinNext = false
	for (const token of tokenize(input)) {
		if (token.or) {
			// `or` joins the terms either side; at the start or after an exclusion it joins nothing.
			joinNext = all.length > 0
			continue
		}
		const term = { text: token.text, phrase: token.phrase }
		if (token.negated) {
			none.push(term)
			joinNext = false
		} else if (joinNext) {
			all[all.length - 1]!.push(term)
			joinNext = false
		} else {
			all.push([term])
		}
	}
	return { all, none }
}

export const isEmptySearch = (terms: SearchTerms) =>
	terms.all.length === 0 && terms.none.length === 0

/**
 * The words of a term as the text search sees them: runs of letters and
 * digits, lower-cased (`IMG_2001.jpg` → img, 2001, jpg).
 */
export function wordsOf(text: string): string[] {
	return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
}

function* tokenize(input: string): Generator<Token> {
	let i = 0
	while (i < input.length) {
		if (/\s/.test(input[i]!)) {
			i++
			continue
		}
		// A minus excludes only at the start of a token (the start of the text or after a space).
		let negated = false
		if (input[i] === '-' && i + 1 < input.length && !/\s/.test(input[i + 1]!)) {
			negated = true
			i++
		}
		if (input[i] === '"') {
			const end = input.indexOf('"', i + 1)
			const stop = end === -1 ? input.length : end
			const text = input
				.slice(i + 1, stop)
				.trim()
				.replace(/\s+/g, ' ')
			i = stop + 1
			if (text) yield { text, phrase: true, negated, or: false }
			continue
		}
		let end = i
		while (end < input.length && !/\s/.test(input[end]!)) end++
		const text = input.slice(i, end)
		i = end
		if (text === '-') continue
		const or = !negated && text.toLowerCase() === 'or'
		yield { text, phrase: false, negated, or }
	}
}
