/* test_crypto.c - envelope encryption: master key file, keyring, per-scope data keys, crypto-shred,
 * sealing and what it binds. */
#include "crypto_fixture.h"

#include "opsgate/sys/kek.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

static const char secret[] = "db-password: hunter2-correct-horse";

static void seal_secret(fx *f, const char *scope, const char *obj, uint8_t **out, size_t *outlen)
{
    assert_ok(og_crypto_seal(f->k, f->s, scope, obj, secret, sizeof(secret), out, outlen));
}

/* A data key for tenant A, and the secret sealed under it as A's object "secret-1". */
static void seal_in_a(fx *f, uint8_t **sealed, size_t *len)
{
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    seal_secret(f, TENANT_A, "secret-1", sealed, len);
}

/* Open and expect exactly the secret back. */
static void assert_opens_to_secret(fx *f, const char *scope, const char *obj, const uint8_t *sealed,
                                   size_t len)
{
    uint8_t *pt = NULL;
    size_t ptlen = 0;
    assert_ok(og_crypto_open(f->k, f->s, scope, obj, sealed, len, &pt, &ptlen));
    assert_int_equal(ptlen, sizeof(secret));
    assert_memory_equal(pt, secret, sizeof(secret));
    free(pt);
}

/* Nothing is handed out on failure. */
static int open_rc(fx *f, const char *scope, const char *obj, const uint8_t *sealed, size_t len)
{
    return fx_open_rc(f->k, f, scope, obj, sealed, len, NULL, 0);
}

/* ---- sealing ---- */
static void test_crypto_seal__round_trips(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL, *pt = NULL;
    size_t len = 0, ptlen = 0;
    seal_in_a(f, &sealed, &len);
    assert_opens_to_secret(f, TENANT_A, "secret-1", sealed, len);
    free(sealed);

    /* Empty plaintext, and the platform scope. */
    assert_ok(og_crypto_scope_key_create(f->k, f->s, NULL));
    assert_ok(og_crypto_seal(f->k, f->s, NULL, "empty", "", 0, &sealed, &len));
    assert_int_equal(len, OG_CRYPTO_SEAL_OVERHEAD);
    assert_ok(og_crypto_open(f->k, f->s, NULL, "empty", sealed, len, &pt, &ptlen));
    assert_int_equal(ptlen, 0);
    free(pt);
    free(sealed);
}

static void test_crypto_seal__has_the_documented_format(void **state)
{
    fx *f = *state;
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    seal_secret(f, TENANT_A, "o", &a, &alen);
    seal_secret(f, TENANT_A, "o", &b, &blen);
    assert_int_equal(alen, 1 + 4 + 12 + sizeof(secret) + 16);
    assert_int_equal(a[0], 0x02);
    /* The data-key version that sealed it, big endian: a new key is version 1. */
    assert_memory_equal(a + 1, "\0\0\0\1", 4);
    /* A fresh random nonce each time: the same plaintext never seals the same way. */
    assert_int_equal(alen, blen);
    assert_memory_not_equal(a + 5, b + 5, 12);
    assert_memory_not_equal(a + 17, b + 17, sizeof(secret));
    assert_null(memmem(a, alen, secret, sizeof(secret) - 1));
    free(a);
    free(b);
}

static void test_crypto_open__fails_for_another_object(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    seal_in_a(f, &sealed, &len);
    assert_int_equal(open_rc(f, TENANT_A, "secret-2", sealed, len), OG_ECORRUPT);
    assert_msg_contains("cannot open sealed data for object secret-2 of tenant " TENANT_A
                        ": authentication failed (wrong tenant, wrong object or tampered)");
    /* An id that is a prefix or extension of the real one is another object too. */
    assert_int_equal(open_rc(f, TENANT_A, "secret-", sealed, len), OG_ECORRUPT);
    assert_int_equal(open_rc(f, TENANT_A, "secret-10", sealed, len), OG_ECORRUPT);
    free(sealed);
}

