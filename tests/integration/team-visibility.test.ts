import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	type AppProcess,
	expectProblem,
	type ImageDetail,
	type ImageList,
	register,
	startWeb,
	startWorker,
	type WebProcess,
	waitForTerminal,
} from '#tests/support/app'
import { orientedJpeg } from '#tests/support/images'

// The shared team library (decision 022) end to end: an admin (the first
// account of this file's fresh database) and two members. A shared image is
// readable by everyone and changeable by its owner or an admin; a private one
// is missing for everyone else, the admin included, on every route.

let web: WebProcess
let worker: AppProcess
let sql: postgres.Sql
let jpeg: Buffer
type Account = Awaited<ReturnType<typeof register>>
let admin: Account
let owner: Account
let member: Account
let shared: ImageDetail
let hidden: ImageDetail

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	;[web, worker, jpeg] = await Promise.all([
		startWeb({ RATE_LIMIT_ENABLED: 'false' }),
		startWorker(),
		orientedJpeg(),
	])
	admin = await register(web.baseUrl)
	;[owner, member] = await Promise.all([register(web.baseUrl), register(web.baseUrl)])
	const [one, two] = await Promise.all([
		upload(owner.token, 'harbour-shared.jpg', { visibility: 'team' }),
		upload(owner.token, 'harbour-private.jpg'),
	])
	;[shared, hidden] = await Promise.all([
		waitForTerminal(web.baseUrl, owner.token, one.id),
		waitForTerminal(web.baseUrl, owner.token, two.id),
	])
}, 120_000)

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await sql?.end()
})

async function upload(token: string, filename: string, fields: Record<string, string> = {}) {
	const form = new FormData()
	for (const [name, value] of Object.entries(fields)) form.append(name, value)
	form.append('file', new Blob([jpeg as Uint8Array<ArrayBuffer>]), filename)
	const response = await api(web.baseUrl, '/api/images', { method: 'POST', token, body: form })
	const text = await response.text()
	expect(response.status, text).toBe(202)
	return JSON.parse(text) as ImageDetail
}

async function list(token: string, query = '') {
	const response = await api(web.baseUrl, `/api/images${query}`, { token })
	expect(response.status).toBe(200)
	return (await response.json()) as ImageList
}
const ids = (page: ImageList) => page.items.map((item) => item.id)

const read = (token: string, id: string) => api(web.baseUrl, `/api/images/${id}`, { token })
const download = (token: string, id: string) =>
	api(web.baseUrl, `/api/images/${id}/download`, { token })
const processAgain = (token: string, id: string, stages = ['ai']) =>
	api(web.baseUrl, `/api/images/${id}/process`, { method: 'POST', token, json: { stages } })
const remove = (token: string, id: string) =>
	api(web.baseUrl, `/api/images/${id}`, { method: 'DELETE', token })
const patch = (token: string, id: string, body: unknown) =>
	api(web.baseUrl, `/api/images/${id}`, { method: 'PATCH', token, json: body })

