#!/usr/bin/env bash
# Installs what the test suite needs when it is missing, from Debian
# packages: PostgreSQL server binaries (the tests start throwaway clusters
# with initdb), Chromium (the browser tests drive it headless) and Node.js
# (interop tests sign with npm's jose, installed into a temporary folder).
# Needs root or sudo only when something must be installed.
set -euo pipefail

have_postgres() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

# The browser tests look for TOLLGATE_CHROMIUM, else /usr/bin/chromium.
have_chromium() {
  [ -x "${TOLLGATE_CHROMIUM:-/usr/bin/chromium}" ]
}

# apt_install PACKAGE... installs Debian packages, with sudo when not root.
apt_updated=""
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "ensure-deps: need root (or sudo) to apt-get install $*" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_updated" ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_postgres() {
  have_postgres && return 0
  echo "ensure-deps: PostgreSQL server binaries missing; installing from Debian packages" >&2
  apt_install postgresql
  have_postgres || { echo "ensure-deps: postgresql installed but initdb not found" >&2; exit 1; }
}

ensure_chromium() {
  have_chromium && return 0
  echo "ensure-deps: Chromium missing; installing from Debian packages" >&2
  apt_install chromium
  have_chromium || { echo "ensure-deps: chromium installed but ${TOLLGATE_CHROMIUM:-/usr/bin/chromium} not found" >&2; exit 1; }
}

# The interop tests sign with Node.js packages: node and npm from Debian,
# the packages from npm into TOLLGATE_NODE_DIR (a temporary folder the
# Makefile names), once.
ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "ensure-deps: node or npm missing; installing from Debian packages" >&2
    apt_install nodejs npm
  fi
  local dir="${TOLLGATE_NODE_DIR:-${TMPDIR:-/tmp}/tollgate-node}"
  [ -f "$dir/node_modules/jose/package.json" ] && return 0
  echo "ensure-deps: installing jose from npm into $dir" >&2
  mkdir -p "$dir"
  npm install --silent --no-audit --no-fund --prefix "$dir" jose@6 >/dev/null
}

ensure_postgres
ensure_chromium
ensure_node
