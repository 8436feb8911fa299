import { randomUUID } from 'node:crypto'
import { images, users } from '#db/schema'
import { db } from '#app/db.server'

type ImageRowInput = Partial<Pick<typeof images.$inferInsert, 'status' | 'aiStatus' | 'updatedAt'>>

/** A user with one image row written straight to the database (no upload, no job). */
export async function insertImageRow(values: ImageRowInput = {}): Promise<string> {
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
		...values,
	})
	return id
}
