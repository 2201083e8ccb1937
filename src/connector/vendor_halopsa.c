/* vendor_halopsa.c - the HaloPSA adaptor (Halo API v2): OAuth client-credentials token,
 * Halo's error shapes, clients as companies, projects (with their child tickets as tasks and
 * the tasks' milestones as phases) pulled page by page (pageinate/page_size/page_no) and
 * incrementally (lastupdatefromdate), mapped to opsgate project data. Pushes and webhooks are
 * in vendor_halopsa_push.c. docs/connectors/halopsa.md describes it field by field. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_halopsa.h"

#define HALO_PAGE_MAX 100 /* Halo's largest page_size */

static const og_conn_field fields[] = {
    {"client_id", 0, 1, "client ID of the Halo API application (Configuration > Integrations)"},
    {"client_secret", 1, 1, "client secret of that application (client credentials grant)"},
    {"tenant", 0, 0, "tenant name of a Halo-hosted instance, sent with the token request"},
    {"auth_url", 0, 0,
     "authorisation server on the same host (default: the base URL without /api, + /auth)"},
    {"webhook_secret", 1, 0,
     "secret Halo's webhook sends in its Authorization header (Basic password, Bearer or "
     "the header's value)"},
    {NULL, 0, 0, NULL},
};

static const char *cname(const og_conn *c)
{
    return c->name[0] ? c->name : "halopsa";
}

/* ---- authentication ---- */

/* auth_url (when given) is on the base URL's host: same scheme, host and port. */
static int auth_url_check(const char *base_url, const char *auth)
{
    char a[600], b[600];
    if (!auth || !*auth)
        return 0;
    if (og_conn_origin(auth, a, sizeof(a)) < 0)
        return og_error_set(OG_EINVAL, "credentials: auth_url must be an absolute http(s) URL "
                                       "without user or password");
    if (og_conn_origin(base_url, b, sizeof(b)) < 0)
        return og_error_set(OG_EINVAL, "the base URL must be an absolute http(s) URL");
    if (strcmp(a, b) != 0)
        return og_error_set(OG_EINVAL,
                            "credentials: auth_url is on %s, not on the base URL's host %s: "
                            "Halo's authorisation server must be on the same host (scheme, host "
                            "and port)",
                            a, b);
    return 0;
}

static int halo_creds_check(const char *base_url, const json_t *plain)
{
    return auth_url_check(base_url, json_string_value(json_object_get(plain, "auth_url")));
}

/* <auth_url>/token, where auth_url defaults to the base URL without its "/api" + "/auth". */
static int token_url(og_conn *c, char *out, size_t size)
{
    const char *auth = og_conn_cred(c, "auth_url");
    int n;
    if (*auth) {
        int error = auth_url_check(c->base_url, auth);
        if (error < 0)
            return og_error_wrap("connector %s", cname(c));
        size_t len = strlen(auth);
        while (len > 0 && auth[len - 1] == '/')
            len--;
        n = snprintf(out, size, "%.*s/token", (int)len, auth);
    } else {
        size_t len = strlen(c->base_url);
        if (len >= 4 && strcasecmp(c->base_url + len - 4, "/api") == 0)
            len -= 4;
        n = snprintf(out, size, "%.*s/auth/token", (int)len, c->base_url);
    }
    if (n < 0 || (size_t)n >= size)
        return og_error_set(OG_EINVAL, "connector %s: auth_url is too long", cname(c));
    if (strncmp(out, "http://", 7) != 0 && strncmp(out, "https://", 8) != 0)
        return og_error_set(OG_EINVAL, "connector %s: auth_url must be an http(s) URL", cname(c));
    return 0;
}

