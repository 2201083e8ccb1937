#!/usr/bin/env bash
# oscal-validate.sh - validate OSCAL assessment-results documents with ajv-cli against the NIST
# OSCAL 1.1.2 JSON schema in ../shared/spec/oscal/.
#
# Usage: scripts/oscal-validate.sh --install     install the tools only (idempotent; a no-op when
#                                                 they are present)
#        scripts/oscal-validate.sh FILE...        validate; installs the tools first when missing
#
# The tools live in tools/node/ (package.json + package-lock.json committed, node_modules ignored)
# and are installed with `npm ci`, so every machine validates with the same ajv versions.
# Environment: OG_SHARED_DIR (default: ../shared next to the source tree).
# Exit: 0 valid, 1 invalid, 2 usage, 77 when the schema is missing (tests treat that as skipped).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/tools/node"
shared="${OG_SHARED_DIR:-$root/../shared}"
schema="$shared/spec/oscal/oscal_assessment-results_schema.json"

install_tools() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "oscal-validate.sh: installing nodejs and npm" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if [ -x "$tools/node_modules/.bin/ajv" ] && [ -d "$tools/node_modules/ajv-formats" ]; then
    return 0
  fi
  echo "oscal-validate.sh: installing ajv-cli and ajv-formats into tools/node" >&2
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

if [ $# -eq 0 ]; then
  echo "usage: scripts/oscal-validate.sh --install | FILE..." >&2
  exit 2
fi
if [ "$1" = "--install" ]; then
  install_tools
  exit 0
fi
if [ ! -f "$schema" ]; then
  echo "oscal-validate.sh: missing $schema (the shared spec data)" >&2
  exit 77
fi
install_tools
status=0
for f in "$@"; do
  # ajv resolves -c modules from its working directory: run it inside tools/node.
  if ! (cd "$tools" && node_modules/.bin/ajv validate --spec=draft7 -c ajv-formats --strict=false \
          -s "$schema" -d "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); then
    status=1
  fi
done
exit $status
