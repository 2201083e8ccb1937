/* pdf.c - Markdown to PDF: a small page layout over cmark's AST and our pipe tables, drawn with
 * cairo and pango. */
#include "docgen/docgen_internal.h"
#include "opsgate/error.h"

#include <cmark.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each render has its own pango font map and context (pango_cairo_font_map_new), so renders on
 * several threads share no pango state and every one is set at 72 dpi: cairo's PDF user space is
 * in points (72 per inch), and pango's default of 96 dpi would set 10 pt text at 13.3 pt. (The
 * default font map is per thread: setting its resolution once per process left every other
 * server thread at 96 dpi, so the same document came out with different pages.) */
int og_docgen_pdf_available(void)
{
    return 1;
}

/* ---- time bound ---- */

/* OPSGATE_PDF_DEADLINE: seconds ("10", "2.5") or a duration ("90s", "2m"); default 10 s. */
static int64_t deadline_us(void)
{
    const char *v = getenv("OPSGATE_PDF_DEADLINE");
    char *end = NULL;
    int64_t us = 0;
    if (!v || !*v)
        return (int64_t)OG_DOCGEN_PDF_DEADLINE_S * 1000000;
    double s = strtod(v, &end);
    if (end != v && !*end && s > 0 && s <= 3600)
        return (int64_t)(s * 1e6) > 0 ? (int64_t)(s * 1e6) : 1;
    if (og_duration_parse(v, &us) == 0 && us > 0 && us <= (int64_t)3600 * 1000000)
        return us;
    og_error_clear();
    fprintf(stderr, "opsgate: ignoring OPSGATE_PDF_DEADLINE='%.32s' (seconds, 0 < s <= 3600)\n", v);
    return (int64_t)OG_DOCGEN_PDF_DEADLINE_S * 1000000;
}

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

static int joins(gunichar prev, gunichar c)
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

/* ---- layout ---- */

#define PAGE_W        595.276 /* A4 in points */
#define PAGE_H        841.89
#define MARGIN_X      56.0
#define MARGIN_TOP    70.0
#define MARGIN_BOTTOM 64.0
#define CONTENT_W     (PAGE_W - 2 * MARGIN_X)
#define MAX_PAGES     10000

typedef struct pdf {
    cairo_t *cr;
    cairo_surface_t *surface;
    PangoFontDescription *f_body, *f_bold, *f_h1, *f_h2, *f_h3, *f_small, *f_table, *f_mono,
        *f_title, *f_sub, *f_fact;
    const og_docgen_page *page;
    int draw; /* 0 on the measuring pass: count pages only */
    int pageno;
    cairo_surface_t **pages; /* one recording surface per page, replayed into the PDF at the end */
    int npages_alloc;
    double y;
    int error;
    og_buf *out;
    og_buf markup;                    /* scratch */
    og_buf brk;                       /* scratch: markup with break opportunities */
    double (*widths)[OG_MD_MAX_COLS]; /* per segment: table column widths, computed once */
    unsigned char *widths_done;
    PangoFontMap *fontmap; /* this render's own: nothing shared with other threads */
    PangoContext *pctx;
    int ctx_stale;    /* p->cr changed since pctx was updated from it */
    int64_t deadline; /* monotonic microseconds */
    int64_t limit_us; /* OPSGATE_PDF_DEADLINE */
    double prim[3];   /* the brand's colour: cover band, title, rules */
    double tint[3];   /* a light tint of its accent: table heads */
    og_docgen__logo *logo;
} pdf;

