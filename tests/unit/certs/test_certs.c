/* test_certs.c - X.509 parsing, findings, chain checks, targets, import and expiry alerts, on
 * certificates generated here with OpenSSL (nothing is read from disk). */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S 86400L

typedef struct spec {
    const char *cn;
    const char *san;   /* "DNS:localhost,IP:127.0.0.1" or NULL */
    int rsa_bits;      /* 0 = EC P-256 */
    const EVP_MD *md;  /* NULL = SHA-256 */
    long from_s, to_s; /* validity relative to now */
    int ca;
} spec;

static EVP_PKEY *keygen(int rsa_bits)
{
    if (rsa_bits)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsa_bits);
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    assert_non_null(e);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

/* Make a certificate; signed by (issuer, ikey), or self-signed when issuer is NULL. */
static X509 *make_cert(const spec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
    static long serial = 1000;
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), s->from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), s->to_s);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    add_ext(x, issuer ? issuer : x, NID_basic_constraints, s->ca ? "critical,CA:TRUE" : "CA:FALSE");
    add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash");
    if (s->san)
        add_ext(x, issuer ? issuer : x, NID_subject_alt_name, s->san);
    if (!s->ca) {
        add_ext(x, issuer ? issuer : x, NID_info_access,
                "OCSP;URI:http://ocsp.example/,caIssuers;URI:http://ca.example/i.crt");
        add_ext(x, issuer ? issuer : x, NID_crl_distribution_points,
                "URI:http://crl.example/c.crl");
    }
    assert_true(X509_sign(x, issuer ? ikey : key, s->md ? s->md : EVP_sha256()) > 0);
    return x;
}

static size_t der_of(X509 *x, unsigned char **out)
{
    *out = NULL;
    int len = i2d_X509(x, out);
    assert_true(len > 0);
    return (size_t)len;
}

static char *pem_of(X509 *x, EVP_PKEY *key)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    if (key)
        PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
    char *p = NULL;
    long len = BIO_get_mem_data(b, &p);
    char *out = strndup(p, (size_t)len);
    BIO_free(b);
    return out;
}

static unsigned findings_of(X509 *x, og_cert_info *ci)
{
    unsigned char *der;
    size_t len = der_of(x, &der);
    OG_ASSERT_OK(og_certs_parse_der(ci, der, len));
    OPENSSL_free(der);
    return ci->findings;
}

/* ---- pure functions ---- */

static void test_max_validity__follows_the_cab_forum_dates(void **state)
{
    (void)state;
    int64_t us;
    struct {
        const char *date;
        int days;
    } cases[] = {
        {"2017-06-01", 1185}, {"2018-03-01", 825}, {"2020-08-31", 825}, {"2020-09-01", 398},
        {"2026-03-14", 398},  {"2026-03-15", 200}, {"2027-03-14", 200}, {"2027-03-15", 100},
        {"2029-03-14", 100},  {"2029-03-15", 47},  {"2035-01-01", 47},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        OG_ASSERT_OK(og_time_parse(cases[i].date, &us));
        if (og_certs_max_validity_days(us) != cases[i].days)
            fail_msg("%s: %d, want %d", cases[i].date, og_certs_max_validity_days(us),
                     cases[i].days);
    }
}

static void test_findings__names_round_trip(void **state)
{
    (void)state;
    unsigned bit;
    for (int i = 0; i < OG_CERT_NFINDINGS; i++) {
        const char *n = og_certs_finding_name(1u << i);
        assert_non_null(n);
        OG_ASSERT_OK(og_certs_finding_parse(n, &bit));
        assert_int_equal(bit, 1u << i);
    }
    assert_int_equal(og_certs_finding_parse("pretty", &bit), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "pretty"));
}

static void test_ports__lists_ranges_and_bad_values(void **state)
{
    (void)state;
    uint16_t *p = NULL;
    size_t n = 0;
    OG_ASSERT_OK(og_certs_ports_parse("443,8000-8002,443", &p, &n));
    assert_int_equal(n, 4);
    assert_int_equal(p[0], 443);
    assert_int_equal(p[3], 8002);
    free(p);
    const char *bad[] = {"0", "65536", "80,", "a", "90-80", "1,,2", NULL};
    for (size_t i = 0; bad[i]; i++) {
        assert_int_equal(og_certs_ports_parse(bad[i], &p, &n), OG_EINVAL);
        assert_non_null(strstr(og_error_last(), bad[i]));
    }
}

