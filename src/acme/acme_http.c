/* acme_http.c - the ACME module's HTTP transport over libcurl: one reused connection per client,
 * bounded bodies, and the headers ACME needs (Replay-Nonce, Location, Retry-After, Link). */
#include "acme/acme_internal.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BODY_CAP ((size_t)1 << 20)
#define TIMEOUT_S 30L
#define CONNECT_TIMEOUT_S 10L

struct og_acme_http {
    CURL *curl;
    char *ca_pem;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void og_acme__resp_clear(og_acme_resp *r)
{
    if (!r)
        return;
    og_buf_free(&r->body);
    for (int i = 0; i < r->nalternates; i++)
        free(r->alternates[i]);
    memset(r, 0, sizeof(*r));
}

int og_acme__http_new(og_acme_http **out, const char *ca_pem)
{
    pthread_once(&curl_once, curl_init_once);
    og_acme_http *h = calloc(1, sizeof(*h));
    *out = NULL;
    if (!h || !(h->curl = curl_easy_init()) || (ca_pem && !(h->ca_pem = strdup(ca_pem)))) {
        og_acme__http_free(h);
        return og_error_set(OG_ERROR, "out of memory");
    }
    *out = h;
    return 0;
}

void og_acme__http_free(og_acme_http *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    free(h->ca_pem);
    free(h);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    og_acme_resp *r = arg;
    return og_buf_append(&r->body, p, size * n) < 0 ? 0 : size * n;
}

static void copy_trimmed(char *dst, size_t size, const char *v, size_t len)
{
    while (len && isspace((unsigned char)*v))
        v++, len--;
    while (len && isspace((unsigned char)v[len - 1]))
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

/* Link: <url>;rel="alternate", <url2>;rel="up" (one header may hold several links) */
static void parse_link(og_acme_resp *r, const char *v, size_t len)
{
    const char *end = v + len;
    for (int guard = 0; v < end && guard < 32; guard++) {
        const char *lt = memchr(v, '<', (size_t)(end - v));
        const char *gt = lt ? memchr(lt, '>', (size_t)(end - lt)) : NULL;
        if (!gt)
            return;
        const char *next = memchr(gt, ',', (size_t)(end - gt));
        const char *stop = next ? next : end;
        char params[256];
        copy_trimmed(params, sizeof(params), gt + 1, (size_t)(stop - gt - 1));
        size_t ulen = (size_t)(gt - lt - 1);
        if (strstr(params, "rel=\"alternate\"") || strstr(params, "rel=alternate")) {
            if (r->nalternates < OG_ACME_MAX_LINKS && ulen < 1024 &&
                (r->alternates[r->nalternates] = strndup(lt + 1, ulen)))
                r->nalternates++;
        } else if ((strstr(params, "rel=\"up\"") || strstr(params, "rel=up")) && ulen < 1024) {
            copy_trimmed(r->up, sizeof(r->up), lt + 1, ulen);
        }
        v = next ? next + 1 : end;
    }
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    og_acme_resp *r = arg;
    size_t len = size * n;
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return len;
    size_t klen = (size_t)(colon - p);
    const char *v = colon + 1;
    size_t vlen = len - klen - 1;
#define IS(name) (klen == strlen(name) && strncasecmp(p, name, klen) == 0)
    if (IS("Replay-Nonce"))
        copy_trimmed(r->nonce, sizeof(r->nonce), v, vlen);
    else if (IS("Location"))
        copy_trimmed(r->location, sizeof(r->location), v, vlen);
    else if (IS("Content-Type"))
        copy_trimmed(r->content_type, sizeof(r->content_type), v, vlen);
    else if (IS("Link"))
        parse_link(r, v, vlen);
#undef IS
    return len;
}

int og_acme__http_do(og_acme_http *h, const char *method, const char *url, const char *body,
                     const char *content_type, og_acme_resp *resp)
{
    struct curl_slist *hdrs = NULL;
    char ct[160];
    CURLcode rc;
    CURL *c = h->curl;
    memset(resp, 0, sizeof(*resp));
    og_buf_init(&resp->body, BODY_CAP);
    resp->retry_after_s = -1;
    if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return og_error_set(OG_EINVAL, "bad ACME URL '%s'", url ? url : "");
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "opsgate-acme/" OG_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
    if (h->ca_pem) {
        struct curl_blob blob = {h->ca_pem, strlen(h->ca_pem), CURL_BLOB_COPY};
        curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "POST") == 0) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", content_type ? content_type : "");
        hdrs = curl_slist_append(hdrs, ct);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
    }
    rc = curl_easy_perform(c);
    curl_slist_free_all(hdrs);
    if (rc == CURLE_PEER_FAILED_VERIFICATION)
        return og_error_set(OG_ERROR, "%s %s: the server's TLS certificate is not trusted (%s; "
                                      "--ca-file PEM trusts a private CA)",
                            method, url, curl_easy_strerror(rc));
    if (rc != CURLE_OK)
        return og_error_set(OG_ERROR, "%s %s: %s", method, url, curl_easy_strerror(rc));
    curl_off_t ra = -1;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
        resp->retry_after_s = (int64_t)ra;
    return 0;
}

int og_acme__http_post_json(const char *url, const char *json)
{
    og_acme_http *h = NULL;
    og_acme_resp r;
    int error;
    memset(&r, 0, sizeof(r));
    if ((error = og_acme__http_new(&h, NULL)) < 0)
        return error;
    if ((error = og_acme__http_do(h, "POST", url, json, "application/json", &r)) < 0)
        goto cleanup;
    if (r.status < 200 || r.status > 299)
        error = og_error_set(OG_ERROR, "POST %s: HTTP %ld %s", url, r.status,
                             r.body.data ? r.body.data : "");
cleanup:
    og_acme__resp_clear(&r);
    og_acme__http_free(h);
    return error;
}
