import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	type ImageDetail,
	register,
	startWeb,
	uploadFile,
	type WebProcess,
} from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// Albums and share links through the API, and what a visitor of /s/<token>
// gets: a real web process on this file's own database (no worker: the
// originals are enough for the public page, its presets and downloads).

const sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
let web: WebProcess
let jpeg: Buffer
let owner: { token: string }
let stranger: { token: string }

beforeAll(async () => {
	;[web, jpeg] = await Promise.all([startWeb({ RATE_LIMIT_ENABLED: 'false' }), smallJpeg(320, 240)])
	;[owner, stranger] = await Promise.all([register(web.baseUrl), register(web.baseUrl)])
})

afterAll(async () => {
	await web?.stop()
	await sql.end()
})

async function upload(token: string, filename: string) {
	const response = await uploadFile(web.baseUrl, token, jpeg, filename)
	expect(response.status).toBe(202)
	return (await response.json()) as ImageDetail
}

type Album = {
	id: string
	title: string
	coverImageId: string | null
	imageCount: number
	images: Array<{ id: string; filename: string }>
}

type Link = {
	id: string
	url: string
	token: string
	state: 'live' | 'expired' | 'revoked'
	viewCount: number
	hasPassword: boolean
}

async function call<T>(path: string, init: Parameters<typeof api>[2], status = 200) {
	const response = await api(web.baseUrl, path, init)
	const text = await response.text()
	expect(response.status, text).toBe(status)
	return (text ? JSON.parse(text) : null) as T
}

const shareLink = (json: Record<string, unknown>, token = owner.token) =>
	call<Link>('/api/share-links', { method: 'POST', token, json }, 201)

/** The public page as a visitor's browser asks for it. */
const visit = (url: string, headers: Record<string, string> = {}) =>
	fetch(url, {
		redirect: 'manual',
		headers: { 'User-Agent': 'Mozilla/5.0 Firefox/140.0', ...headers },
	})

describe('albums', () => {
	it('keeps images in order: add, reorder, cover, remove, rename; trashed images hide and come back', async () => {
		const [a, b, c] = [
			await upload(owner.token, 'a.jpg'),
			await upload(owner.token, 'b.jpg'),
			await upload(owner.token, 'c.jpg'),
		]
		const created = await call<Album>(
			'/api/albums',
			{ method: 'POST', token: owner.token, json: { title: 'Holiday', imageIds: [a.id, b.id] } },
			201,
		)
		expect(created.images.map((image) => image.filename)).toEqual(['a.jpg', 'b.jpg'])
		expect(created.coverImageId).toBe(a.id)

		const path = `/api/albums/${created.id}`
		let album = await call<Album>(`${path}/images`, {
			method: 'POST',
			token: owner.token,
			json: { imageIds: [c.id, a.id] },
		})
		expect(album.images.map((image) => image.filename)).toEqual(['a.jpg', 'b.jpg', 'c.jpg'])

		album = await call<Album>(`${path}/order`, {
			method: 'POST',
			token: owner.token,
			json: { imageIds: [c.id, a.id, b.id] },
		})
		expect(album.images.map((image) => image.filename)).toEqual(['c.jpg', 'a.jpg', 'b.jpg'])

		album = await call<Album>(path, {
			method: 'PATCH',
			token: owner.token,
			json: { title: 'Summer', coverImageId: b.id },
		})
		expect(album).toMatchObject({ title: 'Summer', coverImageId: b.id })

		// The cover in the trash: the first image stands in; restored, it is the cover again.
		await call(`/api/images/${b.id}`, { method: 'DELETE', token: owner.token }, 204)
		album = await call<Album>(path, { token: owner.token })
		expect(album.images.map((image) => image.filename)).toEqual(['c.jpg', 'a.jpg'])
		expect(album.coverImageId).toBe(c.id)
		await call(`/api/trash/${b.id}/restore`, { method: 'POST', token: owner.token })
		album = await call<Album>(path, { token: owner.token })
		expect(album.images.map((image) => image.filename)).toEqual(['c.jpg', 'a.jpg', 'b.jpg'])
		expect(album.coverImageId).toBe(b.id)

		await call(`${path}/images/${a.id}`, { method: 'DELETE', token: owner.token }, 204)
		const { items } = await call<{ items: Album[] }>('/api/albums', { token: owner.token })
		expect(items.find((item) => item.id === created.id)).toMatchObject({ imageCount: 2 })

		// Deleting the album keeps its images.
		await call(path, { method: 'DELETE', token: owner.token }, 204)
		await expectProblem(await api(web.baseUrl, path, { token: owner.token }), 404)
		await call(`/api/images/${c.id}`, { token: owner.token })
	})

	it("answers 404 for another user's album, and refuses another user's images", async () => {
		const mine = await upload(owner.token, 'mine.jpg')
		const album = await call<Album>(
			'/api/albums',
			{ method: 'POST', token: owner.token, json: { title: 'Private' } },
			201,
		)
		const path = `/api/albums/${album.id}`
		await expectProblem(await api(web.baseUrl, path, { token: stranger.token }), 404)
		await expectProblem(
			await api(web.baseUrl, path, {
				method: 'PATCH',
				token: stranger.token,
				json: { title: 'x' },
			}),
			404,
		)
		await expectProblem(
			await api(web.baseUrl, path, { method: 'DELETE', token: stranger.token }),
			404,
		)
		// The stranger cannot put the owner's image into an album of theirs, nor share it.
		const theirs = await call<Album>(
			'/api/albums',
			{ method: 'POST', token: stranger.token, json: { title: 'Theirs' } },
			201,
		)
		await expectProblem(
			await api(web.baseUrl, `/api/albums/${theirs.id}/images`, {
				method: 'POST',
				token: stranger.token,
				json: { imageIds: [mine.id] },
			}),
			404,
		)
		await expectProblem(
			await api(web.baseUrl, '/api/share-links', {
				method: 'POST',
				token: stranger.token,
				json: { imageId: mine.id },
			}),
			404,
		)
		const { items } = await call<{ items: Album[] }>('/api/albums', { token: stranger.token })
		expect(items.map((item) => item.title)).toEqual(['Theirs'])
	})
})

