import { checkHealth } from '#app/http/health.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { json } from '#app/http/problem.server'

export async function loader() {
	const health = await checkHealth()
	return json(health, { status: health.status === 'ok' ? 200 : 503 })
}

export const action = methodNotAllowed(['GET'])
