import { expect, type Page, test } from '@playwright/test'
import {
	grantAdmin,
	photo,
	register,
	uploadWithSession,
	waitUntilCompleted,
	e2eDatabase,
} from './support'

// The jobs page names the images its jobs are about: the admin's own as links
// to them, other people's as plain text (their images are private to them).

/** A process-image job for `imageId` that used up its attempts (and will not run again by itself). */
async function addFailedJob(imageId: string) {
	const sql = e2eDatabase()
	try {
		await sql.begin(async (tx) => {
			const [job] = await tx`select id from graphile_worker.add_job('process-image',
				json_build_object('imageId', ${imageId}::text), max_attempts := 1, run_at := now() + interval '1 day')`
			await tx`update graphile_worker._private_jobs set attempts = 1, last_error = 'Storage unavailable' where id = ${job!.id}`
		})
	} finally {
		await sql.end()
	}
}

async function uploadOne(page: Page, name: string) {
	const id = await uploadWithSession(page, name, await photo())
	await waitUntilCompleted(page, id)
	return id
}

for (const javaScriptEnabled of [true, false]) {
	test(`jobs show file names, the admin's own images linked (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({
		browser,
	}) => {
		const adminContext = await browser.newContext()
		const admin = await adminContext.newPage()
		const adminEmail = await register(admin)
		await grantAdmin(adminEmail)
		const own = await uploadOne(admin, `own-harbour-${javaScriptEnabled}.jpg`)

		const otherContext = await browser.newContext()
		const other = await otherContext.newPage()
		await register(other)
		const theirs = await uploadOne(other, `their-station-${javaScriptEnabled}.jpg`)

		await addFailedJob(own)
		await addFailedJob(theirs)

		const viewer = await browser.newContext({
			javaScriptEnabled,
			storageState: await adminContext.storageState(),
		})
		const page = await viewer.newPage()
		await page.goto('/admin/jobs')
		const failed = page.getByTestId('failed-jobs')
		const ownRow = failed.getByRole('listitem').filter({ hasText: own })
		const theirRow = failed.getByRole('listitem').filter({ hasText: theirs })

		await expect(theirRow).toContainText(`their-station-${javaScriptEnabled}.jpg`)
		await expect(theirRow.getByRole('link')).toHaveCount(0)

		await ownRow.getByRole('link', { name: `own-harbour-${javaScriptEnabled}.jpg` }).click()
		await expect(page).toHaveURL(new RegExp(`/images/${own}$`))
		await expect(
			page.getByRole('heading', { level: 1, name: `own-harbour-${javaScriptEnabled}.jpg` }),
		).toBeVisible()
	})
}
