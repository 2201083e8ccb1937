#!/usr/bin/env bash
# test_notify_egress.sh - notification channels cannot reach loopback, private or link-local
# addresses (server-side request forgery by whoever configures a channel) unless a platform-admin
# allows the range: refused at add for address literals, at delivery for host names (checked on
# the resolved address), audited; and webhook URLs (credentials, path tokens) are sealed at rest
# and shown redacted to every role.
. "$(dirname "$0")/lib.sh"
: "${OG_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
og_recv_build

D="$OG_TMP/data"
og() { "$OPSGATE" --data "$D" "$@"; }
has() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
hasnt() { case "$1" in *"$2"*) bad "$3: '$2' in: $1" ;; *) ok ;; esac; }
jqis() { local got; got=$(printf '%s' "$1" | jq -r "$2" 2>/dev/null); [ "$got" = "$3" ] && ok || bad "$4: $2 is '$got', want '$3'"; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; og_cleanup' EXIT
wait_file() { local i; for i in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

og_init "$D" >/dev/null || exit 1
run 0 "tenant" -- og tenant create acme
for u in ada:tenant-admin pam:project-manager eve:engineer aud:auditor; do
  run 0 "user ${u%%:*}" -- og user add --tenant acme "${u%%:*}" --role "${u#*:}"
done
printf 'a-webhook-secret-of-some-length\n' >"$OG_TMP/secret"
"$RECV" webhook --port-file "$OG_TMP/hook.port" --secret-file "$OG_TMP/secret" --log "$OG_TMP/hook.log" & pids+=($!)
wait_file "$OG_TMP/hook.port" || { bad "receiver did not start"; og_done; }
P=$(cat "$OG_TMP/hook.port")

# --- address literals in blocked ranges are refused when the channel is added
run 1 "loopback webhook refused at add" -- og notify add --tenant acme webhook "http://127.0.0.1:$P/hook" --secret-file "$OG_TMP/secret"
has "$err" "127.0.0.0/8" "the refusal names the range"
has "$err" "notify egress allow 127.0.0.0/8" "the refusal says how a platform-admin allows it"
for url in "http://[::1]:$P/" "http://2130706433:$P/" "http://127.1:$P/" "http://[::ffff:127.0.0.1]:$P/" \
           "http://169.254.169.254/latest/meta-data/" "https://10.1.2.3/" "http://[fd00::1]/" "http://0.0.0.0:$P/"; do
  run 1 "$url refused at add" -- og notify add --tenant acme webhook "$url" --secret-file "$OG_TMP/secret"
  has "$err" "refused" "$url: refusal explained"
done
run 1 "SMTP server on loopback refused at add" -- og notify add --tenant acme email ops@acme.example --smtp "smtp://u:pw@127.0.0.1:$P"
has "$err" "127.0.0.0/8" "the SMTP refusal names the range"
hasnt "$err" ":pw@" "the SMTP refusal does not show the password"

# --- only a platform-admin allows ranges
run 1 "a tenant-admin cannot allow a range" -- og --as ada notify egress allow 127.0.0.0/8 --tenant acme
has "$err" "platform-admin" "the refusal names the role"
run 1 "a tenant-admin cannot list ranges" -- og --as ada notify egress list --tenant acme
run 1 "junk range" -- og notify egress allow 127.0.0.1/8
has "$err" "127.0.0.0/8" "host bits named with the range meant"
run 2 "egress without action" -- og notify egress

# --- a host name that resolves to loopback passes add but is refused when connecting
run 0 "localhost webhook added (a name is checked on connect)" -- og notify add --tenant acme webhook "http://localhost:$P/hook" --secret-file "$OG_TMP/secret"
LOCAL_ID=$out
run 1 "test to localhost refused" -- og notify test --tenant acme "$LOCAL_ID"
has "$out" "loopback" "the refusal names the loopback range"
has "$out" "refused" "the test reports the refusal"
[ -s "$OG_TMP/hook.log" ] && bad "the receiver was reached: $(cat "$OG_TMP/hook.log")" || ok

# A gate notification to it fails with the reason (the action itself goes ahead).
run 0 "L1 policy" -- og gate policy set --tenant acme platform.note L1
run 0 "L1 request" -- og gate request --tenant acme platform.note --params '{"text":"x"}' --json
G=$(printf '%s' "$out" | jq -r .gate_id)
run 0 "deliver" -- og events run
run 0 "gate show" -- og gate show "$G" --json
jqis "$out" '.notifications | map(select(.state=="failed")) | length' 1 "the delivery failed"
has "$(printf '%s' "$out" | jq -r '.notifications[0].last_error')" "loopback" "the failure names the reason"
run 0 "events list" -- og events list --tenant acme --state pending --json
has "$out" "refused" "the event waits for a retry with the reason"

# --- a platform-admin allows loopback: audited, listed, and channels work
run 0 "platform-admin allows loopback" -- og notify egress allow 127.0.0.0/8 --note "test receivers"
run 1 "twice is a conflict" -- og notify egress allow 127.0.0.0/8
run 0 "also ::1" -- og notify egress allow ::1/128
run 0 "list ranges" -- og notify egress list --json
jqis "$out" '[.ranges[].range] | join(",")' "127.0.0.0/8,::1/128" "both ranges listed"
jqis "$out" '.ranges[0].note' "test receivers" "the note is kept"
run 0 "audit" -- og audit list --json
jqis "$out" '[.records // . | .[] | select(.action=="notify.egress.allow")] | length' 2 "allowing is audited on the platform chain"
run 0 "localhost now delivers" -- og notify test --tenant acme "$LOCAL_ID"
grep -q "^ok .* notify.test" "$OG_TMP/hook.log" && ok || bad "receiver log: $(cat "$OG_TMP/hook.log")"

# --- webhook URLs are sealed and shown redacted; a running server keeps the WAL file open, so
# the raw scan below covers it too.
og_serve "$D" || { bad "server"; og_done; }
TOKEN=T000B000XXXXpathtoken42
HOOK="http://hookuser:hunter2-pw@127.0.0.1:$P/services/$TOKEN?sig=querysecret"
run 0 "add a webhook with credentials and a path token" -- og notify add --tenant acme webhook "$HOOK" --secret-file "$OG_TMP/secret"
SEALED_ID=$out
for who in "" ada pam eve aud; do
  if [ -n "$who" ]; then run 0 "list as $who" -- og --as "$who" notify list --tenant acme --json
  else run 0 "list as platform" -- og notify list --tenant acme --json; fi
  t=$(printf '%s' "$out" | jq -r --arg id "$SEALED_ID" '.channels[] | select(.id==$id) | .target')
  [ "$t" = "http://127.0.0.1:$P/…" ] && ok || bad "list as ${who:-platform} shows '$t'"
  for s in hunter2-pw hookuser "$TOKEN" querysecret; do hasnt "$out" "$s" "list as ${who:-platform}"; done
done
run 0 "text list" -- og notify list --tenant acme
has "$out" "http://127.0.0.1:$P/…" "the text list shows the redacted URL"
hasnt "$out" "$TOKEN" "the text list hides the token"
run 0 "test delivers through the sealed URL" -- og notify test --tenant acme "$SEALED_ID"
hasnt "$out" "$TOKEN" "the test report hides the token"
[ "$(grep -c '^ok .* notify.test' "$OG_TMP/hook.log")" -ge 2 ] && ok || bad "the sealed URL was not used"
run 0 "audit" -- og audit list --tenant acme --json
hasnt "$out" "$TOKEN" "audit details hide the token"
hasnt "$out" "hunter2-pw" "audit details hide the password"
has "$(printf '%s' "$out" | jq -r '.. | .target? // empty')" "http://127.0.0.1:$P/…" "audit details show the redacted URL"
for s in hunter2-pw "$TOKEN" querysecret; do
  if grep -rqa "$s" "$D"; then bad "'$s' in clear in the data folder: $(grep -rla "$s" "$D")"; else ok; fi
done
ls "$D"/*-wal >/dev/null 2>&1 && ok || bad "no WAL file was scanned: $(ls "$D")"

# A failing sealed channel names only the redacted URL.
run 0 "remove the loopback range" -- og notify egress remove 127.0.0.0/8
run 1 "remove it twice" -- og notify egress remove 127.0.0.0/8
run 1 "refused again after removal" -- og notify test --tenant acme "$SEALED_ID"
has "$out" "127.0.0.0/8" "refused by the removed range"
hasnt "$out$err" "$TOKEN" "the failure hides the token"
hasnt "$out$err" "hunter2-pw" "the failure hides the password"
run 0 "audit" -- og audit list --json
jqis "$out" '[.records // . | .[] | select(.action=="notify.egress.remove")] | length' 1 "removing is audited"

# Bad URLs are refused without echoing their secrets.
run 1 "malformed URL" -- og notify add --tenant acme webhook "ftp://u:topsecret@example.com/x" --secret-file "$OG_TMP/secret"
hasnt "$err" "topsecret" "the error hides the password"
og_stop
og_done
