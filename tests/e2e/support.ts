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
