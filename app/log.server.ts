import pino from 'pino'
import { config } from './config.server'

// JSON logs on stdout; one logger, children carry context (request id, job id).
export const log = pino({
	level: config.logLevel,
	base: { service: process.env.DARKROOM_PROCESS ?? 'darkroom' },
	redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'],
})
