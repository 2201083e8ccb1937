#!/usr/bin/env bash
# test_http_gates.sh - gates, events and notification channels over HTTP with real tokens: the four
# levels end to end with the real platform.note kind (L1 ack and override with rollback in the
# audit trail and in the note, L2 separation of duties, approve and reject, L3 done with a note),
# policy rights, cross-tenant 404s, event list and retry of a dead delivery, channels without
# their secrets, and 400/404/405 for bad input, unknown items and wrong methods.
. "$(dirname "$0")/lib.sh"
: "${OG_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
# The receivers are on loopback, which channels may reach only once a platform-admin allows it.
"$OPSGATE" --data "$D" notify egress allow 127.0.0.0/8 >/dev/null || bad "allow loopback egress"
# One attempt per delivery: a failing channel dead-letters its event at once, for the retry test.
export OPSGATE_EVENTS_MAX_ATTEMPTS=1 OPSGATE_EVENTS_BACKOFF=1s
og_serve "$D" || exit 1

# A webhook receiver that checks opsgate's signature, when a C compiler is there to build it.
RECV="$OG_TMP/og_recv"
recv_pid=""
trap '[ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null; og_cleanup' EXIT
if command -v cc >/dev/null 2>&1 &&
  cc -O1 -o "$RECV" "$OG_SOURCE_DIR/tests/support/receivers/og_recv.c" -lcrypto 2>/dev/null; then
  printf 'a-webhook-secret-of-some-length' >"$OG_TMP/secret"
  "$RECV" webhook --port-file "$OG_TMP/hook.port" --secret-file "$OG_TMP/secret" \
    --log "$OG_TMP/hook.log" &
  recv_pid=$!
  for _ in $(seq 1 100); do [ -s "$OG_TMP/hook.port" ] && break; sleep 0.1; done
fi
HOOK="http://127.0.0.1:${recv_pid:+$(cat "$OG_TMP/hook.port" 2>/dev/null)}/hook"
[ -n "$recv_pid" ] || HOOK="http://127.0.0.1:1/hook"
SECRET="a-webhook-secret-of-some-length"

token() {
  api POST "/api/v1/tenants/$1/users/$2/tokens" "$admin" '{"ttl":"1h"}'
  if [ "$code" != 201 ]; then bad "token for $2@$1: $code $body"; return; fi
  printf '%s' "$body" | jq -r .token
}
jqv() { printf '%s' "$body" | jq -r "$1"; }
not_in_body() { case "$body" in *"$1"*) bad "$2: '$1' is in the reply" ;; *) ok ;; esac; }
in_msg() {
  local m; m=$(jqv .error.message)
  case "$m" in *"$1"*) ok ;; *) bad "$2: '$1' not in the message: $m" ;; esac
}
gate() { api POST "/api/v1/tenants/acme/gates" "$1" "$2"; }
decide() { api POST "/api/v1/gates/$2/$3" "$1" "${4:-}"; }

for t in acme globex; do
  api POST /api/v1/tenants "$admin" "{\"name\":\"$t\"}"
  expect_status 201 "create $t"
done
for u in acme:ada:tenant-admin acme:pam:project-manager acme:eve:engineer acme:ed:engineer \
  globex:gary:tenant-admin; do
  IFS=: read -r t n role <<<"$u"
  api POST "/api/v1/tenants/$t/users" "$admin" "{\"name\":\"$n\",\"role\":\"$role\"}"
  expect_status 201 "add $n"
done
ada=$(token acme ada); pam=$(token acme pam); eve=$(token acme eve); ed=$(token acme ed)
gary=$(token globex gary)

# --- kinds
api GET /api/v1/gate-kinds "$eve"
expect_status 200 "gate kinds"
expect_jq '.kinds[] | select(.name=="platform.note") | .default_level' L0 "platform.note is L0"
expect_jq '.kinds[] | select(.name=="platform.note") | .reversible' true "platform.note reversible"

# --- notification channels
api POST /api/v1/tenants/acme/notify-channels "$eve" \
  "{\"type\":\"webhook\",\"url\":\"$HOOK\",\"secret\":\"$SECRET\"}"
expect_error 403 forbidden "an engineer cannot add a channel"
api POST /api/v1/tenants/acme/notify-channels "$ada" \
  "{\"type\":\"webhook\",\"url\":\"$HOOK\",\"secret\":\"$SECRET\"}"
