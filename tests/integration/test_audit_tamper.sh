#!/usr/bin/env bash
# test_audit_tamper.sh - an attacker with the data folder (sqlite3 on opsgate.db, triggers dropped)
# against the audit trail: each attack below must be found by `opsgate audit verify` (exit 1,
# naming the chain, the seq and the fault), refused by the database or by signing, or found with a
# witness kept outside the folder. Also: the signing key outside the folder, the witness file
# written by `serve`, the audit.checkpoint event, a witness served over HTTP.
. "$(dirname "$0")/lib.sh"
for t in sqlite3 openssl python3 sha256sum; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed" >&2; exit 77; }
done
T=$OG_TMP

# run WANT WHAT CMD... : exit status WANT; stdout in $T/out, stderr in $T/err
run() {
  local want=$1 what=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok; else
    bad "$what: exit $got, want $want; stderr: $(cat "$T/err")"; fi
}
err_has() {   # err_has REGEX WHAT: stderr of the last run
  if grep -Eq -- "$1" "$T/err"; then ok; else bad "$2: stderr '$(cat "$T/err")' lacks /$1/"; fi
}

D=$T/base
og() { "$OPSGATE" --data "$D" "$@"; }
db() { sqlite3 -batch "$D/opsgate.db" "$@"; }
drop_triggers() {
  db "DROP TRIGGER IF EXISTS audit_record_no_update; DROP TRIGGER IF EXISTS audit_record_no_delete;
      DROP TRIGGER IF EXISTS audit_record_extends_chain;
      DROP TRIGGER IF EXISTS audit_checkpoint_no_update;
      DROP TRIGGER IF EXISTS audit_checkpoint_no_delete;
      DROP TRIGGER IF EXISTS audit_key_no_update; DROP TRIGGER IF EXISTS audit_key_no_delete;"
}
# Put the triggers back, as a careful attacker would: verify must find the attack itself.
restore_triggers() {
  sqlite3 -batch "$BASE_COPY/opsgate.db" \
    "SELECT sql || ';' FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit%'" |
    sqlite3 -batch "$D/opsgate.db"
}
# rehash CHAIN FROM: recompute prev_hash and hash of records FROM.. of a chain (tenant name or
# "platform") after their fields were changed, as the attacker does: the chain links again.
# jq -cS is RFC 8785 for these records (ASCII, integers only); "resolved" names are not hashed.
rehash() {
  local chain=$1 from=$2 id prev
  if [ "$chain" = platform ]; then og audit export --format jsonl >"$T/chain.jsonl"; id=platform
  else og audit export --tenant "$chain" --format jsonl >"$T/chain.jsonl"
       id=$(jq -r .chain "$T/chain.jsonl" | head -n 1); fi
  prev=$(jq -r --argjson s "$from" 'select(.seq == $s - 1) | .hash' "$T/chain.jsonl")
  [ -n "$prev" ] || prev=$(printf '0%.0s' $(seq 1 64))
  local sql="" seqn h
  while IFS= read -r line; do
    seqn=$(jq -r .seq <<<"$line")
    [ "$seqn" -ge "$from" ] || continue
    h=$(jq -jcS --arg p "$prev" '.prev_hash = $p | del(.hash, .resolved)' <<<"$line" | sha256sum | cut -c1-64)
    sql+="UPDATE audit_record SET prev_hash = '$prev', hash = '$h' WHERE chain = '$id' AND seq = $seqn;"
    prev=$h
  done <"$T/chain.jsonl"
  db "$sql"
}
fresh() {   # a copy of the base installation to attack; its witness is a copy too
  rm -rf "$T/x"
  cp -a "$BASE_COPY" "$T/x"
  cp "$T/base.witness" "$T/witness"
  D=$T/x
}

# ---- the base installation: two tenants, checkpoints written to a witness ----
og init >/dev/null 2>&1 || { bad "init"; og_done; }
og tenant create acme >/dev/null && og tenant create globex >/dev/null || bad "tenant create"
og user add --tenant acme alice --role engineer >/dev/null || bad "user add"
og user add --tenant acme bob --role auditor >/dev/null || bad "user add"
run 0 "checkpoint with a witness file" og audit checkpoint --witness-file "$T/base.witness"
[ "$(wc -l <"$T/base.witness")" -eq 3 ] && ok || bad "3 witness lines (acme, globex, platform): $(cat "$T/base.witness")"
jq -e -s 'map(.chain) | index("platform") == 2' "$T/base.witness" >/dev/null && ok ||
  bad "the platform chain is checkpointed last: $(cat "$T/base.witness")"
