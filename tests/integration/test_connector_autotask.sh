#!/usr/bin/env bash
# test_connector_autotask.sh - the Autotask adaptor against the vendor's own API description and
# a stateful simulator (tests/connectors/sim_autotask.py), driven by og_conn_driver:
#  - Prism mock from ../shared/spec/connectors/autotask: every request the adaptor sends is valid;
#  - Prism proxy --errors in front of the simulator: pulls (zone, pages, incremental, a changed
#    project, a changed task, 429 storm, wrong credentials), answers checked too;
#  - pushes (attachments, tickets) against the simulator itself: their requests were validated by
#    the mock above, but Prism cannot check the answers: the document types
#    OperationResultModel.itemId as an object while Autotask answers an integer (with --errors
#    Prism turns every real answer into a 500);
#  - the simulator directly for volume and hostile answers (2,500 projects, malformed JSON, a page
#    that never ends, 20 MB, slow, redirect, zone or page link on another host);
#  - the credentials never appear in any output.
# Prism takes a while to start on a loaded machine: a longer watchdog than lib.sh's default.
export OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connector_lib.sh"
SRC=$CONN_SRC SHARED=$CONN_SHARED DRV=$CONN_DRV
conn_need_spec autotask openapi-subset.prism.yaml Autotask
conn_need_driver
conn_need_tools python3
if ! "$SRC/scripts/connector-mock.sh" --install >/dev/null 2>&1; then
  echo "SKIP: Stoplight Prism cannot be installed (scripts/connector-mock.sh --install)" >&2
  exit 77
fi

T=$OG_TMP
SECRET=AT-SECRET-MARKER-7731
INTEG=AT-INTEG-MARKER-5519
cat >"$T/creds.json" <<EOF
{"username": "api@example.test", "secret": "$SECRET", "integration_code": "$INTEG"}
EOF
cat >"$T/bad.json" <<EOF
{"username": "api@example.test", "secret": "WRONG-$SECRET", "integration_code": "$INTEG"}
EOF
echo '{}' >"$T/o.json"
echo '{"zone_lookup": false}' >"$T/nz.json"
echo '{"page_size": 10}' >"$T/p10.json"

# ---- start the simulator and three Prism instances at once ----
conn_bg python3 "$SRC/tests/connectors/sim_autotask.py" --port-file "$T/sim.port" >"$T/sim.log" 2>&1
MP=$(free_port) EP=$(free_port)
conn_bg "$SRC/scripts/connector-mock.sh" mock autotask "$MP" >"$T/mock.log" 2>&1
wait_file "$T/sim.port"
SP=$(cat "$T/sim.port" 2>/dev/null)
[ -n "$SP" ] || { echo "the simulator did not start: $(cat "$T/sim.log")" >&2; exit 1; }
SIM=http://127.0.0.1:$SP
conn_bg "$SRC/scripts/connector-mock.sh" proxy autotask "$EP" "$SIM" --errors >"$T/proxy.log" 2>&1
for port in $MP $EP; do
  up=""
  for _ in $(seq 1 240); do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/__ready"; then up=1; break; fi
    sleep 0.25
  done
  [ -n "$up" ] || { echo "Prism on port $port did not start: $(tail -5 "$T"/*.log)" >&2; exit 1; }
done
# violations LOG: Prism's violation lines, but those of the readiness probes (/__ready)
violations() {
  awk '/\[HTTP SERVER\]/ { probe = ($0 ~ /\/__ready/) } /Violation/ && !probe' "$1"
}

simpost() { curl -fsS -X POST --data "$2" "$SIM/_sim/$1" >/dev/null || bad "simulator admin $1"; }
simstate() { curl -fsS "$SIM/_sim/state"; }

# drv BASE OPTS OP ARGS...: run the driver; $out, $rc, stderr in $T/err (its last line: counters)
drv() {
  local base=$1 opts=$2
  shift 2
  "$DRV" autotask "$base" "$T/${CREDS:-creds}.json" "$T/$opts.json" "$@" >"$T/out" 2>"$T/err"
  rc=$?
  out=$(cat "$T/out")
  cat "$T/out" "$T/err" >>"$T/all-output"
}
requests() { tail -n 1 "$T/err" | jq -r .requests; }
pages() { tail -n 1 "$T/err" | jq -r .pages; }
check() { # check WHAT CONDITION... (this test's own form, not connector_lib.sh's)
  local what=$1
  shift
  if "$@"; then ok; else bad "$what (rc=$rc, err: $(head -c 400 "$T/err"))"; fi
}

