#!/usr/bin/env bash
# test_console_alerts.sh - the console's alerts by what is wrong (issue 26) in a real browser
# (tests/console/alerts_test.mjs): acme's two certificates near expiry raise two days-left alerts
# (fixed-day thresholds: the tenant's lifetime share off), globex's one; eve (engineer)
# acknowledges one with a note and snoozes the other from the alerts page (in place, htmx), the
# certificate's page shows the same; an auditor sees no button and its forged POST is 403; globex
# gets 404 for acme's alert; the platform-admin sees both tenants'. Then the CLI sees the states
# and the audit trail the records (certs.alert.ack, certs.alert.snooze, by eve). Screenshots
# alerts-* in $OG_BUILD_DIR/console-screenshots/; axe on every page.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-200}
. "$(dirname "$0")/lib.sh"

og_console_need jq openssl

D="$OG_TMP/data"
og_fixture "$D" acme/eve:engineer acme/aud:auditor globex/gus:tenant-admin

cert() {  # TENANT NAME DAYS
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$3" \
    -subj "/CN=$2" -keyout "$OG_TMP/$2.key" -out "$OG_TMP/$2.crt" >/dev/null 2>&1 || { bad "openssl"; og_done; }
  q cert import --tenant "$1" "$OG_TMP/$2.crt"
}
fp() { openssl x509 -in "$OG_TMP/$1.crt" -outform der | sha256sum | cut -c1-64; }
cert acme shop.acme.test 10
cert acme api.acme.test 12
cert globex www.globex.test 10
# fixed days: these certificates are young, and a share of their lifetime alerts none yet
q cert policy --tenant acme --lifetime-share off
q cert policy --tenant globex --lifetime-share off
q cert check-expiry
FP1=$(fp shop.acme.test)
alert_of() { og cert alerts --tenant acme --state all --json | jq -r --arg f "$1" '.alerts[] | select(.fingerprint == $f) | .id'; }
A1=$(alert_of "$FP1") A2=$(alert_of "$(fp api.acme.test)")
[ -n "$A1" ] && [ -n "$A2" ] && ok || bad "two alerts in acme: '$A1' '$A2'"

og_serve "$D" || exit 1
og_console_run alerts_test.mjs 150 "the alerts browser test" TOKEN_PA="$admin" TOKEN_EVE="$eve" \
  TOKEN_AUD="$aud" TOKEN_GUS="$gus" A1="$A1" A2="$A2" FP1="$FP1"

# --- what the browser did, seen through the CLI and the audit trail
st=$(og cert alerts --tenant acme --state all --json)
[ "$(jq -r --arg a "$A1" '.alerts[] | select(.id == $a) | .state' <<<"$st")" = snoozed ] && ok ||
  bad "A1 acknowledged, then snoozed by the plain POST: $(jq -c --arg a "$A1" '.alerts[] | select(.id == $a)' <<<"$st")"
[ "$(jq -r --arg a "$A2" '.alerts[] | select(.id == $a) | .state' <<<"$st")" = snoozed ] && ok ||
  bad "A2 snoozed: $(jq -c --arg a "$A2" '.alerts[] | select(.id == $a)' <<<"$st")"
audit=$(og audit list --tenant acme --json | jq -c '(if type == "array" then . else .records end)')
for a in certs.alert.ack certs.alert.snooze; do
  [ "$(jq --arg a "$a" '[.[] | select(.action == $a)] | length' <<<"$audit")" -ge 1 ] && ok || bad "audited: $a"
done
[ "$(jq '[.[] | select(.action == "certs.alert.ack")] | length' <<<"$audit")" = 1 ] && ok ||
  bad "one acknowledgement (the auditor's and globex's refused)"
og_done
