import { methodNotAllowed } from '#app/http/methods.server'
import { openApiDocument } from '#app/http/openapi'

// GET /api/openapi.json: the OpenAPI 3.1 description of the API. Public and
// the same for everyone, so caches may keep it for a few minutes.

const body = JSON.stringify(openApiDocument)

export async function loader() {
	return new Response(body, {
		headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' },
	})
}

export const action = methodNotAllowed(['GET'])
