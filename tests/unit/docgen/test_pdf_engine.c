/* test_pdf_engine.c - what PDF renders reuse (pdf_engine.c): font maps taken from a pool and
 * given back, one per render at a time, and reused without changing a byte of the output; the
 * cache of word widths bounded and keyed by font and state. */
#include "docgen/pdf_internal.h"
#include "og_test.h"
#include "opsgate/error.h"

#include <cairo-pdf.h>
#include <pthread.h>
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

/* Two documents with different words, tables over pages (the header row repeated) and lists. */
static void doc(og_buf *md, int which)
{
    static const char *const roles[2][3] = {{"Engineer", "Architect", "Project manager"},
                                            {"Technician", "Consultant", "Service owner"}};
    og_buf_printf(md, "# %s\n\nIntro *text* with `code` for %s.\n\n- one\n- two\n  - nested\n\n",
                  which ? "Runbook" : "Statement of Work", which ? "Contoso" : "Northwind");
    og_buf_puts(md, "| Id | Task | Role | Hours | Amount |\n|---|---|---|---:|---:|\n");
    for (int i = 0; i < 90; i++)
        og_buf_printf(md, "| T%d.%d | Step %d: %s the **%s** | %s | %d.%d | %d,%03d.00 |\n", i / 5,
                      i % 5, i, which ? "migrate" : "configure", which ? "mailboxes" : "firewall",
                      roles[which][i % 3], 1 + i % 9, (i * 25) % 100, 1 + i % 7, (i * 137) % 1000);
    og_buf_puts(md, "\n```\nGet-MigrationBatch | ft Identity\n```\n");
}

static const og_docgen_page pages[2] = {
    {"Statement of Work", "Northwind", "SOW-1", "2026-11-02", "Migration"},
    {"Runbook", "Contoso Pharma GmbH", "RB-7", "2026-12-01", "Cut-over"}};

static void render(og_buf *out, int which)
{
    og_buf md;
    og_buf_init(&md, 1 << 24);
    doc(&md, which);
    og_buf_reset(out);
    OG_ASSERT_OK(og_docgen_md_to_pdf(out, md.data, md.len, &pages[which]));
    og_buf_free(&md);
}

static void assert_same(const og_buf *a, const og_buf *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->data, b->data, a->len);
}

/* Renders one after the other make one engine and take it in turn; an engine that laid out
 * another document (its caches full of other words) gives the bytes a fresh one gives. */
static void test_pdf_engine__reused_in_turn_with_the_bytes_of_a_fresh_one(void **state)
{
    (void)state;
    og_buf fresh[2], again;
    og_docgen__pdf_pool_stats s0, s1;
    og_docgen__pdf_pool_drain();
    og_docgen__pdf_pool_stats_get(&s0);
    assert_int_equal(s0.pooled, 0);
    assert_int_equal(s0.in_use, 0);
    for (int d = 0; d < 2; d++) {
        og_buf_init(&fresh[d], 1 << 26);
        og_docgen__pdf_pool_drain(); /* each on a fresh engine */
        render(&fresh[d], d);
        assert_memory_equal(fresh[d].data, "%PDF-", 5);
    }
    assert_true(fresh[0].len != fresh[1].len ||
                memcmp(fresh[0].data, fresh[1].data, fresh[0].len) != 0);
    og_docgen__pdf_pool_drain();
    og_docgen__pdf_pool_stats_get(&s0);
    og_buf_init(&again, 1 << 26);
    for (int i = 0; i < 6; i++) { /* A B A B A B on one engine */
        render(&again, i % 2);
        assert_same(&again, &fresh[i % 2]);
    }
    og_docgen__pdf_pool_stats_get(&s1);
    assert_true(s1.made - s0.made == 1);
    assert_int_equal(s1.pooled, 1);
    assert_int_equal(s1.in_use, 0);
    og_buf_free(&again);
    og_buf_free(&fresh[0]);
    og_buf_free(&fresh[1]);
}

typedef struct job {
    const og_buf *fresh;
    int first, rc, differ;
} job;

static void *render_many(void *arg)
{
    job *j = arg;
    og_buf out, md[2];
    og_buf_init(&out, 1 << 26);
    for (int d = 0; d < 2; d++) {
        og_buf_init(&md[d], 1 << 24);
        doc(&md[d], d);
    }
    for (int i = 0; i < 8 && j->rc == 0; i++) {
        int d = (j->first + i) % 2;
        og_buf_reset(&out);
        j->rc = og_docgen_md_to_pdf(&out, md[d].data, md[d].len, &pages[d]);
        if (j->rc == 0 &&
            (out.len != j->fresh[d].len || memcmp(out.data, j->fresh[d].data, out.len) != 0))
            j->differ++;
    }
    og_buf_free(&md[0]);
    og_buf_free(&md[1]);
    og_buf_free(&out);
    return NULL;
}

