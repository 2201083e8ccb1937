/* console_overview.c - the console's overview: per tenant (or across tenants for platform-admins)
 * the figures /metrics exports, from the same library calls: health at a glance, each process
 * area's gate counters by hour (og_gate_stats, the opsgate_gate_* counters), certificates by time
 * left (og_certs_expiry_buckets, opsgate_certs) and the fleet's expiry timeline
 * (og_certs_expiry_timeline). Each as a table, which the page's script draws as a uPlot chart. */
#include "http/console.h"
#include "opsgate/certs.h"
#include "opsgate/connector.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"

#include <stdio.h>
#include <string.h>

#define HOUR_US ((int64_t)3600 * 1000000)
#define DAY_US  (24 * HOUR_US)
#define HORIZON 90 /* days of the expiry timeline */

/* Each bucket's label, and the fleet's filter its link opens: certificates expiring within that
 * many days (so the list holds the bucket and the ones before it, soonest first). */
static const struct {
    const char *label;
    int days; /* 0: no days filter (the later bucket: the whole fleet) */
    const char *finding;
} bucket_view[OG_CERTS_NBUCKETS] = {
    {"Expired", 0, "expired"},   {"7 days or less", 7, NULL},    {"8 to 30 days", 30, NULL},
    {"31 to 90 days", 90, NULL}, {"More than 90 days", 0, NULL},
};

/* "/console/certificates?..." for bucket b (or the timeline: days only) of tenant. */
static json_t *fleet_href(int days, const char *finding, const char *tenant)
{
    og_buf href;
    og_buf_init(&href, 512);
    og_buf_puts(&href, "/console/certificates?sort=expiry&dir=asc");
    if (days)
        og_buf_printf(&href, "&days=%d", days);
    if (finding)
        og_buf_printf(&href, "&finding=%s", finding);
    if (tenant && *tenant) {
        og_buf_puts(&href, "&tenant=");
        og_http__console_urlencode(&href, tenant);
    }
    json_t *s = json_string(href.data ? href.data : "/console/certificates");
    og_buf_free(&href);
    return s;
}

static json_t *buckets_json(const uint64_t counts[OG_CERTS_NBUCKETS], const char *tenant)
{
    json_t *a = json_array();
    for (int b = 0; b < OG_CERTS_NBUCKETS; b++)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:o}", "bucket", og_certs_bucket_name(b), "label",
                         bucket_view[b].label, "count", (json_int_t)counts[b], "href",
                         fleet_href(bucket_view[b].days, bucket_view[b].finding, tenant)));
    return a;
}

/* "Dec 6" from an ISO time. */
static void day_label(const char *iso, char *out, size_t size)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y = 0, m = 0, d = 0;
    if (!iso || sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12)
        snprintf(out, size, "?");
    else
        snprintf(out, size, "%s %d", months[m - 1], d);
}

static int64_t epoch_s(const char *iso)
{
    int64_t us = 0;
    if (!iso || og_time_parse(iso, &us) < 0)
        og_error_clear();
    return us / 1000000;
}

/* The expiry timeline's periods as rows: label, epoch seconds, count, the fleet's link. */
static json_t *timeline_json(json_t *tl, int step, const char *tenant)
{
    json_t *rows = json_array(), *p;
    size_t i;
    json_array_foreach(json_object_get(tl, "periods"), i, p)
    {
        char from[16], to[16], label[40];
        const char *f = json_string_value(json_object_get(p, "from"));
        day_label(f, from, sizeof(from));
        day_label(json_string_value(json_object_get(p, "to")), to, sizeof(to));
        if (step == 1)
            snprintf(label, sizeof(label), "%s", from);
        else
            snprintf(label, sizeof(label), "%s to %s", from, to);
        int days = (int)((i + 1) * (size_t)step);
        json_array_append_new(
            rows, json_pack("{s:s, s:I, s:O, s:o}", "label", label, "t", (json_int_t)epoch_s(f),
                            "count", json_object_get(p, "count"), "href",
                            fleet_href(days > HORIZON ? HORIZON : days, NULL, tenant)));
    }
    return rows;
}

/* Certificates by time left and the expiry timeline; false when the role may not read them
 * (client-viewer: the library says so). */
