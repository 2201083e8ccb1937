#!/usr/bin/env bash
# test_upgrade_resume.sh - kill -9 during a migration leaves each module at a step it finished
# (its old schema or the new one, never half a step), and the next open goes on and finishes.
#
# The process is held inside a step, after its script and version bump ran and before its
# transaction commits (OPSGATE_TEST_MIGRATE_PAUSE=MODULE:VERSION, src/store/migrate.c), and killed
# there. On both backends (integration_test_upgrade_resume_pg runs it on PostgreSQL): a database
# set back to infer 1 (the tables of infer steps 2 and 3 dropped) is killed in step 3, then
# migrated by a second process that waited for the first one's writer lock. On SQLite also: the
# 2026-12-06 upgrade fixture (tests/data/upgrade) killed in two steps of two modules, then
# finished, every artifact version byte-identical and the audit trail intact; and a new database
# killed while it is made has no table at all.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-400} # held steps are killed; each open migrates
. "$(dirname "$0")/lib.sh"
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PG=0
[ "${OG_IT_BACKEND:-}" = pg ] && PG=1
[ $PG = 1 ] || command -v sqlite3 >/dev/null || {
  echo "SKIP: sqlite3 is not installed (scripts/deps.sh test installs it)" >&2
  exit 77
}

D="$OG_TMP/data"
q() { # SQL: one query on D's database (on PostgreSQL the database lib.sh's wrapper made for D)
  if [ $PG = 1 ]; then
    local u
    u=$(og_pg_url_of "og_it_$(printf '%s' "$D" | md5sum | cut -c1-16)")
    psql -qtAX -v ON_ERROR_STOP=1 "${u#libpq:}" -c "$1"
  else
    sqlite3 "$D/opsgate.db" "$1"
  fi
}
has_table() { # NAME: 1 when D's database has that table, else 0
  if [ $PG = 1 ]; then
    q "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = '$1'"
  else
    q "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '$1'"
  fi
}
version() { q "SELECT version FROM og_schema WHERE module = '$1'"; }
# paused MODULE:VERSION ARGS...: start opsgate held in that step; sets $held (its pid) once it
# says it is there (at most 60 s), or fails.
paused() {
  local at=$1
  shift
  : >"$OG_TMP/held.err"
  OPSGATE_TEST_MIGRATE_PAUSE=$at "$@" >/dev/null 2>"$OG_TMP/held.err" &
  held=$!
  for _ in $(seq 600); do
    grep -q "test pause: migrating module" "$OG_TMP/held.err" && return 0
    kill -0 "$held" 2>/dev/null || break
    sleep 0.1
  done
  bad "not held in step $at: $(cat "$OG_TMP/held.err")"
  return 1
}
kill9() {
  kill -KILL "$held" 2>/dev/null
  wait "$held" 2>/dev/null
}

# ---- both backends: infer set back to version 1, killed in step 3 ----
og_init "$D" >/dev/null || {
  bad "init"
  og_done
}
"$OPSGATE" --data "$D" tenant create acme >/dev/null 2>&1 && ok || bad "tenant create"
infer_now=$(version infer) # this build's newest infer step: a finished rerun reaches it
q "DROP TABLE infer_docs; DROP TABLE infer_ca_errors; DROP TABLE infer_counts;
   UPDATE og_schema SET version = 1 WHERE module = 'infer'" >/dev/null
[ "$(version infer)" = 1 ] && [ "$(has_table infer_counts)" = 0 ] && ok || bad "set back to infer 1"

if paused infer:3 "$OPSGATE" --data "$D" tenant list; then
  ok
  # A second process waits for the held step's writer lock, then finds step 3 still to do.
  "$OPSGATE" --data "$D" tenant list >"$OG_TMP/second.out" 2>"$OG_TMP/second.err" &
  second=$!
  sleep 1
  kill9
  # Checked before the second one can have applied step 3? It may have, so only what both
  # outcomes share: step 2 whole, and step 3 whole or not at all.
  wait "$second"
  rc=$?
  [ $rc = 0 ] && ok || bad "the waiting process: exit $rc: $(cat "$OG_TMP/second.err")"
  [ "$(version infer)" = "$infer_now" ] && ok ||
    bad "infer after the second open: $(version infer), want $infer_now"
  for t in infer_counts infer_docs infer_ca_errors; do
    [ "$(has_table $t)" = 1 ] && ok || bad "table $t after the second open"
  done
fi

q "DROP TABLE infer_docs; DROP TABLE infer_ca_errors; DROP TABLE infer_counts;
   UPDATE og_schema SET version = 1 WHERE module = 'infer'" >/dev/null