acme=$(og tenant list --json | jq -r '.tenants[] | select(.name=="acme") | .id')
globex=$(og tenant list --json | jq -r '.tenants[] | select(.name=="globex") | .id')
[ -n "$acme" ] && [ -n "$globex" ] && ok || bad "tenant ids: '$acme' '$globex'"
# every checkpoint is a record of the platform chain, and an event on the outbox
n=$(db "SELECT count(*) FROM audit_record WHERE chain = 'platform' AND action = 'audit.checkpoint'")
[ "$n" = 3 ] && ok || bad "3 audit.checkpoint records, got $n"
n=$(db "SELECT count(*) FROM events WHERE type = 'audit.checkpoint'")
[ "$n" = 3 ] && ok || bad "3 audit.checkpoint events, got $n"
# a tenant's chain opens with its tenant
run 0 "list acme" og audit list --tenant acme --json
[ "$(jq -r '.records[0].action' "$T/out")" = audit.chain.open ] && ok || bad "acme's record 1: $(cat "$T/out")"
# the platform chain's checkpoint at n is recorded by its record n + 1, and nothing grew since
ps=$(db "SELECT max(tree_size) FROM audit_checkpoint WHERE chain = 'platform'")
pl=$(db "SELECT max(seq) FROM audit_record WHERE chain = 'platform'")
[ "$pl" = $((ps + 1)) ] && ok || bad "platform checkpoint at $ps, chain ends at $pl"
run 0 "checkpoint again" og audit checkpoint --json --witness-file "$T/base.witness"
[ "$(jq -r .checkpoints_made "$T/out")" = 0 ] && ok || bad "nothing to sign: $(cat "$T/out")"
run 0 "verify the base" og audit verify --witness "$T/base.witness"
[ ! -s "$T/err" ] && ok || bad "no complaint: $(cat "$T/err")"
grep -q "3 witnessed" "$T/out" && ok || bad "witness counted: $(cat "$T/out")"
BASE_COPY=$T/base.copy
cp -a "$D" "$BASE_COPY"

