#!/usr/bin/env bash
# Turns on continuous WAL archiving for a cell's Postgres cluster, once per cluster.
#
#   QUIRE_BACKUP_PG_URL=… QUIRE_BACKUP_DIR=… bash infra/backup/configure-archiving.sh
#
# Every completed WAL segment is copied into $QUIRE_BACKUP_DIR/wal by the server itself
# (archive_command: copy to a temp name, fsync, rename, fsync the folder; an identical file
# already there counts as done, a different one is an error the server retries and logs).
# archive_timeout forces a segment switch after that many seconds of activity, so committed
# work reaches the archive within it: that is the database's RPO bound (default 60 s).
# Uses ALTER SYSTEM (a superuser URL); archive_mode needs a restart the first time, which this
# script says but does not do (restarting a cell's database is the operator's call).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_env QUIRE_BACKUP_PG_URL 'a superuser connection URL of the cell cluster'
require_env QUIRE_BACKUP_DIR 'the backup folder: base/, wal/, files/'
require_safe_path QUIRE_BACKUP_DIR "$QUIRE_BACKUP_DIR"
timeout_s="${QUIRE_BACKUP_ARCHIVE_TIMEOUT:-60}"
[[ $timeout_s =~ ^[0-9]+$ ]] && ((timeout_s >= 1 && timeout_s <= 3600)) ||
  bdie "QUIRE_BACKUP_ARCHIVE_TIMEOUT must be 1..3600 seconds (got '$timeout_s')"

wal_dir=$QUIRE_BACKUP_DIR/wal
mkdir -p "$wal_dir"
chmod 700 "$wal_dir"
give_to_pg_user "$wal_dir"
pg_user_can_write "$wal_dir" ||
  bdie "the '$QUIRE_PG_OS_USER' OS user cannot write $wal_dir (every parent folder needs o+x; root's home is mode 700)"

# Runs in /bin/sh as the server's OS user, from the data directory; %p and %f are the server's.
archive_command="f=$wal_dir/%f; if [ -f \"\$f\" ]; then cmp -s \"%p\" \"\$f\"; else cp \"%p\" \"\$f.part\" && sync \"\$f.part\" && mv \"\$f.part\" \"\$f\" && sync $wal_dir; fi"

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$QUIRE_BACKUP_PG_URL" "$@"; }

mode_before=$(psql_admin -c 'show archive_mode') || bdie "cannot connect with QUIRE_BACKUP_PG_URL"
level_before=$(psql_admin -c 'show wal_level')
psql_admin -v cmd="$archive_command" -v tmo="${timeout_s}s" <<'SQL'
ALTER SYSTEM SET wal_level = 'replica';
ALTER SYSTEM SET archive_mode = 'on';
ALTER SYSTEM SET archive_command = :'cmd';
ALTER SYSTEM SET archive_timeout = :'tmo';
SELECT pg_reload_conf();
SQL
blog "WAL archiving configured: archive_command copies into $wal_dir, archive_timeout ${timeout_s}s"
if [[ $mode_before != on || $level_before == minimal ]]; then
  blog "archive_mode was '$mode_before', wal_level '$level_before': RESTART the cluster for it to take effect (pg_ctl restart -D <data>), then check: select * from pg_stat_archiver"
  exit 0
fi
blog "archive_mode already on: settings reloaded, no restart needed"
