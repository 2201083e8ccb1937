#!/usr/bin/env bash
# pg_put_statements.sh - the statements PostgreSQL runs for one artifact version (issue 19): a
# throw-away server (scripts/pg-test.sh), one tenant, one node; two versions of a Markdown
# artifact are PUT, then the third is PUT with `log_statement = all` and the statements of the
# node's backend that served it are printed, numbered, then their count.
# Usage: OPSGATE=build/opsgate bash bench/pg_put_statements.sh
set -uo pipefail
: "${OPSGATE:=build/opsgate}"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
OPSGATE=$(cd "$(dirname "$OPSGATE")" && pwd)/$(basename "$OPSGATE")
for t in jq curl psql; do
  command -v "$t" >/dev/null || { echo "pg_put_statements: $t is not installed" >&2; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-putstmts.XXXXXX")
spid=""
cleanup() {
  [ -n "$spid" ] && { kill -TERM "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }
  bash "$root/scripts/pg-test.sh" stop "$T/pg" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
die() { echo "pg_put_statements: $*" >&2; exit 1; }
pgurl=$(bash "$root/scripts/pg-test.sh" start "$T/pg") || exit 77
og() { "$OPSGATE" --data "$pgurl" --keys "$T/keys" "$@"; }
og init >/dev/null 2>&1 || die "init"
og tenant create t0 >/dev/null || die "tenant"
og user add --tenant t0 pam --role project-manager >/dev/null || die "user"
og --as pam project create --tenant t0 p "Bench" >/dev/null || die "project"
tok=$(og token create --tenant t0 --user pam --json | jq -r .token) || die "token"
og serve --listen 127.0.0.1:0 --port-file "$T/port" --node n1 --threads 1 >"$T/serve.log" 2>&1 &
spid=$!
for _ in $(seq 100); do
  [ -s "$T/port" ] && curl -fs "http://127.0.0.1:$(cat "$T/port")/healthz" >/dev/null && break
  sleep 0.1
done
[ -s "$T/port" ] || die "the node did not start: $(tail -3 "$T/serve.log")"
u="http://127.0.0.1:$(cat "$T/port")/api/v1/projects/p/artifacts"
put() {
  curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $tok" -H 'Content-Type: text/markdown' \
    --data-binary "$2" "$u/$1" || die "PUT $1"
}
put a.md "first version of the quarterly firewall review"
put a.md "second version of the quarterly firewall review"
psql -qtAX "$pgurl" -c "ALTER SYSTEM SET log_statement = 'all'" \
  -c "ALTER SYSTEM SET log_line_prefix = '%p '" -c "SELECT pg_reload_conf()" >/dev/null || die "psql"
sleep 0.5
n0=$(wc -l <"$T/pg/server.log")
put a.md "third version of the quarterly firewall review"
sleep 0.3
n1=$(wc -l <"$T/pg/server.log")
sed -n "$((n0 + 1)),${n1}p" "$T/pg/server.log" | grep -E '^[0-9]+ LOG:  (statement|execute)' >"$T/put.log"
# the node's other backends (event workers, heartbeats) poll meanwhile: keep the busiest one
pid=$(awk '{ print $1 }' "$T/put.log" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
awk -v p="$pid" '$1 == p { sub(/^[0-9]+ LOG:  /, ""); print }' "$T/put.log" | cut -c1-160 | nl
echo "statements: $(awk -v p="$pid" '$1 == p' "$T/put.log" | wc -l)"