echo "servers up after ${SECONDS}s"
# ==== 1. Prism mock: the document accepts every request the adaptor sends ====
M=http://127.0.0.1:$MP/ATServicesRest
drv "$M" o test
check "mock: the zone lookup request is valid" test "$(grep -c ' 422' "$T/err")" = 0
for op in test companies projects "projects 2026-01-01T00:00:00Z" "project 1001"; do
  # shellcheck disable=SC2086
  drv "$M" nz $op
  check "mock: $op is not refused by the document" test "$(grep -c 'answered 422' "$T/err")" = 0
done
printf '%%PDF-1.4 statement of work\n' >"$T/sow.pdf"
drv "$M" nz attach 1001 "$T/sow.pdf" sow.pdf application/pdf "Statement of work v1"
check "mock: attach is not refused" test "$(grep -c 'answered 422' "$T/err")" = 0
drv "$M" nz ticket-open 2 k1 "Certificate expires" "www.example.com expires in 7 days"
check "mock: ticket-open is not refused" test "$(grep -c 'answered 422' "$T/err")" = 0
drv "$M" nz ticket-note 900002 k1 "Still expiring" "3 days left."
check "mock: ticket-note (GET, PATCH) is accepted" test "$rc" = 0
drv "$M" nz ticket-close 900002 k1 "Resolved" "Renewed."
check "mock: ticket-close (PATCH) is accepted" test "$rc" = 0
if violations "$T/mock.log" | grep -q "Violation: request"; then
  bad "mock: request violations: $(violations "$T/mock.log" | grep 'Violation: request' | head -5)"
else
  ok
fi

echo "section done at ${SECONDS}s"
# ==== 2. Through Prism --errors: pulls ====
E=http://127.0.0.1:$EP/ATServicesRest
simpost seed '{"projects": 40, "companies": 3, "phases": 2, "tasks": 2}'
simpost mode "{\"zone_url\": \"$E\"}"
drv "$E" o test
check "test: accepted" test "$rc" = 0
check "test: names the account and zone" test "$(echo "$out" | jq -r '.account + "|" + .zone')" = "api@example.test|Simulated Zone 1"

drv "$E" p10 projects
check "full pull: 40 projects" test "$(echo "$out" | grep -c remote_id)" = 40
check "full pull: distinct ids" test "$(echo "$out" | jq -r .remote_id | sort -u | wc -l)" = 40
# 1 zone + 4 project pages + 40 x (phases + tasks) + 3 companies, each fetched once
check "full pull: requests 88" test "$(requests)" = 88
P1=$(echo "$out" | jq -c 'select(.remote_id == "1001")')
check "mapping: name, key, client" test "$(echo "$P1" | jq -r '[.data.project.name, .data.project.key, .data.client.name] | join("|")')" = "Project 1|P2026.0001|Client 2 GmbH"
check "mapping: hours as decimal strings" test "$(echo "$P1" | jq -r '[.data.psa.budget_hours, .data.psa.actual_hours, .data.psa.budget_amount] | join("|")')" = "40.5|0.3|12000.3"
check "mapping: dates" test "$(echo "$P1" | jq -r '[.data.psa.start, .data.psa.end, .data.phases[0].start, .data.phases[0].end] | join("|")')" = "2026-02-01|2026-06-30|2026-02-01|2026-03-01"
check "mapping: tasks in phases" test "$(echo "$P1" | jq -r '[.data.phases[] | .tasks | length] | join(",")')" = "2,2,1"
check "mapping: task hours exact" test "$(echo "$P1" | jq -r '.data.phases[0].tasks[0].hours')" = "7.5"
check "mapping: task ids unique" test "$(echo "$P1" | jq '[.data.phases[].tasks[].id] | (length == (unique | length))')" = true
check "mapping: unphased tasks in their own phase" test "$(echo "$P1" | jq -r '.data.phases[2].id')" = "project-1001"
check "mapping: raw keeps the vendor records" test "$(echo "$P1" | jq -r '.raw.project.actualHours > 0.3 and .raw.phases[0].tasks[0].id == 50001')" = true
check "mapping: updated_at" test "$(echo "$P1" | jq -r .updated_at)" = "2026-01-01T00:01:41.101Z"
LAST=$(echo "$out" | jq -r .updated_at | sort | tail -n 1)

