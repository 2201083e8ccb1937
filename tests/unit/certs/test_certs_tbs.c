/* test_certs_tbs.c - the TBS hash Certificate Transparency monitors give (RFC 6962 §3.2): the
 * same for a certificate, the same certificate with an embedded SCT list and its precertificate
 * (poison), another for another serial; and finding the inventory's certificate by it (the
 * validity must match, another tenant's is not found, a bad hash is refused). */
#include "og_test.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

/* A certificate of serial for tbs.example valid from yesterday for 20 days, with extension nid
 * (0: none) holding the DER bytes ext, signed by key. */
static X509 *make(EVP_PKEY *key, long serial, int nid, const unsigned char *ext, int extlen)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    ASN1_TIME_set(X509_getm_notBefore(x), 1765000000);
    ASN1_TIME_set(X509_getm_notAfter(x), 1765000000 + 20 * 86400);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"tbs.example", -1, -1,
                               0);
    X509_set_issuer_name(x, n);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:tbs.example");
    assert_non_null(san);
    X509_add_ext(x, san, -1);
    X509_EXTENSION_free(san);
    if (nid) {
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(os, ext, extlen);
        X509_EXTENSION *e =
            X509_EXTENSION_create_by_NID(NULL, nid, nid == NID_ct_precert_poison, os);
        assert_non_null(e);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
        ASN1_OCTET_STRING_free(os);
    }
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    return x;
}

static void tbs_of(X509 *x, char out[65], unsigned char **der, int *len)
{
    *der = NULL;
    *len = i2d_X509(x, der);
    assert_true(*len > 0);
    OG_ASSERT_OK(og_certs_tbs_sha256(*der, (size_t)*len, out));
}

static void test_tbs__same_for_certificate_scts_and_precertificate(void **state)
{
    og_test_env *env = *state;
    static const unsigned char null_der[] = {0x05, 0x00}, scts[] = {0x04, 0x02, 0x00, 0x00};
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *plain = make(k, 7, 0, NULL, 0), *with_scts = make(k, 7, NID_ct_precert_scts, scts, 4);
    X509 *pre = make(k, 7, NID_ct_precert_poison, null_der, 2), *other = make(k, 8, 0, NULL, 0);
    char h_plain[65], h_scts[65], h_pre[65], h_other[65], fp[65];
    unsigned char *d_plain, *d_scts, *d_pre, *d_other;
    int l_plain, l_scts, l_pre, l_other;
    tbs_of(plain, h_plain, &d_plain, &l_plain);
    tbs_of(with_scts, h_scts, &d_scts, &l_scts);
    tbs_of(pre, h_pre, &d_pre, &l_pre);
    tbs_of(other, h_other, &d_other, &l_other);
    assert_string_equal(h_plain, h_scts);
    assert_string_equal(h_plain, h_pre);
    assert_string_not_equal(h_plain, h_other);
    assert_int_equal(strlen(h_plain), 64);
    /* not the certificate's own digest */
    og_cert_info ci;
    OG_ASSERT_OK(og_certs_parse_der(&ci, d_scts, (size_t)l_scts));
    assert_string_not_equal(ci.fingerprint, h_scts);
    /* the inventory holds the certificate with SCTs: found by its precertificate's TBS hash */
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, with_scts);
    char *pem = NULL;
    long plen = BIO_get_mem_data(b, &pem);
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "t.pem", pem, (size_t)plen, NULL));
    BIO_free(b);
    assert_int_equal(
        og_certs_find_tbs(&env->ctx, "acme", h_pre, ci.not_before_us, ci.not_after_us, fp), 1);
    assert_string_equal(fp, ci.fingerprint);
    /* upper-case hex is the same hash */
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(h_pre[i] >= 'a' && h_pre[i] <= 'f' ? h_pre[i] - 32 : h_pre[i]);
    assert_int_equal(
        og_certs_find_tbs(&env->ctx, "acme", upper, ci.not_before_us, ci.not_after_us, fp), 1);
    /* another validity, another serial's hash, another tenant: none */
    assert_int_equal(og_certs_find_tbs(&env->ctx, "acme", h_pre, ci.not_before_us,
                                       ci.not_after_us + 1000000, fp),
                     0);
    assert_string_equal(fp, "");
    assert_int_equal(
        og_certs_find_tbs(&env->ctx, "acme", h_other, ci.not_before_us, ci.not_after_us, fp), 0);
    assert_int_equal(
        og_certs_find_tbs(&env->ctx, "globex", h_pre, ci.not_before_us, ci.not_after_us, fp), 0);
    assert_int_equal(
        og_certs_find_tbs(&env->ctx, "nosuch", h_pre, ci.not_before_us, ci.not_after_us, fp),
        OG_ENOTFOUND);
    assert_int_equal(
        og_certs_find_tbs(&env->ctx, "acme", "abc", ci.not_before_us, ci.not_after_us, fp),
        OG_EINVAL);
    /* not a certificate */
    assert_int_equal(og_certs_tbs_sha256("junk", 4, h_other), OG_EINVAL);
    assert_int_equal(og_certs_tbs_sha256(d_plain, (size_t)l_plain - 1, h_other), OG_EINVAL);
    og_error_clear();
    og_cert_info_clear(&ci);
    OPENSSL_free(d_plain);
    OPENSSL_free(d_scts);
    OPENSSL_free(d_pre);
    OPENSSL_free(d_other);
    X509_free(plain);
    X509_free(with_scts);
    X509_free(pre);
    X509_free(other);
    EVP_PKEY_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tbs__same_for_certificate_scts_and_precertificate,
                                        og_test_env_two_tenants, og_test_env_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
