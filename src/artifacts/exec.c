/* exec.c - what every change of the module repeats: a one-statement write with its parameters, and
 * the audit record in the artifacts area. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <stdarg.h>

int og_artifacts__exec(og_ctx *ctx, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int error = og_store_run_va(ctx->store, sql, types, ap);
    va_end(ap);
    return error;
}

int og_artifacts__audit(og_ctx *ctx, const char *tenant_id, const char *action,
                        const char *target_type, const char *target_id, json_t *analysis)
{
    int error = og_audit_log(ctx, tenant_id, ART_AREA, action, target_type, target_id, analysis);
    json_decref(analysis);
    return error;
}

int og_artifacts__collect(og_stmt *st, og_stmt_row_fn row, art_rows *arg, json_t **out)
{
    int error;
    arg->error = 0;
    error = og_stmt_collect(st, row, arg, out);
    return error < 0 && arg->error < 0 ? arg->error : error;
}
