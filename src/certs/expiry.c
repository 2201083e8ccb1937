/* expiry.c - expiry alerts (each threshold crossing alerted once, with its event in the same
 * transaction) and the certificate gauges of /metrics. */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bits of the thresholds already alerted for one certificate: bit i = thresholds[i], and
 * bit 31 = expired (threshold 0). */
#define EXPIRED_BIT (1u << 31)

static int alerted_mask(og_stmt *st, const char *tenant_id, const char *fp,
                        const og_certs_policy *p, unsigned *mask)
{
    int rc;
    *mask = 0;
    og_stmt_reset(st);
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, fp);
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        int th = (int)og_stmt_col_int(st, 0);
        if (th == 0)
            *mask |= EXPIRED_BIT;
        for (int i = 0; i < p->nthresholds; i++)
            if (p->thresholds[i] == th)
                *mask |= 1u << i;
    }
    return rc < 0 ? rc : 0;
}

/* Where the certificate was seen, newest first (at most 20), as a JSON array in *out. */
static int locations_of(og_store *s, const char *tenant_id, const char *fp, json_t **out)
{
    og_stmt *st = NULL;
    json_t *a = json_array();
    int rc;
    *out = NULL;
    if (!a)
        return og_error_set(OG_ERROR, "out of memory");
    if ((rc = og_stmt_prepare(&st, s,
                              "SELECT kind, location, sni FROM cert_sightings WHERE tenant_id = ?"
                              " AND fingerprint = ? ORDER BY last_seen_us DESC LIMIT 20")) < 0) {
        json_decref(a);
        return rc;
    }
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, fp);
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *sni = og_stmt_col_text(st, 2);
        json_t *l = json_pack("{s:s, s:s}", "kind", og_stmt_col_text(st, 0), "location",
                              og_stmt_col_text(st, 1));
        if (sni && *sni)
            json_object_set_new(l, "sni", json_string(sni));
        json_array_append_new(a, l);
    }
    og_stmt_free(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return 0;
}

/* For the alert's readers: the certificate's DNS and IP names (its SANs, without the "DNS:"
 * prefix), from the stored certificate info. */
static json_t *names_of(const char *info_text)
{
    json_t *info = info_text ? json_loads(info_text, 0, NULL) : NULL, *names = json_array(), *x;
    size_t i;
    json_array_foreach(json_object_get(info, "sans"), i, x)
    {
        const char *n = json_string_value(x);
        if (n && (strncmp(n, "DNS:", 4) == 0 || strncmp(n, "IP:", 3) == 0) &&
            json_array_size(names) < 20)
            json_array_append_new(names, json_string(strchr(n, ':') + 1));
    }
    json_decref(info);
    return names;
}

/* The module that renews certificates (acme), when one registered: the alert says whether
 * opsgate renews the certificate (that module does, on this very event) or a person has to. */
static _Atomic(og_certs_renewal_fn) renewal_fn;

void og_certs_renewal_register(og_certs_renewal_fn fn)
{
    atomic_store(&renewal_fn, fn);
}

/* The renewal plan whose current certificate this is ("" when none). A failed lookup is the
 * alert's failure, not an alert without its plan. */
int og_certs__renewal_plan_of(og_store *s, const char *tenant_id, const char *fp,
                              char out[OG_ID_LEN])
{
    og_certs_renewal_fn fn = atomic_load(&renewal_fn);
    int rc = fn ? fn(s, tenant_id, fp, out) : 0;
    if (rc <= 0)
        out[0] = '\0';
    return rc < 0 ? rc : 0;
}

static int record_alert(og_stmt *ins, const char *tenant_id, const char *fp, int threshold,
                        const char *event_id, const char *now)
{
    og_stmt_reset(ins);
    og_stmt_bind_text(ins, 1, tenant_id);
    og_stmt_bind_text(ins, 2, fp);
    og_stmt_bind_int(ins, 3, threshold);
    og_stmt_bind_text(ins, 4, event_id);
    og_stmt_bind_text(ins, 5, now);
    int rc = og_stmt_step(ins);
    return rc < 0 ? rc : 0;
}

