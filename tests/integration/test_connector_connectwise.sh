#!/usr/bin/env bash
# test_connector_connectwise.sh - the ConnectWise PSA adaptor (src/connector/vendor_connectwise*.c)
# driven by og_conn_driver:
#  1. against Prism mocking ConnectWise's own API description: every call the adaptor makes
#     (test, companies, projects, an incremental pull, one project, attach, ticket open/note/close)
#     passes Prism's request validation (Prism answers 422 to a request that violates it);
#  2. against the stateful simulator behind Prism's validating proxy (--errors): the mapping to
#     project data, Link and forward-only paging, incremental pulls (changed projects and changed
#     tickets, nothing changed = one page each), attachments and tickets that then exist;
#  3. against the simulator directly, for what the document does not describe (error answers,
#     redirects, which Prism would follow itself, callback keys) and the 2,500-project pull:
#     429 storms, wrong credentials, malformed JSON, endless pages, a 20 MB answer, a slow server,
#     redirects and page links to another host, callbacks signed with the key_url key or a shared
#     secret, and no secret in any output;
#  4. end to end through the registry's CLI: connector add (credentials on stdin), test, show,
#     map and sync (first sight, nothing changed, one change).
# Prism takes a while to start on a loaded machine: a longer watchdog than lib.sh's default
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connector_lib.sh"
src=$CONN_SRC driver=$CONN_DRV
conn_need_spec connectwise openapi-subset.prism.yaml ConnectWise
conn_need_tools python3 openssl
conn_need_driver
conn_need_prism

T=$OG_TMP
echo "$(date +%T) start" >&2
up() { curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; }

# the simulator, then Prism as a mock and as a validating proxy in front of the simulator
conn_bg python3 "$src/tests/connectors/sim_connectwise.py" --port-file "$T/sim.port" >"$T/sim.log" 2>&1
wait_file "$T/sim.port"
[ -s "$T/sim.port" ] || { echo "FAIL: the simulator did not start: $(cat "$T/sim.log")" >&2; exit 1; }
SIM="http://127.0.0.1:$(cat "$T/sim.port")"
# Both Prisms start at once; one that exits (another test took its port between the check and
# its bind) starts again on another port.
MOCK_PORT="" PROXY_PORT="" mock_pid="" proxy_pid=""
for try in 1 2 3 4 5; do
  if [ -z "$mock_pid" ]; then
    MOCK_PORT=$(free_port)
    conn_bg "$src/scripts/connector-mock.sh" mock connectwise "$MOCK_PORT" >"$T/mock.log" 2>&1
    mock_pid=$!
  fi
  if [ -z "$proxy_pid" ]; then
    PROXY_PORT=$(free_port)
    conn_bg "$src/scripts/connector-mock.sh" proxy connectwise "$PROXY_PORT" "$SIM" --errors >"$T/proxy.log" 2>&1
    proxy_pid=$!
  fi
  for i in $(seq 1 300); do
    up "$MOCK_PORT" && up "$PROXY_PORT" && break
    kill -0 "$mock_pid" 2>/dev/null || break
    kill -0 "$proxy_pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$mock_pid" 2>/dev/null || { echo "prism mock exited (try $try): $(tail -n 2 "$T/mock.log")" >&2; mock_pid=""; }
  kill -0 "$proxy_pid" 2>/dev/null || { echo "prism proxy exited (try $try): $(tail -n 2 "$T/proxy.log")" >&2; proxy_pid=""; }
  [ -n "$mock_pid" ] && [ -n "$proxy_pid" ] && up "$MOCK_PORT" && up "$PROXY_PORT" && break
done
up "$MOCK_PORT" && up "$PROXY_PORT" || { echo "FAIL: Prism did not start" >&2; exit 1; }
API=/v4_6_release/apis/3.0
MOCK="http://127.0.0.1:$MOCK_PORT$API"
PROXY="http://127.0.0.1:$PROXY_PORT$API"
DIRECT="$SIM$API"

PRIV=PRIVMARKER-cw-9f3a
HOOKSECRET=HOOKMARKER-cw-77c1
cat >"$T/creds.json" <<EOF
{"company_id":"acme","public_key":"pubKEY","private_key":"$PRIV","client_id":"11111111-2222-3333-4444-555555555555"}
EOF
sed "s/$PRIV/wrong-key/" "$T/creds.json" >"$T/bad.json"
jq --arg s "$HOOKSECRET" '.webhook_secret = $s' "$T/creds.json" >"$T/hookcreds.json"
echo '{"ticket_phase_id": 11, "ticket_project_id": 1}' >"$T/opts.json"
# the simulator needs its private key: restart is costly, so it takes it over its admin API
sim() {
  local d=${2:-'{}'}
  curl -sS --max-time 10 -X POST -d "$d" "$SIM/_sim/$1"
}
sim config "{\"private_key\": \"$PRIV\"}" >/dev/null

