# shellcheck shell=bash
# PostgreSQL service for the local stack. Sourced by stack.sh (after lib.sh).
# One cluster at $PG_DIR/data, TCP on 127.0.0.1:$QUIRE_PG_PORT only, socket in $PG_DIR/run.

# Where the cluster lives. As root the server runs as the `postgres` OS user, who cannot enter
# a checkout in root's home (mode 700 on Debian): new clusters then go outside the checkout, to
# /var/lib/quire-local/<stack key>/pg (one per checkout; not /var/tmp, which may be cleaned,
# nor /var/lib/quire, which deployed cells use). As any other user the server runs as that user,
# who can reach .local/pg. A cluster already in .local/pg (made by an earlier version) stays there.
QUIRE_PG_HOME_ROOT=/var/lib/quire-local
pg_pick_dir() {
  if [[ -n ${QUIRE_PG_DIR:-} ]]; then
    realpath -m -- "$QUIRE_PG_DIR"
  elif [[ -f $QUIRE_LOCAL_DIR/pg/data/PG_VERSION ]] || ! is_root; then
    printf '%s' "$QUIRE_LOCAL_DIR/pg"
  else
    printf '%s/%s/pg' "$QUIRE_PG_HOME_ROOT" "$QUIRE_STACK_KEY"
  fi
}
PG_DIR=$(pg_pick_dir)
PG_DATA=$PG_DIR/data
PG_RUN=$PG_DIR/run
PG_LOGDIR=$PG_DIR/log
PG_LOG=$PG_LOGDIR/postgres.log
PG_BIN=''

pg_resolve_bin() {
  [[ -n $PG_BIN ]] && return 0
  PG_BIN=$(pg_bindir) || die "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH). Run: bash infra/local/install.sh"
}

