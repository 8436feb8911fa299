import type { ActionFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { endBrowserSession } from '#app/auth/auth.server'

export const loader = () => redirect('/')

export const action = ({ request }: ActionFunctionArgs) => endBrowserSession(request)
