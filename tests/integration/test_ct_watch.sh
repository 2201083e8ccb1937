#!/usr/bin/env bash
# test_ct_watch.sh - Certificate Transparency reconciliation against a simulator of the Cert
# Spotter API (tests/certs/sim_certspotter.py): a watched domain with its subdomains, paging by
# `after` (one issuance a page), 429 with Retry-After waited out, the bearer key sealed and sent;
# a certificate of ours (imported, so the inventory holds it; the simulator serves its real
# SHA-256) closes the loop (cert show: logged in CT) and raises nothing; an issuance by another
# CA for a watched name raises exactly one alert (a ct.unknown_issuance gate review) however
# often it is polled; marking it expected is audited and the next similar one (a renewal by the
# same issuer for the same names) raises nothing, while a subdomain's certificate by a third CA
# does, and our renewal logged only as a precertificate (simulated: the TBS hash of the
# certificate we hold, another digest) is ours by its TBS hash. Then the same over HTTP, another
# tenant's finding is 404, and bad input is refused.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed" >&2; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed" >&2; exit 77; }
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$OG_TMP
D=$T/data
og_fixture "$D" acme/ada:tenant-admin acme/eve:engineer acme/aud:auditor globex/gus:tenant-admin
KEY="cs-key-MARK-7f3a19"
run() { # WANT WHAT COMMAND...: exit status WANT; stdout in $T/out, stderr in $T/err
  local want=$1 what=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  [ "$rc" = "$want" ] && ok || bad "$what: exit $rc, want $want: $(head -c 600 "$T/err")"
}
alerts() { og gate list --tenant acme --json | jq '[.gates[]? // .[]? | select(.kind == "ct.unknown_issuance")] | length'; }

# ---- our certificate: a test CA's leaf for www.example.com, imported with its key
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
  -out "$T/ca.pem" -subj "/CN=Our Test CA" -days 30 2>/dev/null || bad "the CA"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/leaf.key" \
  -out "$T/leaf.csr" -subj "/CN=www.example.com" 2>/dev/null || bad "the CSR"
printf 'subjectAltName=DNS:www.example.com\n' >"$T/ext"
openssl x509 -req -in "$T/leaf.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
  -days 20 -extfile "$T/ext" -out "$T/leaf.pem" 2>/dev/null || bad "the leaf"
cat "$T/leaf.pem" "$T/leaf.key" >"$T/bundle.pem"
run 0 "import ours" og cert import --tenant acme "$T/bundle.pem"
OURS=$(openssl x509 -in "$T/leaf.pem" -outform DER | sha256sum | cut -c1-64)
h() { printf '%s' "$1" | sha256sum | cut -c1-64; }
EVIL_KEY=$(h evil-ca-key) THIRD_KEY=$(h third-ca-key) OUR_CA_KEY=$(h our-ca-key)
iss() { # ID CERT_SHA256 NAMES_JSON ISSUER_NAME ISSUER_KEY
  printf '{"id":"%s","tbs_sha256":"%s","cert_sha256":"%s","pubkey_sha256":"%s","not_before":"2026-12-01T00:00:00Z","not_after":"2027-03-01T00:00:00Z","revoked":false,"dns_names":%s,"issuer":{"friendly_name":"%s","name":"C=US, O=%s, CN=%s","pubkey_sha256":"%s","caa_domains":["%s.example"]}}' \
    "$1" "$(h "tbs$1")" "$2" "$(h "pub$1")" "$3" "$4" "$4" "$4" "$5" "$(tr 'A-Z ' 'a-z-' <<<"$4")"
}
# 1001 ours; 1002 another CA for a watched name; 1003 not ours (another domain): never served
echo "[$(iss 1001 "$OURS" '["www.example.com"]' 'Our Test CA' "$OUR_CA_KEY"),
 $(iss 1002 "$(h cert1002)" '["shop.example.com"]' 'Evil CA' "$EVIL_KEY"),
 $(iss 1003 "$(h cert1003)" '["www.other.test"]' 'Evil CA' "$EVIL_KEY")]" >"$T/feed.json"
jq -e 'length == 3' "$T/feed.json" >/dev/null || bad "the feed is not JSON"
python3 "$SRC/tests/certs/sim_certspotter.py" --feed "$T/feed.json" --log "$T/sim.log" \
  --port-file "$T/sim.port" --key "$KEY" --page-size 1 --rate-limit 1 &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null; wait $SIM_PID 2>/dev/null; og_cleanup' EXIT
for _ in $(seq 1 100); do [ -s "$T/sim.port" ] && break; sleep 0.1; done
SIM="http://127.0.0.1:$(cat "$T/sim.port")"

