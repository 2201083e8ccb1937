/* pdf_layout.c - the PDF renderer's primitives: pango markup, layouts in this render's context,
 * colours, pages with their running header and footer, blocks that flow over pages. */
#include "docgen/pdf_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- break opportunities in long unbroken runs ----
 * pango's PANGO_WRAP_WORD_CHAR first looks for a word break: for a word wider than the line it
 * works through the rest of the word on every line it wraps, so laying out one long unbroken
 * word is quadratic in its length (a 100 KB name took from 12 s to a minute). Past LONG_RUN
 * characters without a space, a zero-width space (U+200B, a break opportunity that draws nothing
 * and is not extracted as text) goes before every character, so pango wraps by characters in
 * linear time. Words up to LONG_RUN (every name project data allows) are left alone. Never inside
 * a grapheme: not before a combining mark, a variation selector, a ZWJ sequence, an emoji
 * modifier or tag, the second of a flag's pair, a Hangul vowel or final. */
#define LONG_RUN OG_DOCGEN__PDF_LONG_RUN

static bool joins(gunichar prev, gunichar c)
{
    return g_unichar_ismark(c) || c == 0x200D || prev == 0x200D || c == 0x200B ||
           (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0x1F3FB && c <= 0x1F3FF) ||
           (c >= 0xE0020 && c <= 0xE007F) || (c >= 0xE0100 && c <= 0xE01EF) ||
           (c >= 0x1F1E6 && c <= 0x1F1FF && prev >= 0x1F1E6 && prev <= 0x1F1FF) ||
           (c >= 0x1160 && c <= 0x11FF) || (c >= 0xD7B0 && c <= 0xD7FF);
}

int og_docgen__pdf_breaks(og_buf *out, const char *m)
{
    size_t run = 0;
    gunichar prev = 0;
    int error = 0;
    for (const char *s = m; *s && !error;) {
        size_t k;
        if (*s == '<') { /* a tag: no text, no break */
            const char *e = strchr(s, '>');
            k = e ? (size_t)(e - s) + 1 : strlen(s);
            error = og_buf_append(out, s, k);
            s += k;
            continue;
        }
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            run = 0;
            prev = (gunichar)*s;
            error = og_buf_append(out, s, 1);
            s++;
            continue;
        }
        gunichar c;
        if (*s == '&') { /* an entity is one character */
            const char *e = strchr(s, ';');
            k = e && e - s <= 10 ? (size_t)(e - s) + 1 : 1;
            c = '&';
        } else {
            c = g_utf8_get_char_validated(s, -1);
            if (c == (gunichar)-1 || c == (gunichar)-2) {
                c = (unsigned char)*s;
                k = 1;
            } else {
                k = (size_t)(g_utf8_next_char(s) - s);
            }
        }
        if (++run > LONG_RUN && !joins(prev, c))
            error = og_buf_puts(out, "\xe2\x80\x8b");
        if (!error)
            error = og_buf_append(out, s, k);
        prev = c;
        s += k;
    }
    return error;
}

/* "#rrggbb" to rgb in 0..1; 0 when c is not such a colour. */
static int rgb_of(const char *c, double out[3])
{
    char norm[8];
    if (!c || og_docgen_color_parse(c, "color", norm) < 0) {
        og_error_clear();
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        unsigned v = 0;
        sscanf(norm + 1 + 2 * i, "%2x", &v);
        out[i] = v / 255.0;
    }
    return 1;
}

/* The brand's colours, or opsgate's own: a dark blue, and table heads in a light grey-blue. */
void og_docgen__pdf_colors(og_docgen__pdf *p)
{
    const og_docgen_brand *b = p->page->brand;
    double acc[3];
    if (!b || !rgb_of(b->color, p->prim)) {
        p->prim[0] = 0x1f / 255.0;
        p->prim[1] = 0x3b / 255.0;
        p->prim[2] = 0x5c / 255.0;
    }
    if (!b || !rgb_of(b->accent, acc))
        memcpy(acc, p->prim, sizeof(acc));
    for (int i = 0; i < 3; i++) /* 12 % of the accent on white */
        p->tint[i] = 1.0 - 0.12 * (1.0 - acc[i]);
}

