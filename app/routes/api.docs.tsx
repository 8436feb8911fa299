import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { CopyButton } from '#app/components/copy-button'
import {
	type ApiDocsView,
	type ContentView,
	describeApi,
	type FieldView,
	type OpenApiDocument,
	type OperationView,
} from '#app/http/api-docs'
import { openApiDocument } from '#app/http/openapi.server'
import { baseUrlOf } from '#app/images/present.server'

// GET /api/docs: the API reference for people, generated from the same
// OpenAPI document as /api/openapi.json. A page, not an API route: it is more
// specific than api.$.ts, so it is not the problem+json 404, and it needs no
// sign-in. Everything is server-rendered; JavaScript only adds copy buttons.
// The component uses only types from ~/http/api-docs (describeApi runs in the
// loader), so that module and marked stay out of the browser bundle.

export const meta: MetaFunction = () => [
	{ title: 'API documentation · Darkroom' },
	{ name: 'description', content: 'Every Darkroom API operation, with curl examples.' },
]

export function loader({ request }: LoaderFunctionArgs) {
	return describeApi(openApiDocument as unknown as OpenApiDocument, baseUrlOf(request))
}

const focusRing = 'focus-visible:outline-2 focus-visible:outline-indigo-600'
const linkClass = `text-indigo-700 underline hover:text-indigo-900 ${focusRing}`

export default function ApiDocs() {
	const api = useLoaderData<typeof loader>() as ApiDocsView
	return (
		<div className="min-h-full">
			<header className="border-b border-zinc-200 bg-white">
				<div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
					<a href="/" className={`flex items-center gap-2 font-semibold ${focusRing}`}>
						<img src="/favicon.svg" alt="" className="size-6" />
						Darkroom
					</a>
					<nav aria-label="Site" className="ml-auto flex gap-4 text-sm">
						<a href="/images" className="text-zinc-700 hover:text-zinc-900">
							Your images
						</a>
						<a href="/api/openapi.json" className="text-zinc-700 hover:text-zinc-900">
							OpenAPI JSON
						</a>
					</nav>
				</div>
			</header>
			<main className="mx-auto max-w-5xl px-4 py-8">
				<h1 className="text-3xl font-bold tracking-tight">{api.title}</h1>
				<p className="mt-2 text-zinc-700">
					{api.summary} Version {api.version}. The machine-readable description is{' '}
					<a href="/api/openapi.json" className={linkClass}>
						/api/openapi.json
					</a>{' '}
					(OpenAPI 3.1). The examples use <Code>$DARKROOM_TOKEN</Code> for a token from{' '}
					<a href="#op-register" className={linkClass}>
						register
					</a>{' '}
					or{' '}
					<a href="#op-login" className={linkClass}>
						log in
					</a>
					.
				</p>

				<Contents api={api} />

				<section aria-labelledby="overview" className="mt-10">
					<h2 id="overview" className="text-2xl font-semibold">
						Overview
					</h2>
					<Markdown html={api.descriptionHtml} />
				</section>

				{api.groups.map((group) => (
					<section key={group.tag} aria-labelledby={group.anchor} className="mt-12">
						<h2 id={group.anchor} className="text-2xl font-semibold">
							{group.tag}
						</h2>
						{group.description ? <p className="mt-1 text-zinc-700">{group.description}</p> : null}
						{group.operations.map((operation) => (
							<OperationDoc key={operation.anchor} operation={operation} />
						))}
					</section>
				))}

				{api.webhooks.length > 0 ? (
					<section aria-labelledby="webhooks" className="mt-12">
						<h2 id="webhooks" className="text-2xl font-semibold">
							Webhooks
						</h2>
						<p className="mt-1 text-zinc-700">Requests Darkroom sends to your endpoints.</p>
						{api.webhooks.map((operation) => (
							<OperationDoc key={operation.anchor} operation={operation} />
						))}
					</section>
				) : null}

				<section aria-labelledby="schemas" className="mt-12">
					<h2 id="schemas" className="text-2xl font-semibold">
						Schemas
					</h2>
					{api.schemas.map((schema) => (
						<article
							key={schema.name}
							aria-labelledby={schema.anchor}
							className="mt-6 rounded-xl border border-zinc-200 bg-white p-4 shadow-sm"
						>
							<h3 id={schema.anchor} className="font-mono text-lg font-semibold">
								{schema.name}
							</h3>
							<Markdown html={schema.descriptionHtml} />
							<Fields fields={schema.fields} />
						</article>
					))}
				</section>
			</main>
		</div>
	)
}

