#!/usr/bin/env bash
# test_http_certs.sh - the certificate inventory over HTTP: import (keys never returned), list,
# show, policy, schedules, a synchronous scan, /metrics gauges, roles, tenant isolation, bad input.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: no openssl CLI" >&2; exit 77; }

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null && og tenant create globex >/dev/null || bad "tenants"
og user add --tenant acme eve --role engineer >/dev/null
og user add --tenant acme vic --role client-viewer >/dev/null
og user add --tenant globex gus --role tenant-admin >/dev/null
tok() { og token create --tenant "$1" --user "$2" --json | jq -r .token; }
eve=$(tok acme eve); vic=$(tok acme vic); gus=$(tok globex gus)

# A self-signed certificate with its key, generated now (never committed).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 20 \
  -subj "/CN=portal.acme.test" -addext "subjectAltName=DNS:portal.acme.test" \
  -keyout "$OG_TMP/key.pem" -out "$OG_TMP/cert.pem" 2>/dev/null || bad "openssl"
cat "$OG_TMP/cert.pem" "$OG_TMP/key.pem" > "$OG_TMP/bundle.pem"
keyline=$(sed -n 2p "$OG_TMP/key.pem")

og_serve "$D" --metrics-open || exit 1

# import: the body is the PEM bundle
code=$(curl -sS -o "$OG_TMP/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $eve" \
  -H 'Content-Type: application/x-pem-file' --data-binary @"$OG_TMP/bundle.pem" \
  "$OG_URL/api/v1/tenants/acme/certs/import?name=portal.pem"); body=$(cat "$OG_TMP/body")
expect_status 201 "import a PEM bundle"
expect_jq .keys 1 "the private key was imported"
fp=$(printf '%s' "$body" | jq -r .fingerprint)
case "$body" in *"$keyline"*) bad "the import reply contains the private key" ;; *) ok ;; esac
grep -rqF "$keyline" "$D" && bad "the private key is readable in the data folder" || ok

api GET /api/v1/tenants/acme/certs "$eve"
expect_status 200 "list"
expect_jq '.certs | length' 1 "one certificate"
api GET "/api/v1/tenants/acme/certs?expiring=30d" "$eve"
expect_jq '.certs | length' 1 "expiring within 30 days"
api GET "/api/v1/tenants/acme/certs?finding=self-signed" "$eve"
expect_jq '.certs | length' 1 "finding filter"
api GET "/api/v1/tenants/acme/certs/${fp:0:12}" "$eve"
expect_status 200 "show by prefix"
case "$body" in *"$keyline"*|*"PRIVATE KEY"*) bad "show returns the key" ;; *) ok ;; esac
api GET /api/v1/tenants/acme/certs?expiring=soon "$eve"
expect_error 400 invalid "bad expiring"
api GET /api/v1/tenants/acme/certs?finding=ugly "$eve"
expect_error 400 invalid "bad finding"
api GET /api/v1/tenants/acme/certs/ffffffffffff "$eve"
expect_error 404 not_found "unknown certificate"

# isolation and roles
api GET /api/v1/tenants/acme/certs "$gus"
expect_error 404 not_found "another tenant's inventory does not exist"
api GET "/api/v1/tenants/globex/certs/${fp:0:12}" "$gus"
expect_error 404 not_found "acme's certificate is not in globex"
api GET /api/v1/tenants/acme/certs "$vic"
expect_error 403 forbidden "a client viewer does not read the inventory"

# policy
api PUT /api/v1/tenants/acme/certs/policy "$eve" '{"thresholds":[21,3]}'
expect_status 200 "set thresholds"
api GET /api/v1/tenants/acme/certs/policy "$eve"
expect_jq '.thresholds_days | map(tostring) | join(",")' "21,3" "thresholds stored"
api PUT /api/v1/tenants/acme/certs/policy "$eve" '{"thresholds":["x"]}'
expect_error 400 invalid "thresholds must be numbers"
api PUT /api/v1/tenants/acme/certs/policy "$eve" '{}'
expect_error 400 invalid "nothing to change"

# a synchronous scan of a closed port and a bad target
port=$(( (RANDOM % 10000) + 20000 ))
api POST /api/v1/tenants/acme/certs/scan "$eve" "{\"targets\":[\"127.0.0.1:$port\"],\"timeout_ms\":2000}"
expect_status 200 "scan"
expect_jq '.results[0].status' refused "a closed port is refused"
api POST /api/v1/tenants/acme/certs/scan "$eve" '{"targets":["10.0.0.0/8"]}'
expect_error 413 too_large "a huge range is refused"
api POST /api/v1/tenants/acme/certs/scan "$eve" '{"targets":["@/etc/passwd"]}'
expect_error 400 invalid "@FILE is for the CLI"
api POST /api/v1/tenants/acme/certs/scan "$eve" '{"targets":"127.0.0.1"}'
expect_error 400 invalid "targets must be an array"
api POST /api/v1/tenants/acme/certs/scan "$eve" '{"targets":["127.0.0.1:99999"]}'
expect_error 400 invalid "bad port"

# schedules
api POST /api/v1/tenants/acme/certs/schedules "$eve" '{"every":"6h","targets":["127.0.0.1:443"]}'
expect_status 201 "add a schedule"
sid=$(printf '%s' "$body" | jq -r .id)
api GET /api/v1/tenants/acme/certs/schedules "$eve"
expect_jq '.schedules | length' 1 "one schedule"
api POST /api/v1/tenants/acme/certs/schedules "$eve" '{"every":"1s","targets":["127.0.0.1:443"]}'
expect_error 400 invalid "too frequent"
api DELETE "/api/v1/tenants/acme/certs/schedules/$sid" "$gus"
expect_error 404 not_found "another tenant cannot delete it"
api DELETE "/api/v1/tenants/acme/certs/schedules/$sid" "$eve"
expect_status 204 "delete the schedule"

