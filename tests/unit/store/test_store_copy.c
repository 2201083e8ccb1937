/* test_store_copy.c - og_store_copy (opsgate migrate): an installation's SQLite database with
 * tenants, audit chains, checkpoints, projects and artifacts copied into an empty database of the
 * fixture's backend (SQLite or the suite's PostgreSQL); the copy holds every row, its chains
 * verify, its numbered columns go on; a target that is not empty or of another schema version is
 * refused before any row moves. */
#include "og_test.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/sys/store_backend.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    og_test_env src; /* an installation on SQLite, always */
    int pg;
    char *dir, *schema, *url; /* the target */
    og_store *to;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->pg = og_test_backend_pg();
    /* the source is an installation's SQLite database whatever the backend under test */
    char *backend = getenv("OG_TEST_BACKEND") ? strdup(getenv("OG_TEST_BACKEND")) : NULL;
    unsetenv("OG_TEST_BACKEND");
    og_test_env_setup(&f->src);
    if (backend)
        setenv("OG_TEST_BACKEND", backend, 1);
    free(backend);
    if (f->pg) {
        f->url = og_test_pg_create(&f->schema);
    } else {
        f->dir = og_test_tmpdir();
        assert_true(asprintf(&f->url, "sqlite:%s/target.db", f->dir) > 0);
    }
    OG_ASSERT_OK(og_store_open(&f->to, f->url, 1));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    og_store_close(f->to);
    og_test_env_teardown(&f->src);
    if (f->pg)
        og_test_pg_drop(f->schema);
    if (f->dir)
        og_test_rmrf(f->dir);
    free(f->dir);
    free(f->schema);
    free(f->url);
    free(f);
    return 0;
}

/* One record of ours, in its own transaction. */
static void log_one(og_ctx *ctx, const char *tenant_id, const char *action)
{
    OG_ASSERT_OK(og_store_tx_begin(ctx->store));
    OG_ASSERT_OK(og_store_tx_end(
        ctx->store, og_audit_log(ctx, tenant_id, "test", action, "thing", "t1", NULL)));
}

/* Some of everything: two tenants, records, checkpoints, a project with artifact versions. */
static void fill(fixture *f)
{
    og_ctx *ctx = &f->src.ctx;
    og_tenant a, b;
    OG_ASSERT_OK(og_tenant_create(ctx, "acme", &a));
    OG_ASSERT_OK(og_tenant_create(ctx, "globex", &b));
    for (int i = 0; i < 30; i++)
        log_one(ctx, i % 2 ? a.id : b.id, "test.copy");
    int made;
    OG_ASSERT_OK(og_audit_checkpoint_all(ctx, &made));
    assert_true(made >= 3);
    log_one(ctx, a.id, "test.after");
    OG_ASSERT_OK(og_project_create(ctx, "acme", "fw", "Firewall refresh", NULL));
    og_artifact_put_opts o = {.kind = "runbook", .message = "first"};
    for (int i = 0; i < 3; i++) {
        char name[32], text[64];
        snprintf(name, sizeof(name), "runbook-%d.md", i);
        snprintf(text, sizeof(text), "# Runbook %d\n\nRestart the appliance.\n", i);
        og_artifact_ref r = {"acme", "fw", name};
        OG_ASSERT_OK(og_artifact_put_buffer(ctx, &r, &o, text, strlen(text), NULL));
        OG_ASSERT_OK(og_artifact_put_buffer(ctx, &r, &o, "# changed\n", 10, NULL));
    }
}

