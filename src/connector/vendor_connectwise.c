/* vendor_connectwise.c - the ConnectWise PSA (Manage) adaptor: authentication, the vendor's
 * errors, pulls (companies; projects with their phases and project tickets, incremental on
 * lastUpdated). Pushes are in vendor_connectwise_push.c, callbacks in vendor_connectwise_hook.c;
 * the mapping is documented field by field in docs/connectors/connectwise.md. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "connector_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_connectwise.h"

#define CW_PAGE_MAX 1000 /* the API's largest pageSize */
#define CW_ID_BATCH 100  /* ids per "id in (...)" condition: keeps URLs short for IIS */
#define CW_KEY_MAX  4096 /* longest callback signing key accepted */

static const og_conn_field fields[] = {
    {"company_id", 0, 1, "the company id you log in to ConnectWise with"},
    {"public_key", 0, 1, "the API member's public key"},
    {"private_key", 1, 1, "the API member's private key"},
    {"client_id", 0, 1, "the clientId GUID of your integration (developer.connectwise.com)"},
    {"webhook_secret", 1, 0,
     "a shared key for callback signatures (default: the key named by the callback's key_url)"},
    {NULL, 0, 0, NULL},
};

const char *og_conn__cw_name(const og_conn *c)
{
    return c->name[0] ? c->name : "connectwise";
}

int og_conn__cw_id_ok(const char *s)
{
    if (!s)
        return 0;
    const char *d = *s == '-' ? s + 1 : s;
    size_t n = strlen(d);
    if (n == 0 || n > 10 || strspn(d, "0123456789") != n)
        return 0;
    long long v = strtoll(s, NULL, 10);
    return v >= INT32_MIN && v <= INT32_MAX;
}

