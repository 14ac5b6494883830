#!/usr/bin/env bash
# Runs the product on its embedded defaults: the local stack, the us-1 cell (Postgres,
# Redis, local-filesystem blobs, local keyring) and a demo tenant. Ctrl-C stops the cell.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bash infra/local/stack.sh up
eval "$(bash infra/local/stack.sh env)"
export PATH="$root/node_modules/.bin:$PATH"

cell_dir="$root/.local/cells/us-1"
mkdir -p "$cell_dir"
token_file="$cell_dir/internal-token"
[ -s "$token_file" ] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$token_file")

export CELL_ID=us-1 CELL_REGION=us PORT="${QUIRE_CELL_PORT:-8081}"
export DATABASE_URL="$(node cell/src/db/setup-cli.ts quire_us_1)"
export REDIS_URL="$QUIRE_REDIS_URL/1"
export BLOB_STORE=fs BLOB_DIR="$cell_dir/blobs" KEYRING=local KEYRING_DIR="$cell_dir/keyring"
export JWT_ISSUER="http://127.0.0.1:$PORT" SIGNING_KEY_FILE="$cell_dir/signing-keys.json"
export INTERNAL_API_TOKEN="$(cat "$token_file")"

node cell/src/server.ts &
cell_pid=$!
trap 'kill $cell_pid 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS -X PUT "http://127.0.0.1:$PORT/internal/v1/tenants/ten_demo-us" \
  -H "authorization: Bearer $INTERNAL_API_TOKEN" -H 'content-type: application/json' \
  -d '{"slug":"demo-us","plan":"professional","admin":{"email":"admin@demo-us.example","name":"Demo Admin","password":"demo-password-123"}}' >/dev/null

cat <<MSG

Quire cell us-1 is up on http://127.0.0.1:$PORT (OpenAPI: /v1/openapi.json)
Log in as the demo admin:
  curl -s -X POST http://127.0.0.1:$PORT/v1/auth/login -H 'content-type: application/json' \\
    -d '{"tenantId":"ten_demo-us","email":"admin@demo-us.example","password":"demo-password-123"}'
Ctrl-C stops the cell; \`bash infra/local/stack.sh down\` stops the servers.
MSG
wait $cell_pid
