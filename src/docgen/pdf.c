/* pdf.c - Markdown to PDF: a small page layout over cmark's AST and our pipe tables, drawn with
 * cairo and pango (in the PDF module, opsgate-pdf.so). */
#include "docgen/pdf_internal.h"
#include "opsgate/error.h"

#include <cmark.h>
#include <cairo-pdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each render lays out with an engine of its own while it runs (pdf_engine.c: a pango font map
 * made with pango_cairo_font_map_new at 72 dpi, its context and fonts, taken from a pool and given
 * back), so renders on several threads share no pango state and never wait for each other, and
 * the fonts, fontsets and shaping plans a font map builds are made once, not per render. (The
 * default font map is per thread: setting its resolution once per process left every other
 * server thread at 96 dpi, so the same document came out with different pages.) */

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

static cairo_status_t write_out(void *closure, const unsigned char *data, unsigned int len)
{
    og_docgen__pdf *p = closure;
    if (!p->draw)
        return CAIRO_STATUS_SUCCESS;
    if (og_buf_append(p->out, data, len) < 0) {
        p->error = OG_ETOOBIG;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
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
            error = og_docgen__pdf_escape(b, lit, lit ? strlen(lit) : 0);
            break;
        case CMARK_NODE_CODE:
            lit = cmark_node_get_literal(c);
            if ((error = og_buf_puts(b, "<tt>")) < 0 ||
                (error = og_docgen__pdf_escape(b, lit, lit ? strlen(lit) : 0)) < 0)
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

static void render_blocks(og_docgen__pdf *p, cmark_node *parent, double indent, int depth);

static void render_list(og_docgen__pdf *p, cmark_node *list, double indent, int depth)
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
            og_docgen__pdf_need(p, og_docgen__pdf_measure(p, p->markup.data ? p->markup.data : "",
                                                          p->f_body, CONTENT_W - indent - 16));
        }
        y0 = p->y;
        og_docgen__pdf_text_at(p, mark, p->f_body, MARGIN_X + indent, y0, 16, PANGO_ALIGN_LEFT);
        render_blocks(p, item, indent + 16, depth + 1);
        if (cmark_node_get_list_tight(list))
            p->y -= 3; /* tight lists: items closer than paragraphs */
    }
    p->y += 4;
}

static void render_blocks(og_docgen__pdf *p, cmark_node *parent, double indent, int depth)
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
            PangoLayout *l = og_docgen__pdf_lay(p, p->markup.data ? p->markup.data : "", f,
                                                CONTENT_W - indent, PANGO_ALIGN_LEFT, &h);
            p->y += level <= 2 ? 10 : 6;
            og_docgen__pdf_need(p, h + 90); /* no heading alone at the foot of a page */
            og_docgen__pdf_show(p, l, MARGIN_X + indent, p->y);
            p->y += h + 6;
            if (level == 2 && p->draw) {
                og_docgen__pdf_prim(p);
                og_docgen__pdf_hline(p, MARGIN_X + indent, MARGIN_X + CONTENT_W, p->y - 3, 0.5);
                cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
            }
            break;
        }
        case CMARK_NODE_PARAGRAPH:
            og_buf_reset(&p->markup);
            inlines(&p->markup, n, 0);
            og_docgen__pdf_block(p, p->markup.data ? p->markup.data : "", p->f_body, indent, 6);
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
            og_docgen__pdf_escape(&p->markup, lit ? lit : "",
                                  len && lit[len - 1] == '\n' ? len - 1 : len);
            double h;
            PangoLayout *cl = og_docgen__pdf_lay(p, p->markup.data ? p->markup.data : "", p->f_mono,
                                                 CONTENT_W - indent - 8, PANGO_ALIGN_LEFT, &h);
            if (h + 8 > PAGE_ROOM) { /* a long listing: flowed over pages */
                p->y += 4;
                og_docgen__pdf_show_flow(p, cl, MARGIN_X + indent + 4, CONTENT_W - indent);
                p->y += 10;
                break;
            }
            if (cl)
                g_object_unref(cl);
            og_docgen__pdf_need(p, h + 8);
            if (p->draw) {
                cairo_set_source_rgb(p->cr, 0.95, 0.95, 0.95);
                cairo_rectangle(p->cr, MARGIN_X + indent, p->y, CONTENT_W - indent, h + 8);
                cairo_fill(p->cr);
                cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
            }
            og_docgen__pdf_text_at(p, p->markup.data ? p->markup.data : "", p->f_mono,
                                   MARGIN_X + indent + 4, p->y + 4, CONTENT_W - indent - 8,
                                   PANGO_ALIGN_LEFT);
            p->y += h + 14;
            break;
        }
        case CMARK_NODE_THEMATIC_BREAK:
            og_docgen__pdf_need(p, 12);
            og_docgen__pdf_hline(p, MARGIN_X, MARGIN_X + CONTENT_W, p->y + 4, 0.5);
            p->y += 12;
            break;
        default:
            break; /* raw HTML blocks are dropped */
        }
    }
}

