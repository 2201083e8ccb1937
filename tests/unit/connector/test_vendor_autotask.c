/* test_vendor_autotask.c - the Autotask adaptor's pure parts: exact decimal strings from JSON
 * numbers, date-time stamps, the vendor's error shape, the authentication headers and the query
 * path. The HTTP flows are in tests/integration/test_connector_autotask.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "connector/vendor_autotask.h"
#include "og_test.h"
#include "opsgate/error.h"

/* The decimal string of the first element of a JSON text, or "(none)". */
static const char *dec_of(const char *json_text, char *out, size_t size)
{
    json_t *a = json_loads(json_text, JSON_DECODE_ANY, NULL);
    assert_non_null(a);
    if (at_decimal(json_array_get(a, 0), out, size, NULL) != 0)
        snprintf(out, size, "(none)");
    json_decref(a);
    return out;
}

static void test_vendor_autotask__decimals_keep_the_vendors_digits(void **state)
{
    (void)state;
    char b[48];
    assert_string_equal(dec_of("[7.5]", b, sizeof(b)), "7.5");
    assert_string_equal(dec_of("[0.30000000000000004]", b, sizeof(b)), "0.3");
    assert_string_equal(dec_of("[0.1]", b, sizeof(b)), "0.1");
    assert_string_equal(dec_of("[120]", b, sizeof(b)), "120");
    assert_string_equal(dec_of("[1e2]", b, sizeof(b)), "100");
    assert_string_equal(dec_of("[-0.25]", b, sizeof(b)), "-0.25");
    assert_string_equal(dec_of("[12000.1]", b, sizeof(b)), "12000.1");
    assert_string_equal(dec_of("[99999999.9999]", b, sizeof(b)), "99999999.9999");
    assert_string_equal(dec_of("[0]", b, sizeof(b)), "0");
    assert_string_equal(dec_of("[0.0]", b, sizeof(b)), "0");
}

static void test_vendor_autotask__decimals_round_at_the_fourth_place(void **state)
{
    (void)state;
    char b[48];
    assert_string_equal(dec_of("[1.23456]", b, sizeof(b)), "1.2346");
    assert_string_equal(dec_of("[1.23454]", b, sizeof(b)), "1.2345");
    assert_string_equal(dec_of("[-0.00001]", b, sizeof(b)), "0");
    assert_string_equal(dec_of("[2.99999]", b, sizeof(b)), "3");
}

static void test_vendor_autotask__decimals_refuse_what_is_no_amount(void **state)
{
    (void)state;
    char b[48];
    assert_string_equal(dec_of("[\"7.5\"]", b, sizeof(b)), "(none)");
    assert_string_equal(dec_of("[null]", b, sizeof(b)), "(none)");
    assert_string_equal(dec_of("[true]", b, sizeof(b)), "(none)");
    assert_string_equal(dec_of("[1e300]", b, sizeof(b)), "(none)");
    assert_string_equal(dec_of("[-1e12]", b, sizeof(b)), "(none)");
    assert_string_equal(dec_of("[9223372036854775807]", b, sizeof(b)), "(none)");
    long long n = 0;
    json_t *v = json_real(7.5);
    assert_int_equal(at_decimal(v, b, sizeof(b), &n), 0);
    assert_true(n == 75000);
    assert_int_equal(at_decimal(v, b, 3, &n), 1); /* "7.5" does not fit in 3 bytes */
    json_decref(v);
}

static const char *stamp_of(const char *s, char *out, size_t size)
{
    json_t *v = json_string(s);
    at_stamp(v, out, size);
    json_decref(v);
    return out;
}

static void test_vendor_autotask__stamps_are_rfc3339_utc(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(stamp_of("2026-01-05T10:00:00.123Z", b, sizeof(b)),
                        "2026-01-05T10:00:00.123Z");
    assert_string_equal(stamp_of("2026-01-05T10:00:00", b, sizeof(b)), "2026-01-05T10:00:00Z");
    assert_string_equal(stamp_of("2026-01-05T10:00:00.5+00:00", b, sizeof(b)),
                        "2026-01-05T10:00:00.5Z");
    assert_string_equal(stamp_of("2026-01-05T10:00:00-05:00", b, sizeof(b)), "");
    assert_string_equal(stamp_of("2026-01-05", b, sizeof(b)), "");
    assert_string_equal(stamp_of("yesterday at noon", b, sizeof(b)), "");
    assert_string_equal(stamp_of("2026-01-05T10:00:00Z\"},{\"op\":\"exist\"", b, sizeof(b)), "");
}

