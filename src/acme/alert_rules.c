/* alert_rules.c - what is wrong with a renewal plan, for the inventory's alerts: a renewal
 * overdue or failing, the renewed certificate's deploy rolled back, an endpoint serving another
 * certificate than the one deployed; a stalled renewal opens an L3 task with a recommendation;
 * and the plans' next renewals for the calendar. */
#include "acme/acme_internal.h"
#include "opsgate/deploy.h"
#include "opsgate/gate.h"
#include "opsgate/infer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STALLED_KIND "certs.renew.stalled"
#define CA_DAYS      30

/* One plan with a current certificate. */
typedef struct plan_row {
    char id[OG_ID_LEN], fp[65], names[512], last_error[1024], ca[512];
    int64_t nb, na, renew_at, ari_end; /* ari_end 0: the CA gave no ARI window */
    int failures;
} plan_row;

static void names_text(const char *json, char *out, size_t size)
{
    json_t *a = json ? json_loads(json, 0, NULL) : NULL, *v;
    size_t i, o = 0;
    out[0] = '\0';
    json_array_foreach(a, i, v)
    {
        int w = snprintf(out + o, size - o, "%s%s", i ? ", " : "", json_string_value(v));
        if (w < 0 || (size_t)w >= size - o)
            break;
        o += (size_t)w;
    }
    json_decref(a);
}

static json_t *problem(const plan_row *p, const char *rule, int severity, const char *message,
                       const char *action, json_t *details)
{
    json_t *d = details ? details : json_object();
    json_object_set_new(d, "plan", json_string(p->id));
    json_object_set_new(d, "names", json_string(p->names));
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:o}", "fingerprint", p->fp, "rule", rule,
                     "severity", severity, "message", message, "action", action, "plan", p->id,
                     "details", d);
}

/* What to try for a CA error of type t (og_infer_ca_error_type). */
static const char *remedy_of(const char *t)
{
    if (og_streq(t, "rateLimited"))
        return "the CA rate-limits this account or these names: wait for the time its message "
               "names before renewing again, and look for other plans or hosts ordering the same "
               "names";
    if (og_streq(t, "dns"))
        return "the CA could not find the names in DNS: check their A/AAAA records (http-01, "
               "tls-alpn-01) or the _acme-challenge TXT record and the DNS provider's "
               "credentials (dns-01)";
    if (og_streq(t, "connection") || og_streq(t, "timeout"))
        return "the CA or the challenge could not be reached: check that port 80 (http-01) or "
               "443 (tls-alpn-01) reaches the challenge listener from the CA, firewalls and "
               "proxies included, and that the CA's directory answers";
    if (og_streq(t, "unauthorized") || og_streq(t, "incorrectResponse"))
        return "the CA reached a server that did not answer the challenge: check that the names "
               "point at the host serving the challenge (or that the TXT record is published)";
    if (og_streq(t, "caa"))
        return "a CAA record of the domain forbids this CA: add the CA to the CAA records or "
               "order from another CA";
    if (og_streq(t, "badNonce"))
        return "a passing protocol error: renew the plan again";
    if (og_streq(t, "accountDoesNotExist"))
        return "the CA does not accept the ACME account any more: create a new account and move "
               "the plan to it";
    return "read the CA's error, fix its cause, then renew the plan";
}

/* The plan's rules: overdue (the end of the CA's ARI window when it gave one, else two thirds
 * of the lifetime), failing. */
