/* acme_plan.c - renewal plans as seen from outside: listing, showing, and revoking a plan's
 * certificate. */
#include "acme/acme_internal.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int og_acme_reason_parse(const char *s, int *code)
{
    static const char *const names[] = {
        "unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
        "superseded",    "cessationOfOperation", "certificateHold", NULL,
        "removeFromCRL", "privilegeWithdrawn",   "aACompromise",
    };
    for (int i = 0; s && i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (names[i] && strcmp(s, names[i]) == 0) {
            *code = i;
            return 0;
        }
    return og_acme__bad_setting("reason",
                                "bad revocation reason '%s' (unspecified, keyCompromise, "
                                "affiliationChanged, superseded, cessationOfOperation, ...)",
                                s ? s : "");
}

int og_acme__id_of(og_ctx *ctx, const char *tid, const char *id, char buf[OG_ID_LEN],
                   const char **use)
{
    og_stmt *st = NULL;
    char fp[65];
    int error, rc;
    *use = id;
    if (!og_certs_id_is_fingerprint(id))
        return 0;
    if ((error = og_certs_fingerprint_resolve(ctx, tid, id, fp)) < 0)
        return error;
    /* a CA issues a certificate once: one ACME certificate has this fingerprint, or none */
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT id FROM acme_certs WHERE tenant_id = ? AND"
                                      " fingerprint = ? ORDER BY id LIMIT 1",
                                      "tt", tid, fp)) < 0)
        return error;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(buf, og_stmt_col_text(st, 0), OG_ID_LEN);
        *use = buf;
    }
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    if (rc != OG_ROW)
        return og_error_set(OG_ENOTFOUND,
                            "no ACME renewal plan for certificate '%.16s...': it is in the "
                            "inventory, but no plan issued it",
                            fp);
    return 0;
}

