#!/usr/bin/env bash
# test_acme_ari.sh - ACME Renewal Information (RFC 9773) beside Pebble 2.4, which has none: a
# loopback front (acme/ari_proxy.py) adds renewalInfo. The renewal time is drawn inside the
# suggested window, the CertID names the certificate, Retry-After sets the next check, a window
# moved into the past makes `cert renew --due` renew at once, and the renewal order carries
# `replaces` with the old certificate's CertID. The renewal is overdue (an alert) once the
# window's end passes without a new certificate; without a window, at two thirds of the lifetime.
set -euo pipefail
. "$(dirname "$0")/acme/lib.sh"
acme_need
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed" >&2; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 is not installed" >&2; exit 77; }
export PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_WFE_NONCEREJECT=0   # not about validation
acme_start
O=$OPSGATE
DB="$OPSGATE_DATA/opsgate.db"
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
now=$(date +%s)
printf '{"start":"%s","end":"%s","retry_after":3600}' "$(iso $((now + 86400)))" "$(iso $((now + 2 * 86400)))" >"$WORK/window.json"
AP=$(free_port)
UP=${PEBBLE_DIR#https://}; UP=${UP%/dir}
python3 "$(dirname "$0")/acme/ari_proxy.py" "$AP" "$UP" "$WORK/pebble.pem" "$WORK/pebble.key" \
  "$PEBBLE_CA" "$WORK/window.json" "$WORK/ari.log" "$WORK/ratelimit.json" >"$WORK/proxy.out" 2>&1 &
ACME_PIDS="$ACME_PIDS $!"
wait_port 127.0.0.1 "$AP" 10
"$O" tenant create t1 >/dev/null
"$O" acme account create --tenant t1 --directory "https://127.0.0.1:$AP/dir" --ca-file "$PEBBLE_CA" >/dev/null

J=$("$O" cert issue --tenant t1 --name ari.example.test --challenge http-01 --http-listen 127.0.0.1:$HTTP_PORT --json)
P=$(jq -r .id <<<"$J")
[ "$(jq -r .renew_at_from <<<"$J")" = ari ] || fail "renewal time not from ARI: $J"
ra=$(date -d "$(jq -r .renew_at <<<"$J")" +%s)
[ "$ra" -ge $((now + 86400)) ] && [ "$ra" -lt $((now + 2 * 86400 + 1)) ] || fail "renew_at $ra outside the window"

# the CertID asked for is base64url(AKI) "." base64url(serial DER content) of the certificate
sqlite3 "$DB" "SELECT chain_pem FROM acme_certs WHERE plan_id = '$P'" >"$WORK/leaf.pem"
want=$(python3 - "$WORK/leaf.pem" <<'PY'
import base64, subprocess, sys
t = subprocess.run(["openssl", "x509", "-in", sys.argv[1], "-noout", "-serial", "-ext",
                    "authorityKeyIdentifier"], capture_output=True, text=True).stdout
serial = bytes.fromhex(t.split("serial=")[1].split()[0].strip())
if serial[0] & 0x80: serial = b"\0" + serial
aki = [l for l in t.splitlines() if ":" in l and "=" not in l and "X509v3" not in l][-1]
aki = bytes.fromhex(aki.strip().replace("keyid:", "").replace(":", ""))
b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
print(b(aki) + "." + b(serial))
PY
)
grep -q "\"renewalInfo\": \"$want\"" "$WORK/ari.log" || fail "renewalInfo not asked for CertID $want: $(cat "$WORK/ari.log")"
# Retry-After 3600 s sets the next check an hour out
chk=$(sqlite3 "$DB" "SELECT ari_check_us / 1000000 FROM acme_plans WHERE id = '$P'")
[ "$chk" -ge $((now + 3500)) ] && [ "$chk" -le $((now + 3700 + 60)) ] || fail "ARI re-check at $chk, want now+3600"

# not due yet: nothing renews
out=$("$O" cert renew --due --json); [ "$(jq .renewed <<<"$out")" = 0 ] || fail "renewed early: $out"

# the renewal is overdue once the CA's window ends without a new certificate (not at two thirds
# of the lifetime); the window's end is kept with the plan
end=$(sqlite3 "$DB" "SELECT ari_end_us / 1000000 FROM acme_plans WHERE id = '$P'")
[ "$end" = $((now + 2 * 86400)) ] || fail "ARI window end kept as $end, want $((now + 2 * 86400))"
overdue() { "$O" cert check-expiry --tenant t1 >/dev/null &&
  "$O" cert alerts --tenant t1 --json | jq -c '[.alerts[] | select(.rule == "renewal-overdue")]'; }
[ "$(overdue)" = "[]" ] || fail "overdue before the window ended: $(overdue)"
sqlite3 "$DB" "UPDATE acme_plans SET ari_end_us = ($(date +%s) - 60) * 1000000 WHERE id = '$P'"
a=$(overdue)
jq -e 'length == 1 and .[0].details.due_by == "ari-window" and (.[0].message | test("renewal window \\(ARI\\)"))' \
  <<<"$a" >/dev/null || fail "no overdue alert once the ARI window ended: $a"
# without a window the mark is two thirds of the lifetime, not reached by a fresh certificate
sqlite3 "$DB" "UPDATE acme_plans SET ari_end_us = NULL WHERE id = '$P'"
a=$("$O" cert check-expiry --tenant t1 >/dev/null && "$O" cert alerts --tenant t1 --state all --json)
jq -e '[.alerts[] | select(.rule == "renewal-overdue")] | length == 1 and .[0].state == "resolved"' \
  <<<"$a" >/dev/null || fail "the overdue alert is not resolved by two thirds not reached: $a"

# the CA moves the window into the past (e.g. a revocation is coming); once the re-check time
# has come (set here instead of waiting an hour), --due asks again and renews at once
printf '{"start":"%s","end":"%s","retry_after":120}' "$(iso $((now - 7200)))" "$(iso $((now - 3600)))" >"$WORK/window.json"
sqlite3 "$DB" "UPDATE acme_plans SET ari_check_us = 0 WHERE id = '$P'"
out=$("$O" cert renew --due --json)
[ "$(jq .renewed <<<"$out")" = 1 ] && [ "$(jq .failed <<<"$out")" = 0 ] || fail "--due did not renew: $out"
grep -q "\"replaces\": \"$want\"" "$WORK/ari.log" || fail "renewal order without replaces=$want: $(grep newOrder "$WORK/ari.log")"
"$O" cert plans --tenant t1 "$P" --json | jq -e '(.certificates | length) == 2 and .certificates[0].status == "previous" and .certificates[1].status == "current"' >/dev/null || fail "plan after ARI renewal"
# a first order carries no replaces
[ "$(grep -c '"newOrder"' "$WORK/ari.log")" = 2 ] && [ "$(grep -c '"replaces"' "$WORK/ari.log")" = 1 ] || fail "replaces on the wrong orders"

# ---- rate limits: a short Retry-After is waited out; a long one fails, keeps the current
# certificate and pushes the next attempt past it ----
echo '{"count": 1, "retry_after": 1}' >"$WORK/ratelimit.json"
t0=$(date +%s)
"$O" cert issue --tenant t1 --name rl.example.test --challenge http-01 --http-listen 127.0.0.1:$HTTP_PORT >/dev/null
[ $(( $(date +%s) - t0 )) -ge 1 ] && grep -q '"rateLimited": 1' "$WORK/ari.log" || fail "short Retry-After not waited out"
echo '{"count": 5, "retry_after": 7200}' >"$WORK/ratelimit.json"
CUR=$("$O" cert plans --tenant t1 "$P" --json | jq -r .current.serial)
set +e
out=$("$O" cert renew --tenant t1 "$P" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && grep -q "acme:rateLimited" <<<"$out" && grep -q "retry after 7200 s" <<<"$out" || fail "rate limit: $rc $out"
"$O" cert plans --tenant t1 "$P" --json | jq -e --arg s "$CUR" '.current.serial == $s and .failures == 1' >/dev/null || fail "rate limit changed the current certificate"
at=$(sqlite3 "$DB" "SELECT renew_at_us / 1000000 FROM acme_plans WHERE id = '$P'")
[ "$at" -ge $(( $(date +%s) + 7200 - 5 )) ] || fail "next attempt at $at is before the CA's Retry-After"
# one run of --due renews many plans with one client per account: the directory fetched once
# and one connection to the CA (kept alive, its TLS session reused) for every order of the run
echo '{"count": 0, "retry_after": 1}' >"$WORK/ratelimit.json"
for n in due1 due2; do
  "$O" cert issue --tenant t1 --name $n.example.test --challenge http-01 --http-listen 127.0.0.1:$HTTP_PORT >/dev/null
done
sqlite3 "$DB" "UPDATE acme_plans SET renew_at_us = 0, ari_check_us = NULL"
ndue=$(sqlite3 "$DB" "SELECT count(*) FROM acme_plans")
: >"$WORK/ari.log"
out=$("$O" cert renew --due --json)
[ "$(jq .renewed <<<"$out")" = "$ndue" ] && [ "$(jq .failed <<<"$out")" = 0 ] || fail "--due over $ndue plans: $out"
[ "$(grep -c '"newOrder"' "$WORK/ari.log")" = "$ndue" ] || fail "not one order per plan: $(cat "$WORK/ari.log")"
[ "$(grep -c '"dir"' "$WORK/ari.log")" = 1 ] && [ "$(grep -c '"connection"' "$WORK/ari.log")" = 1 ] ||
  fail "--due over $ndue plans: want one directory fetch and one connection: $(cat "$WORK/ari.log")"
echo "test_acme_ari: ok"
