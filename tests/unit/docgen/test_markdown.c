/* test_markdown.c - pipe tables, Markdown to HTML, and PDF output basics. */
#include "og_test.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fontconfig, pango and glib keep process-lifetime caches they never free; LeakSanitizer (in the
 * sanitizer build) reads this hook when the test binary defines it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig\nleak:libpango\nleak:libglib\nleak:libgobject\nleak:libcairo\n"
           "leak:libharfbuzz\nleak:libfreetype\n";
}

static void test_md_split__finds_tables_between_text_runs(void **state)
{
    (void)state;
    const char *md =
        "# Title\n\nText before.\n\n"
        "| # | Name | Amount |\n|---|:---:|---:|\n| 1 | a \\| b | 1.00 |\n| 2 | `x \\| y` |\n"
        "\nText after.\n\n```\n| not | a table |\n|---|---|\n```\n";
    og_md_segment *s = NULL;
    size_t n = 0;
    OG_ASSERT_OK(og_md_split(md, strlen(md), &s, &n));
    assert_int_equal(n, 3);
    assert_false(s[0].is_table);
    assert_true(s[1].is_table);
    assert_false(s[2].is_table);
    assert_int_equal(s[1].table.ncols, 3);
    assert_int_equal(s[1].table.nrows, 3);
    assert_int_equal(s[1].table.align[0], OG_MD_LEFT);
    assert_int_equal(s[1].table.align[1], OG_MD_CENTER);
    assert_int_equal(s[1].table.align[2], OG_MD_RIGHT);
    assert_string_equal(s[1].table.cells[1][1], "a | b");
    assert_string_equal(s[1].table.cells[2][1], "`x | y`");
    assert_string_equal(s[1].table.cells[2][2], ""); /* a missing cell is empty */
    /* the fenced "table" stays text */
    assert_non_null(strstr(s[2].text, "| not | a table |"));
    og_md_segments_free(s, n);
}

static void test_md_split__a_bar_line_without_delimiter_row_is_text(void **state)
{
    (void)state;
    const char *md = "| just | text |\nmore\n";
    og_md_segment *s = NULL;
    size_t n = 0;
    OG_ASSERT_OK(og_md_split(md, strlen(md), &s, &n));
    assert_int_equal(n, 1);
    assert_false(s[0].is_table);
    og_md_segments_free(s, n);
}

static void test_html__renders_tables_escapes_and_is_deterministic(void **state)
{
    (void)state;
    const char *md = "## Fees\n\n| Task | Amount |\n|---|---:|\n| **T1** | 1,087.50 |\n\n"
                     "Raw <script>alert(1)</script> is dropped.\n";
    og_docgen_page page = {"Statement of Work", "Client <&>", "SOW-1", "2026-11-02", NULL};
    og_buf a, b;
    og_buf_init(&a, 1 << 20);
    og_buf_init(&b, 1 << 20);
    OG_ASSERT_OK(og_docgen_md_to_html(&a, md, strlen(md), &page));
    OG_ASSERT_OK(og_docgen_md_to_html(&b, md, strlen(md), &page));
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_non_null(strstr(a.data, "<td class=\"r\">1,087.50</td>"));
    assert_non_null(strstr(a.data, "<td><strong>T1</strong></td>"));
    assert_non_null(strstr(a.data, "<h2>Fees</h2>"));
    assert_non_null(strstr(a.data, "Client &lt;&amp;&gt;"));
    assert_null(strstr(a.data, "<script>"));
    og_buf_free(&a);
    og_buf_free(&b);
}

static void test_pdf__has_pages_and_fixed_dates(void **state)
{
    (void)state;
    if (!og_docgen_pdf_available())
        skip();
    const char *md = "# Title\n\nSome *text* with `code`.\n\n- one\n- two\n\n"
                     "| A | B |\n|---|---:|\n| x & y | 1.00 |\n";
    og_docgen_page page = {"Runbook", "Northwind", "RB-1", "2026-11-02", "Sub"};
    og_buf a;
    og_buf_init(&a, 1 << 24);
    OG_ASSERT_OK(og_docgen_md_to_pdf(&a, md, strlen(md), &page));
    assert_true(a.len > 1000);
    assert_memory_equal(a.data, "%PDF-", 5);
    /* the creation date comes from the page, not the clock */
    assert_non_null(memmem(a.data, a.len, "20261102000000", 14));
    og_buf_free(&a);
}

