import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { freePort } from '#db/embedded'

// The distribution's PostgreSQL (Debian's 15), a major version other than the
// embedded one: restores into it show an archive crosses versions. Throwaway:
// trust authentication, no fsync, removed by stop().

const BIN = '/usr/lib/postgresql/15/bin'

export type SystemPostgres = { url: string; stop: () => Promise<void> }

export const hasSystemPostgres = () => fs.existsSync(path.join(BIN, 'initdb'))

export async function startSystemPostgres(): Promise<SystemPostgres> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-pg15-'))
	const data = path.join(dir, 'data')
	// initdb refuses root: as root, the cluster belongs to OS user postgres.
	const asRoot = process.getuid?.() === 0
	if (asRoot) execFileSync('chown', ['postgres:postgres', dir])
	const run = (command: string, args: string[]) =>
		asRoot
			? execFileSync('runuser', ['-u', 'postgres', '--', path.join(BIN, command), ...args], {
					stdio: 'pipe',
				})
			: execFileSync(path.join(BIN, command), args, { stdio: 'pipe' })
	run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
	const port = await freePort()
	const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`
	run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start'])
	const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
	const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
	await admin`create database darkroom`
	await admin.end()
	return {
		url: adminUrl.replace(/\/postgres$/, '/darkroom'),
		async stop() {
			run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop'])
			fs.rmSync(dir, { recursive: true, force: true })
		},
	}
}