static cairo_status_t write_out(void *closure, const unsigned char *data, unsigned int len)
{
    pdf *p = closure;
    if (!p->draw)
        return CAIRO_STATUS_SUCCESS;
    if (og_buf_append(p->out, data, len) < 0) {
        p->error = OG_ETOOBIG;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

static int markup_escape(og_buf *b, const char *s, size_t n)
{
    int error = 0;
    for (size_t i = 0; i < n && !error; i++) {
        switch (s[i]) {
        case '&':
            error = og_buf_puts(b, "&amp;");
            break;
        case '<':
            error = og_buf_puts(b, "&lt;");
            break;
        case '>':
            error = og_buf_puts(b, "&gt;");
            break;
        case '\'':
            error = og_buf_puts(b, "&apos;");
            break;
        case '"':
            error = og_buf_puts(b, "&quot;");
            break;
        default:
            /* control characters are invalid in pango markup */
            if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
                error = og_buf_puts(b, " ");
            else
                error = og_buf_append(b, &s[i], 1);
        }
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
static void colors(pdf *p)
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

static void set_prim(pdf *p)
{
    cairo_set_source_rgb(p->cr, p->prim[0], p->prim[1], p->prim[2]);
}

static void set_tint(pdf *p)
{
    cairo_set_source_rgb(p->cr, p->tint[0], p->tint[1], p->tint[2]);
}

/* Draw (or only measure) markup at x, y with width w; returns the height in points. */
/* Past the deadline: fail the render (once). Checked before every layout. */
static int late(pdf *p)
{
    if (p->error)
        return 1;
    if (og_time_mono_us() <= p->deadline)
        return 0;
    p->error = og_error_set(OG_ETOOBIG,
                            "the PDF layout took longer than %.3g s (OPSGATE_PDF_DEADLINE): "
                            "the document is too large to lay out",
                            (double)p->limit_us / 1e6);
    return 1;
}

/* A new layout in this render's context for the current cairo context, with `markup` (break
 * opportunities added to long unbroken runs). NULL (p->error set) on failure or past the
 * deadline. */
static PangoLayout *layout_new(pdf *p, const char *markup, const PangoFontDescription *f)
{
    PangoLayout *l;
    if (late(p))
        return NULL;
    if (p->ctx_stale) { /* a new cairo context: its matrix and font options */
        pango_cairo_update_context(p->cr, p->pctx);
        p->ctx_stale = 0;
    }
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
    pango_layout_set_markup(l, p->brk.data ? p->brk.data : "", -1);
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

static double text_at(pdf *p, const char *markup, const PangoFontDescription *f, double x, double y,
                      double w, int align)
{
    int tw = 0, th = 0;
    PangoLayout *l = layout_new(p, markup, f);
    if (!l)
        return 0;
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align);
    pango_layout_get_size(l, &tw, &th);
    if (p->draw) {
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, l);
    }
    g_object_unref(l);
    return (double)th / PANGO_SCALE;
}

/* A layout of markup set in width w; *h its height in points. NULL (p->error set) on failure.
 * Callers measure, make room, then show the same layout: each block is laid out once. */
static PangoLayout *lay(pdf *p, const char *markup, const PangoFontDescription *f, double w,
                        int align, double *h)
{
    int tw = 0, th = 0;
    PangoLayout *l = layout_new(p, markup, f);
    *h = 0;
    if (!l)
        return NULL;
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align);
    pango_layout_get_size(l, &tw, &th);
    *h = (double)th / PANGO_SCALE;
    return l;
}

/* Draw (when drawing) and release a layout. NULL-safe. */
static void show(pdf *p, PangoLayout *l, double x, double y)
{
    if (!l)
        return;
    if (p->draw) {
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, l);
    }
    g_object_unref(l);
}

/* One line of markup at x, y in width w, cut with an ellipsis when longer: the running header
 * stays one line above its rule however long the client's name is. */
static void text_line(pdf *p, const char *markup, const PangoFontDescription *f, double x, double y,
                      double w, int align)
{
    PangoLayout *l = layout_new(p, markup, f);
    if (!l)
        return;
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    pango_layout_set_alignment(l, align);
    show(p, l, x, y);
}

/* Width in points of markup set on one line in font f. */
static double natural_width(pdf *p, const char *markup, const PangoFontDescription *f)
{
    int w = 0, h = 0;
    PangoLayout *l = layout_new(p, markup, f);
    if (!l)
        return 0;
    pango_layout_get_size(l, &w, &h);
    g_object_unref(l);
    return (double)w / PANGO_SCALE;
}

#define HEADER_TOP  26.0 /* the running header's text and logo */
#define HEADER_RULE 44.0 /* and the rule under it */

/* The running header of every page but the cover: the provider (logo and name) on the left, the
 * client and the document number on the right, one line; where they would meet, the names are
 * cut short with an ellipsis (the number never is); a rule in the brand's colour under them. */
static void header(pdf *p)
{
    og_buf l, r, n;
    const og_docgen_page *pg = p->page;
    double lx = MARGIN_X, lw, rw, gap = 18, want_l, want_r, want_n, room,
           right = MARGIN_X + CONTENT_W;
    if (p->pageno <= 1)
        return;
    og_buf_init(&l, 4096);
    og_buf_init(&r, 4096);
    og_buf_init(&n, 1024);
    if (pg->provider)
        markup_escape(&l, pg->provider, strlen(pg->provider));
    if (pg->client)
        markup_escape(&r, pg->client, strlen(pg->client));
    if (pg->number && *pg->number) {
        og_buf_puts(&n, "<b>");
        markup_escape(&n, pg->number, strlen(pg->number));
        og_buf_puts(&n, "</b>");
        if (pg->client && *pg->client)
            og_buf_puts(&r, "  \xc2\xb7");
    }
    if (p->logo) /* at most 16 pt high and 64 pt wide, before the name */
        lx += og_docgen__logo_draw(p->logo, p->cr, MARGIN_X, HEADER_TOP - 4, 64, 16, p->draw) + 6;
    want_n = n.len ? natural_width(p, n.data, p->f_small) + 4 : 0;
    if (want_n > CONTENT_W / 2) /* a number this long is cut too */
        want_n = CONTENT_W / 2;
    room = right - want_n - lx - gap;
    want_l = natural_width(p, l.data ? l.data : "", p->f_small);
    want_r = natural_width(p, r.data ? r.data : "", p->f_small);
    if (want_l + want_r <= room) {
        lw = want_l;
        rw = room - lw;
    } else { /* both too long: each its share, neither below 40 % */
        lw = want_l < room * 0.4 ? want_l : want_r < room * 0.6 ? room - want_r : room * 0.4;
        rw = room - lw;
    }
    cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.3);
    text_line(p, l.data ? l.data : "", p->f_small, lx, HEADER_TOP, lw, PANGO_ALIGN_LEFT);
    text_line(p, r.data ? r.data : "", p->f_small, right - want_n - rw, HEADER_TOP, rw,
              PANGO_ALIGN_RIGHT);
    if (n.len)
        text_line(p, n.data, p->f_small, right - want_n, HEADER_TOP, want_n, PANGO_ALIGN_RIGHT);
    if (p->draw) {
        set_prim(p);
        cairo_set_line_width(p->cr, 0.75);
        cairo_move_to(p->cr, MARGIN_X, HEADER_RULE);
        cairo_line_to(p->cr, PAGE_W - MARGIN_X, HEADER_RULE);
        cairo_stroke(p->cr);
    }
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    og_buf_free(&l);
    og_buf_free(&r);
    og_buf_free(&n);
}

/* "Page N of M", drawn when the pages are put into the PDF and M is known. */
static void footer(pdf *p, int pageno, int total)
{
    char buf[64];
    cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
    snprintf(buf, sizeof(buf), "Page %d of %d", pageno, total);
    text_at(p, buf, p->f_small, MARGIN_X, PAGE_H - 40, CONTENT_W, PANGO_ALIGN_CENTER);
}

static void new_page(pdf *p)
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
static void need(pdf *p, double h)
{
    if (p->y + h > PAGE_H - MARGIN_BOTTOM && p->y > MARGIN_TOP)
        new_page(p);
}

/* Height of markup without drawing. */
static double measure(pdf *p, const char *markup, const PangoFontDescription *f, double w)
{
    int d = p->draw;
    p->draw = 0;
    double h = text_at(p, markup, f, 0, 0, w, PANGO_ALIGN_LEFT);
    p->draw = d;
    return h;
}

