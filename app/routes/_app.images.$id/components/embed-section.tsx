import { CopyButton } from '#app/components/copy-button'
import type { ImageDetail } from '#app/images/present.server'
import { Section } from './section'

/** Widest a page usually shows an embedded image; `sizes` says so to the browser. */
const DISPLAY_WIDTH = 1024

/**
 * "Embed": a `<picture>` to paste into any web page. The browser picks AVIF or
 * WebP when it can and the width its layout needs; width and height reserve
 * the space, and the ThumbHash placeholder shows until the image arrives. The
 * text area works without JavaScript (select and copy); the button needs it.
 */
export function EmbedSection({
	image,
	placeholder,
}: {
	image: ImageDetail
	placeholder: string | null
}) {
	if (!image.renditions) return null
	const html = pictureHtml(image, placeholder)
	return (
		<Section title="Embed">
			<p className="mb-2 text-sm text-zinc-600">
				HTML for any web page: AVIF or WebP where the browser takes them, at the width the page
				needs, with a blurred preview while it loads. These links do not expire; processing the
				image again or deleting it ends them.
			</p>
			<label htmlFor="embed-html" className="mb-1 block text-sm font-medium">
				HTML
			</label>
			<textarea
				id="embed-html"
				readOnly
				rows={6}
				value={html}
				className="w-full rounded border border-zinc-300 bg-zinc-50 p-2 font-mono text-xs"
			/>
			<div className="mt-2">
				<CopyButton text={html} label="Copy HTML" />
			</div>
		</Section>
	)
}

/** The snippet itself: attribute values escaped, one element per line. */
export function pictureHtml(image: ImageDetail, placeholder: string | null): string {
	const renditions = image.renditions!
	const display = Math.min(image.width, DISPLAY_WIDTH)
	const sizes = `(max-width: ${display}px) 100vw, ${display}px`
	const alt = image.ai?.summary ?? image.filename.replace(/\.[^.]*$/, '')
	const fallback = renditions.srcset.png ?? renditions.srcset.jpeg
	const style = placeholder
		? ` style="background-size:cover;background-image:url(${placeholder})"`
		: ''
	return [
		'<picture>',
		`  <source type="image/avif" srcset="${attribute(renditions.srcset.avif)}" sizes="${sizes}">`,
		`  <source type="image/webp" srcset="${attribute(renditions.srcset.webp)}" sizes="${sizes}">`,
		`  <img src="${attribute(renditions.src)}" srcset="${attribute(fallback)}" sizes="${sizes}"` +
			` width="${image.width}" height="${image.height}" alt="${attribute(alt)}"` +
			` loading="lazy" decoding="async"${style}>`,
		'</picture>',
	].join('\n')
}

const attribute = (text: string) =>
	text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
