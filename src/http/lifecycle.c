/* lifecycle.c - a request's way through libmicrohttpd: the raw target and framing checked before
 * routing, the body buffered under its limit, bearer authentication, the handler, the metrics
 * and access log when it completes. */
#include "http/console.h"
#include "http/deadline.h"
#include "http/lifecycle.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* After the body limit is hit the rest is read and dropped so a 413 can still be sent; beyond
 * this much more the client is ignoring us and the connection is cut instead. */
#define DISCARD_MAX ((uint64_t)64 << 20)

/* ---- authentication ---- */

/* The source the failed-authentication limit counts by, numeric ("-" when unknown): the client's
 * IPv4 address, or its IPv6 /64 (one host commonly holds a whole /64, so counting single IPv6
 * addresses would let it pick a fresh one per guess). */
void og_http__peer_address(og_http_req *r, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    og_strlcpy(out, "-", size);
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET6) {
        struct sockaddr_in6 a6;
        memcpy(&a6, ci->client_addr, sizeof(a6));
        int mapped = IN6_IS_ADDR_V4MAPPED(&a6.sin6_addr);
        if (!mapped)
            memset(&a6.sin6_addr.s6_addr[8], 0, 8);
        if (getnameinfo((struct sockaddr *)&a6, sizeof(a6), out, (socklen_t)size, NULL, 0,
                        NI_NUMERICHOST) != 0)
            og_strlcpy(out, "-", size);
        else if (!mapped && strlen(out) + 4 < size)
            strcat(out, "/64");
        return;
    }
    if (getnameinfo(ci->client_addr, sizeof(struct sockaddr_in), out, (socklen_t)size, NULL, 0,
                    NI_NUMERICHOST) != 0)
        og_strlcpy(out, "-", size);
}

void og_http__token_prefix(const char *bearer, char out[OG_ID_LEN])
{
    out[0] = '\0';
    if (strncmp(bearer, "og_", 3) != 0 || strlen(bearer) < 3 + 36)
        return;
    memcpy(out, bearer + 3, 36);
    out[36] = '\0';
    if (!og_id_valid(out))
        out[0] = '\0';
}

/* Refused by the failed-authentication limit: count it, audit the first refusal of the window
 * (never the token, only its id part), and fail with r->retry_after set (429). */
int og_http__throttled(og_http_req *r, const char *source, const char *prefix,
                       const og_http_authlimit_refusal *why)
{
    og_http__metrics_throttled(r->srv->metrics);
    r->retry_after = why->retry_after;
    if (why->first) {
        og_ctx ctx;
        memset(&ctx, 0, sizeof(ctx));
        ctx.store = r->store = r->store ? r->store : og_store_pool_get(r->srv->pool);
        ctx.keys = r->srv->keys;
        ctx.data_dir = r->srv->folder;
        og_actor_system(&ctx.actor, "http");
        if (og_token_audit_throttled(&ctx, source, prefix, why->by, why->failures,
                                     og_http__authlimit_window_s(r->srv->authlimit)) < 0)
            fprintf(stderr, "opsgate: http: auditing a throttled authentication: %s\n",
                    og_error_last());
        og_http__store_release(r);
    }
    return og_error_set(OG_EBUSY, "too many failed authentications from this %s; retry in %d s",
                        strcmp(why->by, "source") == 0 ? "address" : "token", why->retry_after);
}

