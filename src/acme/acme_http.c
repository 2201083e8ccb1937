/* acme_http.c - the ACME module's HTTP transport over opsgate's one HTTP client (netclient.h):
 * one reused connection per client, bounded bodies, and the headers ACME needs (Replay-Nonce,
 * Location, Retry-After, Link). */
#include "acme/acme_internal.h"
#include "opsgate/error.h"
#include "opsgate/netclient.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BODY_CAP          ((size_t)1 << 20)
#define TIMEOUT_S         30L
#define CONNECT_TIMEOUT_S 10L

struct og_acme_http {
    og_netclient *client;
    char *ca_pem;
    og_egress *egress;                     /* owned; NULL connects anywhere */
    char refused_range[OG_NETADDR_STRLEN]; /* the range of the last refused address */
};

void og_acme__resp_clear(og_acme_resp *r)
{
    if (!r)
        return;
    og_buf_free(&r->body);
    for (int i = 0; i < r->nalternates; i++)
        free(r->alternates[i]);
    memset(r, 0, sizeof(*r));
}

int og_acme__http_new(og_acme_http **out, const char *ca_pem, og_egress *egress)
{
    og_acme_http *h = calloc(1, sizeof(*h));
    int error;
    *out = NULL;
    if (!h) {
        og_egress_free(egress);
        return og_error_set(OG_ERROR, "out of memory");
    }
    h->egress = egress;
    if (ca_pem && !(h->ca_pem = strdup(ca_pem))) {
        og_acme__http_free(h);
        return og_error_set(OG_ERROR, "out of memory");
    }
    if ((error = og_netclient_new(&h->client)) < 0) {
        og_acme__http_free(h);
        return error;
    }
    *out = h;
    return 0;
}

void og_acme__http_free(og_acme_http *h)
{
    if (!h)
        return;
    og_netclient_free(h->client);
    og_egress_free(h->egress);
    free(h->ca_pem);
    free(h);
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

static void on_header(void *arg, const char *p, size_t klen, const char *v, size_t vlen)
{
    og_acme_resp *r = arg;
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
}

/* og_netclient_allow_fn: the resolved address of each connection against the egress policy,
 * keeping the refused range for the error's detail (the thread's error is rewritten after). */
static int egress_allows(void *arg, const void *sa, size_t len)
{
    og_acme_http *h = arg;
    int error = og_egress_check_sockaddr(h->egress, sa, len);
    if (error < 0 && og_error_detail_arg())
        og_strlcpy(h->refused_range, og_error_detail_arg(), sizeof(h->refused_range));
    return error;
}

int og_acme__http_do(og_acme_http *h, const char *method, const char *url, const char *body,
                     const char *content_type, og_acme_resp *resp)
{
    char ct[160];
    const char *headers[] = {ct, NULL};
    og_netclient_resp nr;
    int error;
    memset(resp, 0, sizeof(*resp));
    og_buf_init(&resp->body, BODY_CAP);
    resp->retry_after_s = -1;
    if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return og_error_set(OG_EINVAL, "bad ACME URL '%s'", url ? url : "");
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type ? content_type : "");
    int post = strcmp(method, "POST") == 0;
    og_netclient_req req = {.method = method,
                            .url = url,
                            .protocols = "https,http",
                            .headers = post ? headers : NULL,
                            .body = post ? (body ? body : "") : NULL,
                            .body_len = post && body ? strlen(body) : 0,
                            .ca_pem = h->ca_pem,
                            .user_agent = "opsgate-acme/" OG_VERSION,
                            .timeout_s = TIMEOUT_S,
                            .connect_timeout_s = CONNECT_TIMEOUT_S,
                            .body_cap = BODY_CAP,
                            .on_header = on_header,
                            .header_arg = resp};
    if (h->egress) {
        req.allow_connect = egress_allows;
        req.allow_arg = h;
        req.no_proxy = 1;
    }
    h->refused_range[0] = '\0';
    error = og_netclient_do(h->client, &req, &nr);
    if (error < 0 && nr.refused) {
        error = og_error_set(OG_EDENIED, "%s %s: %s", method, url, nr.error);
        og_error_set_detail_arg(OG_EGRESS_DETAIL_REFUSED, h->refused_range);
    } else if (error < 0 && nr.tls_untrusted)
        error =
            og_error_set(OG_EUPSTREAM, "%s %s: the server's TLS certificate is not trusted (%s)",
                         method, url, nr.error),
        og_error_set_detail(OG_ACME_DETAIL_UNTRUSTED_CA);
    else if (error < 0)
        error = og_error_set(error == OG_ERROR ? OG_EUPSTREAM : error, "%s %s: %s", method, url,
                             nr.error);
    else {
        resp->status = nr.status;
        resp->retry_after_s = nr.retry_after_s;
        og_buf_free(&resp->body);
        resp->body = nr.body;
        memset(&nr.body, 0, sizeof(nr.body));
    }
    og_netclient_resp_clear(&nr);
    return error;
}

int og_acme__http_post_json(const char *url, const char *json)
{
    og_acme_http *h = NULL;
    og_acme_resp r;
    int error;
    memset(&r, 0, sizeof(r));
    if ((error = og_acme__http_new(&h, NULL, NULL)) < 0)
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
