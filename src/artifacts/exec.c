/* exec.c - what every change of the module repeats: a one-statement write with its parameters, and
 * the audit record in the artifacts area. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <stdarg.h>

int og_artifacts__exec(og_ctx *ctx, const char *sql, const char *types, ...)
{
    og_stmt *st = NULL;
    va_list ap;
    int error = og_stmt_prepare(&st, ctx->store, sql);
    if (error < 0)
        return error;
    va_start(ap, types);
    for (int i = 1; types[i - 1]; i++) {
        switch (types[i - 1]) {
        case 't':
            og_stmt_bind_text(st, i, va_arg(ap, const char *));
            break;
        case 'i':
            og_stmt_bind_int(st, i, va_arg(ap, int64_t));
            break;
        case 'I': {
            int64_t v = va_arg(ap, int64_t);
            if (v)
                og_stmt_bind_int(st, i, v);
            else
                og_stmt_bind_null(st, i);
            break;
        }
        case 'b': {
            const void *p = va_arg(ap, const void *);
            og_stmt_bind_blob(st, i, p, va_arg(ap, size_t));
            break;
        }
        default:
            og_stmt_bind_null(st, i);
            break;
        }
    }
    va_end(ap);
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : error == OG_ROW;
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
