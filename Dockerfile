# syntax=docker/dockerfile:1
# Darkroom: one image runs web + worker (default), or either alone:
#   docker run … darkroom            # both, embedded PostgreSQL under /data
#   docker run … darkroom web        # HTTP only (set DATABASE_URL)
#   docker run … darkroom worker     # jobs only
#   docker exec … darkroom admin grant EMAIL   # or revoke EMAIL, list
#   docker exec … darkroom backup [TARGET]     # one archive, while it serves (docs/deploy.md)
#   docker exec … darkroom restore ARCHIVE     # into an empty database and storage
# The steps live in scripts/docker/*.sh so they can be tested without Docker.

FROM node:22-bookworm-slim AS base
WORKDIR /app
ENV NODE_ENV=production

FROM base AS build
COPY package.json package-lock.json ./
COPY scripts/docker/install.sh scripts/docker/install.sh
RUN sh scripts/docker/install.sh
COPY . .
RUN sh scripts/docker/build.sh

FROM base AS runtime
# jemalloc against glibc fragmentation with sharp; tini reaps and forwards signals.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends libjemalloc2 tini \
	&& rm -rf /var/lib/apt/lists/* \
	&& groupadd --system darkroom && useradd --system --gid darkroom --home /app darkroom \
	&& mkdir -p /data && chown darkroom:darkroom /data \
	&& printf '#!/bin/sh\nexec sh /app/scripts/docker/start.sh "$@"\n' > /usr/local/bin/darkroom \
	&& chmod 755 /usr/local/bin/darkroom
COPY --from=build --chown=darkroom:darkroom /app /app
USER darkroom
# Fewer glibc arenas: libvips' threads otherwise fragment them (see docs/performance.md).
# A server on the internet: sign-up by invitation until an admin opens it
# (the first account may always register, and becomes the admin).
ENV DATA_DIR=/data PORT=3000 HOST=0.0.0.0 MALLOC_ARENA_MAX=2 REGISTRATION_DEFAULT=invite
VOLUME /data
EXPOSE 3000 9464
# Readiness (database, storage, queue) on the web port, or on the worker's
# metrics port when only the worker runs here.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
	CMD node -e "const get=(p)=>fetch('http://127.0.0.1:'+p+'/api/health');get(process.env.PORT||3000).catch(()=>get(process.env.WORKER_METRICS_PORT||9464)).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "sh", "scripts/docker/start.sh"]
CMD ["all"]
