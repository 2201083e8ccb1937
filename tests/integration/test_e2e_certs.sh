#!/usr/bin/env bash
# test_e2e_certs.sh - the certificate flow end to end, against real nginx and Pebble, driven by
# `opsgate serve` alone: nginx serves a certificate that expires in 5 days; the scheduled scan
# finds it; its renewal plan is overdue (two thirds of its lifetime passed, as acme's record of
# its start is moved back: a planned certificate raises no days-left alert, issue 26) and the
# overdue alert renews it from Pebble (real http-01
# validation); the renewal is deployed to nginx under continuous HTTPS load with no failed
# request and verified; the L1 notifications reach a webhook receiver with valid signatures; the
# tenant's audit trail has each step and verifies. Then a second tenant whose target's endpoint
# keeps serving the old certificate: its renewal's deploy fails verification and rolls back, the
# old certificate is still served, the rollback is recorded and notified.
#
# OG_E2E_DEMO=1 (scripts/demo-certs.sh, `make demo-certs`) narrates each step for a person and
# leaves everything running until Ctrl-C.
DEMO=${OG_E2E_DEMO:-}
[ -n "$DEMO" ] && export OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-86400}
export OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-150}
. "$(dirname "$0")/deploy/lib.sh"
. "$(dirname "$0")/acme/lib.sh"
need_nginx
acme_need
command -v cc >/dev/null || { echo "SKIP: no C compiler for the webhook receiver and load client"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 is not installed (events are matched in the database)"; exit 77; }
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

if [ -n "$DEMO" ]; then
  # a second between steps, so that a person can read along (OG_E2E_PACE=0 for none)
  say()  { printf '\n\033[1m==> %s\033[0m\n' "$*"; sleep "${OG_E2E_PACE:-1}"; }
  look() { printf '    %s\n' "$@"; }
else
  say()  { :; }
  look() { :; }
fi
step() { [ -n "$DEMO" ] || echo "-- $*"; }

# ---- Pebble issues 5-day certificates: acme_start's pebble, with a short lifetime in its config.
PEBBLE_BIN=$(command -v pebble)
pebble() {  # -config FILE ...
  jq '.pebble.certificateValidityPeriod = 432000' "$2" > "$2.tmp" && mv "$2.tmp" "$2"
  exec "$PEBBLE_BIN" "$@"
}
acme_start
trap 'acme_cleanup; deploy_cleanup' EXIT
say "Pebble (a test ACME CA, real http-01 validation) runs at $PEBBLE_DIR; it issues 5-day certificates."

pki_init
leaf placeholder
og_setup
og tenant create globex >/dev/null || { echo "FAIL: tenant create globex"; exit 1; }

# ---- the webhook receiver: checks opsgate's HMAC signature, logs "ok EVENT_ID TYPE"
cc -O1 -o "$T/og_recv" "$SRC/tests/support/receivers/og_recv.c" -lcrypto || { echo "FAIL: receiver build"; exit 1; }
printf 'an-e2e-webhook-secret-of-some-length\n' > "$T/secret"
"$T/og_recv" webhook --port-file "$T/hook.port" --secret-file "$T/secret" --log "$T/hook.log" &
_bg_pids+=($!)
for _ in $(seq 100); do [ -s "$T/hook.port" ] && break; sleep 0.1; done
HOOK="http://127.0.0.1:$(cat "$T/hook.port")/hook"
# The receiver is on loopback: a platform-admin allows channels to reach that range.
run 0 "allow loopback egress" og notify egress allow 127.0.0.0/8 --note "e2e receivers"
for t in acme globex; do
  run 0 "webhook channel of $t" og notify add --tenant "$t" webhook "$HOOK" --secret-file "$T/secret"
done
say "A webhook receiver listens at $HOOK; it accepts only requests signed with the tenant's secret."
look "its log: $T/hook.log"

# ---- nginx: acme's site; globex's site and a second listener of globex that nobody updates
base=$(free_ports 3) || exit 1
site=$base site2=$((base + 1)) stale=$((base + 2))
L=$T/live L2=$T/live2
mkdir -p "$L" "$L2" "$T/nginx"
for d in "$L" "$L2"; do
  cat "$P/placeholder.crt" "$P/int.crt" > "$d/site.crt"; cp "$P/placeholder.key" "$d/site.key"
done
cp "$L2/site.crt" "$T/stale.crt"; cp "$L2/site.key" "$T/stale.key"
cat > "$T/servers.conf" <<CONF
server {
  listen 127.0.0.1:$site ssl;
  ssl_certificate $L/site.crt;
  ssl_certificate_key $L/site.key;
  return 200 "shop.acme.test\n";
}
server {
  listen 127.0.0.1:$site2 ssl;
  ssl_certificate $L2/site.crt;
  ssl_certificate_key $L2/site.key;
  return 200 "www.globex.test\n";
}
server {
  listen 127.0.0.1:$stale ssl;
  ssl_certificate $T/stale.crt;
  ssl_certificate_key $T/stale.key;
  return 200 "www.globex.test (stale copy)\n";
}
CONF
nginx_up "$T/nginx" "$T/servers.conf"
wait_served 127.0.0.1 "$site" shop.acme.test "$(fp "$P/placeholder.crt")" || bad "nginx serves the placeholder at start"

# ---- each tenant: an ACME account on Pebble, a 5-day certificate issued with real http-01
# validation (a renewal plan), deployed to its nginx target. The policy alerts only at 1 day
# while we set up, so that issuing does not alert already: the scan is what must find it.
declare -A PLAN F1 NAME
NAME[acme]=shop.acme.test NAME[globex]=www.globex.test
for t in acme globex; do
  run 0 "policy of $t (setup)" og cert policy --tenant "$t" --thresholds 1
  run 0 "ACME account of $t" og acme account create --tenant "$t" --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA"
  run 0 "issue ${NAME[$t]}" og cert issue --tenant "$t" --name "${NAME[$t]}" --challenge http-01 \
    --http-listen "127.0.0.1:$HTTP_PORT" --json
  PLAN[$t]=$(jq -r .id <<<"$out") F1[$t]=$(jq -r .fingerprint <<<"$out")
  left=$(( ($(date -d "$(jq -r .not_after <<<"$out")" +%s) - $(date +%s)) / 3600 ))
  [ "$left" -ge 110 ] && [ "$left" -le 120 ] && ok || bad "$t: the certificate expires in 5 days (got ${left} h)"
done
common=(--type nginx --nginx-conf "$T/nginx/nginx.conf" --nginx-prefix "$T/nginx")
run 0 "target web of acme" og target add --tenant acme web "${common[@]}" \
  --cert-path "$L/site.crt" --key-path "$L/site.key" --endpoint "127.0.0.1:$site/shop.acme.test"
run 0 "target web of globex" og target add --tenant globex web "${common[@]}" \
  --cert-path "$L2/site.crt" --key-path "$L2/site.key" --endpoint "127.0.0.1:$site2/www.globex.test"
for t in acme globex; do
  run 0 "deploy the first certificate of $t" og cert deploy --tenant "$t" "${F1[$t]}" --target web
done
eq "$(served 127.0.0.1 "$site" shop.acme.test)" "${F1[acme]}" "nginx serves acme's 5-day certificate"
eq "$(served 127.0.0.1 "$site2" www.globex.test)" "${F1[globex]}" "nginx serves globex's 5-day certificate"
say "nginx (127.0.0.1:$site, SNI shop.acme.test) serves a certificate from Pebble that expires in 5 days:"
look "openssl s_client -connect 127.0.0.1:$site -servername shop.acme.test </dev/null 2>/dev/null | openssl x509 -noout -enddate"
look "renewal plan ${PLAN[acme]}: OPSGATE_DATA=$D $OPSGATE cert plans --tenant acme"

# globex's target is misconfigured: its endpoint is a listener with its own copy of the files,
# which a deploy never touches, so it keeps serving the old certificate.
cp "$L2/site.crt" "$T/stale.crt"; cp "$L2/site.key" "$T/stale.key"
"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" -s reload 2>/dev/null || bad "nginx reload"
for _ in $(seq 50); do [ "$(served 127.0.0.1 "$stale" www.globex.test)" = "${F1[globex]}" ] && break; sleep 0.1; done
eq "$(served 127.0.0.1 "$stale" www.globex.test)" "${F1[globex]}" "the stale listener serves globex's certificate"
run 0 "remove globex's target" og target remove --tenant globex web
run 0 "globex's target with the stale endpoint" og target add --tenant globex web "${common[@]}" \
  --cert-path "$L2/site.crt" --key-path "$L2/site.key" --endpoint "127.0.0.1:$stale/www.globex.test" \
  --verify-timeout 3s

# ---- the expiry policy (30, 14, 7, 1 days) and a scheduled scan of acme's nginx endpoint
run 0 "acme's expiry policy" og cert policy --tenant acme --thresholds 30,14,7,1
run 0 "scan schedule of acme" og cert schedule --tenant acme --every 6h "127.0.0.1:$site" --sni shop.acme.test
# The certificate lives 5 days; its plan renews it at two thirds of that. As if 11 days of a
# 16-day lifetime had passed: acme's record of when it began is moved back, so that the renewal
# is overdue (the inventory's copy, what the days-left thresholds look at, is unchanged).
overdue() {
  sqlite3 "$D/opsgate.db" "UPDATE acme_certs SET not_before_us = not_before_us - 11 * 86400000000
    WHERE fingerprint = '$1'" || bad "moving the start of $1 back"
}
overdue "${F1[acme]}"
say "acme alerts 30, 14, 7 and 1 days before expiry, and scans 127.0.0.1:$site every 6 hours."

# ---- continuous HTTPS load on acme's site for the whole rotation
build_loadclient
"$T/loadclient" 127.0.0.1 "$site" shop.acme.test 4 "$T/stop" 100 "$T/requests" &
lc=$!
_bg_pids+=("$lc")

# ---- opsgate serve: background jobs every second, event retries after 1 s
serve_up() {
  rm -f "$T/port"
  OPSGATE_JOBS_EVERY=1s OPSGATE_EVENTS_BACKOFF=1s OPSGATE_EVENTS_BACKOFF_MAX=2s \
    "$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 --port-file "$T/port" >>"$T/serve.log" 2>&1 &
  srv=$!
  _bg_pids+=("$srv")
  for _ in $(seq 100); do
    [ -s "$T/port" ] && curl -fsS --max-time 2 "http://127.0.0.1:$(cat "$T/port")/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$srv" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: opsgate serve did not start: $(cat "$T/serve.log")"; exit 1
}
serve_down() { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }
# wait_for SECONDS WHAT CMD...: poll until CMD succeeds
wait_for() {
  local n=$(( $1 * 5 )) what=$2; shift 2
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
  bad "$what (waited $n polls)"; return 1
}
has_action() {
  og audit list --tenant "$1" --action "$2" --json 2>/dev/null |
    jq -e '(if type == "array" then . else .records end) | length > 0' >/dev/null
}
serves_other() { local f; f=$(served 127.0.0.1 "$1" "$2"); [ -n "$f" ] && [ "$f" != "$3" ]; }
deploy_done() {
  og gate list --tenant "$1" --json 2>/dev/null |
    jq -e --arg fp "$2" '[.gates[] | select(.kind=="certs.deploy" and .result.previous_fingerprint==$fp)] | length > 0' >/dev/null
}

serve_up
say "opsgate serve is running (its log: $T/serve.log): the scheduler and the renewer run every second (OPSGATE_JOBS_EVERY=1s)."
step "run 1: scan -> alert -> renew -> deploy under load"
say "The scheduled scan connects to nginx and finds the certificate; the policy raises the alert:"
wait_for 20 "the scheduled scan ran" has_action acme certs.scan
wait_for 20 "the overdue renewal was alerted" has_action acme certs.alert.raise
look "OPSGATE_DATA=$D $OPSGATE cert list --tenant acme --expiring 30d"
say "The alert renews the certificate from Pebble (certs.renew, gate L1: runs, then a human reviews):"
wait_for 30 "the alert triggered the renewal" has_action acme certs.renew.trigger
say "The renewed certificate is deployed to nginx (certs.deploy, L1), verified, while 4 clients keep connecting:"
wait_for 40 "nginx serves the renewed certificate" serves_other "$site" shop.acme.test "${F1[acme]}"
wait_for 40 "the deploy of the renewal finished" deploy_done acme "${F1[acme]}"
sleep 0.5
touch "$T/stop"
wait "$lc"

F2=$(served 127.0.0.1 "$site" shop.acme.test)
plan=$(og cert plans --tenant acme "${PLAN[acme]}" --json)
eq "$(jq -r '[.. | objects | select(.status? == "current") | .fingerprint][0]' <<<"$plan")" "$F2" \
  "nginx serves the plan's new current certificate"
dep=$(og gate list --tenant acme --json | jq -c --arg fp "${F1[acme]}" \
  '[.gates[] | select(.kind=="certs.deploy" and .result.previous_fingerprint==$fp)][0]')
eq "$(jq -r .result.status <<<"$dep")" verified "the deploy of the renewal is verified"
eq "$(jq -r .level <<<"$dep")" L1 "the deploy ran at L1"
ren=$(og gate list --tenant acme --json | jq -c '[.gates[] | select(.kind=="certs.renew")]')
eq "$(jq -r length <<<"$ren")" 1 "exactly one renewal (the renewed 5-day certificate is not renewed again)"
eq "$(jq -r '.[0].level' <<<"$ren")" L1 "the renewal ran at L1"

# zero failed requests under load, and the load saw both certificates
read -r total failed old new < <(awk -v a="${F1[acme]}" -v b="$F2" \
  '{ n++; if ($3 != 1) f++; if ($4 == a) o++; if ($4 == b) w++ } END { print n + 0, f + 0, o + 0, w + 0 }' "$T/requests")
echo "load: $total requests, $failed failed, $old with the old certificate, $new with the new one"
eq "$failed" 0 "failed requests while nginx rotated"
[ "$total" -ge 100 ] && [ "$old" -gt 0 ] && [ "$new" -gt 0 ] && ok ||
  bad "the load spans the rotation ($total requests, $old old, $new new)"
say "Load client: $total HTTPS requests (a new TLS connection each), $failed failed; $old saw the old certificate, $new the new one."

# ---- notifications: the L1 reviews of the renewal and of the deploy, signed and accepted
ev_ok() {  # TENANT KIND: a gate.review event of the tenant about KIND accepted by the receiver
  local id
  for id in $(sqlite3 "$D/opsgate.db" "SELECT e.id FROM events e JOIN tenants t ON t.id = e.tenant_id
      WHERE t.name = '$1' AND e.type = 'gate.review' AND e.payload LIKE '%\"$2\"%'"); do
    grep -q "^ok $id gate.review" "$T/hook.log" && return 0
  done
  return 1
}
wait_for 20 "the L1 notification of the renewal reached the webhook, signed" ev_ok acme certs.renew
wait_for 20 "the L1 notification of the deploy reached the webhook, signed" ev_ok acme certs.deploy
grep -q "^reject" "$T/hook.log" && bad "the receiver rejected a request: $(grep '^reject' "$T/hook.log")" || ok
say "The receiver accepted the signed L1 notifications (renewal and deploy):"
[ -n "$DEMO" ] && sed 's/^/    /' "$T/hook.log"

# ---- the audit trail: trigger (actor, event), analysis, gate decision, outcome for each step
# `audit list --json` is {records, next_cursor} (or a bare array)
audit_json() { og audit list --tenant "$1" --limit 1000 --json | jq '(if type == "array" then . else .records end)'; }
audit_json acme > "$T/audit.json"
rec() { jq -c --arg a "$1" '[.[] | select(.action==$a)][0] // empty' "$T/audit.json"; }
for a in certs.scan certs.alert.raise certs.renew.trigger; do
  r=$(rec "$a")
  [ -n "$r" ] || { bad "no $a record"; continue; }
  eq "$(jq -r '.analysis != null' <<<"$r")" true "$a carries its analysis"
  eq "$(jq -r .outcome.status <<<"$r")" ok "$a: its outcome"
done
eq "$(jq -r .actor <<<"$(rec certs.scan)")" system:scheduler "the scan was run by the scheduler"
al=$(rec certs.alert.raise)
eq "$(jq -r .actor <<<"$al")" system:scheduler "the alert was raised by the scheduler's scan"
[ "$(jq -r .seq <<<"$al")" -gt "$(jq -r .seq <<<"$(rec certs.scan)")" ] && ok || bad "the alert follows the scan"
eq "$(jq -r --arg fp "${F1[acme]}" '[.analysis.raised[] | select(.fingerprint == $fp)][0].rule' <<<"$al")" \
  renewal-overdue "the alert is the served certificate's overdue renewal"
eq "$(jq '[.[] | select(.action == "certs.expiry.alert")] | length' "$T/audit.json")" 0 \
  "no days-left alert: a renewal plan renews the certificate"
contains "$(og cert show --tenant acme "${F1[acme]}" --json)" "127.0.0.1:$site" \
  "the inventory saw the certificate on nginx's endpoint"
trig=$(rec certs.renew.trigger)
eq "$(jq -r .analysis.decision <<<"$trig")" renew "the trigger decided to renew"
eq "$(jq -r '[.[] | select(.action == "certs.renew.trigger") | .analysis.decision] | join(",")' "$T/audit.json")" \
  renew "the renewed 5-day certificate, its plan healthy, raises no alert and is not renewed again"
alert_ev=$(sqlite3 "$D/opsgate.db" "SELECT id FROM events WHERE type = 'certs.alert' AND payload LIKE '%${F1[acme]}%'")
eq "$(jq -r .event_id <<<"$trig")" "$alert_ev" "the renewal's trigger is the overdue alert of the scanned certificate"
for k in certs.renew certs.deploy; do
  r=$(jq -c --arg k "$k" '[.[] | select(.gate != null and .action == $k and .event_id != null)] | .[0] // empty' "$T/audit.json")
  [ -n "$r" ] || { bad "no gated $k record"; continue; }
  eq "$(jq -r .gate.level <<<"$r")" L1 "$k: gate level in the audit record"
  eq "$(jq -r .gate.decision <<<"$r")" auto "$k: gate decision in the audit record (L1: runs, then review)"
  eq "$(jq -r .outcome.status <<<"$r")" ok "$k: its outcome"
  eq "$(jq -r '.analysis.recommendation != null' <<<"$r")" true "$k: its analysis"
done
[ -n "$DEMO" ] && { say "The audit trail of acme (seq, action, actor = who triggered it, the triggering event, gate level and decision, outcome):";
  jq -r '.[] | "    \(.seq)\t\(.action)\t\(.actor)\tevent=\(.event_id // "-" | .[0:8])\tgate=\(.gate.level // "-") \(.gate.decision // "")\t\(.outcome.status)"' "$T/audit.json"; }
run 0 "audit verify" og audit verify
say "opsgate audit verify: the hash chains and Merkle trees check out."

# ---- run 2: globex's deploy fails verification and rolls back
step "run 2: globex: the deploy fails verification and rolls back"
serve_down
run 0 "globex's expiry policy" og cert policy --tenant globex --thresholds 30,14,7,1
overdue "${F1[globex]}"
run 0 "scan schedule of globex" og cert schedule --tenant globex --every 6h "127.0.0.1:$site2" --sni www.globex.test
serve_up
say "Second run: globex's target verifies 127.0.0.1:$stale, a listener with its own copy of the files that never changes."
wait_for 20 "globex: the overdue renewal was alerted" has_action globex certs.alert.raise
wait_for 30 "globex: the alert triggered the renewal" has_action globex certs.renew.trigger
wait_for 40 "globex: the deploy rolled back" has_action globex certs.deploy.rollback
eq "$(served 127.0.0.1 "$site2" www.globex.test)" "${F1[globex]}" "globex's site serves the old certificate again"
eq "$(fp "$L2/site.crt")" "${F1[globex]}" "globex's files hold the old certificate again"
dep=$(og gate list --tenant globex --json | jq -c --arg fp "${F1[globex]}" \
  '[.gates[] | select(.kind=="certs.deploy" and .result.previous_fingerprint==$fp)][0]')
eq "$(jq -r .result.status <<<"$dep")" rolled-back "the gate item says rolled-back"
audit_json globex > "$T/audit2.json"
sw=$(jq -r '[.[] | select(.action=="certs.deploy.swap" and .outcome.status=="failed")][0].seq' "$T/audit2.json")
contains "$(jq -r '[.[] | select(.action=="certs.deploy.swap")][0].outcome.detail' "$T/audit2.json")" \
  "verification failed" "the failed swap says why"
eq "$(jq -r '[.[] | select(.action=="certs.deploy.rollback")][0].rollback_of' "$T/audit2.json")" "$sw" \
  "the rollback record points at the failed swap"
rb_ok() {
  local id
  for id in $(sqlite3 "$D/opsgate.db" "SELECT e.id FROM events e JOIN tenants t ON t.id = e.tenant_id
      WHERE t.name = 'globex' AND e.type = 'certs.deploy.rolled_back'"); do
    grep -q "^ok $id certs.deploy.rolled_back" "$T/hook.log" && return 0
  done
  return 1
}
wait_for 20 "the rollback notification reached the webhook, signed" rb_ok
wait_for 20 "the L1 notification of the rolled-back deploy reached the webhook" ev_ok globex rolled-back
say "globex: verification failed, the old certificate is served again, the rollback is recorded and notified:"
look "OPSGATE_DATA=$D $OPSGATE audit list --tenant globex --action certs.deploy.rollback"
run 0 "audit verify after the rollback" og audit verify
grep -q "^reject" "$T/hook.log" && bad "the receiver rejected a request: $(grep '^reject' "$T/hook.log")" || ok

if [ -n "$DEMO" ]; then
  say "Done: $passes checks passed, $fails failed. Everything stays up; Ctrl-C stops it and cleans up."
  look "export OPSGATE_DATA=$D"
  look "$OPSGATE gate list --tenant acme        # the L1 review items"
  look "$OPSGATE audit list --tenant acme       # the trail"
  look "$OPSGATE events list --tenant globex    # the notifications"
  look "curl -k --resolve shop.acme.test:$site:127.0.0.1 https://shop.acme.test:$site/"
  while :; do sleep 1; done
fi
done_tests