static int fetch_token(og_conn *c)
{
    int error = 0;
    char url[1200];
    og_buf form = {0};
    const char *id = og_conn_cred(c, "client_id"), *secret = og_conn_cred(c, "client_secret");
    const char *tenant = og_conn_cred(c, "tenant");
    if (!*id || !*secret)
        return og_error_set(OG_EAUTH, "connector %s: client_id and client_secret are required",
                            cname(c));
    if ((error = token_url(c, url, sizeof(url) - 300)) < 0)
        return error;
    og_buf_init(&form, 16384);
    if (*tenant) { /* Halo's hosted instances name the tenant on the token URL */
        char *t = og_conn_query_escape(tenant);
        if (!t)
            return og_error_set(OG_ERROR, "out of memory");
        size_t n = strlen(url);
        snprintf(url + n, sizeof(url) - n, "?tenant=%.250s", t);
        free(t);
    }
    if ((error = og_conn_form_add(&form, "grant_type", "client_credentials")) < 0 ||
        (error = og_conn_form_add(&form, "client_id", id)) < 0 ||
        (error = og_conn_form_add(&form, "client_secret", secret)) < 0 ||
        (error = og_conn_form_add(&form, "scope", "all")) < 0 ||
        (*tenant && (error = og_conn_form_add(&form, "tenant", tenant)) < 0))
        goto cleanup;
    error = og_conn_token_fetch(c, url, &form, NULL); /* Halo answers 400 invalid_client */
cleanup:
    if (form.data)
        og_crypto_wipe(form.data, form.len);
    og_buf_free(&form);
    return error;
}

static int halo_auth(og_conn *c, og_conn_headers *h)
{
    return og_conn_bearer_auth(c, h, fetch_token);
}

/* Halo's error answers: a JSON string, {"error", "error_description"} from the auth server,
 * ASP.NET's {"message"}/{"Message"} or problem details {"title"}, or plain text. */
static void halo_error_message(long status, const og_buf *body, const json_t *json, char *out,
                               size_t size)
{
    static const char *const keys[] = {
        "error_description", "message", "Message", "title", "error", NULL};
    const char *msg = NULL;
    size_t len = 0;
    json_t *own = NULL;
    (void)status;
    if (!json && body && body->len > 1 && body->data[0] == '"') /* a bare JSON string */
        json = own = json_loadb(body->data, body->len, JSON_DECODE_ANY, NULL);
    if (json_is_string(json))
        msg = json_string_value(json);
    for (int i = 0; !msg && json_is_object(json) && keys[i]; i++)
        msg = json_string_value(json_object_get(json, keys[i]));
    if (msg) {
        len = strlen(msg);
    } else if (!json && body && body->data && body->len) {
        msg = (const char *)body->data;
        len = body->len;
    }
    size_t o = 0;
    for (size_t i = 0; msg && i < len && o + 1 < size && o < 300; i++) {
        unsigned char ch = (unsigned char)msg[i];
        out[o++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    if (size)
        out[o] = '\0';
    json_decref(own);
}

/* ---- values ---- */

int og_halo_id_text(const json_t *v, char *out, size_t size)
{
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        snprintf(out, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return 0;
    }
    const char *s = json_string_value(v);
    if (s && *s && strlen(s) < size && strspn(s, "0123456789") == strlen(s)) {
        og_strlcpy(out, s, size);
        return 0;
    }
    return OG_EINVAL;
}

int og_halo_check_id(og_conn *c, const char *what, const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 10 || strspn(id, "0123456789") != n)
        return og_error_set(OG_EINVAL, "connector %s (halopsa): %s must be a Halo record number",
                            cname(c), what);
    return 0;
}

/* Hours and money as decimal strings: Halo sends JSON numbers, which jansson holds as doubles;
 * "%.4f" of the double nearest to a number with at most 4 decimals gives back its digits
 * exactly (well inside a double's 15 significant digits), trailing zeros are dropped. More
 * decimals are rounded to 4. NULL when v is not a number. */
static json_t *dec(const json_t *v)
{
    char b[64];
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i >= 1000000000000LL || i <= -1000000000000LL) /* as for reals: no amount */
            return NULL;
        snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, i);
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || fabs(d) >= 1e12)
            return NULL;
        snprintf(b, sizeof(b), "%.4f", d);
        char *e = b + strlen(b);
        while (e[-1] == '0')
            *--e = '\0';
        if (e[-1] == '.')
            *--e = '\0';
        if (strcmp(b, "-0") == 0)
            strcpy(b, "0");
    } else {
        return NULL;
    }
    return json_string(b);
}