int og_acme_cert_revoke(og_ctx *ctx, const char *tenant, const char *id, const char *reason)
{
    og_acme_client *c = NULL;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    og_acme_plan p;
    uint8_t *der = NULL;
    size_t der_len = 0;
    char tid[OG_ID_LEN], cert_id[OG_ID_LEN] = "", id_buf[OG_ID_LEN];
    int error, code = -1, rc, in_tx = 0;
    memset(&p, 0, sizeof(p));
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!id || !*id)
        return og_error_set(OG_EINVAL, "cert revoke needs an ID");
    if (reason && (error = og_acme_reason_parse(reason, &code)) < 0)
        return error;
    if ((error = og_acme__id_of(ctx, tid, id, id_buf, &id)) < 0 ||
        (error = og_acme__plan_load(ctx, tid, id, &p)) < 0)
        return error;
    /* the named certificate, or the plan's current one */
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, chain_pem, status FROM acme_certs WHERE tenant_id = ?"
                                 " AND (id = ? OR id = ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, id);
    og_stmt_bind_text(st, 3, strcmp(id, p.id) == 0 ? p.current : id);
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(cert_id, og_stmt_col_text(st, 0), sizeof(cert_id));
        if (strcmp(og_stmt_col_text(st, 2), "revoked") == 0) {
            error = og_error_set(OG_ECONFLICT, "certificate %s is already revoked", cert_id);
            goto cleanup;
        }
        og_acme__leaf_der(og_stmt_col_text(st, 1), &der, &der_len);
    }
    og_stmt_free(st);
    st = NULL;
    if (rc < 0 || !cert_id[0] || !der) {
        error = rc < 0 ? rc
                       : og_error_set(OG_ENOTFOUND,
                                      "ACME certificate '%s' has no "
                                      "certificate to revoke",
                                      id);
        goto cleanup;
    }
    if ((error = og_acme__account_open(ctx, tid, p.account, &c, NULL)) < 0 ||
        (error = og_acme__revoke(c, der, der_len, code)) < 0 ||
        (error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE acme_certs SET status = 'revoked', revoked_reason = ?"
                                 " WHERE tenant_id = ? AND id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, reason ? reason : "unspecified");
    og_stmt_bind_text(st, 2, tid);
    og_stmt_bind_text(st, 3, cert_id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:s}", "cert", cert_id, "reason", reason ? reason : "unspecified");
    error = og_audit_log(ctx, tid, "certs", "acme.cert.revoke", "acme_plan", p.id, analysis);
cleanup:
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    og_acme__client_free(c);
    json_decref(analysis);
    og_acme__plan_clear(&p);
    free(der);
    return error;
}

int og_acme__plan_targets_put(og_ctx *ctx, const char *tid, const char *plan_id,
                              const char *const *targets, size_t n)
{
    og_stmt *st = NULL;
    int error, rc;
    if (n > OG_ACME_MAX_TARGETS)
        return og_error_set(OG_EINVAL, "too many targets (at most %d)", OG_ACME_MAX_TARGETS);
    for (size_t i = 0; i < n; i++) {
        if (!targets[i] || !*targets[i])
            return og_error_set(OG_EINVAL, "an empty target name");
        /* a plan names targets that exist when it is set */
        og_error_clear();
        if (og_deploy_target_exists(ctx, tid, targets[i]))
            continue;
        if ((rc = og_error_code()) < 0)
            return rc; /* the store could not tell */
        return og_error_set(OG_ENOTFOUND, "unknown deploy target '%s'", targets[i]),
               og_error_set_detail(OG_ACME_DETAIL_UNKNOWN_TARGET);
    }
    if (!plan_id)
        return 0; /* only checked */
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "DELETE FROM acme_plan_targets WHERE tenant_id = ?"
                                 " AND plan_id = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, plan_id);
    error = og_stmt_step(st) < 0 ? OG_ERROR : 0;
    og_stmt_free(st);
    st = NULL;
    for (size_t i = 0; i < n && error == 0; i++) {
        /* a name given twice is one target */
        if ((error = og_stmt_prepare(&st, ctx->store,
                                     "INSERT INTO acme_plan_targets (plan_id, tenant_id,"
                                     " target) VALUES (?,?,?)"
                                     " ON CONFLICT (plan_id, target) DO NOTHING")) < 0)
            break;
        og_stmt_bind_text(st, 1, plan_id);
        og_stmt_bind_text(st, 2, tid);
        og_stmt_bind_text(st, 3, targets[i]);
        error = og_stmt_step(st) < 0 ? OG_ERROR : 0;
        og_stmt_free(st);
        st = NULL;
    }
    return error;
}

json_t *og_acme__plan_targets(og_ctx *ctx, const char *tid, const char *plan_id)
{
    og_stmt *st = NULL;
    int rc;
    if (og_stmt_prepare(&st, ctx->store,
                        "SELECT target FROM acme_plan_targets WHERE tenant_id = ? AND plan_id = ?"
                        " ORDER BY target") < 0)
        return NULL;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, plan_id);
    json_t *arr = json_array();
    for (int i = 0; i < OG_ACME_MAX_TARGETS && (rc = og_stmt_step(st)) == OG_ROW; i++)
        json_array_append_new(arr, json_string(og_stmt_col_text(st, 0)));
    og_stmt_free(st);
    if (rc < 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

int og_acme_plan_targets_set(og_ctx *ctx, const char *tenant, const char *id,
                             const char *const *targets, size_t n)
{
    og_acme_plan p;
    json_t *analysis = NULL, *names = json_array();
    char tid[OG_ID_LEN], id_buf[OG_ID_LEN];
    int error;
    memset(&p, 0, sizeof(p));
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        goto cleanup;
    if ((error = og_acme__id_of(ctx, tid, id ? id : "", id_buf, &id)) < 0 ||
        (error = og_acme__plan_load(ctx, tid, id, &p)) < 0)
        goto cleanup;
    for (size_t i = 0; i < n && i < OG_ACME_MAX_TARGETS; i++)
        json_array_append_new(names, json_string(targets[i] ? targets[i] : ""));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    analysis = json_pack("{s:O}", "targets", names);
    if ((error = og_acme__plan_targets_put(ctx, tid, p.id, targets, n)) == 0)
        error = og_audit_log(ctx, tid, "certs", "acme.plan.targets", "acme_plan", p.id, analysis);
    error = og_store_tx_end(ctx->store, error);
cleanup:
    json_decref(analysis);
    json_decref(names);
    og_acme__plan_clear(&p);
    return error;
}

static json_t *plan_row_json(og_stmt *st, void *arg)
{
    (void)arg;
    json_error_t je;
    char ra[OG_TIME_LEN], na[OG_TIME_LEN];
    json_t *j = json_pack(
        "{s:s, s:s, s:o, s:s, s:o, s:i}", "id", og_stmt_col_text(st, 0), "account",
        og_stmt_col_text(st, 1), "names", json_loads(og_stmt_col_text(st, 2), 0, &je), "key_type",
        og_stmt_col_text(st, 3), "challenge", json_loads(og_stmt_col_text(st, 4), 0, &je),
        "failures", (int)og_stmt_col_int(st, 6));
    if (!j)
        return NULL;
    if (!og_stmt_col_is_null(st, 5)) {
        og_time_format(og_stmt_col_int(st, 5), ra);
        json_object_set_new(j, "renew_at", json_string(ra));
    }
    if (og_stmt_col_text(st, 7))
        json_object_set_new(j, "last_error", json_string(og_stmt_col_text(st, 7)));
    if (og_stmt_col_text(st, 8)) {
        og_time_format(og_stmt_col_int(st, 11), na);
        json_object_set_new(j, "current",
                            json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", og_stmt_col_text(st, 8),
                                      "serial", og_stmt_col_text(st, 9), "fingerprint",
                                      og_stmt_col_text(st, 10), "not_after", na, "status",
                                      og_stmt_col_text(st, 12)));
    }
    return j;
}

#define PLAN_SELECT                                                                                \
    "SELECT p.id, p.account_id, p.names, p.key_type, p.challenge, p.renew_at_us, p.failures,"      \
    " p.last_error, c.id, c.serial, c.fingerprint, c.not_after_us, c.status FROM acme_plans p"     \
    " LEFT JOIN acme_certs c ON c.id = p.current_cert WHERE p.tenant_id = ?"

int og_acme_cert_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    og_stmt *st = NULL;
    char tid[OG_ID_LEN];
    int error;
    *out = NULL;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store, PLAN_SELECT " ORDER BY p.created_at, p.id")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    json_t *arr = NULL;
    error = og_stmt_collect(st, plan_row_json, NULL, &arr);
    og_stmt_free(st);
    if (error < 0)
        return error;
    /* targets after the plans: one statement at a time */
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *pj = json_array_get(arr, i);
        json_t *t = og_acme__plan_targets(ctx, tid, json_string_value(json_object_get(pj, "id")));
        if (!t) {
            json_decref(arr);
            return OG_ERROR;
        }
        json_object_set_new(pj, "targets", t);
    }
    *out = arr;
    return 0;
}

