import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * Files that take a minute or more on 2 cores. A fresh clone has no timings
 * cached, so vitest would order by file size, and container-scripts (short,
 * but a whole install and build) started last, leaving one worker alone with
 * it at the end of the run.
 */
const LONGEST = ['container-scripts', 'recovery', 'backup', 'webhooks', 'replicas', 'load']

function rank(file: TestSpecification): number {
	const index = LONGEST.findIndex((name) => file.moduleId.endsWith(`/${name}.test.ts`))
	return index === -1 ? LONGEST.length : index
}

/** vitest's own order (failed first, then longest cached), with the known long files ahead of it. */
export class LongestFirstSequencer extends BaseSequencer {
	override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		return (await super.sort(files)).sort((a, b) => rank(a) - rank(b))
	}
}
