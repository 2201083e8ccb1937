#!/usr/bin/env bash
# test_audit_c2sp.sh - opsgate's checkpoints and proofs against implementations that share no code
# with it (issue 25): a verifier and a C2SP tlog-witness written in Go on golang.org/x/mod's
# sumdb/note and sumdb/tlog (tests/audit/go, built offline from Debian's GOPATH). The verifier
# accepts opsgate's signed notes, inclusion and consistency proofs; the witness cosigns every
# checkpoint the server's event handler sends it; a data folder rolled back and re-signed (the
# governance issue's rewrite) is refused by the witness, audited and raised as an alert on a
# notification channel. Also the witness role's HTTP reads and `verify --min-witnesses`.
. "$(dirname "$0")/lib.sh"
for t in go jq curl python3 sqlite3; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed (golang-go)" >&2; exit 77; }
done
GOSRC=/usr/share/gocode
[ -d "$GOSRC/src/golang.org/x/mod/sumdb/note" ] ||
  { echo "SKIP: golang-golang-x-mod-dev is not installed" >&2; exit 77; }
T=$OG_TMP
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

# ---- the independent tools: GOPATH mode, no network, no module proxy ----
for tool in verify witness; do
  if (cd "$SRC/tests/audit/go/$tool" && GOPATH=$GOSRC GO111MODULE=off GOPROXY=off GOFLAGS= \
      GOCACHE=$T/gocache go build -o "$T/$tool" . 2>"$T/go.err"); then ok
  else bad "go build $tool: $(cat "$T/go.err")"; og_done; fi
done

# run WANT WHAT CMD...: exit status WANT; stdout in $T/out, stderr in $T/err
run() {
  local want=$1 what=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok; else
    bad "$what: exit $got, want $want; stdout: $(head -c 600 "$T/out"); stderr: $(cat "$T/err")"; fi
}
has() { if grep -Eq -- "$2" "$1"; then ok; else bad "$3: $(head -c 800 "$1") lacks /$2/"; fi; }

D=$T/d
og() { "$OPSGATE" --data "$D" "$@"; }
og init >/dev/null 2>&1 || { bad "init"; og_done; }
og tenant create acme >/dev/null && og tenant create globex >/dev/null || bad "tenant create"
acme=$(og tenant list --json | jq -r '.tenants[] | select(.name=="acme") | .id')
globex=$(og tenant list --json | jq -r '.tenants[] | select(.name=="globex") | .id')
for u in alice bob carol; do og user add --tenant acme "$u" --role engineer >/dev/null || bad "user $u"; done
run 0 "checkpoint" og audit checkpoint
run 0 "pubkey --note" og audit pubkey --note
VK=$(cat "$T/out")
grep -Eq '^opsgate/[0-9a-f]{16}\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$' <<<"$VK" && ok || bad "note key: '$VK'"
LOGN=${VK%%+*}

# ---- the verifier: signed notes, inclusion proofs, consistency proofs ----
run 0 "consistency from 0 (the latest note)" og audit consistency --tenant acme --from 0
jq -j .checkpoint "$T/out" >"$T/acme.4"
run 0 "Go note.Open accepts acme's checkpoint" "$T/verify" checkpoint "$VK" "$T/acme.4"
has "$T/out" "^$LOGN/$acme 4 " "origin <log>/<chain>, size 4"
for s in 1 2 3 4; do
  og audit prove --tenant acme --seq "$s" >"$T/p$s.json" || bad "prove $s"
  run 0 "Go tlog.CheckRecord accepts the proof of record $s" "$T/verify" inclusion "$VK" "$T/p$s.json"
  run 0 "verify-proof with the note key (record $s)" og audit verify-proof "$T/p$s.json" --pubkey <(echo "$VK")
done
jq -e '.format == "opsgate-audit-inclusion-proof/2" and (.proof | length) == 2 and
       (.root_hash | test("=$"))' "$T/p1.json" >/dev/null && ok || bad "proof format 2: $(cat "$T/p1.json")"
