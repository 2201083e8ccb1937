/* test_ct_parse.c - the Cert Spotter answer parser: the documented shape read field by field,
 * hashes lower-cased, names lower-cased and checked, limits, and every malformed answer refused
 * naming the entry and the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "og_test.h"
#include "opsgate/ct.h"
#include "opsgate/error.h"

#define H64 "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"

/* One issuance as the Cert Spotter documentation shows it (expand=dns_names, expand=issuer). */
static const char *const documented =
    "[{\"id\":\"1255137653\",\"tbs_sha256\":\"" H64 "\",\"cert_sha256\":\"" H64 "\","
    "\"dns_names\":[\"WWW.Example.com\",\"*.example.com\"],\"pubkey_sha256\":\"" H64 "\","
    "\"issuer\":{\"friendly_name\":\"Let's Encrypt\",\"caa_domains\":[\"letsencrypt.org\"],"
    "\"name\":\"C=US, O=Let's Encrypt, CN=R11\",\"pubkey_sha256\":\"" H64 "\"},"
    "\"not_before\":\"2026-11-01T10:00:00Z\",\"not_after\":\"2027-01-30T10:00:00Z\","
    "\"revoked\":false,\"problem_reporting\":\"mailto:x@example\"},"
    "{\"id\":\"1255137654\",\"revoked\":true,\"issuer\":{\"friendly_name\":\"Other\"}}]";

static void test_ct_parse__reads_the_documented_shape(void **state)
{
    (void)state;
    og_ct_issuance *v = NULL;
    size_t n = 0;
    OG_ASSERT_OK(og_ct_certspotter_parse(documented, strlen(documented), &v, &n));
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "1255137653");
    assert_string_equal(v[0].cert_sha256,
                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_string_equal(v[0].tbs_sha256, v[0].cert_sha256);
    assert_string_equal(v[0].issuer_pubkey_sha256, v[0].cert_sha256);
    assert_string_equal(v[0].issuer, "C=US, O=Let's Encrypt, CN=R11");
    assert_int_equal(v[0].nnames, 2);
    assert_string_equal(v[0].names[0], "www.example.com");
    assert_string_equal(v[0].names[1], "*.example.com");
    assert_string_equal(v[0].not_after, "2027-01-30T10:00:00Z");
    assert_int_equal(v[0].revoked, 0);
    /* without the expansions: no names, the issuer's friendly name when it has no DN */
    assert_string_equal(v[1].id, "1255137654");
    assert_int_equal(v[1].nnames, 0);
    assert_string_equal(v[1].cert_sha256, "");
    assert_string_equal(v[1].issuer, "Other");
    assert_int_equal(v[1].revoked, 1);
    og_ct_issuances_free(v, n);
    OG_ASSERT_OK(og_ct_certspotter_parse("[]", 2, &v, &n));
    assert_int_equal(n, 0);
    assert_null(v);
    og_ct_issuances_free(NULL, 0);
}

static void expect_refused(const char *body, int code, const char *needle)
{
    og_ct_issuance *v = (og_ct_issuance *)1;
    size_t n = 99;
    assert_int_equal(og_ct_certspotter_parse(body, strlen(body), &v, &n), code);
    assert_null(v);
    assert_int_equal(n, 0);
    if (!strstr(og_error_last(), needle))
        fail_msg("'%s': message '%s' lacks '%s'", body, og_error_last(), needle);
}

static void test_ct_parse__refuses_what_is_malformed(void **state)
{
    (void)state;
    expect_refused("", OG_EINVAL, "not JSON");
    expect_refused("{\"id\":\"1\"}", OG_EINVAL, "not an array");
    expect_refused("[1]", OG_EINVAL, "issuance 0 is not an object");
    expect_refused("[{}]", OG_EINVAL, "issuance 0 has no id");
    expect_refused("[{\"id\":\"1\"},{\"id\":2}]", OG_EINVAL, "issuance 1: id");
    expect_refused("[{\"id\":\"1&after=9\"}]", OG_EINVAL, "plain token");
    expect_refused("[{\"id\":\"1\",\"cert_sha256\":\"abc\"}]", OG_EINVAL, "cert_sha256");
    expect_refused("[{\"id\":\"1\",\"tbs_sha256\":\"" H64 "x\"}]", OG_EINVAL, "tbs_sha256");
    expect_refused("[{\"id\":\"1\",\"dns_names\":\"a.example\"}]", OG_EINVAL, "not an array");
    expect_refused("[{\"id\":\"1\",\"dns_names\":[\"a b.example\"]}]", OG_EINVAL, "dns_names[0]");
    expect_refused("[{\"id\":\"1\",\"dns_names\":[\"ok.example\",\"*.*.example\"]}]", OG_EINVAL,
                   "dns_names[1]");
    /* a NUL inside a name is refused before a name is read */
    expect_refused("[{\"id\":\"1\",\"dns_names\":[\"a.example\\u0000.evil\"]}]", OG_EINVAL,
                   "not JSON");
    expect_refused("[{\"id\":\"1\",\"issuer\":\"R11\"}]", OG_EINVAL, "issuer is not an object");
    expect_refused("[{\"id\":\"1\",\"issuer\":{\"name\":\"a\\nb\"}}]", OG_EINVAL,
                   "control character");
    expect_refused("[{\"id\":\"1\",\"id\":\"2\"}]", OG_EINVAL, "not JSON");
}

static void test_ct_parse__limits_hold(void **state)
{
    (void)state;
    /* more names than an issuance may have */
    size_t cap = 40 + (size_t)(OG_CT_NAMES_MAX + 1) * 16;
    char *b = malloc(cap), *p = b;
    p += sprintf(p, "[{\"id\":\"1\",\"dns_names\":[");
    for (int i = 0; i <= OG_CT_NAMES_MAX; i++)
        p += sprintf(p, "%s\"n%d.example\"", i ? "," : "", i);
    p += sprintf(p, "]}]");
    expect_refused(b, OG_ETOOBIG, "dns_names");
    free(b);
    /* more issuances than a page may hold */
    cap = 4 + (size_t)(OG_CT_PAGE_MAX + 1) * 16;
    b = malloc(cap);
    p = b;
    *p++ = '[';
    for (int i = 0; i <= OG_CT_PAGE_MAX; i++)
        p += sprintf(p, "%s{\"id\":\"%d\"}", i ? "," : "", i + 1);
    strcpy(p, "]");
    expect_refused(b, OG_ETOOBIG, "more than");
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ct_parse__reads_the_documented_shape),
        cmocka_unit_test(test_ct_parse__refuses_what_is_malformed),
        cmocka_unit_test(test_ct_parse__limits_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
