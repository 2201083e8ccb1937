#!/usr/bin/env bash
# test_connector_connectwise_webhook.sh - ConnectWise callbacks end to end through the server's
# webhook route (POST /api/v1/connectors/{id}/webhook) of a running `opsgate serve`, against the
# ConnectWise simulator (tests/connectors/sim_connectwise.py) directly (the adaptor's requests are
# checked against ConnectWise's document by test_connector_connectwise.sh):
#  - a callback as ConnectWise sends it (JSON body with MessageId, Type, ID, Entity as a JSON
#    string, Metadata.key_url; x-content-signature = base64 HMAC-SHA256 of the body under the key
#    the key_url answers) syncs the project it names: a new project.json version with the PSA's
#    change and its psa.project.scope_changed event; a project ticket's callback syncs its project;
#  - a replayed callback (the same MessageId, body and signature), a forged one (wrong key), one
#    without a MessageId and one whose key_url is on another host answer 401 like an unknown
#    connector, and change nothing although the PSA changed meanwhile;
#  - the tenant's audit trail verifies; no secret in the server's log.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-180}
. "$(dirname "$0")/lib.sh"

src=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
for t in python3 openssl jq curl; do
  command -v $t >/dev/null 2>&1 || { echo "SKIP: $t is not installed" >&2; exit 77; }
done
D="$OG_TMP/data"
export OPSGATE_DATA="$D"
PRIV="PRIVMARKER-cwhook-$RANDOM$RANDOM"
SIGNKEY="SIGNMARKER-cwhook-$RANDOM$RANDOM"
SIM_PID=""
hook_cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null; og_cleanup; }
trap hook_cleanup EXIT

python3 "$src/tests/connectors/sim_connectwise.py" --port-file "$OG_TMP/sim.port" --private-key "$PRIV" \
  >"$OG_TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 100); do [ -s "$OG_TMP/sim.port" ] && break; sleep 0.1; done
[ -s "$OG_TMP/sim.port" ] || { echo "FAIL: the simulator did not start: $(cat "$OG_TMP/sim.log")" >&2; exit 1; }
SIM="http://127.0.0.1:$(cat "$OG_TMP/sim.port")"
sim() { curl -fsS --max-time 10 -X POST -d "${2:-{\}}" "$SIM/_sim/$1"; }
sim config "{\"signing_key\": \"$SIGNKEY\"}" >/dev/null || { echo "FAIL: simulator config" >&2; exit 1; }

admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" "$@" 2>"$OG_TMP/err"; }
printf '{"company_id":"acme","public_key":"pubKEY","private_key":"%s","client_id":"11111111-2222-3333-4444-555555555555"}' \
  "$PRIV" >"$OG_TMP/creds.json"
og tenant create acme >/dev/null &&
  og notify egress allow 127.0.0.0/8 --note "connectwise simulator" >/dev/null &&
  og connector add cw --tenant acme --kind connectwise --base-url "$SIM/v4_6_release/apis/3.0" \
    --credentials-file - <"$OG_TMP/creds.json" >/dev/null &&
  og connector map cw --tenant acme --company 2 >/dev/null || { cat "$OG_TMP/err" >&2; exit 1; }
out=$(og --json connector sync cw --tenant acme) || { cat "$OG_TMP/err" >&2; exit 1; }
[ "$(jq -r '[.outcome, .changes] | join(",")' <<<"$out")" = "ok,6" ] && ok || bad "the first sync: $out"
id=$(og --json connector show cw --tenant acme | jq -r .id)

og_serve "$D" || exit 1

# latest VERSION of a project's project.json
latest() { og --json artifact show --tenant acme --project "$1" --name project.json | jq -r .latest; }
# the psa.project.* events of a project, as "type" lines
events_of() {
  api GET "/api/v1/events?tenant=acme" "$admin"
  # one entry per (event, handler): each event once
  jq -r --arg p "$1" '[.events[] | select((.type | startswith("psa.project.")) and .payload.project == $p)] | unique_by(.id)[] | .type' <<<"$body"
}
webhook_syncs() {
  api GET "/api/v1/connectors/cw/syncs?tenant=acme" "$admin"
  jq '[.syncs[] | select(.trigger == "webhook")] | length' <<<"$body"
}
# callback FILE [KEY]: POST FILE signed with KEY (default the simulator's signing key);
# $code, $hook_body
callback() {
  local sig
  sig=$(openssl dgst -sha256 -hmac "${2:-$SIGNKEY}" -binary "$1" | base64 -w0)
  code=$(curl -sS --max-time 60 -o "$OG_TMP/hook.body" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -H "x-content-signature: $sig" \
    --data-binary "@$1" "$OG_URL/api/v1/connectors/${3:-$id}/webhook")
  hook_body=$(cat "$OG_TMP/hook.body")
}
# cw_body FILE MESSAGEID TYPE ID ENTITY [KEYURL]: a callback body as ConnectWise sends it
cw_body() {
  jq -cn --arg m "$2" --arg t "$3" --argjson i "$4" --arg e "$5" --arg k "${6:-$SIM/cb/keys/k1}" \
    '{MessageId: $m, FromUrl: "cw.example.com", CompanyId: "acme", MemberId: "jdoe", Action: "updated",
      Type: $t, ID: $i, ProductInstanceId: null, PartnerId: null, Entity: $e,
      Metadata: {key_url: $k}, CallbackObjectRecId: 1}' >"$1"
}