describe('a shared image', () => {
	it('is listed for every member in scope=team, with its owner, and never in their own list', async () => {
		for (const { token } of [member, admin, owner]) {
			const team = await list(token, '?scope=team')
			expect(ids(team)).toEqual([shared.id])
			expect(team.items[0]).toMatchObject({
				visibility: 'team',
				owner: { id: owner.user.id, email: owner.email },
				yours: token === owner.token,
			})
		}
		expect(ids(await list(member.token))).toEqual([])
		expect(ids(await list(admin.token, '?scope=mine'))).toEqual([])
	})

	it('team lists take the same search, filters, sort and pages', async () => {
		expect(ids(await list(member.token, '?scope=team&q=harbour'))).toEqual([shared.id])
		expect(ids(await list(member.token, '?scope=team&q=nothing-like-it'))).toEqual([])
		expect(ids(await list(member.token, '?scope=team&status=failed'))).toEqual([])
		const paged = await list(member.token, '?scope=team&sort=name&pageSize=1&page=2')
		expect(paged).toMatchObject({ items: [], total: 1, totalPages: 1, page: 2 })
		await expectProblem(
			await api(web.baseUrl, '/api/images?scope=all', { token: member.token }),
			422,
		)
	})

	it('can be read and downloaded by a member, without its GPS, through signed links too', async () => {
		expect(shared.metadata?.gps).not.toBeNull()
		const response = await read(member.token, shared.id)
		expect(response.status).toBe(200)
		const seen = (await response.json()) as ImageDetail
		expect(seen).toMatchObject({
			id: shared.id,
			visibility: 'team',
			owner: { id: owner.user.id, email: owner.email },
			yours: false,
		})
		expect(seen.metadata?.gps).toBeNull()
		expect(seen.metadata?.exif).toEqual(shared.metadata?.exif)

		const asAdmin = (await (await read(admin.token, shared.id)).json()) as ImageDetail
		expect(asAdmin.metadata?.gps).toBeNull()
		const asOwner = (await (await read(owner.token, shared.id)).json()) as ImageDetail
		expect(asOwner).toMatchObject({ yours: true, metadata: { gps: shared.metadata?.gps } })

		const redirect = await download(member.token, shared.id)
		expect(redirect.status).toBe(302)
		const file = await fetch(new URL(redirect.headers.get('Location')!, web.baseUrl))
		expect(file.status).toBe(200)
		expect(Buffer.from(await file.arrayBuffer()).length).toBe(shared.byteSize)
		const signed = await fetch(new URL(seen.variants.thumbnail!.url, web.baseUrl))
		expect(signed.status).toBe(200)
		await signed.body?.cancel()
	})

	it('cannot be processed, deleted or made private by another member (403), but by the owner and an admin', async () => {
		for (const response of [
			await processAgain(member.token, shared.id),
			await api(web.baseUrl, '/api/images/process', {
				method: 'POST',
				token: member.token,
				json: { ids: [shared.id] },
			}),
			await remove(member.token, shared.id),
			await patch(member.token, shared.id, { visibility: 'private' }),
			await api(web.baseUrl, '/api/images/visibility', {
				method: 'POST',
				token: member.token,
				json: { ids: [shared.id], visibility: 'private' },
			}),
		]) {
			const problem = await expectProblem(response, 403)
			expect(problem.type).toBe('https://darkroom.dev/problems/forbidden')
		}
		expect((await (await read(owner.token, shared.id)).json()) as ImageDetail).toMatchObject({
			visibility: 'team',
		})

		expect((await processAgain(owner.token, shared.id)).status).toBe(202)
		await waitForTerminal(web.baseUrl, owner.token, shared.id)
		const byAdmin = await processAgain(admin.token, shared.id)
		expect(byAdmin.status).toBe(202)
		// The admin's answer is the admin's view: not theirs, no GPS.
		expect((await byAdmin.json()) as ImageDetail).toMatchObject({ yours: false })
		await waitForTerminal(web.baseUrl, owner.token, shared.id)
	})

	it('is deleted by its owner or an admin, into the owner trash, which the team never sees', async () => {
		const extra = await upload(owner.token, 'extra.jpg', { visibility: 'team' })
		expect((await remove(admin.token, extra.id)).status).toBe(204)
		const trash = (await (await api(web.baseUrl, '/api/trash', { token: owner.token })).json()) as {
			items: Array<{ id: string }>
		}
		expect(trash.items.map((item) => item.id)).toContain(extra.id)
		const memberTrash = (await (
			await api(web.baseUrl, '/api/trash', { token: member.token })
		).json()) as { items: unknown[] }
		expect(memberTrash.items).toEqual([])
		await expectProblem(await read(member.token, extra.id), 404)
		expect(ids(await list(member.token, '?scope=team'))).not.toContain(extra.id)

		const another = await upload(owner.token, 'another.jpg', { visibility: 'team' })
		expect((await remove(owner.token, another.id)).status).toBe(204)
		await expectProblem(await read(member.token, another.id), 404)
	})
})