static int plan_rules(const plan_row *p, int64_t now, json_t *problems)
{
    char due[OG_TIME_LEN], na[OG_TIME_LEN], msg[2048], act[1024];
    int64_t life = p->na - p->nb, due_us = p->ari_end > 0 ? p->ari_end : p->nb + life / 3 * 2;
    const char *type = p->last_error[0] ? og_infer_ca_error_type(p->last_error) : "";
    og_time_format(due_us, due);
    og_time_format(p->na, na);
    if (life > 0 && now >= due_us) {
        int sev = p->na <= now              ? OG_CERTS_ALERT_EXPIRED
                  : p->na - now <= life / 6 ? OG_CERTS_ALERT_CRITICAL
                                            : OG_CERTS_ALERT_WARNING;
        snprintf(msg, sizeof(msg),
                 "renewal of %s (plan %s) is overdue: %s passed on %s without a new "
                 "certificate; it %s on %s%s%s",
                 p->names, p->id,
                 p->ari_end > 0 ? "the CA's renewal window (ARI)"
                                : "two thirds of the certificate's lifetime",
                 due, p->na <= now ? "expired" : "expires", na,
                 p->last_error[0] ? "; last error: " : "", p->last_error);
        snprintf(act, sizeof(act), "%s; then renew the plan now%s",
                 p->last_error[0] ? remedy_of(type)
                                  : "find why the renewer has not run (is `opsgate serve` "
                                    "running its jobs?)",
                 p->na <= now ? " and deploy the new certificate: the served one is expired"
                              : " before it expires");
        json_t *pr = problem(p, "renewal-overdue", sev, msg, act,
                             json_pack("{s:s, s:s, s:s, s:i, s:s?}", "due", due, "due_by",
                                       p->ari_end > 0 ? "ari-window" : "two-thirds", "not_after",
                                       na, "failures", p->failures, "last_error",
                                       p->last_error[0] ? p->last_error : NULL));
        if (!pr || json_array_append_new(problems, pr) < 0)
            return og_error_set(OG_ERROR, "out of memory");
    }
    if (p->failures >= OG_ACME_ALERT_FAILURES) {
        snprintf(msg, sizeof(msg), "renewal of %s (plan %s) failed %d times in a row: %s", p->names,
                 p->id, p->failures, p->last_error[0] ? p->last_error : "no error kept");
        snprintf(act, sizeof(act), "%s; the current certificate stays in place until %s",
                 remedy_of(type), na);
        json_t *pr = problem(p, "renewal-failing",
                             p->failures >= 2 * OG_ACME_ALERT_FAILURES ? OG_CERTS_ALERT_CRITICAL
                                                                       : OG_CERTS_ALERT_WARNING,
                             msg, act,
                             json_pack("{s:i, s:s?, s:s}", "failures", p->failures, "last_error",
                                       p->last_error[0] ? p->last_error : NULL, "error_type",
                                       type[0] ? type : "none"));
        if (!pr || json_array_append_new(problems, pr) < 0)
            return og_error_set(OG_ERROR, "out of memory");
    }
    return 0;
}

/* "host:port" as the scanner records a target (v6 in brackets). */
static void location_of(const og_deploy_endpoint *ep, char *out, size_t size)
{
    snprintf(out, size, strchr(ep->host, ':') ? "[%s]:%d" : "%s:%d", ep->host, ep->port);
}

/* The deploy rules of the plan's current certificate over the tenant's targets: the targets
 * whose last deploy of it rolled back, and those whose endpoint a later scan saw serving
 * another certificate. */