static int certs_part(og_http_req *r, json_t *d, const char *tenant, int step, uint64_t *counts)
{
    json_t *tl = NULL;
    int error = og_certs_expiry_buckets(&r->ctx, tenant, counts);
    if (error == 0)
        error = og_certs_expiry_timeline(&r->ctx, tenant, HORIZON, step, &tl);
    if (error == OG_EDENIED) {
        og_error_clear();
        json_object_set_new(d, "can_certs", json_false());
        return 0;
    }
    if (error < 0)
        return error;
    json_object_set_new(d, "can_certs", json_true());
    json_object_set_new(d, "buckets", buckets_json(counts, tenant));
    json_object_set_new(d, "timeline", timeline_json(tl, step, tenant));
    json_object_set_new(d, "timeline_weeks", json_boolean(step == 7));
    json_object_set_new(d, "timeline_later", json_incref(json_object_get(tl, "later")));
    json_decref(tl);
    return 0;
}

/* ---- the gates, by process area ---- */

static int64_t num(json_t *o, const char *group, const char *name)
{
    return json_integer_value(json_object_get(json_object_get(o, group), name));
}

static const char *area_title(const char *area)
{
    return strcmp(area, "certs") == 0       ? "Certificates"
           : strcmp(area, "artifacts") == 0 ? "Artifacts"
           : strcmp(area, "platform") == 0  ? "Platform"
                                            : area;
}

/* A figure row: label, the window's value and the all-time one (as /metrics), and a note. */
static json_t *figure(const char *key, const char *label, json_t *a, const char *note)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:s?}", "key", key, "label", label, "window",
                     (json_int_t)num(a, "window", key), "total", (json_int_t)num(a, "totals", key),
                     "note", note);
}

static void percent(char *out, size_t size, const char *what, int64_t n, int64_t of)
{
    if (of > 0)
        snprintf(out, size, "%.1f%% of %s", 100.0 * (double)n / (double)of, what);
    else
        snprintf(out, size, "no %s", what);
}

static json_t *figures_json(json_t *a, int hours)
{
    char per_hour[64], errors[80], overrides[80];
    int64_t ex = num(a, "window", "executed"), fa = num(a, "window", "failed");
    snprintf(per_hour, sizeof(per_hour), "%.1f per hour", (double)ex / (double)hours);
    percent(errors, sizeof(errors), "attempts", fa, ex + fa);
    percent(overrides, sizeof(overrides), "L1 actions", num(a, "window", "overrides"),
            num(a, "window", "l1_executed"));
    json_t *f = json_array();
    json_array_append_new(f, figure("executed", "Actions executed", a, per_hour));
    json_array_append_new(f, figure("failed", "Failed", a, errors));
    json_array_append_new(f, figure("overrides", "Overrides (rolled back)", a, overrides));
    json_array_append_new(f, figure("escalations", "Escalations", a, NULL));
    json_array_append_new(f, figure("approvals", "Approvals", a, NULL));
    json_array_append_new(f, figure("rejections", "Rejections", a, NULL));
    json_array_append_new(f, figure("expiries", "Approvals expired", a, NULL));
    return f;
}

/* One row per hour: its start (epoch seconds, and "12-06 16:00" UTC) and each series' value. */
static json_t *hours_json(json_t *st, json_t *a)
{
    static const char *const series[] = {"executed",   "failed",  "overrides", "approvals",
                                         "rejections", "pending", "review"};
    json_t *rows = json_array(), *h;
    size_t i;
    json_array_foreach(json_object_get(st, "hours"), i, h)
    {
        const char *iso = json_string_value(h);
        char label[16];
        snprintf(label, sizeof(label), "%.5s %.5s", iso + 5, iso + 11);
        json_t *row = json_pack("{s:s, s:I}", "label", label, "t", (json_int_t)epoch_s(iso));
        for (size_t k = 0; k < sizeof(series) / sizeof(series[0]); k++)
            json_object_set(
                row, series[k],
                json_array_get(json_object_get(json_object_get(a, "series"), series[k]), i));
        json_array_append_new(rows, row);
    }
    return rows;
}

