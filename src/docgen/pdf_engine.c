/* pdf_engine.c - what PDF renders reuse: a pango font map at 72 dpi with its context and fonts,
 * and a cache of the widths of words, kept in a pool so that a render takes one, uses it alone
 * and gives it back. The pool's lock is held only to take or give: renders never wait on each
 * other's layout. */
#include "docgen/pdf_internal.h"
#include "opsgate/error.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Engines kept for the next renders: as many as rendered at once, up to this many; one past it
 * is freed when its render ends. */
#define POOL_MAX 16

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static og_docgen__pdf_engine *pool; /* free engines, a stack */
static og_docgen__pdf_pool_stats pool_stats;

static void engine_free(og_docgen__pdf_engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < OG_DOCGEN__PDF_NFONTS; i++)
        if (e->font[i])
            pango_font_description_free(e->font[i]);
    if (e->widths)
        g_hash_table_destroy(e->widths);
    if (e->surface_fo)
        cairo_font_options_destroy(e->surface_fo);
    if (e->cr_fo)
        cairo_font_options_destroy(e->cr_fo);
    if (e->scratch_fo)
        cairo_font_options_destroy(e->scratch_fo);
    if (e->pctx)
        g_object_unref(e->pctx);
    if (e->fontmap)
        g_object_unref(e->fontmap);
    free(e);
}

/* DejaVu for Latin, Greek, Cyrillic, ...; Noto CJK (Debian fonts-noto-cjk) for Chinese, Japanese
 * and Korean, named so that the fallback does not depend on the locale. */
#define SANS "DejaVu Sans,Noto Sans CJK JP,Noto Sans CJK SC,Noto Sans CJK KR,Noto Sans CJK TC "
#define MONO "DejaVu Sans Mono,Noto Sans Mono CJK JP,Noto Sans Mono CJK SC "
static const char *const font_names[OG_DOCGEN__PDF_NFONTS] = {
    [OG_DOCGEN__F_BODY] = SANS "10",       [OG_DOCGEN__F_BOLD] = SANS "Bold 10",
    [OG_DOCGEN__F_H1] = SANS "Bold 18",    [OG_DOCGEN__F_H2] = SANS "Bold 14",
    [OG_DOCGEN__F_H3] = SANS "Bold 11.5",  [OG_DOCGEN__F_SMALL] = SANS "8",
    [OG_DOCGEN__F_TABLE] = SANS "8.5",     [OG_DOCGEN__F_MONO] = MONO "9",
    [OG_DOCGEN__F_TITLE] = SANS "Bold 28", [OG_DOCGEN__F_SUB] = SANS "15",
    [OG_DOCGEN__F_FACT] = SANS "10.5",
};
#undef SANS
#undef MONO

/* A new engine: its own font map at 72 dpi (cairo's PDF user space is in points, and pango's
 * default of 96 dpi would set 10 pt text at 13.3 pt), one context with a fixed language (the same
 * fonts, the same bytes, whatever the locale), the fonts, an empty width cache. */
