#!/usr/bin/env bash
# test_acme.sh - ACME issuance, renewal, override, revocation and key rollover against a real
# Pebble with real validation: http-01 by the built-in responder and by a webroot, dns-01 through
# pebble-challtestsrv; and the failure paths (validation failed, CA unreachable, bad input).
set -euo pipefail
. "$(dirname "$0")/acme/lib.sh"
acme_need
unset PEBBLE_VA_ALWAYS_VALID
export PEBBLE_WFE_NONCEREJECT=0
acme_start
O=$OPSGATE
T=acme1
"$O" tenant create $T >/dev/null

# ---- usage errors name the bad value and exit 2 ----
set +e
out=$("$O" acme account create --tenant $T 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q -- "--directory" <<<"$out" || fail "missing --directory: $rc $out"
out=$("$O" acme account create --tenant $T --directory ftp://x 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "ftp://x" <<<"$out" || fail "bad directory URL: $rc $out"
out=$("$O" acme account create --tenant $T --directory "$PEBBLE_DIR" --key-type dsa 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "'dsa'" <<<"$out" || fail "bad key type: $rc $out"
out=$("$O" acme account create --tenant $T --directory "$PEBBLE_DIR" --ca-file /nonexistent 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "/nonexistent" <<<"$out" || fail "missing ca file: $rc $out"
out=$("$O" acme account create --tenant $T --directory "$PEBBLE_DIR" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "not trusted (.*) (--ca-file PEM trusts a private CA)" <<<"$out" || fail "untrusted CA TLS must fail: $rc $out"
out=$("$O" cert issue --tenant $T --name www.example.test --challenge http-01 --http-listen 127.0.0.1:1 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "no ACME account (create one with \`opsgate acme account create\`)" <<<"$out" || fail "issue without account: $rc $out"
# `acme account` is a group of subcommands: its own help, usage lines and errors
out=$("$O" acme --help 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q "opsgate acme account rollover ID --tenant T" <<<"$out" || fail "acme --help lists the group's usage: $rc $out"
out=$("$O" acme account frob --tenant $T 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "unknown subcommand 'frob' (create, list, show, rollover)" <<<"$out" || fail "unknown acme account subcommand: $rc $out"
out=$("$O" acme account show --tenant $T 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "opsgate acme account show --help" <<<"$out" || fail "missing ID points at the subcommand's help: $rc $out"
set -e

ACCT=$("$O" acme account create --tenant $T --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" --email ops@example.com)
"$O" acme account show --tenant $T "$ACCT" --json | jq -e '.status == "valid" and (.account_url | test("/my-account/"))' >/dev/null || fail "account show"
"$O" acme account list --tenant $T --json | jq -e '.accounts | length == 1' >/dev/null || fail "account list"
! "$O" acme account show --tenant $T "$ACCT" --json | grep -qi "PRIVATE KEY" || fail "key shown"

set +e
for bad in "--name WWW.EXAMPLE.TEST" "--name bad_name.test" "--name *.example.test" "--name a.test --name a.test"; do
  # shellcheck disable=SC2086
  out=$("$O" cert issue --tenant $T $bad --challenge http-01 --http-listen 127.0.0.1:$HTTP_PORT 2>&1); rc=$?
  [ $rc -eq 2 ] || fail "bad names '$bad' must exit 2: $rc $out"
done
out=$("$O" cert issue --tenant $T --name a.test --challenge tls-sni-01 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "tls-sni-01" <<<"$out" || fail "unknown challenge: $rc $out"
out=$("$O" cert issue --tenant $T --name a.test --challenge tls-alpn-01 2>&1); rc=$?
# the library says what is missing; the CLI adds which option gives it (issue 13)
[ $rc -eq 2 ] && grep -q "needs a listen address (option --tls-listen)" <<<"$out" || fail "tls-alpn-01 without address: $rc $out"
out=$("$O" cert issue --tenant $T --name a.test --challenge http-01 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q -- "--http-listen" <<<"$out" || fail "http-01 without target: $rc $out"
out=$("$O" cert issue --tenant $T --name a.test --challenge http-01 --http-listen nonsense 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "nonsense" <<<"$out" || fail "bad listen address: $rc $out"
out=$("$O" cert issue --tenant $T --name a.test --challenge dns-01 --dns-provider route53 --dns-config x 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "route53" <<<"$out" || fail "unknown dns provider: $rc $out"
set -e

# ---- http-01 with the built-in responder, real validation by Pebble's VA ----
J=$("$O" cert issue --tenant $T --name www.example.test --name example.test --challenge http-01 \
      --http-listen 127.0.0.1:$HTTP_PORT --json)
P1=$(jq -r .id <<<"$J"); S1=$(jq -r .serial <<<"$J")
[ "$(jq -r .renew_at_from <<<"$J")" = "2/3" ] || fail "Pebble 2.4 has no ARI: renew at 2/3"
# the inventory has it, with its key held (sealed)
"$O" cert list --tenant $T --json | jq -e --arg f "$(jq -r .fingerprint <<<"$J")" '.certs | map(select(.fingerprint == $f)) | length == 1' >/dev/null || fail "not in inventory"
# chain verifies against Pebble's root (fetched from its management API)
curl -sf --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/roots/0" >"$WORK/root.pem"
sqlite3 "$OPSGATE_DATA/opsgate.db" "SELECT chain_pem FROM acme_certs WHERE plan_id = '$P1'" >"$WORK/chain.pem"
[ -s "$WORK/chain.pem" ] || fail "no chain stored"
{
  awk 'BEGIN{n=0} /BEGIN CERT/{n++} n>1' "$WORK/chain.pem" >"$WORK/inter.pem"
  openssl verify -CAfile "$WORK/root.pem" -untrusted "$WORK/inter.pem" "$WORK/chain.pem" >/dev/null || fail "chain does not verify"
  openssl x509 -in "$WORK/chain.pem" -noout -ext subjectAltName | grep -q "DNS:example.test" || fail "SAN"
  grep -q "prime256v1\|P-256" <<<"$(openssl x509 -in "$WORK/chain.pem" -noout -text)" || fail "ec256 default"
}
# no private key in clear anywhere in the data folder
! grep -rqa "BEGIN PRIVATE KEY" "$OPSGATE_DATA" || fail "a private key in clear in the data folder"

# ---- http-01 by webroot: a separate web server (python) serves the folder ----
mkdir -p "$WORK/www"
WP=$(free_port)
( cd "$WORK/www" && exec python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 ) >"$WORK/www.log" 2>&1 &
WWW=$!; ACME_PIDS="$ACME_PIDS $WWW"
wait_port 127.0.0.1 "$HTTP_PORT" 10
J=$("$O" cert issue --tenant $T --name web.example.test --challenge http-01 --webroot "$WORK/www" --key-type rsa2048 --json)
grep -q "GET /.well-known/acme-challenge/" "$WORK/www.log" || fail "webroot not used"
[ -z "$(ls -A "$WORK/www/.well-known/acme-challenge")" ] || fail "webroot tokens not removed"
kill $WWW; wait $WWW 2>/dev/null || true

# ---- dns-01 through challtestsrv, a wildcard, P-384 ----
J=$("$O" cert issue --tenant $T --name '*.example.test' --name example.test --challenge dns-01 \
      --dns-provider challtestsrv --dns-config "$CTS_MGMT" --key-type ec384 --json)
P3=$(jq -r .id <<<"$J")
grep -q "Added DNS-01 TXT challenge" "$WORK/challtestsrv.log" || fail "dns-01 TXT not set"
grep -q "Removed DNS-01 TXT challenge" "$WORK/challtestsrv.log" || fail "dns-01 TXT not cleared"

# ---- tls-alpn-01 (RFC 8737) with the built-in TLS responder ----
J=$("$O" cert issue --tenant $T --name tls.example.test --challenge tls-alpn-01 --tls-listen 127.0.0.1:$TLS_PORT --json)
P4=$(jq -r .id <<<"$J")
grep -q "tls-alpn-01" <(sqlite3 "$OPSGATE_DATA/opsgate.db" "SELECT challenge FROM acme_plans WHERE id = '$(jq -r .id <<<"$J")'") || fail "tls-alpn-01 plan"

# ---- failed validation: nobody answers on the VA's port; the problem type and name are shown ----
set +e
out=$("$O" cert issue --tenant $T --name fail.example.test --challenge http-01 --http-listen 127.0.0.1:$WP --timeout 30s 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "failed validation must exit 1: $out"
grep -q "fail.example.test" <<<"$out" && grep -q "acme:connection\|acme:unauthorized\|acme:" <<<"$out" || fail "validation error: $out"
[ "$("$O" cert plans --tenant $T --json | jq '.plans | length')" = 4 ] || fail "a failed order recorded a plan"

# ---- renewal: gate L1, old and new serial, previous kept; override restores it ----
R=$("$O" cert renew --tenant $T "$P1" --json)
[ "$(jq -r .level <<<"$R")" = L1 ] && [ "$(jq -r .state <<<"$R")" = review ] || fail "renew gate: $R"
[ "$(jq -r .result.old_serial <<<"$R")" = "$S1" ] || fail "old serial: $R"
S2=$(jq -r .result.new_serial <<<"$R"); [ "$S2" != "$S1" ] || fail "new serial"
G=$(jq -r .gate_id <<<"$R")
"$O" cert plans --tenant $T "$P1" --json | jq -e --arg s "$S2" '.current.serial == $s and (.certificates | length == 2) and (.certificates[1].replaces != null)' >/dev/null || fail "plan after renew"
"$O" events list --tenant $T --json | jq -e --arg s "$S2" '[.events[] | select(.type == "certs.renewed" and .payload.new_serial == $s and (.payload.previous_fingerprint | length) == 64)] | length == 1' >/dev/null || fail "no certs.renewed event for deploy"
"$O" user add --tenant $T ops --role tenant-admin >/dev/null
"$O" --as ops gate override "$G" --note "new cert broke the client" >/dev/null
"$O" events list --tenant $T --json | jq -e '[.events[] | select(.type == "certs.renewed" and .payload.override == true)] | length == 1' >/dev/null || fail "override did not send targets back"
"$O" cert plans --tenant $T "$P1" --json | jq -e --arg s "$S1" '.current.serial == $s' >/dev/null || fail "override did not restore the previous certificate"

# ---- revocation, checked through Pebble's management API ----
"$O" cert revoke --tenant $T "$P3" --reason keyCompromise
SER3=$("$O" cert plans --tenant $T "$P3" --json | jq -r .current.serial)
curl -sf --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/cert-status-by-serial/$SER3" | jq -e '.Status == "Revoked"' >/dev/null || fail "Pebble does not list $SER3 as revoked"
set +e
out=$("$O" cert revoke --tenant $T "$P3" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "already revoked" <<<"$out" || fail "double revoke: $rc $out"
out=$("$O" cert revoke --tenant $T "$P1" --reason bogus 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "bogus" <<<"$out" || fail "bad reason: $rc $out"
out=$("$O" cert renew --tenant $T 00000000-0000-4000-8000-000000000000 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "no ACME certificate" <<<"$out" || fail "unknown plan: $rc $out"
set -e

# ---- account key rollover: the old key stops working, the new one renews ----
"$O" acme account rollover --tenant $T "$ACCT" >/dev/null
R=$("$O" cert renew --tenant $T "$P1" --json)
jq -e '.result.new_serial != null' <<<"$R" >/dev/null || fail "renew after rollover: $R"

# ---- one certificate ID: renew and revoke by the inventory fingerprint (or a prefix of 8+ hex
# digits), deploy by the plan's id ----
FP1=$("$O" cert plans --tenant $T "$P1" --json | jq -r .current.fingerprint)
R=$("$O" cert renew --tenant $T "${FP1:0:12}" --json)
[ "$(jq -r .id <<<"$R")" = "$P1" ] && jq -e '.result.new_serial != null' <<<"$R" >/dev/null || fail "renew by fingerprint prefix: $R"
FP4=$("$O" cert plans --tenant $T "$P4" --json | jq -r .current.fingerprint)
"$O" cert revoke --tenant $T "$(sed 's/../&:/g; s/:$//' <<<"${FP4:0:20}")" >/dev/null || fail "revoke by a colon-separated prefix"
SER4=$("$O" cert plans --tenant $T "$P4" --json | jq -r .current.serial)
curl -sf --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/cert-status-by-serial/$SER4" | jq -e '.Status == "Revoked"' >/dev/null || fail "revoke by fingerprint did not revoke $SER4"
set +e
out=$("$O" cert renew --tenant $T "${FP1:0:6}" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "no ACME certificate" <<<"$out" || fail "a 6-digit prefix is no ID: $rc $out"
set -e
mkdir -p "$WORK/deploy"
"$O" target add --tenant $T files --type file --cert-path "$WORK/deploy/c.pem" --key-path "$WORK/deploy/k.pem" >/dev/null
"$O" cert deploy --tenant $T "$P1" --target files >/dev/null || fail "deploy by plan id"
[ "$(openssl x509 -in "$WORK/deploy/c.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)" = \
  "$("$O" cert plans --tenant $T "$P1" --json | jq -r .current.fingerprint)" ] || fail "deploy by plan id: not the plan's current certificate"

# ---- an IP address identifier (http-01); roles: auditors read, engineers issue, only
# tenant-admins manage accounts ----
"$O" cert issue --tenant $T --name 127.0.0.1 --challenge http-01 --http-listen 127.0.0.1:$HTTP_PORT --key-type rsa3072 >/dev/null
"$O" user add --tenant $T aud --role auditor >/dev/null
"$O" user add --tenant $T eng --role engineer >/dev/null
set +e
out=$("$O" --as aud cert issue --tenant $T --name a.example.test --challenge http-01 --http-listen 127.0.0.1:$HTTP_PORT 2>&1); rc=$?
[ $rc -eq 1 ] && grep -qi "auditor" <<<"$out" || fail "auditor issued: $rc $out"
out=$("$O" --as eng acme account create --tenant $T --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "tenant-admin" <<<"$out" || fail "engineer created an account: $rc $out"
set -e
"$O" --as aud cert plans --tenant $T --json | jq -e '.plans | length >= 4' >/dev/null || fail "auditor cannot read plans"
"$O" --as eng cert issue --tenant $T --name eng.example.test --challenge http-01 --http-listen 127.0.0.1:$HTTP_PORT >/dev/null

# ---- at L2 the renewal waits for approval; the order is placed only when approved ----
"$O" gate policy set --tenant $T certs.renew L2 >/dev/null
BEFORE=$("$O" cert plans --tenant $T "$P1" --json | jq -r .current.serial)
orders=$(grep -c "POST /order-plz" "$WORK/pebble.log" || true)
R=$("$O" cert renew --tenant $T "$P1" --json)
[ "$(jq -r .state <<<"$R")" = pending ] || fail "L2 renew: $R"
[ "$(grep -c "POST /order-plz" "$WORK/pebble.log" || true)" = "$orders" ] || fail "an order was placed before approval"
[ "$("$O" cert plans --tenant $T "$P1" --json | jq -r .current.serial)" = "$BEFORE" ] || fail "renewed before approval"
"$O" user add --tenant $T boss --role tenant-admin >/dev/null
"$O" --as boss gate approve "$(jq -r .gate_id <<<"$R")" --note ok >/dev/null
[ "$("$O" cert plans --tenant $T "$P1" --json | jq -r .current.serial)" != "$BEFORE" ] || fail "approval did not renew"
# the local operator set L2 and takes it back (boss lowering it would wait for a second admin)
"$O" gate policy set --tenant $T certs.renew L1 >/dev/null

# ---- another tenant sees nothing ----
"$O" tenant create other >/dev/null
set +e
out=$("$O" cert renew --tenant other "$P1" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && grep -q "no ACME certificate" <<<"$out" || fail "cross-tenant renew: $out"

# ---- CA unreachable: the current certificate stays current, the failure is recorded ----
CUR=$("$O" cert plans --tenant $T "$P1" --json | jq -r .current.serial)
for p in $ACME_PIDS; do kill "$p" 2>/dev/null || true; done
sleep 0.3
set +e
out=$("$O" cert renew --tenant $T "$P1" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && grep -q "127.0.0.1" <<<"$out" || fail "unreachable CA: $rc $out"
"$O" cert plans --tenant $T "$P1" --json | jq -e --arg s "$CUR" '.current.serial == $s and .failures == 1 and (.last_error | length > 0)' >/dev/null || fail "failure not recorded or current changed"
grep -q "certs.renew.failed" <<<"$("$O" events list --tenant $T --json)" || fail "no certs.renew.failed event (alert)"
# the CA's error history the next renewal's analysis reads: one failed order, its type, no URL
cae=$(sqlite3 "$OPSGATE_DATA/opsgate.db" "SELECT COUNT(*) || ' ' || MAX(error_type) || ' ' || MAX(ca_hash) FROM infer_ca_errors")
[[ "$cae" =~ ^1\ (connection|timeout|other)\ [0-9a-f]{64}$ ]] || fail "CA error not noted: $cae"
# the failed plan backs off: it is not due again at once
out=$("$O" cert renew --due --tenant $T --json); [ "$(jq .renewed <<<"$out")" = 0 ] || fail "no backoff: $out"
echo "test_acme: ok"
