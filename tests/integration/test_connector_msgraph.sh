#!/usr/bin/env bash
# test_connector_msgraph.sh - the Microsoft Graph adaptor (msgraph) against Graph's own API
# description (Prism) and a stateful simulator (tests/connectors/sim_msgraph.py) checked by Prism,
# through og_conn_driver, then end to end over the CLI: app credentials in the inventory of the
# right tenant with expiry alerts, Intune devices as scan targets.
#
# Layout: the adaptor's Graph base is the simulator's front, which passes every /v1.0 call to
# Prism (a mock of the document, or a proxy with --errors in front of the simulator's API:
# requests and answers checked), and answers Entra's token endpoint itself (it is not part of
# Graph's document: tokens never go through Prism; the adaptor sends a token request only to
# Entra's login host or the Graph base's own origin, so the login base is the front too; the
# simulator's separate login listener is the "another host" that must never see one). Faults Prism's proxy
# would rewrite (a malformed or huge body) go from the simulator straight to the adaptor
# (/_sim/front direct).
export OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connector_lib.sh"
start_s=$CONN_START_S

src=$CONN_SRC
drv=$CONN_DRV
conn_need_tools python3 node openssl
conn_need_driver
conn_need_spec msgraph openapi-subset.yaml Graph
conn_need_prism

SECRET_MARK="graph-secret-MARK-7e51a0"
ORG=2b1e8c5a-9d3f-4e6a-b7c8-d9e0f1a2b3c4
CLIENT=0f6f5d4e-3c2b-4a19-8877-665544332211
T=$OG_TMP

# the app's certificate credential (its key never leaves the test folder but in the credentials)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 30 \
  -subj "/CN=opsgate-graph" 2>/dev/null || { echo "FAIL: openssl req" >&2; exit 1; }
# sim NAME UPSTREAM_PORT: start a simulator; sets <NAME>_API, <NAME>_FRONT, <NAME>_LOGIN
sim() {
  python3 "$src/tests/connectors/sim_msgraph.py" --upstream "http://127.0.0.1:$2" \
    --port-file "$T/$1.ports" --client-id "$CLIENT" --client-secret "$SECRET_MARK" \
    --org-id "$ORG" --cert "$T/cert.pem" >"$T/$1.log" 2>&1 &
  CONN_PIDS="$CONN_PIDS $!"
  wait_file "$T/$1.ports" || { echo "FAIL: simulator $1 did not start" >&2; cat "$T/$1.log" >&2; exit 1; }
  read -r api front login <"$T/$1.ports"
  eval "${1}_API=$api ${1}_FRONT=$front ${1}_LOGIN=$login"
}

CONN_SIM=sim conn_pair msgraph

cat >"$T/creds.json" <<EOF2
{"entra_tenant": "$ORG", "client_id": "$CLIENT", "client_secret": "$SECRET_MARK"}
EOF2
jq --rawfile k "$T/key.pem" --rawfile c "$T/cert.pem" \
  '{entra_tenant, client_id, private_key_pem: $k, certificate_pem: $c}' "$T/creds.json" >"$T/cert_creds.json"
echo "{\"login_base_url\": \"http://127.0.0.1:$P_FRONT\", \"max_attempts\": 3, \"backoff_base_ms\": 50}" >"$T/opts.json"
jq '.page_size = 4' "$T/opts.json" >"$T/opts4.json"
PB="http://127.0.0.1:$P_FRONT"
SIM="http://127.0.0.1:$P_API"
n=0
# run CREDS BASE OPTS OP ARGS...: the driver; sets out, err, rc, reqs, pages
run() {
  n=$((n + 1))
  local creds=$1 base=$2 opts=$3
  shift 3
  out="$T/out.$n" err="$T/err.$n"
  "$drv" msgraph "$base" "$creds" "$opts" "$@" >"$out" 2>"$err"
  rc=$?
  reqs=$(tail -n 1 "$err" | jq -r '.requests // empty' 2>/dev/null)
  pages=$(tail -n 1 "$err" | jq -r '.pages // empty' 2>/dev/null)
}
stats() { curl -s "$SIM/_sim/stats"; }
SELECT="id,appId,displayName,passwordCredentials,keyCredentials"

