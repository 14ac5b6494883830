#!/usr/bin/env bash
# Deploys the edge workers: one per [env.*] section of edge/wrangler.toml (global and eu).
# Needs CLOUDFLARE_API_TOKEN. Secrets are set once per environment:
#   wrangler secret put EDGE_TOKEN --env eu ; wrangler secret put EDGE_ASSERTION_SECRET --env eu
set -euo pipefail
cd "$(dirname "$0")/../.."
# The web app the edge serves as static assets ([assets] → web/dist/app).
npm run --silent build:web
cd edge
for env in global eu; do
  ../node_modules/.bin/wrangler deploy --env "$env"
done
