/* source_company.c - what a source (a connector) wrote into a tenant for one of its companies
 * leaves that tenant when the company is mapped elsewhere or unmapped: its discovered targets
 * retire and its app credentials leave the inventory (og_certs_source_company_retire). */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ID     128
#define AUDIT_LIST 50 /* entries named per list in the audit record */

typedef struct retire_run {
    og_ctx *ctx;
    const char *tenant_id, *source, *company;
    json_t *devices, *creds, *dev_names, *cred_names;
} retire_run;

/* The active devices of the company: retired, listed as og_certs_discovered_sync lists them. */
static int devices_retire(retire_run *s, const char *now)
{
    og_stmt *st = NULL;
    int rc, error = 0;
    if ((error = og_stmt_prepare_args(&st, s->ctx->store,
                                      "SELECT remote_id, name, device_class, addresses FROM "
                                      "cert_discovered WHERE tenant_id = ? AND source = ? AND "
                                      "company_id = ? AND retired_at IS NULL ORDER BY remote_id",
                                      "ttt", s->tenant_id, s->source, s->company)) < 0)
        return error;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        char line[400];
        json_t *addrs = json_loads(og_stmt_col_text(st, 3), 0, NULL);
        json_array_append_new(s->devices,
                              json_pack("{s:s, s:s, s:s, s:o}", "remote_id",
                                        og_stmt_col_text(st, 0), "name", og_stmt_col_text(st, 1),
                                        "device_class", og_stmt_col_text(st, 2), "addresses",
                                        addrs ? addrs : json_array()));
        snprintf(line, sizeof(line), "%s (%s)", og_stmt_col_text(st, 1), og_stmt_col_text(st, 0));
        if (json_array_size(s->dev_names) < AUDIT_LIST)
            json_array_append_new(s->dev_names, json_string(line));
    }
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    if (json_array_size(s->devices))
        error = og_store_run(s->ctx->store,
                             "UPDATE cert_discovered SET retired_at = ? WHERE tenant_id = ? AND "
                             "source = ? AND company_id = ? AND retired_at IS NULL",
                             "tttt", now, s->tenant_id, s->source, s->company);
    return error < 0 ? error : 0;
}

/* The company's app credentials: removed from the inventory with their alerts. */
static int creds_remove(retire_run *s)
{
    og_stmt *st = NULL;
    int rc, error = 0;
    size_t i;
    json_t *g;
    if ((error = og_stmt_prepare_args(&st, s->ctx->store,
                                      "SELECT a.fingerprint, a.object_id, a.key_id, a.app_name,"
                                      " a.type, a.name, c.not_after_us, a.app_id FROM"
                                      " cert_app_credentials a JOIN certs c ON c.tenant_id ="
                                      " a.tenant_id AND c.fingerprint = a.fingerprint WHERE"
                                      " a.tenant_id = ? AND a.source = ? AND a.company_id = ?"
                                      " ORDER BY a.object_id, a.key_id",
                                      "ttt", s->tenant_id, s->source, s->company)) < 0)
        return error;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        char end[OG_TIME_LEN], label[OG_CERTS__LABEL_MAX];
        og_time_format(og_stmt_col_int(st, 6), end);
        json_array_append_new(
            s->creds,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", og_stmt_col_text(st, 0),
                      "object_id", og_stmt_col_text(st, 1), "key_id", og_stmt_col_text(st, 2),
                      "app_name", og_stmt_col_text(st, 3), "type", og_stmt_col_text(st, 4), "name",
                      og_stmt_col_text(st, 5), "end", end));
        og_certs__app_label(og_stmt_col_text(st, 3), og_stmt_col_text(st, 7),
                            og_stmt_col_text(st, 4), og_stmt_col_text(st, 5),
                            og_stmt_col_text(st, 2), label, sizeof(label));
        if (json_array_size(s->cred_names) < AUDIT_LIST)
            json_array_append_new(s->cred_names, json_string(label));
    }
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    json_array_foreach(s->creds, i, g)
    {
        const char *id = json_string_value(json_object_get(g, "id"));
        if ((error = og_certs__app_remove(s->ctx->store, s->tenant_id, id)) < 0)
            return error;
    }
    return 0;
}

int og_certs_source_company_retire(og_ctx *ctx, const char *tenant, const char *source,
                                   const char *company_id, json_t **changes)
{
    og_tenant t;
    retire_run s;
    char now[OG_TIME_LEN];
    json_t *analysis = NULL;
    int error, in_tx = 0;
    if (changes)
        *changes = NULL;
    memset(&s, 0, sizeof(s));
    s.devices = json_array(), s.creds = json_array();
    s.dev_names = json_array(), s.cred_names = json_array();
    if (!s.devices || !s.creds || !s.dev_names || !s.cred_names) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        goto cleanup;
    if (!source || !*source || strlen(source) > MAX_ID || !company_id || !*company_id ||
        strlen(company_id) > MAX_ID) {
        error = og_error_set(OG_EINVAL, "missing or overlong source or company id");
        goto cleanup;
    }
    og_time_format(og_time_now_us(), now);
    s.ctx = ctx, s.tenant_id = t.id, s.source = source, s.company = company_id;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = devices_retire(&s, now)) < 0 || (error = creds_remove(&s)) < 0)
        goto cleanup;
    if (json_array_size(s.devices) + json_array_size(s.creds)) {
        analysis = json_pack(
            "{s:s, s:s, s:I, s:O, s:I, s:O}", "source", source, "company_id", company_id, "retired",
            (json_int_t)json_array_size(s.devices), "retired_devices", s.dev_names, "removed",
            (json_int_t)json_array_size(s.creds), "removed_credentials", s.cred_names);
        error = analysis ? og_audit_log(ctx, t.id, "certs", "certs.source.company_retired",
                                        "discovery", source, analysis)
                         : og_error_set(OG_ERROR, "out of memory");
    }
cleanup:
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    if (error >= 0 && changes &&
        !(*changes = json_pack("{s:O, s:O}", "devices", s.devices, "credentials", s.creds)))
        error = og_error_set(OG_ERROR, "out of memory");
    json_decref(s.devices);
    json_decref(s.creds);
    json_decref(s.dev_names);
    json_decref(s.cred_names);
    json_decref(analysis);
    return error;
}
