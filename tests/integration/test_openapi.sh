#!/usr/bin/env bash
# test_openapi.sh - the OpenAPI document (api/, docs/api.md "The OpenAPI document"): Redocly CLI
# lints it with redocly.yaml; the server serves exactly the merged build/openapi.json, publicly;
# tools/openapi-merge.py refuses a path or schema defined twice, a $ref to nothing and an unused
# schema; tools/openapi-check.js catches a reply the document does not describe, naming the
# operation, the status and the JSON pointer. (The route table against the document:
# unit_http_test_openapi_routes; real replies of the HTTP tests: OG_OPENAPI_CHECK in lib.sh.)
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-300} # before lib.sh, whose watchdog reads it: node is slow to start
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DOC=${OG_BUILD_DIR:?set OG_BUILD_DIR to the build folder}/openapi.json
TOOLS="$SRC/tools/node/node_modules"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed" >&2; exit 77; }
if ! command -v node >/dev/null 2>&1 || [ ! -x "$TOOLS/.bin/redocly" ]; then
  echo "FAIL: node or Redocly CLI is missing: run scripts/deps.sh test (npm ci in tools/node)" >&2
  exit 1
fi
expect_rc() { if [ "$2" = "$1" ]; then ok; else bad "$3: exit $2, want $1"; fi; }
expect_in() { case "$2" in *"$1"*) ok ;; *) bad "$3: '$1' not in: $2" ;; esac; }

# --- lint (the recommended rules, redocly.yaml); no telemetry, no update check
out=$(cd "$OG_TMP" && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
      "$TOOLS/.bin/redocly" lint --format=stylish --config "$SRC/redocly.yaml" "$DOC" 2>&1)
rc=$?
expect_rc 0 $rc "redocly lint of $DOC: $(grep -E 'error|warning' <<<"$out" | head -n 20)"

# --- the server serves the merged document, without a token
D="$OG_TMP/data"
og_init "$D" >/dev/null || exit 1
og_serve "$D" || exit 1
api GET /api/v1/openapi.json
expect_status 200 "the document without a token"
expect_header Content-Type 'application/json' "the document's type"
if cmp -s "$OG_TMP/body" "$DOC"; then ok; else bad "the served document differs from $DOC"; fi
expect_jq '.openapi' 3.1.0 "an OpenAPI 3.1 document"
expect_jq '.paths["/api/v1/whoami"].get.operationId' whoami "the document lists the API's routes"
expect_jq '[.paths | keys[] | select(startswith("/console"))] | length' 0 "no console route in it"
api GET /api/v1/openapi.json og_bogus_token
expect_status 200 "a public route ignores a token it does not need"
code=$(curl -sS -o /dev/null -w '%{http_code}' -I "$OG_URL/api/v1/openapi.json")
expect_status 200 "HEAD"

# --- the merge tool refuses what would make the document wrong
M() { python3 "$SRC/tools/openapi-merge.py" "$1" "$OG_TMP/merged.json" 2>&1; }
copy() { rm -rf "$OG_TMP/api"; cp -r "$SRC/api" "$OG_TMP/api"; }
copy
out=$(M "$OG_TMP/api"); expect_rc 0 $? "the source merges: $out"
if cmp -s "$OG_TMP/merged.json" "$DOC"; then ok; else bad "merging twice gives another document"; fi
copy
printf '/api/v1/whoami:\n  get: {operationId: again, responses: {}}\n' >"$OG_TMP/api/paths/zz.yaml"
out=$(M "$OG_TMP/api"); expect_rc 1 $? "a path defined twice"
expect_in "path /api/v1/whoami is defined twice: in $OG_TMP/api/paths/tenants.yaml and in $OG_TMP/api/paths/zz.yaml" "$out" "both files named"
copy
printf 'schemas:\n  Tenant: {type: object}\n' >"$OG_TMP/api/components/zz.yaml"
out=$(M "$OG_TMP/api"); expect_rc 1 $? "a schema defined twice"
expect_in "components.schemas.Tenant is defined twice" "$out" "the schema named"
copy
printf 'schemas:\n  NobodyUsesMe: {type: object}\n' >"$OG_TMP/api/components/zz.yaml"
out=$(M "$OG_TMP/api"); expect_rc 1 $? "an unused schema"
expect_in "components.schemas.NobodyUsesMe is never used" "$out" "the unused schema named"
copy
sed -i 's|#/components/schemas/Whoami|#/components/schemas/Whoamy|' "$OG_TMP/api/paths/tenants.yaml"
out=$(M "$OG_TMP/api"); expect_rc 1 $? "a \$ref to nothing"
expect_in '$ref #/components/schemas/Whoamy points at nothing' "$out" "the dangling ref named"
copy
printf '/api/v1/x:\n  get: {}\n/api/v1/x:\n  put: {}\n' >"$OG_TMP/api/paths/zz.yaml"
out=$(M "$OG_TMP/api"); expect_rc 1 $? "a key given twice in one file"
expect_in "key '/api/v1/x' given twice" "$out" "the key named"

copy
printf '/api/v1/y:\n  get: {description: one, two}\n' >"$OG_TMP/api/paths/zz.yaml"
out=$(M "$OG_TMP/api"); expect_rc 1 $? "an unquoted comma in a flow mapping"
expect_in "#/paths/~1api~1v1~1y/get/two has no value" "$out" "the key without a value named"

