/* brand_api.c - the provider's brand on documents: GET/PUT/DELETE /api/v1/brand (the
 * installation's) and /api/v1/tenants/{tenant}/brand (a tenant's override). Who may change which
 * is decided by og_docgen_brand_set/clear. */
#include "http/server.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

/* The tenant of the path, or NULL for the installation's route. */
static int scope_of(og_http_req *r, const char **tenant)
{
    *tenant = NULL;
    if (!og_http__param(&r->match, "tenant"))
        return 0;
    return og_http__param_ref(r, "tenant", tenant);
}

int og_http__brand_show(og_http_req *r)
{
    const char *tenant;
    json_t *b = NULL;
    int error;
    if ((error = scope_of(r, &tenant)) < 0 ||
        (error = og_docgen_brand_show(&r->ctx, tenant, &b)) < 0)
        return error;
    return og_http__reply(r, 200, b);
}

/* Body: {"name", "address", "color", "accent": strings, "logo": base64 of a PNG or SVG}; a field
 * left out is unchanged, "" (or null) removes it. */
int og_http__brand_set(og_http_req *r)
{
    static const char *const fields[] = {"name", "address", "color", "accent", "logo", NULL};
    const char *tenant;
    json_t *body = NULL, *b = NULL;
    og_docgen_brand_update u;
    uint8_t *logo = NULL;
    size_t logo_len = 0;
    int error;
    memset(&u, 0, sizeof(u));
    if ((error = scope_of(r, &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0)
        goto cleanup;
    {
        const char **dst[] = {&u.name, &u.address, &u.color, &u.accent};
        for (int i = 0; i < 4; i++) {
            json_t *v = json_object_get(body, fields[i]);
            if (!v)
                continue;
            if (json_is_null(v)) {
                *dst[i] = "";
                continue;
            }
            if (!json_is_string(v)) {
                error = og_error_set(OG_EINVAL, "field '%s': expected a string (\"\" removes it)",
                                     fields[i]);
                goto cleanup;
            }
            *dst[i] = json_string_value(v);
        }
    }
    {
        json_t *v = json_object_get(body, "logo");
        if (v) {
            u.set_logo = 1;
            if (!json_is_null(v) && !json_is_string(v)) {
                error = og_error_set(OG_EINVAL, "field 'logo': expected the logo file in base64 "
                                                "(\"\" removes it)");
                goto cleanup;
            }
            if (json_is_string(v) && json_string_length(v) > 0) {
                if (json_string_length(v) > (size_t)OG_DOCGEN_LOGO_MAX / 3 * 4 + 8) {
                    error = og_error_set(OG_EINVAL, "field 'logo': over the limit of %d bytes",
                                         OG_DOCGEN_LOGO_MAX);
                    goto cleanup;
                }
                if (og_base64_decode(json_string_value(v), &logo, &logo_len) < 0) {
                    error = og_error_set(OG_EINVAL, "field 'logo': not base64");
                    goto cleanup;
                }
                u.logo = logo;
                u.logo_len = logo_len;
            }
        }
    }
    if ((error = og_docgen_brand_set(&r->ctx, tenant, &u)) < 0 ||
        (error = og_docgen_brand_show(&r->ctx, tenant, &b)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, b);
cleanup:
    free(logo);
    json_decref(body);
    return error;
}

int og_http__brand_clear(og_http_req *r)
{
    const char *tenant;
    int error;
    if ((error = scope_of(r, &tenant)) < 0 || (error = og_docgen_brand_clear(&r->ctx, tenant)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}
