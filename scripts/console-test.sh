#!/usr/bin/env bash
# console-test.sh - the web console's browser test tools: Debian's chromium, and playwright-core
# with @axe-core/playwright in tests/console/ (package.json + package-lock.json committed,
# node_modules ignored), installed with `npm ci` so every machine tests with the same versions.
#
# Usage: scripts/console-test.sh --install   install what is missing (idempotent; run by
#                                             scripts/test-deps.sh, so `make check` never skips)
# Exit: 0 installed, 1 an install failed (the message says which), 2 usage.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/tests/console"

if [ "${1:-}" != "--install" ]; then
  echo "usage: scripts/console-test.sh --install" >&2
  exit 2
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
apt_install() {
  echo "console-test.sh: installing $*" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
command -v chromium >/dev/null 2>&1 || apt_install chromium
command -v npm >/dev/null 2>&1 || apt_install nodejs npm
if [ -f "$tools/node_modules/.package-lock.json" ] &&
   ! [ "$tools/package-lock.json" -nt "$tools/node_modules/.package-lock.json" ]; then
  exit 0
fi
echo "console-test.sh: installing playwright-core and @axe-core/playwright into tests/console" >&2
(cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
