#!/bin/sh
# Container entry point: web + worker by default; `web` or `worker` runs one;
# `admin grant EMAIL` (or revoke, list) manages the admin role; `backup
# [TARGET] [--no-objects]` and `restore ARCHIVE [--replace]` (docs/deploy.md).
# Also on PATH as `darkroom`, so `docker exec <container> darkroom backup` works.
# Migrations run at start (server/start.ts). jemalloc, when installed, keeps
# sharp's memory from fragmenting under glibc (sharp's own advice).
set -eu
# Run from the app's directory whoever calls (the entry point, or `darkroom` from anywhere).
cd "$(dirname "$0")/../.."
for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/aarch64-linux-gnu/libjemalloc.so.2; do
	if [ -z "${LD_PRELOAD:-}" ] && [ -f "$lib" ]; then export LD_PRELOAD="$lib"; fi
done
case "${1:-all}" in
	web) exec node --import tsx server/start.ts --only=web ;;
	worker) exec node --import tsx server/start.ts --only=worker ;;
	all) exec node --import tsx server/start.ts ;;
	migrate) exec node --import tsx db/migrate-cli.ts ;;
	admin) shift; exec node --import tsx scripts/admin.ts "$@" ;;
	backup) shift; exec node --import tsx scripts/backup.ts "$@" ;;
	restore) shift; exec node --import tsx scripts/restore.ts "$@" ;;
	*) echo "usage: start.sh [all|web|worker|migrate|admin grant EMAIL|admin revoke EMAIL|admin list|backup [TARGET] [--no-objects]|restore ARCHIVE [--replace]]" >&2; exit 64 ;;
esac