n=0
# drv BASE CREDS OPTS OP ARGS...: run the driver; $out = stdout, $err = stderr, $rc, $reqs
drv() {
  local base=$1 creds=$2 opts=$3
  shift 3
  n=$((n + 1))
  local t0=$(date +%s%N)
  "$driver" connectwise "$base" "$T/$creds" "$T/$opts" "$@" >"$T/out.$n" 2>"$T/err.$n"
  rc=$?
  echo "drv $n $* $(( ($(date +%s%N) - t0) / 1000000 )) ms" >>"$T/times"
  out=$(cat "$T/out.$n")
  err=$(cat "$T/err.$n")
  reqs=$(tail -n 1 "$T/err.$n" | jq -r .requests 2>/dev/null)
  pages=$(tail -n 1 "$T/err.$n" | jq -r .pages 2>/dev/null)
}
want_ok() { if [ "$rc" = 0 ]; then ok; else bad "$1: exit $rc: $err"; fi; }
want_fail() { # WHAT REGEX
  if [ "$rc" = 1 ] && grep -qE "$2" "$T/err.$n"; then ok; else bad "$1: exit $rc, want 1 and /$2/: $err"; fi
}
eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi; }

echo "$(date +%T) mock" >&2
# ---- 1. Prism mock: every request the adaptor sends validates against the document ----
printf '%%PDF-1.4 opsgate test\n' >"$T/sow.pdf"
echo '{}' >"$T/none.json"
drv "$MOCK" creds.json opts.json test; want_ok "mock: test"
drv "$MOCK" creds.json opts.json companies; want_ok "mock: companies"
drv "$MOCK" creds.json opts.json projects; want_ok "mock: projects"
drv "$MOCK" creds.json opts.json projects 2026-01-01T00:00:00Z; want_ok "mock: incremental projects"
drv "$MOCK" creds.json opts.json project 42; want_ok "mock: project"
drv "$MOCK" creds.json opts.json attach 42 "$T/sow.pdf" sow.pdf application/pdf "Statement of work v3"
want_ok "mock: attach (multipart POST /system/documents)"
drv "$MOCK" creds.json opts.json ticket-open 7 key-1 "Certificate expires" "www expires in 7 days"
want_ok "mock: ticket-open"
drv "$MOCK" creds.json opts.json ticket-note 99 key-1 "Certificate expires" "still expiring"
want_ok "mock: ticket-note"
drv "$MOCK" creds.json opts.json ticket-close 99 key-1 "Certificate expires" "renewed"
want_ok "mock: ticket-close"
if grep -qE 'Violation|UNPROCESSABLE_ENTITY' "$T/mock.log"; then
  bad "mock: Prism reports a violation: $(grep -E 'Violation|UNPROCESSABLE_ENTITY' "$T/mock.log" | head -3)"
else ok; fi
passed=$(grep -c 'The request passed the validation rules' "$T/mock.log")
[ "$passed" -ge 12 ] && ok || bad "mock: only $passed requests passed Prism's validation"
# the check has teeth: a request without clientId is refused by the mock
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.connectwise.com+json; version=2025.1' "$MOCK/company/companies")
eq "mock: a request without clientId is refused" "$code" 422

