#!/usr/bin/env bash
# test_upgrade_history.sh - data folders written by older opsgates open with this one, nothing lost.
#
# Each fixture in tests/data/upgrade/ (written by tests/data/upgrade/make-fixture.sh with an older
# commit's binary) is recreated as a data folder and opened with the current binary: the
# migrations run (every module at this build's last step, the tables, columns and indexes the
# same as a new data folder's), `audit verify` passes, every artifact version reads back with the
# SHA-256 that old binary read and no version is lost or added, the old inclusion proof still
# verifies, and the upgraded folder takes new writes. Then the fixtures' coverage: every schema
# step of this build is in at least one fixture (so that the steps after it are applied to data in
# its format) and was applied to at least one fixture whose version was below it (except the steps
# the oldest fixture already had). A data folder a newer opsgate migrated is refused, unchanged.
# A fixture's KNOWN file names a problem of that fixture the test expects (check TAB message).
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-400} # every fixture migrated and read back; grows with them
. "$(dirname "$0")/lib.sh"
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
FX=$SRC/tests/data/upgrade
SCHEMA_SQL=${OG_BUILD_DIR:-$(dirname "$OPSGATE")}/og_schema_sql
for t in sqlite3 zstd tar sha256sum; do
  command -v "$t" >/dev/null || {
    echo "SKIP: $t is not installed (scripts/deps.sh test installs it)" >&2
    exit 77
  }
done
[ -x "$SCHEMA_SQL" ] || {
  echo "SKIP: $SCHEMA_SQL is not built" >&2
  exit 77
}
run() { # WANT WHAT COMMAND...: exit status, stdout in $out, stderr in $err
  local want=$1 what=$2
  shift 2
  out=$("$@" 2>"$OG_TMP/err")
  local rc=$?
  err=$(cat "$OG_TMP/err")
  if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, want $want; stderr: $err"; fi
}
restore() { # FIXTURE DIR: the data folder the fixture's opsgate left
  mkdir -m 700 "$2"
  zstd -q -dc "$1/files.tar.zst" | tar -x -p -C "$2" &&
    zstd -q -dc "$1/db.sql.zst" | sqlite3 "$2/opsgate.db"
}
known() { # FIXTURE CHECK: the message KNOWN expects for that check, if any
  [ -f "$1/KNOWN" ] && awk -F'\t' -v c="$2" '$1 == c { print $2; exit }' "$1/KNOWN"
}

# This build's steps, module TAB version, in the order they apply.
mkdir "$OG_TMP/steps"
"$SCHEMA_SQL" dump sqlite "$OG_TMP/steps" || bad "og_schema_sql dump"
ls "$OG_TMP/steps" | sed -E 's/^[0-9]+_(.+)_([0-9]+)\.sql$/\1\t\2/' >"$OG_TMP/steps.tsv"
awk -F'\t' '{ last[$1] = $2 } END { for (m in last) print m "\t" last[m] }' "$OG_TMP/steps.tsv" |
  sort >"$OG_TMP/current.tsv"
[ -s "$OG_TMP/current.tsv" ] && ok || bad "no schema steps listed"
rm -f "$OG_TMP/fresh.db"
"$SCHEMA_SQL" catalog "$OG_TMP/fresh.db" | sort >"$OG_TMP/fresh.cat" || bad "catalogue of a new db"

