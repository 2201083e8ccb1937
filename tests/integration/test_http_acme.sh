#!/usr/bin/env bash
# test_http_acme.sh - the ACME routes (issue 22, src/http/acme_api.c) against a real Pebble with
# real http-01 validation, one server for the file: a tenant-admin's account at a loopback CA is
# refused by the egress policy until a platform-admin allows the range, then registered (no key in
# any answer); issuing with a challenge setting of the host is platform-only (403 for the tenant's
# roles, 404 for another tenant's); a platform-admin issues, an engineer renews through the
# certs.renew gate (200 at L1, 202 pending at L2), sets the plan's deploy targets and revokes;
# globex's admin gets 404 for acme's accounts and plans by path and by id; bad input is 400
# naming the field; a name the CA cannot validate is 502 with the CA's reason.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"
for t in openssl pebble pebble-challtestsrv; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed" >&2; exit 77; }
done
. "$(dirname "$0")/acme/lib.sh"
unset PEBBLE_VA_ALWAYS_VALID
export PEBBLE_WFE_NONCEREJECT=0
acme_start
trap 'acme_cleanup; og_cleanup' EXIT

D="$OG_TMP/data"
og_fixture "$D"
og_serve "$D" || exit 1
A=/api/v1/tenants/acme/acme
secrets=""  # every answer, checked for key material at the end
call() { api "$@"; secrets+="$body"$'\n'; }