sect "1. Prism mock"
# ---- 1. Prism mock of Graph's document: the requests are accepted (its example organization
# has no tenant id, so the adaptor then refuses it: the answer was read and checked) ----
echo "{\"login_base_url\": \"http://127.0.0.1:$M_FRONT\"}" >"$T/opts_mock.json"
run "$T/creds.json" "http://127.0.0.1:$M_FRONT" "$T/opts_mock.json" test
check "$([ "$rc" = 1 ] && has "$err" "/v1.0/organization names no tenant id" && echo 0 || echo 1)" "mock: /v1.0/organization"
# the adaptor's other requests, as it sends them, each accepted by the mock
for p in "/v1.0/applications?\$select=$SELECT&\$top=999" "/v1.0/servicePrincipals?\$select=$SELECT&\$top=999" \
  "/v1.0/deviceManagement/managedDevices?\$select=id,deviceName,operatingSystem,osVersion,complianceState,managedDeviceOwnerType,lastSyncDateTime&\$top=999"; do
  code=$(curl -s -o "$T/mock.body" -w '%{http_code}' -H "Authorization: Bearer x" "http://127.0.0.1:$MOCK_PORT$p")
  [ "$code" = 200 ] && jq -e '.value | type == "array"' "$T/mock.body" >/dev/null && ok || bad "mock: GET ${p%%\?*} -> $code"
done
if prism_rejects "$T/mock.log" "get /v1.0" >/dev/null; then
  bad "Prism mock rejected a request: $(prism_rejects "$T/mock.log" "get /v1.0" | head -3)"
else ok; fi

sect "2. simulator behind Prism proxy"
simpost seed '{"apps": 3, "sps": 2, "devices": 6}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts.json" test
check "$([ "$rc" = 0 ] && [ "$(jq -r '.account + "|" + .entra_tenant' "$out")" = "Contoso Ltd|$ORG" ] && echo 0 || echo 1)" "test call"
[ "$(stats | jq -r '.scopes[-1] + "|" + (.grants[-1] | join(","))')" = \
  "https://graph.microsoft.com/.default|client_id,client_secret,grant_type,scope" ] && ok || bad "token request: $(stats | jq -c '.grants[-1]')"
# a verified domain names the Entra tenant as well as its id
jq '.entra_tenant = "contoso.onmicrosoft.com"' "$T/creds.json" >"$T/creds_dom.json"
run "$T/creds_dom.json" "$PB" "$T/opts.json" test
check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "test with the tenant's domain"
jq '.entra_tenant = "../../evil?x="' "$T/creds.json" >"$T/creds_bad.json"
run "$T/creds_bad.json" "$PB" "$T/opts.json" test
check "$([ "$rc" = 1 ] && [ "$reqs" = 0 ] && has "$err" "entra_tenant must be a directory (tenant) ID" && echo 0 || echo 1)" "a tenant that is not an id or a domain"
# the certificate credential: a client assertion Entra's checks accept (x5t#S256, signature)
run "$T/cert_creds.json" "$PB" "$T/opts.json" test
check "$([ "$rc" = 0 ] && [ "$(stats | jq -r '.asserted[-1] + "|" + (.grants[-1] | join(","))')" = \
  "RS256|client_assertion,client_assertion_type,client_id,grant_type,scope" ] && echo 0 || echo 1)" "certificate credential"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key2.pem" -out "$T/cert2.pem" -days 30 -subj /CN=other 2>/dev/null
