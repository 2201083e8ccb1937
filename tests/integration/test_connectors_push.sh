#!/usr/bin/env bash
# test_connectors_push.sh - results go back to the PSA, end to end through the server, against
# the HaloPSA simulator (tests/connectors/sim_halopsa.py, its front in "direct" mode: the
# adaptor's requests are checked against Halo's document by test_connector_halopsa.sh):
#  - a document published in a project pulled from the PSA is attached to its PSA project once
#    per version (redeliveries attach nothing), a project that did not come from the PSA is left
#    alone;
#  - a "psa" notification channel opens one ticket for a gate item waiting for its review, for the
#    tenant's mapped company, and closes it when the item is decided;
#  - the inbound webhook, authenticated as Halo does, syncs the project it names; a wrong secret
#    and an unknown connector id answer the same 401.
# Skips (77) while the HaloPSA adaptor or the sync are not built.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"

src=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed" >&2; exit 77; }
[ -f "$src/tests/connectors/sim_halopsa.py" ] || { echo "SKIP: the HaloPSA simulator is not built yet" >&2; exit 77; }
D="$OG_TMP/data"
export OPSGATE_DATA="$D"
SECRET="push-secret-$RANDOM$RANDOM"
HOOK="push-hook-$RANDOM$RANDOM"
SIM_PID=""
push_cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null; og_cleanup; }
trap push_cleanup EXIT

python3 "$src/tests/connectors/sim_halopsa.py" --upstream http://127.0.0.1:9 \
  --port-file "$OG_TMP/sim.ports" --client-secret "$SECRET" >"$OG_TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 100); do [ -s "$OG_TMP/sim.ports" ] && break; sleep 0.1; done
