/* logo.c - a brand's logo decoded: checked before it is stored (PNG through cairo, SVG through
 * librsvg) and drawn on PDF pages. Part of the PDF module (opsgate-pdf.so). */
#include "docgen/pdf_internal.h"
#include "opsgate/error.h"

#include <cairo.h>
#include <librsvg/rsvg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct mem_reader {
    const unsigned char *p;
    size_t left;
} mem_reader;

static cairo_status_t read_mem(void *closure, unsigned char *data, unsigned int len)
{
    mem_reader *r = closure;
    if (len > r->left)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p, len);
    r->p += len;
    r->left -= len;
    return CAIRO_STATUS_SUCCESS;
}

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A decoded PNG, or NULL (error set). The size is read from IHDR and bounded before decoding,
 * so a small file cannot make a huge image. */
static cairo_surface_t *png_decode(const unsigned char *d, size_t len)
{
    mem_reader r = {d, len};
    cairo_surface_t *s;
    if (len < 33 || memcmp(d, png_sig, 8) != 0 || memcmp(d + 12, "IHDR", 4) != 0) {
        og_error_set(OG_EINVAL, "logo: not a PNG file (no PNG signature and IHDR)");
        return NULL;
    }
    uint32_t w = be32(d + 16), h = be32(d + 20);
    if (w < 1 || h < 1 || w > OG_DOCGEN_LOGO_DIM || h > OG_DOCGEN_LOGO_DIM) {
        og_error_set(OG_EINVAL, "logo: a %ux%u PNG; at most %dx%d pixels", w, h, OG_DOCGEN_LOGO_DIM,
                     OG_DOCGEN_LOGO_DIM);
        return NULL;
    }
    s = cairo_image_surface_create_from_png_stream(read_mem, &r);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        og_error_set(OG_EINVAL, "logo: the PNG does not decode (%s)",
                     cairo_status_to_string(cairo_surface_status(s)));
        cairo_surface_destroy(s);
        return NULL;
    }
    return s;
}

/* Case-insensitive search for needle in the first n bytes of hay. */
static int has_ci(const unsigned char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp((const char *)hay + i, needle, k) == 0)
            return 1;
    return 0;
}

/* A parsed SVG, or NULL (error set). No DOCTYPE (entity expansion), and no base file: librsvg
 * then loads no external file or URL the SVG names. */
static RsvgHandle *svg_open(const unsigned char *d, size_t len)
{
    GError *gerr = NULL;
    RsvgHandle *h;
    if (has_ci(d, len, "<!DOCTYPE") || has_ci(d, len, "<!ENTITY")) {
        og_error_set(OG_EINVAL, "logo: an SVG with a DOCTYPE or entities is refused");
        return NULL;
    }
    h = rsvg_handle_new_from_data(d, len, &gerr);
    if (!h) {
        og_error_set(OG_EINVAL, "logo: the SVG does not parse (%s)",
                     gerr && gerr->message ? gerr->message : "unknown error");
        if (gerr)
            g_error_free(gerr);
        return NULL;
    }
    rsvg_handle_set_dpi(h, 72.0);
    return h;
}

/* The SVG's size in points: its width/height, else its viewBox. 0 when it has neither. */
static void svg_size(RsvgHandle *h, double *w, double *hh)
{
    gboolean has_w, has_h, has_vb;
    RsvgLength lw, lh;
    RsvgRectangle vb;
    *w = *hh = 0;
    if (rsvg_handle_get_intrinsic_size_in_pixels(h, w, hh) && *w > 0 && *hh > 0)
        return;
    rsvg_handle_get_intrinsic_dimensions(h, &has_w, &lw, &has_h, &lh, &has_vb, &vb);
    if (has_vb && vb.width > 0 && vb.height > 0) {
        *w = vb.width;
        *hh = vb.height;
    } else {
        *w = *hh = 0;
    }
}

/* 1 when the SVG names something outside itself: an href or a CSS url() that is not a fragment
 * ("#id") or a data: URI, or a CSS @import. librsvg would not load it (no base file is set), but
 * such a logo would not show as its author meant either: it is refused with the reason. */
static int refers_outside(const unsigned char *d, size_t len)
{
    static const char *const keys[] = {"href", "url(", "@import"};
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < 3; k++) {
            size_t kl = strlen(keys[k]);
            if (i + kl > len || strncasecmp((const char *)d + i, keys[k], kl) != 0)
                continue;
            if (k == 2)
                return 1;
            size_t j = i + kl;
            if (k == 0) { /* href = "..." */
                while (j < len && (d[j] == ' ' || d[j] == '\t' || d[j] == '\n' || d[j] == '\r'))
                    j++;
                if (j >= len || d[j] != '=')
                    continue;
                j++;
            }
            while (j < len && (d[j] == ' ' || d[j] == '\t' || d[j] == '\n' || d[j] == '\r' ||
                               d[j] == '"' || d[j] == '\''))
                j++;
            if (j < len && d[j] == '#')
                continue;
            if (j + 5 <= len && strncasecmp((const char *)d + j, "data:", 5) == 0)
                continue;
            return 1;
        }
    }
    return 0;
}

