import { config } from '#app/config.server'
import { startEmbeddedPostgres } from './embedded'
import { migrateDatabase, NewerSchemaError } from './migrate'

// `npm run db:migrate`: migrates DATABASE_URL, or the embedded database.
const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir)
try {
	const { promotedAdmins } = await migrateDatabase(config.databaseUrl ?? embedded!.url, {
		adminEmails: config.adminEmails,
	})
	console.log('Migrations applied.')
	for (const user of promotedAdmins) console.log(`ADMIN_EMAILS: ${user.email} is now an admin.`)
} catch (error) {
	if (!(error instanceof NewerSchemaError)) throw error
	console.error(error.message)
	process.exitCode = 1
} finally {
	await embedded?.stop()
}
