/* pdf_internal.h - shared by the PDF renderer's files (pdf*.c): the page geometry, the state of
 * one render and the layout primitives they draw with. Not a public interface. */
#ifndef OG_DOCGEN_PDF_INTERNAL_H
#define OG_DOCGEN_PDF_INTERNAL_H

#include "docgen/docgen_internal.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stdint.h>

/* These files are built into the shared module opsgate-pdf.so (pdf_module.h), not into
 * libopsgate.a: cairo, pango and librsvg are loaded only by a process that renders a PDF or
 * checks a logo. */

/* The module's two entry points (pdf_module.h's table): og_docgen_md_to_pdf and
 * og_docgen_logo_check as docgen.h describes them. */
int og_docgen__pdf_render(og_buf *out, const char *md, size_t len, const og_docgen_page *page);
int og_docgen__logo_check(const unsigned char *data, size_t len, const char **media_type);

/* PDF: copy pango markup m to out with a zero-width space (U+200B) before every character of an
 * unbroken run past OG_DOCGEN__PDF_LONG_RUN characters (not inside a grapheme), so pango wraps
 * it in linear time. */
#define OG_DOCGEN__PDF_LONG_RUN 200
int og_docgen__pdf_breaks(og_buf *out, const char *m);

/* A brand's logo decoded for drawing (PNG through cairo, SVG through librsvg). *out is NULL when
 * the brand has no logo. */
typedef struct og_docgen__logo og_docgen__logo;
int og_docgen__logo_open(og_docgen__logo **out, const og_docgen_brand *b);
/* Draw the logo scaled into max_w x max_h at x, y (aspect kept, left-aligned, vertically centred);
 * returns the width it takes. draw 0: only the width. NULL-safe (0). */
double og_docgen__logo_draw(og_docgen__logo *l, cairo_t *cr, double x, double y, double max_w,
                            double max_h, int draw);
void og_docgen__logo_free(og_docgen__logo *l);

#define PAGE_W        595.276 /* A4 in points */
#define PAGE_H        841.89
#define MARGIN_X      56.0
#define MARGIN_TOP    70.0
#define MARGIN_BOTTOM 64.0
#define CONTENT_W     (PAGE_W - 2 * MARGIN_X)
#define MAX_PAGES     10000

/* ---- what renders reuse (pdf_engine.c) ---- */
enum {
    OG_DOCGEN__F_BODY,
    OG_DOCGEN__F_BOLD,
    OG_DOCGEN__F_H1,
    OG_DOCGEN__F_H2,
    OG_DOCGEN__F_H3,
    OG_DOCGEN__F_SMALL,
    OG_DOCGEN__F_TABLE,
    OG_DOCGEN__F_MONO,
    OG_DOCGEN__F_TITLE,
    OG_DOCGEN__F_SUB,
    OG_DOCGEN__F_FACT,
    OG_DOCGEN__PDF_NFONTS
};
/* Markup longer than this is laid out every time, not cached (words, amounts, names and table
 * cells are shorter); at most OG_DOCGEN__PDF_WIDTH_CACHE_MAX widths are kept per engine and
 * OG_DOCGEN__PDF_LAYOUT_CACHE_MAX layouts per render (then that cache starts again). */
#define OG_DOCGEN__PDF_KEY_TEXT_MAX     160
#define OG_DOCGEN__PDF_KEY_MAX          (OG_DOCGEN__PDF_KEY_TEXT_MAX + 80)
#define OG_DOCGEN__PDF_WIDTH_CACHE_MAX  8192
#define OG_DOCGEN__PDF_LAYOUT_CACHE_MAX 4096

/* A font map at 72 dpi, its context, the fonts and a cache of widths of words: made once, used by
 * one render at a time, kept in a process-wide pool between renders. Laying out is the same
 * whichever engine a render gets (the widths are those pango measures in the same state). */
typedef struct og_docgen__pdf_engine {
    PangoFontMap *fontmap;
    PangoContext *pctx;
    PangoFontDescription *font[OG_DOCGEN__PDF_NFONTS];
    GHashTable *widths; /* "font:state:markup" -> width in pango units */
    uint64_t width_hits, width_misses;
    /* what the context was last updated from (og_docgen__pdf_engine_sync) */
    bool synced;
    cairo_matrix_t matrix;
    cairo_font_options_t *surface_fo, *cr_fo, *scratch_fo;
    unsigned long state; /* a hash of the three */
    struct og_docgen__pdf_engine *next;
} og_docgen__pdf_engine;

/* A free engine from the pool, or a new one when none is free (made outside the pool's lock).
 * Give it back with og_docgen__pdf_engine_give (NULL-safe), which keeps it for the next render
 * or frees it when the pool is full. */
int og_docgen__pdf_engine_take(og_docgen__pdf_engine **out);
void og_docgen__pdf_engine_give(og_docgen__pdf_engine *e);
/* Update the engine's context from cr when cr's matrix or font options differ from what it was
 * last updated from (updating marks every layout made before as changed). */
void og_docgen__pdf_engine_sync(og_docgen__pdf_engine *e, cairo_t *cr);
/* A cache key for markup in font f, in width and align (pango units and alignment, -1 for a
 * width), in the engine's current state: 0, or -1 when not to be cached (a font that is not the
 * engine's, markup longer than OG_DOCGEN__PDF_KEY_TEXT_MAX, no state yet). */
int og_docgen__pdf_engine_key(const og_docgen__pdf_engine *e, const PangoFontDescription *f,
                              int width, int align, const char *markup, char *key, size_t size);
/* The width (points) of markup set on one line in font f, measured before in the same state:
 * true and *w, or false. */