static void test_vendor_autotask__error_message_quotes_the_errors_list(void **state)
{
    (void)state;
    char out[128];
    json_t *j = json_loads("{\"errors\": [\"Bad filter\", \"line\\nbreak\"]}", 0, NULL);
    og_conn_autotask.error_message(400, NULL, j, out, sizeof(out));
    assert_string_equal(out, "Bad filter; line break");
    json_decref(j);
    j = json_loads("{\"message\": \"Authorization has been denied\"}", 0, NULL);
    og_conn_autotask.error_message(401, NULL, j, out, sizeof(out));
    assert_string_equal(out, "Authorization has been denied");
    json_decref(j);
    og_conn_autotask.error_message(500, NULL, NULL, out, sizeof(out));
    assert_string_equal(out, "");
    j = json_loads("{\"errors\": [\"0123456789012345678901234567890123456789\"]}", 0, NULL);
    og_conn_autotask.error_message(400, NULL, j, out, 11);
    assert_string_equal(out, "0123456789"); /* cut to the buffer */
    json_decref(j);
    j = json_loads("{\"errors\": [\"abcdefgh\u00e9t\u00e9\"]}", 0, NULL);
    og_conn_autotask.error_message(400, NULL, j, out, 10); /* 9 bytes: "abcdefgh" + half an é */
    assert_string_equal(out, "abcdefgh");
    og_conn_autotask.error_message(400, NULL, j, out, 11);
    assert_string_equal(out, "abcdefgh\xc3\xa9");
    json_decref(j);
}

static void test_vendor_autotask__auth_sends_three_headers_and_names_a_missing_one(void **state)
{
    (void)state;
    og_conn *c = NULL;
    og_conn_headers h = {0};
    json_t *creds = json_pack("{s:s, s:s, s:s}", "username", "api@example.test", "secret",
                              "SECRET-MARKER", "integration_code", "INTEG-MARKER");
    OG_ASSERT_OK(og_conn_open(&c, "autotask", NULL, creds, NULL));
    assert_string_equal(c->base_url, "https://webservices.autotask.net/ATServicesRest");
    OG_ASSERT_OK(og_conn_autotask.auth(c, &h));
    assert_int_equal(h.n, 3);
    assert_string_equal(h.line[0], "ApiIntegrationCode: INTEG-MARKER");
    assert_string_equal(h.line[1], "UserName: api@example.test");
    assert_string_equal(h.line[2], "Secret: SECRET-MARKER");
    og_conn_headers_clear(&h);
    og_conn_free(c);

    json_object_del(creds, "secret");
    OG_ASSERT_OK(og_conn_open(&c, "autotask", NULL, creds, NULL));
    assert_int_equal(og_conn_autotask.auth(c, &h), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "'secret' is missing"));
    assert_null(strstr(og_error_last(), "MARKER"));
    og_conn_headers_clear(&h);
    og_conn_free(c);

    /* a line break in a credential never becomes a second header */
    json_object_set_new(creds, "secret", json_string("x\r\nX-Evil: 1"));
    OG_ASSERT_OK(og_conn_open(&c, "autotask", NULL, creds, NULL));
    assert_int_equal(og_conn_autotask.auth(c, &h), OG_EINVAL);
    og_conn_headers_clear(&h);
    og_conn_free(c);
    json_decref(creds);
}

