import os from 'node:os'
import { afterAll, expect, test } from 'vitest'
import { freePort } from '#db/embedded'
import { type AppProcess, startWeb, startWorker, type WebProcess } from '#tests/support/app'

// Who can read metrics: the worker's port is on loopback unless
// WORKER_METRICS_HOST says otherwise, the token is checked on every scrape,
// and a production start says so in the log when metrics are public.

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789'
const PUBLIC_WARNING = 'Metrics are served to anyone: set METRICS_TOKEN'
const production = { NODE_ENV: 'production', PUBLIC_URL: 'http://127.0.0.1' }
const started: Array<AppProcess | WebProcess> = []

afterAll(async () => {
	await Promise.all(started.map((process) => process.stop()))
})

/** An address of this machine other than loopback, if it has one. */
const otherAddress = Object.values(os.networkInterfaces())
	.flat()
	.find((nic) => nic && !nic.internal && nic.family === 'IPv4')?.address

const scrape = (host: string, port: number, authorization?: string) =>
	fetch(`http://${host}:${port}/metrics`, {
		headers: authorization ? { Authorization: authorization } : {},
		signal: AbortSignal.timeout(5000),
	}).then(
		async (response) => ({ status: response.status, body: await response.text() }),
		(error: Error & { cause?: { code?: string } }) => ({
			status: 0,
			body: error.cause?.code ?? error.message,
		}),
	)

async function worker(env: Record<string, string>) {
	const port = await freePort()
	const process = await startWorker({ ...production, WORKER_METRICS_PORT: String(port), ...env })
	started.push(process)
	return { process, port }
}

test("by default the worker's metrics port answers on loopback only, and checks the token", async () => {
	const { process, port } = await worker({ METRICS_TOKEN })
	expect(await scrape('127.0.0.1', port, `Bearer ${METRICS_TOKEN}`)).toMatchObject({
		status: 200,
		body: expect.stringContaining('# TYPE'),
	})
	// A wrong token of the same length, and none at all.
	const wrong = `Bearer ${METRICS_TOKEN.slice(0, -1)}x`
	expect((await scrape('127.0.0.1', port, wrong)).status).toBe(401)
	expect((await scrape('127.0.0.1', port)).status).toBe(401)
	if (otherAddress) {
		expect(await scrape(otherAddress, port, `Bearer ${METRICS_TOKEN}`)).toEqual({
			status: 0,
			body: 'ECONNREFUSED',
		})
	}
	expect(process.logs().some((line) => line.msg === PUBLIC_WARNING)).toBe(false)
})

test('a worker told to listen on every interface without a token is reachable there, and warns', async () => {
	const { process, port } = await worker({ WORKER_METRICS_HOST: '0.0.0.0' })
	if (otherAddress) expect((await scrape(otherAddress, port)).status).toBe(200)
	expect(process.logs().find((line) => line.msg === PUBLIC_WARNING)).toMatchObject({
		level: 40,
		server: 'worker',
		host: '0.0.0.0',
		port,
	})
})

test('the web warns at a production start when /metrics has no token, and not with one', async () => {
	const [open, closed] = await Promise.all([
		startWeb(production),
		startWeb({ ...production, METRICS_TOKEN }),
	])
	started.push(open, closed)
	expect(open.logs().find((line) => line.msg === PUBLIC_WARNING)).toMatchObject({
		level: 40,
		server: 'web',
		path: '/metrics',
	})
	expect(closed.logs().some((line) => line.msg === PUBLIC_WARNING)).toBe(false)
	const wrong = `Bearer ${METRICS_TOKEN.slice(0, -1)}x`
	const answer = await fetch(`${closed.baseUrl}/metrics`, { headers: { Authorization: wrong } })
	expect(answer.status).toBe(401)
})
