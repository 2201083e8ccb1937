/* audit_names.c - the name the audit trail records next to a notification channel's id
 * (og_audit_namer_register): its type and its redacted target, the only form of the target kept
 * in clear (the full target is sealed). */
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/notify.h"

#include <stdio.h>

static int channel_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    int rc;
    if ((rc = og_stmt_prepare(&st, ctx->store,
                              "SELECT type, target FROM notify_channels WHERE id = ?1 AND"
                              " (CAST(?2 AS TEXT) IS NULL OR tenant_id = ?2)")) < 0)
        return rc;
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, tenant_id);
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *type = og_stmt_col_text(st, 0), *target = og_stmt_col_text(st, 1);
        snprintf(out, size, "%s %s", type ? type : "?", target ? target : "");
        rc = 1;
    } else if (rc == OG_DONE) {
        rc = 0;
    }
    og_stmt_free(st);
    return rc;
}

int og_notify_audit_names_register(void)
{
    return og_audit_namer_register("notify_channel", channel_name, 0);
}
