#!/usr/bin/env bash
# test_http_shutdown.sh - SIGTERM/SIGINT: new connections are refused, a request in flight
# completes, the database is closed cleanly, and the server exits 0.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1

# Start-up failures exit 1 and say why.
"$OPSGATE" --data "$D" serve --listen nonsense >/dev/null 2>"$OG_TMP/err"
rc=$?
[ "$rc" = 1 ] && grep -q "nonsense" "$OG_TMP/err" && ok || bad "bad --listen: exit $rc, $(cat "$OG_TMP/err")"
"$OPSGATE" --data "$OG_TMP/missing" serve --listen 127.0.0.1:0 >/dev/null 2>"$OG_TMP/err"
rc=$?
[ "$rc" = 1 ] && ok || bad "missing data folder: exit $rc, $(cat "$OG_TMP/err")"

# The test-only route /_test/slow sleeps OPSGATE_TEST_SLOW_MS; without the variable it is a 404.
og_serve "$D" || exit 1
api GET /_test/slow
expect_error 404 not_found "the slow route does not exist unless enabled"
port=${OG_URL##*:}
# (a node name of its own: on a shared database the same default name is refused before the port)
"$OPSGATE" --data "$D" serve --node second --listen "127.0.0.1:$port" >/dev/null 2>"$OG_TMP/err"
rc=$?
[ "$rc" = 1 ] && grep -q "127.0.0.1:$port" "$OG_TMP/err" && ok ||
  bad "port in use: exit $rc, $(cat "$OG_TMP/err")"
og_stop TERM
[ "$OG_SERVER_STATUS" = 0 ] && ok || bad "exit status $OG_SERVER_STATUS after SIGTERM (idle)"

export OPSGATE_TEST_SLOW_MS=2000
og_serve "$D" || exit 1
unset OPSGATE_TEST_SLOW_MS
api GET /api/v1/whoami "$admin"
expect_status 200 "server works before the signal"

# A slow request in flight when SIGTERM arrives.
curl -sS --max-time 30 -o "$OG_TMP/slow.body" -w '%{http_code}' "$OG_URL/_test/slow" \
  >"$OG_TMP/slow.code" 2>"$OG_TMP/slow.err" &
slow_pid=$!
sleep 0.5
start=$(date +%s%N)
kill -TERM "$OG_SERVER_PID"
sleep 0.3
kill -TERM "$OG_SERVER_PID" # a second one during the drain (an impatient operator) changes nothing

# While it drains: still running, but refusing new connections at once.
kill -0 "$OG_SERVER_PID" 2>/dev/null && ok || bad "server exited before the slow request finished"
curl -sS --max-time 5 -o /dev/null "$OG_URL/healthz" 2>/dev/null
rc=$?
[ "$rc" = 7 ] && ok || bad "a new connection during the drain: curl exit $rc, want 7 (refused)"

wait "$slow_pid"
[ "$(cat "$OG_TMP/slow.code")" = 200 ] && ok ||
  bad "in-flight request: status $(cat "$OG_TMP/slow.code") $(cat "$OG_TMP/slow.err")"
[ "$(jq -r .slept_ms "$OG_TMP/slow.body" 2>/dev/null)" = 2000 ] && ok ||
  bad "in-flight request body: $(cat "$OG_TMP/slow.body")"

og_stop TERM   # already signalled: this only waits
[ "$OG_SERVER_STATUS" = 0 ] && ok || bad "exit status $OG_SERVER_STATUS after SIGTERM with a request in flight"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed_ms" -ge 1000 ] && ok || bad "server exited after ${elapsed_ms}ms, before the request could finish"
grep -q "finishing in-flight requests" "$OG_SERVER_LOG" && ok || bad "shutdown is logged"

# Closed cleanly: SQLite removes the WAL file when the last connection closes properly.
if ls "$D"/*-wal >/dev/null 2>&1; then bad "a WAL file remains: the database was not closed"; else ok; fi
if command -v sqlite3 >/dev/null 2>&1; then
  [ "$(sqlite3 "$D/opsgate.db" 'PRAGMA integrity_check' 2>&1)" = ok ] && ok || bad "integrity check"
fi

# SIGINT behaves the same, and the data folder serves again afterwards.
og_serve "$D" || exit 1
api GET /api/v1/whoami "$admin"
expect_status 200 "restarted server works"
og_stop INT
[ "$OG_SERVER_STATUS" = 0 ] && ok || bad "exit status $OG_SERVER_STATUS after SIGINT"
og_done
