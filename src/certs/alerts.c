/* alerts.c - alerts by what is wrong: one row per (certificate, rule), raised, raised again when
 * worse or when a snooze ends, acknowledged, snoozed and resolved; the renewing module's rules. */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/events.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_MAX    500
#define LIST_MAX    10000
#define SUMMARY_MAX 100

static _Atomic(og_certs_alert_check_fn) check_fn;
static _Atomic(og_certs_alert_raised_fn) raised_fn;

void og_certs_alert_source_register(og_certs_alert_check_fn check, og_certs_alert_raised_fn raised)
{
    atomic_store(&check_fn, check);
    atomic_store(&raised_fn, raised);
}

const char *og_certs_alert_severity_name(int severity)
{
    switch (severity) {
    case OG_CERTS_ALERT_WARNING:
        return "warning";
    case OG_CERTS_ALERT_CRITICAL:
        return "critical";
    case OG_CERTS_ALERT_EXPIRED:
        return "expired";
    default:
        return NULL;
    }
}

/* The row's new values from problem p (details as JSON text). */
typedef struct problem {
    const char *fp, *rule, *message, *action, *plan;
    int severity;
    char *details;
} problem;

static int problem_of(json_t *p, problem *out)
{
    memset(out, 0, sizeof(*out));
    out->fp = json_string_value(json_object_get(p, "fingerprint"));
    out->rule = json_string_value(json_object_get(p, "rule"));
    out->message = json_string_value(json_object_get(p, "message"));
    out->action = json_string_value(json_object_get(p, "action"));
    out->plan = json_string_value(json_object_get(p, "plan"));
    out->severity = (int)json_integer_value(json_object_get(p, "severity"));
    if (!out->fp || !out->rule || !*out->rule || strlen(out->rule) > 64 || !out->message ||
        !out->action || !og_certs_alert_severity_name(out->severity))
        return og_error_set(OG_EINVAL,
                            "an alert needs a fingerprint, a rule, a severity of 1 to 3, a "
                            "message and an action");
    json_t *d = json_object_get(p, "details");
    out->details =
        d && json_is_object(d) ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    if (!out->details)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

int og_certs__alert_note(og_ctx *ctx, const char *tenant_id, json_t *p, int64_t now, int force,
                         char id[OG_ID_LEN], int *raise)
{
    og_stmt *st = NULL;
    problem pr;
    char now_s[OG_TIME_LEN];
    int error, rc;
    *raise = 0;
    id[0] = '\0';
    if ((error = problem_of(p, &pr)) < 0) {
        free(pr.details);
        return error;
    }
    og_time_format(now, now_s);
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT id, severity, state, snooze_until_us FROM"
                                      " cert_alert_state WHERE tenant_id = ? AND fingerprint = ?"
                                      " AND rule = ?",
                                      "ttt", tenant_id, pr.fp, pr.rule)) < 0)
        goto cleanup;
    if ((rc = og_stmt_step(st)) < 0) {
        error = rc;
        goto cleanup;
    }
    if (rc != OG_ROW) {
        og_id_new(id);
        *raise = 1;
        rc = og_store_run(ctx->store,
                          "INSERT INTO cert_alert_state (id, tenant_id, fingerprint, rule,"
                          " severity, state, plan_id, message, action, details, raised_at,"
                          " raises, updated_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, 1,"
                          " ?)",
                          "ttttitttttt", id, tenant_id, pr.fp, pr.rule, (int64_t)pr.severity,
                          pr.plan, pr.message, pr.action, pr.details, now_s, now_s);
        error = rc < 0 ? rc : 0;
        goto cleanup;
    }
    og_strlcpy(id, og_stmt_col_text(st, 0), OG_ID_LEN);
    int old = (int)og_stmt_col_int(st, 1);
    const char *state = og_stmt_col_text(st, 2);
    int64_t until = og_stmt_col_is_null(st, 3) ? 0 : og_stmt_col_int(st, 3);
    int worse = pr.severity > old;
    if (og_streq(state, "resolved") || worse)
        *raise = 1;
    else if (og_streq(state, "snoozed"))
        *raise = until <= now;
    else if (og_streq(state, "open"))
        *raise = force;
    if (*raise)
        rc = og_store_run(ctx->store,
                          "UPDATE cert_alert_state SET severity = ?, state = 'open', plan_id = ?,"
                          " message = ?, action = ?, details = ?, raised_at = ?, raises = raises"
                          " + 1, ack_by = NULL, ack_at = NULL, snooze_until_us = NULL,"
                          " resolved_at = NULL, updated_at = ? WHERE id = ?",
                          "ittttttt", (int64_t)pr.severity, pr.plan, pr.message, pr.action,
                          pr.details, now_s, now_s, id);
    else
        rc = og_store_run(ctx->store,
                          "UPDATE cert_alert_state SET severity = ?, plan_id = ?, message = ?,"
                          " action = ?, details = ?, updated_at = ? WHERE id = ?",
                          "itttttt", (int64_t)pr.severity, pr.plan, pr.message, pr.action,
                          pr.details, now_s, id);
    error = rc < 0 ? rc : 0;
