/* test_certs_views.c - what people read from the inventory: time left that never looks worse than
 * it is, schedule periods as durations, the all-tenants view, and imports that refuse a key which
 * matches no certificate or read DER and PKCS#12 bundles. Certificates are generated here. */
#include "og_test.h"
#include "certs/certs_internal.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S   86400L
#define HOUR_US 3600000000LL
#define MIN_US  60000000LL

static EVP_PKEY *keygen(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* A certificate for cn valid from now + from_s to now + to_s, self-signed (issuer NULL) or by
 * (issuer, ikey); ca makes it a CA. */
static X509 *make_cert(const char *cn, long from_s, long to_s, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *ikey, int ca)
{
    static long serial = 5000;
    X509 *x = X509_new();
    X509V3_CTX v3;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), to_s);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e =
        X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    assert_true(X509_sign(x, issuer ? ikey : key, EVP_sha256()) > 0);
    return x;
}

static char *pem_of(X509 *x, EVP_PKEY *key)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (x)
        PEM_write_bio_X509(b, x);
    if (key)
        PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
    char *p = NULL;
    long len = BIO_get_mem_data(b, &p);
    char *out = strndup(p, (size_t)len);
    BIO_free(b);
    return out;
}

/* ---- time left and durations ---- */

static void test_left__is_never_less_than_the_truth(void **state)
{
    (void)state;
    struct {
        int64_t left_us;
        const char *text;
        int64_t days;
    } cases[] = {
        {5 * OG_DAY_US - 1000000, "5d", 5}, /* a fresh 5-day certificate */
        {5 * OG_DAY_US, "5d", 5},
        {4 * OG_DAY_US + 10 * MIN_US, "4d 1h", 5}, /* hours rounded up */
        {4 * OG_DAY_US + 23 * HOUR_US, "4d 23h", 5},
        {OG_DAY_US, "24h", 1},
        {23 * HOUR_US + 30 * MIN_US, "23h 30m", 1},
        {2 * HOUR_US, "2h", 1},
        {30 * MIN_US - 1, "30m", 1},
        {1, "1m", 1},
        {0, "expired", 0},
        {-30 * 1000000LL, "expired", -1},
        {-(3 * OG_DAY_US + 2 * HOUR_US), "expired 3d ago", -4},
        {-5 * HOUR_US, "expired 5h ago", -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[48];
        og_certs__left_text(cases[i].left_us, text, sizeof(text));
        if (strcmp(text, cases[i].text) != 0)
            fail_msg("left %lld us: '%s', want '%s'", (long long)cases[i].left_us, text,
                     cases[i].text);
        if (og_certs__days_left(cases[i].left_us) != cases[i].days)
            fail_msg("left %lld us: %lld days, want %lld", (long long)cases[i].left_us,
                     (long long)og_certs__days_left(cases[i].left_us), (long long)cases[i].days);
    }
}

static void test_every__durations_read_and_print_alike(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } cases[] = {{"6h", "6h"},     {"21600s", "6h"},   {"30m", "30m"}, {"1d12h", "1d12h"},
                 {"36h", "1d12h"}, {"1h30m", "1h30m"}, {"2w", "14d"},  {"90s", "1m30s"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t us = 0;
        char text[64];
        OG_ASSERT_OK(og_certs_every_parse(cases[i].in, &us));
        og_certs__duration_text(us, text, sizeof(text));
        if (strcmp(text, cases[i].out) != 0)
            fail_msg("%s: '%s', want '%s'", cases[i].in, text, cases[i].out);
    }
    const char *bad[] = {"", "6", "h", "12h1d", "1h1h", "6x", "-6h", "6h ", "1d12", NULL};
    for (size_t i = 0; bad[i]; i++) {
        int64_t us;
        if (og_certs_every_parse(bad[i], &us) != OG_EINVAL)
            fail_msg("'%s' was accepted", bad[i]);
        if (*bad[i])
            assert_non_null(strstr(og_error_last(), bad[i]));
    }
}

static void test_list__a_fresh_five_day_certificate_has_five_days(void **state)
{
    og_test_env *env = *state;
    EVP_PKEY *k = keygen();
    X509 *x = make_cert("five.example", 0, 5 * DAY_S, k, NULL, NULL, 0);
    char *pem = pem_of(x, NULL);
    og_certs_import_summary sum;
    json_t *list = NULL, *doc = NULL;
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "five.pem", pem, strlen(pem), &sum));
    OG_ASSERT_OK(og_certs_list(&env->ctx, "acme", NULL, &list));
    json_t *c = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(c, "days_left")), 5);
    assert_string_equal(json_string_value(json_object_get(c, "expires_in")), "5d");
    assert_true(json_integer_value(json_object_get(c, "seconds_left")) > 5 * DAY_S - 60);
    assert_int_equal(json_integer_value(json_object_get(c, "sightings")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(c, "locations"), 0)),
                        "import:five.pem");
    OG_ASSERT_OK(og_certs_show(&env->ctx, "acme", sum.first_fingerprint, &doc));
    assert_int_equal(json_integer_value(json_object_get(doc, "days_left")), 5);
    assert_string_equal(json_string_value(json_object_get(doc, "expires_in")), "5d");
    json_decref(doc);
    json_decref(list);
    free(pem);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* ---- every tenant at once ---- */

