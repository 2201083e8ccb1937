/* test_certs_validity.c - the CA/B Forum's ballot SC-081 in the inventory: the maximum validity
 * by issue date and its next step, the long-validity finding at each step's edge, and the
 * validity report (which certificates the next step hits, which renew by hand, and when), with
 * certificates made here with chosen dates. */
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

#define DAY_S 86400LL

static int64_t at(const char *date)
{
    int64_t us = 0;
    assert_int_equal(og_time_parse(date, &us), 0);
    return us;
}

/* PEM of a certificate for cn valid from `from` (a date) for `days` days counted inclusively
 * (notAfter = from + days - 1 s), self-signed; ca makes it a CA. */
static char *cert_pem(const char *cn, const char *from, long long days, int ca)
{
    static long serial = 9000;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509V3_CTX v3;
    time_t nb = (time_t)(at(from) / 1000000);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    ASN1_TIME_set(X509_getm_notBefore(x), nb);
    ASN1_TIME_set(X509_getm_notAfter(x), nb + (time_t)(days * DAY_S - 1));
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *e =
        X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char *p = NULL;
    long len = BIO_get_mem_data(b, &p);
    char *out = strndup(p, (size_t)len);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(key);
    return out;
}

/* Import a certificate made by cert_pem; its fingerprint into fp. */
static void put(og_test_env *env, const char *cn, const char *from, long long days, int ca,
                char fp[65])
{
    char *pem = cert_pem(cn, from, days, ca);
    og_certs_import_summary sum;
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", cn, pem, strlen(pem), &sum));
    memcpy(fp, sum.first_fingerprint, 65);
    free(pem);
}

static int teardown(void **state)
{
    og_test_env *env = *state;
    og_certs_renewal_register(NULL);
    og_test_env_teardown(env);
    free(env);
    return 0;
}

static void expect_step(const char *now, int want, const char *from, int max_days)
{
    int64_t from_us = 0;
    int days = 0;
    assert_int_equal(og_certs_validity_step_next(at(now), &from_us, &days), want);
    if (!want)
        return;
    assert_int_equal(from_us, at(from));
    assert_int_equal(days, max_days);
}

static void test_validity_step__the_next_sc081_step_after_each_date(void **state)
{
    (void)state;
    /* the maximum by issue date, on each side of each step */
    assert_int_equal(og_certs_max_validity_days(at("2026-03-14T23:59:59Z")), 398);
    assert_int_equal(og_certs_max_validity_days(at("2026-03-15")), 200);
    assert_int_equal(og_certs_max_validity_days(at("2027-03-14T23:59:59Z")), 200);
    assert_int_equal(og_certs_max_validity_days(at("2027-03-15")), 100);
    assert_int_equal(og_certs_max_validity_days(at("2029-03-14T23:59:59Z")), 100);
    assert_int_equal(og_certs_max_validity_days(at("2029-03-15")), 47);
    /* the next step: its first day and its maximum */
    expect_step("2025-06-01", 1, "2026-03-15", 200);
    expect_step("2026-03-14T23:59:59Z", 1, "2026-03-15", 200);
    expect_step("2026-03-15", 1, "2027-03-15", 100);
    expect_step("2026-12-01", 1, "2027-03-15", 100);
    expect_step("2027-03-15", 1, "2029-03-15", 47);
    expect_step("2029-03-14T12:00:00Z", 1, "2029-03-15", 47);
    expect_step("2029-03-15", 0, NULL, 0);
    expect_step("2035-01-01", 0, NULL, 0);
}

