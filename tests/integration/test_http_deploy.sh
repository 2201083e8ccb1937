#!/usr/bin/env bash
# test_http_deploy.sh - the deploy routes (issue 22, src/http/deploy_api.c), one server: only a
# platform-admin adds and removes targets (a target names files and commands of the host); an
# engineer deploys a certificate with its key to a file target through the certs.deploy gate (200
# at L1 and the files hold it; 202 pending at L2); an auditor cannot; a certificate without its key
# is 404 (no such certificate with a key) with nothing written; globex's admin gets 404 for acme's targets by path, and naming
# acme's certificate from its own tenant; a deploy that fails verification is rolled back (409);
# bad bodies are 400 naming the field.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null 2>&1 || { echo "SKIP: openssl is not installed" >&2; exit 77; }

D="$OG_TMP/data"
og_fixture "$D"
for n in a b; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 60 \
    -subj "/CN=shop.acme.example" -keyout "$OG_TMP/$n.key" -out "$OG_TMP/$n.crt" >/dev/null 2>&1
done
cat "$OG_TMP/a.crt" "$OG_TMP/a.key" >"$OG_TMP/a.pem"
q cert import --tenant acme "$OG_TMP/a.pem"
q cert import --tenant acme "$OG_TMP/b.crt"   # no key
q cert import --tenant globex "$OG_TMP/a.pem"
fp() { openssl x509 -in "$1" -outform der | sha256sum | cut -c1-64; }
FA=$(fp "$OG_TMP/a.crt"); FB=$(fp "$OG_TMP/b.crt")
og_serve "$D" || exit 1
T=/api/v1/tenants/acme/deploy-targets
O="$OG_TMP/out"; mkdir -p "$O"
target() { jq -nc --arg c "$O/cert.pem" --arg k "$O/key.pem" --arg n "$1" '{name: $n, type: "file", config: {cert_path: $c, key_path: $k}}'; }

# ---- add: platform-admins only ----
api POST $T "$ada" "$(target web)"
expect_error 403 forbidden "a tenant-admin cannot add a target"
api POST /api/v1/tenants/globex/deploy-targets "$ada" "$(target web)"
expect_error 404 not_found "another tenant's targets: 404"
api POST $T "$admin" '{"name": "web", "type": "ftp", "config": {}}'
expect_error 400 invalid "an unknown type"
api POST $T "$admin" '{"name": "web", "type": "file", "config": {"cert_path": "/tmp/x", "colour": 1}}'
expect_error 400 invalid "an unknown config key"
api POST $T "$admin" '{"name": "web", "type": "nginx", "config": {}, "endpoints": ["nonsense"]}'
expect_error 400 invalid "a bad endpoint"
grep -q "endpoints" <<<"$body" && ok || bad "the field is named: $body"
api POST $T "$admin" "$(target web)"
expect_status 201 "a platform-admin adds a file target"
expect_header Location "$T/web" "Location of the target"
api POST $T "$admin" "$(target web)"
expect_error 409 exists "the name is taken"
api GET $T "$aud"
expect_jq '.targets | map(.name) | join(",")' web "an auditor lists the targets"
api GET $T "$gus"
expect_error 404 not_found "globex's admin: acme's targets"

# ---- deploy through the gate ----
api POST $T/web/deploy "$aud" "{\"cert\": \"$FA\"}"
expect_error 403 forbidden "an auditor cannot deploy"
api POST /api/v1/tenants/globex/deploy-targets/web/deploy "$gus" "{\"cert\": \"$FA\"}"
expect_error 404 not_found "globex has no target web"
api POST $T/web/deploy "$eve" "{\"cert\": \"$FB\"}"
expect_error 404 not_found "a certificate without its key"
[ ! -e "$O/cert.pem" ] && ok || bad "nothing was written for the refused deploy"
api POST $T/web/deploy "$eve" '{"cert": 42}'
expect_error 400 invalid "cert must be a string"
api POST $T/web/deploy "$eve" "{\"cert\": \"$FA\"}"
expect_status 200 "an engineer deploys at L1"
expect_jq .state review "L1: done, open for review"
expect_jq .result.status verified "the files were verified"
[ "$(fp "$O/cert.pem")" = "$FA" ] && ok || bad "the target's file holds the certificate"
# a deploy whose endpoint never serves the certificate is rolled back: 409, the files as before
O2="$OG_TMP/out2"; mkdir -p "$O2"
api POST $T "$admin" "$(jq -nc --arg c "$O2/cert.pem" --arg k "$O2/key.pem" \
  '{name: "dark", type: "file", config: {cert_path: $c, key_path: $k, verify_timeout_us: 1000000}, endpoints: ["127.0.0.1:1"]}')"
expect_status 201 "a target whose endpoint serves nothing"
api POST $T/dark/deploy "$eve" "{\"cert\": \"$FA\"}"
expect_error 409 conflict "verification failed: rolled back"
[ ! -s "$O2/cert.pem" ] && ok || bad "the rolled-back target holds no new certificate"
api PUT /api/v1/tenants/acme/gate-policy/certs.deploy "$ada" '{"level": "L2"}'
expect_status 200 "the tenant-admin raises certs.deploy to L2"
api POST $T/web/deploy "$eve" "{\"cert\": \"$FA\"}"
expect_status 202 "L2: the deploy waits for approval"
expect_jq .state pending "pending"
api POST /api/v1/tenants/acme/gates "$eve" '{"kind": "certs.deploy"}'
grep -q "deploy-targets/{target}/deploy" <<<"$body" && ok || bad "the general endpoint names the deploy route: $body"

# ---- remove ----
api DELETE $T/web "$ada"
expect_error 403 forbidden "a tenant-admin cannot remove a target"
api DELETE /api/v1/tenants/globex/deploy-targets/web "$admin"
expect_error 404 not_found "globex has no target web"
api DELETE $T/web "$admin"
expect_status 204 "a platform-admin removes it"
api GET $T "$eve"
expect_jq '.targets | map(.name) | join(",")' dark "web is gone"
og_done
