/* client.c - the one libcurl user: HTTP(S) and SMTP requests for every module, one global
 * libcurl initialisation, the caller's connect-time address check on every resolved address. */
#include "opsgate/netclient.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define DISCARD_CAP ((size_t)1 << 20)

struct og_netclient {
    CURL *curl;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;
static const char *ca_dir; /* the system trust store as a hashed directory, or NULL */

/* The system store's directory (libcurl's built-in CA path) when OpenSSL can look certificates up
 * in it by subject hash (it holds a "<8 hex digits>.<digit>" link, as update-ca-certificates
 * makes them). Verifying through it reads the one or two anchors a chain needs; the built-in
 * bundle file (/etc/ssl/certs/ca-certificates.crt, 144 certificates on Debian 12) is parsed
 * whole by every connection: about 30 ms of CPU, more than the rest of a `cert issue` process
 * (docs/acme.md). Both hold the same anchors on Debian. NULL: libcurl's defaults. */
static const char *hashed_ca_dir(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    const char *found = NULL;
    DIR *d;
    struct dirent *e;
    if (!v || !v->capath || !v->ssl_version || strncmp(v->ssl_version, "OpenSSL/", 8) != 0 ||
        !(d = opendir(v->capath)))
        return NULL;
    while (!found && (e = readdir(d))) {
        size_t n = strspn(e->d_name, "0123456789abcdef");
        if (n == 8 && e->d_name[8] == '.' && isdigit((unsigned char)e->d_name[9]) && !e->d_name[10])
            found = v->capath;
    }
    closedir(d);
    return found;
}

static void curl_init_once(void)
{
    curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    ca_dir = curl_ok ? hashed_ca_dir() : NULL;
}

static int init(void)
{
    pthread_once(&curl_once, curl_init_once);
    return curl_ok ? 0 : og_error_set(OG_ERROR, "cannot initialise libcurl");
}

void og_netclient_resp_clear(og_netclient_resp *r)
{
    if (!r)
        return;
    og_buf_free(&r->body);
    memset(r, 0, sizeof(*r));
}

int og_netclient_new(og_netclient **out)
{
    og_netclient *c;
    int error;
    *out = NULL;
    if ((error = init()) < 0)
        return error;
    if (!(c = calloc(1, sizeof(*c))) || !(c->curl = curl_easy_init())) {
        free(c);
        return og_error_set(OG_ERROR, "out of memory");
    }
    *out = c;
    return 0;
}

void og_netclient_free(og_netclient *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c);
}

/* What one transfer's callbacks share. */
typedef struct xfer {
    const og_netclient_req *req;
    og_netclient_resp *resp;
    size_t discarded;
    int too_big;
    const char *up; /* SMTP upload */
    size_t up_len, up_off;
} xfer;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    xfer *x = arg;
    size_t len = size * n;
    if (x->req->body_cap == 0) {
        x->discarded += len;
        if (x->discarded > DISCARD_CAP) {
            x->too_big = 1;
            return 0;
        }
        return len;
    }
    if (og_buf_append(&x->resp->body, p, len) < 0) {
        og_error_clear();
        x->too_big = 1;
        return 0;
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    xfer *x = arg;
    size_t len = size * n;
    const char *colon = memchr(p, ':', len);
    if (!colon || !x->req->on_header)
        return len;
    const char *name = p, *v = colon + 1;
    size_t nlen = (size_t)(colon - p), vlen = len - nlen - 1;
    while (nlen && isspace((unsigned char)name[nlen - 1]))
        nlen--;
    while (vlen && isspace((unsigned char)*v))
        v++, vlen--;
    while (vlen && isspace((unsigned char)v[vlen - 1]))
        vlen--;
    x->req->on_header(x->req->header_arg, name, nlen, v, vlen);
    return len;
}

static size_t on_upload(char *buf, size_t size, size_t n, void *arg)
{
    xfer *x = arg;
    size_t want = size * n, left = x->up_len - x->up_off;
    if (want > left)
        want = left;
    memcpy(buf, x->up + x->up_off, want);
    x->up_off += want;
    return want;
}

