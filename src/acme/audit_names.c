/* audit_names.c - the names the audit trail records next to the ids of ACME accounts and renewal
 * plans (og_audit_namer_register): an account by its contact and CA, a plan by the names it
 * renews. None of these is sealed at rest. */
#include "opsgate/acme.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <string.h>

#define LIST_SHOWN 4 /* names of a plan shown before "+N more" */

/* The row sql finds for (id, tenant): 1 with *out on it, 0 when none, negative on error. */
static int row(og_ctx *ctx, const char *sql, const char *tenant_id, const char *id, og_stmt **out)
{
    int rc;
    *out = NULL;
    if (!tenant_id)
        return 0;
    if ((rc = og_stmt_prepare(out, ctx->store, sql)) < 0)
        return rc;
    og_stmt_bind_text(*out, 1, id);
    og_stmt_bind_text(*out, 2, tenant_id);
    if ((rc = og_stmt_step(*out)) == OG_ROW)
        return 1;
    og_stmt_free(*out);
    *out = NULL;
    return rc == OG_DONE ? 0 : rc;
}

static int done(og_buf *b, char *out, size_t size)
{
    int named = b->len > 0 && b->data;
    if (named)
        og_strlcpy(out, b->data, size);
    og_buf_free(b);
    return named;
}

/* "shop.acme.example, www.acme.example" */
static int plan_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    og_buf b;
    int rc =
        row(ctx, "SELECT names FROM acme_plans WHERE id = ? AND tenant_id = ?", tenant_id, id, &st);
    if (rc <= 0)
        return rc;
    og_buf_init(&b, 4096);
    const char *text = og_stmt_col_text(st, 0);
    json_t *names = text ? json_loads(text, 0, NULL) : NULL, *v;
    size_t i, n = json_array_size(names);
    json_array_foreach(names, i, v)
    {
        if (!json_string_value(v))
            continue;
        if (i == LIST_SHOWN) {
            og_buf_printf(&b, " +%zu more", n - i);
            break;
        }
        og_buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(v));
    }
    if (!json_is_array(names) && text)
        og_buf_puts(&b, text);
    json_decref(names);
    og_stmt_free(st);
    return done(&b, out, size);
}

/* "ops@acme.example at https://acme-v02.api.letsencrypt.org/directory" */
static int account_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    og_buf b;
    int rc = row(ctx,
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
    return done(&b, out, size);
}

int og_acme_audit_names_register(void)
{
    int error;
    if ((error = og_audit_namer_register("acme_plan", plan_name, 0)) < 0 ||
        (error = og_audit_namer_register("acme_account", account_name, 0)) < 0)
        return error;
    return 0;
}
