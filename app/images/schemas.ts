import { z } from 'zod'
import { aiStatuses, imageStatuses, imageVisibilities, overallStatuses } from '#db/statuses'
import { MAX_AI_TAGS } from '#app/ai/types'
import { timestamp } from '#app/auth/schemas'
import { CANDIDATES_PER_RANKER, MIN_SIMILARITY, searchModes } from '#app/search/modes'
import { MAX_FILENAME_BYTES } from './filename'
import {
	DEFAULT_PAGE_SIZE,
	imageTypes,
	listScopes,
	listDates,
	listSorts,
	MAX_PAGE,
	MAX_PAGE_SIZE,
	MAX_QUERY_LENGTH,
	MAX_TAG_LENGTH,
} from './list-options'

// What the API takes and answers about images, described once: the OpenAPI
// document is generated from these, the routes parse with them and the
// presenters return their types.

/** Ids in one `POST /api/images/process`. */
export const MAX_BATCH_IDS = 100
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255
/** An `Idempotency-Key`: visible ASCII (0x21–0x7E). */
export const idempotencyKeyPattern = new RegExp(`^[!-~]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`)

export const SIGNED_URL_LIFETIME =
	'Signed URLs expire on a grid of `SIGNED_URL_WINDOW` seconds (default 300): each lives at least `SIGNED_URL_TTL` seconds (default 900) and less than `SIGNED_URL_TTL + SIGNED_URL_WINDOW`, and every request within one window gets the very same URL, so browsers and CDNs can cache the file under it.'

const PLACEHOLDER_DESCRIPTION = `A [ThumbHash](https://evanw.github.io/thumbhash/) of the thumbnail, base64-encoded
(standard alphabet, with padding; about 25 bytes): a blurred preview with the image's colours and aspect
ratio, to show while the thumbnail loads. Decode the base64 to bytes and pass them to a ThumbHash decoder,
e.g. with the \`thumbhash\` npm package: \`thumbHashToDataURL(Uint8Array.from(atob(placeholder), (c) =>
c.charCodeAt(0)))\` gives a PNG data URL (\`thumbHashToRGBA\` the pixels, \`thumbHashToAverageRGBA\` the average
colour). Null until the image stage completes; a re-run of the image stage computes it again.`

const AI_STAGE_DESCRIPTION = `What the AI stage found. Null on an image until its first analysis completes; a re-run keeps
the previous result until the new one replaces it.

**When it runs.** After the image stage completes, on the optimized copy fitted inside
\`AI_IMAGE_MAX_SIZE\` (default 1024 px) as JPEG. The provider is \`AI_PROVIDER\`:

- \`openai\` (the default when \`OPENAI_API_KEY\` or \`OPENAI_BASE_URL\` is set): \`OPENAI_MODEL\`
  (default \`gpt-4.1-mini\`) through the Chat Completions API with a JSON-schema structured output.
  \`OPENAI_BASE_URL\` points it at any OpenAI-compatible server (Ollama, vLLM, OpenRouter…). Safety
  comes from the moderation endpoint (\`OPENAI_MODERATION_MODEL\`, default
  \`omni-moderation-latest\`); when that is \`none\`, unsupported by the server or failing, from the
  model's own assessment (\`safety.source\` says which).
- \`local\`: offline, no network. OCR with tesseract.js (English) plus tags for text, colours and
  orientation; \`summary\` is null, \`safety\` is not judged (\`source: none\`, never flagged),
  tokens and cost are 0.
- \`none\` (the default otherwise): nothing runs; \`aiStatus\` is \`skipped\`, \`aiError\` gives the
  reason, \`ai\` stays null and \`overallStatus\` is \`completed\`.

**Failures.** For \`openai\`, rate limits (\`429\`, honouring \`Retry-After\`), \`5xx\`, \`408\`/\`409\`, connection
errors and timeouts (\`AI_TIMEOUT_MS\` per attempt, default 60 s) are retried with backoff, up to
\`AI_MAX_ATTEMPTS\` attempts in all (default 4). Output that does not match the schema gets one repair
request. What still fails, or cannot succeed (a rejected key, an unknown model, a refusal or content
filter), is permanent: \`aiStatus\` is \`failed\` with a readable \`aiError\` and \`overallStatus\`
is \`partial\`; the image and its files stay usable. Run it again with \`stages: ["ai"]\`.

**Cost.** \`costUsd\` is computed when the analysis completes, from the tokens and a per-model price
table in USD per 1M tokens (OpenAI's published prices, overridden or extended by \`AI_PRICES\`); a
dated model name uses its base model's price, and a model missing from the table (a local server)
costs 0. Later price changes do not alter it. \`GET /api/usage\` sums it.`

