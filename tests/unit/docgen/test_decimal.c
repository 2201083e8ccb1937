/* test_decimal.c - exact decimal money: parsing, exactness, rounding, formatting, overflow. */
#include "og_test.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <string.h>

static og_dec D(const char *s)
{
    og_dec d = 0;
    if (og_dec_parse(s, &d) < 0)
        fail_msg("og_dec_parse(\"%s\"): %s", s, og_error_last());
    return d;
}

static void expect_fmt(og_dec d, int digits, int group, const char *want)
{
    char s[OG_DEC_STR_MAX];
    og_dec_format(d, digits, group, s);
    if (strcmp(s, want) != 0)
        fail_msg("format(%lld, %d) = \"%s\", want \"%s\"", (long long)d, digits, s, want);
}

static void test_dec_parse__accepts_plain_decimals_and_refuses_the_rest(void **state)
{
    (void)state;
    assert_int_equal(D("145.00"), 1450000);
    assert_int_equal(D("7.5"), 75000);
    assert_int_equal(D("-0.25"), -2500);
    assert_int_equal(D("+3"), 30000);
    assert_int_equal(D("0.0001"), 1);
    og_dec d;
    const char *bad[] = {"",     "1e3",     "1,000", " 1",  "1.",
                         ".5",   "1.23456", "abc",   "--1", "1234567890123456",
                         "0x10", NULL};
    for (int i = 0; bad[i]; i++) {
        if (og_dec_parse(bad[i], &d) != OG_EINVAL)
            fail_msg("\"%s\" should be refused", bad[i]);
    }
}

static void test_dec_add__point_one_plus_point_two_is_exactly_point_three(void **state)
{
    (void)state;
    og_dec s;
    OG_ASSERT_OK(og_dec_add(D("0.1"), D("0.2"), &s));
    assert_int_equal(s, D("0.3"));
    expect_fmt(s, 2, 0, "0.30");
    /* ten thousand times 0.01 is exactly 100 */
    og_dec acc = 0;
    for (int i = 0; i < 10000; i++)
        OG_ASSERT_OK(og_dec_add(acc, D("0.01"), &acc));
    assert_int_equal(acc, D("100"));
}

static void test_dec_mul__hours_times_rate_is_exact(void **state)
{
    (void)state;
    og_dec p;
    OG_ASSERT_OK(og_dec_mul(D("7.5"), D("145.00"), &p));
    assert_int_equal(p, D("1087.5"));
    OG_ASSERT_OK(og_dec_mul(D("11.25"), D("145.00"), &p));
    expect_fmt(p, 2, 1, "1,631.25");
    OG_ASSERT_OK(og_dec_mul(D("0.3333"), D("3"), &p));
    assert_int_equal(p, D("0.9999"));
}

static void test_dec_mul__a_large_sum_of_lines_stays_exact(void **state)
{
    (void)state;
    /* 100,000 lines of 12.75 h x 137.35 = 1,751.2125 each, rounded per line to 1,751.21 */
    og_dec line, total = 0;
    OG_ASSERT_OK(og_dec_mul(D("12.75"), D("137.35"), &line));
    assert_int_equal(line, D("1751.2125"));
    line = og_dec_round(line, 2);
    assert_int_equal(line, D("1751.21"));
    for (int i = 0; i < 100000; i++)
        OG_ASSERT_OK(og_dec_add(total, line, &total));
    expect_fmt(total, 2, 1, "175,121,000.00");
}

static void test_dec_round__is_half_even_at_the_minor_unit(void **state)
{
    (void)state;
    assert_int_equal(og_dec_round(D("2.345"), 2), D("2.34"));  /* tie, even neighbour down */
    assert_int_equal(og_dec_round(D("2.355"), 2), D("2.36"));  /* tie, even neighbour up */
    assert_int_equal(og_dec_round(D("2.3451"), 2), D("2.35")); /* above the tie */
    assert_int_equal(og_dec_round(D("-2.345"), 2), D("-2.34"));
    assert_int_equal(og_dec_round(D("-2.355"), 2), D("-2.36"));
    assert_int_equal(og_dec_round(D("0.5"), 0), D("0"));
    assert_int_equal(og_dec_round(D("1.5"), 0), D("2"));
    assert_int_equal(og_dec_round(D("1.0005"), 3), D("1.000"));
    expect_fmt(D("5509.875"), 2, 1, "5,509.88");
    expect_fmt(D("-1234567.5"), 0, 1, "-1,234,568");
    expect_fmt(D("-0.001"), 2, 0, "0.00");
}