static void test_crypto_open__fails_for_another_tenant(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, NULL));
    seal_secret(f, TENANT_A, "secret-1", &sealed, &len);
    assert_int_equal(open_rc(f, TENANT_B, "secret-1", sealed, len), OG_ECORRUPT);
    assert_msg_contains("cannot open sealed data for object secret-1 of tenant " TENANT_B
                        ": authentication failed");
    assert_int_equal(open_rc(f, NULL, "secret-1", sealed, len), OG_ECORRUPT);
    assert_msg_contains("of the platform scope: authentication failed");
    free(sealed);
}

static void test_crypto_open__fails_for_a_tenant_sharing_the_key_row(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    /* Even if tenant B's key row were a copy of A's (a restore gone wrong, an attacker with
     * database access), the wrapped key is bound to its scope and A's data stays closed to B. */
    seal_in_a(f, &sealed, &len);
    fx_copy_data_key(f, TENANT_B, TENANT_A);
    assert_int_equal(open_rc(f, TENANT_B, "secret-1", sealed, len), OG_ECORRUPT);
    assert_msg_contains("cannot unwrap the data key of tenant " TENANT_B);
    free(sealed);
}

static void test_crypto_open__detects_tampering_of_every_byte(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    seal_in_a(f, &sealed, &len);
    /* Byte 0 is the format, 1..4 the data-key version, 5..16 the nonce, then the ciphertext,
     * the last 16 the tag. */
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            sealed[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(open_rc(f, TENANT_A, "secret-1", sealed, len), OG_ECORRUPT);
            if (i == 0)
                assert_msg_contains("unknown format version");
            else if (i <= 4)
                assert_msg_contains("corrupt or tampered");
            else
                assert_msg_contains("authentication failed");
            sealed[i] ^= (uint8_t)(1u << bit);
        }
    }
    assert_opens_to_secret(f, TENANT_A, "secret-1", sealed, len);
    free(sealed);
}

static void test_crypto_open__rejects_truncated_input(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    seal_in_a(f, &sealed, &len);
    for (size_t n = 0; n < len; n++) {
        /* A copy of exactly n bytes, so ASan sees any read past the end. */
        uint8_t *cut = malloc(n ? n : 1);
        assert_non_null(cut);
        memcpy(cut, sealed, n);
        assert_int_equal(open_rc(f, TENANT_A, "secret-1", cut, n), OG_ECORRUPT);
        if (n < OG_CRYPTO_SEAL_OVERHEAD)
            assert_msg_contains("truncated");
        free(cut);
    }
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", NULL, 0), OG_ECORRUPT);
    free(sealed);
}

static void test_crypto_seal__rejects_bad_names(void **state)
{
    fx *f = *state;
    uint8_t *out = NULL;
    size_t outlen = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_int_equal(og_crypto_seal(f->k, f->s, TENANT_A, NULL, "x", 1, &out, &outlen), OG_EINVAL);
    assert_int_equal(og_crypto_seal(f->k, f->s, TENANT_A, "", "x", 1, &out, &outlen), OG_EINVAL);
    assert_int_equal(og_crypto_seal(f->k, f->s, "", "o", "x", 1, &out, &outlen), OG_EINVAL);
    /* "@platform" is the platform scope's row: a caller cannot reach it by name. */
    assert_int_equal(og_crypto_scope_key_create(f->k, f->s, "@platform"), OG_EINVAL);
    assert_int_equal(og_crypto_seal(f->k, f->s, "@platform", "o", "x", 1, &out, &outlen),
                     OG_EINVAL);
    assert_null(out);
}

static void test_crypto_seal__fails_without_a_data_key(void **state)
{
    fx *f = *state;
    uint8_t *out = NULL;
    size_t outlen = 0;
    assert_int_equal(og_crypto_seal(f->k, f->s, TENANT_A, "o", "x", 1, &out, &outlen),
                     OG_ENOTFOUND);
    assert_string_equal(og_error_last(),
                        "no data key for tenant " TENANT_A ": it was destroyed or never created");
    assert_int_equal(og_crypto_seal(f->k, f->s, NULL, "o", "x", 1, &out, &outlen), OG_ENOTFOUND);
    assert_msg_contains("no data key for the platform scope");
}

