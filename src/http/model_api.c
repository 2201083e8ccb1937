/* model_api.c - the inference step's risk policy and evaluation over HTTP: a tenant's threshold
 * and pin per action kind (og_infer_policy_set/_show) and the held-out report (og_infer_report). */
#include "http/server.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/infer.h"

#include <string.h>

static int reply_policies(og_http_req *r, const char *tenant)
{
    json_t *arr = NULL;
    int error = og_infer_policy_show(&r->ctx, tenant, &arr);
    if (error < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "policies", arr));
}

int og_http__model_policy_show(og_http_req *r)
{
    const char *tenant;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    return reply_policies(r, tenant);
}

/* PUT {"threshold": X (0 < X <= 1; 0 or null removes it), "pinned": bool (optional)} */
int og_http__model_policy_set(og_http_req *r)
{
    static const char *const fields[] = {"threshold", "pinned", NULL};
    const char *tenant, *kind;
    json_t *body = NULL, *t, *p;
    double threshold = 0;
    int error, pin = -1;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "kind", &kind)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0)
        goto cleanup;
    t = json_object_get(body, "threshold");
    p = json_object_get(body, "pinned");
    if (t && !json_is_null(t) && !json_is_number(t)) {
        error = og_error_set(OG_EINVAL, "field 'threshold' must be a number (0 < X <= 1) or null");
        goto cleanup;
    }
    if (p && !json_is_boolean(p)) {
        error = og_error_set(OG_EINVAL, "field 'pinned' must be true or false");
        goto cleanup;
    }
    if (!t && !p) {
        error = og_error_set(OG_EINVAL, "give 'threshold', 'pinned' or both");
        goto cleanup;
    }
    if (!og_gate_kind_find(kind)) {
        error =
            og_error_set(OG_EINVAL, "unknown action kind '%s' (see GET /api/v1/gate-kinds)", kind);
        goto cleanup;
    }
    threshold = json_is_number(t) ? json_number_value(t) : 0;
    if (!t) { /* only the pin: keep the threshold */
        json_t *arr = NULL, *x;
        size_t i;
        if ((error = og_infer_policy_show(&r->ctx, tenant, &arr)) < 0)
            goto cleanup;
        json_array_foreach(arr, i, x)
        {
            if (strcmp(json_string_value(json_object_get(x, "kind")), kind) == 0)
                threshold = json_number_value(json_object_get(x, "threshold"));
        }
        json_decref(arr);
    }
    if (p)
        pin = json_is_true(p);
    if ((error = og_infer_policy_set(&r->ctx, tenant, kind, threshold, pin)) < 0)
        goto cleanup;
    error = reply_policies(r, tenant);
cleanup:
    json_decref(body);
    return error;
}

/* GET ?kind=K */
int og_http__model_report(og_http_req *r)
{
    const char *tenant, *kind = og_http__query(r, "kind");
    json_t *out = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_infer_report(&r->ctx, tenant, kind && *kind ? kind : NULL, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}