describe('a private image', () => {
	it('is 404 to another member and to an admin on every route', async () => {
		for (const { token } of [member, admin]) {
			await expectProblem(await read(token, hidden.id), 404)
			await expectProblem(await download(token, hidden.id), 404)
			await expectProblem(await processAgain(token, hidden.id), 404)
			await expectProblem(
				await api(web.baseUrl, '/api/images/process', {
					method: 'POST',
					token,
					json: { ids: [hidden.id] },
				}),
				404,
			)
			await expectProblem(await remove(token, hidden.id), 404)
			await expectProblem(await patch(token, hidden.id, { visibility: 'team' }), 404)
			await expectProblem(
				await api(web.baseUrl, '/api/images/visibility', {
					method: 'POST',
					token,
					json: { ids: [hidden.id, shared.id], visibility: 'team' },
				}),
				404,
			)
			await expectProblem(
				await api(web.baseUrl, `/api/trash/${hidden.id}/restore`, { method: 'POST', token }),
				404,
			)
			for (const query of ['', '?scope=team', '?q=harbour', '?scope=team&q=harbour-private']) {
				expect(ids(await list(token, query))).not.toContain(hidden.id)
			}
		}
		// Still the owner's, unchanged.
		const mine = (await (await read(owner.token, hidden.id)).json()) as ImageDetail
		expect(mine).toMatchObject({ visibility: 'private', yours: true })
		expect(ids(await list(owner.token, '?q=harbour-private'))).toEqual([hidden.id])
	})

	it("never reaches another member's or an admin's usage or event stream", async () => {
		await sql`
			update images set ai = ${sql.json({
				model: 'gpt-4.1-mini',
				inputTokens: 1000,
				outputTokens: 100,
				costUsd: 0.001,
			})}, ai_completed_at = now()
			where id = ${hidden.id}`
		const usageOf = async (token: string) =>
			(await (await api(web.baseUrl, '/api/usage', { token })).json()) as {
				imagesAnalyzed: number
			}
		expect((await usageOf(owner.token)).imagesAnalyzed).toBe(1)
		expect((await usageOf(member.token)).imagesAnalyzed).toBe(0)
		expect((await usageOf(admin.token)).imagesAnalyzed).toBe(0)
		// Not a whole analysis (the API would refuse to answer it): back as it was.
		await sql`update images set ai = null, ai_completed_at = null where id = ${hidden.id}`

		const streams = await Promise.all([owner, member, admin].map(({ token }) => openStream(token)))
		// The image stage again: its status changes, so the owner's stream hears of it.
		expect((await processAgain(owner.token, hidden.id, ['image'])).status).toBe(202)
		await waitForTerminal(web.baseUrl, owner.token, hidden.id)
		// The owner heard of it; give the others' streams as long again.
		await streams[0]!.until(hidden.id)
		await new Promise((resolve) => setTimeout(resolve, 500))
		for (const stream of streams) stream.close()
		expect(streams[1]!.text()).not.toContain(hidden.id)
		expect(streams[2]!.text()).not.toContain(hidden.id)
	})
})

/** An open `GET /api/events`: all it has received as text. */
async function openStream(token: string) {
	const abort = new AbortController()
	const response = await api(web.baseUrl, '/api/events', {
		token,
		headers: { Accept: 'text/event-stream' },
		signal: abort.signal,
	})
	expect(response.status).toBe(200)
	let text = ''
	const reader = response.body!.getReader()
	const decoder = new TextDecoder()
	void (async () => {
		try {
			for (;;) {
				const { done, value } = await reader.read()
				if (done) return
				text += decoder.decode(value, { stream: true })
			}
		} catch {
			// Closed.
		}
	})()
	return {
		text: () => text,
		close: () => abort.abort(),
		until: async (needle: string) => {
			const deadline = Date.now() + 30_000
			while (!text.includes(needle)) {
				if (Date.now() > deadline) throw new Error(`No event about ${needle}: ${text}`)
				await new Promise((resolve) => setTimeout(resolve, 50))
			}
		},
	}
}

