/* audit_names.c - the names the audit trail records next to the ids of certificates, app
 * credentials and scan schedules (og_audit_namer_register): a certificate by its subject and
 * SANs, an app credential by its app and name, a schedule by its targets, a certificate request
 * by its name and names. None of these is sealed at rest. */
#include "certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

/* "app 'Payroll sync' secret 'ci-2025'" for an app credential's id. */
static int app_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    const char *c[5];
    int rc = og_audit_namer_row(ctx,
                                "SELECT app_name, app_id, type, name, key_id FROM"
                                " cert_app_credentials WHERE fingerprint = ? AND tenant_id = ?",
                                tenant_id, id, &st);
    if (rc <= 0)
        return rc;
    for (int i = 0; i < 5; i++)
        c[i] = og_stmt_col_text(st, i) ? og_stmt_col_text(st, i) : "";
    og_certs__app_label(c[0], c[1], c[2], c[3], c[4], out, size);
    og_stmt_free(st);
    return 1;
}

/* "CN=shop.acme.example (SANs shop.acme.example, www.acme.example)"; an app credential's id
 * (one inventory, one id space) is named as app_name names it. */
static int cert_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    og_buf b;
    if (id && strncmp(id, OG_CERTS__APP_PREFIX, 4) == 0)
        return app_name(ctx, tenant_id, id, out, size);
    int rc = og_audit_namer_row(
        ctx, "SELECT subject, info FROM certs WHERE fingerprint = ? AND tenant_id = ?", tenant_id,
        id, &st);
    if (rc <= 0)
        return rc;
    og_buf_init(&b, 4096);
    json_t *info = og_stmt_col_text(st, 1) ? json_loads(og_stmt_col_text(st, 1), 0, NULL) : NULL;
    json_t *sans = json_object_get(info, "sans");
    og_buf_puts(&b, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "");
    if (json_array_size(sans)) {
        char *text = json_dumps(sans, JSON_COMPACT);
        og_buf_puts(&b, b.len ? " (SANs " : "(SANs ");
        og_audit_name_list(&b, text, "DNS:");
        og_buf_puts(&b, ")");
        free(text);
    }
    json_decref(info);
    og_stmt_free(st);
    return og_audit_name_take(&b, out, size);
}

/* "scan of host1, host2" */
static int schedule_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    og_buf b;
    int rc =
        og_audit_namer_row(ctx, "SELECT targets FROM cert_schedules WHERE id = ? AND tenant_id = ?",
                           tenant_id, id, &st);
    if (rc <= 0)
        return rc;
    og_buf_init(&b, 4096);
    og_buf_puts(&b, "scan of ");
    og_audit_name_list(&b, og_stmt_col_text(st, 0), NULL);
    og_stmt_free(st);
    return og_audit_name_take(&b, out, size);
}

/* "request www-ev for www.acme.example, acme.example" */
static int request_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    og_buf b;
    int rc = og_audit_namer_row(
        ctx, "SELECT name, sans FROM cert_requests WHERE id = ? AND tenant_id = ?", tenant_id, id,
        &st);
    if (rc <= 0)
        return rc;
    og_buf_init(&b, 4096);
    og_buf_printf(&b, "request %s for ", og_stmt_col_text(st, 0));
    og_audit_name_list(&b, og_stmt_col_text(st, 1), NULL);
    og_stmt_free(st);
    return og_audit_name_take(&b, out, size);
}

int og_certs_audit_names_register(void)
{
    int error;
    if ((error = og_audit_namer_register("certificate", cert_name, 0)) < 0 ||
        (error = og_audit_namer_register("app-credential", app_name, 0)) < 0 ||
        (error = og_audit_namer_register("schedule", schedule_name, 0)) < 0 ||
        (error = og_audit_namer_register("cert_request", request_name, 0)) < 0)
        return error;
    return 0;
}