/* YYYY-MM-DD of a Halo date-time; NULL when absent, not a date that exists ("2026-+1-01",
 * "2026-02-30") or Halo's "no date" (1900-01-01, any year up to 1900). */
static json_t *date_of(const json_t *v)
{
    const char *s = json_string_value(v);
    char d[11];
    int64_t us;
    if (!s || strlen(s) < 10)
        return NULL;
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return NULL;
    memcpy(d, s, 10);
    d[10] = '\0';
    if (strncmp(d, "1901", 4) < 0 || og_time_parse(d, &us) < 0)
        return NULL;
    return json_string(d);
}

/* A Halo date-time as RFC 3339 UTC ("" when absent). Halo's API speaks UTC; a time without an
 * offset is taken as UTC, an offset is applied. */
static void utc_of(const json_t *v, char *out, size_t size)
{
    const char *s = json_string_value(v);
    struct tm tm = {0};
    int off = 0, n = 0;
    out[0] = '\0';
    if (!s ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6 ||
        tm.tm_year <= 1900 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
        tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return;
    const char *p = s + n;
    if (*p == '.')
        p += 1 + strspn(p + 1, "0123456789");
    int oh = 0, om = 0;
    if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm) - (time_t)off * 60;
    struct tm g;
    gmtime_r(&t, &g);
    if (g.tm_year + 1900 > 9999) /* an offset past the year 9999: no RFC 3339 stamp */
        return;
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &g);
}

/* s cut to project data's limit for names (200 characters, on a character boundary; the whole
 * text stays in raw). A new reference. */
static json_t *text_of(const char *s)
{
    size_t n = 0, chars = 0;
    for (; s[n]; n++)
        if (((unsigned char)s[n] & 0xC0) != 0x80 && ++chars > 200)
            break;
    return json_stringn(s, n);
}

static void set_str(json_t *o, const char *key, const json_t *v)
{
    const char *s = json_string_value(v);
    if (s && *s)
        json_object_set_new(o, key, text_of(s));
}

static void set_new(json_t *o, const char *key, json_t *v)
{
    if (v)
        json_object_set_new(o, key, v);
}

/* ---- mapping ---- */