if paused infer:3 "$OPSGATE" --data "$D" tenant list; then
  kill9
  [ "$(version infer)" = 2 ] && ok || bad "killed in step 3: infer is $(version infer), want 2"
  [ "$(has_table infer_counts)" = 1 ] && ok || bad "step 2 (committed) lost its table"
  # Step 3's script had made both tables when the process was killed: neither may be there.
  [ "$(has_table infer_docs)" = 0 ] && [ "$(has_table infer_ca_errors)" = 0 ] && ok ||
    bad "half of step 3 was left: infer_docs $(has_table infer_docs), infer_ca_errors $(has_table infer_ca_errors)"
  "$OPSGATE" --data "$D" tenant list >/dev/null 2>"$OG_TMP/err" && ok ||
    bad "the rerun: $(cat "$OG_TMP/err")"
  [ "$(version infer)" = "$infer_now" ] && [ "$(has_table infer_docs)" = 1 ] &&
    [ "$(has_table infer_ca_errors)" = 1 ] && ok || bad "the rerun did not finish step 3"
fi
"$OPSGATE" --data "$D" audit verify >/dev/null 2>"$OG_TMP/err" && ok ||
  bad "audit verify after the resumed migration: $(cat "$OG_TMP/err")"

if [ $PG = 1 ]; then
  og_done
fi

# ---- SQLite: an upgrade fixture killed in two steps, then finished ----
FX=$SRC/tests/data/upgrade/2026-12-06-c925ee0
SCHEMA_SQL=${OG_BUILD_DIR:-$(dirname "$OPSGATE")}/og_schema_sql
if ! command -v zstd >/dev/null || [ ! -d "$FX" ] || [ ! -x "$SCHEMA_SQL" ]; then
  echo "SKIP (part): zstd, $FX or $SCHEMA_SQL missing" >&2
  og_done
fi
D="$OG_TMP/fixture"
mkdir -m 700 "$D"
zstd -q -dc "$FX/files.tar.zst" | tar -x -p -C "$D" && zstd -q -dc "$FX/db.sql.zst" |
  sqlite3 "$D/opsgate.db" && ok || bad "recreate the fixture"
[ "$(version certs)" = 2 ] && ok || bad "the fixture's certs is at 2: $(version certs)"
if paused certs:4 "$OPSGATE" --data "$D" audit verify; then
  kill9
  [ "$(version certs)" = 3 ] && ok || bad "killed in certs 4: certs is $(version certs), want 3"
  [ "$(version crypto)" = 4 ] && ok || bad "modules before certs finished: crypto $(version crypto)"
  [ "$(version artifacts)" = 5 ] && ok || bad "modules after certs untouched: artifacts $(version artifacts)"
  [ "$(has_table cert_app_credentials)" = 0 ] && ok || bad "half of certs 4 left: its table"
  [ "$(q "SELECT count(*) FROM pragma_table_info('certs') WHERE name = 'kind'")" = 0 ] && ok ||
    bad "half of certs 4 left: the column certs.kind"
fi
if paused artifacts:7 "$OPSGATE" --data "$D" audit verify; then
  kill9
  [ "$(version certs)" = 10 ] && [ "$(version artifacts)" = 6 ] && ok ||
    bad "killed in artifacts 7: certs $(version certs), artifacts $(version artifacts)"
fi
[ "$(q "PRAGMA integrity_check")" = ok ] && ok || bad "integrity_check after two kills"
"$OPSGATE" --data "$D" audit verify >/dev/null 2>"$OG_TMP/err" && ok ||
  bad "the rerun's audit verify: $(cat "$OG_TMP/err")"
rm -f "$OG_TMP/fresh.db"
if diff <("$SCHEMA_SQL" catalog "$OG_TMP/fresh.db" | sort) \
  <("$SCHEMA_SQL" catalog "$D/opsgate.db" | sort) >"$OG_TMP/cat.diff"; then
  ok
else
  bad "the resumed schema differs from a new one: $(head -20 "$OG_TMP/cat.diff")"
fi
while IFS=$'\t' read -r t p a v sum; do
  "$OPSGATE" --data "$D" artifact get --tenant "$t" --project "$p" --name "$a" --version "$v" \
    -o "$OG_TMP/got" 2>"$OG_TMP/err" || bad "get $t/$p/$a@$v: $(cat "$OG_TMP/err")"
  [ "$(sha256sum <"$OG_TMP/got" | cut -c1-64)" = "$sum" ] && ok || bad "$t/$p/$a@$v differs"
done <"$FX/artifacts.tsv"

# ---- SQLite: a new database killed while it is made has no table ----
rm -f "$OG_TMP/new.db"
if paused certs:4 "$SCHEMA_SQL" catalog "$OG_TMP/new.db"; then
  kill9
  n=$(sqlite3 "$OG_TMP/new.db" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name <> 'og_schema'")
  [ "$n" = 0 ] && ok || bad "a new database killed while made keeps $n tables"
  [ "$(sqlite3 "$OG_TMP/new.db" "SELECT count(*) FROM og_schema")" = 0 ] && ok ||
    bad "a new database killed while made has versions"
  "$SCHEMA_SQL" catalog "$OG_TMP/new.db" >/dev/null && ok || bad "the new database, made again"
fi
og_done
