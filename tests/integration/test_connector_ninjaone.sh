#!/usr/bin/env bash
# test_connector_ninjaone.sh - the NinjaOne adaptor against NinjaOne's own API description
# (Prism) and a stateful simulator (tests/connectors/sim_ninjaone.py) checked by Prism, through
# og_conn_driver.
#
# Layout: the simulator's front (the OAuth server at /ws/oauth/token, which is not in NinjaOne's
# document) passes every /v2 call to Prism: a Prism mock of the document (every request
# validated, bearer required), or a Prism proxy with --errors in front of the simulator's API
# (requests and answers checked). Paging 3,000 devices runs through the proxy too (6 pages of
# 500). Faults Prism's proxy would rewrite (a redirect it follows, a malformed or huge body, and
# any error status: the document's only answer is a `default` array) go from the simulator
# straight to the adaptor (/_sim/front direct).
export OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connector_lib.sh"
CONN_KIND=ninjaone
conn_need ninjaone openapi-subset.yaml NinjaOne

SECRET_MARK="ninja-secret-MARK-4c1d88"
T=$OG_TMP
conn_pair ninjaone --client-secret "$SECRET_MARK"

cat >"$T/creds.json" <<EOF2
{"client_id": "og-client", "client_secret": "$SECRET_MARK"}
EOF2
echo '{"max_attempts": 3, "backoff_base_ms": 50}' >"$T/opts.json"
MB="http://127.0.0.1:$M_FRONT"
PB="http://127.0.0.1:$P_FRONT"
SIM="http://127.0.0.1:$P_API"

sect "1. Prism mock"
# ---- 1. Prism mock of NinjaOne's document: every call is accepted, answers parsed ----
for op in "test" "companies" "devices" "devices 2026-01-01T00:00:00Z"; do
  # shellcheck disable=SC2086
  run "$MB" "$T/opts.json" $op
  [ "$rc" = 0 ] && ok || bad "mock: $op was not accepted by Prism: $(head -c 400 "$err")"
done
echo '{"detailed": 0}' >"$T/opts_plain.json"
run "$MB" "$T/opts_plain.json" devices
[ "$rc" = 0 ] && ok || bad "mock: /v2/devices was not accepted by Prism: $(head -c 400 "$err")"
if prism_rejects "$T/mock.log" "get /v2" >/dev/null; then
  bad "Prism mock rejected a request: $(prism_rejects "$T/mock.log" "get /v2" | head -3)"
else ok; fi
# the mock requires the bearer: without it Prism answers 401 (the adaptor always sends one)
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MOCK_PORT/v2/organizations")
[ "$code" = 401 ] && ok || bad "mock: Prism should want a bearer (got $code)"

sect "2. simulator behind Prism proxy"
simpost seed '{"orgs": 3, "devices": 12}' >/dev/null
run "$PB" "$T/opts.json" test
check "$([ "$rc" = 0 ] && [ "$(jq -r .account "$out")" = og-client ] && echo 0 || echo 1)" "test call"
scopes=$(curl -s "$SIM/_sim/stats" | jq -r '.scopes[-1]')
[ "$scopes" = "monitoring management" ] && ok || bad "token scope: '$scopes'"
run "$PB" "$T/opts.json" companies
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 3 ] && [ "$(jq -r 'select(.id=="2").name' "$out")" = "Org 2" ] && echo 0 || echo 1)" "companies"
run "$PB" "$T/opts.json" devices
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 12 ] && echo 0 || echo 1)" "12 devices"
d1=$(jq -c 'select(.remote_id=="1")' "$out")
[ "$(jq -r '[.company_id, .name, .class, (.addresses | join(",")), .deleted, .offline, .updated_at] | map(tostring) | join("|")' <<<"$d1")" = \
  "1|host-00001.org1.example|server|10.1.0.2,fe80::1,203.0.113.2|false|false|2026-01-05T08:00:00Z" ] && ok ||
  bad "mapping: device 1 $(jq -c 'del(.raw)' <<<"$d1")"
[ "$(jq -r 'select(.remote_id=="7") | .offline' "$out")" = true ] && ok || bad "mapping: offline"
[ "$(jq -r '[.class] | join(",")' "$out" | paste -sd,)" = \
  "server,workstation,server,workstation,network,server,workstation,other,network,server,server,workstation" ] && ok ||
  bad "mapping: classes $(jq -r .class "$out" | paste -sd,)"
[ "$(jq -r 'select(.remote_id=="1") | .raw.nodeClass + "|" + (.raw.lastUpdate | tostring)' "$out")" = "WINDOWS_SERVER|1767600000.75" ] && ok ||
  bad "raw record"