jq --rawfile c "$T/cert2.pem" '.certificate_pem = $c' "$T/cert_creds.json" >"$T/cc_mismatch.json"
run "$T/cc_mismatch.json" "$PB" "$T/opts.json" test
check "$([ "$rc" = 1 ] && [ "$reqs" = 0 ] && has "$err" "certificate_pem is not a certificate of the key" && echo 0 || echo 1)" "key and certificate that do not belong together"
jq --rawfile k "$T/key2.pem" --rawfile c "$T/cert2.pem" '.private_key_pem = $k | .certificate_pem = $c' "$T/cert_creds.json" >"$T/cc_other.json"
run "$T/cc_other.json" "$PB" "$T/opts.json" test
check "$([ "$rc" = 1 ] && has "$err" "AADSTS700027" && has "$err" "(unauthorized)" && echo 0 || echo 1)" "a certificate the app does not have"
# a login base on another origin than Entra's or the Graph base's: nothing is sent there
before=$(stats | jq '.grants | length')
jq ".login_base_url = \"http://127.0.0.1:$P_LOGIN\"" "$T/opts.json" >"$T/opts_elsewhere.json"
run "$T/creds.json" "$PB" "$T/opts_elsewhere.json" test
check "$([ "$rc" = 1 ] && has "$err" "neither the base URL's host nor the vendor's token host: not sent" && [ "$(stats | jq '.grants | length')" = "$before" ] && echo 0 || echo 1)" "a token endpoint on another host is refused"
# wrong client secret: Entra's AADSTS message, never the secret
jq '.client_secret = "wrong-secret-VALUE-99"' "$T/creds.json" >"$T/bad.json"
run "$T/bad.json" "$PB" "$T/opts.json" test
check "$([ "$rc" = 1 ] && has "$err" "connector driver (msgraph): the token request POST /$ORG/oauth2/v2.0/token was refused (401)" && has "$err" "AADSTS7000215: Invalid client secret provided" && has "$err" "(unauthorized)" && ! grep -q "wrong-secret-VALUE" "$out" "$err" && echo 0 || echo 1)" "wrong client secret"

# app credentials: both lists, every page, the documented $select only
simpost seed '{"apps": 25, "sps": 7, "devices": 9}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts4.json" app-credentials
# 25 secrets, 8 certificates (every third app), 7 service principal certificates
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 40 ] && [ "$(jq -r .key_id "$out" | sort -u | wc -l)" = 40 ] && echo 0 || echo 1)" "40 app credentials"
# pages: organization 1, applications 7 (25 by 4), servicePrincipals 2; requests: + a token
check "$([ "$pages" = 10 ] && [ "$reqs" = 11 ] && echo 0 || echo 1)" "paging along @odata.nextLink: pages=$pages requests=$reqs"
[ "$(stats | jq -r '[.selects[] | select(startswith("id,appId"))] | unique | join(";")')" = "$SELECT" ] && ok ||
  bad "\$select: $(stats | jq -c '.selects | unique')"
thumb=$(python3 -c 'import hashlib; print(hashlib.sha1(b"cert3").hexdigest())')
[ "$(jq -r 'select(.app_name == "App 3" and .type == "certificate") | [.object_type, .name, .hint, .thumbprint, .company_id] | join("|")' "$out")" = \
  "application|CN=app3.example||$thumb|$ORG" ] && ok || bad "mapping: a certificate credential $(jq -c 'select(.app_name == "App 3")' "$out")"
[ "$(jq -r 'select(.app_name == "App 1") | [.type, .name, .hint, .app_id, .thumbprint] | join("|")' "$out")" = \
  "secret|secret 1.1|q1X|00000000-0000-0002-0000-000000000001|" ] && ok || bad "mapping: a client secret $(jq -c 'select(.app_name == "App 1")' "$out")"
