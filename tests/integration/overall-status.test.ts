import { eq } from 'drizzle-orm'
import { afterAll, expect, test } from 'vitest'
import { images } from '#db/schema'
import { insertImageRow } from '#tests/support/rows'
import { db, sqlClient } from '#app/db.server'

afterAll(() => sqlClient.end())

// overallStatus is a generated column: the list filters on it, so the
// contract's derivation is checked where it lives, in PostgreSQL.
test.each([
	['pending', 'pending', 'pending'],
	['processing', 'pending', 'processing'],
	['completed', 'pending', 'processing'],
	['completed', 'processing', 'processing'],
	['completed', 'completed', 'completed'],
	['completed', 'skipped', 'completed'],
	['completed', 'failed', 'partial'],
	['failed', 'pending', 'failed'],
	['failed', 'skipped', 'failed'],
] as const)('image %s + ai %s → overall %s', async (status, aiStatus, overall) => {
	const id = await insertImageRow({ status, aiStatus })
	const [row] = await db.select().from(images).where(eq(images.id, id))
	expect(row!.overallStatus).toBe(overall)
})
