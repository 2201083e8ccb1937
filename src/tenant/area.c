/* area.c - the process areas a tenant has enabled (rows only; src/app provisions and audits). */
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

#include <stdlib.h>

int og_tenant_area_write(og_ctx *ctx, const char *tenant_id, const char *area, bool enabled,
                         json_t *provisioned)
{
    char now[OG_TIME_LEN], by[160];
    char *txt = NULL;
    int error;
    if (!tenant_id || !area || !*area)
        return og_error_set(OG_EINVAL, "a process area needs a tenant and a name");
    if (og_store_tx_depth(ctx->store) == 0)
        return og_error_set(OG_EINVAL,
                            "recording process area '%s' needs the caller's "
                            "transaction",
                            area);
    if (provisioned && !(txt = json_dumps(provisioned, JSON_COMPACT)))
        return og_error_set(OG_ERROR, "out of memory");
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, by, sizeof(by));
    error = og_store_run(
        ctx->store,
        "INSERT INTO tenant_areas (tenant_id, area, state, changed_at, changed_by,"
        " provisioned_json) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, area)"
        " DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at,"
        " changed_by = excluded.changed_by, provisioned_json ="
        " COALESCE(excluded.provisioned_json, tenant_areas.provisioned_json)",
        txt ? "tttttt" : "tttttn", tenant_id, area, enabled ? "enabled" : "disabled", now, by, txt);
    free(txt);
    return error < 0 ? error : 0;
}

int og_tenant_area_list(og_ctx *ctx, const char *tenant_id, json_t **out)
{
    og_stmt *st = NULL;
    int error;
    *out = NULL;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT area, state, changed_at, changed_by,"
                                      " provisioned_json AS provisioned_json FROM tenant_areas"
                                      " WHERE tenant_id = ? ORDER BY area",
                                      "t", tenant_id)) < 0)
        return error;
    error = og_stmt_collect(st, NULL, NULL, out);
    og_stmt_free(st);
    return error;
}
