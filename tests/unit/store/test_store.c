/* test_store.c - the store on either backend (store_fixture.h): migrations (a step per
 * transaction, resumed), schema-version refusal, nested transactions, statements, the statement
 * cache, pools. */
#include "store_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void test_store__applies_every_module_schema_on_open(void **state)
{
    fixture *f = *state;
    int applied, known;
    OG_ASSERT_OK(og_store_schema_version(f->s, f->module, &applied, &known));
    assert_true(known >= 1);
    assert_int_equal(applied, known);
    OG_ASSERT_OK(og_store_schema_version(f->s, "storetest", &applied, &known));
    assert_int_equal(applied, 1);
    assert_string_equal(og_store_backend_name(f->s), f->pg ? "postgres" : "sqlite");
    /* what modules ask instead of the name: SQLite has FTS5's shadow tables, PostgreSQL a round
     * trip per statement; both at once is asked as all of them */
    assert_true(og_store_has(f->s, OG_STORE_CAP_FTS5_SHADOW) == !f->pg);
    assert_true(og_store_has(f->s, OG_STORE_CAP_ROUND_TRIPS) == !!f->pg);
    assert_false(og_store_has(f->s, OG_STORE_CAP_FTS5_SHADOW | OG_STORE_CAP_ROUND_TRIPS));
}

static void test_store__refuses_a_database_with_a_newer_schema(void **state)
{
    fixture *f = *state;
    char sql[128];
    snprintf(sql, sizeof(sql), "UPDATE og_schema SET version = 999 WHERE module = '%s'", f->module);
    OG_ASSERT_OK(og_store_exec(f->s, sql));
    og_store *other = NULL;
    int rc = fixture_open(f, &other);
    assert_int_equal(rc, OG_ESCHEMA);
    assert_null(other);
    assert_non_null(strstr(og_error_last(), f->module));
    assert_non_null(strstr(og_error_last(), "999"));
    snprintf(sql, sizeof(sql), "UPDATE og_schema SET version = 1 WHERE module = '%s'", f->module);
    OG_ASSERT_OK(og_store_exec(f->s, sql));
}

static void test_store__reopening_applies_nothing_twice(void **state)
{
    fixture *f = *state;
    og_store *again = NULL;
    OG_ASSERT_OK(fixture_open(f, &again));
    og_store_close(again);
}

/* Schemas of a module "migtest" at successive builds: steps 1-2, a step 3 whose second
 * statement fails, the fixed step 3, and a module "migtest2". Same text on both backends. */
static const og_migration mig_steps_good[] = {
    {1, "CREATE TABLE mt1 (k TEXT);", "CREATE TABLE mt1 (k TEXT);"},
    {2, "CREATE TABLE mt2 (k TEXT); INSERT INTO mt2 (k) SELECT k FROM mt1;",
     "CREATE TABLE mt2 (k TEXT); INSERT INTO mt2 (k) SELECT k FROM mt1;"},
    {3, "CREATE TABLE mt3 (k TEXT); ALTER TABLE mt2 ADD COLUMN n INTEGER;",
     "CREATE TABLE mt3 (k TEXT); ALTER TABLE mt2 ADD COLUMN n BIGINT;"},
};
static const og_migration mig_steps_bad[] = {
    {1, "CREATE TABLE mt1 (k TEXT);", "CREATE TABLE mt1 (k TEXT);"},
    {2, "CREATE TABLE mt2 (k TEXT); INSERT INTO mt2 (k) SELECT k FROM mt1;",
     "CREATE TABLE mt2 (k TEXT); INSERT INTO mt2 (k) SELECT k FROM mt1;"},
    {3, "CREATE TABLE mt3 (k TEXT); CREATE TABLE mt3 (k TEXT);",
     "CREATE TABLE mt3 (k TEXT); CREATE TABLE mt3 (k TEXT);"},
};
static const og_migration mig2_steps[] = {
    {1, "CREATE TABLE mt9 (k TEXT);", "CREATE TABLE mt9 (k TEXT);"},
};

static int has_table(og_store *s, const char *name)
{
    char sql[64];
    og_stmt *st = NULL;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", name);
    int rc = og_stmt_prepare(&st, s, sql);
    if (rc == 0)
        rc = og_stmt_step(st);
    og_stmt_free(st);
    return rc == OG_ROW;
}

