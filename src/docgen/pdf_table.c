/* pdf_table.c - pipe tables in the PDF: column widths like a browser's automatic layout, rows
 * kept whole or split over pages, the header repeated on each page. */
#include "docgen/pdf_internal.h"

#include <string.h>

/* The light rule under a table row, at y (when drawing). */
static void row_rule(og_docgen__pdf *p, double y)
{
    if (!p->draw)
        return;
    cairo_set_source_rgb(p->cr, 0.75, 0.75, 0.75);
    og_docgen__pdf_hline(p, MARGIN_X, MARGIN_X + CONTENT_W, y, 0.5);
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
}

/* Inline Markdown of a table cell (bold, code, backslash escapes) as pango markup. */
static int cell_markup(og_buf *b, const char *s)
{
    int bold = 0, code = 0, error = 0;
    for (size_t i = 0; s[i] && !error; i++) {
        if (!code && s[i] == '\\' && s[i + 1] && strchr("\\`*_{}[]()#+-.!|<>", s[i + 1])) {
            error = og_docgen__pdf_escape(b, &s[++i], 1);
        } else if (!code && s[i] == '*' && s[i + 1] == '*') {
            error = og_buf_puts(b, bold ? "</b>" : "<b>");
            bold = !bold;
            i++;
        } else if (s[i] == '`') {
            error = og_buf_puts(b, code ? "</tt>" : "<tt>");
            code = !code;
        } else {
            error = og_docgen__pdf_escape(b, &s[i], 1);
        }
    }
    if (!error && code)
        error = og_buf_puts(b, "</tt>");
    if (!error && bold)
        error = og_buf_puts(b, "</b>");
    return error;
}

/* A table row taller than a page (a long description in a cell): the cells' lines go on over as
 * many pages as they need, each page's part of the row closed by its rule. Releases mk[]. */
