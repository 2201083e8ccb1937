#!/usr/bin/env bash
# test_cert_request.sh - certificates outside ACME: `cert request` makes the key (sealed, never
# shown), the CSR (checked with openssl) and an L3 task at the gate with the CSR as evidence; a
# test CA (`openssl ca`) issues for the CSR; `cert import --request` refuses a certificate of
# another key, an expired and a not yet valid one, nothing imported; the issued one fulfils the
# request (key linked, task closed) and is deployed to the request's file target after the
# certs.renewed event; list, show, cancel; reminders from the due time on (the scheduler); the
# same over HTTP.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed" >&2; exit 77; }
T=$OG_TMP
D=$T/data
og_fixture "$D" acme/eve:engineer
mkdir -p "$T/out"
og target add --tenant acme web --type file --cert-path "$T/out/cert.pem" --key-path "$T/out/key.pem" \
  >/dev/null 2>"$T/err" || bad "target add: $(cat "$T/err")"

# a CA issuing for CSRs with the dates we choose
og_dated_ca "Request Test CA"
# sign CSR OUT START END
sign() { og_dated_ca_sign "$@" || bad "signing $1: $(cat "$T/ca.err")"; }
ts() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }

# ---- a request: key, CSR, task
req=$(og --as eve cert request --tenant acme --name www-ev --san www.acme.example --san acme.example \
  --key-type rsa2048 --subject "/C=DE/O=Acme GmbH/CN=www.acme.example" --json 2>"$T/err") ||
  bad "cert request: $(cat "$T/err")"
id=$(jq -r .id <<<"$req"); gate=$(jq -r .gate_id <<<"$req")
jq -r .csr <<<"$req" >"$T/www.csr"
openssl req -in "$T/www.csr" -noout -verify 2>/dev/null && ok || bad "the CSR does not verify"
subj=$(openssl req -in "$T/www.csr" -noout -subject -nameopt RFC2253)
grep -q "O=Acme GmbH" <<<"$subj" && grep -q "CN=www.acme.example" <<<"$subj" && ok || bad "CSR subject: $subj"
text=$(openssl req -in "$T/www.csr" -noout -text)
grep -q "DNS:www.acme.example, DNS:acme.example" <<<"$text" && grep -q "2048 bit" <<<"$text" && ok ||
  bad "CSR names or key: $text"
grep -q "PRIVATE KEY" <<<"$req" && bad "the request shows its private key" || ok
[ "$(jq -r .state <<<"$req")" = pending ] && grep -q "user:eve" <<<"$(jq -r .created_by <<<"$req")" && ok ||
  bad "request: $(jq -c 'del(.csr)' <<<"$req")"
g=$(og gate show "$gate" --tenant acme --json 2>"$T/err") || bad "gate show: $(cat "$T/err")"
[ "$(jq -r .state <<<"$g")" = task ] && [ "$(jq -r .kind <<<"$g")" = certs.request ] && ok ||
  bad "the gate item: $(jq -c '{state, kind, level}' <<<"$g")"
jq -r '.subject' <<<"$g" | grep -q "buy/issue certificate www-ev (www.acme.example, ...) at the CA" && ok ||
  bad "task subject: $(jq -r .subject <<<"$g")"
[ "$(jq -r .context.csr <<<"$g")" = "$(cat "$T/www.csr")" ] && ok || bad "the task's evidence lacks the CSR"
og audit list --tenant acme 2>/dev/null | grep -q "certs.request.create .*request www-ev for www.acme.example, acme.example" &&
  ok || bad "the audit trail does not name the request"
og cert request --tenant acme --name www-ev --san x.example >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "pending already" "$T/err" && ok || bad "a second pending www-ev: exit $rc $(cat "$T/err")"
og cert request --tenant acme --name bad --san 'a b' >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "bad name 'a b'" "$T/err" && ok || bad "a bad SAN: exit $rc $(cat "$T/err")"
og cert request --tenant acme --name bad2 --san x.example --subject "/XX=1" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "bad subject" "$T/err" && ok || bad "a bad subject: exit $rc $(cat "$T/err")"
og cert request --tenant acme --name bad3 --san x.example --target nosuch >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "nosuch" "$T/err" && ok || bad "an unknown target: exit $rc $(cat "$T/err")"
og user add --tenant acme aud --role auditor >/dev/null
og --as aud cert request --tenant acme --name bad4 --san x.example --target nosuch >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "may not change" "$T/err" && ! grep -q nosuch "$T/err" && ok ||
  bad "an auditor's request: exit $rc $(cat "$T/err") (refused before its targets are looked at)"

# ---- imports that are refused, nothing stored
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/other.key" \
  -out "$T/other.csr" -subj "/CN=www.acme.example" 2>/dev/null