# every tenant at once: platform admins only, rows naming the tenant, soonest first
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 \
  -subj "/CN=soon.globex.test" -keyout "$OG_TMP/g.key" -out "$OG_TMP/g.pem" 2>/dev/null || bad "openssl"
code=$(curl -sS -o "$OG_TMP/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $gus" \
  -H 'Content-Type: application/x-pem-file' \
  --data-binary @"$OG_TMP/g.pem" "$OG_URL/api/v1/tenants/globex/certs/import?name=g.pem")
[ "$code" = 201 ] && ok || bad "globex import: $code"
openssl x509 -in "$OG_TMP/cert.pem" -outform DER -out "$OG_TMP/cert.der"
code=$(curl -sS -o "$OG_TMP/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $gus" \
  -H 'Content-Type: application/octet-stream' \
  --data-binary @"$OG_TMP/cert.der" "$OG_URL/api/v1/tenants/globex/certs/import?name=c.der")
body=$(cat "$OG_TMP/body")
expect_status 201 "a DER body is imported"
expect_jq .kind der "the DER kind is reported"
api GET "/api/v1/certificates?expiring=30d" "$admin"
expect_status 200 "platform view"
expect_jq '.certs[0].subject' "CN=soon.globex.test" "soonest first across tenants"
expect_jq '.certs[0].tenant' globex "rows name the tenant"
expect_jq '.certs[0].tenant_id | length' 36 "and its id"
expect_jq '[.certs[].tenant] | unique | join(",")' "acme,globex" "every tenant"
expect_jq '[.certs[].seconds_left] | . == sort' true "sorted by expiry"
# a page of the view: offset past the soonest, limit one
api GET "/api/v1/certificates?expiring=30d&offset=1&limit=1" "$admin"
expect_status 200 "a page of the platform view"
expect_jq '.certs | length' 1 "limit one"
expect_jq '.certs[0].subject != "CN=soon.globex.test"' true "offset one skips the soonest"
api GET "/api/v1/certificates?sort=serial" "$admin"
expect_error 400 invalid "an unknown sort"
api GET "/api/v1/certificates?dir=up" "$admin"
expect_error 400 invalid "an unknown dir"
api GET "/api/v1/certificates?expiring=12h" "$admin"
expect_jq '.certs | length' 0 "expiring takes hours"
api GET "/api/v1/certificates?expiring=soon" "$admin"
expect_error 400 invalid "a bad expiring"
case "$body" in *soon*) ok ;; *) bad "the bad value is not named: $body" ;; esac
api GET "/api/v1/certificates?expiring=0d" "$admin"
expect_error 400 invalid "a zero duration"
api GET "/api/v1/certificates" "$eve"
expect_error 403 forbidden "a tenant user may not see every tenant"
api GET "/api/v1/certificates" "$gus"
expect_error 403 forbidden "nor a tenant admin"

# the policy's trust mode
api PUT /api/v1/tenants/acme/certs/policy "$eve" "$(jq -n --rawfile b "$OG_TMP/cert.pem" '{ca_bundle: $b}')"
expect_status 200 "a bundle that adds"
expect_jq .trust "system+tenant-bundle" "adds to the system store by default"
api PUT /api/v1/tenants/acme/certs/policy "$eve" "$(jq -n --rawfile b "$OG_TMP/cert.pem" '{ca_bundle: $b, ca_bundle_only: true}')"
expect_status 200 "a bundle that replaces"
expect_jq .trust "tenant-bundle-only" "replaces the system store"
api PUT /api/v1/tenants/acme/certs/policy "$eve" '{"ca_bundle_only": true}'
expect_error 400 invalid "ca_bundle_only alone"

# schedules keep seconds and add the duration
api POST /api/v1/tenants/acme/certs/schedules "$eve" '{"every":"1d12h","targets":["127.0.0.1:443"]}'
expect_status 201 "a schedule of 1d12h"
api GET /api/v1/tenants/acme/certs/schedules "$eve"
expect_jq '.schedules[0].every' "1d12h" "every as a duration"
expect_jq '.schedules[0].every_s' 129600 "every_s in seconds"
expect_jq '.schedules[0].starttls' none "direct TLS by default"
# and their STARTTLS mode (certs schema step 9); an unknown one names the field
api POST /api/v1/tenants/acme/certs/schedules "$eve" '{"every":"6h","targets":["127.0.0.1:25"],"starttls":"smtp"}'
expect_status 201 "a schedule with starttls smtp"
api GET /api/v1/tenants/acme/certs/schedules "$eve"
expect_jq '[.schedules[].starttls] | sort | join(",")' "none,smtp" "the schedule keeps its STARTTLS mode"
api POST /api/v1/tenants/acme/certs/schedules "$eve" '{"every":"6h","targets":["127.0.0.1:25"],"starttls":"smtps"}'
expect_error 400 invalid "starttls smtps"
expect_jq '.error.message | startswith("field '"'"'starttls'"'"'")' true "the bad starttls field is named"

# gauges on /metrics
api GET /metrics
expect_status 200 "metrics"
grep -qE '^opsgate_certs\{node="[^"]*",tenant="acme",kind="x509",bucket="30d"\} 1' <<<"$body" && ok ||
  bad "no expiry bucket gauge for acme: $(printf '%s' "$body" | grep opsgate_certs)"
grep -qE '^opsgate_certs_earliest_expiry_seconds\{node="[^"]*",tenant="acme",kind="x509"\} [0-9]+' <<<"$body" && ok ||
  bad "no earliest expiry gauge"

og_stop TERM
og_done
