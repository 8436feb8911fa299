import type { Response } from 'express'
import type { AppError } from '#app/errors'
import { errorToResponse } from '#app/http/problem.server'

// Answers given by express itself, before Remix runs (a refused Origin, host or
// body): problem+json for the API, a small readable page for everything else.

export const isApi = (req: { path: string }) => req.path === '/api' || req.path.startsWith('/api/')

/** The error as problem+json, through the one mapping in app/http. */
export async function sendProblem(res: Response, error: AppError) {
	const response = errorToResponse(error)
	res.status(response.status)
	response.headers.forEach((value, name) => res.setHeader(name, value))
	res.send(await response.text())
}

/** A minimal HTML page; `message` is ours, never the request's. */
export function sendPage(res: Response, status: number, title: string, message: string) {
	res
		.status(status)
		.type('html')
		.set('Cache-Control', 'no-store')
		.send(
			`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · Darkroom</title></head>` +
				`<body><main><h1>${status} ${title}</h1><p>${message}</p></main></body></html>`,
		)
}
