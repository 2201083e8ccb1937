#!/usr/bin/env bash
# test_http_roles.sh - roles over HTTP, whoami, token creation and revocation, audit reads, and
# cross-tenant requests answered exactly like requests for objects that do not exist.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og_serve "$D" || exit 1

# token TENANT USER [AS]: a fresh token for USER (created by AS, default the platform admin).
token() {
  api POST "/api/v1/tenants/$1/users/$2/tokens" "${3:-$admin}" '{"ttl":"1h"}'
  if [ "$code" != 201 ]; then bad "token for $2@$1: $code $body"; return; fi
  printf '%s' "$body" | jq -r .token
}
# same_404 WHAT: the last body equals $ref_body once each request's own path is taken out.
same_404() {
  local a b
  a=$(printf '%s' "$ref_body" | jq -c --arg p "$ref_path" '.error.message |= sub($p; "PATH")')
  b=$(printf '%s' "$body" | jq -c --arg p "$2" '.error.message |= sub($p; "PATH")')
  if [ "$code" = 404 ] && [ "$a" = "$b" ]; then ok; else
    bad "$1: cross-tenant answer differs from a missing object: $code $body vs $ref_body"
  fi
}

for t in acme globex; do
  api POST /api/v1/tenants "$admin" "{\"name\":\"$t\"}"
  expect_status 201 "create $t"
done
api GET /api/v1/tenants "$admin"
expect_status 200 "list tenants"
expect_jq '[.tenants[].name] | sort | join(",")' "acme,globex" "both tenants listed"

add() {
  api POST "/api/v1/tenants/$1/users" "$admin" "{\"name\":\"$2\",\"role\":\"$3\"}"
  expect_status 201 "add $2 ($3) to $1"
}
add acme ann tenant-admin
add acme eve engineer
add acme aud auditor
add globex gary tenant-admin
add globex bob engineer
ann=$(token acme ann)
eve=$(token acme eve)
aud=$(token acme aud)
gary=$(token globex gary)

# --- whoami
api GET /api/v1/whoami "$ann"
expect_status 200 "whoami"
expect_jq .user ann "whoami user"
expect_jq .role tenant-admin "whoami role"
expect_jq .tenant acme "whoami tenant"
expect_jq '.token_id | test("^[0-9a-f-]{36}$")' true "whoami token id"
ann_tid=$(printf '%s' "$body" | jq -r .token_id)
case "$ann" in "og_${ann_tid}_"*) ok ;; *) bad "whoami token id is the presented token's id" ;; esac
api GET /api/v1/whoami "$admin"
expect_jq .role platform-admin "platform admin whoami"
expect_jq .tenant null "platform admin has no tenant"

# --- users: tenant-admin manages, engineer and auditor read only
api POST /api/v1/tenants/acme/users "$ann" '{"name":"carl","role":"engineer"}'
expect_status 201 "tenant-admin adds a user"
expect_jq .role engineer "added user's role"
api POST /api/v1/tenants/acme/users "$eve" '{"name":"dave","role":"engineer"}'
expect_error 403 forbidden "engineer cannot add users"
api POST /api/v1/tenants/acme/users "$aud" '{"name":"dave","role":"engineer"}'
expect_error 403 forbidden "auditor cannot add users"
api GET /api/v1/tenants/acme/users "$aud"
expect_status 200 "auditor lists users"
expect_jq '[.users[].name] | sort | join(",")' "ann,aud,carl,eve" "user list"
api GET /api/v1/tenants/acme/users/eve "$aud"
expect_status 200 "auditor reads a user"
expect_jq .name eve "user name"
api GET /api/v1/tenants/acme "$eve"
expect_status 200 "engineer sees its tenant"
api POST /api/v1/tenants "$ann" '{"name":"newco"}'
expect_error 403 forbidden "tenant-admin cannot create tenants"
api DELETE /api/v1/tenants/acme "$ann"
expect_error 403 forbidden "tenant-admin cannot delete its tenant"
api POST /api/v1/tenants/acme/suspend "$ann"
expect_error 403 forbidden "tenant-admin cannot suspend its tenant"