static void test_list_all__one_view_sorted_by_expiry_for_platform_admins(void **state)
{
    og_test_env *env = *state;
    EVP_PKEY *k = keygen();
    X509 *a = make_cert("late.acme.example", 0, 60 * DAY_S, k, NULL, NULL, 0);
    X509 *g = make_cert("soon.globex.example", 0, 3 * DAY_S, k, NULL, NULL, 0);
    X509 *m = make_cert("mid.acme.example", 0, 20 * DAY_S, k, NULL, NULL, 0);
    char *pa = pem_of(a, NULL), *pg = pem_of(g, NULL), *pm = pem_of(m, NULL);
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "late.pem", pa, strlen(pa), NULL));
    OG_ASSERT_OK(og_certs_import(&env->ctx, "globex", "soon.pem", pg, strlen(pg), NULL));
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "mid.pem", pm, strlen(pm), NULL));
    json_t *list = NULL;
    OG_ASSERT_OK(og_certs_list_all(&env->ctx, NULL, &list));
    assert_int_equal(json_array_size(list), 3);
    const char *want[][2] = {{"globex", "CN=soon.globex.example"},
                             {"acme", "CN=mid.acme.example"},
                             {"acme", "CN=late.acme.example"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *c = json_array_get(list, i);
        og_tenant t;
        assert_string_equal(json_string_value(json_object_get(c, "tenant")), want[i][0]);
        assert_string_equal(json_string_value(json_object_get(c, "subject")), want[i][1]);
        OG_ASSERT_OK(og_tenant_get(&env->ctx, want[i][0], &t));
        assert_string_equal(json_string_value(json_object_get(c, "tenant_id")), t.id);
    }
    json_decref(list);
    /* the filter and the limit apply to the whole view */
    og_certs_filter f;
    memset(&f, 0, sizeof(f));
    f.expiring_us = 30 * OG_DAY_US;
    OG_ASSERT_OK(og_certs_list_all(&env->ctx, &f, &list));
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    f.expiring_us = 0;
    f.limit = 1;
    OG_ASSERT_OK(og_certs_list_all(&env->ctx, &f, &list));
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "tenant")),
                        "globex");
    json_decref(list);
    /* a tenant's own admin is denied, with a message that says why */
    og_ctx user = env->ctx;
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_actor_become(&user, "acme", "ada"));
    list = NULL;
    assert_int_equal(og_certs_list_all(&user, NULL, &list), OG_EDENIED);
    assert_null(list);
    assert_non_null(strstr(og_error_last(), "platform-admin"));
    free(pa);
    free(pg);
    free(pm);
    X509_free(a);
    X509_free(g);
    X509_free(m);
    EVP_PKEY_free(k);
}

/* Pages of the fleet: offset and limit over the sorted view, each sort the same in one tenant's
 * list and across tenants, the expiry findings as bounds, refusals named. */
static const char *subject_at(json_t *list, size_t i)
{
    return json_string_value(json_object_get(json_array_get(list, i), "subject"));
}

