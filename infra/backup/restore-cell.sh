#!/usr/bin/env bash
# Restores a whole cell as of a point in time: its Postgres cluster into a fresh data
# directory (restore-pg.sh), its blobs and key files into a fresh cell folder (files-cli.ts),
# then checks that every blob the restored rows reference and every tenant's key is there.
#
#   QUIRE_BACKUP_DIR=… bash infra/backup/restore-cell.sh --target-time ISO --pgdata DIR \
#     --port N --cell-dir DIR --database quire_eu_1
#
# The cell folder receives blobs/, keyring/, signing-keys.json and sealing-key.json: point
# the restored cell's BLOB_DIR, KEYRING_DIR, SIGNING_KEY_FILE and SEALING_KEY_FILE at them,
# and DATABASE_URL at the restored server (same roles and passwords as the original).
# `--target-time latest`: all the archived WAL and the newest file snapshots (the blob disk
# survived, or blobs are in S3); `last-snapshot`: as of the newest blob snapshot, the latest
# time whose blobs are all in the backup (the blob disk is lost too).
# Prints key=value figures on stdout, the total as restore_ms.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat >&2 <<EOF
usage: restore-cell.sh --target-time ISO|latest|last-snapshot --pgdata DIR --port N --cell-dir DIR --database NAME [--socket-dir DIR]
env: QUIRE_BACKUP_DIR, QUIRE_BACKUP_KEYS_DIR (default \$QUIRE_BACKUP_DIR/files/keys)
EOF
  exit 2
}
target='' pgdata='' port='' cell_dir='' database='' socket_dir=''
while (($#)); do
  case $1 in
  --target-time) target=${2:-} && shift 2 ;;
  --pgdata) pgdata=${2:-} && shift 2 ;;
  --port) port=${2:-} && shift 2 ;;
  --cell-dir) cell_dir=${2:-} && shift 2 ;;
  --database) database=${2:-} && shift 2 ;;
  --socket-dir) socket_dir=${2:-} && shift 2 ;;
  *) usage ;;
  esac
done
[[ -n $target && -n $pgdata && -n $port && -n $cell_dir && -n $database ]] || usage
require_env QUIRE_BACKUP_DIR 'the backup folder: base/, wal/, files/'
require_safe_path --cell-dir "$cell_dir"
[[ $database =~ ^[a-z][a-z0-9_]{0,62}$ ]] || bdie "--database: not a database name ($database)"
keys_store="${QUIRE_BACKUP_KEYS_DIR:-$QUIRE_BACKUP_DIR/files/keys}"
socket_dir=${socket_dir:-$pgdata.run}
node_bin="${QUIRE_NODE:-$BACKUP_ROOT_DIR/node_modules/.bin/node}"
[[ -x $node_bin ]] || node_bin=$(command -v node) || bdie "node not found (set QUIRE_NODE)"
case $target in
latest) target_utc=latest ;;
last-snapshot)
  # The start of the newest blob snapshot: every blob a row committed by then references was
  # written before it, so is in it. The consistent "as late as possible" for a lost blob disk.
  newest=$(find "$QUIRE_BACKUP_DIR/files/blobs/snapshots" -maxdepth 1 -name '*.json' ! -name '.tmp-*' 2>/dev/null | sort | tail -n1)
  [[ -n $newest ]] || bdie "--target-time last-snapshot: no blob snapshot in $QUIRE_BACKUP_DIR/files/blobs"
  taken=$(grep -o '"takenAt":"[^"]*"' "$newest" | head -n1 | cut -d'"' -f4)
  target_utc=$(utc_of "$taken")
  blog "last-snapshot: restoring as of $target_utc (the newest blob snapshot)"
  ;;
*) target_utc=$(utc_of "$target") ;;
esac
started=$(date +%s%3N)
# Files as of the same time ("latest": the newest snapshots).
files_at=$target_utc
[[ $target_utc != latest ]] || files_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
[[ ! -e $cell_dir ]] || [[ -z $(ls -A "$cell_dir") ]] || bdie "$cell_dir is not empty; restore into a fresh folder"
mkdir -p "$cell_dir"
chmod 700 "$cell_dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. Blobs in the background: copying them is a disk-speed term as long as the WAL replay, so
#    the two run side by side and the restore takes the longer of them, not their sum.
blobs_pid=''
if [[ -d $QUIRE_BACKUP_DIR/files/blobs/snapshots ]]; then
  "$node_bin" "$BACKUP_SCRIPTS_DIR/files-cli.ts" restore --store "$QUIRE_BACKUP_DIR/files/blobs" \
    --at "$files_at" "blobs=$cell_dir/blobs" >"$work/blobs.json" 2>"$work/blobs.err" &
  blobs_pid=$!
