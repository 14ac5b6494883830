#!/usr/bin/env bash
# Snapshots a cell's files: the fs blob store and the key files, every few minutes (timer).
#
#   QUIRE_BACKUP_DIR=… BLOB_DIR=… KEYRING_DIR=… SIGNING_KEY_FILE=… bash infra/backup/backup-files.sh
#
# Blobs go to $QUIRE_BACKUP_DIR/files/blobs, keys to $QUIRE_BACKUP_KEYS_DIR (default
# $QUIRE_BACKUP_DIR/files/keys; in production put it elsewhere: whoever holds blobs and the
# master key together can read every tenant's documents). Content-addressed: only new files
# are copied (files.ts). The variables are the cell's own (infra/cell/cell.env.example).
# With BLOB_STORE=s3 / KEYRING=kms there is nothing to copy here: see README.md.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_env QUIRE_BACKUP_DIR 'the backup folder: base/, wal/, files/'
keys_store="${QUIRE_BACKUP_KEYS_DIR:-$QUIRE_BACKUP_DIR/files/keys}"
node_bin="${QUIRE_NODE:-$BACKUP_ROOT_DIR/node_modules/.bin/node}"
[[ -x $node_bin ]] || node_bin=$(command -v node) || bdie "node not found (set QUIRE_NODE)"
cli=$BACKUP_SCRIPTS_DIR/files-cli.ts

if [[ ${BLOB_STORE:-fs} == fs ]]; then
  require_env BLOB_DIR "the cell's blob folder"
  [[ -d $BLOB_DIR ]] || bdie "BLOB_DIR=$BLOB_DIR is not a folder"
  blog "blobs: snapshot of $BLOB_DIR"
  "$node_bin" "$cli" backup --store "$QUIRE_BACKUP_DIR/files/blobs" "blobs=$BLOB_DIR"
else
  blog "blobs: BLOB_STORE=${BLOB_STORE}: covered by bucket versioning and replication (README.md), skipped"
fi

keys=()
if [[ ${KEYRING:-local} == local ]]; then
  require_env KEYRING_DIR "the local keyring's folder (master.key, tenants/*.kek)"
  [[ -f $KEYRING_DIR/master.key ]] || bdie "no master.key in KEYRING_DIR=$KEYRING_DIR"
  keys+=("keyring=$KEYRING_DIR")
fi
require_env SIGNING_KEY_FILE "the cell's token signing keys"
keys+=("signing-keys.json=$SIGNING_KEY_FILE")
sealing="${SEALING_KEY_FILE:-$(dirname "$SIGNING_KEY_FILE")/sealing-key.json}"
[[ -f $sealing ]] && keys+=("sealing-key.json=$sealing")
blog "keys: snapshot of ${keys[*]%%=*}"
"$node_bin" "$cli" backup --store "$keys_store" "${keys[@]}"