echo "$(date +%T) proxy" >&2
# ---- 2. the simulator behind Prism's validating proxy ----
# Prism forwards with the simulator's own Host: its Link headers must name the proxy
sim config "{\"public\": \"http://127.0.0.1:$PROXY_PORT\"}" >/dev/null
drv "$PROXY" creds.json opts.json test; want_ok "proxy: test"
eq "proxy: test names the account" "$out" '{"account":"acme"}'
drv "$PROXY" creds.json opts.json projects; want_ok "proxy: full pull"
cp "$T/out.$n" "$T/full.jsonl"
eq "proxy: 30 projects" "$(wc -l <"$T/full.jsonl")" 30
eq "proxy: a full pull of 30 projects: 1 page, 1 ticket batch, 30 phase lists" "$reqs" 32
got=$(jq -c 'select(.remote_id=="1") | .data' "$T/full.jsonl")
want='{"client":{"name":"Company 2"},"contacts":[{"name":"Carl Client","role":"Project contact","side":"client"},{"name":"Jane Doe","role":"Project manager","side":"provider"}],"phases":[{"end":"2026-04-30","id":"phase-11","name":"Design","start":"2026-04-01","tasks":[{"actual_hours":"6.25","hours":"7.5","id":"ticket-100","name":"Task 1.0","rate":"145.5","role":"Engineer"}]},{"end":"2026-06-30","id":"phase-12","name":"Build","start":"2026-05-01","tasks":[{"actual_hours":"0","hours":"0.1","id":"ticket-101","name":"Task 1.1","rate":"160","role":"Engineer"},{"actual_hours":"13.5","hours":"12.9999","id":"ticket-102","name":"Task 1.2","rate":"160","role":"Engineer"}]}],"project":{"manager":"Jane Doe","name":"Project 1"},"psa":{"actual_hours":"0.3","budget_amount":"6075.25","budget_hours":"40.5","company_id":"2","end":"2026-06-30","remote_id":"1","start":"2026-04-01","status":"Open","updated_at":"2026-03-01T00:00:00Z"}}'
eq "proxy: project 1 maps field by field" "$got" "$want"
eq "proxy: raw keeps the vendor's records" "$(jq -r 'select(.remote_id=="1") | [.raw.project.id, (.raw.phases|length), ([.raw.phases[].tasks[]]|length), .raw.company.id, (.raw.contacts|length)] | join(",")' "$T/full.jsonl")" "1,2,3,2,2"
eq "proxy: raw and data phases and tasks keep the same positions" "$(jq -r 'select(.remote_id=="3") | [([.raw.phases[] | [.id, (.tasks|map(.id))]] | tostring), ([.data.phases[] | [.id, (.tasks|map(.id))]] | tostring)] | join(" ")' "$T/full.jsonl")" '[[31,[300]],[32,[301,302]],[null,[309]]] [["phase-31",["ticket-300"]],["phase-32",["ticket-301","ticket-302"]],["phase-none",["ticket-309"]]]'