/* The payload of an app credential's alert (id fp, ending at end_us, left_us to go, the
 * thresholds crossed in list, stolen): kind, id (also as fingerprint, the key alert readers
 * such as PSA tickets follow), label, app_name, app_id, object_type, object_id, type, name, hint,
 * key_id, end (= not_after), days_left, threshold_days, crossed. New reference in *out. */
static int app_payload(og_store *s, const char *tenant_id, const char *fp, int64_t end_us,
                       int64_t left_us, int threshold, json_t *list, json_t **out)
{
    og_stmt *st = NULL;
    char end[OG_TIME_LEN], label[OG_CERTS__LABEL_MAX];
    int error, rc;
    *out = NULL;
    og_time_format(end_us, end);
    if ((error = og_stmt_prepare_args(&st, s,
                                      "SELECT app_name, app_id, object_type, object_id, type, name,"
                                      " hint, key_id FROM cert_app_credentials WHERE tenant_id = ?"
                                      " AND fingerprint = ?",
                                      "tt", tenant_id, fp)) < 0)
        goto cleanup;
    if ((rc = og_stmt_step(st)) != OG_ROW) {
        error = rc < 0 ? rc : og_error_set(OG_ECORRUPT, "app credential %s has no details", fp);
        goto cleanup;
    }
    const char *c[8];
    for (int i = 0; i < 8; i++)
        c[i] = og_stmt_col_text(st, i) ? og_stmt_col_text(st, i) : "";
    og_certs__app_label(c[0], c[1], c[4], c[5], c[7], label, sizeof(label));
    *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I,"
                     " s:i, s:O}",
                     "kind", OG_CERTS_KIND_APP, "id", fp, "fingerprint", fp, "label", label,
                     "app_name", c[0], "app_id", c[1], "object_type", c[2], "object_id", c[3],
                     "type", c[4], "name", c[5], "hint", c[6], "key_id", c[7], "end", end,
                     "not_after", end, "days_left", (json_int_t)og_certs__days_left(left_us),
                     "threshold_days", threshold, "crossed", list);
    if (!*out)
        error = og_error_set(OG_ERROR, "out of memory");
cleanup:
    og_stmt_free(st);
    json_decref(list);
    return error;
}

/* The event payload of the alert for the entry at sel's row (fingerprint, subject, not_after_us,
 * info, kind) with left_us to go: the thresholds crossed (list, stolen), where it was seen, its
 * names and its renewal plan; an app credential's is app_payload's. New reference in *out. */
static int alert_payload(og_store *s, const char *tenant_id, og_stmt *sel, int64_t left_us,
                         int threshold, json_t *list, json_t **out)
{
    const char *fp = og_stmt_col_text(sel, 0);
    char dl[OG_TIME_LEN], plan[OG_ID_LEN];
    json_t *locs = NULL, *payload = NULL;
    int error;
    if (og_streq(og_stmt_col_text(sel, 4), OG_CERTS_KIND_APP))
        return app_payload(s, tenant_id, fp, og_stmt_col_int(sel, 2), left_us, threshold, list,
                           out);
    if ((error = locations_of(s, tenant_id, fp, &locs)) < 0) {
        json_decref(list);
        return error;
    }
    og_time_format(og_stmt_col_int(sel, 2), dl);
    payload = json_pack("{s:s, s:s, s:s, s:I, s:i, s:o, s:o}", "fingerprint", fp, "subject",
                        og_stmt_col_text(sel, 1), "not_after", dl, "days_left",
                        (json_int_t)og_certs__days_left(left_us), "threshold_days", threshold,
                        "crossed", list, "locations", locs);
    if ((error = og_certs__renewal_plan_of(s, tenant_id, fp, plan)) < 0) {
        json_decref(payload);
        return error;
    }
    json_object_set_new(payload, "kind", json_string(OG_CERTS_KIND_X509));
    json_object_set_new(payload, "names", names_of(og_stmt_col_text(sel, 3)));
    if (plan[0])
        json_object_set_new(payload, "renewal_plan", json_string(plan));
    *out = payload;
    return 0;
}