# ---- watches and the source
run 0 "watch add" og cert watch add --tenant acme example.com --subdomains
run 1 "the same again" og cert watch add --tenant acme EXAMPLE.com.
grep -q "already" "$T/err" && ok || bad "a second watch of a domain: $(cat "$T/err")"
for badname in '*.example.com' 'com' '10.0.0.1' 'ex_ample.com' '-a.example.com' "$(printf 'a%.0s' $(seq 64)).com"; do
  run 1 "watch add '$badname' is refused" og cert watch add --tenant acme -- "$badname"
done
run 1 "watch add as an auditor" og --as aud cert watch add --tenant acme example.org
run 1 "a poll without a source" og cert watch poll --tenant acme
grep -q "CT source not found" "$T/err" && ok || bad "poll without a source: $(cat "$T/err")"
printf '%s\n' "$KEY" >"$T/key"
run 1 "a loopback source before egress allows it" og cert watch source set --tenant acme \
  --base-url "http://127.0.0.1:1" --key-file "$T/key"
run 0 "egress allow loopback" og notify egress allow 127.0.0.0/8 --note "the CT simulator"
run 1 "source set as an engineer" og --as eve cert watch source set --tenant acme --base-url "$SIM" --key-file "$T/key"
run 0 "source set" og --as ada cert watch source set --tenant acme --base-url "$SIM" --key-file "$T/key" \
  --retry-after-max 5
[ "$(jq -r '.key' "$T/out")" = true ] && ok || bad "the source holds its key: $(cat "$T/out")"
grep -q "$KEY" "$T/out" && bad "the key is shown" || ok
grep -q "$KEY" <<<"$(og_sql "$D" "SELECT sealed_key FROM ct_sources")" && bad "the key is stored in clear" || ok

# ---- the first poll: a 429 waited out, three pages (one issuance each) and an empty one
run 0 "poll" og cert watch poll --tenant acme --json
w=$(jq -c '.watches[0]' "$T/out")
[ "$(jq -r '[.pages, .issuances, .new, .unknown, .known] | map(tostring) | join(" ")' <<<"$w")" = "2 2 2 1 1" ] &&
  ok || bad "first poll: $w"
[ "$(jq -s '[.[] | select(.status == 429)] | length' "$T/sim.log")" = 1 ] && ok || bad "no 429 seen: $(cat "$T/sim.log")"
[ "$(jq -s '[.[] | select(.status == 200)] | length' "$T/sim.log")" = 3 ] && ok || bad "pages: $(cat "$T/sim.log")"
jq -e -s 'all(.[]; .auth == "Bearer '"$KEY"'")' "$T/sim.log" >/dev/null && ok || bad "the bearer key was not sent"
jq -e -s '.[1].query | .domain == ["example.com"] and .include_subdomains == ["true"] and
  .expand == ["dns_names","issuer"] and (has("after") | not)' "$T/sim.log" >/dev/null && ok ||
  bad "the first request: $(sed -n 2p "$T/sim.log")"
jq -e -s '.[2].query.after == ["1001"] and .[3].query.after == ["1002"]' "$T/sim.log" >/dev/null && ok ||
  bad "paging by after: $(cat "$T/sim.log")"
[ "$(alerts)" = 1 ] && ok || bad "one unknown issuance raises one alert, got $(alerts)"
run 0 "findings" og cert watch findings --tenant acme --json
[ "$(jq -r '[.findings[] | .verdict + ":" + .state] | sort | join(",")' "$T/out")" = "ours-inventory:closed,unknown:open" ] &&
  ok || bad "findings: $(cat "$T/out")"
F=$(jq -r '.findings[] | select(.state == "open") | .id' "$T/out")
[ "$(jq -r '.findings[] | select(.state == "open") | .finding' "$T/out")" = unknown-issuance ] && ok || bad "the finding's name"
run 0 "cert show ours" og cert show --tenant acme "$OURS" --json
[ "$(jq -r '.ct.logged, .ct.issuances[0].verdict' "$T/out" | paste -sd' ')" = "true ours-inventory" ] && ok ||
  bad "cert show: our renewal is logged in CT: $(jq -c .ct "$T/out")"
run 0 "cert show text" og cert show --tenant acme "$OURS"
grep -q "^ct .*logged (ours-inventory" "$T/out" && ok || bad "cert show text: $(cat "$T/out")"

