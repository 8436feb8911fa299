import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createContext } from '../lib/context'
import { startCluster } from '../lib/database'
import { closedLoop, multipart, register, request } from '../lib/http'
import { oneMegabyteJpeg } from '../lib/images'
import { parseOptions } from '../lib/options'
import { startWeb } from '../lib/processes'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-scratch-'))
fs.chmodSync(dir, 0o755)
const profDir = '/tmp/darkroom-prof'
fs.rmSync(profDir, { recursive: true, force: true })
const cluster = await startCluster(dir)
const ctx = createContext(parseOptions(['--quick']), {}, cluster, dir, console.error)
const app = await ctx.openApp('prof')
const web = await startWeb({ ...app.env, BENCH_NODE_FLAGS: `--cpu-prof --cpu-prof-dir=${profDir}` })
const { token } = await register(web.baseUrl)
const photo = await oneMegabyteJpeg()
const body = multipart(photo.bytes, photo.name)
const kind = process.argv[2] ?? 'upload'
const send =
	kind === 'upload'
		? () =>
				request(web.baseUrl, {
					method: 'POST',
					path: '/api/images',
					token,
					headers: { 'content-type': body.contentType },
					body: body.body,
				})
		: () => request(web.baseUrl, { path: kind, token })
const result = await closedLoop(32, 8, send, (r) => r.status < 300)
console.log(kind, result.perSecond.toFixed(1), 'req/s', result.errors, result.firstError)
await web.stop()
await cluster.stop()
fs.rmSync(dir, { recursive: true, force: true })
