import { config } from '../app/config.server'
import { startEmbeddedPostgres } from './embedded'
import { migrateDatabase } from './migrate'

// `npm run db:migrate`: migrates DATABASE_URL, or the embedded database.
const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir)
try {
	await migrateDatabase(config.databaseUrl ?? embedded!.url)
	console.log('Migrations applied.')
} finally {
	await embedded?.stop()
}
