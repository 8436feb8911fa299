import fs from 'node:fs'

// Readers of Linux's /proc: memory and CPU time of the processes under test.

/** Resident set size of a process in MiB, from /proc (Linux). */
export function rssMiB(pid: number): { rss: number; peak: number } {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
	const kib = (field: string) =>
		Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1])
	return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 }
}

// USER_HZ, the unit of /proc/<pid>/stat times, is 100 on every Linux architecture Node supports.
const TICKS_PER_SECOND = 100

/**
 * CPU time (user + system, all threads) a process has used so far, in ms.
 * Unlike wall-clock time, it barely changes when other work shares the
 * cores, so it is the steadier figure on a busy machine.
 */
export function cpuMs(pid: number): number {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
	// Fields after the parenthesised command name, which may itself hold spaces.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
}

/** The processes whose parent is `pid` (PostgreSQL's backends under its postmaster). */
export function childPids(pid: number): number[] {
	const children: number[] = []
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue
		try {
			const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
			if (ppid === pid) children.push(Number(entry))
		} catch {
			// Exited while we looked.
		}
	}
	return children
}

/** A CPU meter over a set of processes; processes that exit in between are counted up to their last reading. */
export function cpuMeter(pids: () => number[]) {
	const read = () => {
		const totals = new Map<number, number>()
		for (const pid of pids()) {
			try {
				totals.set(pid, cpuMs(pid))
			} catch {
				// Gone.
			}
		}
		return totals
	}
	const start = read()
	return () => {
		let used = 0
		for (const [pid, ms] of read()) used += ms - (start.get(pid) ?? 0)
		return used
	}
}

/**
 * The allocator a running process actually loaded: jemalloc shows in its
 * memory map when LD_PRELOAD took effect. Checks what the environment only asks for.
 */
export function loadedAllocator(pid: number): 'jemalloc' | 'glibc malloc' {
	const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8')
	return maps.includes('libjemalloc') ? 'jemalloc' : 'glibc malloc'
}