/* Rows of a table on a store. */
static int64_t count(og_store *s, const char *table)
{
    char sql[128];
    og_stmt *st = NULL;
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
    OG_ASSERT_OK(og_stmt_prepare(&st, s, sql));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    int64_t n = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

typedef struct heard {
    char tables[128][64];
    int64_t rows[128];
    int n;
} heard;

static void on_table(const char *table, int64_t rows, void *arg)
{
    heard *h = arg;
    assert_true(h->n < 128);
    snprintf(h->tables[h->n], sizeof(h->tables[h->n]), "%s", table);
    h->rows[h->n++] = rows;
}

static void test_copy__every_row_and_the_chains_verify(void **state)
{
    fixture *f = *state;
    fill(f);
    heard h = {.n = 0};
    OG_ASSERT_OK(og_store_copy(f->src.store, f->to, on_table, &h));
    int64_t total = 0;
    for (int i = 0; i < h.n; i++) {
        assert_int_equal(count(f->to, h.tables[i]), h.rows[i]);
        if (strcmp(h.tables[i], "art_fts") != 0) /* FTS5 counts through its own table */
            assert_int_equal(count(f->src.store, h.tables[i]), h.rows[i]);
        total += h.rows[i];
    }
    assert_true(h.n >= 40);
    assert_true(count(f->to, "audit_record") >= 40);
    assert_true(total > 60);
    /* the copy's chains verify with the installation's keys, as the source's do */
    og_ctx to = f->src.ctx;
    to.store = f->to;
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify(&to, NULL, &res));
    assert_int_equal(res.records, count(f->src.store, "audit_record"));
    assert_true(res.checkpoints >= 3);
    /* and the copy goes on: a record appended there extends its chain, verify still passes */
    og_tenant t;
    OG_ASSERT_OK(og_tenant_create(&to, "initech", &t));
    log_one(&to, t.id, "test.after.copy");
    OG_ASSERT_OK(og_audit_verify(&to, NULL, &res));
    /* numbered columns go on past the copied numbers: a new artifact gets a new n */
    assert_int_equal(count(f->to, "art_artifacts"), 3);
    OG_ASSERT_OK(og_project_create(&to, "initech", "net", "Network", NULL));
    og_artifact_ref r = {"initech", "net", "notes.md"};
    og_artifact_put_opts o = {.kind = "other"};
    to.data_dir = f->src.data_dir; /* the objects stay in the source's folder (files) */
    OG_ASSERT_OK(og_artifact_put_buffer(&to, &r, &o, "notes\n", 6, NULL));
    assert_int_equal(count(f->to, "art_artifacts"), 4);
}

static void test_copy__refuses_a_target_that_holds_rows(void **state)
{
    fixture *f = *state;
    fill(f);
    OG_ASSERT_OK(og_store_copy(f->src.store, f->to, NULL, NULL));
    int64_t before = count(f->to, "audit_record");
    int rc = og_store_copy(f->src.store, f->to, NULL, NULL);
    assert_int_equal(rc, OG_EEXISTS);
    assert_non_null(strstr(og_error_last(), "not empty"));
    assert_int_equal(count(f->to, "audit_record"), before);
}

static void test_copy__refuses_another_schema_version(void **state)
{
    fixture *f = *state;
    OG_ASSERT_OK(og_store_exec(f->to, "UPDATE og_schema SET version = version + 1"
                                      " WHERE module = 'audit'"));
    int rc = og_store_copy(f->src.store, f->to, NULL, NULL);
    assert_int_equal(rc, OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "schema versions differ"));
    assert_int_equal(count(f->to, "tenants"), 0);
}

/* A table of awkward values: COPY's text escapes, NULLs, every byte, a blob of many rows' size,
 * integers at their limits, booleans and reals (PostgreSQL's own types). */
static const og_migration awkward_steps[] = {
    {1,
     "CREATE TABLE t_awkward (n INTEGER PRIMARY KEY, t TEXT, b BLOB, r REAL, f INTEGER,"
     " big INTEGER);",
     "CREATE TABLE t_awkward (n BIGINT PRIMARY KEY, t TEXT, b BYTEA, r REAL, f BOOLEAN,"
     " big BIGINT);"},
};
static const og_schema awkward = {"awkward", awkward_steps, 1, NULL};

static const char *const texts[] = {
    "tab\there",
    "new\nline\r\n",
    "back\\slash \\N \\x41",
    "\\N",
    "",
    "caf\xc3\xa9 \xe2\x82\xac",
    "\x01\x02\x7f \b\f\v end",
};

