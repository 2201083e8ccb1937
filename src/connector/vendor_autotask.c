/* vendor_autotask.c - the Datto Autotask PSA adaptor (REST v1.0): header authentication, the
 * API zone lookup, query pagination, errors, companies, tickets and project attachments. The
 * project pull and its mapping to project data are in vendor_autotask_map.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "opsgate/error.h"
#include "vendor_autotask.h"

static const og_conn_field fields[] = {
    {"username", 0, 1, "the API user's user name (an API-only resource, e.g. api@example.com)"},
    {"secret", 1, 1, "the API user's secret (password)"},
    {"integration_code", 1, 1,
     "the API tracking identifier (ApiIntegrationCode) of the integration"},
    {NULL, 0, 0, NULL},
};

at_state *at_state_of(og_conn *c)
{
    if (!c->vendor_state)
        c->vendor_state = calloc(1, sizeof(at_state));
    return c->vendor_state;
}

static void at_state_free(og_conn *c)
{
    at_state *st = c->vendor_state;
    if (st) {
        json_decref(st->company_names);
        free(st);
    }
    c->vendor_state = NULL;
}

const char *at_name(const og_conn *c)
{
    return c->name[0] ? c->name : "autotask";
}

/* ---- authentication ---- */

static int at_auth(og_conn *c, og_conn_headers *h)
{
    static const char *const need[] = {"username", "secret", "integration_code"};
    int error = 0;
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
        if (!*og_conn_cred(c, need[i]))
            return og_error_set(OG_EINVAL,
                                "connector %s (autotask): credential field '%s' is missing",
                                at_name(c), need[i]);
    if ((error = og_conn_headers_add(h, "ApiIntegrationCode: %s",
                                     og_conn_cred(c, "integration_code"))) < 0 ||
        (error = og_conn_headers_add(h, "UserName: %s", og_conn_cred(c, "username"))) < 0 ||
        (error = og_conn_headers_add(h, "Secret: %s", og_conn_cred(c, "secret"))) < 0)
        return error;
    int64_t imp = og_conn_opt_int(c, "impersonation_resource_id", 0);
    if (imp > 0 &&
        (error = og_conn_headers_add(h, "ImpersonationResourceId: %lld", (long long)imp)) < 0)
        return error;
    return 0;
}

/* {"errors": ["...", ...]} (Autotask's error shape), or {"message": "..."}; printable only. */
static void at_error_message(long status, const og_buf *body, const json_t *json, char *out,
                             size_t size)
{
    (void)status;
    (void)body;
    og_buf b = {.cap = 4096};
    const json_t *errs = json_object_get(json, "errors");
    size_t i;
    const json_t *e;
    out[0] = '\0';
    if (json_is_array(errs)) {
        json_array_foreach(errs, i, e)
        {
            if (i >= 5)
                break;
            const char *s = json_is_string(e) ? json_string_value(e)
                                              : json_string_value(json_object_get(e, "message"));
            if (s)
                og_buf_printf(&b, "%s%s", b.len ? "; " : "", s);
        }
    } else if (json_is_string(json_object_get(json, "message"))) {
        og_buf_puts(&b, json_string_value(json_object_get(json, "message")));
    }
    if (b.len && b.data) {
        size_t n = 0;
        const unsigned char *src = (const unsigned char *)b.data;
        for (; n < b.len && n + 1 < size; n++)
            out[n] = (src[n] < 0x20 || src[n] == 0x7f) ? ' ' : (char)src[n];
        while (n > 0 && n < b.len && (src[n] & 0xC0) == 0x80)
            n--; /* cut before a character, never inside one */
        out[n] = '\0';
    }
    og_buf_free(&b);
}

/* ---- the API zone ---- */

static int host_is_below(const char *host, const char *suffix)
{
    size_t hl = strlen(host), sl = strlen(suffix);
    if (sl == 0 || hl <= sl || strcasecmp(host + hl - sl, suffix) != 0)
        return 0;
    return suffix[0] == '.' || host[hl - sl - 1] == '.';
}