# a hostile record: a name that is not a host name, an address that is not one
simpost touch '{"id": 2, "dnsName": "evil host; rm -rf /", "ipAddresses": ["10.9.9.9", "not-an-ip", "1.2.3.4/../"], "publicIP": ""}' >/dev/null
simpost touch '{"id": 3, "approvalStatus": "DECOMMISSIONED"}' >/dev/null
run "$PB" "$T/opts.json" devices
[ "$(jq -r 'select(.remote_id=="2") | .name + "|" + (.addresses | join(","))' "$out")" = "HOST-00002|10.9.9.9" ] && ok ||
  bad "hostile name/addresses: $(jq -c 'select(.remote_id=="2") | del(.raw)' "$out")"
[ "$(jq -r 'select(.remote_id=="3") | .deleted' "$out")" = true ] && ok || bad "decommissioned -> deleted"

sect "3,000 devices"
simpost seed '{"orgs": 40, "devices": 3000}' >/dev/null
run "$PB" "$T/opts.json" devices
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 3000 ] && [ "$(jq -r .remote_id "$out" | sort -u | wc -l)" = 3000 ] && echo 0 || echo 1)" "3,000 devices"
check "$([ "$pages" = 7 ] && [ "$reqs" = 8 ] && echo 0 || echo 1)" "3,000 devices: 6 full pages + an empty one + a token, got pages=$pages requests=$reqs"
[ "$(jq -r .company_id "$out" | sort -u | wc -l)" = 40 ] && ok || bad "3,000 devices: 40 organizations"
# incremental: nothing changed since -> nothing yielded (NinjaOne has no change filter: every page is read)
sleep 1
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
run "$PB" "$T/opts.json" devices "$since"
check "$([ "$rc" = 0 ] && [ ! -s "$out" ] && echo 0 || echo 1)" "incremental, nothing changed"
# a device added, one changed, one deleted between two pulls
new=$(simpost add '{"organizationId": 5, "nodeClass": "LINUX_SERVER", "dnsName": "new.org5.example"}' | jq -r .id)
simpost touch '{"id": 42, "offline": true}' >/dev/null
simpost delete '{"id": 43}' >/dev/null
run "$PB" "$T/opts.json" devices "$since"
check "$([ "$rc" = 0 ] && [ "$(jq -r .remote_id "$out" | sort -n | paste -sd,)" = "42,$new" ] && echo 0 || echo 1)" "incremental: the changed devices only"
[ "$(jq -r "select(.remote_id==\"$new\") | .name + \"|\" + .class + \"|\" + .company_id" "$out")" = "new.org5.example|server|5" ] && ok || bad "added device"
run "$PB" "$T/opts.json" devices
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 3000 ] && ! jq -e 'select(.remote_id=="43")' "$out" >/dev/null && jq -e "select(.remote_id==\"$new\")" "$out" >/dev/null && echo 0 || echo 1)" "full pull: the deleted device is gone, the new one there"
run "$PB" "$T/opts.json" devices "yesterday"
check "$([ "$rc" = 1 ] && [ "$reqs" = 0 ] && echo 0 || echo 1)" "a since that is not a time"

sect "faults"
simpost seed '{"orgs": 30, "devices": 20}' >/dev/null
# NinjaOne's document declares one `default` answer (an array) for every status: Prism --errors
# turns any error answer (429, 401) into its own 500, so these go straight to the adaptor
simpost front '{"direct": true}' >/dev/null
simpost fault '{"kind": "429", "count": 2, "retry_after": 1}' >/dev/null
t0=$(date +%s)
run "$PB" "$T/opts.json" companies
t1=$(date +%s)
check "$([ "$rc" = 0 ] && [ $((t1 - t0)) -ge 2 ] && [ "$(wc -l <"$out")" = 30 ] && echo 0 || echo 1)" "429 storm: waited $((t1 - t0))s"
simpost fault '{"kind": "429", "count": 9, "retry_after": 1}' >/dev/null
run "$PB" "$T/opts.json" companies
check "$([ "$rc" = 1 ] && has "$err" "(busy)" && echo 0 || echo 1)" "a 429 storm longer than the retries: busy"
simpost clear >/dev/null
# token expiry mid-pull: one re-auth
echo '{"max_attempts": 3, "backoff_base_ms": 50, "page_size": 5}' >"$T/opts5.json"
before=$(curl -s "$SIM/_sim/stats" | jq .tokens)
simpost fault '{"kind": "expire", "count": 1}' >/dev/null
run "$PB" "$T/opts5.json" devices
after=$(curl -s "$SIM/_sim/stats" | jq .tokens)
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 20 ] && [ $((after - before)) = 2 ] && echo 0 || echo 1)" "token expiry: one re-auth (tokens $before -> $after)"
simpost front '{"direct": false}' >/dev/null
conn_check_wrong_creds client_secret "Invalid client credentials (NINJA-AUTH-2231)"
# a cursor that never moves, and pages that never end
conn_check_pages "$T/opts5.json" devices "a cursor that does not move"
conn_check_slow companies /v2/organizations
# straight to the adaptor: a huge answer, malformed JSON, a redirect to another host
conn_check_direct devices /v2/devices-detailed