/* ---- data keys and crypto-shred ---- */
static void test_crypto_scope_key_create__refuses_a_second_key(void **state)
{
    fx *f = *state;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_true(og_crypto_scope_key_exists(f->s, TENANT_A));
    assert_false(og_crypto_scope_key_exists(f->s, TENANT_B));
    assert_int_equal(og_crypto_scope_key_create(f->k, f->s, TENANT_A), OG_EEXISTS);
    assert_msg_contains("tenant " TENANT_A " already has a data key");
    assert_int_equal(og_store_tx_depth(f->s), 0);
}

static void test_crypto_scope_key__records_provider_and_version(void **state)
{
    fx *f = *state;
    og_stmt *st = NULL;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, NULL));
    assert_ok(og_stmt_prepare(&st, f->s,
                              "SELECT scope, kek, key_version, length(wrapped), created_at"
                              " FROM crypto_data_key ORDER BY scope"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_string_equal(og_stmt_col_text(st, 0), TENANT_A); /* sorts before '@' */
    assert_string_equal(og_stmt_col_text(st, 1), "master");
    assert_int_equal(og_stmt_col_int(st, 2), 1);
    /* version | nonce | wrapped 32-byte key | tag */
    assert_int_equal(og_stmt_col_int(st, 3), 1 + 12 + 32 + 16);
    assert_non_null(og_stmt_col_text(st, 4));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_string_equal(og_stmt_col_text(st, 0), "@platform");
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
}

static void test_crypto_scope_key_destroy__makes_open_fail(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    seal_secret(f, TENANT_A, "secret-1", &sealed, &len);
    assert_opens_to_secret(f, TENANT_A, "secret-1", sealed, len); /* warms the cache */
    assert_ok(og_crypto_scope_key_destroy(f->k, f->s, TENANT_A));
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", sealed, len), OG_ENOTFOUND);
    assert_string_equal(og_error_last(),
                        "no data key for tenant " TENANT_A ": it was destroyed or never created");
    assert_int_equal(og_crypto_scope_key_destroy(f->k, f->s, TENANT_A), OG_ENOTFOUND);
    assert_msg_contains("cannot destroy the data key of tenant " TENANT_A);
    /* Other tenants are untouched. */
    free(sealed);
    seal_secret(f, TENANT_B, "secret-1", &sealed, &len);
    assert_opens_to_secret(f, TENANT_B, "secret-1", sealed, len);
    free(sealed);
}

static void test_crypto_scope_key_create__after_destroy_cannot_open_old_data(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    seal_in_a(f, &sealed, &len);
    assert_opens_to_secret(f, TENANT_A, "secret-1", sealed, len);
    assert_ok(og_crypto_scope_key_destroy(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", sealed, len), OG_ECORRUPT);
    assert_msg_contains("authentication failed");
    free(sealed);
}

static void test_crypto_scope_key_destroy__is_effective_at_once_across_processes(void **state)
{
    fx *f = *state;
    og_store *cli_store = NULL;
    og_keyring *cli_keys = NULL;
    uint8_t *sealed = NULL;
    size_t len = 0;
    /* The "server" (f) has the key cached; the "CLI" has its own connection and keyring. */
    seal_in_a(f, &sealed, &len);
    assert_opens_to_secret(f, TENANT_A, "secret-1", sealed, len);
    assert_ok(og_store_open(&cli_store, f->url, 0));
    assert_ok(og_keyring_open(&cli_keys, f->dir));
    assert_ok(og_crypto_scope_key_destroy(cli_keys, cli_store, TENANT_A));
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", sealed, len), OG_ENOTFOUND);
    assert_msg_contains("it was destroyed or never created");
    /* And a key re-created elsewhere does not resurrect the old cached one. */
    assert_ok(og_crypto_scope_key_create(cli_keys, cli_store, TENANT_A));
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", sealed, len), OG_ECORRUPT);
    og_keyring_free(cli_keys);
    og_store_close(cli_store);
    free(sealed);
}

static void test_crypto_scope_key_create__joins_the_callers_transaction(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    assert_ok(og_store_tx_begin(f->s));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_int_equal(og_store_tx_depth(f->s), 1);
    seal_secret(f, TENANT_A, "secret-1", &sealed, &len);
    assert_opens_to_secret(f, TENANT_A, "secret-1", sealed, len);
    og_store_tx_rollback(f->s);
    assert_false(og_crypto_scope_key_exists(f->s, TENANT_A));
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", sealed, len), OG_ENOTFOUND);
    free(sealed);
}

static void test_crypto_scope_key_destroy__rolled_back_keeps_data_readable(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    seal_in_a(f, &sealed, &len);
    assert_ok(og_store_tx_begin(f->s));
    assert_ok(og_crypto_scope_key_destroy(f->k, f->s, TENANT_A));
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", sealed, len), OG_ENOTFOUND);
    og_store_tx_rollback(f->s);
    assert_opens_to_secret(f, TENANT_A, "secret-1", sealed, len);
    free(sealed);
}

static void test_crypto_scope_key__is_shredded_by_the_tenant_purge_too(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, NULL));
    seal_secret(f, TENANT_A, "secret-1", &sealed, &len);
    assert_opens_to_secret(f, TENANT_A, "secret-1", sealed, len);
    assert_ok(og_store_purge_tenant(f->s, TENANT_A));
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", sealed, len), OG_ENOTFOUND);
    assert_true(og_crypto_scope_key_exists(f->s, NULL));
    free(sealed);
}

/* ---- the key row read once per transaction (rowmemo.c) ---- */
static void test_crypto_seal__reads_the_key_row_once_per_transaction(void **state)
{
    fx *f = *state;
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    int64_t n0 = og_store_statements(f->s);
    seal_secret(f, TENANT_A, "outside", &a, &alen); /* outside a transaction: read every time */
    assert_true(og_store_statements(f->s) > n0);
    assert_ok(og_store_tx_begin(f->s));
    seal_secret(f, TENANT_A, "secret-1", &b, &blen);
    int64_t n1 = og_store_statements(f->s);
    uint8_t *c = NULL;
    size_t clen = 0;
    seal_secret(f, TENANT_A, "secret-2", &c, &clen);
    assert_opens_to_secret(f, TENANT_A, "secret-1", b, blen);
    assert_opens_to_secret(f, TENANT_A, "outside", a, alen);
    assert_ok(og_crypto_scope_key_check(f->s, TENANT_A));
    assert_int_equal(og_store_statements(f->s), n1); /* not one more statement */
    assert_ok(og_store_tx_commit(f->s));
    assert_opens_to_secret(f, TENANT_A, "secret-2", c, clen);
    free(a);
    free(b);
    free(c);
}

static void test_crypto_scope_key_revoke__inside_the_transaction_refuses_at_once(void **state)
{
    fx *f = *state;
    uint8_t *a = NULL;
    size_t alen = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_store_tx_begin(f->s));
    seal_secret(f, TENANT_A, "secret-1", &a, &alen);
    assert_ok(og_crypto_scope_key_revoke(f->k, f->s, TENANT_A));
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", a, alen), OG_ELOCKED);
    assert_int_equal(og_crypto_scope_key_check(f->s, TENANT_A), OG_ELOCKED);
    og_store_tx_rollback(f->s);
    /* rolled back: the key is not revoked, the sealed value (of the undone transaction) opens */
    assert_opens_to_secret(f, TENANT_A, "secret-1", a, alen);
    /* a nested level that revoked and was rolled back leaves the key usable in the outer one */
    assert_ok(og_store_tx_begin(f->s));
    assert_opens_to_secret(f, TENANT_A, "secret-1", a, alen);
    assert_ok(og_store_tx_begin(f->s));
    assert_ok(og_crypto_scope_key_revoke(f->k, f->s, TENANT_A));
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", a, alen), OG_ELOCKED);
    og_store_tx_rollback(f->s);
    assert_opens_to_secret(f, TENANT_A, "secret-1", a, alen);
    assert_ok(og_store_tx_commit(f->s));
    free(a);
}

