// `npm start` builds the app first when the build is missing or older than the sources.
import { execSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const built = 'build/server/index.js'
const newest = (dir) =>
	fs.readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
		const full = path.join(dir, entry.name)
		const time = entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs
		return Math.max(latest, time)
	}, 0)

const stale =
	!fs.existsSync(built) ||
	Math.max(newest('app'), newest('public'), fs.statSync('vite.config.ts').mtimeMs) >
		fs.statSync(built).mtimeMs
if (stale) {
	console.log('Building Darkroom…')
	execSync('npx remix vite:build', { stdio: 'inherit' })
}
