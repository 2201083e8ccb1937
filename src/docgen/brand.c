/* brand.c - the provider's brand on documents: name, address, colours and logo of the
 * installation with a per-tenant override, stored in the docgen module's own table; logos are
 * decoded (logo.c, in the PDF module) before they are stored and when they are drawn. */
#include "docgen/docgen_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

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