/* One pass over the document: measuring (draw = 0) or drawing. */
static int render_pass(og_docgen__pdf *p, const og_md_segment *segs, size_t n)
{
    og_docgen__pdf_title_page(p);
    for (size_t i = 0; i < n && !p->error; i++) {
        if (segs[i].is_table) {
            og_docgen__pdf_table(p, &segs[i].table, i);
            continue;
        }
        if (segs[i].is_signatures) {
            og_docgen__pdf_signatures(p, &segs[i]);
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

/* An engine from the pool (font map at 72 dpi, context, fonts) and its fonts by name. */
static int pdf_engine(og_docgen__pdf *p)
{
    int error = og_docgen__pdf_engine_take(&p->eng);
    if (error < 0)
        return error;
    const PangoFontDescription *const *f = (const PangoFontDescription *const *)p->eng->font;
    p->pctx = p->eng->pctx;
    p->ctx_stale = 1;
    p->f_body = f[OG_DOCGEN__F_BODY];
    p->f_bold = f[OG_DOCGEN__F_BOLD];
    p->f_h1 = f[OG_DOCGEN__F_H1];
    p->f_h2 = f[OG_DOCGEN__F_H2];
    p->f_h3 = f[OG_DOCGEN__F_H3];
    p->f_small = f[OG_DOCGEN__F_SMALL];
    p->f_table = f[OG_DOCGEN__F_TABLE];
    p->f_mono = f[OG_DOCGEN__F_MONO];
    p->f_title = f[OG_DOCGEN__F_TITLE];
    p->f_sub = f[OG_DOCGEN__F_SUB];
    p->f_fact = f[OG_DOCGEN__F_FACT];
    return 0;
}

/* The recorded pages replayed into the PDF with "Page N of M" footers and fixed metadata: the
 * output depends on the document, not on the clock. */
static int pdf_write(og_docgen__pdf *p, const og_docgen_page *page)
{
    char date[64];
    int error;
    p->surface = cairo_pdf_surface_create_for_stream(write_out, p, PAGE_W, PAGE_H);
    if (!p->surface || cairo_surface_status(p->surface) != 0)
        return og_error_set(OG_ERROR, "cairo could not create a PDF surface");
    snprintf(date, sizeof(date), "%sT00:00:00Z",
             page->date && strlen(page->date) == 10 ? page->date : "2000-01-01");
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_MOD_DATE, date);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "opsgate " OG_VERSION);
    if (page->title)
        cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, page->title);
    if (page->number)
        cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_SUBJECT, page->number);
    /* the author of the document is its provider (the MSP), not the client it is for */
    if (page->provider && *page->provider)
        cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_AUTHOR, page->provider);
    p->cr = cairo_create(p->surface);
    p->ctx_stale = 1;
    for (int i = 0; i < p->pageno && !p->error && !og_docgen__pdf_late(p); i++) {
        cairo_set_source_surface(p->cr, p->pages[i], 0, 0);
        cairo_paint(p->cr);
        og_docgen__pdf_footer(p, i + 1, p->pageno);
        cairo_show_page(p->cr);
    }
    cairo_destroy(p->cr);
    p->cr = NULL;
    cairo_surface_finish(p->surface);
    error = p->error;
    if (error == 0 && cairo_surface_status(p->surface) != 0)
        error = og_error_set(OG_ERROR, "cairo could not write the PDF");
    if (error == 0 && og_docgen__pdf_late(p))
        error = p->error;
    cairo_surface_destroy(p->surface);
    p->surface = NULL;
    return error;
}

/* Everything a render owns. */
static void pdf_free(og_docgen__pdf *p)
{
    if (p->cr)
        cairo_destroy(p->cr);
    for (int i = 0; i < p->pageno; i++)
        cairo_surface_destroy(p->pages[i]);
    free(p->pages);
    for (int i = 0; i < 3; i++)
        if (p->hdr[i])
            g_object_unref(p->hdr[i]);
    for (int i = 0; i < OG_MD_MAX_COLS; i++)
        if (p->thead[i])
            g_object_unref(p->thead[i]);
    og_docgen__logo_free(p->logo);
    free(p->widths);
    free(p->widths_done);
    og_buf_free(&p->markup);
    og_buf_free(&p->brk);
    if (p->lays)
        g_hash_table_destroy(p->lays);
    og_docgen__pdf_engine_give(p->eng);
}

int og_docgen__pdf_render(og_buf *out, const char *md, size_t len, const og_docgen_page *page)
{
    int error = -1, trace;
    og_md_segment *segs = NULL;
    size_t n = 0, start = out->len;
    og_docgen__pdf p;
    og_docgen_page empty;
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
    if ((error = pdf_engine(&p)) < 0)
        goto cleanup;
    if (trace) /* test hook: when each render lays out, to show that renders overlap */
        fprintf(stderr, "opsgate: pdf layout start %lld\n", (long long)og_time_mono_us());
    p.page = page;
    p.out = out;
    og_docgen__pdf_colors(&p);
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
    if (error < 0 || (error = pdf_write(&p, page)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    pdf_free(&p);
    og_md_segments_free(segs, n);
    if (trace)
        fprintf(stderr, "opsgate: pdf layout end %lld\n", (long long)og_time_mono_us());
    return error;
}