/* When a threshold of th days applies to a certificate living lifetime_us: th days before its
 * expiry, or, with the policy's lifetime share on, the same share of its lifetime when it lives
 * less than the reference (a 47-day
 * certificate's 30-day threshold applies 15.7 days before expiry, a 5-day one's 1.7 days). */
static int64_t threshold_us(const og_certs_policy *p, int th, int64_t lifetime_us)
{
    int64_t ref = (int64_t)OG_CERTS_THRESHOLD_REF_DAYS * OG_DAY_US;
    if (p->lifetime_share != OG_CERTS_SHARE_ON || lifetime_us <= 0 || lifetime_us >= ref)
        return (int64_t)th * OG_DAY_US;
    return (int64_t)((double)th * (double)OG_DAY_US * (double)lifetime_us / (double)ref);
}

/* The days-left alert of the entry at sel's row as a problem (what is wrong, what to do). */
static json_t *days_left_problem(og_stmt *sel, int64_t left_us, int severity, const char *plan,
                                 const char *not_after)
{
    char msg[1024], act[1024];
    const char *subject = og_stmt_col_text(sel, 1) ? og_stmt_col_text(sel, 1) : "?";
    int app = og_streq(og_stmt_col_text(sel, 4), OG_CERTS_KIND_APP);
    long long days = (long long)og_certs__days_left(left_us);
    if (left_us <= 0)
        snprintf(msg, sizeof(msg), "%s %s expired on %s%s%s",
                 app ? "app credential" : "certificate", subject, not_after,
                 plan[0] ? "; its renewal plan did not replace it: plan " : "", plan);
    else
        snprintf(msg, sizeof(msg), "%s %s expires in %lld day%s (%s) and nothing renews it here",
                 app ? "app credential" : "certificate", subject, days, days == 1 ? "" : "s",
                 not_after);
    if (app)
        snprintf(act, sizeof(act),
                 "add a new %s to the app, roll it out to what uses it, then remove the old one%s",
                 left_us <= 0 ? "credential now" : "credential before it expires",
                 left_us <= 0 ? ": whatever still uses this one fails to sign in" : "");
    else if (left_us <= 0)
        snprintf(act, sizeof(act), "replace it now wherever it is served (its locations); %s",
                 plan[0] ? "see the plan's last error and renew the plan once the cause is fixed"
                         : "issue the new one through an ACME renewal plan so that it is renewed "
                           "and deployed from then on");
    else
        snprintf(act, sizeof(act),
                 "renew it at its CA before %s and deploy it wherever it is served (its "
                 "locations), or move it to an ACME renewal plan: opsgate then renews and "
                 "deploys it and alerts only when that goes wrong",
                 not_after);
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s?, s:{s:I, s:s}}", "fingerprint",
                     og_stmt_col_text(sel, 0), "rule", OG_CERTS_RULE_DAYS_LEFT, "severity",
                     severity, "message", msg, "action", act, "plan", plan[0] ? plan : NULL,
                     "details", "days_left", (json_int_t)days, "not_after", not_after);
}

/* The crossings (bits of pol's thresholds) and expiry of the entry at sel's row: its alert row
 * noted, and unless that alert is acknowledged or snoozed at this severity its event emitted;
 * the crossings recorded either way. *n counts the events. */
