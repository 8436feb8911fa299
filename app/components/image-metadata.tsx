import type { ReactNode } from 'react'
import type { ImageMetadata } from '#db/schema'
import { formatBytes } from '#app/format'
import { TableScroll } from '#app/components/ui'
import { Time } from './time'

type Exif = NonNullable<ImageMetadata['exif']>

type Props = {
	image: {
		width: number
		height: number
		format: string
		byteSize: number
		sha256: string
		metadata: ImageMetadata | null
	}
}

/**
 * What the file says about itself, as a two-column table. The GPS position
 * is shown because this page is only ever served to the image's owner
 * (the loader 404s for anyone else); it never reaches the generated files.
 */
export function MetadataTable({ image }: Props) {
	const metadata = image.metadata
	const exif = metadata?.exif
	const gps = metadata?.gps
	const rows: [string, ReactNode][] = [
		['Dimensions', `${image.width} × ${image.height}`],
		['Format', image.format.toUpperCase()],
		['File size', formatBytes(image.byteSize)],
		['Colour space', metadata?.space],
		['Alpha channel', metadata ? (metadata.hasAlpha ? 'Yes' : 'No') : null],
		['Orientation', metadata?.orientation ? orientationName(metadata.orientation) : null],
		['Density', metadata?.density ? `${metadata.density} dpi` : null],
		['Pages', metadata ? String(metadata.pages) : null],
		['Camera', camera(exif)],
		['Lens', exif?.lens],
		['Exposure', exif?.exposureTime ? exposureTime(exif.exposureTime) : null],
		['Aperture', exif?.fNumber ? `ƒ/${round(exif.fNumber, 1)}` : null],
		['ISO', exif?.iso ? String(exif.iso) : null],
		['Focal length', exif?.focalLength ? `${round(exif.focalLength, 1)} mm` : null],
		[
			'Taken',
			// EXIF times without a zone are stored as UTC wall-clock time (see
			// pipeline.server.ts), so UTC shows what the camera recorded.
			exif?.takenAt ? <Time iso={exif.takenAt} cameraClock /> : null,
		],
		['Location', gps ? <MapLink latitude={gps.latitude} longitude={gps.longitude} /> : null],
		['SHA-256', <code className="text-xs break-all">{image.sha256}</code>],
	]

	return (
		<TableScroll label="Image details">
			<table className="w-full text-left text-sm" data-testid="metadata">
				<caption className="sr-only">Image details</caption>
				<tbody className="divide-y divide-zinc-100">
					{rows
						.filter(([, value]) => value !== null && value !== undefined && value !== '')
						.map(([label, value]) => (
							<tr key={label}>
								<th
									scope="row"
									className="py-1.5 pr-4 align-top font-normal whitespace-nowrap text-zinc-600"
								>
									{label}
								</th>
								<td className="py-1.5 break-words text-zinc-900">{value}</td>
							</tr>
						))}
				</tbody>
			</table>
			{gps ? (
				<p className="mt-2 text-xs text-zinc-600">
					The location is visible only to you and is never in the generated files.
				</p>
			) : null}
		</TableScroll>
	)
}

function MapLink({ latitude, longitude }: { latitude: number; longitude: number }) {
	const href = `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=15/${latitude}/${longitude}`
	return (
		<a
			className="text-indigo-700 underline hover:text-indigo-900 focus-visible:outline-2 focus-visible:outline-indigo-600"
			href={href}
			rel="noreferrer noopener"
			target="_blank"
			data-testid="map-link"
		>
			{latitude.toFixed(5)}, {longitude.toFixed(5)}
			<span className="sr-only"> (map on OpenStreetMap, opens in a new tab)</span>
		</a>
	)
}

// "Canon" + "Canon EOS R5" reads as "Canon EOS R5", not "Canon Canon EOS R5".
function camera(exif: Exif | null | undefined) {
	if (!exif?.model) return exif?.make ?? null
	if (!exif.make || exif.model.toLowerCase().startsWith(exif.make.toLowerCase())) return exif.model
	return `${exif.make} ${exif.model}`
}

/** 0.008 → "1/125 s", 2.5 → "2.5 s". */
function exposureTime(seconds: number) {
	if (seconds >= 1) return `${round(seconds, 1)} s`
	return `1/${Math.round(1 / seconds)} s`
}

const round = (value: number, digits: number) => String(Number(value.toFixed(digits)))

// EXIF orientation values 1–8.
const orientations = [
	'Normal',
	'Mirrored',
	'Rotated 180°',
	'Mirrored vertically',
	'Mirrored, rotated 90° counter-clockwise',
	'Rotated 90° clockwise',
	'Mirrored, rotated 90° clockwise',
	'Rotated 90° counter-clockwise',
]

function orientationName(value: number) {
	return orientations[value - 1] ?? String(value)
}
