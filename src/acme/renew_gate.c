/* renew_gate.c - renewal as gate action kind certs.renew (L1 by default): execute renews and
 * emits certs.renewed, override makes the previous certificate current again; failures back off
 * and raise certs.renew.failed. */
#include "acme/acme_internal.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"
#include "opsgate/infer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RENEW_KIND "certs.renew"

/*
 * The gate engine runs execute inside its write transaction. At L0/L1 execute runs at once
 * anyway, so og_acme_cert_renew places the order (seconds of CA round trips) before asking the
 * gate, outside any transaction, and passes its outcome to execute as the request's staged input
 * (og_gate_staged, never kept: it holds the new key): execute then only records, and other
 * writers are not held up by the CA. At L2/L3 the order waits for the decision and execute
 * places it itself.
 */
#define ORDER_MEDIA "application/vnd.opsgate.acme-order"

/* The outcome of an order placed before the gate, as staged bytes (JSON). *out is wiped and
 * freed by the caller. */
static int order_encode(const char *plan, int order_error, const char *msg, int replaces,
                        const og_acme_issued *is, char **out)
{
    json_t *j = json_pack("{s:s, s:i, s:s, s:b}", "plan", plan, "error", order_error, "msg",
                          msg ? msg : "", "replaces", replaces);
    if (j && order_error == 0) {
        json_object_set_new(j, "chain_pem", json_string(is->res.chain_pem));
        json_object_set_new(j, "key_pem", json_stringn(is->key_pem, is->key_len));
        json_object_set_new(j, "order_url", json_string(is->res.order_url));
        json_object_set_new(j, "cert_url", json_string(is->res.cert_url));
        json_object_set(j, "alternates", is->res.alternates ? is->res.alternates : json_null());
        json_object_set_new(j, "ari_id", json_string(is->ari_id));
        json_object_set_new(j, "renew_at_us", json_integer(is->renew_at_us));
        json_object_set_new(j, "ari", json_integer(is->ari));
        json_object_set_new(j, "ari_check_us", json_integer(is->ari_check_us));
        json_object_set_new(j, "ari_end_us", json_integer(is->ari_end_us));
    }
    *out = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return *out ? 0 : og_error_set(OG_ERROR, "out of memory");
}

/* The order placed before the gate for plan_id, from the staged input: *found 0 when there is
 * none for this plan (execute orders itself); the order's own error when it failed. */
