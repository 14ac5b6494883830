# shellcheck shell=bash
# moto (S3 + KMS emulator) for the local stack. Sourced by stack.sh (after lib.sh).
# One moto_server on 127.0.0.1:$QUIRE_MOTO_PORT serves every AWS service; state is
# in memory only (a restart forgets all buckets and keys).

MOTO_DIR=$QUIRE_LOCAL_DIR/moto
MOTO_PIDFILE=$MOTO_DIR/moto.pid
MOTO_LOG=$MOTO_DIR/moto.log
MOTO_BIN=$QUIRE_LOCAL_DIR/venv/bin/moto_server

moto_url() { printf 'http://127.0.0.1:%s' "$QUIRE_MOTO_PORT"; }

# moto answers 200 on its dashboard API once the server is listening.
moto_ready() {
  curl -fsS -o /dev/null --max-time 2 "$(moto_url)/moto-api/"
}

moto_pid() {
  local pid
  pid=$(read_pidfile "$MOTO_PIDFILE") || return 1
  pid_matches "$pid" moto_server || return 1
  printf '%s' "$pid"
}

# While starting: the child may not have exec'ed moto_server yet, so only check the pid.
MOTO_STARTING_PID=''
moto_starting_alive() { pid_alive "$MOTO_STARTING_PID"; }

moto_up() {
  [[ -x $MOTO_BIN ]] || die "moto not installed at $MOTO_BIN. Run: bash infra/local/install.sh"
  command -v curl >/dev/null 2>&1 || die "curl not found. Run: bash infra/local/install.sh"
  local pid
  if pid=$(moto_pid); then
    if wait_for moto 5 "$MOTO_LOG" '' moto_ready; then
      log "moto: already running (pid $pid) on $(moto_url)"
      return 0
    fi
    die "moto: pid $pid is running but does not answer on $(moto_url) (started with another QUIRE_MOTO_PORT?). Run: bash infra/local/stack.sh restart moto"
  fi
  rm -f "$MOTO_PIDFILE"
  claim_port QUIRE_MOTO_PORT moto
  mkdir -p "$MOTO_DIR"
  log "moto: starting on $(moto_url) (log: $MOTO_LOG)"
  printf '==== %s quire stack: starting moto_server on 127.0.0.1:%s\n' "$(date -Is)" "$QUIRE_MOTO_PORT" >>"$MOTO_LOG"
  # setsid: own session, so a Ctrl-C in the terminal that ran `up` does not kill it.
  # exec chain keeps the pid: subshell -> setsid -> nohup -> moto_server. fd 9 (lock) closed.
  (
    cd "$MOTO_DIR" || exit 1
    exec setsid nohup "$MOTO_BIN" -H 127.0.0.1 -p "$QUIRE_MOTO_PORT" </dev/null >>"$MOTO_LOG" 2>&1 9>&-
  ) &
  MOTO_STARTING_PID=$!
  printf '%s\n' "$MOTO_STARTING_PID" >"$MOTO_PIDFILE"
  if ! wait_for moto "$QUIRE_STACK_TIMEOUT" "$MOTO_LOG" moto_starting_alive moto_ready; then
    kill -TERM "$MOTO_STARTING_PID" 2>/dev/null || true
    rm -f "$MOTO_PIDFILE"
    exit 1
  fi
  log "moto: ready (pid $(moto_pid)) on $(moto_url)"
}

moto_down() {
  local pid
  if ! pid=$(moto_pid); then
    rm -f "$MOTO_PIDFILE"
    log "moto: not running"
    return 0
  fi
  log "moto: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_gone "$pid" 10; then
    warn "moto: still alive after SIGTERM, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 5 || die "moto: could not stop pid $pid"
  fi
  rm -f "$MOTO_PIDFILE"
  log "moto: stopped"
}

moto_status() {
  local pid
  if pid=$(moto_pid); then
    if moto_ready; then
      printf 'moto: running (pid %s) on %s (S3 + KMS)\n' "$pid" "$(moto_url)"
      return 0
    fi
    printf 'moto: running (pid %s) but NOT answering on %s\n' "$pid" "$(moto_url)"
    return 1
  fi
  printf 'moto: stopped\n'
  return 1
}

moto_env() {
  printf 'QUIRE_S3_ENDPOINT=%s\n' "$(moto_url)"
  printf 'QUIRE_KMS_ENDPOINT=%s\n' "$(moto_url)"
}
