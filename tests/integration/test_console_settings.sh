#!/usr/bin/env bash
# test_console_settings.sh - the console's settings forms and tenants page in a real browser
# (tests/console/settings_test.mjs): a tenant-admin enables the certs area (gate policies set,
# notification rules pending), adds and removes a webhook channel (its secret and URL path never
# shown again), is refused a connector whose base URL the egress policy does not allow, adds an
# Autotask connector against the local simulator (tests/connectors/sim_autotask.py) and syncs it
# now (its records and last sync on the page); an engineer sees no changing button, and its
# forged POSTs get 403 with nothing changed; tenant B's session gets 404; the platform-admin's
# Tenants page and switcher. Then, with the CLI: the audit records of every change, the area's
# dashboard and policies, and no secret of the page in the server's log. Screenshots and axe.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
og_console_need python3

# The Autotask simulator, spoken to directly (its shapes are checked against the vendor's document
# by test_connector_autotask.sh); connector_lib.sh stops it at exit.
. "$(dirname "$0")/connector_lib.sh"
conn_bg python3 "$CONN_SRC/tests/connectors/sim_autotask.py" --port-file "$OG_TMP/sim.port" \
  >"$OG_TMP/sim.log" 2>&1
wait_file "$OG_TMP/sim.port" ||
  { echo "FAIL: the simulator did not start: $(cat "$OG_TMP/sim.log")" >&2; exit 1; }
SP=$(cat "$OG_TMP/sim.port")
curl -fsS -X POST "http://127.0.0.1:$SP/_sim/seed" \
  -d '{"projects": 2, "companies": 1, "phases": 1, "tasks": 2}' >/dev/null || exit 1

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null && og tenant create globex >/dev/null || exit 1
og user add --tenant acme tia --role tenant-admin >/dev/null || exit 1
og user add --tenant acme eve --role engineer >/dev/null || exit 1
og user add --tenant globex gus --role tenant-admin >/dev/null || exit 1
tok_ta=$(og token create --tenant acme --user tia 2>/dev/null)
tok_en=$(og token create --tenant acme --user eve 2>/dev/null)
tok_b=$(og token create --tenant globex --user gus 2>/dev/null)
# The simulator's address only: 127.0.0.2 stays refused, as every other private range.
og notify egress allow 127.0.0.1/32 --note "the connector simulator" >/dev/null || exit 1
og_serve "$D" || exit 1

og_console_run settings_test.mjs 150 "the settings page's browser test" TOKEN_TA="$tok_ta" \
  TOKEN_EN="$tok_en" TOKEN_B="$tok_b" TOKEN_PA="$admin" \
  SIM_URL="http://127.0.0.1:$SP/ATServicesRest" REFUSED_URL="http://127.0.0.2:$SP/ATServicesRest"

# What the browser did, as the CLI sees it: one audited step per change, by the tenant-admin.
actions() {
  og audit list --tenant acme --limit 500 --json |
    jq -r --arg a "$1" '[.records[] | select(.action == $a) | .actor] | join(",")'
}
check_eq() { if [ "$1" = "$2" ]; then ok; else bad "$3: '$1', want '$2'"; fi; }
check_eq "$(actions tenant.area.enable)" "user:tia" "one tenant.area.enable record, by tia"
check_eq "$(og tenant areas --tenant acme --json | jq -r '.areas[] | select(.area == "certs") | .state')" \
  enabled "the certs area is enabled"
check_eq "$(og tenant areas --tenant acme --json |
  jq -r '.areas[] | select(.area == "certs") | .provisioned.dashboard["tenant-admin"] | join(",")')" \
  "overview,certificates,inbox,audit,settings" "its dashboard is provisioned"
check_eq "$(og gate policy show --tenant acme --json |
  jq -r '[.kinds[] | select(.kind == "certs.deploy" or .kind == "certs.renew") | .level] | join(",")')" \
  "L1,L1" "its gate policies are provisioned"
check_eq "$(actions notify.channel.add)" "user:tia" "the channel's addition is audited"
check_eq "$(actions notify.channel.remove)" "user:tia" "its removal too"
check_eq "$(og notify list --tenant acme --json | jq -r '.channels | length')" 0 "no channel is left"
check_eq "$(actions connector.add)" "user:tia" "one connector.add (the refused one wrote nothing)"
check_eq "$(og connector list --tenant acme --json | jq -r '[.connectors[].name] | join(",")')" psa \
  "the connector is there (the engineer's forged removal changed nothing)"
check_eq "$(og connector sync-log psa --tenant acme --json | jq -r '[.syncs[] | .trigger + ":" + .outcome] | join(",")')" \
  "manual:ok" "one manual sync, ok"
# Bad input without a browser: a clear 400 naming the field, nothing added.
jar="$OG_TMP/jar"
curl -sS -o /dev/null -c "$jar" --data-urlencode "token=$tok_ta" "$OG_URL/console/sign-in"
csrf=$(curl -sS -b "$jar" "$OG_URL/console/tenants/acme/settings" |
  grep -o 'name="csrf" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//')
post() { # PATH FORM...: status in $code, the page's error in $msg
  local path=$1
  shift
  code=$(curl -sS -o "$OG_TMP/page" -w '%{http_code}' -b "$jar" --data-urlencode "csrf=$csrf" "$@" \
    "$OG_URL/console/tenants/acme$path")
  msg=$(grep -o '<p class="error">[^<]*' "$OG_TMP/page" | sed "s/<p class=\"error\">//; s/&#39;/'/g")
}
expect_refusal() { # WANT_STATUS WANT_MESSAGE_PART WHAT
  if [ "$code" = "$1" ] && [[ "$msg" == *"$2"* ]]; then ok; else bad "$3: $code '$msg'"; fi
}
post /notify-channels --data "type=webhook&url=https://hook.invalid/x&secret=short"
expect_refusal 400 "field 'secret' must be 16" "a short webhook secret"
post /notify-channels --data "type=webhook&url=https://hook.invalid/x&secret=0123456789abcdef0&address=a@b.example"
expect_refusal 400 "field 'address' does not apply to a webhook channel" "a field of another type"
post /notify-channels --data "type=pager"
expect_refusal 400 "unknown channel type" "an unknown channel type"
post /connectors --data "name=x&kind=nosuch"
expect_refusal 400 "unknown connector kind" "an unknown connector kind"
post /connectors --data "name=psa3&kind=autotask" --data-urlencode "base_url=http://127.0.0.1:$SP/ATServicesRest"
expect_refusal 400 "username" "a missing credential is named"
post /areas/nosuch/enable
expect_refusal 400 "nosuch" "an unknown process area"
check_eq "$(og notify list --tenant acme --json | jq -r '.channels | length'),$(og connector list --tenant acme --json | jq -r '.connectors | length')" \
  "0,1" "nothing was added by the bad forms"
# No secret typed into a form is kept in clear or logged.
for s in s3cret-console-0123456789 AT-SECRET-MARKER-7731 AT-INTEG-MARKER-5519 acme-hook-token; do
  if grep -rqa -- "$s" "$D" "$OG_SERVER_LOG"; then bad "'$s' is in the data folder or the log"; else ok; fi
done
og_done
