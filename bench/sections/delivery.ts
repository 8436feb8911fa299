import fs from 'node:fs'
import path from 'node:path'
import type { Context, Row, SectionResult } from '../lib/context'
import type { Sql } from '../lib/database'
import { closedLoop, multipart, register, request, uploadImage } from '../lib/http'
import { encodePhoto } from '../lib/images'
import { cpuMeter } from '../lib/proc'
import { runNode, startWeb } from '../lib/processes'
import { round, summarize } from '../lib/stats'

// Delivery: renditions by URL (app/routes/img.$.ts).
// - Hit: a stored 1024 px WebP rendition from 32 clients, beside a static file
//   of the same bytes served by the same web process (express.static, build/client).
// - Miss: 12 MP JPEGs → 1024 px WebP and AVIF, one at a time, each a new
//   rendition, beside bench/raw-rendition.ts making the same renditions with
//   renderRendition in one process.
// - Abuse: 1,000 distinct unsigned option sets against one image.
// No worker runs: renditions are made from the original by the web process.

const ACCEPT = {
	webp: 'image/webp,image/*;q=0.8',
	avif: 'image/avif,image/webp,image/*;q=0.8',
}
const HIT_TARGET = 0.8
const MISS_TARGET = 0.9
const ABUSE_SETS = 1000

type Detail = { renditions: { srcset: Record<'avif' | 'webp' | 'jpeg', string> } }

export async function delivery(ctx: Context): Promise<SectionResult> {
	const {
		deliveryImages: count,
		uploadSeconds: seconds,
		uploadClients: clients,
	} = ctx.options.sizes
	const app = await ctx.openApp('delivery')
	const web = await startWeb(app.env)
	const staticName = `bench-rendition-${process.pid}.webp`
	const staticFile = path.join('build', 'client', staticName)
	try {
		const { token } = await register(web.baseUrl)
		ctx.log(`generating and uploading ${count + 1} 12 MP JPEGs`)
		const dir = ctx.scratch('delivery')
		const files: string[] = []
		const urls: Array<{ webp: string; avif: string }> = []
		for (let i = 0; i <= count; i++) {
			const bytes = await encodePhoto('jpeg', 4000, 3000, 100 + i)
			const file = path.join(dir, `photo-${i}.jpg`)
			fs.writeFileSync(file, bytes)
			files.push(file)
			const id = await uploadImage(web.baseUrl, token, multipart(bytes, `photo-${i}.jpg`))
			const detail = await request(web.baseUrl, { path: `/api/images/${id}`, token })
			const { srcset } = (JSON.parse(detail.body.toString()) as Detail).renditions
			urls.push({ webp: widthEntry(srcset.webp, 1024), avif: widthEntry(srcset.avif, 1024) })
		}
		const [warmUp, ...measured] = urls
		const measuredFiles = files.slice(1)

		const miss = async (format: 'webp' | 'avif') => {
			// The first image is the warm-up: libvips and the JIT see the operation once.
			await expectOk(web.baseUrl, warmUp![format], ACCEPT[format])
			const webCpu = cpuMeter(() => [web.pid])
			const latencies: number[] = []
			let bytes = 0
			for (const url of measured) {
				const reply = await expectOk(web.baseUrl, url[format], ACCEPT[format])
				latencies.push(reply.ms)
				bytes += reply.body.length
			}
			const raw = JSON.parse(
				await runNode(
					[
						'bench/raw-rendition.ts',
						JSON.stringify({ files: measuredFiles, options: `w_1024,f_${format}` }),
					],
					app.env,
					'raw rendition',
				),
			) as { milliseconds: number[]; cpuMs: number; bytes: number }
			return {
				format,
				realMs: mean(latencies),
				realP99: summarize(latencies).p99,
				webCpuMs: webCpu() / measured.length,
				rawMs: mean(raw.milliseconds),
				rawCpuMs: raw.cpuMs / measured.length,
				kib: bytes / measured.length / 1024,
			}
		}
		ctx.log(`misses: ${count} renditions each of WebP and AVIF, one at a time, and raw sharp`)
		const webp = await miss('webp')
		const avif = await miss('avif')

		// The hit: the stored WebP of the first measured image, and its bytes as a static file.
		const hitPath = new URL(measured[0]!.webp).pathname
		const stored = await expectOk(web.baseUrl, measured[0]!.webp, ACCEPT.webp)
		fs.writeFileSync(staticFile, stored.body)
		const load = (pathname: string) =>
			closedLoop(
				clients,
				seconds,
				() => request(web.baseUrl, { path: pathname, headers: { accept: ACCEPT.webp } }),
				(reply) => reply.status === 200 && reply.body.length === stored.body.length,
			)
		ctx.log(`hits: ${clients} clients × ${seconds} s, static file then rendition then static`)
		const staticFirst = await load(`/${staticName}`)
		const hit = await load(hitPath)
		const staticLast = await load(`/${staticName}`)
		const staticRate = (staticFirst.perSecond + staticLast.perSecond) / 2
		const staticLatency = summarize([...staticFirst.latencies, ...staticLast.latencies])
		const hitLatency = summarize(hit.latencies)

		ctx.log(`abuse: ${ABUSE_SETS} distinct unsigned option sets`)
		const abuse = await abuseRun(web.baseUrl, measured[0]!.webp, app.sql)

		const kib = (stored.body.length / 1024).toFixed(0)
		const missRow = (m: Awaited<ReturnType<typeof miss>>): Row => ({
			section: 'Delivery',
			metric: `miss: 12 MP JPEG → 1024 px ${m.format.toUpperCase()}, ms per image (web CPU ${m.webCpuMs.toFixed(0)} ms vs raw ${m.rawCpuMs.toFixed(0)}; ${m.kib.toFixed(0)} KiB; p99 ${m.realP99.toFixed(0)} ms)`,
			value: m.realMs.toFixed(0),
			reference: `${m.rawMs.toFixed(0)} raw`,
			ratio: m.rawMs / m.realMs,
			target: `≥ ${MISS_TARGET}`,
			pass: m.rawMs / m.realMs >= MISS_TARGET,
		})
		const rows: Row[] = [
			{
				section: 'Delivery',
				metric: `hit: requests/s, stored 1024 px WebP rendition (${kib} KiB), ${clients} clients`,
				value: hit.perSecond.toFixed(0),
				reference: `${staticRate.toFixed(0)} static`,
				ratio: hit.perSecond / staticRate,
				target: `≥ ${HIT_TARGET}`,
				pass: hit.errors === 0 && hit.perSecond / staticRate >= HIT_TARGET,
			},
			{
				section: 'Delivery',
				metric: 'hit: latency p99',
				value: `${hitLatency.p99.toFixed(1)} ms`,
				reference: `${staticLatency.p99.toFixed(1)} ms static`,
				ratio: hitLatency.p99 / staticLatency.p99,
				target: 'info',
				pass: null,
			},
			missRow(webp),
			missRow(avif),
			{
				section: 'Delivery',
				metric: `abuse: renditions made by ${ABUSE_SETS} distinct unsigned option sets (answers: ${abuse.statuses})`,
				value: String(abuse.made),
				reference: '–',
				ratio: null,
				target: '0',
				pass: abuse.made === 0,
			},
		]
		return {
			rows,
			data: {
				images: count,
				clients,
				seconds,
				renditionBytes: stored.body.length,
				hit: {
					perSecond: round(hit.perSecond, 1),
					errors: hit.errors,
					latency: roundAll(hitLatency),
				},
				static: { perSecond: round(staticRate, 1), latency: roundAll(staticLatency) },
				miss: [webp, avif].map((m) =>
					Object.fromEntries(
						Object.entries(m).map(([k, v]) => [k, typeof v === 'number' ? round(v, 1) : v]),
					),
				),
				abuse,
			},
		}
	} finally {
		fs.rmSync(staticFile, { force: true })
		await web.stop()
	}
}