expect_status 201 "add webhook"
expect_jq .type webhook "webhook type"
expect_jq .has_secret true "the webhook has a secret"
expect_header Location "/api/v1/tenants/acme/notify-channels/[0-9a-f-]{36}" "channel Location"
not_in_body "$SECRET" "add webhook"
HOOK_ID=$(jqv .id)
api POST /api/v1/tenants/acme/notify-channels "$ada" \
  '{"type":"email","address":"ops@acme.example","smtp":"smtp://mailer:s3cret-pw@127.0.0.1:1","from":"og@msp.example"}'
expect_status 201 "add email"
expect_jq .config.smtp "smtp://127.0.0.1:1" "the SMTP host is shown"
not_in_body "s3cret-pw" "add email"
MAIL_ID=$(jqv .id)
# A webhook URL carries credentials or a token in its path: sealed, and shown redacted to all.
api POST /api/v1/tenants/acme/notify-channels "$ada" \
  "{\"type\":\"webhook\",\"url\":\"http://hookuser:pw-in-url@127.0.0.1:1/services/T0/B0/pathtoken0\",\"secret\":\"$SECRET\"}"
expect_status 201 "add a webhook with credentials in its URL"
expect_jq .target "http://127.0.0.1:1/…" "the URL is shown redacted"
not_in_body "pw-in-url" "add webhook with credentials"
not_in_body "pathtoken0" "add webhook with a path token"
CRED_ID=$(jqv .id)
for who in ada eve; do
  api GET "/api/v1/tenants/acme/notify-channels/$CRED_ID" "${!who}"
  expect_jq .target "http://127.0.0.1:1/…" "$who sees the URL redacted"
  not_in_body "pathtoken0" "get as $who"
done
if grep -rqa -e pathtoken0 -e pw-in-url "$D"; then bad "webhook URL secrets in clear in the data folder"; else ok; fi
api DELETE "/api/v1/tenants/acme/notify-channels/$CRED_ID" "$ada"
expect_status 204 "remove it"
# Server-side request forgery: a private address is refused, naming what allows it.
api POST /api/v1/tenants/acme/notify-channels "$ada" \
  "{\"type\":\"webhook\",\"url\":\"http://10.0.0.1/x\",\"secret\":\"$SECRET\"}"
expect_error 403 forbidden "a webhook to a private address"
in_msg "10.0.0.0/8" "the refusal names the range"
api GET /api/v1/tenants/acme/notify-channels "$eve"
expect_status 200 "list channels"
expect_jq '.channels | length' 2 "two channels"
not_in_body "$SECRET" "list channels"
not_in_body "s3cret-pw" "list channels"
api GET "/api/v1/tenants/acme/notify-channels/$HOOK_ID" "$ada"
expect_status 200 "get a channel"
expect_jq .id "$HOOK_ID" "the channel asked for"
not_in_body "$SECRET" "get a channel"
api GET "/api/v1/tenants/acme/notify-channels/$HOOK_ID" "$gary"
expect_error 404 not_found "another tenant's channel"
api GET "/api/v1/tenants/globex/notify-channels/$HOOK_ID" "$gary"
expect_error 404 not_found "a channel under the wrong tenant"
for bad_body in '{"url":"http://x/","secret":"0123456789abcdef"}' \
  '{"type":"pager","url":"http://x/"}' \
  '{"type":"webhook","url":"http://x/"}' \
  '{"type":"webhook","url":"http://x/","secret":"short"}' \
  '{"type":"webhook","url":42,"secret":"0123456789abcdef"}' \
  '{"type":"webhook","url":"ftp://x/","secret":"0123456789abcdef"}' \
  '{"type":"webhook","url":"http://x/","secret":"0123456789abcdef","smtp":"smtp://h:25"}' \
  '{"type":"webhook","url":"http://x/","secret":"0123456789abcdef","colour":"red"}' \
  '{"type":"email","address":"nobody","smtp":"smtp://h:25"}' \
  '{"type":"email","address":"a@b.example"}' \
  '{"type":"webhook",'; do
  api POST /api/v1/tenants/acme/notify-channels "$ada" "$bad_body"
  expect_error 400 invalid "bad channel $bad_body"
done
api POST /api/v1/tenants/acme/notify-channels "$ada" '{"type":"pager","url":"http://x/"}'
in_msg pager "the unknown type is named"
api POST /api/v1/tenants/acme/notify-channels "$ada" '{"type":"webhook","url":"http://x/","colour":1}'
in_msg colour "the unknown field is named"
if [ -n "$recv_pid" ]; then
  api POST "/api/v1/tenants/acme/notify-channels/$HOOK_ID/test" "$ada"
  expect_status 200 "test the webhook"
  expect_jq .ok true "the receiver accepted the signed test"
  grep -q "^ok .* notify.test" "$OG_TMP/hook.log" && ok || bad "receiver log: $(cat "$OG_TMP/hook.log")"