static int migtest_version(og_store *s, const char *module)
{
    int applied = -1, known = 0;
    OG_ASSERT_OK(og_store_schema_version(s, module, &applied, &known));
    return applied;
}

static int open_with(fixture *f, const og_schema *a, const og_schema *b)
{
    const og_schema *list[2] = {a, b};
    og_store *s = NULL;
    int rc = og_store_open_schemas(&s, f->url, 1, list, b ? 2 : 1);
    og_store_close(s);
    return rc;
}

static void test_store__a_failed_step_keeps_the_steps_before_it_and_none_of_itself(void **state)
{
    fixture *f = *state;
    const og_schema v1 = {"migtest", mig_steps_good, 1, NULL};
    const og_schema bad = {"migtest", mig_steps_bad, 3, NULL};
    const og_schema good = {"migtest", mig_steps_good, 3, NULL};
    OG_ASSERT_OK(open_with(f, &v1, NULL));
    OG_ASSERT_OK(og_store_exec(f->s, "INSERT INTO mt1 (k) VALUES ('a')"));
    /* An upgrade to the bad build: step 2 commits, step 3 fails after its first statement. */
    assert_true(open_with(f, &bad, NULL) < 0);
    assert_non_null(strstr(og_error_last(), "migrating module 'migtest' to version 3"));
    assert_int_equal(migtest_version(f->s, "migtest"), 2);
    assert_true(has_table(f->s, "mt2"));
    assert_false(has_table(f->s, "mt3"));
    /* The fixed build resumes at step 3; step 2's data migration ran once. */
    OG_ASSERT_OK(open_with(f, &good, NULL));
    assert_int_equal(migtest_version(f->s, "migtest"), 3);
    assert_true(has_table(f->s, "mt3"));
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "SELECT count(*), max(n) FROM mt2"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_int_equal(og_stmt_col_int(st, 0), 1);
    og_stmt_free(st);
}

static void test_store__a_newer_module_is_refused_before_any_step_runs(void **state)
{
    fixture *f = *state;
    const og_schema v1 = {"migtest", mig_steps_good, 1, NULL};
    const og_schema good = {"migtest", mig_steps_good, 3, NULL};
    const og_schema two = {"migtest2", mig2_steps, 1, NULL};
    OG_ASSERT_OK(open_with(f, &v1, NULL));
    OG_ASSERT_OK(og_store_exec(f->s, "INSERT INTO og_schema (module, version, applied_at)"
                                     " VALUES ('migtest2', 7, '2026-01-01T00:00:00Z')"));
    /* migtest, listed first, has steps to do: none of them may run. */
    assert_int_equal(open_with(f, &good, &two), OG_ESCHEMA);
    assert_non_null(strstr(og_error_last(), "module 'migtest2' is version 7, newer than the 1"));
    assert_int_equal(migtest_version(f->s, "migtest"), 1);
    assert_false(has_table(f->s, "mt2"));
}

static void test_store__a_new_database_is_made_whole_or_not_at_all(void **state)
{
    fixture *f = *state;
    const og_schema bad = {"migtest", mig_steps_bad, 3, NULL};
    char *url = NULL;
    if (f->pg) /* one transaction on either backend; the fresh database is SQLite's to make */
        skip();
    assert_true(asprintf(&url, "sqlite:%s/new.db", f->dir) > 0);
    const og_schema *list[1] = {&bad};
    og_store *s = NULL;
    assert_true(og_store_open_schemas(&s, url, 1, list, 1) < 0);
    assert_null(s);
    const og_schema *none[1] = {&storetest_schema};
    OG_ASSERT_OK(og_store_open_schemas(&s, url, 1, none, 1));
    assert_int_equal(migtest_version(s, "migtest"), 0);
    assert_false(has_table(s, "mt1"));
    assert_false(has_table(s, "mt2"));
    og_store_close(s);
    free(url);
}

