#!/usr/bin/env bash
# test_http_cert_calendar.sh - GET /api/v1/certificates/calendar.ics (issue 26): every expiry as
# an iCalendar event, valid RFC 5545 as Python's icalendar (python3-icalendar) reads it, with
# CRLF lines folded at 75 octets and TEXT escaped (a subject with commas, semicolons and a long
# name); per tenant with a bearer token, every tenant's for a platform-admin; readable with a
# calendar token in the URL that reads nothing else, names its tenant, and stops working once
# revoked (create and revoke audited); another tenant's token id is not found. The alerts over
# HTTP (GET /api/v1/certificates/alerts): the tenant's, every tenant's for a platform-admin.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import icalendar' 2>/dev/null || { echo "SKIP: python3-icalendar is not installed (scripts/deps.sh test installs it)"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }

D=$OG_TMP/data
og_fixture "$D"
# certificates with subjects that need escaping and folding
cert() {  # NAME CN DAYS
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$3" -subj "$2" \
    -addext "basicConstraints=critical,CA:FALSE" -keyout "$OG_TMP/$1.key" -out "$OG_TMP/$1.crt" 2>/dev/null || { bad "openssl $1"; return; }
}
cert a "/O=Acme, Inc.; Ops/CN=shop.acme.test" 20
# a CN is at most 64 characters: the long subject is two long attributes (folded in the feed)
cert b "/OU=a-very-long-organisational-unit-name-that-goes-on-and-on/CN=a-long-host-name.internal.example.acme-corporation.test" 200
cert g "/CN=www.globex.test" 40
q cert import --tenant acme "$OG_TMP/a.crt"
q cert import --tenant acme "$OG_TMP/b.crt"
q cert import --tenant globex "$OG_TMP/g.crt"
og_serve "$D" || exit 1

check_ics() {  # FILE: "<events> <expiry events> <names...>" on stdout, failing on invalid text
  "$PY" - "$1" <<'PY'
import sys, icalendar
raw = open(sys.argv[1], 'rb').read()
lines = raw.split(b'\r\n')
assert lines[-1] == b'', 'ends in CRLF'
assert b'\n' not in raw.replace(b'\r\n', b''), 'CRLF line ends only'
assert all(len(l) <= 75 for l in lines), 'lines folded at 75 octets'
cal = icalendar.Calendar.from_ical(raw)
assert str(cal['VERSION']) == '2.0' and cal.get('PRODID'), 'VERSION and PRODID'
ev = list(cal.walk('VEVENT'))
uids = [str(e['UID']) for e in ev]
assert len(set(uids)) == len(uids), 'unique UIDs'
for e in ev:
    for p in ('UID', 'DTSTAMP', 'DTSTART', 'SUMMARY'):
        assert e.get(p) is not None, p
# SUMMARY decoded per RFC 5545 3.3.11 from the unfolded lines: icalendar 4.0 unescapes TEXT
# twice: "\\\," (the text "\,") reads back as a bare ","
import re
flat = raw.replace(b'\r\n ', b'').decode('utf-8')
summ = [re.sub(r'\\([\\;,nN])', lambda m: '\n' if m.group(1) in 'nN' else m.group(1), l[8:])
        for l in flat.split('\r\n') if l.startswith('SUMMARY:')]
assert len(summ) == len(ev), 'one SUMMARY per event'
print(len(ev), ' | '.join(sorted(summ)))
PY
}

# ---- a tenant's feed with a bearer token
api GET /api/v1/certificates/calendar.ics "$ada"
expect_status 200 "the tenant-admin reads the tenant's calendar"
expect_header Content-Type 'text/calendar' "as text/calendar"
cp "$OG_TMP/body" "$OG_TMP/acme.ics"
res=$(check_ics "$OG_TMP/acme.ics") || bad "acme's calendar is valid iCalendar: $res"
contains() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
contains "$res" "2 " "acme's two certificates"
subj=$(og cert list --tenant acme --json | jq -r '.certs[] | select(.subject | contains("Acme")) | .subject')
contains "$subj" "Inc." "the subject with a comma and a semicolon is in the inventory"
contains "$res" "Certificate expires: $subj" "and reads back from the calendar as it is (escaped, then unescaped)"
long=$(og cert list --tenant acme --json | jq -r '.certs[] | select(.subject | contains("a-long-host")) | .subject')
contains "$long" "a-very-long-organisational-unit-name-that-goes-on-and-on" "the long subject is in the inventory"
[ ${#long} -gt 75 ] && ok || bad "the long subject is longer than a line: '$long'"
contains "$res" "Certificate expires: $long" "the long subject reads back whole after folding"
case "$res" in *globex*) bad "acme's calendar shows globex's certificate" ;; *) ok ;; esac
grep -q 'Inc\.\\\\\\; Ops' "$OG_TMP/acme.ics" && ok || bad "TEXT escaping of \\ and ; in the file"
api GET "/api/v1/certificates/calendar.ics?tenant=globex" "$ada"
expect_status 404 "another tenant's calendar is not found"
api GET /api/v1/certificates/calendar.ics "$aud"
expect_status 200 "an auditor reads it"
api GET /api/v1/certificates/calendar.ics ""
expect_status 401 "no token, no calendar"

