import os from 'node:os'
import path from 'node:path'
import { defineConfig } from '@playwright/test'

// The real product with embedded defaults: its own PostgreSQL and storage in
// a fresh data directory, web + worker started exactly as `npm start` does.
// The config is evaluated again in each test worker: pass the choice down through env.
process.env.DARKROOM_E2E_PORT ??= String(randomBrowserSafePort())
process.env.DARKROOM_E2E_OPENAI_PORT ??= String(Number(process.env.DARKROOM_E2E_PORT) + 1000)
process.env.DARKROOM_E2E_DATA_DIR ??= path.join(
	os.tmpdir(),
	`darkroom-e2e-${process.pid}-${Date.now()}`,
)
const port = Number(process.env.DARKROOM_E2E_PORT)
const dataDir = process.env.DARKROOM_E2E_DATA_DIR
const openAiPort = Number(process.env.DARKROOM_E2E_OPENAI_PORT)
const instanceWideSpecs = /(admin-settings|analysis|live-status|duplicate-uploads)\.spec\.ts$/

export default defineConfig({
	testDir: 'tests/e2e',
	timeout: 60_000,
	expect: { timeout: 20_000 },
	// Two browsers at once against the one server: the specs make their own
	// accounts, so they do not see each other. The specs that change what is
	// shared (who may register; the AI server's next answers) run one at a
	// time, after all the others.
	fullyParallel: false,
	workers: 2,
	projects: [
		{ name: 'chromium', testIgnore: instanceWideSpecs },
		{
			name: 'instance-wide',
			testMatch: instanceWideSpecs,
			dependencies: ['chromium'],
			workers: 1,
		},
	],
	reporter: 'list',
	use: {
		baseURL: `http://127.0.0.1:${port}`,
		trace: 'retain-on-failure',
		launchOptions: {
			// Debian's build of Chromium's headless shell: the engine Playwright
			// itself runs headless, without the full browser's UI processes (a
			// third less time for the suite on 2 cores).
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium-headless-shell',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
			],
		},
	},
	webServer: [
		{
			// A local server speaking the OpenAI API, so the AI stage runs for real.
			command: `node --import tsx tests/support/fake-openai-server.ts ${openAiPort}`,
			port: openAiPort,
			reuseExistingServer: false,
			stdout: 'ignore',
		},
		{
			command: `node --import tsx server/start.ts`,
			url: `http://127.0.0.1:${port}/api/health`,
			timeout: 120_000,
			reuseExistingServer: false,
			gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
			stdout: 'ignore',
			stderr: 'pipe',
			env: {
				PORT: String(port),
				HOST: '127.0.0.1',
				DATA_DIR: dataDir,
				LOG_LEVEL: 'warn',
				NODE_ENV: 'test',
				AI_PROVIDER: 'openai',
				OPENAI_BASE_URL: `http://127.0.0.1:${openAiPort}/v1`,
				OPENAI_API_KEY: 'sk-e2e-not-real',
				// Every spec registers its accounts from 127.0.0.1.
				RATE_LIMIT_SIGNUP: '1000/3600s',
				// Small enough for the gallery spec to make a file over it.
				MAX_UPLOAD_BYTES: String(8 * 1024 * 1024),
				// The webhook spec's receiver listens on 127.0.0.1 over plain HTTP.
				WEBHOOK_ALLOW_HTTP: 'true',
				WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
			},
		},
	],
})

/** 3100–3899, minus 3659: Chromium refuses to load pages from ports on its unsafe list. */
function randomBrowserSafePort(): number {
	const port = 3100 + Math.floor(Math.random() * 800)
	return port === 3659 ? 3660 : port
}