cleanup:
    og_stmt_free(st);
    free(pr.details);
    return error;
}

int og_certs__alert_raised(og_ctx *ctx, const char *id, const char *event_id, const char *gate_id)
{
    int rc = og_store_run(ctx->store,
                          "UPDATE cert_alert_state SET event_id = ?, gate_id = COALESCE(?, gate_id)"
                          " WHERE id = ?",
                          "ttt", event_id, gate_id && *gate_id ? gate_id : NULL, id);
    return rc < 0 ? rc : 0;
}

/* The alert id of tenant_id as its row (the list's shape, without tenant), NULL when none. */
#define ROW_COLUMNS                                                                                \
    "SELECT a.id, a.fingerprint, c.subject, c.not_after_us, a.rule, a.severity, a.state,"          \
    " a.message, a.action, a.plan_id, a.details, a.raised_at, a.raises, a.event_id, a.gate_id,"    \
    " a.ack_by, a.ack_at, a.snooze_until_us, a.note, a.resolved_at, a.updated_at, a.tenant_id"     \
    " FROM cert_alert_state a LEFT JOIN certs c ON c.tenant_id = a.tenant_id AND"                  \
    " c.fingerprint = a.fingerprint"

typedef struct list_arg {
    og_ctx *ctx;
    int fleet;
    char tid[OG_ID_LEN], tname[64];
} list_arg;

static json_t *alert_row(og_stmt *st, void *arg)
{
    list_arg *la = arg;
    char na[OG_TIME_LEN] = "", until[OG_TIME_LEN] = "";
    const char *details = og_stmt_col_text(st, 10);
    json_t *d = details ? json_loads(details, 0, NULL) : NULL;
    if (!og_stmt_col_is_null(st, 3))
        og_time_format(og_stmt_col_int(st, 3), na);
    if (!og_stmt_col_is_null(st, 17))
        og_time_format(og_stmt_col_int(st, 17), until);
    const char *sev = og_certs_alert_severity_name((int)og_stmt_col_int(st, 5));
    json_t *r = json_pack(
        "{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:s, s:I, s:s?, s:s?, s:s?,"
        " s:s?, s:s?, s:s?, s:s?, s:s}",
        "id", og_stmt_col_text(st, 0), "fingerprint", og_stmt_col_text(st, 1), "subject",
        og_stmt_col_text(st, 2), "not_after", na[0] ? na : NULL, "rule", og_stmt_col_text(st, 4),
        "severity", sev ? sev : "warning", "state", og_stmt_col_text(st, 6), "message",
        og_stmt_col_text(st, 7), "action", og_stmt_col_text(st, 8), "plan", og_stmt_col_text(st, 9),
        "details", d ? d : json_object(), "raised_at", og_stmt_col_text(st, 11), "raises",
        (json_int_t)og_stmt_col_int(st, 12), "event_id", og_stmt_col_text(st, 13), "gate_id",
        og_stmt_col_text(st, 14), "ack_by", og_stmt_col_text(st, 15), "ack_at",
        og_stmt_col_text(st, 16), "snoozed_until", until[0] ? until : NULL, "note",
        og_stmt_col_text(st, 18), "resolved_at", og_stmt_col_text(st, 19), "updated_at",
        og_stmt_col_text(st, 20));
    if (r && la && la->fleet) {
        const char *tid = og_stmt_col_text(st, 21);
        if (!og_streq(tid, la->tid)) {
            og_tenant t;
            og_strlcpy(la->tid, tid, sizeof(la->tid));
            if (og_tenant_get(la->ctx, tid, &t) == 0)
                og_strlcpy(la->tname, t.name, sizeof(la->tname));
            else
                og_strlcpy(la->tname, tid, sizeof(la->tname));
            og_error_clear();
        }
        json_object_set_new(r, "tenant", json_string(la->tname));
        json_object_set_new(r, "tenant_id", json_string(tid));
    }
    return r;
}

