// Runs before `npm test`: the browser suite needs Debian's Chromium
// (Playwright cannot download its own browsers here). Installs it when
// missing and we are root on Debian; otherwise says what to do.
import { execSync } from 'node:child_process'
import fs from 'node:fs'

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (!fs.existsSync(chromium)) {
	const canInstall = process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get')
	if (!canInstall) {
		console.error(
			`Chromium not found at ${chromium}. Install it (Debian: sudo apt-get install -y chromium) or set CHROMIUM_PATH.`,
		)
		process.exit(1)
	}
	console.log('Installing Debian chromium for the browser tests…')
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
	execSync('apt-get update', { stdio: 'inherit', env })
	execSync('apt-get install -y --no-install-recommends chromium fonts-dejavu-core', {
		stdio: 'inherit',
		env,
	})
}
