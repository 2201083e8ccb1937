#!/usr/bin/env bash
# test_migrate.sh - `opsgate migrate --from DIR --to URL --keys KEYDIR` moves a data-folder
# installation into PostgreSQL: every table, every artifact object (one past the 256 KiB that
# goes into chunk rows) and the master key; the target passes `audit verify`, gives the same
# inclusion proofs and the same artifact bytes, serves the old tokens; a second migrate into the
# same database, a key folder that holds a key, and a folder as --to are refused, changing
# nothing. Runs on the suite's PostgreSQL (tests/support/pg_run.sh); skipped without one.
. "$(dirname "$0")/lib.sh"
og_pg_need

K="$OG_TMP/keys"
og_cli_start "$OG_TMP/data"
run 0 "tenant" og tenant create acme
run 0 "user" og user add --tenant acme eve --role project-manager
run 0 "project" og project create --tenant acme fw "Firewall refresh"
printf '# SOW\n\nScope: firewall cutover.\n' >"$OG_TMP/sow.md"
head -c 700000 /dev/urandom >"$OG_TMP/big.bin"
A=(--tenant acme --project fw)
run 0 "put small" og artifact put "${A[@]}" --name sow.md --kind sow "$OG_TMP/sow.md"
run 0 "put big" og artifact put "${A[@]}" --name big.bin "$OG_TMP/big.bin"
run 0 "put big v2" og artifact put "${A[@]}" --name big.bin "$OG_TMP/sow.md"
run 0 "checkpoint" og audit checkpoint
run 0 "prove on the folder" og audit prove --tenant acme --seq 3 --json
proof_before=$out
run 0 "verify on the folder" og audit verify
ls -R "$D/objects" | grep -q . && ok || bad "the source keeps objects in files"

url=$(og_pg_newdb) || { bad "cannot make a database"; og_done; }
run 0 "migrate" "$OPSGATE" migrate --from "$D" --to "$url" --keys "$K"
grep -q "audit chains verify" <<<"$out" && ok || bad "migrate says the copy verifies: $out"
grep -q "2 artifact objects\|[1-9][0-9]* artifact objects" <<<"$out" && ok || bad "objects moved: $out"
[ "$(stat -c %a "$K")" = 700 ] && ok || bad "key folder mode $(stat -c %a "$K")"
[ "$(stat -c %a "$K/master.key")" = 600 ] && ok || bad "master.key mode"
cmp -s "$D/master.key" "$K/master.key" && ok || bad "the master key moved as it is"

pg() { "$OPSGATE" --data "$url" --keys "$K" "$@"; }
q() { psql -qtAX "${1#libpq:}" -c "$2"; } # URL SQL
run 0 "verify on PostgreSQL" pg audit verify
run 0 "prove on PostgreSQL" pg audit prove --tenant acme --seq 3 --json
[ "$out" = "$proof_before" ] && ok || bad "the same proof: $out vs $proof_before"
run 0 "get small" pg artifact get "${A[@]}" --name sow.md -o "$OG_TMP/sow.out"
cmp -s "$OG_TMP/sow.md" "$OG_TMP/sow.out" && ok || bad "small artifact differs"
run 0 "get big v1" pg artifact get "${A[@]}" --name big.bin --version 1 -o "$OG_TMP/big.out"
cmp -s "$OG_TMP/big.bin" "$OG_TMP/big.out" && ok || bad "big artifact differs"
n=$(q "$url" "SELECT count(*) FROM art_object_chunks")
[ "${n:-0}" -ge 3 ] && ok || bad "the big object is in chunk rows ($n)"
run 0 "search" pg artifact search --tenant acme cutover
grep -q "sow.md" <<<"$out" && ok || bad "search finds the document: $out"

# the installation serves from the database with the folder's tokens
OPSGATE_KEYS="$K" og_serve "$url" || { bad "serve on PostgreSQL"; og_done; }
api GET /api/v1/whoami "$tok"
expect_status 200 "the platform token works on the copy"
og_stop

# refusals change nothing
before=$(q "$url" "SELECT count(*) FROM audit_record")
run 1 "a second migrate into the same database" \
  "$OPSGATE" migrate --from "$D" --to "$url" --keys "$OG_TMP/keys2"
grep -q "not empty" <<<"$err" && ok || bad "names the reason: $err"
[ ! -e "$OG_TMP/keys2/master.key" ] && ok || bad "a refused migrate wrote a key"
[ "$(q "$url" "SELECT count(*) FROM audit_record")" = "$before" ] && ok ||
  bad "a refused migrate changed the database"
url2=$(og_pg_newdb) || { bad "cannot make a database"; og_done; }
run 1 "a key folder holding a key" "$OPSGATE" migrate --from "$D" --to "$url2" --keys "$K"
grep -q "already holds a master key" <<<"$err" && ok || bad "names the key: $err"
[ "$(q "$url2" "SELECT count(*) FROM pg_tables WHERE tablename = 'audit_record'")" = 0 ] &&
  ok || bad "nothing made in the database"
run 1 "a folder as --to" "$OPSGATE" migrate --from "$D" --to "$OG_TMP/elsewhere" --keys "$OG_TMP/k3"
grep -q "PostgreSQL" <<<"$err" && ok || bad "says --to is a database: $err"
[ ! -e "$OG_TMP/elsewhere" ] && ok || bad "a folder was made"
run 0 "the source still verifies" og audit verify
og_done
