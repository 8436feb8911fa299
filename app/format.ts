/** A byte count for people, in binary units (what MAX_UPLOAD_BYTES and quotas are set in). */
export function formatBytes(bytes: number) {
	if (bytes < 1024) return `${bytes} bytes`
	if (bytes < 1024 ** 2) return `${+(bytes / 1024).toFixed(1)} KiB`
	if (bytes < 1024 ** 3) return `${+(bytes / 1024 ** 2).toFixed(1)} MiB`
	return `${+(bytes / 1024 ** 3).toFixed(2)} GiB`
}

/** Dollars of AI cost: to the cent, or to a millionth under a dollar. */
export const formatUsd = (value: number) => `$${value.toFixed(value < 1 ? 6 : 2)}`

/** The one message for a file over the upload limit, from the server or the page. */
export const fileTooLargeMessage = (maxBytes: number) =>
	`The file is larger than the limit of ${formatBytes(maxBytes)}.`

const browsers: Array<[RegExp, string]> = [
	[/\bEdg(?:e|A|iOS)?\//, 'Edge'],
	[/\bOPR\//, 'Opera'],
	[/\bFirefox\//, 'Firefox'],
	[/\b(?:HeadlessChrome|Chrome|Chromium|CriOS)\//, 'Chrome'],
	[/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
	[/^curl\//, 'curl'],
	[/^(?:node|undici)\b/i, 'Node.js'],
	[/^python-requests\//, 'Python requests'],
]
const systems: Array<[RegExp, string]> = [
	[/\bAndroid\b/, 'Android'],
	[/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
	[/\bWindows\b/, 'Windows'],
	[/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
	[/\bCrOS\b/, 'ChromeOS'],
	[/\bLinux\b/, 'Linux'],
]

/** "Firefox on Linux" from a User-Agent; the start of the raw string when unrecognised. */
export function describeUserAgent(userAgent: string | null) {
	if (!userAgent) return 'Unknown client'
	const browser = browsers.find(([pattern]) => pattern.test(userAgent))?.[1]
	const system = systems.find(([pattern]) => pattern.test(userAgent))?.[1]
	if (browser && system) return `${browser} on ${system}`
	if (browser) return browser
	return userAgent.length > 60 ? `${userAgent.slice(0, 60)}…` : userAgent
}

export const plural = (n: number) => `${n} image${n === 1 ? '' : 's'}`
