#!/usr/bin/env bash
# test_connector_dattormm.sh - the Datto RMM adaptor against Datto's own API description (Prism,
# the .prism copy with the 200 page schemas) and a stateful simulator
# (tests/connectors/sim_dattormm.py) checked by Prism, through og_conn_driver.
#
# Layout: the simulator's front (the OAuth server at /auth/oauth/token, which is not in Datto's
# document) passes every /api call to Prism: a Prism mock of the document (every request
# validated), or a Prism proxy with --errors in front of the simulator's API (requests and
# answers checked; the simulator's nextPageUrl points at the front, as Datto's points at the
# platform's host). Paging 3,000 devices runs through the proxy too (12 pages of 250). Faults
# Prism's proxy would rewrite (a redirect it follows, a malformed or huge body, error answers the
# document does not declare) go from the simulator straight to the adaptor (/_sim/front direct).
# The e2e part runs `opsgate`: a platform connector's sites mapped to two tenants, a sync of 3,000
# devices making them the tenants' scan targets with rmm.device.added|removed events, retirement
# (deleted: true, or no longer listed), token expiry and throttling storms mid-sync.
export OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connector_lib.sh"
CONN_KIND=dattormm
conn_need dattormm openapi-subset.prism.yaml Datto

SECRET_MARK="datto-secret-MARK-9e27b1"
KEY_MARK="datto-key-MARK-31aa07"
T=$OG_TMP
conn_pair dattormm --client-id "$KEY_MARK" --client-secret "$SECRET_MARK"

cat >"$T/creds.json" <<EOF2
{"api_key": "$KEY_MARK", "api_secret": "$SECRET_MARK"}
EOF2
echo '{"max_attempts": 3, "backoff_base_ms": 50}' >"$T/opts.json"
MB="http://127.0.0.1:$M_FRONT"
PB="http://127.0.0.1:$P_FRONT"
SIM="http://127.0.0.1:$P_API"

sect "1. Prism mock"
# ---- 1. Prism mock of Datto's document: every call is accepted, answers parsed ----
run "$MB" "$T/opts.json" test
[ "$rc" = 0 ] && ok || bad "mock: test was not accepted by Prism: $(head -c 400 "$err")"
# Prism's static example names "string" as the next page: the first page is read and accepted,
# then the adaptor refuses a next-page link that is not a URL (and follows nothing)
for pair in companies:sites devices:devices; do
  op=${pair%%:*}
  run "$MB" "$T/opts.json" "$op"
  [ "$rc" = 1 ] && has "$err" "GET /api/v2/account/${pair#*:}: nextPageUrl is not an http(s) URL" &&
    [ "$(wc -l <"$out")" = 1 ] && [ "$pages" = 1 ] && ok ||
    bad "mock: $op: $(head -c 400 "$err")"
done
# the base URL may name the API root (/api) too
run "$MB/api" "$T/opts.json" test
[ "$rc" = 0 ] && ok || bad "mock: a base URL ending in /api: $(head -c 400 "$err")"
if prism_rejects "$T/mock.log" "get /api" >/dev/null; then
  bad "Prism mock rejected a request: $(prism_rejects "$T/mock.log" "get /api" | head -3)"
else ok; fi

sect "2. simulator behind Prism proxy"
simpost seed '{"sites": 3, "devices": 14}' >/dev/null
run "$PB" "$T/opts.json" test
check "$([ "$rc" = 0 ] && [ "$(jq -r .sites "$out")" = 3 ] && [ "$(jq -r .account "$out")" = acct-1 ] && echo 0 || echo 1)" "test call"
run "$PB" "$T/opts.json" companies
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 3 ] && [ "$(jq -r 'select(.id=="00000002-0000-4000-8000-000000000002").name' "$out")" = "Site 2" ] && echo 0 || echo 1)" "companies (sites by uid)"
run "$PB" "$T/opts.json" devices
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 14 ] && echo 0 || echo 1)" "14 devices"
d1=$(jq -c 'select(.raw.id==1)' "$out")
[ "$(jq -r '[.company_id, .name, .class, (.addresses | join(",")), .deleted, .offline, .updated_at] | map(tostring) | join("|")' <<<"$d1")" = \
  "00000001-0000-4000-8000-000000000001|HOST-00001.corp1.example|server|10.1.0.2,198.51.100.2|false|false|" ] && ok ||
  bad "mapping: device 1 $(jq -c 'del(.raw)' <<<"$d1")"