drv "$E" o projects "$LAST"
check "incremental, nothing changed: no project" test "$(echo "$out" | grep -c remote_id)" = 0
check "incremental, nothing changed: zone + one page" test "$(requests)" = 2

simpost touch '{"id": 1005, "estimatedTime": 12.25, "projectName": "Project 5 (rescoped)"}'
drv "$E" o projects "$LAST"
check "changed project: exactly it" test "$(echo "$out" | jq -r .remote_id)" = 1005
check "changed project: new hours" test "$(echo "$out" | jq -r .data.psa.budget_hours)" = 12.25
LAST2=$(echo "$out" | jq -r .updated_at)
simpost task '{"project": 1007, "id": 50031, "estimatedHours": 9.75}'
drv "$E" o projects "$LAST2"
check "changed task: its project pulled" test "$(echo "$out" | jq -r .remote_id)" = 1007
check "changed task: new hours" test "$(echo "$out" | jq -r '[.data.phases[].tasks[] | select(.id == "task-50031") | .hours][0]')" = 9.75

drv "$E" o project 1003
check "one project" test "$(echo "$out" | jq -r .remote_id)" = 1003

drv "$E" o projects "$LAST2"
calm=$(requests)
simpost mode '{"storm429": 2, "retry_after": 1}'
start=$(date +%s)
drv "$E" o projects "$LAST2"
check "429 storm: the pull succeeds" test "$rc" = 0
check "429 storm: Retry-After honoured" test $(($(date +%s) - start)) -ge 2
check "429 storm: the two refused attempts counted" test "$(requests)" = $((calm + 2))

CREDS=bad drv "$E" o projects
check "wrong credentials: fails" test "$rc" = 1
check "wrong credentials: names the connector, quotes the vendor" grep -q 'connector driver (autotask): GET /ATServicesRest/V1.0/ZoneInformation answered 401: "The user name, secret or API integration code is not valid"' "$T/err"
check "wrong credentials: an auth error" grep -q "(unauthorized)" "$T/err"

viol=$(violations "$T/proxy.log" | grep -v "Unable to match the returned status code")
if [ -n "$viol" ]; then bad "proxy: violations: $(echo "$viol" | head -5)"; else ok; fi

echo "section done at ${SECONDS}s"
# ==== 3. Pushes, against the simulator (see the top: the document mistypes their answer) ====
N=$SIM/ATServicesRest
drv "$N" nz attach 1001 "$T/sow.pdf" sow.pdf application/pdf "Statement of work v1"
A1=$(echo "$out" | jq -r .remote_id)
drv "$N" nz attach 1001 "$T/sow.pdf" sow.pdf application/pdf "Statement of work v1"
A2=$(echo "$out" | jq -r .remote_id)
check "attach: ids come back, twice" test -n "$A1" -a -n "$A2" -a "$A1" != "$A2"
st=$(simstate)
check "attach: the attachment exists with its data" test "$(echo "$st" | jq -r "[.attachments[] | select(.id == $A1)][0] | [.title, .fullPath, .attachmentType, .size, .projectID] | join(\"|\")")" = "Statement of work v1|sow.pdf|FILE_ATTACHMENT|$(wc -c <"$T/sow.pdf")|1001"
echo '{"zone_lookup": false, "max_attachment_bytes": 10}' >"$T/small.json"
drv "$N" small attach 1001 "$T/sow.pdf" sow.pdf application/pdf "Too big"
check "attach over the limit: refused before sending" test "$rc" = 1 -a "$(requests)" = 0
check "attach over the limit: says so" grep -q "over the attachment limit of 10 bytes" "$T/err"
drv "$N" nz attach "1001/../Tickets" "$T/sow.pdf" sow.pdf application/pdf "x"
check "attach: a project id that is not a number is refused" grep -q "is not a number" "$T/err"