static int crossing_raise(og_ctx *ctx, const char *tenant_id, og_stmt *sel, og_stmt *ins,
                          const og_certs_policy *pol, unsigned crossed, int expired,
                          const char *plan, int64_t now, const char *now_s, json_t *summary, int *n)
{
    const char *fp = og_stmt_col_text(sel, 0);
    int64_t na = og_stmt_col_int(sel, 2);
    char dl[OG_TIME_LEN];
    int error;
    /*
     * One event per certificate per pass, for the tightest threshold newly crossed: a
     * certificate first seen 5 days before expiry has crossed 30, 14 and 7 at once, and one
     * alert saying so is what a human wants. The looser crossings are recorded with the same
     * event, so none of them is ever alerted later. Expiry itself replaces them all.
     */
    int tightest = 0, last = 0;
    json_t *list = json_array();
    for (int i = 0; i < pol->nthresholds; i++)
        if (crossed & (1u << i)) {
            tightest = pol->thresholds[i];
            last = i == pol->nthresholds - 1;
            json_array_append_new(list, json_integer(pol->thresholds[i]));
        }
    /* its alert row: an acknowledged or snoozed alert is not raised again for a crossing
     * of the same severity (the crossing is recorded all the same) */
    char aid[OG_ID_LEN], ev[OG_ID_LEN] = "";
    int raise = 0;
    og_time_format(na, dl);
    json_t *prob = days_left_problem(sel, na - now,
                                     expired ? OG_CERTS_ALERT_EXPIRED
                                     : last  ? OG_CERTS_ALERT_CRITICAL
                                             : OG_CERTS_ALERT_WARNING,
                                     plan, dl);
    error = prob ? og_certs__alert_note(ctx, tenant_id, prob, now, 1, aid, &raise)
                 : og_error_set(OG_ERROR, "out of memory");
    json_decref(prob);
    if (error < 0) {
        json_decref(list);
        return error;
    }
    if (raise) {
        json_t *payload = NULL;
        if ((error = alert_payload(ctx->store, tenant_id, sel, na - now, expired ? 0 : tightest,
                                   list, &payload)) < 0)
            return error;
        json_object_set_new(payload, "alert_id", json_string(aid));
        error = og_event_emit(ctx, tenant_id, expired ? "certs.expired" : "certs.expiring", payload,
                              ev);
        json_decref(payload);
        if (error < 0 || (error = og_certs__alert_raised(ctx, aid, ev, NULL)) < 0)
            return error;
    } else {
        json_decref(list);
    }
    for (int i = 0; i < pol->nthresholds; i++)
        if ((crossed & (1u << i)) && (error = record_alert(ins, tenant_id, fp, pol->thresholds[i],
                                                           raise ? ev : NULL, now_s)) < 0)
            return error;
    if (expired && (error = record_alert(ins, tenant_id, fp, 0, raise ? ev : NULL, now_s)) < 0)
        return error;
    if (json_array_size(summary) < 100)
        json_array_append_new(summary,
                              json_pack("{s:s, s:i, s:b}", "fingerprint", fp, "threshold_days",
                                        expired ? 0 : tightest, "raised", raise));
    *n += raise;
    return 0;
}

/* One tenant, in its own transaction (nested if the caller has one); with rules, the alert
 * rules of the renewing module too (og_certs__alert_rules_run). */
