import { expect, test } from '@playwright/test'
import { adminContext, expectAccessible, untilHydrated, openAdminSection } from './support'

// Admin → Backups: "Back up now" queues a run, and the page shows how it
// ended, by itself with JavaScript and on reload without.

for (const javaScriptEnabled of [true, false]) {
	test(`an admin backs up now and sees the run succeed (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({
		browser,
	}) => {
		const { context } = await adminContext(browser, { javaScriptEnabled })
		try {
			const page = await context.newPage()
			await page.goto('/admin')
			await untilHydrated(page)
			await openAdminSection(page, 'Backups')
			await expect(page.getByRole('heading', { name: 'Backups' })).toBeVisible()
			const runs = page.getByTestId('backup-run')
			const before = await runs.count()

			await page.getByRole('button', { name: 'Back up now' }).click()
			await expect(page.getByText('Backup queued')).toBeVisible()
			const newest = runs.first()
			// The run's row appears once a worker starts it, and shows how it ended.
			const finished = async (timeout?: number) => {
				await expect(runs).toHaveCount(before + 1, { timeout })
				await expect(newest.getByTestId('backup-outcome')).toHaveText('succeeded', { timeout })
			}
			if (javaScriptEnabled) {
				await finished()
			} else {
				await expect(async () => {
					await page.reload()
					await finished(500)
				}).toPass()
			}
			await expect(newest).toContainText('Admin')
			await expect(page.getByTestId('last-backup')).toContainText(/darkroom-.*\.tar/)
			if (javaScriptEnabled) await expectAccessible(page, 'admin backups')
		} finally {
			await context.close()
		}
	})
}
