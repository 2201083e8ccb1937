#!/usr/bin/env bash
# test_pg_schemas.sh - every module's PostgreSQL schema, as this build ships it, on a real
# PostgreSQL 15 (scripts/pg-test.sh): each step applies in the store's order, and the catalogue
# it makes matches the one SQLite makes of the SQLite steps (tables, columns and their types,
# NOT NULL, defaults, numbered columns, primary keys, UNIQUE constraints, named indexes with their
# uniqueness, partiality and columns, foreign keys with their ON DELETE, CHECK counts, triggers).
# Then the behaviour SQL cannot show in a catalogue: the audit tables refuse UPDATE, DELETE and
# TRUNCATE, a record must extend its chain, numbered columns number, and the search index finds
# a document by its keyed-hash tokens through its GIN index. Last, the SQL the module unit tests
# run is prepared on this database: what PostgreSQL refuses, or answers with a boolean where
# SQLite gives an integer, fails (docs/postgres.md "Portable SQL").
# A module step without a PostgreSQL text fails the test. Skips (77) without PostgreSQL 15.
# It runs about twenty unit tests under the trace: the watchdog waits longer than lib.sh's 120 s.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-500}
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOOL=${OG_BUILD_DIR:-$(dirname "$OPSGATE")}/og_schema_sql
PSQL=${PGBIN:-/usr/lib/postgresql/15/bin}/psql
[ -x "$TOOL" ] || { echo "FAIL: $TOOL is not built" >&2; exit 1; }

PGDIR=$OG_TMP/pg
url=$("$SRC/scripts/pg-test.sh" start "$PGDIR")
rc=$?
[ "$rc" = 77 ] && exit 77
[ "$rc" = 0 ] || { echo "FAIL: scripts/pg-test.sh start failed ($rc)" >&2; exit 1; }
trap '"$SRC/scripts/pg-test.sh" stop "$PGDIR"; og_cleanup' EXIT

pg() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -At "$url" "$@"; }

# ---- every step has a text, and each applies in order ----
mkdir -p "$OG_TMP/sql"
if "$TOOL" dump postgres "$OG_TMP/sql" 2>"$OG_TMP/missing"; then
  ok
else
  bad "module steps without a PostgreSQL text: $(tr '\n' ' ' <"$OG_TMP/missing")"