static void test_store__nested_rollback_undoes_only_the_inner_level(void **state)
{
    fixture *f = *state;
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    insert(f->s, "outer", 1);
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    insert(f->s, "inner", 2);
    assert_int_equal(og_store_tx_depth(f->s), 2);
    og_store_tx_rollback(f->s);
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    assert_int_equal(og_store_tx_depth(f->s), 0);
    assert_int_equal(count_rows(f->s), 1);

    OG_ASSERT_OK(og_store_tx_begin(f->s));
    insert(f->s, "gone", 3);
    og_store_tx_rollback(f->s);
    assert_int_equal(count_rows(f->s), 1);
}

static void test_store__rollback_keeps_the_callers_error_message(void **state)
{
    fixture *f = *state;
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    og_error_set(OG_ECONFLICT, "the reason");
    og_store_tx_rollback(f->s);
    assert_int_equal(og_error_code(), OG_ECONFLICT);
    assert_string_equal(og_error_last(), "the reason");
}

static void test_store__unique_violation_is_eexists(void **state)
{
    fixture *f = *state;
    insert(f->s, "dup", 1);
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "INSERT INTO t (k, v) VALUES ('dup', 2)"));
    assert_int_equal(og_stmt_step(st), OG_EEXISTS);
    og_stmt_free(st);
}

static void test_store__binds_and_reads_every_type(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    const uint8_t blob[] = {0, 1, 2, 255};
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "INSERT INTO t (k, v, b) VALUES (?, ?, ?)"));
    og_stmt_bind_text(st, 1, "types");
    og_stmt_bind_int(st, 2, INT64_MAX);
    og_stmt_bind_blob(st, 3, blob, sizeof(blob));
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "SELECT v, b, NULL FROM t WHERE k = ?"));
    og_stmt_bind_text(st, 1, "types");
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_true(og_stmt_col_int(st, 0) == INT64_MAX);
    size_t n = 0;
    const void *p = og_stmt_col_blob(st, 1, &n);
    assert_int_equal(n, sizeof(blob));
    assert_memory_equal(p, blob, n);
    assert_true(og_stmt_col_is_null(st, 2));
    assert_null(og_stmt_col_text(st, 2));
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
}

static void test_store__bad_sql_fails_with_a_message(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    assert_true(og_stmt_prepare(&st, f->s, "SELEKT nonsense") < 0);
    assert_null(st);
    assert_non_null(strstr(og_error_last(), "syntax"));
}

static void test_store__opening_a_file_that_is_not_a_database_fails_clearly(void **state)
{
    fixture *f = *state;
    char *path = NULL, *url = NULL;
    if (f->pg)
        skip(); /* SQLite's files */
    assert_true(asprintf(&path, "%s/junk.db", f->dir) > 0);
    FILE *fp = fopen(path, "w");
    for (int i = 0; i < 100; i++)
        fputs("this is not a database file at all\n", fp);
    fclose(fp);
    assert_true(asprintf(&url, "sqlite:%s", path) > 0);
    og_store *s = NULL;
    assert_true(og_store_open(&s, url, 0) < 0);
    assert_null(s);
    assert_true(strlen(og_error_last()) > 0);
    free(path);
    free(url);
}

static int mode_of(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) < 0)
        fail_msg("cannot stat '%s'", path);
    return (int)(sb.st_mode & 0777);
}

static void test_store__database_files_are_private_whatever_the_umask(void **state)
{
    fixture *f = *state;
    char *path = NULL, *url = NULL, *wal = NULL, *shm = NULL;
    og_store *s = NULL;
    if (f->pg)
        skip(); /* SQLite's files */
    mode_t old = umask(022);
    assert_true(asprintf(&path, "%s/private.db", f->dir) > 0);
    assert_true(asprintf(&wal, "%s-wal", path) > 0);
    assert_true(asprintf(&shm, "%s-shm", path) > 0);
    assert_true(asprintf(&url, "sqlite:%s", path) > 0);
    OG_ASSERT_OK(og_store_open(&s, url, 1));
    OG_ASSERT_OK(og_store_exec(s, "CREATE TABLE t (k TEXT)"));
    OG_ASSERT_OK(og_store_exec(s, "INSERT INTO t VALUES ('x')"));
    /* open: the WAL and the shared memory exist now */
    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(mode_of(wal), 0600);
    assert_int_equal(mode_of(shm), 0600);
    og_store_close(s);
    s = NULL;
    /* a database an older opsgate left readable by others is tightened on open, WAL included */
    assert_int_equal(chmod(path, 0644), 0);
    OG_ASSERT_OK(og_store_open(&s, url, 0));
    OG_ASSERT_OK(og_store_exec(s, "INSERT INTO t VALUES ('y')"));
    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(mode_of(wal), 0600);
    og_store_close(s);
    umask(old);
    free(path);
    free(url);
    free(wal);
    free(shm);
}

