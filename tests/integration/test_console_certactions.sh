#!/usr/bin/env bash
# test_console_certactions.sh - the certificate page's Renew and Deploy buttons in a real browser
# (tests/console/certactions_test.mjs): eve (engineer) deploys certificate b to a file target from
# the page at L1 (the files then hold b; the page names the review item and links it), ed
# overrides that review from the inbox (the files hold a again), and at L0 a deploy is done with
# no review; a certificate issued by a real
# Pebble renewed from the page at L2 is a pending item that ada approves on its page (the plan's
# current certificate then changes); an auditor sees no button and its forged POSTs are 403 with
# nothing changed; bad input is a 400 page with nothing changed; globex's session gets 404 for
# acme's certificate and its POSTs; a cloud app credential (seeded by og_app_seed, the msgraph
# stand-in) has its own page linked from the fleet. The renewal plan and deploy history show on
# the page; the page, Renew and Deploy take the certificate's one ID as the CLI does (a fingerprint
# prefix, the plan's id: the plan's certificate is deployed to web2 by plan id). Screenshots certact-* in $OG_BUILD_DIR/console-screenshots/; axe on every page.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${OG_BUILD_DIR:?the build folder (og_app_seed)}"
SEED=$OG_BUILD_DIR/og_app_seed
[ -x "$SEED" ] || { echo "SKIP: $SEED is not built" >&2; exit 77; }
og_console_need jq openssl pebble pebble-challtestsrv
# Pebble (tests/integration/acme/lib.sh) for the renewal; validation always passes here (the
# ACME flow itself is test_acme.sh's).
. "$(dirname "$0")/acme/lib.sh"
export PEBBLE_VA_ALWAYS_VALID=1
acme_start
trap 'acme_cleanup; og_cleanup' EXIT

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
q() { og "$@" >/dev/null 2>"$OG_TMP/err" || { bad "setup: $*: $(cat "$OG_TMP/err")"; og_done; }; }
q tenant create acme
q tenant create globex
q notify egress allow 127.0.0.0/8 --note "Pebble on loopback"
for u in ada:tenant-admin eve:engineer ed:engineer aud:auditor; do
  q user add --tenant acme "${u%%:*}" --role "${u#*:}"
done
q user add --tenant globex gus --role tenant-admin
tok() { og token create --tenant "$1" --user "$2" 2>/dev/null; }
tok_ada=$(tok acme ada); tok_eve=$(tok acme eve); tok_ed=$(tok acme ed); tok_aud=$(tok acme aud)
tok_gus=$(tok globex gus)

# --- two certificates of shop.acme.example with their keys; a is on the file target (reviewed)
O="$OG_TMP/out"; mkdir -p "$O"
for n in a b; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 60 \
    -subj "/CN=shop.acme.example" -addext subjectAltName=DNS:shop.acme.example \
    -keyout "$OG_TMP/$n.key" -out "$OG_TMP/$n.crt" >/dev/null 2>&1 || { bad "openssl"; og_done; }
  cat "$OG_TMP/$n.crt" "$OG_TMP/$n.key" >"$OG_TMP/$n.pem"
  q cert import --tenant acme "$OG_TMP/$n.pem"
done
fp() { openssl x509 -in "$1" -outform der | sha256sum | cut -c1-64; }
FA=$(fp "$OG_TMP/a.crt"); FB=$(fp "$OG_TMP/b.crt")
q gate policy assign --tenant acme certs ed
q target add --tenant acme web --type file --cert-path "$O/cert.pem" --key-path "$O/key.pem"
q target add --tenant acme web2 --type file --cert-path "$O/cert2.pem" --key-path "$O/key2.pem"
g_a=$(og cert deploy --tenant acme "$FA" --target web --json | jq -r .gate_id)
q --as ed gate ack "$g_a"
[ "$(fp "$O/cert.pem")" = "$FA" ] && ok || bad "a is on the target before the browser"

# --- a certificate issued through ACME (Pebble): its plan renews it
q acme account create --tenant acme --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA"
J=$(og cert issue --tenant acme --name renew.acme.test --challenge http-01 \
      --http-listen "127.0.0.1:$HTTP_PORT" --json 2>"$OG_TMP/err") || { bad "issue: $(cat "$OG_TMP/err")"; og_done; }
PLAN=$(jq -r .id <<<"$J"); FR=$(jq -r .fingerprint <<<"$J"); SERIAL=$(jq -r .serial <<<"$J")
q --as ada gate policy set --tenant acme certs.renew L2

# --- a cloud app credential, as the msgraph connector would record it
now=$(date +%s)
cat >"$OG_TMP/creds.json" <<JSON
[{"key_id": "k-secret-1", "object_id": "obj-1", "object_type": "application", "app_id": "app-1",
  "app_name": "Payroll <b>sync</b>", "type": "secret", "name": "ci-2025", "hint": "Xyz",
  "thumbprint": "", "start": $((now - 100 * 86400)), "end": $((now + 10 * 86400))}]
JSON
"$SEED" "$D" acme connector:11111111-2222-4333-8444-555555555555 "$OG_TMP/creds.json" >/dev/null 2>"$OG_TMP/err" ||
  { bad "seed: $(cat "$OG_TMP/err")"; og_done; }
APP=$(og cert list --tenant acme --kind app-credential --json | jq -r '.certs[0].id')

og_serve "$D" || exit 1

og_console_run certactions_test.mjs 240 "the certificate actions browser test" TOKEN_PA="$admin" \
  TOKEN_ADA="$tok_ada" TOKEN_EVE="$tok_eve" TOKEN_ED="$tok_ed" TOKEN_AUD="$tok_aud" \
  TOKEN_GUS="$tok_gus" FP_A="$FA" FP_B="$FB" FP_R="$FR" PLAN="$PLAN" APP="$APP"

# --- what the browser did, seen through the CLI
[ "$(fp "$O/cert.pem")" = "$FA" ] && ok || bad "the override from the inbox put a back on the target"
deps() { og gate list --tenant acme --state done --json | jq -r --arg f "$1" \
  '[.gates[] | select(.kind == "certs.deploy" and .target_id == $f)] | length'; }
[ "$(deps "$FB")" = 1 ] && ok || bad "one deploy of b (the console's), none by the refused requests: $(deps "$FB")"
ren=$(og gate list --tenant acme --state done --json | jq '[.gates[] | select(.kind == "certs.renew")] | length')
[ "$ren" = 1 ] && ok || bad "one renewal (the approved one), none by the refused requests: $ren"
[ "$(deps "$FA")" = 2 ] && ok || bad "a deployed twice (the CLI's, the console's at L0): $(deps "$FA")"
[ "$(deps "$FR")" = 1 ] && ok || bad "the plan's certificate deployed once, named by the plan id: $(deps "$FR")"
# the approved renewal followed the previous certificate to web2
cur_fp=$(og cert plans --tenant acme "$PLAN" --json | jq -r .current.fingerprint)
[ "$(fp "$O/cert2.pem")" = "$cur_fp" ] && [ "$cur_fp" != "$FR" ] && ok ||
  bad "web2 holds the plan's renewed certificate: $(fp "$O/cert2.pem") (current $cur_fp)"
cur=$(og cert plans --tenant acme "$PLAN" --json | jq -r .current.serial)
[ -n "$cur" ] && [ "$cur" != "$SERIAL" ] && ok || bad "the approved renewal changed the plan's certificate: $cur (was $SERIAL)"
grep -q overridden <<<"$(og audit list --tenant acme --action gate.rollback --json)" && ok ||
  bad "the audit trail has the inbox's override"
og_done
