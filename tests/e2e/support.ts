import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import AxeBuilder from '@axe-core/playwright'
import { type Browser, expect, type Page, test } from '@playwright/test'
import postgres from 'postgres'
import sharp from 'sharp'
import type { FakeEndpoint, FakeResponse } from '#tests/support/fake-openai'

export const password = 'a long enough password'

/** The e2e server's embedded PostgreSQL, found the way its processes find it. */
export function e2eDatabase() {
	const state = JSON.parse(
		fs.readFileSync(path.join(process.env.DARKROOM_E2E_DATA_DIR!, 'postgres.json'), 'utf8'),
	) as { user: string; password: string; port: number; database: string }
	return postgres(
		`postgres://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${state.database}`,
		{ max: 1, onnotice: () => {} },
	)
}

export async function register(page: Page) {
	const email = `e2e-${randomUUID()}@example.com`
	await page.goto('/register')
	await page.getByLabel('Email').fill(email)
	await page.getByLabel(/Password/).fill(password)
	await page.getByRole('button', { name: 'Create account' }).click()
	await expect(page).toHaveURL(/\/images$/)
	await untilHydrated(page)
	return email
}

/**
 * Makes an admin of an existing account the way an operator does
 * (`npm run admin -- grant`), against the e2e server's embedded database.
 */
export async function grantAdmin(email: string) {
	await promisify(execFile)(
		process.execPath,
		['--import', 'tsx', 'scripts/admin.ts', 'grant', email],
		{ env: { ...process.env, DATA_DIR: process.env.DARKROOM_E2E_DATA_DIR, LOG_LEVEL: 'silent' } },
	)
}

/**
 * A new admin's browser context, with or without JavaScript: registered and
 * granted the role with scripts on, as an operator would set one up.
 */
export async function adminContext(browser: Browser, { javaScriptEnabled = true } = {}) {
	const setup = await browser.newContext()
	try {
		const email = await register(await setup.newPage())
		await grantAdmin(email)
		const context = await browser.newContext({
			javaScriptEnabled,
			storageState: await setup.storageState(),
		})
		return { context, email }
	} finally {
		await setup.close()
	}
}

/** Follows the Administration navigation's link to one admin page. */
export async function openAdminSection(page: Page, label: string) {
	await page
		.getByRole('navigation', { name: 'Administration' })
		.getByRole('link', { name: label })
		.click()
}

/** Waits until the page runs its JavaScript (root.tsx marks <html>); a no-op with JavaScript off. */
export async function untilHydrated(page: Page) {
	// Remix's inline script defines __remixContext; with JavaScript off it never runs.
	const javaScript = await page.evaluate(() => '__remixContext' in window)
	if (javaScript) await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true')
}

/** A small photo-like JPEG. */
export async function photo(width = 640, height = 480) {
	const { data, info } = await sharp({
		create: { width: 64, height: 48, channels: 3, background: '#4a7bd0' },
	})
		.raw()
		.toBuffer({ resolveWithObject: true })
	for (let i = 0; i < data.length; i += 7) data[i] = (i * 31) % 255
	return sharp(data, { raw: info }).resize(width, height).jpeg({ quality: 85 }).toBuffer()
}

/**
 * Scripts the next answers of the fake OpenAI server started by playwright.config.ts.
 * Chat answers should `match` the file name: images other specs left in the
 * queue would otherwise take them first.
 */
export async function scriptOpenAi(endpoint: FakeEndpoint, ...responses: FakeResponse[]) {
	const port = process.env.DARKROOM_E2E_OPENAI_PORT
	const response = await fetch(`http://127.0.0.1:${port}/__control/enqueue`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ endpoint, responses }),
	})
	expect(response.ok).toBe(true)
}

/**
 * Uploads one file from the gallery and opens its page. Without JavaScript the
 * plain form lands there; with it the gallery queues the upload, stays put,
 * and the finished row's "Open" link leads there.
 */
