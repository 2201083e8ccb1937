/* audit_names.c - the name the audit trail records next to a connector's id
 * (og_audit_namer_register): "NAME (KIND)". A platform connector is named on the platform's chain
 * and on the chains of the tenants it serves. */
#include <stdio.h>

#include "opsgate/audit.h"
#include "opsgate/connector.h"
#include "opsgate/error.h"

static int connector_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out,
                          size_t size)
{
    og_stmt *st = NULL;
    int rc;
    if ((rc = og_stmt_prepare_args(&st, ctx->store,
                                   "SELECT name, kind FROM connectors WHERE id = ? AND"
                                   " (tenant_id IS NULL OR tenant_id = ?)",
                                   "tt", id, tenant_id ? tenant_id : "")) < 0)
        return rc;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        snprintf(out, size, "%s (%s)", og_stmt_col_text(st, 0), og_stmt_col_text(st, 1));
        rc = 1;
    } else if (rc >= 0) {
        rc = 0;
    }
    og_stmt_free(st);
    return rc;
}

int og_connector_audit_names_register(void)
{
    return og_audit_namer_register("connector", connector_name, 0);
}
