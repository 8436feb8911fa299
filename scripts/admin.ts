import { config } from '#app/config.server'
import { startEmbeddedPostgres } from '#db/embedded'
import { migrateDatabase } from '#db/migrate'

// `npm run admin -- grant EMAIL | revoke EMAIL | list`: the admin role, from
// the shell of whoever runs the instance (decision 011). Uses DATABASE_URL,
// or the embedded database under DATA_DIR (started for the command if the
// server is not running), migrated first so the role column exists.

const usage = 'usage: npm run admin -- grant EMAIL | revoke EMAIL | list'
const [command, email, ...extra] = process.argv.slice(2)
const needsEmail = command === 'grant' || command === 'revoke'
if (!(needsEmail ? email && extra.length === 0 : command === 'list' && !email)) {
	console.error(usage)
	process.exit(64)
}

const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir)
let exitCode = 0
try {
	await migrateDatabase(config.databaseUrl ?? embedded!.url)
	// Imported once the database is up: app/db.server.ts finds the embedded one at import.
	const { listAdmins, setUserRole } = await import('#app/auth/users.server')
	const { sqlClient } = await import('#app/db.server')
	try {
		if (command === 'list') {
			const admins = await listAdmins()
			if (admins.length === 0) console.log('No admins yet.')
			for (const admin of admins)
				console.log(`${admin.email}${admin.disabledAt ? ' (disabled)' : ''}`)
		} else {
			const user = await setUserRole(email!, command === 'grant' ? 'admin' : 'member')
			if (user) {
				console.log(
					`${user.email} is ${user.role === 'admin' ? 'now an admin' : 'no longer an admin'}.`,
				)
				// Allowed from the shell (whoever runs it can grant again), but said out loud.
				const enabledAdmins = (await listAdmins()).filter((admin) => !admin.disabledAt)
				if (command === 'revoke' && enabledAdmins.length === 0) {
					console.warn(
						'Warning: this instance has no enabled admin now. Grant the role to an account with `npm run admin -- grant EMAIL`.',
					)
				}
			} else {
				console.error(`No account with the email ${email}: register it first, then grant it.`)
				exitCode = 1
			}
		}
	} finally {
		await sqlClient.end()
	}
} finally {
	await embedded?.stop()
}
process.exit(exitCode)