# ---- 1. INSERT of a forged record ----
fresh
last=$(db "SELECT seq || ' ' || hash FROM audit_record WHERE chain = '$acme' ORDER BY seq DESC LIMIT 1")
lseq=${last%% *}; lhash=${last#* }
ins() {  # ins SEQ PREV HASH
  db "INSERT INTO audit_record (chain, seq, time, actor, area, action, outcome, prev_hash, hash)
      VALUES ('$acme', $1, '2026-01-01T00:00:00.000000Z', 'user:mallory', 'platform', 'user.add',
      'ok', '$2', '$3')"
}
if ins $((lseq + 2)) "$lhash" "$lhash" 2>"$T/err"; then bad "an INSERT past the end was accepted"; else ok; fi
err_has "must extend their chain" "the database says why"
if ins $((lseq + 1)) "$(printf 'f%.0s' $(seq 1 64))" "$lhash" 2>"$T/err"; then bad "an INSERT with a wrong prev_hash was accepted"; else ok; fi
err_has "must extend their chain" "the database says why"
ins 1 "$(printf '0%.0s' $(seq 1 64))" "$lhash" 2>"$T/err" && bad "a second seq 1 was accepted" || ok
# one that extends the chain passes the trigger (it is a speed bump), not verify
ins $((lseq + 1)) "$lhash" "$(printf 'a%.0s' $(seq 1 64))" 2>"$T/err" || bad "an extending INSERT: $(cat "$T/err")"
run 1 "verify finds the forged record" og audit verify
err_has "audit chain of tenant acme \(id $acme\) is broken at seq $((lseq + 1)) \(user\.add by user:mallory\): the record's content does not match its hash" "names tenant, chain, seq, record, fault"
# with the triggers dropped: a record forged into the middle, hashes and links recomputed
fresh
drop_triggers
db "UPDATE audit_record SET seq = seq + 100 WHERE chain = '$acme' AND seq >= 2;
    UPDATE audit_record SET seq = seq - 99 WHERE chain = '$acme' AND seq >= 100;"
ins 2 "x" "x"
rehash acme 2
restore_triggers
run 1 "verify finds a record forged into a checkpointed chain" og audit verify
err_has "tenant acme \(id $acme\) is broken at seq 0: the Merkle root over records 1\.\.$lseq differs" "names the chain and the checkpoint"

# ---- 2. records rewritten after the last local checkpoint ----
# After the witnessed checkpoints, acme grows and is checkpointed again (witnessed). The attacker
# puts back an older copy of the database (every local trace of the newer checkpoints gone) and
# writes other records in their place: locally consistent, but not with the witness.
fresh
"$OPSGATE" --data "$D" user add --tenant acme carol --role engineer >/dev/null
"$OPSGATE" --data "$D" user add --tenant acme dave --role engineer >/dev/null
run 0 "checkpoint the grown chain" "$OPSGATE" --data "$D" audit checkpoint --witness-file "$T/witness"
cp -a "$BASE_COPY/." "$D/"
rm -f "$D/opsgate.db-wal" "$D/opsgate.db-shm"
"$OPSGATE" --data "$D" user add --tenant acme carol --role tenant-admin >/dev/null
"$OPSGATE" --data "$D" user add --tenant acme dave --role tenant-admin >/dev/null
run 0 "without the witness the rollback is consistent" "$OPSGATE" --data "$D" audit verify
run 1 "verify --witness finds the rewrite" "$OPSGATE" --data "$D" audit verify --witness "$T/witness"
err_has "tenant acme \(id $acme\) is broken at seq 0: the Merkle root over records 1\.\.$((lseq + 2)) differs from the witnessed checkpoint" "names chain and fault"
# the same with the records cut off instead: truncation
cp -a "$BASE_COPY/." "$D/"
rm -f "$D/opsgate.db-wal" "$D/opsgate.db-shm"
run 1 "verify --witness finds the truncation" "$OPSGATE" --data "$D" audit verify --witness "$T/witness"
err_has "tenant acme \(id $acme\) is broken at seq $((lseq + 1)): the chain ends at seq $lseq but the witness" "names chain, seq and fault"
# a witness line altered to fit the local chain does not verify
jq -c 'if .chain == "'"$acme"'" then .tree_size = 1 else . end' "$T/witness" >"$T/witness.bad"
run 1 "an altered witness line" "$OPSGATE" --data "$D" audit verify --witness "$T/witness.bad"
err_has "signature of witness line [0-9]+ \(tree size 1\) does not verify" "names the line"
{ head -n 1 "$T/witness"; echo 'not json'; } >"$T/witness.bad"
run 2 "a witness that is not JSON lines" "$OPSGATE" --data "$D" audit verify --witness "$T/witness.bad"
err_has "witness line 2 is not JSON" "names the line"
run 1 "a missing witness file" "$OPSGATE" --data "$D" audit verify --witness "$T/nonexistent"
err_has "nonexistent" "names the file"
# the witness over HTTP (GET): a tiny local server
mkdir -p "$T/www" && cp "$T/witness" "$T/www/witness.jsonl" && cp "$T/base.witness" "$T/www/base.jsonl"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$T/www" >"$T/http.log" 2>&1 &
http_pid=$!
port=""
for _ in $(seq 1 50); do
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/http.log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -n "$port" ]; then
  run 1 "verify --witness URL finds the truncation" "$OPSGATE" --data "$D" audit verify --witness "http://127.0.0.1:$port/witness.jsonl"
  err_has "the chain ends at seq $lseq but the witness" "over HTTP too"
  run 1 "a witness URL that is not there" "$OPSGATE" --data "$D" audit verify --witness "http://127.0.0.1:$port/nope.jsonl"
  err_has "HTTP status 404" "names the status"
  run 0 "an intact chain agrees with its witness over HTTP" "$OPSGATE" --data "$T/base" audit verify --witness "http://127.0.0.1:$port/base.jsonl"
else
  bad "python3 http.server did not start: $(cat "$T/http.log")"