int og_certs_alert_list(og_ctx *ctx, const char *tenant, const char *state, json_t **out)
{
    og_stmt *st = NULL;
    og_tenant t;
    list_arg la;
    int error;
    const char *where;
    *out = NULL;
    memset(&la, 0, sizeof(la));
    la.ctx = ctx;
    if (!state || !*state)
        where = "a.state != 'resolved' AND ?2 = ''";
    else if (og_streq(state, "open") || og_streq(state, "acknowledged") ||
             og_streq(state, "snoozed") || og_streq(state, "resolved"))
        where = "a.state = ?2";
    else if (og_streq(state, "all"))
        where = "?2 = 'all'";
    else
        return og_error_set(OG_EINVAL,
                            "unknown alert state '%.40s' (open, acknowledged, snoozed, resolved "
                            "or all)",
                            state);
    if (tenant && *tenant) {
        if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
            return error;
        og_strlcpy(la.tid, t.id, sizeof(la.tid));
    } else {
        if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
            return error;
        la.fleet = 1;
    }
    char sql[1024];
    snprintf(sql, sizeof(sql),
             ROW_COLUMNS " WHERE (?1 = '' OR a.tenant_id = ?1) AND %s ORDER BY"
                         " a.state = 'resolved', a.severity DESC, a.raised_at DESC, a.id"
                         " LIMIT %d",
             where, LIST_MAX);
    if ((error = og_stmt_prepare_args(&st, ctx->store, sql, "tt", la.fleet ? "" : la.tid,
                                      state ? state : "")) < 0)
        return error;
    la.tid[0] = '\0';
    error = og_stmt_collect(st, alert_row, &la, out);
    og_stmt_free(st);
    return error;
}

/* Ack or snooze (until_us > 0) alert id of tenant, audited. */
static int alert_set(og_ctx *ctx, const char *tenant, const char *id, int64_t until_us,
                     const char *note)
{
    og_tenant t;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char now_s[OG_TIME_LEN], until_s[OG_TIME_LEN] = "", by[160];
    int error, rc;
    int64_t now = og_time_now_us();
    if (note && strlen(note) > NOTE_MAX)
        return og_error_set(OG_EINVAL, "an alert's note is at most %d bytes", NOTE_MAX);
    if (until_us && (until_us <= now || until_us > now + OG_CERTS_SNOOZE_MAX_US))
        return og_error_set(OG_EINVAL, "a snooze ends in the future and at most 90 days from now");
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        return error;
    if (!id || !*id || strlen(id) >= OG_ID_LEN)
        return og_error_set(OG_ENOTFOUND, "no alert '%.40s'", id ? id : "");
    og_time_format(now, now_s);
    if (until_us)
        og_time_format(until_us, until_s);
    og_actor_label(&ctx->actor, by, sizeof(by));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT state, fingerprint, rule, severity FROM"
                                      " cert_alert_state WHERE tenant_id = ? AND id = ?",
                                      "tt", t.id, id)) < 0)
        goto cleanup;
    if ((rc = og_stmt_step(st)) != OG_ROW) {
        error = rc < 0 ? rc : og_error_set(OG_ENOTFOUND, "no alert '%s'", id);
        goto cleanup;
    }
    if (og_streq(og_stmt_col_text(st, 0), "resolved")) {
        error = og_error_set(OG_ECONFLICT, "alert %s is resolved: the problem is gone", id);
        goto cleanup;
    }
    analysis = json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "fingerprint", og_stmt_col_text(st, 1),
                         "rule", og_stmt_col_text(st, 2), "severity",
                         og_certs_alert_severity_name((int)og_stmt_col_int(st, 3)), "until",
                         until_s[0] ? until_s : NULL, "note", note && *note ? note : NULL);
    if (until_us)
        rc = og_store_run(ctx->store,
                          "UPDATE cert_alert_state SET state = 'snoozed', snooze_until_us = ?,"
                          " ack_by = ?, ack_at = ?, note = ?, updated_at = ? WHERE id = ?",
                          "ittttt", until_us, by, now_s, note && *note ? note : NULL, now_s, id);
    else
        rc = og_store_run(ctx->store,
                          "UPDATE cert_alert_state SET state = 'acknowledged', snooze_until_us ="
                          " NULL, ack_by = ?, ack_at = ?, note = ?, updated_at = ? WHERE id = ?",
                          "ttttt", by, now_s, note && *note ? note : NULL, now_s, id);
    if ((error = rc < 0 ? rc : 0) < 0)
        goto cleanup;
    error = og_audit_log(ctx, t.id, "certs", until_us ? "certs.alert.snooze" : "certs.alert.ack",
                         "cert_alert", id, analysis);