static void test_store__a_failed_bind_makes_the_next_step_fail(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "INSERT INTO t (k, v) VALUES (?, ?)"));
    og_stmt_bind_text(st, 1, "lost");
    /* parameter 3 does not exist: the bind fails, and the call site ignores it */
    assert_true(og_stmt_bind_int(st, 3, 7) < 0);
    og_stmt_bind_int(st, 2, 7); /* a later good bind does not clear it */
    og_error_set(OG_ENOTFOUND, "something else happened in between");
    assert_int_equal(og_stmt_step(st), OG_ERROR);
    assert_int_equal(og_error_code(), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "parameter 3"));
    /* it stays until reset: the statement never ran */
    assert_int_equal(og_stmt_step(st), OG_ERROR);
    assert_int_equal(count_rows(f->s), 0);
    /* reset clears bindings and the error together */
    OG_ASSERT_OK(og_stmt_reset(st));
    og_stmt_bind_text(st, 1, "kept");
    og_stmt_bind_int(st, 2, 8);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    assert_int_equal(count_rows(f->s), 1);
}

static void test_store__a_bind_failed_by_the_backend_is_not_lost(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "INSERT INTO t (k, v) VALUES (?, ?)"));
    OG_ASSERT_OK(og_store_fault_arm(f->s, 2, 0)); /* the second bind below */
    /* statements prepared before the first arm are not counted */
    og_stmt_bind_text(st, 1, "a");
    og_stmt_bind_int(st, 2, 1);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    assert_int_equal(og_store_fault_calls(f->s), 0);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "INSERT INTO t (k, v) VALUES (?, ?)")); /* call 1 */
    og_stmt_bind_text(st, 1, "b");                                                  /* call 2 */
    og_stmt_bind_int(st, 2, 2);                                                     /* call 3 */
    assert_int_equal(og_stmt_step(st), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "injected fault at call 2"));
    assert_non_null(strstr(og_error_last(), "parameter 1"));
    assert_int_equal(og_store_fault_fired(f->s), 1);
    og_stmt_free(st);
    assert_int_equal(count_rows(f->s), 1);
    assert_string_equal(og_store_backend_name(f->s), f->pg ? "postgres" : "sqlite");
    /* and its capabilities stay the real backend's */
    assert_true(og_store_has(f->s, OG_STORE_CAP_FTS5_SHADOW) == !f->pg);
    assert_true(og_store_has(f->s, OG_STORE_CAP_ROUND_TRIPS) == !!f->pg);
}

static void test_store__faults_fail_once_or_from_the_nth_call_on(void **state)
{
    fixture *f = *state;
    /* once: the begin fails, the next one works */
    OG_ASSERT_OK(og_store_fault_arm(f->s, 1, 0));
    assert_int_equal(og_store_tx_begin(f->s), OG_ERROR);
    assert_int_equal(og_store_tx_depth(f->s), 0);
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    insert(f->s, "one", 1);
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    /* a failed commit rolls back: nothing of the transaction stays */
    OG_ASSERT_OK(og_store_fault_arm(f->s, 6, 0)); /* begin, prepare, bind, bind, step, commit */
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "INSERT INTO t (k, v) VALUES (?, ?)"));
    og_stmt_bind_text(st, 1, "two");
    og_stmt_bind_int(st, 2, 2);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    assert_int_equal(og_store_tx_commit(f->s), OG_ERROR);
    assert_int_equal(og_store_tx_depth(f->s), 0);
    OG_ASSERT_OK(og_store_fault_arm(f->s, 0, 0));
    assert_int_equal(count_rows(f->s), 1);
    /* sticky: everything from the nth call on fails, rollback still works */
    OG_ASSERT_OK(og_store_fault_arm(f->s, 2, 1));
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    assert_true(og_stmt_prepare(&st, f->s, "SELECT 1") < 0);
    assert_null(st);
    assert_int_equal(og_store_tx_begin(f->s), OG_ERROR);
    assert_int_equal(og_store_tx_commit(f->s), OG_ERROR);
    assert_int_equal(og_store_fault_fired(f->s), 3);
    og_store_tx_rollback(f->s);
    assert_int_equal(og_store_tx_depth(f->s), 0);
    OG_ASSERT_OK(og_store_fault_arm(f->s, 0, 0));
    assert_int_equal(count_rows(f->s), 1);
}