# Run a command as the `postgres` OS user when we are root (initdb and the
# server refuse to run as root); as ourselves otherwise. cwd is set to a folder
# postgres can enter, to avoid "could not change directory" warnings.
as_pg() {
  if is_root; then
    (cd "$PG_DIR" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

pg_initialized() { [[ -f $PG_DATA/PG_VERSION ]]; }

pg_running() {
  pg_initialized || return 1
  pg_resolve_bin
  as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_ready() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$QUIRE_PG_PORT" -U postgres -d postgres -t 2
}

pg_postmaster_pid() {
  head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9'
}

pg_prepare_dirs() {
  local sock="$PG_RUN/.s.PGSQL.$QUIRE_PG_PORT"
  if ((${#sock} > 100)); then
    die "the Postgres socket path is too long for Unix sockets (${#sock} > 100 chars): $sock. Point QUIRE_LOCAL_DIR at a shorter path."
  fi
  mkdir -p "$PG_DIR" "$PG_RUN" "$PG_LOGDIR"
  chmod 755 "$PG_DIR" "$PG_RUN" "$PG_LOGDIR"
  if [[ $PG_DIR == "$QUIRE_PG_HOME_ROOT/$QUIRE_STACK_KEY/pg" ]]; then
    chmod 755 "$QUIRE_PG_HOME_ROOT" "$QUIRE_PG_HOME_ROOT/$QUIRE_STACK_KEY"
    # Says whose cluster this is, for whoever finds it after the checkout is gone.
    printf '%s\n' "$QUIRE_LOCAL_DIR" >"$QUIRE_PG_HOME_ROOT/$QUIRE_STACK_KEY/checkout"
  fi
  if is_root; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' OS user; run: bash infra/local/install.sh"
    chown postgres:postgres "$PG_DIR" "$PG_RUN" "$PG_LOGDIR"
    [[ -d $PG_DATA ]] && chown postgres:postgres "$PG_DATA"
    if ! runuser -u postgres -- test -x "$PG_DIR" -a -w "$PG_RUN"; then
      die "the 'postgres' OS user cannot enter $PG_DIR: every parent folder needs o+x (world-traversable). Fix the permissions or set QUIRE_PG_DIR to a folder it can reach."
    fi
  fi
}

pg_init() {
  local tmp=$PG_DIR/data.initdb pwfile=$PG_DIR/.initdb-pw
  log "postgres: initdb at $PG_DATA"
  rm -rf "$tmp"
  (
    umask 077
    printf '%s\n' "$QUIRE_PG_SUPERUSER_PASSWORD" >"$pwfile"
  )
  is_root && chown postgres:postgres "$pwfile"
  if ! as_pg "$PG_BIN/initdb" -D "$tmp" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 >"$PG_LOGDIR/initdb.log" 2>&1; then
    rm -f "$pwfile"
    show_log_tail "$PG_LOGDIR/initdb.log"
    die "postgres: initdb failed (full output in $PG_LOGDIR/initdb.log)"
  fi
  rm -f "$pwfile"
  printf "\n# Quire local stack settings, rewritten by infra/local/pg.sh on every up.\ninclude = 'quire.conf'\n" \
    >>"$tmp/postgresql.conf"
  # initdb wrote into a temporary folder so that a failed run never leaves a half cluster behind.
  mv "$tmp" "$PG_DATA"
}

pg_check_version() {
  local data_ver bin_ver
  data_ver=$(<"$PG_DATA/PG_VERSION")
  bin_ver=$("$PG_BIN/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')
  if [[ $data_ver != "$bin_ver" ]]; then
    die "postgres: $PG_DATA was created by PostgreSQL $data_ver but the binaries in $PG_BIN are $bin_ver. Reset it: bash infra/local/stack.sh down pg && rm -rf $PG_DIR"
  fi
}

pg_write_conf() {
  local conf=$PG_DATA/quire.conf
  cat >"$conf" <<EOF
# Managed by infra/local/pg.sh (rewritten on every up). Small dev box tuning.
listen_addresses = '127.0.0.1'
port = $QUIRE_PG_PORT
unix_socket_directories = '${PG_RUN//\'/\'\'}'
max_connections = 300
shared_buffers = 256MB
# Durability is tested: keep every safety on.
fsync = on
synchronous_commit = on
full_page_writes = on
# Server log goes to stderr, which pg_ctl -l sends to $PG_LOG.
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  chmod 600 "$conf"
  is_root && chown postgres:postgres "$conf"
  return 0
}

# The admin URL in `stack.sh env` must work; if the superuser password was
# changed via QUIRE_PG_SUPERUSER_PASSWORD after initdb, set it (over the socket, trust).
pg_sync_password() {
  if PGPASSWORD=$QUIRE_PG_SUPERUSER_PASSWORD PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -A -t -w \
    -h 127.0.0.1 -p "$QUIRE_PG_PORT" -U postgres -d postgres -c 'select 1' >/dev/null 2>&1; then
    return 0
  fi
  log "postgres: setting the superuser password from QUIRE_PG_SUPERUSER_PASSWORD"
  local pw=${QUIRE_PG_SUPERUSER_PASSWORD//\'/\'\'}
  "$PG_BIN/psql" -X -q -w -h "$PG_RUN" -p "$QUIRE_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "alter role postgres password '$pw'" >/dev/null </dev/null ||
    die "postgres: could not set the superuser password"
}

# The port a running cluster was started with (its quire.conf), when it was not set by hand:
# a cluster left running while ports.env was lost is found again instead of refused.
pg_adopt_running_port() {
  local p
  [[ -z $QUIRE_PG_PORT_EXPLICIT ]] || return 0
  p=$(sed -n -E 's/^port = ([0-9]+)$/\1/p' "$PG_DATA/quire.conf" 2>/dev/null | head -n1)
  if valid_port "$p" && [[ $p != "$QUIRE_PG_PORT" ]]; then
    log "postgres: running on port $p (from $PG_DATA/quire.conf); keeping it"
    QUIRE_PG_PORT=$p
  fi
}

pg_up() {
  pg_resolve_bin
  if pg_running; then
    pg_adopt_running_port
    if wait_for postgres 5 "$PG_LOG" '' pg_ready; then
      pg_sync_password
      log "postgres: already running (pid $(pg_postmaster_pid)) on 127.0.0.1:$QUIRE_PG_PORT"
      return 0
    fi
    die "postgres: a server is running on $PG_DATA but does not answer on 127.0.0.1:$QUIRE_PG_PORT (started with another QUIRE_PG_PORT?). Run: bash infra/local/stack.sh restart pg"
  fi
  claim_port QUIRE_PG_PORT postgres
  pg_prepare_dirs
  pg_initialized || pg_init
  pg_check_version
  pg_write_conf
  log "postgres: starting on 127.0.0.1:$QUIRE_PG_PORT (log: $PG_LOG)"
  # fd 9 is the stack lock: the server must not inherit it.
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$QUIRE_STACK_TIMEOUT" start \
    </dev/null >/dev/null 2>&1 9>&-; then
    printf '[quire-local] ERROR: postgres failed to start or was not ready within %ss (pg_ctl start).\n' "$QUIRE_STACK_TIMEOUT" >&2
    show_log_tail "$PG_LOG"
    exit 1
  fi
  wait_for postgres "$QUIRE_STACK_TIMEOUT" "$PG_LOG" pg_running pg_ready || exit 1
  chmod 644 "$PG_LOG" 2>/dev/null || true
  pg_sync_password
  log "postgres: ready (pid $(pg_postmaster_pid)) on 127.0.0.1:$QUIRE_PG_PORT"
}

pg_down() {
  if ! pg_running; then
    log "postgres: not running"
    return 0
  fi
  log "postgres: stopping (pid $(pg_postmaster_pid))"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop </dev/null >/dev/null 2>&1 9>&-; then
    show_log_tail "$PG_LOG"
    die "postgres: pg_ctl stop failed"
  fi
  log "postgres: stopped"
}

pg_status() {
  if pg_running; then
    pg_resolve_bin
    if pg_ready; then
      printf 'postgres: running (pid %s) on 127.0.0.1:%s, data %s\n' "$(pg_postmaster_pid)" "$QUIRE_PG_PORT" "$PG_DATA"
      return 0
    fi
    printf 'postgres: running (pid %s) but NOT answering on 127.0.0.1:%s\n' "$(pg_postmaster_pid)" "$QUIRE_PG_PORT"
    return 1
  fi
  if pg_initialized; then
    printf 'postgres: stopped (data %s)\n' "$PG_DATA"
  else
    printf 'postgres: stopped (no cluster yet)\n'
  fi
  return 1
}

pg_env() {
  printf 'QUIRE_PG_ADMIN_URL=postgres://postgres:%s@127.0.0.1:%s/postgres\n' \
    "$(urlencode "$QUIRE_PG_SUPERUSER_PASSWORD")" "$QUIRE_PG_PORT"
}
