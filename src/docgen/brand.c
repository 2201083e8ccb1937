/* brand.c - the provider's brand on documents: name, address, colours and logo of the
 * installation with a per-tenant override, stored in the docgen module's own table; logos are
 * decoded (cairo for PNG, librsvg for SVG) before they are stored and when they are drawn. */
#include "docgen/docgen_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

#include <cairo.h>
#include <librsvg/rsvg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INSTALLATION "installation" /* the scope key of the installation's brand */

/* ---- validation ---- */

int og_docgen_color_parse(const char *s, const char *field, char out[8])
{
    static const char hex[] = "0123456789abcdef";
    size_t n = s ? strlen(s) : 0;
    int ok = (n == 4 || n == 7) && s[0] == '#';
    for (size_t i = 1; ok && i < n; i++)
        ok = strchr("0123456789abcdefABCDEF", s[i]) != NULL;
    if (!ok)
        return og_error_set(OG_EINVAL, "%s: '%.40s' is not a colour (#rgb or #rrggbb, e.g. #0a5)",
                            field, s ? s : "");
    out[0] = '#';
    for (int i = 0; i < 6; i++) {
        char c = (char)(n == 4 ? s[1 + i / 2] : s[1 + i]);
        c = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
        out[1 + i] = hex[strchr(hex, c) - hex];
    }
    out[7] = '\0';
    return 0;
}

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

int og_docgen_logo_check(const unsigned char *d, size_t len, const char **media_type)
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

/* ---- storage ---- */

/* Who may do what: reading a tenant's brand needs the read right on it; the installation's is
 * what every document shows, readable by any authenticated actor. Changing needs the
 * tenant-admin role of that tenant, or platform-admin for the installation. tid gets the
 * tenant's id ("" for the installation). */
static int scope_check(og_ctx *ctx, const char *tenant, int change, char tid[OG_ID_LEN])
{
    int error;
    tid[0] = '\0';
    if (!tenant || !*tenant) {
        if (change && !og_actor_is_platform(&ctx->actor))
            return og_error_set(OG_EDENIED,
                                "changing the installation's brand needs the platform-admin role "
                                "(you are %s); a tenant-admin sets the brand of its own tenant",
                                og_role_name(ctx->actor.role));
        return 0;
    }
    if ((error = og_tenant_resolve(ctx, tenant, OG_PERM_TENANT_READ, tid)) < 0)
        return error;
    if (change && !og_actor_is_platform(&ctx->actor) && ctx->actor.role != OG_ROLE_TENANT_ADMIN)
        return og_error_set(OG_EDENIED,
                            "changing the tenant's brand needs the tenant-admin role "
                            "(you are %s)",
                            og_role_name(ctx->actor.role));
    return 0;
}

/* One scope's row as JSON {name, address, color, accent, logo_type, logo_sha256, updated_*}
 * plus, when with_logo, "logo" as base64. *out NULL when the scope has no row. */
static int row_get(og_ctx *ctx, const char *scope, int with_logo, json_t **out)
{
    og_stmt *st = NULL;
    int error, rc;
    static const char *const cols[] = {"name",      "address",     "color",      "accent",
                                       "logo_type", "logo_sha256", "updated_by", "updated_at"};
    *out = NULL;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT name, address, color, accent, logo_type, logo_sha256,"
                                 " updated_by, updated_at, logo FROM docgen_brands"
                                 " WHERE scope = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, scope);
    rc = og_stmt_step(st);
    if (rc < 0) {
        og_stmt_free(st);
        return rc;
    }
    if (rc == OG_ROW) {
        json_t *o = json_object();
        for (int i = 0; i < 8; i++) {
            const char *v = og_stmt_col_text(st, i);
            if (v)
                json_object_set_new(o, cols[i], json_string(v));
        }
        size_t n = 0;
        const void *logo = og_stmt_col_blob(st, 8, &n);
        if (logo && n) {
            json_object_set_new(o, "logo_size", json_integer((json_int_t)n));
            if (with_logo) {
                char *b64 = og_base64_encode(logo, n);
                if (!b64) {
                    json_decref(o);
                    og_stmt_free(st);
                    return og_error_set(OG_ERROR, "out of memory");
                }
                json_object_set_new(o, "logo", json_string(b64));
                free(b64);
            }
        }
        *out = o;
    }
    og_stmt_free(st);
    return 0;
}

