#!/usr/bin/env bash
# test_audit_cli.sh - `opsgate audit ...` end to end: verify, checkpoint, pubkey, prove,
# verify-proof offline, exports, bad input (exit 2 / 1), and tampering with the SQLite file.
set -uo pipefail
: "${OPSGATE:?set OPSGATE to the opsgate binary}"
for t in jq sqlite3 openssl; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed" >&2; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-audit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1" >&2; fails=$((fails + 1)); }
# expect CODE WHAT CMD... : run, compare the exit status; stdout in $tmp/out, stderr in $tmp/err
expect() {
  local want=$1 what=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then pass "$what"; else
    fail "$what: exit $got, wanted $want"; sed 's/^/    /' "$tmp/err" >&2; fi
}
expect_err() {   # expect_err REGEX WHAT : stderr of the last command
  if grep -Eq "$1" "$tmp/err"; then pass "$2"; else fail "$2: stderr was: $(cat "$tmp/err")"; fi
}

D="$tmp/data"
og() { "$OPSGATE" --data "$D" "$@"; }
expect 0 "init" og init
expect 0 "tenant create" og tenant create acme
expect 0 "user add" og user add --tenant acme alice --role engineer
expect 0 "user add, comma in nothing" og user add --tenant acme bob --role auditor

expect 0 "verify an intact trail" og audit verify
grep -q "intact" "$tmp/out" && pass "verify says intact" || fail "verify output: $(cat "$tmp/out")"
expect 0 "verify --json" og audit verify --json
[ "$(jq -r .intact "$tmp/out")" = "true" ] && pass "json intact" || fail "json: $(cat "$tmp/out")"

expect 1 "prove before any checkpoint fails" og audit prove --tenant acme --seq 1
expect_err "checkpoint" "and says to checkpoint"
expect 0 "checkpoint all chains" og audit checkpoint
expect 0 "checkpoint one tenant (unchanged)" og audit checkpoint --tenant acme --json
# the record opening acme's chain (with its tenant.create) and the two user.add
[ "$(jq -r .tree_size "$tmp/out")" = "3" ] && pass "acme checkpoint covers 3 records" ||
  fail "checkpoint: $(cat "$tmp/out")"

expect 0 "pubkey" og audit pubkey
cp "$tmp/out" "$tmp/pub.pem"
openssl pkey -pubin -in "$tmp/pub.pem" -noout 2>/dev/null && pass "openssl reads the pubkey" ||
  fail "openssl cannot read the pubkey"

expect 0 "prove seq 2" og audit prove --tenant acme --seq 2
cp "$tmp/out" "$tmp/proof.json"
[ "$(jq -r .record.seq "$tmp/proof.json")" = "2" ] && pass "proof carries the record" ||
  fail "proof: $(cat "$tmp/proof.json")"
# offline: no data folder at all
expect 0 "verify-proof offline" env OPSGATE_DATA=/nonexistent "$OPSGATE" audit verify-proof \
  "$tmp/proof.json" --pubkey "$tmp/pub.pem"
[ ! -e /nonexistent ] && pass "no data folder was created" || fail "a data folder appeared"
jq '.record.action = "user.remove"' "$tmp/proof.json" >"$tmp/forged.json"
expect 1 "a forged record fails" "$OPSGATE" audit verify-proof "$tmp/forged.json" --pubkey "$tmp/pub.pem"
expect_err "changed" "and says the record was changed"
jq '.checkpoint |= sub("\n[0-9]+\n"; "\n4\n") | .tree_size = 4' "$tmp/proof.json" >"$tmp/forged.json"
expect 1 "a forged checkpoint fails" "$OPSGATE" audit verify-proof "$tmp/forged.json" --pubkey "$tmp/pub.pem"
openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout >"$tmp/other.pem" 2>/dev/null
expect 1 "another key fails" "$OPSGATE" audit verify-proof "$tmp/proof.json" --pubkey "$tmp/other.pem"
expect_err "not signed by the given key" "and says so"

