/* test_store_backend.c - what every backend must do alike (SQLite's behaviour is the contract):
 * placeholders, column types, constraint errors, a failed statement inside a transaction, the
 * writer lock, changes(); and PostgreSQL's own: store URLs, a lost connection, lock timeouts. */
#include "store_fixture.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <unistd.h>

static void test_backend__question_marks_in_literals_and_comments_are_not_parameters(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s,
                                 "SELECT '?' AS q, \"k\" AS \"w?\", ? AS p /* ? */ FROM t -- ?\n"
                                 " WHERE k = ?"));
    insert(f->s, "key", 1);
    OG_ASSERT_OK(og_stmt_bind_text(st, 1, "one"));
    OG_ASSERT_OK(og_stmt_bind_text(st, 2, "key"));
    assert_true(og_stmt_bind_text(st, 3, "none") < 0); /* two parameters, not five */
    og_stmt_reset(st);
    OG_ASSERT_OK(og_stmt_bind_text(st, 1, "one"));
    OG_ASSERT_OK(og_stmt_bind_text(st, 2, "key"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_string_equal(og_stmt_col_text(st, 0), "?");
    assert_string_equal(og_stmt_col_name(st, 1), "w?");
    assert_string_equal(og_stmt_col_text(st, 2), "one");
    og_stmt_free(st);
    /* numbered parameters, reused */
    assert_int_equal(og_store_run(f->s, "SELECT 1 FROM t WHERE k = ?1 AND k = ?1 AND v = ?2", "ti",
                                  "key", (int64_t)1),
                     1);
}

static void test_backend__columns_have_the_types_of_their_values(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    const unsigned char blob[] = {0, 'a', 0xff};
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k, v, b) VALUES (?, ?, ?)", "tib", "x",
                                  (int64_t)-5, blob, sizeof(blob)),
                     0);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s,
                                 "SELECT CAST(1 AS SMALLINT), CAST(2 AS INTEGER), v,"
                                 " CAST(2.5 AS DOUBLE PRECISION), k, b, NULL, COUNT(*), SUM(v)"
                                 " FROM t GROUP BY k, v, b"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_int_equal(og_stmt_col_count(st), 9);
    og_col_type want[] = {OG_COL_INT,  OG_COL_INT,  OG_COL_INT, OG_COL_REAL, OG_COL_TEXT,
                          OG_COL_BLOB, OG_COL_NULL, OG_COL_INT, OG_COL_INT};
    for (int i = 0; i < 9; i++)
        assert_int_equal(og_stmt_col_type(st, i), want[i]);
    assert_int_equal(og_stmt_col_int(st, 2), -5);
    assert_int_equal(og_stmt_col_int(st, 8), -5);
    size_t n = 0;
    const unsigned char *p = og_stmt_col_blob(st, 5, &n);
    assert_int_equal(n, sizeof(blob));
    assert_memory_equal(p, blob, n);
    assert_string_equal(og_stmt_col_text(st, 4), "x");
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    /* a parameter whose type only its value says */
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "SELECT ? IS NULL"));
    og_stmt_bind_null(st, 1);
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_int_equal(og_stmt_col_int(st, 0), 1);
    og_stmt_reset(st);
    og_stmt_bind_int(st, 1, 7);
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_int_equal(og_stmt_col_int(st, 0), 0);
    og_stmt_free(st);
}

static void test_backend__constraint_violations_map_as_on_sqlite(void **state)
{
    fixture *f = *state;
    insert(f->s, "a", 1);
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k) VALUES (?)", "t", "a"), OG_EEXISTS);
    /* a foreign key or a check: a plain error, with the database's words */
    assert_int_equal(
        og_store_run(f->s, "INSERT INTO u (k, n) VALUES (?, ?)", "ti", "missing", (int64_t)1),
        OG_ERROR);
    assert_non_null(strstr(og_error_last(), "database"));
    assert_int_equal(
        og_store_run(f->s, "INSERT INTO u (k, n) VALUES (?, ?)", "ti", "a", (int64_t)0), OG_ERROR);
    assert_int_equal(
        og_store_run(f->s, "INSERT INTO u (k, n) VALUES (?, ?)", "ti", "a", (int64_t)1), 0);
}