eq "proxy: company and stamp" "$(jq -r 'select(.remote_id=="1") | [.company_id, .company_name, .updated_at, .closed] | join(",")' "$T/full.jsonl")" "2,Company 2,2026-03-01T00:00:00Z,false"
echo '{"page_size": 2}' >"$T/p2.json"
drv "$PROXY" creds.json p2.json companies; want_ok "proxy: companies two by two"
eq "proxy: 5 companies over Link rel=next pages" "$(wc -l <"$T/out.$n") $pages" "5 3"
echo '{"page_size": 7, "forward_only": true}' >"$T/fwd.json"
drv "$PROXY" creds.json fwd.json projects; want_ok "proxy: forward-only paging"
eq "proxy: forward-only pageId paging yields every project once" "$(jq -r .remote_id "$T/out.$n" | sort -u | wc -l)" 30
cursor=$(jq -r .updated_at "$T/full.jsonl" | sort | tail -n 1)
drv "$PROXY" creds.json opts.json projects "$cursor"; want_ok "proxy: incremental, nothing changed"
eq "proxy: nothing changed: no project" "$(wc -l <"$T/out.$n")" 0
eq "proxy: nothing changed: one page of tickets and one of projects" "$reqs" 2
sim touch '{"project": 7, "budgetHours": 44.25, "name": "Project 7 (extended)"}' >/dev/null
drv "$PROXY" creds.json opts.json projects "$cursor"; want_ok "proxy: incremental after a change"
eq "proxy: only the changed project" "$(jq -r .remote_id "$T/out.$n" | tr '\n' ' ')" "7 "
eq "proxy: its new budget and name" "$(jq -r '[.data.psa.budget_hours, .data.project.name] | join(",")' "$T/out.$n")" "44.25,Project 7 (extended)"
cursor2=$(jq -r .updated_at "$T/out.$n")
[ "$cursor2" \> "$cursor" ] && ok || bad "proxy: updated_at did not move ($cursor2)"
sim touch-ticket '{"ticket": 1202, "budgetHours": 3}' >/dev/null
drv "$PROXY" creds.json opts.json projects "$cursor2"; want_ok "proxy: incremental after a ticket change"
eq "proxy: a changed ticket brings its project" "$(jq -r .remote_id "$T/out.$n" | tr '\n' ' ')" "12 "
eq "proxy: with the ticket's new hours" "$(jq -r '.data.phases[1].tasks[1] | [.id, .hours] | join(",")' "$T/out.$n")" "ticket-1202,3"
drv "$PROXY" creds.json opts.json project 7; want_ok "proxy: one project"
eq "proxy: one project by id" "$(jq -r .data.psa.budget_hours "$T/out.$n")" "44.25"
drv "$PROXY" creds.json opts.json attach 5 "$T/sow.pdf" 'sow "v3".pdf' application/pdf "Statement of work v3"
want_ok "proxy: attach"; doc1=$(jq -r .remote_id "$T/out.$n")
drv "$PROXY" creds.json opts.json attach 5 "$T/sow.pdf" sow.pdf application/pdf "Statement of work v3"
want_ok "proxy: attach again"; doc2=$(jq -r .remote_id "$T/out.$n")
[ -n "$doc1" ] && [ "$doc1" != "$doc2" ] && ok || bad "proxy: two attachments, two ids ($doc1, $doc2)"
stats=$(sim stats)
eq "proxy: the document exists on project 5" "$(jq -r '[.documents[] | select(.recordType=="Project" and .recordId==5)] | length' <<<"$stats")" 2
eq "proxy: with its title, file name and bytes" "$(jq -r '.documents[0] | [.title, .fileName, .data] | join("|")' <<<"$stats")" "Statement of work v3|sow__v3_.pdf|%PDF-1.4 opsgate test"
drv "$PROXY" creds.json opts.json ticket-open 2 alert-42 "Certificate www.example.com expires" "It expires in 7 days."
want_ok "proxy: ticket-open"; tid=$(jq -r .remote_id "$T/out.$n")
drv "$PROXY" creds.json opts.json ticket-note "$tid" alert-42 "Certificate www.example.com expires" "Renewal failed once."
want_ok "proxy: ticket-note"
drv "$PROXY" creds.json opts.json ticket-close "$tid" alert-42 "Certificate www.example.com expires" "Renewed."
want_ok "proxy: ticket-close"
stats=$(sim stats)
eq "proxy: the ticket as opened and closed" "$(jq -r --argjson id "$tid" '.tickets[] | select(.id==$id) | [.summary, .phase.id, .project.id, .company.id, .status.name] | join(",")' <<<"$stats")" "Certificate www.example.com expires,11,1,2,Closed"
eq "proxy: notes are text documents on the ticket" "$(jq -r --argjson id "$tid" '[.documents[] | select(.recordType=="ProjectTicket" and .recordId==$id)] | length' <<<"$stats")" 2
drv "$PROXY" creds.json none.json ticket-open 2 alert-43 "t" "b"
want_fail "proxy: a ticket without a configured phase" 'options.ticket_phase_id'
if grep -qE 'Violation|UNPROCESSABLE_ENTITY' "$T/proxy.log"; then
  bad "proxy: Prism reports a violation: $(grep -E 'Violation|UNPROCESSABLE_ENTITY' "$T/proxy.log" | head -3)"
else ok; fi