static void test_list__pages_in_each_order(void **state)
{
    og_test_env *env = *state;
    EVP_PKEY *k = keygen();
    static const struct {
        const char *tenant, *cn;
        long days;
    } certs[] = {{"acme", "d.acme", 40},
                 {"globex", "b.globex", 5},
                 {"acme", "e.acme", -3},
                 {"globex", "a.globex", 90},
                 {"acme", "c.acme", 10}};
    for (size_t i = 0; i < 5; i++) {
        X509 *x = make_cert(certs[i].cn, -DAY_S * 10, certs[i].days * DAY_S, k, NULL, NULL, 0);
        char *pem = pem_of(x, NULL);
        OG_ASSERT_OK(
            og_certs_import(&env->ctx, certs[i].tenant, certs[i].cn, pem, strlen(pem), NULL));
        free(pem);
        X509_free(x);
    }
    json_t *list = NULL;
    og_certs_filter f;
    memset(&f, 0, sizeof(f));
    /* every tenant, soonest first: e (expired), b, c, d, a; the second page of two */
    f.limit = 2;
    f.offset = 2;
    OG_ASSERT_OK(og_certs_list_all(&env->ctx, &f, &list));
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(subject_at(list, 0), "CN=c.acme");
    assert_string_equal(subject_at(list, 1), "CN=d.acme");
    json_decref(list);
    /* by subject, descending: e d c b a; offset 1 */
    f.sort = "subject";
    f.desc = 1;
    f.offset = 1;
    f.limit = 3;
    OG_ASSERT_OK(og_certs_list_all(&env->ctx, &f, &list));
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(subject_at(list, 0), "CN=d.acme");
    assert_string_equal(subject_at(list, 1), "CN=c.acme");
    assert_string_equal(subject_at(list, 2), "CN=b.globex");
    json_decref(list);
    /* by tenant: acme (e c d by expiry), then globex (b a) */
    f.sort = "tenant";
    f.desc = 0;
    f.offset = 2;
    f.limit = 2;
    OG_ASSERT_OK(og_certs_list_all(&env->ctx, &f, &list));
    assert_string_equal(subject_at(list, 0), "CN=d.acme");
    assert_string_equal(subject_at(list, 1), "CN=b.globex");
    json_decref(list);
    /* one tenant by issuer (self-signed: issuer = subject): c d e; past the end: empty */
    f.sort = "issuer";
    f.offset = 1;
    f.limit = 5;
    OG_ASSERT_OK(og_certs_list(&env->ctx, "acme", &f, &list));
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(subject_at(list, 0), "CN=d.acme");
    assert_string_equal(subject_at(list, 1), "CN=e.acme");
    json_decref(list);
    f.offset = 3;
    OG_ASSERT_OK(og_certs_list(&env->ctx, "acme", &f, &list));
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    /* expiring (within 30 days, the default policy) skips the expired one and the later ones,
     * and the offset counts matches only */
    memset(&f, 0, sizeof(f));
    f.finding = OG_CERT_F_EXPIRING;
    OG_ASSERT_OK(og_certs_list_all(&env->ctx, &f, &list));
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(subject_at(list, 0), "CN=b.globex");
    assert_string_equal(subject_at(list, 1), "CN=c.acme");
    json_decref(list);
    f.offset = 1;
    OG_ASSERT_OK(og_certs_list_all(&env->ctx, &f, &list));
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(subject_at(list, 0), "CN=c.acme");
    json_decref(list);
    f.finding = OG_CERT_F_EXPIRED;
    f.offset = 0;
    OG_ASSERT_OK(og_certs_list(&env->ctx, "acme", &f, &list));
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(subject_at(list, 0), "CN=e.acme");
    json_decref(list);
    f.finding = OG_CERT_F_EXPIRED | OG_CERT_F_EXPIRING;
    OG_ASSERT_OK(og_certs_list(&env->ctx, "acme", &f, &list));
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    /* refusals name the value */
    list = NULL;
    f.finding = 0;
    f.sort = "serial";
    assert_int_equal(og_certs_list_all(&env->ctx, &f, &list), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "serial"));
    f.sort = NULL;
    f.offset = -1;
    assert_int_equal(og_certs_list(&env->ctx, "acme", &f, &list), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "offset"));
    assert_null(list);
    EVP_PKEY_free(k);
}

/* ---- import ---- */

