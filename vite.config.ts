import path from 'node:path'
import { vitePlugin as remix } from '@remix-run/dev'
import tailwindcss from '@tailwindcss/vite'
import { defineConfig } from 'vite'
import { LongestFirstSequencer } from './tests/support/sequencer'

declare module '@remix-run/node' {
	interface Future {
		v3_singleFetch: true
	}
}

export default defineConfig({
	// One alias per top-level folder, as tsconfig.json's paths (tsx reads those).
	resolve: {
		alias: ['app', 'db', 'worker', 'server', 'tests'].map((folder) => ({
			find: new RegExp(`^#${folder}/`),
			replacement: `${path.resolve(import.meta.dirname, folder)}/`,
		})),
	},
	server: { port: 3000 },
	build: { target: 'es2022' },
	plugins: [
		tailwindcss(),
		!process.env.VITEST &&
			remix({
				ignoredRouteFiles: ['**/.*', '**/*.test.{ts,tsx}'],
				serverModuleFormat: 'esm',
				future: {
					v3_fetcherPersist: true,
					v3_relativeSplatPath: true,
					v3_throwAbortReason: true,
					v3_singleFetch: true,
					v3_lazyRouteDiscovery: true,
				},
			}),
	],
	test: {
		include: ['tests/integration/**/*.test.ts', 'app/**/*.test.ts'],
		globalSetup: ['tests/support/global-setup.ts'],
		setupFiles: ['tests/support/setup-file.ts'],
		testTimeout: 60_000,
		hookTimeout: 120_000,
		pool: 'forks',
		fileParallelism: true,
		maxWorkers: 2,
		sequence: { sequencer: LongestFirstSequencer },
	},
})