/* "/console/inbox", with the tenant chosen in the switcher. */
static json_t *inbox_href(og_http_req *r, const char *tenant)
{
    og_buf b;
    og_buf_init(&b, 256);
    og_buf_puts(&b, "/console/inbox");
    if (og_actor_is_platform(&r->ctx.actor) && tenant && *tenant) {
        og_buf_puts(&b, "?tenant=");
        og_http__console_urlencode(&b, tenant);
    }
    json_t *s = json_string(b.data ? b.data : "/console/inbox");
    og_buf_free(&b);
    return s;
}

/* "1 approval waiting", "3 approvals waiting". */
static json_t *count_text(int64_t n, const char *one, const char *many)
{
    char text[96];
    snprintf(text, sizeof(text), "%lld %s", (long long)n, n == 1 ? one : many);
    return json_string(text);
}

static json_t *area_json(og_http_req *r, json_t *st, json_t *a, const char *tenant)
{
    const char *name = json_string_value(json_object_get(a, "area"));
    char id[80];
    snprintf(id, sizeof(id), "area-%s", name);
    for (char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            *p = '-';
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:o}", "area", name, "title",
                  area_title(name), "id", id, "figures",
                  figures_json(a, (int)json_integer_value(json_object_get(st, "hours_count"))),
                  "hours", hours_json(st, a), "pending", (json_int_t)num(a, "open", "pending"),
                  "review", (json_int_t)num(a, "open", "review"), "task",
                  (json_int_t)num(a, "open", "task"), "inbox", inbox_href(r, tenant));
    json_object_set_new(
        o, "pending_text",
        count_text(num(a, "open", "pending"), "approval waiting", "approvals waiting"));
    json_object_set_new(o, "review_text",
                        count_text(num(a, "open", "review"), "review open", "reviews open"));
    json_object_set_new(o, "task_text",
                        count_text(num(a, "open", "task"), "task open", "tasks open"));
    return o;
}

/* The process areas' gate figures, and the open items for the health list. The certificates and
 * artifacts areas always show; another area when it has items. */
static int gates_part(og_http_req *r, json_t *d, const char *tenant, int64_t window_us,
                      int64_t open[3], int64_t *failed)
{
    json_t *st = NULL, *areas = json_array(), *a;
    size_t i;
    int error = og_gate_stats(&r->ctx, tenant, window_us, &st);
    if (error < 0) {
        json_decref(areas);
        return error;
    }
    json_array_foreach(json_object_get(st, "areas"), i, a)
    {
        const char *name = json_string_value(json_object_get(a, "area"));
        int64_t any = num(a, "totals", "executed") + num(a, "totals", "failed") +
                      num(a, "open", "pending") + num(a, "open", "review") + num(a, "open", "task");
        if (strcmp(name, "certs") != 0 && strcmp(name, "artifacts") != 0 && !any)
            continue;
        open[0] += num(a, "open", "pending");
        open[1] += num(a, "open", "review");
        open[2] += num(a, "open", "task");
        *failed += num(a, "window", "failed");
        json_array_append_new(areas, area_json(r, st, a, tenant));
    }
    json_object_set_new(d, "areas", areas);
    json_decref(st);
    return 0;
}

/* ---- health at a glance: each line says how many and links to where to act ---- */

static void health_add(json_t *h, int64_t n, const char *one, const char *many, json_t *href,
                       const char *severity)
{
    json_t *o = json_pack("{s:o, s:I, s:s}", "text", count_text(n, one, many), "count",
                          (json_int_t)n, "severity", n ? severity : "ok");
    if (href)
        json_object_set_new(o, "href", href);
    json_array_append_new(h, o);
}

/* The tenant's page under /console/tenants/T/ (suffix), or NULL without a tenant. */
static json_t *tenant_href(const char *tenant, const char *suffix)
{
    if (!tenant || !*tenant)
        return NULL;
    og_buf b;
    og_buf_init(&b, 256);
    og_buf_puts(&b, "/console/tenants/");
    og_http__console_urlencode(&b, tenant);
    og_buf_puts(&b, suffix);
    json_t *s = b.data ? json_string(b.data) : NULL;
    og_buf_free(&b);
    return s;
}