[ "$(jq -r 'select(.app_name == "SP 2") | .object_type + "|" + .type' "$out")" = "servicePrincipal|certificate" ] && ok || bad "mapping: a service principal"
# a credential added, one changed, one removed between two pulls
simpost cred '{"op": "add", "app": 5, "days": 20}' >/dev/null
simpost cred '{"op": "change", "app": 4, "days": 90, "name": "renamed"}' >/dev/null
simpost cred '{"op": "remove", "app": 6}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts4.json" app-credentials
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 40 ] && [ "$(jq -r 'select(.app_name == "App 5") | .name' "$out" | sort | paste -sd,)" = "secret 5.1,secret 5.2" ] &&
  [ "$(jq -r 'select(.app_name == "App 4") | .name' "$out")" = renamed ] && [ -z "$(jq -r 'select(.app_name == "App 6" and .type == "secret")' "$out")" ] && echo 0 || echo 1)" "credentials added, changed, removed: $(jq -c "[.app_name,.name]" "$out" | tr "\n" " ")"
# a hostile server sends secretText: it is never read
simpost fault '{"kind": "secret_text", "count": 1}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts.json" app-credentials
simpost clear >/dev/null
check "$([ "$rc" = 0 ] && ! grep -q LEAKED "$out" "$err" && echo 0 || echo 1)" "secretText never read"

# Intune devices
run "$T/creds.json" "$PB" "$T/opts4.json" devices
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 9 ] && [ "$(jq -r .class "$out" | paste -sd,)" = \
  "workstation,server,workstation,other,other,workstation,workstation,server,workstation" ] && echo 0 || echo 1)" "9 Intune devices, classes"
[ "$(jq -r 'select(.name == "PC-0002") | [.company_id, (.addresses | length), .raw.complianceState] | map(tostring) | join("|")' "$out")" = \
  "$ORG|0|noncompliant" ] && ok || bad "device mapping $(head -2 "$out")"
simpost seed '{"intune": false}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts.json" devices
check "$([ "$rc" = 1 ] && [ ! -s "$out" ] && ! has "$err" "og_conn_driver:" && echo 0 || echo 1)" "Intune not granted: 1, no error"

sect "faults"
simpost seed '{"apps": 12, "sps": 2}' >/dev/null
# a wrong Entra tenant: refused, naming both
simpost seed '{"apps": 12, "sps": 2, "org_id": "99999999-8888-4777-8666-555555555555"}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts.json" app-credentials
check "$([ "$rc" = 1 ] && [ ! -s "$out" ] && has "$err" "the credentials reach Entra tenant 99999999-8888-4777-8666-555555555555 (Contoso Ltd), not the configured $ORG: refused" && echo 0 || echo 1)" "a wrong Entra tenant is refused"
simpost seed '{"apps": 12, "sps": 2}' >/dev/null
# a 429 storm (Graph documents 4XX answers: through the proxy), Retry-After honoured
simpost fault '{"kind": "429", "count": 2, "retry_after": 1}' >/dev/null
t0=$(date +%s)
run "$T/creds.json" "$PB" "$T/opts4.json" app-credentials
t1=$(date +%s)
check "$([ "$rc" = 0 ] && [ $((t1 - t0)) -ge 2 ] && [ "$(wc -l <"$out")" = 18 ] && echo 0 || echo 1)" "429 storm: waited $((t1 - t0))s"
simpost fault '{"kind": "429", "count": 9, "retry_after": 1}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts.json" app-credentials
simpost clear >/dev/null
check "$([ "$rc" = 1 ] && has "$err" "answered 429" && has "$err" "(busy)" && [ ! -s "$out" ] && echo 0 || echo 1)" "a 429 storm longer than the retries: busy"
# token expiry mid-pull: one re-auth
before=$(stats | jq .tokens)
simpost fault '{"kind": "expire", "count": 1}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts4.json" app-credentials
after=$(stats | jq .tokens)
check "$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 18 ] && [ $((after - before)) = 2 ] && echo 0 || echo 1)" "token expiry: one re-auth (tokens $before -> $after)"
# pages that never end
echo "{\"login_base_url\": \"http://127.0.0.1:$P_FRONT\", \"max_pages\": 5, \"page_size\": 4}" >"$T/opts_pages.json"
simpost fault '{"kind": "endless"}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts_pages.json" app-credentials
simpost clear >/dev/null
check "$([ "$rc" = 1 ] && has "$err" "more than 5 pages" && [ "$pages" = 6 ] && echo 0 || echo 1)" "endless pages stop at max_pages"
# straight to the adaptor: malformed JSON, a huge answer
simpost front '{"direct": true}' >/dev/null
simpost fault '{"kind": "malformed"}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts.json" test
check "$([ "$rc" = 1 ] && has "$err" "GET /v1.0/organization: the answer is not JSON" && echo 0 || echo 1)" "malformed JSON"
simpost fault '{"kind": "huge", "mb": 20}' >/dev/null
run "$T/creds.json" "$PB" "$T/opts.json" test
check "$([ "$rc" = 1 ] && has "$err" "GET /v1.0/organization: the answer is over" && has "$err" "(too_large)" && echo 0 || echo 1)" "a 20 MB answer"
simpost front '{"direct": false}' >/dev/null