int og_conn__cw_id_text(const json_t *v, char *out, size_t size)
{
    out[0] = '\0';
    if (json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
        json_integer_value(v) <= INT32_MAX) {
        snprintf(out, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return 0;
    }
    if (json_is_string(v) && og_conn__cw_id_ok(json_string_value(v))) {
        og_strlcpy(out, json_string_value(v), size);
        return 0;
    }
    return og_error_set(OG_EINVAL, "not a ConnectWise record id");
}

/* ---- authentication and errors ---- */

/* The API version pinned in every request's Accept header (options.api_version, default the
 * version of the description the tests check against); anything but digits and dots is ignored. */
static const char *api_version(const og_conn *c)
{
    const char *v = json_string_value(json_object_get(c->options, "api_version"));
    if (!v || !*v || strlen(v) > 16 || strspn(v, "0123456789.") != strlen(v))
        return "2025.1";
    return v;
}

/* Basic auth "companyId+publicKey:privateKey", the integration's clientId, the API version. */
static int cw_auth(og_conn *c, og_conn_headers *h)
{
    int error = 0;
    const char *co = og_conn_cred(c, "company_id"), *pub = og_conn_cred(c, "public_key");
    const char *priv = og_conn_cred(c, "private_key"), *cid = og_conn_cred(c, "client_id");
    char *plain = NULL, *b64 = NULL;
    if (!*co || !*pub || !*priv || !*cid)
        return og_error_set(OG_EAUTH,
                            "connector %s (connectwise): the credentials need company_id, "
                            "public_key, private_key and client_id",
                            og_conn__cw_name(c));
    if (strchr(co, ':') || strchr(pub, ':'))
        return og_error_set(OG_EAUTH,
                            "connector %s (connectwise): company_id and public_key must not hold "
                            "':' (it ends the user name of Basic authentication)",
                            og_conn__cw_name(c));
    size_t n = strlen(co) + strlen(pub) + strlen(priv) + 3;
    if (!(plain = malloc(n))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    snprintf(plain, n, "%s+%s:%s", co, pub, priv);
    if (!(b64 = og_base64_encode((const uint8_t *)plain, strlen(plain)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_conn_headers_add(h, "Authorization: Basic %s", b64)) < 0 ||
        (error = og_conn_headers_add(h, "clientId: %s", cid)) < 0 ||
        (error = og_conn_headers_add(h, "Accept: application/vnd.connectwise.com+json; version=%s",
                                     api_version(c))) < 0)
        error = og_error_set(error,
                             "connector %s (connectwise): company_id or client_id holds a "
                             "line break",
                             og_conn__cw_name(c));
cleanup:
    if (plain)
        og_crypto_wipe(plain, strlen(plain));
    if (b64)
        og_crypto_wipe(b64, strlen(b64));
    free(plain);
    free(b64);
    return error;
}

/* Copy s into out as one printable line (controls become spaces), at most size-1 bytes. */
static void one_line(const char *s, size_t len, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < size; i++)
        out[o++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
    out[o] = '\0';
}

/* ConnectWise answers {"code": "...", "message": "...", "errors": [{"code", "message",
 * "resource", "field"}]}; a proxy in front may answer problem+json or text. */
static void cw_error_message(long status, const og_buf *body, const json_t *json, char *out,
                             size_t size)
{
    char tmp[600];
    (void)status;
    out[0] = '\0';
    const char *msg = json_string_value(json_object_get(json, "message"));
    json_t *e0 = json_array_get(json_object_get(json, "errors"), 0);
    const char *first = json_string_value(json_object_get(e0, "message"));
    const char *field = json_string_value(json_object_get(e0, "field"));
    if (!msg)
        msg = json_string_value(json_object_get(json, "detail"));
    if (!msg)
        msg = json_string_value(json_object_get(json, "title"));
    if (msg && first && strcmp(msg, first) != 0)
        snprintf(tmp, sizeof(tmp), "%s (%s%s%s)", msg, field ? field : "", field ? ": " : "",
                 first);
    else if (msg || first)
        snprintf(tmp, sizeof(tmp), "%s", msg ? msg : first);
    else if (!json && body && body->len > 0)
        snprintf(tmp, sizeof(tmp), "%.*s", (int)(body->len < 200 ? body->len : 200),
                 (const char *)body->data);
    else
        return;
    one_line(tmp, strlen(tmp), out, size);
}

/* ---- times ---- */

/* RFC 3339 into ConnectWise's "YYYY-MM-DDTHH:MM:SSZ" (UTC); OG_EINVAL for anything else, so
 * nothing but a time ever reaches a condition. */
static int cw_time(const char *s, char out[32])
{
    int64_t us;
    struct tm tm;
    if (og_time_parse(s, &us) < 0)
        return OG_EINVAL;
    time_t t = (time_t)(us / 1000000);
    if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return OG_EINVAL;
    return 0;
}

/* ---- pages ---- */

/* Called with each page (a JSON array, borrowed). */
typedef int (*cw_page_fn)(og_conn *c, void *arg, json_t *page);

/* GET path (a query already encoded) page by page, in id order: pageSize, orderBy=id asc and
 * page=1 (or forward-only paging with pageId when options.forward_only is true: ordered by id
 * by ConnectWise, no orderBy), then the answer's Link rel="next" until there is none. Each page
 * counts against options.max_pages; a next link that repeats the page just read is an error (a page
 * that never ends). */
static int cw_pages(og_conn *c, const char *path, cw_page_fn fn, void *arg)
{
    int error = 0;
    og_conn_response resp = {0};
    char *url = NULL, first[2048];
    int forward = json_is_true(json_object_get(c->options, "forward_only"));
    int64_t size = og_conn_opt_int(c, "page_size", CW_PAGE_MAX);
    const char *hdrs[] = {"pagination-type: forward-only", NULL};
    if (size < 1 || size > CW_PAGE_MAX)
        size = CW_PAGE_MAX;
    if ((size_t)snprintf(first, sizeof(first), "%s%spageSize=%lld%s", path,
                         strchr(path, '?') ? "&" : "?", (long long)size,
                         forward ? "" : "&orderBy=id%20asc&page=1") >= sizeof(first))
        return og_error_set(OG_EINVAL, "connector %s: request path too long", og_conn__cw_name(c));
    for (;;) {
        og_conn_request rq = {
            .path = url ? NULL : first, .url = url, .headers = forward ? hdrs : NULL};
        if ((error = og_conn_page_seen(c)) < 0 || (error = og_conn_http(c, &rq, &resp)) < 0)
            goto cleanup;
        if (!json_is_array(resp.json)) {
            char p[200];
            one_line(path, strcspn(path, "?"), p, sizeof(p));
            error = og_error_set(OG_ERROR,
                                 "connector %s (connectwise): GET %s: the answer is not a list "
                                 "of records",
                                 og_conn__cw_name(c), p);
            goto cleanup;
        }
        if ((error = fn(c, arg, resp.json)) < 0)
            goto cleanup;
        if (!resp.next_link[0] || json_array_size(resp.json) == 0)
            break;
        char *next = NULL;
        if (resp.next_link[0] == '/') { /* a relative link: on the base URL's origin */
            const char *h = strstr(c->base_url, "://");
            size_t o = h ? (size_t)(h + 3 - c->base_url) + strcspn(h + 3, "/") : 0;
            size_t n = o + strlen(resp.next_link) + 1;
            if ((next = malloc(n)))
                snprintf(next, n, "%.*s%s", (int)o, c->base_url, resp.next_link);
        } else {
            next = strdup(resp.next_link);
        }
        if (!next) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        if (url && strcmp(url, next) == 0) {
            free(next);
            error = og_error_set(OG_ETOOBIG,
                                 "connector %s (connectwise): the next page link repeats the "
                                 "page just read: stopped (a page that never ends)",
                                 og_conn__cw_name(c));
            goto cleanup;
        }
        free(url);
        url = next;
        og_conn_response_clear(&resp);
    }
cleanup:
    og_conn_response_clear(&resp);
    free(url);
    return error;
}

/* ---- test and companies ---- */

static int cw_test(og_conn *c, json_t **out)
{
    og_conn_response resp = {0};
    og_conn_request rq = {.path = "/company/companies?pageSize=1&page=1"};
    *out = NULL;
    int error = og_conn_http(c, &rq, &resp);
    if (error == 0 && !json_is_array(resp.json))
        error = og_error_set(OG_ERROR,
                             "connector %s (connectwise): GET /company/companies: the answer is "
                             "not a list of records (is the base URL .../v4_6_release/apis/3.0?)",
                             og_conn__cw_name(c));
    if (error == 0 && !(*out = json_pack("{s:s}", "account", og_conn_cred(c, "company_id"))))
        error = og_error_set(OG_ERROR, "out of memory");
    og_conn_response_clear(&resp);
    return error;
}

typedef struct company_walk {
    og_conn_company_fn fn;
    void *arg;
} company_walk;

static int company_page(og_conn *c, void *arg, json_t *page)
{
    company_walk *w = arg;
    size_t i;
    json_t *co;
    char id[32];
    (void)c;
    json_array_foreach(page, i, co)
    {
        if (og_conn__cw_id_text(json_object_get(co, "id"), id, sizeof(id)) < 0)
            continue;
        const char *name = json_string_value(json_object_get(co, "name"));
        og_conn_company oc = {id, name ? name : ""};
        int error = w->fn(w->arg, &oc);
        if (error < 0)
            return error;
    }
    return 0;
}

static int cw_companies(og_conn *c, og_conn_company_fn fn, void *arg)
{
    company_walk w = {fn, arg};
    return cw_pages(c, "/company/companies", company_page, &w);
}

/* ---- projects ---- */

typedef struct project_walk {
    og_conn_project_fn fn;
    void *arg;
    json_t *seen;    /* project ids already given to fn (incremental pulls) */
    json_t *tickets; /* one page's tickets: project id -> [ticket...] */
    json_t *phases;  /* one project's phases */
} project_walk;

static int ticket_page(og_conn *c, void *arg, json_t *page)
{
    project_walk *w = arg;
    size_t i;
    json_t *t;
    char pid[32];
    (void)c;
    json_array_foreach(page, i, t)
    {
        if (og_conn__cw_id_text(json_object_get(json_object_get(t, "project"), "id"), pid,
                                sizeof(pid)) < 0)
            continue;
        json_t *list = json_object_get(w->tickets, pid);
        if (!list) {
            list = json_array();
            if (json_object_set_new(w->tickets, pid, list) < 0)
                return og_error_set(OG_ERROR, "out of memory");
        }
        if (json_array_append(list, t) < 0)
            return og_error_set(OG_ERROR, "out of memory");
    }
    return 0;
}

static int phase_page(og_conn *c, void *arg, json_t *page)
{
    (void)c;
    return json_array_extend(((project_walk *)arg)->phases, page) < 0
               ? og_error_set(OG_ERROR, "out of memory")
               : 0;
}

/* Map one project and hand it to the walk's callback. */
static int emit_project(project_walk *w, json_t *p, json_t *phases, json_t *tickets)
{
    int error = 0;
    char id[32], co[32] = "", upd[32] = "";
    json_t *raw = NULL, *data = NULL, *company = json_object_get(p, "company");
    if (og_conn__cw_id_text(json_object_get(p, "id"), id, sizeof(id)) < 0)
        return 0;
    og_conn__cw_id_text(json_object_get(company, "id"), co, sizeof(co));
    const char *upd_in =
        json_string_value(json_object_get(json_object_get(p, "_info"), "lastUpdated"));
    if (upd_in && cw_time(upd_in, upd) < 0)
        upd[0] = '\0';
    if ((error = og_conn__cw_map(p, phases, tickets, id, co, upd, &raw, &data)) < 0)
        return error;
    const char *co_name = json_string_value(json_object_get(company, "name"));
    og_conn_project op = {id, co, co_name ? co_name : "", upd, og_conn__cw_closed(p), raw, data};
    if (w->seen)
        json_object_set_new(w->seen, id, json_true());
    error = w->fn(w->arg, &op);
    json_decref(raw);
    json_decref(data);
    return error;
}

/* Append "id in (a,b,...)" of ids[from..to) to a condition, URL-encoded. */
static int ids_condition(json_t *ids, size_t from, size_t to, const char *field, og_buf *b)
{
    int error = og_buf_printf(b, "%s%%20in%%20(", field);
    for (size_t i = from; error == 0 && i < to; i++)
        error = og_buf_printf(b, "%s%s", i > from ? "," : "",
                              json_string_value(json_array_get(ids, i)));
    return error ? error : og_buf_puts(b, ")");
}

/* A page of projects: their tickets in batches of CW_ID_BATCH projects, then each project's
 * phases, then each project mapped and handed on. */
static int project_page(og_conn *c, void *arg, json_t *page)
{
    project_walk *w = arg;
    int error = 0;
    size_t i;
    json_t *p, *ids = json_array();
    og_buf q;
    char id[32];
    og_buf_init(&q, 1 << 16);
    json_object_clear(w->tickets);
    json_array_foreach(page, i, p)
    {
        if (og_conn__cw_id_text(json_object_get(p, "id"), id, sizeof(id)) == 0 &&
            !(w->seen && json_object_get(w->seen, id)))
            json_array_append_new(ids, json_string(id));
    }
    for (size_t from = 0; from < json_array_size(ids); from += CW_ID_BATCH) {
        size_t to =
            from + CW_ID_BATCH < json_array_size(ids) ? from + CW_ID_BATCH : json_array_size(ids);
        og_buf_reset(&q);
        if ((error = og_buf_puts(&q, "/project/tickets?conditions=")) < 0 ||
            (error = ids_condition(ids, from, to, "project/id", &q)) < 0 ||
            (error = cw_pages(c, (const char *)q.data, ticket_page, w)) < 0)
            goto cleanup;
    }
    json_array_foreach(page, i, p)
    {
        char path[96];
        if (og_conn__cw_id_text(json_object_get(p, "id"), id, sizeof(id)) < 0 ||
            (w->seen && json_object_get(w->seen, id)))
            continue;
        json_decref(w->phases); /* a new list: the last project's raw may still hold the old */
        if (!(w->phases = json_array())) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        snprintf(path, sizeof(path), "/project/projects/%s/phases", id);
        if ((error = cw_pages(c, path, phase_page, w)) < 0)
            goto cleanup;
        json_t *tickets = json_object_get(w->tickets, id);
        json_t *none = json_array();
        error = emit_project(w, p, w->phases, tickets ? tickets : none);
        json_decref(none);
        if (error < 0)
            goto cleanup;
    }
cleanup:
    og_buf_free(&q);
    json_decref(ids);
    return error;
}

/* Incremental pulls: the projects of tickets changed since the cursor (a ticket's change does
 * not touch its project's lastUpdated). */
static int changed_ticket_page(og_conn *c, void *arg, json_t *page)
{
    json_t *ids = arg, *t;
    size_t i;
    char pid[32];
    (void)c;
    json_array_foreach(page, i, t)
    {
        if (og_conn__cw_id_text(json_object_get(json_object_get(t, "project"), "id"), pid,
                                sizeof(pid)) == 0 &&
            json_object_set_new(ids, pid, json_true()) < 0)
            return og_error_set(OG_ERROR, "out of memory");
    }
    return 0;
}

static int cw_projects(og_conn *c, const char *since, og_conn_project_fn fn, void *arg)
{
    int error = 0;
    char t[32], path[256];
    og_buf q;
    json_t *changed = json_object(), *rest = json_array();
    project_walk w = {fn, arg, json_object(), json_object(), json_array()};
    og_buf_init(&q, 1 << 16);
    if (!changed || !rest || !w.seen || !w.tickets || !w.phases) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (!since || !*since) {
        error = cw_pages(c, "/project/projects", project_page, &w);
        goto cleanup;
    }
    if (cw_time(since, t) < 0) {
        error = og_error_set(OG_EINVAL, "connector %s: 'since' is not an RFC 3339 time",
                             og_conn__cw_name(c));
        goto cleanup;
    }
    /* conditions=lastUpdated>[2026-01-01T00:00:00Z], encoded */
    snprintf(path, sizeof(path),
             "/project/"
             "tickets?conditions=lastUpdated%%3E%%5B%.4s-%.2s-%.2sT%.2s%%3A%.2s%%3A%.2sZ%%5D",
             t, t + 5, t + 8, t + 11, t + 14, t + 17);
    if ((error = cw_pages(c, path, changed_ticket_page, changed)) < 0)
        goto cleanup;
    snprintf(path, sizeof(path),
             "/project/"
             "projects?conditions=lastUpdated%%3E%%5B%.4s-%.2s-%.2sT%.2s%%3A%.2s%%3A%.2sZ%%5D",
             t, t + 5, t + 8, t + 11, t + 14, t + 17);
    if ((error = cw_pages(c, path, project_page, &w)) < 0)
        goto cleanup;
    const char *k;
    json_t *v;
    json_object_foreach(changed, k, v)
    {
        if (!json_object_get(w.seen, k))
            json_array_append_new(rest, json_string(k));
    }
    for (size_t from = 0; from < json_array_size(rest); from += CW_ID_BATCH) {
        size_t to =
            from + CW_ID_BATCH < json_array_size(rest) ? from + CW_ID_BATCH : json_array_size(rest);
        og_buf_reset(&q);
        if ((error = og_buf_puts(&q, "/project/projects?conditions=")) < 0 ||
            (error = ids_condition(rest, from, to, "id", &q)) < 0 ||
            (error = cw_pages(c, (const char *)q.data, project_page, &w)) < 0)
            goto cleanup;
    }
cleanup:
    og_buf_free(&q);
    json_decref(changed);
    json_decref(rest);
    json_decref(w.seen);
    json_decref(w.tickets);
    json_decref(w.phases);
    return error;
}

static int cw_project(og_conn *c, const char *remote_id, og_conn_project_fn fn, void *arg)
{
    int error = 0;
    char path[96];
    json_t *p = NULL, *page = NULL;
    project_walk w = {fn, arg, NULL, json_object(), json_array()};
    if (!og_conn__cw_id_ok(remote_id)) {
        error =
            og_error_set(OG_EINVAL, "connector %s: a ConnectWise project id is a 32-bit integer",
                         og_conn__cw_name(c));
        goto cleanup;
    }
    snprintf(path, sizeof(path), "/project/projects/%s", remote_id);
    if ((error = og_conn_get_json(c, path, &p, NULL)) < 0)
        goto cleanup;
    if (!json_is_object(p)) {
        error = og_error_set(OG_ERROR,
                             "connector %s (connectwise): GET /project/projects/%s: "
                             "the answer is not a project",
                             og_conn__cw_name(c), remote_id);
        goto cleanup;
    }
    if (!(page = json_pack("[O]", p)) || !w.tickets || !w.phases) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = project_page(c, &w, page);
cleanup:
    json_decref(p);
    json_decref(page);
    json_decref(w.tickets);
    json_decref(w.phases);
    return error;
}

const og_conn_vendor og_conn_connectwise = {
    .kind = "connectwise",
    .title = "ConnectWise PSA (Manage)",
    .category = "psa",
    .default_base_url = NULL,
    .fields = fields,
    .auth = cw_auth,
    .auth_reset = NULL,
    .error_message = cw_error_message,
    .test = cw_test,
    .companies = cw_companies,
    .projects = cw_projects,
    .project = cw_project,
    .attach = og_conn__cw_attach,
    .ticket_open = og_conn__cw_ticket_open,
    .ticket_note = og_conn__cw_ticket_note,
    .ticket_close = og_conn__cw_ticket_close,
    .webhook = og_conn__cw_webhook,
    .state_free = NULL,
};
