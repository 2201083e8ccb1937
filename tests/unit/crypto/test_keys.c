/* test_keys.c - asymmetric keys of crypto.h: types, PEM and DER, JWK, JWS signatures, CSRs,
 * self-signed certificates and the key-matches-certificate check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "og_test.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

static void test_crypto_keys__types_round_trip_through_pem(void **state)
{
    (void)state;
    const char *types[] = {"ec256", "ec384", "rsa2048"};
    for (size_t i = 0; i < 3; i++) {
        og_crypto_key *k = NULL, *back = NULL;
        char *pem = NULL, *jwk = NULL, *jwk2 = NULL;
        size_t len = 0;
        OG_ASSERT_OK(og_crypto_key_generate(&k, types[i]));
        assert_string_equal(og_crypto_key_type(k), types[i]);
        OG_ASSERT_OK(og_crypto_key_to_pem(k, &pem, &len));
        assert_int_equal(strlen(pem), len);
        assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
        OG_ASSERT_OK(og_crypto_key_from_pem(&back, pem, len));
        assert_string_equal(og_crypto_key_type(back), types[i]);
        OG_ASSERT_OK(og_crypto_key_jwk(k, &jwk));
        OG_ASSERT_OK(og_crypto_key_jwk(back, &jwk2));
        assert_string_equal(jwk, jwk2);
        og_crypto_wipe(pem, len);
        free(pem);
        free(jwk);
        free(jwk2);
        og_crypto_key_free(k);
        og_crypto_key_free(back);
    }
    og_crypto_key_free(NULL);
    og_crypto_key *none = NULL;
    assert_int_equal(og_crypto_key_type_check("ed25519"), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "'ed25519'"));
    assert_int_equal(og_crypto_key_from_pem(&none, "-----BEGIN PRIVATE KEY-----\n", 28),
                     OG_ECORRUPT);
    assert_null(none);
    assert_null(og_crypto_key_type(NULL));
}

static void test_crypto_keys__es256_signature_is_raw_r_and_s(void **state)
{
    (void)state;
    og_crypto_key *k = NULL;
    uint8_t *sig = NULL;
    size_t siglen = 0;
    OG_ASSERT_OK(og_crypto_key_generate(&k, "ec256"));
    OG_ASSERT_OK(og_crypto_key_sign(k, "abc", 3, &sig, &siglen));
    assert_int_equal(siglen, 64);
    free(sig);
    og_crypto_key_free(k);
    OG_ASSERT_OK(og_crypto_key_generate(&k, "ec384"));
    OG_ASSERT_OK(og_crypto_key_sign(k, "abc", 3, &sig, &siglen));
    assert_int_equal(siglen, 96);
    free(sig);
    og_crypto_key_free(k);
    OG_ASSERT_OK(og_crypto_key_generate(&k, "rsa2048"));
    OG_ASSERT_OK(og_crypto_key_sign(k, "abc", 3, &sig, &siglen));
    assert_int_equal(siglen, 256);
    free(sig);
    og_crypto_key_free(k);
}

/* The SubjectPublicKeyInfo of a CSR (an EC key's is set from its point and curve, not through
 * OpenSSL's encoders) is byte for byte that of a certificate made the general way, and the CSR
 * verifies under it; for each key type. */
static void test_crypto_keys__csr_public_key_is_the_certificates(void **state)
{
    (void)state;
    static const char *const types[] = {"ec256", "ec384", "rsa2048"};
    const char *names[] = {"a.example.test"};
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        og_crypto_key *k = NULL;
        uint8_t *csr = NULL, *crt = NULL;
        size_t csr_len = 0, crt_len = 0;
        unsigned char *a = NULL, *b = NULL;
        OG_ASSERT_OK(og_crypto_key_generate(&k, types[t]));
        OG_ASSERT_OK(og_crypto_csr_build(k, names, 1, &csr, &csr_len));
        OG_ASSERT_OK(og_crypto_cert_selfsigned(k, names[0], NULL, NULL, 0, &crt, &crt_len));
        const uint8_t *p = csr, *q = crt;
        X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)csr_len);
        X509 *x = d2i_X509(NULL, &q, (long)crt_len);
        assert_non_null(req);
        assert_non_null(x);
        assert_int_equal(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
        int alen = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(req), &a);
        int blen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &b);
        assert_true(alen > 0);
        assert_int_equal(alen, blen);
        assert_memory_equal(a, b, (size_t)alen);
        assert_true(og_crypto_key_matches_x509(k, x));
        OPENSSL_free(a);
        OPENSSL_free(b);
        X509_REQ_free(req);
        X509_free(x);
        free(csr);
        free(crt);
        og_crypto_key_free(k);
    }
}

