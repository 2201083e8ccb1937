#!/usr/bin/env bash
# test_connector_halopsa.sh - the HaloPSA adaptor against Halo's own API description (Prism) and
# a stateful simulator (tests/connectors/sim_halopsa.py) checked by Prism, through og_conn_driver.
#
# Layout: the simulator's front (the Halo authorisation server at /auth/token, which is not in
# Halo's document) passes every /api call to Prism: a Prism mock of the document (every request
# validated; empty answers, as the document has no response schemas), or a Prism proxy with
# --errors in front of the simulator's API (requests and answers checked). Faults Prism's proxy
# would rewrite (a redirect it follows, a malformed body it turns into its own 500) are sent by
# the simulator straight to the adaptor (/_sim/front direct).
export OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connector_lib.sh"
. "$(dirname "$0")/secrets/scan.sh"
CONN_KIND=halopsa
conn_need halopsa openapi-subset.prism.yaml Halo

SECRET_MARK="halo-secret-MARK-7f3a9c"
HOOK_MARK="halo-hook-MARK-51b2e0"
CLIENT_MARK="og-client-NOTSECRET-c41d" # not a secret: shown and stored, so the scan must see it
T=$OG_TMP
conn_pair halopsa --client-id "$CLIENT_MARK" --client-secret "$SECRET_MARK"

cat >"$T/creds.json" <<EOF
{"client_id": "$CLIENT_MARK", "client_secret": "$SECRET_MARK", "webhook_secret": "$HOOK_MARK"}
EOF
echo '{"max_attempts": 3, "backoff_base_ms": 50}' >"$T/opts.json"
echo '{"max_attempts": 3, "backoff_base_ms": 50, "ticket_path": "/Projects"}' >"$T/opts_pp.json"
MB="http://127.0.0.1:$M_FRONT/api"
PB="http://127.0.0.1:$P_FRONT/api"
SIM="http://127.0.0.1:$P_API"
simpost() { curl -s -X POST "$SIM/_sim/$1" -d "${2:-{\}}" >/dev/null; } # quiet here

sect "1."
# ---- 1. Prism mock of Halo's document: every call is accepted (no 4xx), bodies validated ----
echo "xdocx" >"$T/doc.txt"
for op in "test" "companies" "projects" "projects 2026-01-01T00:00:00Z" "project 7" \
  "attach 5 $T/doc.txt sow.pdf application/pdf SOW" "ticket-open 3 key1 Title Body" \
  "ticket-note 7 key1 Title Note" "ticket-close 7 key1 Title Done"; do
  # shellcheck disable=SC2086
  run "$MB" "$T/opts_pp.json" $op
  # Prism answers 200 with an empty body (no response schemas): the adaptor then says so
  if [ "$rc" = 0 ] || has "$err" "empty answer" || has "$err" "names no record id"; then ok; else
    bad "mock: $op was not accepted by Prism: $(head -c 400 "$err")"
  fi
done
# Prism's own errors on /api calls (422 for a request against the document, 404 for a path it
# does not know) or a request violation
if prism_rejects "$T/mock.log" "[a-z]+ /api" >/dev/null; then
  bad "Prism mock rejected a request: $(prism_rejects "$T/mock.log" "[a-z]+ /api" | head -3)"
else ok; fi
# the default ticket endpoint (/Tickets) is Halo's, but not in this document: Prism says 404
run "$MB" "$T/opts.json" ticket-open 3 key1 Title Body
[ "$rc" = 1 ] && has "$err" "POST /api/Tickets answered 404" && ok || bad "mock: /Tickets is not documented, expected 404 ($(cat "$err"))"

