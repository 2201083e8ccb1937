#!/usr/bin/env bash
# test-deps.sh - tools the integration tests need beyond the build (Debian packages and npm tools).
# Idempotent; a no-op when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh all