# ---- bad input ----
echo "not json {" >"$tmp/bad.json"
expect 2 "a proof file that is not JSON" "$OPSGATE" audit verify-proof "$tmp/bad.json" --pubkey "$tmp/pub.pem"
expect_err "line 1" "names the position"
echo '{"format":"something else"}' >"$tmp/bad.json"
expect 2 "a JSON file that is not a proof" "$OPSGATE" audit verify-proof "$tmp/bad.json" --pubkey "$tmp/pub.pem"
jq '.root_hash = "zz"' "$tmp/proof.json" >"$tmp/bad.json"
expect 2 "a proof with a malformed hash" "$OPSGATE" audit verify-proof "$tmp/bad.json" --pubkey "$tmp/pub.pem"
expect_err "root_hash" "names the field"
echo "garbage" >"$tmp/bad.pem"
expect 2 "a pubkey file that is not PEM" "$OPSGATE" audit verify-proof "$tmp/proof.json" --pubkey "$tmp/bad.pem"
expect_err "bad.pem" "names the file"
expect 1 "a missing proof file" "$OPSGATE" audit verify-proof "$tmp/none.json" --pubkey "$tmp/pub.pem"
expect_err "none.json" "names the file"
expect 2 "verify-proof without --pubkey" "$OPSGATE" audit verify-proof "$tmp/proof.json"
expect 2 "--seq abc" og audit prove --tenant acme --seq abc
expect_err "'abc'" "names the value"
expect 2 "--seq 0" og audit prove --tenant acme --seq 0
expect 2 "--seq -3" og audit prove --tenant acme --seq -3
expect 1 "--seq past the end" og audit prove --tenant acme --seq 999
expect 2 "--since garbage" og audit export --tenant acme --format csv --since yesterday
expect_err "'yesterday'" "names the value"
expect 2 "--until garbage" og audit export --tenant acme --format csv --until 2026-13-45
expect 2 "--format xml" og audit export --tenant acme --format xml
expect_err "'xml'" "names the value"
expect 2 "export without --format" og audit export --tenant acme
expect 2 "unknown subcommand" og audit frobnicate
expect 2 "unknown option" og audit verify --bogus
expect 1 "unknown tenant" og audit verify --tenant nosuch
expect_err "nosuch" "names the tenant"
expect 0 "help" og audit --help

# ---- exports ----
expect 0 "export jsonl" og audit export --tenant acme --format jsonl
[ "$(wc -l <"$tmp/out")" -eq 3 ] && pass "three jsonl lines" || fail "jsonl: $(cat "$tmp/out")"
jq -e -s 'all(.[]; (.hash | length) == 64)' "$tmp/out" >/dev/null && pass "every line has a hash" ||
  fail "jsonl lines lack hashes"
expect 0 "export csv" og audit export --tenant acme --format csv
head -1 "$tmp/out" | grep -q '^chain,tenant_name,seq,time,actor,actor_id,' && pass "csv header" ||
  fail "csv: $(head -2 "$tmp/out")"
expect 0 "export csv since tomorrow is only a header" og audit export --tenant acme --format csv --since 2999-01-01
[ "$(wc -l <"$tmp/out")" -eq 1 ] && pass "no rows" || fail "rows: $(cat "$tmp/out")"
expect 0 "list --json" og audit list --tenant acme --json --limit 1
[ "$(jq -r .next "$tmp/out")" = "1" ] && pass "list gives a cursor" || fail "list: $(cat "$tmp/out")"
# the shape GET /api/v1/audit returns: the chain's tenant, the records, the cursor as a string
jq -e '.tenant.name == "acme" and (.tenant.id | length) == 36 and .next == "1" and (.records | length) == 1' \
  "$tmp/out" >/dev/null && pass "list --json is the API's shape" || fail "list shape: $(cat "$tmp/out")"
expect 0 "list --json of the platform chain" og audit list --json
jq -e '.tenant == null and (.records | length) > 0' "$tmp/out" >/dev/null &&
  pass "the platform chain has no tenant" || fail "platform list: $(cat "$tmp/out")"

# ---- names next to ids: a user acting, an artifact, a certificate ----
acme=$(og tenant list --json | jq -r '.tenants[] | select(.name=="acme") | .id')
alice=$(og user list --tenant acme --json | jq -r '.users[] | select(.name=="alice") | .id')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=shop.acme.example \
  -addext subjectAltName=DNS:shop.acme.example,DNS:www.acme.example -days 30 \
  -keyout "$tmp/shop.key" -out "$tmp/shop.crt" 2>/dev/null
expect 0 "project create" og project create --tenant acme fw "Firewall refresh"
echo "scope of work" >"$tmp/sow.md"
expect 0 "artifact put as alice" og --as alice artifact put --tenant acme --project fw --name sow.md "$tmp/sow.md"
expect 0 "cert import" og cert import --tenant acme "$tmp/shop.crt"
expect 0 "export csv with names" og audit export --tenant acme --format csv
grep -q "^$acme,acme,1," "$tmp/out" && pass "csv: tenant name next to its id" || fail "csv tenant: $(cat "$tmp/out")"
grep -q ",user,$alice,alice," "$tmp/out" && pass "csv: the user added, by name and id" || fail "csv user: $(cat "$tmp/out")"
grep -Eq "local:[^,]+ as user:alice,$alice,.*,artifact\.put,artifact,[0-9a-f-]+,fw/sow\.md," "$tmp/out" &&
  pass "csv: alice's put names her id and the artifact fw/sow.md" || fail "csv artifact: $(cat "$tmp/out")"
