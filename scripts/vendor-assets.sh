#!/usr/bin/env bash
# Refreshes the front-end files the binary embeds from the npm registry, at
# pinned versions checked against their published integrity. The files are
# committed: building Tollgate needs no network and no npm. Run it only to
# change a version (edit the pins below), then review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."

# name  version  sha512 integrity (npm view NAME@VERSION dist.integrity)
PICO_VERSION=2.1.1
PICO_INTEGRITY="sha512-kIDugA7Ps4U+2BHxiNHmvgPIQDWPDU4IeU6TNRdvXQM1uZX+FibqDQT2xUOnnO2yq/LUHcwnGlu1hvf4KfXnMg=="
UPLOT_VERSION=1.6.32
UPLOT_INTEGRITY="sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw=="

dest=internal/httpapi/console/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION INTEGRITY: the package's tarball, unpacked in $work/NAME.
fetch() {
  local tgz
  tgz=$(cd "$work" && npm pack --silent "$1@$2")
  local got="sha512-$(openssl dgst -sha512 -binary "$work/$tgz" | base64 -w0)"
  if [ "$got" != "$3" ]; then
    echo "vendor-assets: $1@$2: integrity $got, want $3" >&2
    exit 1
  fi
  mkdir -p "$work/$1"
  tar -xzf "$work/$tgz" -C "$work/$1"
}

fetch @picocss/pico "$PICO_VERSION" "$PICO_INTEGRITY"
mkdir -p "$dest/pico"
cp "$work/@picocss/pico/package/css/pico.min.css" "$dest/pico/pico.min.css"
cp "$work/@picocss/pico/package/LICENSE.md" "$dest/pico/LICENSE.md"
echo "@picocss/pico $PICO_VERSION ($PICO_INTEGRITY)" > "$dest/pico/VERSION"

# uPlot draws the console's charts (static/charts.js); the IIFE build
# defines the global uPlot, so no module loader is needed.
fetch uplot "$UPLOT_VERSION" "$UPLOT_INTEGRITY"
mkdir -p "$dest/uplot"
cp "$work/uplot/package/dist/uPlot.iife.min.js" "$dest/uplot/uPlot.iife.min.js"
cp "$work/uplot/package/dist/uPlot.min.css" "$dest/uplot/uPlot.min.css"
cp "$work/uplot/package/LICENSE" "$dest/uplot/LICENSE"
echo "uplot $UPLOT_VERSION ($UPLOT_INTEGRITY)" > "$dest/uplot/VERSION"
echo "vendor-assets: $dest refreshed"