void og_docgen__pdf_prim(og_docgen__pdf *p)
{
    cairo_set_source_rgb(p->cr, p->prim[0], p->prim[1], p->prim[2]);
}

void og_docgen__pdf_hline(og_docgen__pdf *p, double x0, double x1, double y, double width)
{
    if (!p->draw)
        return;
    cairo_set_line_width(p->cr, width);
    cairo_move_to(p->cr, x0, y);
    cairo_line_to(p->cr, x1, y);
    cairo_stroke(p->cr);
}

void og_docgen__pdf_tint(og_docgen__pdf *p)
{
    cairo_set_source_rgb(p->cr, p->tint[0], p->tint[1], p->tint[2]);
}

/* Past the deadline: fail the render (once). Checked before every layout. */
bool og_docgen__pdf_late(og_docgen__pdf *p)
{
    if (p->error)
        return true;
    if (og_time_mono_us() <= p->deadline)
        return false;
    p->error = og_error_set(OG_ETOOBIG,
                            "the PDF layout took longer than %.3g s (OPSGATE_PDF_DEADLINE): "
                            "the document is too large to lay out",
                            (double)p->limit_us / 1e6);
    return true;
}

/* A new cairo context since the last layout: the engine's context follows its matrix and font
 * options. */
static void ctx_sync(og_docgen__pdf *p)
{
    if (p->ctx_stale) {
        og_docgen__pdf_engine_sync(p->eng, p->cr);
        p->ctx_stale = 0;
    }
}

/* A new layout in this render's context for the current cairo context, with `markup` (break
 * opportunities added to long unbroken runs). NULL (p->error set) on failure or past the
 * deadline. */
static PangoLayout *layout_new(og_docgen__pdf *p, const char *markup, const PangoFontDescription *f)
{
    PangoLayout *l;
    if (og_docgen__pdf_late(p))
        return NULL;
    ctx_sync(p);
    l = pango_layout_new(p->pctx);
    if (!l) {
        p->error = og_error_set(OG_ERROR, "pango could not create a layout");
        return NULL;
    }
    og_buf_reset(&p->brk);
    if (og_docgen__pdf_breaks(&p->brk, markup) < 0) {
        g_object_unref(l);
        p->error = og_error_set(OG_ETOOBIG, "a block of the document is too large");
        return NULL;
    }
    pango_layout_set_font_description(l, f);
    /* text without a tag or an entity is its own markup: no markup parser for most words */
    if (strpbrk(p->brk.data ? p->brk.data : "", "<&") || !g_utf8_validate(p->brk.data, -1, NULL))
        pango_layout_set_markup(l, p->brk.data, -1);
    else
        pango_layout_set_text(l, p->brk.data ? p->brk.data : "", -1);
    /* No hyphen is ever inserted where a line breaks inside a word: host names, addresses,
     * identifiers, code and amounts must read exactly as they are (pango >= 1.44 hyphenates by
     * default). Columns are sized so that such words do not break at all where they fit. */
    {
        PangoAttrList *al = pango_layout_get_attributes(l);
        al = al ? pango_attr_list_copy(al) : pango_attr_list_new();
        PangoAttribute *a = pango_attr_insert_hyphens_new(FALSE);
        a->start_index = 0;
        a->end_index = G_MAXUINT;
        pango_attr_list_insert_before(al, a);
        pango_layout_set_attributes(l, al);
        pango_attr_list_unref(al);
    }
    return l;
}

/* A layout of markup in font f wrapped in width w with align, and *h its height in points: a new
 * reference (NULL, p->error set, on failure). Short blocks recur in a document (the same role,
 * rate or hours in many rows, list marks, labels): one layout is made for each in this render and
 * shown wherever it recurs. */
