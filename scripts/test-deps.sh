#!/usr/bin/env bash
# test-deps.sh - tools the integration tests need beyond the build (Debian packages and npm tools).
# Idempotent; a no-op when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh all
# certs: nginx serves the TLS endpoints of tests/integration/test_certs*.sh; nmap and
# blackbox_exporter are the peers of bench/bench_certs. Only the missing ones are installed.
certs_pkgs=()
for p in nginx-light nmap prometheus-blackbox-exporter; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || certs_pkgs+=("$p")
done
if [ ${#certs_pkgs[@]} -gt 0 ]; then
  echo "test-deps.sh: installing ${certs_pkgs[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
    $SUDO apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${certs_pkgs[@]}" >/dev/null
fi
# deploy: haproxy for tests/integration/test_deploy*.sh (nginx comes with the certs line above)
for p in haproxy; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }; done
scripts/oscal-validate.sh --install   # audit: ajv-cli for the OSCAL export test
# acme: Pebble (pebble, pebble-challtestsrv) and Knot (RFC 2136) for tests/integration/test_acme*.sh
for p in pebble knot; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }; done
# artifacts: bench/bench_artifacts measures git's commit rate in the same run (it reports "git not
# found" without it).
if ! command -v git >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends git >/dev/null
fi
# docgen: pdftotext (poppler-utils) reads back generated PDFs in tests/integration/test_generate_pdf.sh;
# pandoc is bench/bench_docgen's peer. Only the missing ones are installed.
for p in poppler-utils pandoc; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }; done