/* Draw a layout taller than a page at x from p->y line by line, going on to a new page where a
 * line does not fit, so nothing falls off the foot of a page; bg (0 for none) is the width of a
 * grey background behind each line (code blocks). p->y ends below the last line. Releases l. */
static void show_flow(pdf *p, PangoLayout *l, double x, double bg)
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
            new_page(p);
            if (late(p))
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

/* The height a block may have and still be placed whole on a fresh page. */
#define PAGE_ROOM (PAGE_H - MARGIN_BOTTOM - MARGIN_TOP)

/* A block of markup: placed whole (on a fresh page when it does not fit), or, when taller than a
 * page (a long description), flowed over pages line by line. */
static void block(pdf *p, const char *markup, const PangoFontDescription *f, double indent,
                  double space_after)
{
    double w = CONTENT_W - indent, h;
    PangoLayout *l = lay(p, markup, f, w, PANGO_ALIGN_LEFT, &h);
    if (h > PAGE_ROOM) {
        show_flow(p, l, MARGIN_X + indent, 0);
        p->y += space_after;
        return;
    }
    need(p, h);
    show(p, l, MARGIN_X + indent, p->y);
    p->y += h + space_after;
}

/* Inline children of a cmark node as pango markup. */
static int inlines(og_buf *b, cmark_node *n, int depth)
{
    int error = 0;
    if (depth > 64)
        return 0;
    for (cmark_node *c = cmark_node_first_child(n); c && !error; c = cmark_node_next(c)) {
        const char *lit;
        switch (cmark_node_get_type(c)) {
        case CMARK_NODE_TEXT:
            lit = cmark_node_get_literal(c);
            error = markup_escape(b, lit, lit ? strlen(lit) : 0);
            break;
        case CMARK_NODE_CODE:
            lit = cmark_node_get_literal(c);
            if ((error = og_buf_puts(b, "<tt>")) < 0 ||
                (error = markup_escape(b, lit, lit ? strlen(lit) : 0)) < 0)
                break;
            error = og_buf_puts(b, "</tt>");
            break;
        case CMARK_NODE_SOFTBREAK:
            error = og_buf_puts(b, " ");
            break;
        case CMARK_NODE_LINEBREAK:
            error = og_buf_puts(b, "\n");
            break;
        case CMARK_NODE_EMPH:
            if (!(error = og_buf_puts(b, "<i>")) && !(error = inlines(b, c, depth + 1)))
                error = og_buf_puts(b, "</i>");
            break;
        case CMARK_NODE_STRONG:
            if (!(error = og_buf_puts(b, "<b>")) && !(error = inlines(b, c, depth + 1)))
                error = og_buf_puts(b, "</b>");
            break;
        case CMARK_NODE_LINK:
            if (!(error = og_buf_puts(b, "<u>")) && !(error = inlines(b, c, depth + 1)))
                error = og_buf_puts(b, "</u>");
            break;
        case CMARK_NODE_IMAGE:
            error = inlines(b, c, depth + 1);
            break;
        default:
            break; /* raw HTML is dropped, as in the HTML output */
        }
    }
    return error;
}

/* Width in points of markup set on one line in the table font. */
static double line_width(pdf *p, const char *markup)
{
    int w = 0, h = 0;
    PangoLayout *l = layout_new(p, markup, p->f_table);
    if (!l)
        return 0;
    pango_layout_get_size(l, &w, &h);
    g_object_unref(l);
    return (double)w / PANGO_SCALE;
}

/* Inline Markdown of a table cell (bold, code, backslash escapes) as pango markup. */
static int cell_markup(og_buf *b, const char *s)
{
    int bold = 0, code = 0, error = 0;
    for (size_t i = 0; s[i] && !error; i++) {
        if (!code && s[i] == '\\' && s[i + 1] && strchr("\\`*_{}[]()#+-.!|<>", s[i + 1])) {
            error = markup_escape(b, &s[++i], 1);
        } else if (!code && s[i] == '*' && s[i + 1] == '*') {
            error = og_buf_puts(b, bold ? "</b>" : "<b>");
            bold = !bold;
            i++;
        } else if (s[i] == '`') {
            error = og_buf_puts(b, code ? "</tt>" : "<tt>");
            code = !code;
        } else {
            error = markup_escape(b, &s[i], 1);
        }
    }
    if (!error && code)
        error = og_buf_puts(b, "</tt>");
    if (!error && bold)
        error = og_buf_puts(b, "</b>");
    return error;
}

static void render_blocks(pdf *p, cmark_node *parent, double indent, int depth);

static void render_list(pdf *p, cmark_node *list, double indent, int depth)
{
    int ordered = cmark_node_get_list_type(list) == CMARK_ORDERED_LIST;
    int n = ordered ? cmark_node_get_list_start(list) : 0;
    for (cmark_node *item = cmark_node_first_child(list); item && !p->error;
         item = cmark_node_next(item)) {
        char mark[32];
        double y0;
        if (ordered)
            snprintf(mark, sizeof(mark), "%d.", n++);
        else
            snprintf(mark, sizeof(mark), "%s", depth % 2 ? "\xe2\x80\x93" : "\xe2\x80\xa2");
        /* the marker goes with the item's first block: measure that block to keep them together */
        cmark_node *first = cmark_node_first_child(item);
        if (first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH) {
            og_buf_reset(&p->markup);
            inlines(&p->markup, first, 0);
            need(p, measure(p, p->markup.data ? p->markup.data : "", p->f_body,
                            CONTENT_W - indent - 16));
        }
        y0 = p->y;
        text_at(p, mark, p->f_body, MARGIN_X + indent, y0, 16, PANGO_ALIGN_LEFT);
        render_blocks(p, item, indent + 16, depth + 1);
        if (cmark_node_get_list_tight(list))
            p->y -= 3; /* tight lists: items closer than paragraphs */
    }
    p->y += 4;
}