fi
api POST "/api/v1/tenants/acme/notify-channels/$MAIL_ID/test" "$ada"
expect_status 200 "test a failing channel"
expect_jq .ok false "the failure is reported"
expect_jq '.results[0].error | length > 0' true "with the channel's error"
api POST "/api/v1/tenants/acme/notify-channels/00000000-0000-4000-8000-000000000000/test" "$ada"
expect_error 404 not_found "test an unknown channel"
api POST "/api/v1/tenants/acme/notify-channels/nope/test" "$ada"
expect_error 400 invalid "test a malformed channel id"

# --- L0: executes at once
gate "$eve" '{"kind":"platform.note","params":{"text":"l0"}}'
expect_status 201 "L0 request"
expect_jq .level L0 "L0 level"
expect_jq .state done "L0 is done at once"
expect_jq '.result.note_id | length' 36 "L0 result names the note"
expect_header Location "/api/v1/gates/[0-9a-f-]{36}" "gate Location"
L0=$(jqv .gate_id)
api GET "/api/v1/gates/$L0" "$eve"
expect_status 200 "show L0"
expect_jq .outcome executed "L0 executed"
expect_jq .note_state active "the L0 note exists"

# --- policy and its rights
api PUT /api/v1/tenants/acme/gate-policy/platform.note "$eve" '{"level":"L1"}'
expect_error 403 forbidden "an engineer cannot change a level, even up"
api PUT /api/v1/tenants/acme/gate-policy/platform.note "$ada" '{"level":"L1"}'
expect_status 200 "a tenant-admin raises a level"
expect_jq '.kinds[] | select(.kind=="platform.note") | .level' L1 "raised to L1"
api PUT /api/v1/tenants/acme/gate-assignees/platform "$eve" '{"user":"ed"}'
expect_error 403 forbidden "an engineer cannot assign reviewers"
api PUT /api/v1/tenants/acme/gate-assignees/platform "$ada" '{"user":"ed"}'
expect_status 200 "tenant-admin assigns ed"
expect_jq .assignees.platform ed "ed reviews platform"
api PUT /api/v1/tenants/acme/gate-settings "$eve" '{"review_window":"1h"}'
expect_error 403 forbidden "an engineer cannot change timing"
api PUT /api/v1/tenants/acme/gate-settings "$ada" '{"approval_timeout":"2h","review_window":"1d"}'
expect_status 200 "tenant-admin changes timing"
expect_jq .approval_timeout_s 7200 "approval timeout"
expect_jq .review_window_s 86400 "review window"
# Lowering below a kind's default (certificate kinds default to L1): tenant-admin only, audited.
api GET /api/v1/gate-kinds "$eve"
HIGH=$(jqv '[.kinds[] | select(.default_level != "L0" and .name != "gate.policy.lower")][0].name // empty')
[ -n "$HIGH" ] && ok || bad "no action kind above L0 is registered (certs.renew, certs.deploy are L1)"
api PUT "/api/v1/tenants/acme/gate-policy/$HIGH" "$eve" '{"level":"L0"}'
expect_error 403 forbidden "an engineer cannot lower $HIGH below its default"
api PUT "/api/v1/tenants/acme/gate-policy/$HIGH" "$ada" '{"level":"L0"}'
expect_status 200 "a tenant-admin lowers $HIGH below its default"
api GET "/api/v1/audit?action=gate.policy.lower" "$ada"
expect_jq '.records | length > 0' true "lowering is audited"

# --- L1: executes, review by the assignee, ack and override with rollback
gate "$eve" '{"kind":"platform.note","params":{"text":"l1 ack"}}'
expect_status 201 "L1 request"
expect_jq .state review "L1 waits for review"
L1A=$(jqv .gate_id)
decide "$eve" "$L1A" ack
expect_error 403 forbidden "eve cannot ack ed's review"
in_msg "assigned to ed" "names the assignee"
decide "$ed" "$L1A" ack '{"note":"looks right"}'
expect_status 200 "ed acks"
expect_jq .outcome acknowledged "acknowledged"
expect_jq .note_state active "an acked note stays"
decide "$ed" "$L1A" override
expect_error 409 conflict "a decided item takes no decision"