static void test_targets__kinds_counts_and_caps(void **state)
{
    (void)state;
    og_certs_targets *t = NULL;
    const char *good[] = {"example.com:443", "10.0.0.0/30", "host.example", "[::1]:8443", "::1"};
    uint16_t ports[] = {443, 8443};
    OG_ASSERT_OK(og_certs_targets_parse(&t, good, 5, ports, 2));
    /* 1 + 4*2 + 2 + 1 + 2 */
    assert_int_equal(og_certs_targets_count(t), 14);
    og_certs_targets_free(t);
    const char *big[] = {"10.0.0.0/15"};
    assert_int_equal(og_certs_targets_parse(&t, big, 1, NULL, 0), OG_ETOOBIG);
    assert_non_null(strstr(og_error_last(), "10.0.0.0/15"));
    const char *ok16[] = {"10.0.0.0/16"};
    OG_ASSERT_OK(og_certs_targets_parse(&t, ok16, 1, ports, 1));
    assert_int_equal(og_certs_targets_count(t), 65536);
    og_certs_targets_free(t);
    const char *bad[] = {"host:0", "host:x", "bad host", "[::1", "1.2.3.4/40", "/24", NULL};
    for (size_t i = 0; bad[i]; i++) {
        assert_int_equal(og_certs_targets_parse(&t, &bad[i], 1, NULL, 0), OG_EINVAL);
        assert_non_null(strstr(og_error_last(), bad[i]));
    }
}

/* ---- parsing and findings ---- */