static PangoLayout *wrapped(og_docgen__pdf *p, const char *markup, const PangoFontDescription *f,
                            double w, int align, double *h)
{
    int tw = 0, th = 0, pw = (int)(w * PANGO_SCALE);
    char key[OG_DOCGEN__PDF_KEY_MAX];
    PangoLayout *l;
    *h = 0;
    if (og_docgen__pdf_late(p))
        return NULL;
    ctx_sync(p);
    bool keyed = og_docgen__pdf_engine_key(p->eng, f, pw, align, markup, key, sizeof(key)) == 0;
    if (keyed && p->lays && (l = g_hash_table_lookup(p->lays, key))) {
        pango_layout_get_size(l, &tw, &th);
        *h = (double)th / PANGO_SCALE;
        return g_object_ref(l);
    }
    if (!(l = layout_new(p, markup, f)))
        return NULL;
    pango_layout_set_width(l, pw);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align);
    pango_layout_get_size(l, &tw, &th);
    *h = (double)th / PANGO_SCALE;
    if (keyed) {
        if (!p->lays)
            p->lays = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
        if (g_hash_table_size(p->lays) >= OG_DOCGEN__PDF_LAYOUT_CACHE_MAX)
            g_hash_table_remove_all(p->lays);
        g_hash_table_replace(p->lays, g_strdup(key), g_object_ref(l));
    }
    return l;
}

/* Draw (or only measure) markup at x, y with width w; returns the height in points. */
double og_docgen__pdf_text_at(og_docgen__pdf *p, const char *markup, const PangoFontDescription *f,
                              double x, double y, double w, int align)
{
    double h;
    PangoLayout *l = wrapped(p, markup, f, w, align, &h);
    if (!l)
        return 0;
    if (p->draw) {
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, l);
    }
    g_object_unref(l);
    return h;
}

/* A layout of markup set in width w; *h its height in points. NULL (p->error set) on failure.
 * Callers measure, make room, then show the same layout: each block is laid out once. */
PangoLayout *og_docgen__pdf_lay(og_docgen__pdf *p, const char *markup,
                                const PangoFontDescription *f, double w, int align, double *h)
{
    return wrapped(p, markup, f, w, align, h);
}

/* Draw (when drawing) and release a layout. NULL-safe. */
void og_docgen__pdf_show(og_docgen__pdf *p, PangoLayout *l, double x, double y)
{
    if (!l)
        return;
    if (p->draw) {
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, l);
    }
    g_object_unref(l);
}

/* Width in points of markup set on one line in font f. Words recur (in a table's cells, from
 * one document to the next): their widths are kept in the engine. */
double og_docgen__pdf_width(og_docgen__pdf *p, const char *markup, const PangoFontDescription *f)
{
    int w = 0, h = 0;
    double cached;
    if (og_docgen__pdf_late(p))
        return 0;
    ctx_sync(p);
    if (og_docgen__pdf_engine_width_get(p->eng, f, markup, &cached))
        return cached;
    PangoLayout *l = layout_new(p, markup, f);
    if (!l)
        return 0;
    pango_layout_get_size(l, &w, &h);
    g_object_unref(l);
    og_docgen__pdf_engine_width_put(p->eng, f, markup, w);
    return (double)w / PANGO_SCALE;
}

#define HEADER_TOP  26.0 /* the running header's text and logo */
#define HEADER_RULE 44.0 /* and the rule under it */

/* One line of markup in width w at x, cut with an ellipsis when longer, kept as header part i. */
static void header_part(og_docgen__pdf *p, int i, const char *markup, double x, double w, int align)
{
    PangoLayout *l = layout_new(p, markup, p->f_small);
    if (!l)
        return;
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    pango_layout_set_alignment(l, align);
    p->hdr[i] = l;
    p->hdr_x[i] = x;
}

/* The running header's parts, laid out once per document (lx: where the provider's name starts,
 * after the logo): the provider on the left, the client and the document number on the right,
 * one line; where they would meet, the names are cut short with an ellipsis (the number never
 * is). */
