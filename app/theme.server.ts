import { createCookie } from '@remix-run/node'
import { z } from 'zod'

// The colour theme is a plain preference cookie, readable before the page
// renders so the first paint is already in the right theme (no flash).

export const themes = ['system', 'light', 'dark'] as const
export type Theme = (typeof themes)[number]

const themeSchema = z.enum(themes)

export const themeCookie = createCookie('darkroom_theme', {
	path: '/',
	sameSite: 'lax',
	httpOnly: true,
	maxAge: 365 * 86_400,
})

export async function getTheme(request: Request): Promise<Theme> {
	const value: unknown = await themeCookie.parse(request.headers.get('Cookie'))
	return themeSchema.safeParse(value).data ?? 'system'
}

export const parseTheme = (value: unknown): Theme | undefined => themeSchema.safeParse(value).data
