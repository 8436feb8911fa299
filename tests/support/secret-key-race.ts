import path from 'node:path'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

// Run as `node --import tsx tests/support/secret-key-race.ts <threads> <rounds>`
// with DATA_DIR set and SECRET_KEY unset. In each round, every thread loads
// its own fresh copy of config.server (as a separate process would) on a new
// data directory under DATA_DIR, waits at a barrier, then all call
// getSecretKey() at once. Prints JSON: for each round, the keys the threads got.

type Shared = { threads: number; rounds: number; barriers: Int32Array; base: string }

if (isMainThread) {
	const threads = Number(process.argv[2] ?? 8)
	const rounds = Number(process.argv[3] ?? 5)
	const shared: Shared = {
		threads,
		rounds,
		barriers: new Int32Array(new SharedArrayBuffer(4 * rounds)),
		base: path.resolve(process.env.DATA_DIR!),
	}
	// A thread does not inherit tsx's loader: it registers it, then loads this file.
	const entry = `import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(import.meta.url)}))`
	const keys: string[][] = Array.from({ length: rounds }, () => [])
	await Promise.all(
		Array.from(
			{ length: threads },
			() =>
				new Promise<void>((resolve, reject) => {
					const worker = new Worker(entry, { eval: true, workerData: shared })
					worker.on('message', ({ round, key }: { round: number; key: string }) => {
						keys[round]!.push(key)
					})
					worker.once('error', reject)
					worker.once('exit', () => resolve())
				}),
		),
	)
	console.log(JSON.stringify(keys))
} else {
	const { threads, rounds, barriers, base } = workerData as Shared
	for (let round = 0; round < rounds; round++) {
		process.env.DATA_DIR = path.join(base, String(round))
		// A query makes a new module instance: no key cached from the last round.
		const { getSecretKey } = (await import(
			`../../app/config.server.ts?round=${round}`
		)) as typeof import('#app/config.server')
		// The barrier: the last thread in releases the others.
		if (Atomics.add(barriers, round, 1) + 1 === threads) Atomics.notify(barriers, round)
		else
			while (Atomics.load(barriers, round) < threads)
				Atomics.wait(barriers, round, Atomics.load(barriers, round), 50)
		parentPort!.postMessage({ round, key: getSecretKey() })
	}
}