# a forged proof and a forged note are refused by the outside verifier
jq '.proof[0] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="' "$T/p2.json" >"$T/forged.json"
run 1 "Go refuses a forged audit path" "$T/verify" inclusion "$VK" "$T/forged.json"
sed '2s/.*/5/' "$T/acme.4" >"$T/acme.forged"
run 1 "Go refuses a note whose size was changed" "$T/verify" checkpoint "$VK" "$T/acme.forged"
og user add --tenant acme dave --role auditor >/dev/null && og user add --tenant acme erin --role auditor >/dev/null
run 0 "checkpoint after growth" og audit checkpoint
run 0 "consistency 4 -> latest" og audit consistency --tenant acme --from 4
cp "$T/out" "$T/c4.json"
run 0 "Go tlog.CheckTree accepts the consistency proof" "$T/verify" consistency "$VK" "$T/acme.4" "$T/c4.json"
has "$T/out" "tree size 6 extends tree size 4" "6 extends 4"
jq '.proof[0] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="' "$T/c4.json" >"$T/c4.forged"
run 1 "Go refuses a forged consistency proof" "$T/verify" consistency "$VK" "$T/acme.4" "$T/c4.forged"
run 1 "consistency beyond the latest checkpoint" og audit consistency --tenant acme --from 1 --to 99
run 2 "consistency --from junk" og audit consistency --tenant acme --from x

