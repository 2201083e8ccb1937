#!/usr/bin/env bash
# test_governance_gates.sh - gates that cannot be walked around (issue 12), over HTTP and the CLI:
# module kinds are not requestable through the general gate endpoint and re-derive what they
# trust at execution (also on a later approval); gate policy is tenant-admin work, lowering is
# recorded as gate.policy.lower and needs a second tenant-admin when it goes below a level
# someone else set; CLI decisions need --as USER other than the requester; `approved` is a review
# by a project-manager or tenant-admin who did not write the version; a dry-run generate needs
# the write right; tokens outside the caller's tenant are 404.
. "$(dirname "$0")/lib.sh"
: "${OG_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
P=$OG_SOURCE_DIR/tests/data/projects

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
has() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
jqv() { printf '%s' "$body" | jq -r "$1"; }
in_msg() {
  local m; m=$(jqv .error.message)
  case "$m" in *"$1"*) ok ;; *) bad "$2: '$1' not in the message: $m" ;; esac
}

og tenant create acme >/dev/null && og tenant create globex >/dev/null || bad "tenants"
for u in ada:tenant-admin bob:tenant-admin pam:project-manager pat:project-manager \
  eve:engineer ed:engineer aud:auditor cli:client-viewer; do
  og user add --tenant acme "${u%%:*}" --role "${u#*:}" >/dev/null || bad "user ${u%%:*}"
done
og user add --tenant globex gus --role tenant-admin >/dev/null || bad "user gus"
tok() { og token create --tenant "$1" --user "$2" --json | jq -r .token; }
ada=$(tok acme ada); bob=$(tok acme bob); pam=$(tok acme pam); pat=$(tok acme pat)
eve=$(tok acme eve); ed=$(tok acme ed); aud=$(tok acme aud); cli=$(tok acme cli)
gus=$(tok globex gus)
og_serve "$D" || exit 1

A=/api/v1/projects/fw/artifacts
# put TOKEN NAME KIND TEXT: a new version of an artifact
put() {
  printf '%s\n' "$4" >"$OG_TMP/put.txt"
  code=$(curl -sS --max-time 30 -X PUT -o "$OG_TMP/body" -w '%{http_code}' \
    -H "Authorization: Bearer $1" -H 'Content-Type: text/markdown' \
    --data-binary @"$OG_TMP/put.txt" "$OG_URL$A/$2?kind=$3")
  body=$(cat "$OG_TMP/body")
}
state() { api POST "$A/$2/state" "$1" "{\"state\":\"$3\"}"; }
art_state() { api GET "$A/$1" "$ada"; jqv .state; }
policy() { api PUT "/api/v1/tenants/acme/gate-policy/$2" "$1" "{\"level\":\"$3\"}"; }
level_of() {
  api GET /api/v1/tenants/acme/gate-policy "$ada"
  jqv ".kinds[] | select(.kind==\"$1\") | .level"
}

api POST /api/v1/projects "$pam" '{"key":"fw","name":"Firewall migration"}'
expect_status 201 "project"

# ============ 1. module kinds are not requestable through the general endpoint ============
put "$eve" rb.md runbook "# Runbook"
expect_status 201 "eve writes a runbook"
RB=$(jqv .artifact_id)
[ -n "$RB" ] && [ "$RB" != null ] || { api GET "$A/rb.md" "$eve"; RB=$(jqv .id); }
state "$eve" rb.md in-review
expect_status 200 "runbook in review"
state "$pam" rb.md approved
expect_status 200 "pam (not the author) approves the runbook"
policy "$ada" artifacts.publish.runbook L2
expect_status 200 "publishing runbooks at L2"
api POST "$A/rb.md/lock" "$pam" '{"ttl":"1h"}'
expect_status 200 "pam locks the runbook"

api POST /api/v1/tenants/acme/gates "$eve" \
  "{\"kind\":\"artifacts.set-state\",\"params\":{\"artifact_id\":\"$RB\",\"from\":\"approved\",\"to\":\"published\"}}"
expect_error 403 forbidden "artifacts.set-state is not requestable through the general endpoint"
in_msg "artifacts.set-state" "the refusal names the kind"
in_msg "state" "the refusal names the module's command"
[ "$(art_state rb.md)" = approved ] && ok || bad "the runbook must stay approved"
api POST /api/v1/tenants/acme/gates "$eve" \
  "{\"kind\":\"artifacts.publish.other\",\"params\":{\"artifact_id\":\"$RB\",\"from\":\"approved\",\"to\":\"published\"}}"
