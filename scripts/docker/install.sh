#!/bin/sh
# Container step 1: dependencies as locked, dev ones too (the build needs them,
# and NODE_ENV=production would leave them out).
# `npm install`, not `npm ci`: registry mirrors that serve only this platform's
# optional packages make `npm ci` reject a lock file that is in fact complete.
set -eu
npm install --include=dev --no-audit --no-fund
