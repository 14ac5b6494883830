#!/usr/bin/env bash
# Retention: keeps the newest $QUIRE_BACKUP_KEEP_BASE base backups (default 7) and everything a
# restore to any time since the oldest of them needs: archived WAL from its start, and the file
# snapshots from the last one taken before it. Older base backups, WAL and snapshots go (objects
# no remaining snapshot lists included).
#
#   QUIRE_BACKUP_DIR=… bash infra/backup/prune.sh
#
# This is also when offboarded tenants finally leave the backups: a tenant's key (crypto-shredded
# in the live keyring) and its blobs stay restorable until the snapshots holding them are pruned.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_env QUIRE_BACKUP_DIR 'the backup folder: base/, wal/, files/'
keep=${QUIRE_BACKUP_KEEP_BASE:-7}
[[ $keep =~ ^[0-9]+$ ]] && ((keep >= 1)) || bdie "QUIRE_BACKUP_KEEP_BASE must be a whole number >= 1"
keys_store="${QUIRE_BACKUP_KEYS_DIR:-$QUIRE_BACKUP_DIR/files/keys}"
node_bin="${QUIRE_NODE:-$BACKUP_ROOT_DIR/node_modules/.bin/node}"
[[ -x $node_bin ]] || node_bin=$(command -v node) || bdie "node not found (set QUIRE_NODE)"
bin=$(pg_bin_dir)

mapfile -t bases < <(find "$QUIRE_BACKUP_DIR/base" -mindepth 2 -maxdepth 2 -name manifest.json -printf '%h\n' 2>/dev/null | sort)
((${#bases[@]} > 0)) || bdie "no base backup in $QUIRE_BACKUP_DIR/base: nothing would be restorable, so nothing is pruned"
drop=$((${#bases[@]} > keep ? ${#bases[@]} - keep : 0))
oldest=${bases[drop]}
for ((i = 0; i < drop; i++)); do
  blog "dropping base backup $(basename "${bases[i]}")"
  rm -rf -- "${bases[i]}"
done
start_wal=$(manifest_field "$oldest/manifest.json" startWal)
started_at=$(manifest_field "$oldest/manifest.json" startedAt)
[[ $start_wal =~ ^[0-9A-F]{24}$ && -n $started_at ]] || bdie "cannot read startWal/startedAt of $oldest"
blog "keeping $((${#bases[@]} - drop)) base backup(s) from $(basename "$oldest"): WAL from $start_wal, files from $started_at"
"$bin/pg_archivecleanup" "$QUIRE_BACKUP_DIR/wal" "$start_wal"
for store in "$QUIRE_BACKUP_DIR/files/blobs" "$keys_store"; do
  [[ -d $store/snapshots ]] || continue
  "$node_bin" "$BACKUP_SCRIPTS_DIR/files-cli.ts" prune --store "$store" --keep-from "$started_at"
done