# ---- polling again raises no duplicate
run 0 "poll again" og cert watch poll --tenant acme --json
[ "$(jq -r '.watches[0].new' "$T/out")" = 0 ] && ok || bad "second poll: $(cat "$T/out")"
[ "$(tail -n 1 "$T/sim.log" | jq -r '.query.after[0]')" = 1002 ] && ok || bad "the cursor is kept: $(tail -n 1 "$T/sim.log")"
[ "$(alerts)" = 1 ] && ok || bad "re-polling raised a duplicate alert: $(alerts)"

# ---- marked expected: audited, and teaches the matcher
run 1 "an auditor may not mark it" og --as aud cert watch expect --tenant acme "$F"
run 1 "another tenant's finding is not found" og --as gus cert watch expect --tenant globex "$F"
grep -q "no CT finding" "$T/err" && ok || bad "globex: $(cat "$T/err")"
run 0 "expect" og --as eve cert watch expect --tenant acme "$F" --note "the client's shop, ordered by them"
[ "$(jq -r .state "$T/out" 2>/dev/null || echo)" = "" ] || true
run 1 "expect twice" og cert watch expect --tenant acme "$F"
grep -q "not open" "$T/err" && ok || bad "a decided finding: $(cat "$T/err")"
run 0 "audit" og audit list --tenant acme --action ct.finding.expect --limit 1000 --json
jq -e '[.records[]? // .[]? | select(.action == "ct.finding.expect")] | length == 1' "$T/out" >/dev/null && ok ||
  bad "ct.finding.expect is not audited once"
jq -e '[.records[]? // .[]? | select(.action == "ct.finding.expect")][0].analysis.pattern.names == ["shop.example.com"]' "$T/out" >/dev/null && ok ||
  bad "the audited pattern: $(jq -c '[.records[]? // .[]? | select(.action == "ct.finding.expect")]' "$T/out")"
run 0 "expected list" og cert watch expected --tenant acme --json
[ "$(jq -r '.expected | length' "$T/out")" = 1 ] && ok || bad "expected patterns: $(cat "$T/out")"

# ---- the next similar one raises nothing; a subdomain's by a third CA does; our renewal
# logged only as a precertificate (its digest is nobody's here) is ours by its TBS hash
openssl x509 -req -in "$T/leaf.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
  -days 19 -extfile "$T/ext" -out "$T/leaf2.pem" 2>/dev/null || bad "the renewed leaf"
cat "$T/leaf2.pem" "$T/leaf.key" >"$T/bundle2.pem"
run 0 "import our renewal" og cert import --tenant acme "$T/bundle2.pem"
PRE=$(iss 1006 "$(h unused)" '["www.example.com"]' 'Our Test CA' "$OUR_CA_KEY" |
  jq -c --arg f "$T/leaf2.pem" '. + {precert_of: $f}')
jq ". + [$(iss 1004 "$(h cert1004)" '["shop.example.com"]' 'Evil CA' "$EVIL_KEY"),
 $(iss 1005 "$(h cert1005)" '["api.dev.example.com"]' 'Third CA' "$THIRD_KEY"), $PRE]" "$T/feed.json" >"$T/feed2" &&
  mv "$T/feed2" "$T/feed.json"
run 0 "poll the renewal, the subdomain and our precertificate" og cert watch poll --tenant acme --json
[ "$(jq -r '.watches[0] | [.new, .expected, .unknown, .known] | map(tostring) | join(" ")' "$T/out")" = "3 1 1 1" ] && ok ||
  bad "third poll: $(cat "$T/out")"
[ "$(alerts)" = 2 ] && ok || bad "the expected renewal or our precertificate raised an alert, or the subdomain none: $(alerts)"
run 0 "findings closed" og cert watch findings --tenant acme --state closed --json
OURS2=$(openssl x509 -in "$T/leaf2.pem" -outform DER | sha256sum | cut -c1-64)
jq -e --arg o "$OURS2" '[.findings[] | select(.remote_id == "1006")][0] |
  .verdict == "ours-inventory" and .finding == null and .cert_sha256 != $o and (.tbs_sha256 | length) == 64' \
  "$T/out" >/dev/null && ok || bad "the precertificate of our renewal is not ours: $(cat "$T/out")"
run 0 "cert show our renewal" og cert show --tenant acme "$OURS2" --json
[ "$(jq -r '.ct.logged, (.ct.issuances | map(.remote_id) | join(","))' "$T/out" | paste -sd' ')" = "true 1006" ] && ok ||
  bad "cert show: our renewal logged as a precertificate is not shown as logged: $(jq -c .ct "$T/out")"