static int expiry_tenant(og_ctx *ctx, const char *tenant_id, int rules, int *raised)
{
    int error = -1, rc;
    og_certs_policy pol;
    og_stmt *sel = NULL, *al = NULL, *ins = NULL;
    json_t *summary = json_array();
    int64_t now = og_time_now_us();
    char now_s[OG_TIME_LEN];
    int n = 0, nrules = 0;
    og_time_format(now, now_s);
    memset(&pol, 0, sizeof(pol));
    if ((error = og_store_tx_begin(ctx->store)) < 0) {
        json_decref(summary);
        return error;
    }
    if ((error = og_certs__policy_load(ctx->store, tenant_id, &pol)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(
             &sel, ctx->store,
             "SELECT fingerprint, subject, not_after_us, info, kind, not_before_us FROM certs"
             " WHERE tenant_id = ? AND not_after_us <= ? ORDER BY not_after_us"
             " LIMIT 100000")) < 0 ||
        (error = og_stmt_prepare(&al, ctx->store,
                                 "SELECT threshold_days FROM cert_alerts WHERE tenant_id = ? AND"
                                 " fingerprint = ?")) < 0 ||
        (error = og_stmt_prepare(&ins, ctx->store,
                                 "INSERT INTO cert_alerts (tenant_id, fingerprint, threshold_days,"
                                 " event_id, raised_at) VALUES (?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(sel, 1, tenant_id);
    og_stmt_bind_int(sel, 2, now + (int64_t)pol.thresholds[0] * OG_DAY_US);
    while ((rc = og_stmt_step(sel)) == OG_ROW) {
        char fp[65], plan[OG_ID_LEN];
        unsigned mask, crossed = 0;
        og_strlcpy(fp, og_stmt_col_text(sel, 0), sizeof(fp));
        int64_t na = og_stmt_col_int(sel, 2), life = na - og_stmt_col_int(sel, 5);
        if ((error = alerted_mask(al, tenant_id, fp, &pol, &mask)) < 0)
            goto cleanup;
        if (mask & EXPIRED_BIT)
            continue; /* expiry said it all; thresholds added later do not apply */
        for (int i = 0; i < pol.nthresholds; i++)
            if (na - now <= threshold_us(&pol, pol.thresholds[i], life) && !(mask & (1u << i)))
                crossed |= 1u << i;
        int expired = na <= now && !(mask & EXPIRED_BIT);
        if (!crossed && !expired)
            continue;
        /* A certificate a renewal plan renews raises no days-left alert: its plan's rules
         * (og_certs_alert_source_register) alert when the renewal is overdue or fails. Its
         * expiry is still alerted: nothing is worse. */
        if ((error = og_certs__renewal_plan_of(ctx->store, tenant_id, fp, plan)) < 0)
            goto cleanup;
        if (plan[0] && !expired)
            continue;
        if ((error = crossing_raise(ctx, tenant_id, sel, ins, &pol, crossed, expired, plan, now,
                                    now_s, summary, &n)) < 0)
            goto cleanup;
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if (json_array_size(summary) > 0) {
        json_t *analysis = json_pack("{s:i, s:o}", "alerts", n, "certificates", summary);
        summary = NULL;
        error = og_audit_log(ctx, tenant_id, "certs", "certs.expiry.alert", "tenant", tenant_id,
                             analysis);
        json_decref(analysis);
        if (error < 0)
            goto cleanup;
    }
    /* the renewing module's rules: overdue or failing renewals, failed deploys, ... */
    if (rules && (error = og_certs__alert_rules_run(ctx, tenant_id, now, &nrules)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if ((error = og_store_tx_end(ctx->store, error)) >= 0 && raised)
        *raised += n + nrules;
    og_certs_policy_clear(&pol);
    og_stmt_free(sel);
    og_stmt_free(al);
    og_stmt_free(ins);
    json_decref(summary);
    return error;
}

/* Distinct tenant ids that have certificates (at most 100000). Caller decrefs. */
static int tenants_with_certs(og_store *s, json_t **out)
{
    og_stmt *st = NULL;
    int error, rc;
    json_t *a = json_array();
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT DISTINCT tenant_id FROM certs ORDER BY tenant_id"
                                 " LIMIT 100000")) < 0) {
        json_decref(a);
        return error;
    }
    while ((rc = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(a, json_string(og_stmt_col_text(st, 0)));
    og_stmt_free(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return 0;
}

int og_certs_expiry_run(og_ctx *ctx, const char *tenant, int *raised)
{
    int error;
    json_t *ids = NULL;
    if (raised)
        *raised = 0;
    if (tenant) {
        og_tenant t;
        if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
            return error;
        return expiry_tenant(ctx, t.id, 1, raised);
    }
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = tenants_with_certs(ctx->store, &ids)) < 0)
        return error;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        /* A tenant whose key is revoked or withdrawn is skipped (counted), not alerted about. */
        if ((error = og_crypto_job_check(ctx->store, json_string_value(v), "certs.expiry")) ==
            OG_ELOCKED) {
            og_error_clear();
            error = 0;
            continue;
        }
        if (error < 0 || (error = expiry_tenant(ctx, json_string_value(v), 1, raised)) < 0)
            break;
    }
    json_decref(ids);
    return error < 0 ? error : 0;
}

int og_certs__expiry_days_left(og_ctx *ctx, const char *tenant_id)
{
    return expiry_tenant(ctx, tenant_id, 0, NULL);
}

/* ---- metrics ---- */

static void label_escape(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (; *in && o + 3 < size; in++) {
        if (*in == '\\' || *in == '"') {
            out[o++] = '\\';
            out[o++] = *in;
        } else if (*in == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *in;
        }
    }
    out[o] = '\0';
}

/* The expiry buckets /metrics exports (opsgate_certs{bucket=...}) and the console charts. */
static const char *const buckets[OG_CERTS_NBUCKETS] = {"expired", "7d", "30d", "90d", "later"};

const char *og_certs_bucket_name(int bucket)
{
    return bucket >= 0 && bucket < OG_CERTS_NBUCKETS ? buckets[bucket] : NULL;
}

static int bucket_of(int64_t left)
{
    return left <= 0                ? 0
           : left <= 7 * OG_DAY_US  ? 1
           : left <= 30 * OG_DAY_US ? 2
           : left <= 90 * OG_DAY_US ? 3
                                    : 4;
}

/* The time left of every inventory entry of tenant (name or id; NULL or "": every tenant, a
 * platform actor only), from now, passed to fn: the one scan og_certs_expiry_buckets and
 * og_certs_expiry_timeline count from. *name gets the tenant's name ("" for every tenant). */
static int expiry_scan(og_ctx *ctx, const char *tenant, void (*fn)(int64_t left, void *arg),
                       void *arg, char name[64])
{
    int error, rc;
    og_stmt *st = NULL;
    char tid[OG_ID_LEN] = "";
    og_tenant t;
    name[0] = '\0';
    if (tenant && *tenant)
        error = og_tenant_resolve(ctx, tenant, OG_PERM_READ, tid);
    else
        error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM);
    if (error < 0 || (tid[0] && (error = og_tenant_get(ctx, tid, &t)) < 0))
        return error;
    if (tid[0])
        og_strlcpy(name, t.name, 64);
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT not_after_us FROM certs"
                                      " WHERE ? = '' OR tenant_id = ?",
                                      "tt", tid, tid)) < 0)
        return error;
    int64_t now = og_time_now_us();
    while ((rc = og_stmt_step(st)) == OG_ROW)
        fn(og_stmt_col_int(st, 0) - now, arg);
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

