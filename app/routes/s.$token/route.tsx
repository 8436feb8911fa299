import type { HeadersFunction, MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { Alert, buttonClass, Field } from '#app/components/ui'
import type { FormRefusal } from '#app/forms.server'
import { type loader } from './loader.server'

export { action } from './action.server'
export { loader } from './loader.server'

// The public page of a share link: no sign-in, no JavaScript needed, only
// preset renditions of what is shared (see app/sharing/public.server.ts).

export const headers: HeadersFunction = ({ loaderHeaders, actionHeaders }) =>
	new Headers([...loaderHeaders, ...actionHeaders])

export const meta: MetaFunction<typeof loader> = ({ data }) => {
	const robots = { name: 'robots', content: 'noindex' }
	if (data?.state !== 'open') return [{ title: `${pageTitle(data?.state)} · Darkroom` }, robots]
	const preview = data.preview
	return [
		{ title: `${data.title} · Darkroom` },
		robots,
		{ property: 'og:title', content: data.title },
		{ property: 'og:type', content: 'website' },
		{ property: 'og:url', content: data.url },
		{ property: 'og:site_name', content: 'Darkroom' },
		...(preview
			? [
					{ property: 'og:image', content: preview.url },
					{ property: 'og:image:width', content: String(preview.width) },
					{ property: 'og:image:height', content: String(preview.height) },
					{ property: 'og:image:alt', content: data.title },
				]
			: []),
		{ name: 'twitter:card', content: preview ? 'summary_large_image' : 'summary' },
		{ name: 'twitter:title', content: data.title },
	]
}

function pageTitle(state: string | undefined) {
	if (state === 'locked') return 'Password required'
	if (state === 'revoked' || state === 'expired') return 'Link no longer available'
	return 'Link not found'
}

export default function SharedPage() {
	const page = useLoaderData<typeof loader>()
	return (
		<main className="mx-auto max-w-6xl px-4 py-8">
			<p className="mb-4 text-sm font-semibold tracking-wide text-zinc-600 uppercase">Darkroom</p>
			{page.state === 'open' ? (
				<Shared page={page} />
			) : page.state === 'locked' ? (
				<PasswordForm />
			) : (
				<Unavailable state={page.state} />
			)}
		</main>
	)
}

type OpenPage = Extract<ReturnType<typeof useLoaderData<typeof loader>>, { state: 'open' }>

function Shared({ page }: { page: OpenPage }) {
	if (page.images.length === 0) {
		return (
			<>
				<h1 className="text-2xl font-semibold wrap-anywhere">{page.title}</h1>
				<p className="mt-4 text-zinc-700">Nothing is shared here at the moment.</p>
			</>
		)
	}
	if (page.kind === 'image') {
		const [image] = page.images
		return (
			<article className="space-y-4">
				<h1 className="text-2xl font-semibold wrap-anywhere">{page.title}</h1>
				<img
					src={image!.hero.url}
					width={image!.hero.width}
					height={image!.hero.height}
					alt={image!.filename}
					loading="lazy"
					className="h-auto max-h-[80vh] w-auto max-w-full rounded-lg"
				/>
				<Download url={image!.downloadUrl} filename={image!.filename} />
			</article>
		)
	}
	return (
		<article>
			<h1 className="text-2xl font-semibold wrap-anywhere">{page.title}</h1>
			<ul className="mt-6 grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Photos">
				{page.images.map((image, index) => (
					<li key={image.id} className="space-y-2">
						<a
							href={image.hero.url}
							className="block focus-visible:outline-2 focus-visible:outline-indigo-600"
						>
							<img
								src={image.card.url}
								srcSet={`${image.thumb.url} ${image.thumb.width}w, ${image.card.url} ${image.card.width}w`}
								sizes="(min-width: 1024px) 370px, (min-width: 640px) 50vw, 100vw"
								width={image.card.width}
								height={image.card.height}
								alt={`${image.filename} (photo ${index + 1} of ${page.images.length})`}
								loading="lazy"
								className="aspect-[4/3] h-auto w-full rounded-lg object-cover"
							/>
						</a>
						<Download url={image.downloadUrl} filename={image.filename} />
					</li>
				))}
			</ul>
		</article>
	)
}

function Download({ url, filename }: { url: string | null; filename: string }) {
	if (!url) return null
	return (
		<a href={url} download className="text-sm text-zinc-700 underline hover:text-zinc-900">
			Download original<span className="sr-only"> of {filename}</span>
		</a>
	)
}

function PasswordForm() {
	const refused = useActionData<FormRefusal>()
	return (
		<div className="max-w-sm space-y-4">
			<h1 className="text-2xl font-semibold">Password required</h1>
			<p className="text-zinc-700">Whoever shared this link protected it with a password.</p>
			{refused && !refused.fieldErrors?.password ? <Alert>{refused.error}</Alert> : null}
			<Form method="post" className="space-y-4">
				<Field
					label="Password"
					name="password"
					type="password"
					autoComplete="off"
					required
					error={refused?.fieldErrors?.password}
				/>
				<button type="submit" className={buttonClass}>
					Open
				</button>
			</Form>
		</div>
	)
}

function Unavailable({ state }: { state: 'missing' | 'revoked' | 'expired' }) {
	return (
		<div className="max-w-xl space-y-3">
			<h1 className="text-2xl font-semibold">{pageTitle(state)}</h1>
			<p className="text-zinc-700">
				{state === 'missing'
					? 'There is no shared page at this address. Check the link you were sent.'
					: state === 'expired'
						? 'This link has expired. Ask whoever shared it for a new one.'
						: 'Whoever shared this link has withdrawn it. Ask them for a new one if you still need it.'}
			</p>
		</div>
	)
}