/* Random Markdown-ish input (bars, dashes, colons, backslashes, fences, newlines) through the
 * table splitter and the HTML renderer: no crash, no leak, output always a whole page. Under the
 * sanitizer build this is a small fuzz run with a fixed seed. */
static void test_md__random_input_never_breaks_the_renderers(void **state)
{
    (void)state;
    static const char alphabet[] = "||||---::\\`` ab*_<>&\n\n\n#~";
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    char md[512];
    og_buf out;
    og_buf_init(&out, 1 << 20);
    for (int i = 0; i < 3000; i++) {
        size_t len = 0, want;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        want = (size_t)(x % sizeof(md));
        for (; len < want; len++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            md[len] = alphabet[x % (sizeof(alphabet) - 1)];
        }
        og_md_segment *segs = NULL;
        size_t n = 0;
        OG_ASSERT_OK(og_md_split(md, len, &segs, &n));
        for (size_t k = 0; k < n; k++) {
            if (!segs[k].is_table)
                continue;
            assert_true(segs[k].table.ncols >= 1 && segs[k].table.ncols <= OG_MD_MAX_COLS);
            for (int r = 0; r < segs[k].table.nrows; r++)
                for (int c = 0; c < segs[k].table.ncols; c++)
                    assert_non_null(segs[k].table.cells[r][c]);
        }
        og_md_segments_free(segs, n);
        og_buf_reset(&out);
        OG_ASSERT_OK(og_docgen_md_to_html(&out, md, len, NULL));
        assert_non_null(strstr(out.data, "</html>"));
    }
    og_buf_free(&out);
}

/* A fenced block with the info string "signatures" is its own segment: one party per group of
 * "key: value" lines, the view model's Markdown escapes taken out; HTML lays it out to sign. */
static void test_md_split__a_signatures_block_is_parsed_into_parties(void **state)
{
    (void)state;
    const char *md = "## Signatures\n\n```signatures\nparty: Client\norganisation: A\\|B AG\n"
                     "name: Jonas Berger\ntitle: Head of IT\n\nparty: Provider\n"
                     "organization: Bluefin\nname: Dana \\<Whitfield>\n\n```\nAfter.\n\n"
                     "```\nparty: not a signature block\n```\n";
    og_md_segment *s = NULL;
    size_t n = 0;
    og_buf html;
    OG_ASSERT_OK(og_md_split(md, strlen(md), &s, &n));
    assert_int_equal(n, 3);
    assert_true(s[1].is_signatures);
    assert_int_equal(s[1].nparties, 2);
    assert_string_equal(s[1].parties[0].party, "Client");
    assert_string_equal(s[1].parties[0].organisation, "A|B AG");
    assert_string_equal(s[1].parties[0].title, "Head of IT");
    assert_string_equal(s[1].parties[1].organisation, "Bluefin");
    assert_string_equal(s[1].parties[1].name, "Dana <Whitfield>");
    assert_string_equal(s[1].parties[1].title, ""); /* not given */
    assert_false(s[2].is_signatures);               /* a plain fence stays code */
    og_md_segments_free(s, n);
    og_buf_init(&html, 1 << 20);
    OG_ASSERT_OK(og_docgen_md_to_html(&html, md, strlen(md), NULL));
    assert_non_null(strstr(html.data, "<section class=\"signatures\">"));
    assert_non_null(strstr(html.data, "<p>Name: Dana &lt;Whitfield&gt;<br>Title: </p>"));
    assert_non_null(strstr(html.data, "<strong>Client</strong><br>A|B AG"));
    assert_null(strstr(html.data, "party: Client"));
    assert_non_null(strstr(html.data, "party: not a signature block"));
    og_buf_free(&html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_split__finds_tables_between_text_runs),
        cmocka_unit_test(test_md_split__a_bar_line_without_delimiter_row_is_text),
        cmocka_unit_test(test_md_split__a_signatures_block_is_parsed_into_parties),
        cmocka_unit_test(test_html__renders_tables_escapes_and_is_deterministic),
        cmocka_unit_test(test_pdf__has_pages_and_fixed_dates),
        cmocka_unit_test(test_md__random_input_never_breaks_the_renderers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