sect "2."
# ---- 2. the simulator behind Prism proxy --errors ----
simpost seed '{"clients": 3, "projects": 3, "tasks_every": 1, "tasks": 3}'
run "$PB" "$T/opts.json" test
check "$([ "$rc" = 0 ] && [ "$(jq -r .clients "$out")" = 3 ] && echo 0 || echo 1)" "test call"
run "$PB" "$T/opts.json" companies
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 3 ] && [ "$(jq -r 'select(.id=="2").name' "$out")" = "Client 2" ] && echo 0 || echo 1)" "companies"
run "$PB" "$T/opts.json" project 1
check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "project 1"
p1=$(head -n 1 "$out")
# mapping: exact decimals, dates, phases by milestone, task ids, contacts, psa block
[ "$(jq -r '.data.psa.budget_hours' <<<"$p1")" = "40.5" ] && [ "$(jq -r '.data.psa.budget_amount' <<<"$p1")" = "5400.1" ] &&
  [ "$(jq -r '.data.psa.actual_hours' <<<"$p1")" = "12.25" ] && ok || bad "mapping: hours/money $(jq -c .data.psa <<<"$p1")"
[ "$(jq -r '[.data.phases[].tasks[].hours] | join(",")' <<<"$p1")" = "7.5,0.2,0.1" ] && ok || bad "mapping: task hours $(jq -c .data.phases <<<"$p1")"
[ "$(jq -r '[.data.phases[] | .id + "=" + .name + ":" + .start + ".." + .end] | join(";")' <<<"$p1")" = \
  "milestone-11=Phase 1:2026-02-01..2026-02-28;milestone-12=Phase 2:2026-03-01..2026-03-28" ] && ok ||
  bad "mapping: phases $(jq -c '.data.phases' <<<"$p1")"
[ "$(jq -r '[.data.phases[].tasks[].id] | unique | length' <<<"$p1")" = 3 ] && ok || bad "mapping: task ids not unique"
[ "$(jq -r '.data.psa | [.remote_id, .company_id, .start, .end, .status, .updated_at] | join("|")' <<<"$p1")" = \
  "1|1|2026-02-01|2026-03-31|In Progress|2026-01-05T09:00:00Z" ] && ok || bad "mapping: psa $(jq -c .data.psa <<<"$p1")"
[ "$(jq -r '.data.project.name + "|" + .data.project.manager + "|" + .data.client.name' <<<"$p1")" = "Project 1|Alice Agent|Client 1" ] &&
  [ "$(jq -r '.data.contacts[0] | .name + "|" + .side + "|" + .email' <<<"$p1")" = "Carol Client|client|carol@client1.example" ] &&
  ok || bad "mapping: project/client/contacts"
[ "$(jq -r '.raw.project.id' <<<"$p1")" = 1 ] && [ "$(jq -r '.raw.phases[0].tasks | length' <<<"$p1")" = 2 ] && ok || bad "raw records"
run "$PB" "$T/opts.json" project 99
check "$([ "$rc" = 1 ] && has "$err" "answered 404" && has "$err" "Ticket not found" && has "$err" "(not_found)" && echo 0 || echo 1)" "missing project: 404 quoted"

sect "pagination over many pages"
# pagination over many pages: 2,500 projects, 1 in 250 with tasks
simpost seed '{"clients": 30, "projects": 2500, "tasks_every": 250, "tasks": 3}'
run "$PB" "$T/opts.json" projects
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 2500 ] && [ "$(jq -r .remote_id "$out" | sort -u | wc -l)" = 2500 ] && echo 0 || echo 1)" "2,500 projects"
check "$([ "$pages" = 35 ] && [ "$reqs" = 36 ] && echo 0 || echo 1)" "2,500 projects: 25 pages + 10 task lists + a token, got pages=$pages requests=$reqs"
sect "incremental: nothing"
# incremental: nothing changed -> one page
sleep 1
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
run "$PB" "$T/opts.json" projects "$since"
check "$([ "$rc" = 0 ] && [ ! -s "$out" ] && [ "$pages" = 1 ] && [ "$reqs" -le 2 ] && echo 0 || echo 1)" "incremental, nothing changed: one page (pages=$pages requests=$reqs)"
# a project and a task change between two pulls: only those projects come, with the new values
simpost touch '{"id": 7, "projecttimebudget": 55.75, "summary": "Project 7 (scope up)"}'
simpost touch '{"id": 12510, "estimate": 12.5}'
run "$PB" "$T/opts.json" projects "$since"
check "$([ "$rc" = 0 ] && [ "$(jq -r .remote_id "$out" | sort -n | paste -sd,)" = "7,251" ] && echo 0 || echo 1)" "incremental: the changed projects only"
[ "$(jq -r 'select(.remote_id=="7") | .data.psa.budget_hours + "|" + .data.project.name' "$out")" = "55.75|Project 7 (scope up)" ] &&
  [ "$(jq -r 'select(.remote_id=="251") | .data.phases[0].tasks[0].hours' "$out")" = "12.5" ] && ok || bad "incremental: new values"