# ---- a project callback syncs that project
[ "$(latest cw-16)" = 1 ] && ok || bad "cw-16 before: version $(latest cw-16)"
sim touch '{"project": 16, "budgetHours": 77.5}' >/dev/null
cw_body "$OG_TMP/p16.json" "3f1c2a9e-16aa-4b7c-9d00-$RANDOM" project 16 \
  "$(jq -cn '{id: 16, name: "Project 16", budgetHours: 77.5}')"
callback "$OG_TMP/p16.json"
[ "$code" = 200 ] && ok || bad "a signed project callback: $code $hook_body"
[ "$(jq -r '[.ok, .project, .sync.outcome, .sync.changes, .sync.trigger // "webhook"] | join(",")' <<<"$hook_body")" = "true,16,ok,1,webhook" ] &&
  ok || bad "the callback's sync: $hook_body"
[ "$(latest cw-16)" = 2 ] && ok || bad "cw-16 after the callback: version $(latest cw-16)"
og artifact get --tenant acme --project cw-16 --name project.json -o "$OG_TMP/p16.data" >/dev/null ||
  bad "artifact get: $(cat "$OG_TMP/err")"
grep -q '77.5' "$OG_TMP/p16.data" && ok || bad "the new snapshot lacks the PSA's 77.5 budget hours"
[ "$(events_of cw-16 | sort | tr '\n' ' ')" = "psa.project.created psa.project.scope_changed " ] && ok ||
  bad "cw-16's events: $(events_of cw-16 | tr '\n' ' ')"
[ "$(events_of cw-21 | tr '\n' ' ')" = "psa.project.created " ] && ok || bad "cw-21 was touched: $(events_of cw-21)"
syncs=$(webhook_syncs)
[ "$syncs" = 1 ] && ok || bad "webhook syncs recorded: $syncs"

# ---- a project ticket's callback syncs the ticket's project
sim touch-ticket '{"ticket": 2100, "budgetHours": 9.5}' >/dev/null
cw_body "$OG_TMP/t2100.json" "7d2e4b10-2100-4c1d-8e00-$RANDOM" ticket 2100 \
  "$(jq -cn '{id: 2100, summary: "Task 21.0", project: {id: 21, name: "Project 21"}, budgetHours: 9.5}')"
callback "$OG_TMP/t2100.json"
[ "$code" = 200 ] && [ "$(jq -r '[.project, .sync.changes] | join(",")' <<<"$hook_body")" = "21,1" ] && ok ||
  bad "a project ticket's callback: $code $hook_body"
[ "$(latest cw-21)" = 2 ] && [ "$(events_of cw-21 | sort | tr '\n' ' ')" = "psa.project.created psa.project.scope_changed " ] &&
  ok || bad "cw-21 after its ticket's callback: version $(latest cw-21), events $(events_of cw-21 | tr '\n' ' ')"

# ---- refused callbacks change nothing, although the PSA changed meanwhile
sim touch '{"project": 16, "budgetHours": 88.25}' >/dev/null
before_events=$(events_of cw-16 | wc -l)
callback "$OG_TMP/p16.json" # the same delivery again: a replay
replay_code=$code replay_body=$hook_body
[ "$replay_code" = 401 ] && ok || bad "a replayed callback: $replay_code $replay_body"
cw_body "$OG_TMP/forged.json" "0a0a0a0a-0000-4000-8000-$RANDOM" project 16 '{"id": 16}'
callback "$OG_TMP/forged.json" "not-the-signing-key"
[ "$code" = 401 ] && [ "$hook_body" = "$replay_body" ] && ok || bad "a forged callback: $code $hook_body"
jq -c 'del(.MessageId)' "$OG_TMP/forged.json" >"$OG_TMP/nomsg.json"
callback "$OG_TMP/nomsg.json"
[ "$code" = 401 ] && [ "$hook_body" = "$replay_body" ] && ok || bad "a callback without a MessageId: $code $hook_body"
cw_body "$OG_TMP/elsewhere.json" "0b0b0b0b-0000-4000-8000-$RANDOM" project 16 '{"id": 16}' \
  "http://127.0.0.2:$(cat "$OG_TMP/sim.port")/cb/keys/k1"
callback "$OG_TMP/elsewhere.json"
[ "$code" = 401 ] && [ "$hook_body" = "$replay_body" ] && ok || bad "a key_url on another host: $code $hook_body"
callback "$OG_TMP/p16.json" "$SIGNKEY" 00000000-0000-4000-8000-000000000000
[ "$code" = 401 ] && [ "$hook_body" = "$replay_body" ] && ok || bad "an unknown connector id: $code $hook_body"
[ "$(latest cw-16)" = 2 ] && ok || bad "a refused callback wrote cw-16: version $(latest cw-16)"
[ "$(events_of cw-16 | wc -l)" = "$before_events" ] && ok || bad "a refused callback made events: $(events_of cw-16 | tr '\n' ' ')"
[ "$(webhook_syncs)" = 2 ] && ok || bad "a refused callback ran a sync: $(webhook_syncs) webhook syncs"

# the audit trail of the synced tenant verifies
og audit verify --tenant acme >"$OG_TMP/verify.out" && ok || bad "audit verify: $(cat "$OG_TMP/verify.out" "$OG_TMP/err")"
og_stop
grep -q "$PRIV\|$SIGNKEY" "$OG_SERVER_LOG" "$OG_TMP/err" "$OG_TMP/hook.body" && bad "a secret is in the server's log or an answer" || ok
og_done
