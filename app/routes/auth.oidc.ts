import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { signInWithOidc } from '#app/auth/sso.server'

// Starts single sign-on: the login page's button posts here (no JavaScript
// needed); a GET (a bookmark, a link from a portal) starts it too.
export const action = (args: ActionFunctionArgs) => signInWithOidc(args)
export const loader = (args: LoaderFunctionArgs) => signInWithOidc(args)