sign "$T/other.csr" "$T/other.pem" "$(ts '-1 day')" "$(ts '+90 days')"
sign "$T/www.csr" "$T/old.pem" "$(ts '-100 days')" "$(ts '-10 days')"
sign "$T/www.csr" "$T/later.pem" "$(ts '+10 days')" "$(ts '+100 days')"
refuse() {   # FILE TEXT
  og cert import --tenant acme --request www-ev "$1" >/dev/null 2>"$T/err"; local rc=$?
  [ "$rc" = 1 ] && grep -q -- "$2" "$T/err" && ok || bad "import $1: exit $rc: $(cat "$T/err")"
  [ "$(og cert list --tenant acme --json | jq '.certs | length')" = 0 ] && ok || bad "import $1 stored something"
}
refuse "$T/other.pem" "is not the key of request www-ev"
refuse "$T/old.pem" "expired on"
refuse "$T/later.pem" "is not valid yet"

# ---- the issued certificate fulfils the request (matched by its key, no --request needed)
sign "$T/www.csr" "$T/www.pem" "$(ts '-1 hour')" "$(ts '+365 days')"
out=$(og --as eve cert import --tenant acme "$T/www.pem" 2>"$T/err") || bad "import www: $(cat "$T/err")"
grep -q "certificate request $id is issued" <<<"$out" && ok || bad "import output: $out"
r=$(og cert request show --tenant acme "$id" --json)
[ "$(jq -r .state <<<"$r")" = issued ] && [ "$(jq -r .fingerprint <<<"$r")" = "$(fp "$T/www.pem")" ] && ok ||
  bad "after import: $(jq -c 'del(.csr)' <<<"$r")"
[ "$(og gate show "$gate" --tenant acme --json | jq -r '.state + " " + .outcome')" = "done done" ] && ok ||
  bad "the task is not done: $(og gate show "$gate" --tenant acme --json | jq -c '{state, outcome, note}')"
[ "$(og cert show --tenant acme "$(fp "$T/www.pem")" --json | jq -r .private_key)" = true ] && ok ||
  bad "the certificate has no key"
og cert import --tenant acme --request "$id" "$T/www.pem" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "is issued, not pending" "$T/err" && ok || bad "re-import for an issued request: exit $rc $(cat "$T/err")"

# ---- with a deploy target: the imported certificate is deployed to it (certs.renewed)
r2=$(og cert request --tenant acme --name api --san api.acme.example --target web --json 2>"$T/err") ||
  bad "request with --target: $(cat "$T/err")"
jq -r .csr <<<"$r2" >"$T/api.csr"
sign "$T/api.csr" "$T/api.pem" "$(ts '-1 hour')" "$(ts '+90 days')"
og cert import --tenant acme "$T/api.pem" >/dev/null 2>"$T/err" || bad "import api: $(cat "$T/err")"
og events run >/dev/null 2>"$T/err" || bad "events run: $(cat "$T/err")"
[ -f "$T/out/cert.pem" ] && [ "$(fp "$T/out/cert.pem")" = "$(fp "$T/api.pem")" ] && ok ||
  bad "the target does not hold the issued certificate"
[ -f "$T/out/key.pem" ] && [ "$(openssl pkey -in "$T/out/key.pem" -pubout)" = "$(openssl x509 -in "$T/api.pem" -pubkey -noout)" ] &&
  ok || bad "the target's key is not the request's"

# ---- a data-key rotation re-seals a pending request's key: the certificate still gets it
r4=$(og cert request --tenant acme --name rot --san rot.acme.example --json)
jq -r .csr <<<"$r4" >"$T/rot.csr"
ver() { sqlite3 "$D/opsgate.db" "SELECT hex(substr(sealed_key, 1, 5)) FROM cert_requests WHERE name = 'rot'"; }
[ -f "$D/opsgate.db" ] && before=$(ver)
og tenant key rotate --tenant acme --data-key --wait >"$T/rot.out" 2>&1 || bad "rotate: $(cat "$T/rot.out")"
if [ -f "$D/opsgate.db" ]; then   # the sealed value names the data-key version: a new one
  [ -n "$before" ] && [ "$(ver)" != "$before" ] && ok || bad "the request's key was not re-sealed ($before)"
fi
sign "$T/rot.csr" "$T/rot.pem" "$(ts '-1 hour')" "$(ts '+90 days')"
og cert import --tenant acme --request rot "$T/rot.pem" >/dev/null 2>"$T/err" || bad "import after rotation: $(cat "$T/err")"
[ "$(og cert show --tenant acme "$(fp "$T/rot.pem")" --json | jq -r .private_key)" = true ] && ok ||
  bad "the rotated request's key is not linked"

