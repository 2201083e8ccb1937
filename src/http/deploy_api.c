/* deploy_api.c - thin HTTP handlers over deploy targets and deploys (include/opsgate/deploy.h),
 * the calls `opsgate target add|list|remove|deploy` and `opsgate cert deploy` make: adding and
 * removing a target needs a platform actor (the library says so: a target names files and
 * commands of the opsgate host); a deploy goes through the certs.deploy gate. */
#include "http/parity_api.h"
#include "opsgate/acme.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"

#include <string.h>

int og_http__deploy_target_list(og_http_req *r)
{
    const char *tenant;
    json_t *arr = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_deploy_target_list(&r->ctx, tenant, &arr)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "targets", arr));
}

/* POST .../deploy-targets {"name", "type", "config": {...}, "endpoints": [...]}: the config keys
 * are the library's (docs/deploy.md), checked there. */
int og_http__deploy_target_add(og_http_req *r)
{
    static const char *const fields[] = {"name", "type", "config", "endpoints", NULL};
    const char *tenant, *name, *type;
    char id[OG_ID_LEN];
    json_t *body = NULL, *config, *endpoints, *ep;
    size_t i;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "name", 1, 63, &name)) < 0 ||
        (error = og_http__field_str_max(body, "type", 1, 16, &type)) < 0)
        goto cleanup;
    config = json_object_get(body, "config");
    endpoints = json_object_get(body, "endpoints");
    if (config && !json_is_object(config)) {
        error = og_error_set(OG_EINVAL, "field 'config': must be an object");
        goto cleanup;
    }
    if (endpoints &&
        (!json_is_array(endpoints) || json_array_size(endpoints) > OG_DEPLOY_MAX_ENDPOINTS)) {
        error = og_error_set(OG_EINVAL, "field 'endpoints': must be an array of at most %d strings",
                             OG_DEPLOY_MAX_ENDPOINTS);
        goto cleanup;
    }
    json_array_foreach(endpoints, i, ep)
    {
        og_deploy_endpoint e;
        if (!json_is_string(ep)) {
            error = og_error_set(OG_EINVAL, "field 'endpoints': entry %zu is not a string", i);
            goto cleanup;
        }
        if ((error = og_deploy_endpoint_parse(json_string_value(ep), &e)) < 0) {
            og_error_wrap("field 'endpoints'");
            goto cleanup;
        }
    }
    if (!config)
        json_object_set_new(body, "config", config = json_object());
    if (!endpoints)
        json_object_set_new(body, "endpoints", endpoints = json_array());
    if ((error = og_deploy_target_add(&r->ctx, tenant, name, type, config, endpoints, id)) < 0)
        goto cleanup;
    snprintf(r->location, sizeof(r->location), "/api/v1/tenants/%s/deploy-targets/%s", tenant,
             name);
    error =
        og_http__reply(r, 201, json_pack("{s:s, s:s, s:s}", "id", id, "name", name, "type", type));
cleanup:
    json_decref(body);
    return error;
}

int og_http__deploy_target_remove(og_http_req *r)
{
    const char *tenant, *target;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "target", &target)) < 0 ||
        (error = og_deploy_target_remove(&r->ctx, tenant, target)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* POST .../deploy-targets/{target}/deploy {"cert": fingerprint, unique prefix or plan id}:
 * og_deploy_cert through the certs.deploy gate, as `cert deploy` and the console's Deploy button:
 * 200 {gate_id, level, state, result} once verified, 202 when it waits for a human (L2, L3). A
 * deploy that was verified wrong and rolled back is 409 naming that; one refused before anything
 * changed is its error. */
int og_http__deploy_run(og_http_req *r)
{
    static const char *const fields[] = {"cert", NULL};
    const char *tenant, *target, *cert;
    char fp[65];
    json_t *body = NULL;
    og_gate_outcome out;
    int error;
    memset(&out, 0, sizeof(out));
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "target", &target)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "cert", 1, 64, &cert)) < 0)
        goto cleanup;
    /* the one ID of a certificate (a plan id, a fingerprint or a unique prefix), resolved by
     * the same function as `cert deploy ID`, the console and renew/revoke */
    if ((error = og_acme_cert_fingerprint(&r->ctx, tenant, cert, fp)) < 0)
        goto cleanup;
    error = og_deploy_cert(&r->ctx, tenant, fp, target, &out);
    if (error < 0 && error != OG_EPENDING)
        goto cleanup;
    error = og_http__reply(r, error == OG_EPENDING ? 202 : 200,
                           json_pack("{s:s, s:s, s:s, s:O?}", "gate_id", out.gate_id, "level",
                                     og_gate_level_name(out.level), "state", out.state, "result",
                                     out.result));
cleanup:
    json_decref(out.result);
    json_decref(body);
    return error;
}
