#!/usr/bin/env bash
# Takes a base backup of a cell's Postgres cluster into $QUIRE_BACKUP_DIR/base/<label>/.
#
#   QUIRE_BACKUP_PG_URL=… QUIRE_BACKUP_DIR=… bash infra/backup/base-backup.sh
#
# pg_basebackup in plain format with the WAL it needs (-X stream, so the copy is consistent
# even without the archive) and a SHA-256 backup_manifest, checked by pg_verifybackup before
# the folder gets its final name: a half-written or damaged backup is never picked by a restore.
# Then manifest.json records when (startedAt/finishedAt, this host's clock), where in the WAL
# (timeline, start/end LSN, first WAL file) and the manifest's own checksum. A restore to time T
# starts from the newest backup that finished before T and replays the archived WAL up to T, so
# how often this runs bounds the replay part of the RTO (daily is the default; see README.md).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_env QUIRE_BACKUP_PG_URL 'a connection URL of a role with REPLICATION on the cell cluster'
require_env QUIRE_BACKUP_DIR 'the backup folder: base/, wal/, files/'
require_safe_path QUIRE_BACKUP_DIR "$QUIRE_BACKUP_DIR"
bin=$(pg_bin_dir)

base_dir=$QUIRE_BACKUP_DIR/base
mkdir -p "$base_dir"
chmod 700 "$base_dir"
label=$(date -u +%Y%m%dT%H%M%SZ)
dest=$base_dir/$label
part=$dest.part
[[ ! -e $dest ]] || bdie "$dest already exists (two backups in the same second?)"
rm -rf "$part"
trap 'rm -rf "$part"' EXIT

started_at=$(utc_now)
blog "base backup $label: pg_basebackup into $part"
"$bin/pg_basebackup" -d "$QUIRE_BACKUP_PG_URL" -D "$part" -Fp -X stream -c fast \
  --manifest-checksums=SHA256 -l "quire-$label" --no-password ||
  bdie "pg_basebackup failed (role needs REPLICATION and a pg_hba 'replication' line)"
finished_at=$(utc_now)
"$bin/pg_verifybackup" -q "$part" || bdie "pg_verifybackup found $part damaged; it was not kept"

wal_range=$(tr -d '\n' <"$part/backup_manifest" | grep -o '"WAL-Ranges": *\[[^]]*\]')
timeline=$(grep -o '"Timeline": *[0-9]*' <<<"$wal_range" | head -n1 | grep -o '[0-9]*$')
start_lsn=$(grep -o '"Start-LSN": *"[^"]*"' <<<"$wal_range" | head -n1 | cut -d'"' -f4)
end_lsn=$(grep -o '"End-LSN": *"[^"]*"' <<<"$wal_range" | tail -n1 | cut -d'"' -f4)
start_wal=$(sed -n -E 's/^START WAL LOCATION: .*\(file ([0-9A-F]{24})\)$/\1/p' "$part/backup_label")
[[ -n $timeline && -n $start_lsn && -n $end_lsn && -n $start_wal ]] ||
  bdie "could not read the WAL range of $part (backup_manifest / backup_label)"

cat >"$part/manifest.json" <<EOF
{
  "format": "quire-base-backup/1",
  "label": "$label",
  "startedAt": "$started_at",
  "finishedAt": "$finished_at",
  "timeline": "$timeline",
  "startLsn": "$start_lsn",
  "endLsn": "$end_lsn",
  "startWal": "$start_wal",
  "pgVersion": "$(<"$part/PG_VERSION")",
  "backupManifestSha256": "$(sha256sum "$part/backup_manifest" | cut -d' ' -f1)",
  "bytes": "$(du -sb "$part" | cut -f1)",
  "verifiedBy": "pg_verifybackup"
}
EOF
sync -f "$part/manifest.json"
mv "$part" "$dest"
trap - EXIT
sync -f "$base_dir"
blog "base backup $label done: timeline $timeline, LSN $start_lsn..$end_lsn, $(du -sh "$dest" | cut -f1), $started_at..$finished_at"
printf '%s\n' "$dest"
