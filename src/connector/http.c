/* http.c - the one HTTP path of every connector call: the vendor's authentication (the one OAuth
 * token helper every token vendor uses), the egress guard, the same-host rule for page links,
 * retries with backoff and jitter, Retry-After, the request budget, and errors that name the
 * connector and quote the vendor. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "connector_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#define DEFAULT_BODY_CAP ((size_t)16 << 20)

/* ---- a connector at run time ---- */

static int base_url_check(const char *url)
{
    char scheme[16], host[256];
    if (og_netclient_url_parts(url, scheme, sizeof(scheme), host, sizeof(host)) < 0 ||
        (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0))
        return og_error_set(OG_EINVAL, "base URL must be http(s)://host[:port][/path]");
    if (strchr(url, '?') || strchr(url, '#') || strchr(url, '@'))
        return og_error_set(OG_EINVAL,
                            "base URL must not carry a query, a fragment or credentials");
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return og_error_set(OG_EINVAL, "base URL holds a space or a control character");
    return 0;
}

int og_conn_open(og_conn **out, const char *kind, const char *base_url, const json_t *creds,
                 const json_t *options)
{
    *out = NULL;
    const og_conn_vendor *v = og_conn_vendor_find(kind ? kind : "");
    if (!v)
        return og_error_set(OG_EINVAL, "unknown connector kind '%s'", kind ? kind : "");
    return og_conn_open_vendor(out, v, base_url, creds, options);
}

int og_conn_open_vendor(og_conn **out, const og_conn_vendor *v, const char *base_url,
                        const json_t *creds, const json_t *options)
{
    int error = 0;
    og_conn *c = NULL;
    *out = NULL;
    if (!base_url || !*base_url)
        base_url = v->default_base_url;
    if (!base_url)
        return og_error_set(OG_EINVAL, "a %s connector needs a base URL", v->kind);
    if ((error = base_url_check(base_url)) < 0)
        return error;
    if (strlen(base_url) >= sizeof(c->base_url))
        return og_error_set(OG_EINVAL, "base URL is longer than %zu bytes",
                            sizeof(c->base_url) - 1);
    if (!(c = calloc(1, sizeof(*c))))
        return og_error_set(OG_ERROR, "out of memory");
    c->vendor = v;
    c->allow_connect = og_conn_egress_allows;
    og_strlcpy(c->base_url, base_url, sizeof(c->base_url));
    size_t n = strlen(c->base_url);
    while (n > 0 && c->base_url[n - 1] == '/')
        c->base_url[--n] = '\0';
    c->creds = creds ? json_deep_copy(creds) : json_object();
    c->options = json_is_object(options) ? json_deep_copy(options) : json_object();
    if (!c->creds || !c->options) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    const char *ca = json_string_value(json_object_get(c->options, "ca_pem"));
    if (ca && *ca && !(c->ca_pem = strdup(ca))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    c->budget = og_conn_opt_int(c, "request_budget", 100000);
    c->max_attempts = (int)og_conn_opt_int(c, "max_attempts", 5);
    c->backoff_base_ms = og_conn_opt_int(c, "backoff_base_ms", 500);
    c->backoff_max_ms = og_conn_opt_int(c, "backoff_max_ms", 30000);
    c->retry_after_max_s = og_conn_opt_int(c, "retry_after_max_s", 120);
    c->timeout_s = (long)og_conn_opt_int(c, "timeout_s", 60);
    if (c->max_attempts < 1)
        c->max_attempts = 1;
    if ((error = og_netclient_new(&c->net)) < 0)
        goto cleanup;
    *out = c;
    c = NULL;
cleanup:
    og_conn_free(c);
    return error;
}

static void wipe_json_strings(json_t *v)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach(v, k, x) wipe_json_strings(x);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) wipe_json_strings(x);
    } else if (json_is_string(v)) {
        /* jansson keeps the bytes in its own allocation: overwrite them before freeing */
        char *s = (char *)json_string_value(v);
        og_crypto_wipe(s, json_string_length(v));
    }
}