static void test_crypto_keys__csr_and_selfsigned_certificate_carry_the_key(void **state)
{
    (void)state;
    og_crypto_key *k = NULL, *other = NULL;
    uint8_t *der = NULL, *key_der = NULL;
    size_t len = 0, key_len = 0;
    const char *names[] = {"a.example.test", "2001:db8::1"};
    OG_ASSERT_OK(og_crypto_key_generate(&k, "ec256"));
    OG_ASSERT_OK(og_crypto_key_generate(&other, "ec256"));
    OG_ASSERT_OK(og_crypto_csr_build(k, names, 2, &der, &len));
    const uint8_t *p = der;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
    assert_non_null(req);
    X509_REQ_free(req);
    free(der);
    assert_int_equal(og_crypto_csr_build(k, names, 0, &der, &len), OG_EINVAL);
    assert_null(der);

    /* an IP literal becomes an IP SAN; the certificate matches its own key only */
    OG_ASSERT_OK(og_crypto_cert_selfsigned(k, "192.0.2.9", NULL, NULL, 0, &der, &len));
    p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    assert_non_null(x);
    assert_int_equal(X509_check_ip_asc(x, "192.0.2.9", 0), 1);
    assert_true(og_crypto_key_matches_x509(k, x));
    assert_false(og_crypto_key_matches_x509(other, x));
    assert_false(og_crypto_key_matches_x509(k, NULL));
    X509_free(x);
    assert_true(og_crypto_key_matches_cert(k, der, len));
    assert_false(og_crypto_key_matches_cert(other, der, len));
    assert_false(og_crypto_key_matches_cert(k, "junk", 4));
    free(der);

    /* the DER form loads as the same key */
    OG_ASSERT_OK(og_crypto_key_to_der(k, &key_der, &key_len));
    p = key_der;
    EVP_PKEY *pk = d2i_AutoPrivateKey(NULL, &p, (long)key_len);
    assert_non_null(pk);
    EVP_PKEY_free(pk);
    og_crypto_wipe(key_der, key_len);
    free(key_der);
    og_crypto_key_free(k);
    og_crypto_key_free(other);
}

/* An RSA key under 2048 bits is none of the types (it was "rsa2048", so ACME took an imported
 * 1024-bit account key; found by fuzz_acme_jws). */
static void test_crypto_keys__rsa_under_2048_bits_has_no_type(void **state)
{
    (void)state;
    EVP_PKEY *weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    og_crypto_key *k = NULL;
    assert_non_null(weak);
    assert_int_equal(PEM_write_bio_PrivateKey(b, weak, NULL, NULL, 0, NULL, NULL), 1);
    long n = BIO_get_mem_data(b, &pem);
    OG_ASSERT_OK(og_crypto_key_from_pem(&k, pem, (size_t)n));
    assert_null(og_crypto_key_type(k));
    og_crypto_key_free(k);
    BIO_free(b);
    EVP_PKEY_free(weak);
}

/* og_crypto_pkcs8_decode: the same key as OpenSSL's general reader for each algorithm it knows
 * (EC, RSA, Ed25519), NULL for an unknown algorithm, trailing bytes, a truncated body or
 * garbage; og_crypto_key_from_pem still reads what it does not (traditional "EC PRIVATE KEY"). */