[ "$(jq -r 'select(.raw.id==2) | .name' "$out")" = "HOST-00002" ] && ok || bad "mapping: WORKGROUP is no DNS domain"
[ "$(jq -r 'select(.raw.id==5) | .offline' "$out")" = true ] && ok || bad "mapping: offline"
[ "$(jq -r .class "$out" | paste -sd,)" = \
  "server,workstation,workstation,network,server,network,other,server,workstation,workstation,network,server,network,other" ] && ok ||
  bad "mapping: classes $(jq -r .class "$out" | paste -sd,)"
uid3=$(jq -r 'select(.raw.id==3) | .remote_id' "$out")
# a hostile record: a host name with a shell command, addresses that are not addresses
simpost add '{"siteId": 2, "category": "Server", "hostname": "x;reboot", "intIpAddress": "10.0.0.9, bogus, 10.0.0.10", "extIpAddress": "::ffff:1.2.3.4"}' >/dev/null
simpost delete "{\"uid\": \"$uid3\", \"flag\": true}" >/dev/null
run "$PB" "$T/opts.json" devices
[ "$(jq -r 'select(.raw.hostname=="x;reboot") | .name + "|" + (.addresses | join(","))' "$out")" = "|10.0.0.9,10.0.0.10,::ffff:1.2.3.4" ] && ok ||
  bad "hostile name/addresses: $(jq -c 'select(.raw.hostname=="x;reboot") | del(.raw)' "$out")"
[ "$(jq -r "select(.remote_id==\"$uid3\") | .deleted" "$out")" = true ] && ok || bad "deleted flag"

sect "3,000 devices"
simpost seed '{"sites": 40, "devices": 3000}' >/dev/null
run "$PB" "$T/opts.json" devices
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 3000 ] && [ "$(jq -r .remote_id "$out" | sort -u | wc -l)" = 3000 ] && echo 0 || echo 1)" "3,000 devices"
check "$([ "$pages" = 12 ] && [ "$reqs" = 13 ] && echo 0 || echo 1)" "3,000 devices: 12 pages + a token, got pages=$pages requests=$reqs"
[ "$(jq -r .company_id "$out" | sort -u | wc -l)" = 40 ] && ok || bad "3,000 devices: 40 sites"
# a device added and one deleted between two (full) pulls
newuid=$(simpost add '{"siteId": 5, "category": "Server", "hostname": "NEWSRV"}' | jq -r .uid)
gone=$(jq -r 'select(.raw.id==43) | .remote_id' "$out")
simpost delete "{\"uid\": \"$gone\"}" >/dev/null
run "$PB" "$T/opts.json" devices "2026-01-01T00:00:00Z"
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 3000 ] && ! jq -e "select(.remote_id==\"$gone\")" "$out" >/dev/null && [ "$(jq -r "select(.remote_id==\"$newuid\") | .name + \"|\" + .class" "$out")" = "NEWSRV.corp5.example|server" ] && echo 0 || echo 1)" "second pull: the deleted device is gone, the new one there"
run "$PB" "$T/opts.json" devices "yesterday"
check "$([ "$rc" = 1 ] && [ "$reqs" = 0 ] && echo 0 || echo 1)" "a since that is not a time"

sect "faults"
simpost seed '{"sites": 30, "devices": 20}' >/dev/null
echo '{"max_attempts": 3, "backoff_base_ms": 50, "page_size": 5}' >"$T/opts5.json"
# the next-page link on another host: refused before anything is sent there
simpost fault '{"kind": "offhost"}' >/dev/null
run "$PB" "$T/opts5.json" devices
simpost clear >/dev/null
check "$([ "$rc" = 1 ] && has "$err" "http://elsewhere.example:8080/" && has "$err" "not followed (forbidden)" && [ "$pages" = 2 ] && echo 0 || echo 1)" "a nextPageUrl on another host"
conn_check_pages "$T/opts5.json" devices "a nextPageUrl that points to itself"
conn_check_slow companies /api/v2/account/sites
# wrong credentials (the token endpoint is the front's)
conn_check_wrong_creds api_secret "Bad credentials (DATTO-4410)"
# straight to the adaptor: 429 storm, token expiry (Datto's document declares neither answer),
# a huge answer, malformed JSON, a redirect to another host
simpost front '{"direct": true}' >/dev/null
simpost fault '{"kind": "429", "count": 2, "retry_after": 1}' >/dev/null
t0=$(date +%s)
run "$PB" "$T/opts5.json" companies
t1=$(date +%s)
check "$([ "$rc" = 0 ] && [ $((t1 - t0)) -ge 2 ] && [ "$(wc -l <"$out")" = 30 ] && echo 0 || echo 1)" "429 storm: waited $((t1 - t0))s"
simpost fault '{"kind": "429", "count": 9, "retry_after": 1}' >/dev/null
run "$PB" "$T/opts.json" companies
simpost clear >/dev/null
check "$([ "$rc" = 1 ] && has "$err" "(busy)" && echo 0 || echo 1)" "a 429 storm longer than the retries: busy"
before=$(curl -s "$SIM/_sim/stats" | jq .tokens)
simpost fault '{"kind": "expire", "count": 1}' >/dev/null
run "$PB" "$T/opts5.json" devices
after=$(curl -s "$SIM/_sim/stats" | jq .tokens)
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 20 ] && [ $((after - before)) = 2 ] && echo 0 || echo 1)" "token expiry: one re-auth (tokens $before -> $after)"
conn_check_direct devices /api/v2/account/devices

