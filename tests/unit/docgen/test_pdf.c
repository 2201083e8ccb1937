/* test_pdf.c - the PDF renderer on several threads (same bytes everywhere), long unbroken words
 * (break opportunities, so layout stays linear), and the layout deadline. */
#include "docgen/pdf_internal.h"
#include "og_test.h"
#include "opsgate/error.h"

#include <pthread.h>
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

static const char md_doc[] =
    "# Statement of Work\n\nSome *text* with `code` and a paragraph long enough to wrap over "
    "more than one line of the page, so that the resolution decides where it wraps.\n\n"
    "- one\n- two\n\n| Task | Hours | Amount |\n|---|---:|---:|\n| Mailbox batch 1 | 7.5 | "
    "1,087.50 |\n| Tenant setup | 16 | 2,320.00 |\n\n```\nGet-MigrationBatch | ft Identity\n```\n";
static const og_docgen_page md_page = {"Statement of Work", "Northwind", "SOW-1", "2026-11-02",
                                       "Migration"};

typedef struct render_job {
    og_buf out;
    int rc;
} render_job;

static void *render_thread(void *arg)
{
    render_job *j = arg;
    j->rc = og_docgen_md_to_pdf(&j->out, md_doc, strlen(md_doc), &md_page);
    return NULL;
}

/* Each render has its own font map at 72 dpi: the main thread and two threads rendering at once
 * give the same bytes (the per-thread default font map had 96 dpi on every thread but the first,
 * so a server gave different pages depending on the thread). */
