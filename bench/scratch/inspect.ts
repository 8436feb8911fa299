import { inspectImage, processImage } from '~/images/pipeline.server'
import { oneMegabyteJpeg, photoSet } from '../lib/images'
import { createHash } from 'node:crypto'
const one = await oneMegabyteJpeg()
const time = async (label: string, n: number, f: () => Promise<unknown>) => {
	for (let i = 0; i < 3; i++) await f()
	const t = performance.now()
	for (let i = 0; i < n; i++) await f()
	console.log(label, ((performance.now() - t) / n).toFixed(2), 'ms')
}
await time('inspect 1MB jpeg', 50, () =>
	inspectImage(
		Buffer.from(one.bytes),
		{ contentType: 'image/jpeg', format: 'jpeg' },
		{ maxInputPixels: 1e8 },
	),
)
await time('sha256 1MB', 50, async () => createHash('sha256').update(one.bytes).digest())
const photos = await photoSet(6)
for (const p of photos) {
	await time(`inspect ${p.name}`, 5, () =>
		inspectImage(
			Buffer.from(p.bytes),
			{ contentType: `image/${p.format}`, format: p.format },
			{ maxInputPixels: 1e8 },
		),
	)
	await time(`process ${p.name}`, 3, () =>
		processImage(
			Buffer.from(p.bytes),
			{ contentType: `image/${p.format}` },
			{ maxInputPixels: 1e8, thumbnailMaxSize: 256, optimizedMaxSize: 2048 },
		),
	)
}