static void test_parse__reads_every_field(void **state)
{
    (void)state;
    EVP_PKEY *k = keygen(2048);
    spec s = {"www.example",
              "DNS:www.example,DNS:example,IP:192.0.2.7,IP:2001:db8::1",
              2048,
              NULL,
              -DAY_S,
              90 * DAY_S,
              0};
    X509 *x = make_cert(&s, k, NULL, NULL);
    og_cert_info ci;
    unsigned char *der;
    size_t len = der_of(x, &der);
    OG_ASSERT_OK(og_certs_parse_der(&ci, der, len));
    assert_string_equal(ci.subject, "CN=www.example");
    assert_string_equal(ci.issuer, "CN=www.example");
    assert_string_equal(ci.key_type, "RSA");
    assert_int_equal(ci.key_bits, 2048);
    assert_string_equal(ci.sig_alg, "sha256WithRSAEncryption");
    assert_int_equal(ci.is_ca, 0);
    assert_int_equal(ci.self_signed, 1);
    assert_int_equal(json_array_size(ci.sans), 4);
    assert_string_equal(json_string_value(json_array_get(ci.sans, 2)), "IP:192.0.2.7");
    assert_string_equal(json_string_value(json_array_get(ci.sans, 3)), "IP:2001:db8::1");
    assert_string_equal(json_string_value(json_array_get(ci.ocsp, 0)), "http://ocsp.example/");
    assert_string_equal(json_string_value(json_array_get(ci.ca_issuers, 0)),
                        "http://ca.example/i.crt");
    assert_string_equal(json_string_value(json_array_get(ci.crl, 0)), "http://crl.example/c.crl");
    assert_true(ci.not_after_us - ci.not_before_us == 91LL * 86400 * 1000000);
    /* the fingerprint is SHA-256 over the DER */
    uint8_t md[32];
    char hex[65];
    og_crypto_sha256(der, len, md);
    og_hex_encode(md, 32, hex);
    assert_string_equal(ci.fingerprint, hex);
    assert_int_equal(ci.findings, OG_CERT_F_SELF_SIGNED);
    json_t *j = og_cert_info_to_json(&ci);
    assert_non_null(json_object_get(j, "fingerprint"));
    json_decref(j);
    og_cert_info_clear(&ci);
    og_cert_info_clear(&ci); /* twice is harmless */
    assert_int_equal(og_certs_parse_der(&ci, "garbage", 7), OG_EINVAL);
    assert_int_equal(og_certs_parse_der(&ci, der, len - 1), OG_EINVAL);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* A certificate is decoded once while it stays in the cache: the same DER gives the same shared
 * object (one decode per renewal instead of one per module), a DER with a byte more or less or
 * junk gives none, and after more than 64 other certificates the first is decoded afresh. */
static void test_parse__one_decode_per_certificate_shared_by_reference(void **state)
{
    (void)state;
    EVP_PKEY *k = keygen(0);
    spec s = {"cache.example", "DNS:cache.example", 0, NULL, -DAY_S, 30 * DAY_S, 0};
    X509 *x = make_cert(&s, k, NULL, NULL);
    unsigned char *der;
    size_t len = der_of(x, &der);
    X509 *a = og_certs_x509_get(der, len), *b = og_certs_x509_get(der, len);
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_int_equal(X509_cmp(a, x), 0);
    assert_null(og_certs_x509_get(der, len - 1));
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, der, len);
    longer[len] = 0;
    assert_null(og_certs_x509_get(longer, len + 1));
    assert_null(og_certs_x509_get("junk", 4));
    assert_null(og_certs_x509_get(NULL, 0));
    /* 64 others push it out; the caller's reference stays valid, a new get decodes again */
    for (int i = 0; i < 64; i++) {
        spec o = {"other.example", NULL, 0, NULL, -DAY_S, 30 * DAY_S, 0};
        X509 *ox = make_cert(&o, k, NULL, NULL);
        unsigned char *od;
        size_t ol = der_of(ox, &od);
        X509 *g = og_certs_x509_get(od, ol);
        assert_non_null(g);
        X509_free(g);
        OPENSSL_free(od);
        X509_free(ox);
    }
    X509 *c = og_certs_x509_get(der, len);
    assert_non_null(c);
    assert_ptr_not_equal(c, a);
    assert_int_equal(X509_cmp(c, a), 0);
    X509_free(a);
    X509_free(b);
    X509_free(c);
    free(longer);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void test_findings__weak_key_sha1_and_long_validity(void **state)
{
    (void)state;
    EVP_PKEY *cak = keygen(2048), *k1024 = keygen(1024), *k = keygen(2048), *ec = keygen(0);
    spec cas = {"Test CA", NULL, 2048, NULL, -DAY_S, 3650 * DAY_S, 1};
    X509 *ca = make_cert(&cas, cak, NULL, NULL);
    og_cert_info ci;

    /* the CA itself: self-signed but a CA, 10 years is fine for a CA */
    assert_int_equal(findings_of(ca, &ci), 0);
    assert_int_equal(ci.is_ca, 1);
    og_cert_info_clear(&ci);

    spec weak = {"weak", "DNS:weak", 1024, NULL, -DAY_S, 90 * DAY_S, 0};
    X509 *x = make_cert(&weak, k1024, ca, cak);
    assert_int_equal(findings_of(x, &ci), OG_CERT_F_WEAK_KEY);
    assert_int_equal(ci.key_bits, 1024);
    og_cert_info_clear(&ci);
    X509_free(x);

    spec sha1 = {"sha1", "DNS:sha1", 2048, EVP_sha1(), -DAY_S, 90 * DAY_S, 0};
    x = make_cert(&sha1, k, ca, cak);
    assert_int_equal(findings_of(x, &ci), OG_CERT_F_SHA1_SIGNATURE);
    assert_string_equal(ci.sig_alg, "sha1WithRSAEncryption");
    og_cert_info_clear(&ci);
    X509_free(x);

    /* issued now: 200 days is the maximum, 201 is too long */
    spec ok200 = {"ok200", "DNS:a", 0, NULL, 0, 199 * DAY_S, 0};
    x = make_cert(&ok200, ec, ca, cak);
    assert_int_equal(findings_of(x, &ci) & OG_CERT_F_LONG_VALIDITY, 0);
    assert_string_equal(ci.key_type, "EC");
    assert_string_equal(ci.key_curve, "prime256v1");
    og_cert_info_clear(&ci);
    X509_free(x);
    spec long201 = {"long", "DNS:a", 0, NULL, 0, 201 * DAY_S, 0};
    x = make_cert(&long201, ec, ca, cak);
    assert_int_equal(findings_of(x, &ci), OG_CERT_F_LONG_VALIDITY);
    og_cert_info_clear(&ci);
    X509_free(x);

    X509_free(ca);
    EVP_PKEY_free(cak);
    EVP_PKEY_free(k1024);
    EVP_PKEY_free(k);
    EVP_PKEY_free(ec);
}

static void test_chain__trusted_incomplete_untrusted_and_hostname(void **state)
{
    (void)state;
    EVP_PKEY *rk = keygen(2048), *ik = keygen(2048), *lk = keygen(0), *ok = keygen(2048);
    spec rs = {"Root", NULL, 2048, NULL, -DAY_S, 3650 * DAY_S, 1};
    spec is = {"Intermediate", NULL, 2048, NULL, -DAY_S, 1825 * DAY_S, 1};
    spec ls = {"leaf", "DNS:www.example,IP:127.0.0.1", 0, NULL, -DAY_S, 90 * DAY_S, 0};
    spec os = {"Other root", NULL, 2048, NULL, -DAY_S, 3650 * DAY_S, 1};
    X509 *root = make_cert(&rs, rk, NULL, NULL), *in = make_cert(&is, ik, root, rk);
    X509 *leaf = make_cert(&ls, lk, in, ik), *other = make_cert(&os, ok, NULL, NULL);
    unsigned char *d_leaf, *d_in;
    size_t l_leaf = der_of(leaf, &d_leaf), l_in = der_of(in, &d_in);
    char *root_pem = pem_of(root, NULL), *in_pem = pem_of(in, NULL),
         *other_pem = pem_of(other, NULL);
    char *bundle_root = root_pem;
    char *bundle_both = NULL;
    assert_true(asprintf(&bundle_both, "%s%s", root_pem, in_pem) > 0);
    const void *full[] = {d_leaf, d_in};
    size_t full_len[] = {l_leaf, l_in};
    unsigned f;
    char detail[128];

    OG_ASSERT_OK(og_certs_chain_check(full, full_len, 2, bundle_root, "www.example", &f, detail));
    assert_int_equal(f, 0);
    OG_ASSERT_OK(og_certs_chain_check(full, full_len, 2, bundle_root, "127.0.0.1", &f, detail));
    assert_int_equal(f, 0);
    OG_ASSERT_OK(og_certs_chain_check(full, full_len, 2, bundle_root, "other.example", &f, detail));
    assert_int_equal(f, OG_CERT_F_HOSTNAME_MISMATCH);
    OG_ASSERT_OK(og_certs_chain_check(full, full_len, 2, bundle_root, "10.0.0.1", &f, detail));
    assert_int_equal(f, OG_CERT_F_HOSTNAME_MISMATCH);
    /* leaf alone: the intermediate is missing; known from the bundle, the chain is incomplete */
    OG_ASSERT_OK(og_certs_chain_check(full, full_len, 1, bundle_both, NULL, &f, detail));
    assert_int_equal(f, OG_CERT_F_INCOMPLETE_CHAIN);
    /* ... and without it we only know it is not trusted */
    OG_ASSERT_OK(og_certs_chain_check(full, full_len, 1, bundle_root, NULL, &f, detail));
    assert_int_equal(f, OG_CERT_F_UNTRUSTED_CHAIN);
    assert_true(detail[0] != '\0');
    /* anchored elsewhere */
    OG_ASSERT_OK(og_certs_chain_check(full, full_len, 2, other_pem, NULL, &f, detail));
    assert_int_equal(f, OG_CERT_F_UNTRUSTED_CHAIN);
    /* the system store does not know our root */
    OG_ASSERT_OK(og_certs_chain_check(full, full_len, 2, NULL, NULL, &f, detail));
    assert_int_equal(f, OG_CERT_F_UNTRUSTED_CHAIN);
    /* a bundle without a self-signed CA is refused */
    assert_int_equal(og_certs_chain_check(full, full_len, 2, in_pem, NULL, &f, detail), OG_EINVAL);

    OPENSSL_free(d_leaf);
    OPENSSL_free(d_in);
    free(root_pem);
    free(in_pem);
    free(other_pem);
    free(bundle_both);
    X509_free(root);
    X509_free(in);
    X509_free(leaf);
    X509_free(other);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(ik);
    EVP_PKEY_free(lk);
    EVP_PKEY_free(ok);
}

/* ---- with a data folder ---- */

static void test_import__seals_the_key_and_never_returns_it(void **state)
{
    og_test_env *env = *state;
    EVP_PKEY *k = keygen(2048);
    spec s = {"imported", "DNS:imported.example", 2048, NULL, -DAY_S, 90 * DAY_S, 0};
    X509 *x = make_cert(&s, k, NULL, NULL);
    char *pem = pem_of(x, k);
    og_certs_import_summary sum;
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "site.pem", pem, strlen(pem), &sum));
    assert_int_equal(sum.certs, 1);
    assert_int_equal(sum.certs_new, 1);
    assert_int_equal(sum.keys, 1);
    json_t *doc = NULL;
    OG_ASSERT_OK(og_certs_show(&env->ctx, "acme", sum.first_fingerprint, &doc));
    assert_true(json_is_true(json_object_get(doc, "private_key")));
    char *txt = json_dumps(doc, 0);
    assert_null(strstr(txt, "PRIVATE KEY"));
    free(txt);
    json_decref(doc);
    /* importing again adds no certificate */
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "site.pem", pem, strlen(pem), &sum));
    assert_int_equal(sum.certs_new, 0);
    /* other tenants see nothing */
    assert_int_equal(og_certs_show(&env->ctx, "globex", sum.first_fingerprint, &doc), OG_ENOTFOUND);
    free(pem);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void test_import__malformed_pem_names_file_and_line(void **state)
{
    og_test_env *env = *state;
    const char *bad = "hello\n-----BEGIN CERTIFICATE-----\nMIIB$$$\n-----END CERTIFICATE-----\n";
    assert_int_equal(og_certs_import(&env->ctx, "acme", "bad.pem", bad, strlen(bad), NULL),
                     OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "bad.pem line 3"));
    const char *unterminated = "-----BEGIN CERTIFICATE-----\nMIIB\n";
    assert_int_equal(
        og_certs_import(&env->ctx, "acme", "cut.pem", unterminated, strlen(unterminated), NULL),
        OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "cut.pem line 1"));
    const char *notcert = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
    assert_int_equal(og_certs_import(&env->ctx, "acme", "x.pem", notcert, strlen(notcert), NULL),
                     OG_EINVAL);
    json_t *list = NULL;
    OG_ASSERT_OK(og_certs_list(&env->ctx, "acme", NULL, &list));
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
}

