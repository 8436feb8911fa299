/**
 * One value per process, however many copies of the calling module are
 * loaded. The web server (server/, run from source) and the Remix build
 * (build/server) each hold a copy of the modules they both import; without
 * this, each copy of app/db.server.ts would open a pool of its own.
 */
export function singleton<Value>(name: string, create: () => Value): Value {
	const store = globalThis as typeof globalThis & { __darkroomSingletons?: Map<string, unknown> }
	store.__darkroomSingletons ??= new Map()
	if (!store.__darkroomSingletons.has(name)) store.__darkroomSingletons.set(name, create())
	return store.__darkroomSingletons.get(name) as Value
}
