/* test_acme_ari.c - renewal timing: the ARI window choice (RFC 9773), the 2/3 fallback with
 * jitter, renewalInfo parsing and the CertID of a certificate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "og_test.h"
#include "opsgate/acme.h"
#include "opsgate/error.h"

#define DAY ((int64_t)86400 * 1000000)

static void test_acme_ari__picks_inside_the_window(void **state)
{
    (void)state;
    int64_t start = 100 * DAY, end = 102 * DAY, now = 50 * DAY, t = 0;
    OG_ASSERT_OK(og_acme_ari_pick(start, end, now, 0, &t));
    assert_true(t == start);
    OG_ASSERT_OK(og_acme_ari_pick(start, end, now, UINT64_MAX, &t));
    assert_true(t >= start && t < end);
    /* spread: many draws fill both halves of the window */
    int low = 0, high = 0;
    for (uint64_t r = 1; r < 2000; r++) {
        uint64_t rnd = r * 0x9E3779B97F4A7C15ull;
        OG_ASSERT_OK(og_acme_ari_pick(start, end, now, rnd, &t));
        assert_true(t >= start && t < end);
        if (t < start + DAY)
            low++;
        else
            high++;
    }
    assert_true(low > 800 && high > 800);
}

static void test_acme_ari__a_past_window_means_now(void **state)
{
    (void)state;
    int64_t t = 0;
    OG_ASSERT_OK(og_acme_ari_pick(10 * DAY, 11 * DAY, 20 * DAY, 12345, &t));
    assert_true(t == 20 * DAY);
    /* a window that started but has not ended: still a point inside it */
    OG_ASSERT_OK(og_acme_ari_pick(10 * DAY, 12 * DAY, 11 * DAY, 0, &t));
    assert_true(t == 10 * DAY);
}

static void test_acme_ari__an_empty_or_inverted_window_is_refused(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_int_equal(og_acme_ari_pick(5 * DAY, 5 * DAY, 0, 1, &t), OG_EINVAL);
    assert_int_equal(og_acme_ari_pick(6 * DAY, 5 * DAY, 0, 1, &t), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "window"));
}

static void test_acme_ari__fallback_is_two_thirds_with_jitter(void **state)
{
    (void)state;
    int64_t nb = 1000 * DAY, na = nb + 90 * DAY;
    assert_true(og_acme_renew_fallback(nb, na, 0) == nb + 60 * DAY);
    int64_t t = og_acme_renew_fallback(nb, na, UINT64_MAX);
    assert_true(t <= nb + 60 * DAY && t > nb + 57 * DAY); /* jitter at most 1/30 = 3 days */
    /* 6-day certificates renew on day 4 */
    assert_true(og_acme_renew_fallback(0, 6 * DAY, 0) == 4 * DAY);
    /* a nonsense lifetime does not go negative */
    assert_true(og_acme_renew_fallback(nb, nb - 1, 7) == nb);
}

static void test_acme_ari__renewal_info_parses(void **state)
{
    (void)state;
    int64_t s = 0, e = 0, want = 0;
    const char *ok = "{\"suggestedWindow\":{\"start\":\"2026-01-02T04:00:00Z\","
                     "\"end\":\"2026-01-03T04:00:00Z\"},\"explanationURL\":\"https://x\"}";
    OG_ASSERT_OK(og_acme_ari_parse(ok, strlen(ok), &s, &e));
    OG_ASSERT_OK(og_time_parse("2026-01-02T04:00:00Z", &want));
    assert_true(s == want && e == want + DAY);
    const char *bad[] = {
        "",
        "[]",
        "{}",
        "{\"suggestedWindow\":{}}",
        "{\"suggestedWindow\":{\"start\":\"2026-01-02T04:00:00Z\"}}",
        "{\"suggestedWindow\":{\"start\":\"yesterday\",\"end\":\"2026-01-03T04:00:00Z\"}}",
        "{\"suggestedWindow\":{\"start\":\"2026-01-03T04:00:00Z\",\"end\":\"2026-01-02T04:00:00Z\"}"
        "}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(og_acme_ari_parse(bad[i], strlen(bad[i]), &s, &e), OG_EINVAL);
    assert_int_equal(og_acme_ari_parse(NULL, 0, &s, &e), OG_EINVAL);
}

/* A certificate with the AKI and serial of RFC 9773 §4.1's example. */
static int make_cert(uint8_t **der, int with_aki)
{
    static const uint8_t kid[] = {0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3,
                                  0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4};
    X509 *x = X509_new();
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIGNUM *bn = NULL;
    BN_hex2bn(&bn, "87654321");
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, k);
    if (with_aki) {
        AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();
        aki->keyid = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(aki->keyid, kid, sizeof(kid));
        X509_add1_ext_i2d(x, NID_authority_key_identifier, aki, 0, X509V3_ADD_DEFAULT);
        AUTHORITY_KEYID_free(aki);
    }
    X509_sign(x, k, EVP_sha256());
    *der = NULL;
    int len = i2d_X509(x, der);
    BN_free(bn);
    EVP_PKEY_free(k);
    X509_free(x);
    return len;
}

static void test_acme_ari__cert_id_matches_rfc9773_example(void **state)
{
    (void)state;
    uint8_t *der = NULL;
    char id[256];
    int len = make_cert(&der, 1);
    OG_ASSERT_OK(og_acme_ari_cert_id(der, (size_t)len, id));
    assert_string_equal(id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
    OPENSSL_free(der);
    len = make_cert(&der, 0);
    assert_int_equal(og_acme_ari_cert_id(der, (size_t)len, id), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "Authority Key Identifier"));
    OPENSSL_free(der);
    assert_int_equal(og_acme_ari_cert_id((const uint8_t *)"junk", 4, id), OG_EINVAL);
}

static void test_acme_reason__names_map_to_rfc5280_codes(void **state)
{
    (void)state;
    int c = -1;
    OG_ASSERT_OK(og_acme_reason_parse("keyCompromise", &c));
    assert_int_equal(c, 1);
    OG_ASSERT_OK(og_acme_reason_parse("superseded", &c));
    assert_int_equal(c, 4);
    assert_int_equal(og_acme_reason_parse("bogus", &c), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "bogus"));
    /* face-neutral: the library names the setting, a face says how to give it (CLI: --reason) */
    assert_null(strstr(og_error_last(), "--"));
    assert_string_equal(og_error_detail(), OG_ACME_DETAIL_SETTING);
    assert_string_equal(og_error_detail_arg(), "reason");
    assert_int_equal(og_acme_reason_parse(NULL, &c), OG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acme_ari__picks_inside_the_window),
        cmocka_unit_test(test_acme_ari__a_past_window_means_now),
        cmocka_unit_test(test_acme_ari__an_empty_or_inverted_window_is_refused),
        cmocka_unit_test(test_acme_ari__fallback_is_two_thirds_with_jitter),
        cmocka_unit_test(test_acme_ari__renewal_info_parses),
        cmocka_unit_test(test_acme_ari__cert_id_matches_rfc9773_example),
        cmocka_unit_test(test_acme_reason__names_map_to_rfc5280_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