/* Fixed-day thresholds for acme: what the test is about (by default they are scaled to a
 * short certificate's lifetime, which would alert these young certificates at none). */
static void fixed_days(og_ctx *ctx)
{
    og_certs_policy p;
    memset(&p, 0, sizeof(p));
    p.lifetime_share = OG_CERTS_SHARE_OFF;
    OG_ASSERT_OK(og_certs_policy_set(ctx, "acme", &p, 0));
}

static void test_expiry__alerts_each_crossing_once(void **state)
{
    og_test_env *env = *state;
    fixed_days(&env->ctx);
    EVP_PKEY *k = keygen(0);
    spec s = {"soon", "DNS:soon.example", 0, NULL, -10 * DAY_S, 10 * DAY_S, 0};
    X509 *x = make_cert(&s, k, NULL, NULL);
    char *pem = pem_of(x, NULL);
    og_certs_import_summary sum;
    int raised = -1;
    /* the import itself raises the alert for 30 and 14 days (one event) */
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "soon.pem", pem, strlen(pem), &sum));
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &raised));
    assert_int_equal(raised, 0);
    json_t *doc = NULL;
    OG_ASSERT_OK(og_certs_show(&env->ctx, "acme", sum.first_fingerprint, &doc));
    json_t *alerts = json_object_get(doc, "alerts");
    assert_int_equal(json_array_size(alerts), 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(alerts, 0), "threshold_days")), 30);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(alerts, 1), "threshold_days")), 14);
    json_decref(doc);
    /* a new threshold the certificate is past raises exactly one more */
    og_certs_policy p;
    memset(&p, 0, sizeof(p));
    OG_ASSERT_OK(og_certs_thresholds_parse("30,14,11,7", &p));
    OG_ASSERT_OK(og_certs_policy_set(&env->ctx, "acme", &p, 0));
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, NULL, &raised));
    assert_int_equal(raised, 1);
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, NULL, &raised));
    assert_int_equal(raised, 0);
    /* the metrics count it in the 30d bucket */
    og_buf b;
    og_buf_init(&b, 1 << 20);
    OG_ASSERT_OK(og_certs_metrics_render(&env->ctx, &b));
    assert_non_null(
        strstr(b.data, "opsgate_certs{tenant=\"acme\",kind=\"x509\",bucket=\"30d\"} 1"));
    assert_non_null(
        strstr(b.data, "opsgate_certs_earliest_expiry_seconds{tenant=\"acme\",kind=\"x509\"}"));
    /* a tenant without app credentials has no app-credential series */
    assert_null(strstr(b.data, "kind=\"app-credential\""));
    og_buf_free(&b);
    free(pem);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* The renewing module (acme) names the plan through og_certs_renewal_register; certs reads no
 * table of it. The alert carries the plan when the function finds one, and goes out without it
 * when none is registered or the lookup fails. */
