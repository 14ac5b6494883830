# shellcheck shell=bash
# Helpers for the backup scripts (see README.md). Sourced, never executed; callers set
# `set -euo pipefail`. Self-contained: a restore host may have this folder and nothing else.

BACKUP_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BACKUP_ROOT_DIR="$(cd "$BACKUP_SCRIPTS_DIR/../.." && pwd)"
# The OS user the Postgres server runs as (initdb, pg_ctl and the archive_command run as it).
QUIRE_PG_OS_USER="${QUIRE_PG_OS_USER:-postgres}"

# Diagnostics on stderr; never print connection strings (they may hold passwords).
blog() { printf '[quire-backup] %s\n' "$*" >&2; }
bdie() {
  printf '[quire-backup] ERROR: %s\n' "$*" >&2
  exit 1
}

is_root() { [[ $EUID -eq 0 ]]; }

# require_env NAME WHAT: fail with a message saying what the variable is for.
require_env() {
  [[ -n ${!1:-} ]] || bdie "$1 is not set ($2). See infra/backup/backup.env.example"
}

# Paths end up inside archive_command/restore_command (shell run by Postgres) and conf files:
# absolute, and only characters that need no quoting anywhere.
require_safe_path() {
  local name=$1 value=$2
  [[ $value == /* ]] || bdie "$name must be an absolute path (got '$value')"
  [[ $value =~ ^[A-Za-z0-9/._-]+$ ]] || bdie "$name may only hold letters, digits and / . _ - (got '$value')"
}

# The PostgreSQL server binaries: QUIRE_PG_BIN, else the highest /usr/lib/postgresql/<v>/bin.
pg_bin_dir() {
  if [[ -n ${QUIRE_PG_BIN:-} ]]; then
    [[ -x $QUIRE_PG_BIN/pg_ctl ]] || bdie "QUIRE_PG_BIN=$QUIRE_PG_BIN has no pg_ctl"
    printf '%s' "$QUIRE_PG_BIN"
    return 0
  fi
  local d best=''
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/pg_ctl ]] || continue
    if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n1) == "$d" ]]; then best=$d; fi
  done
  [[ -n $best ]] || bdie "PostgreSQL server binaries not found (set QUIRE_PG_BIN)"
  printf '%s' "$best"
}

# Runs a command as the server's OS user when we are root (the server refuses root), from a
# folder that user can enter; as ourselves otherwise.
as_pg_user() {
  if is_root; then
    (cd / && runuser -u "$QUIRE_PG_OS_USER" -- "$@")
  else
    "$@"
  fi
}

# Gives a folder we created to the server's OS user (root only; otherwise it is already ours).
give_to_pg_user() {
  if is_root; then chown -R "$QUIRE_PG_OS_USER:" "$@"; fi
}

# True if the server's OS user can write into DIR (so archive_command will work there).
pg_user_can_write() {
  if is_root; then
    runuser -u "$QUIRE_PG_OS_USER" -- test -w "$1" -a -x "$1"
  else
    test -w "$1" -a -x "$1"
  fi
}

# Now, to the microsecond: a base backup's finishedAt is compared with a restore's target time,
# and the two may fall in the same second.
utc_now() { date -u +%Y-%m-%dT%H:%M:%S.%6NZ; }

# Canonical UTC form of a timestamp given in any form `date -d` reads; fails on nonsense.
utc_of() {
  date -u -d "$1" +%Y-%m-%dT%H:%M:%S.%6NZ 2>/dev/null || bdie "not a timestamp: '$1' (use ISO 8601, e.g. 2026-12-05T14:03:00Z)"
}

# Value of a top-level string field in one of our manifests (one "key": "value" per line).
manifest_field() {
  sed -n -E "s/^ *\"$2\": \"([^\"]*)\",?$/\\1/p" "$1" | head -n1
}
