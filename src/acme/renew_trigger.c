/* renew_trigger.c - an expiry alert renews the certificate when it has a renewal plan: the
 * "certs.expiring" / "certs.expired" events of the inventory, and its "certs.alert" events of
 * rule renewal-overdue, drive og_acme_cert_renew (the certs.renew gate), whose "certs.renewed"
 * event then deploys the new certificate. */
#include "acme/acme_internal.h"
#include "opsgate/acme.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/events.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define DAY_US 86400000000LL

typedef struct current_cert {
    char plan[OG_ID_LEN];
    int64_t lifetime_us;
    int renewed; /* the certificate replaced an earlier one of its plan */
} current_cert;

/* The plan whose current certificate has fingerprint fp: 1 found, 0 none, negative on error. */
static int plan_of(og_store *s, const char *tenant_id, const char *fp, current_cert *out)
{
    og_stmt *st = NULL;
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = og_stmt_prepare_args(&st, s,
                                   "SELECT p.id, c.not_after_us - c.not_before_us, c.replaces"
                                   " FROM acme_plans p JOIN acme_certs c ON c.id = p.current_cert"
                                   " WHERE p.tenant_id = ? AND c.tenant_id = p.tenant_id AND"
                                   " c.fingerprint = ? AND c.status = 'current' LIMIT 1",
                                   "tt", tenant_id, fp)) < 0)
        return rc;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(out->plan, og_stmt_col_text(st, 0), sizeof(out->plan));
        out->lifetime_us = og_stmt_col_int(st, 1);
        out->renewed = !og_stmt_col_is_null(st, 2);
        rc = 1;
    }
    og_stmt_free(st);
    return rc;
}

/* og_certs_renewal_fn: expiry alerts name the plan that renews their certificate. A certificate
 * its plan has replaced (status "previous": renewed, or set aside by a rollback) is the plan's
 * too: it raises no days-left alert for the days it has left (the plan's rules watch what is
 * served), only its expiry. */
static int renewal_plan(og_store *s, const char *tenant_id, const char *fp, char plan[OG_ID_LEN])
{
    current_cert c;
    og_stmt *st = NULL;
    int rc = plan_of(s, tenant_id, fp, &c);
    if (rc > 0)
        og_strlcpy(plan, c.plan, OG_ID_LEN);
    if (rc != 0)
        return rc;
    if ((rc = og_stmt_prepare_args(&st, s,
                                   "SELECT p.id FROM acme_certs c JOIN acme_plans p ON p.id ="
                                   " c.plan_id AND p.tenant_id = c.tenant_id WHERE c.tenant_id = ?"
                                   " AND c.fingerprint = ? AND c.status = 'previous' AND"
                                   " p.current_cert IS NOT NULL ORDER BY c.created_at DESC LIMIT 1",
                                   "tt", tenant_id, fp)) < 0)
        return rc;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(plan, og_stmt_col_text(st, 0), OG_ID_LEN);
        rc = 1;
    }
    og_stmt_free(st);
    return rc;
}

/* The trigger's own record: why it renews or not (once per event, even when redelivered). */
static int record(og_ctx *ctx, const char *handler, const og_event *ev, const char *fp,
                  const current_cert *c, const char *decision, const char *reason)
{
    int error, seen;
    json_t *analysis =
        json_pack("{s:s, s:s, s:s, s:O?, s:O?, s:I, s:s, s:s}", "event", ev->type, "fingerprint",
                  fp, "plan", c->plan, "days_left", json_object_get(ev->payload, "days_left"),
                  "threshold_days", json_object_get(ev->payload, "threshold_days"), "lifetime_days",
                  (json_int_t)((c->lifetime_us + DAY_US / 2) / DAY_US), "decision", decision,
                  "reason", reason);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((seen = og_event_seen(ctx, handler, ev->id)) < 0)
        error = seen;
    else if (!seen)
        error = og_audit_log(ctx, ev->tenant_id, "certs", "certs.renew.trigger", "acme_plan",
                             c->plan, analysis);
    error = og_store_tx_end(ctx->store, error);
cleanup:
    json_decref(analysis);
    return error;
}

/*
 * One alert. Renews when the alerted certificate is still its plan's current one (a redelivered
 * alert about a certificate already replaced renews nothing). A certificate born inside the
 * alert threshold (its whole lifetime is shorter, e.g. 6-day certificates under a 7-day
 * threshold) is alerted as soon as it exists: renewing it again on that alert would only give
 * another one just as short, forever. Such a certificate is renewed on its alert once, when it
 * is the plan's first; after that the plan's schedule (ARI, or two thirds of the lifetime) does.
 */
static int on_expiry(og_ctx *ctx, const og_event *ev, void *arg)
{
    const char *fp = json_string_value(json_object_get(ev->payload, "fingerprint"));
    json_int_t threshold = json_integer_value(json_object_get(ev->payload, "threshold_days"));
    current_cert c;
    json_t *out = NULL;
    int rc;
    const char *handler = arg ? arg : "renew-on-expiry";
    if (!ev->tenant_id[0] || !fp)
        return 0; /* not a tenant's certificate: nothing to renew, nothing to retry */
    if ((rc = plan_of(ctx->store, ev->tenant_id, fp, &c)) <= 0)
        return rc; /* no plan (found by a scan, imported) or not current any more: done */
    if (c.renewed && threshold > 0 && c.lifetime_us <= (int64_t)threshold * DAY_US) {
        fprintf(stderr,
                "opsgate: acme: plan %s: not renewing on the %lld-day alert: the certificate"
                " lives %lld days, shorter than the threshold; its schedule renews it\n",
                c.plan, (long long)threshold, (long long)((c.lifetime_us + DAY_US / 2) / DAY_US));
        return record(ctx, handler, ev, fp, &c, "skip",
                      "a renewed certificate whose lifetime is inside the alert threshold: the "
                      "plan's schedule renews it");
    }
    if ((rc = record(ctx, handler, ev, fp, &c, "renew",
                     "the alerted certificate is its plan's current"
                     " one")) < 0)
        return rc;
    rc = og_acme_cert_renew(ctx, ev->tenant_id, c.plan, &out);
    json_decref(out);
    if (rc < 0 && rc != OG_EPENDING) {
        /* The renewal recorded its failure on the plan (event certs.renew.failed, backoff): the
         * plan's schedule retries it, a retried event would only add attempts. */
        fprintf(stderr, "opsgate: acme: renewing plan %s on its expiry alert: %s\n", c.plan,
                og_error_last());
        og_error_clear();
    }
    return 0;
}

/* An alert of the plan's rules: an overdue renewal is tried again now (its plan's schedule may
 * not be running); the other rules need a person. */
static int on_alert(og_ctx *ctx, const og_event *ev, void *arg)
{
    (void)arg;
    if (!og_streq(json_string_value(json_object_get(ev->payload, "rule")), "renewal-overdue"))
        return 0;
    return on_expiry(ctx, ev, "renew-on-alert");
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int register_result;

static void register_all(void)
{
    int rc = og_events_subscribe("renew-on-expiry", "certs.expir*", on_expiry, NULL);
    if (rc == 0 || rc == OG_EEXISTS)
        rc = og_events_subscribe("renew-on-alert", "certs.alert", on_alert, NULL);
    register_result = rc == OG_EEXISTS ? 0 : rc;
    og_certs_renewal_register(renewal_plan);
    og_acme__alert_rules_register();
    og_error_clear();
}

int og_acme_renew_trigger_register(void)
{
    pthread_once(&once, register_all);
    return register_result;
}