int og_http__authenticate(og_http_req *r)
{
    const char *h =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || !*h)
        return og_error_set(OG_EAUTH, "missing bearer token (send Authorization: Bearer TOKEN)");
    /* A credential was sent: the limit applies before anything looks at it. */
    char source[INET6_ADDRSTRLEN + 8], prefix[OG_ID_LEN];
    og_http_authlimit_refusal why;
    og_http__peer_address(r, source, sizeof(source));
    const char *b = strncasecmp(h, "Bearer ", 7) == 0 ? h + 7 : h;
    while (*b == ' ')
        b++;
    og_http__token_prefix(b, prefix);
    if (og_http__authlimit_check(r->srv->authlimit, source, prefix, &why) > 0)
        return og_http__throttled(r, source, prefix, &why);
    int rc;
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        rc = og_error_set(OG_EAUTH, "the Authorization header must use the Bearer scheme");
    } else if (!*b) {
        rc = og_error_set(OG_EAUTH, "empty bearer token");
    } else {
        if (!r->store)
            r->store = og_store_pool_get(r->srv->pool);
        memset(&r->ctx, 0, sizeof(r->ctx));
        rc = og_token_authenticate(r->store, b, &r->ctx.actor);
        if (rc == OG_EAUTH)
            rc = og_http__region_auth(r, b, rc);
    }
    if (rc == OG_EAUTH)
        og_http__authlimit_fail(r->srv->authlimit, source, prefix);
    if (rc < 0)
        return rc;
    r->ctx.store = r->store;
    r->ctx.keys = r->srv->keys;
    r->ctx.data_dir = r->srv->folder;
    r->authenticated = 1;
    return og_http__region_check(r);
}

/* ---- the request lifecycle ---- */

static enum MHD_Result dispatch(og_http_req *r)
{
    int rc;
    if (r->rr == OG_HTTP_NO_ROUTE && og_http__console_path(r->path)) {
        /* A console URL that names no page: the console's own 404 page. */
        r->console = 1;
        og_error_set(OG_ENOTFOUND, "no such page");
        return og_http__queue_failure(r, OG_ENOTFOUND);
    }
    if (r->rr == OG_HTTP_NO_ROUTE) {
        char msg[600];
        snprintf(msg, sizeof(msg), "no route for %.16s %.512s", r->method, r->path);
        return og_http__queue_error(r, 404, "not_found", msg);
    }
    if (r->rr == OG_HTTP_NO_METHOD) {
        char msg[800];
        snprintf(msg, sizeof(msg), "%.512s does not allow %.16s (allowed: %s)", r->path, r->method,
                 r->match.allow);
        return og_http__queue_error(r, 405, "method_not_allowed", msg);
    }
    if (r->too_big) {
        og_error_set(OG_ETOOBIG, "request body over the limit of %zu bytes", r->srv->max_body);
        return og_http__queue_failure(r, OG_ETOOBIG);
    }

    const og_http_route *route = r->match.route;
    int needs_token = !(route->flags & (OG_HTTP_ROUTE_PUBLIC | OG_HTTP_ROUTE_CONSOLE));
    if ((route->flags & OG_HTTP_ROUTE_METRICS) && r->srv->cfg->metrics_open)
        needs_token = 0;
    og_error_clear();
    og_crypto_scope_key_release(); /* none is left, but no request uses another's */
    if (route->flags & OG_HTTP_ROUTE_CONSOLE) {
        /* The session cookie (and, on a state-changing method, the CSRF token) instead. */
        r->console = 1;
        if ((rc = og_http__console_authenticate(r)) < 0)
            goto fail;
    } else if (needs_token) {
        if ((rc = og_http__authenticate(r)) < 0)
            goto fail;
        if ((route->flags & OG_HTTP_ROUTE_METRICS) && !og_actor_is_platform(&r->ctx.actor)) {
            rc = og_error_set(OG_EDENIED, "/metrics needs a platform-admin token");
            goto fail;
        }
    }
    /* A tenant whose key was revoked: every request of its tokens and sessions is refused (423),
     * whatever it asks, on every server (the flag is in the key's row). The row read is held for
     * the handler's uses of the key (og_crypto_scope_key_hold), released when it returns. */
    if (r->authenticated && r->ctx.actor.tenant_id[0] && !(route->flags & OG_HTTP_ROUTE_PUBLIC) &&
        (rc = og_crypto_scope_key_hold(r->ctx.store, r->ctx.actor.tenant_id)) < 0)
        goto fail;
    rc = route->handler(r);
    og_crypto_scope_key_release();
    if (rc < 0)
        goto fail;
    if (!r->raw)
        og_http__store_release(r);
    return og_http__queue_reply(r);
fail:
    og_http__store_release(r);
    return og_http__queue_failure(r, rc);
}

