/* tenant_area_api.c - the HTTP face of a tenant's process areas (app.h): enable, disable, list.
 * Who may is decided in the library (og_app_tenant_area_enable), never here. */
#include "http/server.h"
#include "opsgate/app.h"
#include "opsgate/error.h"

typedef int (*area_fn)(og_ctx *ctx, const char *tenant, const char *area, json_t **out);

static int area_change(og_http_req *r, area_fn fn)
{
    const char *tenant, *area;
    json_t *out = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "area", &area)) < 0 ||
        (error = fn(&r->ctx, tenant, area, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}

int og_http__tenant_area_enable(og_http_req *r)
{
    return area_change(r, og_app_tenant_area_enable);
}

int og_http__tenant_area_disable(og_http_req *r)
{
    return area_change(r, og_app_tenant_area_disable);
}

int og_http__tenant_areas(og_http_req *r)
{
    const char *tenant;
    json_t *out = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_app_tenant_areas(&r->ctx, tenant, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}