function Contents({ api }: { api: ApiDocsView }) {
	return (
		<nav aria-labelledby="contents" className="mt-8 rounded-xl border border-zinc-200 bg-white p-4">
			<h2 id="contents" className="text-lg font-semibold">
				Contents
			</h2>
			<ul className="mt-2 space-y-3 text-sm">
				<li>
					<a href="#overview" className={linkClass}>
						Overview
					</a>
				</li>
				{api.groups.map((group) => (
					<li key={group.tag}>
						<a href={`#${group.anchor}`} className={`font-medium ${linkClass}`}>
							{group.tag}
						</a>
						<ul className="mt-1 space-y-1 pl-4">
							{group.operations.map((operation) => (
								<li key={operation.anchor}>
									<a href={`#${operation.anchor}`} className={`break-words ${linkClass}`}>
										<span className="font-mono">
											{operation.method} {operation.path}
										</span>
									</a>
									{operation.summary ? (
										<span className="text-zinc-700"> · {operation.summary}</span>
									) : null}
								</li>
							))}
						</ul>
					</li>
				))}
				{api.webhooks.length > 0 ? (
					<li>
						<a href="#webhooks" className={linkClass}>
							Webhooks
						</a>
					</li>
				) : null}
				<li>
					<a href="#schemas" className={linkClass}>
						Schemas
					</a>
				</li>
			</ul>
		</nav>
	)
}

const methodStyles: Record<string, string> = {
	GET: 'bg-sky-50 text-sky-900 ring-sky-300',
	POST: 'bg-emerald-50 text-emerald-900 ring-emerald-300',
	PUT: 'bg-amber-50 text-amber-900 ring-amber-300',
	PATCH: 'bg-amber-50 text-amber-900 ring-amber-300',
	DELETE: 'bg-red-50 text-red-900 ring-red-300',
}

