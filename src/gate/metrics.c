/* metrics.c - gate counters computed from the gate items: the Prometheus text of /metrics and the
 * same counters by hour over a window (og_gate_stats), from one definition of each counter. */
#include "gate/gate_internal.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Label values come from names we validate (tenants, kinds, areas), but escape anyway: a label
 * must never break the exposition. */
static void put_label(og_buf *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '"')
            og_buf_printf(out, "\\%c", *s);
        else if (*s == '\n')
            og_buf_puts(out, "\\n");
        else
            og_buf_append(out, s, 1);
    }
}

/* The gate counters, each defined once: what an item adds to it (value, an SQL expression over a
 * gate_items row) and when that happened (at, an ISO time; COALESCE'd with created_at so that no
 * counted item is without an hour). /metrics sums value over every item
 * (opsgate_gate_<name>_total); og_gate_stats sums the same value by the hour of at, so a window
 * that holds every item sums to the /metrics total. The last one has no metric of its own: the
 * override rate's denominator. */
#define NCOUNTERS  8
#define NEXPORTED  7
#define C_OVERRIDE 5
#define C_L1_EXEC  7
static const struct {
    const char *name;
    const char *help;
    const char *value;
    const char *at;
} counters[NCOUNTERS] = {
    {"executed", "Actions executed (L0, L1, approved L2).", "executed",
     "CASE WHEN level = 2 THEN decided_at ELSE created_at END"},
    {"failed", "Actions whose execution failed, and L3 tasks recorded as failed.", "failed",
     "CASE WHEN level >= 2 THEN decided_at ELSE created_at END"},
    {"approvals", "L2 approvals.",
     "CASE WHEN outcome IN ('approved') OR (level = 2 AND executed > 0) THEN 1 ELSE 0 END",
     "decided_at"},
    {"rejections", "L2 rejections.", "CASE WHEN outcome = 'rejected' THEN 1 ELSE 0 END",
     "decided_at"},
    {"expiries", "L2 approvals that expired (counted as rejected).",
     "CASE WHEN outcome = 'expired' THEN 1 ELSE 0 END", "decided_at"},
    {"overrides", "L1 actions overridden and rolled back.",
     "CASE WHEN outcome = 'overridden' THEN 1 ELSE 0 END", "decided_at"},
    {"escalations", "L1 reviews escalated.", "escalated",
     "(SELECT MIN(d.decided_at) FROM gate_decisions d WHERE d.gate_id = gate_items.id AND"
     " d.decision = 'escalated')"},
    {"l1_executed", NULL, "CASE WHEN level = 1 AND executed > 0 THEN 1 ELSE 0 END", "created_at"},
};

/* The items open now, by state (opsgate_gate_open): L2 approvals waiting (pending), L1 reviews in
 * their window (review), L3 tasks (task). Over time, an item of level 1..3 is open from its
 * created_at until OPEN_UNTIL (NULL: still open); its level says which of these it counts in. */
#define NOPEN 3
static const char *const open_states[NOPEN] = {"review", "pending", "task"}; /* by level - 1 */
#define OPEN_UNTIL "CASE WHEN state = 'done' THEN COALESCE(decided_at, created_at) END"

/* ", SUM(value)" for every counter, then ", SUM(open in state)" for every state, into sql (cast:
 * PostgreSQL sums BIGINT columns as numeric). */
static int sums_sql(og_buf *sql)
{
    int error = 0;
    for (int i = 0; i < NCOUNTERS && error == 0; i++)
        error = og_buf_printf(sql, ", CAST(SUM(%s) AS BIGINT)", counters[i].value);
    for (int i = 0; i < NOPEN && error == 0; i++)
        error = og_buf_printf(
            sql, ", CAST(SUM(CASE WHEN state = '%s' THEN 1 ELSE 0 END) AS BIGINT)", open_states[i]);
    return error;
}

/* The exposition's lines of one (tenant, area, kind) row of the sums into rows[] (a buffer per
 * metric: the counters, the rate, then the open gauge). */
