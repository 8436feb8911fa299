import type { JobHelpers, Task } from 'graphile-worker'
import { z } from 'zod'
import { contextFromTraceparent, inSpan } from '#app/tracing.server'

// Every image job carries the same payload (app/images/jobs.server.ts): the
// image, the request that caused it (for logs) and its trace context.
const imageJobPayload = z.object({
	imageId: z.uuid(),
	requestId: z.string().nullish(),
	traceparent: z.string().nullish(),
})

export type ImageJobPayload = z.output<typeof imageJobPayload>

/** A task over an image job, run in a span that continues the upload's trace. */
export function imageTask(
	name: string,
	run: (payload: ImageJobPayload, helpers: JobHelpers) => Promise<void>,
): Task {
	return (rawPayload, helpers) => {
		const payload = imageJobPayload.parse(rawPayload)
		return inSpan(
			name,
			{ 'darkroom.image_id': payload.imageId, 'darkroom.attempt': helpers.job.attempts },
			() => run(payload, helpers),
			contextFromTraceparent(payload.traceparent),
		)
	}
}