bool og_docgen__pdf_engine_width_get(og_docgen__pdf_engine *e, const PangoFontDescription *f,
                                     const char *markup, double *w);
/* Remember the width (pango units) of markup in font f in the current state. */
void og_docgen__pdf_engine_width_put(og_docgen__pdf_engine *e, const PangoFontDescription *f,
                                     const char *markup, int pango_w);
/* The pool's counts (tests, benchmarks): engines made, free in the pool, taken now. */
typedef struct og_docgen__pdf_pool_stats {
    uint64_t made;
    int pooled, in_use;
} og_docgen__pdf_pool_stats;
void og_docgen__pdf_pool_stats_get(og_docgen__pdf_pool_stats *out);
/* Free the engines in the pool (tests); those in use are freed when given back, or kept. */
void og_docgen__pdf_pool_drain(void);

/* One render: its cairo state, the engine it lays out with, pages and scratch buffers. */
typedef struct og_docgen__pdf {
    cairo_t *cr;
    cairo_surface_t *surface;
    og_docgen__pdf_engine *eng;
    /* the engine's fonts (borrowed) */
    const PangoFontDescription *f_body, *f_bold, *f_h1, *f_h2, *f_h3, *f_small, *f_table, *f_mono,
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
    PangoContext *pctx; /* the engine's */
    int ctx_stale;      /* p->cr changed since pctx was synced with it */
    /* the running header, the same on every page but the cover: laid out on the first */
    PangoLayout *hdr[3];
    double hdr_x[3], logo_x;
    bool hdr_done;
    /* short blocks laid out in this render (cells, list marks, labels), to show again where
     * they recur: key (og_docgen__pdf_engine_key) -> PangoLayout */
    GHashTable *lays;
    /* the header row of the table being laid out, shown again on each page it goes on to */
    PangoLayout *thead[OG_MD_MAX_COLS];
    double thead_h;
    int64_t deadline; /* monotonic microseconds */
    int64_t limit_us; /* OPSGATE_PDF_DEADLINE */
    double prim[3];   /* the brand's colour: cover band, title, rules */
    double tint[3];   /* a light tint of its accent: table heads */
    og_docgen__logo *logo;
} og_docgen__pdf;

/* The height a block may have and still be placed whole on a fresh page. */
#define PAGE_ROOM (PAGE_H - MARGIN_BOTTOM - MARGIN_TOP)

/* ---- layout primitives (pdf_layout.c); after a failure p->error is set and they do nothing */
/* Append s[0..n) to b escaped as pango markup (control characters become spaces). */
static inline int og_docgen__pdf_escape(og_buf *b, const char *s, size_t n)
{
    return og_docgen__xml_escape(b, s, n, 1);
}
/* The brand's colours (p->prim, p->tint), or opsgate's own. */
void og_docgen__pdf_colors(og_docgen__pdf *p);
void og_docgen__pdf_prim(og_docgen__pdf *p); /* draw in the primary colour */
void og_docgen__pdf_tint(og_docgen__pdf *p); /* fill with the table-head tint */
/* A horizontal line from x0 to x1 at y, width points wide, in the current colour (when
 * drawing). */
void og_docgen__pdf_hline(og_docgen__pdf *p, double x0, double x1, double y, double width);
/* Past the deadline: fail the render (once); true when the render has failed. */
bool og_docgen__pdf_late(og_docgen__pdf *p);
/* Draw (when drawing) markup at x, y in width w; returns its height in points. */
double og_docgen__pdf_text_at(og_docgen__pdf *p, const char *markup, const PangoFontDescription *f,
                              double x, double y, double w, int align);
/* A layout of markup set in width w; *h its height. NULL (p->error set) on failure. */
PangoLayout *og_docgen__pdf_lay(og_docgen__pdf *p, const char *markup,
                                const PangoFontDescription *f, double w, int align, double *h);
/* Draw (when drawing) and release a layout. NULL-safe. */
void og_docgen__pdf_show(og_docgen__pdf *p, PangoLayout *l, double x, double y);
/* Width in points of markup set on one line in font f. */
double og_docgen__pdf_width(og_docgen__pdf *p, const char *markup, const PangoFontDescription *f);
/* Height of markup in width w without drawing. */
double og_docgen__pdf_measure(og_docgen__pdf *p, const char *markup, const PangoFontDescription *f,
                              double w);
/* A new recorded page with its running header; p->y at the top margin. */
void og_docgen__pdf_new_page(og_docgen__pdf *p);
/* Make room for h points, starting a page when needed. */
void og_docgen__pdf_need(og_docgen__pdf *p, double h);
/* Draw a layout taller than a page line by line over pages (bg: width of a grey background,
 * 0 for none). Releases l. */
void og_docgen__pdf_show_flow(og_docgen__pdf *p, PangoLayout *l, double x, double bg);
/* A block of markup placed whole, or flowed over pages when taller than one. */
void og_docgen__pdf_block(og_docgen__pdf *p, const char *markup, const PangoFontDescription *f,
                          double indent, double space_after);
/* "Page N of M", drawn when the pages are put into the PDF. */
void og_docgen__pdf_footer(og_docgen__pdf *p, int pageno, int total);

/* ---- parts of a document ---- */
/* pdf_table.c: pipe table seg (its column widths computed on the first pass). */
void og_docgen__pdf_table(og_docgen__pdf *p, const og_md_table *t, size_t seg);
/* pdf_cover.c: the cover page, and a signature block. */
void og_docgen__pdf_title_page(og_docgen__pdf *p);
void og_docgen__pdf_signatures(og_docgen__pdf *p, const og_md_segment *sg);

#endif
