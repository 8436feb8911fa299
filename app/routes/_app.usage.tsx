import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { aiUsage, usageQuerySchema } from '#app/ai/usage.server'
import { requirePageUser } from '#app/auth/auth.server'
import { Alert, secondaryButtonClass, TableScroll } from '#app/components/ui'
import { ValidationError } from '#app/errors'
import { formatUsd } from '#app/format'
import { parseInput } from '#app/validation'

export const meta: MetaFunction = () => [{ title: 'AI usage · Darkroom' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	const params = Object.fromEntries(new URL(request.url).searchParams)
	try {
		return { usage: await aiUsage(user.id, parseInput(usageQuerySchema, params)), error: null }
	} catch (error) {
		if (!(error instanceof ValidationError)) throw error
		return { usage: await aiUsage(user.id, {}), error: error.message }
	}
}

export default function Usage() {
	const { usage, error } = useLoaderData<typeof loader>()
	return (
		<div className="space-y-6">
			<h1 className="text-2xl font-semibold">AI usage</h1>
			<Form method="get" className="flex flex-wrap items-end gap-3 text-sm">
				<label className="flex flex-col gap-1">
					From
					<input
						type="date"
						name="from"
						defaultValue={usage.from}
						className="rounded-md border border-zinc-300 bg-white px-2 py-1.5"
					/>
				</label>
				<label className="flex flex-col gap-1">
					To
					<input
						type="date"
						name="to"
						defaultValue={usage.to}
						className="rounded-md border border-zinc-300 bg-white px-2 py-1.5"
					/>
				</label>
				<button type="submit" className={secondaryButtonClass}>
					Show
				</button>
			</Form>
			{error ? <Alert>{error}</Alert> : null}
			<dl className="grid grid-cols-2 gap-4 sm:grid-cols-4" data-testid="usage-totals">
				{[
					['Images analysed', usage.imagesAnalyzed.toLocaleString('en')],
					['Input tokens', usage.inputTokens.toLocaleString('en')],
					['Output tokens', usage.outputTokens.toLocaleString('en')],
					['Cost', formatUsd(usage.costUsd)],
				].map(([label, value]) => (
					<div key={label} className="rounded-xl border border-zinc-200 bg-white p-4 shadow-sm">
						<dt className="text-sm text-zinc-500">{label}</dt>
						<dd className="mt-1 text-xl font-semibold">{value}</dd>
					</div>
				))}
			</dl>
			{usage.embeddingRequests > 0 ? (
				<p className="text-sm text-zinc-600" data-testid="usage-embeddings">
					Search embeddings: {usage.embeddingRequests.toLocaleString('en')}{' '}
					{usage.embeddingRequests === 1 ? 'call' : 'calls'},{' '}
					{usage.embeddingTokens.toLocaleString('en')} tokens, {formatUsd(usage.embeddingCostUsd)}.
					Total with the analyses: <strong>{formatUsd(usage.totalCostUsd)}</strong>.
				</p>
			) : null}
			{usage.byModel.length ? (
				<TableScroll label="Usage by model">
					<table className="w-full text-left text-sm">
						<caption className="sr-only">Usage by model</caption>
						<thead className="text-zinc-500">
							<tr>
								<th className="py-2 font-medium">Model</th>
								<th className="py-2 text-right font-medium">Images</th>
								<th className="py-2 text-right font-medium">Tokens in / out</th>
								<th className="py-2 text-right font-medium">Cost</th>
							</tr>
						</thead>
						<tbody>
							{usage.byModel.map((row) => (
								<tr key={row.model} className="border-t border-zinc-200">
									<td className="py-2">{row.model}</td>
									<td className="py-2 text-right">{row.images}</td>
									<td className="py-2 text-right">
										{(row.inputTokens ?? 0).toLocaleString('en')} /{' '}
										{(row.outputTokens ?? 0).toLocaleString('en')}
									</td>
									<td className="py-2 text-right">{formatUsd(row.costUsd)}</td>
								</tr>
							))}
						</tbody>
					</table>
				</TableScroll>
			) : (
				<p className="text-zinc-600">No images were analysed in this period.</p>
			)}
		</div>
	)
}
