/* crypto_fixture.h - a temporary data folder with a master key, a keyring and a SQLite store, for
 * the crypto unit tests (included by each test file; not a test itself). */
#ifndef OG_TEST_CRYPTO_FIXTURE_H
#define OG_TEST_CRYPTO_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/util.h"

#define TENANT_A "7d3c1a52-0e4b-4c8e-9a41-3f2d7c9b1e01"
#define TENANT_B "0b8f6e2d-5a17-4f3c-8d92-6e1a4b7c2d02"

typedef struct fx {
    char dir[256];
    char url[300];
    og_store *s;
    og_keyring *k;
} fx;

/* Print the error message of a failed call before cmocka stops the test. */
#define assert_ok(expr)                                                                            \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != 0)                                                                              \
            print_error("%s -> %d: %s\n", #expr, rc_, og_error_last());                            \
        assert_int_equal(rc_, 0);                                                                  \
    } while (0)

#define assert_msg_contains(needle)                                                                \
    do {                                                                                           \
        if (!strstr(og_error_last(), (needle)))                                                    \
            print_error("message '%s' lacks '%s'\n", og_error_last(), (needle));                   \
        assert_non_null(strstr(og_error_last(), (needle)));                                        \
    } while (0)

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void fx_rmdir(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh folder: a master key in it, a keyring on it, a store at DIR/t.db. */
static int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "%s/og-crypto-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->url, sizeof(f->url), "sqlite:%s/t.db", f->dir);
    assert_ok(og_crypto_master_key_create(f->dir));
    assert_ok(og_keyring_open(&f->k, f->dir));
    assert_ok(og_store_open(&f->s, f->url, 1));
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    og_store_close(f->s);
    og_keyring_free(f->k);
    fx_rmdir(f->dir);
    free(f);
    return 0;
}

/* og_crypto_open of obj in scope through keyring k, returning its result: on failure nothing is
 * handed out; on success the plaintext is want (wantlen bytes) unless want is NULL. */
static inline int fx_open_rc(og_keyring *k, fx *f, const char *scope, const char *obj,
                             const uint8_t *sealed, size_t len, const void *want, size_t wantlen)
{
    uint8_t *pt = (uint8_t *)"sentinel";
    size_t ptlen = 99;
    int rc = og_crypto_open(k, f->s, scope, obj, sealed, len, &pt, &ptlen);
    if (rc < 0) {
        assert_null(pt);
        assert_int_equal(ptlen, 0);
        return rc;
    }
    if (want) {
        assert_int_equal(ptlen, wantlen);
        assert_memory_equal(pt, want, wantlen);
    }
    free(pt);
    return rc;
}

/* The data-key row of scope from copied to scope to (a restore gone wrong, an attacker with
 * database access): the wrapped key is bound to its scope, so to cannot open from's data. */
static inline void fx_copy_data_key(fx *f, const char *to, const char *from)
{
    og_stmt *st = NULL;
    assert_ok(
        og_stmt_prepare(&st, f->s,
                        "INSERT INTO crypto_data_key (scope, kek, key_version, wrapped, created_at)"
                        " SELECT ?, kek, key_version, wrapped,"
                        " created_at FROM crypto_data_key WHERE scope = ?"));
    assert_ok(og_stmt_bind_text(st, 1, to));
    assert_ok(og_stmt_bind_text(st, 2, from));
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
}

#endif