static char renewal_fp[65];
/* a certificate the plan renewed earlier, still its plan's (the expiry pass looks it up again
 * while its crossings are not recorded) */
static char renewed_before[65];
static int fake_renewal(og_store *s, const char *tenant_id, const char *fp, char plan[OG_ID_LEN])
{
    (void)s;
    (void)tenant_id;
    if (strcmp(fp, renewal_fp) == 0 || strcmp(fp, renewed_before) == 0) {
        og_strlcpy(plan, "plan-of-the-test", OG_ID_LEN);
        return 1;
    }
    return og_error_set(OG_ERROR, "lookup failed");
}

/* The renewal_plan of the last certs.expiring event about fp ("" when it has none). */
static void alert_plan(og_test_env *env, const char *fp, char *out, size_t size)
{
    json_t *list = NULL, *e;
    size_t i;
    out[0] = '\0';
    OG_ASSERT_OK(og_events_list(&env->ctx, "acme", NULL, &list));
    json_array_foreach(list, i, e)
    {
        json_t *p = json_object_get(e, "payload");
        const char *f = json_string_value(json_object_get(p, "fingerprint"));
        if (f && strcmp(f, fp) == 0) {
            const char *plan = json_string_value(json_object_get(p, "renewal_plan"));
            og_strlcpy(out, plan ? plan : "", size);
        }
    }
    json_decref(list);
}