# --- tokens: created once, listed without the secret, revoked
api POST /api/v1/tenants/acme/users/carl/tokens "$ann" '{"ttl":"2h"}'
expect_status 201 "tenant-admin creates a token for carl"
expect_jq '.token | startswith("og_")' true "the secret is returned"
carl=$(printf '%s' "$body" | jq -r .token)
carl_id=$(printf '%s' "$body" | jq -r .id)
api POST /api/v1/tenants/acme/users/ann/tokens "$eve" '{}'
expect_error 403 forbidden "engineer cannot create tokens for others"
api GET /api/v1/tenants/acme/tokens "$ann"
expect_status 200 "list tokens"
expect_jq "[.tokens[] | select(.id == \"$carl_id\")] | length" 1 "carl's token is listed"
if grep -qF -- "${carl#og_*_}" <<<"$body"; then bad "token list leaks a secret"; else ok; fi
api GET /api/v1/whoami "$carl"
expect_jq .user carl "carl's token works"
api DELETE "/api/v1/tokens/$carl_id" "$eve"
expect_error 403 forbidden "engineer cannot revoke others' tokens"
api DELETE "/api/v1/tokens/$carl_id" "$ann"
expect_status 204 "tenant-admin revokes carl's token"
api GET /api/v1/whoami "$carl"
expect_error 401 unauthorized "revoked token"

# --- cross-tenant: 404, the same body as for an object that does not exist
ref_path=/api/v1/tenants/nosuch; api GET "$ref_path" "$ann"; ref_body=$body
expect_error 404 not_found "missing tenant"
api GET /api/v1/tenants/globex "$ann"
same_404 "tenant of another tenant" /api/v1/tenants/globex

ref_path=/api/v1/tenants/nosuch/users/bob; api GET "$ref_path" "$ann"; ref_body=$body
api GET /api/v1/tenants/globex/users/bob "$ann"
same_404 "user of another tenant" /api/v1/tenants/globex/users/bob
ref_path=/api/v1/tenants/nosuch/users; api GET "$ref_path" "$ann"; ref_body=$body
api GET /api/v1/tenants/globex/users "$ann"
same_404 "user list of another tenant" /api/v1/tenants/globex/users
ref_path=/api/v1/tenants/nosuch/users; api POST "$ref_path" "$ann" '{"name":"x","role":"engineer"}'
ref_body=$body
api POST /api/v1/tenants/globex/users "$ann" '{"name":"x","role":"engineer"}'
same_404 "adding a user to another tenant" /api/v1/tenants/globex/users
ref_path=/api/v1/tenants/nosuch/users/bob/tokens; api POST "$ref_path" "$ann" '{}'; ref_body=$body
api POST /api/v1/tenants/globex/users/bob/tokens "$ann" '{}'
same_404 "a token for another tenant's user" /api/v1/tenants/globex/users/bob/tokens
api GET /api/v1/whoami "$gary"
gary_tid=$(printf '%s' "$body" | jq -r .token_id)
ref_path=/api/v1/tokens/00000000-0000-4000-8000-000000000000; api DELETE "$ref_path" "$ann"
ref_body=$body
api DELETE "/api/v1/tokens/$gary_tid" "$ann"
same_404 "revoking another tenant's token" "/api/v1/tokens/$gary_tid"
api GET /api/v1/whoami "$gary"
expect_status 200 "gary's token survived the attempt"

# --- audit: auditor and tenant-admin read, engineer does not; tenant defaults to the token's
api GET "/api/v1/audit?limit=10" "$aud"
expect_status 200 "auditor reads the audit trail"
expect_jq '.records | type' array "audit records"
expect_jq '.next == null or (.next | type == "string")' true "audit cursor"
api GET /api/v1/audit "$eve"
expect_error 403 forbidden "engineer cannot read the audit trail"
ref_path=/api/v1/audit; api GET "/api/v1/audit?tenant=nosuch" "$aud"; ref_body=$body
expect_error 404 not_found "audit of a missing tenant"
api GET "/api/v1/audit?tenant=globex" "$aud"
expect_error 404 not_found "audit of another tenant"
api GET "/api/v1/audit/export?format=jsonl" "$aud"
expect_status 200 "auditor exports"
expect_header Content-Type 'application/x-ndjson' "jsonl export type"
api GET "/api/v1/audit/export?format=csv" "$eve"
expect_error 403 forbidden "engineer cannot export"