expect_error 403 forbidden "artifacts.publish.other is not requestable"
[ "$(art_state rb.md)" = approved ] && ok || bad "the runbook must stay approved (publish.other)"
api POST /api/v1/tenants/acme/gates "$ada" \
  "{\"kind\":\"artifacts.publish.runbook\",\"params\":{\"artifact_id\":\"$RB\",\"from\":\"approved\",\"to\":\"published\"}}"
expect_error 403 forbidden "not even a tenant-admin requests a module kind directly"
# every registered kind but platform.note is refused, whatever the params
api GET /api/v1/gate-kinds "$eve"
expect_jq '[.kinds[] | select(.requestable)] | map(.name) | join(",")' platform.note \
  "only platform.note is requestable"
for k in $(jqv '.kinds[] | select(.name != "platform.note") | .name'); do
  api POST /api/v1/tenants/acme/gates "$ada" "{\"kind\":\"$k\",\"params\":{}}"
  [ "$code" = 403 ] && ok || bad "kind $k through the general endpoint: $code $body"
done
api POST /api/v1/tenants/acme/gates "$eve" '{"kind":"platform.note","params":{"text":"still fine"}}'
expect_status 201 "platform.note stays requestable"
run 1 "gate request of a module kind from the CLI" -- og --as eve gate request --tenant acme \
  artifacts.set-state --params "{\"artifact_id\":\"$RB\",\"from\":\"approved\",\"to\":\"published\"}"
has "$err" "artifacts.set-state" "the CLI refusal names the kind"
[ "$(art_state rb.md)" = approved ] && ok || bad "the runbook must stay approved (CLI)"
run 0 "audit has no publication" -- og audit list --tenant acme --action artifact.state --json
[ "$(printf '%s' "$out" | jq '[.. | objects | select(.analysis.to? == "published")] | length')" = 0 ] &&
  ok || bad "a publication was recorded: $out"

# the module's own command still refuses the locked runbook, and holds it at L2
state "$eve" rb.md published
expect_error 409 conflict "eve cannot publish pam's locked runbook"
state "$pam" rb.md published
expect_status 202 "pam's publication waits for approval"
G1=$(jqv .gate_id)
# the lock changes hands before the approval: the execution re-checks it and refuses
api DELETE "$A/rb.md/lock" "$pam"
expect_status 204 "pam unlocks"
api POST "$A/rb.md/lock" "$ed" '{"ttl":"1h"}'
expect_status 200 "ed locks"
api POST "/api/v1/gates/$G1/approve" "$ada" '{}'
expect_error 409 conflict "approval runs the action again under today's lock: refused"
in_msg "locked" "says it is locked"
[ "$(art_state rb.md)" = approved ] && ok || bad "still approved after the refused approval"
api GET "/api/v1/gates/$G1" "$ada"
expect_jq .outcome failed "the approval's failure is recorded"
api DELETE "$A/rb.md/lock" "$ed"
expect_status 204 "ed unlocks"
# the artifact moves between the request and the approval: refused
state "$pam" rb.md published
expect_status 202 "publication requested again"
G2=$(jqv .gate_id)
state "$pam" rb.md draft
expect_status 200 "back to draft meanwhile"
api POST "/api/v1/gates/$G2/approve" "$ada" '{}'
expect_error 409 conflict "the artifact moved since the request"
[ "$(art_state rb.md)" = draft ] && ok || bad "stays draft"

# ============ 2. gate policy is tenant-admin work; lowering is audited and two-person ============
policy "$eve" artifacts.publish.sow L3
expect_error 403 forbidden "an engineer cannot raise a level"
in_msg "tenant-admin" "names the role"
policy "$eve" artifacts.publish.sow L0
expect_error 403 forbidden "an engineer cannot lower a level"
policy "$pam" artifacts.publish.sow L2
expect_error 403 forbidden "a project-manager cannot change a level"
run 1 "engineer on the CLI" -- og --as eve gate policy set --tenant acme artifacts.publish.sow L0
has "$err" "tenant-admin" "the CLI names the role"
policy "$ada" artifacts.publish.sow L2
expect_status 200 "ada holds SOW publishing at L2"
# ada lowers her own setting: direct, recorded as a lowering with both levels
policy "$ada" artifacts.publish.change-order L2
policy "$ada" artifacts.publish.change-order L1
expect_status 200 "ada lowers her own level"
api GET "/api/v1/audit?action=gate.policy.lower" "$ada"
expect_jq '[.records[] | select(.target.id? == "artifacts.publish.change-order" or .target_id? == "artifacts.publish.change-order")] | length' 1 \
  "lowering L2 -> L1 (above the default) is gate.policy.lower"
