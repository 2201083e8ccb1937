#!/usr/bin/env bash
# test_gate.sh - the four gate levels end to end through the CLI with the real platform.note kind:
# override with rollback, separation of duties, L2 expiry, L3 outcome, notifications by signed
# webhook (checked, replay and tamper refused by the receiver) and SMTP email, failing channels,
# and clear errors for bad input.
. "$(dirname "$0")/lib.sh"
: "${OG_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
og_recv_build

D="$OG_TMP/data"
og() { "$OPSGATE" --data "$D" "$@"; }
has() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
jqis() { local got; got=$(printf '%s' "$1" | jq -r "$2" 2>/dev/null); [ "$got" = "$3" ] && ok || bad "$4: $2 is '$got', want '$3'"; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; og_cleanup' EXIT
wait_file() { local i; for i in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

og_init "$D" >/dev/null || exit 1
run 0 "tenant" -- og tenant create acme
for u in ada:tenant-admin pam:project-manager eve:engineer ed:engineer; do
  run 0 "user ${u%%:*}" -- og user add --tenant acme "${u%%:*}" --role "${u#*:}"
done

# --- receivers and channels
printf 'a-webhook-secret-of-some-length\n' >"$OG_TMP/secret"
"$RECV" webhook --port-file "$OG_TMP/hook.port" --secret-file "$OG_TMP/secret" \
  --log "$OG_TMP/hook.log" --capture "$OG_TMP/hook.req" & pids+=($!)
mkdir -p "$OG_TMP/mail"
"$RECV" smtp --port-file "$OG_TMP/smtp.port" --out "$OG_TMP/mail" & pids+=($!)
wait_file "$OG_TMP/hook.port" && wait_file "$OG_TMP/smtp.port" || { bad "receivers did not start"; og_done; }
HOOK="http://127.0.0.1:$(cat "$OG_TMP/hook.port")/hook"
SMTP="smtp://mailer:s3cret-pw@127.0.0.1:$(cat "$OG_TMP/smtp.port")"
# The receivers are on loopback, which channels may reach only once a platform-admin allows it.
run 0 "allow loopback egress" -- og notify egress allow 127.0.0.0/8
run 2 "webhook without secret" -- og notify add --tenant acme webhook "$HOOK"
run 1 "engineer cannot add channels" -- og --as eve notify add --tenant acme webhook "$HOOK" --secret-file "$OG_TMP/secret"
run 0 "add webhook" -- og notify add --tenant acme webhook "$HOOK" --secret-file "$OG_TMP/secret"
run 0 "add email" -- og notify add --tenant acme email ops@acme.example --smtp "$SMTP" --from opsgate@msp.example
run 0 "list channels" -- og notify list --tenant acme --json
jqis "$out" '.channels | length' 2 "two channels"
has "$out" "smtp://127.0.0.1" "the SMTP host is shown"
case "$out" in *s3cret-pw*) bad "SMTP password shown by notify list" ;; *) ok ;; esac
if grep -rqa "s3cret-pw" "$D" 2>/dev/null; then bad "SMTP password in clear in the data folder"; else ok; fi
run 2 "unknown channel type" -- og notify add --tenant acme pager 123
has "$err" "pager" "unknown type named"
run 0 "notify test" -- og notify test --tenant acme
has "$out" "ok" "test delivered"
grep -q "^ok .* notify.test" "$OG_TMP/hook.log" && ok || bad "webhook receiver did not accept the test: $(cat "$OG_TMP/hook.log")"
ls "$OG_TMP/mail"/msg.*.eml >/dev/null 2>&1 && ok || bad "no test email received"
grep -q "X-Auth-User: mailer" "$OG_TMP"/mail/msg.1.eml && ok || bad "SMTP credentials were not used"

