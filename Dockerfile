# Minimal for now; the production image (multi-stage, non-root, jemalloc,
# HEALTHCHECK) is finished in the deployment issue.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production DATA_DIR=/data
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx remix vite:build
VOLUME /data
EXPOSE 3000
CMD ["npx", "tsx", "server/start.ts"]