static int deploy_rules(og_ctx *ctx, const char *tid, const plan_row *p, json_t *targets,
                        json_t *problems)
{
    json_t *failed = json_array(), *mismatch = json_array(), *t;
    char msg[2048], act[1024], list[512] = "";
    size_t i, o = 0;
    int error = 0;
    json_array_foreach(targets, i, t)
    {
        json_t *ld = json_object_get(t, "last_deploy");
        const char *name = json_string_value(json_object_get(t, "name"));
        const char *state = json_string_value(json_object_get(ld, "state"));
        if (!og_streq(json_string_value(json_object_get(ld, "fingerprint")), p->fp))
            continue;
        if (og_streq(state, "rolled-back") || og_streq(state, "rollback-failed")) {
            json_array_append_new(failed, json_pack("{s:s, s:s}", "target", name, "state", state));
            continue;
        }
        if (!og_streq(state, "verified"))
            continue;
        int64_t at = 0;
        if (og_time_parse(json_string_value(json_object_get(ld, "at")), &at) < 0) {
            og_error_clear();
            continue;
        }
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(t, "endpoints"), j, e)
        {
            og_deploy_endpoint ep;
            char loc[300], served[65];
            int64_t seen = 0;
            if (og_deploy_endpoint_parse(json_string_value(e), &ep) < 0) {
                og_error_clear();
                continue;
            }
            location_of(&ep, loc, sizeof(loc));
            const char *sni =
                ep.sni[0] ? ep.sni
                : (strchr(ep.host, ':') || strspn(ep.host, "0123456789.") == strlen(ep.host))
                    ? ""
                    : ep.host;
            int rc = og_certs_served_at(ctx, tid, loc, sni, served, &seen);
            if (rc < 0) {
                error = rc;
                goto cleanup;
            }
            if (rc == 1 && seen > at && !og_streq(served, p->fp))
                json_array_append_new(mismatch, json_pack("{s:s, s:s, s:s, s:s}", "target", name,
                                                          "endpoint", json_string_value(e),
                                                          "served", served, "deployed", p->fp));
        }
    }
    if (json_array_size(failed)) {
        json_array_foreach(failed, i, t)
        {
            int w = snprintf(list + o, sizeof(list) - o, "%s%s (%s)", i ? ", " : "",
                             json_string_value(json_object_get(t, "target")),
                             json_string_value(json_object_get(t, "state")));
            if (w < 0 || (size_t)w >= sizeof(list) - o)
                break;
            o += (size_t)w;
        }
        snprintf(msg, sizeof(msg),
                 "the deploy of the renewed certificate of %s (plan %s) failed: %s", p->names,
                 p->id, list);
        snprintf(act, sizeof(act),
                 "the target%s still serve%s the previous certificate: read why verification "
                 "failed in the deploy's gate item or audit record, fix the target (files, "
                 "reload, the endpoint it verifies), then deploy the plan's current certificate "
                 "to it again before the previous one expires",
                 json_array_size(failed) > 1 ? "s" : "", json_array_size(failed) > 1 ? "" : "s");
        json_t *pr = problem(p, "deploy-failed", OG_CERTS_ALERT_CRITICAL, msg, act,
                             json_pack("{s:O}", "targets", failed));
        if (!pr || json_array_append_new(problems, pr) < 0) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
    if (json_array_size(mismatch)) {
        json_t *m = json_array_get(mismatch, 0);
        snprintf(msg, sizeof(msg),
                 "%s serves certificate %.16s..., not %.16s... which was deployed to target %s"
                 " for %s (plan %s)%s",
                 json_string_value(json_object_get(m, "endpoint")),
                 json_string_value(json_object_get(m, "served")), p->fp,
                 json_string_value(json_object_get(m, "target")), p->names, p->id,
                 json_array_size(mismatch) > 1 ? ", and more endpoints" : "");
        snprintf(act, sizeof(act),
                 "find what answers on the endpoint (another listener, a load balancer or CDN "
                 "with its own copy, a reload that did not happen), make it serve the deployed "
                 "certificate, then scan the endpoint again");
        json_t *pr = problem(p, "served-mismatch", OG_CERTS_ALERT_CRITICAL, msg, act,
                             json_pack("{s:O}", "endpoints", mismatch));
        if (!pr || json_array_append_new(problems, pr) < 0) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
cleanup:
    json_decref(failed);
    json_decref(mismatch);
    return error;
}

#define PLANS_SQL                                                                                  \
    "SELECT p.id, p.names, p.failures, p.last_error, p.renew_at_us, c.fingerprint,"                \
    " c.not_before_us, c.not_after_us, a.directory_url, p.ari_end_us FROM acme_plans p JOIN"       \
    " acme_certs c ON"                                                                             \
    " c.id = p.current_cert JOIN acme_accounts a ON a.id = p.account_id WHERE p.tenant_id = ? AND" \
    " c.status = 'current' ORDER BY p.id LIMIT 10000"

static void plan_read(og_stmt *st, plan_row *p)
{
    memset(p, 0, sizeof(*p));
    og_strlcpy(p->id, og_stmt_col_text(st, 0), sizeof(p->id));
    names_text(og_stmt_col_text(st, 1), p->names, sizeof(p->names));
    p->failures = (int)og_stmt_col_int(st, 2);
    if (og_stmt_col_text(st, 3))
        og_strlcpy(p->last_error, og_stmt_col_text(st, 3), sizeof(p->last_error));
    p->renew_at = og_stmt_col_is_null(st, 4) ? 0 : og_stmt_col_int(st, 4);
    og_strlcpy(p->fp, og_stmt_col_text(st, 5), sizeof(p->fp));
    p->nb = og_stmt_col_int(st, 6);
    p->na = og_stmt_col_int(st, 7);
    og_strlcpy(p->ca, og_stmt_col_text(st, 8) ? og_stmt_col_text(st, 8) : "", sizeof(p->ca));
    p->ari_end = og_stmt_col_is_null(st, 9) ? 0 : og_stmt_col_int(st, 9);
}

static int check(og_ctx *ctx, const char *tenant_id, json_t *problems)
{
    og_stmt *st = NULL;
    json_t *targets = NULL;
    plan_row *p = NULL;
    int error, rc;
    int64_t now = og_time_now_us();
    if (!(p = malloc(sizeof(*p))))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_stmt_prepare_args(&st, ctx->store, PLANS_SQL, "t", tenant_id)) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        plan_read(st, p);
        if ((error = plan_rules(p, now, problems)) < 0)
            goto cleanup;
        if (!targets && (error = og_deploy_target_list(ctx, tenant_id, &targets)) < 0)
            goto cleanup;
        if ((error = deploy_rules(ctx, tenant_id, p, targets, problems)) < 0)
            goto cleanup;
    }
    error = rc < 0 ? rc : 0;