# ---- 3. the simulator directly: error answers, hostile servers, callbacks, size ----
sim config '{"public": ""}' >/dev/null
echo "$(date +%T) direct" >&2
drv "$DIRECT" creds.json opts.json project 999999; want_fail "a missing project" 'answered 404: "Project not found".*not_found'
sim config '{"storm": 2}' >/dev/null
start=$(date +%s)
drv "$DIRECT" creds.json opts.json test; want_ok "storm: two 429s then an answer"
eq "storm: three requests" "$reqs" 3
[ $(($(date +%s) - start)) -ge 2 ] && ok || bad "storm: Retry-After: 1 was not honoured"
sim config '{"storm": 9}' >/dev/null
echo '{"max_attempts": 2}' >"$T/two.json"
drv "$DIRECT" creds.json two.json test; want_fail "storm: a storm outlasting the retries" 'answered 429: "Slow down".*busy'
sim config '{"storm": 0}' >/dev/null
drv "$DIRECT" bad.json opts.json test
want_fail "wrong credentials: the connector and the vendor's message" 'connector driver \(connectwise\): GET .*/company/companies answered 401: "Authentication failed: invalid member keys for company acme\."'
sim config '{"malformed": true}' >/dev/null
drv "$DIRECT" creds.json opts.json projects; want_fail "malformed JSON" '/project/projects: the answer is not JSON'
eq "malformed JSON: nothing emitted" "$out" ""
echo '{"page_size": 5, "max_pages": 20}' >"$T/loop.json"
sim config '{"loop": true}' >/dev/null
drv "$DIRECT" creds.json loop.json projects; want_fail "endless pages" 'more than 20 pages.*too_large'
sim config '{"loop": false, "huge": true}' >/dev/null
drv "$DIRECT" creds.json opts.json projects; want_fail "a 20 MB answer" 'connector driver \(connectwise\): GET [/a-z0-9_.]*/project/projects: the answer is over 16777216 bytes: refused \(too_large\)'
eq "a 20 MB answer: nothing emitted" "$out" ""
sim config '{"slow": 8}' >/dev/null
echo '{"timeout_s": 1, "max_attempts": 1}' >"$T/slow.json"
start=$(date +%s)
drv "$DIRECT" creds.json slow.json test; want_fail "a slow server" 'GET .*/company/companies: .*[Tt]imed out after 1[0-9]{3} milliseconds'
[ $(($(date +%s) - start)) -lt 6 ] && ok || bad "a slow server: the timeout of 1 s took $(($(date +%s) - start)) s"
sim config '{"slow": 0, "redirect": "http://evil.example.com/steal"}' >/dev/null
drv "$DIRECT" creds.json opts.json test; want_fail "a redirect" 'answered 302, a redirect to http://evil.example.com/.*: not followed'
sim config '{"public": "http://evil.example.com:8080"}' >/dev/null
drv "$DIRECT" creds.json p2.json companies
want_fail "a page link to another host" 'pointed to http://evil.example.com:8080.*another host than the base URL: not followed.*forbidden'
sim config '{"public": ""}' >/dev/null

# callbacks: the key from key_url (on the base URL's host only), or a shared secret
sign() { openssl dgst -sha256 -hmac "$1" -binary "$2" | base64 -w0; }
hook() { # BODYFILE SIGNATURE
  { echo "Content-Type: application/json"; [ -n "$2" ] && echo "x-content-signature: $2"; } >"$T/hook.h"
}
printf '{"MessageId":"m1","Action":"updated","Type":"project","ID":7,"Entity":"{\\"id\\":7}","Metadata":{"key_url":"%s/cb/keys/k1"}}' "$SIM" >"$T/h1.json"
hook "$T/h1.json" "$(sign sim-signing-key-123 "$T/h1.json")"
drv "$DIRECT" creds.json opts.json webhook "$T/hook.h" "$T/h1.json"; want_ok "callback: a signed project callback"
eq "callback: names the project" "$out" '{"project_id":"7"}'
printf '{"MessageId":"m2","Action":"updated","Type":"ticket","ID":1202,"Entity":"{\\"id\\":1202,\\"project\\":{\\"id\\":12}}","Metadata":{"key_url":"%s/cb/keys/k1"}}' "$SIM" >"$T/h2.json"
hook "$T/h2.json" "$(sign sim-signing-key-123 "$T/h2.json")"
drv "$DIRECT" creds.json opts.json webhook "$T/hook.h" "$T/h2.json"; want_ok "callback: a project ticket callback"
eq "callback: a ticket names its project" "$out" '{"project_id":"12"}'
hook "$T/h1.json" "$(sign not-the-key "$T/h1.json")"
drv "$DIRECT" creds.json opts.json webhook "$T/hook.h" "$T/h1.json"; want_fail "callback: a wrong signature" 'signature does not match.*unauthorized'
hook "$T/h1.json" ""
drv "$DIRECT" creds.json opts.json webhook "$T/hook.h" "$T/h1.json"; want_fail "callback: no signature" 'without an x-content-signature'
sed "s#$SIM#http://127.0.0.2:$(cat "$T/sim.port")#" "$T/h1.json" >"$T/h3.json"
hook "$T/h3.json" "$(sign sim-signing-key-123 "$T/h3.json")"
drv "$DIRECT" creds.json opts.json webhook "$T/hook.h" "$T/h3.json"; want_fail "callback: key_url on another host" "not on the connector's base URL host: not fetched"
eq "callback: key_url on another host: nothing fetched" "$reqs" 0
printf '{"Type":"project","ID":8}' >"$T/h4.json"
hook "$T/h4.json" "$(sign "$HOOKSECRET" "$T/h4.json")"
drv "$DIRECT" hookcreds.json opts.json webhook "$T/hook.h" "$T/h4.json"; want_ok "callback: signed with the shared secret"
eq "callback: shared secret, project named" "$out" '{"project_id":"8"}'

