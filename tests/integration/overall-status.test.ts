import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { afterAll, expect, test } from 'vitest'
import { images, users } from '../../db/schema'
import { db, sqlClient } from '~/db.server'

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
	const [user] = await db
		.insert(users)
		.values({ email: `${randomUUID()}@example.com`, passwordHash: 'x' })
		.returning()
	const id = randomUUID()
	await db.insert(images).values({
		id,
		userId: user!.id,
		filename: 'a.jpg',
		contentType: 'image/jpeg',
		byteSize: 1,
		sha256: 'x',
		width: 1,
		height: 1,
		format: 'jpeg',
		originalKey: `images/${user!.id}/${id}/original.jpg`,
		status,
		aiStatus,
	})
	const [row] = await db.select().from(images).where(eq(images.id, id))
	expect(row!.overallStatus).toBe(overall)
})
