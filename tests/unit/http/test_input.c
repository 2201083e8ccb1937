/* test_input.c - what the server refuses before routing: bad request targets and framing. */
#include "og_test.h"
#include "http/router.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static void expect_refused(const char *target, const char *says)
{
    og_error_clear();
    int rc = og_http__target_check(target);
    if (rc != OG_EINVAL)
        fail_msg("'%s' accepted", target);
    if (!strstr(og_error_last(), says))
        fail_msg("'%s': message '%s' does not say '%s'", target, og_error_last(), says);
}

static void test_target__accepts_ordinary_paths_and_queries(void **state)
{
    (void)state;
    const char *ok[] = {
        "/api/v1/whoami",
        "/api/v1/projects/fw/artifacts/Statement%20of%20Work.md",
        "/api/v1/projects/fw/artifacts/%C3%84nderung.pdf?kind=sow&message=first+draft",
        "/api/v1/artifacts/search?q=%E6%97%A5%E6%9C%AC&limit=5",
        "/api/v1/x?flag&empty=&=v",
        "/100%25", /* an encoded '%' */
        "/a%zz",   /* not an escape: kept as is, like libmicrohttpd does */
        "/a%2",    /* nor this */
        "/",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (og_http__target_check(ok[i]) != 0)
            fail_msg("'%s' refused: %s", ok[i], og_error_last());
    OG_ASSERT_OK(og_http__target_check(NULL));
}

static void test_target__refuses_nul_anywhere(void **state)
{
    (void)state;
    expect_refused("/api/v1/whoami%00", "NUL");
    expect_refused("/api/v1/whoami%00", "the request path");
    expect_refused("/api/v1/projects/fw/artifacts/report%00.exe", "byte 36");
    expect_refused("/api/v1/whoami?tenant=acme%00x", "query parameter 'tenant'");
    expect_refused("/api/v1/whoami?a%00b=1", "NUL");
    expect_refused("/api/v1/whoami?x&y=%00", "query parameter 'y'");
}

static void test_target__refuses_invalid_utf8_and_path_controls(void **state)
{
    (void)state;
    expect_refused("/api/v1/projects/fw/artifacts/report%FF.pdf", "not valid UTF-8");
    expect_refused("/api/v1/projects/fw/artifacts/report%FF.pdf", "0xFF");
    expect_refused("/a/\xC0\xAF", "not valid UTF-8");        /* raw overlong '/' */
    expect_refused("/a/%C0%AF", "not valid UTF-8");          /* encoded overlong '/' */
    expect_refused("/a/%ED%A0%80", "not valid UTF-8");       /* encoded surrogate */
    expect_refused("/a?q=%ED%A0%80", "query parameter 'q'"); /* ... in a query value */
    expect_refused("/a?q=%E2%82", "not valid UTF-8");        /* truncated */
    expect_refused("/a%0Ab", "control character 0x0A");
    expect_refused("/a%7F", "control character 0x7F");
    expect_refused("/a?%FF=1", "a query parameter name");
    /* A query key that is not printable ASCII is not quoted back. */
    expect_refused("/a?k%27=%FF", "a query parameter name");
    /* Controls are fine in query values (search words, messages), NUL and bad UTF-8 are not. */
    OG_ASSERT_OK(og_http__target_check("/a?message=line%0Aline"));
}

static int framing(const char *te, int n_te, int n_length, int differs, int http10)
{
    og_http_framing f;
    memset(&f, 0, sizeof(f));
    snprintf(f.te, sizeof(f.te), "%s", te ? te : "");
    f.n_te = n_te;
    f.n_length = n_length;
    f.length_differs = differs;
    f.http10 = http10;
    og_error_clear();
    return og_http__framing_check(&f);
}

static void test_framing__accepts_one_length(void **state)
{
    (void)state;
    assert_int_equal(framing(NULL, 0, 0, 0, 0), 0);
    assert_int_equal(framing(NULL, 0, 1, 0, 0), 0);
    assert_int_equal(framing(NULL, 0, 2, 0, 0), 0); /* the same value twice (RFC 9110 8.6) */
    assert_int_equal(framing(NULL, 0, 1, 0, 1), 0);
}

static void test_framing__refuses_plain_chunked_with_411(void **state)
{
    (void)state;
    assert_int_equal(framing("chunked", 1, 0, 0, 0), 411);
    assert_non_null(strstr(og_error_last(), "Content-Length"));
    assert_int_equal(framing("Chunked", 1, 0, 0, 0), 411);
    assert_int_equal(framing(" chunked ,", 1, 0, 0, 0), 411); /* empty list elements are ignored */
    assert_string_equal(og_http__framing_code(411), "length_required");
    assert_string_equal(og_http__framing_code(501), "not_implemented");
    assert_string_equal(og_http__framing_code(400), "invalid");
}

static void test_framing__refuses_ambiguous_bodies_with_400(void **state)
{
    (void)state;
    assert_int_equal(framing(NULL, 0, 2, 1, 0), 400);
    assert_non_null(strstr(og_error_last(), "Content-Length"));
    assert_int_equal(framing("chunked", 1, 1, 0, 0), 400);
    assert_non_null(strstr(og_error_last(), "both Transfer-Encoding and Content-Length"));
    assert_int_equal(framing("chunked", 1, 0, 0, 1), 400);
    assert_non_null(strstr(og_error_last(), "HTTP/1.0"));
    assert_int_equal(framing("chunked, identity", 1, 0, 0, 0), 400);
    assert_non_null(strstr(og_error_last(), "final"));
    assert_int_equal(framing("chunked, chunked", 2, 0, 0, 0), 400);
    assert_non_null(strstr(og_error_last(), "more than once"));
    assert_int_equal(framing("", 1, 0, 0, 0), 400);
    assert_int_equal(framing(" , ", 1, 0, 0, 0), 400);
    og_http_framing f;
    memset(&f, 0, sizeof(f));
    f.n_te = 9;
    f.te_long = 1;
    assert_int_equal(og_http__framing_check(&f), 400);
}

static void test_framing__refuses_unknown_codings_with_501_naming_them(void **state)
{
    (void)state;
    assert_int_equal(framing("xchunked", 1, 0, 0, 0), 501);
    assert_non_null(strstr(og_error_last(), "'xchunked'"));
    assert_int_equal(framing("gzip, chunked", 1, 0, 0, 0), 501);
    assert_non_null(strstr(og_error_last(), "'gzip'"));
    assert_int_equal(framing("identity", 1, 0, 0, 0), 501);
    /* Client bytes in the message stay printable ASCII (it goes into a JSON body). */
    assert_int_equal(framing("x\xff\x01y", 1, 0, 0, 0), 501);
    assert_non_null(strstr(og_error_last(), "'x??y'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target__accepts_ordinary_paths_and_queries),
        cmocka_unit_test(test_target__refuses_nul_anywhere),
        cmocka_unit_test(test_target__refuses_invalid_utf8_and_path_controls),
        cmocka_unit_test(test_framing__accepts_one_length),
        cmocka_unit_test(test_framing__refuses_plain_chunked_with_411),
        cmocka_unit_test(test_framing__refuses_ambiguous_bodies_with_400),
        cmocka_unit_test(test_framing__refuses_unknown_codings_with_501_naming_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
