import { expect, test } from '@playwright/test'
import {
	adminContext,
	expectAccessible,
	password,
	untilHydrated,
	openAdminSection,
} from './support'

// An admin invites someone (decision 019): the link is shown once, registers
// a new person in another browser, and the list shows it used. With and
// without JavaScript.

for (const javaScriptEnabled of [true, false]) {
	test(`an admin invites a person who registers through the link (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({
		browser,
	}) => {
		const { context } = await adminContext(browser, { javaScriptEnabled })
		const invitee = await browser.newContext({ javaScriptEnabled })
		try {
			const page = await context.newPage()
			await page.goto('/admin')
			await untilHydrated(page)
			await openAdminSection(page, 'Invites')
			await expect(page.getByRole('heading', { name: 'Invites', level: 1 })).toBeVisible()

			const note = `Invite ${javaScriptEnabled ? 'js' : 'no-js'} ${Date.now()}`
			await page.getByLabel('Note (who it is for)').fill(note)
			await page.getByRole('button', { name: 'Create invite' }).click()
			const link = await page.getByTestId('new-invite-value').textContent()
			expect(link).toMatch(/\/register\?invite=inv_/)
			const row = page.getByTestId('invite-row').filter({ hasText: note })
			await expect(row.getByTestId('invite-uses')).toHaveText('0 / 1')
			if (javaScriptEnabled) await expectAccessible(page, 'admin invites, link shown')

			const visitor = await invitee.newPage()
			await visitor.goto(link!)
			await expect(visitor.getByText('You have been invited to this Darkroom.')).toBeVisible()
			await visitor.getByLabel('Email').fill(`invited-${Date.now()}@e2e.test`)
			await visitor.getByLabel(/Password/).fill(password)
			await visitor.getByRole('button', { name: 'Create account' }).click()
			await expect(visitor).toHaveURL(/\/images$/)

			// The link is gone from the page once left, and the list shows the use.
			await page.goto('/admin/invites')
			await expect(page.getByTestId('new-invite')).toHaveCount(0)
			await expect(row.getByTestId('invite-uses')).toHaveText('1 / 1')
			await expect(row.getByTestId('invite-state')).toHaveText('Used up')

			// A second person with the same link is told it was used.
			const late = await (await browser.newContext({ javaScriptEnabled })).newPage()
			await late.goto(link!)
			await expect(late.getByRole('alert')).toContainText('already been used')
			await late.context().close()

			await openAdminSection(page, 'Audit log')
			await expect(
				page.getByTestId('audit-row').filter({ hasText: 'Used invite' }).first(),
			).toBeVisible()
		} finally {
			await Promise.all([context.close(), invitee.close()])
		}
	})
}
