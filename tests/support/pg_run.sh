#!/usr/bin/env bash
# pg_run.sh DIR COMMAND... - run a test against the suite's PostgreSQL (the fixture
# tests/support/pg_fixture.sh started in DIR) with its URL in OPSGATE_TEST_PG. An
# OPSGATE_TEST_PG already set (a server of your own) is kept. Without a server: exit 77 (skipped),
# saying why.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
shift
if [ -z "${OPSGATE_TEST_PG:-}" ]; then
  if [ -f "$dir/skip" ]; then
    echo "SKIP: $(cat "$dir/skip")"
    exit 77
  fi
  if ! url=$(bash "$here/../../scripts/pg-test.sh" url "$dir" 2>/dev/null) ||
     [ ! -f "$dir/data/postmaster.pid" ]; then
    echo "SKIP: the suite's PostgreSQL is not running (the fixture test pg_start starts it)"
    exit 77
  fi
  export OPSGATE_TEST_PG=$url
fi
exec "$@"