fi
nsteps=0
for f in "$OG_TMP"/sql/*.sql; do
  nsteps=$((nsteps + 1))
  if pg -1 -f "$f" >"$OG_TMP/apply.log" 2>&1; then
    ok
  else
    bad "step $(basename "$f" .sql) does not apply: $(cat "$OG_TMP/apply.log")"
  fi
done
[ "$nsteps" -gt 30 ] && ok || bad "only $nsteps steps were dumped"

# ---- the catalogue, in the words og_schema_sql uses for SQLite's ----
"$TOOL" catalog "$OG_TMP/sqlite.db" >"$OG_TMP/sqlite.raw" || bad "SQLite's catalogue"
sort "$OG_TMP/sqlite.raw" >"$OG_TMP/sqlite.cat"
pg >"$OG_TMP/pg.raw" <<'SQL' || bad "PostgreSQL's catalogue"
SELECT 'table ' || table_name FROM information_schema.tables WHERE table_schema = 'public';
SELECT 'column ' || c.table_name || ' ' || c.column_name || ' ' ||
  CASE c.data_type WHEN 'bigint' THEN 'int' WHEN 'text' THEN 'text' WHEN 'bytea' THEN 'blob'
    WHEN 'double precision' THEN 'real' ELSE 'other:' || c.data_type END || ' ' ||
  CASE WHEN c.is_nullable = 'NO' THEN 'notnull' ELSE 'null' END || ' ' ||
  CASE WHEN c.is_identity = 'YES' THEN 'auto'
    ELSE coalesce(regexp_replace(c.column_default, '::text$', ''), '-') END
  FROM information_schema.columns c WHERE c.table_schema = 'public';
SELECT CASE k.contype WHEN 'p' THEN 'pk ' ELSE 'unique ' END || k.conrelid::regclass || ' ' ||
  (SELECT string_agg(a.attname, ',' ORDER BY o.ord) FROM unnest(k.conkey) WITH ORDINALITY
   o(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = o.attnum)
  FROM pg_constraint k WHERE k.contype IN ('p', 'u')
  AND k.connamespace = 'public'::regnamespace;
SELECT 'index ' || t.relname || ' ' || i.relname || ' unique=' || x.indisunique::int ||
  ' partial=' || (x.indpred IS NOT NULL)::int || ' ' ||
  (SELECT string_agg(coalesce(a.attname::text, 'expr'), ',' ORDER BY o.ord)
   FROM unnest(x.indkey::int2[]) WITH ORDINALITY o(attnum, ord)
   LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = o.attnum AND o.attnum > 0)
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
  WHERE t.relnamespace = 'public'::regnamespace AND NOT EXISTS (SELECT 1 FROM pg_constraint k
    WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u'));
SELECT 'fk ' || k.conrelid::regclass || ' ' ||
  (SELECT string_agg(a.attname, ',' ORDER BY o.ord) FROM unnest(k.conkey) WITH ORDINALITY
   o(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = o.attnum) ||
  ' -> ' || k.confrelid::regclass || ' ' ||
  (SELECT string_agg(a.attname, ',' ORDER BY o.ord) FROM unnest(k.confkey) WITH ORDINALITY
   o(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = o.attnum) ||
  ' ' || CASE k.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'a' THEN 'NO ACTION'
    WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END
  FROM pg_constraint k WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace;
SELECT 'checks ' || k.conrelid::regclass || ' ' || count(*) FROM pg_constraint k
  WHERE k.contype = 'c' AND k.connamespace = 'public'::regnamespace GROUP BY k.conrelid;
SELECT 'trigger ' || c.relname || ' ' || t.tgname FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
  AND c.relnamespace = 'public'::regnamespace;
SQL
# What only PostgreSQL has, on purpose: the refusal of TRUNCATE (SQLite has no TRUNCATE) and the
# GIN index of the search tokens (FTS5 indexes inside its virtual table).
grep -vE '^trigger (audit_record|audit_checkpoint|audit_key) [a-z_]+_no_truncate$|^index art_fts art_fts_terms unique=0 partial=0 expr$' \
  "$OG_TMP/pg.raw" | sort >"$OG_TMP/pg.cat"
[ "$(grep -c '_no_truncate$' "$OG_TMP/pg.raw")" = 3 ] && ok || bad "the three TRUNCATE refusals"
grep -q '^index art_fts art_fts_terms ' "$OG_TMP/pg.raw" && ok || bad "the search tokens' GIN index"
[ "$(wc -l <"$OG_TMP/sqlite.cat")" -gt 400 ] && ok || bad "SQLite's catalogue is too short"
if diff -u "$OG_TMP/sqlite.cat" "$OG_TMP/pg.cat" >"$OG_TMP/cat.diff"; then
  ok
else
  bad "the catalogues differ (- SQLite, + PostgreSQL):"; cat "$OG_TMP/cat.diff" >&2
fi

# ---- behaviour ----
# expect_refused WHAT MESSAGE SQL: the statement fails with MESSAGE.
expect_refused() {
  if pg -c "$3" >"$OG_TMP/out" 2>&1; then
    bad "$1 was accepted"
  elif grep -qF "$2" "$OG_TMP/out"; then
    ok
  else
    bad "$1: wanted \"$2\", got: $(cat "$OG_TMP/out")"
  fi
}
zeros=0000000000000000000000000000000000000000000000000000000000000000
rec="INSERT INTO audit_record (chain, seq, time, actor, area, action, outcome, prev_hash, hash)"
pg -c "$rec VALUES ('t1', 1, 'now', 'a', 'x', 'y', 'ok', '$zeros', 'h1');
       $rec VALUES ('t1', 2, 'now', 'a', 'x', 'y', 'ok', 'h1', 'h2');" && ok || bad "a chain of two"
expect_refused "a record that skips a seq" "audit records must extend their chain" \
  "$rec VALUES ('t1', 4, 'now', 'a', 'x', 'y', 'ok', 'h2', 'h4')"
expect_refused "a record with the wrong prev_hash" "audit records must extend their chain" \
  "$rec VALUES ('t1', 3, 'now', 'a', 'x', 'y', 'ok', 'bad', 'h3')"
expect_refused "a new chain not starting at 1" "audit records must extend their chain" \
  "$rec VALUES ('t2', 2, 'now', 'a', 'x', 'y', 'ok', '$zeros', 'h')"
expect_refused "UPDATE of a record" "audit records are immutable: UPDATE refused" \
  "UPDATE audit_record SET outcome = 'forged' WHERE chain = 't1'"
expect_refused "DELETE of a record" "audit records are immutable: DELETE refused" \
  "DELETE FROM audit_record WHERE seq = 2"
expect_refused "TRUNCATE of the records" "audit records are immutable: TRUNCATE refused" \
  "TRUNCATE audit_record"
pg -c "INSERT INTO audit_checkpoint VALUES ('t1', 2, 'r', 'now', 'k', 's');
       INSERT INTO audit_key VALUES ('k', '\\x01', '\\x02', 'now')" && ok || bad "checkpoint, key"
expect_refused "UPDATE of a checkpoint" "audit checkpoints are immutable: UPDATE refused" \
  "UPDATE audit_checkpoint SET root = 'x'"
expect_refused "DELETE of a checkpoint" "audit checkpoints are immutable: DELETE refused" \
  "DELETE FROM audit_checkpoint"
expect_refused "UPDATE of a signing key" "audit signing keys are immutable: UPDATE refused" \
  "UPDATE audit_key SET sealed = '\\x03'"
expect_refused "DELETE of a signing key" "audit signing keys are immutable: DELETE refused" \
  "DELETE FROM audit_key"
[ "$(pg -c "SELECT count(*) FROM audit_record")" = 2 ] && ok || bad "records left untouched"

# Numbered columns number by themselves (the module SQL never names them on insert).
got=$(pg -c "INSERT INTO events (id, type, payload, actor, created_at, created_us)
             VALUES ('e1', 't', '{}', 'a', 'now', 1), ('e2', 't', '{}', 'a', 'now', 2);
             SELECT string_agg(seq::text, ',' ORDER BY seq) FROM events")
[ "$got" = "1,2" ] && ok || bad "events.seq numbers 1,2: got $got"
got=$(pg -c "INSERT INTO tenants VALUES ('T', 'tn', 'active', 'now');
             INSERT INTO art_projects (id, tenant_id, key, name, created_at, created_by)
             VALUES ('P', 'T', 'p', 'p', 'now', 'a');
             INSERT INTO art_artifacts (id, tenant_id, project_id, name_mac, sealed, kind, state,
             created_at, created_by, updated_at) VALUES ('A', 'T', 'P', 'm', '\\x00', 'doc',
             'draft', 'now', 'a', 'now');
             SELECT n FROM art_artifacts WHERE id = 'A'")
[ "$got" = 1 ] && ok || bad "art_artifacts.n numbers: got $got"

# The search index: the module's own statements (src/artifacts/index.c, search.c) and the token
# search through the GIN index.
pg -c "INSERT INTO art_fts (rowid, name, meta, body) VALUES (1, 'h00aa h00bb', '', 'h00cc');
       INSERT INTO art_fts (rowid, name, meta, body) VALUES (2, 'h00bb', 'h00dd', '')" &&
  ok || bad "index rows"
[ "$(pg -c "SELECT body FROM art_fts WHERE rowid = 1")" = h00cc ] && ok || bad "body by rowid"
[ "$(pg -c "SELECT count(*) FROM pg_views WHERE viewname = 'art_fts_v'")" = 0 ] &&
  ok || bad "art_fts_v (a view nothing reads) is dropped by artifacts step 8"
got=$(pg -c "SELECT string_agg(rowid::text, ',' ORDER BY rowid) FROM art_fts
             WHERE art_fts_terms(name, meta, body) @> ARRAY['h00bb', 'h00cc']")
[ "$got" = 1 ] && ok || bad "a document holding both tokens: got $got"
plan=$(pg -c "SET enable_seqscan = off; EXPLAIN SELECT rowid FROM art_fts
              WHERE art_fts_terms(name, meta, body) @> ARRAY['h00bb']")
grep -q 'art_fts_terms' <<<"$plan" && ok || bad "the token search uses the GIN index: $plan"
pg -c "DELETE FROM art_fts WHERE rowid IN (SELECT n FROM art_artifacts WHERE tenant_id = 'T')" &&
  [ "$(pg -c "SELECT count(*) FROM art_fts")" = 1 ] && ok || bad "the tenant purge of the index"

# ---- module SQL: what the module unit tests ran on SQLite, prepared on PostgreSQL ----
# Under tests/schema/sql_trace.c (LD_PRELOAD) the unit tests write every statement SQLite
# prepares; tests/schema/pg_prepare.py prepares each on this database (the store's ? -> $n) and
# refuses any PostgreSQL rejects or that returns a boolean or numeric column. Not in a sanitizer
# build (the preload would have to come after the sanitizer's runtime).
BUILD=${OG_BUILD_DIR:-$(dirname "$OPSGATE")}
UNITS="artifacts_test_artifacts audit_test_audit audit_test_audit_names audit_test_audit_trail
  tenant_test_tenant tenant_test_session certs_test_certs certs_test_certs_discovered
  certs_test_certs_app connector_test_connector_sync connector_test_connector_push
  notify_test_notify gate_test_gate gate_test_gate_governance events_test_events
  deploy_test_deploy acme_test_acme_trigger docgen_test_brand app_test_area"
if ! command -v python3 >/dev/null 2>&1; then
  echo "note: no python3, module SQL not prepared on PostgreSQL" >&2
elif grep -q 'libasan\|libubsan' <<<"$(ldd "$BUILD/unit_tenant_test_tenant" 2>/dev/null)"; then
  echo "note: sanitizer build, module SQL not prepared on PostgreSQL" >&2
else
  : >"$OG_TMP/trace.sql"
  for u in $UNITS; do
    if [ ! -x "$BUILD/unit_$u" ]; then
      bad "unit test $u is not built"
      continue
    fi
    (cd "$OG_TMP" && OG_SQL_TRACE="$OG_TMP/trace.sql" LD_PRELOAD="$BUILD/libog_sql_trace.so" \
      "$BUILD/unit_$u" >"$OG_TMP/unit.log" 2>&1) || bad "unit test $u failed under the trace"
  done
  [ "$(wc -l <"$OG_TMP/trace.sql")" -gt 1000 ] && ok || bad "the trace caught too little SQL"
  if python3 "$SRC/tests/schema/pg_prepare.py" "$OG_TMP/trace.sql" "$PSQL" "$url" "$SRC" \
    >"$OG_TMP/prepare.log" 2>&1; then
    ok
  else
    bad "module SQL PostgreSQL refuses:"; cat "$OG_TMP/prepare.log" >&2
  fi
  tail -1 "$OG_TMP/prepare.log"
fi

og_done
