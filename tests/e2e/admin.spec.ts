import { expect, test } from '@playwright/test'
import {
	grantAdmin,
	password,
	photo,
	register,
	uploadAndOpen,
	openAdminSection,
	e2eDatabase,
} from './support'

test('an admin sees the queue and retries a job that gave up; others cannot see the page', async ({
	page,
	browser,
}) => {
	const admin = 'admin@e2e.test'
	await page.goto('/register')
	await page.getByLabel('Email').fill(admin)
	await page.getByLabel(/Password/).fill(password)
	await page.getByRole('button', { name: 'Create account' }).click()
	// Each e2e run starts with an empty database (playwright.config.ts), so this email is free.
	await expect(page).toHaveURL(/\/images$/)
	// Admin is a role an operator grants (or the instance's first account holds).
	await grantAdmin(admin)

	await uploadAndOpen(page, { name: 'retry-me.jpg', mimeType: 'image/jpeg', buffer: await photo() })
	await expect(page.getByTestId('overall-status')).toHaveText('completed', { timeout: 30_000 })
	const imageId = page.url().split('/').pop()!

	// Inject a job that used up its attempts while storage was down.
	const sql = e2eDatabase()
	try {
		await sql.begin(async (tx) => {
			await tx`update images set status = 'failed', error = 'Processing failed after 1 attempts; try again later.' where id = ${imageId}`
			const [job] = await tx`select id from graphile_worker.add_job('process-image',
				json_build_object('imageId', ${imageId}::text), max_attempts := 1, run_at := now() + interval '1 day')`
			await tx`update graphile_worker._private_jobs set attempts = 1, last_error = 'Storage unavailable: connect ECONNREFUSED' where id = ${job!.id}`
		})
	} finally {
		await sql.end()
	}
	await page.reload()
	await expect(page.getByTestId('overall-status')).toHaveText('failed')

	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click()
	await openAdminSection(page, 'Jobs')
	const failed = page.getByTestId('failed-jobs').getByRole('listitem').filter({ hasText: imageId })
	await expect(failed).toContainText('Storage unavailable: connect ECONNREFUSED')
	await failed.getByRole('button', { name: 'Retry' }).click()
	await expect(page.getByTestId('failed-jobs').getByText(imageId)).toHaveCount(0)

	await page.goto(`/images/${imageId}`)
	await expect(page.getByTestId('overall-status')).toHaveText('completed', { timeout: 30_000 })

	const other = await browser.newPage({ storageState: { cookies: [], origins: [] } })
	await register(other)
	await expect(other.getByRole('link', { name: 'Admin' })).toHaveCount(0)
	expect((await other.goto('/admin/jobs'))?.status()).toBe(404)
})
