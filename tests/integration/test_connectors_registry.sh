#!/usr/bin/env bash
# test_connectors_registry.sh - the registry of connectors over the CLI and HTTP: add (credentials
# from a file and from stdin), list, show, update, map, unmap, remove; rights (tenant-admin,
# engineer, auditor, client-viewer, another tenant, the platform's connectors); credential
# validation naming fields, never values; secrets refused on argv; the egress policy on base
# URLs; tenant deletion. Markers are planted in every credential field; every output (CLI and
# HTTP), the audit exports, /metrics, the server's log and the data folder are then searched for
# the secret ones (tests/integration/secrets/scan.sh), and the non-secret ones must be found
# (the test of the test). PSA hosts are under .invalid: nothing leaves the machine.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-240} # about 90 s on a loaded 2-core machine (the scan is most of it)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/secrets/scan.sh"

D="$OG_TMP/data"
S="$OG_TMP/secrets"   # each secret as bytes, one file each
PLAIN="$OG_TMP/plain" # the non-secret field values, which outputs show
OUT="$OG_TMP/out"     # every output the product gave
C="$OG_TMP/creds"     # credential files given to the product
SCAN_CACHE="$OG_TMP/cache"
mkdir -p "$S" "$PLAIN" "$OUT" "$C" "$SCAN_CACHE"
export OPSGATE_DATA="$D"
n=0