/* Four threads rendering both documents at once, each render on an engine of its own: every
 * render gives the fresh bytes, at most four engines are made, all come back to the pool. */
static void test_pdf_engine__concurrent_renders_each_take_their_own(void **state)
{
    (void)state;
    og_buf fresh[2];
    pthread_t th[4];
    job jobs[4];
    og_docgen__pdf_pool_stats s0, s1;
    for (int d = 0; d < 2; d++) {
        og_buf_init(&fresh[d], 1 << 26);
        og_docgen__pdf_pool_drain();
        render(&fresh[d], d);
    }
    og_docgen__pdf_pool_drain();
    og_docgen__pdf_pool_stats_get(&s0);
    for (int t = 0; t < 4; t++) {
        jobs[t] = (job){.fresh = fresh, .first = t};
        assert_int_equal(pthread_create(&th[t], NULL, render_many, &jobs[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(jobs[t].rc, 0);
        assert_int_equal(jobs[t].differ, 0);
    }
    og_docgen__pdf_pool_stats_get(&s1);
    assert_true(s1.made - s0.made >= 1 && s1.made - s0.made <= 4);
    assert_int_equal(s1.in_use, 0);
    assert_int_equal((uint64_t)s1.pooled, s1.made - s0.made);
    og_buf_free(&fresh[0]);
    og_buf_free(&fresh[1]);
}

/* The width cache: what was put comes back in the same font and state only; markup too long or
 * a font that is not the engine's is not kept; it never holds more than its bound. */
static void test_pdf_engine__width_cache_is_keyed_and_bounded(void **state)
{
    (void)state;
    og_docgen__pdf_engine *e = NULL;
    double w = -1;
    char key[64], long_word[OG_DOCGEN__PDF_KEY_TEXT_MAX + 2];
    cairo_rectangle_t ext = {0, 0, PAGE_W, PAGE_H};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
    cairo_t *cr = cairo_create(rec);
    PangoFontDescription *other = pango_font_description_from_string("DejaVu Sans 10");
    OG_ASSERT_OK(og_docgen__pdf_engine_take(&e));
    const PangoFontDescription *body = e->font[OG_DOCGEN__F_BODY];
    const PangoFontDescription *bold = e->font[OG_DOCGEN__F_BOLD];
    og_docgen__pdf_engine_sync(e, cr);
    g_hash_table_remove_all(e->widths);

    og_docgen__pdf_engine_width_put(e, body, "Engineer", 41 * PANGO_SCALE);
    assert_true(og_docgen__pdf_engine_width_get(e, body, "Engineer", &w));
    assert_true(w == 41.0);
    assert_false(og_docgen__pdf_engine_width_get(e, bold, "Engineer", &w));
    assert_false(og_docgen__pdf_engine_width_get(e, body, "Engineers", &w));
    og_docgen__pdf_engine_width_put(e, other, "Engineer", PANGO_SCALE);
    assert_false(og_docgen__pdf_engine_width_get(e, other, "Engineer", &w));
    memset(long_word, 'x', sizeof(long_word) - 1);
    long_word[sizeof(long_word) - 1] = '\0';
    og_docgen__pdf_engine_width_put(e, body, long_word, PANGO_SCALE);
    assert_false(og_docgen__pdf_engine_width_get(e, body, long_word, &w));
    assert_int_equal(g_hash_table_size(e->widths), 1);

    for (int i = 0; i < OG_DOCGEN__PDF_WIDTH_CACHE_MAX + 10; i++) {
        snprintf(key, sizeof(key), "w%d", i);
        og_docgen__pdf_engine_width_put(e, body, key, i);
        assert_true(g_hash_table_size(e->widths) <= OG_DOCGEN__PDF_WIDTH_CACHE_MAX);
    }
    assert_true(og_docgen__pdf_engine_width_get(e, body, key, &w));

    /* another state (the PDF's font options differ from a recording's): nothing carried over */
    cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(NULL, NULL, PAGE_W, PAGE_H);
    cairo_t *cr2 = cairo_create(pdf);
    unsigned long before = e->state;
    og_docgen__pdf_engine_sync(e, cr2);
    if (e->state != before)
        assert_false(og_docgen__pdf_engine_width_get(e, body, key, &w));
    cairo_destroy(cr2);
    cairo_surface_destroy(pdf);

    og_docgen__pdf_engine_give(e);
    pango_font_description_free(other);
    cairo_destroy(cr);
    cairo_surface_destroy(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdf_engine__reused_in_turn_with_the_bytes_of_a_fresh_one),
        cmocka_unit_test(test_pdf_engine__concurrent_renders_each_take_their_own),
        cmocka_unit_test(test_pdf_engine__width_cache_is_keyed_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