/* How many items of a list (og_connector_list, og_events_list) match: all, or those whose
 * field is value. -1 when the role may not read the list. */
static int64_t count_of(int rc, json_t *list, const char *field, const char *value)
{
    int64_t n = 0;
    size_t i;
    json_t *v;
    if (rc < 0) {
        og_error_clear();
        return -1;
    }
    json_array_foreach(list, i, v)
    {
        if (!field || og_streq(json_string_value(json_object_get(v, field)), value))
            n++;
    }
    json_decref(list);
    return n;
}

static void health_ops(og_http_req *r, json_t *h, const char *tenant)
{
    json_t *list = NULL;
    const char *scope = tenant && *tenant ? tenant : NULL;
    int64_t n = count_of(og_connector_list(&r->ctx, scope, &list), list, "state", "failing");
    if (n >= 0)
        health_add(h, n, scope ? "connector failing" : "platform connector failing",
                   scope ? "connectors failing" : "platform connectors failing",
                   tenant_href(scope, "/settings"), "bad");
    list = NULL;
    n = count_of(og_events_list(&r->ctx, scope, "dead", &list), list, NULL, NULL);
    if (n >= 0)
        health_add(h, n, "notification or event delivery gave up",
                   "notification or event deliveries gave up", tenant_href(scope, "/settings"),
                   "bad");
}

/* Where failed actions are read: the tenant's audit trail (or the platform's), when the role
 * may read it. */
static json_t *audit_href(og_http_req *r, const char *tenant)
{
    int plat = og_actor_is_platform(&r->ctx.actor);
    if (!plat && og_authz_check(&r->ctx.actor, r->ctx.actor.tenant_id, OG_PERM_AUDIT_READ) < 0) {
        og_error_clear();
        return NULL;
    }
    return tenant && *tenant ? tenant_href(tenant, "/audit") : json_string("/console/audit");
}

static json_t *health_json(og_http_req *r, json_t *d, const char *tenant,
                           const uint64_t counts[OG_CERTS_NBUCKETS], const int64_t open[3],
                           int64_t failed)
{
    json_t *h = json_array();
    if (json_is_true(json_object_get(d, "can_certs"))) {
        health_add(h, (int64_t)counts[0], "certificate expired", "certificates expired",
                   fleet_href(0, "expired", tenant), "bad");
        health_add(h, (int64_t)counts[1], "certificate expires within 7 days",
                   "certificates expire within 7 days", fleet_href(7, NULL, tenant), "warn");
    }
    if (json_is_true(json_object_get(d, "can_gates"))) {
        health_add(h, open[0], "approval waiting", "approvals waiting", inbox_href(r, tenant),
                   "warn");
        health_add(h, open[1], "review open", "reviews open", inbox_href(r, tenant), "warn");
        health_add(h, open[2], "task open", "tasks open", inbox_href(r, tenant), "warn");
        health_add(h, failed, "failed action in this window", "failed actions in this window",
                   audit_href(r, tenant), "bad");
    }
    if (json_is_true(json_object_get(d, "can_certs")))
        health_ops(r, h, tenant);
    return h;
}

/* ---- the page ---- */

/* This page with another window or timeline step. */
static json_t *self_href(const char *tenant, const char *window, const char *timeline)
{
    og_buf b;
    og_buf_init(&b, 512);
    og_buf_printf(&b, "/console?window=%s&timeline=%s", window, timeline);
    if (tenant && *tenant) {
        og_buf_puts(&b, "&tenant=");
        og_http__console_urlencode(&b, tenant);
    }
    json_t *s = json_string(b.data ? b.data : "/console");
    og_buf_free(&b);
    return s;
}