static void test_crypto_keys__pkcs8_decode_matches_the_general_reader(void **state)
{
    (void)state;
    EVP_PKEY *keys[] = {EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"),
                        EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048),
                        EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"),
                        EVP_PKEY_Q_keygen(NULL, NULL, "X25519")};
    for (size_t i = 0; i < 4; i++) {
        assert_non_null(keys[i]);
        unsigned char *der = NULL;
        PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(keys[i]);
        assert_non_null(p8);
        int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
        assert_true(n > 0);
        EVP_PKEY *got = og_crypto_pkcs8_decode(der, (size_t)n);
        if (i == 3) { /* X25519: not one it knows, the general reader's */
            assert_null(got);
        } else {
            assert_non_null(got);
            assert_int_equal(EVP_PKEY_eq(got, keys[i]), 1);
            assert_int_equal(EVP_PKEY_get_base_id(got), EVP_PKEY_get_base_id(keys[i]));
            /* private halves too: the same PKCS#8 again */
            unsigned char *again = NULL;
            PKCS8_PRIV_KEY_INFO *p8b = EVP_PKEY2PKCS8(got);
            assert_int_equal(i2d_PKCS8_PRIV_KEY_INFO(p8b, &again), n);
            assert_memory_equal(again, der, (size_t)n);
            OPENSSL_free(again);
            PKCS8_PRIV_KEY_INFO_free(p8b);
            EVP_PKEY_free(got);
            unsigned char *longer = malloc((size_t)n + 1);
            assert_non_null(longer);
            memcpy(longer, der, (size_t)n);
            longer[n] = 0;
            assert_null(og_crypto_pkcs8_decode(longer, (size_t)n + 1));
            assert_null(og_crypto_pkcs8_decode(der, (size_t)n - 1));
            free(longer);
        }
        PKCS8_PRIV_KEY_INFO_free(p8);
        OPENSSL_free(der);
        EVP_PKEY_free(keys[i]);
    }
    assert_null(og_crypto_pkcs8_decode("garbage", 7));
    assert_null(og_crypto_pkcs8_decode("", 0));
    /* a traditional EC key PEM is not PKCS#8: from_pem reads it the general way */
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    og_crypto_key *k = NULL;
    assert_int_equal(PEM_write_bio_PrivateKey_traditional(b, ec, NULL, NULL, 0, NULL, NULL), 1);
    long len = BIO_get_mem_data(b, &pem);
    assert_non_null(strstr(pem, "BEGIN EC PRIVATE KEY"));
    OG_ASSERT_OK(og_crypto_key_from_pem(&k, pem, (size_t)len));
    assert_string_equal(og_crypto_key_type(k), "ec256");
    og_crypto_key_free(k);
    BIO_free(b);
    EVP_PKEY_free(ec);
}

/* PKCS#8 of an RFC 5915 ECPrivateKey for P-256 written here: d, then the curve's [0] when
 * params, then the [1] point pub when given (OpenSSL writes no [0] and always [1]). */
static int ec_p8(const unsigned char d[32], int params, const unsigned char *pub, size_t publen,
                 unsigned char **der)
{
    static const unsigned char oid[] = {0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                        0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    unsigned char *b = OPENSSL_malloc(200);
    size_t n = 0;
    assert_non_null(b);
    memcpy(b, "\x30\x00\x02\x01\x01\x04\x20", 7);
    memcpy(b + 7, d, 32);
    n = 39;
    if (params) {
        memcpy(b + n, oid, sizeof(oid));
        n += sizeof(oid);
    }
    if (pub) {
        b[n++] = 0xa1;
        b[n++] = (unsigned char)(publen + 3);
        b[n++] = 0x03;
        b[n++] = (unsigned char)(publen + 1);
        b[n++] = 0x00;
        memcpy(b + n, pub, publen);
        n += publen;
    }
    b[1] = (unsigned char)(n - 2);
    PKCS8_PRIV_KEY_INFO *p8 = PKCS8_PRIV_KEY_INFO_new();
    assert_non_null(p8);
    assert_int_equal(PKCS8_pkey_set0(p8, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), 0, V_ASN1_OBJECT,
                                     OBJ_nid2obj(NID_X9_62_prime256v1), b, (int)n),
                     1);
    int len = i2d_PKCS8_PRIV_KEY_INFO(p8, der);
    PKCS8_PRIV_KEY_INFO_free(p8);
    assert_true(len > 0);
    return len;
}