# ---- the witness: cosigns what the events handler sends ----
start_witness() {   # start_witness NAME COSIG: port in $WPORT, verifier key in $WVK
  rm -f "$T/$1.port"
  "$T/witness" -log "$VK" -prefix "$LOGN/" -name "witness.test/$1" -state "$T/$1.state" \
    -key "$T/$1.key" -port-file "$T/$1.port" -cosig "$2" >"$T/$1.out" 2>"$T/$1.log" &
  eval "WPID_$1=$!"
  for _ in $(seq 1 100); do [ -s "$T/$1.port" ] && [ -s "$T/$1.out" ] && break; sleep 0.1; done
  WPORT=$(cat "$T/$1.port"); WVK=$(head -n 1 "$T/$1.out")
}
stop_witnesses() { for p in ${WPID_w1:-} ${WPID_w2:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap 'stop_witnesses; og_cleanup' EXIT
start_witness w1 v1
W1VK=$WVK; W1URL=http://127.0.0.1:$WPORT
start_witness w2 note
W2VK=$WVK; W2URL=http://127.0.0.1:$WPORT/add-checkpoint
grep -Eq '\+[0-9a-f]{8}\+B' <<<"$W1VK" && grep -Eq '\+[0-9a-f]{8}\+A' <<<"$W2VK" && ok || bad "key types: '$W1VK' '$W2VK'"
run 1 "loopback witness refused by the egress policy" og audit witness add --url "$W1URL" --key "$W1VK"
has "$T/err" "notify egress allow 127.0.0.0/8" "the refusal says how to allow it"
run 0 "allow loopback" og notify egress allow 127.0.0.0/8 --note "test witnesses"
run 2 "add without --key" og audit witness add --url "$W1URL"
run 1 "a bad verifier key" og audit witness add --url "$W1URL" --key "witness.test/w1+00000000+AAAA"
run 1 "an engineer cannot add a witness" og --as alice audit witness add --tenant acme --url "$W1URL" --key "$W1VK"
run 0 "add the platform's witness (cosignature/v1)" og audit witness add --url "$W1URL" --key "$W1VK"
run 0 "add acme's own witness (Ed25519 note)" og audit witness add --url "$W2URL" --key "$W2VK" --tenant acme
run 1 "the same key twice" og audit witness add --url "$W1URL" --key "$W1VK"
og user add --tenant acme frank --role engineer >/dev/null
run 0 "checkpoint" og audit checkpoint
run 0 "events deliver to the witnesses" og events run
run 0 "witness list" og audit witness list --json
jq -e 'length == 2 and .[0].cosignatures >= 2 and .[1].cosignatures >= 1' "$T/out" >/dev/null && ok ||
  bad "cosignatures stored: $(cat "$T/out"); w1: $(cat "$T/w1.log"); w2: $(cat "$T/w2.log")"
has "$T/w1.log" "200 origin $LOGN/platform: cosigned" "w1 cosigned the platform chain"
has "$T/w2.log" "200 origin $LOGN/$acme: cosigned" "w2 cosigned acme's chain"
grep -q "origin $LOGN/platform" "$T/w2.log" && bad "acme's witness got the platform chain" || ok
run 0 "verify --min-witnesses 1" og audit verify --min-witnesses 1
run 1 "verify --min-witnesses 2: globex has only the platform's witness" og audit verify --min-witnesses 2
has "$T/err" "globex .*1 valid witness cosignature\(s\), 2 required" "names the chain lacking them"
run 0 "acme has two" og audit verify --tenant acme --min-witnesses 2
# cosignatures are checked, not counted: a changed one no longer counts
cp -a "$D" "$T/dcopy"
sqlite3 "$T/dcopy/opsgate.db" "UPDATE audit_cosignature SET line = replace(line, substr(line, -10, 4), 'AAAA')" 2>/dev/null
run 1 "a tampered cosignature does not count" "$OPSGATE" --data "$T/dcopy" audit verify --tenant acme --min-witnesses 2

# ---- the witness role over HTTP ----
og user add pw --role witness >/dev/null || bad "platform witness user"
og user add --tenant acme aw --role witness >/dev/null || bad "acme witness user"
PW=$(og token create --user pw --json | jq -r .token)
AW=$(og token create --tenant acme --user aw --json | jq -r .token)
AD=$(og token create --tenant acme --user alice --json | jq -r .token)
og_serve "$D" >/dev/null || { bad "serve"; og_done; }
api GET "/api/v1/audit/checkpoints/$acme" "$AW"
expect_status 200 "acme's witness reads acme's checkpoint"
printf '%s' "$body" | jq -j .note >"$T/http.note"
run 0 "Go accepts the note served over HTTP" "$T/verify" checkpoint "$VK" "$T/http.note"
api GET "/api/v1/audit/checkpoints/$acme/consistency?from=4" "$AW"
expect_status 200 "acme's witness reads a consistency proof"
printf '%s' "$body" >"$T/http.c.json"
run 0 "Go accepts the HTTP consistency proof" "$T/verify" consistency "$VK" "$T/acme.4" "$T/http.c.json"
api GET "/api/v1/audit/checkpoints/$globex" "$AW"
expect_status 404 "acme's witness: globex's chain is not found"
other=$body
api GET "/api/v1/audit/checkpoints/00000000-0000-4000-8000-000000000000" "$AW"
expect_status 404 "a chain that does not exist"
[ "$(sed "s/$globex/ID/g" <<<"$other")" = "$(sed 's/00000000-0000-4000-8000-000000000000/ID/g' <<<"$body")" ] && ok ||
  bad "another tenant's chain and a missing one answer alike: '$other' vs '$body'"
api GET "/api/v1/audit/checkpoints/platform" "$AW"
expect_status 403 "acme's witness: the platform chain is the platform's"
api GET "/api/v1/audit/checkpoints/platform" "$PW"
expect_status 200 "the platform's witness reads the platform chain"
api GET "/api/v1/audit/checkpoints/$globex/consistency?from=1" "$PW"
expect_status 200 "the platform's witness reads globex's proofs"
api GET "/api/v1/audit/checkpoints/$acme/consistency" "$PW"
expect_status 400 "consistency without from"
api GET "/api/v1/audit/checkpoints/acme" "$PW"
expect_status 400 "a chain by name is not accepted"
api GET "/api/v1/audit?limit=1" "$AW"
expect_status 403 "a witness cannot list records"
api GET "/api/v1/tenants" "$PW"
expect_jq '.tenants | length' 0 "the platform witness sees no tenant"
api GET "/api/v1/audit/checkpoints/$acme" "$AD"
expect_status 403 "an engineer cannot read checkpoints"
api GET "/api/v1/audit/checkpoints/$acme" ""
expect_status 401 "no token"
# the signed note itself with Accept: text/plain (C2SP tlog-checkpoint), as Go's note.Open reads it
ncode=$(curl -sS -o "$T/plain.note" -D "$T/plain.h" -w '%{http_code}' -H "Authorization: Bearer $AW" \
  -H 'Accept: text/plain' "$OG_URL/api/v1/audit/checkpoints/$acme")
[ "$ncode" = 200 ] && ok || bad "text/plain checkpoint: $ncode $(cat "$T/plain.note")"
has "$T/plain.h" "^[Cc]ontent-[Tt]ype: text/plain; charset=utf-8" "served as text/plain"
cmp -s "$T/plain.note" "$T/http.note" && ok || bad "the text/plain note is not the JSON's note"
run 0 "Go accepts the text/plain note" "$T/verify" checkpoint "$VK" "$T/plain.note"
ncode=$(curl -sS -o "$T/plain.json" -w '%{http_code}' -H "Authorization: Bearer $AW" \
  -H 'Accept: application/json, text/plain' "$OG_URL/api/v1/audit/checkpoints/$acme")
[ "$ncode" = 200 ] && jq -e '.note and .tree_size' "$T/plain.json" >/dev/null && ok ||
  bad "JSON named first: $ncode $(cat "$T/plain.json")"
ncode=$(curl -sS -o "$T/plain.err" -w '%{http_code}' -H "Authorization: Bearer $AW" \
  -H 'Accept: text/plain' "$OG_URL/api/v1/audit/checkpoints/$globex")
[ "$ncode" = 404 ] && ok || bad "text/plain of another tenant's chain: $ncode"

# ---- witnesses registered over HTTP (issue 22): platform-admins only, as the CLI ----
og user add padm --role platform-admin >/dev/null || bad "platform admin user"
PA=$(og token create --user padm --json | jq -r .token)
api GET /api/v1/audit/witnesses "$PA"
expect_status 200 "platform-admin lists the witnesses"
og audit witness list --json >"$T/wl.cli"
[ "$(jq -c .witnesses <<<"$body")" = "$(jq -c . "$T/wl.cli")" ] && ok ||
  bad "HTTP and CLI list differ: $body vs $(cat "$T/wl.cli")"
for who in PW AW AD; do
  api GET /api/v1/audit/witnesses "${!who}"
  expect_status 403 "$who cannot list the witnesses"
done
W3VK=$(python3 -c '
import base64, hashlib
n = "witness.test/w3"; raw = b"\x01" + hashlib.sha256(b"w3").digest()
print("%s+%s+%s" % (n, hashlib.sha256(n.encode() + b"\n" + raw).digest()[:4].hex(), base64.b64encode(raw).decode()))')
W3='{"url": "https://w3.invalid/", "key": "'"$W3VK"'", "tenant": "globex"}'
api POST /api/v1/audit/witnesses "$PW" "$W3"
expect_status 403 "a witness token cannot register a witness"
api POST /api/v1/audit/witnesses "$AD" "$W3"
expect_status 403 "an engineer cannot register a witness"
api POST /api/v1/audit/witnesses "$PA" '{"url": "https://w3.invalid/", "key": "witness.test/w3+00000000+AAAA"}'
expect_error 400 invalid "a bad verifier key"
api POST /api/v1/audit/witnesses "$PA" '{"url": "ftp://w3.invalid/", "key": "'"$W3VK"'"}'
expect_status 400 "not an http(s) URL"
api POST /api/v1/audit/witnesses "$PA" '{"url": "https://w3.invalid/", "key": "'"$W3VK"'", "extra": 1}'
expect_status 400 "an unknown field"
api POST /api/v1/audit/witnesses "$PA" '{"url": "http://169.254.169.254/", "key": "'"$W3VK"'"}'
expect_status 403 "a numeric host the egress policy refuses"
grep -q "169.254.169.254" <<<"$body" && ok || bad "the refused host is named: $body"
api POST /api/v1/audit/witnesses "$PA" '{"url": "https://w3.invalid/", "key": "'"$W3VK"'", "tenant": "nosuch"}'
expect_status 404 "an unknown tenant"
[ "$(og audit witness list --json | jq length)" = 2 ] && ok || bad "a refused add registered a witness"
api POST /api/v1/audit/witnesses "$PA" "$W3"
expect_status 201 "platform-admin registers globex's witness"
expect_jq .tenant_id "$globex" "of globex's chain"
expect_jq .name witness.test/w3 "named by its key"
expect_jq .cosignatures 0 "no cosignature yet"
w3=$(jq -r .id <<<"$body")
expect_header Location "/api/v1/audit/witnesses/$w3" "Location names it"
api POST /api/v1/audit/witnesses "$PA" "$W3"
expect_status 409 "the same key twice for that chain"
[ "$(og audit witness list --json | jq -r '.[2].id')" = "$w3" ] && ok || bad "the CLI lists the HTTP's witness"
api DELETE "/api/v1/audit/witnesses/$w3" "$PW"
expect_status 403 "a witness token cannot remove a witness"
api DELETE "/api/v1/audit/witnesses/$w3" "$PA"
expect_status 204 "platform-admin removes it"
api DELETE "/api/v1/audit/witnesses/$w3" "$PA"
expect_status 404 "removed already"
og audit list --action audit.witness.add --json >"$T/wa.json"
jq -e --arg id "$w3" '[.records[] | select(.target.id == $id and .actor == "user:padm")] | length == 1' \
  "$T/wa.json" >/dev/null && ok || bad "the HTTP add is audited: $(cat "$T/wa.json")"
og_stop

# ---- the rewrite: the folder rolled back and re-signed, the witness refuses ----
python3 - "$T/hook.port" "$T/hook.log" >/dev/null 2>&1 <<'PY' &
import http.server, sys, socketserver
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get('Content-Length', 0)); body = self.rfile.read(n)
        with open(sys.argv[2], 'ab') as f: f.write(body + b'\n')
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = socketserver.TCPServer(('127.0.0.1', 0), H)
open(sys.argv[1], 'w').write(str(s.server_address[1]))
s.serve_forever()
PY
HOOK=$!
for _ in $(seq 1 50); do [ -s "$T/hook.port" ] && break; sleep 0.1; done
printf 'a-secret-of-16-bytes-or-more' >"$T/hook.secret"
run 0 "a platform alert channel" og notify add webhook "http://127.0.0.1:$(cat "$T/hook.port")/h" --platform \
  --secret-file "$T/hook.secret" --events 'audit.witness.*'
cp -a "$D" "$T/backup"                      # what the attacker will roll back to
og user add --tenant acme gina --role engineer >/dev/null
og user add --tenant acme hank --role engineer >/dev/null
run 0 "checkpoint witnessed" og audit checkpoint
run 0 "deliver" og events run
rm -rf "$D" && cp -a "$T/backup" "$D"       # roll back: local verify cannot tell
for u in x1 x2 x3 x4; do og user add --tenant acme "$u" --role auditor >/dev/null; done
run 0 "opsgate re-signs the rewritten history" og audit checkpoint
run 0 "local verify passes" og audit verify
run 0 "deliver to the witnesses" og events run
has "$T/w1.log" "422 tree size .* of $LOGN/$acme is not consistent" "w1 refuses acme's rewritten tree"
has "$T/w2.log" "422 tree size .* of $LOGN/$acme is not consistent" "w2 refuses it too"
run 0 "the refusals are audited" og audit list --action audit.witness.refused --json
jq -e '[.records[] | select(.outcome.status == "failed" and .analysis.chain == "'"$acme"'")] | length >= 2' \
  "$T/out" >/dev/null && ok || bad "audit.witness.refused records: $(cat "$T/out")"
run 0 "witness list shows the refusal" og audit witness list
has "$T/out" "refused-at=" "refused-at"
run 0 "the alert goes out" og events run
for _ in $(seq 1 30); do grep -q 'audit.witness.refused' "$T/hook.log" 2>/dev/null && break; sleep 0.2; done
has "$T/hook.log" "audit.witness.refused" "the webhook got the alert"
run 1 "verify --min-witnesses finds the unwitnessed checkpoint" og audit verify --tenant acme --min-witnesses 1
run 0 "a redelivery raises nothing twice" og events run
n=$(og audit list --action audit.witness.refused --json | jq '[.records[] | select(.analysis.chain == "'"$acme"'")] | length')
[ "$n" = 2 ] && ok || bad "refusals recorded once per witness: $n"
kill "$HOOK" 2>/dev/null; wait "$HOOK" 2>/dev/null

# ---- removing a witness (its cosignatures stay as evidence) ----
wid=$(og audit witness list --json | jq -r '.[1].id')
run 0 "remove a witness" og audit witness remove "$wid"
run 1 "remove it again" og audit witness remove "$wid"
run 2 "remove without an id" og audit witness remove
run 0 "removal audited" og audit list --action audit.witness.remove --json
jq -e '.records | length == 2' "$T/out" >/dev/null && ok || bad "audit.witness.remove (HTTP's and this one): $(cat "$T/out")"
og_done
