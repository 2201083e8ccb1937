/* ct_api.c - handlers of /api/v1/tenants/{tenant}/certs/watches, .../ct-findings and
 * .../ct-source: Certificate Transparency reconciliation over ct.h (docs/certs.md). */
#include <stdlib.h>
#include <string.h>

#include "http/certs_api.h"
#include "http/server.h"
#include "opsgate/ct.h"
#include "opsgate/error.h"

int og_http__ct_watch_list(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_ct_watch_list(&r->ctx, tenant, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "watches", list));
}

/* {domain, subdomains}: 201 with the watch. */
int og_http__ct_watch_add(og_http_req *r)
{
    static const char *const fields[] = {"domain", "subdomains", NULL};
    const char *tenant, *domain = NULL;
    json_t *body = NULL, *w = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "domain", 1, 254, &domain)) < 0)
        goto cleanup;
    json_t *sub = json_object_get(body, "subdomains");
    if (sub && !json_is_boolean(sub)) {
        error = og_error_set(OG_EINVAL, "field 'subdomains' must be true or false");
        goto cleanup;
    }
    if ((error = og_ct_watch_add(&r->ctx, tenant, domain, json_is_true(sub), &w)) < 0)
        goto cleanup;
    error = og_http__reply(r, 201, w);
cleanup:
    json_decref(body);
    return error;
}

int og_http__ct_watch_remove(og_http_req *r)
{
    const char *tenant, *id;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "id", &id)) < 0 ||
        (error = og_ct_watch_remove(&r->ctx, tenant, id)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* {watch?}: poll now; 200 with the report, or the failure's status. */
int og_http__ct_poll(og_http_req *r)
{
    static const char *const fields[] = {"watch", NULL};
    const char *tenant, *watch = NULL;
    json_t *body = NULL, *out = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 1, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "watch", 0, 254, &watch)) < 0)
        goto cleanup;
    if ((error = og_ct_poll(&r->ctx, tenant, watch, &out)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, out);
    out = NULL;
cleanup:
    json_decref(out);
    json_decref(body);
    return error;
}

/* ?state=open|expected|incident|closed&limit=N */
int og_http__ct_findings(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int64_t limit = 0;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__query_i64(r, "limit", 1, 10000, &limit)) < 0 ||
        (error = og_ct_findings(&r->ctx, tenant, og_http__query(r, "state"), (int)limit, &list)) <
            0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "findings", list));
}

static int decide(og_http_req *r, int expect)
{
    static const char *const fields[] = {"scope", "note", NULL};
    const char *tenant, *id, *scope = NULL, *note = NULL;
    json_t *body = NULL, *f = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_id(r, "id", "finding", &id)) < 0 ||
        (error = og_http__body_object(r, 1, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "note", 0, 1000, &note)) < 0 ||
        (error = og_http__field_str(body, "scope", 0, &scope)) < 0)
        goto cleanup;
    if (!expect && scope) {
        error = og_error_set(OG_EINVAL, "field 'scope' is for expect only");
        goto cleanup;
    }
    error = expect ? og_ct_finding_expect(&r->ctx, tenant, id, scope, note, &f)
                   : og_ct_finding_incident(&r->ctx, tenant, id, note, &f);
    if (error >= 0)
        error = og_http__reply(r, 200, f);
cleanup:
    json_decref(body);
    return error;
}

int og_http__ct_finding_expect(og_http_req *r)
{
    return decide(r, 1);
}

int og_http__ct_finding_incident(og_http_req *r)
{
    return decide(r, 0);
}

int og_http__ct_source_get(og_http_req *r)
{
    const char *tenant;
    json_t *out = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_ct_source_show(&r->ctx, tenant, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}

/* {provider?, base_url?, key?, options?}: replaces the tenant's source; 200 as GET shows it. */
int og_http__ct_source_set(og_http_req *r)
{
    static const char *const fields[] = {"provider", "base_url", "key", "options", NULL};
    const char *tenant;
    json_t *body = NULL, *out = NULL;
    og_ct_source_spec spec = {0};
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "provider", 0, 40, &spec.provider)) < 0 ||
        (error = og_http__field_str_max(body, "base_url", 0, 500, &spec.base_url)) < 0 ||
        (error = og_http__field_str_max(body, "key", 0, 1024, &spec.key)) < 0)
        goto cleanup;
    spec.options = json_object_get(body, "options");
    if (spec.options && !json_is_object(spec.options)) {
        error = og_error_set(OG_EINVAL, "field 'options' must be an object");
        goto cleanup;
    }
    if ((error = og_ct_source_set(&r->ctx, tenant, &spec)) < 0 ||
        (error = og_ct_source_show(&r->ctx, tenant, &out)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, out);
cleanup:
    json_decref(body);
    return error;
}