static void test_store__rows_become_json_named_by_the_select(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    json_t *arr = NULL;
    insert(f->s, "a", 7);
    insert(f->s, "b", 9);
    assert_int_equal(
        og_store_run(f->s, "UPDATE t SET b = ? WHERE k = 'a'", "b", "\x00\xff", (size_t)2), 0);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s,
                                 "SELECT k AS id, v AS count, b AS raw, NULL AS gone, 1.5 AS ratio,"
                                 " '{\"x\":[1]}' AS meta_json, 'not json' AS bad_json"
                                 " FROM t ORDER BY k"));
    OG_ASSERT_OK(og_stmt_collect(st, NULL, NULL, &arr));
    og_stmt_free(st);
    assert_int_equal(json_array_size(arr), 2);
    json_t *a = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(a, "id")), "a");
    assert_int_equal(json_integer_value(json_object_get(a, "count")), 7);
    assert_string_equal(json_string_value(json_object_get(a, "raw")), "00ff");
    assert_true(json_is_null(json_object_get(a, "gone")));
    assert_true(json_real_value(json_object_get(a, "ratio")) == 1.5);
    assert_int_equal(
        json_integer_value(json_array_get(json_object_get(json_object_get(a, "meta"), "x"), 0)), 1);
    assert_null(json_object_get(a, "meta_json"));
    assert_string_equal(json_string_value(json_object_get(a, "bad_json")), "not json");
    assert_true(json_is_null(json_object_get(json_array_get(arr, 1), "raw")));
    json_decref(arr);
}

static json_t *failing_row(og_stmt *st, void *arg)
{
    (void)st;
    int *calls = arg;
    if (++*calls == 2) {
        og_error_set(OG_ECORRUPT, "row two is bad");
        return NULL;
    }
    return json_true();
}

static void test_store__collect_reports_a_failed_row_and_keeps_out(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    json_t *arr = json_string("untouched");
    int calls = 0;
    insert(f->s, "a", 1);
    insert(f->s, "b", 2);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "SELECT k FROM t"));
    assert_int_equal(og_stmt_collect(st, failing_row, &calls, &arr), OG_ECORRUPT);
    assert_string_equal(og_error_last(), "row two is bad");
    assert_string_equal(json_string_value(arr), "untouched");
    og_stmt_free(st);
    json_decref(arr);
}

static void test_store__tx_end_commits_on_success_and_rolls_back_on_error(void **state)
{
    fixture *f = *state;
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    insert(f->s, "kept", 1);
    assert_int_equal(og_store_tx_end(f->s, 0), 0);
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    insert(f->s, "lost", 2);
    og_error_set(OG_EDENIED, "refused");
    assert_int_equal(og_store_tx_end(f->s, OG_EDENIED), OG_EDENIED);
    assert_string_equal(og_error_last(), "refused");
    assert_int_equal(og_store_tx_depth(f->s), 0);
    assert_int_equal(count_rows(f->s), 1);
}