/* A table row taller than a page (a long description in a cell): the cells' lines go on over as
 * many pages as they need, each page's part of the row closed by its rule. Releases mk[]. */
static void split_row(pdf *p, PangoLayout **mk, int ncols, const double *width, double pad)
{
    PangoLayoutIter *it[OG_MD_MAX_COLS];
    int more[OG_MD_MAX_COLS], any = 0;
    for (int c = 0; c < ncols; c++) {
        it[c] = mk[c] ? pango_layout_get_iter(mk[c]) : NULL;
        more[c] = it[c] != NULL;
        any |= more[c];
    }
    while (any && !late(p)) {
        double top = p->y + pad, bottom = PAGE_H - MARGIN_BOTTOM - pad, used = 0, x = MARGIN_X;
        any = 0;
        for (int c = 0; c < ncols; c++) {
            double origin = 0;
            for (int first = 1; more[c]; first = 0) {
                PangoRectangle r;
                pango_layout_iter_get_line_extents(it[c], NULL, &r);
                double ly = (double)r.y / PANGO_SCALE, lh = (double)r.height / PANGO_SCALE;
                if (first)
                    origin = top - ly;
                else if (origin + ly + lh > bottom)
                    break; /* the rest of this cell goes on the next page */
                if (p->draw) {
                    cairo_move_to(p->cr, x + pad + (double)r.x / PANGO_SCALE,
                                  origin +
                                      (double)pango_layout_iter_get_baseline(it[c]) / PANGO_SCALE);
                    pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it[c]));
                }
                if (origin + ly + lh - top > used)
                    used = origin + ly + lh - top;
                more[c] = pango_layout_iter_next_line(it[c]);
            }
            any |= more[c];
            x += width[c];
        }
        p->y = top + used + pad;
        if (p->draw) {
            cairo_set_source_rgb(p->cr, 0.75, 0.75, 0.75);
            cairo_set_line_width(p->cr, 0.5);
            cairo_move_to(p->cr, MARGIN_X, p->y);
            cairo_line_to(p->cr, MARGIN_X + CONTENT_W, p->y);
            cairo_stroke(p->cr);
            cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
        }
        if (any)
            new_page(p);
    }
    for (int c = 0; c < ncols; c++) {
        if (it[c])
            pango_layout_iter_free(it[c]);
        if (mk[c])
            g_object_unref(mk[c]);
    }
}

/* A cell that holds a number, an amount, a percentage or a date (or nothing): it must never
 * wrap. Bold markers and spaces are ignored. */
static int numeric_cell(const char *s)
{
    int digit = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digit = 1;
        else if (!strchr(" *+-.,%'", *s))
            return 0;
    }
    return digit;
}

/* Width of the widest word of a cell (split at spaces; bold when the cell has bold) and, in
 * *whole, of the cell on one line. */
static double cell_widths(pdf *p, const char *cell, int header, double *whole)
{
    double widest = 0;
    int bold = header || strstr(cell, "**") != NULL;
    og_buf w;
    og_buf_init(&w, (size_t)1 << 20);
    *whole = 0;
    if (!header) {
        og_buf_reset(&p->markup);
        cell_markup(&p->markup, cell);
        *whole = line_width(p, p->markup.data ? p->markup.data : "");
        if (!strchr(cell, ' ')) /* one word: the whole cell */
            return *whole;
    }
    for (const char *w0 = cell; *w0 && !p->error;) {
        size_t k = strcspn(w0, " ");
        og_buf_reset(&w);
        og_buf_append(&w, w0, k);
        og_buf_reset(&p->markup);
        if (bold)
            og_buf_puts(&p->markup, "<b>");
        cell_markup(&p->markup, w.data ? w.data : "");
        if (bold)
            og_buf_puts(&p->markup, "</b>");
        double wd = line_width(p, p->markup.data ? p->markup.data : "");
        if (wd > widest)
            widest = wd;
        w0 += k;
        while (*w0 == ' ')
            w0++;
    }
    og_buf_free(&w);
    if (header) /* a header may wrap between its words: it asks only for its longest */
        *whole = widest;
    return widest;
}

