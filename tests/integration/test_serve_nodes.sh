#!/usr/bin/env bash
# test_serve_nodes.sh - a node's id, /healthz and /metrics (docs/ops.md, "Several nodes"):
# --node names the node (a bad id is a usage error); /healthz answers 200 with the node and
# "primary" when the node reaches the database, and /metrics labels every sample node="ID"; the
# background jobs run under leases the node lets go at shutdown. Without --node the name is one
# per host and data; a second live node under a name is refused, a node restarted after kill -9
# takes its name (and its leases) back at once, a name held from another host once its hold runs
# out. Run on SQLite and, as
# integration_test_serve_nodes_pg, on the suite's PostgreSQL, where two nodes then serve one
# database: each healthy and naming itself, and 8 writers, 4 on each node, append to one
# tenant's audit chain at once: the chain never forks (one record per acknowledged write, seq
# 1..N without a gap) and `audit verify` passes.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1

# q SQL: one query on D's database (on PostgreSQL the database lib.sh's wrapper made for D)
q() {
  if [ "${OG_IT_BACKEND:-}" = pg ]; then
    local u
    u=$(og_pg_url_of "og_it_$(printf '%s' "$D" | md5sum | cut -c1-16)")
    psql -qtAX -v ON_ERROR_STOP=1 "${u#libpq:}" -c "$1"
  else
    sqlite3 "$D/opsgate.db" "$1"
  fi
}
have_q() { [ "${OG_IT_BACKEND:-}" = pg ] || command -v sqlite3 >/dev/null; }

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
if have_q; then
  for i in $(seq 1 50); do
    held=$(q "SELECT COUNT(*) FROM store_leases WHERE owner = 'edge-1.eu:a'" 2>/dev/null)
    [ "${held:-0}" -ge 5 ] && break
    sleep 0.2
  done
  [ "${held:-0}" -ge 5 ] && ok || bad "the node holds its jobs' leases (held: $held)"
fi
og_stop TERM
[ "$OG_SERVER_STATUS" = 0 ] && ok || bad "exit status $OG_SERVER_STATUS"
if have_q; then
  left=$(q "SELECT COUNT(*) FROM store_leases WHERE owner = 'edge-1.eu:a'")
  [ "$left" = 0 ] && ok || bad "leases left at shutdown: $left"
fi

# The default name is one per host and data, the same at every start; one live process holds a
# name on a database: a second node under it is refused at start, while a node restarted after
# kill -9 takes its name back at once, with its jobs' leases.
OPSGATE_JOBS_EVERY=1s og_serve "$D" || exit 1
name=$(curl -fsS "$OG_URL/healthz" | jq -r .node)
host=$(hostname | cut -c1-55 | sed 's/[^A-Za-z0-9._:-]/-/g')
[[ "$name" =~ ^.+-[0-9a-f]{8}$ ]] && [ "${name%-*}" = "$host" ] && ok ||
  bad "the default node name is HOSTNAME-XXXXXXXX: '$name' (host $host)"
"$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 --port-file "$OG_TMP/p2" 2>"$OG_TMP/clash.err" &
clash=$!
for _ in $(seq 1 150); do kill -0 $clash 2>/dev/null || break; sleep 0.1; done
if kill -0 $clash 2>/dev/null; then
  kill $clash; wait $clash 2>/dev/null
  bad "a second node under a live node's name was not refused"
else
  wait $clash
  rc=$?
  [ $rc = 1 ] && grep -q "node name '$name' is in use by a live node on this database" "$OG_TMP/clash.err" &&
    ok || bad "a clash of node names: exit $rc, $(cat "$OG_TMP/clash.err")"
fi
[ ! -s "$OG_TMP/p2" ] && curl -fsS "$OG_URL/healthz" >/dev/null && ok ||
  bad "the refused node listened, or the first one stopped serving"
if have_q; then
  holder=$(q "SELECT owner FROM store_leases WHERE name = 'node:$name'")
  [ "${holder#* }" != "$holder" ] && [ "$(cut -d' ' -f2 <<<"$holder")" = "$OG_SERVER_PID" ] && ok ||
    bad "the name is held by the first node's process: '$holder' (pid $OG_SERVER_PID)"
fi
og_stop KILL
OPSGATE_JOBS_EVERY=1s og_serve "$D" || exit 1
[ "$(curl -fsS "$OG_URL/healthz" | jq -r .node)" = "$name" ] && ok || bad "the restarted node's name"
grep -q "took over from its earlier process" "$OG_SERVER_LOG" && ok ||
  bad "the restart after kill -9 took its name back: $(cat "$OG_SERVER_LOG")"
if have_q; then
  for i in $(seq 1 50); do
    held=$(q "SELECT COUNT(*) FROM store_leases WHERE owner = '$name'" 2>/dev/null)
    [ "${held:-0}" -ge 5 ] && break
    sleep 0.2
  done
  [ "${held:-0}" -ge 5 ] && ok || bad "the restarted node runs the jobs its killed process held (held: $held)"
