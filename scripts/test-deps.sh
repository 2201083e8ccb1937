#!/usr/bin/env bash
# test-deps.sh - everything the tests and benchmarks need beyond the build: the Debian packages of
# scripts/deps.sh's test set (real nginx, HAProxy, Pebble, Knot, ... and the benchmarks' peers) and
# the npm tools (ajv-cli for the OSCAL export, Prism for the connector tests, Playwright and axe-core
# with Debian's chromium for the console's browser tests; PostgreSQL 15 and pg_auto_failover
# for the PostgreSQL backend's tests, scripts/pg-test.sh). Idempotent; a no-op when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh all
scripts/oscal-validate.sh --install
scripts/connector-mock.sh --install
scripts/console-test.sh --install
scripts/pg-test.sh --install