marker() { printf 'MK%sx%s' "${1//[^A-Za-z0-9]/}" "$(head -c 10 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
# run NAME CMD...: the CLI, stdout+stderr kept in $OUT; $rc its status, $out its stdout.
run() { local name=$1; shift; n=$((n + 1))
  "$OPSGATE" "$@" >"$OUT/$n-$name.out" 2>"$OUT/$n-$name.err"; rc=$?; out=$(cat "$OUT/$n-$name.out"); }
# runin NAME FILE CMD...: the same with FILE on stdin.
runin() { local name=$1 in=$2; shift 2; n=$((n + 1))
  "$OPSGATE" "$@" <"$in" >"$OUT/$n-$name.out" 2>"$OUT/$n-$name.err"; rc=$?; out=$(cat "$OUT/$n-$name.out"); }
err() { cat "$OUT/$n-"*.err; }
req() { n=$((n + 1)); api "$2" "$3" "${4:-}" "${5:-}"
  printf '%s\n' "$body" >"$OUT/$n-$1.body"; cp "$OG_TMP/headers" "$OUT/$n-$1.headers"; }
want_rc() { if [ "$rc" = "$1" ]; then ok; else bad "$2: exit $rc, want $1: $(err | tail -3)"; fi; }
want_err() { if grep -q -- "$1" <<<"$(err)"; then ok; else bad "$2: stderr lacks '$1': $(err | tail -3)"; fi; }

# ---- the installation, tenants and users
admin=$(og_init "$D") || exit 1
run t1 tenant create acme && run t2 tenant create globex && run t3 tenant create initech
for u in ta:tenant-admin en:engineer au:auditor cv:client-viewer; do
  run "user-${u%%:*}" user add "${u%%:*}" --tenant acme --role "${u#*:}"
done
run user-gta user add gta --tenant globex --role tenant-admin
tok() { "$OPSGATE" --json token create --tenant "$1" --user "$2" | jq -r .token; }
T_TA=$(tok acme ta); T_EN=$(tok acme en); T_AU=$(tok acme au); T_CV=$(tok acme cv)
T_GTA=$(tok globex gta)

# ---- the kind: the first with a secret credential field (connectwise once its adaptor landed)
run kinds --json connector kinds
kind=$(jq -r '[.kinds[] | select(any(.fields[]; .secret))][0].kind // empty' <<<"$out")
[ -n "$kind" ] || { echo "SKIP: no connector kind with a secret credential field is built yet" >&2; exit 77; }
jq -e '(.kinds | length) == 6 and ([.kinds[] | select(.category == "rmm")] | length) == 2 and ([.kinds[] | select(.category == "cloud")] | length) == 1' <<<"$out" >/dev/null && ok || bad "connector kinds: $out"
run kinds-text connector kinds
grep -q "^$kind - " <<<"$out" && ok || bad "connector kinds (text) lacks $kind: $out"

# creds NAME: a credentials file with a marker in every field (secret ones saved in $S)
creds() { local f="$C/$1.json" obj='{}' name secret m
  while IFS=$'\t' read -r name secret; do
    m=$(marker "$1$name")
    if [ "$secret" = true ]; then printf '%s' "$m" >"$S/$1-$name"; else printf '%s' "$m" >"$PLAIN/$1-$name"; fi
    obj=$(jq -c --arg k "$name" --arg v "$m" '. + {($k): $v}' <<<"$obj")
  done < <(jq -r --arg k "$kind" '.kinds[] | select(.kind == $k) | .fields[] | [.name, .secret] | @tsv' <<<"$KINDS")
  printf '%s' "$obj" >"$f"; printf '%s' "$f"; }
KINDS=$("$OPSGATE" --json connector kinds)
secret_field=$(jq -r --arg k "$kind" '.kinds[] | select(.kind == $k) | [.fields[] | select(.secret)][0].name' <<<"$KINDS")
required_field=$(jq -r --arg k "$kind" '.kinds[] | select(.kind == $k) | [.fields[] | select(.required)][0].name // empty' <<<"$KINDS")
URL=https://psa.invalid/api

# ---- add over the CLI: from a file, from stdin; validation names fields, never values
f1=$(creds cw)
run add-file connector add cw --tenant acme --kind "$kind" --base-url "$URL" --credentials-file "$f1" --option page_size=50
want_rc 0 "connector add --credentials-file FILE"
f2=$(creds cw2)
runin add-stdin "$f2" --json connector add cw2 --tenant acme --kind "$kind" --base-url "$URL" --credentials-file -
want_rc 0 "connector add --credentials-file - (stdin)"
jq -e --arg f "$secret_field" '(.fields | index($f)) != null and .scope == "tenant" and .tenant == "acme"' <<<"$out" >/dev/null &&
  ok || bad "add --json: the secret field's name is not listed: $out"
run add-again connector add cw --tenant acme --kind "$kind" --base-url "$URL" --credentials-file "$f1"
want_rc 1 "a name taken in its scope"; want_err "exists already" "a name taken"
bogus=$(marker bogus)
jq -c --arg v "$bogus" '. + {nosuchfield: $v}' "$f1" >"$C/unknown.json"
run add-unknown connector add cx --tenant acme --kind "$kind" --base-url "$URL" --credentials-file "$C/unknown.json"
want_rc 2 "an unknown credential field"; want_err "unknown field 'nosuchfield'" "an unknown field is named"
printf '%s' "$bogus" >"$S/bogus-value"
if [ -n "$required_field" ]; then
  jq -c --arg k "$required_field" 'del(.[$k])' "$f1" >"$C/missing.json"
  run add-missing connector add cx --tenant acme --kind "$kind" --base-url "$URL" --credentials-file "$C/missing.json"
  want_rc 2 "a missing required field"; want_err "missing field '$required_field'" "the missing field is named"
fi
printf 'not json %s' "$(cat "$S/cw-$secret_field")" >"$C/bad.json"
run add-badjson connector add cx --tenant acme --kind "$kind" --base-url "$URL" --credentials-file "$C/bad.json"
want_rc 1 "credentials that are not JSON"
run add-ftp connector add cx --tenant acme --kind "$kind" --base-url ftp://psa.invalid --credentials-file "$f1"
want_rc 2 "a base URL that is not http(s)"; want_err "http(s)" "the scheme is named"
run add-kind connector add cx --tenant acme --kind nosuch --base-url "$URL" --credentials-file "$f1"
want_rc 2 "an unknown kind"

# ---- secrets never from argv
argv_secret=$(marker argv); printf '%s' "$argv_secret" >"$S/argv"
for o in password secret private-key client-secret api-key token credentials; do
  run "argv-$o" connector add cx --tenant acme --kind "$kind" --base-url "$URL" --"$o" "$argv_secret"
  want_rc 2 "--$o on the command line"; want_err "never taken from the command line" "--$o refused"
done
run argv-option connector add cx --tenant acme --kind "$kind" --base-url "$URL" --credentials-file "$f1" --option "$secret_field=$argv_secret"
want_rc 2 "a credential field given as --option"
run argv-option2 connector add cx --tenant acme --kind "$kind" --base-url "$URL" --credentials-file "$f1" --option "api_password=$argv_secret"
want_rc 2 "a secret-looking --option"; want_err "looks like a secret" "a secret-looking option"

# ---- list, show, update, map over the CLI
run list --json connector list --tenant acme
jq -e '[.connectors[].name] == ["cw", "cw2"]' <<<"$out" >/dev/null && ok || bad "connector list: $out"
run list-text connector list --tenant acme
grep -q "^cw .*$kind" <<<"$out" && ok || bad "connector list (text): $out"
run show connector show cw --tenant acme
want_rc 0 "connector show"; grep -q "page_size" <<<"$out" && ok || bad "show lacks the option: $out"
run show-json --json connector show cw --tenant acme
f3=$(creds cw3)
runin update-creds "$f3" --json connector update cw --tenant acme --credentials-file -
want_rc 0 "connector update --credentials-file -"
jq -e '.options.page_size == 50' <<<"$out" >/dev/null && ok || bad "update of credentials dropped the options: $out"
run update-opts --json connector update cw --tenant acme --option page_size=25 --option project_key_prefix=cw-
jq -e '.options.page_size == 25 and .options.project_key_prefix == "cw-"' <<<"$out" >/dev/null && ok || bad "update options: $out"
run update-url connector update cw --tenant acme --base-url https://evil.invalid/api
want_rc 2 "a new base URL without the credentials"; want_err "needs the credentials again" "base URL move refused"
run update-url-kept --json connector show cw --tenant acme
jq -e --arg u "$URL" '.base_url == $u' <<<"$out" >/dev/null && ok || bad "a refused base URL change moved it: $out"
runin update-url-creds "$f3" --json connector update cw --tenant acme --base-url https://psa2.invalid/api --credentials-file -
want_rc 0 "a base URL change with the credentials"
jq -e '.base_url == "https://psa2.invalid/api"' <<<"$out" >/dev/null && ok || bad "base URL with credentials: $out"
runin update-url-back "$f3" connector update cw --tenant acme --base-url "$URL" --credentials-file -
want_rc 0 "the base URL moved back"
run update-kind connector update cw --tenant acme --kind nosuch --option page_size=5
want_rc 2 "changing the kind"
printf '{"mapping": {"phases[": "raw:project.name"}}' >"$OUT/badmap.json"
run update-badmap connector update cw --tenant acme --options-file "$OUT/badmap.json"
want_rc 2 "a mapping that does not parse"; want_err "options.mapping: target 'phases" "the bad path is named"
run update-badint connector update cw --tenant acme --option sync_interval=soon
want_rc 2 "a sync interval that is no duration"; want_err "sync_interval" "the option is named"
run update-opts-kept --json connector show cw --tenant acme
jq -e '.options.page_size == 25' <<<"$out" >/dev/null && ok || bad "a refused update changed the options: $out"
run map connector map cw --tenant acme --company 42
want_rc 0 "connector map"
run map-other connector map cw --tenant acme --company 43 --to globex
want_rc 1 "a tenant's connector mapped to another tenant"; want_err "only to its own tenant" "map to another tenant"
run companies --json connector companies cw --tenant acme
jq -e '.companies[0].company_id == "42" and .companies[0].tenant == "acme"' <<<"$out" >/dev/null && ok || bad "companies: $out"
run unmap connector unmap cw --tenant acme --company 42
want_rc 0 "connector unmap"
run unmap-unknown connector unmap cw --tenant acme --company 99
want_rc 1 "unmapping a company the connector does not know"

# ---- the platform's connectors: many tenants, platform-admin only
fp=$(creds pcw)
run padd connector add pcw --kind "$kind" --base-url "$URL" --credentials-file "$fp"
want_rc 0 "a platform connector"
run pmap connector map pcw --company 7 --to globex
want_rc 0 "a platform connector's company to globex"
run pmap-issue connector map pcw --company 8 --tenant initech
want_rc 0 "map NAME --company ID --tenant T (the issue's form) for a platform connector"
run plist-globex --json connector list --tenant globex
jq -e '[.connectors[] | select(.scope == "platform") | .name] == ["pcw"] and ([.connectors[] | .options] | all(. == null))' <<<"$out" >/dev/null &&
  ok || bad "globex's list shows the platform connector serving it (without its settings): $out"
run plist-as --json --as ta connector list --tenant acme
jq -e '[.connectors[].name] == ["cw", "cw2"]' <<<"$out" >/dev/null && ok || bad "acme's list: $out"
run padd-as --as ta connector add pc2 --tenant acme --kind "$kind" --base-url "$URL" --credentials-file "$f1"
want_rc 0 "a tenant-admin adds its tenant's connector"
run pshow-as --as ta connector show pcw --tenant acme
want_rc 1 "a platform connector by name in a tenant's scope is not found"

# ---- egress: a loopback base URL is refused until a platform-admin allows it
run egress-refused connector add lo --tenant acme --kind "$kind" --base-url http://127.0.0.1:9/api --credentials-file "$f1"
want_rc 1 "a loopback base URL"; want_err "loopback" "the range is named"
run egress-allow notify egress allow 127.0.0.0/8 --note "connector tests"
run egress-ok connector add lo --tenant acme --kind "$kind" --base-url http://127.0.0.1:9/api --credentials-file "$f1"
want_rc 0 "a loopback base URL once allowed"
run test-lo --json connector test lo --tenant acme
want_rc 1 "connector test against a closed port fails"
jq -e '.ok == false and (.error | length > 0)' <<<"$out" >/dev/null && ok || bad "connector test outcome: $out"

# ---- rights on the CLI (--as)
run as-en --as en connector add x --tenant acme --kind "$kind" --base-url "$URL" --credentials-file "$f1"
want_rc 1 "an engineer adds a connector"; want_err "tenant-admin" "the missing role is named"
run as-au --as au connector test cw --tenant acme
want_rc 1 "an auditor tests a connector"
run as-cv --as cv connector list --tenant acme
want_rc 1 "a client-viewer lists connectors"
run as-au-list --as au connector list --tenant acme
want_rc 0 "an auditor lists connectors"
run as-ta-platform --as ta connector list
want_rc 1 "a tenant-admin lists the platform's connectors"

# ---- HTTP
og_serve "$D" --access-log --auth-fail-limit 3 || exit 1
body_c=$(jq -c --arg k "$kind" --arg u "$URL" '{name: "hc", kind: $k, base_url: $u, credentials: ., options: {page_size: 10}}' "$(creds hc)")
req h-add-en POST /api/v1/connectors "$T_EN" "$body_c"; expect_status 403 "an engineer adds over HTTP"
req h-add POST /api/v1/connectors "$T_TA" "$body_c"; expect_status 201 "a tenant-admin adds over HTTP"
expect_jq '.name + " " + .scope + " " + .tenant' "hc tenant acme" "the added connector"
expect_header Location '/api/v1/connectors/' "Location of the new connector"
req h-add-dup POST /api/v1/connectors "$T_TA" "$body_c"; expect_status 409 "a name taken"
bad_c=$(jq -c '.credentials += {nosuch: "x"} | .name = "hd"' <<<"$body_c")
req h-add-bad POST /api/v1/connectors "$T_TA" "$bad_c"; expect_error 400 invalid "an unknown field over HTTP"
expect_jq '.error.message | test("nosuch")' true "the unknown field is named"
req h-add-lo POST /api/v1/connectors "$T_TA" "$(jq -c '.name = "hl" | .base_url = "http://10.1.2.3/api"' <<<"$body_c")"
expect_status 403 "a private base URL over HTTP"
req h-list-en GET /api/v1/connectors "$T_EN"; expect_status 200 "an engineer lists"
expect_jq '[.connectors[] | select(.scope == "tenant") | .name] | sort | join(",")' "cw,cw2,hc,lo,pc2" "acme's connectors"
req h-list-au GET /api/v1/connectors "$T_AU"; expect_status 200 "an auditor lists"
req h-list-cv GET /api/v1/connectors "$T_CV"; expect_status 403 "a client-viewer lists"
req h-list-pa GET /api/v1/connectors "$admin"; expect_status 200 "the platform's connectors"
expect_jq '[.connectors[].name] | join(",")' "pcw" "the platform's list"
req h-list-paq GET "/api/v1/connectors?tenant=acme" "$admin"; expect_status 200 "a platform token names the tenant"
req h-show GET /api/v1/connectors/hc "$T_AU"; expect_status 200 "an auditor shows"
req h-show-other GET /api/v1/connectors/hc "$T_GTA"; other=$body; expect_status 404 "another tenant's connector"
req h-show-miss GET /api/v1/connectors/nosuchc "$T_GTA"
[ "${other//hc/X}" = "${body//nosuchc/X}" ] && ok || bad "another tenant's connector answers unlike a missing one: $other / $body"
req h-other-q GET "/api/v1/connectors?tenant=acme" "$T_GTA"; expect_status 404 "another tenant named in the query"
req h-patch-en PATCH /api/v1/connectors/hc "$T_EN" '{"options": {"page_size": 5}}'; expect_status 403 "an engineer changes"
req h-patch PATCH /api/v1/connectors/hc "$T_TA" "$(jq -c '{credentials: .}' "$(creds hc2)")"
expect_status 200 "new credentials over HTTP"
expect_jq '.options.page_size' 10 "the options stay"
req h-test-au POST /api/v1/connectors/hc/test "$T_AU"; expect_status 403 "an auditor tests"
req h-test POST /api/v1/connectors/hc/test "$T_EN"; expect_status 200 "an engineer tests"
expect_jq '.ok' false "a PSA that cannot be reached is a failed test"
req h-map PUT /api/v1/connectors/hc/companies/c-9/tenant "$T_TA" '{}'; expect_status 200 "map over HTTP"
req h-map-other PUT /api/v1/connectors/hc/companies/c-9/tenant "$T_TA" '{"tenant": "globex"}'
expect_status 404 "map a tenant's connector to another tenant (globex does not exist for acme)"
req h-companies GET /api/v1/connectors/hc/companies "$T_AU"; expect_status 200 "companies"
expect_jq '.companies[0].tenant' acme "the company's tenant"
req h-pmap PUT /api/v1/connectors/pcw/companies/9/tenant "$admin" '{"tenant": "acme"}'; expect_status 200 "map a platform connector's company"
req h-unmap DELETE /api/v1/connectors/hc/companies/c-9/tenant "$T_TA"; expect_status 204 "unmap"
req h-kinds GET /api/v1/connector-kinds "$T_CV"; expect_status 200 "the catalogue"
req h-hook POST "/api/v1/connectors/$(jq -r .id <<<"$(cat "$OUT"/*-h-add.body)")/webhook" "" '{}'
expect_status 401 "an unauthenticated webhook"
req h-hook-miss POST /api/v1/connectors/00000000-0000-4000-8000-000000000000/webhook "" '{}'
hook_other=$body; [ "$code" = 401 ] && ok || bad "an unknown connector's webhook: $code"
[ "$hook_other" = "$(cat "$OUT"/*-h-hook.body)" ] && ok || bad "an unknown webhook id answers unlike a failed authentication"
req h-metrics GET /metrics "$admin"; expect_status 200 "/metrics"
req h-audit GET "/api/v1/audit/export?format=jsonl&tenant=acme" "$admin"; expect_status 200 "audit export"
req h-del-au DELETE /api/v1/connectors/hc "$T_AU"; expect_status 403 "an auditor removes"
req h-del DELETE /api/v1/connectors/hc "$T_TA"; expect_status 204 "a tenant-admin removes"
req h-del-again GET /api/v1/connectors/hc "$T_TA"; expect_status 404 "removed"
# failed webhook authentications count against the address like bad tokens (limit 3 here)
req h-hook-3 POST /api/v1/connectors/00000000-0000-4000-8000-000000000000/webhook "" '{}'
expect_status 401 "a third failed webhook"
req h-hook-4 POST /api/v1/connectors/00000000-0000-4000-8000-000000000000/webhook "" '{}'
expect_status 429 "a fourth failed webhook from the same address is throttled"
og_stop
cp "$OG_SERVER_LOG" "$OUT/server.log"
grep -q "POST /api/v1/connectors " "$OUT/server.log" && ok || bad "the access log is not in the server log"

# ---- audit: every change recorded, named, without secrets
run audit-acme --json audit list --tenant acme --limit 1000
for a in connector.add connector.update connector.map connector.unmap connector.remove; do
  grep -q "\"$a\"" <<<"$out" && ok || bad "no $a record on acme's chain"
done
run audit-globex --json audit list --tenant globex --limit 1000
grep -q '"connector.map"' <<<"$out" && ok || bad "the platform connector's map is not on globex's chain"
for f in jsonl csv oscal; do
  run "export-$f" audit export --format "$f"; run "export-acme-$f" audit export --tenant acme --format "$f"
done

# ---- tenant deletion: its connectors go, maps of platform connectors to it are undone
run del-globex tenant delete globex --yes
want_rc 0 "tenant delete"
run pcomp --json connector companies pcw
jq -e '[.companies[] | select(.company_id == "7")][0].tenant == null' <<<"$out" >/dev/null &&
  ok || bad "the deleted tenant's company is still mapped: $out"
run remove connector remove cw --tenant acme
want_rc 0 "connector remove"
run remove-again connector remove cw --tenant acme
want_rc 1 "removing a removed connector"

# ---- the scan: no secret anywhere; the non-secret values are found (the scan is not blind)
mapfile -t files < <(find "$OUT" "$D" -type f ! -path "$D/master.key" | sort)
scan_prepare "${files[@]}"
# every secret's forms at once (one pass over the files); each secret on its own only on a hit
: >"$OG_TMP/all-forms"
for s in "$S"/*; do secret_forms "$s" "$OG_TMP/forms"; cat "$OG_TMP/forms" >>"$OG_TMP/all-forms"; done
if [ -z "$(scan_hits "$OG_TMP/all-forms")" ]; then ok; else
  for s in "$S"/*; do
    secret_forms "$s" "$OG_TMP/forms"
    hits=$(scan_hits "$OG_TMP/forms")
    [ -z "$hits" ] || bad "secret '$(basename "$s")' leaked into: $(printf '%s' "$hits" | sed "s|$OG_TMP/||g" | tr '\n' ' ')"
  done
fi
# the test of the test: a non-secret credential value (shown by design) is found in the outputs
p=$(ls "$PLAIN"/cw3-* 2>/dev/null | head -1)
if [ -n "$p" ]; then
  secret_forms "$p" "$OG_TMP/forms"
  hits=$(scan_hits "$OG_TMP/forms")
  grep -q "$OUT/" <<<"$hits" && ok || bad "test of the test: the non-secret value $(basename "$p") is shown nowhere"
fi
og_done