describe('changing visibility', () => {
	it('PATCH by the owner shares and unshares, with one audit entry each', async () => {
		const image = await upload(owner.token, 'toggle.jpg')
		expect(image.visibility).toBe('private')
		await expectProblem(await read(member.token, image.id), 404)

		const response = await patch(owner.token, image.id, { visibility: 'team' })
		expect(response.status).toBe(200)
		expect((await response.json()) as ImageDetail).toMatchObject({
			id: image.id,
			visibility: 'team',
			yours: true,
		})
		expect((await read(member.token, image.id)).status).toBe(200)

		// An admin may make someone else's shared image private.
		expect((await patch(admin.token, image.id, { visibility: 'private' })).status).toBe(200)
		await expectProblem(await read(member.token, image.id), 404)

		await expectProblem(await patch(owner.token, image.id, { visibility: 'public' }), 422)
		await expectProblem(await patch(owner.token, image.id, {}), 422)
		await expectProblem(await patch(owner.token, 'not-a-uuid', { visibility: 'team' }), 404)

		const entries = await sql<
			{ actorId: string; targetId: string; details: { visibility: string; count: number } }[]
		>`
			select actor_id as "actorId", target_id as "targetId", details from audit_log
			where action = 'image.visibility' and target_id = ${image.id} order by at, id`
		expect(entries).toEqual([
			{ actorId: owner.user.id, targetId: image.id, details: { visibility: 'team', count: 1 } },
			{ actorId: admin.user.id, targetId: image.id, details: { visibility: 'private', count: 1 } },
		])
	})

	it('POST /api/images/visibility changes several at once, all or none, in one audit entry', async () => {
		const [a, b] = await Promise.all([
			upload(member.token, 'bulk-a.jpg'),
			upload(member.token, 'bulk-b.jpg'),
		])
		const response = await api(web.baseUrl, '/api/images/visibility', {
			method: 'POST',
			token: member.token,
			json: { ids: [a.id, b.id, a.id], visibility: 'team' },
		})
		expect(response.status).toBe(200)
		const body = (await response.json()) as { items: ImageDetail[] }
		expect(body.items.map((item) => item.visibility)).toEqual(['team', 'team'])
		expect(ids(await list(owner.token, '?scope=team'))).toEqual(
			expect.arrayContaining([a.id, b.id]),
		)
		const [entry] = await sql<{ targetId: string; details: { count: number; ids: string[] } }[]>`
			select target_id as "targetId", details from audit_log
			where action = 'image.visibility' and actor_id = ${member.user.id}`
		expect(entry).toMatchObject({ targetId: 'bulk', details: { count: 2 } })
		expect(entry!.details.ids.toSorted()).toEqual([a.id, b.id].toSorted())

		// One that is not theirs to change: nothing changes.
		await expectProblem(
			await api(web.baseUrl, '/api/images/visibility', {
				method: 'POST',
				token: member.token,
				json: { ids: [a.id, shared.id], visibility: 'private' },
			}),
			403,
		)
		expect(((await (await read(member.token, a.id)).json()) as ImageDetail).visibility).toBe('team')
	})
})

describe('uploads', () => {
	it("follow the uploader's default unless the upload says otherwise", async () => {
		const fresh = await register(web.baseUrl)
		expect((await upload(fresh.token, 'default.jpg')).visibility).toBe('private')
		await sql`update users set default_visibility = 'team' where id = ${fresh.user.id}`
		const byDefault = await upload(fresh.token, 'default-team.jpg')
		expect(byDefault).toMatchObject({ visibility: 'team', owner: { email: fresh.email } })
		expect((await read(member.token, byDefault.id)).status).toBe(200)
		expect((await upload(fresh.token, 'asked.jpg', { visibility: 'private' })).visibility).toBe(
			'private',
		)
		expect((await upload(fresh.token, 'empty.jpg', { visibility: '' })).visibility).toBe('team')
		const bad = new FormData()
		bad.append('visibility', 'everyone')
		bad.append('file', new Blob([jpeg as Uint8Array<ArrayBuffer>]), 'bad.jpg')
		await expectProblem(
			await api(web.baseUrl, '/api/images', { method: 'POST', token: fresh.token, body: bad }),
			422,
		)
	})
})

describe('scope=mine', () => {
	it("is the caller's own images, private and shared, exactly as before", async () => {
		const mine = await list(owner.token)
		expect(ids(mine)).toEqual(ids(await list(owner.token, '?scope=mine')))
		expect(ids(mine)).toEqual(expect.arrayContaining([shared.id, hidden.id]))
		expect(mine.items.every((item) => item.owner.id === owner.user.id && item.yours)).toBe(true)
		const rows = await sql<{ id: string }[]>`
			select id from images where user_id = ${owner.user.id} and deleted_at is null
			order by created_at desc, id desc`
		expect(ids(mine)).toEqual(rows.map((row) => row.id))
	})
})