static void
test_crypto_scope_key_revoke__by_another_process_refuses_the_next_transaction(void **state)
{
    fx *f = *state;
    og_store *cli_store = NULL;
    og_keyring *cli_keys = NULL;
    uint8_t *a = NULL;
    size_t alen = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_store_tx_begin(f->s));
    seal_secret(f, TENANT_A, "secret-1", &a, &alen);
    assert_ok(og_store_tx_commit(f->s));
    assert_ok(og_store_open(&cli_store, f->url, 0));
    assert_ok(og_keyring_open(&cli_keys, f->dir));
    assert_ok(og_crypto_scope_key_revoke(cli_keys, cli_store, TENANT_A));
    assert_ok(og_store_tx_begin(f->s));
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", a, alen), OG_ELOCKED);
    og_store_tx_rollback(f->s);
    assert_int_equal(open_rc(f, TENANT_A, "secret-1", a, alen), OG_ELOCKED);
    og_keyring_free(cli_keys);
    og_store_close(cli_store);
    free(a);
}

/* ---- at rest ---- */
static int file_contains(const char *path, const void *needle, size_t nlen)
{
    char *data = NULL;
    size_t len = 0;
    int rc = og_file_read(path, (size_t)256 << 20, &data, &len);
    if (rc == OG_ENOTFOUND)
        return 0;
    assert_int_equal(rc, 0);
    int found = memmem(data, len, needle, nlen) != NULL;
    free(data);
    return found;
}