static void test_vendor_autotask__query_travels_as_escaped_json(void **state)
{
    (void)state;
    json_t *q = at_query(json_pack("[{s:s, s:s, s:s}]", "op", "gt", "field", "lastActivityDateTime",
                                   "value", "2026-01-01T00:00:00Z&x=\""),
                         500);
    char *p = at_search_path("Projects", q);
    assert_non_null(p);
    assert_string_equal(p, "/V1.0/Projects/query?search=%7B%22MaxRecords%22%3A500%2C%22filter%22%3A"
                           "%5B%7B%22field%22%3A%22lastActivityDateTime%22%2C%22op%22%3A%22gt%22%"
                           "2C%22value%22%3A%222026-01-01T00%3A00%3A00Z%26x%3D%5C%22%22%7D%5D%7D");
    free(p);
    json_decref(q);
}

static int zone_check(const char *base, const char *options, const char *url)
{
    og_conn *c = NULL;
    char host[256];
    json_t *o = options ? json_loads(options, 0, NULL) : NULL;
    json_t *creds = json_pack("{s:s}", "username", "api@example.test");
    OG_ASSERT_OK(og_conn_open(&c, "autotask", base, creds, o));
    int rc = at_zone_url_check(c, url, host, sizeof(host));
    og_conn_free(c);
    json_decref(o);
    json_decref(creds);
    return rc;
}

static void test_vendor_autotask__zone_stays_on_autotask_hosts(void **state)
{
    (void)state;
    const char *b = "https://webservices.autotask.net/ATServicesRest";
    OG_ASSERT_OK(zone_check(b, NULL, "https://webservices5.autotask.net/ATServicesRest/"));
    OG_ASSERT_OK(zone_check(b, NULL, "https://webservices.autotask.net/ATServicesRest"));
    assert_int_equal(zone_check(b, NULL, "https://evil.example/ATServicesRest"), OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "pointed to evil.example, not an Autotask host"));
    assert_int_equal(zone_check(b, NULL, "https://webservices5.autotask.net.evil.example/"),
                     OG_EDENIED);
    assert_int_equal(zone_check(b, NULL, "https://evilautotask.net/"), OG_EDENIED);
    assert_int_equal(zone_check(b, NULL, "https://autotask.net/"), OG_EDENIED);
    /* never a downgrade, a query, credentials or a control character */
    assert_true(zone_check(b, NULL, "http://webservices5.autotask.net/ATServicesRest") < 0);
    assert_true(zone_check(b, NULL, "https://webservices5.autotask.net/?x=1") < 0);
    assert_true(zone_check(b, NULL, "https://a:b@webservices5.autotask.net/") < 0);
    assert_true(zone_check(b, NULL, "https://webservices5.autotask.net/\x01") < 0);
    assert_true(zone_check(b, NULL, "ftp://webservices5.autotask.net/") < 0);
    assert_true(zone_check(b, NULL, "not a url") < 0);
    /* options.zone_hosts replaces the list */
    const char *o = "{\"zone_hosts\": [\".psa.example.org\"]}";
    OG_ASSERT_OK(zone_check(b, o, "https://eu.psa.example.org/ATServicesRest"));
    assert_int_equal(zone_check(b, o, "https://webservices5.autotask.net/"), OG_EDENIED);
    /* an http base (a test simulator) may get an http zone on its own host */
    OG_ASSERT_OK(zone_check("http://127.0.0.1:8080/ATServicesRest", NULL,
                            "http://127.0.0.1:9090/ATServicesRest/"));
    assert_int_equal(
        zone_check("http://127.0.0.1:8080/ATServicesRest", NULL, "http://127.0.0.2/ATServicesRest"),
        OG_EDENIED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vendor_autotask__decimals_keep_the_vendors_digits),
        cmocka_unit_test(test_vendor_autotask__decimals_round_at_the_fourth_place),
        cmocka_unit_test(test_vendor_autotask__decimals_refuse_what_is_no_amount),
        cmocka_unit_test(test_vendor_autotask__stamps_are_rfc3339_utc),
        cmocka_unit_test(test_vendor_autotask__error_message_quotes_the_errors_list),
        cmocka_unit_test(test_vendor_autotask__auth_sends_three_headers_and_names_a_missing_one),
        cmocka_unit_test(test_vendor_autotask__query_travels_as_escaped_json),
        cmocka_unit_test(test_vendor_autotask__zone_stays_on_autotask_hosts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
