/* og_test.h - helpers shared by the unit tests: temp folders and a ready installation. */
#ifndef OG_TEST_H
#define OG_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "opsgate/context.h"
#include "opsgate/crypto.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

/* A fresh folder under $TMPDIR (caller frees the string; og_test_rmrf removes the folder). */
char *og_test_tmpdir(void);
void og_test_rmrf(const char *path);

/* An installation made by og_install_create, opened, with a local-operator context: a data folder
 * on SQLite; with OG_TEST_BACKEND=pg a fresh schema of the suite's PostgreSQL (og_test_pg_create)
 * with a temp key folder, and no data folder (data_dir and ctx.data_dir NULL). */
typedef struct og_test_env {
    char *dir;       /* the temp folder holding data/ (SQLite) or keys/ (PostgreSQL) */
    char *data_dir;  /* the data folder; NULL on PostgreSQL */
    char *location;  /* what og_install_where.data names: the data folder or the store URL */
    char *keys_dir;  /* the key folder: the data folder on SQLite */
    char *schema;    /* PostgreSQL: the test's schema */
    char token[128]; /* the platform admin's token */
    og_store *store;
    og_keyring *keys;
    og_ctx ctx;
} og_test_env;

void og_test_env_setup(og_test_env *env);
void og_test_env_teardown(og_test_env *env);
/* 1 when the tests run on PostgreSQL (OG_TEST_BACKEND=pg). */
int og_test_backend_pg(void);
/* Where env's installation is, for og_install_open_at. */
og_install_where og_test_env_where(const og_test_env *env);
/* The store URL of env's database (caller frees), for a second connection or a pool. */
char *og_test_env_db_url(const og_test_env *env);
/* Run a SQL script on a connection of its own (what someone with the database could do, behind
 * the modules' back); fails the test when it fails. */
void og_test_env_exec(const og_test_env *env, const char *sql);
/* 1 when needle is stored anywhere in env's installation as plain bytes: a file of the data folder
 * (the database and its journal), or a row of the PostgreSQL schema (pg_dump). */
int og_test_env_holds(const og_test_env *env, const char *needle);

/* ---- PostgreSQL (tests/support/og_test_pg.c) ----
 * The suite's server: OPSGATE_TEST_PG, a store URL set by tests/support/pg_run.sh (CTest fixture
 * "pg"), NULL when there is none (the test then skips, exit 77). */
const char *og_test_pg_url(void);
/* A fresh schema on it, first on the search path of the store URL returned ("libpq:...
 * dbname=... options='-c search_path=...'"), in a database of this process's (dropped at exit);
 * *schema its name (caller frees both). Fails the test when the server refuses. */
char *og_test_pg_create(char **schema);
/* Drop it with everything in it. NULL-safe. */
void og_test_pg_drop(const char *schema);

/* Assert a call returned 0, printing og_error_last() otherwise. */
#define OG_ASSERT_OK(call)                                                                         \
    do {                                                                                           \
        int og_rc_ = (call);                                                                       \
        if (og_rc_ != 0)                                                                           \
            fail_msg("%s returned %d: %s", #call, og_rc_, og_error_last());                        \
    } while (0)

#endif
