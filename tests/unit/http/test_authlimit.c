/* test_authlimit.c - the failed-authentication limiter: per key, windows, the bounded table. */
#include "og_test.h"
#include "http/authlimit.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static void fail_n(og_http_authlimit *l, const char *src, const char *prefix, int n)
{
    for (int i = 0; i < n; i++)
        og_http__authlimit_fail(l, src, prefix);
}

static void test_authlimit__refuses_after_the_limit_per_source(void **state)
{
    (void)state;
    og_http_authlimit *l;
    og_http_authlimit_refusal why;
    OG_ASSERT_OK(og_http__authlimit_new(&l, 3, 60, 16));
    fail_n(l, "10.0.0.1", "", 2);
    assert_int_equal(og_http__authlimit_check(l, "10.0.0.1", "", &why), 0);
    og_http__authlimit_fail(l, "10.0.0.1", "");
    assert_true(og_http__authlimit_check(l, "10.0.0.1", "", &why) > 0);
    assert_true(why.retry_after >= 1 && why.retry_after <= 60);
    assert_string_equal(why.by, "source");
    assert_int_equal(why.failures, 3);
    assert_int_equal(why.first, 1);
    assert_true(og_http__authlimit_check(l, "10.0.0.1", "", &why) > 0);
    assert_int_equal(why.first, 0); /* audited once per window */
    assert_int_equal(og_http__authlimit_check(l, "10.0.0.2", "", &why), 0);
    og_http__authlimit_free(l);
}

static void test_authlimit__refuses_a_token_prefix_from_any_source(void **state)
{
    (void)state;
    og_http_authlimit *l;
    og_http_authlimit_refusal why;
    char src[32];
    OG_ASSERT_OK(og_http__authlimit_new(&l, 3, 60, 16));
    for (int i = 0; i < 3; i++) {
        snprintf(src, sizeof(src), "10.0.1.%d", i);
        og_http__authlimit_fail(l, src, "tok-a");
    }
    assert_true(og_http__authlimit_check(l, "10.0.2.1", "tok-a", &why) > 0);
    assert_string_equal(why.by, "token_prefix");
    assert_int_equal(og_http__authlimit_check(l, "10.0.2.1", "tok-b", &why), 0);
    og_http__authlimit_free(l);
}

static void test_authlimit__the_table_is_bounded_and_evicts_the_oldest(void **state)
{
    (void)state;
    og_http_authlimit *l;
    og_http_authlimit_refusal why;
    char src[32];
    OG_ASSERT_OK(og_http__authlimit_new(&l, 2, 60, 8));
    fail_n(l, "victim", "", 2);
    assert_true(og_http__authlimit_check(l, "victim", "", &why) > 0);
    /* Many more addresses than the table holds: the oldest window (the victim's) goes. */
    for (int i = 0; i < 100; i++) {
        snprintf(src, sizeof(src), "10.9.%d.%d", i / 256, i % 256);
        og_http__authlimit_fail(l, src, "");
    }
    assert_int_equal(og_http__authlimit_check(l, "victim", "", &why), 0);
    /* The newest are remembered. */
    og_http__authlimit_fail(l, "10.9.0.99", "");
    assert_true(og_http__authlimit_check(l, "10.9.0.99", "", &why) > 0);
    og_http__authlimit_free(l);
}

static void test_authlimit__zero_disables(void **state)
{
    (void)state;
    og_http_authlimit *l = (og_http_authlimit *)1;
    og_http_authlimit_refusal why;
    OG_ASSERT_OK(og_http__authlimit_new(&l, 0, 60, 8));
    assert_null(l);
    fail_n(l, "10.0.0.1", "x", 100);
    assert_int_equal(og_http__authlimit_check(l, "10.0.0.1", "x", &why), 0);
    og_http__authlimit_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authlimit__refuses_after_the_limit_per_source),
        cmocka_unit_test(test_authlimit__refuses_a_token_prefix_from_any_source),
        cmocka_unit_test(test_authlimit__the_table_is_bounded_and_evicts_the_oldest),
        cmocka_unit_test(test_authlimit__zero_disables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
