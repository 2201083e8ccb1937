#!/usr/bin/env bash
# test-deps.sh - everything the tests and benchmarks need beyond the build: the Debian packages of
# scripts/deps.sh's test set (real nginx, HAProxy, Pebble, Knot, ... and the benchmarks' peers) and
# the npm tools (ajv-cli for the OSCAL export). Idempotent; a no-op when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh all
# deploy: haproxy for tests/integration/test_deploy*.sh (nginx comes with the certs line above)
for p in haproxy; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }; done
scripts/oscal-validate.sh --install
