import type { JobHelpers, Task } from 'graphile-worker'
import type { z } from 'zod'
import { imageJobPayload, type ImagePayloadTaskName } from '#app/jobs/tasks.server'
import { contextFromTraceparent, inSpan } from '#app/tracing.server'

export type ImageJobPayload = z.output<typeof imageJobPayload>

/** A task over an image job, run in a span that continues the upload's trace. */
export function imageTask<Name extends ImagePayloadTaskName>(
	name: Name,
	run: (payload: ImageJobPayload, helpers: JobHelpers) => Promise<void>,
): Task<Name> {
	return (rawPayload, helpers) => {
		// Checked again: a job may have been added by hand, or by an older version.
		const payload = imageJobPayload.parse(rawPayload)
		return inSpan(
			name,
			{ 'darkroom.image_id': payload.imageId, 'darkroom.attempt': helpers.job.attempts },
			() => run(payload, helpers),
			contextFromTraceparent(payload.traceparent),
		)
	}
}
