/* policy.c - a tenant's risk threshold per action kind, and its pin. */
#include "infer/infer_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <math.h>
#include <string.h>

static int kind_check(const char *kind)
{
    size_t n = kind ? strlen(kind) : 0;
    if (n == 0 || n > 63)
        return og_error_set(OG_EINVAL, "an action kind is 1 to 63 characters");
    for (size_t i = 0; i < n; i++)
        if (!((kind[i] >= 'a' && kind[i] <= 'z') || (kind[i] >= '0' && kind[i] <= '9') ||
              kind[i] == '.' || kind[i] == '_' || kind[i] == '-'))
            return og_error_set(OG_EINVAL,
                                "bad action kind '%s' (letters a-z, digits, '.', '_', '-')", kind);
    return 0;
}

static bool is_admin(const og_actor *a)
{
    return og_actor_is_platform(a) || a->role == OG_ROLE_TENANT_ADMIN;
}

int og_infer_policy_set(og_ctx *ctx, const char *tenant, const char *kind, double threshold,
                        int pin)
{
    char tid[OG_ID_LEN], now[OG_TIME_LEN], by[160];
    int error;
    json_t *an = NULL;
    if ((error = kind_check(kind)) < 0)
        return error;
    if (!isfinite(threshold) || threshold > 1)
        return og_error_set(OG_EINVAL,
                            "the risk threshold must be a number up to 1 (0 or less removes it)");
    if (pin < -1 || pin > 1)
        return og_error_set(OG_EINVAL, "pin is 1 (pin), 0 (unpin) or -1 (leave)");
    if ((error = og_tenant_resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!is_admin(&ctx->actor))
        return og_error_set(OG_EDENIED, "setting the risk policy of %s needs the tenant-admin role",
                            kind);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, by, sizeof(by));
    int64_t ppm = threshold > 0 ? (int64_t)llround(threshold * OG_INFER__PPM) : 0;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_store_run(ctx->store,
                              "INSERT INTO infer_policy (tenant_id, kind, threshold_ppm, pinned,"
                              " updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)"
                              " ON CONFLICT (tenant_id, kind) DO UPDATE SET"
                              " threshold_ppm = excluded.threshold_ppm,"
                              " pinned = CASE WHEN ? < 0 THEN infer_policy.pinned"
                              " ELSE excluded.pinned END,"
                              " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                              "ttIittI", tid, kind, ppm, (int64_t)(pin > 0), now, by,
                              (int64_t)(pin < 0 ? -1 : 1))) < 0)
        goto cleanup;
    an = json_pack("{s:s, s:o, s:o}", "kind", kind, "threshold",
                   ppm ? json_real((double)ppm / OG_INFER__PPM) : json_null(), "pin",
                   pin < 0 ? json_string("unchanged") : json_boolean(pin > 0));
    error = og_audit_log(ctx, tid, "gate", "infer.policy.set", "action_kind", kind, an);
cleanup:
    json_decref(an);
    return og_store_tx_end(ctx->store, error);
}

static json_t *policy_row(og_stmt *st, void *arg)
{
    (void)arg;
    return json_pack("{s:s, s:o, s:b, s:s, s:s}", "kind", og_stmt_col_text(st, 0), "threshold",
                     og_stmt_col_is_null(st, 1) || og_stmt_col_int(st, 1) == 0
                         ? json_null()
                         : json_real((double)og_stmt_col_int(st, 1) / OG_INFER__PPM),
                     "pinned", og_stmt_col_int(st, 2) != 0, "updated_at", og_stmt_col_text(st, 3),
                     "updated_by", og_stmt_col_text(st, 4));
}

int og_infer_policy_show(og_ctx *ctx, const char *tenant, json_t **out)
{
    char tid[OG_ID_LEN];
    og_stmt *st = NULL;
    int error;
    if ((error = og_tenant_resolve(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT kind, threshold_ppm, pinned,"
                                      " updated_at, updated_by FROM infer_policy"
                                      " WHERE tenant_id = ? ORDER BY kind",
                                      "t", tid)) < 0)
        return error;
    error = og_stmt_collect(st, policy_row, NULL, out);
    og_stmt_free(st);
    return error;
}
