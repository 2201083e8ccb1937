/* kinds.c - the action kind ct.unknown_issuance (the alert of an issuance nobody here knows of,
 * L1 by default: its execute records that the finding was raised; the gate notifies the certs
 * assignee), the audit trail's names of watches and findings, and re-sealing the source key. */
#include <stdio.h>
#include <string.h>

#include "ct_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/store.h"

static int unknown_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                           const og_gate_staged *staged, json_t **result)
{
    (void)staged;
    og_stmt *st = NULL;
    const char *id = json_string_value(json_object_get(params, "issuance"));
    const og_gate_exec *ex = og_gate_executing();
    if (!id)
        return og_error_set(OG_EINVAL, "ct.unknown_issuance needs the issuance's id");
    /* re-derived from the record: the finding must be ours and still open */
    int error = og_stmt_prepare_args(&st, ctx->store,
                                     "SELECT state, names, issuer, cert_sha256, watch_domain FROM"
                                     " ct_issuances WHERE id = ? AND tenant_id = ?",
                                     "tt", id, tenant_id);
    if (error >= 0 && (error = og_stmt_step(st)) >= 0 && error != OG_ROW)
        error = og_error_set(OG_ENOTFOUND, "no CT finding '%.64s'", id);
    if (error < 0)
        goto cleanup;
    json_t *names = json_loads(og_stmt_col_text(st, 1), 0, NULL);
    *result = json_pack("{s:s, s:s, s:s, s:o, s:s?, s:s?, s:s}", "finding", OG_CT_FINDING,
                        "issuance", id, "state", og_stmt_col_text(st, 0), "names",
                        names ? names : json_array(), "issuer", og_stmt_col_text(st, 2),
                        "cert_sha256", og_stmt_col_text(st, 3), "watch", og_stmt_col_text(st, 4));
    if (ex && ex->gate_id)
        error = og_store_run(ctx->store,
                             "UPDATE ct_issuances SET gate_id = ? WHERE id = ? AND tenant_id = ?",
                             "ttt", ex->gate_id, id, tenant_id);
cleanup:
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

static const og_action_kind unknown_kind = {
    .name = OG_CT_KIND_UNKNOWN,
    .area = "certs",
    .default_level = OG_GATE_L1,
    .description = "a certificate for a watched domain is in the CT logs that opsgate did not "
                   "issue, scan or import: record the finding and notify the assignee, who "
                   "marks it expected or opens an incident",
    .execute = unknown_execute,
    .rollback = NULL,
    .requestable = 0,
    .command = "opsgate cert watch poll",
    .route = "POST /api/v1/tenants/{tenant}/certs/watches/poll",
};

/* "watch of example.com" */
static int watch_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    int rc = og_audit_namer_row(
        ctx, "SELECT domain, subdomains FROM ct_watches WHERE id = ? AND tenant_id = ?", tenant_id,
        id, &st);
    if (rc <= 0)
        return rc;
    snprintf(out, size, "CT watch of %s%s", og_stmt_col_text(st, 0),
             og_stmt_col_int(st, 1) ? " and subdomains" : "");
    og_stmt_free(st);
    return 1;
}

/* "CT issuance for www.example.com, example.com by R11" */
static int finding_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    og_buf b;
    int rc = og_audit_namer_row(
        ctx, "SELECT names, issuer FROM ct_issuances WHERE id = ? AND tenant_id = ?", tenant_id, id,
        &st);
    if (rc <= 0)
        return rc;
    og_buf_init(&b, 4096);
    og_buf_puts(&b, "CT issuance for ");
    og_audit_name_list(&b, og_stmt_col_text(st, 0), NULL);
    if (og_stmt_col_text(st, 1) && *og_stmt_col_text(st, 1))
        og_buf_printf(&b, " by %.200s", og_stmt_col_text(st, 1));
    og_stmt_free(st);
    return og_audit_name_take(&b, out, size);
}

int og_ct_register(void)
{
    int error;
    /* registering again is no failure (poll registers for callers that have not) */
    if ((error = og_gate_kind_register(&unknown_kind)) == OG_EEXISTS &&
        og_gate_kind_find(OG_CT_KIND_UNKNOWN) == &unknown_kind)
        error = 0;
    if (error < 0 || (error = og_audit_namer_register("ct-watch", watch_name, 0)) < 0 ||
        (error = og_audit_namer_register("ct-finding", finding_name, 0)) < 0)
        return error;
    return 0;
}

static const og_crypto_reseal_part parts[] = {
    {"ct.source", "SELECT count(*) FROM ct_sources WHERE tenant_id = ? AND sealed_key IS NOT NULL",
     "SELECT id, id, sealed_key FROM ct_sources WHERE tenant_id = ? AND id > ?"
     " AND sealed_key IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE ct_sources SET sealed_key = ? WHERE id = ? AND tenant_id = ?"},
};

int og_ct_reseal(og_ctx *ctx, const char *tenant_id, og_crypto_reseal_batch *b)
{
    return og_crypto_reseal_parts(ctx->keys, ctx->store, tenant_id, parts,
                                  sizeof(parts) / sizeof(parts[0]), b);
}
