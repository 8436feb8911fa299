import { Logger, run, type LogLevel, type Runner } from 'graphile-worker'
import { config } from '~/config.server'
import { databaseUrl } from '~/db.server'
import { log } from '~/log.server'
import { processImageTask } from './tasks/process-image'

const graphileLogger = new Logger((scope) => {
	const child = log.child({ graphile: scope })
	return (level: LogLevel, message: string, meta?: unknown) => {
		const method = level === 'warning' ? 'warn' : level
		child[method]({ meta }, message)
	}
})

export const taskList = { 'process-image': processImageTask }

/** Runs the graphile-worker loop; resolves once it is listening for jobs. */
export async function startWorker(): Promise<Runner> {
	const runner = await run({
		connectionString: databaseUrl,
		concurrency: config.workerConcurrency,
		// We handle signals ourselves (server/start.ts) to shut down in order.
		noHandleSignals: true,
		pollInterval: 2000,
		logger: graphileLogger,
		taskList,
	})
	log.info({ concurrency: config.workerConcurrency }, 'Worker started')
	return runner
}