/* long-validity by the maximum of the certificate's own issue date, days counted inclusively */
static void test_long_validity__by_the_maximum_of_the_issue_date(void **state)
{
    og_test_env *env = *state;
    static const struct {
        const char *cn, *from;
        long long days;
        int long_validity;
    } cases[] = {
        {"a.example", "2026-03-01", 398, 0}, /* before the first step: 398 */
        {"b.example", "2026-03-01", 399, 1},
        {"c.example", "2026-04-01", 200, 0}, /* from 2026-03-15: 200 */
        {"d.example", "2026-04-01", 201, 1},
        {"e.example", "2027-03-15", 100, 0}, /* from 2027-03-15: 100 */
        {"f.example", "2027-03-15", 101, 1},
        {"g.example", "2029-03-15", 47, 0}, /* from 2029-03-15: 47 */
        {"h.example", "2029-03-15", 48, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char fp[65];
        json_t *doc = NULL;
        put(env, cases[i].cn, cases[i].from, cases[i].days, 0, fp);
        OG_ASSERT_OK(og_certs_show(&env->ctx, "acme", fp, &doc));
        char *f = json_dumps(json_object_get(doc, "findings"), 0);
        if ((strstr(f, "long-validity") != NULL) != cases[i].long_validity)
            fail_msg("%s from %s for %lld days: findings %s", cases[i].cn, cases[i].from,
                     cases[i].days, f);
        free(f);
        json_decref(doc);
    }
}

static char plan_fp[65];
static int renewal_fn(og_store *s, const char *tenant_id, const char *fp, char plan[OG_ID_LEN])
{
    (void)s;
    (void)tenant_id;
    if (strcmp(fp, plan_fp) != 0)
        return 0;
    og_strlcpy(plan, "11111111-2222-3333-4444-555555555555", OG_ID_LEN);
    return 1;
}

static json_t *row_of(json_t *rep, const char *fp)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(rep, "certs"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "fingerprint")), fp) == 0)
            return c;
    }
    return NULL;
}

/* whether row r lists finding f (self-signed is there too: these certificates sign themselves) */
static bool has_finding(json_t *r, const char *f)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "findings"), i,
                       v) if (strcmp(json_string_value(v), f) == 0) return true;
    return false;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void test_validity_report__lists_what_the_next_step_hits(void **state)
{
    og_test_env *env = *state;
    char manual[65], acme[65], short_[65], ca[65], gone[65], longv[65];
    json_t *rep = NULL, *r;
    put(env, "manual.example", "2026-08-01", 150, 0, manual); /* ends 2026-12-28 */
    put(env, "acme.example", "2026-09-01", 199, 0, acme);     /* ends 2027-03-18 */
    put(env, "short.example", "2026-11-01", 90, 0, short_);   /* fits under 100 */
    put(env, "root.example", "2026-01-01", 3650, 1, ca);      /* a CA: no subscriber rule */
    put(env, "gone.example", "2026-04-01", 180, 0, gone);     /* expired before 2026-12-01 */
    put(env, "long.example", "2026-06-01", 398, 0, longv);    /* over 200 already */
    memcpy(plan_fp, acme, 65);
    og_certs_renewal_register(renewal_fn);

    OG_ASSERT_OK(og_certs_validity_report(&env->ctx, "acme", at("2026-12-01"), &rep));
    assert_string_equal(str(rep, "tenant"), "acme");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(rep, "current"), "max_days")), 200);
    json_t *next = json_object_get(rep, "next");
    assert_string_equal(str(next, "from"), "2027-03-15T00:00:00.000000Z");
    assert_int_equal(json_integer_value(json_object_get(next, "max_days")), 100);
    assert_int_equal(json_integer_value(json_object_get(rep, "count")), 3);
    assert_int_equal(json_integer_value(json_object_get(rep, "manual")), 2);
    assert_null(row_of(rep, short_));
    assert_null(row_of(rep, ca));
    assert_null(row_of(rep, gone));
    /* soonest expiry first */
    assert_string_equal(str(json_array_get(json_object_get(rep, "certs"), 0), "fingerprint"),
                        manual);

    /* renewed by hand at each expiry: 2026-12-28 is before the step (a 150-day renewal under
     * 200), the one after, on 2027-05-27, is under 100 days */
    assert_non_null(r = row_of(rep, manual));
    assert_string_equal(str(r, "renewal"), "manual");
    assert_true(json_is_null(json_object_get(r, "plan")));
    assert_int_equal(json_integer_value(json_object_get(r, "validity_days")), 150);
    assert_true(strncmp(str(r, "hit_on"), "2027-05-27", 10) == 0);
    assert_int_equal(json_integer_value(json_object_get(r, "max_days_then")), 100);
    assert_int_equal(json_integer_value(json_object_get(r, "renewals_a_year_now")), 3);
    assert_int_equal(json_integer_value(json_object_get(r, "renewals_a_year_then")), 4);
    assert_false(has_finding(r, "long-validity")); /* 150 days: within its own date's 200 */

    /* a renewal plan renews it: acme, its plan named; renewed at expiry, after the step */
    assert_non_null(r = row_of(rep, acme));
    assert_string_equal(str(r, "renewal"), "acme");
    assert_string_equal(str(r, "plan"), "11111111-2222-3333-4444-555555555555");
    assert_true(strncmp(str(r, "hit_on"), "2027-03-18", 10) == 0);

    /* already over its own issue date's maximum */
    assert_non_null(r = row_of(rep, longv));
    assert_true(has_finding(r, "long-validity"));
    json_decref(rep);

    /* as of 2028: the next step is 47 days from 2029-03-15; the manual one has expired */
    OG_ASSERT_OK(og_certs_validity_report(&env->ctx, "acme", at("2028-01-01"), &rep));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(rep, "next"), "max_days")),
                     47);
    assert_int_equal(json_integer_value(json_object_get(rep, "count")), 0);
    json_decref(rep);

    /* after the last step nothing changes any more */
    OG_ASSERT_OK(og_certs_validity_report(&env->ctx, "acme", at("2030-01-01"), &rep));
    assert_true(json_is_null(json_object_get(rep, "next")));
    assert_int_equal(json_integer_value(json_object_get(rep, "count")), 0);
    json_decref(rep);

    /* another tenant sees none of them; an unknown tenant is not found */
    OG_ASSERT_OK(og_certs_validity_report(&env->ctx, "globex", at("2026-12-01"), &rep));
    assert_int_equal(json_integer_value(json_object_get(rep, "count")), 0);
    json_decref(rep);
    rep = NULL;
    assert_int_equal(og_certs_validity_report(&env->ctx, "nope", 0, &rep), OG_ENOTFOUND);
    assert_null(rep);
}

