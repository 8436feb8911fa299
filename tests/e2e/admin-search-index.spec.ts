import { expect, test } from '@playwright/test'
import {
	adminContext,
	e2eDatabase,
	expectAccessible,
	openAdminSection,
	photo,
	untilHydrated,
	uploadWithSession,
	waitUntilCompleted,
} from './support'

// Admin → Search index: older images (their perceptual hashes removed here, as
// if made before hashes existed) get them from a backfill started by the
// button, with its progress on the page; without JavaScript, on reload.

test('an admin backfills perceptual hashes and sees the run complete (JavaScript off)', async ({
	browser,
}) => {
	const { context } = await adminContext(browser, { javaScriptEnabled: false })
	const sql = e2eDatabase()
	try {
		const page = await context.newPage()
		await page.goto('/images')
		const ids = []
		for (const name of ['older-one.jpg', 'older-two.jpg']) {
			const id = await uploadWithSession(page, name, await photo())
			await waitUntilCompleted(page, id)
			ids.push(id)
		}
		await sql`update images set phash = null where id in ${sql(ids)}`

		await page.goto('/admin')
		await openAdminSection(page, 'Search index')
		await expect(page.getByRole('heading', { name: 'Search index', level: 1 })).toBeVisible()
		const hashes = page.getByTestId('backfill-hashes')
		// Other tests' images may lack one too, while they are processed: at least these two.
		await expect(hashes).toContainText(/\d+ images lack one\./)
		await hashes.getByRole('button', { name: 'Start backfill' }).click()
		await expect(async () => {
			await page.reload()
			await expect(hashes.getByTestId('backfill-run')).toContainText('Completed', { timeout: 500 })
		}).toPass({ timeout: 30_000 })
		await expect(hashes.getByTestId('backfill-run')).toContainText(/(\d+) of \1 done/)
		await expect(hashes.getByRole('progressbar')).toBeVisible()
		const hashed = await sql`select 1 from images where id in ${sql(ids)} and phash is not null`
		expect(hashed).toHaveLength(2)
	} finally {
		await sql.end()
		await context.close()
	}
})

test('the Search index page is accessible (JavaScript on)', async ({ browser }) => {
	const { context } = await adminContext(browser)
	try {
		const page = await context.newPage()
		await page.goto('/admin/search')
		await untilHydrated(page)
		await expect(page.getByRole('heading', { name: 'Search index', level: 1 })).toBeVisible()
		await expectAccessible(page, 'admin search index')
	} finally {
		await context.close()
	}
})
