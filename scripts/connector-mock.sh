#!/usr/bin/env bash
# connector-mock.sh - Stoplight Prism (npm, tools/node) serving a vendor's own API description
# from ../shared/spec/connectors/<vendor>/ on loopback, for the connector tests.
#
# Usage: scripts/connector-mock.sh --install
#            install Prism only (idempotent; a no-op when present)
#        scripts/connector-mock.sh mock VENDOR PORT [PRISM OPTIONS...]
#            answer every documented path from the document's schemas and examples
#        scripts/connector-mock.sh proxy VENDOR PORT UPSTREAM [PRISM OPTIONS...]
#            forward to UPSTREAM (a stateful simulator) and check every request and every answer
#            against the vendor's document; with --errors a violation becomes a 422/500 answer
#
# Runs in the foreground (tests start it in the background and wait for the port). Uses the
# `.prism.yaml` copy (paths with the server's base path) when the vendor folder has one.
# Environment: OG_SHARED_DIR (default: ../shared next to the source tree).
# Exit: 2 usage, 77 when the vendor's document is missing (tests treat that as skipped).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/tools/node"
shared="${OG_SHARED_DIR:-$root/../shared}"

install_tools() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "connector-mock.sh: installing nodejs and npm" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if [ -x "$tools/node_modules/.bin/prism" ]; then
    return 0
  fi
  echo "connector-mock.sh: installing @stoplight/prism-cli into tools/node" >&2
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

usage() {
  echo "usage: scripts/connector-mock.sh --install | mock VENDOR PORT [OPTS] | proxy VENDOR PORT UPSTREAM [OPTS]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
if [ "$1" = "--install" ]; then
  install_tools
  exit 0
fi
mode="$1"
[ "$mode" = mock ] || [ "$mode" = proxy ] || usage
[ $# -ge 3 ] || usage
vendor="$2" port="$3"
shift 3
doc="$shared/spec/connectors/$vendor/openapi-subset.prism.yaml"
[ -f "$doc" ] || doc="$shared/spec/connectors/$vendor/openapi-subset.yaml"
if [ ! -f "$doc" ]; then
  echo "connector-mock.sh: no API description for '$vendor' under $shared/spec/connectors (the shared spec data)" >&2
  exit 77
fi
install_tools
if [ "$mode" = mock ]; then
  exec "$tools/node_modules/.bin/prism" mock -h 127.0.0.1 -p "$port" "$@" "$doc"
fi
[ $# -ge 1 ] || usage
upstream="$1"
shift
exec "$tools/node_modules/.bin/prism" proxy -h 127.0.0.1 -p "$port" "$@" "$doc" "$upstream"
