#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: PostgreSQL server
# binaries (the tests start throwaway clusters with initdb). Uses Debian
# packages; needs root or sudo only when something must be installed.
set -euo pipefail

have_postgres() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if have_postgres; then
  exit 0
fi

echo "ensure-deps: PostgreSQL server binaries missing; installing from Debian packages" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-deps: need root (or sudo) to apt-get install postgresql" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
have_postgres || { echo "ensure-deps: postgresql installed but initdb not found" >&2; exit 1; }