static int engine_new(og_docgen__pdf_engine **out)
{
    int error = -1;
    og_docgen__pdf_engine *e = calloc(1, sizeof(*e));
    *out = NULL;
    if (!e)
        return og_error_set(OG_ERROR, "out of memory");
    if (!(e->fontmap = pango_cairo_font_map_new())) {
        error = og_error_set(OG_ERROR, "pango could not create a font map");
        goto cleanup;
    }
    pango_cairo_font_map_set_resolution(PANGO_CAIRO_FONT_MAP(e->fontmap), 72.0);
    if (!(e->pctx = pango_font_map_create_context(e->fontmap))) {
        error = og_error_set(OG_ERROR, "pango could not create a context");
        goto cleanup;
    }
    pango_context_set_language(e->pctx, pango_language_from_string("en"));
    for (int i = 0; i < OG_DOCGEN__PDF_NFONTS; i++) {
        if (!(e->font[i] = pango_font_description_from_string(font_names[i]))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
    e->widths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    e->surface_fo = cairo_font_options_create();
    e->cr_fo = cairo_font_options_create();
    e->scratch_fo = cairo_font_options_create();
    if (cairo_font_options_status(e->surface_fo) || cairo_font_options_status(e->cr_fo) ||
        cairo_font_options_status(e->scratch_fo)) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    *out = e;
    e = NULL;
    error = 0;
cleanup:
    engine_free(e);
    return error;
}

int og_docgen__pdf_engine_take(og_docgen__pdf_engine **out)
{
    int error;
    pthread_mutex_lock(&pool_mu);
    og_docgen__pdf_engine *e = pool;
    if (e) {
        pool = e->next;
        e->next = NULL;
        pool_stats.pooled--;
    }
    pool_stats.in_use++;
    pthread_mutex_unlock(&pool_mu);
    if (e) {
        *out = e;
        return 0;
    }
    /* none free: a new one, made outside the lock (a font map takes a while to fill) */
    error = engine_new(out);
    pthread_mutex_lock(&pool_mu);
    if (error < 0)
        pool_stats.in_use--;
    else
        pool_stats.made++;
    pthread_mutex_unlock(&pool_mu);
    return error;
}

void og_docgen__pdf_engine_give(og_docgen__pdf_engine *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&pool_mu);
    pool_stats.in_use--;
    if (pool_stats.pooled < POOL_MAX) {
        e->next = pool;
        pool = e;
        pool_stats.pooled++;
        e = NULL;
    }
    pthread_mutex_unlock(&pool_mu);
    engine_free(e);
}

void og_docgen__pdf_pool_stats_get(og_docgen__pdf_pool_stats *out)
{
    pthread_mutex_lock(&pool_mu);
    *out = pool_stats;
    pthread_mutex_unlock(&pool_mu);
}

void og_docgen__pdf_pool_drain(void)
{
    pthread_mutex_lock(&pool_mu);
    og_docgen__pdf_engine *e = pool;
    pool = NULL;
    pool_stats.pooled = 0;
    pthread_mutex_unlock(&pool_mu);
    while (e) {
        og_docgen__pdf_engine *next = e->next;
        engine_free(e);
        e = next;
    }
}

/* ---- the context follows the cairo context it lays out for ---- */

void og_docgen__pdf_engine_sync(og_docgen__pdf_engine *e, cairo_t *cr)
{
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    cairo_surface_get_font_options(cairo_get_target(cr), e->scratch_fo);
    /* pango_cairo_update_context() marks the context changed even when nothing changed, and
     * every layout made before then is laid out again when next shown or measured: update it
     * only when the matrix or the font options differ (a recording page and the PDF do) */
    if (e->synced && memcmp(&m, &e->matrix, sizeof(m)) == 0 &&
        cairo_font_options_equal(e->scratch_fo, e->surface_fo)) {
        cairo_get_font_options(cr, e->scratch_fo);
        if (cairo_font_options_equal(e->scratch_fo, e->cr_fo))
            return;
    }
    pango_cairo_update_context(cr, e->pctx);
    e->matrix = m;
    cairo_surface_get_font_options(cairo_get_target(cr), e->surface_fo);
    cairo_get_font_options(cr, e->cr_fo);
    e->synced = true;
    /* the widths cached belong to the state they were measured in */
    const double v[6] = {m.xx, m.yx, m.xy, m.yy, m.x0, m.y0};
    e->state = cairo_font_options_hash(e->surface_fo) * 31u + cairo_font_options_hash(e->cr_fo);
    for (size_t i = 0; i < 6; i++)
        e->state = e->state * 1000003u + (unsigned long)(long long)(v[i] * 65536.0);
}

/* ---- widths of words ---- */

int og_docgen__pdf_engine_key(const og_docgen__pdf_engine *e, const PangoFontDescription *f,
                              int width, int align, const char *markup, char *key, size_t size)
{
    int font = -1;
    for (int i = 0; i < OG_DOCGEN__PDF_NFONTS; i++)
        if (e->font[i] == f)
            font = i;
    size_t n = strlen(markup);
    if (font < 0 || !e->synced || n > OG_DOCGEN__PDF_KEY_TEXT_MAX)
        return -1;
    int k = snprintf(key, size, "%d:%lx:%d:%d:", font, e->state, width, align);
    if (k < 0 || (size_t)k + n + 1 > size)
        return -1;
    memcpy(key + k, markup, n + 1);
    return 0;
}

bool og_docgen__pdf_engine_width_get(og_docgen__pdf_engine *e, const PangoFontDescription *f,
                                     const char *markup, double *w)
{
    char key[OG_DOCGEN__PDF_KEY_MAX];
    gpointer v;
    if (og_docgen__pdf_engine_key(e, f, -1, -1, markup, key, sizeof(key)) < 0 ||
        !g_hash_table_lookup_extended(e->widths, key, NULL, &v)) {
        e->width_misses++;
        return false;
    }
    e->width_hits++;
    *w = (double)GPOINTER_TO_SIZE(v) / PANGO_SCALE;
    return true;
}

void og_docgen__pdf_engine_width_put(og_docgen__pdf_engine *e, const PangoFontDescription *f,
                                     const char *markup, int pango_w)
{
    char key[OG_DOCGEN__PDF_KEY_MAX];
    if (pango_w < 0 || og_docgen__pdf_engine_key(e, f, -1, -1, markup, key, sizeof(key)) < 0)
        return;
    if (g_hash_table_size(e->widths) >= OG_DOCGEN__PDF_WIDTH_CACHE_MAX)
        g_hash_table_remove_all(e->widths); /* bounded: start again */
    g_hash_table_replace(e->widths, g_strdup(key), GSIZE_TO_POINTER((gsize)pango_w));
}
