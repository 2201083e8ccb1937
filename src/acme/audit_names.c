/* audit_names.c - the names the audit trail records next to the ids of ACME accounts and renewal
 * plans (og_audit_namer_register): an account by its contact and CA, a plan by the names it
 * renews. None of these is sealed at rest. */
#include "opsgate/acme.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <string.h>

/* "shop.acme.example, www.acme.example" */
static int plan_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    og_buf b;
    int rc = og_audit_namer_row(ctx, "SELECT names FROM acme_plans WHERE id = ? AND tenant_id = ?",
                                tenant_id, id, &st);
    if (rc <= 0)
        return rc;
    og_buf_init(&b, 4096);
    og_audit_name_list(&b, og_stmt_col_text(st, 0), NULL);
    og_stmt_free(st);
    return og_audit_name_take(&b, out, size);
}

/* "ops@acme.example at https://acme-v02.api.letsencrypt.org/directory" */
static int account_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    og_buf b;
    int rc = og_audit_namer_row(ctx,
                                "SELECT email, directory_url FROM acme_accounts WHERE id = ? AND"
                                " tenant_id = ?",
                                tenant_id, id, &st);
    if (rc <= 0)
        return rc;
    og_buf_init(&b, 1024);
    const char *email = og_stmt_col_text(st, 0), *dir = og_stmt_col_text(st, 1);
    og_buf_printf(&b, "%s%s%s", email && email[0] ? email : "", email && email[0] ? " at " : "",
                  dir ? dir : "");
    og_stmt_free(st);
    return og_audit_name_take(&b, out, size);
}

int og_acme_audit_names_register(void)
{
    int error;
    if ((error = og_audit_namer_register("acme_plan", plan_name, 0)) < 0 ||
        (error = og_audit_namer_register("acme_account", account_name, 0)) < 0)
        return error;
    return 0;
}
