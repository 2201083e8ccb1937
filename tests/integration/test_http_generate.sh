#!/usr/bin/env bash
# test_http_generate.sh - POST /api/v1/projects/{key}/generate: a SOW from the sample project in
# Markdown stored as an artifact version with provenance (201), the document itself with
# ?download=1 or Accept, byte-identical regeneration, a change order against it, dry runs, L2
# approval (202), roles, other tenants, and bad input naming the field.
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$SRC/tests/data/projects
D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null && og tenant create globex >/dev/null || bad "tenants"
og user add --tenant acme ada --role tenant-admin >/dev/null
og user add --tenant acme pam --role project-manager >/dev/null
og user add --tenant acme aud --role auditor >/dev/null
og user add --tenant acme cli --role client-viewer >/dev/null
og user add --tenant globex gus --role tenant-admin >/dev/null
tok() { og token create --tenant "$1" --user "$2" --json | jq -r .token; }
ada=$(tok acme ada); pam=$(tok acme pam); aud=$(tok acme aud); cli=$(tok acme cli)
gus=$(tok globex gus)

og_serve "$D" || exit 1
G=/api/v1/projects/northwind/generate
# req KIND FORMAT FILE [EXTRA-JSON]: a request body with the project data of FILE
req() {
  jq -cn --arg k "$1" --arg f "$2" --slurpfile d "$3" --argjson x "${4:-{\}}" \
    '{kind:$k, format:$f, data:$d[0]} + $x' > "$OG_TMP/req.json"
}

api POST /api/v1/projects "$pam" '{"key":"northwind","name":"Northwind M365"}'
expect_status 201 "project"

# --- a SOW in Markdown lands as a version with its provenance
req sow md "$P/northwind-m365.json"
api POST "$G" "$pam" @"$OG_TMP/req.json"
expect_status 201 "generate a SOW"
expect_jq .artifact sow.md "the document's artifact"
expect_jq .version 1 "version 1"
expect_jq .template sow@builtin "provenance: the template"
expect_jq '.data_sha256 | length' 64 "provenance: the data's SHA-256"
expect_header Location '/api/v1/projects/northwind/artifacts/sow.md/content\?version=1' "Location"
api GET /api/v1/projects/northwind/artifacts/sow.md/versions "$pam"
expect_jq '.versions | length' 1 "one version of sow.md"
expect_jq '.versions[0].media_type' text/markdown "stored as Markdown"
code=$(curl -sS --max-time 30 -o "$OG_TMP/sow.md" -w '%{http_code}' -H "Authorization: Bearer $pam" \
  "$OG_URL/api/v1/projects/northwind/artifacts/sow.md/content")
[ "$code" = 200 ] && ok || bad "download the SOW: $code"
grep -qF "**Total fees: EUR 18,366.25** for 144.75 hours." "$OG_TMP/sow.md" && ok || bad "the stored SOW has the total"
api GET /api/v1/projects/northwind/artifacts/sow.data.json "$pam"
expect_status 200 "the data snapshot is stored too"