void og_conn_free(og_conn *c)
{
    if (!c)
        return;
    if (c->vendor && c->vendor->state_free)
        c->vendor->state_free(c);
    if (c->creds) {
        wipe_json_strings(c->creds);
        json_decref(c->creds);
    }
    json_decref(c->options);
    free(c->ca_pem);
    og_egress_free(c->egress);
    og_netclient_free(c->net);
    og_crypto_wipe(c->bearer, sizeof(c->bearer));
    free(c);
}

const char *og_conn_cred(const og_conn *c, const char *field)
{
    const char *s = json_string_value(json_object_get(c->creds, field));
    if (!s)
        s = json_string_value(json_object_get(c->options, field));
    return s ? s : "";
}

int64_t og_conn_opt_int(const og_conn *c, const char *name, int64_t dflt)
{
    json_t *v = json_object_get(c->options, name);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

int og_conn_page_seen(og_conn *c)
{
    int64_t max = og_conn_opt_int(c, "max_pages", 100000);
    if (++c->pages > max)
        return og_error_set(OG_ETOOBIG,
                            "connector %s: more than %lld pages: stopped (a page "
                            "that never ends?)",
                            c->name[0] ? c->name : c->vendor->kind, (long long)max);
    return 0;
}

/* ---- headers ---- */

int og_conn_headers_add(og_conn_headers *h, const char *fmt, ...)
{
    if (h->n >= OG_CONN_HEADERS_MAX)
        return og_error_set(OG_ERROR, "too many request headers");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s)
        return og_error_set(OG_ERROR, "out of memory");
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (strpbrk(s, "\r\n")) {
        og_crypto_wipe(s, strlen(s));
        free(s);
        return og_error_set(OG_EINVAL, "a request header holds a line break");
    }
    h->line[h->n++] = s;
    h->line[h->n] = NULL;
    return 0;
}

void og_conn_headers_clear(og_conn_headers *h)
{
    for (int i = 0; i < h->n; i++) {
        og_crypto_wipe(h->line[i], strlen(h->line[i]));
        free(h->line[i]);
    }
    memset(h, 0, sizeof(*h));
}

void og_conn_response_clear(og_conn_response *r)
{
    og_buf_free(&r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

/* ---- the request ---- */

typedef struct hdr_state {
    og_conn_response *resp;
} hdr_state;

/* Link: <https://x/y?page=2>; rel="next", <...>; rel="last" */
static void parse_link(const char *v, size_t len, char *out, size_t size)
{
    const char *end = v + len, *p = v;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt)
            return;
        const char *gt = memchr(lt, '>', (size_t)(end - lt));
        if (!gt)
            return;
        const char *next = memchr(gt, ',', (size_t)(end - gt));
        const char *seg_end = next ? next : end;
        const char *rel = NULL;
        for (const char *q = gt; q + 3 < seg_end; q++)
            if (strncasecmp(q, "rel=", 4) == 0) {
                rel = q + 4;
                break;
            }
        if (rel) {
            while (rel < seg_end && (*rel == '"' || *rel == ' '))
                rel++;
            if ((size_t)(seg_end - rel) >= 4 && strncasecmp(rel, "next", 4) == 0 &&
                (rel + 4 == seg_end || rel[4] == '"' || rel[4] == ' ' || rel[4] == ';')) {
                size_t n = (size_t)(gt - lt - 1);
                if (n < size) {
                    memcpy(out, lt + 1, n);
                    out[n] = '\0';
                }
                return;
            }
        }
        p = next ? next + 1 : end;
    }
}

static void on_header(void *arg, const char *name, size_t nl, const char *value, size_t vl)
{
    og_conn_response *r = ((hdr_state *)arg)->resp;
    if (nl == 4 && strncasecmp(name, "link", 4) == 0) {
        parse_link(value, vl, r->next_link, sizeof(r->next_link));
    } else if (nl == 12 && strncasecmp(name, "content-type", 12) == 0) {
        size_t n = vl < sizeof(r->content_type) - 1 ? vl : sizeof(r->content_type) - 1;
        memcpy(r->content_type, value, n);
        r->content_type[n] = '\0';
    } else if (nl == 8 && strncasecmp(name, "location", 8) == 0) {
        size_t n = vl < sizeof(r->location) - 1 ? vl : sizeof(r->location) - 1;
        memcpy(r->location, value, n);
        r->location[n] = '\0';
    }
}