static void test_dec_mul_div__round_half_even_and_refuse_overflow(void **state)
{
    (void)state;
    og_dec q;
    OG_ASSERT_OK(og_dec_div(D("1"), D("3"), &q));
    assert_int_equal(q, D("0.3333"));
    OG_ASSERT_OK(og_dec_div(D("2"), D("3"), &q));
    assert_int_equal(q, D("0.6667"));
    OG_ASSERT_OK(og_dec_mul(D("0.0001"), D("0.5"), &q)); /* 0.00005: a tie, rounds to even 0 */
    assert_int_equal(q, 0);
    assert_int_equal(og_dec_div(D("1"), 0, &q), OG_EINVAL);
    assert_int_equal(og_dec_mul(D("900000000000"), D("900000000000"), &q), OG_EINVAL);
    assert_int_equal(og_dec_add(INT64_MAX, 1, &q), OG_EINVAL);
    assert_int_equal(og_dec_sub(INT64_MIN, 1, &q), OG_EINVAL);
}

static void test_dec_from_json__refuses_reals_naming_the_field(void **state)
{
    (void)state;
    og_dec d;
    json_t *r = json_real(7.5), *i = json_integer(12), *s = json_string("145.00"), *b = json_true();
    OG_ASSERT_OK(og_dec_from_json(s, "x", &d));
    assert_int_equal(d, 1450000);
    OG_ASSERT_OK(og_dec_from_json(i, "x", &d));
    assert_int_equal(d, 120000);
    assert_int_equal(og_dec_from_json(r, "phases[0].tasks[1].hours", &d), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "phases[0].tasks[1].hours"));
    assert_non_null(strstr(og_error_last(), "string"));
    assert_int_equal(og_dec_from_json(b, "rate", &d), OG_EINVAL);
    assert_int_equal(og_dec_from_json(NULL, "rate", &d), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "rate: missing"));
    json_decref(r);
    json_decref(i);
    json_decref(s);
    json_decref(b);
}

static void test_currency_digits__follow_iso_4217(void **state)
{
    (void)state;
    int d;
    OG_ASSERT_OK(og_currency_digits("EUR", &d));
    assert_int_equal(d, 2);
    OG_ASSERT_OK(og_currency_digits("JPY", &d));
    assert_int_equal(d, 0);
    OG_ASSERT_OK(og_currency_digits("KWD", &d));
    assert_int_equal(d, 3);
    assert_int_equal(og_currency_digits("eur", &d), OG_EINVAL);
    assert_int_equal(og_currency_digits("EURO", &d), OG_EINVAL);
}

static void test_dec_format_min__is_the_shortest_exact_text(void **state)
{
    (void)state;
    char s[OG_DEC_STR_MAX];
    og_dec_format_min(D("7.50"), s);
    assert_string_equal(s, "7.5");
    og_dec_format_min(D("144.75"), s);
    assert_string_equal(s, "144.75");
    og_dec_format_min(D("40"), s);
    assert_string_equal(s, "40");
    og_dec_format_min(D("-0.0001"), s);
    assert_string_equal(s, "-0.0001");
    og_dec_format_min(INT64_MIN, s); /* the extreme still formats */
    assert_true(strlen(s) > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dec_parse__accepts_plain_decimals_and_refuses_the_rest),
        cmocka_unit_test(test_dec_add__point_one_plus_point_two_is_exactly_point_three),
        cmocka_unit_test(test_dec_mul__hours_times_rate_is_exact),
        cmocka_unit_test(test_dec_mul__a_large_sum_of_lines_stays_exact),
        cmocka_unit_test(test_dec_round__is_half_even_at_the_minor_unit),
        cmocka_unit_test(test_dec_mul_div__round_half_even_and_refuse_overflow),
        cmocka_unit_test(test_dec_from_json__refuses_reals_naming_the_field),
        cmocka_unit_test(test_currency_digits__follow_iso_4217),
        cmocka_unit_test(test_dec_format_min__is_the_shortest_exact_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
