import type { Row } from './context'

// The printed table: one line per row, every figure beside its reference.

const HEADERS = ['section', 'metric', 'darkroom', 'reference', 'ratio', 'target', ''] as const

export function formatTable(rows: Row[]): string {
	const cells = rows.map((row) => [
		row.section,
		row.metric,
		row.value,
		row.reference,
		row.ratio === null || !Number.isFinite(row.ratio) ? '–' : `${row.ratio.toFixed(2)}×`,
		row.target,
		row.pass === null ? '' : row.pass ? 'ok' : 'MISS',
	])
	const widths = HEADERS.map((header, i) =>
		Math.max(header.length, ...cells.map((line) => line[i]!.length)),
	)
	const line = (values: readonly string[]) =>
		values
			.map((value, i) => value.padEnd(widths[i]!))
			.join('  ')
			.trimEnd()
	return [line(HEADERS), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}

/** The same table as Markdown, for docs/performance.md. */
export function formatMarkdown(rows: Row[]): string {
	const escape = (text: string) => text.replace(/\|/g, '\\|')
	const lines = rows.map(
		(row) =>
			`| ${[
				row.section,
				row.metric,
				row.value,
				row.reference,
				row.ratio === null || !Number.isFinite(row.ratio) ? '–' : `${row.ratio.toFixed(2)}×`,
				row.target,
				row.pass === null ? '' : row.pass ? 'ok' : 'miss',
			]
				.map(escape)
				.join(' | ')} |`,
	)
	return [
		'| section | metric | darkroom | reference | ratio | target | |',
		'|---|---|---|---|---|---|---|',
		...lines,
	].join('\n')
}