static void render_table(pdf *p, const og_md_table *t, size_t seg)
{
    double minw[OG_MD_MAX_COLS], maxw[OG_MD_MAX_COLS], *width = p->widths[seg];
    int numeric[OG_MD_MAX_COLS];
    const double pad = 3;
    static const int aligns[] = {PANGO_ALIGN_LEFT, PANGO_ALIGN_CENTER, PANGO_ALIGN_RIGHT};
    /* both passes lay the table out alike: widths are computed on the first */
    if (!p->widths_done[seg]) {
        /* Column widths as a browser's automatic table layout does it: each column wants at
         * least its widest word (min) and at most its widest cell on one line (max). When every
         * max fits, columns get max (stretched to the full width); else every column gets its
         * min and the rest of the width goes to the columns in proportion to what they still
         * want, so no word - a host name, an identifier, an amount - is broken where the words
         * fit at all. When even the min widths do not fit, columns of numbers, amounts and dates
         * keep theirs (an amount never wraps) and the others share what is left. */
        double smin = 0, smax = 0, W = CONTENT_W;
        for (int c = 0; c < t->ncols; c++) {
            minw[c] = maxw[c] = 20;
            numeric[c] = 1;
            for (int r = 0; r < t->nrows && !p->error; r++) {
                double whole, word = cell_widths(p, t->cells[r][c], r == 0, &whole);
                word += 2 * pad + 2;
                whole += 2 * pad + 2;
                if (word > minw[c])
                    minw[c] = word;
                if (whole > maxw[c])
                    maxw[c] = whole;
                if (r > 0 && t->cells[r][c][0] && !numeric_cell(t->cells[r][c]))
                    numeric[c] = 0;
            }
            if (!numeric[c] && minw[c] > W / 2) /* one long word may not starve the rest */
                minw[c] = W / 2;
            if (maxw[c] < minw[c])
                maxw[c] = minw[c];
            smin += minw[c];
            smax += maxw[c];
        }
        if (smax <= W) {
            for (int c = 0; c < t->ncols; c++)
                width[c] = maxw[c] * W / smax;
        } else if (smin <= W) {
            double want = smax - smin;
            for (int c = 0; c < t->ncols; c++)
                width[c] = minw[c] + (want > 0 ? (maxw[c] - minw[c]) * (W - smin) / want : 0);
        } else {
            double fixed = 0, flex = 0;
            for (int c = 0; c < t->ncols; c++) {
                if (numeric[c])
                    fixed += minw[c];
                else
                    flex += minw[c];
            }
            for (int c = 0; c < t->ncols; c++) {
                if (fixed < W && flex > 0)
                    width[c] = numeric[c] ? minw[c] : minw[c] * (W - fixed) / flex;
                else
                    width[c] = minw[c] * W / smin;
            }
        }

        p->widths_done[seg] = 1;
    }
    for (int r = 0; r < t->nrows && !p->error; r++) {
        PangoLayout *mk[OG_MD_MAX_COLS];
        double h = 0;
        int repeat_header = 0;
        for (int c = 0; c < t->ncols; c++) {
            double ch;
            og_buf_reset(&p->markup);
            if (r == 0)
                og_buf_puts(&p->markup, "<b>");
            cell_markup(&p->markup, t->cells[r][c]);
            if (r == 0)
                og_buf_puts(&p->markup, "</b>");
            mk[c] = lay(p, p->markup.data ? p->markup.data : "", p->f_table, width[c] - 2 * pad,
                        aligns[t->align[c]], &ch);
            if (ch > h)
                h = ch;
        }
        h += 2 * pad;
        if (h > PAGE_ROOM) { /* taller than a page: split over pages, nothing cut off */
            need(p, 60);
            split_row(p, mk, t->ncols, width, pad);
            continue;
        }
        /* keep the header with the first body row; repeat it on each new page */
        double want = r == 0 && t->nrows > 1 ? 2 * h : h;
        if (p->y + want > PAGE_H - MARGIN_BOTTOM && p->y > MARGIN_TOP) {
            new_page(p);
            repeat_header = r > 0;
        }
        if (repeat_header) {
            double x = MARGIN_X, hh = 0;
            for (int c = 0; c < t->ncols; c++) {
                og_buf_reset(&p->markup);
                og_buf_puts(&p->markup, "<b>");
                cell_markup(&p->markup, t->cells[0][c]);
                og_buf_puts(&p->markup, "</b>");
                double ch = measure(p, p->markup.data, p->f_table, width[c] - 2 * pad);
                if (ch > hh)
                    hh = ch;
            }
            hh += 2 * pad;
            if (p->draw) {
                set_tint(p);
                cairo_rectangle(p->cr, MARGIN_X, p->y, CONTENT_W, hh);
                cairo_fill(p->cr);
                cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
            }
            for (int c = 0; c < t->ncols; c++) {
                og_buf_reset(&p->markup);
                og_buf_puts(&p->markup, "<b>");
                cell_markup(&p->markup, t->cells[0][c]);
                og_buf_puts(&p->markup, "</b>");
                text_at(p, p->markup.data, p->f_table, x + pad, p->y + pad, width[c] - 2 * pad,
                        aligns[t->align[c]]);
                x += width[c];
            }
            p->y += hh;
        }
        if (p->draw) {
            if (r == 0) {
                set_tint(p);
                cairo_rectangle(p->cr, MARGIN_X, p->y, CONTENT_W, h);
                cairo_fill(p->cr);
            }
            cairo_set_source_rgb(p->cr, 0.75, 0.75, 0.75);
            cairo_set_line_width(p->cr, 0.5);
            cairo_move_to(p->cr, MARGIN_X, p->y + h);
            cairo_line_to(p->cr, MARGIN_X + CONTENT_W, p->y + h);
            cairo_stroke(p->cr);
            cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
        }
        double x = MARGIN_X;
        for (int c = 0; c < t->ncols; c++) {
            show(p, mk[c], x + pad, p->y + pad);
            x += width[c];
        }
        p->y += h;
    }
    p->y += 8;
}

static void render_blocks(pdf *p, cmark_node *parent, double indent, int depth)
{
    if (depth > 32)
        return;
    for (cmark_node *n = cmark_node_first_child(parent); n && !p->error; n = cmark_node_next(n)) {
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_HEADING: {
            int level = cmark_node_get_heading_level(n);
            const PangoFontDescription *f = level <= 1 ? p->f_h1 : level == 2 ? p->f_h2 : p->f_h3;
            og_buf_reset(&p->markup);
            inlines(&p->markup, n, 0);
            double h;
            PangoLayout *l = lay(p, p->markup.data ? p->markup.data : "", f, CONTENT_W - indent,
                                 PANGO_ALIGN_LEFT, &h);
            p->y += level <= 2 ? 10 : 6;
            need(p, h + 90); /* no heading alone at the foot of a page */
            show(p, l, MARGIN_X + indent, p->y);
            p->y += h + 6;
            if (level == 2 && p->draw) {
                set_prim(p);
                cairo_set_line_width(p->cr, 0.5);
                cairo_move_to(p->cr, MARGIN_X + indent, p->y - 3);
                cairo_line_to(p->cr, MARGIN_X + CONTENT_W, p->y - 3);
                cairo_stroke(p->cr);
                cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
            }
            break;
        }
        case CMARK_NODE_PARAGRAPH:
            og_buf_reset(&p->markup);
            inlines(&p->markup, n, 0);
            block(p, p->markup.data ? p->markup.data : "", p->f_body, indent, 6);
            break;
        case CMARK_NODE_LIST:
            render_list(p, n, indent, depth);
            break;
        case CMARK_NODE_BLOCK_QUOTE:
            render_blocks(p, n, indent + 14, depth + 1);
            break;
        case CMARK_NODE_ITEM:
            render_blocks(p, n, indent, depth + 1);
            break;
        case CMARK_NODE_CODE_BLOCK: {
            const char *lit = cmark_node_get_literal(n);
            size_t len = lit ? strlen(lit) : 0;
            og_buf_reset(&p->markup);
            markup_escape(&p->markup, lit ? lit : "", len && lit[len - 1] == '\n' ? len - 1 : len);
            double h;
            PangoLayout *cl = lay(p, p->markup.data ? p->markup.data : "", p->f_mono,
                                  CONTENT_W - indent - 8, PANGO_ALIGN_LEFT, &h);
            if (h + 8 > PAGE_ROOM) { /* a long listing: flowed over pages */
                p->y += 4;
                show_flow(p, cl, MARGIN_X + indent + 4, CONTENT_W - indent);
                p->y += 10;
                break;
            }
            if (cl)
                g_object_unref(cl);
            need(p, h + 8);
            if (p->draw) {
                cairo_set_source_rgb(p->cr, 0.95, 0.95, 0.95);
                cairo_rectangle(p->cr, MARGIN_X + indent, p->y, CONTENT_W - indent, h + 8);
                cairo_fill(p->cr);
                cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
            }
            text_at(p, p->markup.data ? p->markup.data : "", p->f_mono, MARGIN_X + indent + 4,
                    p->y + 4, CONTENT_W - indent - 8, PANGO_ALIGN_LEFT);
            p->y += h + 14;
            break;
        }
        case CMARK_NODE_THEMATIC_BREAK:
            need(p, 12);
            if (p->draw) {
                cairo_set_line_width(p->cr, 0.5);
                cairo_move_to(p->cr, MARGIN_X, p->y + 4);
                cairo_line_to(p->cr, MARGIN_X + CONTENT_W, p->y + 4);
                cairo_stroke(p->cr);
            }
            p->y += 12;
            break;
        default:
            break; /* raw HTML blocks are dropped */
        }
    }
}