# ---- accounts ----
acct_body() { jq -nc --arg d "$PEBBLE_DIR" --rawfile ca "$PEBBLE_CA" '{directory: $d, ca_pem: $ca, email: "ops@example.com"}'; }
call POST $A/accounts "$eve" "$(acct_body)"
expect_error 403 forbidden "an engineer cannot register an account"
call POST $A/accounts "$ada" "$(acct_body)"
expect_error 403 forbidden "a tenant-admin's loopback CA is refused by the egress policy"
grep -q "127.0.0.1" <<<"$body" && ok || bad "the egress refusal names the address: $body"
call POST $A/accounts "$ada" '{"directory": "https://x.example/dir", "colour": "red"}'
expect_error 400 invalid "an unknown field"
grep -q "colour" <<<"$body" && ok || bad "the unknown field is named: $body"
call POST $A/accounts "$ada" "$(jq -nc --arg d "$PEBBLE_DIR" '{directory: $d, ca_pem: "not a pem"}')"
expect_error 400 invalid "ca_pem without a certificate"
# a host NAME that resolves to loopback is checked where it connects, on the address used: the
# tenant-admin's (HTTP) and the local operator's (CLI) accounts at https://localhost are refused
# until the range is allowed, then registered
PORT=${PEBBLE_DIR#https://127.0.0.1:}; PORT=${PORT%%/*}
LOCALDIR="https://localhost:$PORT/dir"
named_body() { jq -nc --arg d "$LOCALDIR" --rawfile ca "$PEBBLE_CA" '{directory: $d, ca_pem: $ca}'; }
call POST /api/v1/tenants/globex/acme/accounts "$gus" "$(named_body)"
expect_error 403 forbidden "a tenant-admin's CA named localhost is refused where it connects"
grep -q "is refused: a loopback address" <<<"$body" && ok || bad "the refusal names the loopback range: $body"
grep -q "localhost" <<<"$body" && ok || bad "the refusal names the URL: $body"
if og acme account create --tenant globex --directory "$LOCALDIR" --ca-file "$PEBBLE_CA" >/dev/null 2>"$OG_TMP/err"; then
  bad "the local operator's CA named localhost was registered without an allowed range"
else
  grep -q "is refused: a loopback address" "$OG_TMP/err" && grep -Eq "opsgate notify egress allow (127.0.0.0/8|::1/128)" "$OG_TMP/err" &&
    ok || bad "the CLI refusal names the range and the command that allows it: $(cat "$OG_TMP/err")"
fi
[ "$(og acme account list --tenant globex --json | jq '.accounts | length')" = 0 ] && ok ||
  bad "no account recorded by the refused attempts"
q notify egress allow 127.0.0.0/8
call POST /api/v1/tenants/globex/acme/accounts "$gus" "$(named_body)"
expect_status 201 "the CA named localhost is registered once loopback is allowed"
expect_jq .status valid "the named CA's account is valid"
call POST $A/accounts "$ada" "$(acct_body)"
expect_status 201 "the tenant-admin registers an account once loopback is allowed"
expect_jq .status valid "the account is valid at the CA"
expect_jq .ca_file true "it records that it trusts a CA of its own"
ACCT=$(jq -r .id <<<"$body")
expect_header Location "/api/v1/tenants/acme/acme/accounts/$ACCT" "Location of the account"
call GET $A/accounts "$aud"
expect_jq '.accounts | length' 1 "an auditor lists the account"
call GET $A/accounts/$ACCT "$eve"
expect_jq .id "$ACCT" "an engineer reads the account"
call GET $A/accounts "$gus"
expect_error 404 not_found "globex's admin: acme's accounts"
other=$body
call GET /api/v1/tenants/nosuch/acme/accounts "$gus"
[ "${other/tenants\/acme/tenants/X}" = "${body/tenants\/nosuch/tenants/X}" ] && ok || bad "another tenant answers like a missing one: $other / $body"
call GET /api/v1/tenants/globex/acme/accounts/$ACCT "$gus"
expect_error 404 not_found "globex's admin: acme's account id under globex"
call POST $A/accounts/$ACCT/rollover "$eve"
expect_error 403 forbidden "an engineer cannot roll the account key over"
call POST $A/accounts/$ACCT/rollover "$ada"
expect_status 200 "the tenant-admin rolls the account key over"

# ---- issue: the challenge's host settings are a platform-admin's ----
issue() { jq -nc --arg l "127.0.0.1:$HTTP_PORT" '{names: ["www.example.test"], challenge: "http-01", http_listen: $l}'; }
call POST $A/plans "$ada" "$(issue)"
expect_error 403 forbidden "a tenant-admin cannot bind a port of the host"
grep -q "http_listen" <<<"$body" && ok || bad "the refusal names the settings: $body"
call POST $A/plans "$eve" "$(issue)"
expect_error 403 forbidden "nor can an engineer"
call POST /api/v1/tenants/globex/acme/plans "$ada" "$(issue)"
expect_error 404 not_found "another tenant's plans: 404, not 403"
call POST $A/plans "$admin" '{"names": ["www.example.test"], "challenge": "http-01"}'
expect_error 400 invalid "http-01 without a listen address or webroot"
grep -q "(field 'http_listen' or 'webroot')" <<<"$body" && ok || bad "the message names the fields: $body"
call POST $A/plans "$admin" '{"names": "www.example.test"}'
expect_error 400 invalid "names must be an array"
call POST $A/plans "$admin" "$(issue)"
expect_status 201 "a platform-admin issues through Pebble"
PLAN=$(jq -r .id <<<"$body"); S1=$(jq -r .serial <<<"$body")
# the CA cannot validate a name (nothing answers its http-01 request): 502 with the CA's reason
call POST $A/plans "$admin" "$(jq -nc --arg l "127.0.0.1:$(free_port)" \
  '{names: ["nowhere.example.test"], challenge: "http-01", http_listen: $l}')"
expect_error 502 upstream "a CA refusal is 502, not 500"
grep -q "nowhere.example.test" <<<"$body" && ok || bad "the 502 names the refused name: $body"
[ -n "$S1" ] && [ "$S1" != null ] && ok || bad "the plan has a serial: $body"
call GET $A/plans "$eve"
expect_jq '.plans | map(.id) | index("'"$PLAN"'") != null' true "an engineer lists the plan"
call GET $A/plans/$PLAN "$aud"
expect_jq .id "$PLAN" "an auditor reads the plan"
call GET /api/v1/tenants/globex/acme/plans/$PLAN "$gus"
expect_error 404 not_found "globex's admin: acme's plan id under globex"

# ---- renew through the gate ----
call POST $A/plans/$PLAN/renew "$aud"
expect_error 403 forbidden "an auditor cannot renew"
call POST $A/plans/$PLAN/renew "$eve"
expect_status 200 "an engineer renews at L1"
expect_jq .state review "L1: done, open for review"
S2=$(jq -r .result.new_serial <<<"$body")
[ "$S2" != "$S1" ] && [ "$S2" != null ] && ok || bad "a new serial: $S1 -> $S2"
call PUT /api/v1/tenants/acme/gate-policy/certs.renew "$ada" '{"level": "L2"}'
expect_status 200 "the tenant-admin raises certs.renew to L2"
call POST $A/plans/$PLAN/renew "$eve"
expect_status 202 "L2: the renewal waits for approval"
expect_jq .state pending "the gate item is pending"
GATE=$(jq -r .gate_id <<<"$body")
call GET /api/v1/gates/$GATE "$ada"
expect_jq .kind certs.renew "the item is a certs.renew item"
call POST /api/v1/tenants/acme/gates "$eve" '{"kind": "certs.renew"}'
grep -q "acme/plans/{id}/renew" <<<"$body" && ok || bad "the general endpoint names the renew route: $body"

# ---- deploy targets of the plan ----
call POST /api/v1/tenants/acme/deploy-targets "$admin" \
  "$(jq -nc --arg c "$OG_TMP/out/cert.pem" --arg k "$OG_TMP/out/key.pem" '{name: "web", type: "file", config: {cert_path: $c, key_path: $k}}')"
expect_status 201 "a platform-admin adds a file target"
call PUT $A/plans/$PLAN/targets "$eve" '{"targets": ["web"]}'
expect_status 200 "an engineer sets the plan's targets"
expect_jq '.targets | join(",")' web "the plan goes to web"
call PUT $A/plans/$PLAN/targets "$eve" '{"targets": ["nosuch"]}'
expect_error 404 not_found "an unknown target"
call PUT $A/plans/$PLAN/targets "$eve" '{"targets": "web"}'
expect_error 400 invalid "targets must be an array"

# ---- revoke ----
call POST $A/plans/$PLAN/revoke "$eve" '{"reason": "bored"}'
expect_error 400 invalid "an unknown reason"
call POST $A/plans/$PLAN/revoke "$gus" '{"reason": "superseded"}'
expect_error 404 not_found "globex's admin cannot revoke acme's certificate"
call POST $A/plans/$PLAN/revoke "$eve" '{"reason": "superseded"}'
expect_status 200 "an engineer revokes the current certificate"
expect_jq .status revoked "revoked"
call POST $A/plans/$PLAN/revoke "$eve" '{}'
expect_error 409 conflict "revoking it twice"

# no key material in any answer, nor in the server's log
! grep -q "PRIVATE KEY" <<<"$secrets" && ok || bad "an answer carried a private key"
! grep -q "PRIVATE KEY" "$OG_SERVER_LOG" && ok || bad "the server log carries a private key"
og_done
