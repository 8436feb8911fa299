import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { embeddedDatabaseUrl } from '#db/embedded'
import * as schema from '#db/schema'
import { config } from './config.server'
import { singleton } from './singleton.server'

// Web and worker share this module. Without DATABASE_URL the embedded
// server (started by server/start.ts before this module loads) is used.
export const databaseUrl = config.databaseUrl ?? embeddedDatabaseUrl(config.dataDir)

/** At most DATABASE_POOL_SIZE connections per process (docs/scaling.md counts them). */
export const sqlClient = singleton(`sql ${databaseUrl}`, () =>
	postgres(databaseUrl, {
		max: config.databasePoolSize,
		idle_timeout: 30,
		connect_timeout: 10,
		onnotice: () => {},
	}),
)

export const db = drizzle(sqlClient, { schema })

export type Db = typeof db
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
