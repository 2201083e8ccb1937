/* audit_names.c - the name the audit trail records next to a gate item's id
 * (og_audit_namer_register): its kind, and what it is about. */
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"

#include <stdio.h>

static int item_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    int rc = og_audit_namer_row(
        ctx, "SELECT kind, target_type, target_id FROM gate_items WHERE id = ? AND tenant_id = ?",
        tenant_id, id, &st);
    if (rc == 1) {
        const char *kind = og_stmt_col_text(st, 0), *tt = og_stmt_col_text(st, 1);
        const char *ti = og_stmt_col_text(st, 2);
        if (tt && tt[0] && ti && ti[0])
            snprintf(out, size, "%s of %s %s", kind ? kind : "?", tt, ti);
        else
            snprintf(out, size, "%s", kind ? kind : "?");
    }
    og_stmt_free(st);
    return rc;
}

int og_gate_audit_names_register(void)
{
    return og_audit_namer_register("gate_item", item_name, 0);
}
