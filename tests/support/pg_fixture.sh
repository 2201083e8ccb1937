#!/usr/bin/env bash
# pg_fixture.sh start|stop DIR - the CTest fixture "pg": one throw-away PostgreSQL for the suite
# (scripts/pg-test.sh), started before the tests that need it and stopped after them.
#   start  starts the server in DIR (initdb the first time; kept between runs for speed) and
#          drops databases left by tests that died or by the integration tests' detached drops
#          (og_t_*, og_it_*) and the installation templates of the last run (og_tpl_*: the first
#          test of this run builds one, og_test_pg_install, lib.sh's og_pg_template). When
#          PostgreSQL is not installed it writes why to DIR/skip and succeeds: the tests that need it then report skipped (77).
#   stop   stops the server (DIR stays: the next start reuses it).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pgtest="$here/../../scripts/pg-test.sh"
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pg_fixture.sh start|stop DIR" >&2; exit 2; }
mkdir -p "$dir"
case "$cmd" in
  start)
    rm -f "$dir/skip"
    url=$(bash "$pgtest" start "$dir" 2>"$dir/start.err")
    rc=$?
    if [ $rc = 77 ]; then
      { sed -n 's/^SKIP: //p' "$dir/start.err"; } >"$dir/skip"
      [ -s "$dir/skip" ] || echo "PostgreSQL is not available" >"$dir/skip"
      echo "pg fixture: no PostgreSQL, the _pg tests will be skipped: $(cat "$dir/skip")"
      exit 0
    fi
    if [ $rc != 0 ]; then
      cat "$dir/start.err" >&2
      exit 1
    fi
    port=$(cat "$dir/port")
    psql=${PGBIN:-/usr/lib/postgresql/15/bin}/psql
    for db in $("$psql" -X -q -h "$dir" -p "$port" -U opsgate -d postgres -tAc \
        "SELECT datname FROM pg_database WHERE datname LIKE 'og\_t\_%'
           OR datname LIKE 'og\_it\_%'"); do
      "$psql" -X -q -h "$dir" -p "$port" -U opsgate -d postgres \
        -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    done
    for db in $("$psql" -X -q -h "$dir" -p "$port" -U opsgate -d postgres -tAc \
        "SELECT datname FROM pg_database WHERE datname LIKE 'og\_tpl\_%'"); do
      "$psql" -X -q -h "$dir" -p "$port" -U opsgate -d postgres \
        -c "ALTER DATABASE $db IS_TEMPLATE false" \
        -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    done
    echo "pg fixture: $url"
    ;;
  stop)
    bash "$pgtest" stop "$dir"
    ;;
  *) echo "usage: pg_fixture.sh start|stop DIR" >&2; exit 2 ;;
esac