static void test_crypto_seal__leaves_no_plaintext_or_key_in_the_database_files(void **state)
{
    fx *f = *state;
    static const char distinctive[] = "ZEBRA-PLAINTEXT-7f3a9c21-do-not-store-in-clear";
    char path[400], wal[420], keypath[400];
    char *master = NULL;
    size_t mlen = 0;
    og_stmt *st = NULL;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    /* A test-only table stands in for a module storing sealed values. */
    assert_ok(og_store_exec(f->s, "CREATE TABLE test_secret (id TEXT PRIMARY KEY, v BLOB)"));
    for (int i = 0; i < 50; i++) {
        char id[32];
        uint8_t *sealed = NULL;
        size_t len = 0;
        snprintf(id, sizeof(id), "secret-%d", i);
        assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, id, distinctive, strlen(distinctive),
                                 &sealed, &len));
        assert_ok(og_stmt_prepare(&st, f->s, "INSERT INTO test_secret (id, v) VALUES (?, ?)"));
        assert_ok(og_stmt_bind_text(st, 1, id));
        assert_ok(og_stmt_bind_blob(st, 2, sealed, len));
        assert_int_equal(og_stmt_step(st), OG_DONE);
        og_stmt_free(st);
        free(sealed);
    }
    snprintf(path, sizeof(path), "%s/t.db", f->dir);
    snprintf(wal, sizeof(wal), "%s/t.db-wal", f->dir);
    snprintf(keypath, sizeof(keypath), "%s/master.key", f->dir);
    assert_ok(og_file_read(keypath, 64, &master, &mlen));
    assert_int_equal(mlen, 32);
    /* The canary: the scan does see what is in the files. */
    assert_true(file_contains(path, "crypto_data_key", 15) ||
                file_contains(wal, "crypto_data_key", 15));
    assert_false(file_contains(path, distinctive, strlen(distinctive)));
    assert_false(file_contains(wal, distinctive, strlen(distinctive)));
    assert_false(file_contains(path, master, mlen));
    assert_false(file_contains(wal, master, mlen));
    free(master);
}

static void test_crypto_scope_key_destroy__leaves_no_wrapped_key_in_the_database_file(void **state)
{
    fx *f = *state;
    og_stmt *st = NULL;
    uint8_t wrapped[128];
    size_t wlen = 0;
    char path[400], wal[420];
    /* Some SQLite builds (Debian's) zero deleted content by default; do not rely on that. */
    assert_ok(og_store_exec(f->s, "PRAGMA secure_delete = OFF"));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    assert_ok(og_stmt_prepare(&st, f->s, "SELECT wrapped FROM crypto_data_key WHERE scope = ?"));
    assert_ok(og_stmt_bind_text(st, 1, TENANT_A));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    const void *w = og_stmt_col_blob(st, 0, &wlen);
    assert_true(wlen <= sizeof(wrapped));
    memcpy(wrapped, w, wlen);
    og_stmt_free(st);
    assert_ok(og_crypto_scope_key_destroy(f->k, f->s, TENANT_A));
    /* Closing the last connection checkpoints the WAL into the database file. */
    og_store_close(f->s);
    f->s = NULL;
    snprintf(path, sizeof(path), "%s/t.db", f->dir);
    snprintf(wal, sizeof(wal), "%s/t.db-wal", f->dir);
    assert_false(file_contains(path, wrapped, wlen));
    assert_false(file_contains(wal, wrapped, wlen));
}

