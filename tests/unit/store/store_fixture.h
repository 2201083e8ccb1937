/* store_fixture.h - the store tests' fixture on either backend: OG_TEST_BACKEND=pg runs them on a
 * fresh schema of the suite's PostgreSQL (OPSGATE_TEST_PG), anything else on a SQLite file.
 * Header only, included by each test file of tests/unit/store/. */
#ifndef OG_STORE_FIXTURE_H
#define OG_STORE_FIXTURE_H

#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/sys/store_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tests' own tables, as a module's schema with a text per backend. */
static const og_migration storetest_steps[] = {
    {1,
     "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER, b BLOB);"
     "CREATE TABLE u (k TEXT REFERENCES t(k), n INTEGER CHECK (n > 0));",
     "CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT, b BYTEA);"
     "CREATE TABLE u (k TEXT REFERENCES t(k), n BIGINT CHECK (n > 0));"},
};
static const og_schema storetest_schema = {"storetest", storetest_steps, 1, NULL};

typedef struct fixture {
    int pg;       /* on PostgreSQL */
    char *dir;    /* SQLite: the temp folder */
    char *dbname; /* PostgreSQL: the test's schema (in a database of the test process's) */
    char *url;
    /* the modules' schemas kept: on SQLite every module's and the tests'; on PostgreSQL only the
     * tests' until the modules have PostgreSQL schemas (h-pgschema) */
    const og_schema **schemas;
    size_t nschemas;
    const char *module; /* a module whose schema the store keeps, for the version tests */
    og_store *s;
} fixture;

/* A store on the fixture's database, with its schemas. */
static inline int fixture_open(fixture *f, og_store **out)
{
    return og_store_open_schemas(out, f->url, 1, (const og_schema *const *)f->schemas, f->nschemas);
}

static inline int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->pg = og_test_backend_pg();
    f->schemas = calloc(og_store_nschemas + 2, sizeof(*f->schemas));
    if (f->pg) {
        f->url = og_test_pg_create(&f->dbname);
        f->module = "storetest";
        f->schemas[f->nschemas++] = &og_store_lease_schema; /* leases (test_store_nodes) */
    } else {
        f->dir = og_test_tmpdir();
        if (asprintf(&f->url, "sqlite:%s/t.db", f->dir) < 0)
            return -1;
        for (size_t i = 0; i < og_store_nschemas; i++)
            f->schemas[f->nschemas++] = og_store_schemas[i];
        f->module = "tenant";
    }
    f->schemas[f->nschemas++] = &storetest_schema;
    if (fixture_open(f, &f->s) < 0) {
        fprintf(stderr, "opening the store: %s\n", og_error_last());
        return -1;
    }
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    fixture *f = *state;
    og_store_close(f->s);
    if (f->pg)
        og_test_pg_drop(f->dbname);
    else
        og_test_rmrf(f->dir);
    free(f->url);
    free(f->dir);
    free(f->dbname);
    free(f->schemas);
    free(f);
    return 0;
}

/* main()'s first words: exit 77 (skipped) when the backend asked for is not there. */
static inline int fixture_skip_without_backend(void)
{
    if (og_test_backend_pg() && !og_test_pg_url()) {
        printf("SKIP: OG_TEST_BACKEND=pg without OPSGATE_TEST_PG (run through "
               "tests/support/pg_run.sh, as ctest does)\n");
        return 1;
    }
    return 0;
}

static inline int count_rows(og_store *s)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, s, "SELECT COUNT(*) FROM t"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    int n = (int)og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

static inline void insert(og_store *s, const char *k, int64_t v)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, s, "INSERT INTO t (k, v) VALUES (?, ?)"));
    og_stmt_bind_text(st, 1, k);
    og_stmt_bind_int(st, 2, v);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
}

#endif