static void test_pdf__same_bytes_on_every_thread(void **state)
{
    (void)state;
    render_job main_job, t[2];
    pthread_t th[2];
    og_buf_init(&main_job.out, 1 << 24);
    OG_ASSERT_OK(og_docgen_md_to_pdf(&main_job.out, md_doc, strlen(md_doc), &md_page));
    for (int i = 0; i < 2; i++) {
        og_buf_init(&t[i].out, 1 << 24);
        t[i].rc = -1;
        assert_int_equal(pthread_create(&th[i], NULL, render_thread, &t[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(t[i].rc, 0);
        assert_int_equal(t[i].out.len, main_job.out.len);
        assert_memory_equal(t[i].out.data, main_job.out.data, main_job.out.len);
        og_buf_free(&t[i].out);
    }
    og_buf_free(&main_job.out);
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

#define ZWSP "\xe2\x80\x8b"
#define RUN  OG_DOCGEN__PDF_LONG_RUN

/* n copies of unit into b (after what is there). */
static void rep(og_buf *b, const char *unit, int n)
{
    for (int i = 0; i < n; i++)
        og_buf_puts(b, unit);
}

static void test_pdf_breaks__long_runs_get_break_opportunities_short_words_do_not(void **state)
{
    (void)state;
    og_buf b, in;
    og_buf_init(&b, 1 << 20);
    og_buf_init(&in, 1 << 20);

    /* ordinary text, host names, tags and entities pass through unchanged */
    const char *plain = "<b>Client:</b> Northwind &amp; Co, host "
                        "northwind-example.mail.protection.outlook.com <tt>dig +short MX</tt>";
    OG_ASSERT_OK(og_docgen__pdf_breaks(&b, plain));
    assert_string_equal(b.data, plain);
    /* a word as long as a name may be: unchanged */
    rep(&in, "x", RUN);
    og_buf_reset(&b);
    OG_ASSERT_OK(og_docgen__pdf_breaks(&b, in.data));
    assert_string_equal(b.data, in.data);

    /* a longer word: the first RUN characters as they are, then a break opportunity before every
     * character */
    og_buf_reset(&in);
    rep(&in, "x", RUN + 100);
    og_buf_reset(&b);
    OG_ASSERT_OK(og_docgen__pdf_breaks(&b, in.data));
    assert_int_equal(count(b.data, ZWSP), 100);
    assert_int_equal(strncmp(b.data, in.data, RUN), 0);
    assert_memory_equal(b.data + RUN, ZWSP "x", 4);

    /* tags do not end a run (a word split by markup is still one word); a space does */
    og_buf_reset(&in);
    og_buf_puts(&in, "<b>");
    rep(&in, "x", RUN - 10);
    og_buf_puts(&in, "</b><i>");
    rep(&in, "x", 20);
    og_buf_puts(&in, "</i> ");
    rep(&in, "y", RUN);
    og_buf_reset(&b);
    OG_ASSERT_OK(og_docgen__pdf_breaks(&b, in.data));
    assert_int_equal(count(b.data, ZWSP), 10);
    assert_null(strstr(strchr(b.data, ' '), ZWSP));

    /* an entity is one character; never a break inside one */
    og_buf_reset(&in);
    rep(&in, "&amp;", RUN + 50);
    og_buf_reset(&b);
    OG_ASSERT_OK(og_docgen__pdf_breaks(&b, in.data));
    assert_int_equal(count(b.data, ZWSP), 50);
    assert_int_equal(count(b.data, "&amp;"), RUN + 50);

    /* no break before a combining mark: e + U+0301 stays one grapheme */
    og_buf_reset(&in);
    rep(&in, "e\xcc\x81", RUN);
    og_buf_reset(&b);
    OG_ASSERT_OK(og_docgen__pdf_breaks(&b, in.data));
    assert_null(strstr(b.data, ZWSP "\xcc\x81"));
    assert_true(count(b.data, ZWSP) > 0);
    og_buf_free(&in);
    og_buf_free(&b);
}

/* Unbroken words of the largest sizes project data allows, wherever text goes: a paragraph, a
 * list item, a heading, a table cell, a code block, the title page and the running header. */
static void test_pdf__long_unbroken_words_lay_out(void **state)
{
    (void)state;
    og_buf md, out;
    char *word = malloc(OG_DOCGEN_TEXT_MAX + 1), name[OG_DOCGEN_NAME_MAX + 1];
    assert_non_null(word);
    memset(word, 'W', OG_DOCGEN_TEXT_MAX);
    word[OG_DOCGEN_TEXT_MAX] = '\0';
    memset(name, 'N', OG_DOCGEN_NAME_MAX);
    name[OG_DOCGEN_NAME_MAX] = '\0';
    og_buf_init(&md, 1 << 24);
    og_buf_init(&out, 1 << 26);
    og_buf_printf(&md,
                  "# %s\n\n%s\n\n- %s\n\n| Host | Role |\n|---|---|\n| %s | %s |\n\n```\n%s\n```\n",
                  name, word, word, name, word, word);
    og_docgen_page page = {name, name, name, "2026-11-02", name};
    OG_ASSERT_OK(og_docgen_md_to_pdf(&out, md.data, md.len, &page));
    assert_memory_equal(out.data, "%PDF-", 5);
    og_buf_free(&out);
    og_buf_free(&md);
    free(word);
}

/* Past OPSGATE_PDF_DEADLINE the render fails with OG_ETOOBIG naming the setting, and the output
 * buffer is left as it was; a bad value is ignored (the default applies). */
static void test_pdf__deadline_fails_the_render_and_leaves_nothing(void **state)
{
    (void)state;
    og_buf out;
    og_buf_init(&out, 1 << 24);
    og_buf_puts(&out, "before");
    setenv("OPSGATE_PDF_DEADLINE", "0.000001", 1);
    int rc = og_docgen_md_to_pdf(&out, md_doc, strlen(md_doc), &md_page);
    assert_int_equal(rc, OG_ETOOBIG);
    assert_non_null(strstr(og_error_last(), "OPSGATE_PDF_DEADLINE"));
    assert_int_equal(out.len, 6);
    assert_string_equal(out.data, "before");

    setenv("OPSGATE_PDF_DEADLINE", "soon", 1);
    OG_ASSERT_OK(og_docgen_md_to_pdf(&out, md_doc, strlen(md_doc), &md_page));
    setenv("OPSGATE_PDF_DEADLINE", "2m", 1);
    OG_ASSERT_OK(og_docgen_md_to_pdf(&out, md_doc, strlen(md_doc), &md_page));
    unsetenv("OPSGATE_PDF_DEADLINE");
    og_buf_free(&out);
}

/* Predicates of the public header return bool (issue 14): a compile-time check, so the test
 * binary does not build when the function returns int again. */
_Static_assert(_Generic(og_docgen_pdf_available(), bool : 1, default : 0),
               "og_docgen_pdf_available returns bool");

static void test_pdf_available__is_a_bool_predicate_that_holds(void **state)
{
    (void)state;
    bool ok = og_docgen_pdf_available();
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdf_available__is_a_bool_predicate_that_holds),
        cmocka_unit_test(test_pdf__same_bytes_on_every_thread),
        cmocka_unit_test(test_pdf_breaks__long_runs_get_break_opportunities_short_words_do_not),
        cmocka_unit_test(test_pdf__long_unbroken_words_lay_out),
        cmocka_unit_test(test_pdf__deadline_fails_the_render_and_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