/* ---- master key file and keyring ---- */
static void test_crypto_master_key_create__writes_a_0600_file_of_32_bytes(void **state)
{
    fx *f = *state;
    char path[400];
    struct stat sb;
    snprintf(path, sizeof(path), "%s/master.key", f->dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(sb.st_size, 32);
}

static void test_crypto_master_key_create__refuses_to_overwrite(void **state)
{
    fx *f = *state;
    char path[400];
    char *before = NULL, *after = NULL;
    size_t blen = 0, alen = 0;
    snprintf(path, sizeof(path), "%s/master.key", f->dir);
    assert_ok(og_file_read(path, 64, &before, &blen));
    assert_int_equal(og_crypto_master_key_create(f->dir), OG_EEXISTS);
    assert_msg_contains(path);
    assert_msg_contains("refusing to overwrite");
    assert_ok(og_file_read(path, 64, &after, &alen));
    assert_int_equal(alen, blen);
    assert_memory_equal(after, before, blen);
    free(before);
    free(after);
}

static void test_crypto_master_key_create__fails_for_a_missing_folder(void **state)
{
    fx *f = *state;
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/no-such-folder", f->dir);
    assert_int_equal(og_crypto_master_key_create(dir), OG_ENOTFOUND);
    assert_msg_contains("no-such-folder/master.key");
}

static void test_crypto_keyring_open__refuses_a_0644_key_file(void **state)
{
    fx *f = *state;
    char path[400];
    og_keyring *k = NULL;
    snprintf(path, sizeof(path), "%s/master.key", f->dir);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(og_keyring_open(&k, f->dir), OG_EINVAL);
    assert_null(k);
    assert_msg_contains(path);
    assert_msg_contains("permissions 0644, wider than 0600");
    /* Narrower is fine. */
    assert_int_equal(chmod(path, 0400), 0);
    assert_ok(og_keyring_open(&k, f->dir));
    og_keyring_free(k);
}

static void test_crypto_keyring_open__fails_for_a_missing_key_file(void **state)
{
    fx *f = *state;
    char path[400];
    og_keyring *k = NULL;
    snprintf(path, sizeof(path), "%s/master.key", f->dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(og_keyring_open(&k, f->dir), OG_ENOTFOUND);
    assert_null(k);
    assert_msg_contains(path);
    assert_msg_contains("does not exist");
}

static void write_key_file(const char *path, size_t len)
{
    uint8_t buf[64] = {0};
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

static void test_crypto_keyring_open__refuses_a_key_file_of_the_wrong_size(void **state)
{
    fx *f = *state;
    char path[400];
    og_keyring *k = NULL;
    static const size_t sizes[] = {0, 31, 33, 64};
    snprintf(path, sizeof(path), "%s/master.key", f->dir);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char want[64];
        write_key_file(path, sizes[i]);
        assert_int_equal(og_keyring_open(&k, f->dir), OG_EINVAL);
        assert_null(k);
        assert_msg_contains(path);
        snprintf(want, sizeof(want), "is %zu bytes; a key file holds exactly 32 random bytes",
                 sizes[i]);
        assert_msg_contains(want);
    }
}

static void test_crypto_keyring_open__refuses_a_symlinked_key_file(void **state)
{
    fx *f = *state;
    char path[400], real[400];
    og_keyring *k = NULL;
    snprintf(path, sizeof(path), "%s/master.key", f->dir);
    snprintf(real, sizeof(real), "%s/real.key", f->dir);
    assert_int_equal(rename(path, real), 0);
    assert_int_equal(symlink(real, path), 0);
    assert_int_equal(og_keyring_open(&k, f->dir), OG_EINVAL);
    assert_msg_contains("symbolic link");
}

static void test_crypto_open__fails_with_another_installations_master_key(void **state)
{
    fx *f = *state;
    char other[300];
    og_keyring *k2 = NULL;
    uint8_t *sealed = NULL, *pt = NULL;
    size_t len = 0, ptlen = 0;
    seal_in_a(f, &sealed, &len);
    snprintf(other, sizeof(other), "%s/other", f->dir);
    assert_int_equal(mkdir(other, 0700), 0);
    assert_ok(og_crypto_master_key_create(other));
    assert_ok(og_keyring_open(&k2, other));
    assert_int_equal(og_crypto_open(k2, f->s, TENANT_A, "secret-1", sealed, len, &pt, &ptlen),
                     OG_ECORRUPT);
    assert_msg_contains("cannot unwrap the data key of tenant " TENANT_A);
    assert_msg_contains("does not authenticate under the master key");
    og_keyring_free(k2);
    free(sealed);
}

/* ---- KEK providers ---- */
/* A toy provider standing in for a customer-managed key: it "wraps" by XOR with a pad, so the test
 * can check the keyring picks providers by the name recorded in each row. */
typedef struct toy_kek {
    uint8_t pad[32];
} toy_kek;

static int toy_frees;

static int toy_wrap(void *self, const uint8_t dek[32], const char *aad, uint8_t **out,
                    size_t *outlen)
{
    toy_kek *t = self;
    (void)aad;
    *out = malloc(32);
    if (!*out)
        return OG_ERROR;
    for (int i = 0; i < 32; i++)
        (*out)[i] = dek[i] ^ t->pad[i];
    *outlen = 32;
    return 0;
}

static int toy_unwrap(void *self, const uint8_t *wrapped, size_t len, const char *aad,
                      uint8_t dek[32])
{
    toy_kek *t = self;
    (void)aad;
    if (len != 32)
        return og_error_set(OG_ECORRUPT, "toy: bad length");
    for (int i = 0; i < 32; i++)
        dek[i] = wrapped[i] ^ t->pad[i];
    return 0;
}

static void toy_free(void *self)
{
    toy_frees++;
    free(self);
}

static const og_kek_provider toy_provider = {"toy-hsm", toy_wrap, toy_unwrap, toy_free};

static og_kek toy_kek_new(void)
{
    toy_kek *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    memset(t->pad, 0x5a, sizeof(t->pad));
    og_kek k = {&toy_provider, t, 1};
    return k;
}

static void test_crypto_keyring__picks_the_kek_provider_recorded_for_each_scope(void **state)
{
    fx *f = *state;
    og_kek toy = toy_kek_new();
    og_keyring *plain = NULL;
    og_stmt *st = NULL;
    uint8_t *sealed = NULL;
    size_t len = 0;
    toy_frees = 0;
    assert_ok(og_keyring_kek_add(f->k, &toy));
    assert_ok(og_crypto_scope_key_create_with(f->k, f->s, TENANT_A, "toy-hsm"));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    assert_ok(og_stmt_prepare(&st, f->s, "SELECT kek FROM crypto_data_key WHERE scope = ?"));
    assert_ok(og_stmt_bind_text(st, 1, TENANT_A));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_string_equal(og_stmt_col_text(st, 0), "toy-hsm");
    og_stmt_free(st);
    seal_secret(f, TENANT_A, "secret-1", &sealed, &len);
    assert_opens_to_secret(f, TENANT_A, "secret-1", sealed, len);
    /* A keyring without that provider says which one it lacks. */
    assert_ok(og_keyring_open(&plain, f->dir));
    uint8_t *pt = NULL;
    size_t ptlen = 0;
    assert_int_equal(og_crypto_open(plain, f->s, TENANT_A, "secret-1", sealed, len, &pt, &ptlen),
                     OG_ERROR);
    assert_msg_contains("wrapped by the KEK provider 'toy-hsm', which this keyring has not loaded");
    og_keyring_free(plain);
    free(sealed);
    /* Unknown names and duplicates are refused; the keyring owns what it was given. */
    assert_int_equal(og_crypto_scope_key_create_with(f->k, f->s, "t3", "pkcs11"), OG_ENOTFOUND);
    assert_msg_contains("no KEK provider named 'pkcs11'");
    og_kek dup = toy_kek_new();
    assert_int_equal(og_keyring_kek_add(f->k, &dup), OG_EEXISTS);
    assert_int_equal(toy_frees, 1);
}

/* ---- threads ---- */
typedef struct worker {
    fx *f;
    int id;
    int failures;
} worker;

static void *worker_run(void *arg)
{
    worker *w = arg;
    og_store *s = NULL;
    if (og_store_open(&s, w->f->url, 0) < 0) {
        w->failures++;
        return NULL;
    }
    for (int i = 0; i < 50; i++) {
        char obj[64];
        uint8_t *sealed = NULL, *pt = NULL;
        size_t len = 0, ptlen = 0;
        const char *scope = (i % 2) ? TENANT_A : TENANT_B;
        snprintf(obj, sizeof(obj), "w%d-%d", w->id, i);
        if (og_crypto_seal(w->f->k, s, scope, obj, obj, strlen(obj), &sealed, &len) < 0 ||
            og_crypto_open(w->f->k, s, scope, obj, sealed, len, &pt, &ptlen) < 0 ||
            ptlen != strlen(obj) || memcmp(pt, obj, ptlen) != 0)
            w->failures++;
        free(sealed);
        free(pt);
    }
    og_store_close(s);
    return NULL;
}

static void test_crypto_keyring__is_shared_safely_between_threads(void **state)
{
    fx *f = *state;
    pthread_t th[4];
    worker w[4];
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){f, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(test_crypto_seal__round_trips),
        T(test_crypto_seal__has_the_documented_format),
        T(test_crypto_open__fails_for_another_object),
        T(test_crypto_open__fails_for_another_tenant),
        T(test_crypto_open__fails_for_a_tenant_sharing_the_key_row),
        T(test_crypto_open__detects_tampering_of_every_byte),
        T(test_crypto_open__rejects_truncated_input),
        T(test_crypto_seal__rejects_bad_names),
        T(test_crypto_seal__fails_without_a_data_key),
        T(test_crypto_scope_key_create__refuses_a_second_key),
        T(test_crypto_scope_key__records_provider_and_version),
        T(test_crypto_scope_key_destroy__makes_open_fail),
        T(test_crypto_scope_key_create__after_destroy_cannot_open_old_data),
        T(test_crypto_scope_key_destroy__is_effective_at_once_across_processes),
        T(test_crypto_scope_key_create__joins_the_callers_transaction),
        T(test_crypto_scope_key_destroy__rolled_back_keeps_data_readable),
        T(test_crypto_scope_key__is_shredded_by_the_tenant_purge_too),
        T(test_crypto_seal__reads_the_key_row_once_per_transaction),
        T(test_crypto_scope_key_revoke__inside_the_transaction_refuses_at_once),
        T(test_crypto_scope_key_revoke__by_another_process_refuses_the_next_transaction),
        T(test_crypto_seal__leaves_no_plaintext_or_key_in_the_database_files),
        T(test_crypto_scope_key_destroy__leaves_no_wrapped_key_in_the_database_file),
        T(test_crypto_master_key_create__writes_a_0600_file_of_32_bytes),
        T(test_crypto_master_key_create__refuses_to_overwrite),
        T(test_crypto_master_key_create__fails_for_a_missing_folder),
        T(test_crypto_keyring_open__refuses_a_0644_key_file),
        T(test_crypto_keyring_open__fails_for_a_missing_key_file),
        T(test_crypto_keyring_open__refuses_a_key_file_of_the_wrong_size),
        T(test_crypto_keyring_open__refuses_a_symlinked_key_file),
        T(test_crypto_open__fails_with_another_installations_master_key),
        T(test_crypto_keyring__picks_the_kek_provider_recorded_for_each_scope),
        T(test_crypto_keyring__is_shared_safely_between_threads),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
