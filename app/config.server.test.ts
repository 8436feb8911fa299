import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from './config.server'

describe('TRUST_PROXY', () => {
	it('is off unless set', () => {
		expect(parseConfig({}).trustProxy).toBe(false)
		expect(parseConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false)
	})

	it('takes a hop count or a list of addresses, CIDR ranges and range names', () => {
		expect(parseConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2)
		expect(
			parseConfig({ TRUST_PROXY: '10.0.0.0/8, loopback, fd00::/8, 192.0.2.7' }).trustProxy,
		).toEqual(['10.0.0.0/8', 'loopback', 'fd00::/8', '192.0.2.7'])
	})

	it.each(['true', 'proxy.example', '10.0.0.0/33', '300.1.1.1'])(
		'refuses %s, naming the variable',
		(value) => {
			expect(() => parseConfig({ TRUST_PROXY: value })).toThrow(ConfigError)
			expect(() => parseConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/)
		},
	)
})

describe('ALLOWED_HOSTS', () => {
	it('takes host names and addresses with an optional port', () => {
		expect(
			parseConfig({ ALLOWED_HOSTS: 'Photos.Example.com, 192.0.2.7:8080, [::1]' }).allowedHosts,
		).toEqual(['photos.example.com', '192.0.2.7:8080', '[::1]'])
	})

	it('refuses a URL, naming the variable', () => {
		expect(() => parseConfig({ ALLOWED_HOSTS: 'https://photos.example.com' })).toThrow(
			/ALLOWED_HOSTS/,
		)
	})
})

it('MAX_BODY_BYTES defaults to 64 KiB', () => {
	expect(parseConfig({}).maxBodyBytes).toBe(64 * 1024)
})

describe('REGISTRATION', () => {
	it('is left to the admin setting unless set', () => {
		expect(parseConfig({}).registration).toBeUndefined()
		expect(parseConfig({ REGISTRATION: 'invite' }).registration).toBe('invite')
	})

	it('refuses anything but open, invite or closed, naming the variable', () => {
		expect(() => parseConfig({ REGISTRATION: 'public' })).toThrow(/REGISTRATION/)
	})
})