static void test_store__run_binds_by_letters_and_reports_a_row(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    const unsigned char blob[] = {0, 1, 2};
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k, v, b) VALUES (?, ?, ?)", "tib", "a",
                                  (int64_t)5000000000, blob, sizeof(blob)),
                     0);
    assert_int_equal(
        og_store_run(f->s, "INSERT INTO t (k, v, b) VALUES (?, ?, ?)", "tIn", "b", (int64_t)0), 0);
    assert_int_equal(
        og_store_run(f->s, "SELECT 1 FROM t WHERE k = ? AND v = ?", "ti", "a", (int64_t)5000000000),
        1);
    assert_int_equal(og_store_run(f->s, "SELECT 1 FROM t WHERE k = ?", "t", "zz"), 0);
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k) VALUES (?)", "t", "a"), OG_EEXISTS);
    OG_ASSERT_OK(og_stmt_prepare_args(&st, f->s, "SELECT v IS NULL, b IS NULL FROM t WHERE k = ?",
                                      "t", "b"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_int_equal(og_stmt_col_int(st, 0), 1);
    assert_int_equal(og_stmt_col_int(st, 1), 1);
    og_stmt_free(st);
}

/* The outermost BEGIN and the COMMIT come from the statement cache where the backend asks for it
 * (SQLite), through exec elsewhere (PostgreSQL) and while faults are injected (they count exec). */
static void test_store__transaction_verbs_are_cached_where_the_backend_asks(void **state)
{
    fixture *f = *state;
    int kept;
    int64_t before, reused;
    OG_ASSERT_OK(og_store_tx_begin(f->s)); /* the first of each is prepared */
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    og_store_stmt_cache_stats(f->s, &kept, &before);
    for (int i = 0; i < 3; i++) {
        OG_ASSERT_OK(og_store_tx_begin(f->s));
        OG_ASSERT_OK(og_store_tx_commit(f->s));
    }
    og_store_stmt_cache_stats(f->s, &kept, &reused);
    assert_int_equal(reused - before, f->pg ? 0 : 6);
    OG_ASSERT_OK(og_store_fault_arm(f->s, 0, 0));
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    assert_int_equal(og_store_fault_calls(f->s), 2); /* BEGIN and COMMIT, each one exec */
}

/* A statement freed is kept and handed back for the same SQL, reset with no binding left; the
 * cache is bounded; injecting faults empties it; a statement freed after its connection closed is
 * finalized without touching the connection. */
static void test_store__statements_are_kept_for_reuse_and_come_back_clean(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL, *other = NULL;
    int kept;
    int64_t reused, before;
    og_store_stmt_cache_stats(f->s, &kept, &before);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "SELECT ?1, ?2"));
    OG_ASSERT_OK(og_stmt_bind_int(st, 1, 42));
    OG_ASSERT_OK(og_stmt_bind_text(st, 2, "kept"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    og_stmt_free(st); /* mid-result: kept reset */
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "SELECT ?1, ?2"));
    og_store_stmt_cache_stats(f->s, &kept, &reused);
    assert_int_equal(reused, before + 1);
    assert_int_equal(og_stmt_step(st), OG_ROW); /* the bindings went with the reset */
    assert_true(og_stmt_col_is_null(st, 0));
    assert_true(og_stmt_col_is_null(st, 1));
    /* the same SQL twice at once: two statements, both kept afterwards */
    OG_ASSERT_OK(og_stmt_prepare(&other, f->s, "SELECT ?1, ?2"));
    assert_ptr_not_equal(st, other);
    og_stmt_free(st);
    og_stmt_free(other);
    /* a write through og_store_run, twice: compiled once */
    og_store_stmt_cache_stats(f->s, &kept, &before);
    assert_int_equal(
        og_store_run(f->s, "INSERT INTO t (k, v) VALUES (?, ?)", "ti", "a", (int64_t)1), 0);
    assert_int_equal(
        og_store_run(f->s, "INSERT INTO t (k, v) VALUES (?, ?)", "ti", "b", (int64_t)2), 0);
    og_store_stmt_cache_stats(f->s, &kept, &reused);
    assert_int_equal(reused, before + 1);
    assert_int_equal(
        og_store_run(f->s, "SELECT 1 FROM t WHERE k = ? AND v = ?", "ti", "b", (int64_t)2), 1);
    /* bounded: 100 texts keep 64 */
    for (int i = 0; i < 100; i++) {
        char sql[64];
        snprintf(sql, sizeof(sql), "SELECT %d", i);
        OG_ASSERT_OK(og_stmt_prepare(&st, f->s, sql));
        og_stmt_free(st);
    }
    og_store_stmt_cache_stats(f->s, &kept, &reused);
    assert_int_equal(kept, 64);
    /* faults reach every call: nothing is kept while armed */
    OG_ASSERT_OK(og_store_fault_arm(f->s, 0, 0));
    og_store_stmt_cache_stats(f->s, &kept, &reused);
    assert_int_equal(kept, 0);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "SELECT 1"));
    og_stmt_free(st);
    og_store_stmt_cache_stats(f->s, &kept, &reused);
    assert_int_equal(kept, 0);
    /* freed after its connection closed */
    og_store *s2 = NULL;
    OG_ASSERT_OK(fixture_open(f, &s2));
    OG_ASSERT_OK(og_stmt_prepare(&st, s2, "SELECT k FROM t"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    og_store_close(s2);
    og_stmt_free(st);
}

static void test_store_pool__hands_out_every_connection_once(void **state)
{
    fixture *f = *state;
    og_store_pool *p = NULL;
    if (f->pg)
        skip(); /* pools keep every module's schema: not on PostgreSQL yet (h-pgschema) */
    OG_ASSERT_OK(og_store_pool_open(&p, f->url, 3));
    og_store *a = og_store_pool_get(p), *b = og_store_pool_get(p), *c = og_store_pool_get(p);
    assert_true(a != b && b != c && a != c);
    og_store_pool_put(p, b);
    assert_ptr_equal(og_store_pool_get(p), b);
    og_store_pool_put(p, a);
    og_store_pool_put(p, b);
    og_store_pool_put(p, c);
    og_store_pool_close(p);
}

static int64_t cache_size_of(og_store *s)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, s, "PRAGMA cache_size"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    int64_t v = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return v;
}