const OVERALL_STATUS_DERIVATION = `Derived from \`status\` and \`aiStatus\`:

- \`failed\` if the image stage failed;
- \`completed\` when the image stage completed and the AI stage completed or was skipped;
- \`partial\` when the image stage completed and the AI stage failed;
- \`pending\` before any work started (both stages \`pending\`);
- otherwise \`processing\`.

\`completed\`, \`partial\` and \`failed\` are terminal: poll until one of them.`

/**
 * Nullable, documented as `type: [X, 'null']` rather than zod's
 * `anyOf: [X, {type: 'null'}]`, for a schema written in place (not a component).
 */
function orNull<T extends z.ZodType>(schema: T) {
	return schema.nullable().meta({
		override: ({ jsonSchema }) => {
			const [value, nothing] = (jsonSchema.anyOf ?? []) as Array<Record<string, unknown>>
			if (!value || typeof value.type !== 'string' || nothing?.type !== 'null') return
			delete jsonSchema.anyOf
			Object.assign(jsonSchema, { ...value, ...jsonSchema, type: [value.type, 'null'] })
		},
	})
}

/** An empty value (`status=`, as a plain HTML form sends for "all") counts as not given. */
function blankIsUnset<T extends z.ZodType>(schema: T) {
	return z.preprocess(
		(value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
		schema,
	)
}

const imageStatusSchema = z.enum(imageStatuses).meta({
	id: 'ImageStatus',
	description:
		'The image stage (decode, metadata, thumbnail, optimized copy): `pending` (queued), `processing`, `completed` or `failed` (`error` says why: the file cannot be decoded, or processing failed on every retry).',
})

const aiStatusSchema = z.enum(aiStatuses).meta({
	id: 'AiStatus',
	description:
		'The AI stage, which follows a completed image stage: `pending`, `processing`, `completed`, `failed` (a permanent failure after retries; `aiError` says why, `overallStatus` is `partial`) or `skipped` (`AI_PROVIDER` is `none`; `aiError` says so and `ai` stays null). See `AiResult`.',
})

const overallStatusSchema = z
	.enum(overallStatuses)
	.meta({ id: 'OverallStatus', description: OVERALL_STATUS_DERIVATION })

const variantSchema = z
	.object({
		url: z.url().meta({
			description: `Signed URL (served inline), valid until \`urlsExpireAt\`. ${SIGNED_URL_LIFETIME} It stops working when the image is deleted; an expired or altered URL answers \`403\`.`,
		}),
		contentType: z.string().meta({ examples: ['image/webp'] }),
		byteSize: z.int().min(0),
		width: z.int().min(1),
		height: z.int().min(1),
	})
	.meta({ id: 'Variant', description: 'One stored file of an image and a signed URL for it.' })

const metadataSchema = z
	.object({
		format: z.string().meta({ examples: ['jpeg'] }),
		width: z.int().meta({ description: 'After auto-orientation.' }),
		height: z.int().meta({ description: 'After auto-orientation.' }),
		space: z.string().nullable().meta({ description: 'Colour space, e.g. `srgb`.' }),
		hasAlpha: z.boolean(),
		orientation: orNull(z.int().min(1).max(8)).meta({
			description: 'EXIF orientation of the original, if any.',
		}),
		density: z.number().nullable().meta({ description: 'Pixels per inch, if recorded.' }),
		pages: z.int().min(1).meta({ description: 'Frames or pages (GIF, TIFF, HEIC).' }),
		exif: orNull(
			z.object({
				make: z.string().nullable(),
				model: z.string().nullable(),
				lens: z.string().nullable(),
				takenAt: z.string().nullable().meta({
					description: 'When the photo was taken, as recorded by the camera.',
				}),
				exposureTime: z.number().nullable().meta({ description: 'Seconds.' }),
				fNumber: z.number().nullable(),
				iso: z.number().nullable(),
				focalLength: z.number().nullable().meta({ description: 'Millimetres.' }),
			}),
		).meta({ description: 'Camera data; null when the file has none.' }),
		gps: orNull(
			z.object({
				latitude: z.number().min(-90).max(90),
				longitude: z.number().min(-180).max(180),
			}),
		).meta({ description: 'Where the photo was taken; null when the file has no position.' }),
	})
	.meta({
		id: 'Metadata',
		description:
			"What the image stage read from the original. `gps` is the owner's alone: anyone else reading a shared image gets it as null. It is never copied into the thumbnail or optimized files.",
	})

const aiResultSchema = z
	.object({
		summary: z.string().nullable().meta({
			description:
				'One or two sentences describing the image; null from the `local` provider, which cannot describe pictures.',
		}),
		tags: z
			.array(z.string())
			.max(MAX_AI_TAGS)
			.meta({
				description: `Up to ${MAX_AI_TAGS} search keywords, trimmed, lower-cased and without duplicates. Filter on one with \`GET /api/images?tag=\`.`,
				examples: [['beach', 'sunset', 'ocean', 'orange']],
			}),
		ocrText: z.string().nullable().meta({
			description: 'Legible text found in the image, verbatim with line breaks; null if none.',
		}),
		safety: z.object({
			flagged: z.boolean().meta({ description: 'True if the image has sensitive content.' }),
			categories: z.array(z.string()).meta({
				description:
					'The kinds of sensitive content found, lower-case; empty if none. From the moderation endpoint these are its category names (`sexual`, `violence/graphic`, `self-harm/intent`…); from the model, words such as `sexual`, `violence`, `self-harm`, `hate`, `harassment`, `illicit`.',
			}),
			source: z.enum(['moderation', 'model', 'none']).meta({
				description:
					'Who judged: `moderation`, the moderation endpoint (`OPENAI_MODERATION_MODEL`); `model`, the analysing model itself (moderation is `none`, unsupported by the server or failed); `none`, nobody (the `local` provider: `flagged` is always false).',
			}),
		}),
		model: z.string().meta({
			description:
				'The model that answered, as the provider names it (e.g. `gpt-4.1-mini-2025-04-14`), or `tesseract.js@<version> (eng)` for `local`.',
		}),
		inputTokens: z.int().min(0).meta({
			description: 'Prompt tokens, including a repair request if one was needed.',
		}),
		outputTokens: z.int().min(0),
		costUsd: z.number().min(0).meta({
			description:
				'USD, from the price table when the analysis completed (`AI_PRICES` overrides it); 0 for unknown models and `local`.',
		}),
	})
	.meta({ id: 'AiResult', description: AI_STAGE_DESCRIPTION })

const placeholder = orNull(z.string()).meta({
	contentEncoding: 'base64',
	description: PLACEHOLDER_DESCRIPTION,
})

const untilImageStage = 'Null until the image stage completes.'

const srcsetString = z.string().meta({
	description:
		"`url 256w, url 512w, …`: one signed rendition per step of the width ladder (`RENDITION_WIDTHS`) below the image's width, then the image at its own width (at most 4096).",
})

const renditionsSchema = z
	.object({
		srcset: z.object({
			avif: srcsetString,
			webp: srcsetString,
			jpeg: srcsetString.meta({ description: 'JPEG; transparency is flattened onto white.' }),
			png: srcsetString.optional().meta({ description: 'Only for an image with transparency.' }),
		}),
		src: z.url().meta({
			description:
				'A JPEG about 1024 px wide (PNG for an image with transparency), for `<img src>`.',
		}),
		presets: z.record(z.string(), z.url()).meta({
			description:
				'Each configured preset (`RENDITION_PRESETS`; `thumb`, `card` and `hero` by default), signed.',
		}),
	})
	.meta({
		id: 'Renditions',
		description: `Signed rendition URLs, for web pages: they do not expire, and are served with
\`Cache-Control: public, max-age=31536000, immutable\` and a strong \`ETag\`. Processing the image
again (stage \`image\`) or deleting it ends them (410). The intrinsic size is the image's
\`width\` and \`height\`, its ThumbHash \`placeholder\`.

Any other size: \`/img/{signature}/{id}/v{version}/{options}\`, options such as
\`w_800,h_600,fit_cover,pos_attention,dpr_2,q_70,f_auto\` (\`f_auto\`: AVIF, then WebP, by the
request's \`Accept\`, else JPEG; answered with \`Vary: Accept\`). The signature is the first 16 bytes,
base64url, of HMAC-SHA256(key, \`{id}/v{version}/{options}\`) where key = HMAC-SHA256(\`SECRET_KEY\`,
\`darkroom rendition urls\`), so a server holding the key can make URLs itself. Sizes snap up the width ladder and never exceed 4096 px or the original
(unless \`enlarge_1\`). Unsigned URLs (\`_\` for the signature) may only name a preset (\`p_card\`), and
only while a live share link shows the image. Renditions carry no EXIF, GPS or other metadata.`,
	})

export const visibilitySchema = z.enum(imageVisibilities).meta({
	id: 'Visibility',
	description:
		'`private`: only its owner sees it (anyone else gets `404`). `team`: every account of the instance may view and download it; only its owner or an admin may process, delete or change it (anyone else gets `403`).',
})

/** Who owns an image and whether the caller may change it: additions to the contract. */
const sharingFields = {
	visibility: visibilitySchema,
	owner: z
		.object({ id: z.uuid(), email: z.string() })
		.meta({ description: "The image's owner (the caller, unless the image is shared)." }),
	yours: z.boolean().meta({ description: 'Whether the caller owns the image.' }),
}

/** An exact repeat at upload (app/duplicates/upload-policy.server.ts). */
const duplicateOf = z.uuid().nullable().meta({
	description:
		'Addition: when this upload repeated the bytes (SHA-256) of an earlier image of the same owner, that image’s id; otherwise null. See `GET /api/duplicates`.',
})

export const imageDetailSchema = z
	.object({
		id: z.uuid(),
		filename: z
			.string()
			.max(MAX_FILENAME_BYTES)
			.meta({
				description: `The client's file name made safe: no directory part, no control characters, at most ${MAX_FILENAME_BYTES} UTF-8 bytes.`,
			}),
		contentType: z.string().meta({
			description: 'Of the original, decided from its bytes.',
			examples: ['image/jpeg'],
		}),
		byteSize: z.int().min(1).meta({ description: 'Of the original.' }),
		sha256: z
			.string()
			.regex(/^[0-9a-f]{64}$/)
			.meta({ description: 'Hex SHA-256 of the original.' }),
		createdAt: timestamp,
		updatedAt: timestamp,
		width: z.int().min(1).meta({ description: 'Of the original, after auto-orientation.' }),
		height: z.int().min(1).meta({ description: 'Of the original, after auto-orientation.' }),
		format: z.string().meta({ description: 'Of the original.', examples: ['jpeg', 'png'] }),
		status: imageStatusSchema,
		aiStatus: aiStatusSchema,
		overallStatus: overallStatusSchema,
		error: z
			.string()
			.nullable()
			.meta({ description: 'Why the image stage failed; otherwise null.' }),
		aiError: z.string().nullable().meta({
			description:
				'Why the AI stage failed or was skipped, readable and free of secrets (e.g. `The AI provider is rate limiting requests (429) after 4 attempts; try again later.`); otherwise null. With `aiStatus: completed` it can say why the search embedding failed (`Search embedding failed: …`): the analysis stands and word search finds the image, meaning search does not until it is processed again.',
		}),
		metadata: metadataSchema.nullable().meta({ description: untilImageStage }),
		variants: z.object({
			original: variantSchema,
			thumbnail: variantSchema.nullable().meta({ description: untilImageStage }),
			optimized: variantSchema.nullable().meta({ description: untilImageStage }),
		}),
		urlsExpireAt: timestamp.meta({
			description:
				'When the signed URLs in `variants` stop working (the `exp` or `X-Amz-Date` + `X-Amz-Expires` in them): at least `SIGNED_URL_TTL` (default 900 s = 15 min) and less than `SIGNED_URL_TTL + SIGNED_URL_WINDOW` from now, the end of the current signing window. Fetch the image again for fresh ones.',
		}),
		placeholder,
		renditions: renditionsSchema.nullable().meta({
			description: 'Addition: signed rendition URLs and srcsets; null when the image stage failed.',
		}),
		ai: aiResultSchema.nullable().meta({
			description:
				'Null until an analysis completes; a re-run keeps the previous result until replaced.',
		}),
		duplicateOf,
		...sharingFields,
	})
	.meta({
		id: 'ImageDetail',
		description: `An image with its processing state, metadata and signed variant URLs.

Thumbnail: WebP, longest side at most \`THUMBNAIL_MAX_SIZE\` (default 256). Optimized: WebP, longest
side at most \`OPTIMIZED_MAX_SIZE\` (default 2048). Neither is ever upscaled; both are auto-oriented from
EXIF and carry no EXIF or GPS.

After the image stage, the AI stage (\`aiStatus\`, \`aiError\`, \`ai\`) describes the image with the
configured provider (\`openai\`, \`local\` or \`none\`); see \`AiResult\` for providers, retries,
failures and cost. A permanent AI failure leaves \`aiStatus: failed\` with a readable \`aiError\` and
\`overallStatus: partial\`; \`POST /api/images/{id}/process\` with \`stages: ["ai"]\` runs it again.`,
	})

const imageListItemFields = z.object({
	id: z.uuid(),
	filename: z.string().max(MAX_FILENAME_BYTES),
	createdAt: timestamp,
	status: imageStatusSchema,
	aiStatus: aiStatusSchema,
	overallStatus: overallStatusSchema,
	width: z.int().min(1).meta({ description: 'Of the original.' }),
	height: z.int().min(1).meta({ description: 'Of the original.' }),
	thumbnailUrl: orNull(z.url()).meta({
		description: `Signed URL of the thumbnail; null until the thumbnail exists. ${SIGNED_URL_LIFETIME}`,
	}),
	placeholder,
	safety: orNull(z.object({ flagged: z.boolean(), categories: z.array(z.string()) })).meta({
		description:
			'Addition: `ai.safety` without `source`; null until an analysis completes. Clients should blur the thumbnail when `flagged`.',
	}),
	tags: z
		.array(z.string())
		.meta({ description: 'Addition: `ai.tags`; empty until an analysis completes.' }),
	duplicateOf,
})

export const imageListItemSchema = imageListItemFields.extend(sharingFields).meta({
	id: 'ImageListItem',
	description:
		'An image in a list. `placeholder`, `safety`, `tags`, `visibility`, `owner` and `yours` are additions to the contract: enough to show a preview while the thumbnail loads, blur flagged images, show tags and name the owner of a shared image without fetching each image.',
})

const pageFields = {
	page: z.int().min(1),
	pageSize: z.int().min(1).max(MAX_PAGE_SIZE),
}

export const imageListSchema = z
	.object({
		items: z
			.array(imageListItemSchema)
			.meta({ description: 'In the order `sort` asks for; newest first by default.' }),
		...pageFields,
		total: z.int().min(0).meta({ description: 'Images matching the filter.' }),
		totalPages: z.int().min(0).meta({ description: '`ceil(total / pageSize)`.' }),
		mode: z.enum(searchModes).nullable().optional().meta({
			description:
				'Addition: how `q` was matched (see the `mode` parameter); null without `q`. In `hybrid` and `semantic`, `items` are in relevance order.',
		}),
	})
	.meta({ id: 'ImageList' })

export const trashItemSchema = imageListItemFields
	.extend({
		deletedAt: timestamp,
		expiresAt: timestamp.meta({ description: 'When the hourly purge removes it.' }),
	})
	.meta({
		id: 'TrashItem',
		description:
			'An image in the trash: an `ImageListItem` with when it was deleted and is purged.',
	})

export const trashListSchema = z
	.object({
		items: z.array(trashItemSchema),
		...pageFields,
		total: z.int().min(0),
		totalPages: z.int().min(0),
	})
	.meta({ id: 'TrashList' })

/** `{id}` in the image paths: a string, so that a malformed one answers 404 like an unknown one. */
export const imageIdParamsSchema = z.object({
	id: z.uuid().meta({
		param: {
			id: 'ImageId',
			description:
				"The image id. A value that is not a UUID, an unknown id and another user's private image all answer `404`.",
		},
	}),
})

// Query strings: every value arrives as a string.

export const pageParam = z.coerce
	.number()
	.int()
	.min(1)
	.max(MAX_PAGE)
	.default(1)
	.meta({
		param: { id: 'Page', description: '1-based page number. Pages past the end are empty.' },
	})

export const pageSizeParam = z.coerce
	.number()
	.int()
	.min(1)
	.max(MAX_PAGE_SIZE)
	.default(DEFAULT_PAGE_SIZE)
	.meta({ param: { id: 'PageSize', description: 'Images per page.' } })

const day = z.iso.date({ error: 'must be a date like 2026-01-31' })

/**
 * `GET /api/images` and the gallery page. Empty filter values (as a plain
 * HTML form sends for "all") mean no filter; malformed ones are a 422.
 */
export const listQuerySchema = z
	.object({
		scope: blankIsUnset(z.enum(listScopes).default('mine')).meta({
			param: {
				id: 'ListScope',
				description:
					"Whose images: `mine` (default), the caller's own, private and shared; or `team`, the images every account (the caller included) shares with the team. Filters, sort and pages apply to either. Empty means the default.",
			},
		}),
		page: pageParam,
		pageSize: pageSizeParam,
		status: blankIsUnset(z.enum(overallStatuses).optional()).meta({
			param: {
				id: 'StatusFilter',
				description:
					'Only images with this `overallStatus`. An empty value (`status=`) means no filter.',
			},
		}),
		/** Terms searched in file name (partial), summary, tags and OCR text; see search-terms.ts. */
		q: blankIsUnset(z.string().trim().min(1).max(MAX_QUERY_LENGTH).optional()).meta({
			param: {
				id: 'SearchQuery',
				description: `Terms to search for, case-insensitive. A term matches any part of the file name
(\`rock\` finds \`rocket-copy-2.jpg\`; \`camera-4000x3000\` finds \`camera-4000x3000.jpg\`), or words of
the AI summary, tags and OCR text, the last word as a prefix (PostgreSQL full-text search, \`simple\`
configuration: no stemming, as OCR text comes in any language). Every term must match. Web-search
syntax: \`"quoted phrase"\` (whole words, no prefix), \`a or b\` (either), \`-word\` (exclude images
the term would find); the minus excludes only at the start or after a space, so a hyphen inside a
name is part of it. Trimmed; 1–${MAX_QUERY_LENGTH} characters, otherwise \`422\`; empty means no filter.`,
				example: 'sunset beach',
			},
		}),
		mode: blankIsUnset(z.enum(searchModes).optional()).meta({
			param: {
				id: 'SearchMode',
				description: `How \`q\` matches. \`text\`: words only, as described under \`q\`, in the order of
\`sort\`. \`semantic\`: meaning only: images whose search embedding (summary, tags, OCR text and file
name, embedded with \`OPENAI_EMBEDDING_MODEL\`) is near the query's, most similar first. \`hybrid\`:
both, fused by reciprocal rank (k = 60); images matching every term (the exact words or phrase)
come before those found by meaning alone. \`-word\` exclusions and every other filter apply in
all modes.

Default: \`hybrid\` when semantic search is configured and the caller has at least one embedded
image in the chosen \`scope\`, else \`text\`. \`hybrid\` without embeddings, or while the
embeddings provider fails, answers as \`text\` (the \`mode\` field of the answer says which ran);
\`semantic\` then answers \`422\` (not configured, nothing embedded) or \`503\` (provider failing).

**Order and pages in \`hybrid\` and \`semantic\`.** Each ranker contributes its best ${CANDIDATES_PER_RANKER}
matches; \`total\` counts the fused list and \`page\` walks it by offset. Under the default \`sort\`
(\`newest\`) the order is relevance; any other \`sort\` orders these matches by it instead. Meaning
matches need a cosine similarity of at least ${MIN_SIMILARITY} to the query. Ignored without \`q\`.`,
			},
		}),
		tag: blankIsUnset(z.string().trim().toLowerCase().min(1).max(MAX_TAG_LENGTH).optional()).meta({
			param: {
				id: 'TagFilter',
				description: `Only images whose AI \`tags\` include this tag exactly (trimmed and lower-cased first, as tags are stored). 1–${MAX_TAG_LENGTH} characters, otherwise \`422\`; empty means no filter.`,
				example: 'beach',
			},
		}),
		sort: blankIsUnset(z.enum(listSorts).default('newest')).meta({
			param: {
				id: 'ListSort',
				description: `Order of the list: \`newest\` (default) or \`oldest\` by upload time, \`name\` by file
name (A to Z, case-insensitive), \`size\` by the original's byte size (largest first),
\`taken-newest\` or \`taken-oldest\` by when the photo was taken (EXIF \`metadata.exif.takenAt\`; images
without it come last either way). Empty means the default.`,
			},
		}),
		type: blankIsUnset(z.enum(imageTypes).optional()).meta({
			param: {
				id: 'TypeFilter',
				description:
					'Only images of this format, as detected from the bytes at upload (`heif` covers HEIC and HEIF; `png` includes animated PNG). Empty means no filter.',
			},
		}),
		/** Which date from/to apply to: createdAt (uploaded) or takenAt (EXIF). */
		date: blankIsUnset(z.enum(listDates).default('uploaded')).meta({
			param: {
				id: 'DateField',
				description:
					'Which date `from` and `to` apply to: `uploaded` (default, `createdAt`) or `taken` (EXIF `metadata.exif.takenAt`; images without it never match a range). Empty means the default.',
			},
		}),
		/** First UTC day, included. */
		from: blankIsUnset(day.optional()).meta({
			param: {
				id: 'CreatedFrom',
				description:
					'Only images uploaded (with `date=taken`: taken) on or after this UTC day, `YYYY-MM-DD`. Malformed, or after `to`: `422`. Empty means no filter.',
				example: '2026-01-01',
			},
		}),
		/** Last UTC day, included. */
		to: blankIsUnset(day.optional()).meta({
			param: {
				id: 'CreatedTo',
				description:
					'Only images uploaded (with `date=taken`: taken) on or before this UTC day (included), `YYYY-MM-DD`. Malformed: `422`. Empty means no filter.',
				example: '2026-01-31',
			},
		}),
	})
	.refine((query) => !query.from || !query.to || query.from <= query.to, {
		path: ['to'],
		message: 'must not be before from',
	})

export type ListQuery = z.output<typeof listQuerySchema>

/** `?variant=` of the download. */
export const downloadQuerySchema = z.object({
	variant: z
		.enum(['original', 'thumbnail', 'optimized'])
		.default('original')
		.meta({
			param: {
				id: 'Variant',
				description:
					'Which file: the `original` as uploaded, or the WebP `thumbnail` or `optimized` copy.',
			},
		}),
})

/** The upload's request headers worth documenting (the upload reads them itself). */
export const uploadHeadersSchema = z.object({
	'Idempotency-Key': z
		.string()
		.min(1)
		.max(MAX_IDEMPOTENCY_KEY_LENGTH)
		.regex(idempotencyKeyPattern)
		.optional()
		.meta({
			param: {
				id: 'IdempotencyKey',
				description: `1–${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters (0x21–0x7E), otherwise \`422\`. A repeat with the same key by the same user within 24 hours returns the first image and creates nothing (\`Idempotent-Replayed: true\`); the same key with a different file within 24 hours is \`422\`.`,
				example: '3f1c2a9e-upload-0001',
			},
		}),
})

export const stageSchema = z.enum(['image', 'ai'])

const stagesSchema = z
	.array(stageSchema)
	.min(1, 'Name at least one stage')
	.default(['image', 'ai'])
	.meta({
		id: 'Stages',
		description:
			'Stages to run again. `image` also re-runs the AI stage after it; `["ai"]` re-runs only the AI analysis (e.g. after `aiStatus: failed`), keeping the image stage. Default: both.',
	})

export const processBodySchema = z.object({ stages: stagesSchema }).meta({ id: 'ProcessRequest' })

export const batchProcessBodySchema = z
	.object({
		ids: z
			.array(z.uuid())
			.min(1, 'Give at least one id')
			.max(MAX_BATCH_IDS, `At most ${MAX_BATCH_IDS} ids`)
			.meta({ description: "Ids of the caller's images; repeats count once." }),
		stages: stagesSchema,
	})
	.meta({ id: 'BatchProcessRequest' })

export const visibilityBodySchema = z
	.object({ visibility: visibilitySchema })
	.meta({ id: 'VisibilityRequest' })

export const batchVisibilityBodySchema = z
	.object({
		ids: z
			.array(z.uuid())
			.min(1, 'Give at least one id')
			.max(MAX_BATCH_IDS, `At most ${MAX_BATCH_IDS} ids`)
			.meta({
				description:
					"Ids of the caller's images (or, for an admin, of shared ones); repeats count once.",
			}),
		visibility: visibilitySchema,
	})
	.meta({ id: 'BatchVisibilityRequest' })

export const batchProcessResponseSchema = z
	.object({ items: z.array(imageDetailSchema) })
	.meta({ id: 'BatchProcessResponse' })

export const imageEventSchema = z
	.object({
		type: z.enum(['insert', 'update', 'delete']).meta({
			description: 'A new image, a change of its state, or its removal.',
		}),
		id: z.uuid(),
		status: imageStatusSchema,
		aiStatus: aiStatusSchema,
		overallStatus: overallStatusSchema,
		updatedAt: z.iso.datetime({ offset: true }),
	})
	.meta({
		id: 'ImageEvent',
		description:
			"One change of an image, as `data` of an `event: image` on `GET /api/events`. `updatedAt` is the row's update time as PostgreSQL writes it (ISO 8601 with an offset).",
	})