sect "e2e"
# ---- end to end: the registry adds a dattormm connector (credentials from stdin) and tests it ----
conn_e2e_start datto acct-1
conn_og connector kinds --json
check "$([ "$(jq -r '.kinds // . | map(select(.kind == "dattormm"))[0] | .category + ":" + (.pulls | join(","))' "$out")" = "rmm:companies,devices" ] && echo 0 || echo 1)" "e2e: connector kinds"

# ---- a platform connector: sites mapped to tenants, devices become their scan targets ----
sect "e2e sync"
og tenant create beta >/dev/null || bad "e2e: tenant beta"
simpost seed '{"sites": 3, "devices": 3000}' >/dev/null # device i in site (i-1)%3+1
S1=00000001-0000-4000-8000-000000000001 S2=00000002-0000-4000-8000-000000000002
S3=00000003-0000-4000-8000-000000000003
uid() { printf 'dev-%06d-00000000' "$1"; } # the simulator's uid of device N
conn_og connector add rmm --kind dattormm --base-url "$PB" --credentials-file - \
  --option max_attempts=3 --option backoff_base_ms=50 <"$T/creds.json"
check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "e2e: a platform dattormm connector"
og connector map rmm --company "$S1" --tenant acme >/dev/null 2>"$T/map.err" &&
  og connector map rmm --company "$S2" --tenant beta >/dev/null 2>>"$T/map.err" && ok ||
  bad "e2e: map sites 1 and 2: $(cat "$T/map.err")"
