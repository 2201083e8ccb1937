/* test_jcs.c - RFC 8785 canonical JSON (the examples of the RFC) and the canonical form of an
 * audit record. */
#include "og_test.h"
#include "audit/audit_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *jcs_of(const char *json)
{
    json_error_t err;
    json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!v)
        fail_msg("bad test JSON %s: %s", json, err.text);
    og_buf b;
    og_buf_init(&b, 1 << 20);
    OG_ASSERT_OK(og_audit__jcs(&b, v));
    json_decref(v);
    return og_buf_detach(&b);
}

static void check_number(uint64_t bits, const char *want)
{
    double d;
    memcpy(&d, &bits, sizeof(d));
    json_t *v = json_real(d);
    og_buf b;
    og_buf_init(&b, 4096);
    OG_ASSERT_OK(og_audit__jcs(&b, v));
    if (strcmp(b.data, want) != 0)
        fail_msg("number %016llx: got %s, want %s", (unsigned long long)bits, b.data, want);
    og_buf_free(&b);
    json_decref(v);
}

/* RFC 8785 appendix B */
static void test_jcs__numbers_follow_ecmascript(void **state)
{
    (void)state;
    check_number(0x0000000000000000ULL, "0");
    check_number(0x8000000000000000ULL, "0");
    check_number(0x0000000000000001ULL, "5e-324");
    check_number(0x8000000000000001ULL, "-5e-324");
    check_number(0x7fefffffffffffffULL, "1.7976931348623157e+308");
    check_number(0xffefffffffffffffULL, "-1.7976931348623157e+308");
    check_number(0x4340000000000000ULL, "9007199254740992");
    check_number(0xc340000000000000ULL, "-9007199254740992");
    check_number(0x4430000000000000ULL, "295147905179352830000");
    check_number(0x44b52d02c7e14af5ULL, "9.999999999999997e+22");
    check_number(0x44b52d02c7e14af6ULL, "1e+23");
    check_number(0x44b52d02c7e14af7ULL, "1.0000000000000001e+23");
    check_number(0x444b1ae4d6e2ef4eULL, "999999999999999700000");
    check_number(0x444b1ae4d6e2ef4fULL, "999999999999999900000");
    check_number(0x444b1ae4d6e2ef50ULL, "1e+21");
    check_number(0x3eb0c6f7a0b5ed8cULL, "9.999999999999997e-7");
    check_number(0x3eb0c6f7a0b5ed8dULL, "0.000001");
    check_number(0x41b3de4355555553ULL, "333333333.3333332");
    check_number(0x41b3de4355555554ULL, "333333333.33333325");
    check_number(0x41b3de4355555555ULL, "333333333.3333333");
    check_number(0x41b3de4355555556ULL, "333333333.3333334");
    check_number(0x41b3de4355555557ULL, "333333333.33333343");
    check_number(0xbecbf647612f3696ULL, "-0.0000033333333333333333");
    check_number(0x43143ff3c1cb0959ULL, "1424953923781206.2");
}

/* RFC 8785 section 3.2.3: sorted by UTF-16 code units, so U+1F600 (a surrogate pair, D83D)
 * sorts before U+FB33 although its UTF-8 is larger. */
