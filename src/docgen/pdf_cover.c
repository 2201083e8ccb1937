/* pdf_cover.c - the PDF's cover page (brand, title, facts) and signature blocks. */
#include "docgen/pdf_internal.h"

#include <string.h>

/* ---- signature blocks ---- */

#define SIG_GAP 30.0 /* between the two columns */

/* One party's block in width w at x, y: who (party and organisation), a signature line, name and
 * title, a date line. Returns its height; draws when p->draw. */
static double party_block(og_docgen__pdf *p, const og_md_party *pt, double x, double y, double w)
{
    og_buf m;
    double h, y0 = y;
    PangoLayout *l;
    og_buf_init(&m, 8192);
    /* who signs */
    og_buf_puts(&m, "<b>");
    og_docgen__pdf_escape(&m, pt->party, strlen(pt->party));
    og_buf_puts(&m, "</b>");
    if (*pt->organisation) {
        og_buf_puts(&m, "\n");
        og_docgen__pdf_escape(&m, pt->organisation, strlen(pt->organisation));
    }
    l = og_docgen__pdf_lay(p, m.data, p->f_body, w, PANGO_ALIGN_LEFT, &h);
    og_docgen__pdf_prim(p);
    og_docgen__pdf_show(p, l, x, y);
    y += h + 34; /* room to sign */
    /* the signature line and its caption */
    if (p->draw) {
        cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
        og_docgen__pdf_hline(p, x, x + w, y, 0.6);
    }
    cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
    y += 2 + og_docgen__pdf_text_at(p, "Signature", p->f_small, x, y + 2, w, PANGO_ALIGN_LEFT) + 4;
    /* name and title */
    og_buf_reset(&m);
    og_buf_puts(&m, "Name: ");
    og_docgen__pdf_escape(&m, pt->name, strlen(pt->name));
    og_buf_puts(&m, "\nTitle: ");
    og_docgen__pdf_escape(&m, pt->title, strlen(pt->title));
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    l = og_docgen__pdf_lay(p, m.data, p->f_body, w, PANGO_ALIGN_LEFT, &h);
    og_docgen__pdf_show(p, l, x, y);
    y += h + 30; /* room to date it */
    if (p->draw) {
        cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
        og_docgen__pdf_hline(p, x, x + w * 0.6, y, 0.6);
    }
    cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
    y += 2 + og_docgen__pdf_text_at(p, "Date", p->f_small, x, y + 2, w, PANGO_ALIGN_LEFT);
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    og_buf_free(&m);
    return y - y0;
}

/* The parties side by side, two to a row. The whole block is kept on one page (a row at a time
 * when there are so many parties that the block is taller than a page). */
void og_docgen__pdf_signatures(og_docgen__pdf *p, const og_md_segment *sg)
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
        og_docgen__pdf_need(p, total);
    for (size_t r = 0; r < nrows && !p->error; r++) {
        if (r)
            p->y += 18;
        og_docgen__pdf_need(p, rows[r]);
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
void og_docgen__pdf_title_page(og_docgen__pdf *p)
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
    og_docgen__pdf_new_page(p);
    if (p->error)
        goto cleanup;
    if (p->draw) { /* a band of the brand's colour across the top */
        og_docgen__pdf_prim(p);
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
        og_docgen__pdf_escape(&m, pg->provider, strlen(pg->provider));
        og_buf_puts(&m, "</b>");
        lname = og_docgen__pdf_lay(p, m.data, p->f_h3, CONTENT_W, PANGO_ALIGN_LEFT, &name_h);
    }
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    og_docgen__pdf_show(p, lname, MARGIN_X, top + logo_h);
    lname = NULL;
    top += logo_h + name_h;
    /* foot: the provider's address, its lines as written */
    if (pg->provider_address && *pg->provider_address) {
        og_buf_reset(&m);
        og_docgen__pdf_escape(&m, pg->provider_address, strlen(pg->provider_address));
        lfoot = og_docgen__pdf_lay(p, m.data, p->f_small, CONTENT_W, PANGO_ALIGN_LEFT, &foot_h);
    }
    /* middle: title, project, a short rule, the facts (label and value side by side) */
    og_buf_reset(&m);
    og_docgen__pdf_escape(&m, pg->title ? pg->title : "Document",
                          strlen(pg->title ? pg->title : "Document"));
    lt = og_docgen__pdf_lay(p, m.data, p->f_title, CONTENT_W, PANGO_ALIGN_LEFT, &th);
    if (pg->subtitle && *pg->subtitle) {
        og_buf_reset(&m);
        og_docgen__pdf_escape(&m, pg->subtitle, strlen(pg->subtitle));
        ls = og_docgen__pdf_lay(p, m.data, p->f_sub, CONTENT_W, PANGO_ALIGN_LEFT, &sh);
    }
    for (int i = 0; i < FACTS; i++) {
        double hl = 0, hv = 0;
        if (!val[i] || !*val[i])
            continue;
        og_buf_reset(&m);
        og_docgen__pdf_escape(&m, val[i], strlen(val[i]));
        fl[i] = og_docgen__pdf_lay(p, lab[i], p->f_fact, 90, PANGO_ALIGN_LEFT, &hl);
        fv[i] = og_docgen__pdf_lay(p, m.data, p->f_fact, CONTENT_W - 100, PANGO_ALIGN_LEFT, &hv);
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
    og_docgen__pdf_prim(p);
    og_docgen__pdf_show(p, lt, MARGIN_X, y);
    lt = NULL;
    y += th + 10;
    cairo_set_source_rgb(p->cr, 0.25, 0.25, 0.25);
    og_docgen__pdf_show(p, ls, MARGIN_X, y);
    ls = NULL;
    y += sh + 12;
    if (p->draw) {
        og_docgen__pdf_prim(p);
        og_docgen__pdf_hline(p, MARGIN_X, MARGIN_X + 120, y, 1.5);
    }
    y += 14;
    for (int i = 0; i < FACTS; i++) {
        if (!fl[i] && !fv[i])
            continue;
        cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
        og_docgen__pdf_show(p, fl[i], MARGIN_X, y);
        cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
        og_docgen__pdf_show(p, fv[i], MARGIN_X + 100, y);
        fl[i] = fv[i] = NULL;
        y += fh[i];
    }
    cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
    og_docgen__pdf_show(p, lfoot, MARGIN_X, PAGE_H - MARGIN_BOTTOM - foot_h);
    lfoot = NULL;
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    og_docgen__pdf_new_page(p);
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
