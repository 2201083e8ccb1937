/* test_table.c - the CLI's aligned text tables (src/cli/table.c): columns as wide as their widest
 * value, display widths of UTF-8, control characters neutralised. */
#include "og_test.h"
#include "cli/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print t into a string (caller frees). */
static char *render(og_cli_table *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    og_cli_table_print(t, f, 0);
    fclose(f);
    return buf;
}

/* Column where the text of column `col` starts on each line, counted in characters of display. */
static void assert_column_starts_at(const char *out, const char *needle_per_line[], size_t nlines,
                                    size_t want)
{
    const char *line = out;
    for (size_t i = 0; i < nlines; i++) {
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        char *copy = strndup(line, (size_t)(nl - line));
        char *at = strstr(copy, needle_per_line[i]);
        assert_non_null(at);
        *at = '\0';
        assert_int_equal(og_cli_text_width(copy), want);
        free(copy);
        line = nl + 1;
    }
}

static void test_table__columns_widen_to_their_longest_value(void **state)
{
    (void)state;
    const char *const head[] = {"TARGET", "DAYS", "SUBJECT", NULL};
    og_cli_table *t = og_cli_table_new(head);
    og_cli_table_right(t, 1);
    assert_int_equal(og_cli_table_add(t, (const char *[]){"a:443", "5", "CN=a"}), 0);
    assert_int_equal(
        og_cli_table_add(
            t, (const char *[]){"a-very-long-host-name.example.internal:8443", "1234", "CN=b"}),
        0);
    assert_int_equal(og_cli_table_rows(t), 2);
    char *out = render(t);
    /* DAYS is right-aligned: "5" ends where "1234" ends; SUBJECT starts at one column for all */
    const char *subj[] = {"SUBJECT", "CN=a", "CN=b"};
    size_t want = strlen("a-very-long-host-name.example.internal:8443") + 2 + 4 + 2;
    assert_column_starts_at(out, subj, 3, want);
    char want_row[128];
    snprintf(want_row, sizeof(want_row), "a:443%*s5  CN=a\n", (int)(want - 5 - 3), "");
    assert_non_null(strstr(out, want_row));
    /* the last column is not padded */
    assert_null(strstr(out, "SUBJECT "));
    assert_int_equal(og_cli_table_rows(t), 0);
    free(out);
    og_cli_table_free(t);
}

static void test_table__wide_characters_count_twice(void **state)
{
    (void)state;
    const char *const head[] = {"NAME", "X", NULL};
    og_cli_table *t = og_cli_table_new(head);
    /* 株式会社 is four characters of width two; é is one of width one */
    assert_int_equal(og_cli_table_add(t, (const char *[]){"株式会社", "1"}), 0);
    assert_int_equal(og_cli_table_add(t, (const char *[]){"café", "2"}), 0);
    char *out = render(t);
    const char *x[] = {"X", "1", "2"};
    size_t w = og_cli_text_width("株式会社");
    if (w == 8) /* the system has a UTF-8 locale for wcwidth */
        assert_column_starts_at(out, x, 3, 10);
    else
        assert_column_starts_at(out, x, 3, w + 2);
    free(out);
    og_cli_table_free(t);
}

static void test_table__control_characters_cannot_reach_the_terminal(void **state)
{
    (void)state;
    const char *const head[] = {"SUBJECT", "END", NULL};
    og_cli_table *t = og_cli_table_new(head);
    assert_int_equal(og_cli_table_add(t, (const char *[]){"CN=\033[31mred\033[0m\r", "x"}), 0);
    assert_int_equal(og_cli_table_add(t, (const char *[]){"bad \xff\xfe utf8", NULL}), 0);
    char *out = render(t);
    assert_null(strchr(out, '\033'));
    assert_null(strchr(out, '\r'));
    assert_null(strstr(out, "\xff"));
    assert_non_null(strstr(out, "CN=?[31mred?[0m?"));
    assert_non_null(strstr(out, "bad ?? utf8\n")); /* an empty last cell adds no spaces */
    free(out);
    og_cli_table_free(t);
}

static void test_table__empty_table_prints_nothing_unless_asked(void **state)
{
    (void)state;
    const char *const head[] = {"A", "B", NULL};
    og_cli_table *t = og_cli_table_new(head);
    char *out = render(t);
    assert_true(out == NULL || *out == '\0');
    free(out);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    og_cli_table_print(t, f, 1);
    fclose(f);
    assert_string_equal(buf, "A  B\n");
    free(buf);
    og_cli_table_free(t);
    og_cli_table_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table__columns_widen_to_their_longest_value),
        cmocka_unit_test(test_table__wide_characters_count_twice),
        cmocka_unit_test(test_table__control_characters_cannot_reach_the_terminal),
        cmocka_unit_test(test_table__empty_table_prints_nothing_unless_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