function OperationDoc({ operation }: { operation: OperationView }) {
	return (
		<article
			aria-labelledby={operation.anchor}
			className="mt-6 rounded-xl border border-zinc-200 bg-white p-4 shadow-sm sm:p-6"
		>
			<h3 id={operation.anchor} className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
				<span
					className={`rounded px-2 py-0.5 font-mono text-sm font-semibold ring-1 ring-inset ${methodStyles[operation.method] ?? 'bg-zinc-100 text-zinc-900 ring-zinc-300'}`}
				>
					{operation.method}
				</span>{' '}
				<span className="font-mono text-lg font-semibold break-all">{operation.path}</span>
				{operation.summary ? (
					<>
						{' '}
						<span className="text-base font-normal text-zinc-700">{operation.summary}</span>
					</>
				) : null}
			</h3>
			<p className="mt-2 text-sm text-zinc-700">
				{operation.secured ? (
					operation.scopes.length > 0 ? (
						<>
							Requires a token with the{' '}
							{operation.scopes.map((scope, i) => (
								<span key={scope}>
									{i > 0 ? ' or ' : ''}
									<Code>{scope}</Code>
								</span>
							))}{' '}
							scope.
						</>
					) : (
						'Requires a token.'
					)
				) : (
					'No authentication.'
				)}
				{operation.deprecated ? ' Deprecated.' : ''}
				{operation.operationId ? (
					<>
						{' '}
						Operation id <Code>{operation.operationId}</Code>.
					</>
				) : null}
			</p>
			<Markdown html={operation.descriptionHtml} />

			{operation.parameters.length > 0 ? (
				<>
					<h4 className="mt-5 font-semibold">Parameters</h4>
					<Scroller label="Parameters">
						<table className="mt-2 w-full min-w-[36rem] text-left text-sm">
							<thead className="border-b border-zinc-200 text-zinc-700">
								<tr>
									<th scope="col" className="py-1 pr-3 font-medium">
										Name
									</th>
									<th scope="col" className="py-1 pr-3 font-medium">
										In
									</th>
									<th scope="col" className="py-1 pr-3 font-medium">
										Required
									</th>
									<th scope="col" className="py-1 pr-3 font-medium">
										Type
									</th>
									<th scope="col" className="py-1 font-medium">
										Description
									</th>
								</tr>
							</thead>
							<tbody className="divide-y divide-zinc-100 align-top">
								{operation.parameters.map((parameter) => (
									<tr key={`${parameter.in}:${parameter.name}`}>
										<td className="py-2 pr-3">
											<Code>{parameter.name}</Code>
										</td>
										<td className="py-2 pr-3">{parameter.in}</td>
										<td className="py-2 pr-3">{parameter.required ? 'yes' : 'no'}</td>
										<td className="py-2 pr-3 font-mono text-xs">{parameter.type}</td>
										<td className="py-2">
											<Markdown html={parameter.descriptionHtml} compact />
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</Scroller>
				</>
			) : null}

			{operation.requestBody ? (
				<>
					<h4 className="mt-5 font-semibold">
						Request body{operation.requestBody.required ? '' : ' (optional)'}
					</h4>
					<Markdown html={operation.requestBody.descriptionHtml} compact />
					{operation.requestBody.content.map((content) => (
						<div key={content.contentType} className="mt-2">
							<p className="text-sm">
								<Code>{content.contentType}</Code>
								{content.schemaRef ? (
									<>
										{' '}
										(<SchemaLink name={content.schemaRef} anchor={content.schemaAnchor} />)
									</>
								) : null}
							</p>
							<Fields fields={content.fields} />
						</div>
					))}
				</>
			) : null}

			<h4 className="mt-5 font-semibold">Responses</h4>
			<ul className="mt-2 divide-y divide-zinc-100 text-sm">
				{operation.responses.map((response) => (
					<li key={response.status} className="py-2">
						<div className="flex flex-wrap items-baseline gap-x-2">
							<span className="font-mono font-semibold">{response.status}</span>
							<ContentList content={response.content} />
						</div>
						<Markdown html={response.descriptionHtml} compact />
						{response.headers.length > 0 ? (
							<ul className="mt-1 space-y-1 pl-4">
								{response.headers.map((header) => (
									<li key={header.name}>
										Header <Code>{header.name}</Code>{' '}
										<span className="font-mono text-xs text-zinc-700">{header.type}</span>
										<Markdown html={header.descriptionHtml} compact />
									</li>
								))}
							</ul>
						) : null}
					</li>
				))}
			</ul>

			{operation.curl ? (
				<>
					<div className="mt-5 flex items-center justify-between gap-2">
						<h4 className="font-semibold">Example</h4>
						<CopyButton text={operation.curl} label="Copy curl command" />
					</div>
					<pre
						tabIndex={0}
						data-curl={operation.operationId ?? operation.anchor}
						className={`mt-2 overflow-x-auto rounded-md bg-zinc-900 p-3 text-sm text-zinc-100 ${focusRing}`}
					>
						<code>{operation.curl}</code>
					</pre>
				</>
			) : null}
		</article>
	)
}

function ContentList({ content }: { content: ContentView[] }) {
	if (content.length === 0) return null
	return (
		<span className="text-zinc-700">
			{content.map((item, index) => (
				<span key={item.contentType}>
					{index > 0 ? ', ' : ''}
					<Code>{item.contentType}</Code>
					{item.schemaRef ? (
						<>
							{' '}
							(<SchemaLink name={item.schemaRef} anchor={item.schemaAnchor} />)
						</>
					) : null}
				</span>
			))}
		</span>
	)
}

function SchemaLink({ name, anchor }: { name: string; anchor?: string }) {
	return (
		<a href={`#${anchor}`} className={`font-mono ${linkClass}`}>
			{name}
		</a>
	)
}

/** A schema as a nested list of fields. */
function Fields({ fields }: { fields: FieldView[] }) {
	if (fields.length === 0) return null
	return (
		<ul className="mt-2 space-y-2 border-l-2 border-zinc-200 pl-3 text-sm">
			{fields.map((field, index) => (
				<li key={field.name || index}>
					<div className="flex flex-wrap items-baseline gap-x-2">
						{field.name ? <Code>{field.name}</Code> : null}
						<span className="font-mono text-xs text-zinc-700">
							{field.ref && field.type.endsWith(field.ref) ? (
								<>
									{field.type.slice(0, -field.ref.length)}
									<SchemaLink name={field.ref} anchor={field.refAnchor} />
								</>
							) : (
								field.type
							)}
							{field.nullable ? ' | null' : ''}
						</span>
						{field.name ? (
							<span className="text-xs text-zinc-700">
								{field.required ? 'required' : 'optional'}
							</span>
						) : null}
						{field.enum ? (
							<span className="text-xs text-zinc-700">
								one of{' '}
								{field.enum.map((value, i) => (
									<span key={String(value)}>
										{i > 0 ? ', ' : ''}
										<Code>{JSON.stringify(value)}</Code>
									</span>
								))}
							</span>
						) : null}
						{field.constraints.length > 0 ? (
							<span className="text-xs text-zinc-700">{field.constraints.join('; ')}</span>
						) : null}
					</div>
					<Markdown html={field.descriptionHtml} compact />
					<Fields fields={field.children} />
				</li>
			))}
		</ul>
	)
}

// Descriptions arrive as HTML rendered by marked in the loader (renderMarkdown);
// their elements are styled here, from the container, to match the rest of the page.
const descriptionStyles = [
	'text-zinc-700',
	'[&_:is(h2,h3,h4,h5,h6)]:text-lg [&_:is(h2,h3,h4,h5,h6)]:font-semibold [&_:is(h2,h3,h4,h5,h6)]:text-zinc-900 [&>:is(h2,h3,h4,h5,h6)]:mt-6',
	'[&_strong]:font-semibold [&_strong]:text-zinc-900',
	'[&_a]:text-indigo-700 [&_a]:underline [&_a:hover]:text-indigo-900',
	'[&_ul]:list-disc [&_ol]:list-decimal [&_:is(ul,ol)]:pl-5 [&_li+li]:mt-1',
	'[&_:not(pre)>code]:rounded [&_:not(pre)>code]:bg-zinc-100 [&_:not(pre)>code]:px-1 [&_:not(pre)>code]:py-0.5 [&_:not(pre)>code]:font-mono [&_:not(pre)>code]:text-[0.9em] [&_:not(pre)>code]:break-words [&_:not(pre)>code]:text-zinc-900',
	'[&_pre]:overflow-x-auto [&_pre]:rounded-md [&_pre]:bg-zinc-900 [&_pre]:p-3 [&_pre]:text-sm [&_pre]:text-zinc-100',
	// The only divs marked writes are the scroll boxes around tables.
	'[&_div]:overflow-x-auto [&_table]:mt-2 [&_table]:w-full [&_table]:min-w-[36rem] [&_table]:text-left [&_table]:text-sm',
	'[&_thead]:border-b [&_thead]:border-zinc-200 [&_th]:py-1 [&_th]:pr-3 [&_th]:font-medium [&_th]:text-zinc-900',
	'[&_tbody]:align-top [&_tbody>tr+tr]:border-t [&_tbody>tr+tr]:border-zinc-100 [&_td]:py-1 [&_td]:pr-3',
	'[&_:is(a,pre,div):focus-visible]:outline-2 [&_:is(a,pre,div):focus-visible]:outline-indigo-600',
].join(' ')

/** A description rendered by renderMarkdown; `compact` for the small print of fields and responses. */
function Markdown({ html, compact = false }: { html: string; compact?: boolean }) {
	if (!html) return null
	return (
		<div
			className={`${descriptionStyles} ${compact ? '[&>*]:mt-1' : '[&_p]:leading-relaxed [&>*]:mt-3'}`}
			// Trusted HTML: marked's rendering of our own OpenAPI document (app/http/openapi.ts), no user input.
			dangerouslySetInnerHTML={{ __html: html }}
		/>
	)
}

function Code({ children }: { children: ReactNode }) {
	return (
		<code className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] break-words text-zinc-900">
			{children}
		</code>
	)
}

/** Wide content scrolls sideways on a phone; focusable so keyboards can scroll it too, named for screen readers. */
function Scroller({ label, children }: { label: string; children: ReactNode }) {
	return (
		<div
			tabIndex={0}
			role="group"
			aria-label={label}
			className={`mt-2 overflow-x-auto ${focusRing}`}
		>
			{children}
		</div>
	)
}