cleanup:
    og_stmt_free(st);
    json_decref(analysis);
    return og_store_tx_end(ctx->store, error);
}

int og_certs_alert_ack(og_ctx *ctx, const char *tenant, const char *id, const char *note)
{
    return alert_set(ctx, tenant, id, 0, note);
}

int og_certs_alert_snooze(og_ctx *ctx, const char *tenant, const char *id, int64_t until_us,
                          const char *note)
{
    if (until_us <= 0)
        return og_error_set(OG_EINVAL, "a snooze needs the time it ends");
    return alert_set(ctx, tenant, id, until_us, note);
}

int og_certs_served_at(og_ctx *ctx, const char *tenant_id, const char *location, const char *sni,
                       char fp[65], int64_t *seen_us)
{
    og_stmt *st = NULL;
    int rc;
    fp[0] = '\0';
    *seen_us = 0;
    if ((rc = og_stmt_prepare_args(&st, ctx->store,
                                   "SELECT fingerprint, last_seen_us FROM cert_sightings WHERE"
                                   " tenant_id = ? AND kind = 'endpoint' AND location = ? AND"
                                   " sni = ? ORDER BY last_seen_us DESC LIMIT 1",
                                   "ttt", tenant_id, location, sni ? sni : "")) < 0)
        return rc;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(fp, og_stmt_col_text(st, 0), 65);
        *seen_us = og_stmt_col_int(st, 1);
    }
    og_stmt_free(st);
    return rc < 0 ? rc : rc == OG_ROW;
}

/* The event payload of alert id (its row, names of the certificate added). */
static int alert_event(og_ctx *ctx, const char *tenant_id, const char *id, const char *gate_id,
                       char ev[OG_ID_LEN])
{
    og_stmt *st = NULL;
    json_t *row = NULL;
    int error, rc;
    if ((error = og_stmt_prepare_args(&st, ctx->store, ROW_COLUMNS " WHERE a.id = ?", "t", id)) < 0)
        return error;
    if ((rc = og_stmt_step(st)) != OG_ROW) {
        og_stmt_free(st);
        return rc < 0 ? rc : og_error_set(OG_ECORRUPT, "alert %s vanished", id);
    }
    row = alert_row(st, NULL);
    og_stmt_free(st);
    if (!row)
        return og_error_set(OG_ERROR, "out of memory");
    if (gate_id && *gate_id)
        json_object_set_new(row, "gate_id", json_string(gate_id));
    error = og_event_emit(ctx, tenant_id, "certs.alert", row, ev);
    json_decref(row);
    return error;
}

/* Raise alert id (noted with raise set): the module's raised callback (a gate task), the event. */
static int raise_one(og_ctx *ctx, const char *tenant_id, json_t *p, const char *id)
{
    og_certs_alert_raised_fn fn = atomic_load(&raised_fn);
    char gate[OG_ID_LEN] = "", ev[OG_ID_LEN];
    int error;
    json_t *a = json_deep_copy(p);
    if (!a)
        return og_error_set(OG_ERROR, "out of memory");
    json_object_set_new(a, "id", json_string(id));
    error = fn ? fn(ctx, tenant_id, a, gate) : 0;
    json_decref(a);
    if (error < 0)
        return error;
    if ((error = alert_event(ctx, tenant_id, id, gate, ev)) < 0)
        return error;
    return og_certs__alert_raised(ctx, id, ev, gate);
}

/* Whether problems hold (fp, rule). */
static int has_problem(json_t *problems, const char *fp, const char *rule)
{
    size_t i;
    json_t *p;
    json_array_foreach(problems, i, p)
    {
        if (og_streq(json_string_value(json_object_get(p, "fingerprint")), fp) &&
            og_streq(json_string_value(json_object_get(p, "rule")), rule))
            return 1;
    }
    return 0;
}