n0=$(simstate | jq '.attachments | length')
simpost mode '{"post_fail": 1}'
drv "$N" nz attach 1001 "$T/sow.pdf" sow.pdf application/pdf "Statement of work v2"
check "attach answered 500: an error quoting the vendor" grep -q 'answered 500: "Internal error after the attachment was saved"' "$T/err"
check "attach answered 500: the POST is not repeated (no duplicate)" test "$(simstate | jq '.attachments | length')" = $((n0 + 1))
simpost mode '{"post_fail": 0}'

drv "$N" nz ticket-open 2 alert-1 "Certificate www.example.com expires" "Expires in 7 days."
TK=$(echo "$out" | jq -r .remote_id)
check "ticket-open: id" test "$rc" = 0 -a -n "$TK"
drv "$N" nz ticket-note "$TK" alert-1 "Still expiring" "3 days left."
check "ticket-note: ok" test "$rc" = 0
drv "$N" nz ticket-close "$TK" alert-1 "Resolved" "Renewed."
check "ticket-close: ok" test "$rc" = 0
st=$(simstate)
check "ticket: opened with company, title, priority" test "$(echo "$st" | jq -r ".tickets[\"$TK\"] | [.companyID, .title, .priority] | join(\"|\")")" = "2|Certificate www.example.com expires|2"
check "ticket: note appended to the description" test "$(echo "$st" | jq -r ".tickets[\"$TK\"].description")" = "$(printf 'Expires in 7 days.\n\nStill expiring\n3 days left.')"
check "ticket: closed as Complete (5) with a resolution" test "$(echo "$st" | jq -r ".tickets[\"$TK\"] | [.status, .resolution] | join(\"|\")")" = "$(printf '5|Resolved\nRenewed.')"


echo "section done at ${SECONDS}s"
# ==== 4. The simulator directly: volume and hostile answers ====
D=$SIM/ATServicesRest
simpost mode "{\"zone_url\": \"$D\"}"
simpost seed '{"projects": 2500, "companies": 20, "phases": 1, "tasks": 1}'
start=$(date +%s)
drv "$D" o projects
check "2,500 projects: all pulled" test "$(echo "$out" | grep -c remote_id)" = 2500
check "2,500 projects: 5 pages of 500 + 2 child pages each" test "$(pages)" = 5005
echo "2,500 projects: $(($(date +%s) - start)) s, $(requests) requests"
LAST=$(echo "$out" | jq -r .updated_at | sort | tail -n 1)
drv "$D" o projects "$LAST"
check "2,500 projects, nothing changed: zone + one page" test "$(requests)" = 2 -a "$(echo "$out" | grep -c remote_id)" = 0
simpost seed '{"projects": 3}'

drv "$D" o project 1002
before=$(echo "$out" | jq -c .data)
simpost mode '{"reverse": true}'
drv "$D" o project 1002
check "children in another order: the same project data" test "$(echo "$out" | jq -c .data)" = "$before"
simpost mode '{"reverse": false}'
long=$(python3 -c 'print("\u00e9" * 300)')
simpost touch "{\"id\": 1002, \"projectName\": \"line1\\nline2 $long\"}"
drv "$D" o project 1002
check "a long name with a line break: one line of 200 characters" test "$(echo "$out" | jq -r '.data.project.name | [length, test("\n")] | map(tostring) | join(",")')" = "200,false"
check "a long name: raw keeps it whole" test "$(echo "$out" | jq -r '.raw.project.projectName | length')" = 312

simpost mode '{"malformed": 1}'
drv "$D" o projects
check "malformed JSON: a clear error" grep -q "the answer is not JSON" "$T/err"
check "malformed JSON: nothing emitted" test -z "$out"