static void split_row(og_docgen__pdf *p, PangoLayout **mk, int ncols, const double *width,
                      double pad)
{
    PangoLayoutIter *it[OG_MD_MAX_COLS];
    int more[OG_MD_MAX_COLS], any = 0;
    for (int c = 0; c < ncols; c++) {
        it[c] = mk[c] ? pango_layout_get_iter(mk[c]) : NULL;
        more[c] = it[c] != NULL;
        any |= more[c];
    }
    while (any && !og_docgen__pdf_late(p)) {
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
        row_rule(p, p->y);
        if (any)
            og_docgen__pdf_new_page(p);
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
static bool numeric_cell(const char *s)
{
    bool digit = false;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digit = true;
        else if (!strchr(" *+-.,%'", *s))
            return false;
    }
    return digit;
}

/* Width of the widest word of a cell (split at spaces; bold when the cell has bold) and, in
 * *whole, of the cell on one line. */
static double cell_widths(og_docgen__pdf *p, const char *cell, int header, double *whole)
{
    double widest = 0;
    int bold = header || strstr(cell, "**") != NULL;
    og_buf w;
    og_buf_init(&w, (size_t)1 << 20);
    *whole = 0;
    if (!header) {
        og_buf_reset(&p->markup);
        cell_markup(&p->markup, cell);
        *whole = og_docgen__pdf_width(p, p->markup.data ? p->markup.data : "", p->f_table);
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
        double wd = og_docgen__pdf_width(p, p->markup.data ? p->markup.data : "", p->f_table);
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

#define PAD 3.0 /* inside each cell */

static const int aligns[] = {PANGO_ALIGN_LEFT, PANGO_ALIGN_CENTER, PANGO_ALIGN_RIGHT};

/* Column widths as a browser's automatic table layout does it: each column wants at least its
 * widest word (min) and at most its widest cell on one line (max). When every max fits, columns
 * get max (stretched to the full width); else every column gets its min and the rest of the
 * width goes to the columns in proportion to what they still want, so no word - a host name, an
 * identifier, an amount - is broken where the words fit at all. When even the min widths do not
 * fit, columns of numbers, amounts and dates keep theirs (an amount never wraps) and the others
 * share what is left. */
static void table_widths(og_docgen__pdf *p, const og_md_table *t, double *width)
{
    double minw[OG_MD_MAX_COLS], maxw[OG_MD_MAX_COLS];
    int numeric[OG_MD_MAX_COLS];
    double smin = 0, smax = 0, W = CONTENT_W;
    for (int c = 0; c < t->ncols; c++) {
        minw[c] = maxw[c] = 20;
        numeric[c] = 1;
        for (int r = 0; r < t->nrows && !p->error; r++) {
            double whole, word = cell_widths(p, t->cells[r][c], r == 0, &whole);
            word += 2 * PAD + 2;
            whole += 2 * PAD + 2;
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
}

/* Cell c of row r as markup in p->markup (bold in the header row). */
static void cell_to_markup(og_docgen__pdf *p, const og_md_table *t, int r, int c)
{
    og_buf_reset(&p->markup);
    if (r == 0)
        og_buf_puts(&p->markup, "<b>");
    cell_markup(&p->markup, t->cells[r][c]);
    if (r == 0)
        og_buf_puts(&p->markup, "</b>");
}

/* The header row of the table being laid out, kept to be shown again (ncols NULL-safe layouts, or
 * none with ncols 0). */
static void thead_keep(og_docgen__pdf *p, PangoLayout *const *mk, int ncols, double h)
{
    for (int c = 0; c < OG_MD_MAX_COLS; c++) {
        if (p->thead[c])
            g_object_unref(p->thead[c]);
        p->thead[c] = c < ncols && mk[c] ? g_object_ref(mk[c]) : NULL;
    }
    p->thead_h = h;
}

/* The header row again at the top of a new page, on its tint: the layouts of the first page's
 * header row when kept, else laid out again. */
static void repeat_header(og_docgen__pdf *p, const og_md_table *t, const double *width)
{
    double x = MARGIN_X, hh = 0;
    if (p->thead_h > 0) {
        if (p->draw) {
            og_docgen__pdf_tint(p);
            cairo_rectangle(p->cr, MARGIN_X, p->y, CONTENT_W, p->thead_h);
            cairo_fill(p->cr);
            cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
            for (int c = 0; c < t->ncols; c++) {
                if (p->thead[c]) {
                    cairo_move_to(p->cr, x + PAD, p->y + PAD);
                    pango_cairo_show_layout(p->cr, p->thead[c]);
                }
                x += width[c];
            }
        }
        p->y += p->thead_h;
        return;
    }
    for (int c = 0; c < t->ncols; c++) {
        cell_to_markup(p, t, 0, c);
        double ch = og_docgen__pdf_measure(p, p->markup.data, p->f_table, width[c] - 2 * PAD);
        if (ch > hh)
            hh = ch;
    }
    hh += 2 * PAD;
    if (p->draw) {
        og_docgen__pdf_tint(p);
        cairo_rectangle(p->cr, MARGIN_X, p->y, CONTENT_W, hh);
        cairo_fill(p->cr);
        cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    }
    for (int c = 0; c < t->ncols; c++) {
        cell_to_markup(p, t, 0, c);
        og_docgen__pdf_text_at(p, p->markup.data, p->f_table, x + PAD, p->y + PAD,
                               width[c] - 2 * PAD, aligns[t->align[c]]);
        x += width[c];
    }
    p->y += hh;
}

/* Row r: kept whole (on a new page when it does not fit, the header repeated there), or split
 * over pages when taller than one. */
static void table_row(og_docgen__pdf *p, const og_md_table *t, const double *width, int r)
{
    PangoLayout *mk[OG_MD_MAX_COLS];
    double h = 0, x = MARGIN_X;
    for (int c = 0; c < t->ncols; c++) {
        double ch;
        cell_to_markup(p, t, r, c);
        mk[c] = og_docgen__pdf_lay(p, p->markup.data ? p->markup.data : "", p->f_table,
                                   width[c] - 2 * PAD, aligns[t->align[c]], &ch);
        if (ch > h)
            h = ch;
    }
    h += 2 * PAD;
    if (h > PAGE_ROOM) { /* taller than a page: split over pages, nothing cut off */
        og_docgen__pdf_need(p, 60);
        split_row(p, mk, t->ncols, width, PAD);
        return;
    }
    /* keep the header with the first body row; repeat it on each new page */
    double want = r == 0 && t->nrows > 1 ? 2 * h : h;
    if (p->y + want > PAGE_H - MARGIN_BOTTOM && p->y > MARGIN_TOP) {
        og_docgen__pdf_new_page(p);
        if (r > 0)
            repeat_header(p, t, width);
    }
    if (r == 0)
        thead_keep(p, mk, t->ncols, h);
    if (p->draw && r == 0) {
        og_docgen__pdf_tint(p);
        cairo_rectangle(p->cr, MARGIN_X, p->y, CONTENT_W, h);
        cairo_fill(p->cr);
    }
    row_rule(p, p->y + h);
    for (int c = 0; c < t->ncols; c++) {
        og_docgen__pdf_show(p, mk[c], x + PAD, p->y + PAD);
        x += width[c];
    }
    p->y += h;
}

void og_docgen__pdf_table(og_docgen__pdf *p, const og_md_table *t, size_t seg)
{
    /* both passes lay the table out alike: widths are computed on the first */
    if (!p->widths_done[seg]) {
        table_widths(p, t, p->widths[seg]);
        p->widths_done[seg] = 1;
    }
    thead_keep(p, NULL, 0, 0); /* a header row taller than a page is not kept */
    for (int r = 0; r < t->nrows && !p->error; r++)
        table_row(p, t, p->widths[seg], r);
    thead_keep(p, NULL, 0, 0);
    p->y += 8;
}