/* ---- signature blocks ---- */

#define SIG_GAP 30.0 /* between the two columns */

/* One party's block in width w at x, y: who (party and organisation), a signature line, name and
 * title, a date line. Returns its height; draws when p->draw. */
static double party_block(pdf *p, const og_md_party *pt, double x, double y, double w)
{
    og_buf m;
    double h, y0 = y;
    PangoLayout *l;
    og_buf_init(&m, 8192);
    /* who signs */
    og_buf_puts(&m, "<b>");
    markup_escape(&m, pt->party, strlen(pt->party));
    og_buf_puts(&m, "</b>");
    if (*pt->organisation) {
        og_buf_puts(&m, "\n");
        markup_escape(&m, pt->organisation, strlen(pt->organisation));
    }
    l = lay(p, m.data, p->f_body, w, PANGO_ALIGN_LEFT, &h);
    set_prim(p);
    show(p, l, x, y);
    y += h + 34; /* room to sign */
    /* the signature line and its caption */
    if (p->draw) {
        cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
        cairo_set_line_width(p->cr, 0.6);
        cairo_move_to(p->cr, x, y);
        cairo_line_to(p->cr, x + w, y);
        cairo_stroke(p->cr);
    }
    cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
    y += 2 + text_at(p, "Signature", p->f_small, x, y + 2, w, PANGO_ALIGN_LEFT) + 4;
    /* name and title */
    og_buf_reset(&m);
    og_buf_puts(&m, "Name: ");
    markup_escape(&m, pt->name, strlen(pt->name));
    og_buf_puts(&m, "\nTitle: ");
    markup_escape(&m, pt->title, strlen(pt->title));
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    l = lay(p, m.data, p->f_body, w, PANGO_ALIGN_LEFT, &h);
    show(p, l, x, y);
    y += h + 30; /* room to date it */
    if (p->draw) {
        cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
        cairo_move_to(p->cr, x, y);
        cairo_line_to(p->cr, x + w * 0.6, y);
        cairo_stroke(p->cr);
    }
    cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
    y += 2 + text_at(p, "Date", p->f_small, x, y + 2, w, PANGO_ALIGN_LEFT);
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    og_buf_free(&m);
    return y - y0;
}

/* The parties side by side, two to a row. The whole block is kept on one page (a row at a time
 * when there are so many parties that the block is taller than a page). */
static void render_signatures(pdf *p, const og_md_segment *sg)
{
    double w = (CONTENT_W - SIG_GAP) / 2, total = 0, rows[OG_MD_MAX_PARTIES / 2 + 1];
    size_t nrows = (sg->nparties + 1) / 2;
    int d = p->draw;
    p->draw = 0; /* measure */
    for (size_t r = 0; r < nrows && !p->error; r++) {
        rows[r] = 0;
        for (size_t k = 0; k < 2 && 2 * r + k < sg->nparties; k++) {
            double h = party_block(p, &sg->parties[2 * r + k], 0, 0, w);
            if (h > rows[r])
                rows[r] = h;
        }
        total += rows[r] + (r ? 18 : 0);
    }
    p->draw = d;
    p->y += 8;
    if (total <= PAGE_ROOM)
        need(p, total);
    for (size_t r = 0; r < nrows && !p->error; r++) {
        if (r)
            p->y += 18;
        need(p, rows[r]);
        for (size_t k = 0; k < 2 && 2 * r + k < sg->nparties; k++)
            party_block(p, &sg->parties[2 * r + k], MARGIN_X + k * (w + SIG_GAP), p->y, w);
        p->y += rows[r];
    }
    p->y += 12;
}

#define FACTS 5

/* The cover: the provider's logo and name at the top, the document's title, project and facts
 * (client, number, date, revision, provider) in the middle, the provider's address at the foot;
 * the middle block sits a little above the centre of the room the other two leave. */
