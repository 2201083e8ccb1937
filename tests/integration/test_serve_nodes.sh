#!/usr/bin/env bash
# test_serve_nodes.sh - a node's id, /healthz and /metrics (docs/ops.md, "Several nodes"):
# --node names the node (a bad id is a usage error); /healthz answers 200 with the node and
# "primary" when the node reaches the database, and /metrics labels every sample node="ID"; the
# background jobs run under leases the node lets go at shutdown. On SQLite here; the two-node
# PostgreSQL part runs when OG_IT_BACKEND=pg and OG_IT_PG_DATA names a PostgreSQL data location
# the server takes (issue 19: once `serve` takes a URL), and is skipped otherwise.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1

"$OPSGATE" --data "$D" serve --node 'bad node!' 2>"$OG_TMP/err"
[ $? = 2 ] && grep -q "bad --node" "$OG_TMP/err" && ok || bad "a bad --node is a usage error: $(cat "$OG_TMP/err")"
"$OPSGATE" --data "$D" serve --check --listen 127.0.0.1:0 --node n1 2>"$OG_TMP/err" && ok ||
  bad "serve --check --node: $(cat "$OG_TMP/err")"
"$OPSGATE" serve --help >"$OG_TMP/help" 2>&1
grep -q -- "--node" "$OG_TMP/help" && ok || bad "serve --help names --node"

OPSGATE_JOBS_EVERY=1s og_serve "$D" --node edge-1.eu:a --metrics-open || exit 1
curl -sS "$OG_URL/healthz" -o "$OG_TMP/h" -w '%{http_code}' >"$OG_TMP/code"
[ "$(cat "$OG_TMP/code")" = 200 ] && ok || bad "healthz status $(cat "$OG_TMP/code")"
[ "$(jq -r '.status + " " + .node + " " + .database' "$OG_TMP/h")" = "ok edge-1.eu:a primary" ] && ok ||
  bad "healthz body: $(cat "$OG_TMP/h")"

curl -sS "$OG_URL/metrics" >"$OG_TMP/m"
grep -q '^opsgate_http_requests_total{node="edge-1.eu:a",route="/healthz",method="GET",status="200"} ' "$OG_TMP/m" &&
  ok || bad "metrics: the node label on a labelled series"
grep -q '^opsgate_http_requests_in_flight{node="edge-1.eu:a"} 1$' "$OG_TMP/m" && ok ||
  bad "metrics: the node label on an unlabelled series"
n=$(grep -v '^#' "$OG_TMP/m" | grep -vc '^[a-z_]*{node="edge-1.eu:a"[,}]')
[ "$n" = 0 ] && ok || bad "metrics: $n samples without the node label"

# The jobs run under leases held by this node (the store's table), let go at shutdown.
held=""
for i in $(seq 1 50); do
  held=$(sqlite3 "$D/opsgate.db" "SELECT COUNT(*) FROM store_leases WHERE owner = 'edge-1.eu:a'" 2>/dev/null)
  [ "${held:-0}" -ge 5 ] && break
  sleep 0.2
done
if command -v sqlite3 >/dev/null; then
  [ "${held:-0}" -ge 5 ] && ok || bad "the node holds its jobs' leases (held: $held)"
fi
og_stop TERM
[ "$OG_SERVER_STATUS" = 0 ] && ok || bad "exit status $OG_SERVER_STATUS"
if command -v sqlite3 >/dev/null; then
  left=$(sqlite3 "$D/opsgate.db" "SELECT COUNT(*) FROM store_leases WHERE owner = 'edge-1.eu:a'")
  [ "$left" = 0 ] && ok || bad "leases left at shutdown: $left"
fi

# Two nodes on one PostgreSQL: each healthy and naming itself, each labelling its own metrics.
if [ "${OG_IT_BACKEND:-}" = pg ] && [ -n "${OG_IT_PG_DATA:-}" ]; then
  og_serve "$OG_IT_PG_DATA" --node pg-a --metrics-open || exit 1
  url_a=$OG_URL pid_a=$OG_SERVER_PID
  og_serve "$OG_IT_PG_DATA" --node pg-b --metrics-open || exit 1
  url_b=$OG_URL
  for u in "$url_a" "$url_b"; do
    curl -fsS "$u/healthz" | jq -e '.status == "ok" and .database == "primary"' >/dev/null && ok ||
      bad "healthz of $u on PostgreSQL"
  done
  curl -sS "$url_b/metrics" | grep -q '{node="pg-b"' && ok || bad "node b's metrics label"
  og_stop TERM
  OG_SERVER_PID=$pid_a
  og_stop TERM
else
  echo "SKIP (part): two nodes on PostgreSQL need OG_IT_BACKEND=pg and OG_IT_PG_DATA" >&2
fi
og_done