/* Whether the zone URL may become this operation's base: same scheme as the configured base
 * (never a downgrade to http), no query/fragment/credentials, and either the configured host or
 * a host below one of options.zone_hosts (default ".autotask.net"). */
int at_zone_url_check(og_conn *c, const char *url, char *host, size_t host_size)
{
    char scheme[16], bscheme[16], bhost[256];
    const json_t *zh = json_object_get(c->options, "zone_hosts");
    size_t i;
    const json_t *v;
    if (og_netclient_url_parts(url, scheme, sizeof(scheme), host, host_size) < 0 ||
        og_netclient_url_parts(c->base_url, bscheme, sizeof(bscheme), bhost, sizeof(bhost)) < 0)
        return og_error_set(OG_ERROR, "connector %s (autotask): the zone URL does not parse",
                            at_name(c));
    if (strchr(url, '?') || strchr(url, '#') || strchr(url, '@') || strlen(url) >= 512)
        return og_error_set(OG_ERROR,
                            "connector %s (autotask): the zone URL carries a query, a fragment, "
                            "credentials or is too long",
                            at_name(c));
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return og_error_set(OG_ERROR,
                                "connector %s (autotask): the zone URL holds a control character",
                                at_name(c));
    if (strcmp(scheme, "https") != 0 &&
        !(strcmp(scheme, "http") == 0 && strcmp(bscheme, "http") == 0))
        return og_error_set(OG_ERROR, "connector %s (autotask): the zone URL is not https: refused",
                            at_name(c));
    if (strcasecmp(host, bhost) == 0)
        return 0;
    if (!json_is_array(zh))
        return host_is_below(host, ".autotask.net")
                   ? 0
                   : og_error_set(OG_EDENIED,
                                  "connector %s (autotask): the zone lookup pointed to %s, not an "
                                  "Autotask host: not followed (options.zone_hosts lists allowed "
                                  "hosts)",
                                  at_name(c), host);
    json_array_foreach(zh, i, v) if (json_is_string(v) &&
                                     host_is_below(host, json_string_value(v))) return 0;
    return og_error_set(OG_EDENIED,
                        "connector %s (autotask): the zone lookup pointed to %s, a host outside "
                        "options.zone_hosts: not followed",
                        at_name(c), host);
}

/* Resolve the API zone once per operation: GET /V1.0/ZoneInformation?user=<user>; later calls of
 * this operation go to the zone's URL (c->base_url is this operation's copy: nothing stored).
 * options.zone_lookup = false keeps the configured base URL. */
