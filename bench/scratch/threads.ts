import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createContext } from '../lib/context'
import { startCluster } from '../lib/database'
import { closedLoop, multipart, register, request } from '../lib/http'
import { oneMegabyteJpeg } from '../lib/images'
import { parseOptions } from '../lib/options'
import { startWeb } from '../lib/processes'

function threads(pid: number) {
	const out = new Map<string, number>()
	for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
		try {
			const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
			const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, 'N')
			const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
			const key = Number(tid) === pid ? 'main' : name
			out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) * 10)
		} catch {}
	}
	return out
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-scratch-'))
fs.chmodSync(dir, 0o755)
const cluster = await startCluster(dir)
const extra = Object.fromEntries(
	process.argv.slice(2).map((kv) => kv.split('=') as [string, string]),
)
const ctx = createContext(parseOptions(['--quick']), extra, cluster, dir, console.error)
const app = await ctx.openApp('prof')
const web = await startWeb(app.env)
const { token } = await register(web.baseUrl)
const photo = await oneMegabyteJpeg()
const body = multipart(photo.bytes, photo.name)
const send = () =>
	request(web.baseUrl, {
		method: 'POST',
		path: '/api/images',
		token,
		headers: { 'content-type': body.contentType },
		body: body.body,
	})
await closedLoop(32, 2, send, () => true)
const before = threads(web.pid)
const result = await closedLoop(32, 8, send, (r) => r.status < 300)
const after = threads(web.pid)
console.log('uploads', result.requests, result.perSecond.toFixed(1), '/s', extra)
for (const [k, v] of after) {
	const d = v - (before.get(k) ?? 0)
	if (d > 0) console.log(k.padEnd(20), (d / result.requests).toFixed(2), 'ms/upload')
}
await web.stop()
await cluster.stop()
fs.rmSync(dir, { recursive: true, force: true })