typedef struct owned {
    json_t *inst, *ten; /* the rows the strings point into */
    unsigned char *logo;
} owned;

void og_docgen_brand_free(og_docgen_brand *b)
{
    owned *o = b ? b->owned_ : NULL;
    if (o) {
        json_decref(o->inst);
        json_decref(o->ten);
        free(o->logo);
        free(o);
    }
    if (b)
        memset(b, 0, sizeof(*b));
}

/* The effective brand of tid ("" = installation only), no rights checked: generation has
 * already checked its rights on the project. */
int og_docgen__brand_load(og_ctx *ctx, const char *tid, og_docgen_brand *out)
{
    int error;
    owned *o = calloc(1, sizeof(*o));
    static const char *const f[] = {"name", "address", "color", "accent"};
    memset(out, 0, sizeof(*out));
    if (!o)
        return og_error_set(OG_ERROR, "out of memory");
    out->owned_ = o;
    if ((error = row_get(ctx, INSTALLATION, 1, &o->inst)) < 0 ||
        (tid && *tid && (error = row_get(ctx, tid, 1, &o->ten)) < 0)) {
        og_docgen_brand_free(out);
        return error;
    }
    const char **dst[] = {&out->name, &out->address, &out->color, &out->accent};
    const char **src[] = {&out->src_name, &out->src_address, &out->src_color, &out->src_accent};
    for (int i = 0; i < 4; i++) {
        const char *t = json_string_value(json_object_get(o->ten, f[i]));
        const char *n = json_string_value(json_object_get(o->inst, f[i]));
        *dst[i] = t ? t : n;
        *src[i] = t ? "tenant" : n ? "installation" : "";
    }
    {
        json_t *row = json_object_get(o->ten, "logo") ? o->ten : o->inst;
        const char *b64 = json_string_value(json_object_get(row, "logo"));
        size_t n = 0;
        out->src_logo = "";
        if (b64) {
            if ((error = og_base64_decode(b64, &o->logo, &n)) < 0) {
                og_docgen_brand_free(out);
                return error;
            }
            out->logo = o->logo;
            out->logo_len = n;
            out->logo_type = json_string_value(json_object_get(row, "logo_type"));
            out->src_logo = row == o->ten ? "tenant" : "installation";
        }
    }
    return 0;
}

int og_docgen_brand_load(og_ctx *ctx, const char *tenant, og_docgen_brand *out)
{
    char tid[OG_ID_LEN];
    int error;
    memset(out, 0, sizeof(*out));
    if ((error = scope_check(ctx, tenant, 0, tid)) < 0)
        return error;
    return og_docgen__brand_load(ctx, tid, out);
}

/* A SHA-256 over the effective brand: recorded in a document's provenance. out: 65 bytes; ""
 * when no field is set. */
void og_docgen__brand_sha256(const og_docgen_brand *b, char out[65])
{
    og_buf t;
    uint8_t h[32];
    out[0] = '\0';
    if (!b || !((b->name && *b->name) || (b->address && *b->address) || (b->color && *b->color) ||
                (b->accent && *b->accent) || b->logo_len))
        return;
    og_buf_init(&t, (size_t)4 << 20);
    const char *f[] = {b->name, b->address, b->color, b->accent, b->logo_type};
    for (int i = 0; i < 5; i++) {
        og_buf_puts(&t, f[i] ? f[i] : "");
        og_buf_append(&t, "\0", 1);
    }
    if (b->logo_len)
        og_buf_append(&t, b->logo, b->logo_len);
    og_crypto_sha256(t.data ? t.data : "", t.len, h);
    og_hex_encode(h, sizeof(h), out);
    og_buf_free(&t);
}

