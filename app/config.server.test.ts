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

describe('single sign-on (OIDC_*)', () => {
	const sso = {
		OIDC_ISSUER: 'https://id.example.com/realms/team',
		OIDC_CLIENT_ID: 'darkroom',
		OIDC_CLIENT_SECRET: 'secret',
	}

	it('is off unless the issuer, client id and secret are all set', () => {
		expect(parseConfig({}).oidc).toBeNull()
		expect(parseConfig(sso).oidc).toEqual({
			issuer: 'https://id.example.com/realms/team',
			clientId: 'darkroom',
			clientSecret: 'secret',
			label: 'Single sign-on',
			allowedDomains: [],
			autoRegister: false,
		})
	})

	it.each(['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const)(
		'refuses to start without %s when the others are set, naming it',
		(name) => {
			const partial = { ...sso, [name]: undefined }
			expect(() => parseConfig(partial)).toThrow(ConfigError)
			expect(() => parseConfig(partial)).toThrow(new RegExp(`\\n  ${name}: required`))
		},
	)

	it('takes a label, allowed domains and auto-registration', () => {
		const oidc = parseConfig({
			...sso,
			OIDC_LABEL: 'Keycloak',
			OIDC_ALLOWED_DOMAINS: 'Example.com, @team.example.org,',
			OIDC_AUTO_REGISTER: 'true',
		}).oidc
		expect(oidc).toMatchObject({
			label: 'Keycloak',
			allowedDomains: ['example.com', 'team.example.org'],
			autoRegister: true,
		})
	})

	it('refuses an issuer that is not an https URL (or local http), naming the variable', () => {
		expect(() => parseConfig({ ...sso, OIDC_ISSUER: 'keycloak' })).toThrow(/OIDC_ISSUER/)
		expect(() => parseConfig({ ...sso, OIDC_ISSUER: 'http://id.example.com' })).toThrow(
			/OIDC_ISSUER: must be an https/,
		)
		expect(parseConfig({ ...sso, OIDC_ISSUER: 'http://127.0.0.1:4000' }).oidc?.issuer).toBe(
			'http://127.0.0.1:4000',
		)
		expect(() => parseConfig({ ...sso, OIDC_AUTO_REGISTER: 'maybe' })).toThrow(/OIDC_AUTO_REGISTER/)
	})
})

describe('PASSWORD_LOGIN', () => {
	it('is on by default', () => {
		expect(parseConfig({}).passwordLogin).toBe(true)
	})

	it('may be false only with single sign-on configured, naming the variable', () => {
		expect(() => parseConfig({ PASSWORD_LOGIN: 'false' })).toThrow(/PASSWORD_LOGIN/)
		const ssoOnly = parseConfig({
			PASSWORD_LOGIN: 'false',
			OIDC_ISSUER: 'https://accounts.google.com',
			OIDC_CLIENT_ID: 'id',
			OIDC_CLIENT_SECRET: 'secret',
		})
		expect(ssoOnly.passwordLogin).toBe(false)
	})
})

describe('BACKUP_*', () => {
	it('backs up into DATA_DIR/backups on request only, keeping 7, unless set', () => {
		const { backup } = parseConfig({ DATA_DIR: '/srv/darkroom' })
		expect(backup).toEqual({
			schedule: undefined,
			target: '/srv/darkroom/backups',
			keep: 7,
			objects: true,
		})
	})

	it('takes a crontab time, a directory or an S3 prefix, and a count', () => {
		const { backup } = parseConfig({
			BACKUP_SCHEDULE: '30  2 * * 1-5',
			BACKUP_TARGET: 's3://team-backups/darkroom',
			BACKUP_KEEP: '14',
			S3_ACCESS_KEY_ID: 'key',
			S3_SECRET_ACCESS_KEY: 'secret',
		})
		expect(backup).toMatchObject({
			schedule: '30 2 * * 1-5',
			target: 's3://team-backups/darkroom',
			keep: 14,
		})
	})

	it.each([
		['BACKUP_SCHEDULE', 'daily'],
		['BACKUP_SCHEDULE', '0 3 * *'],
		['BACKUP_SCHEDULE', '61 3 * * *'],
		['BACKUP_TARGET', 'https://example.com/backups'],
		['BACKUP_TARGET', 's3://team-backups/darkroom'],
		['BACKUP_KEEP', '0'],
	])('refuses %s=%s, naming the variable', (name, value) => {
		expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(name))
	})
})

describe('OPENAI_EMBEDDING_MODEL', () => {
	it('turns semantic search on with the openai provider only, 512 dimensions by default', () => {
		expect(parseConfig({ OPENAI_API_KEY: 'sk-test' }).ai.embeddings).toEqual({
			model: 'text-embedding-3-small',
			dimensions: 512,
		})
		expect(parseConfig({ AI_PROVIDER: 'local' }).ai.embeddings).toBeNull()
		expect(parseConfig({}).ai.embeddings).toBeNull()
		expect(
			parseConfig({ OPENAI_API_KEY: 'sk-test', OPENAI_EMBEDDING_MODEL: 'none' }).ai.embeddings,
		).toBeNull()
	})

	it('takes another model and size, and refuses a size out of range', () => {
		const env = { OPENAI_API_KEY: 'sk-test', OPENAI_EMBEDDING_MODEL: 'nomic-embed-text' }
		expect(parseConfig({ ...env, OPENAI_EMBEDDING_DIMENSIONS: '768' }).ai.embeddings).toEqual({
			model: 'nomic-embed-text',
			dimensions: 768,
		})
		expect(() => parseConfig({ ...env, OPENAI_EMBEDDING_DIMENSIONS: '8' })).toThrow(
			/OPENAI_EMBEDDING_DIMENSIONS/,
		)
	})
})