# --- replay and tamper: the receiver refuses both
port=$(cat "$OG_TMP/hook.port")
send_raw() { exec 3<>"/dev/tcp/127.0.0.1/$port"; cat "$1" >&3; head -n 1 <&3 | tr -d '\r'; exec 3<&-; }
status=$(send_raw "$OG_TMP/hook.req")
has "$status" "409" "a replayed request is refused"
sed 's/notify\.test/notify.evil/' "$OG_TMP/hook.req" >"$OG_TMP/hook.tampered"
status=$(send_raw "$OG_TMP/hook.tampered")
has "$status" "401" "a tampered request is refused"
grep -q "reject replay" "$OG_TMP/hook.log" && ok || bad "receiver log lacks the replay rejection"
grep -q "reject bad signature" "$OG_TMP/hook.log" && ok || bad "receiver log lacks the tamper rejection"

# --- L0
run 0 "L0 request" -- og gate request --tenant acme platform.note --params '{"text":"l0"}' --json
jqis "$out" '.state' done "L0 is done at once"

# --- L1: executes, review item notified, override rolls back
run 0 "assign reviewer" -- og gate policy assign --tenant acme platform ed
run 1 "an engineer cannot change a level" -- og --as eve gate policy set --tenant acme platform.note L1
has "$err" "tenant-admin" "names the role"
run 0 "raise to L1" -- og --as ada gate policy set --tenant acme platform.note L1
run 0 "L1 request" -- og --as eve gate request --tenant acme platform.note --params '{"text":"l1"}' --json
jqis "$out" '.state' review "L1 waits for review"
L1=$(printf '%s' "$out" | jq -r .gate_id); SEQ=$(printf '%s' "$out" | jq -r .audit_seq)
run 0 "deliver notifications" -- og events run
grep -q "gate.review" "$OG_TMP/hook.log" && ok || bad "no gate.review webhook"
# (the subject is RFC 2047-encoded: it holds an em dash; the event type header says what it is)
grep -l "X-Opsgate-Event-Type: gate.review" "$OG_TMP"/mail/*.eml >/dev/null 2>&1 && ok || bad "no review email"
grep -l "It waits for a review" "$OG_TMP"/mail/*.eml >/dev/null 2>&1 && ok || bad "the review email does not say what it waits for"
run 2 "the requester cannot ack her own review" -- og --as eve gate ack "$L1"
has "$err" "requester" "says why"
run 1 "another user cannot ack ed's review" -- og --as pam gate ack "$L1"
has "$err" "assigned to ed" "names the assignee"
run 2 "the local operator alone escalates nothing" -- og gate escalate "$L1"
has "$err" "--as USER" "names --as"
run 0 "override" -- og --as ed gate override "$L1" --note "wrong text"
run 0 "show" -- og gate show "$L1" --json
jqis "$out" '.outcome' overridden "overridden"
jqis "$out" '.decisions[-1].rollback_of' "$SEQ" "rollback_of points at the original record"
jqis "$out" '.decisions[-1].note' "wrong text" "the note is kept"
jqis "$out" '.notifications | map(select(.state=="sent")) | length' 2 "both channels got the review"
run 0 "audit has the rollback" -- og audit list --tenant acme --action gate.rollback --json
has "$out" "$SEQ" "the audit record names the reversed record"
has "$out" "overridden" "the audit record carries the decision"
run 1 "decided items take no decision" -- og --as ed gate ack "$L1"
has "$err" "already decided" "says why"

# --- L2: separation of duties, roles, approval
run 0 "raise to L2" -- og gate policy set --tenant acme platform.note L2
run 0 "L2 request by pam" -- og --as pam gate request --tenant acme platform.note --params '{"text":"l2"}' --recommendation '{"recommend":"approve","reasons":["routine"]}' --json
jqis "$out" '.state' pending "L2 waits"
L2=$(printf '%s' "$out" | jq -r .gate_id)
run 2 "requester cannot approve (a usage error on the CLI)" -- og --as pam gate approve "$L2"
has "$err" "requester" "says why"
run 2 "nor can the local operator alone" -- og gate approve "$L2"
has "$err" "--as USER" "names --as"
run 1 "engineer cannot approve" -- og --as eve gate approve "$L2"
has "$err" "project-manager" "names the roles"
run 1 "ack is not for L2" -- og --as ada gate ack "$L2"
run 0 "pending list" -- og gate list --tenant acme --state pending --json
jqis "$out" ".gates | map(select(.id==\"$L2\")) | length" 1 "listed as pending"
run 0 "approve" -- og --as ada gate approve "$L2" --note "fine"
run 0 "show approved" -- og gate show "$L2" --json
jqis "$out" '.outcome' approved "approved and executed"
jqis "$out" '.executed' true "executed on approval"
jqis "$out" '.recommendation.recommend' approve "the recommendation is kept"

# --- L2 expiry
run 0 "short approval timeout" -- og gate policy set --tenant acme --approval-timeout 1s
run 0 "L2 request" -- og --as eve gate request --tenant acme platform.note --params '{"text":"late"}' --json
L2X=$(printf '%s' "$out" | jq -r .gate_id)
sleep 1.3
run 0 "expire" -- og gate expire
run 0 "show expired" -- og gate show "$L2X" --json
jqis "$out" '.outcome' expired "expired"
jqis "$out" '.decisions[-1].decided_by' "local:$(id -un 2>/dev/null || echo root)" "recorded who expired it" || true

# --- L3
run 0 "raise to L3" -- og gate policy set --tenant acme platform.note L3
run 0 "L3 request" -- og --as eve gate request --tenant acme platform.note --params '{"text":"by hand"}' --json
jqis "$out" '.state' task "L3 is a task"
L3=$(printf '%s' "$out" | jq -r .gate_id)
# every decision names the person who takes it: the local operator alone records no outcome
run 2 "the local operator alone records no task outcome" -- og gate done "$L3" --note "x"
has "$err" "--as USER" "names --as"
run 2 "nor a failure" -- og gate failed "$L3"
run 1 "an engineer not assigned cannot record it" -- og --as eve gate done "$L3"
has "$err" "assigned to ed" "names the assignee"
run 0 "done" -- og --as ed gate done "$L3" --note "did it on site"
run 0 "show done" -- og gate show "$L3" --json
jqis "$out" '.outcome' done "done"
jqis "$out" '.decided_by' "local:$(id -un 2>/dev/null || echo root) as user:ed" "the outcome names the human"
jqis "$out" '.note' "did it on site" "note kept"

# --- the policy shows the level; bad input (policy rights: test_governance_gates.sh)
run 0 "policy show" -- og gate policy show --tenant acme --json
jqis "$out" '.kinds[] | select(.kind=="platform.note") | .level' L3 "policy shows the level"
run 2 "bad level" -- og gate policy set --tenant acme platform.note L9
has "$err" "L9" "bad level named"
run 1 "unknown kind" -- og gate policy set --tenant acme no.such L2
has "$err" "no.such" "unknown kind named"
run 1 "unknown kind request" -- og gate request --tenant acme no.such
run 1 "unknown gate id" -- og --as ada gate approve 00000000-0000-4000-8000-000000000000
has "$err" "00000000-0000-4000-8000-000000000000" "unknown id named"
run 2 "malformed gate id" -- og gate show nope
has "$err" "nope" "malformed id named"
run 2 "bad state" -- og gate list --tenant acme --state limbo
has "$err" "limbo" "bad state named"
run 2 "bad params" -- og gate request --tenant acme platform.note --params '{nope'
run 2 "unknown subcommand" -- og gate bless
has "$err" "bless" "unknown subcommand named"

# --- a failing channel does not block the action; its failure shows in gate show
run 0 "add a dead webhook" -- og notify add --tenant acme webhook "http://127.0.0.1:9/dead" --secret-file "$OG_TMP/secret"
run 0 "back to L1" -- og gate policy set --tenant acme platform.note L1
run 0 "L1 with a dead channel" -- og gate request --tenant acme platform.note --params '{"text":"x"}' --json
jqis "$out" '.state' review "the action ran anyway"
LX=$(printf '%s' "$out" | jq -r .gate_id)
run 0 "deliver" -- og events run
run 0 "show failures" -- og gate show "$LX" --json
jqis "$out" '.notifications | map(select(.state=="failed")) | length' 1 "the dead channel's failure shows"
jqis "$out" '.notifications | map(select(.state=="sent")) | length' 2 "the others were sent"
run 0 "events list" -- og events list --tenant acme --state pending --json
jqis "$out" '.events | map(select(.last_error != null)) | length > 0' true "the delivery waits for a retry with its error"

og_done