static void bucket_count(int64_t left, void *arg)
{
    ((uint64_t *)arg)[bucket_of(left)]++;
}

int og_certs_expiry_buckets(og_ctx *ctx, const char *tenant, uint64_t counts[OG_CERTS_NBUCKETS])
{
    char name[64];
    memset(counts, 0, OG_CERTS_NBUCKETS * sizeof(counts[0]));
    return expiry_scan(ctx, tenant, bucket_count, counts, name);
}

typedef struct timeline {
    int64_t step_us, horizon_us;
    uint64_t expired, later;
    uint64_t counts[OG_CERTS_TIMELINE_MAX_DAYS];
} timeline;

/* Period i holds the time left in (i * step, (i + 1) * step]: as bucket_of, 0 is expired. */
static void timeline_count(int64_t left, void *arg)
{
    timeline *tl = arg;
    if (left <= 0)
        tl->expired++;
    else if (left > tl->horizon_us)
        tl->later++;
    else
        tl->counts[(left - 1) / tl->step_us]++;
}

int og_certs_expiry_timeline(og_ctx *ctx, const char *tenant, int horizon_days, int step_days,
                             json_t **out)
{
    int error;
    char name[64], from[OG_TIME_LEN], to[OG_TIME_LEN];
    timeline *tl = NULL;
    *out = NULL;
    if (horizon_days < 1 || horizon_days > OG_CERTS_TIMELINE_MAX_DAYS || step_days < 1 ||
        step_days > horizon_days)
        return og_error_set(OG_EINVAL,
                            "an expiry timeline covers 1 to %d days in periods of 1 day to the "
                            "whole span (asked: %d days by %d)",
                            OG_CERTS_TIMELINE_MAX_DAYS, horizon_days, step_days);
    if (!(tl = calloc(1, sizeof(*tl))))
        return og_error_set(OG_ERROR, "out of memory");
    tl->step_us = step_days * OG_DAY_US;
    tl->horizon_us = horizon_days * OG_DAY_US;
    int64_t now = og_time_now_us();
    if ((error = expiry_scan(ctx, tenant, timeline_count, tl, name)) < 0)
        goto cleanup;
    json_t *periods = json_array();
    int n = (horizon_days + step_days - 1) / step_days;
    for (int i = 0; i < n; i++) {
        int64_t end = (i + 1) * tl->step_us;
        og_time_format(now + i * tl->step_us, from);
        og_time_format(now + (end < tl->horizon_us ? end : tl->horizon_us), to);
        json_array_append_new(periods, json_pack("{s:s, s:s, s:I}", "from", from, "to", to, "count",
                                                 (json_int_t)tl->counts[i]));
    }
    og_time_format(now, from);
    *out = json_pack("{s:s?, s:s, s:i, s:i, s:o, s:I, s:I}", "tenant", name[0] ? name : NULL,
                     "from", from, "horizon_days", horizon_days, "step_days", step_days, "periods",
                     periods, "expired", (json_int_t)tl->expired, "later", (json_int_t)tl->later);
    if (!*out)
        error = og_error_set(OG_ERROR, "out of memory");
cleanup:
    free(tl);
    return error;
}