fi
kill "$http_pid" 2>/dev/null; wait "$http_pid" 2>/dev/null
D=$T/base
run 2 "ftp:// is not a witness" og audit verify --witness "ftp://127.0.0.1/x"

# ---- 3. checkpoints deleted, history rewritten, re-signed ----
fresh
drop_triggers
db "DELETE FROM audit_checkpoint WHERE chain = '$acme';
    UPDATE audit_record SET actor = 'user:mallory' WHERE chain = '$acme' AND seq = 2"
rehash acme 2
restore_triggers
run 1 "signing refuses a chain whose checkpoints vanished" og audit checkpoint --tenant acme
err_has "no checkpoint trail; refusing to sign" "says why"
run 1 "checkpoint of all chains refuses it too" og audit checkpoint
err_has "'$acme'.*refusing to sign" "names the chain"
run 1 "verify finds the removed checkpoints" og audit verify
err_has "tenant acme \(id $acme\) is broken at seq 0: the platform chain records a checkpoint at tree size $lseq \(platform seq [0-9]+\) that is missing" "names chain and fault"
run 1 "verify --tenant finds it too" og audit verify --tenant acme
# ... and the records of those checkpoints removed from the platform chain as well
drop_triggers
pseq=$(db "SELECT seq FROM audit_record WHERE chain = 'platform' AND action = 'audit.checkpoint' AND target_id = '$acme'")
db "DELETE FROM audit_record WHERE chain = 'platform' AND seq = $pseq;
    UPDATE audit_record SET seq = seq - 1 WHERE chain = 'platform' AND seq > $pseq"
rehash platform "$pseq"
restore_triggers
run 1 "verify finds the rewritten platform chain" og audit verify
err_has "audit chain of the platform is broken at seq 0: the Merkle root" "by its signed root"
run 1 "and signing the platform chain is refused" og audit checkpoint
# a forged checkpoint row (signed with the key from the folder) without its platform record
fresh
drop_triggers
db "INSERT INTO audit_checkpoint SELECT chain, tree_size + 1, root, time, key_id, signature, origin FROM audit_checkpoint WHERE chain = '$acme'"
restore_triggers
run 1 "verify finds a checkpoint without its record" og audit verify --tenant acme

# ---- 4. a whole tenant chain deleted ----
fresh
drop_triggers
db "DELETE FROM audit_record WHERE chain = '$acme'; DELETE FROM audit_checkpoint WHERE chain = '$acme'"
restore_triggers
run 1 "verify finds acme's chain gone" og audit verify
err_has "tenant acme \(id $acme\) is broken at seq 0: the platform chain records a checkpoint at tree size $lseq" "names chain and fault"
# a tenant whose chain was never checkpointed: found by its tenant.create
fresh
og tenant create initech >/dev/null
initech=$(og tenant list --json | jq -r '.tenants[] | select(.name=="initech") | .id')
drop_triggers
db "DELETE FROM audit_record WHERE chain = '$initech'"
restore_triggers
run 1 "verify finds initech's chain gone" og audit verify
err_has "tenant initech \(id $initech\) is broken at seq 1: the platform chain records tenant.create of this tenant at seq [0-9]+, but the tenant's chain is missing" "names chain, seq, fault"
# a legitimate tenant delete keeps verify green (the chain is kept: it is evidence)
fresh
run 0 "tenant delete" og tenant delete globex --yes
run 0 "verify after a tenant delete" og audit verify
run 0 "checkpoint after a tenant delete" og audit checkpoint
run 0 "verify again" og audit verify
# dropped triggers alone are reported
fresh
drop_triggers
run 1 "verify reports dropped triggers" og audit verify
err_has "trigger audit_record_no_update .* was dropped" "names the trigger"

