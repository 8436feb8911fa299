import { type ChildProcess, spawn } from 'node:child_process'
import { expect } from '@playwright/test'
import { freePort } from '#db/embedded'

// A web process of a spec's own, for what the shared e2e server cannot show:
// another bind address, production settings, a database the spec can stop.

export type OwnServer = { url: string; stop: () => Promise<void> }

/** Starts `server/start.ts --only=web` on `host` and resolves once /api/health answers 200. */
export async function startOwnWeb(host: string, env: Record<string, string>): Promise<OwnServer> {
	const port = await freePort()
	const child: ChildProcess = spawn(
		process.execPath,
		['--import', 'tsx', 'server/start.ts', '--only=web'],
		{
			env: {
				...process.env,
				HOST: host,
				PORT: String(port),
				LOG_LEVEL: 'fatal',
				RATE_LIMIT_SIGNUP: '1000/3600s',
				...env,
			},
			stdio: 'ignore',
		},
	)
	const exited = new Promise((resolve) => child.once('exit', resolve))
	const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
	await expect
		.poll(async () => (await fetch(`${url}/api/health`).catch(() => null))?.status, {
			timeout: 30_000,
		})
		.toBe(200)
	return {
		url,
		stop: async () => {
			if (child.exitCode === null) child.kill('SIGTERM')
			await exited
		},
	}
}