static void test_import__a_key_matching_no_certificate_is_refused(void **state)
{
    og_test_env *env = *state;
    EVP_PKEY *k = keygen(), *other = keygen();
    X509 *x = make_cert("site.example", 0, 90 * DAY_S, k, NULL, NULL, 0);
    char *cert = pem_of(x, NULL), *key = pem_of(NULL, other);
    char *bundle = NULL;
    assert_true(asprintf(&bundle, "%s%s", cert, key) > 0);
    assert_int_equal(og_certs_import(&env->ctx, "acme", "site.pem", bundle, strlen(bundle), NULL),
                     OG_EINVAL);
    const char *msg = og_error_last();
    assert_non_null(strstr(msg, "site.pem"));
    assert_non_null(strstr(msg, "matches no certificate"));
    assert_non_null(strstr(msg, "CN=site.example"));
    assert_non_null(strstr(msg, "line "));
    /* both public keys are named, and they differ */
    assert_non_null(strstr(msg, "public key SHA-256"));
    json_t *list = NULL;
    OG_ASSERT_OK(og_certs_list(&env->ctx, "acme", NULL, &list));
    assert_int_equal(json_array_size(list), 0); /* nothing stored */
    json_decref(list);
    free(bundle);
    free(cert);
    free(key);
    X509_free(x);
    EVP_PKEY_free(k);
    EVP_PKEY_free(other);
}

static void test_import__reads_der_and_pkcs12_with_a_password(void **state)
{
    og_test_env *env = *state;
    EVP_PKEY *k = keygen(), *ck = keygen();
    X509 *ca = make_cert("p12 test ca", 0, 365 * DAY_S, ck, NULL, NULL, 1);
    X509 *x = make_cert("p12.example", 0, 90 * DAY_S, k, ca, ck, 0);
    og_certs_import_summary sum;
    json_t *doc = NULL;

    /* DER: one certificate */
    unsigned char *der = NULL;
    int dl = i2d_X509(ca, &der);
    OG_ASSERT_OK(og_certs_import_bundle(&env->ctx, "acme", "ca.der", der, (size_t)dl, NULL, &sum));
    assert_string_equal(sum.kind, "der");
    assert_int_equal(sum.certs, 1);
    OPENSSL_free(der);

    /* PKCS#12 with a password: refused without it or with a wrong one, read with it */
    STACK_OF(X509) *chain = sk_X509_new_null();
    sk_X509_push(chain, ca);
    PKCS12 *p12 = PKCS12_create("s3cret", "site", k, x, chain, 0, 0, 0, 0, 0);
    assert_non_null(p12);
    unsigned char *buf = NULL;
    int len = i2d_PKCS12(p12, &buf);
    assert_true(len > 0);
    assert_int_equal(
        og_certs_import_bundle(&env->ctx, "acme", "site.p12", buf, (size_t)len, NULL, NULL),
        OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "needs a password"));
    assert_int_equal(
        og_certs_import_bundle(&env->ctx, "acme", "site.p12", buf, (size_t)len, "wrong", NULL),
        OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "does not open"));
    OG_ASSERT_OK(
        og_certs_import_bundle(&env->ctx, "acme", "site.p12", buf, (size_t)len, "s3cret", &sum));
    assert_string_equal(sum.kind, "pkcs12");
    assert_int_equal(sum.certs, 2);
    assert_int_equal(sum.keys, 1);
    OG_ASSERT_OK(og_certs_show(&env->ctx, "acme", sum.first_fingerprint, &doc));
    assert_string_equal(json_string_value(json_object_get(doc, "subject")), "CN=p12.example");
    assert_true(json_is_true(json_object_get(doc, "private_key")));
    char *txt = json_dumps(doc, 0);
    assert_null(strstr(txt, "PRIVATE KEY"));
    assert_null(strstr(txt, "s3cret"));
    free(txt);
    json_decref(doc);

    /* a passphrase-protected PEM key is opened by the password, and checked against the cert */
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), "pem-pass", 8, NULL, NULL);
    char *p = NULL;
    long pl = BIO_get_mem_data(b, &p);
    assert_int_equal(
        og_certs_import_bundle(&env->ctx, "acme", "enc.pem", p, (size_t)pl, "nope", NULL),
        OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "enc.pem line"));
    OG_ASSERT_OK(
        og_certs_import_bundle(&env->ctx, "acme", "enc.pem", p, (size_t)pl, "pem-pass", &sum));
    assert_int_equal(sum.keys, 1);
    BIO_free(b);

    /* garbage is named */
    assert_int_equal(
        og_certs_import_bundle(&env->ctx, "acme", "junk.bin", "\x30\x01\x02", 3, NULL, NULL),
        OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "junk.bin"));
    OPENSSL_free(buf);
    PKCS12_free(p12);
    sk_X509_free(chain);
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(k);
    EVP_PKEY_free(ck);
}

