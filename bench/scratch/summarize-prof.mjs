import fs from 'node:fs'
const dir = process.argv[2]
for (const file of fs.readdirSync(dir)) {
	const prof = JSON.parse(fs.readFileSync(`${dir}/${file}`, 'utf8'))
	const byId = new Map(prof.nodes.map((n) => [n.id, n]))
	const self = new Map()
	const dt = prof.timeDeltas
	for (let i = 0; i < prof.samples.length; i++) {
		const n = byId.get(prof.samples[i])
		const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*node_modules\//, '').replace('file:///work/main/', '')}:${n.callFrame.lineNumber}`
		self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0))
	}
	const total = [...self.values()].reduce((a, b) => a + b, 0)
	const byPkg = new Map()
	for (const [k, v] of self) {
		const m = /^(\S+) (\S+)/.exec(k)
		let pkg = m[2].startsWith('node:') ? m[2].split(':')[1] : m[2].split('/')[0]
		if (m[1] === '(idle)' || m[1] === '(program)' || m[1] === '(garbage collector)') pkg = m[1]
		byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + v)
	}
	console.log(file, 'total ms', (total / 1000).toFixed(0))
	console.log(
		[...byPkg]
			.sort((a, b) => b[1] - a[1])
			.slice(0, 15)
			.map(([k, v]) => `${((v / total) * 100).toFixed(1)}% ${k}`)
			.join('\n'),
	)
	console.log('--- top functions')
	console.log(
		[...self]
			.sort((a, b) => b[1] - a[1])
			.slice(0, 25)
			.map(([k, v]) => `${((v / total) * 100).toFixed(1)}% ${k}`)
			.join('\n'),
	)
}