sect "e2e"
# ---- end to end: add with the credentials on stdin, map the Entra tenant, sync ----
D="$T/data"
og() { "$OPSGATE" --data "$D" "$@"; }
ogo() { n=$((n + 1)); out="$T/out.$n" err="$T/err.$n"; og "$@" >"$out" 2>"$err"; rc=$?; }
admin=$(og_init "$D") && og tenant create acme >/dev/null && og tenant create beta >/dev/null ||
  bad "e2e: init, tenants"
# the login host obeys the egress policy: loopback is refused until allowed
ogo connector add fenced --tenant acme --kind msgraph --base-url "http://localhost:$P_FRONT" \
  --option "login_base_url=http://localhost:$P_FRONT" --credentials-file - <"$T/creds.json"
before=$(stats | jq '.grants | length')
ogo connector test fenced --tenant acme
check "$([ "$rc" = 1 ] && has "$err" "is refused: a loopback address" && [ "$(stats | jq '.grants | length')" = "$before" ] && echo 0 || echo 1)" "e2e: the login host obeys the egress policy"
og notify egress allow 127.0.0.0/8 >/dev/null || bad "e2e: egress allow"
simpost seed '{"apps": 3, "sps": 2, "devices": 4}' >/dev/null
ogo connector add graph --tenant acme --kind msgraph --base-url "$PB" --option "login_base_url=http://127.0.0.1:$P_FRONT" \
  --option backoff_base_ms=50 --credentials-file - <"$T/creds.json"
check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "e2e: connector add"
ogo --json connector test graph --tenant acme
check "$([ "$rc" = 0 ] && [ "$(jq -r '.ok' "$out")" = true ] && [ "$(jq -r '.account' "$out")" = "Contoso Ltd" ] && echo 0 || echo 1)" "e2e: connector test"
# the certificate credential through the registry: sealed, and it signs in
ogo connector add graphcert --tenant acme --kind msgraph --base-url "$PB" --option "login_base_url=http://127.0.0.1:$P_FRONT" \
  --credentials-file - <"$T/cert_creds.json"