expect_jq '[.records[] | .analysis | select(.kind == "artifacts.publish.change-order")][0].old_level' L2 "old level"
expect_jq '[.records[] | .analysis | select(.kind == "artifacts.publish.change-order")][0].new_level' L1 "new level"
# bob lowers ada's level: it waits for another tenant-admin
policy "$bob" artifacts.publish.sow L0
expect_status 202 "bob's lowering of ada's level waits for approval"
expect_jq .state pending "pending"
LG=$(jqv .gate_id)
[ "$(level_of artifacts.publish.sow)" = L2 ] && ok || bad "the level stays L2 while pending"
put "$eve" sow.md sow "# SOW"
state "$eve" sow.md in-review
state "$pam" sow.md approved
expect_status 200 "sow approved by pam"
state "$eve" sow.md published
expect_status 202 "publishing the SOW still waits (L2)"
SOWG=$(jqv .gate_id)
api POST "/api/v1/gates/$SOWG/reject" "$ada" '{"note":"not yet"}'
expect_status 200 "rejected"
api POST "/api/v1/gates/$LG/approve" "$bob" '{}'
expect_error 403 forbidden "bob cannot approve his own lowering"
api POST "/api/v1/gates/$LG/approve" "$pam" '{}'
expect_error 403 forbidden "a project-manager cannot approve a policy lowering"
in_msg "tenant-admin" "names the role"
api POST /api/v1/tenants/acme/gates "$bob" '{"kind":"gate.policy.lower","params":{"kind":"artifacts.publish.sow","from":"L2","to":"L0"}}'
expect_error 403 forbidden "gate.policy.lower is not requestable directly"
api POST "/api/v1/gates/$LG/approve" "$ada" '{"note":"agreed"}'
expect_status 200 "ada approves the lowering"
expect_jq .outcome approved "approved"
[ "$(level_of artifacts.publish.sow)" = L0 ] && ok || bad "the level is L0 after approval"
api GET "/api/v1/audit?action=gate.policy.lower" "$ada"
expect_jq '[.records[] | select(.gate.decision == "approved")] | length' 1 "the approved lowering is gate.policy.lower"
expect_jq '[.records[] | select(.gate.decision == "approved")][0].analysis.result.old_level' L2 "with the old level"
expect_jq '[.records[] | select(.gate.decision == "approved")][0].analysis.result.new_level' L0 "and the new level"
# raising then lowering does not walk below a level someone else set
policy "$ada" artifacts.publish.closure L1
policy "$bob" artifacts.publish.closure L3
expect_status 200 "bob raises ada's level"
policy "$bob" artifacts.publish.closure L1
expect_status 200 "bob takes back his own raise"
policy "$bob" artifacts.publish.closure L0
expect_status 202 "below ada's L1 needs approval again"
[ "$(level_of artifacts.publish.closure)" = L1 ] && ok || bad "closure stays L1"
# the approval re-checks the level: a change in between makes it stale
LG2=$(jqv .gate_id)
policy "$ada" artifacts.publish.closure L2
api POST "/api/v1/gates/$LG2/approve" "$ada" '{}'
expect_error 409 conflict "the level changed since the lowering was requested"
[ "$(level_of artifacts.publish.closure)" = L2 ] && ok || bad "closure stays L2"
policy "$ada" gate.policy.lower L0
expect_error 400 invalid "gate.policy.lower has a fixed level"
run 0 "bob lowers ada's level from the CLI: pending" -- og --as bob gate policy set --tenant acme artifacts.publish.closure L1
has "$out" "pending" "the CLI says it is pending"

# ============ 3. CLI decisions need --as USER other than the requester ============
run 0 "platform.note at L2" -- og --as ada gate policy set --tenant acme platform.note L2
run 0 "pat requests" -- og --as pat gate request --tenant acme platform.note --params '{"text":"x"}' --json
N=$(printf '%s' "$out" | jq -r .gate_id)
for d in approve reject; do
  run 2 "$d without --as" -- og gate "$d" "$N"
  has "$err" "--as" "$d: the usage error names --as"
