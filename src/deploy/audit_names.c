/* audit_names.c - the name the audit trail records next to a deploy target's id
 * (og_audit_namer_register): "edge-1 (nginx)". */
#include "opsgate/audit.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"

#include <stdio.h>

static int target_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    int rc = og_audit_namer_row(ctx,
                                "SELECT name, type FROM deploy_targets WHERE id = ? AND"
                                " tenant_id = ?",
                                tenant_id, id, &st);
    if (rc == 1) {
        const char *name = og_stmt_col_text(st, 0), *type = og_stmt_col_text(st, 1);
        snprintf(out, size, "%s (%s)", name ? name : "", type ? type : "?");
    }
    og_stmt_free(st);
    return rc;
}

int og_deploy_audit_names_register(void)
{
    return og_audit_namer_register("deploy_target", target_name, 0);
}
