import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'

// The secret key a fresh instance generates under DATA_DIR (no SECRET_KEY):
// processes starting at once must all end up with the one key, and a key
// file cut short must never be used.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const run = promisify(execFile)

function env(dataDir: string) {
	const { SECRET_KEY: _unset, ...rest } = process.env
	return { ...rest, DATA_DIR: dataDir }
}

test('threads that start at once on a fresh DATA_DIR all get the same full-length key', async () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-secret-race-'))
	// 12 loaders × 20 fresh directories; before the fix about one round in ten
	// had a loader read the file while it was still empty.
	const { stdout } = await run(
		process.execPath,
		['--import', 'tsx', 'tests/support/secret-key-race.ts', '12', '20'],
		{ cwd: root, env: env(dataDir) },
	)
	const rounds = JSON.parse(stdout) as string[][]
	expect(rounds).toHaveLength(20)
	for (const [round, keys] of rounds.entries()) {
		expect(keys).toHaveLength(12)
		expect(new Set(keys), `round ${round}: ${JSON.stringify(keys)}`).toHaveLength(1)
		expect(keys[0]!.length).toBeGreaterThanOrEqual(32)
		// No temporary file is left beside it.
		expect(fs.readdirSync(path.join(dataDir, String(round)))).toEqual(['secret-key'])
	}
})

test.each([
	['empty', ''],
	['cut short', 'abc123'],
])('refuses to start with a key file that is %s, naming the file', async (_, content) => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-secret-short-'))
	const file = path.join(dataDir, 'secret-key')
	fs.writeFileSync(file, content)
	const child = run(
		process.execPath,
		[
			'--import',
			'tsx',
			'--input-type=module',
			'-e',
			"const { getSecretKey } = await import('./app/config.server.ts'); console.log('key', getSecretKey().length)",
		],
		{ cwd: root, env: env(dataDir) },
	)
	const failure = await child.then(
		({ stdout }) => new Error(`started with the short key: ${stdout}`),
		(error: { code: number; stdout: string; stderr: string }) => error,
	)
	expect(failure).toMatchObject({ code: 1, stdout: '' })
	expect((failure as { stderr: string }).stderr).toContain(file)
	expect((failure as { stderr: string }).stderr).toMatch(/shorter than 32/)
	// Left as it was: nothing replaced it behind the operator's back.
	expect(fs.readFileSync(file, 'utf8')).toBe(content)
})