gate "$eve" '{"kind":"platform.note","params":{"text":"l1 wrong"},"target_type":"note","target_id":"n-1"}'
expect_status 201 "L1 request to override"
L1O=$(jqv .gate_id); SEQ=$(jqv .audit_seq)
api GET "/api/v1/gates/$L1O" "$ed"
expect_jq .note_state active "executed before review"
decide "$ed" "$L1O" override '{"note":"wrong text"}'
expect_status 200 "ed overrides"
expect_jq .outcome overridden "overridden"
expect_jq '.decisions[-1].rollback_of' "$SEQ" "the decision names the reversed record"
expect_jq '.decisions[-1].note' "wrong text" "the note is kept"
expect_jq .note_state rolled_back "the note was rolled back"
api GET "/api/v1/audit?action=gate.rollback" "$ada"
expect_status 200 "audit of rollbacks"
expect_jq "[.records[] | select(.rollback_of == $SEQ)] | length" 1 "the audit record points at the original"
expect_jq "[.records[] | select(.rollback_of == $SEQ)][0].gate.decision" overridden "carries the decision"

gate "$eve" '{"kind":"platform.note","params":{"text":"l1 escalate"}}'
L1E=$(jqv .gate_id)
decide "$ed" "$L1E" escalate '{"note":"not sure"}'
expect_status 200 "ed escalates"
expect_jq .escalated true "escalated"
expect_jq .state review "still under review"
decide "$ed" "$L1E" ack
expect_error 403 forbidden "after escalation the assignee no longer decides"
decide "$ada" "$L1E" ack
expect_status 200 "a tenant-admin acks the escalated review"
expect_jq .outcome acknowledged "acknowledged after escalation"

# --- L2: pending, separation of duties, approve, reject
api PUT /api/v1/tenants/acme/gate-policy/platform.note "$ada" '{"level":"L2"}'
expect_status 200 "raise to L2"
gate "$pam" '{"kind":"platform.note","params":{"text":"l2"},"recommendation":{"recommend":"approve","reasons":["routine"]}}'
expect_status 202 "L2 request is accepted, pending"
expect_jq 'has("error")' false "202 is the outcome, not an error"
expect_jq .state pending "pending"
expect_jq .level L2 "L2 level"
expect_jq .result null "nothing executed yet"
L2=$(jqv .gate_id)
decide "$pam" "$L2" approve
expect_error 403 forbidden "the requester cannot approve"
in_msg "separation of duties" "says why"
decide "$eve" "$L2" approve
expect_error 403 forbidden "an engineer cannot approve"
decide "$ada" "$L2" ack
expect_error 409 conflict "ack is not for L2"
api GET "/api/v1/tenants/acme/gates?state=pending" "$eve"
expect_status 200 "pending list"
expect_jq "[.gates[] | select(.id==\"$L2\")] | length" 1 "listed as pending"
decide "$ada" "$L2" approve '{"note":"fine"}'
expect_status 200 "another user approves"
expect_jq .outcome approved "approved"
expect_jq .executed true "executed on approval"
expect_jq .note_state active "the approved note exists"
expect_jq .recommendation.recommend approve "the recommendation is kept"
gate "$eve" '{"kind":"platform.note","params":{"text":"l2 no"}}'
expect_status 202 "second L2 request"
L2R=$(jqv .gate_id)
decide "$pam" "$L2R" reject '{"note":"not now"}'
expect_status 200 "reject"
expect_jq .outcome rejected "rejected"
expect_jq .executed false "a rejected action never runs"

# --- L3: a task for a human
api PUT /api/v1/tenants/acme/gate-policy/platform.note "$ada" '{"level":"L3"}'
expect_status 200 "raise to L3"
gate "$eve" '{"kind":"platform.note","params":{"text":"by hand"}}'
expect_status 202 "L3 request"
expect_jq .state task "L3 is a task"
L3=$(jqv .gate_id)
decide "$ed" "$L3" done '{"note":"did it on site"}'
expect_status 200 "done"
expect_jq .outcome done "done"
expect_jq .note "did it on site" "note kept"
expect_jq '.decisions[-1].decided_by | test("ed")' true "who decided"
gate "$eve" '{"kind":"platform.note","params":{"text":"by hand, again"}}'
L3F=$(jqv .gate_id)
decide "$ed" "$L3F" approve
expect_error 409 conflict "approve is not for L3"
decide "$ed" "$L3F" failed '{"note":"site was closed"}'
expect_status 200 "failed"
expect_jq .outcome failed "recorded as failed"
expect_jq .failed true "failed flag"
api GET "/api/v1/tenants/acme/gates?state=done" "$eve"
expect_jq ".gates | map(.id) | index(\"$L3\") != null" true "listed as done"
# a page of the list: limit and offset, with the total
api GET "/api/v1/tenants/acme/gates?state=done" "$eve"
done_n=$(jq '.gates | length' <<<"$body")
api GET "/api/v1/tenants/acme/gates?state=done&limit=1&offset=1" "$eve"
expect_status 200 "a page of the list"
expect_jq '.gates | length' 1 "limit one"
expect_jq .total "$done_n" "the total of the state"
api GET "/api/v1/tenants/acme/gates?limit=0" "$eve"
expect_error 400 invalid "limit 0"