/* A bounded pool: every connection's page cache is the bound given (PRAGMA cache_size is negative
 * KiB), not SQLite's default, so the pool's memory does not grow with the data. */
static void test_store_pool__bounds_every_connection_page_cache(void **state)
{
    fixture *f = *state;
    og_store_pool *p = NULL;
    if (f->pg) { /* the server's cache: nothing to bound per connection */
        assert_int_equal(og_store_cache_limit(f->s, 0), OG_EINVAL);
        OG_ASSERT_OK(og_store_cache_limit(f->s, 64));
        return;
    }
    OG_ASSERT_OK(og_store_pool_open_bounded(&p, f->url, 3, 256));
    og_store *a = og_store_pool_get(p), *b = og_store_pool_get(p), *c = og_store_pool_get(p);
    assert_int_equal(cache_size_of(a), -256);
    assert_int_equal(cache_size_of(b), -256);
    assert_int_equal(cache_size_of(c), -256);
    assert_int_equal(og_store_cache_limit(a, 0), OG_EINVAL);
    OG_ASSERT_OK(og_store_cache_limit(a, 64));
    assert_int_equal(cache_size_of(a), -64);
    og_store_pool_put(p, a);
    og_store_pool_put(p, b);
    og_store_pool_put(p, c);
    og_store_pool_close(p);
    /* Unbounded: the backend's default stays. */
    OG_ASSERT_OK(og_store_pool_open(&p, f->url, 1));
    a = og_store_pool_get(p);
    assert_int_equal(cache_size_of(a), -2000);
    og_store_pool_put(p, a);
    og_store_pool_close(p);
}

int main(void)
{
    if (fixture_skip_without_backend())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store__applies_every_module_schema_on_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__refuses_a_database_with_a_newer_schema, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_store__a_failed_step_keeps_the_steps_before_it_and_none_of_itself, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_store__a_newer_module_is_refused_before_any_step_runs,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__a_new_database_is_made_whole_or_not_at_all,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__reopening_applies_nothing_twice, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__nested_rollback_undoes_only_the_inner_level,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__rollback_keeps_the_callers_error_message, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__unique_violation_is_eexists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__binds_and_reads_every_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__bad_sql_fails_with_a_message, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store__opening_a_file_that_is_not_a_database_fails_clearly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__database_files_are_private_whatever_the_umask,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__a_failed_bind_makes_the_next_step_fail, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__a_bind_failed_by_the_backend_is_not_lost, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__faults_fail_once_or_from_the_nth_call_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__rows_become_json_named_by_the_select, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__collect_reports_a_failed_row_and_keeps_out,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store__tx_end_commits_on_success_and_rolls_back_on_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__run_binds_by_letters_and_reports_a_row, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_store__statements_are_kept_for_reuse_and_come_back_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store__transaction_verbs_are_cached_where_the_backend_asks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_pool__bounds_every_connection_page_cache, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_pool__hands_out_every_connection_once, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