static void test_jcs__keys_sort_by_utf16_code_units(void **state)
{
    (void)state;
    char *s = jcs_of("{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew "
                     "Letter Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: "
                     "Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O "
                     "With Diaeresis\"}");
    assert_string_equal(s, "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
                           "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":"
                           "\"Euro Sign\",\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac"
                           "\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
    free(s);
}

/* RFC 8785 section 3.2.2.2 and the structure example of 3.2.4 */
static void test_jcs__strings_literals_and_nesting(void **state)
{
    (void)state;
    char *s =
        jcs_of("{\"numbers\":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"
               "\"string\":\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\","
               "\"literals\":[null,true,false]}");
    assert_string_equal(s, "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,"
                           "4.5,0.002,1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\"
                           "\\\"/\"}");
    free(s);
    s = jcs_of("[ {\"b\" : [ 1 , {\"z\":1,\"a\":2} ] , \"a\" : {} } , [] , \"\\u0000\\t\" ]");
    assert_string_equal(s, "[{\"a\":{},\"b\":[1,{\"a\":2,\"z\":1}]},[],\"\\u0000\\t\"]");
    free(s);
}

static void test_jcs__invalid_utf8_and_deep_nesting_are_refused(void **state)
{
    (void)state;
    og_buf b;
    og_buf_init(&b, 1 << 20);
    assert_int_equal(og_audit__jcs_string(&b, "bad \xc3\x28"), OG_EINVAL);
    assert_int_equal(og_audit__jcs_string(&b, "overlong \xc0\xaf"), OG_EINVAL);
    assert_int_equal(og_audit__jcs_string(&b, "surrogate \xed\xa0\x80"), OG_EINVAL);
    json_t *v = json_array(), *inner = v;
    for (int i = 0; i < 100; i++) {
        json_t *a = json_array();
        json_array_append_new(inner, a);
        inner = a;
    }
    og_buf_reset(&b);
    assert_int_equal(og_audit__jcs(&b, v), OG_EINVAL);
    json_decref(v);
    og_buf_free(&b);
}

/* The record writer used by append and verify emits exactly the JCS of the record's JSON. */
static void test_jcs__record_canonical_form_equals_jcs_of_its_json(void **state)
{
    (void)state;
    og_audit__row rows[2] = {
        {.chain = "platform",
         .seq = 7,
         .time = "2026-11-22T04:15:20.123456Z",
         .actor = "local:root as user:\xc3\xa9ve",
         .token_id = NULL,
         .area = "platform",
         .action = "tenant.create",
         .target_type = "tenant",
         .target_id = "t-1",
         .event_id = NULL,
         .analysis = "{\"a\":[1,2.5,\"x\\n\"],\"b\":null}",
         .gate_level = NULL,
         .outcome = "ok",
         .detail = NULL,
         .rollback_of = 0,
         .prev_hash = "00000000000000000000000000000000000000000000000000000000000000ff"},
        {.chain = "1234",
         .seq = 1,
         .time = "2026-11-22T04:15:20.000000Z",
         .actor = "user:al\"ice",
         .token_id = "tok",
         .area = "certs",
         .action = "cert.renew",
         .target_type = NULL,
         .target_id = NULL,
         .event_id = "ev-9",
         .analysis = NULL,
         .gate_level = "L2",
         .gate_decision = "approved",
         .gate_decided_by = "user:bob",
         .gate_decided_at = "2026-11-22T04:15:19Z",
         .outcome = "failed",
         .detail = "tab\there, quote \" and \\",
         .rollback_of = 3,
         .prev_hash = "0000000000000000000000000000000000000000000000000000000000000000"},
    };
    for (int i = 0; i < 2; i++) {
        og_buf direct, generic;
        og_buf_init(&direct, 1 << 20);
        og_buf_init(&generic, 1 << 20);
        OG_ASSERT_OK(og_audit__row_canonical(&direct, &rows[i]));
        json_t *j = og_audit__row_json(&rows[i], NULL);
        assert_non_null(j);
        assert_null(json_object_get(j, "hash"));
        OG_ASSERT_OK(og_audit__jcs(&generic, j));
        assert_string_equal(direct.data, generic.data);
        json_decref(j);
        og_buf_free(&direct);
        og_buf_free(&generic);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jcs__numbers_follow_ecmascript),
        cmocka_unit_test(test_jcs__keys_sort_by_utf16_code_units),
        cmocka_unit_test(test_jcs__strings_literals_and_nesting),
        cmocka_unit_test(test_jcs__invalid_utf8_and_deep_nesting_are_refused),
        cmocka_unit_test(test_jcs__record_canonical_form_equals_jcs_of_its_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
