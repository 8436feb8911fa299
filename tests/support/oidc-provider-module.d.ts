// oidc-provider ships no types; just what tests/support/oidc-provider.ts uses.
declare module 'oidc-provider' {
	import type { IncomingMessage, ServerResponse } from 'node:http'

	type Handler = (req: IncomingMessage, res: ServerResponse) => void

	export type InteractionDetails = {
		uid: string
		prompt: { name: string }
		params: Record<string, unknown> & { client_id: string; scope?: string }
	}

	export type InteractionResult =
		| { login: { accountId: string }; consent: { grantId: string } }
		| { error: string; error_description?: string }

	class Grant {
		constructor(init: { accountId: string; clientId: string })
		addOIDCScope(scope: string): void
		save(): Promise<string>
	}

	export default class Provider {
		constructor(issuer: string, configuration: Record<string, unknown>)
		Grant: typeof Grant
		callback(): Handler
		interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>
		interactionFinished(
			req: IncomingMessage,
			res: ServerResponse,
			result: InteractionResult,
			options?: { mergeWithLastSubmission?: boolean },
		): Promise<void>
	}
}
