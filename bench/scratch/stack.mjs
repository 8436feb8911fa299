import fs from 'node:fs'
const [dir, fn] = process.argv.slice(2)
for (const file of fs.readdirSync(dir)) {
	const prof = JSON.parse(fs.readFileSync(`${dir}/${file}`, 'utf8'))
	const byId = new Map(prof.nodes.map((n) => [n.id, n]))
	const parent = new Map()
	for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
	const counts = new Map()
	for (let i = 0; i < prof.samples.length; i++) {
		const n = byId.get(prof.samples[i])
		if (n.callFrame.functionName !== fn) continue
		const chain = []
		let id = parent.get(n.id)
		while (id && chain.length < 8) {
			const p = byId.get(id)
			chain.push(
				`${p.callFrame.functionName || '(anon)'}@${p.callFrame.url.split('/').slice(-2).join('/')}:${p.callFrame.lineNumber}`,
			)
			id = parent.get(id)
		}
		const key = chain.join(' < ')
		counts.set(key, (counts.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0))
	}
	for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5))
		console.log((v / 1000).toFixed(0), 'ms', k)
}