fixtures=()
for f in "$FX"/*/; do
  [ -f "$f/schema.tsv" ] && fixtures+=("${f%/}")
done
[ "${#fixtures[@]}" -ge 4 ] && ok || bad "at least 4 fixtures in $FX, found ${#fixtures[@]}"

for f in "${fixtures[@]}"; do
  name=$(basename "$f")
  D="$OG_TMP/$name"
  og() { "$OPSGATE" --data "$D" "$@"; }
  restore "$f" "$D" || {
    bad "$name: cannot recreate the data folder"
    continue
  }
  sqlite3 -separator $'\t' "$D/opsgate.db" "SELECT module, version FROM og_schema ORDER BY module" \
    >"$OG_TMP/before.tsv"
  cmp -s "$OG_TMP/before.tsv" "$f/schema.tsv" && ok || bad "$name: og_schema is not schema.tsv"

  # The first open migrates; a second one changes nothing.
  run 0 "$name: open (migrate)" og tenant list
  sqlite3 -separator $'\t' "$D/opsgate.db" "SELECT module, version FROM og_schema ORDER BY module" \
    >"$OG_TMP/after.tsv"
  cmp -s "$OG_TMP/after.tsv" "$OG_TMP/current.tsv" && ok ||
    bad "$name: schema after the upgrade: $(tr '\t\n' '= ' <"$OG_TMP/after.tsv")"
  stamps=$(sqlite3 "$D/opsgate.db" "SELECT group_concat(applied_at) FROM og_schema")
  run 0 "$name: open again" og tenant list
  [ "$(sqlite3 "$D/opsgate.db" "SELECT group_concat(applied_at) FROM og_schema")" = "$stamps" ] &&
    ok || bad "$name: a second open migrated again"
  "$SCHEMA_SQL" catalog "$D/opsgate.db" | sort >"$OG_TMP/up.cat"
  if cmp -s "$OG_TMP/fresh.cat" "$OG_TMP/up.cat"; then ok; else
    bad "$name: the upgraded schema differs from a new one (< new, > upgraded):
$(diff "$OG_TMP/fresh.cat" "$OG_TMP/up.cat" | head -20)"
  fi

  # The audit trail.
  want=$(known "$f" audit-verify)
  if [ -z "$want" ]; then
    run 0 "$name: audit verify" og audit verify
  else
    run 1 "$name: audit verify (KNOWN: $want)" og audit verify
    grep -qF "$want" <<<"$err" && ok || bad "$name: audit verify says: $err (KNOWN: $want)"
    echo "KNOWN: $name: audit verify: $err"
  fi
  if [ -f "$f/proof.json" ]; then
    run 0 "$name: the old proof verifies" og audit verify-proof "$f/proof.json" \
      --pubkey "$f/pubkey.pem"
  fi

  # Every artifact version, byte for byte, none lost, none added.
  n=0
  while IFS=$'\t' read -r t p a v sum; do
    n=$((n + 1))
    rm -f "$OG_TMP/got"
    run 0 "$name: get $t/$p/$a@$v" og artifact get --tenant "$t" --project "$p" --name "$a" \
      --version "$v" -o "$OG_TMP/got"
    got=$(sha256sum <"$OG_TMP/got" 2>/dev/null | cut -c1-64)
    [ "$got" = "$sum" ] && ok || bad "$name: $t/$p/$a@$v reads back as $got, not $sum"
  done <"$f/artifacts.tsv"
  [ "$n" -ge 8 ] && ok || bad "$name: only $n artifact versions in the fixture"
  : >"$OG_TMP/now.tsv"
  for t in $(cut -f1 "$f/artifacts.tsv" | sort -u); do
    og artifact list --tenant "$t" --json | jq -r '.artifacts[] | [.project, .name] | @tsv' |
      while IFS=$'\t' read -r p a; do
        og artifact log --tenant "$t" --project "$p" --name "$a" --json |
          jq -r --arg t "$t" --arg p "$p" --arg a "$a" '.versions[] | [$t, $p, $a, .version] | @tsv'
      done >>"$OG_TMP/now.tsv"
  done
  if diff <(cut -f1-4 "$f/artifacts.tsv" | sort) <(sort "$OG_TMP/now.tsv") >"$OG_TMP/vdiff"; then
    ok
  else
    bad "$name: artifact versions differ (< fixture, > now): $(cat "$OG_TMP/vdiff")"
  fi
  big=$(find "$D/objects" -type f | wc -l)
  [ "$big" -ge 1 ] && ok || bad "$name: no object file (the one over 256 KiB)"

  # The upgraded folder takes new writes.
  printf 'after the upgrade\n' >"$OG_TMP/new.txt"
  run 0 "$name: put after the upgrade" og artifact put --tenant globex --project mig \
    --name after-upgrade.txt "$OG_TMP/new.txt"
  wantcp=$(known "$f" checkpoint)
  if [ -z "$wantcp" ]; then
    run 0 "$name: checkpoint after the upgrade" og audit checkpoint
  else
    run 1 "$name: checkpoint after the upgrade (KNOWN: $wantcp)" og audit checkpoint
    grep -qF "$wantcp" <<<"$err" && ok || bad "$name: audit checkpoint says: $err (KNOWN: $wantcp)"
    echo "KNOWN: $name: audit checkpoint: $err"
  fi
  if [ -z "$want" ]; then run 0 "$name: audit verify after new writes" og audit verify; fi
done

# Coverage: every step of this build in a fixture, and migrated to from below in one.
oldest=""
for f in "${fixtures[@]}"; do
  c=$(cut -d' ' -f2 "$f/COMMIT")
  if [ -z "$oldest" ] || [[ "$c" < "$oldest_at" ]]; then
    oldest=$f
    oldest_at=$c
  fi
done
ver() { # FIXTURE MODULE: its version there, 0 when the module was not there yet
  awk -F'\t' -v m="$2" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }' "$1/schema.tsv"
}
baseline=()
while IFS=$'\t' read -r m v; do
  below=0 in=0
  for f in "${fixtures[@]}"; do
    fv=$(ver "$f" "$m")
    [ "$fv" -lt "$v" ] && below=1
    [ "$fv" -ge "$v" ] && in=1
  done
  if [ "$in" = 0 ]; then
    bad "schema step $m $v is in no upgrade fixture: once it is committed, write one with
    tests/data/upgrade/make-fixture.sh HEAD   (and commit tests/data/upgrade/<its name>/;
    docs/conventions.md \"Schema changes\")"
  elif [ "$below" = 0 ]; then
    [ "$(ver "$oldest" "$m")" -ge "$v" ] && baseline+=("$m $v") ||
      bad "schema step $m $v is applied to no fixture"
  else
    ok
  fi
done <"$OG_TMP/steps.tsv"
echo "baseline (steps the oldest fixture, $(basename "$oldest"), already had): ${baseline[*]}"

# A data folder a newer opsgate migrated is refused, and left as it was: here one module is newer
# and others older, so a migration that ran before the check would change them.
f=${fixtures[0]}
D="$OG_TMP/newer"
restore "$f" "$D" || bad "cannot recreate $(basename "$f")"
newer=$(($(awk -F'\t' '$1 == "tenant" { print $2 }' "$OG_TMP/current.tsv") + 1))
sqlite3 "$D/opsgate.db" "UPDATE og_schema SET version = $newer WHERE module = 'tenant'"
sqlite3 "$D/opsgate.db" .dump >"$OG_TMP/newer.before"
run 1 "a newer data folder is refused" "$OPSGATE" --data "$D" tenant list
grep -q "module 'tenant' is version $newer, newer than the" <<<"$err" && grep -q "use a newer opsgate" <<<"$err" && ok ||
  bad "the refusal says why: $err"
sqlite3 "$D/opsgate.db" .dump >"$OG_TMP/newer.after"
cmp -s "$OG_TMP/newer.before" "$OG_TMP/newer.after" && ok || bad "the refused folder was changed"
run 1 "still refused" "$OPSGATE" --data "$D" audit verify

og_done