fi
og_stop TERM
[ "$OG_SERVER_STATUS" = 0 ] && ok || bad "exit status $OG_SERVER_STATUS"
if have_q; then
  [ "$(q "SELECT COUNT(*) FROM store_leases WHERE name = 'node:$name'")" = 0 ] && ok ||
    bad "the node let its name go at shutdown"
  # A holder on another host cannot be checked from here: its name is free when its hold runs out.
  until_us=$(( $(date +%s) * 1000000 + 60000000 ))
  q "INSERT INTO store_leases (name, owner, expires_us, taken_at) VALUES ('node:$name',
     'elsewhere 4242 17 other-boot', $until_us, '2026-01-01T00:00:00Z')" >/dev/null
  "$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 --port-file "$OG_TMP/p3" 2>"$OG_TMP/clash.err"
  rc=$?
  [ $rc = 1 ] && grep -q "on another host" "$OG_TMP/clash.err" && ok ||
    bad "a name held from another host: exit $rc, $(cat "$OG_TMP/clash.err")"
  q "UPDATE store_leases SET expires_us = 0 WHERE name = 'node:$name'" >/dev/null
  og_serve "$D" || exit 1
  [ "$(q "SELECT owner FROM store_leases WHERE name = 'node:$name'" | cut -d' ' -f2)" = "$OG_SERVER_PID" ] &&
    ok || bad "a name whose hold ran out is taken"
  og_stop TERM
fi

# Two nodes on one PostgreSQL: each healthy and naming itself, each labelling its own metrics;
# 8 writers on them append to one tenant's audit chain.
if [ "${OG_IT_BACKEND:-}" = pg ]; then
  "$OPSGATE" --data "$D" tenant create acme >/dev/null && ok || bad "tenant create"
  "$OPSGATE" --data "$D" user add --tenant acme pam --role project-manager >/dev/null && ok ||
    bad "user add"
  "$OPSGATE" --data "$D" project create --tenant acme nodes "Nodes" >/dev/null && ok ||
    bad "project create"
  pam=$("$OPSGATE" --data "$D" token create --tenant acme --user pam --json | jq -r .token)
  og_serve "$D" --node pg-a --metrics-open || exit 1
  url_a=$OG_URL pid_a=$OG_SERVER_PID
  og_serve "$D" --node pg-b --metrics-open || exit 1
  url_b=$OG_URL
  for u in "$url_a" "$url_b"; do
    h=$(curl -fsS "$u/healthz")
    jq -e '.status == "ok" and .database == "primary" and .backend == "postgres"' >/dev/null \
      <<<"$h" && ok || bad "healthz of $u on PostgreSQL: $h"
  done
  m=$(curl -sS "$url_b/metrics")
  grep -q '{node="pg-b"' <<<"$m" && ok || bad "node b's metrics label"

  # writer W on node URL: 8 versions of its own artifact, each one audit record in acme's chain
  writer() { # W URL
    local w=$1 u=$2 i code
    for i in $(seq 1 8); do
      code=$(printf 'writer %s version %d\n' "$w" "$i" |
        curl -sS --max-time 30 -X PUT -o /dev/null -w '%{http_code}' \
          -H "Authorization: Bearer $pam" -H 'Content-Type: text/markdown' --data-binary @- \
          "$u/api/v1/projects/nodes/artifacts/w$w.md" 2>/dev/null) || code=curl-failed
      echo "$w-$i $code" >>"$OG_TMP/writes.$w"
    done
  }
  before=$(q "SELECT COUNT(*) FROM audit_record WHERE chain = (SELECT id FROM tenants WHERE name = 'acme')")
  pids=()
  for w in 1 2 3 4 5 6 7 8; do
    if [ $((w % 2)) = 1 ]; then writer "$w" "$url_a" & else writer "$w" "$url_b" & fi
    pids+=($!)
  done
  wait "${pids[@]}"
  cat "$OG_TMP"/writes.* >"$OG_TMP/writes"
  acked=$(awk '$2 == 201' "$OG_TMP/writes" | wc -l)
  [ "$acked" = 64 ] && ok || bad "8 writers x 8 versions: $acked acknowledged; $(awk '$2 != 201' "$OG_TMP/writes" | head -3)"
  chain=$(q "SELECT id FROM tenants WHERE name = 'acme'")
  puts=$(q "SELECT COUNT(*) FROM audit_record WHERE chain = '$chain' AND action = 'artifact.put'")
  [ "$puts" = "$acked" ] && ok || bad "$puts artifact.put records for $acked acknowledged writes"
  # linear: seq 1..N with no gap and no repeat, each record's prev_hash its predecessor's hash
  shape=$(q "SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM audit_record WHERE chain = '$chain'")
  n=${shape%%|*}
  [ "$shape" = "$n|$n|1|$n" ] && [ "$n" -ge $((before + acked)) ] && ok ||
    bad "acme's chain is not linear: count|distinct|min|max = $shape (before: $before)"
  links=$(q "SELECT COUNT(*) FROM audit_record r JOIN audit_record p ON p.chain = r.chain AND p.seq = r.seq - 1 WHERE r.chain = '$chain' AND r.prev_hash <> p.hash")
  [ "$links" = 0 ] && ok || bad "$links records do not link to their predecessor"
  "$OPSGATE" --data "$D" audit verify >/dev/null 2>"$OG_TMP/verify.err" && ok ||
    bad "audit verify after 8 writers on 2 nodes: $(cat "$OG_TMP/verify.err")"
  og_stop TERM
  [ "$OG_SERVER_STATUS" = 0 ] && ok || bad "node b's exit status $OG_SERVER_STATUS"
  OG_SERVER_PID=$pid_a
  og_stop TERM
  [ "$OG_SERVER_STATUS" = 0 ] && ok || bad "node a's exit status $OG_SERVER_STATUS"
fi
og_done
