import fs from 'node:fs'

// The allocator environment Darkroom's processes run with, in one place:
// server/start.ts gives it to the web and worker it spawns, and the bench to
// every process it measures, so the two cannot drift apart. The container
// sets the same (Dockerfile: MALLOC_ARENA_MAX; scripts/docker/start.sh:
// LD_PRELOAD, from the same paths). Both variables are read when a process
// starts, so they can only be given to a child, never applied to oneself.

/** Where Debian's libjemalloc2 puts the library, as scripts/docker/start.sh checks. */
export const JEMALLOC_PATHS = [
	'/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
	'/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
] as const

/** glibc's arena cap: fewer arenas keep the worker's memory flat under libvips (docs/performance.md). */
export const DEFAULT_MALLOC_ARENA_MAX = '2'

/**
 * Variables to add to a child's environment, given the environment it would
 * otherwise get. Values already set win, so `LD_PRELOAD=` (empty) turns
 * jemalloc off and `MALLOC_ARENA_MAX=8` raises the cap.
 */
export function allocatorEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
	const extra: Record<string, string> = {}
	if (env.MALLOC_ARENA_MAX === undefined) extra.MALLOC_ARENA_MAX = DEFAULT_MALLOC_ARENA_MAX
	if (env.LD_PRELOAD === undefined) {
		const jemalloc = JEMALLOC_PATHS.find((file) => fs.existsSync(file))
		if (jemalloc) extra.LD_PRELOAD = jemalloc
	}
	return extra
}

/** Which allocator a process started with `env` uses, in words (for logs and the bench report). */
export function describeAllocator(env: NodeJS.ProcessEnv): string {
	const preload = env.LD_PRELOAD ?? ''
	if (/jemalloc/.test(preload)) return `jemalloc (LD_PRELOAD=${preload})`
	const arenas = env.MALLOC_ARENA_MAX
	return `glibc malloc${arenas ? ` (MALLOC_ARENA_MAX=${arenas})` : ''}`
}