/* How many events are about fp. */
static int events_about(og_test_env *env, const char *fp)
{
    json_t *list = NULL, *e;
    size_t i;
    int n = 0;
    OG_ASSERT_OK(og_events_list(&env->ctx, "acme", NULL, &list));
    json_array_foreach(list, i, e)
    {
        const char *f =
            json_string_value(json_object_get(json_object_get(e, "payload"), "fingerprint"));
        n += f && strcmp(f, fp) == 0;
    }
    json_decref(list);
    return n;
}

static void test_expiry__alerts_name_the_renewal_plan_the_renewer_reports(void **state)
{
    og_test_env *env = *state;
    fixed_days(&env->ctx);
    EVP_PKEY *k = keygen(0);
    spec a = {"planned", "DNS:planned.example", 0, NULL, -10 * DAY_S, 10 * DAY_S, 0};
    spec b = {"unplanned", "DNS:unplanned.example", 0, NULL, -10 * DAY_S, 9 * DAY_S, 0};
    spec c = {"lookup-fails", "DNS:other.example", 0, NULL, -10 * DAY_S, 8 * DAY_S, 0};
    X509 *xa = make_cert(&a, k, NULL, NULL), *xb = make_cert(&b, k, NULL, NULL);
    X509 *xc = make_cert(&c, k, NULL, NULL);
    char *pa = pem_of(xa, NULL), *pb = pem_of(xb, NULL), *pc = pem_of(xc, NULL);
    char plan[OG_ID_LEN], other[65];
    og_certs_import_summary sum;
    /* nobody renews: the import's alert names no plan */
    og_certs_renewal_register(NULL);
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "b.pem", pb, strlen(pb), &sum));
    alert_plan(env, sum.first_fingerprint, plan, sizeof(plan));
    assert_string_equal(plan, "");
    /* a renewer that renews a: no days-left alert for it (its plan's rules alert instead) */
    og_certs_renewal_register(fake_renewal);
    OG_ASSERT_OK(og_certs_pem_fingerprint(pa, strlen(pa), renewal_fp));
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "a.pem", pa, strlen(pa), &sum));
    assert_string_equal(sum.first_fingerprint, renewal_fp);
    assert_int_equal(events_about(env, renewal_fp), 0);
    og_strlcpy(renewed_before, renewal_fp, sizeof(renewed_before));
    /* once it has expired, it is alerted all the same, naming its plan */
    spec d = {"planned-expired", "DNS:planned.example", 0, NULL, -20 * DAY_S, -DAY_S, 0};
    X509 *xd = make_cert(&d, k, NULL, NULL);
    char *pd = pem_of(xd, NULL);
    OG_ASSERT_OK(og_certs_pem_fingerprint(pd, strlen(pd), renewal_fp));
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "d.pem", pd, strlen(pd), &sum));
    assert_int_equal(events_about(env, renewal_fp), 1);
    alert_plan(env, renewal_fp, plan, sizeof(plan));
    assert_string_equal(plan, "plan-of-the-test");
    free(pd);
    X509_free(xd);
    /* a failing lookup fails the import (a database error is never an alert without its plan):
     * nothing is stored, and the same import succeeds once the lookup works */
    OG_ASSERT_OK(og_certs_pem_fingerprint(pc, strlen(pc), other));
    assert_true(og_certs_import(&env->ctx, "acme", "c.pem", pc, strlen(pc), &sum) < 0);
    json_t *doc = NULL;
    assert_int_equal(og_certs_show(&env->ctx, "acme", other, &doc), OG_ENOTFOUND);
    og_certs_renewal_register(NULL);
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "c.pem", pc, strlen(pc), &sum));
    assert_string_equal(sum.first_fingerprint, other);
    plan[0] = 'x';
    alert_plan(env, other, plan, sizeof(plan));
    assert_string_equal(plan, "");
    OG_ASSERT_OK(og_certs_show(&env->ctx, "acme", other, &doc));
    assert_int_equal(json_array_size(json_object_get(doc, "alerts")), 2);
    json_decref(doc);
    og_certs_renewal_register(NULL);
    free(pa);
    free(pb);
    free(pc);
    X509_free(xa);
    X509_free(xb);
    X509_free(xc);
    EVP_PKEY_free(k);
}