static int is_closed(og_conn *c, const json_t *p)
{
    static const char *const names[] = {"closed",   "completed", "complete", "cancelled",
                                        "canceled", "resolved",  NULL};
    json_t *st = json_object_get(p, "status_id");
    if (json_is_integer(st) && json_integer_value(st) == og_conn_opt_int(c, "closed_status_id", 9))
        return 1;
    const char *name = json_string_value(json_object_get(p, "status_name"));
    for (int i = 0; name && names[i]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* One child ticket as a task: {id: "task-<id>", name, hours, actual_hours} (Halo has no money rate
 * on a ticket: its chargerate is a rate id; the rate is left out). */
static json_t *map_task(const json_t *t, const char *id)
{
    json_t *o = json_object();
    char tid[48];
    snprintf(tid, sizeof(tid), "task-%s", id);
    json_object_set_new(o, "id", json_string(tid));
    const char *name = json_string_value(json_object_get(t, "summary"));
    json_object_set_new(o, "name", text_of(name && *name ? name : tid));
    json_t *h = dec(json_object_get(t, "estimate"));
    set_new(o, "hours", h ? h : dec(json_object_get(t, "projecttimebudget")));
    json_t *a = dec(json_object_get(t, "timetaken"));
    set_new(o, "actual_hours", a ? a : dec(json_object_get(t, "projecttimeactual")));
    return o;
}

/* 1 when a phase already holds the task "task-<id>". */
static int task_seen(const json_t *phases, const char *id)
{
    char tid[48];
    size_t i, k;
    const json_t *ph, *t;
    snprintf(tid, sizeof(tid), "task-%s", id);
    json_array_foreach(phases, i, ph)
    {
        json_array_foreach(json_object_get(ph, "tasks"), k, t)
        {
            if (strcmp(json_string_value(json_object_get(t, "id")), tid) == 0)
                return 1;
        }
    }
    return 0;
}

/* The tasks grouped by their milestone: phases {id, name, start, end, tasks} in order of
 * first appearance; tasks without a milestone go to a phase named after the project. raw_phases
 * gets the same grouping of the raw child records. */
static int map_phases(const json_t *project, const json_t *children, json_t *phases,
                      json_t *raw_phases)
{
    size_t i;
    json_t *t;
    json_array_foreach(children, i, t)
    {
        char id[32], pid[48];
        if (og_halo_id_text(json_object_get(t, "id"), id, sizeof(id)) < 0 || task_seen(phases, id))
            continue; /* no id, or the same child twice: task ids are unique */
        json_t *ms = json_object_get(t, "milestone_id");
        if (json_is_integer(ms) && json_integer_value(ms) > 0)
            snprintf(pid, sizeof(pid), "milestone-%" JSON_INTEGER_FORMAT, json_integer_value(ms));
        else
            og_strlcpy(pid, "project", sizeof(pid));
        json_t *ph = NULL, *rph = NULL;
        size_t k;
        json_array_foreach(phases, k, ph)
        {
            if (strcmp(json_string_value(json_object_get(ph, "id")), pid) == 0)
                break;
        }
        if (k == json_array_size(phases)) {
            const char *mn = json_string_value(json_object_get(t, "milestone_name"));
            const char *pn = json_string_value(json_object_get(project, "summary"));
            ph = json_pack("{s:s, s:o, s:[]}", "id", pid, "name",
                           text_of(strcmp(pid, "project") == 0 ? (pn && *pn ? pn : "Project")
                                   : mn && *mn                 ? mn
                                                               : pid),
                           "tasks");
            if (!ph)
                return og_error_set(OG_ERROR, "out of memory");
            set_new(ph, "start", date_of(json_object_get(t, "milestone_startdate")));
            set_new(ph, "end", date_of(json_object_get(t, "milestone_enddate")));
            json_array_append_new(phases, ph);
            rph = json_pack("{s:O?, s:O?, s:[]}", "milestone_id", ms, "milestone_name",
                            json_object_get(t, "milestone_name"), "tasks");
            json_array_append_new(raw_phases, rph);
        }
        rph = json_array_get(raw_phases, k);
        json_array_append_new(json_object_get(ph, "tasks"), map_task(t, id));
        json_array_append(json_object_get(rph, "tasks"), t);
    }
    return 0;
}

static json_t *map_psa(const json_t *p, const char *id, const char *company, const char *updated,
                       int closed)
{
    json_t *psa = json_pack("{s:s}", "remote_id", id);
    if (*company)
        json_object_set_new(psa, "company_id", json_string(company));
    set_str(psa, "status", json_object_get(p, "status_name"));
    if (!json_object_get(psa, "status"))
        json_object_set_new(psa, "status", json_string(closed ? "closed" : "open"));
    set_new(psa, "budget_hours", dec(json_object_get(p, "projecttimebudget")));
    json_t *act = dec(json_object_get(p, "projecttimeactual"));
    set_new(psa, "actual_hours", act ? act : dec(json_object_get(p, "timetaken")));
    set_new(psa, "budget_amount", dec(json_object_get(p, "projectmoneybudget")));
    set_new(psa, "start", date_of(json_object_get(p, "startdate")));
    json_t *end = date_of(json_object_get(p, "targetdate"));
    set_new(psa, "end", end ? end : date_of(json_object_get(p, "deadlinedate")));
    if (*updated)
        json_object_set_new(psa, "updated_at", json_string(updated));
    return psa;
}

static json_t *map_contacts(const json_t *p)
{
    json_t *list = json_array();
    const char *user = json_string_value(json_object_get(p, "user_name"));
    if (user && *user) {
        json_t *o = json_pack("{s:o, s:s, s:s}", "name", text_of(user), "side", "client", "role",
                              "requester");
        set_str(o, "email", json_object_get(p, "user_email"));
        json_array_append_new(list, o);
    }
    const char *agent = json_string_value(json_object_get(p, "agent_name"));
    if (agent && *agent)
        json_array_append_new(list, json_pack("{s:o, s:s, s:s}", "name", text_of(agent), "side",
                                              "provider", "role", "project manager"));
    return list;
}

/* Map one project with its child tickets and hand it to fn (vendor_halopsa.h). */
int og_halo_emit(og_conn *c, const json_t *p, const json_t *children, og_conn_project_fn fn,
                 void *arg)
{
    int error = 0;
    char id[32], company[32] = "", updated[40];
    json_t *data = NULL, *raw = NULL, *phases = json_array(), *raw_phases = json_array();
    if (og_halo_id_text(json_object_get(p, "id"), id, sizeof(id)) < 0) {
        error = og_error_set(OG_ERROR, "connector %s (halopsa): a project without a numeric id",
                             cname(c));
        goto cleanup;
    }
    og_halo_id_text(json_object_get(p, "client_id"), company, sizeof(company));
    utc_of(json_object_get(p, "last_update"), updated, sizeof(updated));
    if ((error = map_phases(p, children, phases, raw_phases)) < 0)
        goto cleanup;
    int closed = is_closed(c, p);
    const char *name = json_string_value(json_object_get(p, "summary"));
    const char *client = json_string_value(json_object_get(p, "client_name"));
    json_t *project = json_pack("{s:o}", "name", text_of(name && *name ? name : id));
    set_str(project, "manager", json_object_get(p, "agent_name"));
    data = json_pack("{s:o, s:{s:o}, s:O, s:o, s:o}", "project", project, "client", "name",
                     text_of(client ? client : ""), "phases", phases, "contacts", map_contacts(p),
                     "psa", map_psa(p, id, company, updated, closed));
    raw = json_pack("{s:O, s:O}", "project", p, "phases", raw_phases);
    if (!data || !raw) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_conn_project cp = {id, company, client ? client : "", updated, closed, raw, data};
    error = fn(arg, &cp);
cleanup:
    json_decref(phases);
    json_decref(raw_phases);
    json_decref(data);
    json_decref(raw);
    return error;
}

/* ---- pages ---- */

static int page_size(og_conn *c)
{
    int64_t n = og_conn_opt_int(c, "page_size", HALO_PAGE_MAX);
    return n < 1 ? 1 : n > HALO_PAGE_MAX ? HALO_PAGE_MAX : (int)n;
}

/* A path option ("/Tickets"): one path segment of letters. */
static const char *path_opt(og_conn *c, const char *name, const char *dflt)
{
    const char *s = json_string_value(json_object_get(c->options, name));
    if (!s || s[0] != '/' || !s[1] ||
        strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != strlen(s + 1))
        return dflt;
    return s;
}

/* The records list of a page: Halo names it after the resource ("projects", "tickets",
 * "clients"). */
static json_t *page_list(const json_t *page, const char *a, const char *b)
{
    json_t *l = json_object_get(page, a);
    return json_is_array(l)                          ? l
           : json_is_array(json_object_get(page, b)) ? json_object_get(page, b)
                                                     : NULL;
}

typedef int (*page_fn)(og_conn *c, const json_t *record, void *arg);

/* GET base_query&page_no=K for K = 1.. until record_count records came, or a short or empty
 * page; the same first record twice is a page that never ends. */
static int each_page(og_conn *c, const char *base_query, const char *list_a, const char *list_b,
                     page_fn fn, void *arg)
{
    int error = 0, size = page_size(c);
    long long seen = 0;
    char first[32] = "", prev[32] = "";
    json_t *page = NULL;
    for (int no = 1;; no++) {
        char path[2600];
        snprintf(path, sizeof(path), "%s%spageinate=true&page_size=%d&page_no=%d", base_query,
                 strchr(base_query, '?') ? "&" : "?", size, no);
        if ((error = og_conn_page_seen(c)) < 0 ||
            (error = og_conn_get_json(c, path, &page, NULL)) < 0)
            goto cleanup;
        json_t *list = page_list(page, list_a, list_b);
        json_t *cnt = json_object_get(page, "record_count");
        long long count = json_is_integer(cnt) ? (long long)json_integer_value(cnt) : -1;
        if (!list) {
            error = og_error_set(OG_ERROR,
                                 "connector %s (halopsa): GET %.*s: the answer holds no "
                                 "\"%s\" list",
                                 cname(c), (int)strcspn(path, "?"), path, list_a);
            goto cleanup;
        }
        size_t n = json_array_size(list), i;
        if (n && og_halo_id_text(json_object_get(json_array_get(list, 0), "id"), first,
                                 sizeof(first)) == 0) {
            if (strcmp(first, prev) == 0) {
                error = og_error_set(OG_ERROR,
                                     "connector %s (halopsa): page %d repeats the "
                                     "previous page: stopped (a page that never ends)",
                                     cname(c), no);
                goto cleanup;
            }
            og_strlcpy(prev, first, sizeof(prev));
        }
        json_t *r;
        json_array_foreach(list, i, r) if ((error = fn(c, r, arg)) < 0) goto cleanup;
        seen += (long long)n;
        json_decref(page);
        page = NULL;
        if (n == 0 || n < (size_t)size || (count >= 0 && seen >= count))
            break;
    }
cleanup:
    json_decref(page);
    return error;
}

static int collect(og_conn *c, const json_t *record, void *arg)
{
    (void)c;
    return json_array_append((json_t *)arg, (json_t *)record) == 0
               ? 0
               : og_error_set(OG_ERROR, "out of memory");
}

/* The project's child tickets (its tasks), all pages; none asked when Halo says it has none. */
static int children_of(og_conn *c, const json_t *p, const char *id, json_t **out)
{
    char q[200];
    *out = json_array();
    json_t *cc = json_object_get(p, "child_count");
    if (json_is_integer(cc) && json_integer_value(cc) == 0)
        return 0;
    snprintf(q, sizeof(q), "%s?parent_id=%s", path_opt(c, "tasks_path", "/Projects"), id);
    return each_page(c, q, "tickets", "projects", collect, *out);
}

typedef struct pull {
    og_conn_project_fn fn;
    void *arg;
} pull;

static int one_project(og_conn *c, const json_t *p, void *arg)
{
    pull *pl = arg;
    char id[32];
    json_t *children = NULL;
    if (og_halo_id_text(json_object_get(p, "id"), id, sizeof(id)) < 0)
        return og_error_set(OG_ERROR, "connector %s (halopsa): a project without a numeric id",
                            cname(c));
    int error = children_of(c, p, id, &children);
    if (error == 0)
        error = og_halo_emit(c, p, children, pl->fn, pl->arg);
    json_decref(children);
    return error;
}

/* Extra query text for the projects list (options.projects_query, e.g. "includeclosed=0,1"):
 * only name=value pairs of safe characters. */
static int extra_query(og_conn *c, char *out, size_t size)
{
    const char *q = json_string_value(json_object_get(c->options, "projects_query"));
    out[0] = '\0';
    if (!q || !*q)
        return 0;
    if (strlen(q) > 500 ||
        strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=,&.-") !=
            strlen(q))
        return og_error_set(OG_EINVAL,
                            "connector %s: options.projects_query holds characters "
                            "other than letters, digits, _ = , & . -",
                            cname(c));
    snprintf(out, size, "&%s", q);
    return 0;
}

static int halo_projects(og_conn *c, const char *since, og_conn_project_fn fn, void *arg)
{
    int error = 0;
    char q[1400], extra[520];
    char *s = NULL;
    pull pl = {fn, arg};
    if ((error = extra_query(c, extra, sizeof(extra))) < 0)
        return error;
    if (since && *since) {
        if (strlen(since) > 40 || !(s = og_conn_query_escape(since)))
            return og_error_set(OG_EINVAL, "connector %s: bad 'since' stamp", cname(c));
    }
    snprintf(q, sizeof(q), "/Projects?includecompleted=true%s%s%s", s ? "&lastupdatefromdate=" : "",
             s ? s : "", extra);
    error = each_page(c, q, "projects", "tickets", one_project, &pl);
    free(s);
    return error;
}

static int halo_project(og_conn *c, const char *remote_id, og_conn_project_fn fn, void *arg)
{
    int error = 0;
    char path[64];
    json_t *p = NULL;
    pull pl = {fn, arg};
    if ((error = og_halo_check_id(c, "the project id", remote_id)) < 0)
        return error;
    snprintf(path, sizeof(path), "/Projects/%s", remote_id);
    if ((error = og_conn_get_json(c, path, &p, NULL)) < 0)
        goto cleanup;
    if (!json_is_object(p)) {
        error = og_error_set(OG_ERROR, "connector %s (halopsa): GET /Projects/%s: not a record",
                             cname(c), remote_id);
        goto cleanup;
    }
    error = one_project(c, p, &pl);
cleanup:
    json_decref(p);
    return error;
}

/* ---- companies and the test call ---- */

typedef struct co_arg {
    og_conn_company_fn fn;
    void *arg;
} co_arg;

static int one_client(og_conn *c, const json_t *r, void *arg)
{
    co_arg *ca = arg;
    char id[32];
    (void)c;
    if (og_halo_id_text(json_object_get(r, "id"), id, sizeof(id)) < 0)
        return 0; /* Halo's built-in pseudo clients have no positive id */
    const char *name = json_string_value(json_object_get(r, "name"));
    og_conn_company co = {id, name ? name : ""};
    return ca->fn(ca->arg, &co);
}

static int halo_companies(og_conn *c, og_conn_company_fn fn, void *arg)
{
    co_arg ca = {fn, arg};
    return each_page(c, "/Client?includeinactive=true", "clients", "clients", one_client, &ca);
}

static int halo_test(og_conn *c, json_t **out)
{
    json_t *page = NULL;
    *out = NULL;
    int error = og_conn_get_json(c, "/Client?pageinate=true&page_size=1&page_no=1", &page, NULL);
    if (error < 0)
        return error;
    json_t *count = json_object_get(page, "record_count");
    *out = json_pack("{s:s, s:I}", "account", og_conn_cred(c, "client_id"), "clients",
                     (json_int_t)(json_is_integer(count) ? json_integer_value(count) : 0));
    json_decref(page);
    return *out ? 0 : og_error_set(OG_ERROR, "out of memory");
}

const og_conn_vendor og_conn_halopsa = {
    .kind = "halopsa",
    .title = "HaloPSA",
    .category = "psa",
    .default_base_url = NULL,
    .fields = fields,
    .auth = halo_auth,
    .auth_reset = og_conn_token_reset,
    .error_message = halo_error_message,
    .test = halo_test,
    .companies = halo_companies,
    .projects = halo_projects,
    .project = halo_project,
    .attach = og_halo_attach,
    .ticket_open = og_halo_ticket_open,
    .ticket_note = og_halo_ticket_note,
    .ticket_close = og_halo_ticket_close,
    .webhook = og_halo_webhook,
    .creds_check = halo_creds_check,
};
