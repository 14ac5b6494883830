#!/usr/bin/env bash
# Runs the product on its embedded defaults: the local stack (Postgres, Redis), the control
# plane, cells us-1 and eu-1 (Postgres databases, Redis databases, local-filesystem blobs,
# local keyrings, Postgres search) and the edge under wrangler dev on one port, with demo
# tenants provisioned through the control plane. Ctrl-C stops the processes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bash infra/local/stack.sh up pg redis
export PATH="$root/node_modules/.bin:$PATH"
# The web app (served by the edge) and the sales-ops page (served by the control plane).
npm run --silent build:web
exec node infra/local/run-topology.ts
