import { Logger, run, type LogLevel, type Runner } from 'graphile-worker'
import { config } from '~/config.server'
import { databaseUrl } from '~/db.server'
import { log } from '~/log.server'
import { crontab, maintenanceTasks } from './crontab'
import { analyzeImageTask } from './tasks/analyze-image'
import { processImageTask } from './tasks/process-image'

const graphileLogger = new Logger((scope) => {
	const child = log.child({ graphile: scope })
	return (level: LogLevel, message: string, meta?: unknown) => {
		const method = level === 'warning' ? 'warn' : level
		child[method]({ meta }, message)
	}
})

const common = {
	connectionString: databaseUrl,
	// server/start.ts handles signals, to shut down in order.
	noHandleSignals: true,
	pollInterval: 2000,
	logger: graphileLogger,
}

/**
 * Runners in one process, each fetching only its own tasks: slow AI calls
 * fill AI_CONCURRENCY slots and can never take the slots thumbnails need, and
 * maintenance (crontab) runs beside both.
 */
export async function startWorker(): Promise<{ stop(): Promise<void>; promise: Promise<void> }> {
	const runners: Runner[] = [
		await run({
			...common,
			concurrency: config.workerConcurrency,
			taskList: { 'process-image': processImageTask },
		}),
	]
	if (config.ai.provider !== 'none') {
		runners.push(
			await run({
				...common,
				concurrency: config.ai.concurrency,
				taskList: { 'analyze-image': analyzeImageTask },
			}),
		)
	}
	if (Object.keys(maintenanceTasks).length > 0) {
		runners.push(await run({ ...common, concurrency: 1, taskList: maintenanceTasks, crontab }))
	}
	log.info(
		{
			concurrency: config.workerConcurrency,
			aiProvider: config.ai.provider,
			aiConcurrency: config.ai.concurrency,
		},
		'Worker started',
	)
	return {
		stop: async () => {
			await Promise.all(runners.map((runner) => runner.stop()))
		},
		promise: Promise.all(runners.map((runner) => runner.promise)).then(() => {}),
	}
}
