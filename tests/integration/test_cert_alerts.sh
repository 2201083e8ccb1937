#!/usr/bin/env bash
# test_cert_alerts.sh - alerts by what is wrong, not by the calendar (issue 26): a certificate a
# renewal plan renews (Pebble, real http-01) raises no days-left alert near its expiry, while an
# imported one of the same lifetime does; then its plan's rules each raise one alert saying what
# to do: the renewal overdue (two thirds of the lifetime passed), failed 3 times in a row (Pebble
# stopped: real failures), the deploy of its certificate rolled back (an nginx target verifying
# a listener that never changes), the served certificate not the one deployed (a scan after the
# files were changed behind opsgate's back). A stalled renewal is one L3 task with the CA's error
# and what to try. Acknowledge and snooze are audited; a snoozed alert is raised again when it
# gets worse; a problem that is gone resolves its alert. The calendar (`cert calendar`) holds the
# expiries and the planned renewal, and parses with Python's icalendar (python3-icalendar).
export OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-170}
. "$(dirname "$0")/deploy/lib.sh"
. "$(dirname "$0")/acme/lib.sh"
need_nginx
acme_need
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 is not installed (the plan's state is set in the database)"; exit 77; }
[ "${OG_IT_BACKEND:-sqlite}" = sqlite ] || { echo "SKIP: SQLite only (the test edits the database file)"; exit 77; }

# ---- Pebble issues 5-day certificates
PEBBLE_BIN=$(command -v pebble)
pebble() {  # -config FILE ...
  jq '.pebble.certificateValidityPeriod = 432000' "$2" > "$2.tmp" && mv "$2.tmp" "$2"
  exec "$PEBBLE_BIN" "$@"
}
acme_start
trap 'acme_cleanup; deploy_cleanup' EXIT
pki_init
og_setup
DB=$D/opsgate.db
sq() { sqlite3 "$DB" "$@"; }
tid=$(sq "SELECT id FROM tenants WHERE name = 'acme'")
alerts() { og cert alerts --tenant acme --state "${1:-all}" --json | jq -c '.alerts'; }
rule_count() { jq --arg r "$1" '[.[] | select(.rule == $r)] | length' <<<"$(alerts)"; }
rule_field() { jq -r --arg r "$1" --arg f "$2" '[.[] | select(.rule == $r)][0][$f]' <<<"$(alerts)"; }
expiry() { run 0 "check-expiry ($1)" og cert check-expiry --tenant acme; }

# this data folder is not acme_start's: it allows the loopback CA itself (docs/ops.md, "Egress")
run 0 "allow loopback egress" og notify egress allow 127.0.0.0/8 --note "Pebble on loopback"
# fixed days first (the default scales them to a short lifetime: below): the imported 5-day
# certificate is then inside the 30, 14 and 7-day thresholds at once
run 0 "policy" og cert policy --tenant acme --thresholds 30,14,7,1 --lifetime-share off
contains "$out" "lifetime share: off" "the tenant's choice of fixed days"
run 0 "ACME account" og acme account create --tenant acme --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA"
run 0 "issue shop.acme.test" og cert issue --tenant acme --name shop.acme.test --challenge http-01 \
  --http-listen "127.0.0.1:$HTTP_PORT" --json
PLAN=$(jq -r .id <<<"$out") F=$(jq -r .fingerprint <<<"$out")
[ ${#F} -eq 64 ] && ok || bad "the issued certificate's fingerprint: '$F'"

# ---- a planned certificate near expiry: no days-left alert; an unplanned one: one
leaf manual 5
import manual
MF=$(fp "$P/manual.crt")
expiry "planned and manual"
eq "$(sq "SELECT COUNT(*) FROM events WHERE type IN ('certs.expiring','certs.expired') AND payload LIKE '%$F%'")" 0 \
  "no days-left event for the certificate its plan renews"
eq "$(sq "SELECT COUNT(*) FROM events WHERE type = 'certs.expiring' AND payload LIKE '%$MF%'")" 1 \
  "one days-left event for the imported certificate of the same lifetime"
eq "$(jq --arg f "$F" '[.[] | select(.fingerprint == $f)] | length' <<<"$(alerts)")" 0 "no alert about the planned certificate"
eq "$(rule_count days-left)" 1 "the imported certificate's days-left alert is listed"
contains "$(rule_field days-left action)" "renewal plan" "the days-left alert says what to do"
# thresholds as a share of a short lifetime (the default, set back): a fresh 5-day certificate
# is not alerted at once
run 0 "lifetime share on" og cert policy --tenant acme --lifetime-share on
contains "$out" "lifetime share: on" "the policy shows it"
leaf fresh 5
import fresh
FF=$(fp "$P/fresh.crt")
eq "$(sq "SELECT COUNT(*) FROM events WHERE type = 'certs.expiring' AND payload LIKE '%$FF%'")" 0 \
  "scaled to its lifetime, a fresh 5-day certificate is inside no threshold (30 of 90 days: 1.7 of 5)"

# ---- the renewal overdue: two thirds of its lifetime passed (acme's view of when it began)
sq "UPDATE acme_certs SET not_before_us = not_before_us - 11 * 86400000000 WHERE fingerprint = '$F'"
expiry "overdue"
eq "$(rule_count renewal-overdue)" 1 "one renewal-overdue alert"
contains "$(rule_field renewal-overdue message)" "overdue" "it says what is wrong"
contains "$(rule_field renewal-overdue action)" "renew the plan now" "it says what to do"
eq "$(rule_field renewal-overdue plan)" "$PLAN" "it names the plan"
eq "$(sq "SELECT COUNT(*) FROM events WHERE type = 'certs.alert' AND payload LIKE '%renewal-overdue%'")" 1 \
  "one certs.alert event for it"
tasks() { og gate list --tenant acme --json | jq -c '[.gates[] | select(.kind == "certs.renew.stalled")]'; }
eq "$(jq length <<<"$(tasks)")" 1 "the stalled renewal is one gate task"
eq "$(jq -r '.[0].level' <<<"$(tasks)")" L3 "at L3"
expiry "overdue again"
eq "$(sq "SELECT COUNT(*) FROM events WHERE type = 'certs.alert'")" 1 "a pass that finds nothing new raises nothing"

# ---- the deploy of its certificate rolled back; an endpoint serving another certificate
leaf placeholder 30
base=$(free_ports 3) || exit 1
site=$base stale=$((base + 1))
L=$T/live
mkdir -p "$L" "$T/nginx"
cat "$P/placeholder.crt" "$P/int.crt" > "$L/site.crt"; cp "$P/placeholder.key" "$L/site.key"
cp "$L/site.crt" "$T/stale.crt"; cp "$L/site.key" "$T/stale.key"
cat > "$T/servers.conf" <<CONF
server {
  listen 127.0.0.1:$site ssl;
  ssl_certificate $L/site.crt;
  ssl_certificate_key $L/site.key;
  return 200 "shop\n";
}
server {
  listen 127.0.0.1:$stale ssl;
  ssl_certificate $T/stale.crt;
  ssl_certificate_key $T/stale.key;
  return 200 "stale copy\n";
}
CONF
nginx_up "$T/nginx" "$T/servers.conf"
common=(--type nginx --nginx-conf "$T/nginx/nginx.conf" --nginx-prefix "$T/nginx" --cert-path "$L/site.crt" --key-path "$L/site.key")
run 0 "target web" og target add --tenant acme web "${common[@]}" --endpoint "127.0.0.1:$site/shop.acme.test"
run 0 "target mirror (verifies the listener nobody updates)" og target add --tenant acme mirror "${common[@]}" \
  --endpoint "127.0.0.1:$stale/shop.acme.test" --verify-timeout 2s
# mirror first, while the files hold what its listener serves: the rollback restores that and
# verifies it (after web's deploy the restored files would not be what the listener serves)
og cert deploy --tenant acme "$F" --target mirror >/dev/null 2>&1
eq "$(og target list --tenant acme --json | jq -r '(.targets // .)[] | select(.name == "mirror") | .last_deploy.state')" \
  rolled-back "the deploy to mirror rolled back"
run 0 "deploy to web" og cert deploy --tenant acme "$F" --target web
eq "$(served 127.0.0.1 "$site" shop.acme.test)" "$F" "web serves the plan's certificate"
# behind opsgate's back, web's files get the placeholder again; a scan sees it
cat "$P/placeholder.crt" "$P/int.crt" > "$L/site.crt"; cp "$P/placeholder.key" "$L/site.key"
"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" -s reload 2>/dev/null || bad "nginx reload"
wait_served 127.0.0.1 "$site" shop.acme.test "$(fp "$P/placeholder.crt")" || bad "nginx serves the placeholder"
sleep 1
run 0 "scan web's endpoint" og cert scan --tenant acme "127.0.0.1:$site" --sni shop.acme.test
expiry "deploy rules"
eq "$(rule_count deploy-failed)" 1 "one deploy-failed alert"
contains "$(rule_field deploy-failed message)" "mirror (rolled-back)" "it names the target and what happened"
contains "$(rule_field deploy-failed action)" "deploy the plan's current certificate" "it says what to do"
eq "$(rule_count served-mismatch)" 1 "one served-mismatch alert"
contains "$(rule_field served-mismatch message)" "127.0.0.1:$site" "it names the endpoint"
contains "$(rule_field served-mismatch action)" "scan the endpoint again" "it says what to do"

# ---- failed 3 times in a row: the CA is gone
for p in $ACME_PIDS; do kill "$p" 2>/dev/null; done
for i in 1 2 3; do
  og cert renew --tenant acme "$PLAN" >/dev/null 2>&1 && bad "renewal $i without a CA succeeded" || ok
done
eq "$(sq "SELECT failures FROM acme_plans WHERE id = '$PLAN'")" 3 "three failures in a row on the plan"
expiry "failing"
eq "$(rule_count renewal-failing)" 1 "one renewal-failing alert"
contains "$(rule_field renewal-failing message)" "failed 3 times in a row" "it says what is wrong"
[ -n "$(rule_field renewal-failing action)" ] && ok || bad "it says what to do"
eq "$(jq length <<<"$(tasks)")" 1 "still one task while it is open"
task=$(og gate show "$(jq -r '.[0].id' <<<"$(tasks)")" --json)
contains "$(jq -c . <<<"$task")" "recommendation" "the task carries the recommendation"
contains "$(jq -c . <<<"$task")" "ca_error_type" "and the CA's error type"

# ---- acknowledge, snooze, raised again when worse, resolved when gone
AID=$(rule_field renewal-failing id)
run 0 "snooze renewal-failing" og cert alerts snooze --tenant acme "$AID" --for 2d --note "CA maintenance"
run 0 "ack deploy-failed" og cert alerts ack --tenant acme "$(rule_field deploy-failed id)" --note "on it"
eq "$(rule_field renewal-failing state)" snoozed "the snooze is in the list"
[ "$(rule_field renewal-failing snoozed_until)" != null ] && ok || bad "with its end"
eq "$(rule_field deploy-failed state)" acknowledged "the acknowledgement is in the list"
eq "$(rule_field deploy-failed note)" "on it" "with its note"
run 1 "a snooze in the past is refused" og cert alerts snooze --tenant acme "$AID" --until 2020-01-01T00:00:00Z
run 1 "another tenant's alert is not found" og cert alerts ack --tenant acme 00000000-0000-4000-8000-000000000000
n_before=$(sq "SELECT COUNT(*) FROM events WHERE type = 'certs.alert'")
expiry "snoozed, not worse"
eq "$(sq "SELECT COUNT(*) FROM events WHERE type = 'certs.alert'")" "$n_before" "snoozed and acknowledged alerts stay quiet"
sq "UPDATE acme_plans SET failures = 6 WHERE id = '$PLAN'"
expiry "worse"
eq "$(rule_field renewal-failing state)" open "the snoozed alert is raised again when worse"
eq "$(rule_field renewal-failing severity)" critical "as critical"
eq "$(rule_field renewal-failing raises)" 2 "its second raise"
audit=$(og audit list --tenant acme --limit 1000 --json | jq -c '(if type == "array" then . else .records end)')
for a in certs.alert.snooze certs.alert.ack certs.alert.raise; do
  eq "$(jq --arg a "$a" '[.[] | select(.action == $a)] | length > 0' <<<"$audit")" true "audited: $a"
done
# the served certificate is the deployed one again: the alert resolves
cat "$T/live/site.crt" >/dev/null
run 0 "deploy to web again" og cert deploy --tenant acme "$F" --target web
sleep 1
run 0 "scan again" og cert scan --tenant acme "127.0.0.1:$site" --sni shop.acme.test
expiry "resolved"
eq "$(jq -r '[.[] | select(.rule == "served-mismatch")][0].state' <<<"$(alerts all)")" resolved \
  "the served-mismatch alert is resolved"
eq "$(og cert alerts --tenant acme --json | jq '[.alerts[] | select(.rule == "served-mismatch")] | length')" 0 \
  "and no longer among the unresolved"

# ---- the calendar: expiries and the planned renewal, valid iCalendar
og cert calendar --tenant acme > "$T/acme.ics" || bad "cert calendar"
PY=/usr/bin/python3
if "$PY" -c 'import icalendar' 2>/dev/null; then
  res=$("$PY" - "$T/acme.ics" "$F" "$MF" <<'PY'
import sys, icalendar
raw = open(sys.argv[1], 'rb').read()
assert b'\r\n' in raw and all(len(l) <= 75 for l in raw.split(b'\r\n')), 'CRLF lines of at most 75 octets'
cal = icalendar.Calendar.from_ical(raw)
ev = [c for c in cal.walk('VEVENT')]
uids = [str(e['UID']) for e in ev]
assert len(uids) == len(set(uids)), 'unique UIDs'
for e in ev:
    assert e.get('DTSTAMP') and e.get('DTSTART') and e.get('SUMMARY'), 'required properties'
exp = [e for e in ev if str(e['UID']).startswith('expiry-' + sys.argv[2])]
man = [e for e in ev if str(e['UID']).startswith('expiry-' + sys.argv[3])]
ren = [e for e in ev if str(e['UID']).startswith('renewal-')]
print(len(exp), len(man), len(ren))
PY
  )
  eq "$res" "1 1 1" "the calendar parses: the planned certificate's expiry, the manual one's, the planned renewal"
else
  echo "python3-icalendar is not installed: the calendar's parse check is skipped"
fi
done_tests