static int order_decode(const og_gate_staged *in, const char *plan_id, og_acme_issued *is,
                        int *replaces, int *found)
{
    json_t *j = NULL;
    int error = -1;
    const char *chain, *key;
    *found = 0;
    if (!in || !og_streq(in->media_type, ORDER_MEDIA))
        return 0;
    if (!(j = json_loadb(in->data, in->len, 0, NULL)) ||
        !og_streq(json_string_value(json_object_get(j, "plan")), plan_id)) {
        error = 0;
        goto cleanup;
    }
    *found = 1;
    *replaces = json_is_true(json_object_get(j, "replaces"));
    if ((error = (int)json_integer_value(json_object_get(j, "error"))) < 0) {
        og_error_set(error, "%s", json_string_value(json_object_get(j, "msg")));
        goto cleanup;
    }
    chain = json_string_value(json_object_get(j, "chain_pem"));
    key = json_string_value(json_object_get(j, "key_pem"));
    error = og_error_set(OG_ECORRUPT, "certs.renew: the order placed before the gate is damaged");
    if (!chain || !key || !(is->res.chain_pem = strdup(chain)) || !(is->key_pem = strdup(key)))
        goto cleanup;
    is->key_len = strlen(key);
    og_strlcpy(is->res.order_url, json_string_value(json_object_get(j, "order_url")),
               sizeof(is->res.order_url));
    og_strlcpy(is->res.cert_url, json_string_value(json_object_get(j, "cert_url")),
               sizeof(is->res.cert_url));
    if (json_is_array(json_object_get(j, "alternates")))
        is->res.alternates = json_incref(json_object_get(j, "alternates"));
    og_strlcpy(is->ari_id, json_string_value(json_object_get(j, "ari_id")), sizeof(is->ari_id));
    is->renew_at_us = json_integer_value(json_object_get(j, "renew_at_us"));
    is->ari = (int)json_integer_value(json_object_get(j, "ari"));
    is->ari_check_us = json_integer_value(json_object_get(j, "ari_check_us"));
    is->ari_end_us = json_integer_value(json_object_get(j, "ari_end_us"));
    if (og_acme__leaf_der(is->res.chain_pem, &is->der, &is->der_len) < 0)
        goto cleanup;
    if ((error = og_certs_parse_der(&is->info, is->der, is->der_len)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (j) {
        const char *k = json_string_value(json_object_get(j, "key_pem"));
        if (k) /* the key's copy in the JSON */
            og_crypto_wipe((void *)k, strlen(k));
    }
    json_decref(j);
    return error < 0 ? og_acme__issued_discard(is, error) : error;
}

/* Order a renewal for plan p (network only). *replaces says whether `replaces` was sent;
 * *retry_after_s (may be NULL) the Retry-After of a rate-limited answer it gave up on, or -1. */
static int renew_order(og_ctx *ctx, const char *tid, const og_acme_plan *p, og_acme_clients *cache,
                       og_acme_issued *is, int *replaces, int64_t *retry_after_s)
{
    og_acme_client *c = NULL;
    int error, owned = 1;
    *replaces = 0;
    if (retry_after_s)
        *retry_after_s = -1;
    if ((error = og_acme__clients_open(cache, ctx, tid, p->account, &c, &owned)) < 0)
        return error;
    const char *rep = og_acme__dir_url(c, "renewalInfo") && p->ari_id[0] ? p->ari_id : NULL;
    *replaces = rep != NULL;
    error = og_acme__issue_once(c, p->names, p->key_type, p->ch, rep, is);
    if (retry_after_s)
        *retry_after_s = c->retry_after_s;
    if (owned)
        og_acme__client_free(c);
    else if (error < 0) /* the next plan opens the account afresh */
        og_acme__clients_drop(cache, c);
    return error;
}

/* The renewal itself (certs.renew's execute): order with `replaces` when the CA has ARI (or take
 * the order placed before the gate), then record it as current. */
static int renew_exec(og_ctx *ctx, const char *tid, const char *plan_id,
                      const og_gate_staged *staged, json_t **result)
{
    int in_tx = 0;
    json_t *ev = NULL;
    og_acme_plan p;
    og_acme_issued is;
    char cert_id[OG_ID_LEN], ona[OG_TIME_LEN], nna[OG_TIME_LEN];
    int error, replaces = 0, found = 0;
    memset(&is, 0, sizeof(is));
    *result = NULL;
    if ((error = og_acme__plan_load(ctx, tid, plan_id, &p)) < 0)
        return error;
    if ((error = order_decode(staged, p.id, &is, &replaces, &found)) < 0)
        goto cleanup;
    if (!found && (error = renew_order(ctx, tid, &p, NULL, &is, &replaces, NULL)) < 0)
        goto cleanup;
    og_time_format(p.not_after_us, ona);
    og_time_format(is.info.not_after_us, nna);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = og_acme__record(ctx, tid, p.id, p.current[0] ? p.current : NULL, &is, cert_id)) <
        0)
        goto cleanup;
    /* deploy targets follow a renewal (the deploy module's "certs.renewed" handler), and the
     * event exists only if the renewal commits */
    if (p.fingerprint[0]) {
        ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "previous_fingerprint", p.fingerprint,
                       "fingerprint", is.info.fingerprint, "plan", p.id, "old_serial", p.serial,
                       "new_serial", is.info.serial, "old_not_after", ona, "new_not_after", nna);
        if (ev && p.names) /* what the notification names */
            json_object_set(ev, "names", p.names);
        /* the plan's named targets get it; without any, the deploy module finds the targets
         * that hold the previous certificate */
        json_t *targets = og_acme__plan_targets(ctx, tid, p.id);
        if (!targets) {
            error = OG_ERROR;
            goto cleanup;
        }
        if (json_array_size(targets))
            json_object_set_new(ev, "targets", targets);
        else
            json_decref(targets);
        if ((error = og_event_emit(ctx, tid, "certs.renewed", ev, NULL)) < 0)
            goto cleanup;
    }
    error = 0;