# ---- cancel, list, reminders
r3=$(og cert request --tenant acme --name old --san old.acme.example --due 1h --json)
id3=$(jq -r .id <<<"$r3")
if command -v sqlite3 >/dev/null && [ -f "$D/opsgate.db" ]; then
  sqlite3 "$D/opsgate.db" "UPDATE cert_requests SET remind_at_us = 0 WHERE id = '$id3'"
  og cert schedule --run-due >/dev/null 2>"$T/err" || bad "run-due: $(cat "$T/err")"
  og events list --tenant acme --json >"$T/ev.json" 2>/dev/null
  [ "$(jq --arg id "$id3" '[.. | objects | select(.type? == "certs.request.reminder")] | length > 0' "$T/ev.json")" = true ] &&
    ok || bad "no certs.request.reminder event: $(head -c 600 "$T/ev.json")"
  [ "$(og cert request show --tenant acme old --json | jq -r .reminders)" = 1 ] && ok || bad "reminders not counted"
fi
og cert request cancel --tenant acme old --reason "bought elsewhere" >/dev/null 2>"$T/err" || bad "cancel: $(cat "$T/err")"
[ "$(og gate show "$(jq -r .gate_id <<<"$r3")" --tenant acme --json | jq -r .outcome)" = failed ] && ok ||
  bad "the cancelled request's task"
og cert request cancel --tenant acme "$id3" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "is cancelled, not pending" "$T/err" && ok || bad "cancel twice: exit $rc $(cat "$T/err")"
[ "$(og cert request list --tenant acme --json | jq '.requests | length')" = 4 ] && ok || bad "list"
[ "$(og cert request list --tenant acme --state issued --json | jq -r '[.requests[].name] | sort | join(",")')" = "api,rot,www-ev" ] &&
  ok || bad "list --state issued"
og cert request list --tenant acme --state open >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "bad state 'open'" "$T/err" && ok || bad "--state open: exit $rc"

# ---- the same over HTTP; the console's inbox shows a pending request's task
og cert request --tenant acme --name shop --san shop.acme.example >/dev/null || bad "request shop"
og_serve "$D" || exit 1
cookie=$(curl -sS -D - -o /dev/null -H "Origin: $OG_URL" --data-urlencode "token=$admin" "$OG_URL/console/sign-in" |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(og_session=[^;]*\).*/\1/p')
inbox=$(curl -sS -H "Cookie: $cookie" "$OG_URL/console/inbox")
grep -q "buy/issue certificate shop (shop.acme.example) at the CA" <<<"$inbox" && ok ||
  bad "the console's inbox lacks the request's task: $(head -c 300 <<<"$inbox")"
api POST /api/v1/tenants/acme/certs/requests "$admin" '{"name":"mail","names":["mail.acme.example"],"key_type":"ec384"}'
expect_status 201 "POST requests"
hid=$(jq -r .id <<<"$body")
jq -r .csr <<<"$body" >"$T/mail.csr"
openssl req -in "$T/mail.csr" -noout -text | grep -q "384 bit" && ok || bad "the HTTP request's key type"
api POST /api/v1/tenants/acme/certs/requests "$admin" '{"name":"x","names":[]}'
expect_status 400 "POST requests without names"
api GET "/api/v1/tenants/acme/certs/requests?state=pending" "$admin"
expect_status 200 "GET requests"
expect_jq '.requests | map(.name) | sort | join(",")' mail,shop "the pending requests"
api GET "/api/v1/tenants/acme/certs/requests/$hid" "$admin"
expect_status 200 "GET request"
sign "$T/mail.csr" "$T/mail.pem" "$(ts '-1 hour')" "$(ts '+90 days')"
code=$(curl -sS -o "$OG_TMP/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $admin" \
  --data-binary @"$T/other.pem" "$OG_URL/api/v1/tenants/acme/certs/import?name=o.pem&request=$hid")
[ "$code" = 400 ] && grep -q "is not the key of request mail" "$OG_TMP/body" && ok || bad "import another key over HTTP: $code $(cat "$OG_TMP/body")"
code=$(curl -sS -o "$OG_TMP/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $admin" \
  --data-binary @"$T/mail.pem" "$OG_URL/api/v1/tenants/acme/certs/import?name=mail.pem&request=mail")
[ "$code" = 201 ] && [ "$(jq -r .request "$OG_TMP/body")" = "$hid" ] && ok || bad "import over HTTP: $code $(cat "$OG_TMP/body")"
api DELETE "/api/v1/tenants/acme/certs/requests/$hid" "$admin"
expect_status 409 "cancel an issued request"
api GET "/api/v1/tenants/acme/certs/requests/nosuch" "$admin"
expect_status 404 "a missing request"
og_done
