#!/bin/sh
# Container step 1: dependencies exactly as locked (dev ones too: the build needs them).
set -eu
npm ci --no-audit --no-fund