run 0 "findings expected" og cert watch findings --tenant acme --state expected --json
[ "$(jq -r '.findings | length' "$T/out")" = 2 ] && ok || bad "expected findings: $(cat "$T/out")"
run 0 "incident" og cert watch incident --tenant acme "$(og cert watch findings --tenant acme --state open --json | jq -r '.findings[0].id')" --note "not theirs"
run 0 "watch list" og cert watch list --tenant acme --json
[ "$(jq -r '.watches[0] | [.domain, .subdomains, .issuances, .cursor] | map(tostring) | join(" ")' "$T/out")" = "example.com true 5 1006" ] &&
  ok || bad "watch list: $(cat "$T/out")"

# ---- a watch without subdomains asks so
run 0 "a second watch" og cert watch add --tenant acme other.test
run 0 "poll it" og cert watch poll --tenant acme other.test --json
jq -e -s '.[-1].query.include_subdomains == ["false"] and .[-1].query.domain == ["other.test"]' "$T/sim.log" >/dev/null && ok ||
  bad "include_subdomains=false: $(tail -n 1 "$T/sim.log")"

# ---- a wrong key: the poll fails naming the source, the watch keeps the error
printf 'wrong\n' >"$T/key2"
run 0 "source set with a wrong key" og cert watch source set --tenant acme --base-url "$SIM" --key-file "$T/key2"
run 1 "poll with a wrong key" og cert watch poll --tenant acme
grep -q "401" "$T/err" && ok || bad "a refused key: $(cat "$T/err")"
grep -q "wrong" "$T/err" && bad "the key is in the message" || ok
run 0 "source set back" og cert watch source set --tenant acme --base-url "$SIM" --key-file "$T/key"

# ---- over HTTP, the server's scheduler every second
OPSGATE_JOBS_EVERY=1s og_serve "$D"
api GET /api/v1/tenants/acme/certs/watches "$eve"
expect_status 200 "GET watches"
expect_jq '.watches | length' 2 "two watches"
api POST /api/v1/tenants/acme/certs/watches "$eve" '{"domain":"example.net","subdomains":false}'
expect_status 201 "POST watch"
wid=$(jq -r .id <<<"$body")
# the scheduler polls a watch never polled (the others were, within the poll interval)
for _ in $(seq 1 60); do
  api GET /api/v1/tenants/acme/certs/watches "$eve"
  [ "$(jq -r '.watches[] | select(.domain == "example.net") | .polled_at' <<<"$body")" != null ] && break
  sleep 0.25
done
expect_jq '.watches[] | select(.domain == "example.net") | .polled_at | type' string "the scheduler polled the new watch"
jq -e -s 'any(.[]; .query.domain == ["example.net"] and .query.include_subdomains == ["false"])' "$T/sim.log" >/dev/null &&
  ok || bad "the scheduler's poll did not reach the source"
api POST /api/v1/tenants/acme/certs/watches "$eve" '{"domain":"*.example.net"}'
expect_status 400 "a wildcard watch"
api POST /api/v1/tenants/acme/certs/watches "$aud" '{"domain":"example.io"}'
expect_status 403 "an auditor adds no watch"
api POST /api/v1/tenants/acme/certs/watches/poll "$eve" '{"watch":"example.com"}'
expect_status 200 "POST poll"
expect_jq '.watches[0].new' 0 "nothing new"
api GET "/api/v1/tenants/acme/certs/ct-findings?state=incident" "$aud"
expect_status 200 "GET findings"
expect_jq '.findings | length' 1 "one incident"
api POST "/api/v1/tenants/acme/certs/ct-findings/$F/expect" "$eve" '{"scope":"names"}'
expect_status 409 "an expected finding is not open"
api POST "/api/v1/tenants/globex/certs/ct-findings/$F/incident" "$gus" '{}'
expect_status 404 "another tenant's finding"
api GET /api/v1/tenants/acme/certs/ct-source "$eve"
expect_status 200 "GET source"
expect_jq '.key' true "the key is held"
api PUT /api/v1/tenants/acme/certs/ct-source "$eve" "{\"base_url\":\"$SIM\",\"key\":\"$KEY\"}"
expect_status 403 "an engineer sets no source key"
api PUT /api/v1/tenants/acme/certs/ct-source "$ada" "{\"base_url\":\"$SIM\",\"key\":\"$KEY\",\"options\":{\"poll_interval\":\"2h\"}}"
expect_status 200 "PUT source"
expect_jq '.options.poll_interval' 2h "options kept"
api DELETE "/api/v1/tenants/acme/certs/watches/$wid" "$eve"
expect_status 204 "DELETE watch"
api DELETE "/api/v1/tenants/acme/certs/watches/$wid" "$eve"
expect_status 404 "DELETE again"
og_stop
og_done