sect "e2e"
# ---- end to end: the registry adds a ninjaone connector (credentials from stdin) and tests it ----
conn_e2e_start ninja og-client
conn_og connector kinds --json
check "$([ "$(jq -r '.kinds // . | map(select(.kind == "ninjaone"))[0] | .category + ":" + (.pulls | join(","))' "$out")" = "rmm:companies,devices" ] && echo 0 || echo 1)" "e2e: connector kinds"

# ---- devices become discovered scan targets of the tenant their organization is mapped to ----
simpost seed '{"orgs": 2, "devices": 6}' >/dev/null
og connector map ninja --tenant acme --company 1 >/dev/null 2>&1 || bad "e2e: connector map"
conn_og --json connector sync ninja --tenant acme
check "$([ "$(jq -r '[.outcome, .changes, .unmapped] | join(",")' "$out")" = "ok,3,3" ] && echo 0 || echo 1)" "e2e: sync: org 1's three devices, org 2's unmapped"
conn_og --json cert targets --tenant acme
check "$([ "$(jq -r '.targets | map(.name) | sort | join(",")' "$out")" = "host-00001.org1.example,host-00003.org1.example,host-00005.org1.example" ] && echo 0 || echo 1)" "e2e: the devices are scan targets of acme"
simpost delete '{"id": 1}' >/dev/null
conn_og --json connector sync ninja --tenant acme --full
check "$([ "$(jq -r '[.outcome, .changes] | join(",")' "$out")" = "ok,1" ] && echo 0 || echo 1)" "e2e: a full sync sees the deleted device"
conn_og --json cert targets --tenant acme --all
check "$([ "$(jq -r '[.targets[] | select(.retired_at != null) | .name] | join(",")' "$out")" = "host-00001.org1.example" ] && echo 0 || echo 1)" "e2e: its target is retired"

# ---- an organization mapped to another tenant, or unmapped, leaves the old tenant at once ----
og tenant create globex >/dev/null || bad "e2e: tenant globex"
conn_og connector add ninjap --kind ninjaone --base-url "$PB" --credentials-file - <"$T/creds.json"
check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "e2e: platform connector add"
conn_og --json connector show ninjap
SRC="connector:$(jq -r '.id' "$out")"
# names of tenant $1's active targets from the platform connector
ptargets() {
  conn_og --json cert targets --tenant "$1"
  jq -r --arg s "$SRC" '[.targets[] | select(.source == $s) | .name | sub("host-0000"; "")] | sort | join(",")' "$out"
}
og connector map ninjap --company 1 --tenant acme >/dev/null 2>&1 &&
  og connector map ninjap --company 2 --tenant acme >/dev/null 2>&1 || bad "e2e: platform map"
conn_og --json connector sync ninjap
check "$([ "$(jq -r '.outcome' "$out")" = ok ] && [ "$(ptargets acme)" = "2.org2.example,3.org1.example,4.org2.example,5.org1.example,6.org2.example" ] && echo 0 || echo 1)" "e2e: both organizations in acme"
og connector map ninjap --company 1 --tenant globex >/dev/null 2>&1 || bad "e2e: remap org 1"
check "$([ "$(ptargets acme)" = "2.org2.example,4.org2.example,6.org2.example" ] && [ "$(ptargets globex)" = "" ] && echo 0 || echo 1)" "e2e: remapped: org 1's targets retired in acme at once, org 2's stay"
conn_og --json audit list --tenant acme --action certs.source.company_retired
check "$([ "$(jq -r '.records // . | length' "$out")" = 1 ] && echo 0 || echo 1)" "e2e: the retirement is audited in acme"
conn_og --json connector sync ninjap
check "$([ "$(ptargets globex)" = "3.org1.example,5.org1.example" ] && [ "$(ptargets acme)" = "2.org2.example,4.org2.example,6.org2.example" ] && echo 0 || echo 1)" "e2e: the next sync fills globex"
og connector unmap ninjap --company 1 >/dev/null 2>&1 || bad "e2e: unmap org 1"
check "$([ "$(ptargets globex)" = "" ] && [ "$(ptargets acme)" = "2.org2.example,4.org2.example,6.org2.example" ] && echo 0 || echo 1)" "e2e: unmapped: retired in globex"
conn_og audit verify
check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "e2e: audit verify"

sect "4. violations, secrets"
if prism_rejects "$T/proxy.log" "get /v2" >/dev/null; then
  bad "Prism proxy: a request violates NinjaOne's document: $(prism_rejects "$T/proxy.log" "get /v2" | head -3)"
else ok; fi
if prism_answer_violations "$T/proxy.log" >/dev/null; then
  bad "Prism proxy: a simulator answer violates the document: $(prism_answer_violations "$T/proxy.log" | head -3)"
else ok; fi
if grep -q -e "$SECRET_MARK" "$T"/out.* "$T"/err.* 2>/dev/null; then
  bad "a secret was printed: $(grep -l -e "$SECRET_MARK" "$T"/out.* "$T"/err.*)"
else ok; fi
echo "done after $(($(date +%s) - CONN_START_S))s"
og_done