/* ---- trust ---- */

static void test_policy__a_bundle_adds_to_the_system_store_unless_only(void **state)
{
    og_test_env *env = *state;
    EVP_PKEY *rk = keygen(), *ik = keygen();
    X509 *root = make_cert("bundle root", 0, 365 * DAY_S, rk, NULL, NULL, 1);
    X509 *in = make_cert("bundle intermediate", 0, 365 * DAY_S, ik, root, rk, 1);
    char *root_pem = pem_of(root, NULL), *in_pem = pem_of(in, NULL);
    og_certs_policy p;
    json_t *j;

    /* --ca-bundle: added to the system store; an intermediate alone is fine then */
    memset(&p, 0, sizeof(p));
    p.ca_bundle_pem = in_pem;
    p.bundle_only = 0;
    OG_ASSERT_OK(og_certs_policy_set(&env->ctx, "acme", &p, 1));
    memset(&p, 0, sizeof(p));
    OG_ASSERT_OK(og_certs_policy_get(&env->ctx, "acme", &p));
    assert_int_equal(p.bundle_only, 0);
    j = og_certs_policy_to_json(&p);
    assert_string_equal(json_string_value(json_object_get(j, "trust")), "system+tenant-bundle");
    json_decref(j);
    og_certs_policy_clear(&p);

    /* --ca-bundle-only: replaces it, so it needs an anchor */
    memset(&p, 0, sizeof(p));
    p.ca_bundle_pem = in_pem;
    p.bundle_only = 1;
    assert_int_equal(og_certs_policy_set(&env->ctx, "acme", &p, 1), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "self-signed"));
    p.ca_bundle_pem = root_pem;
    OG_ASSERT_OK(og_certs_policy_set(&env->ctx, "acme", &p, 1));
    memset(&p, 0, sizeof(p));
    OG_ASSERT_OK(og_certs_policy_get(&env->ctx, "acme", &p));
    assert_int_equal(p.bundle_only, 1);
    j = og_certs_policy_to_json(&p);
    assert_string_equal(json_string_value(json_object_get(j, "trust")), "tenant-bundle-only");
    json_decref(j);
    og_certs_policy_clear(&p);

    /* changing thresholds keeps the trust mode */
    memset(&p, 0, sizeof(p));
    OG_ASSERT_OK(og_certs_thresholds_parse("20,5", &p));
    OG_ASSERT_OK(og_certs_policy_set(&env->ctx, "acme", &p, 0));
    memset(&p, 0, sizeof(p));
    OG_ASSERT_OK(og_certs_policy_get(&env->ctx, "acme", &p));
    assert_int_equal(p.bundle_only, 1);
    assert_non_null(p.ca_bundle_pem);
    og_certs_policy_clear(&p);

    /* the trust built from each mode: anchors from the bundle either way */
    og_certs_trust *t = NULL;
    OG_ASSERT_OK(og_certs__trust_new(&t, root_pem, 0));
    og_certs__trust_free(t);
    t = NULL;
    OG_ASSERT_OK(og_certs__trust_new(&t, in_pem, 0));
    og_certs__trust_free(t);
    t = NULL;
    assert_int_equal(og_certs__trust_new(&t, "no certificate here", 0), OG_EINVAL);
    assert_null(t);
    free(root_pem);
    free(in_pem);
    X509_free(root);
    X509_free(in);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(ik);
}

/* The expiry timeline counts time left as the buckets of /metrics do: its first 7 daily periods
 * are the "7d" bucket, its 90 days the 7d, 30d and 90d buckets, per tenant or across tenants. */
