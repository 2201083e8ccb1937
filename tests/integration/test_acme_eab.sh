#!/usr/bin/env bash
# test_acme_eab.sh - External Account Binding against Pebble configured to require it (the EAB
# keys of Pebble's example configuration): refused without, refused with a wrong MAC key,
# accepted with the right one, and the bound account issues.
set -euo pipefail
. "$(dirname "$0")/acme/lib.sh"
acme_need
export PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_WFE_NONCEREJECT=0   # this test is about accounts
acme_start eab
O=$OPSGATE
"$O" tenant create t1 >/dev/null
KEY1=zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W
KEY2=b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH
set +e
out=$("$O" acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "acme:externalAccountRequired" <<<"$out" || fail "no EAB must be refused with its problem type: $rc $out"
out=$("$O" acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" --eab-kid kid-1 --eab-hmac-key "$KEY2" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "acme:" <<<"$out" || fail "a wrong MAC key must be refused: $rc $out"
out=$("$O" acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" --eab-kid kid-1 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q -- "--eab-hmac-key" <<<"$out" || fail "kid without key: $rc $out"
out=$("$O" acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" --eab-kid kid-1 --eab-hmac-key 'not base64!' 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "eab-hmac-key" <<<"$out" || fail "bad MAC key: $rc $out"
set -e
[ "$("$O" acme account list --tenant t1 --json | jq '.accounts | length')" = 0 ] || fail "a refused account was recorded"
A=$("$O" acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" --eab-kid kid-1 --eab-hmac-key "$KEY1" --key-type rsa2048)
"$O" acme account show --tenant t1 "$A" --json | jq -e '.eab_kid == "kid-1" and .key_type == "rsa2048"' >/dev/null || fail "account show"
"$O" cert issue --tenant t1 --name eab.example.test --challenge http-01 --http-listen 127.0.0.1:$HTTP_PORT >/dev/null
# the audit trail records the account creation without the MAC key
grep -q "acme.account.create" <<<"$("$O" audit list --tenant t1 --json 2>/dev/null)" || fail "not audited"
! grep -q "$KEY1" <<<"$("$O" audit list --tenant t1 --json 2>/dev/null)" || fail "MAC key in the audit trail"

# ---- an existing account key is found by key (onlyReturnExisting), not registered again ----
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt >"$WORK/acct.pem"
A2=$("$O" acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" --key-file "$WORK/acct.pem" --eab-kid kid-2 --eab-hmac-key "$KEY2")
URL2=$("$O" acme account show --tenant t1 "$A2" --json | jq -r .account_url)
"$O" tenant create t2 >/dev/null
A3=$("$O" acme account create --tenant t2 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" --key-file "$WORK/acct.pem")
[ "$("$O" acme account show --tenant t2 "$A3" --json | jq -r .account_url)" = "$URL2" ] || fail "the key's account was not found"
grep -q '"found_existing": *true' <<<"$("$O" audit list --tenant t2 --json 2>/dev/null)" || fail "finding not audited"
set +e
out=$("$O" acme account create --tenant t2 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" --key-file "$WORK/acct.pem" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "already has this CA account" <<<"$out" || fail "same account twice: $rc $out"
out=$("$O" acme account create --tenant t2 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" --key-file /etc/hostname 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q -- "--key-file" <<<"$out" || fail "bad key file: $rc $out"
set -e
echo "test_acme_eab: ok"
