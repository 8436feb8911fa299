import { context, propagation, trace, type Span, SpanStatusCode } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { config } from './config.server'

// OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. One
// trace follows an upload into its jobs: the job payload carries the W3C
// `traceparent` of the span that enqueued it (see images/jobs.server.ts).

let provider: NodeTracerProvider | undefined

export function startTracing(serviceName: string) {
	if (!config.otelEndpoint || provider) return
	provider = new NodeTracerProvider({
		resource: resourceFromAttributes({ 'service.name': serviceName }),
		spanProcessors: [
			new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otelEndpoint}/v1/traces` }), {
				scheduledDelayMillis: 1000,
			}),
		],
	})
	// Registers the W3C trace-context propagator and async-hooks context manager too.
	provider.register()
}

export async function stopTracing() {
	await provider?.shutdown()
}

const tracer = () => trace.getTracer('darkroom')

/** Runs `work` in a span (a no-op when tracing is off), recording a thrown error. */
export function inSpan<T>(
	name: string,
	attributes: Record<string, string | number>,
	work: (span: Span) => Promise<T>,
	parent = context.active(),
): Promise<T> {
	return tracer().startActiveSpan(name, { attributes }, parent, async (span) => {
		try {
			return await work(span)
		} catch (error) {
			span.recordException(error as Error)
			span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message })
			throw error
		} finally {
			span.end()
		}
	})
}

/** The active span's `traceparent`, to carry in a job payload. */
export function currentTraceparent(): string | null {
	const carrier: Record<string, string> = {}
	propagation.inject(context.active(), carrier)
	return carrier.traceparent ?? null
}

/** The context a job continues: its payload's `traceparent`, if any. */
export function contextFromTraceparent(traceparent: string | null | undefined) {
	if (!traceparent) return context.active()
	return propagation.extract(context.active(), { traceparent })
}
