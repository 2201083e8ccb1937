/* test_primitives.c - SHA-256 (NIST), HMAC-SHA256 (RFC 4231), Ed25519 (RFC 8032), randomness and
 * wiping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

static void assert_hex(const uint8_t *got, size_t len, const char *want_hex)
{
    char hex[2 * 64 + 1];
    assert_true(len <= 64);
    og_hex_encode(got, len, hex);
    assert_string_equal(hex, want_hex);
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    int n = og_hex_decode(hex, out, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

/* ---- SHA-256: FIPS 180-2 / NIST CAVP examples ---- */
static void test_crypto_sha256__matches_nist_vectors(void **state)
{
    (void)state;
    uint8_t d[32];
    og_crypto_sha256("abc", 3, d);
    assert_hex(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    og_crypto_sha256("", 0, d);
    assert_hex(d, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    og_crypto_sha256(NULL, 0, d);
    assert_hex(d, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    og_crypto_sha256(m, strlen(m), d);
    assert_hex(d, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256__incremental_matches_one_million_a(void **state)
{
    (void)state;
    uint8_t d[32];
    char a[1000];
    memset(a, 'a', sizeof(a));
    og_sha256 *h = og_sha256_new();
    assert_non_null(h);
    for (int i = 0; i < 1000; i++)
        og_sha256_update(h, a, sizeof(a));
    og_sha256_final(h, d);
    assert_hex(d, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256__incremental_equals_one_shot_at_every_split(void **state)
{
    (void)state;
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    size_t n = strlen(m);
    uint8_t want[32], got[32];
    og_crypto_sha256(m, n, want);
    for (size_t cut = 0; cut <= n; cut++) {
        og_sha256 *h = og_sha256_new();
        assert_non_null(h);
        og_sha256_update(h, m, cut);
        og_sha256_update(h, m + cut, n - cut);
        og_sha256_final(h, got);
        assert_memory_equal(got, want, 32);
    }
    og_sha256_free(og_sha256_new()); /* abandoning a hash does not leak */
    og_sha256_free(NULL);
}

/* ---- HMAC-SHA256: RFC 4231 test cases 1-7 ---- */
static void test_crypto_hmac_sha256__matches_rfc4231_vectors(void **state)
{
    (void)state;
    uint8_t key[131], data[152], mac[32];
    size_t klen, dlen;

    memset(key, 0x0b, 20);
    assert_int_equal(og_crypto_hmac_sha256(key, 20, "Hi There", 8, mac), 0);
    assert_hex(mac, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    assert_int_equal(og_crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac), 0);
    assert_hex(mac, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    memset(key, 0xaa, 20);
    memset(data, 0xdd, 50);
    assert_int_equal(og_crypto_hmac_sha256(key, 20, data, 50, mac), 0);
    assert_hex(mac, 32, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

    klen = unhex("0102030405060708090a0b0c0d0e0f10111213141516171819", key, sizeof(key));
    memset(data, 0xcd, 50);
    assert_int_equal(og_crypto_hmac_sha256(key, klen, data, 50, mac), 0);
    assert_hex(mac, 32, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");

    /* Test case 5 is truncated to 128 bits. */
    memset(key, 0x0c, 20);
    assert_int_equal(og_crypto_hmac_sha256(key, 20, "Test With Truncation", 20, mac), 0);
    assert_hex(mac, 16, "a3b6167473100ee06e0c796c2955552b");

    memset(key, 0xaa, 131);
    const char *d6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    assert_int_equal(og_crypto_hmac_sha256(key, 131, d6, strlen(d6), mac), 0);
    assert_hex(mac, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

    const char *d7 = "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the HMAC "
                     "algorithm.";
    dlen = strlen(d7);
    assert_int_equal(og_crypto_hmac_sha256(key, 131, d7, dlen, mac), 0);
    assert_hex(mac, 32, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* ---- Ed25519: RFC 8032 section 7.1, TEST 1 ---- */
#define RFC8032_SK "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define RFC8032_PK "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define RFC8032_SIG                                                                                \
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9" \
    "b"                                                                                            \
    "46bd25bf5f0595bbe24655141438e7a100b"

static void test_crypto_ed25519__signs_rfc8032_test_vector_1(void **state)
{
    (void)state;
    uint8_t sk[32], pk[32], want_pk[32], sig[64], want_sig[64];
    unhex(RFC8032_SK, sk, sizeof(sk));
    unhex(RFC8032_PK, want_pk, sizeof(want_pk));
    unhex(RFC8032_SIG, want_sig, sizeof(want_sig));
    assert_int_equal(og_crypto_ed25519_public(sk, pk), 0);
    assert_memory_equal(pk, want_pk, 32);
    /* The message of test 1 is empty. */
    assert_int_equal(og_crypto_ed25519_sign(sk, "", 0, sig), 0);
    assert_memory_equal(sig, want_sig, 64);
    assert_int_equal(og_crypto_ed25519_verify(pk, "", 0, want_sig), 0);
    assert_int_equal(og_crypto_ed25519_verify(pk, NULL, 0, want_sig), 0);
}

static void test_crypto_ed25519_verify__fails_for_a_flipped_bit(void **state)
{
    (void)state;
    uint8_t pk[32], sig[64];
    unhex(RFC8032_PK, pk, sizeof(pk));
    unhex(RFC8032_SIG, sig, sizeof(sig));
    for (size_t i = 0; i < 64; i++) {
        sig[i] ^= 0x01;
        assert_int_equal(og_crypto_ed25519_verify(pk, "", 0, sig), OG_ECORRUPT);
        sig[i] ^= 0x01;
    }
    pk[0] ^= 0x01;
    assert_int_equal(og_crypto_ed25519_verify(pk, "", 0, sig), OG_ECORRUPT);
    pk[0] ^= 0x01;
    /* Another message. */
    assert_int_equal(og_crypto_ed25519_verify(pk, "\x00", 1, sig), OG_ECORRUPT);
    assert_string_equal(og_error_last(), "Ed25519 signature does not verify");
    assert_int_equal(og_crypto_ed25519_verify(pk, "", 0, sig), 0);
}

static void test_crypto_ed25519__generated_keys_sign_and_verify(void **state)
{
    (void)state;
    uint8_t sk[32], pk[32], sk2[32], pk2[32], sig[64];
    const char *msg = "audit checkpoint 42";
    assert_int_equal(og_crypto_ed25519_generate(sk, pk), 0);
    assert_int_equal(og_crypto_ed25519_generate(sk2, pk2), 0);
    assert_memory_not_equal(sk, sk2, 32);
    assert_int_equal(og_crypto_ed25519_sign(sk, msg, strlen(msg), sig), 0);
    assert_int_equal(og_crypto_ed25519_verify(pk, msg, strlen(msg), sig), 0);
    assert_int_equal(og_crypto_ed25519_verify(pk2, msg, strlen(msg), sig), OG_ECORRUPT);
    uint8_t again[32];
    assert_int_equal(og_crypto_ed25519_public(sk, again), 0);
    assert_memory_equal(again, pk, 32);
}

/* ---- randomness and wiping ---- */
static void test_crypto_random__fills_distinct_buffers(void **state)
{
    (void)state;
    uint8_t a[64] = {0}, b[64] = {0}, zero[64] = {0};
    assert_int_equal(og_crypto_random(a, sizeof(a)), 0);
    assert_int_equal(og_crypto_random(b, sizeof(b)), 0);
    assert_memory_not_equal(a, zero, sizeof(a));
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(og_crypto_random(NULL, 0), 0);
}

static void test_crypto_wipe__zeroes_memory(void **state)
{
    (void)state;
    uint8_t buf[40], zero[40] = {0};
    memset(buf, 0xa5, sizeof(buf));
    og_crypto_wipe(buf, sizeof(buf));
    assert_memory_equal(buf, zero, sizeof(buf));
    og_crypto_wipe(NULL, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crypto_sha256__matches_nist_vectors),
        cmocka_unit_test(test_sha256__incremental_matches_one_million_a),
        cmocka_unit_test(test_sha256__incremental_equals_one_shot_at_every_split),
        cmocka_unit_test(test_crypto_hmac_sha256__matches_rfc4231_vectors),
        cmocka_unit_test(test_crypto_ed25519__signs_rfc8032_test_vector_1),
        cmocka_unit_test(test_crypto_ed25519_verify__fails_for_a_flipped_bit),
        cmocka_unit_test(test_crypto_ed25519__generated_keys_sign_and_verify),
        cmocka_unit_test(test_crypto_random__fills_distinct_buffers),
        cmocka_unit_test(test_crypto_wipe__zeroes_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