grep -q ",target_name.$" <<<"$(grep "artifact\.put" "$tmp/out")" && pass "csv: the artifact's name is marked resolved" ||
  fail "csv resolved: $(cat "$tmp/out")"
grep -q 'certs.import,certificate,[0-9a-f]*,"CN=shop.acme.example (SANs shop.acme.example, www.acme.example)",' "$tmp/out" &&
  pass "csv: the certificate by subject and SANs" || fail "csv cert: $(cat "$tmp/out")"
expect 0 "export jsonl with names" og audit export --tenant acme --format jsonl
jq -e -s 'all(.[]; .tenant_name == "acme")' "$tmp/out" >/dev/null && pass "jsonl: every record names its tenant" ||
  fail "jsonl tenant: $(cat "$tmp/out")"
jq -e -s --arg a "$alice" 'any(.[]; .action == "artifact.put" and .actor_id == $a and .resolved.target_name == "fw/sow.md" and (.target | has("name") | not))' \
  "$tmp/out" >/dev/null && pass "jsonl: the sealed artifact name is resolved, not recorded" || fail "jsonl artifact: $(cat "$tmp/out")"
jq -e -s 'any(.[]; .action == "certs.import" and (.target.name | startswith("CN=shop.acme.example")))' "$tmp/out" >/dev/null &&
  pass "jsonl: the certificate's name is recorded" || fail "jsonl cert: $(cat "$tmp/out")"
expect 0 "list names targets" og audit list --tenant acme
grep -q "^audit chain of tenant acme (id $acme)" "$tmp/out" && pass "list: header names the tenant" || fail "list: $(cat "$tmp/out")"
grep -Eq "user:alice \(id $alice\) +artifact\.put +artifact fw/sow\.md \(id [0-9a-f-]+\)" "$tmp/out" &&
  pass "list: actor with id, artifact by name and id" || fail "list: $(cat "$tmp/out")"
expect 0 "export oscal with names" og audit export --tenant acme --format oscal
jq -e '."assessment-results".metadata.parties[] | select(.name == "acme" and .type == "organization")' "$tmp/out" >/dev/null &&
  pass "oscal: the tenant is a party" || fail "oscal party: $(jq .\"assessment-results\".metadata "$tmp/out")"
jq -e --arg a "$alice" '."assessment-results".metadata.parties[] | select(.props[]? | .name == "user-id" and .value == $a)' "$tmp/out" >/dev/null &&
  pass "oscal: alice's party carries her user id" || fail "oscal user party"
jq -r '."assessment-results".results[0].observations[].subjects[0].title' "$tmp/out" >"$tmp/titles"
grep -q "^artifact fw/sow.md (id [0-9a-f-]*) of tenant acme (id $acme)\$" "$tmp/titles" && pass "oscal: artifact subject title" ||
  fail "oscal titles: $(cat "$tmp/titles")"
grep -q "^certificate CN=shop.acme.example (SANs shop.acme.example, www.acme.example) (id [0-9a-f]*) of tenant acme" "$tmp/titles" &&
  pass "oscal: certificate subject title" || fail "oscal titles: $(cat "$tmp/titles")"
grep -q "^user alice (id $alice) of tenant acme" "$tmp/titles" && pass "oscal: user subject title" ||
  fail "oscal titles: $(cat "$tmp/titles")"

# ---- tampering with the file ----
db="$D/opsgate.db"
if sqlite3 "$db" "DELETE FROM audit_record" 2>"$tmp/err"; then fail "DELETE was allowed"; else
  pass "DELETE is refused by the database"; fi
expect_err "immutable" "because records are immutable"
tid=$(sqlite3 "$db" "SELECT DISTINCT chain FROM audit_record WHERE chain != 'platform'")
sqlite3 "$db" "DROP TRIGGER audit_record_no_update; UPDATE audit_record SET actor = 'user:mallory' WHERE chain = '$tid' AND seq = 2"
expect 1 "verify finds a changed record" og audit verify
expect_err "$tid.*seq 2" "names the chain and seq 2"
expect_err "audit chain of tenant acme \(id $tid\) is broken at seq 2 \(user\.add by user:mallory\)" \
  "names the tenant, and the record's action and actor"
expect 1 "verify --tenant finds it too" og audit verify --tenant acme
expect 1 "prove refuses a tampered chain" og audit prove --tenant acme --seq 2

[ "$fails" -eq 0 ] && { echo "all passed"; exit 0; }
echo "$fails check(s) failed" >&2
exit 1
