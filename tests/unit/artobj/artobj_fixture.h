/* artobj_fixture.h - an installation without a data folder (ctx.data_dir NULL: artifact objects
 * live in the database) on either backend: OG_TEST_BACKEND=pg on a fresh schema of the suite's
 * PostgreSQL (OPSGATE_TEST_PG), anything else on a SQLite file. Built without og_install: the
 * store with every module's schema, a keyring from a master key in a temp folder (which holds
 * nothing else), the platform key, a tenant "acme" with a project "big". */
#ifndef OG_ARTOBJ_FIXTURE_H
#define OG_ARTOBJ_FIXTURE_H

#include "og_test.h"
#include "opsgate/artifacts.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct artobj {
    int pg;
    char *dir;    /* the master key's folder (SQLite: and the database file) */
    char *schema; /* PostgreSQL: the test's schema */
    char *url;
    og_store *store;
    og_keyring *keys;
    og_ctx ctx;
} artobj;

/* main()'s first words: 1 (exit 77, skipped) when the backend asked for is not there. */
static inline int artobj_skip(void)
{
    if (og_test_backend_pg() && !og_test_pg_url()) {
        printf("SKIP: OG_TEST_BACKEND=pg without OPSGATE_TEST_PG (run through "
               "tests/support/pg_run.sh, as ctest does)\n");
        return 1;
    }
    return 0;
}

static inline void artobj_setup(artobj *f)
{
    memset(f, 0, sizeof(*f));
    f->pg = og_test_backend_pg();
    f->dir = og_test_tmpdir();
    assert_non_null(f->dir);
    if (f->pg)
        f->url = og_test_pg_create(&f->schema);
    else
        assert_true(asprintf(&f->url, "sqlite:%s/og.db", f->dir) > 0);
    OG_ASSERT_OK(og_crypto_master_key_create(f->dir));
    OG_ASSERT_OK(og_store_open(&f->store, f->url, 1));
    OG_ASSERT_OK(og_keyring_open(&f->keys, f->dir));
    OG_ASSERT_OK(og_crypto_scope_key_create(f->keys, f->store, NULL));
    f->ctx.store = f->store;
    f->ctx.keys = f->keys;
    f->ctx.data_dir = NULL; /* no data folder: objects in the database */
    og_actor_local(&f->ctx.actor);
    OG_ASSERT_OK(og_tenant_create(&f->ctx, "acme", NULL));
    OG_ASSERT_OK(og_project_create(&f->ctx, "acme", "big", "big files", NULL));
}

static inline void artobj_teardown(artobj *f)
{
    og_store_close(f->store);
    og_keyring_free(f->keys);
    if (f->pg)
        og_test_pg_drop(f->schema);
    og_test_rmrf(f->dir);
    free(f->dir);
    free(f->schema);
    free(f->url);
    memset(f, 0, sizeof(*f));
}

/* cmocka fixtures: *state a new artobj, allocated and set up; and its end. */
static inline int artobj_new(void **state)
{
    artobj *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    artobj_setup(f);
    *state = f;
    return 0;
}

static inline int artobj_free(void **state)
{
    artobj_teardown(*state);
    free(*state);
    return 0;
}

/* An integer the query returns. */
static inline int64_t artobj_count(artobj *f, const char *sql)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->store, sql));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    int64_t n = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

/* Random-looking bytes (zstd cannot shrink them), from a seed. */
static inline void artobj_fill(uint8_t *buf, size_t len, uint64_t *state)
{
    for (size_t i = 0; i < len; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        buf[i] = (uint8_t)(*state >> 24);
    }
}

#endif