cleanup:
    if (in_tx && (error = og_store_tx_end(ctx->store, error)) >= 0) {
        *result =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "plan", p.id, "old_cert",
                      p.current, "new_cert", cert_id, "old_serial", p.serial, "new_serial",
                      is.info.serial, "old_not_after", p.current[0] ? ona : "", "new_not_after",
                      nna, "fingerprint", is.info.fingerprint, "replaces", replaces);
        json_object_set_new(*result, "old_fingerprint", json_string(p.fingerprint));
    }
    json_decref(ev);
    og_acme__plan_clear(&p);
    og_acme__issued_clear(&is);
    return error;
}

static int kind_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                        const og_gate_staged *staged, json_t **result)
{
    const char *id = json_string_value(json_object_get(params, "plan"));
    if (!id)
        return og_error_set(OG_EINVAL, "certs.renew needs params.plan");
    return renew_exec(ctx, tenant_id, id, staged, result);
}

/* Override: the previous certificate becomes current again (the new one stays recorded as
 * "previous", so it can be looked at); the plan renews again at once on the next run. */
static int kind_rollback(og_ctx *ctx, const char *tenant_id, json_t *params, json_t *result)
{
    const char *id = json_string_value(json_object_get(params, "plan"));
    const char *oldc = json_string_value(json_object_get(result, "old_cert"));
    const char *newc = json_string_value(json_object_get(result, "new_cert"));
    static const char *const sql[] = {
        "UPDATE acme_certs SET status = 'previous' WHERE tenant_id = ? AND id = ?",
        "UPDATE acme_certs SET status = 'current' WHERE tenant_id = ? AND id = ?",
        "UPDATE acme_plans SET current_cert = ? WHERE tenant_id = ? AND id = ?",
    };
    const char *oldfp = json_string_value(json_object_get(result, "old_fingerprint"));
    const char *newfp = json_string_value(json_object_get(result, "fingerprint"));
    og_stmt *st = NULL;
    int error = 0;
    if (!id || !oldc || !*oldc || !newc)
        return og_error_set(OG_ECONFLICT, "there is no previous certificate to restore");
    /* targets that already got the new certificate follow back to the restored one */
    if (oldfp && *oldfp && newfp) {
        json_t *ev = json_pack("{s:s, s:s, s:s, s:b}", "previous_fingerprint", newfp, "fingerprint",
                               oldfp, "plan", id, "override", 1);
        error = og_event_emit(ctx, tenant_id, "certs.renewed", ev, NULL);
        json_decref(ev);
    }
    for (int i = 0; i < 3 && error == 0; i++) {
        if ((error = og_stmt_prepare(&st, ctx->store, sql[i])) < 0)
            break;
        if (i < 2) {
            og_stmt_bind_text(st, 1, tenant_id);
            og_stmt_bind_text(st, 2, i == 0 ? newc : oldc);
        } else {
            og_stmt_bind_text(st, 1, oldc);
            og_stmt_bind_text(st, 2, tenant_id);
            og_stmt_bind_text(st, 3, id);
        }
        error = og_stmt_step(st) < 0 ? OG_ERROR : 0;
        og_stmt_free(st);
        st = NULL;
    }
    return error;
}

static const og_action_kind renew_kind = {
    .name = RENEW_KIND,
    .area = "certs",
    .default_level = OG_GATE_L1,
    .description = "renew a certificate from its ACME CA; override makes the previous "
                   "certificate current again",
    .execute = kind_execute,
    .rollback = kind_rollback,
    .command = "`opsgate cert renew` (and the renewer of `opsgate serve`)",
    .route = "POST /api/v1/tenants/{tenant}/acme/plans/{id}/renew",
};

static pthread_once_t kinds_once = PTHREAD_ONCE_INIT;
static int kinds_result;
static void kinds_register(void)
{
    int rc = og_gate_kind_register(&renew_kind);
    if (rc == 0 || rc == OG_EEXISTS)
        rc = og_acme__stalled_kind_register();
    kinds_result = rc == OG_EEXISTS ? 0 : rc;
    og_error_clear();
}

