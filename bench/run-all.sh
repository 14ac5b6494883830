#!/usr/bin/env bash
# Runs every bench without npm: the repo's own Node (node_modules/.bin/node), the running
# local stack (.local/stack.json; start it with `bash infra/local/stack.sh up`).
# Usage: bash bench/run-all.sh [doc-get|rls-overhead|upload-download …]
set -euo pipefail
cd "$(dirname "$0")/.."
exec node_modules/.bin/node bench/run.ts "$@"
