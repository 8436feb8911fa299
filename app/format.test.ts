import { describe, expect, it } from 'vitest'
import { describeUserAgent } from './format'

describe('describeUserAgent', () => {
	it('names the browser and the system', () => {
		expect(
			describeUserAgent(
				'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
			),
		).toBe('Chrome on Linux')
		expect(
			describeUserAgent(
				'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
			),
		).toBe('Edge on Windows')
		expect(
			describeUserAgent(
				'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
			),
		).toBe('Safari on iOS')
		expect(describeUserAgent('curl/8.5.0')).toBe('curl')
	})

	it('falls back to the raw string, shortened, and to a phrase when there is none', () => {
		expect(describeUserAgent('backup-script/2.1')).toBe('backup-script/2.1')
		expect(describeUserAgent(`x${'y'.repeat(100)}`)).toHaveLength(61)
		expect(describeUserAgent(null)).toBe('Unknown client')
	})
})
