#!/usr/bin/env bash
# test_events_crash.sh - events survive a SIGKILL: notifications that could not be delivered while
# the webhook receiver was down are delivered after the server is killed and restarted.
#
# It runs `opsgate serve`, whose own event workers (og_gate_server_start()) must deliver them
# after the restart.
. "$(dirname "$0")/lib.sh"
: "${OG_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
og_recv_build

D="$OG_TMP/data"
og() { "$OPSGATE" --data "$D" "$@"; }
wait_file() { local i; for i in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
recv_pid=""; worker_pid=""
trap '[ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null; [ -n "$worker_pid" ] && kill -9 "$worker_pid" 2>/dev/null; og_cleanup' EXIT
export OPSGATE_EVENTS_BACKOFF=1s OPSGATE_EVENTS_BACKOFF_MAX=2s OPSGATE_EVENTS_MAX_ATTEMPTS=100

tok=$(og_init "$D") || exit 1
og tenant create acme >/dev/null || { bad "tenant create"; og_done; }
og gate policy set --tenant acme platform.note L1 >/dev/null || bad "policy"
printf 'crash-test-secret-0123456789\n' >"$OG_TMP/secret"

# A port that is free now and stays unanswered until the receiver comes up on it.
"$RECV" webhook --port-file "$OG_TMP/p0" --secret-file "$OG_TMP/secret" --log "$OG_TMP/x.log" &
p=$!; wait_file "$OG_TMP/p0" || bad "probe receiver"; PORT=$(cat "$OG_TMP/p0"); kill $p; wait $p 2>/dev/null
og notify egress allow 127.0.0.0/8 >/dev/null || bad "allow loopback egress"   # the receiver's range
og notify add --tenant acme webhook "http://127.0.0.1:$PORT/hook" --secret-file "$OG_TMP/secret" >/dev/null ||
  bad "notify add"

# the server runs the delivery workers itself
start_server() {
  og_serve "$D" || return 1
  worker_pid=$OG_SERVER_PID
}
attempted() {   # how many notify deliveries have been tried at least once
  og events list --tenant acme --json | jq '[.events[] | select(.handler=="notify" and .attempts > 0)] | length'
}

start_server || { bad "server start"; og_done; }
ids=()
for i in 1 2 3; do
  out=$(og gate request --tenant acme platform.note --params "{\"text\":\"n$i\"}" --json) || bad "request $i"
  ids+=("$(printf '%s' "$out" | jq -r .gate_id)")
done
for i in $(seq 1 50); do [ "$(attempted)" -ge 3 ] && break; sleep 0.1; done
[ "$(attempted)" -ge 3 ] && ok || bad "deliveries were not attempted while the receiver was down"
n=$(og events list --tenant acme --state done --json | jq '[.events[] | select(.handler=="notify")] | length')
[ "$n" = 0 ] && ok || bad "$n deliveries done while the receiver was down"

# SIGKILL: no chance to clean up; the outbox and its delivery rows are all there is
kill -9 "$worker_pid"; wait "$worker_pid" 2>/dev/null
kill -0 "$worker_pid" 2>/dev/null && bad "the server survived SIGKILL" || ok
OG_SERVER_PID=""; worker_pid=""
"$RECV" webhook --port "$PORT" --port-file "$OG_TMP/p1" --secret-file "$OG_TMP/secret" \
  --log "$OG_TMP/hook.log" & recv_pid=$!
wait_file "$OG_TMP/p1" || bad "receiver did not come up on port $PORT"
start_server || { bad "restart"; og_done; }

for i in $(seq 1 100); do
  c=$(grep -c '^ok .* gate.review' "$OG_TMP/hook.log" 2>/dev/null); [ "${c:-0}" -ge 3 ] && break; sleep 0.1
done
got=$(grep -c '^ok .* gate.review' "$OG_TMP/hook.log" 2>/dev/null)
[ "${got:-0}" -ge 3 ] && ok || bad "after the restart $got of 3 notifications were delivered"
for id in "${ids[@]}"; do
  out=$(og gate show "$id" --json)
  st=$(printf '%s' "$out" | jq -r '.notifications[0].state')
  [ "$st" = sent ] && ok || bad "gate $id: notification state '$st'"
done
n=$(og events list --tenant acme --state done --json | jq '[.events[] | select(.handler=="notify")] | length')
[ "$n" = 3 ] && ok || bad "$n of 3 deliveries done"
# each event was accepted once: the receiver saw no duplicate ids
dups=$(grep '^ok ' "$OG_TMP/hook.log" | awk '{print $2}' | sort | uniq -d | wc -l)
[ "$dups" = 0 ] && ok || bad "duplicate deliveries: $dups"
og_stop TERM; [ "$OG_SERVER_STATUS" = 0 ] && ok || bad "serve exit $OG_SERVER_STATUS"
og_done
