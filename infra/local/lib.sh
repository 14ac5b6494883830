# shellcheck shell=bash
# Shared helpers for the local stack scripts. Sourced, never executed.
# Callers set `set -euo pipefail` themselves.

# --- paths -------------------------------------------------------------------
QUIRE_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
QUIRE_ROOT="$(cd "$QUIRE_SCRIPTS_DIR/../.." && pwd)"
# The checkout's own data folder (git-ignored): everything but the Postgres cluster when
# running as root (see pg.sh). Override for a second stack from the same checkout.
QUIRE_LOCAL_DIR="${QUIRE_LOCAL_DIR:-$QUIRE_ROOT/.local}"
QUIRE_LOCAL_DIR="$(realpath -m -- "$QUIRE_LOCAL_DIR")"
QUIRE_STACK_TIMEOUT="${QUIRE_STACK_TIMEOUT:-30}"
# One short key per data folder (so per checkout): names this stack's folders outside the
# checkout and picks its fallback ports, so two checkouts never share either.
QUIRE_STACK_KEY=$(printf '%s' "$QUIRE_LOCAL_DIR" | sha256sum | cut -c1-12)

# --- credentials (ports: ports.sh, sourced at the end) --------------------------
QUIRE_PG_SUPERUSER_PASSWORD="${QUIRE_PG_SUPERUSER_PASSWORD:-quire-local-superuser}"

# --- logging -------------------------------------------------------------------
# All diagnostics go to stderr so that `stack.sh env` can be eval'ed.
log() { printf '[quire-local] %s\n' "$*" >&2; }
warn() { printf '[quire-local] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[quire-local] ERROR: %s\n' "$*" >&2
  exit 1
}

# Print the last lines of a log file to stderr (used on failures).
show_log_tail() {
  local file=$1 lines=${2:-40}
  if [[ -r $file ]]; then
    printf '[quire-local] ---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2 || true
    printf '[quire-local] ---- end of %s ----\n' "$file" >&2
  else
    printf '[quire-local] (no log file at %s)\n' "$file" >&2
  fi
}

# wait_for NAME TIMEOUT_S LOGFILE ALIVE_FN PROBE...
#   Runs PROBE (a command with args) every 0.2 s until it succeeds.
#   ALIVE_FN (a function name, or '' for none) is called between probes; if it
#   fails, the process died and we fail at once instead of waiting the timeout.
#   On failure prints a clear message plus the tail of LOGFILE and returns 1.
wait_for() {
  local name=$1 timeout=$2 logfile=$3 alive=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  while :; do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    if [[ -n $alive ]] && ! "$alive" >/dev/null 2>&1; then
      printf '[quire-local] ERROR: %s exited before it became ready.\n' "$name" >&2
      show_log_tail "$logfile"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      printf '[quire-local] ERROR: %s was not ready after %ss (probe: %s).\n' "$name" "$timeout" "$*" >&2
      show_log_tail "$logfile"
      return 1
    fi
    sleep 0.2
  done
}

# True if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  # shellcheck disable=SC2016 # $1 expands in the inner bash
  timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# True if PID exists and is not a zombie. (PID 1 on some sandboxes/containers
# reaps orphans late, so a stopped daemon can linger as a zombie for a while.)
pid_alive() {
  local pid=$1 stat
  kill -0 "$pid" 2>/dev/null || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# True if PID is alive and its command line contains PATTERN.
pid_matches() {
  local pid=$1 pattern=$2
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern"
}

read_pidfile() {
  local f=$1
  [[ -r $f ]] || return 1
  local pid
  pid=$(head -n1 "$f" 2>/dev/null | tr -dc '0-9')
  [[ -n $pid ]] || return 1
  printf '%s' "$pid"
}

# Wait up to N seconds for PID to exit; returns 1 if it is still alive.
wait_pid_gone() {
  local pid=$1 secs=${2:-15}
  local deadline=$((SECONDS + secs))
  while pid_alive "$pid"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
  return 0
}

# --- encoding helpers -----------------------------------------------------------
urlencode() {
  local LC_ALL=C
  local s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
    [a-zA-Z0-9.~_-]) out+=$c ;;
    *)
      printf -v c '%%%02X' "'$c"
      out+=$c
      ;;
    esac
  done
  printf '%s' "$out"
}

json_escape() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  printf '%s' "$s"
}

shell_quote() {
  local s=$1
  printf "'%s'" "${s//\'/\'\\\'\'}"
}

# --- misc ----------------------------------------------------------------------
is_root() { [[ $EUID -eq 0 ]]; }

# Take an exclusive lock for the rest of the calling script (fd 9).
# Daemons we start must close fd 9 (`9>&-`), or they would hold the lock forever.
take_lock() {
  local name=$1
  mkdir -p "$QUIRE_LOCAL_DIR"
  exec 9>"$QUIRE_LOCAL_DIR/$name.lock"
  if ! flock -w 300 9; then
    die "could not get $QUIRE_LOCAL_DIR/$name.lock within 300 s (another stack/install run is stuck?)"
  fi
}

# Directory holding the PostgreSQL server binaries (initdb, pg_ctl, postgres):
# the highest /usr/lib/postgresql/<ver>/bin present, else whatever is on PATH.
pg_bindir() {
  local d best=''
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/initdb && -x $d/pg_ctl ]] || continue
    if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n1) == "$d" ]]; then
      best=$d
    fi
  done
  if [[ -z $best ]] && command -v pg_ctl >/dev/null 2>&1; then
    best=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
  fi
  [[ -n $best ]] || return 1
  printf '%s' "$best"
}

# --- ports (the env contract; see README.md) -------------------------------------
# shellcheck source=ports.sh
source "$QUIRE_SCRIPTS_DIR/ports.sh"
