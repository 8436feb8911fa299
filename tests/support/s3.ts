import fs from 'node:fs'
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver'

type S3rverInstance = {
	run(): Promise<AddressInfo>
	close(): Promise<void>
	httpServer?: Server
}

export type TestS3 = {
	endpoint: string
	bucket: string
	/** s3rver accepts only this access key id; the secret may be anything. */
	credentials: { accessKeyId: string; secretAccessKey: string }
	stop: () => Promise<void>
	/**
	 * Also hands every request s3rver receives to `listener` (after s3rver's own
	 * handler has it), to observe the API calls or cut one off; returns the unsubscribe.
	 */
	onRequest: (listener: (request: IncomingMessage) => void) => () => void
}

/** A real S3 API (s3rver) on a free port, backed by a temp directory. */
export async function startS3(bucket = 'darkroom-test'): Promise<TestS3> {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-s3-'))
	const server: S3rverInstance = new S3rver({
		port: 0,
		address: '127.0.0.1',
		silent: true,
		directory,
		configureBuckets: [{ name: bucket }],
	})
	const { port } = await server.run()
	let stopped = false
	return {
		endpoint: `http://127.0.0.1:${port}`,
		bucket,
		credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
		onRequest(listener) {
			server.httpServer?.on('request', listener)
			return () => server.httpServer?.off('request', listener)
		},
		async stop() {
			if (stopped) return
			stopped = true
			const closed = server.close()
			// close() waits for idle keep-alive sockets (the SDK keeps them open).
			server.httpServer?.closeAllConnections()
			await closed
			fs.rmSync(directory, { recursive: true, force: true })
		},
	}
}
