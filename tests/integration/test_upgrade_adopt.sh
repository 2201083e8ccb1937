#!/usr/bin/env bash
# test_upgrade_adopt.sh - a trail from before the platform chain recorded checkpoints and signing
# keys (2185d40) is adopted once, by one audit.adopt record, and only what it lists is accepted:
# a checkpoint or key added behind opsgate's back after the adoption still fails `audit verify`,
# a second open adopts nothing more, and a new data folder is never adopted.
. "$(dirname "$0")/lib.sh"
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
FX=$SRC/tests/data/upgrade/2026-11-22-3da3a17
for t in sqlite3 zstd tar; do
  command -v "$t" >/dev/null || {
    echo "SKIP: $t is not installed (scripts/deps.sh test installs it)" >&2
    exit 77
  }
done
[ "${OG_IT_BACKEND:-sqlite}" = sqlite ] || {
  echo "SKIP: the fixture is a SQLite data folder" >&2
  exit 77
}
run() { # WANT WHAT COMMAND...: exit status, stderr in $err
  local want=$1 what=$2
  shift 2
  "$@" >"$OG_TMP/out" 2>"$OG_TMP/err"
  local rc=$?
  err=$(cat "$OG_TMP/err")
  if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, want $want; stderr: $err"; fi
}
restore() { # DIR: the data folder the fixture's opsgate (before 2185d40) left
  mkdir -m 700 "$1"
  zstd -q -dc "$FX/files.tar.zst" | tar -x -p -C "$1" &&
    zstd -q -dc "$FX/db.sql.zst" | sqlite3 "$1/opsgate.db"
}
q() { sqlite3 "$1/opsgate.db" "$2"; }
adopts() { q "$1" "SELECT count(*) FROM audit_record WHERE action = 'audit.adopt'"; }

D=$OG_TMP/old
restore "$D" || bad "cannot recreate the fixture's data folder"
[ "$(adopts "$D")" = 0 ] && ok || bad "the fixture already has an audit.adopt record"
ncp=$(q "$D" "SELECT count(*) FROM audit_checkpoint")
nkeys=$(q "$D" "SELECT count(*) FROM audit_key")
[ "$ncp" -ge 2 ] && [ "$nkeys" -ge 1 ] && ok || bad "fixture: $ncp checkpoints, $nkeys keys"

# The first open adopts: one record at the end of the platform chain listing what was found.
run 0 "first open" "$OPSGATE" --data "$D" tenant list
[ "$(adopts "$D")" = 1 ] && ok || bad "first open: $(adopts "$D") audit.adopt records, want 1"
an=$(q "$D" "SELECT analysis FROM audit_record WHERE action = 'audit.adopt'")
[ "$(jq '.keys | length' <<<"$an")" = "$nkeys" ] && ok || bad "adopted keys: $an"
[ "$(jq '.checkpoints | length' <<<"$an")" = "$ncp" ] && ok || bad "adopted checkpoints: $an"
starts=$(q "$D" "SELECT count(*) FROM audit_record WHERE seq = 1 AND chain <> 'platform'
                 AND action <> 'audit.chain.open'")
[ "$starts" -ge 1 ] && [ "$(jq '.chain_starts | length' <<<"$an")" = "$starts" ] && ok ||
  bad "adopted chain starts ($starts chains begin without audit.chain.open): $an"
run 0 "open again" "$OPSGATE" --data "$D" tenant list
[ "$(adopts "$D")" = 1 ] && ok || bad "a second open adopted again"
run 0 "verify after the adoption" "$OPSGATE" --data "$D" audit verify

# New records, then a copy of the folder (B) before they are signed in D.
printf 'after the upgrade\n' >"$OG_TMP/new.txt"
run 0 "put" "$OPSGATE" --data "$D" artifact put --tenant globex --project mig --name new.txt \
  "$OG_TMP/new.txt"
B=$OG_TMP/copy
cp -a "$D" "$B"
run 0 "checkpoint after the adoption" "$OPSGATE" --data "$D" audit checkpoint
run 0 "verify after the checkpoint" "$OPSGATE" --data "$D" audit verify
[ "$(q "$D" "SELECT count(*) FROM audit_record WHERE chain = 'platform' AND
             action = 'audit.checkpoint'")" -ge 2 ] && ok || bad "no audit.checkpoint records"

# B gets D's new tenant checkpoint behind opsgate's back: the same records, a valid signature by
# the adopted key, but no audit.checkpoint record (and the adoption does not list it).
q "$B" "ATTACH '$D/opsgate.db' AS d;
  INSERT INTO audit_checkpoint SELECT * FROM d.audit_checkpoint c
  WHERE chain <> 'platform' AND NOT EXISTS (SELECT 1 FROM main.audit_checkpoint m
    WHERE m.chain = c.chain AND m.tree_size = c.tree_size)"
[ "$(q "$B" "SELECT count(*) FROM audit_checkpoint")" -gt "$ncp" ] && ok ||
  bad "no checkpoint was inserted into the copy"
run 1 "verify with an inserted checkpoint" "$OPSGATE" --data "$B" audit verify
grep -q "has no audit.checkpoint record in the platform chain" <<<"$err" && ok ||
  bad "verify names the inserted checkpoint: $err"
run 1 "checkpoint with an inserted checkpoint" "$OPSGATE" --data "$B" audit checkpoint
grep -q "is not recorded in the platform chain: refusing to sign" <<<"$err" && ok ||
  bad "signing refuses: $err"
[ "$(adopts "$B")" = 1 ] && ok || bad "the inserted checkpoint was adopted"

# An adopted checkpoint replaced by another one (here: the same row at a smaller tree size, as a
# rewrite would leave it) fails too: verify compares each with its adopted hash.
C=$OG_TMP/replaced
restore "$C" || bad "cannot recreate the fixture's data folder"
run 0 "open (adopt) C" "$OPSGATE" --data "$C" tenant list
q "$C" "INSERT INTO audit_checkpoint (chain, tree_size, root, time, key_id, signature)
  SELECT chain, 1, root, time, key_id, signature FROM audit_checkpoint
  WHERE chain <> 'platform' AND tree_size > 1 ORDER BY tree_size DESC LIMIT 1"
run 1 "verify with a checkpoint added below the adopted ones" "$OPSGATE" --data "$C" audit verify

# A signing key added behind opsgate's back after the adoption: not adopted on the next open.
E=$OG_TMP/key
restore "$E" || bad "cannot recreate the fixture's data folder"
run 0 "open (adopt) E" "$OPSGATE" --data "$E" tenant list
q "$E" "INSERT INTO audit_key (key_id, public_key, sealed, created_at)
  SELECT '00000000000000aa', public_key, sealed, created_at FROM audit_key LIMIT 1"
run 0 "open E again" "$OPSGATE" --data "$E" tenant list
[ "$(adopts "$E")" = 1 ] && ok || bad "the added key was adopted"
run 1 "verify with an added key" "$OPSGATE" --data "$E" audit verify
grep -q "signing key 00000000000000aa is not recorded" <<<"$err" && ok ||
  bad "verify names the added key: $err"

# A new data folder is never adopted, before or after its first checkpoint.
N=$OG_TMP/new
og_init "$N" >/dev/null
run 0 "tenant create" "$OPSGATE" --data "$N" tenant create acme
run 0 "new: checkpoint" "$OPSGATE" --data "$N" audit checkpoint
run 0 "new: verify" "$OPSGATE" --data "$N" audit verify
[ "$(adopts "$N")" = 0 ] && ok || bad "a new data folder was adopted"

og_done