/* a certificate named by fingerprint or prefix for renew, revoke and deploy */
static void test_fingerprint_resolve__prefixes_of_eight_digits_and_ambiguity(void **state)
{
    og_test_env *env = *state;
    char a[65], b[65], fp[65], pfx[40];
    put(env, "one.example", "2026-11-01", 90, 0, a);
    put(env, "two.example", "2026-11-01", 90, 0, b);
    assert_false(og_certs_id_is_fingerprint("abc1234"));
    assert_false(og_certs_id_is_fingerprint("11111111-2222-3333-4444-555555555555"));
    assert_true(og_certs_id_is_fingerprint("abcd1234"));
    assert_true(og_certs_id_is_fingerprint("AB:CD:12:34"));
    OG_ASSERT_OK(og_certs_fingerprint_resolve(&env->ctx, "acme", a, fp));
    assert_string_equal(fp, a);
    memcpy(pfx, b, 12);
    pfx[12] = '\0';
    OG_ASSERT_OK(og_certs_fingerprint_resolve(&env->ctx, "acme", pfx, fp));
    assert_string_equal(fp, b);
    assert_int_equal(og_certs_fingerprint_resolve(&env->ctx, "acme", "abc", fp), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "at least 8 hex digits"));
    assert_int_equal(og_certs_fingerprint_resolve(&env->ctx, "globex", a, fp), OG_ENOTFOUND);
    /* an ambiguous prefix is refused naming the candidates: two fingerprints made to share
     * their first 8 digits behind the module's back */
    char sql[512];
    snprintf(sql, sizeof(sql),
             "DELETE FROM cert_sightings WHERE fingerprint IN ('%s', '%s');"
             "UPDATE certs SET fingerprint = 'deadbeef' || substr(fingerprint, 9)"
             " WHERE fingerprint IN ('%s', '%s');",
             a, b, a, b);
    og_test_env_exec(env, sql);
    assert_int_equal(og_certs_fingerprint_resolve(&env->ctx, "acme", "deadbeef", fp), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "ambiguous"));
    assert_non_null(strstr(og_error_last(), "deadbeef"));
    assert_non_null(strstr(og_error_last(), ", deadbeef"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validity_step__the_next_sc081_step_after_each_date),
        cmocka_unit_test_setup_teardown(test_long_validity__by_the_maximum_of_the_issue_date,
                                        og_test_env_two_tenants, teardown),
        cmocka_unit_test_setup_teardown(test_validity_report__lists_what_the_next_step_hits,
                                        og_test_env_two_tenants, teardown),
        cmocka_unit_test_setup_teardown(
            test_fingerprint_resolve__prefixes_of_eight_digits_and_ambiguity,
            og_test_env_two_tenants, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
