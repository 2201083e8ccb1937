/* retention.c - retention policies: how long artifacts of a kind are kept after archive. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

int og_artifact_retention_set(og_ctx *ctx, const char *tenant, const char *kind, int64_t keep_us)
{
    int error = -1;
    og_stmt *st = NULL;
    char tenant_id[OG_ID_LEN], by[160], now[OG_TIME_LEN];
    json_t *analysis = NULL;
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
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 keep_us ? "INSERT OR REPLACE INTO art_retention (tenant_id, kind,"
                                           " keep_us, set_by, set_at) VALUES (?, ?, ?, ?, ?)"
                                         : "DELETE FROM art_retention WHERE tenant_id = ? AND"
                                           " kind = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, kind);
    if (keep_us) {
        og_stmt_bind_int(st, 3, keep_us);
        og_stmt_bind_text(st, 4, by);
        og_stmt_bind_text(st, 5, now);
    }
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:I}", "kind", kind, "keep_days",
                         (json_int_t)(keep_us / (24LL * 3600 * 1000000)));
    if ((error = og_audit_log(ctx, tenant_id, ART_AREA, "retention.set", "tenant", tenant_id,
                              analysis)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
}

int og_artifact_retention_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    char tenant_id[OG_ID_LEN];
    json_t *arr = json_array();
    if ((error = og_artifacts__tenant(ctx, tenant, tenant_id)) < 0)
        goto cleanup;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_READ)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT kind, keep_us, set_by, set_at FROM art_retention"
                                 " WHERE tenant_id = ? ORDER BY kind")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tenant_id);
    while ((error = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(
            arr, json_pack("{s:s, s:I, s:s, s:s}", "kind", og_stmt_col_text(st, 0), "keep_days",
                           (json_int_t)(og_stmt_col_int(st, 1) / (24LL * 3600 * 1000000)), "set_by",
                           og_stmt_col_text(st, 2), "set_at", og_stmt_col_text(st, 3)));
    if (error < 0)
        goto cleanup;
    *out = arr;
    arr = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(arr);
    return error;
}
