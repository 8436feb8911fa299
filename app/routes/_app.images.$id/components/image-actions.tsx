import { Form } from '@remix-run/react'
import { DeleteConfirm, deleteImagesText } from '#app/components/delete-confirm'
import { Alert, secondaryButtonClass } from '#app/components/ui'
import { Section } from './section'

/** Process again, analyse again, delete; a refused one says why above the buttons. */
export function ImageActions({
	imageId,
	canAnalyze,
	backTo,
	trashDays,
	refusal,
}: {
	imageId: string
	canAnalyze: boolean
	backTo: string
	trashDays: number
	refusal?: string
}) {
	return (
		<Section title="Actions">
			{refusal ? (
				<div className="mb-3">
					<Alert>{refusal}</Alert>
				</div>
			) : null}
			<div className="flex flex-wrap gap-3">
				<Form method="post">
					<button type="submit" name="intent" value="process" className={secondaryButtonClass}>
						Process again
					</button>
				</Form>
				{canAnalyze ? (
					<Form method="post">
						<button type="submit" name="intent" value="analyze" className={secondaryButtonClass}>
							Analyse again
						</button>
					</Form>
				) : null}
				{/* The one delete pattern: a confirmation page, or a dialog once the page runs. */}
				<Form method="get" action="/images/delete">
					<input type="hidden" name="id" value={imageId} />
					{/* Undo then shows on the list this image was opened from. */}
					<input type="hidden" name="back" value={backTo} />
					<DeleteConfirm
						label="Delete"
						fields={() => [
							['id', imageId],
							['back', backTo],
						]}
						postAction="/images/delete"
						text={() => deleteImagesText(1, trashDays)}
					/>
				</Form>
			</div>
		</Section>
	)
}
