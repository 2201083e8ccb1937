#!/usr/bin/env bash
# test_acme_rfc2136.sh - dns-01 through RFC 2136 dynamic updates signed with TSIG against a real
# Knot DNS server on loopback, which Pebble's VA also uses as its resolver: real validation,
# the propagation check, and the failure paths (wrong TSIG secret, a check server that does not
# answer) with errors naming the server.
set -euo pipefail
. "$(dirname "$0")/acme/lib.sh"
acme_need
command -v knotd >/dev/null || { echo "SKIP: knotd is not installed (Debian package knot; scripts/test-deps.sh)" >&2; exit 77; }
unset PEBBLE_VA_ALWAYS_VALID
export PEBBLE_WFE_NONCEREJECT=0
KP=$(free_port)
export PEBBLE_DNS=127.0.0.1:$KP
acme_start
O=$OPSGATE
SECRET=$(openssl rand -base64 32)
mkdir -p "$WORK/knot"
cat >"$WORK/knot/example.test.zone" <<ZONE
\$ORIGIN example.test.
\$TTL 60
@ SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
@ NS ns.example.test.
ns A 127.0.0.1
@ A 127.0.0.1
* A 127.0.0.1
ZONE
cat >"$WORK/knot/knot.conf" <<CONF
server:
  listen: 127.0.0.1@$KP
  rundir: "$WORK/knot"
$( [ "$(id -u)" = 0 ] && echo "  user: root:root" )
database:
  storage: "$WORK/knot"
key:
  - id: opsgate-key
    algorithm: hmac-sha256
    secret: $SECRET
acl:
  - id: update
    key: opsgate-key
    action: update
zone:
  - domain: example.test
    storage: "$WORK/knot"
    file: example.test.zone
    acl: update
    zonefile-sync: -1
log:
  - target: stderr
    any: info
CONF
knotd -c "$WORK/knot/knot.conf" >"$WORK/knot.log" 2>&1 &
ACME_PIDS="$ACME_PIDS $!"
wait_port 127.0.0.1 "$KP" 10 || { cat "$WORK/knot.log" >&2; exit 1; }
sleep 0.5
"$O" tenant create t1 >/dev/null
"$O" acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" >/dev/null
CFG="server=127.0.0.1:$KP,zone=example.test,key=opsgate-key,secret=$SECRET,wait=10"

J=$("$O" cert issue --tenant t1 --name '*.example.test' --name example.test --challenge dns-01 \
      --dns-provider rfc2136 --dns-config "$CFG" --json)
P=$(jq -r .id <<<"$J")
grep -qi "update" "$WORK/knot.log" || fail "knot saw no update"
# records are removed after the order (only the delete leaves the zone as it was)
"$O" cert renew --tenant t1 "$P" >/dev/null
# the TSIG secret is not stored in clear nor shown
! "$O" cert plans --tenant t1 "$P" --json | grep -q "$SECRET" || fail "secret shown"
! grep -rqa -- "$SECRET" "$OPSGATE_DATA" || fail "secret stored in clear"

set +e
BAD=$(openssl rand -base64 32)
out=$("$O" cert issue --tenant t1 --name bad.example.test --challenge dns-01 --dns-provider rfc2136 \
      --dns-config "server=127.0.0.1:$KP,zone=example.test,key=opsgate-key,secret=$BAD" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "127.0.0.1:$KP" <<<"$out" && grep -q "NOTAUTH" <<<"$out" || fail "wrong TSIG secret: $rc $out"
DEAD=$(free_port)
out=$("$O" cert issue --tenant t1 --name slow.example.test --challenge dns-01 --dns-provider rfc2136 \
      --dns-config "$CFG,check=127.0.0.1:$KP;127.0.0.1:$DEAD,wait=2" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "has not reached DNS server 127.0.0.1:$DEAD" <<<"$out" || fail "propagation check: $rc $out"
out=$("$O" cert issue --tenant t1 --name x.example.test --challenge dns-01 --dns-provider rfc2136 \
      --dns-config "server=127.0.0.1:$KP,bogus=1" 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "bogus" <<<"$out" || fail "bad config item: $rc $out"
set -e
[ "$("$O" cert plans --tenant t1 --json | jq '.plans | length')" = 1 ] || fail "a failed order recorded a plan"
echo "test_acme_rfc2136: ok"
