#!/usr/bin/env bash
# test_auth_throttle.sh - failed authentications are limited per source address and per token id
# (opsgate serve --auth-fail-limit/--auth-fail-window): the 11th bad token from 127.0.0.1 gets 429
# with Retry-After and a JSON error, good tokens from that address too until the window ends,
# one auth.throttled audit record per window, /metrics counts the refusals. Test of the test: the
# same attack against a server with --auth-fail-limit 0 gets no 429 (the check is live, not an
# accident of the script).
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
admin_id=$(printf '%s' "$admin" | cut -c4-39)

# A well-formed token with a random id and a random secret: unknown, so 401.
bad_token() {
  local id
  id=$(cat /proc/sys/kernel/random/uuid)
  printf 'og_%s_%s' "$id" "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
}
# req SRC TOKEN: GET /api/v1/whoami from source address SRC; sets $code, $body, headers.
req() {
  local src=$1 tok=$2
  code=$(curl -sS --max-time 30 --interface "$src" -o "$OG_TMP/body" -D "$OG_TMP/headers" \
    -w '%{http_code}' -H "Authorization: Bearer $tok" "$OG_URL/api/v1/whoami" 2>"$OG_TMP/curl.err") \
    || code="curl-failed:$(cat "$OG_TMP/curl.err")"
  body=$(cat "$OG_TMP/body" 2>/dev/null)
}
throttled_records() {
  "$OPSGATE" --data "$D" --json audit list --action auth.throttled 2>/dev/null |
    jq '[.. | objects | select(.action? == "auth.throttled")] | length'
}

# --- the test of the test: limit 0 = no limit, 12 bad tokens all get 401, the good one 200
og_serve "$D" --auth-fail-limit 0 --metrics-open || exit 1
n401=0
for i in $(seq 1 12); do
  req 127.0.0.1 "$(bad_token)"
  [ "$code" = 401 ] && n401=$((n401 + 1))
done
[ "$n401" = 12 ] && ok || bad "without a limit every bad token gets 401 (got $n401 of 12)"
req 127.0.0.1 "$admin"
expect_status 200 "without a limit the good token still works"
[ "$(throttled_records)" = 0 ] && ok || bad "without a limit nothing is audited as throttled"
og_stop

# --- per source: 10 failures from 127.0.0.1, then 429 for every token from it
og_serve "$D" --auth-fail-limit 10 --auth-fail-window 60s --metrics-open || exit 1
req 127.0.0.1 "$admin"
expect_status 200 "a good token before any failure"
n401=0
for i in $(seq 1 10); do
  req 127.0.0.1 "$(bad_token)"
  [ "$code" = 401 ] && n401=$((n401 + 1))
done
[ "$n401" = 10 ] && ok || bad "the first 10 bad tokens get 401 (got $n401)"
secret_tok=$(bad_token)
req 127.0.0.1 "$secret_tok"
expect_status 429 "the 11th bad token from one address"
expect_jq .error.code rate_limited "429 is a JSON error"
expect_header Retry-After '[1-9][0-9]*' "429 carries Retry-After"
ra=$(tr -d '\r' <"$OG_TMP/headers" | sed -n 's/^[Rr]etry-[Aa]fter: *//p')
[ -n "$ra" ] && [ "$ra" -ge 1 ] && [ "$ra" -le 60 ] && ok || bad "Retry-After within the window: '$ra'"
req 127.0.0.1 "$admin"
expect_status 429 "a good token from the throttled address is refused too (per-source limit)"
req 127.0.0.1 "$(bad_token)"
expect_status 429 "still refused"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$OG_URL/api/v1/whoami")
expect_status 401 "no token at all: 401, not counted as a guess"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$OG_URL/healthz")
expect_status 200 "healthz stays open"
req 127.0.0.2 "$admin"
expect_status 200 "another address is not throttled"

[ "$(throttled_records)" = 1 ] && ok || bad "one auth.throttled record per window (got $(throttled_records))"
rec=$("$OPSGATE" --data "$D" --json audit list --action auth.throttled 2>/dev/null)
case "$rec" in *127.0.0.1*) ok ;; *) bad "the record names the source: $rec" ;; esac
secret_part=${secret_tok:40}
case "$rec" in *"$secret_part"*) bad "the record holds a token secret" ;; *) ok ;; esac
curl -sS "$OG_URL/metrics" >"$OG_TMP/metrics"
grep -q '^opsgate_http_auth_throttled_total{node="[^"]*"} 3$' "$OG_TMP/metrics" && ok ||
  bad "/metrics counts 3 throttled requests: $(grep auth_throttled "$OG_TMP/metrics")"
grep -q 'status="429"} 3' "$OG_TMP/metrics" && ok || bad "/metrics has the 429s by route"
og_stop

# --- per token id: 10 wrong secrets for the admin token's id, each from its own address, then
# the real token gets 429 from a fresh address; another token is unaffected
og_serve "$D" --auth-fail-limit 10 --auth-fail-window 60s || exit 1
n401=0
for i in $(seq 10 19); do
  req "127.0.0.$i" "og_${admin_id}_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  [ "$code" = 401 ] && n401=$((n401 + 1))
done
[ "$n401" = 10 ] && ok || bad "10 wrong secrets for one token id get 401 (got $n401)"
req 127.0.0.30 "$admin"
expect_status 429 "the token id is throttled from any address"
expect_jq .error.code rate_limited "per token id: JSON error"
[ "$(throttled_records)" = 2 ] && ok || bad "the per-token refusal is audited (got $(throttled_records))"
"$OPSGATE" --data "$D" --json audit list --action auth.throttled 2>/dev/null |
  grep -q "$admin_id" && ok || bad "the record names the token id"
og_stop

# --- the window ends: after it the good token works again
og_serve "$D" --auth-fail-limit 2 --auth-fail-window 2s || exit 1
req 127.0.0.1 "$(bad_token)"; req 127.0.0.1 "$(bad_token)"; req 127.0.0.1 "$admin"
expect_status 429 "limit 2: the third attempt is refused"
sleep 3
req 127.0.0.1 "$admin"
expect_status 200 "after the window the good token works again"
og_stop

"$OPSGATE" --data "$D" audit verify >/dev/null 2>&1 && ok || bad "the audit trail verifies"
og_done