/* Modules insert, see OG_EEXISTS and go on in the same transaction: the failed statement undoes
 * only itself. */
static void test_backend__a_failed_statement_leaves_the_transaction_usable(void **state)
{
    fixture *f = *state;
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    insert(f->s, "a", 1);
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k) VALUES (?)", "t", "a"), OG_EEXISTS);
    og_stmt *st = NULL;
    assert_true(og_stmt_prepare(&st, f->s, "SELECT nope FROM t") < 0);
    insert(f->s, "b", 2);
    OG_ASSERT_OK(og_store_tx_begin(f->s)); /* a savepoint, after the failures */
    insert(f->s, "c", 3);
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    assert_int_equal(count_rows(f->s), 3);
}

static void test_backend__changes_counts_the_last_write_only(void **state)
{
    fixture *f = *state;
    insert(f->s, "a", 1);
    insert(f->s, "b", 1);
    insert(f->s, "c", 2);
    assert_int_equal(og_store_run(f->s, "UPDATE t SET v = 5 WHERE v = ?", "i", (int64_t)1), 0);
    assert_int_equal(og_store_changes(f->s), 2);
    assert_int_equal(count_rows(f->s), 3); /* a read leaves it */
    assert_int_equal(og_store_changes(f->s), 2);
    assert_int_equal(og_store_run(f->s, "DELETE FROM t WHERE k = ?", "t", "zz"), 0);
    assert_int_equal(og_store_changes(f->s), 0);
}

typedef struct rmw_arg {
    fixture *f;
    volatile int begun;
    int rc;
} rmw_arg;

/* Read v of 'n', write v + 1, in one transaction. */
static int increment(og_store *s)
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare_args(&st, s, "SELECT v FROM t WHERE k = ?", "t", "n");
    if (rc == 0 && (rc = og_stmt_step(st)) == OG_ROW) {
        int64_t v = og_stmt_col_int(st, 0);
        og_stmt_free(st);
        st = NULL;
        usleep(100 * 1000);
        rc = og_store_run(s, "UPDATE t SET v = ? WHERE k = ?", "it", v + 1, "n");
    }
    og_stmt_free(st);
    return rc;
}

static void *rmw_thread(void *p)
{
    rmw_arg *a = p;
    og_store *s = NULL;
    if ((a->rc = fixture_open(a->f, &s)) < 0)
        return NULL;
    if ((a->rc = og_store_tx_begin(s)) == 0) {
        a->begun = 1;
        a->rc = og_store_tx_end(s, increment(s));
    }
    og_store_close(s);
    return NULL;
}

/* The outermost begin takes the write lock, as SQLite's BEGIN IMMEDIATE: a second writer waits
 * for the first to end, so two read-modify-writes never lose one. */
static void test_backend__writers_wait_for_each_other(void **state)
{
    fixture *f = *state;
    insert(f->s, "n", 0);
    rmw_arg a = {f, 0, -1};
    pthread_t th;
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    assert_int_equal(pthread_create(&th, NULL, rmw_thread, &a), 0);
    usleep(400 * 1000);
    assert_int_equal(a.begun, 0); /* waiting for the lock */
    OG_ASSERT_OK(increment(f->s));
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    pthread_join(th, NULL);
    assert_int_equal(a.begun, 1);
    if (a.rc < 0)
        fail_msg("the second writer failed: %s", og_error_last());
    assert_int_equal(og_store_run(f->s, "SELECT 1 FROM t WHERE k = 'n' AND v = 2", ""), 1);
}

/* ---- PostgreSQL only ---- */

/* libpq's own forms: a URL, and a multi-host URL whose first host is down. Messages never hold
 * the password. */