# Cursor pages: one record at a time, following "next", visits every record exactly once.
api GET "/api/v1/audit?limit=1000" "$ann"
all=$(printf '%s' "$body" | jq -c '[.records[].seq]')
acme_id=$(printf '%s' "$body" | jq -r '.records[0].chain')
[ "$(printf '%s' "$all" | jq length)" -ge 4 ] && ok || bad "acme's chain has its user.add records: $all"
seen="[]"; after=0
for _ in $(seq 1 50); do
  api GET "/api/v1/audit?limit=1&after=$after" "$ann"
  seen=$(jq -c --argjson a "$seen" '$a + [.records[].seq]' <<<"$body")
  after=$(jq -r '.next // empty' <<<"$body")
  [ -n "$after" ] || break
done
[ "$seen" = "$all" ] && ok || bad "paging with next visits $seen, want $all"
api GET "/api/v1/audit?action=user.add&limit=1000" "$aud"
expect_jq '[.records[].action] | unique | join(",")' user.add "action filter"
expect_jq '.tenant.name' acme "audit list names the tenant next to its id"
expect_jq '[.records[] | .tenant_name] | unique | join(",")' acme "each record names its tenant"
expect_jq '[.records[] | .target.name | type] | unique | join(",")' string "user.add records name the user"
expect_jq '[.records[] | select(.actor | startswith("user:")) | .actor_id | type] | unique | join(",")' string \
  "records of a user's token carry the user's id"
api GET "/api/v1/audit?since=not-a-time" "$aud"
expect_error 400 invalid "bad since"

# Exports stream every record of the chain, in each format.
api GET "/api/v1/audit/export?format=jsonl" "$aud"
[ "$(printf '%s\n' "$body" | jq -s -c '[.[].seq]')" = "$all" ] && ok || bad "jsonl export: $body"
[ "$(printf '%s\n' "$body" | jq -r .chain | sort -u)" = "$acme_id" ] && ok ||
  bad "jsonl export holds only acme's chain"
api GET "/api/v1/audit/export?format=csv" "$ann"
expect_status 200 "csv export"
expect_header Content-Type 'text/csv' "csv type"
[ "$(printf '%s\n' "$body" | head -n 1 | cut -d, -f1,2,3)" = "chain,tenant_name,seq" ] && ok || bad "csv header: $body"
api GET "/api/v1/audit/export?format=oscal" "$ann"
expect_status 200 "oscal export"
expect_jq 'has("assessment-results")' true "oscal document"
api GET "/api/v1/audit/export?tenant=globex&format=jsonl" "$ann"
expect_error 404 not_found "export of another tenant"

# --- concurrent requests from several tenants' tokens, all answered correctly
for i in $(seq 1 40); do
  case $((i % 3)) in 0) t=$ann u=ann ;; 1) t=$aud u=aud ;; 2) t=$gary u=gary ;; esac
  curl -sS --max-time 30 -H "Authorization: Bearer $t" "$OG_URL/api/v1/whoami" \
    | jq -r --arg u "$u" 'if .user == $u then "ok" else "bad" end' >"$OG_TMP/par.$i" 2>&1 &
done
wait_ok=1
for job in $(jobs -p); do
  [ "$job" = "$OG_SERVER_PID" ] || [ "$job" = "${og_watchdog_pid:-}" ] || wait "$job"
done
for i in $(seq 1 40); do [ "$(cat "$OG_TMP/par.$i")" = ok ] || wait_ok=0; done
[ "$wait_ok" = 1 ] && ok || bad "40 concurrent whoami requests: $(cat "$OG_TMP"/par.* | sort | uniq -c)"

# --- deleting a tenant removes it and its tokens
api DELETE /api/v1/tenants/globex "$admin"
expect_status 204 "platform admin deletes globex"
api GET /api/v1/tenants/globex "$admin"
expect_error 404 not_found "deleted tenant is gone"
api GET /api/v1/whoami "$gary"
expect_error 401 unauthorized "tokens of a deleted tenant"

og_stop TERM
[ "$OG_SERVER_STATUS" = 0 ] && ok || bad "server exit status $OG_SERVER_STATUS"
og_done