simpost mode '{"loop": true}'
drv "$D" o projects
check "a page that never ends: stopped" grep -q "never ends" "$T/err"
simpost mode '{"loop": "vary"}'
echo '{"max_pages": 20}' >"$T/mp.json"
drv "$D" mp projects
check "a page that never ends, with new links: stopped at max_pages" grep -q "more than 20 pages: stopped" "$T/err"
check "a page that never ends, with new links: no more than 20 pages read" test "$(pages)" -le 21
simpost mode '{"loop": false}'

simpost seed '{"projects": 30}'
simpost mode '{"next_base": "http://127.0.0.2:9/ATServicesRest"}'
drv "$D" p10 projects
check "a page link to another host: not followed" grep -q "another host than the base URL: not followed" "$T/err"
check "a page link to another host: a denial" grep -q "(forbidden)" "$T/err"
simpost mode '{"next_base": ""}'

simpost mode '{"huge": true}'
drv "$D" o projects
check "a 20 MB answer: too big, a clear error" grep -q "connector driver (autotask): GET /ATServicesRest/V1.0/Projects/query: the answer is over 16777216 bytes: refused (too_large)" "$T/err"
simpost mode '{"huge": false}'

echo '{"timeout_s": 1, "max_attempts": 1}' >"$T/slow.json"
simpost mode '{"slow": 3}'
start=$(date +%s)
drv "$D" slow projects
check "slow server: times out" test "$rc" = 1 -a $(($(date +%s) - start)) -lt 3
check "slow server: says so" grep -qi "timed\? \?out\|timeout" "$T/err"
simpost mode '{"slow": 0}'

simpost mode '{"redirect": "http://evil.example/ATServicesRest/V1.0/Projects/query"}'
drv "$D" o projects
check "redirect: not followed" grep -q "a redirect to http://evil.example.*not followed" "$T/err"
simpost mode '{"redirect": ""}'

simpost mode '{"zone_url": "http://evil.example/ATServicesRest"}'
drv "$D" o companies
check "zone on another host: refused" grep -q "the zone lookup pointed to evil.example, not an Autotask host" "$T/err"
simpost mode "{\"zone_url\": \"$D\"}"

drv "$D" o project 99999
check "unknown project: not found" test "$rc" = 1 && grep -q "(not_found" "$T/err"

echo "section done at ${SECONDS}s"
# ==== 5. End to end: the registry's connector, through Prism --errors ====
DATA=$T/data
O() { "$OPSGATE" --data "$DATA" "$@" >"$T/out" 2>"$T/err"; rc=$?; cat "$T/out" "$T/err" >>"$T/all-output"; }
"$OPSGATE" --data "$DATA" init >/dev/null 2>&1 || bad "init"
O tenant create acme
simpost mode "{\"zone_url\": \"$E\"}"
O connector add psa --tenant acme --kind autotask --base-url "$E" --credentials-file - <"$T/creds.json"
check "e2e: a loopback base URL needs an egress allowance" test "$rc" -ne 0
O notify egress allow 127.0.0.0/8
O connector add psa --tenant acme --kind autotask --base-url "$E" --credentials-file - <"$T/creds.json"
check "e2e: connector add" test "$rc" = 0
O connector test psa --tenant acme
check "e2e: connector test accepted" grep -q 'psa accepted the credentials; account "api@example.test"' "$T/out"
O connector update psa --tenant acme --credentials-file - <"$T/bad.json"
O connector test psa --tenant acme
check "e2e: wrong credentials quote the vendor" grep -q "The user name, secret or API integration code is not valid" "$T/out" "$T/err"
O connector show psa --tenant acme --json
check "e2e: show has no secret" test "$(jq -r '.fields | join(",")' "$T/out")" = "username,secret,integration_code"
if grep -rqa -e "$SECRET" -e "$INTEG" "$DATA"; then bad "e2e: a credential is stored in clear"; else ok; fi

viol=$(violations "$T/proxy.log" | grep -v "Unable to match the returned status code")
if [ -n "$viol" ]; then bad "proxy (e2e): violations: $(echo "$viol" | head -5)"; else ok; fi

# ==== 6. Secrets never appear in any output ====
if grep -q -e "$SECRET" -e "$INTEG" "$T/all-output"; then bad "a credential leaked into output"; else ok; fi

og_done
