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

/* OG_TEST_UNDER_ASAN is 1 in a build with AddressSanitizer: its quarantine keeps freed memory
 * resident, so a memory test there moves data through every path but does not measure the peak. */
#if defined(__SANITIZE_ADDRESS__)
#define OG_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OG_TEST_UNDER_ASAN 1
#endif
#endif
#ifndef OG_TEST_UNDER_ASAN
#define OG_TEST_UNDER_ASAN 0
#endif

/* The process's peak resident size so far, in KiB (getrusage's ru_maxrss). */
long og_test_peak_kib(void);

/* A fresh folder under $TMPDIR (caller frees the string; og_test_rmrf removes the folder). */
char *og_test_tmpdir(void);
void og_test_rmrf(const char *path);

/* An installation made by og_install_create, opened, with a local-operator context: a data folder
 * on SQLite; with OG_TEST_BACKEND=pg a database of its own on the suite's PostgreSQL, a copy of
 * the run's installation template (og_test_pg_install) with a temp key folder, and no data
 * folder (data_dir and ctx.data_dir NULL). */
typedef struct og_test_env {
    char *dir;       /* the temp folder holding data/ (SQLite) or keys/ (PostgreSQL) */
    char *data_dir;  /* the data folder; NULL on PostgreSQL */
    char *location;  /* what og_install_where.data names: the data folder or the store URL */
    char *keys_dir;  /* the key folder: the data folder on SQLite */
    char *schema;    /* NULL: each PostgreSQL test has a database of its own (pgdb) */
    char *pgdb;      /* PostgreSQL: the test's database */
    char token[128]; /* the platform admin's token */
    og_store *store;
    og_keyring *keys;
    og_ctx ctx;
} og_test_env;

void og_test_env_setup(og_test_env *env);
void og_test_env_teardown(og_test_env *env);
/* cmocka group or test fixtures: og_test_env_two_tenants puts in *state a new env (allocated, set
 * up) with tenants "acme" and "globex"; og_test_env_free tears down and frees the env in *state. */
int og_test_env_two_tenants(void **state);
/* The same with one tenant "acme" holding a project "fw" ("Firewall migration"). */
int og_test_env_project(void **state);
int og_test_env_free(void **state);
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
/* How many column values of the rows sql returns on env's store contain one of the NULL-ended
 * words (ignore_case: in any case; each hit is printed to stderr): the privacy tests' "no tenant
 * string is stored here". */
int og_test_rows_mentioning(og_test_env *env, const char *sql, const char *const *words,
                            int ignore_case);

/* ---- SQL behind the modules' back: what someone with the database file or server could do ----
 * Texts that differ by backend go through og_test_sql, so a test states both and is written
 * once. */
/* sqlite when the tests run on SQLite, pg on PostgreSQL. */
const char *og_test_sql(const char *sqlite, const char *pg);
/* A connection of its own to env's database (og_store_open of og_test_env_db_url); close it with
 * og_store_close. */
og_store *og_test_raw_open(const og_test_env *env);
/* Run a printf-formatted SQL script on db; fails the test when it fails. */
void og_test_raw_exec(og_store *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run a printf-formatted SQL script on db and return its result (0 or a negative code, the
 * message in og_error_last()): for statements that must be refused. */
int og_test_raw_try(og_store *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The first column of the query's first row as an integer; fails the test when there is none. */
int64_t og_test_raw_int(og_store *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop trigger name of table ("DROP TRIGGER name" on SQLite, "... ON table" on PostgreSQL). */
void og_test_raw_drop_trigger(og_store *db, const char *name, const char *table);

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
/* A fresh installation: a database of its own (*db its name), copied (CREATE DATABASE ...
 * TEMPLATE) from the run's template, which the first call of the run builds with
 * og_install_create (named by a hash of every module's PostgreSQL schema texts); the template's
 * master key written into keys_dir (made 0700, must not exist) and its admin token into token.
 * Returns the store URL ("libpq:... dbname=..."; caller frees it and *db). Every installation of
 * a run shares the master key and token. */
char *og_test_pg_install(const char *keys_dir, char token[OG_TOKEN_MAX], char **db);
/* Drop a database og_test_pg_install made. NULL-safe. */
void og_test_pg_db_drop(const char *db);

/* Assert a call returned 0, printing og_error_last() otherwise. */
#define OG_ASSERT_OK(call)                                                                         \
    do {                                                                                           \
        int og_rc_ = (call);                                                                       \
        if (og_rc_ != 0)                                                                           \
            fail_msg("%s returned %d: %s", #call, og_rc_, og_error_last());                        \
    } while (0)

#endif