cleanup:
    og_stmt_free(st);
    json_decref(targets);
    free(p);
    return error;
}

/* The task's item: nothing runs (a person acts on the recommendation). */
static int stalled_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                           const og_gate_staged *staged, json_t **result)
{
    (void)ctx;
    (void)tenant_id;
    (void)staged;
    *result = json_pack("{s:O?, s:s}", "plan", json_object_get(params, "plan"), "next",
                        "fix the cause named in the recommendation, then renew the plan");
    return 0;
}

static const og_action_kind stalled_kind = {
    .name = STALLED_KIND,
    .area = "certs",
    .default_level = OG_GATE_L3,
    .description = "a renewal that is overdue or fails again and again: a person fixes the cause "
                   "named in the recommendation (the CA's error, what to try) and renews the plan",
    .execute = stalled_execute,
    .rollback = NULL,
    .command = "the expiry pass of `opsgate cert expiry` and `opsgate serve`",
    .route = "none (raised by the alert rules)",
};

int og_acme__stalled_kind_register(void)
{
    if (og_gate_kind_find(STALLED_KIND))
        return 0;
    return og_gate_kind_register(&stalled_kind);
}

/* Whether tenant_id has an open task of the stalled kind for plan. */
static int task_open_for(og_ctx *ctx, const char *tenant_id, const char *plan)
{
    json_t *items = NULL, *it;
    size_t i;
    int found = 0, error;
    if ((error = og_gate_list(ctx, tenant_id, "task", &items)) < 0)
        return error;
    json_array_foreach(items, i, it)
    {
        if (og_streq(json_string_value(json_object_get(it, "kind")), STALLED_KIND) &&
            og_streq(json_string_value(json_object_get(it, "target_id")), plan))
            found = 1;
    }
    json_decref(items);
    return found;
}

/* A stalled renewal (overdue, failing) becomes an L3 task with the recommendation, once while
 * one is open for the plan. */
