import { createHash } from 'node:crypto'
import { isIPv6 } from 'node:net'
import { sql } from 'drizzle-orm'
import { normalizeEmail } from '#app/auth/users.server'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { rateLimitHeaders, type RateLimitState, TooManyRequestsError } from '#app/errors'

// Fixed-window counters in PostgreSQL (table rate_limits), so every web
// process shares them and nothing else is needed. A window is
// [floor(now / w) * w, + w) on the database clock: one atomic upsert both
// counts the request and tells whether it is over. Requests over the limit
// are counted too; the window still ends at the same time. The worker's
// expired-rows cleanup deletes ended windows.

export type RateLimitClass = keyof typeof config.rateLimits & keyof typeof messages

/** The caller of a loader or action; context is Remix's load context (server/web.ts). */
export type LimitArgs = { request: Request; context?: unknown }

const messages = {
	upload: 'Too many uploads',
	process: 'Too many processing requests',
	read: 'Too many requests',
	login: 'Too many failed attempts from your network',
	signup: 'Too many accounts created from your network',
	ip: 'Too many requests from your network',
	rendition: 'Too many new image sizes requested from your network',
	renditionImage: 'Too many new sizes of this image requested',
}

export type Hit = RateLimitState & {
	/** Takes this request back out of the count (a sign-in that succeeded). */
	refund: () => Promise<void>
}

/**
 * Counts one request under `key` against the class's policy; over it, throws
 * TooManyRequestsError (429). The state is kept for the response's RateLimit-* headers.
 */
export async function hit(
	request: Request,
	cls: RateLimitClass,
	key: string,
	message = messages[cls],
): Promise<Hit | undefined> {
	const counted = await count(request, cls, key)
	if (!counted) return undefined
	if (counted.remaining < 0) throw tooMany(cls, counted, message)
	return counted
}

/** Counts one request under `key` and reports where it stands, without refusing it. */
async function count(request: Request, cls: RateLimitClass, key: string): Promise<Hit | undefined> {
	if (!config.rateLimits.enabled) return undefined
	const { limit, windowSeconds } = config.rateLimits[cls]
	const fullKey = `${cls}:${key}`
	const rows = await db.execute<{ count: number; window_start: Date | string; reset: number }>(sql`
		with w as (select ${windowStartSql(windowSeconds)} as start)
		insert into rate_limits (key, window_start, count, expires_at)
		select ${fullKey}, start, 1, start + make_interval(secs => ${windowSeconds}::int) from w
		on conflict (key, window_start) do update set count = rate_limits.count + 1
		returning count, window_start, ceil(extract(epoch from expires_at - now()))::int as reset`)
	const row = rows[0]!
	const windowStart = new Date(row.window_start).toISOString()
	const state = {
		limit,
		remaining: limit - Number(row.count),
		resetSeconds: Math.max(1, Number(row.reset)),
	}
	remember(request, state)
	return Object.assign(state, {
		refund: async () => {
			state.remaining += 1
			await db.execute(sql`
				update rate_limits set count = greatest(count - 1, 0)
				where key = ${fullKey} and window_start = ${windowStart}::timestamptz`)
		},
	})
}

/** How many requests `fullKey`'s current window holds and when it ends, without counting one. */
async function readWindow(fullKey: string, windowSeconds: number) {
	const [row] = await db.execute<{ count: number; reset: number }>(sql`
		with w as (select ${windowStartSql(windowSeconds)} as start)
		select coalesce(r.count, 0) as count,
			ceil(extract(epoch from w.start + make_interval(secs => ${windowSeconds}::int) - now()))::int as reset
		from w left join rate_limits r on r.key = ${fullKey} and r.window_start = w.start`)
	return { count: Number(row!.count), resetSeconds: Math.max(1, Number(row!.reset)) }
}

/** The start of the current window of `seconds`: a multiple of it since the epoch, on the database clock. */
const windowStartSql = (seconds: number) =>
	sql`to_timestamp(floor(extract(epoch from now()) / ${seconds}::int) * ${seconds}::int)`

function tooMany(cls: RateLimitClass, state: RateLimitState, message: string) {
	const { limit, windowSeconds } = config.rateLimits[cls]
	return new TooManyRequestsError(
		`${message}: the limit is ${limit} per ${formatWait(windowSeconds)}. Try again in ${formatWait(state.resetSeconds)}.`,
		state,
	)
}

/** A route class (upload, process, read): per user when signed in, else per client IP. */
export function limitRequest(
	args: LimitArgs,
	cls: Exclude<RateLimitClass, 'ip' | 'login' | 'signup'>,
	userId?: string,
) {
	return hit(args.request, cls, userId ? `user:${userId}` : `ip:${clientIpOf(args)}`)
}

/**
 * A request acting on `items` things at once (a batch of images) counts as
 * that many requests of the class, all or none: when they would take the
 * window over the limit, none is counted and the 429 says how many are left.
 */