else
  blog "no blob snapshots in $QUIRE_BACKUP_DIR/files/blobs (an S3 cell? see README.md): blobs not restored"
fi

# 2. Postgres (prints its own key=value figures).
if ! bash "$BACKUP_SCRIPTS_DIR/restore-pg.sh" --target-time "$target_utc" --pgdata "$pgdata" --port "$port" \
  --socket-dir "$socket_dir"; then
  [[ -z $blobs_pid ]] || wait "$blobs_pid" || true
  bdie "the Postgres restore failed (above)"
fi
pg_done=$(date +%s%3N)

# 3. Keys, then wait for the blobs.
targets=("signing-keys.json=$cell_dir/signing-keys.json" "sealing-key.json=$cell_dir/sealing-key.json")
[[ -d $keys_store/snapshots ]] || bdie "no key snapshots in $keys_store"
if grep -q '"keyring"' "$keys_store"/snapshots/*.json; then targets+=("keyring=$cell_dir/keyring"); fi
keys_json=$("$node_bin" "$BACKUP_SCRIPTS_DIR/files-cli.ts" restore --store "$keys_store" --at "$files_at" "${targets[@]}")
printf 'keys=%s\n' "$keys_json"
if [[ -n $blobs_pid ]]; then
  if ! wait "$blobs_pid"; then
    cat "$work/blobs.err" >&2
    bdie "restoring the blobs failed (above)"
  fi
  cat "$work/blobs.err" >&2
  printf 'blobs=%s\n' "$(<"$work/blobs.json")"
fi
files_done=$(date +%s%3N)

# 4. What the restored rows need: every referenced blob, every tenant's key (local keyring).
bin=$(pg_bin_dir)
q() { as_pg_user "$bin/psql" -X -At -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$port" -U postgres -d "$database" -c "$1"; }
missing=0 referenced=0 orphans=0
if [[ -d $cell_dir/blobs ]]; then
  # Every `…blob_key` column (versions, extracted text, previews; any a later migration adds).
  refs=$(q "select string_agg(format('select %I from %I where %I is not null', column_name, table_name, column_name),
                              ' union ') from information_schema.columns
            where table_schema = 'public' and column_name like '%blob\_key'")
  [[ -n $refs ]] || bdie "no blob_key column in the restored database (not a cell database?)"
  q "$refs" | LC_ALL=C sort -u >"$work/referenced"
  if grep -q -v -E '^[A-Za-z0-9/._-]+$' "$work/referenced" || grep -q -F '..' "$work/referenced"; then
    bdie "suspicious blob key in the restored database"
  fi
  (cd "$cell_dir/blobs" && find . -type f ! -name '.tmp-*' -printf '%P\n') | LC_ALL=C sort >"$work/present"
  referenced=$(wc -l <"$work/referenced")
  LC_ALL=C comm -23 "$work/referenced" "$work/present" >"$work/missing"
  missing=$(wc -l <"$work/missing")
  head -n 20 "$work/missing" | while IFS= read -r key; do blog "missing blob: $key"; done
  # Files the restored rows do not reference were written after the target time (taken from the
  # next snapshot) or by uploads whose row never committed: not part of the cell as of T.
  LC_ALL=C comm -13 "$work/referenced" "$work/present" >"$work/orphans"
  orphans=$(wc -l <"$work/orphans")
  while IFS= read -r rel; do rm -f -- "$cell_dir/blobs/$rel"; done <"$work/orphans"
fi
no_key=0
if [[ -d $cell_dir/keyring ]]; then
  while IFS= read -r tenant; do
    [[ -f $cell_dir/keyring/tenants/$tenant.kek ]] || {
      no_key=$((no_key + 1))
      blog "tenant $tenant has no key in the restored keyring"
    }
  done < <(q "select id from tenants")
fi
now=$(date +%s%3N)
printf 'referenced_blobs=%s\nmissing_blobs=%s\nunreferenced_blobs_removed=%s\ntenants_without_key=%s\n' \
  "$referenced" "$missing" "$orphans" "$no_key"
printf 'pg_ms=%s\nfiles_wait_ms=%s\ncheck_ms=%s\nrestore_ms=%s\n' \
  "$((pg_done - started))" "$((files_done - pg_done))" "$((now - files_done))" "$((now - started))"
((missing == 0 && no_key == 0)) ||
  bdie "the restore is incomplete: $missing referenced blob(s), $no_key tenant key(s) missing (see above)"
blog "cell restored as of $target_utc: $referenced referenced blobs present, every tenant has its key"