static void request_done(og_http_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    if (--srv->inflight == 0)
        pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->mu);
    og_http__metrics_inflight(srv->metrics, -1);
}

void og_http__on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    og_http_server *srv = cls;
    og_http_req *r = *con_cls;
    og_http__deadlines_idle(srv->deadlines, conn);
    if (!r)
        return;
    *con_cls = NULL;
    if (!r->started) {
        /* libmicrohttpd answered (or dropped) it before the handler ran: a malformed request line
         * or headers, headers too large. Nothing was counted for it. */
        free(r);
        return;
    }
    int64_t dur = og_time_mono_us() - r->start_us;
    if (r->queued) {
        size_t idx = r->rr == OG_HTTP_FOUND ? r->match.index : og_http__nroutes;
        og_http__metrics_observe(srv->metrics, idx, r->status, dur);
    }
    if (srv->cfg->access_log) {
        char actor[160] = "-";
        if (r->authenticated)
            og_actor_label(&r->ctx.actor, actor, sizeof(actor));
        fprintf(stderr, "opsgate: http: %s %s %d %.1fms %s%s\n", r->method, r->path,
                r->queued ? r->status : 0, (double)dur / 1000.0, actor,
                toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    }
    if (r->body_free)
        r->body_free(r);
    og_http__store_release(r);
    og_buf_free(&r->body);
    json_decref(r->json);
    free(r->text);
    if (r->raw)
        MHD_destroy_response(r->raw);
    free(r);
    request_done(srv);
}

/* ---- hostile input, refused before routing ---- */

/*
 * libmicrohttpd's URI log callback: the request target exactly as sent, before percent-decoding
 * (the handler later gets a C string that a %00 has cut short: "/whoami%00" would route as
 * "/whoami"). The request's state starts here so the verdict reaches the handler.
 */
void *og_http__on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    og_http_req *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL; /* og_http__on_request refuses a request with no state: fail closed */
    r->srv = cls;
    r->conn = conn;
    og_http__deadlines_request(r->srv->deadlines, conn);
    if (og_http__target_check(uri) < 0) {
        r->target_err = og_error_code();
        og_strlcpy(r->target_msg, og_error_last(), sizeof(r->target_msg));
        /* Logged as sent (still encoded), not as the cut-short string the handler gets. */
        og_strlcpy(r->path, uri, sizeof(r->path));
        char *qm = strchr(r->path, '?');
        if (qm)
            *qm = '\0';
    }
    return r;
}

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    og_http_framing *f = cls;
    (void)kind;
    if (!key || !value)
        return MHD_YES;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        f->n_length++;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        size_t used = strlen(f->te);
        int n = snprintf(f->te + used, sizeof(f->te) - used, "%s%s", f->n_te ? ", " : "", value);
        if (n < 0 || (size_t)n >= sizeof(f->te) - used)
            f->te_long = 1;
        f->n_te++;
    }
    return MHD_YES;
}

struct length_cmp {
    const char *first;
    int differs;
};

static enum MHD_Result length_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct length_cmp *c = cls;
    (void)kind;
    if (!key || strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
        return MHD_YES;
    if (!c->first)
        c->first = value ? value : "";
    else if (strcmp(c->first, value ? value : "") != 0)
        c->differs = 1;
    return MHD_YES;
}

/* 0, or the status (400, 411, 501) for framing opsgate will not guess at or does not take, message
 * in the error slot. Runs in the first call of the handler, before any of the body is read:
 * libmicrohttpd uses the first Content-Length, treats any Transfer-Encoding but "chunked" as a body
 * that lasts until the connection closes (a client waiting for a reply then hangs), and answers a
 * chunk-size line longer than its buffer with its own 500 and HTML body. */
static int framing_status(og_http_req *r, const char *version)
{
    og_http_framing f;
    struct length_cmp lc = {NULL, 0};
    memset(&f, 0, sizeof(f));
    f.http10 = version && strcmp(version, MHD_HTTP_VERSION_1_0) == 0;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, framing_header, &f);
    if (f.n_length > 1) {
        MHD_get_connection_values(r->conn, MHD_HEADER_KIND, length_header, &lc);
        f.length_differs = lc.differs;
    }
    return og_http__framing_check(&f);
}

