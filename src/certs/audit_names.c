/* audit_names.c - the names the audit trail records next to the ids of certificates and scan
 * schedules (og_audit_namer_register): a certificate by its subject and SANs, a schedule by its
 * targets. None of these is sealed at rest. */
#include "certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

#define LIST_SHOWN 4 /* names of a list shown before "+N more" */

/* The first one or two columns of the row sql finds for (id, tenant). */
static int row2(og_ctx *ctx, const char *sql, const char *tenant_id, const char *id, og_stmt **out)
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

/* Append the strings of a JSON array text ("a, b, c +2 more"), prefix dropped from each. */
static void list_text(og_buf *b, const char *json_text, const char *drop)
{
    json_t *arr = json_text ? json_loads(json_text, 0, NULL) : NULL;
    size_t i, n = json_array_size(arr);
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        if (!s)
            continue;
        if (i == LIST_SHOWN) {
            og_buf_printf(b, " +%zu more", n - i);
            break;
        }
        if (drop && strncmp(s, drop, strlen(drop)) == 0)
            s += strlen(drop);
        og_buf_printf(b, "%s%s", i ? ", " : "", s);
    }
    if (!json_is_array(arr) && json_text)
        og_buf_puts(b, json_text);
    json_decref(arr);
}

static int done(og_buf *b, char *out, size_t size)
{
    int named = b->len > 0 && b->data;
    if (named)
        og_strlcpy(out, b->data, size);
    og_buf_free(b);
    return named;
}

/* "CN=shop.acme.example (SANs shop.acme.example, www.acme.example)" */
static int cert_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    og_buf b;
    int rc = row2(ctx, "SELECT subject, info FROM certs WHERE fingerprint = ? AND tenant_id = ?",
                  tenant_id, id, &st);
    if (rc <= 0)
        return rc;
    og_buf_init(&b, 4096);
    json_t *info = og_stmt_col_text(st, 1) ? json_loads(og_stmt_col_text(st, 1), 0, NULL) : NULL;
    json_t *sans = json_object_get(info, "sans");
    og_buf_puts(&b, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "");
    if (json_array_size(sans)) {
        char *text = json_dumps(sans, JSON_COMPACT);
        og_buf_puts(&b, b.len ? " (SANs " : "(SANs ");
        list_text(&b, text, "DNS:");
        og_buf_puts(&b, ")");
        free(text);
    }
    json_decref(info);
    og_stmt_free(st);
    return done(&b, out, size);
}

/* "scan of host1, host2" */
static int schedule_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    og_buf b;
    int rc = row2(ctx, "SELECT targets FROM cert_schedules WHERE id = ? AND tenant_id = ?",
                  tenant_id, id, &st);
    if (rc <= 0)
        return rc;
    og_buf_init(&b, 4096);
    og_buf_puts(&b, "scan of ");
    list_text(&b, og_stmt_col_text(st, 0), NULL);
    og_stmt_free(st);
    return done(&b, out, size);
}

int og_certs_audit_names_register(void)
{
    int error;
    if ((error = og_audit_namer_register("certificate", cert_name, 0)) < 0 ||
        (error = og_audit_namer_register("schedule", schedule_name, 0)) < 0)
        return error;
    return 0;
}