/* The only way a key leaves the inventory: og_certs_material_get gives the leaf, the chain above
 * it without the root, and the unsealed key. */
static void test_material__leaf_chain_and_key(void **state)
{
    og_test_env *env = *state;
    EVP_PKEY *ck = keygen(0), *lk = keygen(0);
    spec ca = {"Test CA", NULL, 0, NULL, -DAY_S, 900 * DAY_S, 1};
    spec root = {"Test Root", NULL, 0, NULL, -DAY_S, 900 * DAY_S, 1};
    EVP_PKEY *rk = keygen(0);
    X509 *xr = make_cert(&root, rk, NULL, NULL);
    X509 *xc = make_cert(&ca, ck, xr, rk);
    spec leaf = {"site", "DNS:site.example", 0, NULL, -DAY_S, 90 * DAY_S, 0};
    X509 *xl = make_cert(&leaf, lk, xc, ck);
    char *pl = pem_of(xl, lk), *pc = pem_of(xc, NULL), *pr = pem_of(xr, NULL);
    og_certs_import_summary sum;
    og_certs_material m;
    char fp[65];
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "root.pem", pr, strlen(pr), NULL));
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "ca.pem", pc, strlen(pc), NULL));
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "site.pem", pl, strlen(pl), &sum));
    char prefix[13];
    og_strlcpy(prefix, sum.first_fingerprint, sizeof(prefix));
    OG_ASSERT_OK(og_certs_material_get(&env->ctx, "acme", prefix, &m));
    assert_string_equal(m.fingerprint, sum.first_fingerprint);
    OG_ASSERT_OK(og_certs_pem_fingerprint(m.leaf_pem, strlen(m.leaf_pem), fp));
    assert_string_equal(fp, sum.first_fingerprint);
    assert_string_equal(m.chain_pem, pc); /* the intermediate; the root is left out */
    assert_non_null(strstr(m.key_pem, "PRIVATE KEY"));
    og_certs_material_clear(&m);
    assert_null(m.key_pem);
    /* the intermediate has no key: a clear error naming what is missing */
    char cfp[65];
    OG_ASSERT_OK(og_certs_pem_fingerprint(pc, strlen(pc), cfp));
    assert_int_equal(og_certs_material_get(&env->ctx, "acme", cfp, &m), OG_ENOTFOUND);
    assert_non_null(strstr(og_error_last(), "has no private key"));
    og_certs_material_clear(&m);
    assert_int_equal(og_certs_pem_fingerprint("no pem here", 11, fp), OG_EINVAL);
    free(pl);
    free(pc);
    free(pr);
    X509_free(xl);
    X509_free(xc);
    X509_free(xr);
    EVP_PKEY_free(ck);
    EVP_PKEY_free(lk);
    EVP_PKEY_free(rk);
}