# --- cross-tenant: exactly like a missing item
api GET /api/v1/gates/00000000-0000-4000-8000-000000000000 "$gary"
expect_error 404 not_found "unknown gate"
api POST /api/v1/gates/00000000-0000-4000-8000-000000000000/approve "$ada"
expect_error 404 not_found "approve an unknown gate"
api GET "/api/v1/gates/$L2" "$gary"
expect_error 404 not_found "another tenant's gate"
decide "$gary" "$L2R" approve
expect_error 404 not_found "decide on another tenant's gate"
api GET /api/v1/tenants/acme/gates "$gary"
expect_error 404 not_found "another tenant's gate list"
api GET /api/v1/tenants/acme/gate-policy "$gary"
expect_error 404 not_found "another tenant's policy"
gate "$gary" '{"kind":"platform.note","params":{"text":"x"}}'
expect_error 404 not_found "request in another tenant"

# --- events: list, dead delivery (the email channel fails), retry
dead=""
for _ in $(seq 1 100); do
  api GET "/api/v1/events?state=dead" "$ada"
  dead=$(jqv '[.events[] | select(.type | startswith("gate."))][0].id // empty')
  [ -n "$dead" ] && break
  sleep 0.1
done
[ -n "$dead" ] && ok || bad "no dead gate event within 10s: $body"
api GET /api/v1/events "$ada"
expect_status 200 "list events (own tenant)"
expect_jq '[.events[] | select(.type=="gate.review")] | length > 0' true "gate.review events listed"
api GET "/api/v1/events?tenant=acme&state=dead" "$admin"
expect_status 200 "platform admin lists a tenant's dead events"
api GET "/api/v1/events?tenant=acme" "$gary"
expect_error 404 not_found "another tenant's events"
api POST "/api/v1/events/$dead/retry" "$gary"
expect_error 404 not_found "retry another tenant's event"
api POST "/api/v1/events/$dead/retry" "$ada"
expect_status 200 "retry a dead event"
expect_jq .state pending "back to pending"
api DELETE "/api/v1/tenants/acme/notify-channels/$MAIL_ID" "$eve"
expect_error 403 forbidden "an engineer cannot remove a channel"
api DELETE "/api/v1/tenants/acme/notify-channels/$MAIL_ID" "$ada"
expect_status 204 "remove the failing channel"
api DELETE "/api/v1/tenants/acme/notify-channels/$MAIL_ID" "$ada"
expect_error 404 not_found "remove it again"
api GET /api/v1/tenants/acme/notify-channels "$ada"
expect_jq '.channels | length' 1 "one channel left"
# Retried, the event may die once more before the channel went; retry until it is delivered.
for _ in $(seq 1 100); do
  api POST "/api/v1/events/$dead/retry" "$ada"
  [ "$code" = 409 ] && break
  sleep 0.1
done
expect_error 409 conflict "an event with no dead delivery is not retried"
api POST /api/v1/events/00000000-0000-4000-8000-000000000000/retry "$ada"
expect_error 404 not_found "retry an unknown event"
api POST /api/v1/events/nope/retry "$ada"
expect_error 400 invalid "retry a malformed event id"
api GET "/api/v1/events?state=limbo" "$ada"
expect_error 400 invalid "bad event state"
in_msg limbo "the state is named"
api GET "/api/v1/events?tenant=no%20such" "$admin"
expect_error 400 invalid "bad tenant query"

