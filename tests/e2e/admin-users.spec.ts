import { expect, test } from '@playwright/test'
import {
	adminContext,
	expectAccessible,
	register,
	untilHydrated,
	openAdminSection,
} from './support'

// Admin → Users (decision 020), with and without JavaScript: an admin disables
// an account (its open page is signed out at once), enables it again, and
// makes a password-reset link that its owner uses.

for (const javaScriptEnabled of [true, false]) {
	test(`an admin disables a user and makes a reset link (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({
		browser,
	}) => {
		const { context: admin } = await adminContext(browser, { javaScriptEnabled })
		const memberContext = await browser.newContext({ javaScriptEnabled })
		try {
			const member = await memberContext.newPage()
			const memberEmail = await register(member)
			const page = await admin.newPage()
			await page.goto('/images')
			await untilHydrated(page)
			await page
				.getByRole('navigation', { name: 'Main' })
				.getByRole('link', { name: 'Admin' })
				.click()
			await openAdminSection(page, 'Users')
			await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible()
			const row = page.getByRole('row', { name: new RegExp(memberEmail) })
			await expect(row).toContainText('member')
			await expect(row).toContainText('Active')
			if (javaScriptEnabled) await expectAccessible(page, 'admin users')

			await row.getByRole('link', { name: memberEmail }).click()
			await expect(page.getByRole('heading', { name: memberEmail })).toBeVisible()
			if (javaScriptEnabled) await expectAccessible(page, 'admin user')
			await page.getByRole('button', { name: 'Disable account' }).click()
			await expect(page.getByText('Account disabled: every session')).toBeVisible()
			await expect(page.getByTestId('user-summary')).toContainText('Disabled')

			// The member's open browser is signed out at its next request.
			await member.reload()
			await expect(member).toHaveURL(/\/login\?redirectTo=/)

			await page.getByRole('button', { name: 'Enable account' }).click()
			await expect(page.getByText('Account enabled: it may sign in again.')).toBeVisible()
			await page.getByRole('button', { name: 'Make a password-reset link' }).click()
			const link = page.getByTestId('reset-link-value')
			await expect(link).toHaveText(/\/reset-password\/[\w-]{43}$/)
			if (javaScriptEnabled) await expectAccessible(page, 'admin user, reset link')

			await member.goto((await link.textContent())!)
			await expect(member.getByText(memberEmail)).toBeVisible()
			if (javaScriptEnabled) await expectAccessible(member, 'reset password')
			await member.getByLabel(/New password/).fill('a fresh long password')
			await member.getByRole('button', { name: 'Set password and sign in' }).click()
			await expect(member).toHaveURL(/\/images$/)
		} finally {
			await Promise.all([admin.close(), memberContext.close()])
		}
	})
}