describe('share links', () => {
	it("shows an album's images in order through presets only, counts views, and stops at once when revoked", async () => {
		const [first, second, outside] = [
			await upload(owner.token, 'first.jpg'),
			await upload(owner.token, 'second.jpg'),
			await upload(owner.token, 'outside.jpg'),
		]
		const album = await call<Album>(
			'/api/albums',
			{
				method: 'POST',
				token: owner.token,
				json: { title: 'Shared album', imageIds: [first.id, second.id] },
			},
			201,
		)
		const link = await shareLink({ albumId: album.id })
		expect(link.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
		expect(link.url).toBe(`${web.baseUrl}/s/${link.token}`)

		const page = await visit(link.url, { Referer: 'https://chat.example/room/42?secret=1' })
		expect(page.status).toBe(200)
		expect(page.headers.get('Cache-Control')).toBe('private, no-store')
		const html = await page.text()
		expect(html).toContain('<meta name="robots" content="noindex"/>')
		expect(html).toContain(
			`<meta property="og:image" content="${web.baseUrl}/img/_/${first.id}/v1/p_hero"`,
		)
		expect(html).toContain('<meta name="twitter:card" content="summary_large_image"/>')
		expect(html.indexOf(`/img/_/${first.id}/`)).toBeLessThan(html.indexOf(`/img/_/${second.id}/`))
		expect(html).not.toContain(outside.id)
		expect(html).not.toMatch(/\/files\/|X-Amz-Signature|\/img\/(?!_\/)[^/"]+\//)
		expect(html).not.toContain('@example.test')
		expect(html).not.toContain('Download original')

		// The preset answers while the link lives; an image outside the share does not.
		const preset = await fetch(`${web.baseUrl}/img/_/${first.id}/v1/p_card`)
		expect(preset.status).toBe(200)
		expect(preset.headers.get('Content-Type')).toMatch(/^image\//)
		expect((await fetch(`${web.baseUrl}/img/_/${outside.id}/v1/p_card`)).status).toBe(404)

		const detail = await call<{ link: Link; views: Array<Record<string, unknown>> }>(
			`/api/share-links/${link.id}`,
			{ token: owner.token },
		)
		expect(detail.link.viewCount).toBe(1)
		expect(detail.views[0]).toMatchObject({
			userAgent: 'Mozilla/5.0 Firefox/140.0',
			referrer: 'https://chat.example',
		})
		await expectProblem(
			await api(web.baseUrl, `/api/share-links/${link.id}`, { token: stranger.token }),
			404,
		)
		await expectProblem(
			await api(web.baseUrl, `/api/share-links/${link.id}/revoke`, {
				method: 'POST',
				token: stranger.token,
			}),
			404,
		)

		const revoked = await call<Link>(`/api/share-links/${link.id}/revoke`, {
			method: 'POST',
			token: owner.token,
		})
		expect(revoked.state).toBe('revoked')
		const audit = await sql<Array<{ action: string }>>`
			select action from audit_log where target_id = ${link.id} order by at, id`
		expect(audit.map((entry) => entry.action)).toEqual(['share_link.create', 'share_link.revoke'])
		const gone = await visit(link.url)
		expect(gone.status).toBe(410)
		expect(await gone.text()).toContain('withdrawn')
		expect((await fetch(`${web.baseUrl}/img/_/${first.id}/v1/p_card`)).status).toBe(404)
		expect((await visit(`${web.baseUrl}/s/${'x'.repeat(32)}`)).status).toBe(404)
	})

	it('answers 410 once a link has expired', async () => {
		const image = await upload(owner.token, 'soon.jpg')
		const link = await shareLink({
			imageId: image.id,
			expiresAt: new Date(Date.now() + 60_000).toISOString(),
		})
		expect((await visit(link.url)).status).toBe(200)
		await sql`update share_links set expires_at = now() - interval '1 second' where id = ${link.id}`
		const expired = await visit(link.url)
		expect(expired.status).toBe(410)
		expect(await expired.text()).toContain('expired')
		const { items } = await call<{ items: Link[] }>('/api/share-links', { token: owner.token })
		expect(items.find((item) => item.id === link.id)?.state).toBe('expired')
		// An expiry in the past is refused.
		await expectProblem(
			await api(web.baseUrl, '/api/share-links', {
				method: 'POST',
				token: owner.token,
				json: { imageId: image.id, expiresAt: '2020-01-01T00:00:00Z' },
			}),
			422,
		)
	})

	it('asks for the password first, then serves the page and the original download with its cookie', async () => {
		const image = await upload(owner.token, 'secret.jpg')
		const link = await shareLink({
			imageId: image.id,
			password: 'open sesame',
			allowDownload: true,
		})
		expect(link.hasPassword).toBe(true)

		const form = await visit(link.url)
		expect(form.status).toBe(200)
		const formHtml = await form.text()
		expect(formHtml).toContain('Password required')
		expect(formHtml).not.toContain(image.id)
		const download = `${link.url}/download/${image.id}`
		expect((await visit(download)).status).toBe(403)

		const post = (password: string) =>
			fetch(link.url, {
				method: 'POST',
				redirect: 'manual',
				headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({ password }),
			})
		const wrong = await post('guess')
		expect(wrong.status).toBe(422)
		expect(await wrong.text()).toContain('That is not the password of this link')

		const right = await post('open sesame')
		expect(right.status).toBe(302)
		expect(right.headers.get('Location')).toBe(`/s/${link.token}`)
		const setCookie = right.headers.get('Set-Cookie')!
		expect(setCookie).toMatch(/HttpOnly/i)
		expect(setCookie).toContain(`darkroom_share_${link.id}=`)
		const cookie = setCookie.split(';')[0]!

		const opened = await visit(link.url, { Cookie: cookie })
		const html = await opened.text()
		expect(html).toContain(`/img/_/${image.id}/v1/p_hero`)
		expect(html).toContain('Download original')
		const original = await visit(download, { Cookie: cookie })
		expect(original.status).toBe(200)
		expect(original.headers.get('Content-Disposition')).toContain('attachment')
		expect(Buffer.from(await original.arrayBuffer()).equals(jpeg)).toBe(true)

		// Only the page views count, not the password form.
		const detail = await call<{ link: Link }>(`/api/share-links/${link.id}`, { token: owner.token })
		expect(detail.link.viewCount).toBe(1)

		// The cookie of one link opens no other.
		const other = await shareLink({ imageId: image.id, password: 'open sesame' })
		expect(await (await visit(other.url, { Cookie: cookie })).text()).toContain('Password required')

		await call(`/api/share-links/${link.id}/revoke`, { method: 'POST', token: owner.token })
		expect((await visit(download, { Cookie: cookie })).status).toBe(410)
	})
})
