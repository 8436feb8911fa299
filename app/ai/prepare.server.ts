import sharp from 'sharp'
import type { AnalysisInput } from './types'

/**
 * The image a provider sees: the optimized copy's first frame, fitted inside
 * `maxSize` (vision models bill by pixels) and flattened to JPEG.
 */
export async function prepareForAnalysis(
	optimized: Buffer,
	maxSize: number,
): Promise<Omit<AnalysisInput, 'filename'>> {
	const { data, info } = await sharp(optimized)
		.resize({ width: maxSize, height: maxSize, fit: 'inside', withoutEnlargement: true })
		.flatten({ background: '#ffffff' })
		.jpeg({ quality: 85 })
		.toBuffer({ resolveWithObject: true })
	return { image: data, contentType: 'image/jpeg', width: info.width, height: info.height }
}