osync() { conn_og --json connector sync rmm "$@"; } # [--full]: the outcome (JSON) in out
targets() { # TENANT [--all]: one line per target, name|class|retired
  og --json cert targets --tenant "$@" |
    jq -r '.targets[] | [.name, .device_class, (.retired_at != null)] | map(tostring) | join("|")'
}
events_of() { # TENANT TYPE: the device names of those events, one line each
  og --json events list --tenant "$1" |
    jq -r --arg t "$2" '[.events[] | select(.type == $t) | {id, d: .payload.device}] | unique_by(.id) | .[].d'
}
outcome() { jq -r "[$1] | map(tostring) | join(\",\")" "$out"; }
t0=$(date +%s)
osync
t1=$(date +%s)
# 3,000 devices: 12 pages of 250 following nextPageUrl through the Prism proxy, 1 page of sites,
# 1 token
check "$([ "$(outcome '.outcome, .changes, .unmapped, .pages, .requests')" = "ok,2000,1000,13,14" ] && echo 0 || echo 1)" "e2e sync: 2,000 devices of sites 1 and 2, site 3's 1,000 unmapped, 13 pages, 14 requests ($((t1 - t0))s): $(jq -c 'del(.unmapped_companies)' "$out")"
check "$([ "$(jq -r '.unmapped_companies | map(.company_id) | join(",")' "$out")" = "$S3" ] && echo 0 || echo 1)" "e2e sync: site 3 listed unmapped: $(jq -c .unmapped_companies "$out")"
targets acme >"$T/acme.t"
targets beta >"$T/beta.t"
check "$([ "$(wc -l <"$T/acme.t")" = 1000 ] && [ "$(wc -l <"$T/beta.t")" = 1000 ] && echo 0 || echo 1)" "e2e: 1,000 targets each in acme and beta ($(wc -l <"$T/acme.t"), $(wc -l <"$T/beta.t"))"
# device 1: site 1, a server in corp1.example; device 2: site 2, WORKGROUP (the bare host name)
check "$(grep -qx 'HOST-00001.corp1.example|server|false' "$T/acme.t" && grep -qx 'HOST-00002|workstation|false' "$T/beta.t" && echo 0 || echo 1)" "e2e: device 1 is acme's server, device 2 beta's workstation"
# device 3 is in site 3, mapped to nobody; device 2 only in beta
check "$(! grep -q '^HOST-00003[|.]' "$T/acme.t" "$T/beta.t" && ! grep -q '^HOST-00002|' "$T/acme.t" && echo 0 || echo 1)" "e2e: a device of an unmapped site lands nowhere"
events_of acme rmm.device.added >"$T/acme.added"
check "$([ "$(wc -l <"$T/acme.added")" = 1000 ] && grep -qx 'HOST-00001.corp1.example' "$T/acme.added" && ! grep -q '^HOST-00002$' "$T/acme.added" && echo 0 || echo 1)" "e2e: 1,000 rmm.device.added events in acme ($(wc -l <"$T/acme.added"))"
check "$([ "$(events_of beta rmm.device.added | wc -l)" = 1000 ] && echo 0 || echo 1)" "e2e: 1,000 rmm.device.added events in beta"
osync
check "$([ "$(outcome '.outcome, .changes')" = "ok,0" ] && [ "$(events_of acme rmm.device.added | wc -l)" = 1000 ] && echo 0 || echo 1)" "e2e: a second sync, nothing changed: $(outcome '.outcome, .changes')"

sect "e2e: deleted devices"
# Datto lists a deleted device with deleted: true: an incremental sync retires its target
simpost delete "{\"uid\": \"$(uid 4)\", \"flag\": true}" >/dev/null
osync
check "$([ "$(outcome '.outcome, .changes')" = "ok,1" ] && echo 0 || echo 1)" "e2e: deleted: true, one change: $(outcome '.outcome, .changes')"
check "$(grep -qx 'HOST-00004|network|true' <(targets acme --all) && ! grep -q '^HOST-00004|' <(targets acme) && [ "$(targets acme | wc -l)" = 999 ] && echo 0 || echo 1)" "e2e: its target is retired, 999 left"
check "$([ "$(events_of acme rmm.device.removed)" = HOST-00004 ] && [ -z "$(events_of beta rmm.device.removed)" ] && echo 0 || echo 1)" "e2e: one rmm.device.removed in acme: $(events_of acme rmm.device.removed | head -3 | paste -sd,)"
# a device Datto no longer lists at all: Datto has no change filter, every sync reads the whole
# list (no cursor), so the next sync retires it; a --full one after that finds nothing more
simpost delete "{\"uid\": \"$(uid 5)\"}" >/dev/null # device 5: site 2, an ESXi host
osync
check "$([ "$(outcome '.outcome, .changes')" = "ok,1" ] && grep -qx 'HOST-00005.corp2.example|server|true' <(targets beta --all) && [ "$(events_of beta rmm.device.removed)" = HOST-00005.corp2.example ] && echo 0 || echo 1)" "e2e: a device no longer listed is retired, rmm.device.removed in beta: $(outcome '.outcome, .changes, .cursor')"
osync --full
check "$([ "$(outcome '.outcome, .changes')" = "ok,0" ] && [ "$(events_of beta rmm.device.removed | wc -l)" = 1 ] && echo 0 || echo 1)" "e2e: a full sync then changes nothing: $(outcome '.outcome, .changes')"