# --- the response checker: the test of the test (one run over a log of good and bad replies)
CHK() { node "$SRC/tools/openapi-check.js" "$DOC" "$1" 2>&1; }
L="$OG_TMP/replies.jsonl"
line() { printf '{"method":"%s","route":"%s","status":%s,"type":%s,"body":%s}\n' "$@" >>"$L"; }
good='"{\"user\":\"u\",\"user_id\":\"i\",\"role\":\"engineer\",\"tenant\":\"t\",\"tenant_id\":\"x\",\"token_id\":\"k\"}"'
line GET /api/v1/whoami 200 '"application/json"' "$good"
line DELETE '/api/v1/tenants/{tenant}' 204 null null
line GET '/api/v1/projects/{key}/artifacts/{name}/content' 304 '"text/markdown"' null
out=$(CHK "$L"); expect_rc 0 $? "replies as documented pass: $out"
expect_in "3 replies of 3 operations checked against the document, 0 failures" "$out" "all counted"
: >"$L"
line GET /api/v1/whoami 200 '"application/json"' \
  '"{\"user\":\"u\",\"user_id\":\"i\",\"role\":\"pirate\",\"tenant\":null,\"tenant_id\":null,\"token_id\":\"k\",\"extra\":1}"'
line GET /api/v1/whoami 418 '"application/json"' '"{}"'
line POST /api/v1/whoami 200 '"application/json"' '"{}"'
line GET /api/v1/whoami 401 '"text/html"' '"<p>"'
line GET /api/v1/nowhere 200 '"application/json"' '"{}"'
out=$(CHK "$L"); expect_rc 1 $? "replies the document does not describe fail"
expect_in "replies.jsonl:1: whoami (GET /api/v1/whoami) 200: /role must be equal to one of the allowed values" "$out" "operation, status and pointer named"
expect_in "must NOT have additional properties 'extra'" "$out" "the extra property named"
expect_in "replies.jsonl:2: whoami (GET /api/v1/whoami) 418: status not documented" "$out" "the undocumented status named"
expect_in "replies.jsonl:3: POST /api/v1/whoami 200: the document has no such operation" "$out" "the undocumented operation named"
expect_in "replies.jsonl:4: whoami (GET /api/v1/whoami) 401: Content-Type text/html not documented" "$out" "the undocumented media type named"
expect_in "replies.jsonl:5: GET /api/v1/nowhere 200: the document has no such path" "$out" "the undocumented path named"

# --- the request a 2xx reply answered: parameters and body against the operation (these lines
# have no reply body: only their "request:" failures count here)
R="$OG_TMP/requests.jsonl"
req() { printf '{"method":"%s","route":"%s","status":%s,"type":null,"body":null,"request":%s}\n' "$@" >>"$R"; }
created='{"headers":{"content-type":"application/json"},"query":{},"body":"{\"range\":\"10.0.0.0/8\",\"note\":\"n\"}"}'
printf '{"method":"POST","route":"/api/v1/notify-egress","status":201,"type":"application/json","body":"{\"range\":\"10.0.0.0/8\",\"note\":\"n\"}","request":%s}\n' "$created" >"$R"
req GET /api/v1/projects 200 '{"headers":{},"query":{"tenant":"acme","all":"1"}}'
req DELETE '/api/v1/tenants/{tenant}' 204 '{"headers":{},"query":{},"body_wiped":true}'
out=$(CHK "$R"); expect_rc 1 $? "a body to an operation without one fails: $out"
expect_in "requests.jsonl:3: deleteTenant (DELETE /api/v1/tenants/{tenant}) 204: request: a body sent to an operation that declares none" "$out" "an undeclared body named"
n=$(grep -c ' request: ' <<<"$out")
[ "$n" = 1 ] && ok || bad "only that request fails (a documented body, a flag of the server's spelling pass): $n: $out"
: >"$R"
req POST /api/v1/notify-egress 201 '{"headers":{"content-type":"application/json"},"query":{},"body":"{\"range\":\"10.0.0.0/8\",\"colour\":\"red\"}"}'
req POST /api/v1/notify-egress 201 '{"headers":{"content-type":"text/csv"},"query":{},"body":"x"}'
req GET /api/v1/projects 200 '{"headers":{},"query":{"tenant":"acme","all":"maybe","sort":"x"}}'
req POST /api/v1/notify-egress 400 '{"headers":{},"query":{},"body":"{\"colour\":1}"}'
out=$(CHK "$R"); expect_rc 1 $? "requests the document does not describe fail: $out"
expect_in "requests.jsonl:1: allowNotifyEgress (POST /api/v1/notify-egress) 201: request: / must NOT have additional properties 'colour'" "$out" "an unknown body field named"
expect_in "requests.jsonl:2: allowNotifyEgress (POST /api/v1/notify-egress) 201: request: Content-Type text/csv not documented" "$out" "an undocumented request media type named"
expect_in "query parameter 'all' = 'maybe'" "$out" "a bad parameter value named"
expect_in "query argument 'sort' is not a declared parameter" "$out" "an undeclared query argument named"
grep -q "requests.jsonl:4: .* request: " <<<"$out" && bad "a refused request (400) is the test's to send: $out" || ok
og_done