int og_certs__alert_rules_run(og_ctx *ctx, const char *tenant_id, int64_t now, int *n)
{
    og_certs_alert_check_fn check = atomic_load(&check_fn);
    json_t *problems = json_array(), *raised = json_array(), *resolved = json_array(), *p;
    json_t *stale = NULL, *analysis = NULL;
    og_stmt *st = NULL;
    char now_s[OG_TIME_LEN];
    int error = 0;
    size_t i;
    *n = 0;
    og_time_format(now, now_s);
    if (!problems || !raised || !resolved) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (check && (error = check(ctx, tenant_id, problems)) < 0)
        goto cleanup;
    json_array_foreach(problems, i, p)
    {
        char id[OG_ID_LEN];
        int raise;
        if ((error = og_certs__alert_note(ctx, tenant_id, p, now, 0, id, &raise)) < 0)
            goto cleanup;
        if (!raise)
            continue;
        if ((error = raise_one(ctx, tenant_id, p, id)) < 0)
            goto cleanup;
        (*n)++;
        if (json_array_size(raised) < SUMMARY_MAX)
            json_array_append_new(raised,
                                  json_pack("{s:s, s:O?, s:O?, s:O?}", "id", id, "fingerprint",
                                            json_object_get(p, "fingerprint"), "rule",
                                            json_object_get(p, "rule"), "severity",
                                            json_object_get(p, "severity")));
    }
    /* rule alerts whose problem is gone are resolved; a days-left alert whose snooze ended is
     * raised again (the threshold pass raises it only on a new crossing) */
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT id, fingerprint, rule, state, snooze_until_us,"
                                      " severity, message, action, plan_id, details FROM"
                                      " cert_alert_state WHERE tenant_id = ? AND state !="
                                      " 'resolved' LIMIT 100000",
                                      "t", tenant_id)) < 0 ||
        (error = og_stmt_collect(st, NULL, NULL, &stale)) < 0)
        goto cleanup;
    json_array_foreach(stale, i, p)
    {
        const char *id = json_string_value(json_object_get(p, "id"));
        const char *fp = json_string_value(json_object_get(p, "fingerprint"));
        const char *rule = json_string_value(json_object_get(p, "rule"));
        if (og_streq(rule, OG_CERTS_RULE_DAYS_LEFT)) {
            json_t *until = json_object_get(p, "snooze_until_us");
            if (!og_streq(json_string_value(json_object_get(p, "state")), "snoozed") ||
                !json_is_integer(until) || json_integer_value(until) > now)
                continue;
            json_t *d = json_loads(json_string_value(json_object_get(p, "details")), 0, NULL);
            json_object_set_new(p, "details", d ? d : json_object());
            json_object_set(p, "plan", json_object_get(p, "plan_id"));
            char nid[OG_ID_LEN];
            int raise;
            if ((error = og_certs__alert_note(ctx, tenant_id, p, now, 0, nid, &raise)) < 0 ||
                (raise && (error = raise_one(ctx, tenant_id, p, nid)) < 0))
                goto cleanup;
            *n += raise;
            continue;
        }
        if (has_problem(problems, fp, rule))
            continue;
        int rc = og_store_run(ctx->store,
                              "UPDATE cert_alert_state SET state = 'resolved', resolved_at = ?,"
                              " snooze_until_us = NULL, updated_at = ? WHERE id = ?",
                              "ttt", now_s, now_s, id);
        if (rc < 0) {
            error = rc;
            goto cleanup;
        }
        if (json_array_size(resolved) < SUMMARY_MAX)
            json_array_append_new(
                resolved, json_pack("{s:s, s:s, s:s}", "id", id, "fingerprint", fp, "rule", rule));
    }
    if (json_array_size(raised) || json_array_size(resolved)) {
        analysis =
            json_pack("{s:i, s:O, s:O}", "alerts", *n, "raised", raised, "resolved", resolved);
        if ((error = og_audit_log(ctx, tenant_id, "certs", "certs.alert.raise", "tenant", tenant_id,
                                  analysis)) < 0)
            goto cleanup;
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(problems);
    json_decref(raised);
    json_decref(resolved);
    json_decref(stale);
    json_decref(analysis);
    return error;
}