static int is_svg(const unsigned char *d, size_t len)
{
    size_t i = 0;
    if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
        i = 3;
    while (i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
        i++;
    return i < len && d[i] == '<' && has_ci(d, len < 4096 ? len : 4096, "<svg");
}

int og_docgen__logo_check(const unsigned char *d, size_t len, const char **media_type)
{
    if (!d || len == 0)
        return og_error_set(OG_EINVAL, "logo: the file is empty");
    if (len > OG_DOCGEN_LOGO_MAX)
        return og_error_set(OG_EINVAL, "logo: %zu bytes, over the limit of %d", len,
                            OG_DOCGEN_LOGO_MAX);
    if (len >= 8 && memcmp(d, png_sig, 8) == 0) {
        cairo_surface_t *s = png_decode(d, len);
        if (!s)
            return OG_EINVAL;
        cairo_surface_destroy(s);
        if (media_type)
            *media_type = "image/png";
        return 0;
    }
    if (is_svg(d, len)) {
        RsvgHandle *h = svg_open(d, len);
        double w, hh;
        int error = 0;
        if (!h)
            return OG_EINVAL;
        if (refers_outside(d, len)) {
            g_object_unref(h);
            return og_error_set(OG_EINVAL, "logo: the SVG refers to a file or URL outside itself "
                                           "(an href, url() or @import); embed it (data: URI) or "
                                           "use a PNG");
        }
        svg_size(h, &w, &hh);
        if (w <= 0 || hh <= 0 || w > 100000 || hh > 100000) {
            error = og_error_set(OG_EINVAL, "logo: the SVG has no usable size (give it a width "
                                            "and height or a viewBox)");
        } else {
            /* draw it once, small, so what is stored is known to render */
            cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 64, 64);
            cairo_t *cr = cairo_create(img);
            RsvgRectangle vp = {0, 0, 64, 64};
            GError *gerr = NULL;
            if (!rsvg_handle_render_document(h, cr, &vp, &gerr)) {
                error = og_error_set(OG_EINVAL, "logo: the SVG does not render (%s)",
                                     gerr && gerr->message ? gerr->message : "unknown error");
                if (gerr)
                    g_error_free(gerr);
            }
            cairo_destroy(cr);
            cairo_surface_destroy(img);
        }
        g_object_unref(h);
        if (error == 0 && media_type)
            *media_type = "image/svg+xml";
        return error;
    }
    return og_error_set(OG_EINVAL, "logo: not a PNG or SVG file");
}

/* ---- drawing (pdf.c) ---- */

struct og_docgen__logo {
    cairo_surface_t *png;
    RsvgHandle *svg;
    double w, h;
};

int og_docgen__logo_open(og_docgen__logo **out, const og_docgen_brand *b)
{
    og_docgen__logo *l;
    *out = NULL;
    if (!b || !b->logo || !b->logo_len)
        return 0;
    if (!(l = calloc(1, sizeof(*l))))
        return og_error_set(OG_ERROR, "out of memory");
    if (b->logo_len >= 8 && memcmp(b->logo, png_sig, 8) == 0) {
        if (!(l->png = png_decode(b->logo, b->logo_len))) {
            free(l);
            return OG_EINVAL;
        }
        l->w = cairo_image_surface_get_width(l->png);
        l->h = cairo_image_surface_get_height(l->png);
    } else {
        if (!(l->svg = svg_open(b->logo, b->logo_len))) {
            free(l);
            return OG_EINVAL;
        }
        svg_size(l->svg, &l->w, &l->h);
    }
    if (l->w <= 0 || l->h <= 0) {
        og_docgen__logo_free(l);
        return og_error_set(OG_EINVAL, "logo: it has no size");
    }
    *out = l;
    return 0;
}

double og_docgen__logo_draw(og_docgen__logo *l, cairo_t *cr, double x, double y, double max_w,
                            double max_h, int draw)
{
    double sc, w, h;
    if (!l)
        return 0;
    sc = max_w / l->w < max_h / l->h ? max_w / l->w : max_h / l->h;
    w = l->w * sc;
    h = l->h * sc;
    if (!draw)
        return w;
    cairo_save(cr);
    if (l->png) {
        cairo_translate(cr, x, y + (max_h - h) / 2);
        cairo_scale(cr, sc, sc);
        cairo_set_source_surface(cr, l->png, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
        cairo_paint(cr);
    } else {
        RsvgRectangle vp = {x, y + (max_h - h) / 2, w, h};
        rsvg_handle_render_document(l->svg, cr, &vp, NULL);
    }
    cairo_restore(cr);
    return w;
}

void og_docgen__logo_free(og_docgen__logo *l)
{
    if (!l)
        return;
    if (l->png)
        cairo_surface_destroy(l->png);
    if (l->svg)
        g_object_unref(l->svg);
    free(l);
}