# a closed project
simpost touch '{"id": 8, "status_id": 9, "status_name": "Closed"}'
run "$PB" "$T/opts.json" project 8
[ "$rc" = 0 ] && [ "$(jq -r .closed "$out")" = true ] && ok || bad "closed project not flagged"

sect "attachments:"
# attachments: the document then exists; twice the same title gives two ids (the core dedupes)
head -c 3000 /dev/urandom >"$T/sow.pdf"
run "$PB" "$T/opts.json" attach 7 "$T/sow.pdf" sow.pdf application/pdf "Statement of work v1"
a1=$(jq -r .remote_id "$out")
run "$PB" "$T/opts.json" attach 7 "$T/sow.pdf" sow.pdf application/pdf "Statement of work v1"
a2=$(jq -r .remote_id "$out")
stats=$(curl -s "$SIM/_sim/stats")
[ -n "$a1" ] && [ -n "$a2" ] && [ "$a1" != "$a2" ] && [ "$(jq -r "[.attachments[] | select(.ticket_id==7 and .filesize==3000 and .note==\"Statement of work v1\")] | length" <<<"$stats")" = 2 ] &&
  ok || bad "attachments: $a1 $a2 $(jq -c .attachments <<<"$stats")"
run "$PB" "$T/opts.json" attach 123456 "$T/sow.pdf" sow.pdf application/pdf "x"
check "$([ "$rc" = 1 ] && has "$err" "POST /api/Attachment answered 400" && has "$err" "Ticket 123456 not found" && echo 0 || echo 1)" "attach to a missing project quotes Halo"

sect "tickets through"
# tickets: their bodies were checked by the Prism mock above (POST /Projects, the same Faults
# record as /Tickets; Prism takes seconds per Faults body); the flow with state runs on Halo's
# /Tickets, which the document lacks, straight against the simulator
simpost front '{"direct": true}'
run "$PB" "$T/opts.json" ticket-open 3 alert-1 "Certificate www expires in 7 days" "Renew it"
tk=$(jq -r .remote_id "$out")
run "$PB" "$T/opts.json" ticket-note "$tk" alert-1 "t" "Still pending"
r1=$rc
run "$PB" "$T/opts.json" ticket-close "$tk" alert-1 "t" "Renewed"
stats=$(curl -s "$SIM/_sim/stats")
[ "$r1" = 0 ] && [ "$rc" = 0 ] && [ "$(jq -r ".tickets[\"$tk\"] | [.client_id, .summary, .status_id, (.actions | length), .actions[0].note] | map(tostring) | join(\"|\")" <<<"$stats")" = \
  "3|Certificate www expires in 7 days|9|2|Still pending" ] && ok || bad "ticket open/note/close: $(jq -c .tickets <<<"$stats")"
run "$PB" "$T/opts.json" ticket-open 77 alert-3 "x" "y"
check "$([ "$rc" = 1 ] && has "$err" "Client 77 not found" && echo 0 || echo 1)" "ticket for a missing client quotes Halo"
simpost front '{"direct": false}'

sect "a 429 storm"
# a 429 storm honoured with Retry-After
simpost fault '{"kind": "429", "count": 2, "retry_after": 1}'
t0=$(date +%s)
run "$PB" "$T/opts.json" companies
t1=$(date +%s)
check "$([ "$rc" = 0 ] && [ $((t1 - t0)) -ge 2 ] && [ "$(wc -l <"$out")" = 30 ] && echo 0 || echo 1)" "429 storm: waited $((t1 - t0))s"
sect "token expiry"
# token expiry mid-pull: one re-auth
simpost clear
before=$(curl -s "$SIM/_sim/stats" | jq .tokens)
echo '{"max_attempts": 3, "backoff_base_ms": 50, "page_size": 10}' >"$T/opts10.json"
simpost fault '{"kind": "expire", "count": 1}'
run "$PB" "$T/opts10.json" companies
after=$(curl -s "$SIM/_sim/stats" | jq .tokens)
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 30 ] && [ $((after - before)) = 2 ] && echo 0 || echo 1)" "token expiry: one re-auth (tokens $before -> $after)"
sect "wrong credentials"
# wrong credentials: the connector named, Halo's message quoted, no secret shown
conn_check_wrong_creds client_secret "The client credentials are invalid (HALO-AUTH-4711)"
sect "a page that never"
# a page that never ends: the same page again, or new ids forever (max_pages)
conn_check_pages "$T/opts.json" projects "a page that repeats" ', "count": 1'
sect "a slow server"
conn_check_slow companies /api/Client
sect "straight to"
# straight to the adaptor: a 20 MB answer, malformed JSON, a redirect to another host
conn_check_direct projects /api/Projects

sect "3."
# ---- 3. webhooks: Halo's secret in the Authorization header (Basic, Bearer or as is) ----
echo '{"id": 4711, "event": "Ticket Updated", "ticket": {"id": 10510, "parent_id": 51, "summary": "Task"}}' >"$T/hook_task.json"
echo '{"ticket_id": 7}' >"$T/hook_tid.json"
printf 'Content-Type: application/json\nAuthorization: Basic %s\n' "$(printf 'halo:%s' "$HOOK_MARK" | base64 -w0)" >"$T/h_basic"
printf 'Authorization: Bearer %s\n' "$HOOK_MARK" >"$T/h_bearer"
printf 'Authorization: Basic %s\n' "$(printf 'halo:nope' | base64 -w0)" >"$T/h_wrong"
printf 'Content-Type: application/json\n' >"$T/h_none"
run "$PB" "$T/opts.json" webhook "$T/h_basic" "$T/hook_task.json"
check "$([ "$rc" = 0 ] && [ "$(jq -r .project_id "$out")" = 51 ] && echo 0 || echo 1)" "webhook (Basic) names the task's project"
run "$PB" "$T/opts.json" webhook "$T/h_bearer" "$T/hook_tid.json"
check "$([ "$rc" = 0 ] && [ "$(jq -r .project_id "$out")" = 7 ] && echo 0 || echo 1)" "webhook (Bearer) names the ticket"
run "$PB" "$T/opts.json" webhook "$T/h_wrong" "$T/hook_tid.json"
check "$([ "$rc" = 1 ] && has "$err" "does not authenticate" && has "$err" "(unauthorized)" && echo 0 || echo 1)" "webhook with a wrong secret"
run "$PB" "$T/opts.json" webhook "$T/h_none" "$T/hook_tid.json"
check "$([ "$rc" = 1 ] && has "$err" "(unauthorized)" && echo 0 || echo 1)" "webhook without the header"
echo '{"webhook_header": "X-Halo-Secret"}' >"$T/opts_hdr.json"
printf 'x-halo-secret: %s\n' "$HOOK_MARK" >"$T/h_custom"
run "$PB" "$T/opts_hdr.json" webhook "$T/h_custom" "$T/hook_tid.json"
check "$([ "$rc" = 0 ] && [ "$(jq -r .project_id "$out")" = 7 ] && echo 0 || echo 1)" "webhook with a custom header"

# hostile ids and webhook bodies: refused before anything is sent
run "$PB" "$T/opts.json" project "7/../Client"
check "$([ "$rc" = 1 ] && has "$err" "must be a Halo record number" && [ "$reqs" = 0 ] && echo 0 || echo 1)" "a project id that is not a number"
run "$PB" "$T/opts.json" attach "7?x=1" "$T/sow.pdf" sow.pdf application/pdf "x"
check "$([ "$rc" = 1 ] && has "$err" "must be a Halo record number" && [ "$reqs" = 0 ] && echo 0 || echo 1)" "an attachment target that is not a number"
printf '{"ticket": ' >"$T/hook_bad.json"
run "$PB" "$T/opts.json" webhook "$T/h_bearer" "$T/hook_bad.json"
check "$([ "$rc" = 1 ] && has "$err" "not a JSON object" && has "$err" "(invalid)" && echo 0 || echo 1)" "a webhook body that is not JSON"
echo '{"event": "ping"}' >"$T/hook_none.json"
run "$PB" "$T/opts.json" webhook "$T/h_bearer" "$T/hook_none.json"
check "$([ "$rc" = 0 ] && [ "$(jq -r .project_id "$out")" = "" ] && echo 0 || echo 1)" "a webhook naming no record"

sect "e2e"
# ---- end to end: the registry adds a halopsa connector (credentials from stdin) and tests it ----
conn_e2e_start halo "$CLIENT_MARK"
conn_og connector show halo --tenant acme --json
check "$([ "$(jq -r '.fields | join(",")' "$out")" = "client_id,client_secret,webhook_secret" ] && echo 0 || echo 1)" "e2e: connector show"
# a sync through the registry: a mapped company's project becomes an opsgate project with its
# Halo data (project.json); a second sync changes nothing
simpost seed '{"clients": 3, "projects": 3, "tasks_every": 1, "tasks": 3}'
og connector map halo --tenant acme --company 1 >/dev/null 2>&1 || bad "e2e: connector map"
conn_og connector sync halo --tenant acme --json
check "$([ "$rc" = 0 ] && [ "$(jq -r '.outcome + "|" + (.changes|tostring) + "|" + (.unmapped|tostring)' "$out")" = "ok|1|2" ] && echo 0 || echo 1)" "e2e: connector sync"
n=$((n + 1)); out="$T/out.$n" err="$T/err.$n"
og artifact get --tenant acme --project halo-1 --name project.json --output "$out" 2>"$err"
check "$([ "$(jq -r '.psa.budget_hours + "|" + .phases[0].tasks[0].hours + "|" + .client.name' "$out" 2>/dev/null)" = "40.5|7.5|Client 1" ] && echo 0 || echo 1)" "e2e: the synced project data"
conn_og connector sync halo --tenant acme --json
check "$([ "$rc" = 0 ] && [ "$(jq -r '.changes' "$out")" = 0 ] && echo 0 || echo 1)" "e2e: a second sync changes nothing"
n=$((n + 1)); out="$T/out.$n" err="$T/err.$n"
og connector add halo-bad --tenant acme --kind halopsa --base-url "$PB" --credentials-file - \
  <"$T/bad.json" >"$out" 2>&1 && og connector test halo-bad --tenant acme >"$out" 2>"$err"
rc=$?
check "$([ "$rc" = 1 ] && has "$err" "halo-bad" && has "$err" "The client credentials are invalid" && echo 0 || echo 1)" "e2e: wrong credentials"

sect "4."
# ---- 4. Prism saw no request violation; no secret anywhere in what the driver printed ----
if prism_rejects "$T/proxy.log" "[a-z]+ /api" >/dev/null; then
  bad "Prism proxy: a request violates Halo's document: $(prism_rejects "$T/proxy.log" "[a-z]+ /api" | head -3)"
else ok; fi
# answers: only undocumented status codes (Halo's document declares 200 only) may be flagged
if prism_answer_violations "$T/proxy.log" >/dev/null; then
  bad "Prism proxy: a simulator answer violates the document: $(prism_answer_violations "$T/proxy.log" | head -3)"
else ok; fi
# every output of the driver and the CLI, and every file of the data folder (the database too),
# in clear, hex and base64 (secrets/scan.sh); the client id, not secret, must be seen
SCAN_CACHE="$T/scan"
mkdir -p "$SCAN_CACHE"
mapfile -t scanned < <(find "$T" -maxdepth 1 \( -name 'out.*' -o -name 'err.*' \); find "$D" -type f)
scan_prepare "${scanned[@]}"
for m in SECRET_MARK HOOK_MARK CLIENT_MARK; do
  printf '%s' "${!m}" >"$T/$m.bytes"
  secret_forms "$T/$m.bytes" "$T/$m.forms"
  hits=$(scan_hits "$T/$m.forms")
  if [ "$m" = CLIENT_MARK ]; then
    [ -n "$hits" ] && ok || bad "the scan is blind: the client id was not found"
  elif [ -n "$hits" ]; then
    bad "$m leaked into: $hits"
  else ok; fi
done
echo "done after $(($(date +%s) - CONN_START_S))s"
og_done