# ---- 5. the signing key outside the data folder ----
K=$T/keys
mkdir -m 700 "$K"
D=$T/keyed
run 0 "init --audit-key" og init --audit-key "$K/audit.pem"
[ "$(stat -c %a "$K/audit.pem")" = 600 ] && ok || bad "key file mode $(stat -c %a "$K/audit.pem")"
openssl pkey -in "$K/audit.pem" -noout 2>/dev/null && ok || bad "openssl cannot read the key"
run 2 "init --audit-key refuses to overwrite a key" "$OPSGATE" --data "$T/other" init --audit-key "$K/audit.pem"
[ ! -e "$T/other" ] && ok || bad "a data folder was created anyway"
grep -rqs "PRIVATE KEY" "$D" && bad "the private key is in the data folder" || ok
og tenant create acme >/dev/null
run 0 "pubkey" og audit pubkey
openssl pkey -in "$K/audit.pem" -pubout >"$K/pub.pem" 2>/dev/null
cmp -s "$T/out" "$K/pub.pem" && ok || bad "audit pubkey is not the key file's public half"
run 1 "checkpoint without the key file is refused" og audit checkpoint
err_has "kept outside the data folder.*--audit-key" "says which key and how"
run 0 "checkpoint --audit-key" og audit checkpoint --audit-key "$K/audit.pem" --witness-file "$T/keyed.witness"
og user add --tenant acme alice --role engineer >/dev/null
run 0 "checkpoint with OPSGATE_AUDIT_KEY" env OPSGATE_AUDIT_KEY="$K/audit.pem" "$OPSGATE" --data "$D" audit checkpoint --witness-file "$T/keyed.witness"
run 0 "verify --witness --pubkey" og audit verify --witness "$T/keyed.witness" --pubkey "$K/pub.pem"
run 0 "verify --witness with the key file's public half" og audit verify --witness "$T/keyed.witness" --audit-key "$K/audit.pem"
openssl genpkey -algorithm ed25519 -out "$K/mallory.pem" 2>/dev/null
chmod 600 "$K/mallory.pem"
og user add --tenant acme mallory --role engineer >/dev/null
run 1 "another key file is refused" og audit checkpoint --audit-key "$K/mallory.pem"
err_has "is not this installation's signing key" "says so"
openssl pkey -in "$K/mallory.pem" -pubout >"$K/mallory.pub" 2>/dev/null
run 1 "a witness checked with another public key" og audit verify --witness "$T/keyed.witness" --pubkey "$K/mallory.pub"
err_has "not by the given key" "says so"
chmod 644 "$K/mallory.pem"
run 2 "a key file others can read is refused" og audit checkpoint --audit-key "$K/mallory.pem"
err_has "readable by others" "says so"
run 2 "serve refuses it too" og serve --audit-key "$K/mallory.pem" --check
# with the folder alone: remove the external key, let opsgate make a sealed one, sign
cp -a "$D" "$T/keyed.copy"
drop_triggers
db "DELETE FROM audit_key"
run 0 "the attacker signs with a key of their own" og audit checkpoint
run 1 "verify finds the replaced key" og audit verify
err_has "names signing key [0-9a-f]{16}, which this installation does not have|signing key" "names the key"
run 1 "the witness does not verify with the real key" og audit verify --witness "$T/keyed.witness" --pubkey "$K/pub.pem"

# ---- 6. serve: checkpoints signed with the key file, witnessed, on the outbox ----
rm -rf "$D"; cp -a "$T/keyed.copy" "$D"
og user add --tenant acme zed --role engineer >/dev/null
rm -f "$T/serve.witness"
OG_JOBS_EVERY=1h og_serve "$D" --checkpoint-every 1s --audit-key "$K/audit.pem" --witness-file "$T/serve.witness" || bad "serve"
for _ in $(seq 1 50); do
  [ -s "$T/serve.witness" ] && [ "$(jq -s 'map(select(.chain=="platform")) | length' "$T/serve.witness")" -ge 1 ] && break
  sleep 0.2
done
og_stop
jq -e -s 'length >= 2 and all(.[]; .algorithm == "ed25519" and (.signature | length) == 88)' "$T/serve.witness" >/dev/null && ok ||
  bad "serve wrote the witness: $(cat "$T/serve.witness" 2>/dev/null)"
run 0 "verify the server's witness" og audit verify --witness "$T/serve.witness" --pubkey "$K/pub.pem"
n=$(db "SELECT count(*) FROM events WHERE type = 'audit.checkpoint'")
[ "$n" -ge 4 ] && ok || bad "the server's checkpoints are events: $n"
run 2 "serve --audit-key with a missing file" og serve --audit-key "$K/none.pem" --check
err_has "none.pem" "names the file"

og_done