/* One tenant's gauges: the five buckets of each kind (x509 always, app-credential when it has
 * any) into out, the earliest expiry of each kind it has into gauges. */
static int metrics_tenant(og_stmt *st, const char *tid, const char *label, int64_t now, og_buf *out,
                          og_buf *gauges)
{
    static const char *const kinds[] = {OG_CERTS_KIND_X509, OG_CERTS_KIND_APP};
    uint64_t count[2][5] = {{0}}, n[2] = {0};
    int64_t earliest[2] = {INT64_MAX, INT64_MAX};
    int rc, error;
    og_stmt_reset(st);
    og_stmt_bind_text(st, 1, tid);
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        int64_t na = og_stmt_col_int(st, 0), left = na - now;
        int k = og_streq(og_stmt_col_text(st, 1), OG_CERTS_KIND_APP);
        count[k][bucket_of(left)]++;
        n[k]++;
        if (na < earliest[k])
            earliest[k] = na;
    }
    if (rc < 0)
        return rc;
    for (int k = 0; k < 2; k++) {
        if (k && !n[k])
            continue;
        for (int b = 0; b < 5; b++)
            if ((error = og_buf_printf(out,
                                       "opsgate_certs{tenant=\"%s\",kind=\"%s\",bucket=\"%s\"}"
                                       " %llu\n",
                                       label, kinds[k], buckets[b],
                                       (unsigned long long)count[k][b])) < 0)
                return error;
        if (n[k] &&
            (error = og_buf_printf(gauges,
                                   "opsgate_certs_earliest_expiry_seconds{tenant=\"%s\","
                                   "kind=\"%s\"} %lld\n",
                                   label, kinds[k], (long long)(earliest[k] / 1000000))) < 0)
            return error;
    }
    return 0;
}

int og_certs_metrics_render(og_ctx *ctx, og_buf *out)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *ids = NULL;
    og_buf gauges;
    og_buf_init(&gauges, 16 << 20);
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = tenants_with_certs(ctx->store, &ids)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT not_after_us, kind FROM certs WHERE tenant_id = ?")) < 0)
        goto cleanup;
    if ((error = og_buf_puts(out, "# HELP opsgate_certs Inventory entries (certificates, kind "
                                  "x509; cloud app credentials, kind app-credential) by time "
                                  "left until expiry.\n# TYPE opsgate_certs gauge\n")) < 0 ||
        (error = og_buf_puts(&gauges, "# HELP opsgate_certs_earliest_expiry_seconds The earliest "
                                      "expiry of a tenant's inventory entries of a kind (Unix "
                                      "time).\n"
                                      "# TYPE opsgate_certs_earliest_expiry_seconds gauge\n")) < 0)
        goto cleanup;
    int64_t now = og_time_now_us();
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        const char *tid = json_string_value(v);
        og_tenant t;
        char label[160];
        /* the label is the tenant's name; a tenant being deleted right now is skipped */
        if (og_tenant_get(ctx, tid, &t) < 0)
            continue;
        label_escape(t.name, label, sizeof(label));
        if ((error = metrics_tenant(st, tid, label, now, out, &gauges)) < 0)
            goto cleanup;
    }
    if ((error = og_buf_append(out, gauges.data ? gauges.data : "", gauges.len)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_buf_free(&gauges);
    og_stmt_free(st);
    json_decref(ids);
    return error;
}