/** The URL of the `width`w entry of a srcset string. */
function widthEntry(srcset: string, width: number): string {
	const entry = srcset.split(', ').find((e) => e.endsWith(` ${width}w`))
	if (!entry) throw new Error(`no ${width}w entry in srcset`)
	return entry.split(' ')[0]!
}

async function expectOk(baseUrl: string, url: string, accept: string) {
	const reply = await request(baseUrl, { path: new URL(url).pathname, headers: { accept } })
	if (reply.status !== 200) {
		throw new Error(`${url} answered ${reply.status}: ${reply.body.toString().slice(0, 300)}`)
	}
	return reply
}

/** Distinct unsigned option sets, 50 at a time; how many renditions they made, and what they were answered. */
async function abuseRun(baseUrl: string, signedUrl: string, sql: Sql) {
	const [, , , id, version] = new URL(signedUrl).pathname.split('/')
	const rows = async () =>
		(await sql<{ count: number }[]>`select count(*)::int as count from renditions`)[0]!.count
	const before = await rows()
	const statuses = new Map<number, number>()
	for (let start = 1; start <= ABUSE_SETS; start += 50) {
		const replies = await Promise.all(
			Array.from({ length: 50 }, (_, i) =>
				request(baseUrl, {
					path: `/img/_/${id}/${version}/w_${start + i},q_${(start + i) % 100 || 1}`,
				}),
			),
		)
		for (const reply of replies) statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1)
	}
	return {
		made: (await rows()) - before,
		statuses: [...statuses].map(([status, n]) => `${n}× ${status}`).join(', '),
	}
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length

const roundAll = (summary: ReturnType<typeof summarize>) =>
	Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, round(v, 2)]))
