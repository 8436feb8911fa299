// `npm run screenshots`: the README's pictures, taken from the real product.
// Starts Darkroom with its embedded defaults in a scratch data directory (and
// the tests' local OpenAI stand-in, so the AI panel has something to show),
// fills a gallery with generated photos and saves docs/screenshots/*.png.
import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type Browser, chromium, type Page } from '@playwright/test'
import sharp from 'sharp'
import { freePort } from '#db/embedded'
import { chatCompletion, startFakeOpenAi } from '#tests/support/fake-openai'

const out = path.resolve('docs/screenshots')
const password = 'a long enough password'

/** A landscape-ish picture: sky gradient, sun and two ridges, in the given hues. */
function scene(sky: [string, string], ridge: [string, string], sun: string) {
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1067">
		<defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1">
			<stop offset="0" stop-color="${sky[0]}"/><stop offset="1" stop-color="${sky[1]}"/>
		</linearGradient></defs>
		<rect width="1600" height="1067" fill="url(#s)"/>
		<circle cx="1150" cy="380" r="110" fill="${sun}" opacity="0.9"/>
		<path d="M0 720 L300 520 L560 690 L860 470 L1200 700 L1600 560 L1600 1067 L0 1067Z" fill="${ridge[0]}"/>
		<path d="M0 860 L380 700 L700 840 L1040 690 L1400 850 L1600 780 L1600 1067 L0 1067Z" fill="${ridge[1]}"/>
	</svg>`
	return sharp(Buffer.from(svg)).jpeg({ quality: 88 }).toBuffer()
}

type Analysis = { summary: string; tags: string[]; ocrText: string }

const scenes: Array<[string, Parameters<typeof scene>, Analysis]> = [
	[
		'fjord-morning.jpg',
		[['#9ec5ff', '#fbe3c2'], ['#3d5a80', '#1d3557'], '#fff4d6'],
		{
			summary: 'Blue mountain ridges under a pale morning sky, the sun low over a fjord.',
			tags: ['landscape', 'mountains', 'morning', 'fjord'],
			ocrText: '',
		},
	],
	[
		'desert-dusk.jpg',
		[['#ff9a62', '#ffd6a0'], ['#a0522d', '#5c2e14'], '#fff0b3'],
		{
			summary: 'Rust-coloured desert ridges at dusk under an orange sky.',
			tags: ['landscape', 'desert', 'dusk', 'warm tones'],
			ocrText: '',
		},
	],
	[
		'alpine-lake.jpg',
		[['#5fa8d3', '#cae9ff'], ['#2d6a4f', '#1b4332'], '#ffffff'],
		{
			summary: 'Forested green mountains below a clear blue sky with a bright sun.',
			tags: ['landscape', 'mountains', 'forest', 'clear sky'],
			ocrText: '',
		},
	],
	[
		'night-ridge.jpg',
		[['#0b132b', '#3a506b'], ['#1c2541', '#0b132b'], '#f0f3bd'],
		{
			summary: 'Dark mountain ridges under a full moon in a deep blue night sky.',
			tags: ['landscape', 'night', 'moon', 'mountains'],
			ocrText: '',
		},
	],
	[
		'autumn-hills.jpg',
		[['#f4a261', '#e9c46a'], ['#bc4749', '#6a040f'], '#fefae0'],
		{
			summary: 'Red autumn hills beneath a golden sky and a pale sun.',
			tags: ['landscape', 'autumn', 'hills', 'sunset'],
			ocrText: '',
		},
	],
	[
		'misty-valley.jpg',
		[['#d8e2dc', '#ffe5d9'], ['#9d8189', '#6d6875'], '#ffffff'],
		{
			summary: 'Soft mauve ridges fading into a misty pastel sky.',
			tags: ['landscape', 'mist', 'valley', 'pastel'],
			ocrText: '',
		},
	],
]

async function waitForHealth(url: string) {
	for (let i = 0; i < 240; i++) {
		const ok = await fetch(url).then(
			(r) => r.ok,
			() => false,
		)
		if (ok) return
		await new Promise((resolve) => setTimeout(resolve, 500))
	}
	throw new Error(`Darkroom did not become healthy at ${url}`)
}

async function newPage(browser: Browser, options: Parameters<Browser['newContext']>[0]) {
	const context = await browser.newContext({ deviceScaleFactor: 1, ...options })
	return context.newPage()
}

async function signIn(page: Page, email: string) {
	await page.goto('/login')
	await page.getByLabel('Email').fill(email)
	await page.getByLabel('Password').fill(password)
	await page.getByRole('button', { name: 'Sign in' }).click()
	await page.waitForURL(/\/images/)
}

async function main() {
	await fs.mkdir(out, { recursive: true })
	// Not mkdtemp: its mode 700 would keep out the embedded PostgreSQL's own user (as root).
	const dataDir = path.join(os.tmpdir(), `darkroom-screenshots-${process.pid}`)
	await fs.mkdir(dataDir, { recursive: true })
	const fake = await startFakeOpenAi({ port: await freePort() })
	const port = await freePort()
	const baseURL = `http://127.0.0.1:${port}`
	// The browser uses localhost: a secure context to Chromium, so it keeps the session
	// cookie, which is Secure here (production mode) even over plain HTTP.
	const browserURL = `http://localhost:${port}`
	const app = spawn(process.execPath, ['--import', 'tsx', 'server/start.ts'], {
		env: {
			...process.env,
			PORT: String(port),
			HOST: '127.0.0.1',
			DATA_DIR: dataDir,
			LOG_LEVEL: 'warn',
			AI_PROVIDER: 'openai',
			OPENAI_BASE_URL: fake.baseUrl,
			OPENAI_API_KEY: 'sk-screenshots',
		},
		stdio: ['ignore', 'inherit', 'inherit'],
	})
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu'],
	})
	try {
		await waitForHealth(`${baseURL}/api/health`)
		const email = `photographer@example.com`
		const register = await fetch(`${baseURL}/api/auth/register`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ email, password }),
		})
		const { token } = (await register.json()) as { token: string }
		const ids: string[] = []
		// One at a time, each with its own analysis queued, so each gets the right one.
		for (const [name, args, analysis] of scenes) {
			fake.enqueue('chat', {
				body: chatCompletion({ ...analysis, safety: { flagged: false, categories: [] } }),
			})
			const form = new FormData()
			form.append('file', new Blob([await scene(...args)], { type: 'image/jpeg' }), name)
			const response = await fetch(`${baseURL}/api/images`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${token}` },
				body: form,
			})
			const { id } = (await response.json()) as { id: string }
			ids.push(id)
			for (;;) {
				const detail = await fetch(`${baseURL}/api/images/${id}`, {
					headers: { Authorization: `Bearer ${token}` },
				})
				const { overallStatus } = (await detail.json()) as { overallStatus: string }
				if (['completed', 'partial', 'failed'].includes(overallStatus)) break
				await new Promise((resolve) => setTimeout(resolve, 250))
			}
		}

		for (const colorScheme of ['light', 'dark'] as const) {
			const page = await newPage(browser, {
				baseURL: browserURL,
				colorScheme,
				viewport: { width: 1280, height: 860 },
			})
			await signIn(page, email)
			await page.waitForLoadState('networkidle')
			await page.screenshot({ path: path.join(out, `gallery-${colorScheme}.png`) })
			if (colorScheme === 'light') {
				await page.goto(`/images/${ids[2]}`)
				await page.waitForLoadState('networkidle')
				await page.screenshot({ path: path.join(out, 'detail.png'), fullPage: true })
			}
			await page.context().close()
		}

		const phone = await newPage(browser, {
			baseURL: browserURL,
			viewport: { width: 390, height: 844 },
			isMobile: true,
			hasTouch: true,
			deviceScaleFactor: 2,
		})
		await signIn(phone, email)
		await phone.waitForLoadState('networkidle')
		// The first view, as it opens: photos first, adding and filtering folded away.
		await phone.screenshot({ path: path.join(out, 'phone-gallery.png') })
		await phone.context().close()
		// Upload in progress: uploads throttled to 256 KiB/s so the bars are caught mid-way.
		const page = await newPage(browser, {
			baseURL: browserURL,
			viewport: { width: 1280, height: 860 },
		})
		await signIn(page, email)
		const cdp = await page.context().newCDPSession(page)
		await cdp.send('Network.emulateNetworkConditions', {
			offline: false,
			latency: 20,
			downloadThroughput: -1,
			uploadThroughput: 256 * 1024,
		})
		const big = await sharp({
			create: {
				width: 2400,
				height: 1600,
				channels: 3,
				background: '#808080',
				noise: { type: 'gaussian', mean: 128, sigma: 60 },
			},
		})
			.jpeg({ quality: 95 })
			.toBuffer()
		await page.getByLabel(/Image file/).setInputFiles([
			{ name: 'harbour-walk.jpg', mimeType: 'image/jpeg', buffer: big },
			{ name: 'market-stalls.jpg', mimeType: 'image/jpeg', buffer: big },
			{ name: 'old-town.jpg', mimeType: 'image/jpeg', buffer: big },
			{ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not an image') },
		])
		// The no-JavaScript form needs its button; the enhanced one starts on its own.
		const upload = page.getByRole('button', { name: 'Upload', exact: true })
		if (await upload.isVisible()) await upload.click().catch(() => {})
		await page.waitForTimeout(2500)
		await page.screenshot({ path: path.join(out, 'upload-in-progress.png') })
		await page.context().close()

		console.log(`Screenshots written to ${path.relative(process.cwd(), out)}/`)
	} finally {
		await browser.close()
		app.kill('SIGTERM')
		await new Promise((resolve) => app.once('exit', resolve))
		await fake.stop()
		await fs.rm(dataDir, { recursive: true, force: true })
	}
}

await main()