static void test_backend_pg__opens_urls_and_never_echoes_a_password(void **state)
{
    fixture *f = *state;
    og_store *s = NULL;
    char *err = NULL, *url = NULL, *multi = NULL;
    assert_int_equal(og_store_open(&s, "postgres:nonsense", 0), OG_EINVAL);
    assert_int_equal(og_store_open(&s, "libpq:host='unterminated", 0), OG_EINVAL);
    assert_int_equal(og_store_open(&s, "postgresql://u:s3cret@127.0.0.1:1/x?connect_timeout=2", 0),
                     OG_EBUSY);
    assert_null(strstr(og_error_last(), "s3cret"));
    assert_non_null(strstr(og_error_last(), "cannot connect to PostgreSQL"));
    if (!f->pg)
        skip();
    PQconninfoOption *o = PQconninfoParse(f->url + strlen(OG_STORE_LIBPQ_PREFIX), &err);
    assert_non_null(o);
    const char *host = NULL, *port = NULL, *user = NULL, *db = NULL;
    for (PQconninfoOption *p = o; p->keyword; p++) {
        if (strcmp(p->keyword, "host") == 0)
            host = p->val;
        else if (strcmp(p->keyword, "port") == 0)
            port = p->val;
        else if (strcmp(p->keyword, "user") == 0)
            user = p->val;
        else if (strcmp(p->keyword, "dbname") == 0)
            db = p->val;
    }
    /* the test's schema first on the search path: options=-c search_path=NAME, URL-encoded */
    assert_true(asprintf(&url,
                         "postgresql:///%s?host=%s&port=%s&user=%s&options=-csearch_path%%3D%s", db,
                         host, port ? port : "5432", user ? user : "opsgate", f->dbname) > 0);
    OG_ASSERT_OK(
        og_store_open_schemas(&s, url, 0, (const og_schema *const *)f->schemas, f->nschemas));
    assert_int_equal(og_store_run(s, "SELECT 1 FROM og_schema WHERE module = 'storetest'", ""), 1);
    og_store_close(s);
    assert_true(asprintf(&multi,
                         "postgresql:///%s?host=/nonexistent,%s&port=1,%s&user=%s"
                         "&target_session_attrs=read-write&options=-csearch_path%%3D%s",
                         db, host, port ? port : "5432", user ? user : "opsgate", f->dbname) > 0);
    OG_ASSERT_OK(
        og_store_open_schemas(&s, multi, 0, (const og_schema *const *)f->schemas, f->nschemas));
    assert_int_equal(og_store_run(s, "SELECT 1 FROM og_schema WHERE module = 'storetest'", ""), 1);
    og_store_close(s);
    PQconninfoFree(o);
    free(url);
    free(multi);
}

static int64_t backend_pid(og_store *s)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, s, "SELECT pg_backend_pid()"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    int64_t pid = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return pid;
}

/* End a connection from another one (libpq's own: a store would wait for the writer lock). */
static void kill_backend(fixture *f, int64_t pid)
{
    char sql[64];
    PGconn *db = PQconnectdb(f->url + strlen(OG_STORE_LIBPQ_PREFIX));
    assert_int_equal(PQstatus(db), CONNECTION_OK);
    snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%lld)", (long long)pid);
    PGresult *r = PQexec(db, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    PQfinish(db);
    usleep(100 * 1000);
}

/* A read runs without a savepoint on PostgreSQL (two statements fewer each): one that fails at run
 * time leaves the transaction aborted, so later statements fail and COMMIT is refused, never a
 * silent rollback; rolling back the nested level it ran in recovers the transaction. */
