import type { LoaderFunctionArgs } from '@remix-run/node'
import { signInWithOidc } from '#app/auth/sso.server'

// Where the provider sends the browser back (OIDC_ISSUER's redirect URI).
export const loader = (args: LoaderFunctionArgs) => signInWithOidc(args)