echo "$(date +%T) big" >&2
# 2,500 projects over pages of 1,000 (directly: one phase list per project)
sim config '{"projects": 2500}' >/dev/null
drv "$DIRECT" creds.json opts.json projects; want_ok "2,500 projects"
echo "$(date +%T) big done" >&2
eq "2,500 projects, each once" "$(jq -r .remote_id "$T/out.$n" | sort -u | wc -l)" 2500
eq "2,500 projects: 3 project pages, 25 ticket batches, 2,500 phase lists" "$reqs" 2528

# ---- 4. end to end: the registry's CLI adds the connector and tests it against the simulator
sim config '{"projects": 30}' >/dev/null
D="$T/data"
e2e() { n=$((n + 1)); "$OPSGATE" --data "$D" "$@" >"$T/out.$n" 2>"$T/err.$n"; rc=$?; out=$(cat "$T/out.$n"); err=$(cat "$T/err.$n"); }
og_init "$D" >"$T/out.init" || bad "opsgate init failed"
e2e tenant create acme
e2e notify egress allow 127.0.0.0/8 --note "connectwise simulator"
e2e connector add cw --tenant acme --kind connectwise --base-url "$DIRECT" --credentials-file - <"$T/creds.json"
want_ok "e2e: connector add (credentials on stdin)"
e2e --json connector test cw --tenant acme
want_ok "e2e: connector test"
eq "e2e: connector test reaches the simulator" "$(jq -r '[.ok, .account] | join(",")' <<<"$out")" "true,acme"
e2e --json connector show cw --tenant acme
eq "e2e: show lists the secret field by name only" "$(jq -r '.fields | index("private_key") != null' <<<"$out")" "true"
e2e connector update cw --tenant acme --credentials-file - <"$T/bad.json"
e2e --json connector test cw --tenant acme
eq "e2e: wrong credentials fail the test" "$rc" 1
grep -q 'Authentication failed: invalid member keys' "$T/out.$n" "$T/err.$n" && ok ||
  bad "e2e: the vendor's message is not quoted: $out $err"

# the pull through the sync engine: projects of the mapped company become
# opsgate projects; nothing changed writes nothing; a change writes one
e2e connector update cw --tenant acme --credentials-file - <"$T/creds.json"
jq -n '{mapping: {"phases[].tasks[].rate": "?=120.00"}, defaults: {currency: "EUR",
    provider: {name: "Bluefin"}, payment_terms: {billing: "monthly", terms: "Net 30 days"},
    signoff: [{party: "Client", name: "Sponsor"}, {party: "Provider", name: "PM"}],
    scope: {in: ["The work"]}, deliverables: [{id: "D1", name: "Done", acceptance: "Signed"}],
    objectives: ["Deliver"]}}' >"$T/e2e-opts.json"
e2e connector update cw --tenant acme --options-file "$T/e2e-opts.json"
e2e connector map cw --tenant acme --company 2
e2e --json connector sync cw --tenant acme
eq "e2e: first sync: the 6 projects of company 2" "$(jq -r '[.outcome, .changes, .unmapped] | join(",")' <<<"$out")" "ok,6,24"
e2e --json project list --tenant acme
eq "e2e: their opsgate projects" "$(jq -r '[(.projects // .)[].key] | sort | join(",")' <<<"$out")" "cw-1,cw-11,cw-16,cw-21,cw-26,cw-6"
e2e --json connector sync cw --tenant acme
eq "e2e: nothing changed, nothing written" "$(jq -r '[.outcome, .changes] | join(",")' <<<"$out")" "ok,0"
sim touch '{"project": 16, "budgetHours": 99.5}' >/dev/null
e2e --json connector sync cw --tenant acme
eq "e2e: a changed project written once" "$(jq -r '[.outcome, .changes] | join(",")' <<<"$out")" "ok,1"

# no secret in any output
basic=$(printf 'acme+pubKEY:%s' "$PRIV" | base64 -w0)
if grep -lE "$PRIV|$HOOKSECRET|sim-signing-key-123|$basic" "$T"/out.* "$T"/err.* 2>/dev/null; then
  bad "a secret appears in the driver's output"
else ok; fi
[ "$og_fails" -eq 0 ] || cat "$T/times" >&2
og_done