export async function uploadAndOpen(
	page: Page,
	file: { name: string; mimeType: string; buffer: Buffer },
) {
	await chooseFiles(page, file)
	const open = page.getByRole('link', { name: `Open ${file.name}` })
	await expect(open.or(page.getByRole('heading', { name: file.name }))).toBeVisible()
	if (await open.isVisible()) await open.click()
	await expect(page).toHaveURL(/\/images\/[0-9a-f-]{36}$/)
	await expect(page.getByRole('heading', { name: file.name })).toBeVisible()
}

/**
 * axe-core over the page as it is now: no violations of WCAG 2.1 A/AA, of any
 * impact (minor ones too). The counts of all findings are attached to the report.
 */
export async function expectAccessible(page: Page, name = page.url()) {
	// Legacy mode runs axe in the page itself instead of opening a blank page
	// per check to merge frame results: half the time, and our pages have no iframes.
	const results = await new AxeBuilder({ page })
		.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
		.setLegacyMode(true)
		.analyze()
	await test.info().attach(`axe ${name}`, {
		body: JSON.stringify(
			{
				passes: results.passes.length,
				violations: results.violations.map((v) => ({
					id: v.id,
					impact: v.impact,
					nodes: v.nodes.length,
				})),
			},
			null,
			2,
		),
		contentType: 'application/json',
	})
	const blocking = results.violations.map(
		(violation) =>
			`${violation.impact} ${violation.id}: ${violation.help}\n    ${violation.nodes
				.slice(0, 5)
				.map((node) => node.target.join(' '))
				.join('\n    ')}`,
	)
	expect(blocking, name).toEqual([])
}

/** Uploads through the API with the browser's session cookie (same-origin, so with Origin). */
export async function uploadWithSession(page: Page, name: string, buffer: Buffer) {
	const response = await page.request.post('/api/images', {
		headers: { Origin: new URL(page.url()).origin },
		multipart: { file: { name, mimeType: 'image/jpeg', buffer } },
	})
	expect(response.status()).toBe(202)
	return ((await response.json()) as { id: string }).id
}

/** Waits until the API reports the image `completed`. */
export async function waitUntilCompleted(page: Page, id: string) {
	await expect
		.poll(
			async () => {
				const response = await page.request.get(`/api/images/${id}`)
				return ((await response.json()) as { overallStatus: string }).overallStatus
			},
			{ timeout: 30_000 },
		)
		.toBe('completed')
}

/** A phone-like photo: camera, lens, exposure, aperture, ISO, focal length and a GPS position. */
export async function cameraPhoto(width = 1600, height = 1200) {
	return sharp(await photo(width, height))
		.withExif({
			IFD0: { Make: 'Pixelworks', Model: 'Phone 9' },
			IFD2: {
				DateTimeOriginal: '2024:06:01 10:20:30',
				LensModel: 'Wide 26mm f/1.8',
				ExposureTime: '1/125',
				FNumber: '18/10',
				ISOSpeedRatings: '200',
				FocalLength: '26/1',
			},
			IFD3: {
				GPSLatitudeRef: 'N',
				GPSLatitude: '52/1 22/1 0/1',
				GPSLongitudeRef: 'E',
				GPSLongitude: '4/1 54/1 0/1',
			},
		})
		.jpeg({ quality: 85 })
		.toBuffer()
}

/**
 * Chooses files in the gallery's upload box as a user does. With JavaScript
 * that alone starts the upload; without it the plain form needs its button.
 */
export async function chooseFiles(
	page: Page,
	files:
		| { name: string; mimeType: string; buffer: Buffer }
		| { name: string; mimeType: string; buffer: Buffer }[],
) {
	await page.getByLabel('Image file').setInputFiles(files)
	const javaScript = await page.evaluate(() => '__remixContext' in window)
	if (!javaScript) await page.getByRole('button', { name: 'Upload', exact: true }).click()
}