static void test_timeline__periods_add_up_to_the_expiry_buckets(void **state)
{
    og_test_env *env = *state;
    EVP_PKEY *k = keygen();
    const struct {
        const char *tenant, *name;
        long from_s, to_s;
    } certs[] = {{"acme", "gone", -10 * DAY_S, -DAY_S}, {"acme", "d2", 0, 2 * DAY_S - 60},
                 {"acme", "d3", 0, 2 * DAY_S + 60},     {"acme", "w2", 0, 10 * DAY_S},
                 {"acme", "m2", 0, 45 * DAY_S},         {"acme", "y1", 0, 200 * DAY_S},
                 {"globex", "d1", 0, DAY_S / 2}};
    for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
        X509 *x = make_cert(certs[i].name, certs[i].from_s, certs[i].to_s, k, NULL, NULL, 0);
        char *pem = pem_of(x, NULL);
        OG_ASSERT_OK(
            og_certs_import(&env->ctx, certs[i].tenant, certs[i].name, pem, strlen(pem), NULL));
        free(pem);
        X509_free(x);
    }
    EVP_PKEY_free(k);
    uint64_t b[OG_CERTS_NBUCKETS];
    json_t *tl = NULL;
    OG_ASSERT_OK(og_certs_expiry_buckets(&env->ctx, "acme", b));
    OG_ASSERT_OK(og_certs_expiry_timeline(&env->ctx, "acme", 90, 1, &tl));
    json_t *p = json_object_get(tl, "periods");
    assert_int_equal(json_array_size(p), 90);
    uint64_t week = 0, all = 0;
    for (size_t i = 0; i < 90; i++) {
        uint64_t n = (uint64_t)json_integer_value(json_object_get(json_array_get(p, i), "count"));
        week += i < 7 ? n : 0;
        all += n;
    }
    assert_int_equal(week, b[1]);
    assert_int_equal(all, b[1] + b[2] + b[3]);
    assert_int_equal(json_integer_value(json_object_get(tl, "expired")), b[0]);
    assert_int_equal(json_integer_value(json_object_get(tl, "later")), b[4]);
    /* the days themselves: 1 day 23:59 left is the second day, 2 days 00:01 the third */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(p, 1), "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(p, 2), "count")), 1);
    assert_string_equal(json_string_value(json_object_get(tl, "tenant")), "acme");
    json_decref(tl);
    /* weeks: 13 periods, the last one ending at the horizon */
    OG_ASSERT_OK(og_certs_expiry_timeline(&env->ctx, NULL, 90, 7, &tl));
    p = json_object_get(tl, "periods");
    assert_int_equal(json_array_size(p), 13);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(p, 0), "count")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(p, 1), "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(p, 6), "count")), 1);
    assert_true(json_is_null(json_object_get(tl, "tenant")));
    json_decref(tl);
    /* bad spans, and who may read */
    tl = NULL;
    assert_int_equal(og_certs_expiry_timeline(&env->ctx, "acme", 0, 1, &tl), OG_EINVAL);
    assert_int_equal(og_certs_expiry_timeline(&env->ctx, "acme", 400, 7, &tl), OG_EINVAL);
    assert_int_equal(og_certs_expiry_timeline(&env->ctx, "acme", 30, 31, &tl), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "30 days by 31"));
    og_ctx ada = env->ctx, cv = env->ctx;
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "cv", OG_ROLE_CLIENT_VIEWER, NULL));
    OG_ASSERT_OK(og_actor_become(&ada, "acme", "ada"));
    OG_ASSERT_OK(og_actor_become(&cv, "acme", "cv"));
    assert_int_equal(og_certs_expiry_timeline(&ada, NULL, 90, 7, &tl), OG_EDENIED);
    assert_int_equal(og_certs_expiry_timeline(&ada, "globex", 90, 7, &tl), OG_ENOTFOUND);
    assert_int_equal(og_certs_expiry_timeline(&cv, "acme", 90, 7, &tl), OG_EDENIED);
    assert_null(tl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_left__is_never_less_than_the_truth),
        cmocka_unit_test(test_every__durations_read_and_print_alike),
        cmocka_unit_test_setup_teardown(test_list__a_fresh_five_day_certificate_has_five_days,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(
            test_list_all__one_view_sorted_by_expiry_for_platform_admins, og_test_env_two_tenants,
            og_test_env_free),
        cmocka_unit_test_setup_teardown(test_list__pages_in_each_order, og_test_env_two_tenants,
                                        og_test_env_free),
        cmocka_unit_test_setup_teardown(test_import__a_key_matching_no_certificate_is_refused,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_import__reads_der_and_pkcs12_with_a_password,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_policy__a_bundle_adds_to_the_system_store_unless_only,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_timeline__periods_add_up_to_the_expiry_buckets,
                                        og_test_env_two_tenants, og_test_env_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