static void test_copy__back_from_postgres_as_it_was(void **state)
{
    fixture *f = *state;
    const og_schema *only[] = {&awkward};
    og_store *pg = NULL, *lite = NULL;
    og_stmt *st = NULL;
    char *url = NULL, *dir = NULL, *schema = NULL, *pgurl = NULL;
    uint8_t bytes[256], *large = malloc(300000);
    size_t n = sizeof(texts) / sizeof(texts[0]);
    if (!f->pg) {
        free(large);
        skip(); /* the SQLite source is test_copy__every_row_and_the_chains_verify's */
    }
    for (int i = 0; i < 256; i++)
        bytes[i] = (uint8_t)i;
    for (int i = 0; i < 300000; i++)
        large[i] = (uint8_t)(i * 7 + 3);
    pgurl = og_test_pg_create(&schema); /* a schema of its own: only this module's tables */
    OG_ASSERT_OK(og_store_open_schemas(&pg, pgurl, 1, only, 1));
    for (size_t i = 0; i < n; i++)
        assert_true(og_store_run(pg,
                                 "INSERT INTO t_awkward (n, t, b, r, f, big) VALUES"
                                 " (?, ?, ?, 2.5, true, ?)",
                                 "itbi", (int64_t)i, texts[i], bytes, sizeof(bytes),
                                 (int64_t)(i % 2 ? INT64_MAX : INT64_MIN)) >= 0);
    assert_true(og_store_run(pg, "INSERT INTO t_awkward (n, b) VALUES (100, ?)", "b", large,
                             (size_t)300000) >= 0);
    assert_true(og_store_run(pg, "INSERT INTO t_awkward (n) VALUES (101)", "") >= 0);
    dir = og_test_tmpdir();
    assert_true(asprintf(&url, "sqlite:%s/back.db", dir) > 0);
    OG_ASSERT_OK(og_store_open_schemas(&lite, url, 1, only, 1));
    OG_ASSERT_OK(og_store_exec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
    OG_ASSERT_OK(og_store_copy(pg, lite, NULL, NULL));
    OG_ASSERT_OK(og_store_exec(pg, "ROLLBACK"));
    OG_ASSERT_OK(og_stmt_prepare(&st, lite, "SELECT n, t, b, r, f, big FROM t_awkward ORDER BY n"));
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        assert_int_equal(og_stmt_step(st), OG_ROW);
        assert_int_equal(og_stmt_col_int(st, 0), (int64_t)i);
        assert_string_equal(og_stmt_col_text(st, 1), texts[i]);
        const void *b = og_stmt_col_blob(st, 2, &len);
        assert_int_equal(len, sizeof(bytes));
        assert_memory_equal(b, bytes, sizeof(bytes));
        assert_string_equal(og_stmt_col_text(st, 3), "2.5");
        assert_int_equal(og_stmt_col_int(st, 4), 1);
        assert_int_equal(og_stmt_col_int(st, 5), i % 2 ? INT64_MAX : INT64_MIN);
    }
    assert_int_equal(og_stmt_step(st), OG_ROW);
    size_t len = 0;
    const void *b = og_stmt_col_blob(st, 2, &len);
    assert_int_equal(len, 300000);
    assert_memory_equal(b, large, 300000);
    assert_true(og_stmt_col_is_null(st, 1));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    for (int c = 1; c < 6; c++)
        assert_true(og_stmt_col_is_null(st, c));
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    og_store_close(lite);
    og_store_close(pg);
    og_test_pg_drop(schema);
    og_test_rmrf(dir);
    free(dir);
    free(url);
    free(schema);
    free(pgurl);
    free(large);
}

int main(void)
{
    if (og_test_backend_pg() && !og_test_pg_url()) {
        printf("skipped: no PostgreSQL for the suite (OPSGATE_TEST_PG)\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy__every_row_and_the_chains_verify, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_copy__refuses_a_target_that_holds_rows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_copy__refuses_another_schema_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy__back_from_postgres_as_it_was, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
