/* certreq_api.c - certificate requests outside ACME over HTTP (include/opsgate/certs.h,
 * og_certs_request_*): create (key, CSR, L3 task), list, show, cancel. The issued certificate
 * comes back through POST .../certs/import?request=ID (certs_api.c). */
#include "http/certs_api.h"
#include "http/server.h"
#include "opsgate/certs.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

/* body field name: an array of 0 (1 when need) to max non-empty strings into out (borrowed from
 * the body; caller frees the array). */
static int strings_field(json_t *body, const char *name, int need, size_t max, const char ***out,
                         size_t *n)
{
    json_t *arr = json_object_get(body, name), *v;
    size_t i;
    *out = NULL;
    *n = 0;
    if (!arr && !need)
        return 0;
    if (!json_is_array(arr) || (need && json_array_size(arr) == 0))
        return og_error_set(OG_EINVAL, "field '%s': must be a%s array of strings", name,
                            need ? " non-empty" : "n");
    if (json_array_size(arr) > max)
        return og_error_set(OG_ETOOBIG, "field '%s': at most %zu entries", name, max);
    if (!(*out = calloc(json_array_size(arr) + 1, sizeof(char *))))
        return og_error_set(OG_ERROR, "out of memory");
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v) || !*json_string_value(v)) {
            free(*out);
            *out = NULL;
            return og_error_set(OG_EINVAL, "field '%s': entry %zu is not a non-empty string", name,
                                i);
        }
        (*out)[i] = json_string_value(v);
    }
    *n = json_array_size(arr);
    return 0;
}

/* Every target named exists in the tenant (OG_ENOTFOUND naming the first that does not). */
static int targets_check(og_http_req *r, const char *tenant, const char *const *targets, size_t n)
{
    og_tenant t;
    int error;
    if (n == 0)
        return 0;
    /* who may not create requests learns nothing of the targets: the library's refusal */
    if ((error = og_tenant_get(&r->ctx, tenant, &t)) < 0 ||
        og_authz_check(&r->ctx.actor, t.id, OG_PERM_WRITE) < 0) {
        og_error_clear();
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (!og_deploy_target_exists(&r->ctx, t.id, targets[i]))
            return og_error_code() < 0
                       ? og_error_code()
                       : og_error_set(OG_EINVAL, "field 'targets': no deploy target '%.64s'",
                                      targets[i]);
    return 0;
}

/* POST .../certs/requests {name, names: [...], key_type, subject, targets: [...], due} */
int og_http__certreq_create(og_http_req *r)
{
    static const char *const fields[] = {"name",    "names", "key_type", "subject",
                                         "targets", "due",   NULL};
    const char *tenant, *due = NULL, **sans = NULL, **targets = NULL;
    og_certs_request_opts o;
    json_t *body = NULL, *out = NULL;
    size_t ns = 0, nt = 0;
    int error;
    memset(&o, 0, sizeof(o));
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "name", 1, &o.name)) < 0 ||
        (error = og_http__field_str(body, "key_type", 0, &o.key_type)) < 0 ||
        (error = og_http__field_str(body, "subject", 0, &o.subject)) < 0 ||
        (error = og_http__field_str(body, "due", 0, &due)) < 0 ||
        (error = strings_field(body, "names", 1, OG_CERTS_REQUEST_MAX_SANS, &sans, &ns)) < 0 ||
        (error = strings_field(body, "targets", 0, 16, &targets, &nt)) < 0)
        goto cleanup;
    if (due && (error = og_duration_parse(due, &o.due_us)) < 0) {
        og_error_wrap("field 'due'");
        goto cleanup;
    }
    o.sans = sans;
    o.nsans = ns;
    o.targets = targets;
    o.ntargets = nt;
    if ((error = targets_check(r, tenant, targets, nt)) < 0 ||
        (error = og_certs_request_create(&r->ctx, tenant, &o, &out)) < 0)
        goto cleanup;
    error = og_http__reply(r, 201, out);
cleanup:
    free(sans);
    free(targets);
    json_decref(body);
    return error;
}

/* GET .../certs/requests?state=pending */
int og_http__certreq_list(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_certs_request_list(&r->ctx, tenant, og_http__query(r, "state"), &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "requests", list));
}

int og_http__certreq_show(og_http_req *r)
{
    const char *tenant, *id;
    json_t *out = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "id", &id)) < 0 ||
        (error = og_certs_request_show(&r->ctx, tenant, id, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}

/* DELETE .../certs/requests/{id}?reason=TEXT: cancel it (the request stays, cancelled). */
int og_http__certreq_cancel(og_http_req *r)
{
    const char *tenant, *id;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "id", &id)) < 0 ||
        (error = og_certs_request_cancel(&r->ctx, tenant, id, og_http__query(r, "reason"))) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}