/* og_crypto_pkcs8_decode's EC keys (built from scalar and point, the decoder for other forms):
 * P-384 and P-521 the same key as generated; a P-256 key without its point or with its own
 * [0] curve still decodes to the same key (the decoder's way); a point off the curve or of the
 * wrong length gives NULL. */
static void test_crypto_keys__pkcs8_ec_keys_from_scalar_and_point(void **state)
{
    (void)state;
    const char *curves[] = {"P-384", "P-521"};
    for (size_t i = 0; i < 2; i++) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i]);
        unsigned char *der = NULL;
        PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
        int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
        EVP_PKEY *got = og_crypto_pkcs8_decode(der, (size_t)n);
        assert_non_null(got);
        assert_int_equal(EVP_PKEY_eq(got, k), 1);
        BIGNUM *a = NULL, *b = NULL;
        assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &a), 1);
        assert_int_equal(EVP_PKEY_get_bn_param(got, OSSL_PKEY_PARAM_PRIV_KEY, &b), 1);
        assert_int_equal(BN_cmp(a, b), 0);
        BN_free(a);
        BN_free(b);
        EVP_PKEY_free(got);
        OPENSSL_free(der);
        PKCS8_PRIV_KEY_INFO_free(p8);
        EVP_PKEY_free(k);
    }
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIGNUM *priv = NULL;
    unsigned char d[32], pub[65];
    size_t publen = 0;
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &priv), 1);
    assert_int_equal(BN_bn2binpad(priv, d, 32), 32);
    BN_clear_free(priv);
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &publen), 1);
    assert_int_equal(publen, 65);
    struct {
        const unsigned char *d;
        int params;
        const unsigned char *pub;
        size_t publen;
        int same; /* 1: the generated key, 0: NULL */
    } cases[] = {{d, 0, pub, 65, 1},
                 {d, 0, NULL, 0, 1},
                 {d, 1, pub, 65, 1},
                 {d, 0, pub, 64, 0},
                 {d, 0, pub, 65, 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char *der = NULL, badpub[65];
        memcpy(badpub, pub, sizeof(badpub));
        if (i == 4)
            badpub[64] ^= 1; /* off the curve */
        int n = ec_p8(cases[i].d, cases[i].params, i == 4 ? badpub : cases[i].pub, cases[i].publen,
                      &der);
        EVP_PKEY *got = og_crypto_pkcs8_decode(der, (size_t)n);
        if (cases[i].same) {
            assert_non_null(got);
            assert_int_equal(EVP_PKEY_eq(got, k), 1);
            og_crypto_key *ck = NULL;
            BIO *bio = BIO_new(BIO_s_mem());
            assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, got, NULL, NULL, 0, NULL, NULL), 1);
            char *pem = NULL;
            long len = BIO_get_mem_data(bio, &pem);
            OG_ASSERT_OK(og_crypto_key_from_pem(&ck, pem, (size_t)len));
            assert_string_equal(og_crypto_key_type(ck), "ec256");
            og_crypto_key_free(ck);
            BIO_free(bio);
        } else {
            assert_null(got);
        }
        EVP_PKEY_free(got);
        OPENSSL_free(der);
    }
    EVP_PKEY_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crypto_keys__types_round_trip_through_pem),
        cmocka_unit_test(test_crypto_keys__es256_signature_is_raw_r_and_s),
        cmocka_unit_test(test_crypto_keys__csr_and_selfsigned_certificate_carry_the_key),
        cmocka_unit_test(test_crypto_keys__csr_public_key_is_the_certificates),
        cmocka_unit_test(test_crypto_keys__rsa_under_2048_bits_has_no_type),
        cmocka_unit_test(test_crypto_keys__pkcs8_decode_matches_the_general_reader),
        cmocka_unit_test(test_crypto_keys__pkcs8_ec_keys_from_scalar_and_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
