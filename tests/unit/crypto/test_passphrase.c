/* test_passphrase.c - secrets sealed under a passphrase (og_crypto_pass_seal/open) and the
 * installation key carried through them (og_crypto_master_key_export/import/install/fits). */
#include "crypto_fixture.h"

#include <sys/stat.h>

#define PASS "correct horse battery staple"
#define COST 10 /* the cheapest cost the format takes: the tests stay fast */

static void test_pass__round_trip_and_format(void **state)
{
    (void)state;
    uint8_t *blob = NULL, *back = NULL;
    size_t blen = 0, n = 0;
    const char secret[] = "thirty-two bytes of key material";
    assert_ok(
        og_crypto_pass_seal(PASS, strlen(PASS), COST, "ctx", secret, sizeof(secret), &blob, &blen));
    assert_int_equal(blen, sizeof(secret) + OG_CRYPTO_PASS_OVERHEAD);
    assert_memory_equal(blob, "OGPW\x01", 5);
    assert_int_equal(blob[5], COST);
    assert_null(memmem(blob, blen, secret, 8)); /* no plaintext in the blob */
    assert_ok(og_crypto_pass_open(PASS, strlen(PASS), "ctx", blob, blen, &back, &n));
    assert_int_equal(n, sizeof(secret));
    assert_memory_equal(back, secret, n);
    free(back);
    free(blob);
}

static void test_pass__two_seals_differ(void **state)
{
    (void)state;
    uint8_t *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    assert_ok(og_crypto_pass_seal(PASS, strlen(PASS), COST, "ctx", "same", 4, &a, &al));
    assert_ok(og_crypto_pass_seal(PASS, strlen(PASS), COST, "ctx", "same", 4, &b, &bl));
    assert_int_equal(al, bl);
    assert_memory_not_equal(a, b, al); /* fresh salt and nonce */
    free(a);
    free(b);
}

static void test_pass__refuses_wrong_pass_context_and_changes(void **state)
{
    (void)state;
    uint8_t *blob = NULL, *back = NULL;
    size_t blen = 0, n = 0;
    assert_ok(og_crypto_pass_seal(PASS, strlen(PASS), COST, "ctx", "secret", 6, &blob, &blen));
    assert_int_equal(og_crypto_pass_open("the wrong passphrase", 20, "ctx", blob, blen, &back, &n),
                     OG_ECORRUPT);
    assert_non_null(strstr(og_error_last(), "passphrase"));
    assert_int_equal(og_crypto_pass_open(PASS, strlen(PASS), "other", blob, blen, &back, &n),
                     OG_ECORRUPT);
    for (size_t i = 0; i < blen; i++) { /* every byte is covered: header by the AAD, rest by GCM */
        if (i == 5)
            continue; /* the cost byte: checked below */
        blob[i] ^= 0x01;
        int rc = og_crypto_pass_open(PASS, strlen(PASS), "ctx", blob, blen, &back, &n);
        assert_true(rc == OG_ECORRUPT || rc == OG_EINVAL);
        blob[i] ^= 0x01;
    }
    assert_int_equal(og_crypto_pass_open(PASS, strlen(PASS), "ctx", blob, blen - 1, &back, &n),
                     OG_ECORRUPT);
    assert_int_equal(og_crypto_pass_open(PASS, strlen(PASS), "ctx", blob, 10, &back, &n),
                     OG_ECORRUPT);
    blob[5] = 40; /* a crafted cost must not make it allocate terabytes */
    assert_int_equal(og_crypto_pass_open(PASS, strlen(PASS), "ctx", blob, blen, &back, &n),
                     OG_EINVAL);
    assert_null(back);
    free(blob);
}

static void test_pass__refuses_short_and_long_passphrases(void **state)
{
    (void)state;
    uint8_t *blob = NULL;
    size_t blen = 0;
    static char longpass[2000];
    memset(longpass, 'x', sizeof(longpass));
    assert_int_equal(og_crypto_pass_seal("short", 5, COST, "c", "s", 1, &blob, &blen), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "at least"));
    assert_int_equal(
        og_crypto_pass_seal(longpass, sizeof(longpass), COST, "c", "s", 1, &blob, &blen),
        OG_EINVAL);
    assert_int_equal(og_crypto_pass_seal(PASS, strlen(PASS), 30, "c", "s", 1, &blob, &blen),
                     OG_EINVAL);
    assert_null(blob);
}

static void test_master_key__export_import_fits(void **state)
{
    fx *f = *state;
    uint8_t *blob = NULL;
    size_t blen = 0;
    char dir2[300], other[300], path[400];
    struct stat sb;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, NULL)); /* the platform scope's key */
    assert_ok(og_crypto_master_key_export(f->dir, PASS, strlen(PASS), &blob, &blen));
    snprintf(dir2, sizeof(dir2), "%s/restored", f->dir);
    mkdir(dir2, 0700);
    assert_int_equal(og_crypto_master_key_import(dir2, "wrong passphrase!", 17, blob, blen),
                     OG_ECORRUPT);
    snprintf(path, sizeof(path), "%s/master.key", dir2);
    assert_int_equal(stat(path, &sb), -1); /* nothing written */
    assert_ok(og_crypto_master_key_import(dir2, PASS, strlen(PASS), blob, blen));
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(og_crypto_master_key_import(dir2, PASS, strlen(PASS), blob, blen),
                     OG_EEXISTS); /* never over a key */
    og_keyring *k2 = NULL;
    assert_ok(og_keyring_open(&k2, dir2));
    assert_ok(og_crypto_master_key_fits(k2, f->s));
    og_keyring_free(k2);
    /* another installation's key does not fit */
    snprintf(other, sizeof(other), "%s/other", f->dir);
    mkdir(other, 0700);
    assert_ok(og_crypto_master_key_create(other));
    assert_ok(og_keyring_open(&k2, other));
    assert_int_equal(og_crypto_master_key_fits(k2, f->s), OG_ECORRUPT);
    assert_non_null(strstr(og_error_last(), "another installation"));
    og_keyring_free(k2);
    /* install from a file kept apart */
    snprintf(other, sizeof(other), "%s/third", f->dir);
    mkdir(other, 0700);
    assert_ok(og_crypto_master_key_install(other, path));
    assert_ok(og_keyring_open(&k2, other));
    assert_ok(og_crypto_master_key_fits(k2, f->s));
    og_keyring_free(k2);
    free(blob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass__round_trip_and_format),
        cmocka_unit_test(test_pass__two_seals_differ),
        cmocka_unit_test(test_pass__refuses_wrong_pass_context_and_changes),
        cmocka_unit_test(test_pass__refuses_short_and_long_passphrases),
        cmocka_unit_test_setup_teardown(test_master_key__export_import_fits, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
