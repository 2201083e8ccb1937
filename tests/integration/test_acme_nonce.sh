#!/usr/bin/env bash
# test_acme_nonce.sh - Pebble rejecting 30% of good nonces (PEBBLE_WFE_NONCEREJECT=30): every
# badNonce is retried with the fresh nonce it carried, so issuance, renewal and revocation still
# succeed; also alternate chains (PEBBLE_ALTERNATE_ROOTS) are downloaded and kept.
set -euo pipefail
. "$(dirname "$0")/acme/lib.sh"
acme_need
export PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_WFE_NONCEREJECT=30 PEBBLE_ALTERNATE_ROOTS=2
acme_start
O=$OPSGATE
"$O" tenant create t1 >/dev/null
"$O" acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" >/dev/null
retries=0
for i in 1 2 3 4 5; do
  J=$("$O" cert issue --tenant t1 --name "n$i.example.test" --challenge http-01 --http-listen 127.0.0.1:$HTTP_PORT --json)
  [ "$(jq -r .alternates <<<"$J")" -ge 1 ] || fail "no alternate chain kept: $J"
  retries=$(( retries + $(jq -r .badnonce_retries <<<"$J") ))
done
# five orders are some 50 signed requests: at 30% rejection, zero retries would mean none happened
echo "badNonce answers retried: $retries"
[ "$retries" -gt 0 ] || fail "no badNonce was retried"
P=$(jq -r .id <<<"$J")
"$O" cert renew --tenant t1 "$P" >/dev/null
"$O" cert revoke --tenant t1 "$P" >/dev/null
"$O" cert plans --tenant t1 "$P" --json | jq -e '.certificates[0].alternate_chains >= 1' >/dev/null || fail "alternates not listed"
echo "test_acme_nonce: ok"
