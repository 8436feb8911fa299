import { generateKeyPairSync, randomBytes } from 'node:crypto'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

// A real OpenID provider (oidc-provider) on 127.0.0.1 for tests: one
// confidential client, accounts whose claims the test sets, and a tiny login
// page instead of the development interactions: GET shows a form naming an
// account, POST signs that account in (and consents) or denies.
//
// The listening server starts first, so its issuer URL can go into the app's
// environment; the provider itself is made once the app's callback URL is
// known (`allowApp`), and made again if another app is allowed later.

export type AccountClaims = { email?: string; email_verified?: boolean }

export type OidcTestProvider = {
	issuer: string
	clientId: string
	clientSecret: string
	/** The app at this origin may use the client (its callback becomes a redirect URI). */
	allowApp: (origin: string) => void
	/** Creates or replaces an account; its claims are what the provider vouches for. */
	setAccount: (subject: string, claims: AccountClaims) => void
	/**
	 * Runs `work` with the provider's clock `seconds` behind: the ID tokens it
	 * issues meanwhile are already expired when they arrive.
	 */
	withClockBehind: <T>(seconds: number, work: () => Promise<T>) => Promise<T>
	stop: () => Promise<void>
}

export async function startOidcProvider(): Promise<OidcTestProvider> {
	const clientId = 'darkroom'
	const clientSecret = randomBytes(24).toString('hex')
	const accounts = new Map<string, AccountClaims>()
	const redirectUris = new Set<string>()
	// One key and one cookie secret for every provider made: a remade one
	// still signs what the app's cached JWKS can check.
	const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
		format: 'jwk',
	})
	const cookieKey = randomBytes(32).toString('hex')
	let provider: Provider | undefined

	const server = http.createServer((req, res) => {
		if (!provider) {
			res.writeHead(503).end('No app allowed yet')
			return
		}
		const interaction = /^\/interaction\/[^/?]+/.exec(req.url ?? '')
		if (interaction) void interact(provider, req, res)
		else provider.callback()(req, res)
	})
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
	const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

	const makeProvider = () =>
		new Provider(issuer, {
			clients: [
				{
					client_id: clientId,
					client_secret: clientSecret,
					redirect_uris: [...redirectUris],
					grant_types: ['authorization_code'],
					response_types: ['code'],
				},
			],
			jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256' }] },
			cookies: { keys: [cookieKey] },
			claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
			features: { devInteractions: { enabled: false } },
			// Stated, so the provider does not warn about its defaults on every run.
			ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
			interactions: { url: (_ctx: unknown, { uid }: { uid: string }) => `/interaction/${uid}` },
			findAccount: (_ctx: unknown, subject: string) => {
				const claims = accounts.get(subject)
				if (!claims) return undefined
				return { accountId: subject, claims: () => ({ sub: subject, ...claims }) }
			},
		})

	return {
		issuer,
		clientId,
		clientSecret,
		allowApp(origin) {
			redirectUris.add(`${origin}/auth/oidc/callback`)
			provider = makeProvider()
		},
		setAccount(subject, claims) {
			accounts.set(subject, claims)
		},
		async withClockBehind(seconds, work) {
			const realNow = Date.now
			Date.now = () => realNow() - seconds * 1000
			try {
				return await work()
			} finally {
				Date.now = realNow
			}
		},
		stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
	}
}

/** The login page: GET asks which account, POST signs it in (with consent) or denies. */
async function interact(provider: Provider, req: IncomingMessage, res: ServerResponse) {
	try {
		const details = await provider.interactionDetails(req, res)
		if (req.method !== 'POST') {
			res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(loginPage(details.uid))
			return
		}
		const form = new URLSearchParams(await readBody(req))
		if (form.has('deny')) {
			await provider.interactionFinished(req, res, {
				error: 'access_denied',
				error_description: 'The person declined to sign in.',
			})
			return
		}
		const accountId = form.get('account') ?? ''
		const grant = new provider.Grant({ accountId, clientId: details.params.client_id })
		grant.addOIDCScope(details.params.scope ?? 'openid')
		const grantId = await grant.save()
		await provider.interactionFinished(
			req,
			res,
			{ login: { accountId }, consent: { grantId } },
			{ mergeWithLastSubmission: false },
		)
	} catch (error) {
		res.writeHead(400, { 'Content-Type': 'text/plain' }).end(String(error))
	}
}

const loginPage = (uid: string) => `<!doctype html>
<html lang="en"><head><title>Test provider</title></head><body><main>
<h1>Test provider</h1>
<form method="post" action="/interaction/${uid}">
<label>Account <input name="account" autocomplete="off"></label>
<button type="submit">Continue</button>
<button type="submit" name="deny" value="1">Deny</button>
</form></main></body></html>`

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = []
	for await (const chunk of req) chunks.push(chunk as Buffer)
	return Buffer.concat(chunks).toString('utf8')
}
