/* retention.c - retention policies: how long artifacts of a kind are kept after archive. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#define DAY_US (24LL * 3600 * 1000000)

int og_artifact_retention_set(og_ctx *ctx, const char *tenant, const char *kind, int64_t keep_us)
{
    int error = -1;
    char tenant_id[OG_ID_LEN], by[160], now[OG_TIME_LEN];
    if (!og_artifact_kind_valid(kind))
        return og_error_set(OG_EINVAL,
                            "unknown kind '%s' (sow, change-order, runbook, closure, template, "
                            "other)",
                            kind ? kind : "");
    if (keep_us < 0)
        return og_error_set(OG_EINVAL, "bad retention period");
    if ((error = og_artifacts__tenant(ctx, tenant, tenant_id)) < 0)
        return error;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_USER_MANAGE)) < 0)
        return og_error_set(error, "setting retention needs the tenant-admin role");
    og_actor_label(&ctx->actor, by, sizeof(by));
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error =
        og_artifacts__exec(ctx,
                           keep_us ? "INSERT INTO art_retention (tenant_id, kind, keep_us, set_by,"
                                     " set_at) VALUES (?, ?, ?, ?, ?)"
                                     " ON CONFLICT (tenant_id, kind) DO UPDATE SET"
                                     " keep_us = excluded.keep_us, set_by = excluded.set_by,"
                                     " set_at = excluded.set_at"
                                   : "DELETE FROM art_retention WHERE tenant_id = ? AND"
                                     " kind = ?",
                           keep_us ? "ttitt" : "tt", tenant_id, kind, keep_us, by, now);
    if (error >= 0)
        error = og_artifacts__audit(
            ctx, tenant_id, "retention.set", "tenant", tenant_id,
            json_pack("{s:s, s:I}", "kind", kind, "keep_days", (json_int_t)(keep_us / DAY_US)));
    error = og_store_tx_end(ctx->store, error);
    return error < 0 ? error : 0;
}

int og_artifact_retention_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    char tenant_id[OG_ID_LEN];
    if ((error = og_tenant_resolve(ctx, tenant, OG_PERM_READ, tenant_id)) < 0 ||
        (error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT kind, keep_us / 86400000000 AS keep_days, set_by, set_at"
                                 " FROM art_retention WHERE tenant_id = ? ORDER BY kind")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    error = og_stmt_collect(st, NULL, NULL, out);
    og_stmt_free(st);
    return error;
}
