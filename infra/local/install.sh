#!/usr/bin/env bash
# Installs what the local stack needs, skipping whatever is already there.
# Safe to run on every `npm test`: a warm run only checks and exits.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=opensearch.sh
source "$QUIRE_SCRIPTS_DIR/opensearch.sh"

MOTO_VERSION=5.2.5
# The contract test's fuzzer (test/contract/schemathesis.test.ts), in the same venv.
SCHEMATHESIS_VERSION=4.32.5

take_lock install

# --- 1. Debian packages ---------------------------------------------------------
pkg_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

POLICY_RC=/usr/sbin/policy-rc.d

# RUM (the Postgres search engine's ranked index, cell migration 0006) for the PostgreSQL major
# the stack runs: the highest installed, else the one Debian's `postgresql` would install.
rum_package() {
  local ver
  ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -n | tail -1)
  [[ -n $ver ]] || ver=$(apt-cache depends postgresql 2>/dev/null | sed -nE 's/.*Depends: postgresql-([0-9]+)$/\1/p' | head -1)
  printf 'postgresql-%s-rum\n' "${ver:-15}"
}

install_debian_packages() {
  local created_policy=''
  local rum server
  rum=$(rum_package)
  server=${rum%-rum}
  local want=(postgresql "$rum" redis-server) missing=() p
  command -v curl >/dev/null 2>&1 || want+=(curl)
  # OpenSearch: a JDK 17..21 and Maven (see opensearch.sh).
  while IFS= read -r p; do [[ -n $p ]] && want+=("$p"); done < <(opensearch_debian_packages)
  command -v flock >/dev/null 2>&1 || want+=(util-linux)
  # The web app's journeys: Debian's Chromium, driven by playwright-core (no browser download),
  # and a font for its text.
  want+=(chromium fonts-dejavu-core)
  # Debian's own python3 needs python3-venv for `python3 -m venv` (ensurepip).
  if command -v python3 >/dev/null 2>&1; then
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then want+=(python3-venv); fi
  else
    want+=(python3 python3-venv)
  fi
  for p in "${want[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    log "debian packages: ok (${want[*]})"
    return 0
  fi
  if ! is_root; then
    die "missing Debian packages: ${missing[*]}. Install them as root: apt-get install -y ${missing[*]}"
  fi
  log "debian packages: installing ${missing[*]}"
  # Keep the packages from starting their own services (a system PostgreSQL
  # cluster on 5432, a system redis on 6379): policy-rc.d exit 101 = "denied".
  if [[ ! -e $POLICY_RC ]]; then
    trap 'rm -f "$POLICY_RC"' EXIT
    printf '#!/bin/sh\n# temporary, written by quire infra/local/install.sh\nexit 101\n' >"$POLICY_RC"
    chmod 755 "$POLICY_RC"
    created_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  local pg_before pg_after
  pg_before=$(dpkg-query -W -f='${Version}' "$server" 2>/dev/null || true)
  apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
  pg_after=$(dpkg-query -W -f='${Version}' "$server" 2>/dev/null || true)
  # An extension package may pull a newer PostgreSQL minor release (bookworm-security's RUM needs
  # the latest): a server already running keeps the old binary and fails to load the new modules.
  if [[ -n $pg_before && $pg_before != "$pg_after" ]]; then
    log "WARNING: PostgreSQL went from $pg_before to $pg_after; restart a running stack's server: bash infra/local/stack.sh restart pg"
  fi
  if [[ -n $created_policy ]]; then
    rm -f "$POLICY_RC"
    trap - EXIT
  fi
  log "debian packages: installed ${missing[*]}"
}

# --- 2. npm dependencies ----------------------------------------------------------
install_npm_deps() {
  local lock=$QUIRE_ROOT/package-lock.json
  local hidden=$QUIRE_ROOT/node_modules/.package-lock.json
  local stamp=$QUIRE_LOCAL_DIR/npm-ci.stamp
  [[ -f $lock ]] || die "no package-lock.json at $QUIRE_ROOT"
  local sum
  sum=$(sha256sum "$lock" | cut -d' ' -f1)
  if [[ -f $hidden ]]; then
    if [[ -f $stamp && $(<"$stamp") == "$sum" ]]; then
      log "npm dependencies: ok (lockfile unchanged since last npm ci)"
      return 0
    fi
    # No stamp yet, or the lockfile changed: node_modules is current when npm
    # wrote it after the lockfile (e.g. a manual `npm install`).
    if [[ ! $lock -nt $hidden ]]; then
      printf '%s\n' "$sum" >"$stamp"
      log "npm dependencies: ok (node_modules newer than package-lock.json)"
      return 0
    fi
  fi
  log "npm dependencies: running npm ci"
  (cd "$QUIRE_ROOT" && npm ci --no-audit --no-fund </dev/null)
  printf '%s\n' "$sum" >"$stamp"
  log "npm dependencies: installed"
}

# --- 3. Python venv with moto ---------------------------------------------------
install_moto() {
  local venv=$QUIRE_LOCAL_DIR/venv
  if [[ -x $venv/bin/moto_server ]] &&
    compgen -G "$venv/lib/python*/site-packages/moto-$MOTO_VERSION.dist-info" >/dev/null &&
    "$venv/bin/python" -c '' >/dev/null 2>&1; then
    log "moto: ok ($MOTO_VERSION in $venv)"
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || die "python3 not found"
  if [[ -d $venv ]] && ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    log "moto: venv at $venv is broken (python moved?), recreating"
    rm -rf "$venv"
  fi
  if [[ ! -x $venv/bin/python ]]; then
    log "moto: creating venv at $venv with $(command -v python3) ($(python3 --version 2>&1))"
    python3 -m venv "$venv"
  fi
  log "moto: installing moto[server]==$MOTO_VERSION"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet --no-input \
    "moto[server]==$MOTO_VERSION" </dev/null
  [[ -x $venv/bin/moto_server ]] || die "pip finished but $venv/bin/moto_server is missing"
  log "moto: installed $MOTO_VERSION"
}

# --- 4. schemathesis, in the venv moto made ------------------------------------------
install_schemathesis() {
  local venv=$QUIRE_LOCAL_DIR/venv
  if [[ -x $venv/bin/schemathesis ]] &&
    compgen -G "$venv/lib/python*/site-packages/schemathesis-$SCHEMATHESIS_VERSION.dist-info" >/dev/null; then
    log "schemathesis: ok ($SCHEMATHESIS_VERSION in $venv)"
    return 0
  fi
  log "schemathesis: installing schemathesis==$SCHEMATHESIS_VERSION"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet --no-input \
    "schemathesis==$SCHEMATHESIS_VERSION" </dev/null
  [[ -x $venv/bin/schemathesis ]] || die "pip finished but $venv/bin/schemathesis is missing"
  log "schemathesis: installed $SCHEMATHESIS_VERSION"
}

install_debian_packages
install_npm_deps
install_moto
install_schemathesis
# 5. OpenSearch: classpath from Maven Central + the launcher class (skipped when unchanged).
opensearch_build
log "install: done"
