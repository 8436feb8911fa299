import type { LookupAddress } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { WebhookUrlRefusedError } from '#app/errors'
import { parseWebhookUrl, resolveWebhookHost } from './address.server'
import { DELIVERY_RESPONSE_BODY_LIMIT } from './schemas'
import { signWebhook } from './secrets.server'

// One HTTP attempt of a delivery, Standard Webhooks style. Node's http client
// follows no redirects, and `lookup` pins the connection to the address that
// resolveWebhookHost just checked.

export const WEBHOOK_TIMEOUT_MS = 10_000
/** Within the total: an endpoint that does not even take the connection (TCP and TLS) gives up the slot sooner. */
export const WEBHOOK_CONNECT_TIMEOUT_MS = 5_000
const USER_AGENT = 'Darkroom-Webhooks/1'

export type SendResult = {
	ok: boolean
	responseStatus: number | null
	responseBody: string | null
	/** Why it failed, short; null on success. */
	error: string | null
	durationMs: number
}

/**
 * POSTs `body` to `url`, signed with `secret`. Throws WebhookUrlRefusedError
 * when the URL may not be called; every other failure is in the result.
 */
export async function sendWebhook(options: {
	url: string
	secret: string
	messageId: string
	body: string
	signal?: AbortSignal
}): Promise<SendResult> {
	const url = parseWebhookUrl(options.url)
	const started = performance.now()
	const elapsed = () => Math.round(performance.now() - started)
	let addresses: LookupAddress[]
	try {
		addresses = await resolveWebhookHost(url)
	} catch (error) {
		if (error instanceof WebhookUrlRefusedError) throw error
		// Possibly transient (a resolver hiccup): recorded, then retried.
		const code = error instanceof Error && 'code' in error ? String(error.code) : String(error)
		return failure(null, null, `DNS lookup of ${url.hostname} failed (${code})`, elapsed())
	}
	const timestamp = Math.floor(Date.now() / 1000)
	const headers = {
		'Content-Type': 'application/json',
		'Content-Length': String(Buffer.byteLength(options.body)),
		'User-Agent': USER_AGENT,
		'webhook-id': options.messageId,
		'webhook-timestamp': String(timestamp),
		'webhook-signature': signWebhook(options.secret, options.messageId, timestamp, options.body),
	}
	const timeout = AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)
	const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout
	try {
		const { status, body } = await post(
			url,
			headers,
			options.body,
			pinnedLookup(addresses[0]!),
			signal,
		)
		if (status >= 200 && status < 300) {
			return {
				ok: true,
				responseStatus: status,
				responseBody: body,
				error: null,
				durationMs: elapsed(),
			}
		}
		const reason =
			status >= 300 && status < 400
				? `Answered ${status} (a redirect; redirects are not followed)`
				: `Answered ${status}`
		return failure(status, body, reason, elapsed())
	} catch (error) {
		const reason = timeout.aborted
			? `No answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`
			: error instanceof Error
				? error.message
				: String(error)
		return failure(null, null, reason.slice(0, 500), elapsed())
	}
}

const failure = (
	responseStatus: number | null,
	responseBody: string | null,
	error: string,
	durationMs: number,
): SendResult => ({ ok: false, responseStatus, responseBody, error, durationMs })

/** Always answers with the checked address, whichever form of lookup the socket asks for. */
function pinnedLookup(address: LookupAddress): LookupFunction {
	return (_hostname, options, callback) => {
		if (options.all) callback(null, [address])
		else callback(null, address.address, address.family)
	}
}

function post(
	url: URL,
	headers: Record<string, string>,
	body: string,
	lookup: LookupFunction,
	signal: AbortSignal,
): Promise<{ status: number; body: string }> {
	const client = url.protocol === 'https:' ? https : http
	return new Promise((resolve, reject) => {
		const request = client.request(
			url,
			{ method: 'POST', headers, lookup, signal, agent: false },
			(response) => {
				const chunks: Buffer[] = []
				let size = 0
				const done = () =>
					resolve({
						status: response.statusCode ?? 0,
						body: Buffer.concat(chunks).subarray(0, DELIVERY_RESPONSE_BODY_LIMIT).toString('utf8'),
					})
				response.on('data', (chunk: Buffer) => {
					chunks.push(chunk)
					size += chunk.length
					// Enough for the log: stop reading, however much more there is.
					if (size >= DELIVERY_RESPONSE_BODY_LIMIT) {
						response.destroy()
						done()
					}
				})
				response.on('end', done)
				response.on('error', reject)
			},
		)
		request.on('socket', (socket) => {
			if (!socket.connecting) return
			const timer = setTimeout(
				() =>
					request.destroy(new Error(`No connection within ${WEBHOOK_CONNECT_TIMEOUT_MS / 1000} s`)),
				WEBHOOK_CONNECT_TIMEOUT_MS,
			)
			socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () =>
				clearTimeout(timer),
			)
			socket.once('close', () => clearTimeout(timer))
		})
		request.on('error', reject)
		request.end(body)
	})
}