static void header_layout(og_docgen__pdf *p, double lx)
{
    og_buf l, r, n;
    const og_docgen_page *pg = p->page;
    double lw, rw, gap = 18, want_l, want_r, want_n, room, right = MARGIN_X + CONTENT_W;
    p->hdr_done = true;
    og_buf_init(&l, 4096);
    og_buf_init(&r, 4096);
    og_buf_init(&n, 1024);
    if (pg->provider)
        og_docgen__pdf_escape(&l, pg->provider, strlen(pg->provider));
    if (pg->client)
        og_docgen__pdf_escape(&r, pg->client, strlen(pg->client));
    if (pg->number && *pg->number) {
        og_buf_puts(&n, "<b>");
        og_docgen__pdf_escape(&n, pg->number, strlen(pg->number));
        og_buf_puts(&n, "</b>");
        if (pg->client && *pg->client)
            og_buf_puts(&r, "  \xc2\xb7");
    }
    want_n = n.len ? og_docgen__pdf_width(p, n.data, p->f_small) + 4 : 0;
    if (want_n > CONTENT_W / 2) /* a number this long is cut too */
        want_n = CONTENT_W / 2;
    room = right - want_n - lx - gap;
    want_l = og_docgen__pdf_width(p, l.data ? l.data : "", p->f_small);
    want_r = og_docgen__pdf_width(p, r.data ? r.data : "", p->f_small);
    if (want_l + want_r <= room) {
        lw = want_l;
        rw = room - lw;
    } else { /* both too long: each its share, neither below 40 % */
        lw = want_l < room * 0.4 ? want_l : want_r < room * 0.6 ? room - want_r : room * 0.4;
        rw = room - lw;
    }
    header_part(p, 0, l.data ? l.data : "", lx, lw, PANGO_ALIGN_LEFT);
    header_part(p, 1, r.data ? r.data : "", right - want_n - rw, rw, PANGO_ALIGN_RIGHT);
    if (n.len)
        header_part(p, 2, n.data, right - want_n, want_n, PANGO_ALIGN_RIGHT);
    og_buf_free(&l);
    og_buf_free(&r);
    og_buf_free(&n);
}

/* The running header of every page but the cover: the logo, the parts laid out on the first
 * page that has it (the same on every page), a rule in the brand's colour under them. */
static void header(og_docgen__pdf *p)
{
    double lx = MARGIN_X;
    if (p->pageno <= 1)
        return;
    if (p->logo) /* at most 16 pt high and 64 pt wide, before the name */
        lx += og_docgen__logo_draw(p->logo, p->cr, MARGIN_X, HEADER_TOP - 4, 64, 16, p->draw) + 6;
    if (!p->hdr_done)
        header_layout(p, lx);
    cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.3);
    ctx_sync(p);
    for (int i = 0; i < 3 && p->draw; i++) {
        if (!p->hdr[i])
            continue;
        cairo_move_to(p->cr, p->hdr_x[i], HEADER_TOP);
        pango_cairo_show_layout(p->cr, p->hdr[i]);
    }
    if (p->draw) {
        og_docgen__pdf_prim(p);
        og_docgen__pdf_hline(p, MARGIN_X, PAGE_W - MARGIN_X, HEADER_RULE, 0.75);
    }
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
}

/* "Page N of M", drawn when the pages are put into the PDF and M is known. */
void og_docgen__pdf_footer(og_docgen__pdf *p, int pageno, int total)
{
    char buf[64];
    cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
    snprintf(buf, sizeof(buf), "Page %d of %d", pageno, total);
    og_docgen__pdf_text_at(p, buf, p->f_small, MARGIN_X, PAGE_H - 40, CONTENT_W,
                           PANGO_ALIGN_CENTER);
}