int og_docgen_brand_show(og_ctx *ctx, const char *tenant, json_t **out)
{
    char tid[OG_ID_LEN];
    int error;
    og_docgen_brand b;
    json_t *own = NULL, *o;
    *out = NULL;
    if ((error = scope_check(ctx, tenant, 0, tid)) < 0)
        return error;
    if ((error = og_docgen__brand_load(ctx, tid, &b)) < 0)
        return error;
    if ((error = row_get(ctx, tid[0] ? tid : INSTALLATION, 0, &own)) < 0) {
        og_docgen_brand_free(&b);
        return error;
    }
    o = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?}", "scope", tid[0] ? "tenant" : INSTALLATION,
                  "name", b.name, "address", b.address, "color", b.color, "accent", b.accent);
    if (tenant && *tenant)
        json_object_set_new(o, "tenant", json_string(tenant));
    if (b.logo_len) {
        uint8_t h[32];
        char hex[65];
        og_crypto_sha256(b.logo, b.logo_len, h);
        og_hex_encode(h, sizeof(h), hex);
        json_object_set_new(o, "logo",
                            json_pack("{s:s, s:I, s:s}", "media_type",
                                      b.logo_type ? b.logo_type : "", "size",
                                      (json_int_t)b.logo_len, "sha256", hex));
    } else {
        json_object_set_new(o, "logo", json_null());
    }
    json_object_set_new(o, "sources",
                        json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", b.src_name, "address",
                                  b.src_address, "color", b.src_color, "accent", b.src_accent,
                                  "logo", b.src_logo));
    json_object_set_new(o, "own", own ? own : json_null());
    og_docgen_brand_free(&b);
    *out = o;
    return 0;
}

/* A text field of an update: NULL (unchanged), "" (removed) or a value within limits. */
static int check_text(const char *v, const char *field, size_t max, int lines)
{
    size_t n = 0;
    if (!v || !*v)
        return 0;
    if (!og_utf8_valid(v, strlen(v), NULL))
        return og_error_set(OG_EINVAL, "%s: not valid UTF-8", field);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        n += (*p & 0xC0) != 0x80;
        if (*p < 0x20 && !(lines && *p == '\n'))
            return og_error_set(OG_EINVAL, "%s: control characters are not allowed%s", field,
                                lines ? " (newlines are)" : "");
    }
    if (n > max)
        return og_error_set(OG_EINVAL, "%s: %zu characters, over the limit of %zu", field, n, max);
    return 0;
}

/* Run sql with the text parameters vals[0..n) (NULL binds SQL NULL). */
static int exec_texts(og_ctx *ctx, const char *sql, const char *const *vals, int n)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store, sql);
    for (int i = 0; error == 0 && i < n; i++)
        og_stmt_bind_text(st, i + 1, vals[i]);
    if (error == 0)
        error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* A checked update of a brand: colours normalised, the logo decoded and hashed. */
typedef struct brand_change {
    const og_docgen_brand_update *u;
    char tid[OG_ID_LEN]; /* "" for the installation */
    const char *scope;
    char color[8], accent[8], sha[65];
    const char *media;
} brand_change;

static int brand_validate(og_ctx *ctx, const char *tenant, const og_docgen_brand_update *u,
                          brand_change *c)
{
    int error;
    memset(c, 0, sizeof(*c));
    c->u = u;
    if ((error = scope_check(ctx, tenant, 1, c->tid)) < 0)
        return error;
    if (!u->name && !u->address && !u->color && !u->accent && !u->set_logo)
        return og_error_set(OG_EINVAL, "nothing to set (name, address, color, accent or logo)");
    if ((error = check_text(u->name, "name", OG_DOCGEN_NAME_MAX, 0)) < 0 ||
        (error = check_text(u->address, "address", 1000, 1)) < 0 ||
        (u->color && *u->color &&
         (error = og_docgen_color_parse(u->color, "color", c->color)) < 0) ||
        (u->accent && *u->accent &&
         (error = og_docgen_color_parse(u->accent, "accent", c->accent)) < 0))
        return error;
    if (u->set_logo && u->logo_len) {
        uint8_t h[32];
        if ((error = og_docgen_logo_check(u->logo, u->logo_len, &c->media)) < 0)
            return error;
        og_crypto_sha256(u->logo, u->logo_len, h);
        og_hex_encode(h, sizeof(h), c->sha);
    }
    c->scope = c->tid[0] ? c->tid : INSTALLATION;
    return 0;
}

/* The logo columns: set (media type and hash with it) or cleared. */
static int brand_write_logo(og_ctx *ctx, const brand_change *c, json_t *changed)
{
    const og_docgen_brand_update *u = c->u;
    og_stmt *st = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE docgen_brands SET logo = ?, logo_type = ?,"
                                 " logo_sha256 = ? WHERE scope = ?")) < 0)
        return error;
    if (u->logo_len) {
        og_stmt_bind_blob(st, 1, u->logo, u->logo_len);
        og_stmt_bind_text(st, 2, c->media);
        og_stmt_bind_text(st, 3, c->sha);
    } else {
        og_stmt_bind_null(st, 1);
        og_stmt_bind_null(st, 2);
        og_stmt_bind_null(st, 3);
    }
    og_stmt_bind_text(st, 4, c->scope);
    error = og_stmt_step(st);
    og_stmt_free(st);
    if (error < 0)
        return error;
    json_object_set_new(changed, "logo",
                        u->logo_len ? json_pack("{s:s, s:I, s:s}", "media_type", c->media, "size",
                                                (json_int_t)u->logo_len, "sha256", c->sha)
                                    : json_null());
    return 0;
}

