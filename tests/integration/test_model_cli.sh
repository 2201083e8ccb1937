#!/usr/bin/env bash
# test_model_cli.sh - the inference step through the CLI: every gate request carries an analysis
# (no model yet), outcomes label it, `model train` makes an audited model version, `model policy`
# raises the next action's level above its threshold (L1 -> L2, with the reason) and a pin keeps
# it, `model report` evaluates, and bad input gets a clear error.
. "$(dirname "$0")/lib.sh"
D="$OG_TMP/data"
og() { "$OPSGATE" --data "$D" "$@"; }
has() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
jqis() { local got; got=$(printf '%s' "$1" | jq -r "$2" 2>/dev/null); [ "$got" = "$3" ] && ok || bad "$4: $2 is '$got', want '$3'"; }
trap og_cleanup EXIT

admin=$(og_init "$D") || exit 1
run 0 "tenant" -- og tenant create acme
run 0 "admin" -- og user add --tenant acme ada --role tenant-admin
run 0 "engineer" -- og user add --tenant acme eve --role engineer
run 0 "L1" -- og gate policy set platform.note L1 --tenant acme

run 0 "first request" -- og gate request platform.note --tenant acme --params '{"text":"n0"}' --json
g=$(jq -r .gate_id <<<"$out")
run 0 "show" -- og gate show "$g" --tenant acme --json
jqis "$out" .inference.model "no model yet" "before training"
jqis "$out" '.inference.features | has("kind_history")' true "the generic features"
run 0 "ack" -- og --as ada gate ack "$g"
for i in 1 2 3 4 5 6 7 8; do
  run 0 "request $i" -- og gate request platform.note --tenant acme --params "{\"text\":\"n$i\"}" --json
  g=$(jq -r .gate_id <<<"$out")
  if [ $((i % 3)) -eq 0 ]; then d=override; else d=ack; fi
  run 0 "$d $i" -- og --as ada gate "$d" "$g"
done

run 1 "training is the platform's" -- og --as ada model train
has "$err" "platform" "train denied names why"
run 0 "train" -- og model train --kind platform.note --json
jqis "$out" '.models[0].scope' platform "a platform model"
jqis "$out" '.models[0].version' 1 "its first version"
run 0 "audited" -- og audit list --json
has "$out" "infer.model.train" "each version is audited"
run 0 "list" -- og model list
has "$out" "platform.note" "model list names the kind"

run 2 "a threshold above 1" -- og model policy --tenant acme --kind platform.note --threshold 1.5
has "$err" "threshold" "names the option"
run 1 "an unknown kind" -- og --as ada model policy --tenant acme --kind no.such --threshold 0.5
has "$err" "unknown action kind 'no.such'" "names the kind"
run 1 "an engineer sets no policy" -- og --as eve model policy --tenant acme --kind platform.note --threshold 0.001
run 0 "policy" -- og --as ada model policy --tenant acme --kind platform.note --threshold 0.001
run 0 "raised request" -- og gate request platform.note --tenant acme --params '{"text":"risky"}' --json
jqis "$out" .level L2 "raised from L1 to L2"
g=$(jq -r .gate_id <<<"$out")
run 0 "show raised" -- og gate show "$g" --tenant acme --json
jqis "$out" .inference.raised.to 2 "the item says it was raised"
has "$(jq -r .inference.raised.reason <<<"$out")" "threshold" "with the reason"
run 0 "gate policy unchanged" -- og gate policy show --tenant acme --json
has "$out" '"L1"' "the tenant's level stays as set"
run 0 "pin" -- og --as ada model policy --tenant acme --kind platform.note --pin
run 0 "pinned request" -- og gate request platform.note --tenant acme --params '{"text":"pinned"}' --json
jqis "$out" .level L1 "a pinned kind keeps its level"
run 0 "policy show" -- og model policy --tenant acme --json
jqis "$out" '.policies[0].pinned' true "shown pinned"
run 0 "OSCAL export" -- og audit export --tenant acme --format oscal
jqis "$out" '[.. | objects | select(.name? == "inference-risk-score")] | length > 0' true "the risk score is an OSCAL prop"
jqis "$out" '[.. | objects | select(.name? == "inference-raised-level")] | length' 1 "the raised level is one"
run 0 "report" -- og model report --tenant acme --kind platform.note
has "$out" "held out" "the report names its split"

# --- the same over HTTP (the platform admin's token)
og_serve "$D" || exit 1
api() {   # api METHOD PATH [BODY]: $code and $body
  body=$(curl -sS -o - -w '\n%{http_code}' -X "$1" -H "Authorization: Bearer $admin" \
    -H 'Content-Type: application/json' ${3:+--data "$3"} "$OG_URL$2")
  code=${body##*$'\n'}; body=${body%$'\n'*}
}
api PUT /api/v1/tenants/acme/model-policy/platform.note '{"threshold":"high"}'
[ "$code" = 400 ] && ok || bad "a threshold that is no number: $code $body"
has "$body" "threshold" "the 400 names the field"
api PUT /api/v1/tenants/acme/model-policy/no.such.kind '{"threshold":0.5}'
[ "$code" = 400 ] && ok || bad "an unknown kind: $code $body"
api PUT /api/v1/tenants/acme/model-policy/platform.note '{"threshold":0.5,"pinned":false}'
[ "$code" = 200 ] && ok || bad "set over HTTP: $code $body"
jqis "$body" '.policies[0].threshold' 0.5 "the new threshold"
jqis "$body" '.policies[0].pinned' false "unpinned"
api GET "/api/v1/tenants/acme/model-report?kind=platform.note"
[ "$code" = 200 ] && ok || bad "report over HTTP: $code $body"
jqis "$body" '.kinds[0].kind' platform.note "the report's kind"
og_done