static void test_backend_pg__a_failed_read_is_never_committed_silently(void **state)
{
    fixture *f = *state;
    if (!f->pg)
        skip();
    int64_t before = og_store_statements(f->s);
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    insert(f->s, "a", 1);
    assert_true(og_store_run(f->s, "SELECT 1 / (v - 1) FROM t WHERE k = ?", "t", "a") < 0);
    assert_non_null(strstr(og_error_last(), "division by zero"));
    assert_true(og_store_run(f->s, "INSERT INTO t (k) VALUES ('b')", "") < 0);
    assert_true(og_store_tx_commit(f->s) < 0);
    assert_non_null(strstr(og_error_last(), "rolled back"));
    og_store_tx_rollback(f->s); /* as every caller does after a failed commit: a no-op here */
    assert_int_equal(og_store_tx_depth(f->s), 0);
    assert_int_equal(count_rows(f->s), 0);
    /* BEGIN, the insert, the read, the refused insert, COMMIT, the count */
    assert_int_equal(og_store_statements(f->s) - before, 6);

    OG_ASSERT_OK(og_store_tx_begin(f->s));
    insert(f->s, "a", 1);
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    assert_true(og_store_run(f->s, "SELECT 1 / (v - 1) FROM t WHERE k = ?", "t", "a") < 0);
    og_store_tx_rollback(f->s);
    insert(f->s, "b", 2);
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    assert_int_equal(count_rows(f->s), 2);
}

/* og_store_tx_atomic: a level that is all or nothing. On PostgreSQL its writes run without a
 * savepoint each (two server statements fewer per write), so a write that fails there aborts the
 * transaction: later statements fail and the commit is refused, never a silent rollback, until the
 * level is rolled back. A level begun inside it, and the next transaction, get their savepoints
 * back. On SQLite a failed statement undoes itself as always. */
static void test_backend__an_atomic_level_is_all_or_nothing(void **state)
{
    fixture *f = *state;
    assert_int_equal(og_store_tx_atomic(f->s), OG_ERROR); /* no transaction */
    insert(f->s, "a", 1);
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    OG_ASSERT_OK(og_store_tx_atomic(f->s));
    insert(f->s, "b", 2);
    /* a level begun inside recovers its own failed write */
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k) VALUES (?)", "t", "a"), OG_EEXISTS);
    insert(f->s, "c", 3);
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    /* in the atomic level again */
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k) VALUES (?)", "t", "a"), OG_EEXISTS);
    if (f->pg) {
        assert_true(og_store_run(f->s, "INSERT INTO t (k) VALUES ('d')", "") < 0);
        assert_true(og_store_tx_commit(f->s) < 0);
        og_store_tx_rollback(f->s); /* as every caller does after a failed commit */
        assert_int_equal(count_rows(f->s), 1);
    } else {
        insert(f->s, "d", 4);
        OG_ASSERT_OK(og_store_tx_commit(f->s));
        assert_int_equal(count_rows(f->s), 4);
    }
    assert_int_equal(og_store_tx_depth(f->s), 0);
    /* the next transaction: a failed write undoes only itself */
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k) VALUES (?)", "t", "a"), OG_EEXISTS);
    insert(f->s, "e", 5);
    /* a nested atomic level that fails is rolled back; the outer level goes on */
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    OG_ASSERT_OK(og_store_tx_atomic(f->s));
    insert(f->s, "f", 6);
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k) VALUES (?)", "t", "a"), OG_EEXISTS);
    og_store_tx_rollback(f->s);
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k) VALUES (?)", "t", "e"), OG_EEXISTS);
    insert(f->s, "g", 7);
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    assert_int_equal(og_store_run(f->s, "SELECT 1 FROM t WHERE k = 'f'", ""), 0);
    assert_int_equal(og_store_run(f->s, "SELECT 1 FROM t WHERE k = 'g'", ""), 1);
    assert_int_equal(count_rows(f->s), f->pg ? 3 : 6);
}

/* A connection the server ends: the call fails with OG_EBUSY saying so; outside a transaction
 * the next call connects again (statements prepared before work again); inside one, every call
 * fails until the rollback, and nothing of the transaction stays. */