read -r SIM_API SIM_FRONT <"$OG_TMP/sim.ports" || { cat "$OG_TMP/sim.log" >&2; exit 1; }
simpost() { curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' -d "${2:-{\}}" "http://127.0.0.1:$SIM_API/_sim/$1"; }
stats() { curl -sS --max-time 10 "http://127.0.0.1:$SIM_API/_sim/stats"; }
simpost front '{"direct": true}' >/dev/null
simpost seed '{"clients": 2, "projects": 2, "tasks_every": 1, "tasks": 2}' >/dev/null

admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" "$@" 2>"$OG_TMP/err"; }
og tenant create acme >/dev/null && og user add ta --tenant acme --role tenant-admin >/dev/null &&
  og user add pm --tenant acme --role project-manager >/dev/null || { cat "$OG_TMP/err"; exit 1; }
og notify egress allow 127.0.0.0/8 --note "the PSA simulator" || { cat "$OG_TMP/err"; exit 1; }
printf '{"client_id": "og-client", "client_secret": "%s", "webhook_secret": "%s"}' "$SECRET" "$HOOK" >"$OG_TMP/creds.json"
og connector add halo --tenant acme --kind halopsa --base-url "http://127.0.0.1:$SIM_FRONT/api" \
  --credentials-file - --option max_attempts=2 --option backoff_base_ms=50 <"$OG_TMP/creds.json" >/dev/null ||
  { cat "$OG_TMP/err"; exit 1; }
jq -e '.kinds[] | select(.kind == "halopsa") | .pushes | index("documents")' \
  <<<"$("$OPSGATE" --json connector kinds)" >/dev/null ||
  { echo "SKIP: the HaloPSA adaptor does not push documents yet" >&2; exit 77; }
og connector test halo --tenant acme >/dev/null && ok || bad "connector test: $(cat "$OG_TMP/err")"
og connector map halo --tenant acme --company 1 && ok || bad "map: $(cat "$OG_TMP/err")"
if ! out=$("$OPSGATE" --json connector sync halo --tenant acme 2>"$OG_TMP/err"); then
  grep -q "not built yet" "$OG_TMP/err" && { echo "SKIP: connector sync is not built yet" >&2; exit 77; }
  bad "connector sync: $(cat "$OG_TMP/err")"
fi
key=$("$OPSGATE" --json project list --tenant acme | jq -r '[.projects[].key] | sort | .[0] // empty')
[ -n "$key" ] && ok || bad "the sync made no project: $out"
og project create local "Not from the PSA" --tenant acme >/dev/null || bad "project create: $(cat "$OG_TMP/err")"

og_serve "$D" || exit 1
publish() { # PROJECT NAME CONTENT
  printf '%s' "$3" >"$OG_TMP/doc.md"
  [ "${4:-}" = again ] && { og --as ta artifact set-state draft --tenant acme --project "$1" --name "$2" >/dev/null || return 1; }
  og artifact put "$OG_TMP/doc.md" --tenant acme --project "$1" --name "$2" --kind sow >/dev/null &&
    og --as ta artifact set-state in-review --tenant acme --project "$1" --name "$2" >/dev/null &&
    og --as pm artifact set-state approved --tenant acme --project "$1" --name "$2" >/dev/null &&
    og --as ta artifact set-state published --tenant acme --project "$1" --name "$2" >/dev/null
}
attachments() { stats | jq '.attachments | length'; }
wait_attachments() { for _ in $(seq 1 100); do [ "$(attachments)" -ge "$1" ] && return 0; sleep 0.2; done; return 1; }

# ---- documents: attached once per version, only for PSA projects
publish "$key" sow.md "# SOW v1" || bad "publish v1: $(cat "$OG_TMP/err")"
wait_attachments 1 && ok || bad "the published SOW was not attached: $(stats | jq -c .attachments)"
publish local sow.md "# not for the PSA" || bad "publish in a local project: $(cat "$OG_TMP/err")"
publish "$key" sow.md "# SOW v2" again || bad "publish v2: $(cat "$OG_TMP/err")"
wait_attachments 2 && ok || bad "the second version was not attached"
sleep 2 # redeliveries and the local project's event have had their chance
[ "$(attachments)" = 2 ] && ok || bad "attachments: $(stats | jq -c .attachments)"
api GET "/api/v1/events?tenant=acme" "$admin"
expect_jq '[.events[] | select(.type == "artifacts.published")] | length >= 3' true "artifacts.published events"
grep -q "sow.md" <<<"$(jq -c '[.events[] | select(.type == "artifacts.published") | .payload]' <<<"$body")" &&
  bad "an artifacts.published event carries the artifact's name" || ok

# ---- tickets: a gate item waiting for its review opens one, its decision closes it
og notify add psa halo --tenant acme --events 'gate.review,gate.decided' >/dev/null && ok || bad "notify add psa: $(cat "$OG_TMP/err")"
og gate policy set platform.note L1 --tenant acme >/dev/null || bad "gate policy set: $(cat "$OG_TMP/err")"
api POST /api/v1/tenants/acme/gates "$admin" '{"kind": "platform.note", "params": {"text": "check the firewall"}}'
gate=$(jq -r '.gate_id // .id' <<<"$body")
tickets() { stats | jq '[.tickets[]] | length'; }
for _ in $(seq 1 100); do [ "$(tickets)" -ge 1 ] && break; sleep 0.2; done
[ "$(tickets)" = 1 ] && ok || bad "the review opened no ticket: $(stats | jq -c .tickets)"
stats | jq -e '[.tickets[]][0] | (.client_id | tostring) == "1"' >/dev/null && ok || bad "the ticket is not for the mapped company: $(stats | jq -c .tickets)"
api POST "/api/v1/gates/$gate/ack" "$(og --json token create --tenant acme --user ta | jq -r .token)" '{"note": "seen"}'
closed=0
for _ in $(seq 1 100); do
  stats | jq -e '[.tickets[]][0].status_id == 9 or ([.tickets[]][0].actions | length) >= 2' >/dev/null && { closed=1; break; }
  sleep 0.2
done
[ "$closed" = 1 ] && ok || bad "the decision did not close the ticket: $(stats | jq -c .tickets)"
[ "$(tickets)" = 1 ] && ok || bad "more than one ticket: $(stats | jq -c .tickets)"

# ---- webhooks
id=$("$OPSGATE" --json connector show halo --tenant acme | jq -r .id)
remote=$(stats | jq -r '[.projects // {} | keys[]][0] // "1"' 2>/dev/null || echo 1)
hook() { curl -sS --max-time 30 -o "$OG_TMP/hook.body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $1" --data-binary "{\"ticket_id\": $remote}" "$OG_URL/api/v1/connectors/$2/webhook"; }
code=$(hook "$HOOK" "$id"); [ "$code" = 200 ] && ok || bad "an authenticated webhook: $code $(cat "$OG_TMP/hook.body")"
jq -e --arg r "$remote" '.project == $r' "$OG_TMP/hook.body" >/dev/null && ok || bad "the webhook's project: $(cat "$OG_TMP/hook.body")"
code=$(hook nope "$id"); wrong=$(cat "$OG_TMP/hook.body")
[ "$code" = 401 ] && ok || bad "a wrong webhook secret: $code $wrong"
code=$(hook "$HOOK" 00000000-0000-4000-8000-000000000000)
[ "$code" = 401 ] && [ "$(cat "$OG_TMP/hook.body")" = "$wrong" ] && ok || bad "an unknown connector's webhook: $code $(cat "$OG_TMP/hook.body")"
api GET "/api/v1/connectors/halo/syncs?tenant=acme" "$admin"
expect_jq '[.syncs[] | select(.trigger == "webhook")] | length >= 1' true "the webhook's sync is recorded"
og_stop
grep -q "$SECRET\|$HOOK" "$OG_SERVER_LOG" "$OG_TMP/err" && bad "a secret is in the server's log" || ok
og_done