done
run 2 "approve as the requester" -- og --as pat gate approve "$N"
has "$err" "requester" "says the requester cannot decide"
run 0 "approve as another user" -- og --as ada gate approve "$N"
run 0 "platform.note at L1" -- og --as ada gate policy set --tenant acme platform.note L1
run 0 "pat requests at L1" -- og --as pat gate request --tenant acme platform.note --params '{"text":"y"}' --json
N1=$(printf '%s' "$out" | jq -r .gate_id)
for d in ack override; do
  run 2 "$d without --as" -- og gate "$d" "$N1"
  has "$err" "--as" "$d: the usage error names --as"
  run 2 "$d as the requester" -- og --as pat gate "$d" "$N1"
done
run 0 "ack as a tenant-admin" -- og --as ada gate ack "$N1"
run 0 "show" -- og gate show "$N1" --json
[ "$(printf '%s' "$out" | jq -r .decided_by)" != "local:$(id -un)" ] && ok || bad "decided by the local operator"

# ============ 4. approved is a review by someone who did not write the version ============
put "$eve" sow2.md sow "# SOW 2"
state "$eve" sow2.md in-review
expect_status 200 "eve submits her SOW for review"
state "$eve" sow2.md approved
expect_error 403 forbidden "an engineer cannot approve"
in_msg "project-manager" "names the roles"
[ "$(art_state sow2.md)" = in-review ] && ok || bad "stays in review"
run 1 "CLI: engineer approves her own SOW" -- og --as eve artifact set-state --tenant acme --project fw --name sow2.md approved
put "$pam" pm.md sow "# PM's own SOW"
state "$pam" pm.md in-review
state "$pam" pm.md approved
expect_error 403 forbidden "the author of the latest version cannot approve it"
in_msg "author" "says why"
state "$pat" pm.md approved
expect_status 200 "another project-manager approves"
state "$ada" sow2.md approved
expect_status 200 "a tenant-admin approves eve's SOW"

# ============ 5. a dry-run generate needs the write right ============
jq -cn --slurpfile d "$P/northwind-m365.json" '{kind:"sow", format:"md", data:$d[0], dry_run:true}' >"$OG_TMP/gen.json"
api POST /api/v1/projects/fw/generate "$aud" @"$OG_TMP/gen.json"
expect_error 403 forbidden "an auditor cannot dry-run a generate"
in_msg "write" "names the right"
api PUT /api/v1/projects/fw/grants/cli "$ada" '{"right":"read"}'
expect_status 200 "the client viewer gets read"
api POST /api/v1/projects/fw/generate "$cli" @"$OG_TMP/gen.json"
[ "$code" = 403 ] || [ "$code" = 404 ] && ok || bad "a client viewer cannot dry-run a generate: $code"
api POST /api/v1/projects/fw/generate "$eve" @"$OG_TMP/gen.json"
expect_status 200 "an engineer may dry-run"
run 1 "CLI: an auditor dry-runs" -- og --as aud generate sow --tenant acme --project fw --input "$P/northwind-m365.json" --dry-run
has "$err" "write" "the CLI names the right"

# ============ 6. tokens outside the caller's tenant are 404 ============
api GET /api/v1/whoami "$admin"
ADMIN_TID=$(jqv .token_id)
api GET /api/v1/whoami "$gus"
GUS_TID=$(jqv .token_id)
api DELETE "/api/v1/tokens/$ADMIN_TID" "$ada"
expect_error 404 not_found "a tenant-admin revoking a platform-admin's token"
ref404=$(jqv .error.message)
api DELETE /api/v1/tokens/00000000-0000-4000-8000-000000000000 "$ada"
expect_error 404 not_found "an unknown token"
api DELETE "/api/v1/tokens/$GUS_TID" "$ada"
expect_error 404 not_found "another tenant's token"
api GET /api/v1/whoami "$admin"
expect_status 200 "the platform token still works"
api GET /api/v1/tenants/globex/tokens "$ada"
expect_error 404 not_found "another tenant's token list"
api GET "/api/v1/tenants/acme/tokens?user=gus" "$ada"
expect_error 404 not_found "a user of another tenant"

og_done
