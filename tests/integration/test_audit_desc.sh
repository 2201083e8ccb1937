#!/usr/bin/env bash
# test_audit_desc.sh - newest-first paging of the audit trail and the latest signed checkpoint:
# GET /api/v1/audit?order=desc&before= (with until, actor, target) and GET /api/v1/audit/checkpoint,
# bad combinations named; the console's audit page pages with before= from the newest and shows
# the checkpoint (the long-chain cost is tests/unit/audit/test_audit_page.c's).
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null || exit 1
og user add --tenant acme ada --role auditor >/dev/null || exit 1
og user add --tenant acme eve --role engineer >/dev/null || exit 1
for u in u1 u2 u3 u4 u5; do og user add --tenant acme "$u" --role engineer >/dev/null || exit 1; done
tok=$(og token create --tenant acme --user ada 2>/dev/null)
tok_en=$(og token create --tenant acme --user eve 2>/dev/null)
og_serve "$D" || exit 1

api GET "/api/v1/audit?order=asc&limit=1000" "$tok"; expect_status 200 "oldest first"
last=$(printf '%s' "$body" | jq '.records[-1].seq')
api GET "/api/v1/audit/checkpoint" "$tok"; expect_status 200 "the checkpoint, none yet"
expect_jq '.checkpoint' null "no checkpoint before one is signed"
expect_jq '.records' "$last" "the chain's length"

api GET "/api/v1/audit?order=desc&limit=2" "$tok"; expect_status 200 "newest first"
expect_jq '[.records[].seq] | join(",")' "$last,$((last - 1))" "the two newest, newest first"
expect_jq '.next' "$((last - 1))" "next is the before= of the older page"
api GET "/api/v1/audit?order=desc&limit=2&before=$((last - 1))" "$tok"
expect_jq '[.records[].seq] | join(",")' "$((last - 2)),$((last - 3))" "the page below"
api GET "/api/v1/audit?order=desc&limit=100&action=user.add&target=u3" "$tok"
expect_jq '[.records[].target.name] | join(",")' "u3" "action and target filters"
api GET "/api/v1/audit?order=desc&limit=100&until=2000-01-01" "$tok"
expect_jq '.records | length' 0 "nothing before 2000"
expect_jq '.next' null "and no next"
api GET "/api/v1/audit?order=sideways" "$tok"; expect_error 400 invalid "an unknown order"
api GET "/api/v1/audit?before=3" "$tok"; expect_error 400 invalid "before= without order=desc"
api GET "/api/v1/audit?order=desc&after=3" "$tok"; expect_error 400 invalid "after= with order=desc"
api GET "/api/v1/audit?order=desc&before=x" "$tok"; expect_error 400 invalid "a bad before="
api GET "/api/v1/audit?order=desc" "$tok_en"; expect_error 403 forbidden "an engineer reads no audit"
api GET "/api/v1/audit/checkpoint" "$tok_en"; expect_error 403 forbidden "nor its checkpoint"

og audit checkpoint >/dev/null || exit 1
api GET "/api/v1/audit/checkpoint?tenant=acme" "$tok"; expect_status 200 "the checkpoint"
expect_jq '.checkpoint.tree_size' "$last" "covers the chain"
expect_jq '.checkpoint.signature_ok' true "its signature verifies"
expect_jq '.tenant.name' acme "names the tenant"

# the console's page: the newest 2, a link to the older page with before=, the checkpoint
H="$OG_TMP/h"
req() { code=$(curl -s -o "$OG_TMP/b" -D "$H" -w '%{http_code}' "$@"); }
req --data-urlencode "token=$tok" "$OG_URL/console/sign-in"
c=$(tr -d '\r' <"$H" | grep -i '^set-cookie:' | head -n 1 | cut -d' ' -f2 | cut -d';' -f1)
req -H "Cookie: $c" "$OG_URL/console/tenants/acme/audit?limit=2"
[ "$code" = 200 ] && ok || bad "the audit page: $code"
now=$(curl -s -H "Authorization: Bearer $tok" "$OG_URL/api/v1/audit?order=desc&limit=1" | jq '.records[0].seq')
if grep -q "href=\"/console/tenants/acme/audit?limit=2&amp;before=$((now - 1))\"" "$OG_TMP/b"; then ok; else
  bad "no Older records link with before=$((now - 1)): $(grep -o 'rel="next"[^>]*\|href="[^"]*before[^"]*"' "$OG_TMP/b")"; fi
grep -q 'id="verify-status">OK' "$OG_TMP/b" && ok || bad "a short chain is verified on its newest page"
grep -q "tree size <span class=\"cp-size\">$last</span>" "$OG_TMP/b" && ok || bad "the checkpoint's tree size"
req -H "Cookie: $c" "$OG_URL/console/tenants/acme/audit?limit=2&before=$((now - 1))"
grep -q "<td class=\"num\">$((now - 2))</td>" "$OG_TMP/b" && ok || bad "the older page starts below"
grep -q 'verify the chain now' "$OG_TMP/b" && ok || bad "an older page offers verification, does not run it"
req -H "Cookie: $c" "$OG_URL/console/tenants/acme/audit?limit=2&before=$((now - 1))&verify=1"
grep -q 'id="verify-status">OK' "$OG_TMP/b" && ok || bad "verify=1 verifies"
req -H "Cookie: $c" "$OG_URL/console/tenants/acme/audit?verify=yes"
[ "$code" = 400 ] && ok || bad "verify=yes: $code"
og_done