static void title_page(pdf *p)
{
    og_buf m;
    const og_docgen_page *pg = p->page;
    const char *lab[FACTS] = {"Client", "Document", "Date", "Revision", "Provider"};
    const char *val[FACTS] = {pg->client, pg->number, pg->date, pg->revision, pg->provider};
    PangoLayout *lt = NULL, *ls = NULL, *lname = NULL, *lfoot = NULL, *fl[FACTS] = {0},
                *fv[FACTS] = {0};
    double top = 64, logo_h = 0, name_h = 0, foot_h = 0, th = 0, sh = 0, facts_h = 0, y,
           fh[FACTS] = {0};
    og_buf_init(&m, 8192);
    new_page(p);
    if (p->error)
        goto cleanup;
    if (p->draw) { /* a band of the brand's colour across the top */
        set_prim(p);
        cairo_rectangle(p->cr, 0, 0, PAGE_W, 14);
        cairo_fill(p->cr);
    }
    /* top: the logo (at most 200 x 72 pt) and the provider's name */
    if (p->logo) {
        og_docgen__logo_draw(p->logo, p->cr, MARGIN_X, top, 200, 72, p->draw);
        logo_h = 72 + 14;
    }
    if (pg->provider && *pg->provider) {
        og_buf_puts(&m, "<b>");
        markup_escape(&m, pg->provider, strlen(pg->provider));
        og_buf_puts(&m, "</b>");
        lname = lay(p, m.data, p->f_h3, CONTENT_W, PANGO_ALIGN_LEFT, &name_h);
    }
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    show(p, lname, MARGIN_X, top + logo_h);
    lname = NULL;
    top += logo_h + name_h;
    /* foot: the provider's address, its lines as written */
    if (pg->provider_address && *pg->provider_address) {
        og_buf_reset(&m);
        markup_escape(&m, pg->provider_address, strlen(pg->provider_address));
        lfoot = lay(p, m.data, p->f_small, CONTENT_W, PANGO_ALIGN_LEFT, &foot_h);
    }
    /* middle: title, project, a short rule, the facts (label and value side by side) */
    og_buf_reset(&m);
    markup_escape(&m, pg->title ? pg->title : "Document",
                  strlen(pg->title ? pg->title : "Document"));
    lt = lay(p, m.data, p->f_title, CONTENT_W, PANGO_ALIGN_LEFT, &th);
    if (pg->subtitle && *pg->subtitle) {
        og_buf_reset(&m);
        markup_escape(&m, pg->subtitle, strlen(pg->subtitle));
        ls = lay(p, m.data, p->f_sub, CONTENT_W, PANGO_ALIGN_LEFT, &sh);
    }
    for (int i = 0; i < FACTS; i++) {
        double hl = 0, hv = 0;
        if (!val[i] || !*val[i])
            continue;
        og_buf_reset(&m);
        markup_escape(&m, val[i], strlen(val[i]));
        fl[i] = lay(p, lab[i], p->f_fact, 90, PANGO_ALIGN_LEFT, &hl);
        fv[i] = lay(p, m.data, p->f_fact, CONTENT_W - 100, PANGO_ALIGN_LEFT, &hv);
        fh[i] = (hl > hv ? hl : hv) + 4;
        facts_h += fh[i];
    }
    {
        double mid_h = th + 10 + sh + 26 + facts_h;
        double room_top = top + 30, room_bottom = PAGE_H - MARGIN_BOTTOM - foot_h - 30;
        y = room_top + (room_bottom - room_top - mid_h) * 0.42;
        if (y < room_top)
            y = room_top;
    }
    set_prim(p);
    show(p, lt, MARGIN_X, y);
    lt = NULL;
    y += th + 10;
    cairo_set_source_rgb(p->cr, 0.25, 0.25, 0.25);
    show(p, ls, MARGIN_X, y);
    ls = NULL;
    y += sh + 12;
    if (p->draw) {
        set_prim(p);
        cairo_set_line_width(p->cr, 1.5);
        cairo_move_to(p->cr, MARGIN_X, y);
        cairo_line_to(p->cr, MARGIN_X + 120, y);
        cairo_stroke(p->cr);
    }
    y += 14;
    for (int i = 0; i < FACTS; i++) {
        if (!fl[i] && !fv[i])
            continue;
        cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
        show(p, fl[i], MARGIN_X, y);
        cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
        show(p, fv[i], MARGIN_X + 100, y);
        fl[i] = fv[i] = NULL;
        y += fh[i];
    }
    cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
    show(p, lfoot, MARGIN_X, PAGE_H - MARGIN_BOTTOM - foot_h);
    lfoot = NULL;
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    new_page(p);
cleanup:
    for (int i = 0; i < FACTS; i++) {
        if (fl[i])
            g_object_unref(fl[i]);
        if (fv[i])
            g_object_unref(fv[i]);
    }
    if (lt)
        g_object_unref(lt);
    if (ls)
        g_object_unref(ls);
    if (lfoot)
        g_object_unref(lfoot);
    og_buf_free(&m);
}

/* One pass over the document: measuring (draw = 0) or drawing. */
static int render_pass(pdf *p, const og_md_segment *segs, size_t n)
{
    title_page(p);
    for (size_t i = 0; i < n && !p->error; i++) {
        if (segs[i].is_table) {
            render_table(p, &segs[i].table, i);
            continue;
        }
        if (segs[i].is_signatures) {
            render_signatures(p, &segs[i]);
            continue;
        }
        cmark_node *doc = cmark_parse_document(segs[i].text, segs[i].len, CMARK_OPT_DEFAULT);
        if (!doc)
            return og_error_set(OG_ERROR, "out of memory");
        render_blocks(p, doc, 0, 0);
        cmark_node_free(doc);
    }
    return p->error;
}

static void fonts_free(pdf *p)
{
    PangoFontDescription **fs[] = {&p->f_body,  &p->f_bold,  &p->f_h1,    &p->f_h2,
                                   &p->f_h3,    &p->f_small, &p->f_table, &p->f_mono,
                                   &p->f_title, &p->f_sub,   &p->f_fact};
    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
        if (*fs[i])
            pango_font_description_free(*fs[i]);
        *fs[i] = NULL;
    }
}

