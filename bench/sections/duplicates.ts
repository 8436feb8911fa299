import type { Context, Row, SectionResult } from '../lib/context'
import { expectStatus, register } from '../lib/http'
import { photoSet } from '../lib/images'
import { startWeb } from '../lib/processes'
import { round, summarize } from '../lib/stats'
import { differenceHash } from '#app/duplicates/phash.server'
import { processImage } from '#app/images/pipeline.server'

// Duplicate detection (docs/decisions/027-duplicates.md), two figures:
// - what the perceptual hash adds to the image stage: the stage's pipeline
//   (processImage, which includes the hash) and the hash alone, timed in
//   this process on the same photos, photo by photo;
// - GET /api/duplicates for one user with `listRows` hashed images (random
//   hashes, every tenth with a near copy 3 bits away), through the real web
//   process, beside GET /api/health.

const HASH_REPEATS = 20
const GROUP_REQUESTS = 20

export async function duplicates(ctx: Context): Promise<SectionResult> {
	const hash = await hashCost(ctx)
	const groups = await groupingLatency(ctx)
	const rows: Row[] = [
		{
			section: 'Duplicates',
			metric: `perceptual hash (dHash of the thumbnail), ms per image, ${hash.photos} photos`,
			value: `${hash.hashMs.toFixed(2)} ms`,
			reference: `${hash.pipelineMs.toFixed(0)} ms (image stage pipeline, same photos)`,
			ratio: hash.hashMs / hash.pipelineMs,
			target: 'info',
			pass: null,
		},
		{
			section: 'Duplicates',
			metric: `GET /api/duplicates p50 / max, ${groups.images.toLocaleString('en')} images of one user`,
			value: `${groups.p50.toFixed(0)} / ${groups.max.toFixed(0)} ms`,
			reference: `${groups.healthP50.toFixed(1)} ms health`,
			ratio: groups.p50 / groups.healthP50,
			target: '< 1000 ms',
			pass: groups.max < 1000,
		},
	]
	return { rows, data: { hash, groups } }
}

async function hashCost(ctx: Context) {
	const count = ctx.options.quick ? 4 : ctx.options.sizes.pipelinePhotos
	ctx.log(`hashing ${count} photos beside their pipeline`)
	const photos = await photoSet(count)
	const options = { thumbnailMaxSize: 256, optimizedMaxSize: 2048, maxInputPixels: 100_000_000 }
	const pipeline: number[] = []
	const hash: number[] = []
	for (const photo of photos) {
		const contentType = `image/${photo.format}`
		let started = performance.now()
		const { thumbnail } = await processImage(photo.bytes, { contentType }, options)
		pipeline.push(performance.now() - started)
		started = performance.now()
		for (let i = 0; i < HASH_REPEATS; i++) await differenceHash(thumbnail.buffer)
		hash.push((performance.now() - started) / HASH_REPEATS)
	}
	return {
		photos: count,
		pipelineMs: round(summarize(pipeline).mean, 1),
		hashMs: round(summarize(hash).mean, 3),
	}
}

async function groupingLatency(ctx: Context) {
	const images = ctx.options.sizes.listRows
	const app = await ctx.openApp('duplicates')
	const web = await startWeb(app.env)
	try {
		const user = await register(web.baseUrl)
		ctx.log(`inserting ${images.toLocaleString('en')} hashed images for one user`)
		const originals = Math.round(images / 1.1)
		await app.sql`
			insert into images (user_id, filename, content_type, byte_size, sha256, width, height, format,
				original_key, status, ai_status, phash)
			select ${user.userId}, 'IMG_' || g || '.jpg', 'image/jpeg', 4000000, md5(g::text) || md5(random()::text),
				4000, 3000, 'jpeg', 'images/' || ${user.userId} || '/' || g || '/original.jpg', 'completed', 'skipped',
				((random() * 4294967295)::bigint << 32) # (random() * 4294967295)::bigint
			from generate_series(1, ${originals}::int) g`
		await app.sql`
			insert into images (user_id, filename, content_type, byte_size, sha256, width, height, format,
				original_key, status, ai_status, phash)
			select user_id, 'copy-' || filename, content_type, byte_size - 1, md5(sha256), width, height, format,
				original_key || '.copy', status, ai_status,
				phash # ((1::bigint << (n % 60)::int) | (1::bigint << ((n * 7) % 61)::int) | 4)
			from (select *, row_number() over () as n from images where user_id = ${user.userId}
				limit ${images - originals}::int) s`
		await app.sql`vacuum analyze images`
		const spec = { path: '/api/duplicates?limit=50', token: user.token }
		const health = { path: '/api/health', token: user.token }
		const times: number[] = []
		const healthTimes: number[] = []
		let total = 0
		for (let i = -2; i < GROUP_REQUESTS; i++) {
			const reply = await expectStatus(web.baseUrl, spec, 200)
			total = (JSON.parse(reply.body.toString()) as { total: number }).total
			const healthReply = await expectStatus(web.baseUrl, health, 200)
			if (i >= 0) {
				times.push(reply.ms)
				healthTimes.push(healthReply.ms)
			}
		}
		const summary = summarize(times)
		return {
			images,
			groupsFound: total,
			p50: round(summary.p50, 1),
			max: round(summary.max, 1),
			healthP50: round(summarize(healthTimes).p50, 2),
		}
	} finally {
		await web.stop()
	}
}