sect "e2e: token expiry, throttling"
# Datto's document declares neither a 401 nor a 429: these go straight to the adaptor
simpost front '{"direct": true}' >/dev/null
simpost add '{"siteId": 1, "category": "Server", "hostname": "NEWSRV"}' >/dev/null
before=$(curl -s "$SIM/_sim/stats" | jq .tokens)
simpost fault '{"kind": "expire", "count": 1}' >/dev/null
osync
after=$(curl -s "$SIM/_sim/stats" | jq .tokens)
check "$([ "$(outcome '.outcome, .changes')" = "ok,1" ] && [ $((after - before)) = 2 ] && grep -qx 'NEWSRV.corp1.example|server|false' <(targets acme) && echo 0 || echo 1)" "e2e: a token that dies mid-sync: one re-auth (tokens $before -> $after), the new server a target: $(outcome '.outcome, .changes, .error')"
simpost add '{"siteId": 2, "category": "Server", "hostname": "STORMSRV"}' >/dev/null
simpost fault '{"kind": "429", "count": 2, "retry_after": 1}' >/dev/null
t0=$(date +%s)
osync
t1=$(date +%s)
check "$([ "$(outcome '.outcome, .changes')" = "ok,1" ] && [ $((t1 - t0)) -ge 2 ] && grep -qx 'STORMSRV|server|false' <(targets beta) && echo 0 || echo 1)" "e2e: a 429 storm waited out ($((t1 - t0))s, Retry-After 1 twice): $(outcome '.outcome, .changes, .error')"
# a storm longer than the retries: the sync fails, says why, and writes nothing (the device Datto
# marked deleted meanwhile keeps its target until a sync succeeds)
simpost delete "{\"uid\": \"$(uid 7)\", \"flag\": true}" >/dev/null
simpost fault '{"kind": "429", "count": 9, "retry_after": 1}' >/dev/null
osync
simpost clear >/dev/null
check "$([ "$rc" != 0 ] && [ "$(outcome '.outcome')" = failed ] && grep -q 'answered 429' <<<"$(jq -r .error "$out")" && echo 0 || echo 1)" "e2e: a storm longer than the retries fails the sync: $(outcome '.outcome, .error') $(head -c 300 "$err")"
check "$(grep -qx 'HOST-00007.corp1.example|other|false' <(targets acme) && [ "$(targets acme | wc -l)" = 1000 ] && echo 0 || echo 1)" "e2e: the failed sync wrote nothing"
osync
check "$([ "$(outcome '.outcome, .changes')" = "ok,1" ] && grep -qx 'HOST-00007.corp1.example|other|true' <(targets acme --all) && echo 0 || echo 1)" "e2e: the next sync catches up: $(outcome '.outcome, .changes')"
simpost front '{"direct": false}' >/dev/null

sect "4. violations, secrets"
if prism_rejects "$T/proxy.log" "get /api" >/dev/null; then
  bad "Prism proxy: a request violates Datto's document: $(prism_rejects "$T/proxy.log" "get /api" | head -3)"
else ok; fi
if prism_answer_violations "$T/proxy.log" >/dev/null; then
  bad "Prism proxy: a simulator answer violates the document: $(prism_answer_violations "$T/proxy.log" | head -3)"
else ok; fi
if grep -q -e "$SECRET_MARK" -e "$KEY_MARK" "$T"/out.* "$T"/err.* 2>/dev/null; then
  bad "a secret was printed: $(grep -l -e "$SECRET_MARK" -e "$KEY_MARK" "$T"/out.* "$T"/err.*)"
else ok; fi
echo "done after $(($(date +%s) - CONN_START_S))s"
og_done