# ---- the fleet's for a platform-admin
api GET /api/v1/certificates/calendar.ics "$admin"
expect_status 200 "the platform-admin reads every tenant's"
cp "$OG_TMP/body" "$OG_TMP/fleet.ics"
res=$(check_ics "$OG_TMP/fleet.ics") || bad "the fleet's calendar is valid: $res"
contains "$res" "3 " "three certificates in the fleet's"
contains "$res" "www.globex.test" "globex's among them"

# ---- a calendar token: reads the feed, nothing else; revoked: nothing
api POST /api/v1/tenants/acme/certs/calendar-tokens "$eve" '{"label": "team calendar"}'
expect_status 201 "an engineer makes a calendar token"
ctok=$(jq -r .token <<<"$body") cid=$(jq -r .id <<<"$body") path=$(jq -r .path <<<"$body")
case "$ctok" in ogcal_*) ok ;; *) bad "the token's form: $ctok" ;; esac
api GET "$path"
expect_status 200 "the token's URL reads the calendar without a bearer token"
cp "$OG_TMP/body" "$OG_TMP/tok.ics"
res=$(check_ics "$OG_TMP/tok.ics") || bad "valid through the token: $res"
contains "$res" "2 " "acme's two certificates through the token"
api GET /api/v1/tenants/acme/certs "$ctok"
expect_status 401 "the calendar token is no API token"
api GET "/api/v1/certificates/calendar.ics?token=$ctok&tenant=globex"
expect_status 400 "a calendar token names its tenant: no other tenant"
last=${ctok: -1}; [ "$last" = 0 ] && flip=1 || flip=0
api GET "/api/v1/certificates/calendar.ics?token=${ctok%?}$flip"
expect_status 401 "a wrong secret reads nothing"
api GET /api/v1/tenants/acme/certs/calendar-tokens "$ada"
expect_status 200 "the tokens are listed"
expect_jq '.tokens[0].label' "team calendar" "with their label"
expect_jq '[.tokens[0] | keys[] | select(. == "token" or . == "secret_sha256")] | length' 0 "and never their secret"
api POST /api/v1/tenants/globex/certs/calendar-tokens "$gus" '{"label": "globex"}'
gid=$(jq -r .id <<<"$body")
api DELETE "/api/v1/tenants/acme/certs/calendar-tokens/$gid" "$ada"
expect_status 404 "another tenant's token is not found"
api DELETE "/api/v1/tenants/acme/certs/calendar-tokens/$cid" "$aud"
expect_status 403 "an auditor does not revoke"
api DELETE "/api/v1/tenants/acme/certs/calendar-tokens/$cid" "$ada"
expect_status 204 "the tenant-admin revokes it"
api GET "$path"
expect_status 401 "a revoked token reads nothing"
api DELETE "/api/v1/tenants/acme/certs/calendar-tokens/$cid" "$ada"
expect_status 409 "revoked already"
api POST /api/v1/tenants/acme/certs/calendar-tokens "$ada" '{"label": ""}'
expect_status 400 "a token needs a label"
audit=$(og audit list --tenant acme --json | jq -c '(if type == "array" then . else .records end)')
for a in certs.calendar.token.create certs.calendar.token.revoke; do
  [ "$(jq --arg a "$a" '[.[] | select(.action == $a)] | length' <<<"$audit")" -ge 1 ] && ok || bad "audited: $a"
done

# ---- alerts over HTTP: the tenant's, and every tenant's for a platform-admin. Fixed-day
# thresholds here: these certificates are young, and a share of their lifetime alerts none yet.
cert g2 "/CN=old.globex.test" 10
q cert import --tenant globex "$OG_TMP/g2.crt"
q cert policy --tenant acme --lifetime-share off
q cert policy --tenant globex --lifetime-share off
q cert check-expiry
api GET /api/v1/certificates/alerts "$admin"
expect_status 200 "the platform-admin lists every tenant's alerts"
expect_jq '[.alerts[].tenant] | unique | join(",")' "acme,globex" "both tenants' alerts, each named"
expect_jq '[.alerts[] | select(.rule == "days-left" and .state == "open")] | length' 2 \
  "shop.acme.test (20 days) and old.globex.test (10 days) crossed 30 days"
api GET "/api/v1/certificates/alerts?tenant=globex" "$admin"
expect_status 200 "one tenant's for the platform-admin"
expect_jq '[.alerts[] | .subject] | join(",")' "CN=old.globex.test" "globex's only"
api GET /api/v1/certificates/alerts "$aud"
expect_status 200 "an auditor reads the tenant's"
expect_jq '[.alerts[] | .subject | test("Acme")] | all and length == 1' true "acme's only"
expect_jq '.alerts[0] | has("tenant")' false "no tenant column in one tenant's list"
api GET "/api/v1/certificates/alerts?tenant=globex" "$ada"
expect_status 404 "another tenant's alerts are not found"
api GET "/api/v1/certificates/alerts?state=bogus" "$admin"
expect_status 400 "an unknown state"
api GET /api/v1/certificates/alerts ""
expect_status 401 "no token, no alerts"
og_done