/* The scope's row (created with its fields NULL), then each given field: "" stores NULL. What
 * changed goes into changed for the audit record. */
static int brand_write(og_ctx *ctx, const brand_change *c, const char *who, const char *now,
                       json_t *changed)
{
    const og_docgen_brand_update *u = c->u;
    const char *row[] = {c->scope, c->tid[0] ? c->tid : NULL, who, now, c->scope};
    const char *vals[] = {u->name, u->address, u->color ? c->color : NULL,
                          u->accent ? c->accent : NULL};
    static const char *const cols[] = {"name", "address", "color", "accent"};
    int error;
    if ((error = exec_texts(ctx,
                            "INSERT INTO docgen_brands (scope, tenant_id, updated_by,"
                            " updated_at) SELECT ?, ?, ?, ? WHERE NOT EXISTS"
                            " (SELECT 1 FROM docgen_brands WHERE scope = ?)",
                            row, 5)) < 0)
        return error;
    for (int i = 0; i < 4; i++) {
        char sql[128];
        if (!vals[i])
            continue;
        const char *args[] = {*vals[i] ? vals[i] : NULL, c->scope};
        snprintf(sql, sizeof(sql), "UPDATE docgen_brands SET %s = ? WHERE scope = ?", cols[i]);
        if ((error = exec_texts(ctx, sql, args, 2)) < 0)
            return error;
        json_object_set_new(changed, cols[i], *vals[i] ? json_string(vals[i]) : json_null());
    }
    if (u->set_logo && (error = brand_write_logo(ctx, c, changed)) < 0)
        return error;
    const char *stamp[] = {who, now, c->scope};
    return exec_texts(
        ctx, "UPDATE docgen_brands SET updated_by = ?, updated_at = ? WHERE scope = ?", stamp, 3);
}

/* The audit record of a brand change (docgen.brand.set / .clear) for scope. */
static int brand_audit(og_ctx *ctx, const char *tid, const char *scope, const char *action,
                       json_t *analysis)
{
    og_audit_rec rec = {.tenant_id = tid[0] ? tid : NULL,
                        .area = "docgen",
                        .action = action,
                        .target_type = "brand",
                        .target_id = scope,
                        .target_name = tid[0] ? "tenant brand" : "installation brand",
                        .analysis = analysis};
    return og_audit_append(ctx, &rec, NULL);
}

int og_docgen_brand_set(og_ctx *ctx, const char *tenant, const og_docgen_brand_update *u)
{
    char now[OG_TIME_LEN], who[160];
    brand_change c;
    json_t *analysis = NULL, *changed;
    int error;
    if ((error = brand_validate(ctx, tenant, u, &c)) < 0)
        return error;
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    changed = json_object();
    analysis = json_pack("{s:s, s:o}", "scope", c.tid[0] ? "tenant" : INSTALLATION, "set", changed);
    if ((error = brand_write(ctx, &c, who, now, changed)) == 0)
        error = brand_audit(ctx, c.tid, c.scope, "docgen.brand.set", analysis);
    error = og_store_tx_end(ctx->store, error);
    json_decref(analysis);
    return error < 0 ? error : 0;
}

int og_docgen_brand_clear(og_ctx *ctx, const char *tenant)
{
    char tid[OG_ID_LEN];
    const char *scope;
    int error;
    if ((error = scope_check(ctx, tenant, 1, tid)) < 0)
        return error;
    scope = tid[0] ? tid : INSTALLATION;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = exec_texts(ctx, "DELETE FROM docgen_brands WHERE scope = ?", &scope, 1)) == 0 &&
        og_store_changes(ctx->store) == 0)
        error = og_error_set(OG_ENOTFOUND, "%s has no brand of its own to clear",
                             tid[0] ? "the tenant" : "the installation");
    if (error == 0)
        error = brand_audit(ctx, tid, scope, "docgen.brand.clear", NULL);
    error = og_store_tx_end(ctx->store, error);
    return error < 0 ? error : 0;
}