ogo --json connector test graphcert --tenant acme
check "$([ "$rc" = 0 ] && [ "$(jq -r '.account' "$out")" = "Contoso Ltd" ] && [ "$(stats | jq -r '.asserted[-1]')" = RS256 ] && echo 0 || echo 1)" "e2e: certificate credential"
ogo --json connector kinds
check "$([ "$(jq -r '.kinds // . | map(select(.kind == "msgraph"))[0] | .category + ":" + (.pulls | join(","))' "$out")" = "cloud:companies,devices,app-credentials" ] && echo 0 || echo 1)" "e2e: connector kinds"
# before the map: everything is unmapped, nothing written
ogo --json connector sync graph --tenant acme
check "$([ "$(jq -r '[.outcome, .changes, .unmapped_companies[0].company_id] | join(",")' "$out")" = "ok,0,$ORG" ] && echo 0 || echo 1)" "e2e: unmapped Entra tenant"
ogo connector map graph --tenant acme --company "$ORG"
check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "e2e: connector map"
ogo --json connector sync graph --tenant acme
# 3 app secrets + 1 app certificate + 2 service principal certificates, 4 devices
check "$([ "$(jq -r '[.outcome, .records, .changes, .unmapped] | join(",")' "$out")" = "ok,10,10,0" ] && echo 0 || echo 1)" "e2e: sync $(jq -c 'del(.unmapped_companies)' "$out")"
ogo --json cert list --tenant acme
check "$([ "$(jq -r '[.certs[] | select(.kind == "app-credential")] | length' "$out")" = 6 ] && echo 0 || echo 1)" "e2e: cert list shows the 6 app credentials"
ogo --json cert list --tenant beta
check "$([ "$(jq -r '[.certs[] | select(.kind == "app-credential")] | length' "$out")" = 0 ] && echo 0 || echo 1)" "e2e: none in another tenant"
ogo --json cert targets --tenant acme
check "$([ "$(jq -r '.targets | map(.name) | sort | join(",")' "$out")" = "PC-0001,PC-0002,PC-0003,PC-0004" ] && echo 0 || echo 1)" "e2e: Intune devices are scan targets"
check "$([ "$(jq -r '.targets | sort_by(.name) | map(.compliance) | join(",")' "$out")" = "compliant,noncompliant,compliant,noncompliant" ] && echo 0 || echo 1)" "e2e: Intune compliance kept with each target"
# expiry alerts: App 1's secret expires in 10 days, App 2's expired
ogo cert check-expiry --tenant acme
ogo --json events list --tenant acme
check "$([ "$(jq -r '[.events // . | .[] | select(.type == "certs.expiring" or .type == "certs.expired") | select((.payload.kind // "") == "app-credential") | .type] | sort | join(",")' "$out")" = "certs.expired,certs.expiring" ] && echo 0 || echo 1)" "e2e: expiry alerts for app credentials"
# changes between syncs; Intune no longer granted (noted, devices kept)
simpost cred '{"op": "add", "app": 3, "days": 20}' >/dev/null
simpost cred '{"op": "change", "app": 2, "days": 90}' >/dev/null
simpost cred '{"op": "remove", "app": 1}' >/dev/null
simpost grant '{"intune": false}' >/dev/null
ogo --json connector sync graph --tenant acme
check "$([ "$(jq -r '[.outcome, .changes, (.notes | join(";"))] | join(",")' "$out")" = "ok,3,intune: not granted" ] && echo 0 || echo 1)" "e2e: a second sync $(jq -c 'del(.unmapped_companies)' "$out")"
ogo --json cert list --tenant acme
check "$([ "$(jq -r '[.certs[] | select(.kind == "app-credential")] | length' "$out")" = 6 ] && echo 0 || echo 1)" "e2e: one added, one removed"
ogo --json cert targets --tenant acme
check "$([ "$(jq -r '.targets | map(.name) | length' "$out")" = 4 ] && echo 0 || echo 1)" "e2e: devices kept while Intune is not granted"
# the same sync over HTTP
og_serve "$D" >/dev/null
api POST "/api/v1/connectors/graph/sync?tenant=acme" "$admin" '{}'
expect_status 200 "e2e: HTTP sync"
expect_jq '[.outcome, .changes, (.notes | join(";"))] | join(",")' "ok,0,intune: not granted" "e2e: HTTP sync outcome"
printf '%s' "$body" >"$T/out.http"
og_stop
# the note is in the stored history too
ogo --json connector sync-log graph --tenant acme --limit 2
check "$([ "$(jq -r '.syncs // . | map((.notes // []) | join(";")) | join(",")' "$out")" = "intune: not granted,intune: not granted" ] && echo 0 || echo 1)" "e2e: sync-log lists the notes"
ogo connector show graph --tenant acme
check "$(grep -q '^notes: *intune: not granted$' "$out" && echo 0 || echo 1)" "e2e: connector show lists the last sync's notes"
# a wrong Entra tenant: the sync refuses, nothing written
simpost seed '{"apps": 1, "sps": 0, "org_id": "99999999-8888-4777-8666-555555555555"}' >/dev/null
ogo --json connector sync graph --tenant acme
check "$([ "$rc" = 1 ] && has "$err" "not the configured $ORG: refused" && echo 0 || echo 1)" "e2e: a wrong Entra tenant is refused"
ogo --json cert list --tenant acme
check "$([ "$(jq -r '[.certs[] | select(.kind == "app-credential")] | length' "$out")" = 6 ] && echo 0 || echo 1)" "e2e: nothing written by the refused sync"
# a credential without a key id: the sync fails naming it, nothing written
simpost seed '{"apps": 3, "sps": 2}' >/dev/null
simpost fault '{"kind": "bad_keyid"}' >/dev/null
ogo --json connector sync graph --tenant acme
simpost clear >/dev/null
check "$([ "$rc" = 1 ] && has "$err" "a credential without a remote id" && echo 0 || echo 1)" "e2e: a credential without a key id fails the sync"
ogo --json cert list --tenant acme
check "$([ "$(jq -r '[.certs[] | select(.kind == "app-credential")] | length' "$out")" = 6 ] && echo 0 || echo 1)" "e2e: nothing written by the failed sync"
# a hostile server's secretText is not stored; the client secret appears nowhere
simpost seed '{"apps": 3, "sps": 2}' >/dev/null
simpost fault '{"kind": "secret_text", "count": 1}' >/dev/null
ogo --json connector sync graph --tenant acme
simpost clear >/dev/null
ogo --json cert list --tenant acme
before=$(jq -r '[.certs[] | select(.kind == "app-credential")] | length' "$out")
# the Entra tenant unmapped: its app credentials leave acme's inventory and its devices retire
ogo connector unmap graph --tenant acme --company "$ORG"
check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "e2e: connector unmap"
ogo --json cert list --tenant acme
check "$([ "$before" -gt 0 ] && [ "$(jq -r '[.certs[] | select(.kind == "app-credential")] | length' "$out")" = 0 ] && echo 0 || echo 1)" "e2e: unmapped: its $before app credentials left acme's cert list"
ogo --json cert targets --tenant acme
check "$([ "$(jq -r '.targets | length' "$out")" = 0 ] && echo 0 || echo 1)" "e2e: unmapped: its devices retired"
ogo audit verify
check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "e2e: audit verify"
ogo audit list --tenant acme --limit 1000 --json
ogo audit export --format jsonl