static int raised(og_ctx *ctx, const char *tenant_id, json_t *alert, char gate_id[OG_ID_LEN])
{
    const char *rule = json_string_value(json_object_get(alert, "rule"));
    const char *plan = json_string_value(json_object_get(alert, "plan"));
    json_t *d = json_object_get(alert, "details"), *params = NULL, *analysis = NULL;
    og_stmt *st = NULL;
    og_gate_outcome oc;
    char subject[OG_GATE_SUBJECT_MAX + 1], ca[512] = "";
    int error, rc;
    gate_id[0] = '\0';
    memset(&oc, 0, sizeof(oc));
    if (!plan || !(og_streq(rule, "renewal-overdue") || og_streq(rule, "renewal-failing")))
        return 0;
    if ((rc = task_open_for(ctx, tenant_id, plan)) != 0)
        return rc < 0 ? rc : 0;
    if ((error = og_acme__stalled_kind_register()) < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT a.directory_url, p.last_error FROM acme_plans p JOIN"
                                      " acme_accounts a ON a.id = p.account_id WHERE p.tenant_id ="
                                      " ? AND p.id = ?",
                                      "tt", tenant_id, plan)) < 0)
        return error;
    const char *last = NULL;
    char last_buf[1024] = "";
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(ca, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "", sizeof(ca));
        if (og_stmt_col_text(st, 1)) {
            og_strlcpy(last_buf, og_stmt_col_text(st, 1), sizeof(last_buf));
            last = last_buf;
        }
    }
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    const char *type = last ? og_infer_ca_error_type(last) : "none";
    snprintf(subject, sizeof(subject), "stalled renewal of %s: %s",
             json_string_value(json_object_get(d, "names")),
             json_string_value(json_object_get(alert, "message")));
    params = json_pack("{s:s, s:s}", "plan", plan, "rule", rule);
    analysis = json_pack("{s:s, s:O?, s:s, s:s?, s:s, s:s, s:s, s:O?}", "plan", plan, "names",
                         json_object_get(d, "names"), "what_failed",
                         json_string_value(json_object_get(alert, "message")), "ca_error", last,
                         "ca_error_type", type, "ca", ca, "recommendation",
                         json_string_value(json_object_get(alert, "action")), "alert",
                         json_object_get(alert, "id"));
    if (!params || !analysis) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (ca[0] && (error = og_infer_ca_errors(ctx, tenant_id, ca, CA_DAYS, analysis)) < 0)
        goto cleanup;
    og_gate_about about = {.target_type = "acme_plan",
                           .target_id = plan,
                           .subject = subject,
                           .object = json_string_value(json_object_get(d, "names"))};
    error = og_gate_request_about(ctx, tenant_id, STALLED_KIND, &about, params, analysis, &oc);
    if (error == OG_EPENDING || error == 0) {
        og_error_clear();
        og_strlcpy(gate_id, oc.gate_id, OG_ID_LEN);
        error = 0;
    }
cleanup:
    json_decref(oc.result);
    json_decref(params);
    json_decref(analysis);
    return error;
}

/* The calendar's renewals: each plan's next renewal time. */
static int renewals(og_ctx *ctx, const char *tenant_id, json_t *out)
{
    og_stmt *st = NULL;
    plan_row p;
    int error, rc;
    if ((error = og_stmt_prepare_args(&st, ctx->store, PLANS_SQL, "t", tenant_id)) < 0)
        return error;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        plan_read(st, &p);
        if (!p.renew_at)
            continue;
        json_t *r = json_pack("{s:s, s:s, s:I, s:s}", "fingerprint", p.fp, "plan", p.id, "at_us",
                              (json_int_t)p.renew_at, "names", p.names);
        if (!r || json_array_append_new(out, r) < 0) {
            rc = og_error_set(OG_ERROR, "out of memory");
            break;
        }
    }
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

void og_acme__alert_rules_register(void)
{
    og_certs_alert_source_register(check, raised);
    og_certs_calendar_renewals_register(renewals);
}
