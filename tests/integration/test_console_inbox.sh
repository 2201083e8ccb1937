#!/usr/bin/env bash
# test_console_inbox.sh - the console's inbox in a real browser (tests/console/inbox_test.mjs):
# an L2 publish of a SOW requested by pam (project-manager) is refused to pam on the page with the
# separation-of-duties message (403) and approved by ada (tenant-admin), after which the CLI sees
# the artifact published; two L1 platform.note reviews: one escalated by its assignee (whose
# acknowledgement is then 403) and acknowledged by ada, one overridden (a note
# is required first; the CLI then sees the note rolled back); an L1 certs.deploy of certificate b
# to a file target overridden, after which the target's files hold the previous certificate a
# again; an L3 task marked done; an unknown
# decision is 400 and changes nothing; globex's session on acme's item is 404 word for word like a
# missing item. Screenshots in $OG_BUILD_DIR/console-screenshots/inbox-*; axe on every page.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-200}
. "$(dirname "$0")/lib.sh"

og_console_need jq openssl

D="$OG_TMP/data"
og_fixture "$D" acme/ada:tenant-admin acme/pam:project-manager acme/eve:engineer acme/ed:engineer \
  globex/gus:tenant-admin

# --- L2: pam asks to publish a SOW (SOW publishing at L2 in acme)
A=(--tenant acme --project fw)
q --as pam project create --tenant acme fw "Firewall migration"
printf '# SOW\n\nScope: firewall cutover\n' >"$OG_TMP/sow.md"
q --as eve artifact put "${A[@]}" --name "SOW v2" --kind sow "$OG_TMP/sow.md"
q --as pam artifact set-state "${A[@]}" --name "SOW v2" in-review
q --as pam artifact set-state "${A[@]}" --name "SOW v2" approved
q --as ada gate policy set --tenant acme artifacts.publish.sow L2
g_pub=$(og --as pam artifact set-state "${A[@]}" --name "SOW v2" published --json | jq -r .gate_id)
[ -n "$g_pub" ] && [ "$g_pub" != null ] && ok || { bad "the publish is gated"; og_done; }

# --- L1: two platform notes reviewed by ed; L3: a task for ed
q gate policy assign --tenant acme platform ed
q --as ada gate policy set --tenant acme platform.note L1
g_ack=$(og --as eve gate request --tenant acme platform.note --params '{"text":"to acknowledge"}' --json | jq -r .gate_id)
g_ovr=$(og --as eve gate request --tenant acme platform.note --params '{"text":"to override"}' --json | jq -r .gate_id)
q --as ada gate policy set --tenant acme platform.note L3
g_task=$(og --as eve gate request --tenant acme platform.note --params '{"text":"by hand"}' --recommendation '{"recommend":"write it","reasons":["routine"]}' --json | jq -r .gate_id)
for g in "$g_ack" "$g_ovr" "$g_task"; do [ -n "$g" ] && [ "$g" != null ] && ok || bad "gate item made"; done

# --- an L1 certificate deploy (certs.deploy defaults to L1) to a file target: a, then b, whose
# review ed overrides in the browser; the override's rollback puts a's files back.
O="$OG_TMP/out"; mkdir -p "$O"
for n in a b; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 60 \
    -subj "/CN=shop.acme.example" -addext subjectAltName=DNS:shop.acme.example \
    -keyout "$OG_TMP/$n.key" -out "$OG_TMP/$n.crt" >/dev/null 2>&1 || { bad "openssl"; og_done; }
  cat "$OG_TMP/$n.crt" "$OG_TMP/$n.key" >"$OG_TMP/$n.pem"
  q cert import --tenant acme "$OG_TMP/$n.pem"
done
fp() { openssl x509 -in "$1" -outform der | sha256sum | cut -c1-64; }
FA=$(fp "$OG_TMP/a.crt"); FB=$(fp "$OG_TMP/b.crt")
q gate policy assign --tenant acme certs ed
q target add --tenant acme web --type file --cert-path "$O/cert.pem" --key-path "$O/key.pem"
g_dep_a=$(og cert deploy --tenant acme "$FA" --target web --json | jq -r .gate_id)
q --as ed gate ack "$g_dep_a"
g_dep=$(og cert deploy --tenant acme "$FB" --target web --json | jq -r .gate_id)
[ "$(fp "$O/cert.pem")" = "$FB" ] && ok || bad "b is deployed before the override"
og_serve "$D" || exit 1

og_console_run inbox_test.mjs 150 "the inbox browser test" TOKEN_PAM="$pam" TOKEN_ADA="$ada" \
  TOKEN_ED="$ed" TOKEN_GUS="$gus" TOKEN_PA="$admin" G_PUB="$g_pub" G_ACK="$g_ack" G_OVR="$g_ovr" \
  G_TASK="$g_task" G_DEP="$g_dep" FP_B="$FB"

# --- what the browser did, seen through the CLI
st() { og gate show "$1" --json | jq -r "$2"; }
[ "$(og artifact show "${A[@]}" --name "SOW v2" --json | jq -r .state)" = published ] && ok ||
  bad "the SOW is published after ada's approval in the console"
[ "$(st "$g_pub" .outcome)" = approved ] && ok || bad "the publish item is approved"
[ "$(st "$g_pub" '.decisions[-1].decided_by')" != "" ] && ok || bad "the approval is recorded"
case "$(st "$g_pub" '.decisions | map(.decided_by) | join(",")')" in *pam*) bad "pam decided her own item" ;; *) ok ;; esac
[ "$(st "$g_ack" .outcome)" = acknowledged ] && ok || bad "the review is acknowledged: $(st "$g_ack" .outcome)"
[ "$(st "$g_ovr" .outcome)" = overridden ] && ok || bad "the review is overridden: $(st "$g_ovr" .outcome)"
[ "$(st "$g_ovr" .note_state)" = rolled_back ] && ok || bad "the override rolled the note back: $(st "$g_ovr" .note_state)"
[ "$(st "$g_ovr" '.decisions[-1].note')" = "wrong text" ] && ok || bad "the override's note is kept"
[ "$(st "$g_ovr" '.decisions[-1].rollback_of')" != null ] && ok || bad "the override is a rollback record"
[ "$(st "$g_task" .outcome)" = done ] && ok || bad "the task is done: $(st "$g_task" .outcome)"
[ "$(fp "$O/cert.pem")" = "$FA" ] && ok || bad "the console's override of b's deploy restored a"
[ "$(st "$g_dep" .outcome)" = overridden ] && ok || bad "the deploy review is overridden"
grep -q overridden <<<"$(og audit list --tenant acme --action gate.rollback --json)" && ok ||
  bad "the audit trail has the console's override"
og_done
