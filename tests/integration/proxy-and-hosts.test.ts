import http from 'node:http'
import os from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectProblem, register, startWeb, uploadFile, type WebProcess } from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// TRUST_PROXY and the allowed hosts, on production web processes. The client
// address is observed through the per-IP ceiling (RATE_LIMIT_IP, 3 a day
// here): requests counted in one bucket run out together. Each test connects
// from its own loopback address (127.0.0.x), so buckets never mix.

const DAY = 86_400
let direct: WebProcess // no PUBLIC_URL, no TRUST_PROXY: the `npm start` defaults
let proxied: WebProcess // PUBLIC_URL behind one trusted proxy
let listed: WebProcess // ALLOWED_HOSTS, no proxy

beforeAll(async () => {
	;[direct, proxied, listed] = await Promise.all([
		startWeb({ NODE_ENV: 'production', RATE_LIMIT_IP: `3/${DAY}s` }),
		startWeb({
			NODE_ENV: 'production',
			PUBLIC_URL: 'https://img.example.test',
			TRUST_PROXY: '1',
			RATE_LIMIT_IP: `3/${DAY}s`,
		}),
		startWeb({ NODE_ENV: 'production', ALLOWED_HOSTS: 'photos.example.test, 127.0.0.1' }),
	])
})

afterAll(async () => {
	await Promise.all([direct?.stop(), proxied?.stop(), listed?.stop()])
})

describe('TRUST_PROXY', () => {
	it('is off by default: X-Forwarded-For does not change who the client is', async () => {
		const statuses = []
		for (const forwarded of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) {
			const response = await get(direct, '/api/me', {
				from: '127.0.0.2',
				headers: { 'X-Forwarded-For': forwarded },
			})
			statuses.push(response.status)
		}
		// Four "different" clients were one: the fourth request is over the ceiling of 3.
		expect(statuses).toEqual([401, 401, 401, 429])
	})

	it('with one trusted hop, each forwarded address is its own client', async () => {
		const statuses = []
		for (const forwarded of ['203.0.113.11', '203.0.113.12', '203.0.113.13', '203.0.113.14']) {
			const response = await get(proxied, '/api/me', {
				from: '127.0.0.3',
				headers: { Host: 'img.example.test', 'X-Forwarded-For': forwarded },
			})
			statuses.push(response.status)
		}
		expect(statuses).toEqual([401, 401, 401, 401])
	})

	it('a forwarded value that is not an IP address is not taken for one', async () => {
		const statuses = []
		for (const forwarded of ['not-an-ip', 'evil<script>', '1.2.3', '999.1.1.1']) {
			const response = await get(proxied, '/api/me', {
				from: '127.0.0.4',
				headers: { Host: 'img.example.test', 'X-Forwarded-For': forwarded },
			})
			statuses.push(response.status)
		}
		// Counted as the proxy's own address, all four in one bucket.
		expect(statuses).toEqual([401, 401, 401, 429])
	})
})

describe('allowed hosts in production', () => {
	it('without PUBLIC_URL answers to this machine’s own names and refuses any other, naming the settings', async () => {
		for (const host of ['localhost', '127.0.0.1', os.hostname()]) {
			const response = await get(direct, '/login', { headers: { Host: `${host}:3000` } })
			expect(response.status, host).toBe(200)
		}
		const page = await get(direct, '/login', { headers: { Host: 'evil.example' } })
		expect(page.status).toBe(400)
		expect(page.headers['content-type']).toMatch(/^text\/html/)
		expect(page.body).toContain('PUBLIC_URL')
		expect(page.body).not.toContain('evil.example')

		const apiResponse = await get(direct, '/api/me', { headers: { Host: 'evil.example' } })
		const problem = await expectProblem(toResponse(apiResponse), 400)
		expect(problem.detail).toMatch(/PUBLIC_URL.*ALLOWED_HOSTS/)

		const warnings = direct.logs().filter((line) => String(line.msg).includes('PUBLIC_URL'))
		expect(warnings).toHaveLength(1)
	})

	it('with PUBLIC_URL answers to its host only, also through a trusted proxy’s X-Forwarded-Host', async () => {
		expect((await get(proxied, '/login', { headers: { Host: 'img.example.test' } })).status).toBe(
			200,
		)
		expect((await get(proxied, '/login', { headers: { Host: 'localhost' } })).status).toBe(400)
		const forwarded = await get(proxied, '/login', {
			headers: { Host: 'localhost', 'X-Forwarded-Host': 'img.example.test' },
		})
		expect(forwarded.status).toBe(200)
		const forged = await get(proxied, '/login', {
			headers: { Host: 'img.example.test', 'X-Forwarded-Host': 'evil.example' },
		})
		expect(forged.status).toBe(400)
		// Health checks and scrapers address the process by its IP.
		expect((await get(proxied, '/api/health', { headers: { Host: '10.0.0.7:3000' } })).status).toBe(
			200,
		)
		expect(proxied.logs().some((line) => String(line.msg).includes('PUBLIC_URL'))).toBe(false)
	})

	it('with ALLOWED_HOSTS and no trusted proxy, X-Forwarded-Host and -Proto shape no URL', async () => {
		expect((await get(listed, '/login', { headers: { Host: 'photos.example.test' } })).status).toBe(
			200,
		)
		expect((await get(listed, '/login', { headers: { Host: 'other.example.test' } })).status).toBe(
			400,
		)

		const { token } = await register(listed.baseUrl)
		const uploaded = await uploadFile(listed.baseUrl, token, await smallJpeg(), 'a.jpg')
		expect(uploaded.status).toBe(202)
		const { id } = (await uploaded.json()) as { id: string }
		const detail = await get(listed, `/api/images/${id}`, {
			headers: {
				Authorization: `Bearer ${token}`,
				'X-Forwarded-Host': 'evil.example',
				'X-Forwarded-Proto': 'https',
			},
		})
		expect(detail.status).toBe(200)
		const url = (JSON.parse(detail.body) as { variants: { original: { url: string } } }).variants
			.original.url
		expect(new URL(url).origin).toBe(listed.baseUrl)
	})
})

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string }

/** GET with any Host header (fetch cannot set one) from a chosen local address. */
function get(
	web: WebProcess,
	pathname: string,
	{ headers = {}, from = '127.0.0.1' }: { headers?: Record<string, string>; from?: string } = {},
): Promise<Answer> {
	const { port } = new URL(web.baseUrl)
	return new Promise((resolve, reject) => {
		const request = http.request(
			{ host: '127.0.0.1', port, path: pathname, headers, localAddress: from, agent: false },
			(response) => {
				let body = ''
				response.setEncoding('utf8')
				response.on('data', (chunk: string) => (body += chunk))
				response.on('end', () =>
					resolve({ status: response.statusCode!, headers: response.headers, body }),
				)
			},
		)
		request.on('error', reject)
		request.end()
	})
}

const toResponse = ({ status, headers, body }: Answer) =>
	new Response(body, {
		status,
		headers: Object.entries(headers).map(([name, value]): [string, string] => [
			name,
			String(value),
		]),
	})
