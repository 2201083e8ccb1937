#!/usr/bin/env bash
# test_serve_tls.sh - opsgate's own HTTPS listener (serve --tls-cert-id) as a deploy target of
# type opsgate: HTTPS with a certificate and key from the inventory, a deploy swaps it without a
# restart (same PID, verified by the deploy's own probe) under a continuous HTTPS client that sees
# no failure, an override brings the previous one back, and bad input is refused clearly.
. "$(dirname "$0")/deploy/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
pki_init
leaf a; leaf b; leaf c
og_setup
import a; import b
og cert import --tenant acme "$P/c.crt" >/dev/null || bad "cert import c (no key)"
FA=$(fp "$P/a.crt") FB=$(fp "$P/b.crt") FC=$(fp "$P/c.crt")
deploy() {
  if cert_deploy_wired; then og cert deploy --tenant acme "$1" --target "$2" "${@:3}"
  else og target deploy --tenant acme "$2" --cert "$1" "${@:3}"; fi
}

# ---- bad input: refused before anything listens
run 2 "--tls-cert-id without --tls-tenant" og serve --listen 127.0.0.1:0 --tls-cert-id "$FA"
contains "$err" "--tls-tenant" "the missing flag is named"
run 2 "--tls-tenant without --tls-cert-id" og serve --listen 127.0.0.1:0 --tls-tenant acme
run 1 "unknown certificate id" timeout 20 "$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 \
  --tls-cert-id ffff0000 --tls-tenant acme
contains "$err" "ffff0000" "the unknown id is named"
run 1 "certificate without its key" timeout 20 "$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 \
  --tls-cert-id "${FC:0:16}" --tls-tenant acme
contains "$err" "no private key" "the missing key is named"
run 1 "unknown tenant" timeout 20 "$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 \
  --tls-cert-id "$FA" --tls-tenant nosuch
contains "$err" "nosuch" "the unknown tenant is named"
run 1 "serve --check loads the certificate" og serve --check --tls-cert-id "$FC" --tls-tenant acme
contains "$err" "no private key" "--check names the missing key"
run 0 "serve --check with a certificate and its key" og serve --check --tls-cert-id "$FA" --tls-tenant acme

# ---- HTTPS with a
portfile=$T/port
"$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 --port-file "$portfile" \
  --tls-cert-id "${FA:0:12}" --tls-tenant acme >"$T/server.log" 2>&1 &
spid=$!
_bg_pids+=("$spid")
for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.1; done
PORT=$(cat "$portfile" 2>/dev/null)
[ -n "$PORT" ] || { cat "$T/server.log" >&2; echo "FAIL: serve --tls-cert-id did not start"; exit 1; }
URL=https://127.0.0.1:$PORT
hz() { curl -fsS --max-time 5 --cacert "$P/root.crt" "$URL/healthz"; }
for _ in $(seq 50); do hz >/dev/null 2>&1 && break; sleep 0.1; done
run 0 "/healthz over HTTPS, chain verified against the test root" hz
eq "$(served 127.0.0.1 "$PORT" localhost)" "$FA" "a is served"
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$code" != 200 ] && ok || bad "plain HTTP is not answered on the HTTPS port"
contains "$(grep -c 'HTTPS' "$T/server.log")" "1" "the start-up line says HTTPS"

# ---- the opsgate target; a deploy of b under load
run 2 "an opsgate target takes no key path" og target add --tenant acme x --type opsgate \
  --endpoint "127.0.0.1:$PORT" --key-path /tmp/k
contains "$err" "key_path" "the refused option is named"
run 0 "target add opsgate" og target add --tenant acme listener --type opsgate \
  --endpoint "127.0.0.1:$PORT" --verify-timeout 10s
# The listener records what it serves on its next poll, so that a renewal of a finds it.
rec=$D/tls-listener-listener.pem
for _ in $(seq 50); do [ -s "$rec" ] && break; sleep 0.1; done
eq "$(fp "$rec")" "$FA" "the listener recorded a in the target's file"
eq "$(grep -c PRIVATE "$rec")" 0 "no key in the record"

rm -f "$T/stop"
( n=0 f=0
  while [ ! -e "$T/stop" ] && [ "$n" -lt 5000 ]; do
    n=$((n + 1))
    curl -fsS --max-time 5 --cacert "$P/root.crt" "$URL/healthz" >/dev/null 2>>"$T/load.err" || f=$((f + 1))
  done
  echo "$n $f" > "$T/load" ) &
loadpid=$!
sleep 0.5
run 0 "deploy b to the listener" deploy "$FB" listener --json
eq "$(jq -r .result.status <<<"$out")" verified "verified by probing the listener"
gate_b=$(jq -r .gate_id <<<"$out")
sleep 0.5
touch "$T/stop"
wait "$loadpid"
read -r n f < "$T/load"
echo "load: $n requests over the swap, $f failed"
[ "${n:-0}" -ge 5 ] && ok || bad "the load client ran ($n requests)"
eq "${f:-x}" 0 "no failed request during the swap ($n requests; $(head -c 300 "$T/load.err" 2>/dev/null))"
eq "$(served 127.0.0.1 "$PORT" localhost)" "$FB" "new connections get b"
kill -0 "$spid" 2>/dev/null && ok || bad "the server is still running"
eq "$(pgrep -f "serve --listen 127.0.0.1:0 --port-file $portfile" | head -n1)" "$spid" "same PID: no restart"
run 0 "/healthz after the swap" hz
contains "$(cat "$T/server.log")" "now serving ${FB:0:16}" "the swap is logged"

# ---- a certificate without a key cannot be deployed there; b stays
run 1 "deploy c (no key) is refused" deploy "$FC" listener
contains "$err" "private key" "the missing key is named"
eq "$(served 127.0.0.1 "$PORT" localhost)" "$FB" "b still served"

# ---- the override of b's deploy brings a back, without a restart
run 0 "reviewer" og user add --tenant acme rev --role tenant-admin
run 0 "override b" og --as rev gate override "$gate_b"
wait_served 127.0.0.1 "$PORT" localhost "$FA" && ok || bad "a is served again after the override"
kill -0 "$spid" 2>/dev/null && ok || bad "the server survived the override"
run 0 "/healthz after the override" hz

# ---- a restart serves what the target records
run 0 "deploy b again" deploy "$FB" listener
kill -TERM "$spid"; wait "$spid" 2>/dev/null
rm -f "$portfile"
"$OPSGATE" --data "$D" serve --listen "127.0.0.1:$PORT" --port-file "$portfile" \
  --tls-cert-id "$FA" --tls-tenant acme >"$T/server2.log" 2>&1 &
spid=$!
_bg_pids+=("$spid")
wait_served 127.0.0.1 "$PORT" localhost "$FB" && ok || bad "after a restart the recorded b is served"
# Without a record (as after the rollback of a first deploy) --tls-cert-id is served and recorded.
rm -f "$rec"
wait_served 127.0.0.1 "$PORT" localhost "$FA" && ok || bad "without a record, --tls-cert-id's a"
for _ in $(seq 50); do [ -s "$rec" ] && break; sleep 0.1; done
eq "$(fp "$rec")" "$FA" "a recorded again"
kill -TERM "$spid"; wait "$spid" 2>/dev/null
run 0 "audit verify" og audit verify
done_tests