export async function limitBatch(
	args: LimitArgs,
	cls: Exclude<RateLimitClass, 'ip' | 'login'>,
	userId: string,
	items: number,
) {
	if (!config.rateLimits.enabled) return
	const { limit, windowSeconds } = config.rateLimits[cls]
	const fullKey = `${cls}:user:${userId}`
	const counted = await db.execute<{ count: number; reset: number }>(sql`
		with w as (select ${windowStartSql(windowSeconds)} as start)
		insert into rate_limits (key, window_start, count, expires_at)
		select ${fullKey}, start, ${items}::int, start + make_interval(secs => ${windowSeconds}::int)
		from w where ${items}::int <= ${limit}::int
		on conflict (key, window_start) do update set count = rate_limits.count + excluded.count
		where rate_limits.count + excluded.count <= ${limit}::int
		returning count, ceil(extract(epoch from expires_at - now()))::int as reset`)
	const row = counted[0]
	if (row) {
		const state = {
			limit,
			remaining: limit - Number(row.count),
			resetSeconds: Math.max(1, Number(row.reset)),
		}
		remember(args.request, state)
		return
	}
	// Refused: read where the window stands, for the message and the headers.
	const now = await readWindow(fullKey, windowSeconds)
	const left = Math.max(0, limit - now.count)
	const state = { limit, remaining: left, resetSeconds: now.resetSeconds }
	remember(args.request, state)
	const error = new TooManyRequestsError(
		`${messages[cls]}: these ${items} images would go over the limit of ${limit} per ${formatWait(windowSeconds)}; ${left} left in this window. ` +
			(left > 0 ? `Send at most ${left}, or try` : 'Try') +
			` again in ${formatWait(state.resetSeconds)}.`,
		state,
	)
	// Nothing was counted: say what is really left, so a client can size its next batch.
	error.headers = { ...error.headers, 'RateLimit-Remaining': String(left) }
	throw error
}

/** The ceiling on everything one address sends to /api, whoever is signed in. */
export async function limitClientIp(args: LimitArgs) {
	const ip = contextOf(args)?.clientIp
	// Without a load context (a handler called directly, as in unit tests) there is no client.
	if (typeof ip !== 'string') return
	await hit(args.request, 'ip', ipSubject(ip))
}

/** Sign-in attempts count per email and address: a guesser elsewhere cannot lock the owner out. */
export const signInKey = (args: LimitArgs, email: string) =>
	`signin:${digest(normalizeEmail(email))}:${clientIpOf(args)}`

export const signUpKey = (args: LimitArgs) => `signup:${clientIpOf(args)}`

export function clientIpOf(args: LimitArgs) {
	const ip = contextOf(args)?.clientIp
	return typeof ip === 'string' && ip ? ipSubject(ip) : 'unknown'
}

const contextOf = (args: LimitArgs) =>
	args.context && typeof args.context === 'object'
		? (args.context as { clientIp?: unknown })
		: undefined

/**
 * IPv4-mapped addresses count as IPv4; an IPv6 client usually holds a whole
 * /64, so its prefix is counted rather than each address it can pick.
 */
export function ipSubject(ip: string) {
	const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)
	if (mapped) return mapped[1]!
	if (!isIPv6(ip)) return ip
	const [head = '', tail] = ip.split('%')[0]!.split('::')
	const left = head ? head.split(':') : []
	const right = tail ? tail.split(':') : []
	const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
	return `${groups
		.slice(0, 4)
		.map((g) => parseInt(g, 16).toString(16))
		.join(':')}::/64`
}

// Emails are not stored in the counter table, only a digest of them.
const digest = (value: string) =>
	createHash('sha256').update(value).digest('base64url').slice(0, 22)

export function formatWait(seconds: number) {
	if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`
	const minutes = Math.ceil(seconds / 60)
	if (minutes < 120) return `${minutes} minutes`
	return `${Math.ceil(minutes / 60)} hours`
}

// ---------------------------------------------------------------------------
// RateLimit-* headers on every limited response, 429 or not.

const states = new WeakMap<Request, RateLimitState[]>()

function remember(request: Request, state: RateLimitState) {
	const list = states.get(request) ?? []
	list.push(state)
	states.set(request, list)
}

/** The policy closest to running out decides the headers (the IETF draft's advice). */
export function rateLimitStateOf(request: Request): RateLimitState | undefined {
	const list = states.get(request)
	if (!list?.length) return undefined
	return list.reduce((a, b) => (b.remaining < a.remaining ? b : a))
}

/** The response with RateLimit-* headers added, unless it already has them (a 429). */
export function withRateLimitHeaders(request: Request, response: Response): Response {
	const state = rateLimitStateOf(request)
	if (!state || response.headers.has('RateLimit-Limit')) return response
	const headers = new Headers(response.headers)
	for (const [name, value] of Object.entries(rateLimitHeaders(state))) headers.set(name, value)
	return new Response(response.body, {
		status: response.status,
		statusText: response.statusText,
		headers,
	})
}
