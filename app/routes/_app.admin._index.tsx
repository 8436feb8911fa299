import type { LoaderFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { requirePageAdmin } from '#app/admin/auth.server'

// Loaders run in parallel: each admin route checks the caller itself.
export async function loader(args: LoaderFunctionArgs) {
	await requirePageAdmin(args)
	return redirect('/admin/jobs')
}