int og_acme_cert_fingerprint(og_ctx *ctx, const char *tenant, const char *id, char fp[65])
{
    char tid[OG_ID_LEN];
    og_acme_plan p;
    int error;
    fp[0] = '\0';
    if (!id || !*id)
        return og_error_set(OG_EINVAL, "a certificate needs an ID");
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if (og_certs_id_is_fingerprint(id))
        return og_certs_fingerprint_resolve(ctx, tid, id, fp);
    /* the inventory's other kind of id, "app:" and hex digits: nothing to issue or deploy */
    if (strncasecmp(id, "app:", 4) == 0)
        return og_error_set(OG_EINVAL,
                            "'%.80s' is a cloud app credential, not a certificate: opsgate does "
                            "not renew, revoke or deploy it (rotate it in its cloud app)",
                            id);
    if (!og_id_valid(id))
        return og_error_set(OG_EINVAL,
                            "'%.80s' is neither a certificate fingerprint (or a prefix of at least "
                            "%d hex digits) nor a renewal plan id",
                            id, OG_CERTS_ID_MIN_DIGITS);
    if ((error = og_acme__plan_load(ctx, tid, id, &p)) < 0)
        return error;
    if (strlen(p.fingerprint) != 64)
        error = og_error_set(OG_ENOTFOUND, "renewal plan %s has no current certificate", p.id);
    else
        og_strlcpy(fp, p.fingerprint, 65);
    og_acme__plan_clear(&p);
    return error;
}

int og_acme_cert_show(og_ctx *ctx, const char *tenant, const char *id, json_t **out)
{
    og_stmt *st = NULL;
    char tid[OG_ID_LEN], id_buf[OG_ID_LEN];
    og_acme_plan p;
    int error, rc;
    *out = NULL;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = og_acme__id_of(ctx, tid, id ? id : "", id_buf, &id)) < 0 ||
        (error = og_acme__plan_load(ctx, tid, id, &p)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store, PLAN_SELECT " AND p.id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, p.id);
    if ((rc = og_stmt_step(st)) == OG_ROW)
        *out = plan_row_json(st, NULL);
    og_stmt_free(st);
    st = NULL;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, serial, fingerprint, not_after_us, status,"
                                 " alternates, replaces, revoked_reason FROM acme_certs WHERE"
                                 " tenant_id = ? AND plan_id = ? ORDER BY created_at")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, p.id);
    json_t *certs = json_array();
    for (int i = 0; i < 100000 && (rc = og_stmt_step(st)) == OG_ROW; i++) {
        json_error_t je;
        char na[OG_TIME_LEN];
        og_time_format(og_stmt_col_int(st, 3), na);
        json_t *alts = json_loads(og_stmt_col_text(st, 5), 0, &je);
        json_t *c = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:i}", "id", og_stmt_col_text(st, 0), "serial",
            og_stmt_col_text(st, 1), "fingerprint", og_stmt_col_text(st, 2), "not_after", na,
            "status", og_stmt_col_text(st, 4), "alternate_chains", (int)json_array_size(alts));
        json_decref(alts);
        if (c && og_stmt_col_text(st, 6))
            json_object_set_new(c, "replaces", json_string(og_stmt_col_text(st, 6)));
        if (c && og_stmt_col_text(st, 7))
            json_object_set_new(c, "revoked_reason", json_string(og_stmt_col_text(st, 7)));
        json_array_append_new(certs, c);
    }
    og_stmt_free(st);
    st = NULL;
    if (*out)
        json_object_set_new(*out, "certificates", certs);
    else
        json_decref(certs);
    error = rc < 0 ? rc : 0;
    if (error == 0 && *out) {
        json_t *t = og_acme__plan_targets(ctx, tid, p.id);
        if (t)
            json_object_set_new(*out, "targets", t);
        else
            error = OG_ERROR;
    }
cleanup:
    og_stmt_free(st);
    og_acme__plan_clear(&p);
    if (error < 0) {
        json_decref(*out);
        *out = NULL;
    }
    return error;
}
