import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startCluster } from '../lib/database'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-scratch-'))
fs.chmodSync(dir, 0o755)
const cluster = await startCluster(dir)
const { sql } = await cluster.createDatabase('scratch')
const [user] =
	await sql`insert into users (email, password_hash) values ('a@b.c', 'x') returning id`
const userId = user!.id as string
const n = Number(process.argv[2] ?? 20000)
await sql`
		insert into images (id, user_id, filename, content_type, byte_size, sha256, width, height, format,
			original_key, status, ai_status, metadata, thumbnail, optimized, created_at, updated_at,
			processing_started_at, processed_at)
		select id, ${userId}, 'IMG_' || g || '.jpg', 'image/jpeg', 4000000, md5(g::text) || md5(id::text),
			4000, 3000, 'jpeg', prefix || 'original.jpg', 'completed', 'skipped',
			jsonb_build_object('format', 'jpeg'),
			jsonb_build_object('key', prefix || 'thumbnail.webp', 'contentType', 'image/webp',
				'byteSize', 9000, 'width', 256, 'height', 192),
			jsonb_build_object('key', prefix || 'optimized.webp', 'contentType', 'image/webp',
				'byteSize', 400000, 'width', 2048, 'height', 1536),
			at, at, at, at
		from (
			select g, gen_random_uuid() as id, now() - g * interval '1 minute' as at
			from generate_series(1, ${n}::int) g
		) s, lateral (select 'images/' || ${userId} || '/' || s.id || '/' as prefix) p`
const [userB] = await sql`insert into users (email, password_hash) values ('b@b.c', 'x') returning id`
const b = userB!.id as string
await sql`insert into images (user_id, filename, content_type, byte_size, sha256, width, height, format, original_key, created_at)
  select ${b}, 'x.jpg', 'image/jpeg', 1, 'x', 1, 1, 'jpeg', 'k', now() - interval '1 year' - g * interval '1 minute' from generate_series(1, 1000) g`
await sql`vacuum analyze images`
for (const q of [
	`explain (analyze) select * from images where user_id = '${b}' order by created_at desc, id desc limit 20`,
	`explain (analyze) select * from images where user_id = '${b}' order by created_at desc nulls last, id desc nulls last limit 20`,
]) {
	await sql.unsafe(q)
	const rows = await sql.unsafe(q)
	console.log(rows.map((r) => r['QUERY PLAN']).join('\n'), '\n')
}
process.exit(0)
for (let i = 0; i < 3; i++) {
	for (const q of [
		`explain (analyze, buffers) select * from images where user_id = '${userId}' order by created_at desc, id desc limit 20 offset 0`,
		`explain (analyze, buffers) select count(*) from images where user_id = '${userId}'`,
		`explain (analyze, buffers) select * from images where user_id = '${userId}' order by created_at desc nulls last, id desc nulls last limit 20 offset 0`,
		`explain (analyze, buffers) select * from images where user_id = '${userId}' and overall_status = 'completed' order by created_at desc, id desc limit 20 offset 0`,
		`explain (analyze, buffers) select * from images where id = (select id from images limit 1) and user_id = '${userId}'`,
	]) {
		const rows = await sql.unsafe(q)
		if (i === 2) console.log(rows.map((r) => r['QUERY PLAN']).join('\n'), '\n')
	}
}
await cluster.stop()
fs.rmSync(dir, { recursive: true, force: true })
