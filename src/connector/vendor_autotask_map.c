/* vendor_autotask_map.c - the Autotask project pull (incremental on lastActivityDateTime, every
 * page) and the mapping of a project, its phases, tasks and company to opsgate project data
 * (docs/connectors/autotask.md has the table). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/error.h"
#include "vendor_autotask.h"

/* ---- values ---- */

/* t ten-thousandths as a decimal string, trailing zeros dropped ("7.5", "120", "-0.25"). */
static int format_e4(long long t, char *out, size_t size)
{
    unsigned long long a = t < 0 ? 0ULL - (unsigned long long)t : (unsigned long long)t;
    int len = snprintf(out, size, "%s%llu.%04llu", t < 0 ? "-" : "", a / 10000, a % 10000);
    if (len < 0 || (size_t)len >= size)
        return -1;
    while (out[len - 1] == '0')
        out[--len] = '\0';
    if (out[len - 1] == '.')
        out[--len] = '\0';
    if (strcmp(out, "-0") == 0)
        strcpy(out, "0");
    return 0;
}

/*
 * A JSON number as a decimal string ("7.5", "120", "-0.25"): the double jansson parsed from the
 * JSON text, times 10^4, rounded half away from zero, trailing zeros dropped. Any number written
 * with at most 4 decimals (and under 10^11) comes back exactly as written; more decimals are
 * rounded at the 4th. *n receives the value in ten-thousandths. 1 when v is absent, null or not a
 * number, or too large to be an amount (the field is then left out).
 */
int at_decimal(const json_t *v, char *out, size_t size, long long *n)
{
    long long t;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i > 100000000000LL || i < -100000000000LL)
            return 1;
        t = (long long)i * 10000;
    } else if (json_is_real(v)) {
        double x = json_real_value(v);
        if (!isfinite(x) || fabs(x) > 1e11)
            return 1;
        t = llround(x * 10000.0);
    } else {
        return 1;
    }
    if (format_e4(t, out, size) < 0)
        return 1;
    if (n)
        *n = t;
    return 0;
}

static void set_decimal(json_t *o, const char *key, const json_t *v)
{
    char s[40];
    if (at_decimal(v, s, sizeof(s), NULL) == 0)
        json_object_set_new(o, key, json_string(s));
}

/* The date part (YYYY-MM-DD) of an Autotask date-time; 0 when it has one that exists (not
 * 2026-02-30: project data refuses it). */
static int at_date(const json_t *v, char out[11])
{
    const char *s = json_string_value(v);
    static const char pat[] = "dddd-dd-dd";
    int64_t us;
    if (!s || strlen(s) < 10)
        return -1;
    for (int i = 0; i < 10; i++)
        if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
            return -1;
    memcpy(out, s, 10);
    out[10] = '\0';
    return og_time_parse(out, &us) < 0 ? -1 : 0;
}

static void set_date(json_t *o, const char *key, const json_t *v)
{
    char d[11];
    if (at_date(v, d) == 0)
        json_object_set_new(o, key, json_string(d));
}

/* A name for project data: one line (control characters become spaces), at most 200
 * characters (project data's limit for names; the whole text stays in raw). A new reference
 * ("" when v is no string); NULL only when out of memory. */
static json_t *name_of(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t n = 0, chars = 0;
    if (!s)
        return json_string("");
    char *o = malloc(strlen(s) + 1);
    if (!o)
        return NULL;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch & 0xC0) != 0x80 && ++chars > 200)
            break;
        o[n++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    o[n] = '\0';
    json_t *j = json_string(o);
    free(o);
    return j;
}

/* Order records by their numeric id (creation order): the same data whatever order Autotask
 * sends them in, so an unchanged project maps to the same snapshot. */
static int by_id(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "id"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "id"));
    return x < y ? -1 : x > y;
}