static void test_backend_pg__a_lost_connection_is_retryable_and_made_again(void **state)
{
    fixture *f = *state;
    if (!f->pg)
        skip();
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "SELECT COUNT(*) FROM t"));
    kill_backend(f, backend_pid(f->s));
    assert_int_equal(og_stmt_step(st), OG_EBUSY);
    assert_non_null(strstr(og_error_last(), "connection to PostgreSQL was lost"));
    og_stmt_reset(st);
    assert_int_equal(og_stmt_step(st), OG_ROW); /* connected again, prepared again */
    assert_int_equal(og_stmt_col_int(st, 0), 0);
    og_stmt_free(st);

    OG_ASSERT_OK(og_store_tx_begin(f->s));
    insert(f->s, "lost", 1);
    kill_backend(f, backend_pid(f->s));
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k) VALUES ('b')", ""), OG_EBUSY);
    assert_int_equal(og_store_run(f->s, "INSERT INTO t (k) VALUES ('c')", ""), OG_EBUSY);
    assert_non_null(strstr(og_error_last(), "inside a transaction"));
    assert_int_equal(og_store_tx_commit(f->s), OG_EBUSY);
    assert_int_equal(og_store_tx_depth(f->s), 0);
    assert_int_equal(count_rows(f->s), 0);
    insert(f->s, "after", 2);
    assert_int_equal(count_rows(f->s), 1);
}

/* Waiting for the writer lock ends at lock_timeout with a retryable error. */
static void test_backend_pg__a_lock_wait_that_times_out_is_retryable(void **state)
{
    fixture *f = *state;
    if (!f->pg)
        skip();
    og_store *other = NULL;
    OG_ASSERT_OK(fixture_open(f, &other));
    OG_ASSERT_OK(og_store_exec(other, "SET lock_timeout = '200ms'"));
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    assert_int_equal(og_store_tx_begin(other), OG_EBUSY);
    assert_non_null(strstr(og_error_last(), "try again"));
    assert_int_equal(og_store_tx_depth(other), 0);
    og_store_tx_rollback(f->s);
    OG_ASSERT_OK(og_store_tx_begin(other));
    og_store_tx_rollback(other);
    og_store_close(other);
}

/* og_stmt_prepare_dialect runs the text of the store's backend, and refuses a missing one. */
static void test_backend__a_dialect_statement_runs_its_backends_text(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    const og_sql_dialects both = {"SELECT 'sqlite', ?1 + ?1",
                                  "SELECT 'postgres', CAST(?1 AS BIGINT) + ?1"};
    const og_sql_dialects other = {f->pg ? "SELECT 1" : NULL, f->pg ? NULL : "SELECT 1"};
    OG_ASSERT_OK(og_stmt_prepare_dialect(&st, f->s, &both));
    og_stmt_bind_int(st, 1, 20);
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_string_equal(og_stmt_col_text(st, 0), f->pg ? "postgres" : "sqlite");
    assert_int_equal(og_stmt_col_int(st, 1), 40);
    og_stmt_free(st);
    assert_int_equal(og_stmt_prepare_dialect(&st, f->s, &other), OG_EINVAL);
    assert_null(st);
    assert_non_null(strstr(og_error_last(), f->pg ? "postgres" : "sqlite"));
}

int main(void)
{
    if (fixture_skip_without_backend())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_backend__a_dialect_statement_runs_its_backends_text,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_backend__question_marks_in_literals_and_comments_are_not_parameters, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_backend__columns_have_the_types_of_their_values, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_backend__constraint_violations_map_as_on_sqlite, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_backend__a_failed_statement_leaves_the_transaction_usable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend__changes_counts_the_last_write_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_backend__writers_wait_for_each_other, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend__an_atomic_level_is_all_or_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_backend_pg__opens_urls_and_never_echoes_a_password,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_backend_pg__a_lost_connection_is_retryable_and_made_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend_pg__a_failed_read_is_never_committed_silently,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend_pg__a_lock_wait_that_times_out_is_retryable,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