static void window_links(json_t *d, const char *tenant, const char *window, const char *timeline,
                         int64_t window_us)
{
    char label[48];
    if (window_us == DAY_US)
        snprintf(label, sizeof(label), "last 24 hours");
    else if (window_us % DAY_US == 0)
        snprintf(label, sizeof(label), "last %lld days", (long long)(window_us / DAY_US));
    else
        snprintf(label, sizeof(label), "last %lld hours",
                 (long long)((window_us + HOUR_US - 1) / HOUR_US));
    json_object_set_new(d, "window_label", json_string(label));
    json_object_set_new(d, "window", json_string(window));
    json_object_set_new(d, "windows",
                        json_pack("[{s:s, s:o, s:b}, {s:s, s:o, s:b}]", "label", "24 hours", "href",
                                  self_href(tenant, "24h", timeline), "current",
                                  window_us == DAY_US, "label", "7 days", "href",
                                  self_href(tenant, "7d", timeline), "current",
                                  window_us == 7 * DAY_US));
    json_object_set_new(d, "timelines",
                        json_pack("[{s:s, s:o, s:b}, {s:s, s:o, s:b}]", "label", "by week", "href",
                                  self_href(tenant, window, "week"), "current",
                                  strcmp(timeline, "week") == 0, "label", "by day", "href",
                                  self_href(tenant, window, "day"), "current",
                                  strcmp(timeline, "day") == 0));
}

/* The query: tenant, window (a duration, 24h by default) and timeline (week or day). */
static int overview_query(og_http_req *r, const char **tenant, const char **window,
                          int64_t *window_us, const char **timeline)
{
    *tenant = og_http__query(r, "tenant");
    *window = og_http__query(r, "window");
    *timeline = og_http__query(r, "timeline");
    if (*tenant && **tenant && !og_name_valid(*tenant) && !og_id_valid(*tenant))
        return og_error_set(OG_EINVAL, "'%.64s' is not a tenant name", *tenant);
    if (!*window || !**window)
        *window = "24h";
    if (strlen(*window) > 8 || og_duration_parse(*window, window_us) < 0 || *window_us < HOUR_US ||
        *window_us > OG_GATE_STATS_WINDOW_MAX_US) {
        og_error_clear();
        return og_error_set(OG_EINVAL, "window '%.16s' is not a duration of 1h to 31d (24h, 7d)",
                            *window);
    }
    if (!*timeline || !**timeline)
        *timeline = "week";
    if (strcmp(*timeline, "week") != 0 && strcmp(*timeline, "day") != 0)
        return og_error_set(OG_EINVAL, "timeline '%.16s' is not 'week' or 'day'", *timeline);
    return 0;
}

int og_http__console_overview(og_http_req *r)
{
    int error;
    const char *tenant, *window, *timeline;
    char own[64] = "";
    uint64_t counts[OG_CERTS_NBUCKETS] = {0};
    int64_t window_us = DAY_US, open[3] = {0, 0, 0}, failed = 0;
    if ((error = overview_query(r, &tenant, &window, &window_us, &timeline)) < 0 ||
        (error = og_http__console_own_tenant(r, own)) < 0)
        return error;
    if (!tenant || !*tenant)
        tenant = og_actor_is_platform(&r->ctx.actor) ? "" : own;
    json_t *d = og_http__console_base(r, tenant);
    if (!d)
        return og_error_set(OG_ERROR, "out of memory");
    /* A role that may not read the tenant's certificates or gate items (client-viewer) sees no
     * figures of them: the permission the library checks (OG_PERM_READ, og_gate_list's), and the
     * library says so again; the page says what there is instead. */
    int gates = og_authz_check(&r->ctx.actor, r->ctx.actor.tenant_id, OG_PERM_READ) == 0;
    og_error_clear();
    if ((error = certs_part(r, d, tenant, strcmp(timeline, "day") == 0 ? 1 : 7, counts)) < 0 ||
        (gates && (error = gates_part(r, d, tenant, window_us, open, &failed)) < 0)) {
        if (error != OG_EDENIED) {
            json_decref(d);
            return error;
        }
        og_error_clear();
        gates = 0;
    }
    json_object_set_new(d, "can_gates", json_boolean(gates));
    json_t *health = health_json(r, d, tenant, counts, open, failed);
    json_object_set_new(d, "has_health", json_boolean(json_array_size(health) > 0));
    json_object_set_new(d, "health", health);
    window_links(d, tenant, window, timeline, window_us);
    json_object_set_new(d, "scope", json_string(*tenant ? tenant : "every tenant"));
    return og_http__console_render(r, 200, "overview", d);
}