int og_conn_egress_allows(void *arg, const void *sa, size_t len)
{
    return og_egress_check_sockaddr(((og_conn *)arg)->egress, sa, len);
}

/* scheme://host[:port] of url into out; OG_EINVAL when it does not parse. */
static int origin_of(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    if (!p)
        return og_error_set(OG_EINVAL, "not an absolute URL");
    p += 3;
    size_t n = strcspn(p, "/?#");
    size_t total = (size_t)(p - url) + n;
    if (total >= size)
        return og_error_set(OG_EINVAL, "URL too long");
    for (size_t i = 0; i < total; i++)
        out[i] = (char)tolower((unsigned char)url[i]);
    out[total] = '\0';
    if (memchr(p, '@', n))
        return og_error_set(OG_EINVAL, "URL carries credentials");
    return 0;
}

int og_conn_origin(const char *url, char *out, size_t size)
{
    if (!url || origin_of(url, out, size) < 0 ||
        (strncmp(out, "http://", 7) != 0 && strncmp(out, "https://", 8) != 0))
        return og_error_set(OG_EINVAL, "not an absolute http(s) URL");
    return 0;
}

static int build_url(og_conn *c, const og_conn_request *rq, char **out)
{
    char a[600], b[600];
    *out = NULL;
    if (rq->url) {
        int error = origin_of(rq->url, a, sizeof(a));
        if (error < 0)
            return og_error_set(OG_EDENIED, "connector %s: page link is not a URL", c->name);
        origin_of(c->base_url, b, sizeof(b));
        /* a token request may also go to the vendor's own token origin (a constant) */
        if (strcmp(a, b) != 0 && !(rq->no_auth && c->vendor->token_origin &&
                                   strcasecmp(a, c->vendor->token_origin) == 0)) {
            char red[200];
            og_url_redact(rq->url, red, sizeof(red));
            return og_error_set(OG_EDENIED,
                                "connector %s: the vendor pointed to %s, another host than "
                                "the base URL: not followed",
                                c->name, red);
        }
        *out = strdup(rq->url);
    } else {
        const char *path = rq->path ? rq->path : "";
        size_t n = strlen(c->base_url) + strlen(path) + 2;
        if ((*out = malloc(n)))
            snprintf(*out, n, "%s%s%s", c->base_url, (*path && *path != '/') ? "/" : "", path);
    }
    return *out ? 0 : og_error_set(OG_ERROR, "out of memory");
}

