#!/usr/bin/env bash
# test_backup_pg.sh - `opsgate backup` of a PostgreSQL installation (one REPEATABLE READ READ ONLY
# transaction, every table streamed with COPY, artifact objects as chunk rows) taken while the
# server runs and keeps writing, and `restore` into an empty PostgreSQL database: every version
# reads back byte-identical, `audit verify` passes there, a proof made before the backup is the
# same proof after. A database holding an installation and a key folder holding a key are
# refused before anything is written; a PostgreSQL backup restores into a data folder (chunk
# rows become object files) and a data folder's backup into PostgreSQL (object files become chunk
# rows); --include-keys seals the key folder's key. Runs on the suite's PostgreSQL
# (tests/support/pg_run.sh).
export OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-400}
. "$(dirname "$0")/lib.sh"
og_pg_need

url=$(og_pg_newdb) || { bad "cannot make a database"; og_done; }
export OPSGATE_KEYS="$OG_TMP/keys"
pg() { "$OPSGATE" --data "$url" "$@"; }
tok=$(pg init 2>"$OG_TMP/err" | sed -n 's/^token: //; /^og_/p' | tail -n 1)
[ -n "$tok" ] && ok || { bad "init on PostgreSQL: $(cat "$OG_TMP/err")"; og_done; }
for t in acme globex; do
  run 0 "tenant $t" pg tenant create $t
  run 0 "project $t" pg project create --tenant $t fw "Firewall $t"
  for v in 1 2 3; do
    head -c $((300000 + v * 200000)) /dev/urandom >"$OG_TMP/$t-big-$v"
    printf '# SOW %s v%s\n\nScope: cutover\ttabs\\and\\\\backslashes.\n' "$t" "$v" >"$OG_TMP/$t-sow-$v.md"
    run 0 "put big $t v$v" pg artifact put --tenant $t --project fw --name big.bin "$OG_TMP/$t-big-$v"
    run 0 "put sow $t v$v" pg artifact put --tenant $t --project fw --name sow.md --kind sow "$OG_TMP/$t-sow-$v.md"
  done
done
run 0 "checkpoint" pg audit checkpoint
run 0 "prove before" pg audit prove --tenant acme --seq 3 --json
echo "$out" >"$OG_TMP/proof.json"
chunks=$(psql -qtAX "${url#libpq:}" -c "SELECT count(*) FROM art_object_chunks")
[ "${chunks:-0}" -ge 6 ] && ok || bad "big versions are chunk rows ($chunks)"

