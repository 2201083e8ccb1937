/* console_overview.c - the console's overview: per tenant (or across tenants for platform-admins)
 * the figures /metrics exports, from the same library calls (og_certs_expiry_buckets counts
 * opsgate_certs{bucket=...}), as a table the page's script draws as a uPlot chart. */
#include "http/console.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

/* Each bucket's label, and the fleet's filter its link opens: certificates expiring within that
 * many days (so the list holds the bucket and the ones before it, soonest first). */
static const struct {
    const char *label;
    int days; /* 0: no days filter (the later bucket: the whole fleet) */
    const char *finding;
} bucket_view[OG_CERTS_NBUCKETS] = {
    {"Expired", 0, "expired"},   {"7 days or less", 7, NULL},    {"8 to 30 days", 30, NULL},
    {"31 to 90 days", 90, NULL}, {"More than 90 days", 0, NULL},
};

static json_t *buckets_json(const uint64_t counts[OG_CERTS_NBUCKETS], const char *tenant)
{
    json_t *a = json_array();
    for (int b = 0; b < OG_CERTS_NBUCKETS; b++) {
        og_buf href;
        og_buf_init(&href, 512);
        og_buf_puts(&href, "/console/certificates?sort=expiry&dir=asc");
        if (bucket_view[b].days)
            og_buf_printf(&href, "&days=%d", bucket_view[b].days);
        if (bucket_view[b].finding)
            og_buf_printf(&href, "&finding=%s", bucket_view[b].finding);
        if (tenant && *tenant) {
            og_buf_puts(&href, "&tenant=");
            og_http__console_urlencode(&href, tenant);
        }
        json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:s}", "bucket",
                                           og_certs_bucket_name(b), "label", bucket_view[b].label,
                                           "count", (json_int_t)counts[b], "href",
                                           href.data ? href.data : "/console/certificates"));
        og_buf_free(&href);
    }
    return a;
}

int og_http__console_overview(og_http_req *r)
{
    int error;
    const char *tenant = og_http__query(r, "tenant");
    char own[64] = "";
    uint64_t counts[OG_CERTS_NBUCKETS];
    if (tenant && *tenant && !og_name_valid(tenant) && !og_id_valid(tenant))
        return og_error_set(OG_EINVAL, "'%.64s' is not a tenant name", tenant);
    if ((error = og_http__console_own_tenant(r, own)) < 0)
        return error;
    if (!tenant || !*tenant)
        tenant = og_actor_is_platform(&r->ctx.actor) ? "" : own;
    json_t *d = og_http__console_base(r, tenant);
    if (!d)
        return og_error_set(OG_ERROR, "out of memory");
    /* A role that may not read the tenant's certificates (client-viewer) sees no figures: the
     * library says so, and the page says what there is instead. */
    error = og_certs_expiry_buckets(&r->ctx, tenant, counts);
    if (error == OG_EDENIED) {
        og_error_clear();
        json_object_set_new(d, "can_certs", json_false());
    } else if (error < 0) {
        json_decref(d);
        return error;
    } else {
        json_object_set_new(d, "can_certs", json_true());
        json_object_set_new(d, "buckets", buckets_json(counts, tenant));
    }
    json_object_set_new(d, "scope", json_string(*tenant ? tenant : "every tenant"));
    return og_http__console_render(r, 200, "overview", d);
}
