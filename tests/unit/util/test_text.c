/* test_text.c - og_utf8_valid() and og_name_check(): the shared check for user-facing names. */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define OG_ASSERT_ERROR_CONTAINS(text)                                                             \
    do {                                                                                           \
        if (!strstr(og_error_last(), (text)))                                                      \
            fail_msg("error '%s' does not contain '%s'", og_error_last(), (text));                 \
    } while (0)

/* Encode cp as UTF-8 (surrogates included, for the tests that must see them refused). */
static size_t enc(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* "report" + cp + ".pdf" */
static int check_with(unsigned cp)
{
    char s[32] = "report";
    size_t n = 6 + enc(cp, s + 6);
    memcpy(s + n, ".pdf", 5);
    return og_name_check("artifact name", s, 200);
}

static void test_name_check__accepts_names_people_write(void **state)
{
    (void)state;
    const char *ok[] = {
        "Statement of Work.md",
        "Änderungsantrag 3 (v2).pdf",
        "日本語の名前",
        "Ελληνικά",
        "עברית ושם",
        "اسم عربي",
        "emoji 🚀 ok",
        "tab-free: a.b_c-d",
        "x",
        "e\xCC\x81" /* e + combining acute */,
        "नमस्ते",
        "\xC2\xA0nbsp inside",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int rc = og_name_check("artifact name", ok[i], 200);
        if (rc != 0)
            fail_msg("'%s' refused: %s", ok[i], og_error_last());
    }
}

static void test_name_check__refuses_the_format_characters_of_the_issue(void **state)
{
    (void)state;
    /* Every code point the issue lists, one by one. */
    static const unsigned ranges[][2] = {
        {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F}, {0xFEFF, 0xFEFF},
        {0xFFF9, 0xFFFB}, {0x061C, 0x061C}, {0x180E, 0x180E}, {0x00AD, 0x00AD}, {0xE0000, 0xE007F},
    };
    for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
        for (unsigned cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
            if (check_with(cp) != OG_EINVAL)
                fail_msg("U+%04X accepted", cp);
            char want[32];
            snprintf(want, sizeof(want), "U+%04X at byte offset 6", cp);
            if (!strstr(og_error_last(), want) || strncmp(og_error_last(), "artifact name", 13))
                fail_msg("U+%04X: message '%s' does not name field and code point", cp,
                         og_error_last());
        }
    }
    /* The right-to-left override, the classic "report\u202Eexe.pdf" spoof. */
    assert_int_equal(og_name_check("artifact name",
                                   "report\xE2\x80\xAE"
                                   "fdp.exe",
                                   200),
                     OG_EINVAL);
    OG_ASSERT_ERROR_CONTAINS("U+202E");
    OG_ASSERT_ERROR_CONTAINS("format character");
}

static void test_name_check__refuses_every_control_character(void **state)
{
    (void)state;
    for (unsigned cp = 1; cp < 0x20; cp++)
        if (check_with(cp) != OG_EINVAL)
            fail_msg("C0 control 0x%02X accepted", cp);
    assert_int_equal(check_with(0x7F), OG_EINVAL);
    for (unsigned cp = 0x80; cp < 0xA0; cp++)
        if (check_with(cp) != OG_EINVAL)
            fail_msg("C1 control U+%04X accepted", cp);
    OG_ASSERT_ERROR_CONTAINS("control character");
    assert_int_equal(check_with(0x2028), OG_EINVAL); /* line separator */
    assert_int_equal(check_with(0x2029), OG_EINVAL); /* paragraph separator */
    assert_int_equal(check_with(0xE000), OG_EINVAL); /* private use */
    assert_int_equal(check_with(0xFFFE), OG_EINVAL); /* noncharacter */
    assert_int_equal(check_with(0x10FFFF), OG_EINVAL);
}