int og_acme_register_kinds(void)
{
    pthread_once(&kinds_once, kinds_register);
    return kinds_result;
}

/* how far back a renewal's facts count the CA's failed orders */
#define RENEW_CA_DAYS 30

/* The CA (directory URL) plan_id orders from, "" when the plan is gone. */
static int ca_of(og_ctx *ctx, const char *tid, const char *plan_id, char *out, size_t size)
{
    og_stmt *st = NULL;
    int error;
    out[0] = '\0';
    if ((error =
             og_stmt_prepare_args(&st, ctx->store,
                                  "SELECT a.directory_url FROM acme_plans p JOIN acme_accounts"
                                  " a ON a.id = p.account_id WHERE p.tenant_id = ? AND p.id = ?",
                                  "tt", tid, plan_id)) < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(out, og_stmt_col_text(st, 0), size);
        error = 0;
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Count a failed renewal on the plan and push its next attempt back (1 h doubling to 1 day):
 * the current certificate stays current. */
static void note_failure(og_ctx *ctx, const char *tid, const char *plan_id, const char *msg,
                         int64_t hint)
{
    og_stmt *st = NULL;
    char saved[1024];
    int code = og_error_code(), error;
    json_t *payload = NULL;
    og_strlcpy(saved, msg, sizeof(saved));
    /* best effort: the renewal's own error is what the caller reports */
    if (og_store_tx_begin(ctx->store) < 0)
        goto done;
    error = og_stmt_prepare(&st, ctx->store,
                            "UPDATE acme_plans SET failures = failures + 1, last_error = ?,"
                            " renew_at_us = ? + (CASE WHEN failures >= 5 THEN 86400000000 ELSE"
                            " 3600000000 * (CAST(1 AS BIGINT) << CAST(failures AS INTEGER)) END)"
                            " WHERE tenant_id = ? AND id = ?");
    if (error < 0)
        goto end;
    /* a CA that said when to come back (rateLimited + Retry-After) is not asked earlier; the
     * backoff itself is 1 h at least, so only a longer Retry-After moves the time */
    int64_t now = og_time_now_us();
    og_stmt_bind_text(st, 1, saved);
    og_stmt_bind_int(st, 2, hint > 3600 ? now + (hint - 3600) * 1000000 : now);
    og_stmt_bind_text(st, 3, tid);
    og_stmt_bind_text(st, 4, plan_id);
    if ((error = og_stmt_step(st)) < 0)
        goto end;
    /* the CA's error history the next renewals' analyses read (docs/inference.md) */
    char ca[1024];
    if ((error = ca_of(ctx, tid, plan_id, ca, sizeof(ca))) < 0 ||
        (ca[0] && (error = og_infer_ca_error_note(ctx, tid, ca, saved)) < 0))
        goto end;
    /* the alert: notification channels get it through the event bus */
    payload = json_pack("{s:s, s:s}", "plan", plan_id, "error", saved);
    error = og_event_emit(ctx, tid, "certs.renew.failed", payload, NULL);
end:
    og_store_tx_end(ctx->store, error);
done:
    og_stmt_free(st);
    json_decref(payload);
    og_error_set(code ? code : OG_ERROR, "%s", saved);
}

int og_acme_cert_renew(og_ctx *ctx, const char *tenant, const char *id, json_t **out)
{
    return og_acme__cert_renew_with(ctx, tenant, id, NULL, out);
}

int og_acme__cert_renew_with(og_ctx *ctx, const char *tenant, const char *id,
                             og_acme_clients *cache, json_t **out)
{
    char tid[OG_ID_LEN], id_buf[OG_ID_LEN];
    og_acme_plan p;
    og_gate_outcome oc;
    og_acme_issued is;
    og_gate_staged staged = {NULL, 0, ORDER_MEDIA};
    char *order = NULL;
    int replaces = 0, order_rc = 0;
    int64_t retry_after_s = -1; /* of the order placed before the gate */
    json_t *params = NULL, *analysis = NULL, *facts = NULL;
    int error;
    memset(&oc, 0, sizeof(oc));
    memset(&is, 0, sizeof(is));
    if (out)
        *out = NULL;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!id || !*id)
        return og_error_set(OG_EINVAL, "cert renew needs an ID");
    if ((error = og_acme_register_kinds()) < 0 ||
        (error = og_acme__id_of(ctx, tid, id, id_buf, &id)) < 0 ||
        (error = og_acme__plan_load(ctx, tid, id, &p)) < 0)
        return error;
    char na[OG_TIME_LEN];
    og_time_format(p.not_after_us, na);
    params = json_pack("{s:s}", "plan", p.id);
    analysis = json_pack("{s:O, s:s, s:s}", "names", p.names, "current_serial", p.serial,
                         "current_not_after", p.current[0] ? na : "");
    /* at L0/L1 the order goes first, outside the gate's transaction (see renew_exec) */
    og_gate_level level = OG_GATE_L2;
    if (og_gate_policy_get(ctx, tid, RENEW_KIND, &level) < 0)
        level = OG_GATE_L2; /* unknown: let execute order after the gate */
    og_error_clear();
    if (level <= OG_GATE_L1) {
        order_rc = renew_order(ctx, tid, &p, cache, &is, &replaces, &retry_after_s);
        if ((error = order_encode(p.id, order_rc, order_rc < 0 ? og_error_last() : NULL, replaces,
                                  &is, &order)) < 0)
            goto cleanup;
        og_acme__issued_clear(&is);
        staged.data = order;
        staged.len = strlen(order);
    }
    /* what the gate item is about: the names of the certificate and the plan that renews it */
    char names[OG_GATE_NAME_MAX + 1] = "", subject[OG_GATE_SUBJECT_MAX + 1];
    for (size_t i = 0; i < json_array_size(p.names); i++) {
        size_t n = strlen(names);
        const char *name = json_string_value(json_array_get(p.names, i));
        if (n + (name ? strlen(name) : 0) + 2 >= sizeof(names)) {
            snprintf(names + n, sizeof(names) - n, "%s+%zu more", n ? " " : "",
                     json_array_size(p.names) - i);
            break;
        }
        snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", name ? name : "?");
    }
    snprintf(subject, sizeof(subject), "certificate %s%s%s%s renewal via ACME plan %s", names,
             p.serial[0] ? " (serial " : "", p.serial, p.serial[0] ? ")" : "", p.id);
    /* what the inference step reads (docs/inference.md): the challenge type, how many names,
     * the days left, and whether the order before the gate failed */
    facts =
        json_pack("{s:s?, s:i, s:i}", "challenge", json_string_value(json_object_get(p.ch, "type")),
                  "names", (int)json_array_size(p.names), "ca_errors", order_rc < 0 ? 1 : 0);
    if (!facts) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (p.not_after_us)
        json_object_set_new(
            facts, "days_left",
            json_integer((p.not_after_us - og_time_now_us()) / (86400LL * 1000000)));
    /* the CA's recent errors for this tenant: failed orders in 30 days and the last one's type */
    char ca[1024];
    if ((error = ca_of(ctx, tid, p.id, ca, sizeof(ca))) < 0 ||
        (error = og_infer_ca_errors(ctx, tid, ca, RENEW_CA_DAYS, facts)) < 0)
        goto cleanup;
    og_gate_about about = {.target_type = "acme_plan",
                           .target_id = p.id,
                           .subject = subject,
                           .object = names,
                           .facts = facts};
    error = og_gate_request_staged(ctx, tid, RENEW_KIND, &about, params, analysis,
                                   order ? &staged : NULL, &oc);
    if (error < 0 && error != OG_EPENDING) {
        note_failure(ctx, tid, p.id, og_error_last(), retry_after_s);
        error = og_error_code();
        goto cleanup;
    }
    if (out) {
        *out = json_pack("{s:s, s:s, s:s, s:s}", "id", p.id, "gate_id", oc.gate_id, "level",
                         og_gate_level_name(oc.level), "state", oc.state);
        if (oc.result)
            json_object_set(*out, "result", oc.result);
    }
cleanup:
    og_acme__issued_clear(&is);
    if (order) /* it holds the new key */
        og_crypto_wipe(order, strlen(order));
    free(order);
    json_decref(oc.result);
    json_decref(params);
    json_decref(analysis);
    json_decref(facts);
    og_acme__plan_clear(&p);
    return error;
}
