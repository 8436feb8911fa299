#!/bin/sh
# Container step 2: build the Remix app, then drop dev dependencies so only
# what runs in production ships.
set -eu
npm run build
npm prune --omit=dev --no-audit --no-fund