/* libcurl calls this for each address it is about to connect to (after resolving, for every
 * attempt), so a name that resolves or re-resolves to a refused address never gets a socket. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    xfer *x = arg;
    if (purpose != CURLSOCKTYPE_IPCXN || !a)
        return CURL_SOCKET_BAD;
    if (x->req->allow_connect(x->req->allow_arg, &a->addr, a->addrlen) < 0) {
        x->resp->refused = 1;
        og_strlcpy(x->resp->error, og_error_last(), sizeof(x->resp->error));
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

int og_netclient_do(og_netclient *c, const og_netclient_req *req, og_netclient_resp *resp)
{
    int error = -1;
    og_netclient *own = NULL;
    struct curl_slist *hdrs = NULL, *rcpt = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    const char *method = req->method ? req->method : "GET";
    xfer x = {req, resp, 0, 0, req->body, req->body_len, 0};
    CURLcode rc;
    memset(resp, 0, sizeof(*resp));
    og_buf_init(&resp->body, req->body_cap ? req->body_cap : 1);
    resp->retry_after_s = -1;
    if (!req->url || !*req->url) {
        og_strlcpy(resp->error, "no URL", sizeof(resp->error));
        return og_error_set(OG_EINVAL, "no URL");
    }
    if (!c) {
        if ((error = og_netclient_new(&own)) < 0)
            return error;
        c = own;
    } else if ((error = init()) < 0) {
        return error;
    }
    CURL *h = c->curl;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, req->protocols ? req->protocols : "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, req->timeout_s > 0 ? req->timeout_s : 30L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
                     req->connect_timeout_s > 0 ? req->connect_timeout_s : 10L);
    curl_easy_setopt(h, CURLOPT_USERAGENT,
                     req->user_agent ? req->user_agent : "opsgate/" OG_VERSION);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    if (req->no_proxy)
        curl_easy_setopt(h, CURLOPT_PROXY, "");
    if (req->allow_connect) {
        curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &x);
    }
    if (req->ca_pem) {
        struct curl_blob blob = {(void *)req->ca_pem, strlen(req->ca_pem), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    } else if (ca_dir) { /* the system store, looked up by hash instead of parsed whole */
        curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
        curl_easy_setopt(h, CURLOPT_CAPATH, ca_dir);
    }
    for (size_t i = 0; req->headers && req->headers[i]; i++) {
        struct curl_slist *n = curl_slist_append(hdrs, req->headers[i]);
        if (!n) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        hdrs = n;
    }
    if (hdrs)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (req->mail_rcpt) { /* SMTP: the body is the message */
        if (!(rcpt = curl_slist_append(NULL, req->mail_rcpt))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, req->mail_from ? req->mail_from : "<>");
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_upload);
        curl_easy_setopt(h, CURLOPT_READDATA, &x);
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
               strcmp(method, "PATCH") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "DELETE") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        error = og_error_set(OG_EINVAL, "unsupported method '%s'", method);
        goto cleanup;
    }
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    if (rc != CURLE_OK) {
        if (!resp->refused)
            og_strlcpy(resp->error,
                       x.too_big   ? "the answer is too large"
                       : errbuf[0] ? errbuf
                                   : curl_easy_strerror(rc),
                       sizeof(resp->error));
        resp->tls_untrusted = rc == CURLE_PEER_FAILED_VERIFICATION;
        error = og_error_set(resp->refused                      ? OG_EDENIED
                             : x.too_big                        ? OG_ETOOBIG
                             : rc == CURLE_UNSUPPORTED_PROTOCOL ? OG_EINVAL
                                                                : OG_ERROR,
                             "%s", resp->error);
        goto cleanup;
    }
    curl_off_t ra = -1;
    if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
        resp->retry_after_s = (int64_t)ra;
    error = 0;
cleanup:
    curl_slist_free_all(hdrs);
    curl_slist_free_all(rcpt);
    if (c->curl) /* a reused handle must not keep pointers into this call's frame */
        curl_easy_reset(c->curl);
    og_netclient_free(own);
    return error;
}

int og_netclient_url_parts(const char *url, char *scheme, size_t scheme_size, char *host,
                           size_t host_size)
{
    CURLU *u;
    char *s = NULL, *h = NULL;
    int error;
    if ((error = init()) < 0)
        return error;
    if (!(u = curl_url()))
        return og_error_set(OG_ERROR, "out of memory");
    if (!url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !*h) {
        error = og_error_set(OG_EINVAL, "bad URL");
    } else if (strlen(s) >= scheme_size || strlen(h) >= host_size) {
        error = og_error_set(OG_EINVAL, "URL scheme or host too long");
    } else {
        og_strlcpy(scheme, s, scheme_size);
        og_strlcpy(host, h, host_size);
        error = 0;
    }
    curl_free(s);
    curl_free(h);
    curl_url_cleanup(u);
    return error;
}