# --- while the server runs and a client keeps writing
og_serve "$url" || { bad "serve on PostgreSQL"; og_done; }
(for i in $(seq 1 30); do
  curl -sS -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $tok" \
    -X POST "$OG_URL/api/v1/tenants" -H 'Content-Type: application/json' -d "{\"name\":\"w$i\"}"
done) >"$OG_TMP/writes" &
wpid=$!
run 0 "backup while serving" pg backup --to "$OG_TMP/p1.tar.zst" --json
wait $wpid
[ "$(jq -r .backend <<<"$out")" = postgres ] && ok || bad "the summary's backend: $out"
[ "$(jq -r .objects <<<"$out")" = 0 ] && ok || bad "no object files on PostgreSQL: $out"
bad_writes=$(grep -vc '^201$' "$OG_TMP/writes")
[ "$bad_writes" = 0 ] && ok || bad "writes during the backup: $(sort "$OG_TMP/writes" | uniq -c)"
api GET /api/v1/whoami "$tok"
expect_status 200 "the server serves after the backup"
og_stop
[ -z "$(ls -A "$OG_TMP" | grep '^\.p1\.tar\.zst\.')" ] && ok || bad "temporary files left: $(ls -A "$OG_TMP")"

run 0 "verify" "$OPSGATE" backup verify "$OG_TMP/p1.tar.zst" --json
[ "$(jq -r .backend <<<"$out")" = postgres ] && ok || bad "the manifest's backend: $out"
[ "$(jq -r '[.audit_chains[] | select(.checkpoint != null)] | length' <<<"$out")" -ge 3 ] && ok ||
  bad "chains with checkpoints: $out"
tar --zstd -tf "$OG_TMP/p1.tar.zst" >"$OG_TMP/list" && ok || bad "a plain tar + zstd archive"
[ "$(sort "$OG_TMP/list" | tr '\n' ' ')" = "MANIFEST.json opsgate.db " ] && ok ||
  bad "the database and the manifest only: $(tr '\n' ' ' <"$OG_TMP/list")"
tar --zstd -xOf "$OG_TMP/p1.tar.zst" opsgate.db >"$OG_TMP/snap.db"
n=$(sqlite3 "$OG_TMP/snap.db" "SELECT count(*) FROM art_object_chunks" 2>/dev/null || echo sqlite3-missing)
if [ "$n" != sqlite3-missing ]; then
  [ "$n" = "$chunks" ] && ok || bad "the snapshot's chunk rows: $n, want $chunks"
  # the snapshot is one transaction: every tenant row has its tenant.create record, no more
  nt=$(sqlite3 "$OG_TMP/snap.db" "SELECT count(*) FROM tenants")
  nr=$(sqlite3 "$OG_TMP/snap.db" "SELECT count(*) FROM audit_record WHERE action = 'tenant.create'")
  [ "$nt" = "$nr" ] && ok || bad "tenants $nt vs tenant.create records $nr in the snapshot"
fi

# --- restore into an empty database
url2=$(og_pg_newdb) || { bad "cannot make a database"; og_done; }
K2="$OG_TMP/keys2"
r2() { "$OPSGATE" --data "$url2" --keys "$K2" "$@"; }
run 0 "restore into PostgreSQL" r2 restore --from "$OG_TMP/p1.tar.zst" --master-key "$OPSGATE_KEYS/master.key"
grep -q "audit trail verifies" <<<"$out" && ok || bad "restore says it verified: $out"
grep -q "postgres backup" <<<"$out" && ok || bad "restore names the backend: $out"
grep -qF "$url2" <<<"$out$err" && bad "the URL in a message: $out $err" || ok
cmp -s "$OPSGATE_KEYS/master.key" "$K2/master.key" && ok || bad "the key is in the new key folder"
[ "$(stat -c %a "$K2/master.key")" = 600 ] && ok || bad "restored key mode"
run 0 "verify restored" r2 audit verify
for t in acme globex; do
  for v in 1 2 3; do
    run 0 "get $t big v$v" r2 artifact get --tenant $t --project fw --name big.bin --version $v -o "$OG_TMP/o"
    cmp -s "$OG_TMP/o" "$OG_TMP/$t-big-$v" && ok || bad "$t big.bin v$v differs after restore"
    run 0 "get $t sow v$v" r2 artifact get --tenant $t --project fw --name sow.md --version $v -o "$OG_TMP/o"
    cmp -s "$OG_TMP/o" "$OG_TMP/$t-sow-$v.md" && ok || bad "$t sow.md v$v differs after restore"
  done
done
run 0 "search after restore" r2 artifact search --tenant acme cutover
grep -q sow.md <<<"$out" && ok || bad "the search index came back: $out"
run 0 "prove after" r2 audit prove --tenant acme --seq 3 --json
[ "$(jq -S . <<<"$out")" = "$(jq -S . "$OG_TMP/proof.json")" ] && ok || bad "the same proof after restore"
run 0 "a write after restore" r2 tenant create after-restore
run 0 "verify after a write" r2 audit verify

# --- refusals, nothing written
K3="$OG_TMP/keys3"
run 1 "restore into a database with an installation" "$OPSGATE" --data "$url2" --keys "$K3" \
  restore --from "$OG_TMP/p1.tar.zst" --master-key "$OPSGATE_KEYS/master.key"
grep -q "holds an installation" <<<"$err" && ok || bad "names the reason: $err"
[ ! -e "$K3/master.key" ] && ok || bad "a refused restore wrote a key"
url3=$(og_pg_newdb) || { bad "cannot make a database"; og_done; }
run 1 "a key folder that holds a key" "$OPSGATE" --data "$url3" --keys "$K2" \
  restore --from "$OG_TMP/p1.tar.zst" --master-key "$OPSGATE_KEYS/master.key"
grep -q "already holds a master key" <<<"$err" && ok || bad "names the key folder: $err"
[ "$(psql -qtAX "${url3#libpq:}" -c "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")" = 0 ] &&
  ok || bad "a refused restore made tables"

# --- a PostgreSQL backup into a data folder: chunk rows become object files
F="$OG_TMP/folder"
run 0 "a PostgreSQL backup into a data folder" env -u OPSGATE_KEYS "$OPSGATE" --data "$F" restore \
  --from "$OG_TMP/p1.tar.zst" --master-key "$OPSGATE_KEYS/master.key"
nobj=$(find "$F/objects" -type f | wc -l)
[ "$nobj" -ge 6 ] && ok || bad "big versions became object files ($nobj)"
[ "$(sqlite3 "$F/opsgate.db" "SELECT count(*) FROM art_object_chunks" 2>/dev/null || echo 0)" = 0 ] &&
  ok || bad "chunk rows left in the folder's database"
rf() { env -u OPSGATE_KEYS "$OPSGATE" --data "$F" "$@"; }
run 0 "verify the folder" rf audit verify
for v in 1 2 3; do
  run 0 "folder get big v$v" rf artifact get --tenant globex --project fw --name big.bin --version $v -o "$OG_TMP/o"
  cmp -s "$OG_TMP/o" "$OG_TMP/globex-big-$v" && ok || bad "globex big.bin v$v differs in the folder"
done
run 0 "prove in the folder" rf audit prove --tenant acme --seq 3 --json
[ "$(jq -S . <<<"$out")" = "$(jq -S . "$OG_TMP/proof.json")" ] && ok || bad "the same proof in the folder"
run 1 "a wrong master key" "$OPSGATE" --data "$url3" --keys "$OG_TMP/keys4" restore \
  --from "$OG_TMP/p1.tar.zst" --master-key "$K2/master.key.none"
head -c 32 /dev/urandom >"$OG_TMP/other.key"; chmod 600 "$OG_TMP/other.key"
run 1 "another installation's key" "$OPSGATE" --data "$url3" --keys "$OG_TMP/keys4" restore \
  --from "$OG_TMP/p1.tar.zst" --master-key "$OG_TMP/other.key"
[ "$(psql -qtAX "${url3#libpq:}" -c "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")" = 0 ] &&
  ok || bad "a wrong key reached the database"

# --- a data folder's backup restores into PostgreSQL
D="$OG_TMP/data"
og() { env -u OPSGATE_KEYS "$OPSGATE" --data "$D" "$@"; }
run 0 "init a folder" og init
run 0 "folder tenant" og tenant create acme
run 0 "folder project" og project create --tenant acme fw "Firewall"
run 0 "folder big" og artifact put --tenant acme --project fw --name big.bin "$OG_TMP/acme-big-3"
run 0 "folder backup" og backup --to "$OG_TMP/f1.tar.zst"
run 0 "a folder's backup into PostgreSQL" "$OPSGATE" --data "$url3" --keys "$OG_TMP/keys5" restore \
  --from "$OG_TMP/f1.tar.zst" --master-key "$D/master.key"
run 0 "get from the moved backup" "$OPSGATE" --data "$url3" --keys "$OG_TMP/keys5" artifact get \
  --tenant acme --project fw --name big.bin -o "$OG_TMP/o"
cmp -s "$OG_TMP/o" "$OG_TMP/acme-big-3" && ok || bad "the object file became chunk rows intact"

# --- with the key inside
printf 'correct horse battery staple\n' >"$OG_TMP/pass"; chmod 600 "$OG_TMP/pass"
run 0 "PostgreSQL backup with keys" pg backup --to "$OG_TMP/p2.tar.zst" --include-keys --passphrase-file "$OG_TMP/pass"
url4=$(og_pg_newdb) || { bad "cannot make a database"; og_done; }
run 0 "restore with the passphrase" "$OPSGATE" --data "$url4" --keys "$OG_TMP/keys6" restore \
  --from "$OG_TMP/p2.tar.zst" --passphrase-file "$OG_TMP/pass"
cmp -s "$OPSGATE_KEYS/master.key" "$OG_TMP/keys6/master.key" && ok || bad "the key came back"
run 0 "the new tenants came along" "$OPSGATE" --data "$url4" --keys "$OG_TMP/keys6" tenant list --json
grep -q '"w30"' <<<"$out" && ok || bad "a later backup holds the writes: $out"
og_done
