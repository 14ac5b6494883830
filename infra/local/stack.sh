#!/usr/bin/env bash
# Local stack dispatcher: stack.sh up|down|status|env|restart [service...]
# No service = all. Each service lives in infra/local/<svc>.sh and defines
# <svc>_up, <svc>_down, <svc>_status and <svc>_env (KEY=VALUE lines).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Start order; `down` runs in reverse. Add new services here (and a <svc>.sh file).
SERVICES=(pg redis moto opensearch)

for _svc in "${SERVICES[@]}"; do
  # shellcheck source=/dev/null
  source "$QUIRE_SCRIPTS_DIR/$_svc.sh"
done
unset _svc

usage() {
  cat >&2 <<EOF
usage: stack.sh up|down|status|env|restart|where [service...]
  services: ${SERVICES[*]} (default: all; aliases: postgres=pg, s3/kms=moto, os/search=opensearch)
  up       start (idempotent), wait until ready, write .local/stack.json and .local/ports.env
  down     stop
  restart  down then up
  status   print state; exit 1 if any selected service is not running
  env      print export lines (eval "\$(bash infra/local/stack.sh env)")
  where    print each service's data folder (Postgres may live outside the checkout: README.md)
EOF
}

canonical_service() {
  case $1 in
  postgres | postgresql) printf pg ;;
  s3 | kms) printf moto ;;
  os | search) printf opensearch ;;
  *) printf '%s' "$1" ;;
  esac
}

# Writes the env values of every service (not only the selected ones) as JSON.
write_stack_json() {
  local file=$QUIRE_LOCAL_DIR/stack.json tmp line key val first=1 s
  tmp=$(mktemp "$QUIRE_LOCAL_DIR/.stack.json.XXXXXX")
  {
    printf '{\n'
    for s in "${SERVICES[@]}"; do
      while IFS= read -r line; do
        [[ -n $line ]] || continue
        key=${line%%=*}
        val=${line#*=}
        ((first)) || printf ',\n'
        first=0
        printf '  "%s": "%s"' "$(json_escape "$key")" "$(json_escape "$val")"
      done < <("${s}_env")
    done
    printf '\n}\n'
  } >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$file"
}

main() {
  (($# >= 1)) || {
    usage
    exit 2
  }
  local cmd=$1 s
  shift
  local targets=()
  for s in "$@"; do
    s=$(canonical_service "$s")
    if [[ " ${SERVICES[*]} " != *" $s "* ]]; then
      usage
      die "unknown service '$s'"
    fi
    targets+=("$s")
  done
  # Keep the canonical order whatever the order on the command line.
  local selected=()
  for s in "${SERVICES[@]}"; do
    if ((${#targets[@]} == 0)) || [[ " ${targets[*]} " == *" $s "* ]]; then
      selected+=("$s")
    fi
  done
  local reversed=() i
  for ((i = ${#selected[@]} - 1; i >= 0; i--)); do reversed+=("${selected[i]}"); done

  case $cmd in
  up)
    take_lock stack
    for s in "${selected[@]}"; do "${s}_up"; done
    save_ports
    write_stack_json
    log "stack: up (${selected[*]}); endpoints in $QUIRE_LOCAL_DIR/stack.json"
    ;;
  down)
    take_lock stack
    for s in "${reversed[@]}"; do "${s}_down"; done
    ;;
  restart)
    take_lock stack
    for s in "${reversed[@]}"; do "${s}_down"; done
    for s in "${selected[@]}"; do "${s}_up"; done
    save_ports
    write_stack_json
    log "stack: restarted (${selected[*]})"
    ;;
  status)
    local rc=0
    for s in "${selected[@]}"; do "${s}_status" || rc=1; done
    return "$rc"
    ;;
  env)
    local line
    for s in "${selected[@]}"; do
      while IFS= read -r line; do
        [[ -n $line ]] || continue
        printf 'export %s=%s\n' "${line%%=*}" "$(shell_quote "${line#*=}")"
      done < <("${s}_env")
    done
    ;;
  where)
    for s in "${selected[@]}"; do
      case $s in
      pg) printf 'pg %s\n' "$PG_DIR" ;;
      redis) printf 'redis %s\n' "$REDIS_DIR" ;;
      moto) printf 'moto %s\n' "$MOTO_DIR" ;;
      opensearch) printf 'opensearch %s\n' "$OPENSEARCH_DIR" ;;
      esac
    done
    ;;
  -h | --help | help) usage ;;
  *)
    usage
    exit 2
    ;;
  esac
}

main "$@"