# --- bad input: 400 naming the field or value
expect_bad() {   # expect_bad METHOD PATH BODY WORD WHAT
  api "$1" "$2" "$ada" "$3"
  expect_error 400 invalid "$5"
  in_msg "$4" "$5 (names it)"
}
expect_bad POST /api/v1/tenants/acme/gates '{"kind":' "line" "malformed JSON"
expect_bad POST /api/v1/tenants/acme/gates '[]' "object" "not an object"
expect_bad POST /api/v1/tenants/acme/gates '{"params":{"text":"x"}}' "kind" "missing kind"
expect_bad POST /api/v1/tenants/acme/gates '{"kind":7}' "kind" "kind not a string"
expect_bad POST /api/v1/tenants/acme/gates '{"kind":"no.such"}' "no.such" "unknown kind"
expect_bad POST /api/v1/tenants/acme/gates '{"kind":"platform.note","colour":1}' "colour" "unknown field"
expect_bad POST /api/v1/tenants/acme/gates '{"kind":"platform.note","params":"text"}' "params" "params not an object"
expect_bad POST /api/v1/tenants/acme/gates '{"kind":"platform.note","recommendation":[1]}' "recommendation" "recommendation not an object"
expect_bad POST /api/v1/tenants/acme/gates '{"kind":"platform.note","target_type":5}' "target_type" "target_type not a string"
long=$(printf 'x%.0s' $(seq 1 300))
expect_bad POST /api/v1/tenants/acme/gates "{\"kind\":\"platform.note\",\"target_id\":\"$long\"}" "target_id" "target_id too long"
expect_bad GET "/api/v1/tenants/acme/gates?state=limbo" "" "limbo" "bad gate state"
expect_bad POST "/api/v1/gates/$L2R/bless" "" "bless" "unknown decision"
expect_bad POST /api/v1/gates/nope/approve "" "nope" "malformed gate id"
expect_bad GET /api/v1/gates/nope "" "nope" "malformed gate id (show)"
expect_bad POST "/api/v1/gates/$L2R/approve" '{"note":5}' "note" "note not a string"
expect_bad POST "/api/v1/gates/$L2R/approve" '{"why":"x"}' "why" "unknown decision field"
expect_bad PUT /api/v1/tenants/acme/gate-policy/platform.note '{"level":"L9"}' "L9" "bad level"
expect_bad PUT /api/v1/tenants/acme/gate-policy/platform.note '{"level":2}' "level" "level not a string"
expect_bad PUT /api/v1/tenants/acme/gate-policy/platform.note '{}' "level" "missing level"
expect_bad PUT /api/v1/tenants/acme/gate-policy/no.such '{"level":"L2"}' "no.such" "policy for an unknown kind"
expect_bad PUT /api/v1/tenants/acme/gate-settings '{"review_window":"soon"}' "review_window" "bad duration"
expect_bad PUT /api/v1/tenants/acme/gate-settings '{"approval_timeout":"0s"}' "approval_timeout" "zero duration"
expect_bad PUT /api/v1/tenants/acme/gate-settings '{}' "approval_timeout" "no setting given"
expect_bad PUT /api/v1/tenants/acme/gate-assignees/platform '{}' "user" "missing assignee"
expect_bad PUT /api/v1/tenants/acme/gate-assignees/platform '{"user":"No Body"}' "user" "bad assignee name"
api PUT /api/v1/tenants/acme/gate-assignees/platform "$ada" '{"user":"nobody"}'
expect_error 404 not_found "an assignee who is not a user"
api DELETE /api/v1/tenants/acme/gate-assignees/platform "$ada"
expect_status 204 "clear the assignee"
api GET /api/v1/tenants/acme/gate-policy "$eve"
expect_jq '.assignees | has("platform")' false "no assignee left"
gate "$eve" '{"kind":"platform.note","params":{}}'
expect_status 202 "the level is L3 still: params are checked when the task is done, by a human"

# --- wrong method
api DELETE "/api/v1/gates/$L2" "$ada"
expect_error 405 method_not_allowed "DELETE a gate"
expect_header Allow "GET" "Allow for a gate"
api GET "/api/v1/gates/$L2/approve" "$ada"
expect_error 405 method_not_allowed "GET a decision"
expect_header Allow "POST" "Allow for a decision"
api PUT /api/v1/tenants/acme/gates "$ada" '{}'
expect_error 405 method_not_allowed "PUT the gate list"
api GET "/api/v1/events/$dead/retry" "$ada"
expect_error 405 method_not_allowed "GET a retry"
api POST /api/v1/tenants/acme/gate-policy "$ada" '{}'
expect_error 405 method_not_allowed "POST the policy"
api POST /api/v1/gate-kinds "$ada" '{}'
expect_error 405 method_not_allowed "POST the kinds"

# --- no token
api GET /api/v1/tenants/acme/gates ""
expect_error 401 unauthorized "no token"

og_done