sect "4. violations, secrets"
if prism_rejects "$T/proxy.log" "get /v1.0" >/dev/null; then
  bad "Prism proxy: a request violates Graph's document: $(prism_rejects "$T/proxy.log" "get /v1.0" | head -3)"
else ok; fi
if grep "Violation: response" "$T/proxy.log" | grep -vq "Unable to match the returned status code"; then
  bad "Prism proxy: a simulator answer violates the document: $(grep 'Violation: response' "$T/proxy.log" | grep -v 'status code' | head -3)"
else ok; fi
# test of the scan: what is not secret (a credential's name) is found in the data folder
grep -rlaq -e "secret 3.1" "$D" && ok || bad "the scan is blind: a credential name is not in $D"
key_line=$(sed -n 2p "$T/key.pem")
[ -n "${OG_SERVER_LOG:-}" ] && cp "$OG_SERVER_LOG" "$T/out.serverlog"
if grep -rla -e "$SECRET_MARK" -e "LEAKED-secretText" -e "$key_line" "$T"/out.* "$T"/err.* "$D" 2>/dev/null | grep -q .; then
  bad "a secret was printed or stored in clear: $(grep -rla -e "$SECRET_MARK" -e "LEAKED-secretText" -e "$key_line" "$T"/out.* "$T"/err.* "$D")"
else ok; fi
echo "done after $(($(date +%s) - start_s))s"
og_done