static int sort_by_id(json_t *list)
{
    size_t n = json_array_size(list), i;
    if (n == 0)
        return 0; /* nothing to sort (and qsort must not get a NULL array) */
    json_t **v = malloc(n * sizeof(*v));
    if (!v)
        return og_error_set(OG_ERROR, "out of memory");
    for (i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(list, i));
    qsort(v, n, sizeof(*v), by_id);
    json_array_clear(list);
    for (i = 0; i < n; i++)
        json_array_append_new(list, v[i]);
    free(v);
    return 0;
}

/* An Autotask date-time as RFC 3339 UTC: kept as sent (fraction included, so a later
 * "gt" filter with it is exact) when it is "YYYY-MM-DDTHH:MM:SS[.f]Z"; "Z" added when the zone
 * is missing (Autotask's times are UTC); "" when it is not a date-time. */
void at_stamp(const json_t *v, char *out, size_t size)
{
    const char *s = json_string_value(v);
    char d[11];
    out[0] = '\0';
    if (!s || at_date(v, d) < 0 || strlen(s) < 19 || strlen(s) > 40 || s[10] != 'T')
        return;
    size_t n = strspn(s + 11, "0123456789:.") + 11;
    if (n < 19 || (s[n] && !(s[n] == 'Z' && !s[n + 1]) && strcmp(s + n, "+00:00") != 0))
        return;
    snprintf(out, size, "%.*sZ", (int)n, s);
    int64_t us;
    if (og_time_parse(out, &us) < 0) /* "25:99:99", "12:00:00.Z" */
        out[0] = '\0';
}

/* ---- one project ---- */

typedef struct collect {
    json_t *list;
} collect;

