#!/usr/bin/env bash
# test_plan_targets.sh - a renewal plan names its deploy targets: `cert issue --target` stores
# them, `cert plans ID --set-targets` changes them, and a renewal (certs.renewed, delivered by
# `events run`) deploys to the named file target only, against a real Pebble.
set -euo pipefail
. "$(dirname "$0")/acme/lib.sh"
acme_need
unset PEBBLE_VA_ALWAYS_VALID
export PEBBLE_WFE_NONCEREJECT=0
acme_start
O=$OPSGATE
T=pt1
fp() { openssl x509 -in "$1" -outform der 2>/dev/null | sha256sum | cut -c1-64; }
"$O" tenant create $T >/dev/null
"$O" acme account create --tenant $T --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" >/dev/null
mkdir -p "$WORK/named" "$WORK/other"
for t in named other; do
  "$O" target add --tenant $T $t --type file --cert-path "$WORK/$t/cert.pem" \
    --key-path "$WORK/$t/key.pem" >/dev/null
done

# ---- bad input: an unknown target is named (exit 1, before the CA is asked); --target
# belongs to issue (exit 2) ----
set +e
out=$("$O" cert issue --tenant $T --name pt.example.test --challenge http-01 \
        --http-listen 127.0.0.1:$HTTP_PORT --target named --target nosuch 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "'nosuch'" <<<"$out" || fail "unknown target at issue: $rc $out"
[ "$("$O" cert plans --tenant $T --json | jq '.plans | length')" = 0 ] || fail "a plan was recorded"
out=$("$O" cert renew --tenant $T x --target named 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q -- "--target" <<<"$out" || fail "--target without issue: $rc $out"
set -e

J=$("$O" cert issue --tenant $T --name pt.example.test --challenge http-01 \
      --http-listen 127.0.0.1:$HTTP_PORT --target named --json)
P=$(jq -r .id <<<"$J"); F1=$(jq -r .fingerprint <<<"$J")
"$O" cert plans --tenant $T --json | jq -e '.plans[0].targets == ["named"]' >/dev/null ||
  fail "plans --json lacks the targets"
"$O" cert plans --tenant $T "$P" --json | jq -e '.targets == ["named"]' >/dev/null ||
  fail "plan --json lacks the targets"
# both targets hold the first certificate: deployed by its fingerprint, and by the plan's id (the
# one ID: a plan id names its current certificate, as for renew and revoke)
"$O" cert deploy --tenant $T "$F1" --target named >/dev/null
"$O" cert deploy --tenant $T "$P" --target other >/dev/null
[ "$(fp "$WORK/named/cert.pem")" = "$F1" ] || fail "first deploy by fingerprint"
[ "$(fp "$WORK/other/cert.pem")" = "$F1" ] || fail "first deploy by plan id"

set +e
out=$("$O" cert plans --tenant $T "$P" --set-targets named,nosuch 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "'nosuch'" <<<"$out" || fail "unknown target at set: $rc $out"
out=$("$O" cert plans --tenant $T --set-targets named 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--set-targets without ID: $rc $out"
set -e
"$O" cert plans --tenant $T "$P" --json | jq -e '.targets == ["named"]' >/dev/null ||
  fail "a refused change changed the targets"
"$O" cert plans --tenant $T "$P" --set-targets other,named >/dev/null
"$O" cert plans --tenant $T "$P" --json | jq -e '.targets == ["named", "other"]' >/dev/null ||
  fail "set-targets"
"$O" cert plans --tenant $T "$P" --set-targets named | grep -Eq "^targets +named$" ||
  fail "plans shows the targets"

# ---- the renewal goes to the named target only, although the other holds the previous one ----
R=$("$O" cert renew --tenant $T "$P" --json)
F2=$(jq -r .result.fingerprint <<<"$R")
[ -n "$F2" ] && [ "$F2" != "$F1" ] || fail "renew: $R"
"$O" events list --tenant $T --json | jq -e '[.events[] | select(.type == "certs.renewed" and
  .payload.targets == ["named"])] | length == 1' >/dev/null || fail "certs.renewed lacks targets"
"$O" events run >/dev/null
[ "$(fp "$WORK/named/cert.pem")" = "$F2" ] || fail "the named target did not get the renewal"
[ "$(fp "$WORK/other/cert.pem")" = "$F1" ] || fail "the unnamed target got the renewal"
"$O" gate list --tenant $T --json | jq -e '[.gates[] | select(.kind == "certs.deploy")] | length == 3' \
  >/dev/null || fail "not a certs.deploy gate action"

# ---- cleared: renewals follow the previous certificate again (both targets) ----
"$O" cert plans --tenant $T "$P" --set-targets "" >/dev/null
"$O" cert plans --tenant $T "$P" --json | jq -e '.targets == []' >/dev/null || fail "cleared"
R=$("$O" cert renew --tenant $T "$P" --json); F3=$(jq -r .result.fingerprint <<<"$R")
"$O" events run >/dev/null
[ "$(fp "$WORK/named/cert.pem")" = "$F3" ] || fail "without targets: the holder of F2"
[ "$(fp "$WORK/other/cert.pem")" = "$F1" ] || fail "without targets: other holds F1, not F2"
echo "test_plan_targets: ok"