static void test_show__ambiguous_prefix_is_a_clear_error(void **state)
{
    og_test_env *env = *state;
    EVP_PKEY *k = keygen(0);
    char first[17][65];
    int n = 0;
    char shared = 0;
    /* make certificates until two fingerprints share their first hex digit (17 always do) */
    for (; n < 17 && !shared; n++) {
        spec s = {"amb", NULL, 0, NULL, -DAY_S, 90 * DAY_S, 0};
        X509 *x = make_cert(&s, k, NULL, NULL);
        char *pem = pem_of(x, NULL);
        og_certs_import_summary sum;
        OG_ASSERT_OK(og_certs_import(&env->ctx, "globex", "amb.pem", pem, strlen(pem), &sum));
        memcpy(first[n], sum.first_fingerprint, 65);
        for (int i = 0; i < n; i++)
            if (first[i][0] == first[n][0])
                shared = first[n][0];
        free(pem);
        X509_free(x);
    }
    assert_true(shared != 0);
    char prefix[2] = {shared, 0};
    json_t *doc = NULL;
    assert_int_equal(og_certs_show(&env->ctx, "globex", prefix, &doc), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "ambiguous"));
    /* the full fingerprint, upper case and with colons, is found */
    char colon[200] = "";
    for (int i = 0; i < 64; i += 2) {
        size_t l = strlen(colon);
        snprintf(colon + l, sizeof(colon) - l, "%s%c%c", i ? ":" : "",
                 toupper((unsigned char)first[0][i]), first[0][i + 1]);
    }
    OG_ASSERT_OK(og_certs_show(&env->ctx, "globex", colon, &doc));
    json_decref(doc);
    EVP_PKEY_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_validity__follows_the_cab_forum_dates),
        cmocka_unit_test(test_findings__names_round_trip),
        cmocka_unit_test(test_ports__lists_ranges_and_bad_values),
        cmocka_unit_test(test_targets__kinds_counts_and_caps),
        cmocka_unit_test(test_parse__reads_every_field),
        cmocka_unit_test(test_parse__one_decode_per_certificate_shared_by_reference),
        cmocka_unit_test(test_findings__weak_key_sha1_and_long_validity),
        cmocka_unit_test(test_chain__trusted_incomplete_untrusted_and_hostname),
        cmocka_unit_test_setup_teardown(test_import__seals_the_key_and_never_returns_it,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_import__malformed_pem_names_file_and_line,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_expiry__alerts_each_crossing_once,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(
            test_expiry__alerts_name_the_renewal_plan_the_renewer_reports, og_test_env_two_tenants,
            og_test_env_free),
        cmocka_unit_test_setup_teardown(test_material__leaf_chain_and_key, og_test_env_two_tenants,
                                        og_test_env_free),
        cmocka_unit_test_setup_teardown(test_show__ambiguous_prefix_is_a_clear_error,
                                        og_test_env_two_tenants, og_test_env_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
