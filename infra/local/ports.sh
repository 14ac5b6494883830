# shellcheck shell=bash
# Ports of the local stack, per checkout. Sourced by lib.sh, never executed.
#
# Each port comes from, in order: the environment (QUIRE_PG_PORT=…: used as given, never moved),
# this checkout's choice saved in $QUIRE_LOCAL_DIR/ports.env, the documented default. When a
# service is about to start and its port is already taken by something else (typically the
# stack of another checkout on the same machine), claim_port sidesteps to a free port from a
# block derived from this checkout's key, saves it in ports.env, and every later run of this
# checkout uses it: nobody has to pick ports by hand, and stack.json always says where things are.

# name|default|offset in the fallback block (npm start's processes take offsets 4..8:
# infra/local/run-topology.ts)
QUIRE_PORT_TABLE=(
  'QUIRE_PG_PORT|54329|0'
  'QUIRE_REDIS_PORT|63790|1'
  'QUIRE_MOTO_PORT|45690|2'
  'QUIRE_OPENSEARCH_PORT|9250|3'
)
QUIRE_PORTS_FILE=$QUIRE_LOCAL_DIR/ports.env

valid_port() { [[ $1 =~ ^[0-9]{2,5}$ ]] && (($1 >= 1024 && $1 <= 65535)); }

# Reads ports.env without sourcing it: only known names with a valid port are taken.
saved_port() {
  local name=$1 line
  [[ -r $QUIRE_PORTS_FILE ]] || return 1
  while IFS= read -r line; do
    [[ $line == "$name="* ]] || continue
    line=${line#*=}
    valid_port "$line" || return 1
    printf '%s' "$line"
    return 0
  done <"$QUIRE_PORTS_FILE"
  return 1
}

load_ports() {
  local row name default value
  for row in "${QUIRE_PORT_TABLE[@]}"; do
    IFS='|' read -r name default _ <<<"$row"
    if [[ -n ${!name:-} ]]; then
      valid_port "${!name}" || die "$name=${!name} is not a port number (1024..65535)"
      printf -v "${name}_EXPLICIT" '%s' 1
      continue
    fi
    printf -v "${name}_EXPLICIT" '%s' ''
    value=$(saved_port "$name") || value=$default
    printf -v "$name" '%s' "$value"
  done
}

# Writes the current ports to ports.env (atomically), so the next run of this checkout finds them.
save_ports() {
  local row name tmp
  mkdir -p "$QUIRE_LOCAL_DIR"
  tmp=$(mktemp "$QUIRE_LOCAL_DIR/.ports.env.XXXXXX")
  {
    printf '# Ports of this checkout'"'"'s local stack, chosen by infra/local/ports.sh; edit or delete to re-pick.\n'
    for row in "${QUIRE_PORT_TABLE[@]}"; do
      IFS='|' read -r name _ <<<"$row"
      printf '%s=%s\n' "$name" "${!name}"
    done
  } >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$QUIRE_PORTS_FILE"
}

# First port of this checkout's fallback block: 15000..29990 (below Linux's ephemeral range),
# a multiple of 10 derived from the stack key, so two checkouts rarely even probe the same ports.
fallback_base() { printf '%s' $((15000 + (16#${QUIRE_STACK_KEY:0:8} % 1500) * 10)); }

# Who listens on PORT, for the message (best effort: `ss` may be missing or show no process).
port_holder() {
  local port=$1 pid cmd
  command -v ss >/dev/null 2>&1 || return 0
  pid=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)
  [[ -n $pid ]] || return 0
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120 | sed 's/ *$//')
  printf 'pid %s: %s' "$pid" "${cmd:-?}"
}

# claim_port VAR SERVICE: called just before SERVICE starts (it is not running). A free port is
# kept. A taken one is an error when VAR was set by hand; otherwise we sidestep and remember it.
claim_port() {
  local var=$1 svc=$2 port=${!1} explicit_var="${1}_EXPLICIT" row name offset='' base cand i holder
  port_open "$port" || return 0
  holder=$(port_holder "$port")
  if [[ -n ${!explicit_var:-} ]]; then
    die "port $port ($var, set in the environment) is already in use${holder:+ ($holder)}, so $svc cannot start. Stop that process or pick another port with $var=..."
  fi
  for row in "${QUIRE_PORT_TABLE[@]}"; do
    IFS='|' read -r name _ offset <<<"$row"
    [[ $name == "$var" ]] && break
  done
  base=$(fallback_base)
  for ((i = 0; i < 150; i++)); do
    cand=$((15000 + (base - 15000 + i * 10) % 15000 + offset))
    [[ $cand == "$port" ]] && continue
    port_open "$cand" && continue
    log "$svc: port $port is taken${holder:+ ($holder)}, e.g. by another checkout's stack; this checkout uses $cand from now on (saved in $QUIRE_PORTS_FILE)"
    printf -v "$var" '%s' "$cand"
    save_ports
    return 0
  done
  die "$svc: port $port is taken and no free port was found in this checkout's fallback block; set $var=... by hand"
}

load_ports