int og_docgen_md_to_pdf(og_buf *out, const char *md, size_t len, const og_docgen_page *page)
{
    int error = -1, trace;
    og_md_segment *segs = NULL;
    size_t n = 0, start = out->len;
    pdf p;
    og_docgen_page empty;
    char date[64];
    memset(&p, 0, sizeof(p));
    if (!page) {
        memset(&empty, 0, sizeof(empty));
        page = &empty;
    }
    p.limit_us = deadline_us();
    p.deadline = og_time_mono_us() + p.limit_us;
    trace = getenv("OPSGATE_TEST_PDF_TRACE") != NULL;
    if ((error = og_md_split(md, len, &segs, &n)) < 0)
        return error;
    og_buf_init(&p.markup, (size_t)8 << 20);
    og_buf_init(&p.brk, (size_t)32 << 20);
    p.widths = calloc(n ? n : 1, sizeof(*p.widths));
    p.widths_done = calloc(n ? n : 1, 1);
    if (!p.widths || !p.widths_done) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* this render's own font map at 72 dpi, and one context for all its layouts */
    p.fontmap = pango_cairo_font_map_new();
    if (!p.fontmap) {
        error = og_error_set(OG_ERROR, "pango could not create a font map");
        goto cleanup;
    }
    pango_cairo_font_map_set_resolution(PANGO_CAIRO_FONT_MAP(p.fontmap), 72.0);
    p.pctx = pango_font_map_create_context(p.fontmap);
    if (!p.pctx) {
        error = og_error_set(OG_ERROR, "pango could not create a context");
        goto cleanup;
    }
    /* the same language whatever the locale of the process: the same fonts, the same bytes */
    pango_context_set_language(p.pctx, pango_language_from_string("en"));
    if (trace) /* test hook: when each render lays out, to show that renders overlap */
        fprintf(stderr, "opsgate: pdf layout start %lld\n", (long long)og_time_mono_us());
    p.page = page;
    p.out = out;
    /* DejaVu for Latin, Greek, Cyrillic, ...; Noto CJK (Debian fonts-noto-cjk) for Chinese,
     * Japanese and Korean, named so that the fallback does not depend on the locale */
#define SANS "DejaVu Sans,Noto Sans CJK JP,Noto Sans CJK SC,Noto Sans CJK KR,Noto Sans CJK TC "
#define MONO "DejaVu Sans Mono,Noto Sans Mono CJK JP,Noto Sans Mono CJK SC "
    p.f_body = pango_font_description_from_string(SANS "10");
    p.f_bold = pango_font_description_from_string(SANS "Bold 10");
    p.f_h1 = pango_font_description_from_string(SANS "Bold 18");
    p.f_h2 = pango_font_description_from_string(SANS "Bold 14");
    p.f_h3 = pango_font_description_from_string(SANS "Bold 11.5");
    p.f_small = pango_font_description_from_string(SANS "8");
    p.f_table = pango_font_description_from_string(SANS "8.5");
    p.f_mono = pango_font_description_from_string(MONO "9");
    p.f_title = pango_font_description_from_string(SANS "Bold 28");
    p.f_sub = pango_font_description_from_string(SANS "15");
    p.f_fact = pango_font_description_from_string(SANS "10.5");
#undef SANS
#undef MONO
    colors(&p);
    if ((error = og_docgen__logo_open(&p.logo, page->brand)) < 0)
        goto cleanup;

    /* lay out once into recorded pages, then replay them into the PDF with "Page N of M" */
    p.draw = 1;
    error = render_pass(&p, segs, n);
    if (error == 0 && p.error)
        error = p.error;
    if (p.cr) {
        cairo_destroy(p.cr);
        p.cr = NULL;
    }
    if (error < 0)
        goto cleanup;
    p.surface = cairo_pdf_surface_create_for_stream(write_out, &p, PAGE_W, PAGE_H);
    if (!p.surface || cairo_surface_status(p.surface) != 0) {
        error = og_error_set(OG_ERROR, "cairo could not create a PDF surface");
        goto cleanup;
    }
    /* fixed metadata: the output depends on the document, not on the clock */
    snprintf(date, sizeof(date), "%sT00:00:00Z",
             page->date && strlen(page->date) == 10 ? page->date : "2000-01-01");
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_MOD_DATE, date);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATOR, "opsgate " OG_VERSION);
    if (page->title)
        cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_TITLE, page->title);
    if (page->number)
        cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_SUBJECT, page->number);
    /* the author of the document is its provider (the MSP), not the client it is for */
    if (page->provider && *page->provider)
        cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_AUTHOR, page->provider);
    p.cr = cairo_create(p.surface);
    p.ctx_stale = 1;
    for (int i = 0; i < p.pageno && !p.error && !late(&p); i++) {
        cairo_set_source_surface(p.cr, p.pages[i], 0, 0);
        cairo_paint(p.cr);
        footer(&p, i + 1, p.pageno);
        cairo_show_page(p.cr);
    }
    cairo_destroy(p.cr);
    p.cr = NULL;
    cairo_surface_finish(p.surface);
    error = p.error;
    if (error == 0 && cairo_surface_status(p.surface) != 0)
        error = og_error_set(OG_ERROR, "cairo could not write the PDF");
    if (error == 0 && late(&p))
        error = p.error;
    cairo_surface_destroy(p.surface);
    p.surface = NULL;
    if (error < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    if (p.cr)
        cairo_destroy(p.cr);
    for (int i = 0; i < p.pageno; i++)
        cairo_surface_destroy(p.pages[i]);
    free(p.pages);
    fonts_free(&p);
    og_docgen__logo_free(p.logo);
    free(p.widths);
    free(p.widths_done);
    og_buf_free(&p.markup);
    og_buf_free(&p.brk);
    if (p.pctx)
        g_object_unref(p.pctx);
    if (p.fontmap)
        g_object_unref(p.fontmap);
    og_md_segments_free(segs, n);
    if (trace)
        fprintf(stderr, "opsgate: pdf layout end %lld\n", (long long)og_time_mono_us());
    return error;
}
