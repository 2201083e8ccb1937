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

/* A fresh folder under $TMPDIR (caller frees the string; og_test_rmrf removes the folder). */
char *og_test_tmpdir(void);
void og_test_rmrf(const char *path);

/* A data folder made by og_install_init, opened, with a local-operator context. */
typedef struct og_test_env {
    char *dir; /* the temp folder holding data/ */
    char *data_dir;
    char token[128]; /* the platform admin's token */
    og_store *store;
    og_keyring *keys;
    og_ctx ctx;
} og_test_env;

void og_test_env_setup(og_test_env *env);
void og_test_env_teardown(og_test_env *env);

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
