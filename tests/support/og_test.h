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

/* Assert a call returned 0, printing og_error_last() otherwise. */
#define OG_ASSERT_OK(call)                                                                         \
    do {                                                                                           \
        int og_rc_ = (call);                                                                       \
        if (og_rc_ != 0)                                                                           \
            fail_msg("%s returned %d: %s", #call, og_rc_, og_error_last());                        \
    } while (0)

#endif