static void metrics_row(og_stmt *st, const char *tname, og_buf *rows)
{
    og_buf lbl;
    og_buf_init(&lbl, 4096);
    og_buf_puts(&lbl, "{tenant=\"");
    put_label(&lbl, tname);
    og_buf_puts(&lbl, "\",area=\"");
    put_label(&lbl, og_stmt_col_text(st, 1));
    og_buf_puts(&lbl, "\",kind=\"");
    put_label(&lbl, og_stmt_col_text(st, 2));
    og_buf_puts(&lbl, "\"");
    for (int i = 0; i < NEXPORTED; i++)
        og_buf_printf(&rows[i], "opsgate_gate_%s_total%s} %lld\n", counters[i].name, lbl.data,
                      (long long)og_stmt_col_int(st, 3 + i));
    int64_t l1 = og_stmt_col_int(st, 3 + C_L1_EXEC), ov = og_stmt_col_int(st, 3 + C_OVERRIDE);
    og_buf_printf(&rows[NEXPORTED], "opsgate_gate_override_rate%s} %.6f\n", lbl.data,
                  l1 > 0 ? (double)ov / (double)l1 : 0.0);
    for (int i = 0; i < NOPEN; i++)
        og_buf_printf(&rows[NEXPORTED + 1], "opsgate_gate_open%s,state=\"%s\"} %lld\n", lbl.data,
                      open_states[i], (long long)og_stmt_col_int(st, 3 + NCOUNTERS + i));
    og_buf_free(&lbl);
}

