/* audit_names.c - the names the audit trail records next to the ids of tenants, users and
 * tokens (og_audit_namer_register): read here, so the audit module never reads these tables. */
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

/* The first column of the one row sql finds for (id, tenant or NULL) into out. */
static int one_text(og_ctx *ctx, const char *sql, const char *tenant_id, const char *id,
                    const char *prefix, char *out, size_t size)
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare(&st, ctx->store, sql);
    if (rc < 0)
        return rc;
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, tenant_id);
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *v = og_stmt_col_text(st, 0);
        rc = v && v[0];
        if (rc)
            snprintf(out, size, "%s%s", prefix, v);
    } else if (rc == OG_DONE) {
        rc = 0;
    }
    og_stmt_free(st);
    return rc;
}

static int tenant_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    return one_text(
        ctx, "SELECT name FROM tenants WHERE id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR id = ?2)",
        tenant_id, id, "", out, size);
}

/* Users and tokens are named within the chain's tenant only (platform records: any). */
static int user_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    return one_text(
        ctx,
        "SELECT name FROM users WHERE id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR tenant_id = ?2)",
        tenant_id, id, "", out, size);
}

static int token_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    return one_text(ctx,
                    "SELECT u.name FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?1"
                    " AND (CAST(?2 AS TEXT) IS NULL OR t.tenant_id = ?2)",
                    tenant_id, id, "of user ", out, size);
}

int og_tenant_audit_names_register(void)
{
    int error;
    if ((error = og_audit_namer_register("tenant", tenant_name, 0)) < 0 ||
        (error = og_audit_namer_register("user", user_name, 0)) < 0 ||
        (error = og_audit_namer_register("token", token_name, 0)) < 0)
        return error;
    return 0;
}
