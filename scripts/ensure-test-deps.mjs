// Runs before `npm test`: the browser suite needs Debian's Chromium headless
// shell (Playwright cannot download its own browsers here), the OCR tests render
// text, which needs a font, and the backup test restores into Debian's
// PostgreSQL 15 (another major version than the embedded one). Installs what is missing when we are root on
// Debian; otherwise says what to do.
import { execSync } from 'node:child_process'
import fs from 'node:fs'

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium-headless-shell'
const font = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'
const postgres15 = '/usr/lib/postgresql/15/bin/initdb'
const missing = [
	...(fs.existsSync(chromium) ? [] : ['chromium-headless-shell']),
	...(fs.existsSync(font) ? [] : ['fonts-dejavu-core']),
	...(fs.existsSync(postgres15) ? [] : ['postgresql-15']),
]
if (missing.length > 0) {
	const canInstall = process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get')
	if (!canInstall) {
		console.error(
			`The tests need ${missing.join(' and ')}. Install them (Debian: sudo apt-get install -y ${missing.join(' ')}) or set CHROMIUM_PATH.`,
		)
		process.exit(1)
	}
	console.log(`Installing ${missing.join(', ')} for the tests…`)
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
	execSync('apt-get update', { stdio: 'inherit', env })
	execSync(`apt-get install -y --no-install-recommends ${missing.join(' ')}`, {
		stdio: 'inherit',
		env,
	})
}
