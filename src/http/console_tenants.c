/* console_tenants.c - the console's tenants page: every tenant with its state, its enabled process
 * areas and links to its overview, settings and audit (og_tenant_list, og_app_tenant_areas: the
 * API's GET /api/v1/tenants and .../areas). A platform-admin sees every tenant (the nav links it);
 * others the one they belong to, as the API lists it. ?tenant= (the switcher) shows one. */
#include "http/console.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

/* The titles of the tenant's enabled areas ("certificate management, ..."), or NULL. */
static json_t *enabled_areas(og_http_req *r, const char *tenant)
{
    json_t *out = NULL, *a, *list = json_array();
    size_t i;
    if (og_app_tenant_areas(&r->ctx, tenant, &out) < 0)
        og_error_clear();
    json_array_foreach(json_object_get(out, "areas"), i, a)
    {
        if (og_streq(json_string_value(json_object_get(a, "state")), "enabled"))
            json_array_append_new(list, json_pack("{s:O, s:O}", "area", json_object_get(a, "area"),
                                                  "title", json_object_get(a, "title")));
    }
    json_decref(out);
    return list;
}

/* One row: the tenant, its areas, and the links the actor's role may follow (og_authz_check
 * with the permission each page's library call checks). */
static json_t *tenant_row(og_http_req *r, const json_t *t)
{
    const char *name = json_string_value(json_object_get(t, "name"));
    const char *id = json_string_value(json_object_get(t, "id"));
    char href[200];
    if (!name || !id)
        return NULL;
    int read = og_authz_check(&r->ctx.actor, id, OG_PERM_READ) == 0;
    int audit = og_authz_check(&r->ctx.actor, id, OG_PERM_AUDIT_READ) == 0;
    og_error_clear();
    json_t *areas = enabled_areas(r, name);
    json_t *row =
        json_pack("{s:s, s:s, s:O, s:O, s:o, s:b}", "name", name, "id", id, "state",
                  json_object_get(t, "state"), "created_at", json_object_get(t, "created_at"),
                  "areas", areas, "has_areas", json_array_size(areas) > 0);
    if (!row)
        return NULL;
    char date[11] = "";
    og_strlcpy(date,
               json_string_value(json_object_get(t, "created_at"))
                   ? json_string_value(json_object_get(t, "created_at"))
                   : "",
               sizeof(date));
    json_object_set_new(row, "created_date", json_string(date));
    if (og_actor_is_platform(&r->ctx.actor))
        snprintf(href, sizeof(href), "/console?tenant=%s", name);
    else
        snprintf(href, sizeof(href), "/console");
    json_object_set_new(row, "overview_href", json_string(href));
    if (read) {
        snprintf(href, sizeof(href), "/console/tenants/%s/settings", name);
        json_object_set_new(row, "settings_href", json_string(href));
    }
    if (audit) {
        snprintf(href, sizeof(href), "/console/tenants/%s/audit", name);
        json_object_set_new(row, "audit_href", json_string(href));
    }
    return row;
}

int og_http__console_tenants(og_http_req *r)
{
    const char *q = og_http__query(r, "tenant");
    json_t *list = NULL, *rows = NULL, *t, *d;
    og_tenant one;
    size_t i;
    int error;
    if (q && *q) {
        if (!og_name_valid(q) && !og_id_valid(q))
            return og_error_set(OG_EINVAL, "'%.64s' is not a tenant name", q);
        if ((error = og_tenant_get(&r->ctx, q, &one)) < 0)
            return error;
        list = json_pack("[{s:s, s:s, s:s, s:s}]", "id", one.id, "name", one.name, "state",
                         one.state, "created_at", one.created_at);
    } else if ((error = og_tenant_list(&r->ctx, &list)) < 0) {
        return error;
    }
    rows = json_array();
    json_array_foreach(list, i, t)
    {
        json_t *row = tenant_row(r, t);
        if (row)
            json_array_append_new(rows, row);
    }
    json_decref(list);
    if (!(d = og_http__console_base(r, q && *q ? one.name : NULL))) {
        json_decref(rows);
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_object_set_new(d, "count", json_integer((json_int_t)json_array_size(rows)));
    json_object_set_new(d, "rows", rows);
    json_object_set_new(d, "one", json_boolean(q && *q));
    return og_http__console_render(r, 200, "tenants", d);
}