/* The path of url without the query, for messages. */
static void path_for_message(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    if (!p)
        p = "/";
    size_t n = strcspn(p, "?#");
    if (n >= size)
        n = size - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static int64_t jitter_ms(int64_t ms)
{
    uint32_t r = 0;
    og_crypto_random(&r, sizeof(r));
    return ms / 2 + (int64_t)(r % (uint32_t)(ms / 2 + 1));
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static int status_code(long status)
{
    if (status == 401 || status == 403)
        return OG_EAUTH;
    if (status == 404)
        return OG_ENOTFOUND;
    if (status == 429 || status == 503)
        return OG_EBUSY;
    if (status >= 400 && status < 500)
        return OG_EINVAL;
    return OG_ERROR;
}

static int fail_status(og_conn *c, const og_conn_request *rq, const char *url,
                       og_conn_response *resp)
{
    char path[256], vmsg[400] = "";
    path_for_message(url, path, sizeof(path));
    if (resp->status >= 300 && resp->status < 400) {
        char red[200];
        og_url_redact(resp->location, red, sizeof(red));
        return og_error_set(OG_ERROR,
                            "connector %s (%s): %s %s answered %ld, a redirect to %s: not "
                            "followed (check the base URL)",
                            c->name, c->vendor->kind, rq->method ? rq->method : "GET", path,
                            resp->status, resp->location[0] ? red : "nowhere");
    }
    if (c->vendor->error_message) {
        json_t *j = json_loadb(resp->body.data ? (const char *)resp->body.data : "", resp->body.len,
                               0, NULL);
        c->vendor->error_message(resp->status, &resp->body, j, vmsg, sizeof(vmsg));
        json_decref(j);
    }
    return og_error_set(status_code(resp->status), "connector %s (%s): %s %s answered %ld%s%s%s",
                        c->name, c->vendor->kind, rq->method ? rq->method : "GET", path,
                        resp->status, vmsg[0] ? ": \"" : "", vmsg, vmsg[0] ? "\"" : "");
}

/* 1 when the vendor's headers or the request's already say what they accept (ConnectWise pins
 * its API version in Accept). */
static int has_accept(const og_conn_headers *h, const og_conn_request *rq)
{
    for (int i = 0; i < h->n; i++)
        if (strncasecmp(h->line[i], "Accept:", 7) == 0)
            return 1;
    for (int i = 0; rq->headers && rq->headers[i]; i++)
        if (strncasecmp(rq->headers[i], "Accept:", 7) == 0)
            return 1;
    return 0;
}

static int one_attempt(og_conn *c, const og_conn_request *rq, const char *url,
                       og_conn_response *resp, og_netclient_resp *nr)
{
    int error = 0;
    og_conn_headers h = {0};
    hdr_state hs = {resp};
    if (c->budget <= 0) {
        error = og_error_set(OG_EBUSY,
                             "connector %s: request budget exhausted (%lld requests "
                             "sent); raise options.request_budget or sync again later",
                             c->name, (long long)c->requests);
        goto cleanup;
    }
    if (!rq->no_auth && c->vendor->auth && (error = c->vendor->auth(c, &h)) < 0)
        goto cleanup;
    if (rq->body &&
        (error = og_conn_headers_add(&h, "Content-Type: %s",
                                     rq->content_type ? rq->content_type : "application/json")) < 0)
        goto cleanup;
    if (!has_accept(&h, rq) && (error = og_conn_headers_add(&h, "Accept: application/json")) < 0)
        goto cleanup;
    for (int i = 0; rq->headers && rq->headers[i]; i++)
        if ((error = og_conn_headers_add(&h, "%s", rq->headers[i])) < 0)
            goto cleanup;
    c->budget--;
    c->requests++;
    og_netclient_req req = {
        .method = rq->method ? rq->method : "GET",
        .url = url,
        .headers = (const char *const *)h.line,
        .body = rq->body,
        .body_len = rq->body_len,
        .ca_pem = c->ca_pem,
        .timeout_s = c->timeout_s,
        .body_cap = rq->body_cap ? rq->body_cap : DEFAULT_BODY_CAP,
        .no_proxy = 1,
        .allow_connect = c->allow_connect,
        .allow_arg = c,
        .on_header = on_header,
        .header_arg = &hs,
    };
    memset(resp->next_link, 0, sizeof(resp->next_link));
    resp->content_type[0] = resp->location[0] = '\0';
    error = og_netclient_do(c->net, &req, nr);
    resp->status = nr->status;
cleanup:
    og_conn_headers_clear(&h);
    return error;
}

int og_conn_http(og_conn *c, const og_conn_request *rq, og_conn_response *resp)
{
    int error = 0;
    char *url = NULL;
    og_netclient_resp nr = {0};
    int reauth_done = 0;
    memset(resp, 0, sizeof(*resp));
    if ((error = build_url(c, rq, &url)) < 0)
        goto cleanup;
    int64_t delay = c->backoff_base_ms;
    for (int attempt = 1;; attempt++) {
        og_netclient_resp_clear(&nr);
        error = one_attempt(c, rq, url, resp, &nr);
        if (error == OG_ETOOBIG) {
            char path[256];
            path_for_message(url, path, sizeof(path));
            error = og_error_set(OG_ETOOBIG,
                                 "connector %s (%s): %s %s: the answer is over %zu bytes: refused",
                                 c->name, c->vendor->kind, rq->method ? rq->method : "GET", path,
                                 rq->body_cap ? rq->body_cap : DEFAULT_BODY_CAP);
        }
        if (error == OG_EBUSY || error == OG_EDENIED || error == OG_ETOOBIG || error == OG_EINVAL ||
            error == OG_EAUTH)
            goto cleanup; /* budget, egress, size, a bad request, a refused token: no retry */
        int64_t wait = -1;
        if (error < 0) {
            if (attempt >= c->max_attempts) {
                char path[256];
                path_for_message(url, path, sizeof(path));
                error = og_error_set(error, "connector %s (%s): %s %s: %s (after %d attempts)",
                                     c->name, c->vendor->kind, rq->method ? rq->method : "GET",
                                     path, nr.error[0] ? nr.error : og_error_last(), attempt);
                goto cleanup;
            }
            wait = jitter_ms(delay);
        } else if (resp->status >= 200 && resp->status < 300) {
            break;
        } else if (resp->status == 401 && !reauth_done && !rq->no_auth && c->vendor->auth_reset) {
            c->vendor->auth_reset(c); /* an expired token: fetch a new one, once */
            reauth_done = 1;
            attempt--;
            wait = 0;
        } else if ((resp->status == 429 || resp->status == 503) && attempt < c->max_attempts) {
            if (nr.retry_after_s > c->retry_after_max_s) {
                resp->body = nr.body;
                memset(&nr.body, 0, sizeof(nr.body));
                error = fail_status(c, rq, url, resp);
                goto cleanup;
            }
            wait = nr.retry_after_s >= 0 ? nr.retry_after_s * 1000 : jitter_ms(delay);
        } else if (resp->status >= 500 && attempt < c->max_attempts &&
                   (rq->no_auth || !rq->method || strcmp(rq->method, "POST") != 0)) {
            /* a POST answered 5xx may have created its record (an attachment, a ticket):
             * repeating it could create a second one, so it fails instead (a token request,
             * no_auth, creates nothing and is repeated) */
            wait = jitter_ms(delay);
        } else {
            resp->body = nr.body;
            memset(&nr.body, 0, sizeof(nr.body));
            error = fail_status(c, rq, url, resp);
            goto cleanup;
        }
        if (wait > 0)
            sleep_ms(wait);
        delay = delay * 2 > c->backoff_max_ms ? c->backoff_max_ms : delay * 2;
    }
    resp->body = nr.body;
    memset(&nr.body, 0, sizeof(nr.body));
    error = 0;
    if (!rq->raw && resp->body.len > 0) {
        json_error_t je;
        resp->json = json_loadb((const char *)resp->body.data, resp->body.len, 0, &je);
        if (!resp->json) {
            char path[256];
            path_for_message(url, path, sizeof(path));
            error = og_error_set(OG_ERROR,
                                 "connector %s (%s): %s %s: the answer is not JSON (%s at "
                                 "line %d)",
                                 c->name, c->vendor->kind, rq->method ? rq->method : "GET", path,
                                 je.text, je.line);
        }
    }
cleanup:
    og_netclient_resp_clear(&nr);
    free(url);
    return error;
}

int og_conn_get_json(og_conn *c, const char *path_or_url, json_t **out, og_conn_response *resp)
{
    og_conn_response own = {0};
    og_conn_response *r = resp ? resp : &own;
    og_conn_request rq = {0};
    *out = NULL;
    if (strstr(path_or_url, "://"))
        rq.url = path_or_url;
    else
        rq.path = path_or_url;
    int error = og_conn_http(c, &rq, r);
    if (error == 0) {
        if (!r->json) {
            error = og_error_set(OG_ERROR, "connector %s: an empty answer where JSON was expected",
                                 c->name);
        } else {
            *out = json_incref(r->json);
        }
    }
    if (!resp)
        og_conn_response_clear(&own);
    return error;
}

char *og_conn_query_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

/* ---- OAuth 2.0 bearer tokens ---- */

int og_conn_form_add(og_buf *b, const char *name, const char *value)
{
    char *v = og_conn_query_escape(value);
    if (!v)
        return og_error_set(OG_ERROR, "out of memory");
    int error = og_buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, v);
    og_crypto_wipe(v, strlen(v));
    free(v);
    return error;
}

static const char *conn_name(const og_conn *c)
{
    return c->name[0] ? c->name : c->vendor->kind;
}

static int hexval(int ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

/* Blank in msg every occurrence of s (len bytes). */
static void blank_all(char *msg, const char *s, size_t len)
{
    if (len < 4) /* shorter values ("1") would blank ordinary words */
        return;
    for (char *p = msg; (p = strstr(p, s)) != NULL; p += len)
        memset(p, '*', len);
}

/* Blank in msg the value of every form field that may be a secret (all but the named ones),
 * percent-decoded as the vendor would echo it, and as sent. */
static void redact_form(char *msg, const og_buf *form)
{
    static const char *const open_names[] = {
        "grant_type", "scope",    "client_id", "client_assertion_type",
        "tenant",     "resource", "audience",  NULL};
    const char *p = form && form->data ? (const char *)form->data : NULL;
    const char *end = p ? p + form->len : NULL;
    char val[4096];
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        int open = 0;
        for (int i = 0; eq && open_names[i]; i++)
            open |= strlen(open_names[i]) == (size_t)(eq - p) &&
                    memcmp(open_names[i], p, (size_t)(eq - p)) == 0;
        if (eq && !open && (size_t)(stop - eq) < sizeof(val)) {
            size_t n = 0;
            memcpy(val, eq + 1, (size_t)(stop - eq - 1));
            val[stop - eq - 1] = '\0';
            blank_all(msg, val, strlen(val)); /* as sent */
            for (const char *q = eq + 1; q < stop; q++) {
                if (*q == '%' && stop - q >= 3 && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
                    val[n++] = (char)(hexval(q[1]) * 16 + hexval(q[2]));
                    q += 2;
                } else {
                    val[n++] = *q == '+' ? ' ' : *q;
                }
            }
            val[n] = '\0';
            blank_all(msg, val, n);
            og_crypto_wipe(val, sizeof(val));
        }
        p = amp ? amp + 1 : end;
    }
}

/* s cut to at most max bytes (never inside a UTF-8 character), control characters blanked. */
static void quote_clean(const char *s, char *out, size_t size, size_t max)
{
    size_t o = 0, len = strlen(s), i = 0;
    for (; i < len && o + 1 < size && o < max; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[o++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    if (i < len && o > 0 && ((unsigned char)out[o - 1] & 0x80)) {
        while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0xC0)
            o--;
    }
    out[o] = '\0';
}

/* The error of a token request og_conn_http refused: a refused grant quoting the vendor's OAuth
 * error (RFC 6749 5.2) is OG_EAUTH; other answers keep og_conn_http's message and code. The
 * secrets of the form are blanked either way. */
static int token_failed(og_conn *c, int error, const char *url, const og_conn_response *resp,
                        const og_buf *form)
{
    char msg[1200], err[120] = "", desc[400] = "", path[256];
    og_strlcpy(msg, og_error_last(), sizeof(msg));
    json_t *j = NULL;
    if (resp->status == 400 || resp->status == 401 || resp->status == 403) {
        error = OG_EAUTH;
        if (resp->body.data && resp->body.len)
            j = json_loadb((const char *)resp->body.data, resp->body.len, 0, NULL);
    }
    const char *e = json_string_value(json_object_get(j, "error"));
    const char *d = json_string_value(json_object_get(j, "error_description"));
    if (e && *e) {
        quote_clean(e, err, sizeof(err), 100);
        if (d && *d)
            quote_clean(d, desc, sizeof(desc), 300);
        path_for_message(url, path, sizeof(path));
        snprintf(msg, sizeof(msg),
                 "connector %s (%s): the token request POST %s was refused (%ld): %s%s%s%s",
                 conn_name(c), c->vendor->kind, path, resp->status, err, desc[0] ? ": \"" : "",
                 desc, desc[0] ? "\"" : "");
    }
    json_decref(j);
    redact_form(msg, form);
    return og_error_set(error, "%s", msg);
}

/* expires_in in seconds: a JSON number or a digit string (older Entra answers), else dflt. */
static int64_t expires_in(const json_t *v, int64_t dflt)
{
    if (json_is_number(v))
        return (int64_t)json_number_value(v);
    const char *s = json_string_value(v);
    if (s && *s && strlen(s) <= 9 && strspn(s, "0123456789") == strlen(s))
        return (int64_t)strtoll(s, NULL, 10);
    return dflt;
}

int og_conn_token_fetch(og_conn *c, const char *url, const og_buf *form, const char *extra_header)
{
    int error = 0;
    og_conn_response resp = {0};
    const char *hdrs[2] = {extra_header, NULL};
    char a[600], b[600];
    if (!url || origin_of(url, a, sizeof(a)) < 0 ||
        (strncmp(a, "http://", 7) != 0 && strncmp(a, "https://", 8) != 0))
        return og_error_set(OG_EINVAL, "connector %s (%s): the token URL is not an http(s) URL",
                            conn_name(c), c->vendor->kind);
    origin_of(c->base_url, b, sizeof(b));
    if (strcmp(a, b) != 0 &&
        !(c->vendor->token_origin && strcasecmp(a, c->vendor->token_origin) == 0))
        return og_error_set(OG_EDENIED,
                            "connector %s (%s): the token URL is on %s, neither the base URL's "
                            "host nor the vendor's token host: not sent (the base URL is on %s)",
                            conn_name(c), c->vendor->kind, a, b);
    og_conn_request rq = {.method = "POST",
                          .url = url,
                          .headers = extra_header ? hdrs : NULL,
                          .content_type = "application/x-www-form-urlencoded",
                          .body = form ? form->data : NULL,
                          .body_len = form ? form->len : 0,
                          .body_cap = 64 * 1024,
                          .no_auth = 1};
    if ((error = og_conn_http(c, &rq, &resp)) < 0) {
        error = token_failed(c, error, url, &resp, form);
        goto cleanup;
    }
    const char *tok = json_string_value(json_object_get(resp.json, "access_token"));
    const char *type = json_string_value(json_object_get(resp.json, "token_type"));
    if (!tok || !*tok || strlen(tok) >= sizeof(c->bearer) || strpbrk(tok, "\r\n")) {
        error = og_error_set(OG_EAUTH,
                             "connector %s (%s): the token answer holds no usable access_token",
                             conn_name(c), c->vendor->kind);
        goto cleanup;
    }
    if (type && strcasecmp(type, "bearer") != 0) {
        char t[40];
        quote_clean(type, t, sizeof(t), 32);
        error = og_error_set(OG_EAUTH,
                             "connector %s (%s): the token answer's token_type is \"%s\", not "
                             "Bearer",
                             conn_name(c), c->vendor->kind, t);
        goto cleanup;
    }
    int64_t secs = expires_in(json_object_get(resp.json, "expires_in"), 3600);
    if (secs <= 0 || secs > 30 * 86400)
        secs = secs <= 0 ? 60 : 30 * 86400;
    secs -= secs > 600 ? 60 : secs / 10; /* renew a little before the vendor drops it */
    og_strlcpy(c->bearer, tok, sizeof(c->bearer));
    c->bearer_expires_us = og_time_now_us() + secs * 1000000;
cleanup:
    if (resp.body.data)
        og_crypto_wipe(resp.body.data, resp.body.len);
    if (resp.json)
        wipe_json_strings(resp.json);
    og_conn_response_clear(&resp);
    return error;
}

int og_conn_bearer_auth(og_conn *c, og_conn_headers *h, int (*fetch)(og_conn *c))
{
    int error = 0;
    if (!c->bearer[0] || og_time_now_us() >= c->bearer_expires_us) {
        og_conn_token_reset(c);
        if ((error = fetch(c)) < 0) {
            if (error != OG_ERROR)
                return error;
            /* the token request already ran its retries: the API call must not retry it */
            char msg[1200];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            return og_error_set(OG_EBUSY, "%s", msg);
        }
    }
    return og_conn_headers_add(h, "Authorization: Bearer %s", c->bearer);
}

void og_conn_token_reset(og_conn *c)
{
    og_crypto_wipe(c->bearer, sizeof(c->bearer));
    c->bearer_expires_us = 0;
}
