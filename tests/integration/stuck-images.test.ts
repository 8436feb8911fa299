import { eq, sql } from 'drizzle-orm'
import { afterAll, expect, test } from 'vitest'
import { images } from '#db/schema'
import { insertImageRow } from '#tests/support/rows'
import { failStuckImages, STUCK_MESSAGE } from '#worker/tasks/cleanup-stuck-images'
import { db, sqlClient } from '#app/db.server'

afterAll(() => sqlClient.end())

const image = (
	status: 'pending' | 'processing' | 'completed',
	aiStatus: 'pending' | 'processing' | 'skipped',
	minutesAgo: number,
) => insertImageRow({ status, aiStatus, updatedAt: new Date(Date.now() - minutesAgo * 60_000) })

async function job(task: string, id: string, attempts: number, maxAttempts = 3) {
	const [added] = await db.execute<{ id: string }>(sql`
		select id from graphile_worker.add_job(${task}, json_build_object('imageId', ${id}::text),
			max_attempts := ${maxAttempts}::int, job_key := ${`${task}:${id}`}::text,
			run_at := now() + interval '1 day')`)
	await db.execute(
		sql`update graphile_worker._private_jobs set attempts = ${attempts}::int where id = ${added!.id}`,
	)
}

const row = async (id: string) => (await db.select().from(images).where(eq(images.id, id)))[0]!

test('a stage left processing with no job that will run again is failed; live or recent ones are not', async () => {
	const abandoned = await image('processing', 'pending', 30)
	const gaveUp = await image('processing', 'pending', 30)
	await job('process-image', gaveUp, 3)
	const waiting = await image('processing', 'pending', 30)
	await job('process-image', waiting, 1)
	const recent = await image('processing', 'pending', 1)
	const aiAbandoned = await image('completed', 'processing', 30)

	expect(await failStuckImages({ quietMinutes: 15 })).toEqual({ imageStage: 2, aiStage: 1 })
	expect(await row(abandoned)).toMatchObject({ status: 'failed', error: STUCK_MESSAGE })
	expect(await row(gaveUp)).toMatchObject({ status: 'failed', overallStatus: 'failed' })
	expect(await row(waiting)).toMatchObject({ status: 'processing' })
	expect(await row(recent)).toMatchObject({ status: 'processing' })
	expect(await row(aiAbandoned)).toMatchObject({
		aiStatus: 'failed',
		aiError: STUCK_MESSAGE,
		overallStatus: 'partial',
	})
})