static void test_name_check__refuses_malformed_utf8_naming_the_byte(void **state)
{
    (void)state;
    struct {
        const char *s;
        size_t at;
    } bad[] = {
        {"report\xFF.pdf", 6},     /* never valid */
        {"ab\xC0\xAF", 2},         /* overlong '/' */
        {"ab\xE0\x80\xAF", 2},     /* overlong '/' in three bytes */
        {"ab\xF0\x80\x80\xAF", 2}, /* overlong in four bytes */
        {"ab\xC1\xBF", 2},         /* overlong U+007F */
        {"ab\xED\xA0\x80", 2},     /* surrogate U+D800 */
        {"ab\xED\xBF\xBF", 2},     /* surrogate U+DFFF */
        {"ab\xF4\x90\x80\x80", 2}, /* U+110000 */
        {"ab\xF5\x80\x80\x80", 2}, /* lead byte past F4 */
        {"ab\xE2\x82", 2},         /* truncated at the end */
        {"ab\xE2\x82z", 2},        /* truncated in the middle */
        {"ab\x80z", 2},            /* lone continuation byte */
        {"\xFE", 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (og_name_check("project name", bad[i].s, 200) != OG_EINVAL)
            fail_msg("case %zu accepted", i);
        char want[64];
        snprintf(want, sizeof(want), "byte 0x%02X at offset %zu",
                 (unsigned char)bad[i].s[bad[i].at], bad[i].at);
        if (!strstr(og_error_last(), want) || !strstr(og_error_last(), "not valid UTF-8") ||
            strncmp(og_error_last(), "project name", 12))
            fail_msg("case %zu: '%s' does not say '%s'", i, og_error_last(), want);
        size_t at = 99;
        assert_false(og_utf8_valid(bad[i].s, strlen(bad[i].s), &at));
        assert_int_equal(at, bad[i].at);
    }
}

static void test_name_check__caps_length_and_refuses_empty(void **state)
{
    (void)state;
    char s[300];
    memset(s, 'a', sizeof(s));
    s[200] = '\0';
    OG_ASSERT_OK(og_name_check("artifact name", s, 200));
    s[200] = 'a';
    s[201] = '\0';
    assert_int_equal(og_name_check("artifact name", s, 200), OG_EINVAL);
    OG_ASSERT_ERROR_CONTAINS("201 bytes");
    assert_int_equal(og_name_check("artifact name", "", 200), OG_EINVAL);
    OG_ASSERT_ERROR_CONTAINS("empty");
    assert_int_equal(og_name_check("artifact name", NULL, 200), OG_EINVAL);
}

/* Every code point once: the decoder agrees with a plain encoder, so everything refused is
 * refused for its category, never because the decoder got lost. */
static void test_name_check__every_scalar_value_round_trips_through_the_decoder(void **state)
{
    (void)state;
    char s[8];
    for (unsigned cp = 1; cp <= 0x10FFFF; cp++) {
        size_t n = enc(cp, s);
        bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        size_t at = 0;
        if (og_utf8_valid(s, n, &at) == surrogate)
            fail_msg("U+%04X: og_utf8_valid says %d", cp, !surrogate ? 0 : 1);
        s[n] = '\0';
        int rc = og_name_check("n", s, 0);
        if (rc != 0 && !strstr(og_error_last(), "U+") && !surrogate)
            fail_msg("U+%04X refused as bytes, not as a code point: %s", cp, og_error_last());
    }
    /* NUL inside a length-delimited string is not valid text. */
    size_t at = 0;
    assert_false(og_utf8_valid("ab\0cd", 5, &at));
    assert_int_equal(at, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_check__accepts_names_people_write),
        cmocka_unit_test(test_name_check__refuses_the_format_characters_of_the_issue),
        cmocka_unit_test(test_name_check__refuses_every_control_character),
        cmocka_unit_test(test_name_check__refuses_malformed_utf8_naming_the_byte),
        cmocka_unit_test(test_name_check__caps_length_and_refuses_empty),
        cmocka_unit_test(test_name_check__every_scalar_value_round_trips_through_the_decoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