enum MHD_Result og_http__on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_size, void **con_cls)
{
    og_http_server *srv = cls;
    og_http_req *r = *con_cls;

    /* No state means og_http__on_uri could not allocate it (or never ran): refuse rather than route
     * an unchecked target. */
    if (!r)
        return MHD_NO;
    if (!r->started) {
        r->started = 1;
        r->conn = conn;
        og_strlcpy(r->method, method, sizeof(r->method));
        if (!r->target_err)
            og_strlcpy(r->path, url, sizeof(r->path));
        /* Every reply on a console path, errors before routing included, is the console's:
         * HTML pages with its headers. */
        r->console = og_http__console_path(r->path);
        /* The path is unescaped client input: no control bytes into logs or messages. */
        for (char *p = r->path; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        r->start_us = og_time_mono_us();
        /* Routing, authentication and a stream's begin (which may wait for the store pool) are
         * the server's time; the body's starts with its first byte. */
        og_http__deadlines_served(srv->deadlines, conn);
        og_buf_init(&r->body, srv->max_body);
        pthread_mutex_lock(&srv->mu);
        srv->inflight++;
        pthread_mutex_unlock(&srv->mu);
        og_http__metrics_inflight(srv->metrics, 1);
        og_error_clear();
        if (r->target_err) {
            r->rr = OG_HTTP_NO_ROUTE;
            og_error_set(r->target_err, "%s", r->target_msg);
            return og_http__queue_failure(r, r->target_err);
        }
        int fs = framing_status(r, version);
        if (fs) {
            /* Answered before the body: libmicrohttpd then closes the connection, so whatever
             * the client meant as a body is never read as a next request. */
            r->rr = OG_HTTP_NO_ROUTE;
            return og_http__queue_error(r, fs, og_http__framing_code(fs), og_error_last());
        }
        r->rr = og_http__route(og_http__routes, og_http__nroutes, method, url, &r->match);
        if (r->rr == OG_HTTP_FOUND && (r->match.route->flags & OG_HTTP_ROUTE_STREAM_BODY))
            return og_http__stream_begin(r);

        /* A declared length over the limit is refused before a byte of the body is read. */
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            errno = 0;
            char *end = NULL;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno == 0 && end != cl && (uint64_t)n > srv->max_body) {
                r->too_big = 1;
                og_error_set(OG_ETOOBIG, "request body of %llu bytes is over the limit of %zu", n,
                             srv->max_body);
                return og_http__queue_failure(r, OG_ETOOBIG);
            }
        }
        return MHD_YES;
    }

    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (!r->body_seen) {
            r->body_seen = 1;
            og_http__deadlines_body(srv->deadlines, conn);
        }
        og_http__deadlines_progress(srv->deadlines, conn, n);
        if (r->queued)
            return MHD_YES;
        if (r->streaming || r->stream_err)
            return og_http__stream_chunk(r, upload_data, n);
        if (!r->too_big && og_buf_append(&r->body, upload_data, n) < 0) {
            /* Over the limit (a safety net: a declared length over it was refused up front and
             * chunked bodies are refused): stop buffering and answer now if this libmicrohttpd
             * allows it mid-body, else after reading the rest. */
            r->too_big = 1;
            og_buf_free(&r->body);
            og_error_set(OG_ETOOBIG, "request body over the limit of %zu bytes", srv->max_body);
            if (og_http__queue_failure(r, OG_ETOOBIG) == MHD_YES)
                return MHD_YES;
        } else if (r->too_big) {
            r->discarded += n;
            if (r->discarded > DISCARD_MAX)
                return MHD_NO;
        }
        return MHD_YES;
    }
    og_http__deadlines_served(srv->deadlines, conn); /* the body is in: the server's time now */
    if (r->queued)
        return MHD_YES;
    if (r->streaming || r->stream_err)
        return og_http__stream_end(r);
    return dispatch(r);
}
