import { lookup } from 'node:dns/promises'
import type { LookupAddress } from 'node:dns'
import { isIP, isIPv4, isIPv6 } from 'node:net'
import { config } from '#app/config.server'
import { WebhookUrlRefusedError } from '#app/errors'
import { log } from '#app/log.server'

// Server-side request forgery guard: a webhook must not let a user make the
// worker call something only it can reach (the database, a metadata service,
// the admin port of a router). Checked at registration and again at every
// delivery, since DNS answers change; the delivery then connects to the very
// address that was checked (see send.server.ts), so a second, different DNS
// answer (rebinding) cannot slip in between.

/** Ranges that are not the public internet, with what to call them in a refusal. */
const refusedRanges = [
	['0.0.0.0/8', 'an unspecified ("this network") address'],
	['10.0.0.0/8', 'a private (RFC 1918) address'],
	['100.64.0.0/10', 'a shared carrier-grade NAT (RFC 6598) address'],
	['127.0.0.0/8', 'a loopback address'],
	['169.254.0.0/16', 'a link-local address'],
	['172.16.0.0/12', 'a private (RFC 1918) address'],
	['192.0.0.0/24', 'a reserved (IETF protocol assignments) address'],
	['192.0.2.0/24', 'a documentation address'],
	['192.168.0.0/16', 'a private (RFC 1918) address'],
	['198.18.0.0/15', 'a benchmarking address'],
	['198.51.100.0/24', 'a documentation address'],
	['203.0.113.0/24', 'a documentation address'],
	['224.0.0.0/4', 'a multicast address'],
	['240.0.0.0/4', 'a reserved address'],
	['::/128', 'an unspecified address'],
	['::1/128', 'a loopback address'],
	['64:ff9b:1::/48', 'a local-use NAT64 address'],
	['100::/64', 'a discard-only address'],
	['2001:db8::/32', 'a documentation address'],
	['fc00::/7', 'a unique local (private) address'],
	['fe80::/10', 'a link-local address'],
	['fec0::/10', 'a site-local address'],
	['ff00::/8', 'a multicast address'],
].map(([cidr, label]) => {
	const [network, bits] = cidr!.split('/') as [string, string]
	return { bytes: addressBytes(network)!, bits: Number(bits), label: label! }
})

/** Why this IP address may not be called (its kind), or null for a public address. */
export function refusedAddressKind(address: string): string | null {
	const bytes = addressBytes(address)
	if (!bytes) return 'not an IP address'
	// IPv4 inside IPv6 (mapped, compatible, NAT64, 6to4) is judged as the IPv4 address.
	const candidates = [bytes, embeddedIpv4(bytes)].filter((b): b is number[] => Boolean(b))
	for (const candidate of candidates) {
		const range = refusedRanges.find((r) => inRange(candidate, r))
		if (range) return range.label
	}
	return null
}

/**
 * The URL if it may be a webhook target by its form: http(s) as configured, no
 * credentials. Its addresses are checked by resolveWebhookHost.
 */
export function parseWebhookUrl(raw: string): URL {
	let url: URL
	try {
		url = new URL(raw)
	} catch {
		throw new WebhookUrlRefusedError('is not a valid absolute URL.')
	}
	const allowed = config.webhooks.allowHttp ? ['https:', 'http:'] : ['https:']
	if (!allowed.includes(url.protocol)) {
		throw new WebhookUrlRefusedError(
			config.webhooks.allowHttp
				? 'must be an http:// or https:// URL.'
				: 'must be an https:// URL (plain http is not allowed).',
		)
	}
	if (url.username || url.password) {
		throw new WebhookUrlRefusedError('must not contain a user name or password.')
	}
	return url
}

/**
 * Every address the URL's host resolves to, refused (WebhookUrlRefusedError)
 * if any of them is loopback, private, link-local or otherwise not public,
 * unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES. DNS failures are thrown as they come.
 */
export async function resolveWebhookHost(url: URL): Promise<LookupAddress[]> {
	const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
	const addresses = await lookup(host, { all: true, verbatim: true })
	if (addresses.length === 0) throw new Error(`${host} has no addresses`)
	if (config.webhooks.allowPrivateAddresses) return addresses
	for (const { address } of addresses) {
		const kind = refusedAddressKind(address)
		if (!kind) continue
		// An address the user typed can be named; what a name resolves to
		// would map the internal network for them, so only the log has it.
		if (isIP(host)) {
			throw new WebhookUrlRefusedError(
				`${host} is ${kind}; webhooks may only call public addresses.`,
			)
		}
		log.warn(
			{ host, address, kind },
			'Webhook URL refused: its host resolves to a non-public address',
		)
		throw new WebhookUrlRefusedError(
			`${host} resolves to an address that is not public; webhooks may only call public addresses.`,
		)
	}
	return addresses
}

/** 4 bytes for IPv4, 16 for IPv6, null for anything else. */
function addressBytes(address: string): number[] | null {
	if (isIPv4(address)) return address.split('.').map(Number)
	if (!isIPv6(address)) return null
	let text = address.split('%')[0]!
	// A trailing dotted IPv4 part (::ffff:1.2.3.4) becomes two groups.
	const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
	if (dotted) {
		const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
		text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
	}
	const [head = '', tail] = text.split('::')
	const left = head ? head.split(':') : []
	const right = tail ? tail.split(':') : []
	const zeros = tail === undefined ? 0 : 8 - left.length - right.length
	const groups = [...left, ...Array<string>(zeros).fill('0'), ...right].map((g) => parseInt(g, 16))
	return groups.flatMap((g) => [g >> 8, g & 0xff])
}

/** The IPv4 address inside an IPv4-mapped, -compatible, NAT64 or 6to4 IPv6 address. */
function embeddedIpv4(bytes: number[]): number[] | null {
	if (bytes.length !== 16) return null
	const zeroUpTo = (n: number) => bytes.slice(0, n).every((b) => b === 0)
	// ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated)
	if (zeroUpTo(10) && ((bytes[10] === 0xff && bytes[11] === 0xff) || zeroUpTo(12))) {
		return bytes.slice(12)
	}
	// 64:ff9b::a.b.c.d (NAT64 well-known prefix)
	if (
		bytes[0] === 0 &&
		bytes[1] === 0x64 &&
		bytes[2] === 0xff &&
		bytes[3] === 0x9b &&
		bytes.slice(4, 12).every((b) => b === 0)
	) {
		return bytes.slice(12)
	}
	// 2002:abcd:efgh::/48 (6to4)
	if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6)
	return null
}

function inRange(bytes: number[], range: { bytes: number[]; bits: number }) {
	if (bytes.length !== range.bytes.length) return false
	for (let bit = 0; bit < range.bits; bit += 8) {
		const width = Math.min(8, range.bits - bit)
		const mask = (0xff << (8 - width)) & 0xff
		const i = bit / 8
		if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false
	}
	return true
}