int at_ready(og_conn *c)
{
    int error = 0;
    json_t *zi = NULL;
    char *user = NULL, *path = NULL, host[256];
    at_state *st = at_state_of(c);
    if (!st)
        return og_error_set(OG_ERROR, "out of memory");
    const json_t *zl = json_object_get(c->options, "zone_lookup");
    if (st->zone_done || json_is_false(zl) || (json_is_integer(zl) && !json_integer_value(zl)) ||
        (json_is_string(zl) && strcmp(json_string_value(zl), "false") == 0))
        return 0; /* false, 0 or "false" (--option zone_lookup=false) */
    if (!*og_conn_cred(c, "username"))
        return og_error_set(OG_EINVAL,
                            "connector %s (autotask): credential field 'username' is missing",
                            at_name(c));
    if (!(user = og_conn_query_escape(og_conn_cred(c, "username"))) ||
        !(path = malloc(strlen(user) + 40))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    sprintf(path, "/V1.0/ZoneInformation?user=%s", user);
    if ((error = at_get(c, path, &zi)) < 0)
        goto cleanup;
    const char *url = json_string_value(json_object_get(zi, "url"));
    if (!url || !*url) {
        error = og_error_set(OG_ERROR, "connector %s (autotask): the zone lookup answered no url",
                             at_name(c));
        goto cleanup;
    }
    if ((error = at_zone_url_check(c, url, host, sizeof(host))) < 0)
        goto cleanup;
    og_strlcpy(c->base_url, url, sizeof(c->base_url));
    size_t n = strlen(c->base_url);
    while (n > 0 && c->base_url[n - 1] == '/')
        c->base_url[--n] = '\0';
    og_strlcpy(st->zone, at_str(json_object_get(zi, "zoneName")), sizeof(st->zone));
    st->zone_done = 1;
cleanup:
    json_decref(zi);
    free(user);
    free(path);
    return error;
}

/* ---- queries ---- */

int at_get(og_conn *c, const char *path_or_url, json_t **out)
{
    return og_conn_get_json(c, path_or_url, out, NULL);
}

char *at_search_path(const char *entity, json_t *query)
{
    char *s = json_dumps(query, JSON_COMPACT | JSON_SORT_KEYS),
         *e = s ? og_conn_query_escape(s) : NULL;
    char *out = e ? malloc(strlen(entity) + strlen(e) + 40) : NULL;
    if (out)
        sprintf(out, "/V1.0/%s/query?search=%s", entity, e);
    free(s);
    free(e);
    return out;
}

json_t *at_query(json_t *filter, int64_t max_records)
{
    json_t *q = json_pack("{s:o}", "filter", filter);
    if (q && max_records > 0)
        json_object_set_new(q, "MaxRecords", json_integer(max_records));
    return q;
}

int at_page_size(og_conn *c)
{
    int64_t n = og_conn_opt_int(c, "page_size", 500);
    return n < 1 ? 1 : n > 500 ? 500 : (int)n;
}

/* GET path, then every pageDetails.nextPageUrl (absolute: og_conn_http keeps it on the base's
 * host); fn sees each item. A next link equal to the one just read is a loop: stopped. */
int at_each(og_conn *c, const char *path, at_item_fn fn, void *arg)
{
    int error = 0;
    json_t *page = NULL;
    char *cur = strdup(path), *next = NULL;
    if (!cur)
        return og_error_set(OG_ERROR, "out of memory");
    for (;;) {
        size_t i;
        json_t *it;
        if ((error = og_conn_page_seen(c)) < 0)
            goto cleanup;
        if ((error = at_get(c, cur, &page)) < 0)
            goto cleanup;
        json_t *items = json_object_get(page, "items");
        if (!json_is_array(items)) {
            error = og_error_set(OG_ERROR,
                                 "connector %s (autotask): a query answer without an items list",
                                 at_name(c));
            goto cleanup;
        }
        json_array_foreach(items, i, it) if ((error = fn(c, it, arg)) < 0) goto cleanup;
        const char *nx =
            json_string_value(json_object_get(json_object_get(page, "pageDetails"), "nextPageUrl"));
        if (!nx || !*nx)
            break;
        if (strncmp(nx, "https://", 8) != 0 && strncmp(nx, "http://", 7) != 0) {
            error = og_error_set(OG_ERROR,
                                 "connector %s (autotask): the next page link is not an "
                                 "absolute URL",
                                 at_name(c));
            goto cleanup;
        }
        if (strcmp(nx, cur) == 0) {
            error = og_error_set(OG_ETOOBIG,
                                 "connector %s (autotask): the next page link repeats the page "
                                 "just read: stopped (a page that never ends)",
                                 at_name(c));
            goto cleanup;
        }
        if (!(next = strdup(nx))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        free(cur);
        cur = next;
        next = NULL;
        json_decref(page);
        page = NULL;
    }
cleanup:
    json_decref(page);
    free(cur);
    free(next);
    return error;
}

int at_id_text(const json_t *v, char *out, size_t size)
{
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        snprintf(out, size, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (json_is_string(v) && at_digits(json_string_value(v))) {
        snprintf(out, size, "%s", json_string_value(v));
        return 0;
    }
    out[0] = '\0';
    return -1;
}

const char *at_str(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

int at_digits(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++)
        if (!isdigit((unsigned char)s[n]))
            return 0;
    return n > 0 && n <= 19;
}

/* ---- test and companies ---- */

static int at_test(og_conn *c, json_t **out)
{
    int error = 0;
    json_t *q = NULL, *page = NULL;
    char *path = NULL;
    *out = NULL;
    if ((error = at_ready(c)) < 0)
        goto cleanup;
    /* An authenticated call (the zone lookup checks no secret): one company id. */
    q = at_query(json_pack("[{s:s, s:s}]", "op", "exist", "field", "id"), 1);
    if (q)
        json_object_set_new(q, "IncludeFields", json_pack("[s]", "id"));
    if (!q || !(path = at_search_path("Companies", q))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = at_get(c, path, &page)) < 0)
        goto cleanup;
    at_state *st = at_state_of(c);
    *out = json_pack("{s:s, s:s, s:s}", "account", og_conn_cred(c, "username"), "zone",
                     st && st->zone[0] ? st->zone : "", "base_url", c->base_url);
cleanup:
    json_decref(q);
    json_decref(page);
    free(path);
    return error;
}

typedef struct company_walk {
    og_conn_company_fn fn;
    void *arg;
} company_walk;

static int company_item(og_conn *c, json_t *it, void *arg)
{
    company_walk *w = arg;
    char id[32];
    (void)c;
    if (at_id_text(json_object_get(it, "id"), id, sizeof(id)) < 0)
        return 0; /* a record without an id cannot be mapped */
    og_conn_company co = {id, at_str(json_object_get(it, "companyName"))};
    return w->fn(w->arg, &co);
}

static int at_companies(og_conn *c, og_conn_company_fn fn, void *arg)
{
    int error = 0;
    char *path = NULL;
    json_t *q = at_query(json_pack("[{s:s, s:s}]", "op", "exist", "field", "id"), at_page_size(c));
    company_walk w = {fn, arg};
    if (q)
        json_object_set_new(q, "IncludeFields", json_pack("[s, s]", "id", "companyName"));
    if (!q || !(path = at_search_path("Companies", q))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = at_ready(c)) < 0)
        goto cleanup;
    error = at_each(c, path, company_item, &w);
cleanup:
    json_decref(q);
    free(path);
    return error;
}

/* ---- push: attachments and tickets ---- */

/* The itemId of an OperationResultModel answer ({"itemId": 123}) as text. */
static int item_id(og_conn *c, const og_conn_response *r, const char *what, char *out, size_t size)
{
    if (at_id_text(json_object_get(r->json, "itemId"), out, size) < 0)
        return og_error_set(OG_ERROR, "connector %s (autotask): %s: the answer names no itemId",
                            at_name(c), what);
    return 0;
}

static int send_json(og_conn *c, const char *method, const char *path, json_t *body,
                     og_conn_response *r)
{
    char *s = json_dumps(body, JSON_COMPACT);
    if (!s)
        return og_error_set(OG_ERROR, "out of memory");
    og_conn_request rq = {.method = method, .path = path, .body = s, .body_len = strlen(s)};
    int error = og_conn_http(c, &rq, r);
    free(s);
    return error;
}

/* Copy at most max bytes of s, cut on a UTF-8 boundary. Caller frees. */
char *at_cut(const char *s, size_t max)
{
    size_t n = strlen(s ? s : "");
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *o = malloc(n + 1);
    if (o) {
        memcpy(o, s ? s : "", n);
        o[n] = '\0';
    }
    return o;
}

static int at_attach(og_conn *c, const og_conn_attachment *a, char *remote_id, size_t size)
{
    int error = 0;
    char path[96], *b64 = NULL, *title = NULL, *file = NULL;
    json_t *body = NULL;
    og_conn_response r = {0};
    int64_t max = og_conn_opt_int(c, "max_attachment_bytes", 6 * 1024 * 1024);
    if (!at_digits(a->project_remote_id))
        return og_error_set(OG_EINVAL,
                            "connector %s (autotask): project id '%.40s' is not a number",
                            at_name(c), a->project_remote_id ? a->project_remote_id : "");
    if ((int64_t)a->len > max)
        return og_error_set(OG_ETOOBIG,
                            "connector %s (autotask): the document is %zu bytes, over the "
                            "attachment limit of %lld bytes",
                            at_name(c), a->len, (long long)max);
    snprintf(path, sizeof(path), "/V1.0/Projects/%s/Attachments", a->project_remote_id);
    if (!(b64 = og_base64_encode(a->data, a->len)) ||
        !(title = at_cut(a->title && *a->title ? a->title : a->file_name, 255)) ||
        !(file = at_cut(a->file_name, 255)) ||
        !(body = json_pack("{s:s, s:s, s:s, s:s, s:I}", "attachmentType", "FILE_ATTACHMENT",
                           "title", title, "fullPath", file, "data", b64, "publish",
                           (json_int_t)og_conn_opt_int(c, "attachment_publish", 1)))) {
        error = og_error_set(OG_ERROR, "out of memory or a name that is not UTF-8");
        goto cleanup;
    }
    if ((error = at_ready(c)) < 0 || (error = send_json(c, "POST", path, body, &r)) < 0 ||
        (error = item_id(c, &r, "attach", remote_id, size)) < 0)
        goto cleanup;
cleanup:
    og_conn_response_clear(&r);
    json_decref(body);
    free(b64);
    free(title);
    free(file);
    return error;
}

static json_int_t priority_id(og_conn *c, const char *p)
{
    char name[48];
    snprintf(name, sizeof(name), "ticket_priority_%s", p && *p ? p : "medium");
    int64_t dflt = p && strcmp(p, "high") == 0 ? 1 : p && strcmp(p, "low") == 0 ? 3 : 2;
    return (json_int_t)og_conn_opt_int(c, name, dflt);
}

static int at_ticket_open(og_conn *c, const og_conn_ticket *t, char *remote_id, size_t size)
{
    int error = 0;
    char *title = NULL, *desc = NULL;
    json_t *body = NULL;
    og_conn_response r = {0};
    int64_t queue = og_conn_opt_int(c, "ticket_queue_id", 0);
    if (!at_digits(t->company_id))
        return og_error_set(OG_EINVAL,
                            "connector %s (autotask): company id '%.40s' is not a number",
                            at_name(c), t->company_id ? t->company_id : "");
    if (!(title = at_cut(t->title, 255)) || !(desc = at_cut(t->body, 8000)) ||
        !(body =
              json_pack("{s:I, s:s, s:s, s:I, s:I}", "companyID",
                        (json_int_t)strtoll(t->company_id, NULL, 10), "title", title, "description",
                        desc, "status", (json_int_t)og_conn_opt_int(c, "ticket_status_new", 1),
                        "priority", priority_id(c, t->priority)))) {
        error = og_error_set(OG_ERROR, "out of memory or a title that is not UTF-8");
        goto cleanup;
    }
    if (queue > 0)
        json_object_set_new(body, "queueID", json_integer(queue));
    if ((error = at_ready(c)) < 0 ||
        (error = send_json(c, "POST", "/V1.0/Tickets", body, &r)) < 0 ||
        (error = item_id(c, &r, "open a ticket", remote_id, size)) < 0)
        goto cleanup;
cleanup:
    og_conn_response_clear(&r);
    json_decref(body);
    free(title);
    free(desc);
    return error;
}

/* TicketNotes are not in the API subset opsgate uses: a note is appended to the ticket's
 * description (read, append, PATCH), cut to Autotask's 8000 characters keeping the newest note. */
static int at_ticket_note(og_conn *c, const char *remote_id, const og_conn_ticket *t)
{
    int error = 0;
    char path[64], *note = NULL, *head = NULL;
    json_t *cur = NULL, *body = NULL;
    og_buf d = {.cap = 1 << 20};
    og_conn_response r = {0};
    if (!at_digits(remote_id))
        return og_error_set(OG_EINVAL, "connector %s (autotask): ticket id '%.40s' is not a number",
                            at_name(c), remote_id ? remote_id : "");
    snprintf(path, sizeof(path), "/V1.0/Tickets/%s", remote_id);
    if ((error = at_ready(c)) < 0 || (error = at_get(c, path, &cur)) < 0)
        goto cleanup;
    json_t *item = json_object_get(cur, "item");
    if (!json_is_object(item)) {
        error = og_error_set(OG_ENOTFOUND, "connector %s (autotask): no ticket %s", at_name(c),
                             remote_id);
        goto cleanup;
    }
    const char *old = at_str(json_object_get(item, "description"));
    if (og_buf_printf(&d, "%s%s", t->title ? t->title : "", t->body && *t->body ? "\n" : "") < 0 ||
        og_buf_puts(&d, t->body ? t->body : "") < 0 || !(note = at_cut((char *)d.data, 7000)) ||
        !(head = at_cut(old, 8000 - strlen(note) - 2))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_buf_reset(&d);
    og_buf_printf(&d, "%s%s%s", head, *head ? "\n\n" : "", note);
    if (!(body = json_pack("{s:I, s:s%}", "id", (json_int_t)strtoll(remote_id, NULL, 10),
                           "description", (char *)d.data, d.len))) {
        error = og_error_set(OG_ERROR, "out of memory or a note that is not UTF-8");
        goto cleanup;
    }
    error = send_json(c, "PATCH", "/V1.0/Tickets", body, &r);
cleanup:
    og_conn_response_clear(&r);
    og_buf_free(&d);
    json_decref(cur);
    json_decref(body);
    free(note);
    free(head);
    return error;
}

/* Close: PATCH status options.ticket_status_complete (default 5, "Complete"), the resolution set
 * to the closing text. */
static int at_ticket_close(og_conn *c, const char *remote_id, const og_conn_ticket *t)
{
    int error = 0;
    char *res = NULL;
    json_t *body = NULL;
    og_buf d = {.cap = 1 << 20};
    og_conn_response r = {0};
    if (!at_digits(remote_id))
        return og_error_set(OG_EINVAL, "connector %s (autotask): ticket id '%.40s' is not a number",
                            at_name(c), remote_id ? remote_id : "");
    if (og_buf_printf(&d, "%s%s%s", t->title ? t->title : "", t->body && *t->body ? "\n" : "",
                      t->body ? t->body : "") < 0 ||
        !(res = at_cut(d.data ? (char *)d.data : "", 8000)) ||
        !(body = json_pack("{s:I, s:I, s:s}", "id", (json_int_t)strtoll(remote_id, NULL, 10),
                           "status", (json_int_t)og_conn_opt_int(c, "ticket_status_complete", 5),
                           "resolution", res))) {
        error = og_error_set(OG_ERROR, "out of memory or a text that is not UTF-8");
        goto cleanup;
    }
    if ((error = at_ready(c)) < 0)
        goto cleanup;
    error = send_json(c, "PATCH", "/V1.0/Tickets", body, &r);
cleanup:
    og_conn_response_clear(&r);
    og_buf_free(&d);
    json_decref(body);
    free(res);
    return error;
}

const og_conn_vendor og_conn_autotask = {
    .kind = "autotask",
    .title = "Datto Autotask PSA",
    .category = "psa",
    .default_base_url = "https://webservices.autotask.net/ATServicesRest",
    .fields = fields,
    .auth = at_auth,
    .auth_reset = NULL, /* no token: the headers are the credentials */
    .error_message = at_error_message,
    .test = at_test,
    .companies = at_companies,
    .projects = at_projects,
    .project = at_project,
    .attach = at_attach,
    .ticket_open = at_ticket_open,
    .ticket_note = at_ticket_note,
    .ticket_close = at_ticket_close,
    .webhook = NULL, /* Autotask's outbound webhooks are not used (docs/connectors/autotask.md) */
    .state_free = at_state_free,
};