# --- again from the same data: no new version; the document itself on request
code=$(curl -sS --max-time 30 -o "$OG_TMP/again.md" -D "$OG_TMP/headers" -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $pam" -H 'Content-Type: application/json' \
  --data-binary @"$OG_TMP/req.json" "$OG_URL$G?download=1")
[ "$code" = 201 ] && ok || bad "download=1: $code"
expect_header Content-Type text/markdown "download=1 sends the Markdown"
cmp -s "$OG_TMP/sow.md" "$OG_TMP/again.md" && ok || bad "regeneration is byte-identical"
api GET /api/v1/projects/northwind/artifacts/sow.md/versions "$pam"
expect_jq '.versions | length' 1 "unchanged data adds no version"
req sow html "$P/northwind-m365.json"
code=$(curl -sS --max-time 30 -o "$OG_TMP/sow.html" -D "$OG_TMP/headers" -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $pam" -H 'Content-Type: application/json' -H 'Accept: text/html' \
  --data-binary @"$OG_TMP/req.json" "$OG_URL$G")
[ "$code" = 201 ] && ok || bad "Accept: text/html: $code"
grep -qF '<strong>18,366.25</strong>' "$OG_TMP/sow.html" && ok || bad "the HTML has the total"

# --- a change order against the stored SOW, and a dry run that stores nothing
req change-order md "$P/northwind-m365-co1.json"
api POST "$G" "$pam" @"$OG_TMP/req.json"
expect_status 201 "a change order"
expect_jq .artifact change-order-CO-001.md "the change order's artifact"
req runbook md "$P/northwind-m365.json" '{"dry_run":true}'
api POST "$G" "$pam" @"$OG_TMP/req.json"
expect_status 200 "a dry run"
api GET /api/v1/projects/northwind/artifacts/runbook.md "$pam"
expect_error 404 not_found "a dry run stores nothing"

# --- bad input names the field; nothing is stored
api POST "$G" "$pam" '{"kind":"memo","data":{}}'
expect_error 400 invalid "bad kind"
expect_jq '.error.message | startswith("kind")' true "bad kind is named"
req sow odt "$P/northwind-m365.json"
api POST "$G" "$pam" @"$OG_TMP/req.json"
expect_error 400 invalid "bad format"
expect_jq '.error.message | startswith("format")' true "bad format is named"
api POST "$G" "$pam" '{"format":"md"}'
expect_error 400 invalid "missing kind"
api POST "$G" "$pam" '{"kind":"sow",'
expect_error 400 invalid "malformed JSON"
api POST "$G" "$pam" '{"kind":"sow","colour":"blue"}'
expect_error 400 invalid "unknown field"
jq -c 'del(.currency)' "$P/northwind-m365.json" > "$OG_TMP/nocur.json"
req closure md "$OG_TMP/nocur.json"
api POST "$G" "$pam" @"$OG_TMP/req.json"
expect_error 400 invalid "missing currency"
expect_jq '.error.message | test("currency")' true "the missing field is named"
api GET /api/v1/projects/northwind/artifacts/closure.md "$pam"
expect_error 404 not_found "nothing half-written"
req sow md "$P/northwind-m365.json"
api POST /api/v1/projects/nope/generate "$pam" @"$OG_TMP/req.json"
expect_error 404 not_found "unknown project"

# --- no data in the body and none stored: the reply speaks HTTP, not CLI options
api POST "$G" "$pam" '{"kind":"closure"}'
expect_error 400 invalid "no project data"
expect_jq '.error.message | test("no project data")' true "the message says what is missing"
expect_jq '.error.message | test("request body")' true "the message says how to send it"
expect_jq '.error.message | test("--input|--data|FILE")' false "no CLI options over HTTP"

# --- a tenant template with a typo fails generate naming template, line and variable
printf '# {{title}}\n\nPrepared for {{client.nmae}}.\n' >"$OG_TMP/typo.mustache"
og template put --tenant acme runbook "$OG_TMP/typo.mustache" --force >/dev/null 2>&1 || bad "forced put"
req runbook md "$P/northwind-m365.json" '{"dry_run":true}'
api POST "$G" "$pam" @"$OG_TMP/req.json"
expect_error 400 invalid "a template with a typo"
expect_jq '.error.message | test("runbook@1:3:14: .client.nmae. is not in the data")' true "template, line and variable named"
req sow md "$P/northwind-m365.json"

# --- roles and tenants
api POST "$G" "$aud" @"$OG_TMP/req.json"
expect_error 403 forbidden "an auditor cannot generate"
api POST "$G" "$cli" @"$OG_TMP/req.json"
expect_error 404 not_found "a client viewer without a grant does not see the project"
api POST "$G" "$gus" @"$OG_TMP/req.json"
expect_error 404 not_found "another tenant's project"
api POST "$G" "$admin" @"$OG_TMP/req.json"
expect_error 400 invalid "a platform token names the tenant"
api POST "$G?tenant=acme" "$admin" @"$OG_TMP/req.json"
expect_status 201 "a platform admin with ?tenant="

# --- generation held for approval: 202
api PUT /api/v1/tenants/acme/gate-policy/artifacts.generate "$ada" '{"level":"L2"}'
expect_status 200 "policy: generation at L2"
jq '.document.revision = "2"' "$P/northwind-m365.json" > "$OG_TMP/rev2.json"
req sow md "$OG_TMP/rev2.json"
api POST "$G" "$pam" @"$OG_TMP/req.json"
expect_status 202 "generation waits for approval"
expect_jq .status pending "pending"

og_stop TERM
og_done