static int collect_item(og_conn *c, json_t *it, void *arg)
{
    (void)c;
    if (json_array_append(((collect *)arg)->list, it) < 0)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

/* Every record of Projects/{id}/<child> (Phases, Tasks), all pages, into *out. */
static int fetch_children(og_conn *c, const char *pid, const char *child, json_t **out)
{
    char path[96];
    collect col = {json_array()};
    *out = NULL;
    if (!col.list)
        return og_error_set(OG_ERROR, "out of memory");
    snprintf(path, sizeof(path), "/V1.0/Projects/%s/%s", pid, child);
    int error = at_each(c, path, collect_item, &col);
    if (error < 0)
        json_decref(col.list);
    else
        *out = col.list;
    return error;
}

/* The company's name, fetched once per operation (GET /V1.0/Companies/{id}); "" when the PSA
 * has no such company. */
static int company_name(og_conn *c, const char *id, const char **out)
{
    int error = 0;
    char path[64];
    json_t *item = NULL;
    at_state *st = at_state_of(c);
    *out = "";
    if (!st || (!st->company_names && !(st->company_names = json_object())))
        return og_error_set(OG_ERROR, "out of memory");
    if (!at_digits(id))
        return 0;
    json_t *known = json_object_get(st->company_names, id);
    if (!known) {
        snprintf(path, sizeof(path), "/V1.0/Companies/%s", id);
        error = at_get(c, path, &item);
        if (error == OG_ENOTFOUND) {
            error = 0;
        } else if (error < 0) {
            goto cleanup;
        }
        const char *name = at_str(json_object_get(json_object_get(item, "item"), "companyName"));
        if (json_object_set_new(st->company_names, id, json_string(name)) < 0) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        known = json_object_get(st->company_names, id);
    }
    *out = at_str(known);
cleanup:
    json_decref(item);
    return error;
}

static json_t *map_task(const json_t *t)
{
    char id[32];
    if (at_id_text(json_object_get(t, "id"), id, sizeof(id)) < 0)
        return NULL;
    char tid[40];
    snprintf(tid, sizeof(tid), "task-%s", id);
    json_t *o = json_pack("{s:s, s:o}", "id", tid, "name", name_of(json_object_get(t, "title")));
    if (o)
        set_decimal(o, "hours", json_object_get(t, "estimatedHours"));
    return o;
}

/* data.phases and raw.phases: each phase with its tasks (nested phases flattened, phases and
 * tasks in id order); tasks without a (known) phase go to a last phase "Project tasks". */
static int map_phases(const char *pid, json_t *phases, json_t *tasks, json_t *data, json_t *raw)
{
    json_t *dp = json_array(), *rp = json_array(), *loose = json_array(), *dloose = json_array();
    json_t *index = json_object(); /* "phase-<id>" -> its position in dp; "task-<id>" seen */
    size_t i, j;
    json_t *ph, *t;
    int error = og_error_set(OG_ERROR, "out of memory");
    if (!dp || !rp || !loose || !dloose || !index || sort_by_id(phases) < 0 ||
        sort_by_id(tasks) < 0)
        goto cleanup;
    json_array_foreach(phases, i, ph)
    {
        char id[32], phid[40];
        if (!json_is_object(ph) || at_id_text(json_object_get(ph, "id"), id, sizeof(id)) < 0)
            continue;
        snprintf(phid, sizeof(phid), "phase-%s", id);
        if (json_object_get(index, phid))
            continue; /* the same phase twice in the answer */
        json_t *p = json_pack("{s:s, s:o, s:[]}", "id", phid, "name",
                              name_of(json_object_get(ph, "title")), "tasks");
        json_t *r = json_deep_copy(ph);
        if (!p || !r ||
            json_object_set_new(index, phid, json_integer((json_int_t)json_array_size(dp))) < 0 ||
            json_array_append_new(dp, p) < 0 || json_array_append_new(rp, r) < 0 ||
            json_object_set_new(r, "tasks", json_array()) < 0)
            goto cleanup;
        set_date(p, "start", json_object_get(ph, "startDate"));
        set_date(p, "end", json_object_get(ph, "dueDate"));
    }
    json_array_foreach(tasks, j, t)
    {
        char phase[32], want[40];
        json_t *mt = json_is_object(t) ? map_task(t) : NULL;
        const char *tid = json_string_value(json_object_get(mt, "id"));
        if (!mt || json_object_get(index, tid) ||
            json_object_set_new(index, tid, json_true()) < 0) {
            json_decref(mt); /* the same task twice in the answer: task ids are unique */
            continue;
        }
        size_t at = json_array_size(dp);
        if (at_id_text(json_object_get(t, "phaseID"), phase, sizeof(phase)) == 0) {
            snprintf(want, sizeof(want), "phase-%s", phase);
            json_t *pos = json_object_get(index, want);
            if (pos)
                at = (size_t)json_integer_value(pos);
        }
        if (at < json_array_size(dp)) {
            json_array_append_new(json_object_get(json_array_get(dp, at), "tasks"), mt);
            json_array_append(json_object_get(json_array_get(rp, at), "tasks"), t);
        } else {
            json_array_append_new(dloose, mt);
            json_array_append(loose, t);
        }
    }
    if (json_array_size(dloose) > 0) {
        char lid[40];
        snprintf(lid, sizeof(lid), "project-%s", pid);
        json_array_append_new(
            dp, json_pack("{s:s, s:s, s:O}", "id", lid, "name", "Project tasks", "tasks", dloose));
    }
    if (json_object_set(data, "phases", dp) < 0 || json_object_set(raw, "phases", rp) < 0 ||
        json_object_set(raw, "tasks", loose) < 0)
        goto cleanup;
    error = 0;
cleanup:
    json_decref(dp);
    json_decref(rp);
    json_decref(loose);
    json_decref(dloose);
    json_decref(index);
    return error;
}

static int is_closed(og_conn *c, const json_t *status)
{
    const json_t *cs = json_object_get(c->options, "closed_statuses");
    size_t i;
    const json_t *v;
    if (!json_is_integer(status))
        return 0;
    if (!json_is_array(cs))
        return json_integer_value(status) == 5; /* Autotask's "Complete" */
    json_array_foreach(cs, i, v) if (json_is_integer(v) &&
                                     json_integer_value(v) == json_integer_value(status)) return 1;
    return 0;
}

/* psa {...}: the project's PSA facts (hours and money as decimal strings). */
static json_t *map_psa(og_conn *c, const json_t *p, const char *pid, const char *cid,
                       const char *stamp)
{
    char st[32] = "", amt[40];
    long long a = 0, b = 0;
    const json_t *s = json_object_get(p, "status");
    if (json_is_integer(s)) {
        snprintf(st, sizeof(st), "%lld", (long long)json_integer_value(s));
        const char *label =
            json_string_value(json_object_get(json_object_get(c->options, "status_labels"), st));
        char *cut = label ? at_cut(label, sizeof(st) - 1) : NULL; /* whole characters */
        if (cut)
            snprintf(st, sizeof(st), "%s", cut);
        free(cut);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "remote_id", pid, "company_id", cid, "status", st,
                          "updated_at", stamp);
    if (!o)
        return NULL;
    set_decimal(o, "budget_hours", json_object_get(p, "estimatedTime"));
    set_decimal(o, "actual_hours", json_object_get(p, "actualHours"));
    /* the estimated revenue: original estimate plus change orders */
    int has_a =
        at_decimal(json_object_get(p, "originalEstimatedRevenue"), amt, sizeof(amt), &a) == 0;
    int has_b = at_decimal(json_object_get(p, "changeOrdersRevenue"), amt, sizeof(amt), &b) == 0;
    if ((has_a || has_b) && format_e4(a + b, amt, sizeof(amt)) == 0) /* summed exactly */
        json_object_set_new(o, "budget_amount", json_string(amt));
    set_date(o, "start", json_object_get(p, "startDateTime"));
    set_date(o, "end", json_object_get(p, "endDateTime"));
    return o;
}

/* Map a project with its phases, tasks (both sorted by id in place) and its company's name,
 * and hand it to fn (no request: the fetching is emit_project's). */
int at_map_project(og_conn *c, const json_t *p, json_t *phases, json_t *tasks, const char *cname,
                   og_conn_project_fn fn, void *arg)
{
    int error = 0;
    char pid[32], cid[32] = "", stamp[48];
    json_t *raw = NULL, *data = NULL, *psa = NULL;
    if (!json_is_object(p) || at_id_text(json_object_get(p, "id"), pid, sizeof(pid)) < 0)
        return 0; /* not a project record: nothing to map */
    at_id_text(json_object_get(p, "companyID"), cid, sizeof(cid));
    at_stamp(json_object_get(p, "lastActivityDateTime"), stamp, sizeof(stamp));
    raw =
        json_pack("{s:O, s:{s:s, s:s}}", "project", p, "company", "id", cid, "companyName", cname);
    json_t *cn = json_string(cname);
    data = json_pack("{s:{s:o}, s:{s:o}, s:[]}", "project", "name",
                     name_of(json_object_get(p, "projectName")), "client", "name", name_of(cn),
                     "contacts");
    json_decref(cn);
    psa = map_psa(c, p, pid, cid, stamp);
    if (!raw || !data || !psa || json_object_set(data, "psa", psa) < 0) {
        error = og_error_set(OG_ERROR, "out of memory or a text that is not UTF-8");
        goto cleanup;
    }
    if (*at_str(json_object_get(p, "projectNumber")))
        json_object_set_new(json_object_get(data, "project"), "key",
                            name_of(json_object_get(p, "projectNumber")));
    if ((error = map_phases(pid, phases, tasks, data, raw)) < 0)
        goto cleanup;
    og_conn_project op = {
        .remote_id = pid,
        .company_id = cid,
        .company_name = cname,
        .updated_at = stamp,
        .closed = is_closed(c, json_object_get(p, "status")),
        .raw = raw,
        .data = data,
    };
    error = fn(arg, &op);
cleanup:
    json_decref(raw);
    json_decref(data);
    json_decref(psa);
    return error;
}

/* Fetch a project's phases, tasks and company, map it and hand it to fn. */
static int emit_project(og_conn *c, json_t *p, og_conn_project_fn fn, void *arg)
{
    int error = 0;
    char pid[32], cid[32] = "";
    const char *cname = "";
    json_t *phases = NULL, *tasks = NULL;
    if (!json_is_object(p) || at_id_text(json_object_get(p, "id"), pid, sizeof(pid)) < 0)
        return 0; /* not a project record: nothing to map */
    at_id_text(json_object_get(p, "companyID"), cid, sizeof(cid));
    if ((error = fetch_children(c, pid, "Phases", &phases)) < 0 ||
        (error = fetch_children(c, pid, "Tasks", &tasks)) < 0 ||
        (error = company_name(c, cid, &cname)) < 0)
        goto cleanup;
    error = at_map_project(c, p, phases, tasks, cname, fn, arg);
cleanup:
    json_decref(phases);
    json_decref(tasks);
    return error;
}

typedef struct project_walk {
    og_conn_project_fn fn;
    void *arg;
} project_walk;

static int project_item(og_conn *c, json_t *it, void *arg)
{
    project_walk *w = arg;
    return emit_project(c, it, w->fn, w->arg);
}

/* Projects whose lastActivityDateTime is after `since` (all of them without), 500 a page, over
 * GET .../Projects/query?search= (the document types a filter's value as an object in the POST
 * body; the search parameter carries the same JSON as text). */
int at_projects(og_conn *c, const char *since, og_conn_project_fn fn, void *arg)
{
    int error = 0;
    char *path = NULL;
    json_t *filter = since && *since ? json_pack("[{s:s, s:s, s:s}]", "op", "gt", "field",
                                                 "lastActivityDateTime", "value", since)
                                     : json_pack("[{s:s, s:s}]", "op", "exist", "field", "id");
    json_t *q = filter ? at_query(filter, at_page_size(c)) : NULL;
    project_walk w = {fn, arg};
    if (!q || !(path = at_search_path("Projects", q))) {
        error = og_error_set(OG_ERROR, "out of memory or a cursor that is not UTF-8");
        goto cleanup;
    }
    if ((error = at_ready(c)) < 0)
        goto cleanup;
    error = at_each(c, path, project_item, &w);
cleanup:
    json_decref(q);
    free(path);
    return error;
}

int at_project(og_conn *c, const char *remote_id, og_conn_project_fn fn, void *arg)
{
    int error = 0;
    char path[64];
    json_t *ans = NULL;
    if (!at_digits(remote_id))
        return og_error_set(OG_EINVAL,
                            "connector %s (autotask): project id '%.40s' is not a number",
                            at_name(c), remote_id ? remote_id : "");
    snprintf(path, sizeof(path), "/V1.0/Projects/%s", remote_id);
    if ((error = at_ready(c)) < 0 || (error = at_get(c, path, &ans)) < 0)
        goto cleanup;
    json_t *item = json_object_get(ans, "item");
    char got[32];
    if (!json_is_object(item)) { /* Autotask answers {"item": null} for an unknown id */
        error = og_error_set(OG_ENOTFOUND, "connector %s (autotask): no project %s", at_name(c),
                             remote_id);
        goto cleanup;
    }
    if (at_id_text(json_object_get(item, "id"), got, sizeof(got)) < 0 ||
        strtoll(got, NULL, 10) != strtoll(remote_id, NULL, 10)) {
        error = og_error_set(OG_ERROR,
                             "connector %s (autotask): asked for project %s, the answer is "
                             "another record",
                             at_name(c), remote_id);
        goto cleanup;
    }
    error = emit_project(c, item, fn, arg);
cleanup:
    json_decref(ans);
    return error;
}
