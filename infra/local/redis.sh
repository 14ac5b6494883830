# shellcheck shell=bash
# Redis service for the local stack. Sourced by stack.sh (after lib.sh).
# A daemonized redis-server on 127.0.0.1:$QUIRE_REDIS_PORT, data + AOF in .local/redis.

REDIS_DIR=$QUIRE_LOCAL_DIR/redis
REDIS_CONF=$REDIS_DIR/redis.conf
REDIS_PIDFILE=$REDIS_DIR/redis.pid
REDIS_LOG=$REDIS_DIR/redis.log

redis_cli() { redis-cli -h 127.0.0.1 -p "$QUIRE_REDIS_PORT" "$@"; }

redis_ready() { [[ $(redis_cli ping 2>/dev/null) == PONG ]]; }

# Prints the pid of our redis-server, fails if it is not running.
redis_pid() {
  local pid
  pid=$(read_pidfile "$REDIS_PIDFILE") || return 1
  pid_matches "$pid" redis-server || return 1
  printf '%s' "$pid"
}

# While starting: the daemon writes its pidfile shortly after forking, so a
# missing pidfile means "not yet", a pidfile with a dead pid means "it exited".
redis_alive() {
  local pid
  pid=$(read_pidfile "$REDIS_PIDFILE") || return 0
  pid_matches "$pid" redis-server
}

redis_write_conf() {
  cat >"$REDIS_CONF" <<EOF
# Managed by infra/local/redis.sh (rewritten on every up).
bind 127.0.0.1
port $QUIRE_REDIS_PORT
protected-mode yes
daemonize yes
pidfile "$REDIS_PIDFILE"
logfile "$REDIS_LOG"
dir "$REDIS_DIR"
appendonly yes
appendfsync everysec
EOF
}

redis_up() {
  command -v redis-server >/dev/null 2>&1 || die "redis-server not found. Run: bash infra/local/install.sh"
  local pid
  if pid=$(redis_pid); then
    if wait_for redis 5 "$REDIS_LOG" '' redis_ready; then
      log "redis: already running (pid $pid) on 127.0.0.1:$QUIRE_REDIS_PORT"
      return 0
    fi
    die "redis: pid $pid is running but does not answer on 127.0.0.1:$QUIRE_REDIS_PORT (started with another QUIRE_REDIS_PORT?). Run: bash infra/local/stack.sh restart redis"
  fi
  rm -f "$REDIS_PIDFILE"
  claim_port QUIRE_REDIS_PORT redis
  mkdir -p "$REDIS_DIR"
  redis_write_conf
  log "redis: starting on 127.0.0.1:$QUIRE_REDIS_PORT (log: $REDIS_LOG)"
  # fd 9 is the stack lock: the daemon must not inherit it.
  if ! redis-server "$REDIS_CONF" </dev/null >>"$REDIS_LOG" 2>&1 9>&-; then
    printf '[quire-local] ERROR: redis-server failed to start.\n' >&2
    show_log_tail "$REDIS_LOG"
    exit 1
  fi
  wait_for redis "$QUIRE_STACK_TIMEOUT" "$REDIS_LOG" redis_alive redis_ready || exit 1
  log "redis: ready (pid $(redis_pid || echo '?')) on 127.0.0.1:$QUIRE_REDIS_PORT"
}

redis_down() {
  local pid
  if ! pid=$(redis_pid); then
    rm -f "$REDIS_PIDFILE"
    log "redis: not running"
    return 0
  fi
  log "redis: stopping (pid $pid)"
  # The AOF is flushed and fsynced on shutdown even with NOSAVE (NOSAVE only skips the RDB snapshot).
  redis_cli shutdown nosave >/dev/null 2>&1 || true
  if ! wait_pid_gone "$pid" 15; then
    warn "redis: did not stop after SHUTDOWN, sending SIGTERM"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_pid_gone "$pid" 10; then
      warn "redis: still alive, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_pid_gone "$pid" 5 || die "redis: could not stop pid $pid"
    fi
  fi
  rm -f "$REDIS_PIDFILE"
  log "redis: stopped"
}

redis_status() {
  local pid
  if pid=$(redis_pid); then
    if redis_ready; then
      printf 'redis: running (pid %s) on 127.0.0.1:%s, dir %s\n' "$pid" "$QUIRE_REDIS_PORT" "$REDIS_DIR"
      return 0
    fi
    printf 'redis: running (pid %s) but NOT answering on 127.0.0.1:%s\n' "$pid" "$QUIRE_REDIS_PORT"
    return 1
  fi
  printf 'redis: stopped\n'
  return 1
}

redis_env() {
  printf 'QUIRE_REDIS_URL=redis://127.0.0.1:%s\n' "$QUIRE_REDIS_PORT"
}