int og_gate_metrics_render(og_store *s, og_buf *out)
{
    int error = -1, rc;
    og_stmt *st = NULL;
    og_buf rows[NEXPORTED + 2], sql;
    og_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = s;
    og_actor_system(&ctx.actor, "metrics");
    for (size_t i = 0; i < NEXPORTED + 2; i++)
        og_buf_init(&rows[i], OG_BUF_DEFAULT_CAP);
    og_buf_init(&sql, 8192);
    og_buf_puts(&sql, "SELECT tenant_id, area, kind");
    if ((error = sums_sql(&sql)) < 0 ||
        (error = og_buf_puts(&sql, " FROM gate_items GROUP BY tenant_id, area, kind"
                                   " ORDER BY tenant_id, area, kind")) < 0 ||
        (error = og_stmt_prepare(&st, s, sql.data)) < 0)
        goto cleanup;
    char last_tid[OG_ID_LEN] = "", tname[64] = "";
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *tid = og_stmt_col_text(st, 0);
        if (strcmp(tid, last_tid) != 0) {
            og_tenant t;
            og_strlcpy(last_tid, tid, sizeof(last_tid));
            if (og_tenant_get(&ctx, tid, &t) == 0)
                og_strlcpy(tname, t.name, sizeof(tname));
            else
                og_strlcpy(tname, tid, sizeof(tname));
            og_error_clear();
        }
        metrics_row(st, tname, rows);
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    for (int i = 0; i < NEXPORTED; i++) {
        og_buf_printf(out,
                      "# HELP opsgate_gate_%s_total %s\n# TYPE opsgate_gate_%s_total counter\n",
                      counters[i].name, counters[i].help, counters[i].name);
        if (rows[i].len)
            og_buf_append(out, rows[i].data, rows[i].len);
    }
    og_buf_puts(out, "# HELP opsgate_gate_override_rate Overrides per L1 action executed.\n"
                     "# TYPE opsgate_gate_override_rate gauge\n");
    if (rows[NEXPORTED].len)
        og_buf_append(out, rows[NEXPORTED].data, rows[NEXPORTED].len);
    og_buf_puts(out, "# HELP opsgate_gate_open Gate items open now: L2 approvals waiting"
                     " (pending), L1 reviews in their window (review), L3 tasks (task).\n"
                     "# TYPE opsgate_gate_open gauge\n");
    if (rows[NEXPORTED + 1].len)
        og_buf_append(out, rows[NEXPORTED + 1].data, rows[NEXPORTED + 1].len);
    if ((error = og_events_metrics_render(s, out)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_stmt_free(st);
    for (int i = 0; i < NEXPORTED + 2; i++)
        og_buf_free(&rows[i]);
    og_buf_free(&sql);
    return error;
}

/* ---- the same counters over time (og_gate_stats) ---- */

#define HOUR_US   ((int64_t)3600 * 1000000)
#define MAX_AREAS 32
#define NSERIES   (NCOUNTERS + NOPEN)
#define OPEN_ROWS 200000 /* a bound on the items read for the open series */

typedef struct area_stats {
    char name[64];
    int64_t total[NSERIES]; /* all-time counters, as /metrics; then open now */
    int64_t *series;        /* NSERIES rows of nhours */
} area_stats;

typedef struct stats_run {
    og_ctx *ctx;
    char tid[OG_ID_LEN]; /* "" for every tenant */
    int64_t since, now;  /* the first hour's start; the last sample */
    int nhours;
    area_stats areas[MAX_AREAS];
    int nareas;
} stats_run;

/* The area named name, added when new (areas past MAX_AREAS share the last slot's figures: the
 * kinds' areas are few, and the bound keeps the loop finite). */
static area_stats *area_of(stats_run *run, const char *name)
{
    for (int i = 0; i < run->nareas; i++)
        if (strcmp(run->areas[i].name, name ? name : "") == 0)
            return &run->areas[i];
    if (run->nareas == MAX_AREAS)
        return &run->areas[MAX_AREAS - 1];
    area_stats *a = &run->areas[run->nareas];
    og_strlcpy(a->name, name ? name : "", sizeof(a->name));
    a->series = calloc((size_t)NSERIES * (size_t)run->nhours, sizeof(int64_t));
    if (!a->series)
        return NULL;
    run->nareas++;
    return a;
}

/* The hour a time falls in, as an index into the window (clamped: a time after now counts in the
 * last hour), or -1 before the window. */
static int hour_of(const stats_run *run, const char *at)
{
    int64_t us;
    if (!at || og_time_parse(at, &us) < 0) {
        og_error_clear();
        return run->nhours - 1;
    }
    if (us < run->since)
        return -1;
    int64_t h = (us - run->since) / HOUR_US;
    return h >= run->nhours ? run->nhours - 1 : (int)h;
}

/* Every counter's total (as /metrics: the same sums) and the open items now, by area. */
static int stats_totals(stats_run *run)
{
    og_stmt *st = NULL;
    og_buf sql;
    int error, rc;
    og_buf_init(&sql, 8192);
    og_buf_puts(&sql, "SELECT area, '', ''");
    if ((error = sums_sql(&sql)) < 0 ||
        (error = og_buf_puts(&sql, " FROM gate_items WHERE (? = '' OR tenant_id = ?)"
                                   " GROUP BY area ORDER BY area")) < 0 ||
        (error = og_stmt_prepare_args(&st, run->ctx->store, sql.data, "tt", run->tid, run->tid)) <
            0)
        goto cleanup;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        area_stats *a = area_of(run, og_stmt_col_text(st, 0));
        if (!a) {
            rc = og_error_set(OG_ERROR, "out of memory");
            break;
        }
        for (int i = 0; i < NSERIES; i++)
            a->total[i] += og_stmt_col_int(st, 3 + i);
    }
    error = rc < 0 ? rc : 0;
cleanup:
    og_stmt_free(st);
    og_buf_free(&sql);
    return error;
}

/* Every counter by hour, in one scan of the items: each item row is joined with the counter
 * numbers 0..NCOUNTERS-1 and CASE picks that counter's value and time, so the counters share the
 * table read and the hour grouping (one statement instead of one per counter). */
static int stats_counters(stats_run *run)
{
    og_stmt *st = NULL;
    og_buf sql, cv, ca;
    char since[OG_TIME_LEN];
    int error, rc;
    og_time_format(run->since, since);
    og_buf_init(&sql, 8192);
    og_buf_init(&cv, 2048);
    og_buf_init(&ca, 2048);
    og_buf_puts(&cv, "CASE c.i");
    og_buf_puts(&ca, "CASE c.i");
    for (int i = 0; i < NCOUNTERS; i++) {
        og_buf_printf(&cv, " WHEN %d THEN %s", i, counters[i].value);
        og_buf_printf(&ca, " WHEN %d THEN %s", i, counters[i].at);
    }
    og_buf_puts(&cv, " END");
    og_buf_puts(&ca, " END");
    if ((error = og_buf_printf(&sql,
                               "SELECT i, area, substr(t_at, 1, 13), CAST(SUM(v) AS BIGINT) FROM"
                               " (SELECT c.i AS i, area, COALESCE(%s, created_at) AS t_at, %s AS v"
                               " FROM gate_items CROSS JOIN (SELECT 0 AS i",
                               ca.data, cv.data)) < 0)
        goto cleanup;
    for (int i = 1; i < NCOUNTERS && error == 0; i++)
        error = og_buf_printf(&sql, " UNION ALL SELECT %d", i);
    if (error < 0 ||
        (error = og_buf_puts(&sql, ") c WHERE (? = '' OR tenant_id = ?)) x WHERE t_at >= ?"
                                   " GROUP BY i, area, substr(t_at, 1, 13)")) < 0 ||
        (error = og_stmt_prepare_args(&st, run->ctx->store, sql.data, "ttt", run->tid, run->tid,
                                      since)) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        char hour[OG_TIME_LEN];
        int c = (int)og_stmt_col_int(st, 0);
        snprintf(hour, sizeof(hour), "%.13s:00:00Z", og_stmt_col_text(st, 2));
        int h = hour_of(run, hour);
        area_stats *a = area_of(run, og_stmt_col_text(st, 1));
        if (!a) {
            rc = og_error_set(OG_ERROR, "out of memory");
            break;
        }
        if (h >= 0 && c >= 0 && c < NCOUNTERS)
            a->series[c * run->nhours + h] += og_stmt_col_int(st, 3);
    }
    error = rc < 0 ? rc : 0;
cleanup:
    og_stmt_free(st);
    og_buf_free(&sql);
    og_buf_free(&cv);
    og_buf_free(&ca);
    return error;
}

/* The items open at the end of each hour (the last one: now), by the state their level is open
 * in: an item counts from its created_at until it was decided. */
static int stats_open(stats_run *run)
{
    og_stmt *st = NULL;
    char since[OG_TIME_LEN];
    int rc, n = 0;
    og_time_format(run->since, since);
    rc = og_stmt_prepare_args(&st, run->ctx->store,
                              "SELECT area, level, created_at, " OPEN_UNTIL " FROM gate_items"
                              " WHERE (? = '' OR tenant_id = ?) AND level BETWEEN 1 AND 3 AND"
                              " (state <> 'done' OR COALESCE(decided_at, created_at) >= ?)",
                              "ttt", run->tid, run->tid, since);
    while (rc >= 0 && (rc = og_stmt_step(st)) == OG_ROW && n++ < OPEN_ROWS) {
        int64_t from, until = INT64_MAX;
        int level = (int)og_stmt_col_int(st, 1);
        if (og_time_parse(og_stmt_col_text(st, 2), &from) < 0 ||
            (og_stmt_col_text(st, 3) && og_time_parse(og_stmt_col_text(st, 3), &until) < 0)) {
            og_error_clear();
            continue;
        }
        area_stats *a = area_of(run, og_stmt_col_text(st, 0));
        if (!a) {
            rc = og_error_set(OG_ERROR, "out of memory");
            break;
        }
        int64_t *row = a->series + (NCOUNTERS + level - 1) * run->nhours;
        for (int h = 0; h < run->nhours; h++) {
            int64_t t = h == run->nhours - 1 ? run->now : run->since + (h + 1) * HOUR_US;
            if (from <= t && t < until)
                row[h]++;
        }
    }
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

static json_t *int_array(const int64_t *v, int n, int64_t *sum)
{
    json_t *a = json_array();
    *sum = 0;
    for (int i = 0; i < n; i++) {
        json_array_append_new(a, json_integer((json_int_t)v[i]));
        *sum += v[i];
    }
    return a;
}

static json_t *area_json(const stats_run *run, const area_stats *a)
{
    json_t *totals = json_object(), *window = json_object(), *series = json_object(),
           *open = json_object();
    for (int i = 0; i < NSERIES; i++) {
        const char *name = i < NCOUNTERS ? counters[i].name : open_states[i - NCOUNTERS];
        int64_t sum;
        json_object_set_new(series, name,
                            int_array(a->series + i * run->nhours, run->nhours, &sum));
        if (i < NCOUNTERS) {
            json_object_set_new(totals, name, json_integer((json_int_t)a->total[i]));
            json_object_set_new(window, name, json_integer((json_int_t)sum));
        } else {
            json_object_set_new(open, name, json_integer((json_int_t)a->total[i]));
        }
    }
    return json_pack("{s:s, s:o, s:o, s:o, s:o}", "area", a->name, "totals", totals, "window",
                     window, "open", open, "series", series);
}

static json_t *stats_json(const stats_run *run, const char *tenant_name)
{
    char t[OG_TIME_LEN];
    json_t *hours = json_array(), *areas = json_array();
    for (int h = 0; h < run->nhours; h++) {
        og_time_format(run->since + h * HOUR_US, t);
        json_array_append_new(hours, json_string(t));
    }
    for (int i = 0; i < run->nareas; i++)
        json_array_append_new(areas, area_json(run, &run->areas[i]));
    og_time_format(run->since, t);
    json_t *o = json_pack("{s:s?, s:s, s:I, s:I, s:o, s:o}", "tenant", tenant_name, "since", t,
                          "bucket_seconds", (json_int_t)3600, "hours_count",
                          (json_int_t)run->nhours, "hours", hours, "areas", areas);
    og_time_format(run->now, t);
    json_object_set_new(o, "until", json_string(t));
    return o;
}

/* The registered kinds' areas first (so that an area without items shows, with zeros), sorted. */
static int stats_areas(stats_run *run)
{
    json_t *kinds = og_gate_kinds_json(), *k;
    size_t i;
    json_array_foreach(kinds, i, k)
    {
        if (!area_of(run, json_string_value(json_object_get(k, "area")))) {
            json_decref(kinds);
            return og_error_set(OG_ERROR, "out of memory");
        }
    }
    json_decref(kinds);
    return 0;
}

static int area_cmp(const void *a, const void *b)
{
    return strcmp(((const area_stats *)a)->name, ((const area_stats *)b)->name);
}

int og_gate_stats(og_ctx *ctx, const char *tenant, int64_t window_us, json_t **out)
{
    int error;
    stats_run *run = NULL;
    og_tenant t;
    *out = NULL;
    if (window_us < HOUR_US || window_us > OG_GATE_STATS_WINDOW_MAX_US)
        return og_error_set(OG_EINVAL, "a statistics window is 1 hour to %d days",
                            (int)(OG_GATE_STATS_WINDOW_MAX_US / (24 * HOUR_US)));
    if (!(run = calloc(1, sizeof(*run))))
        return og_error_set(OG_ERROR, "out of memory");
    run->ctx = ctx;
    if (tenant && *tenant)
        error = og_gate__tenant(ctx, tenant, OG_PERM_READ, run->tid);
    else
        error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM);
    if (error < 0 || (run->tid[0] && (error = og_tenant_get(ctx, run->tid, &t)) < 0))
        goto cleanup;
    run->now = og_time_now_us();
    run->nhours = (int)((window_us + HOUR_US - 1) / HOUR_US);
    run->since = (run->now / HOUR_US - (run->nhours - 1)) * HOUR_US;
    if ((error = stats_areas(run)) < 0 || (error = stats_totals(run)) < 0 ||
        (error = stats_open(run)) < 0 || (error = stats_counters(run)) < 0)
        goto cleanup;
    qsort(run->areas, (size_t)run->nareas, sizeof(run->areas[0]), area_cmp);
    if (!(*out = stats_json(run, run->tid[0] ? t.name : NULL)))
        error = og_error_set(OG_ERROR, "out of memory");
cleanup:
    for (int i = 0; run && i < run->nareas; i++)
        free(run->areas[i].series);
    free(run);
    return error < 0 ? error : 0;
}
