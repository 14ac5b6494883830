#!/usr/bin/env bash
# Restores a cell's Postgres cluster as of a point in time into a fresh data directory, starts
# it and waits until recovery has reached the target and the server is promoted.
#
#   QUIRE_BACKUP_DIR=… bash infra/backup/restore-pg.sh --target-time ISO --pgdata DIR --port N
#
# Picks the newest base backup that finished before the target, copies it, and lets the
# server replay archived WAL (restore_command) up to the target (recovery_target_time,
# inclusive), then promote. `--target-time latest` replays every archived segment (disaster
# recovery: the newest base backup, then all the WAL there is). The restored server does NOT archive (archive_mode = off): it must
# never write into the backup it came from. To make it the cell's new primary, configure
# archiving into a new folder (configure-archiving.sh) and take a base backup right away.
# Prints figures as key=value lines on stdout (copy and replay seconds, the last replayed
# commit's time); diagnostics on stderr.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat >&2 <<EOF
usage: restore-pg.sh --target-time ISO --pgdata DIR --port N [--socket-dir DIR] [--listen ADDR]
  --target-time  restore as of this time (ISO 8601; commits up to and including it), or `latest`
  --pgdata       fresh data directory to create (must not exist, or be empty)
  --port         port of the restored server
  --socket-dir   its Unix socket folder (default: <pgdata>.run)
  --listen       listen_addresses (default 127.0.0.1)
env: QUIRE_BACKUP_DIR (base/, wal/), QUIRE_RESTORE_TIMEOUT (seconds, default 14400)
EOF
  exit 2
}

target='' pgdata='' port='' socket_dir='' listen=127.0.0.1
while (($#)); do
  case $1 in
  --target-time) target=${2:-} && shift 2 ;;
  --pgdata) pgdata=${2:-} && shift 2 ;;
  --port) port=${2:-} && shift 2 ;;
  --socket-dir) socket_dir=${2:-} && shift 2 ;;
  --listen) listen=${2:-} && shift 2 ;;
  *) usage ;;
  esac
done
[[ -n $target && -n $pgdata && -n $port ]] || usage
require_env QUIRE_BACKUP_DIR 'the backup folder: base/, wal/, files/'
require_safe_path QUIRE_BACKUP_DIR "$QUIRE_BACKUP_DIR"
require_safe_path --pgdata "$pgdata"
socket_dir=${socket_dir:-$pgdata.run}
require_safe_path --socket-dir "$socket_dir"
[[ $port =~ ^[0-9]+$ ]] && ((port >= 1024 && port <= 65535)) || bdie "--port must be 1024..65535"
[[ $listen =~ ^[A-Za-z0-9.:,*-]+$ ]] || bdie "--listen: not an address list ($listen)"
timeout_s=${QUIRE_RESTORE_TIMEOUT:-14400}
if [[ $target == latest ]]; then
  target_utc=latest
  target_us=$(date -u +%s%6N)
else
  target_utc=$(utc_of "$target")
  target_us=$(date -u -d "$target_utc" +%s%6N)
  # The form recovery_target_time reads (it refuses ISO 8601's T and Z).
  target_pg=$(date -u -d "$target_utc" '+%Y-%m-%d %H:%M:%S.%6N+00')
fi
bin=$(pg_bin_dir)
wal_dir=$QUIRE_BACKUP_DIR/wal
[[ -d $wal_dir ]] || bdie "no WAL archive at $wal_dir"

# --- the newest verified base backup that finished before the target --------------------
base=''
for m in "$QUIRE_BACKUP_DIR"/base/*/manifest.json; do
  [[ -f $m ]] || continue
  finished=$(manifest_field "$m" finishedAt)
  [[ -n $finished ]] || continue
  # Microseconds, not seconds: a backup that finished earlier in T's own second is a valid base.
  if (($(date -u -d "$finished" +%s%6N) < target_us)); then base=$(dirname "$m"); fi
done
[[ -n $base ]] || bdie "no base backup in $QUIRE_BACKUP_DIR/base finished before $target_utc"
blog "restoring as of $target_utc from base backup $(basename "$base") (finished $(manifest_field "$base/manifest.json" finishedAt))"

if [[ -e $pgdata ]] && [[ -n $(ls -A "$pgdata") ]]; then bdie "$pgdata is not empty; restore into a fresh folder"; fi
log_file=$pgdata.log
ms() { date +%s%3N; }
started=$(ms)

# --- copy ------------------------------------------------------------------------------
mkdir -p "$pgdata" "$socket_dir"
cp -a "$base/." "$pgdata/"
rm -f "$pgdata/manifest.json" "$pgdata/backup_manifest"
{
  printf "\n# Added by infra/backup/restore-pg.sh: recovery as of %s.\n" "$target_utc"
  printf "restore_command = 'cp %s/%%f \"%%p\"'\n" "$wal_dir"
  if [[ $target_utc != latest ]]; then
    printf "recovery_target_time = '%s'\n" "$target_pg"
    printf "recovery_target_inclusive = on\nrecovery_target_action = 'promote'\n"
  fi
  printf "archive_mode = off\nport = %s\nlisten_addresses = '%s'\nunix_socket_directories = '%s'\n" \
    "$port" "$listen" "$socket_dir"
} >>"$pgdata/postgresql.auto.conf"
touch "$pgdata/recovery.signal"
chmod 700 "$pgdata"
give_to_pg_user "$pgdata" "$socket_dir"
touch "$log_file" && give_to_pg_user "$log_file"
copied=$(ms)
blog "copied $(du -sh "$pgdata" | cut -f1) in $((copied - started)) ms; starting recovery (log: $log_file)"

# --- replay ----------------------------------------------------------------------------
# pg_ctl -w returns once the server accepts (read-only) connections, which may be before the
# target is reached: then wait for the promotion. A target the WAL never reaches is fatal in
# the server (it stops): reported with the log.
as_pg_user "$bin/pg_ctl" -D "$pgdata" -l "$log_file" -w -t "$timeout_s" start </dev/null >/dev/null 2>&1 || {
  tail -n 30 "$log_file" >&2
  bdie "the restored server did not start (log above)"
}
# As the server's OS user over the socket: works with the `peer` and `trust` local auth alike.
q() { as_pg_user "$bin/psql" -X -At -h "$socket_dir" -p "$port" -U postgres -d postgres -c "$1" 2>/dev/null; }
deadline=$((SECONDS + timeout_s))
until [[ $(q 'select pg_is_in_recovery()') == f ]]; do
  if ! as_pg_user "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    tail -n 30 "$log_file" >&2
    bdie "recovery stopped before promotion (log above); is the target after the last archived WAL?"
  fi
  ((SECONDS < deadline)) || bdie "recovery not finished after ${timeout_s}s (QUIRE_RESTORE_TIMEOUT)"
  sleep 0.2
done
replayed_to=$(q 'select pg_last_xact_replay_timestamp()')
done_at=$(ms)
blog "recovered and promoted in $((done_at - copied)) ms; last replayed commit at $replayed_to"
printf 'base=%s\ncopy_ms=%s\nreplay_ms=%s\nlast_replayed_commit=%s\n' \
  "$(basename "$base")" "$((copied - started))" "$((done_at - copied))" "$replayed_to"
