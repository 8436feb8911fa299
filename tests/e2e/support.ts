import { randomUUID } from 'node:crypto'
import { expect, type Page } from '@playwright/test'
import sharp from 'sharp'

export const password = 'a long enough password'

export async function register(page: Page) {
	const email = `e2e-${randomUUID()}@example.com`
	await page.goto('/register')
	await page.getByLabel('Email').fill(email)
	await page.getByLabel(/Password/).fill(password)
	await page.getByRole('button', { name: 'Create account' }).click()
	await expect(page).toHaveURL(/\/images$/)
	return email
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

/** Scripts the next answers of the fake OpenAI server started by playwright.config.ts. */
export async function scriptOpenAi(endpoint: 'chat' | 'moderations', ...bodies: unknown[]) {
	const port = process.env.DARKROOM_E2E_OPENAI_PORT
	const response = await fetch(`http://127.0.0.1:${port}/__control/enqueue`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ endpoint, responses: bodies.map((body) => ({ body })) }),
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
	await page.getByLabel('Image file').setInputFiles(file)
	await page.getByRole('button', { name: 'Upload' }).click()
	const open = page.getByRole('link', { name: `Open ${file.name}` })
	await expect(open.or(page.getByRole('heading', { name: file.name }))).toBeVisible()
	if (await open.isVisible()) await open.click()
	await expect(page).toHaveURL(/\/images\/[0-9a-f-]{36}$/)
	await expect(page.getByRole('heading', { name: file.name })).toBeVisible()
}