void og_docgen__pdf_new_page(og_docgen__pdf *p)
{
    if (p->pageno >= MAX_PAGES) {
        if (!p->error)
            p->error = og_error_set(OG_ETOOBIG, "the PDF would have more than %d pages", MAX_PAGES);
        return;
    }
    /* pages are recorded, not written: the footer needs the page count */
    if (p->pageno == p->npages_alloc) {
        int na = p->npages_alloc ? p->npages_alloc * 2 : 16;
        cairo_surface_t **np = realloc(p->pages, sizeof(*np) * (size_t)na);
        if (!np) {
            p->error = og_error_set(OG_ERROR, "out of memory");
            return;
        }
        p->pages = np;
        p->npages_alloc = na;
    }
    cairo_rectangle_t ext = {0, 0, PAGE_W, PAGE_H};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
    if (!rec || cairo_surface_status(rec) != 0) {
        if (rec)
            cairo_surface_destroy(rec);
        p->error = og_error_set(OG_ERROR, "cairo could not create a page");
        return;
    }
    if (p->cr)
        cairo_destroy(p->cr);
    p->pages[p->pageno++] = rec;
    p->cr = cairo_create(rec);
    p->ctx_stale = 1;
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    p->y = MARGIN_TOP;
    header(p);
}

/* Make room for h points, starting a page when needed. */
void og_docgen__pdf_need(og_docgen__pdf *p, double h)
{
    if (p->y + h > PAGE_H - MARGIN_BOTTOM && p->y > MARGIN_TOP)
        og_docgen__pdf_new_page(p);
}

/* Height of markup without drawing. */
double og_docgen__pdf_measure(og_docgen__pdf *p, const char *markup, const PangoFontDescription *f,
                              double w)
{
    int d = p->draw;
    p->draw = 0;
    double h = og_docgen__pdf_text_at(p, markup, f, 0, 0, w, PANGO_ALIGN_LEFT);
    p->draw = d;
    return h;
}

/* Draw a layout taller than a page at x from p->y line by line, going on to a new page where a
 * line does not fit, so nothing falls off the foot of a page; bg (0 for none) is the width of a
 * grey background behind each line (code blocks). p->y ends below the last line. Releases l. */
void og_docgen__pdf_show_flow(og_docgen__pdf *p, PangoLayout *l, double x, double bg)
{
    if (!l)
        return;
    PangoLayoutIter *it = pango_layout_get_iter(l);
    double origin = p->y; /* where the layout's y = 0 is on the current page */
    do {
        PangoRectangle r;
        pango_layout_iter_get_line_extents(it, NULL, &r);
        double ly = (double)r.y / PANGO_SCALE, lh = (double)r.height / PANGO_SCALE;
        if (origin + ly + lh > PAGE_H - MARGIN_BOTTOM && origin + ly > MARGIN_TOP) {
            og_docgen__pdf_new_page(p);
            if (og_docgen__pdf_late(p))
                break;
            origin = p->y - ly;
        }
        if (p->draw) {
            if (bg > 0) {
                cairo_set_source_rgb(p->cr, 0.95, 0.95, 0.95);
                cairo_rectangle(p->cr, x - 4, origin + ly, bg, lh);
                cairo_fill(p->cr);
                cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
            }
            cairo_move_to(p->cr, x + (double)r.x / PANGO_SCALE,
                          origin + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE);
            pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
        }
        p->y = origin + ly + lh;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    g_object_unref(l);
}

/* A block of markup: placed whole (on a fresh page when it does not fit), or, when taller than a
 * page (a long description), flowed over pages line by line. */
void og_docgen__pdf_block(og_docgen__pdf *p, const char *markup, const PangoFontDescription *f,
                          double indent, double space_after)
{
    double w = CONTENT_W - indent, h;
    PangoLayout *l = og_docgen__pdf_lay(p, markup, f, w, PANGO_ALIGN_LEFT, &h);
    if (h > PAGE_ROOM) {
        og_docgen__pdf_show_flow(p, l, MARGIN_X + indent, 0);
        p->y += space_after;
        return;
    }
    og_docgen__pdf_need(p, h);
    og_docgen__pdf_show(p, l, MARGIN_X + indent, p->y);
    p->y += h + space_after;
}
