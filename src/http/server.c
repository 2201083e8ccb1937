/* server.c - og_http_serve(): libmicrohttpd daemon, request lifecycle, bearer auth, replies,
 * errors as JSON and graceful shutdown. */
#include "http/server.h"
#include "http/tls.h"
#include "opsgate/app.h"
#include "opsgate/certs.h"
#include "opsgate/gate.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/notify.h"
#include "opsgate/tenant.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_LISTEN       "127.0.0.1:8700"
#define DEFAULT_MAX_BODY     ((size_t)1 << 20)
#define DEFAULT_SHUTDOWN_MS  30000
#define DEFAULT_CHECKPOINT_S 300
/* Stores the gate module's event workers (2 by default) and expiry timer hold, plus one spare. */
#define GATE_POOL_EXTRA 4
/* Stores the background jobs hold (checkpoints, certificate schedules, renewals). */
#define JOBS_POOL_EXTRA 3
/* After the body limit is hit the rest is read and dropped so a 413 can still be sent; beyond
 * this much more the client is ignoring us and the connection is cut instead. */
#define DISCARD_MAX ((uint64_t)64 << 20)
/* The same for a refused streamed upload: the reply must reach a client that does not wait for
 * "100 Continue", and answering while it still sends makes the kernel reset the connection (the
 * client then sees a send error instead of the reply), so more is read and dropped. */
#define STREAM_DISCARD_MAX ((uint64_t)1 << 30)
#define IDLE_TIMEOUT_S     60
/* Connections served at once, each by its own thread (more are refused until one closes). */
#define MAX_CONNECTIONS 512
/* Streamed uploads (OG_HTTP_ROUTE_STREAM_BODY) are capped separately from max_body:
 * OPSGATE_MAX_UPLOAD (bytes, 0 = no cap) overrides this default. */
#define DEFAULT_MAX_UPLOAD ((uint64_t)64 << 30)

/* ---- request input ---- */

const char *og_http__query(og_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int og_http__body_object(og_http_req *r, int empty_ok, const char *const *allowed, json_t **out)
{
    int error = -1;
    json_t *doc = NULL;
    json_error_t jerr;
    *out = NULL;

    size_t i = 0;
    while (i < r->body.len && strchr(" \t\r\n", r->body.data[i]))
        i++;
    if (i == r->body.len) {
        if (!empty_ok) {
            error = og_error_set(OG_EINVAL, "request body must be a JSON object");
            goto cleanup;
        }
        doc = json_object();
    } else {
        doc = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
            error = og_error_set(OG_EINVAL, "malformed JSON at line %d, column %d: %s", jerr.line,
                                 jerr.column, jerr.text);
            goto cleanup;
        }
    }
    if (!doc) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (!json_is_object(doc)) {
        error = og_error_set(OG_EINVAL, "request body must be a JSON object");
        goto cleanup;
    }
    const char *key;
    json_t *val;
    json_object_foreach(doc, key, val)
    {
        int known = 0;
        for (size_t k = 0; allowed && allowed[k]; k++)
            known |= strcmp(allowed[k], key) == 0;
        if (!known) {
            error = og_error_set(OG_EINVAL, "unknown field '%s'", key);
            goto cleanup;
        }
    }
    *out = doc;
    doc = NULL;
    error = 0;
cleanup:
    json_decref(doc);
    return error;
}

int og_http__field_str(json_t *obj, const char *field, int required, const char **out)
{
    json_t *v = json_object_get(obj, field);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return og_error_set(OG_EINVAL, "missing field '%s'", field);
        return 0;
    }
    if (!json_is_string(v))
        return og_error_set(OG_EINVAL, "field '%s' must be a string", field);
    *out = json_string_value(v);
    return 0;
}

int og_http__field_str_max(json_t *obj, const char *field, int required, size_t max,
                           const char **out)
{
    int error = og_http__field_str(obj, field, required, out);
    if (error < 0 || !*out)
        return error;
    if (!**out || strlen(*out) > max)
        return og_error_set(OG_EINVAL, "field '%s' must be 1 to %zu characters", field, max);
    return 0;
}

int og_http__param_id(og_http_req *r, const char *name, const char *what, const char **out)
{
    const char *v = og_http__param(&r->match, name);
    *out = NULL;
    if (!v)
        return og_error_set(OG_ERROR, "route has no parameter '%s'", name);
    if (!og_id_valid(v))
        return og_error_set(OG_EINVAL, "%s '%.64s' is not a valid id", what, v);
    *out = v;
    return 0;
}

int og_http__param_ref(og_http_req *r, const char *name, const char **out)
{
    const char *v = og_http__param(&r->match, name);
    *out = NULL;
    if (!v)
        return og_error_set(OG_ERROR, "route has no parameter '%s'", name);
    if (!og_name_valid(v) && !og_id_valid(v))
        return og_error_set(OG_EINVAL, "%s '%.64s' is not a valid name or id", name, v);
    *out = v;
    return 0;
}

/* ---- replies ---- */

int og_http__reply(og_http_req *r, int status, json_t *body)
{
    if (!body && status != 204)
        return og_error_set(OG_ERROR, "out of memory building the reply");
    json_decref(r->json);
    r->json = body;
    r->status = status;
    return 0;
}

int og_http__reply_text(og_http_req *r, int status, const char *type, char *text, size_t len)
{
    free(r->text);
    r->text = text;
    r->text_len = len;
    r->text_type = type;
    r->status = status;
    return 0;
}

static void add_common_headers(og_http_req *r, int status, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (status == 201 && r->location[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
    /* While draining, tell keep-alive clients not to send another request on this connection. */
    if (atomic_load(&r->srv->draining))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
}

static enum MHD_Result queue(og_http_req *r, int status, struct MHD_Response *resp)
{
    add_common_headers(r, status, resp);
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    if (ret == MHD_YES) {
        r->queued = 1;
        r->status = status;
    }
    return ret;
}

static enum MHD_Result queue_buffer(og_http_req *r, int status, const char *type, char *data,
                                    size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    if (type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    return queue(r, status, resp);
}

/* Send {"error":{...}} for code with message; extra headers for 401 and 405. */
static enum MHD_Result queue_error(og_http_req *r, int status, const char *code, const char *msg)
{
    char *body = og_http__error_body(code, msg);
    size_t len = body ? strlen(body) : 0;
    char *nl = body ? realloc(body, len + 2) : NULL;
    if (!nl) {
        free(body);
        return MHD_NO;
    }
    nl[len] = '\n';
    nl[len + 1] = '\0';
    struct MHD_Response *resp = MHD_create_response_from_buffer(len + 1, nl, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(nl);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (status == 401) {
        /* RFC 6750: no error attribute when no credential was sent at all. */
        int sent = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                               MHD_HTTP_HEADER_AUTHORIZATION) != NULL;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                sent ? "Bearer realm=\"opsgate\", error=\"invalid_token\""
                                     : "Bearer realm=\"opsgate\"");
    }
    if (status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->match.allow);
    return queue(r, status, resp);
}

/* The API's hint for a detail of a face-neutral library error (og_error_detail()), as the CLI
 * adds its options (src/cli/cli.c): the library names the thing, the value and the rule. */
static const struct {
    const char *detail, *hint;
} http_hints[] = {
    {OG_GATE_DETAIL_UNKNOWN_KIND, "GET /api/v1/gate-kinds lists them"},
    {OG_TENANT_DETAIL_NO_TENANT, "name it in the path or with ?tenant="},
    {OG_EGRESS_DETAIL_REFUSED, "only a platform-admin allows a range, on the opsgate host"},
};

/* The error reply for a failed handler or check: status from og_http__status_for(), message from
 * the thread's error slot, except where the message could leak something. */
static enum MHD_Result queue_failure(og_http_req *r, int code)
{
    int status = og_http__status_for(code);
    char msg[600];
    if (status == 500) {
        /* The real cause (file paths, SQL errors) goes to the server log only. */
        fprintf(stderr, "opsgate: http: %s %s: %s\n", r->method, r->path, og_error_last());
        snprintf(msg, sizeof(msg), "internal error; the server log has the details");
        return queue_error(r, 500, "internal", msg);
    }
    if (status == 404) {
        /* One message for "does not exist" and "belongs to another tenant", whichever the library
         * reported, so a response never tells the two apart. */
        snprintf(msg, sizeof(msg), "%.512s: not found", r->path);
        return queue_error(r, 404, og_error_name(OG_ENOTFOUND), msg);
    }
    if (status == 200) { /* a negative code we have no name for */
        status = 500;
        code = OG_ERROR;
    }
    const char *detail = og_error_detail();
    if (strcmp(detail, OG_GATE_DETAIL_NOT_REQUESTABLE) == 0) {
        const og_action_kind *k = og_gate_kind_find(og_error_detail_arg());
        if (k && k->route) {
            snprintf(msg, sizeof(msg), "%.400s (use %s)", og_error_last(), k->route);
            return queue_error(r, status, og_error_name(code), msg);
        }
    }
    for (size_t i = 0; *detail && i < sizeof(http_hints) / sizeof(http_hints[0]); i++)
        if (strcmp(detail, http_hints[i].detail) == 0) {
            snprintf(msg, sizeof(msg), "%.480s (%s)", og_error_last(), http_hints[i].hint);
            return queue_error(r, status, og_error_name(code), msg);
        }
    return queue_error(r, status, og_error_name(code), og_error_last());
}

/* Send what the handler put in r. */
static enum MHD_Result queue_reply(og_http_req *r)
{
    if (r->raw) {
        struct MHD_Response *resp = r->raw;
        r->raw = NULL;
        return queue(r, r->status, resp);
    }
    if (r->json) {
        char *s = json_dumps(r->json, JSON_COMPACT);
        if (!s) {
            og_error_set(OG_ERROR, "out of memory encoding the reply");
            return queue_failure(r, OG_ERROR);
        }
        size_t len = strlen(s);
        char *nl = realloc(s, len + 2);
        if (!nl) {
            free(s);
            return MHD_NO;
        }
        nl[len] = '\n';
        nl[len + 1] = '\0';
        enum MHD_Result ret = queue_buffer(r, r->status, "application/json", nl, len + 1);
        return ret;
    }
    if (r->text) {
        char *t = r->text;
        r->text = NULL;
        return queue_buffer(r, r->status, r->text_type, t, r->text_len);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    return queue(r, r->status ? r->status : 204, resp);
}

/* ---- authentication ---- */

static void release_store(og_http_req *r)
{
    if (r->store) {
        og_store_pool_put(r->srv->pool, r->store);
        r->store = NULL;
    }
}

/* Fill r->ctx from the bearer token. OG_EAUTH (401) or OG_EDENIED (403, suspended tenant). */
static int authenticate(og_http_req *r)
{
    const char *h =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || !*h)
        return og_error_set(OG_EAUTH, "missing bearer token (send Authorization: Bearer TOKEN)");
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return og_error_set(OG_EAUTH, "the Authorization header must use the Bearer scheme");
    h += 7;
    while (*h == ' ')
        h++;
    if (!*h)
        return og_error_set(OG_EAUTH, "empty bearer token");
    if (!r->store)
        r->store = og_store_pool_get(r->srv->pool);
    memset(&r->ctx, 0, sizeof(r->ctx));
    int rc = og_token_authenticate(r->store, h, &r->ctx.actor);
    if (rc < 0)
        return rc;
    r->ctx.store = r->store;
    r->ctx.keys = r->srv->keys;
    r->ctx.data_dir = r->srv->cfg->data_dir;
    r->authenticated = 1;
    return 0;
}

/* ---- /metrics ---- */

int og_http__metrics_handler(og_http_req *r)
{
    og_buf out;
    og_buf_init(&out, (size_t)4 << 20);
    int error = og_http__metrics_render(r->srv->metrics, &out);
    if (error == 0) {
        /* Module counters come from the database, so they include CLI actions and survive
         * restarts. */
        og_store *s = og_store_pool_get(r->srv->pool);
        og_ctx mctx;
        memset(&mctx, 0, sizeof(mctx));
        mctx.store = s;
        mctx.keys = r->srv->keys;
        mctx.data_dir = r->srv->cfg->data_dir;
        og_actor_system(&mctx.actor, "metrics");
        error = og_gate_metrics_render(s, &out);
        if (error == 0)
            error = og_notify_metrics_render(s, &out);
        if (error == 0)
            error = og_certs_metrics_render(&mctx, &out);
        og_store_pool_put(r->srv->pool, s);
    }
    if (error < 0) {
        og_buf_free(&out);
        return error;
    }
    size_t len = out.len;
    return og_http__reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8",
                               og_buf_detach(&out), len);
}

/* ---- the request lifecycle ---- */

static enum MHD_Result dispatch(og_http_req *r)
{
    int rc;
    if (r->rr == OG_HTTP_NO_ROUTE) {
        char msg[600];
        snprintf(msg, sizeof(msg), "no route for %.16s %.512s", r->method, r->path);
        return queue_error(r, 404, "not_found", msg);
    }
    if (r->rr == OG_HTTP_NO_METHOD) {
        char msg[800];
        snprintf(msg, sizeof(msg), "%.512s does not allow %.16s (allowed: %s)", r->path, r->method,
                 r->match.allow);
        return queue_error(r, 405, "method_not_allowed", msg);
    }
    if (r->too_big) {
        og_error_set(OG_ETOOBIG, "request body over the limit of %zu bytes", r->srv->max_body);
        return queue_failure(r, OG_ETOOBIG);
    }

    const og_http_route *route = r->match.route;
    int needs_token = !(route->flags & OG_HTTP_ROUTE_PUBLIC);
    if ((route->flags & OG_HTTP_ROUTE_METRICS) && r->srv->cfg->metrics_open)
        needs_token = 0;
    og_error_clear();
    if (needs_token) {
        if ((rc = authenticate(r)) < 0)
            goto fail;
        if ((route->flags & OG_HTTP_ROUTE_METRICS) && !og_actor_is_platform(&r->ctx.actor)) {
            rc = og_error_set(OG_EDENIED, "/metrics needs a platform-admin token");
            goto fail;
        }
    }
    if ((rc = route->handler(r)) < 0)
        goto fail;
    if (!r->raw)
        release_store(r);
    return queue_reply(r);
fail:
    release_store(r);
    return queue_failure(r, rc);
}

static void request_done(og_http_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    if (--srv->inflight == 0)
        pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->mu);
    og_http__metrics_inflight(srv->metrics, -1);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    og_http_server *srv = cls;
    og_http_req *r = *con_cls;
    (void)conn;
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
    release_store(r);
    og_buf_free(&r->body);
    json_decref(r->json);
    free(r->text);
    if (r->raw)
        MHD_destroy_response(r->raw);
    free(r);
    request_done(srv);
}

/* ---- streamed request bodies ---- */

/* The declared Content-Length; 0 when absent or not a number. */
static int declared_length(og_http_req *r, uint64_t *out)
{
    const char *cl =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    *out = 0;
    if (!cl)
        return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long n = strtoull(cl, &end, 10);
    if (errno != 0 || end == cl)
        return 0;
    *out = (uint64_t)n;
    return 1;
}

/* Remember a failure of a streamed body; the reply goes out once the rest is dropped (or now, see
 * stream_begin). */
static void stream_fail(og_http_req *r, int code)
{
    r->stream_err = code;
    r->streaming = 0;
    r->discarded = 0;
    og_strlcpy(r->stream_msg, og_error_last(), sizeof(r->stream_msg));
}

static enum MHD_Result stream_reply_failure(og_http_req *r)
{
    og_error_set(r->stream_err, "%s", r->stream_msg);
    return queue_failure(r, r->stream_err);
}

/*
 * The headers of a streamed request are in: check the declared size, authenticate and run the
 * route's begin handler, so a doomed upload (401, 403, 404, a lock held by someone else) fails
 * before any byte of its body is read. Such a failure is answered at once when the client waits
 * for "100 Continue" (it sends nothing more) or announced more than STREAM_DISCARD_MAX bytes
 * (libmicrohttpd then closes the connection after the reply); otherwise the body is read and
 * dropped first, so the client reads its reply and may keep the connection.
 */
static enum MHD_Result stream_begin(og_http_req *r)
{
    uint64_t len;
    int has_len = declared_length(r, &len);
    int rc;
    og_error_clear();
    if (has_len && r->srv->max_upload && len > r->srv->max_upload) {
        r->too_big = 1;
        og_error_set(OG_ETOOBIG, "upload of %" PRIu64 " bytes is over the limit of %" PRIu64, len,
                     r->srv->max_upload);
        return queue_failure(r, OG_ETOOBIG);
    }
    if ((rc = authenticate(r)) < 0 || (rc = r->match.route->handler(r)) < 0) {
        release_store(r);
        stream_fail(r, rc);
        const char *expect =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
        if ((expect && strcasecmp(expect, "100-continue") == 0) ||
            (has_len && len > STREAM_DISCARD_MAX))
            return stream_reply_failure(r);
        return MHD_YES;
    }
    /* Chunks need no store: give it back while the body streams in. */
    release_store(r);
    r->ctx.store = NULL;
    r->streaming = 1;
    return MHD_YES;
}

static enum MHD_Result stream_chunk(og_http_req *r, const char *data, size_t n)
{
    if (r->stream_err) {
        r->discarded += n;
        return r->discarded > STREAM_DISCARD_MAX ? MHD_NO : MHD_YES;
    }
    int rc;
    r->streamed += n;
    if (r->srv->max_upload && r->streamed > r->srv->max_upload)
        rc = og_error_set(OG_ETOOBIG, "upload over the limit of %" PRIu64 " bytes",
                          r->srv->max_upload);
    else
        rc = r->body_write(r, data, n);
    if (rc < 0)
        stream_fail(r, rc);
    return MHD_YES;
}

static enum MHD_Result stream_end(og_http_req *r)
{
    if (r->stream_err)
        return stream_reply_failure(r);
    r->streaming = 0;
    og_error_clear();
    r->store = og_store_pool_get(r->srv->pool);
    r->ctx.store = r->store;
    int rc = r->body_finish(r);
    release_store(r);
    r->ctx.store = NULL;
    if (rc < 0)
        return queue_failure(r, rc);
    return queue_reply(r);
}

/* ---- hostile input, refused before routing ---- */

/*
 * libmicrohttpd's URI log callback: the request target exactly as sent, before percent-decoding
 * (the handler later gets a C string that a %00 has cut short: "/whoami%00" would route as
 * "/whoami"). The request's state starts here so the verdict reaches the handler.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    og_http_req *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL; /* on_request refuses a request with no state: fail closed */
    r->srv = cls;
    r->conn = conn;
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    og_http_server *srv = cls;
    og_http_req *r = *con_cls;

    /* No state means on_uri could not allocate it (or never ran): refuse rather than route an
     * unchecked target. */
    if (!r)
        return MHD_NO;
    if (!r->started) {
        r->started = 1;
        r->conn = conn;
        og_strlcpy(r->method, method, sizeof(r->method));
        if (!r->target_err)
            og_strlcpy(r->path, url, sizeof(r->path));
        /* The path is unescaped client input: no control bytes into logs or messages. */
        for (char *p = r->path; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        r->start_us = og_time_mono_us();
        og_buf_init(&r->body, srv->max_body);
        pthread_mutex_lock(&srv->mu);
        srv->inflight++;
        pthread_mutex_unlock(&srv->mu);
        og_http__metrics_inflight(srv->metrics, 1);
        og_error_clear();
        if (r->target_err) {
            r->rr = OG_HTTP_NO_ROUTE;
            og_error_set(r->target_err, "%s", r->target_msg);
            return queue_failure(r, r->target_err);
        }
        int fs = framing_status(r, version);
        if (fs) {
            /* Answered before the body: libmicrohttpd then closes the connection, so whatever
             * the client meant as a body is never read as a next request. */
            r->rr = OG_HTTP_NO_ROUTE;
            return queue_error(r, fs, og_http__framing_code(fs), og_error_last());
        }
        r->rr = og_http__route(og_http__routes, og_http__nroutes, method, url, &r->match);
        if (r->rr == OG_HTTP_FOUND && (r->match.route->flags & OG_HTTP_ROUTE_STREAM_BODY))
            return stream_begin(r);

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
                return queue_failure(r, OG_ETOOBIG);
            }
        }
        return MHD_YES;
    }

    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->queued)
            return MHD_YES;
        if (r->streaming || r->stream_err)
            return stream_chunk(r, upload_data, n);
        if (!r->too_big && og_buf_append(&r->body, upload_data, n) < 0) {
            /* Over the limit (a safety net: a declared length over it was refused up front and
             * chunked bodies are refused): stop buffering and answer now if this libmicrohttpd
             * allows it mid-body, else after reading the rest. */
            r->too_big = 1;
            og_buf_free(&r->body);
            og_error_set(OG_ETOOBIG, "request body over the limit of %zu bytes", srv->max_body);
            if (queue_failure(r, OG_ETOOBIG) == MHD_YES)
                return MHD_YES;
        } else if (r->too_big) {
            r->discarded += n;
            if (r->discarded > DISCARD_MAX)
                return MHD_NO;
        }
        return MHD_YES;
    }
    if (r->queued)
        return MHD_YES;
    if (r->streaming || r->stream_err)
        return stream_end(r);
    return dispatch(r);
}

/* ---- start, run, stop ---- */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    /* Given a socket address, libmicrohttpd names port 0 here; og_http_serve reports the failure
     * with the address asked for. */
    if (strncmp(line, "Failed to bind to port", 22) == 0)
        return;
    fprintf(stderr, "opsgate: http: %s\n", line);
}

/* Resolve "host:port" / "[v6]:port" into *addr. */
static int parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *addrlen)
{
    int error = -1;
    char host[256], port[16];
    struct addrinfo hints, *res = NULL;
    const char *colon;

    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof(host))
            goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof(host))
            goto bad;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
    }
    if (og_strlcpy(port, colon + 1, sizeof(port)) >= sizeof(port) || !port[0])
        goto bad;
    char *end = NULL;
    long pn = strtol(port, &end, 10);
    if (*end || pn < 0 || pn > 65535)
        goto bad;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (gai != 0) {
        error = og_error_set(OG_EINVAL, "listen address '%s': %s", listen, gai_strerror(gai));
        goto cleanup;
    }
    if (res->ai_addrlen > sizeof(*addr)) {
        error = og_error_set(OG_EINVAL, "listen address '%s': unsupported address", listen);
        goto cleanup;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *addrlen = res->ai_addrlen;
    error = 0;
    goto cleanup;
bad:
    error = og_error_set(
        OG_EINVAL, "listen address '%s' is not HOST:PORT (e.g. 127.0.0.1:8700, [::1]:0)", listen);
cleanup:
    if (res)
        freeaddrinfo(res);
    return error;
}

static int resolve_threads(const og_http_config *cfg)
{
    int n = cfg->threads;
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (int)cpus : 2;
    }
    if (n < 2)
        n = 2;
    if (n > 64)
        n = 64;
    return n;
}

int og_http_check(const og_http_config *cfg)
{
    int error = -1;
    og_store *store = NULL;
    og_keyring *keys = NULL;
    struct sockaddr_storage addr;
    socklen_t addrlen;

    if (!cfg || !cfg->data_dir)
        return og_error_set(OG_EINVAL, "no data folder given");
    if ((error = parse_listen(cfg->listen ? cfg->listen : DEFAULT_LISTEN, &addr, &addrlen)) < 0)
        goto cleanup;
    if (cfg->threads < 0 || cfg->shutdown_timeout_ms < 0) {
        error = og_error_set(OG_EINVAL, "threads and shutdown timeout must not be negative");
        goto cleanup;
    }
    if (!cfg->tls_cert_id != !cfg->tls_tenant) {
        error = og_error_set(OG_EINVAL, "HTTPS needs both a certificate id and its tenant");
        goto cleanup;
    }
    if ((error = og_install_open(cfg->data_dir, &store, &keys)) < 0)
        goto cleanup;
    if (cfg->tls_cert_id && (error = og_http__tls_check(store, keys, cfg->data_dir, cfg->tls_tenant,
                                                        cfg->tls_cert_id)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_store_close(store);
    og_keyring_free(keys);
    return error;
}

static int write_port_file(const char *path, unsigned port)
{
    char buf[16];
    int n = snprintf(buf, sizeof(buf), "%u\n", port);
    return og_file_write_atomic(path, buf, (size_t)n, 0644);
}

/* Wait until no request is in flight, at most timeout_ms. Returns how many were still running. */
static int drain(og_http_server *srv, int timeout_ms)
{
    struct timespec deadline;
    og_time_deadline(&deadline, CLOCK_REALTIME, (int64_t)timeout_ms * 1000);
    pthread_mutex_lock(&srv->mu);
    while (srv->inflight > 0) {
        if (pthread_cond_timedwait(&srv->idle, &srv->mu, &deadline) == ETIMEDOUT)
            break;
    }
    int left = srv->inflight;
    pthread_mutex_unlock(&srv->mu);
    return left;
}

int og_http_serve(const og_http_config *cfg)
{
    int error = -1;
    og_http_server srv;
    og_store *store = NULL;
    char *db_url = NULL;
    struct MHD_Daemon *daemon = NULL;
    MHD_socket listen_fd = MHD_INVALID_SOCKET;
    struct sockaddr_storage addr;
    socklen_t addrlen = 0;
    sigset_t stop_sigs, blocked, old_mask;
    int mask_set = 0;
    int sync_init = 0;
    void *gate = NULL;
    og_http_tls *tls = NULL;
    og_store_pool *bg_pool = NULL;

    memset(&srv, 0, sizeof(srv));
    if (!cfg || !cfg->data_dir)
        return og_error_set(OG_EINVAL, "no data folder given");
    const char *listen = cfg->listen ? cfg->listen : DEFAULT_LISTEN;
    srv.cfg = cfg;
    srv.max_body = cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
    srv.max_upload = DEFAULT_MAX_UPLOAD;
    const char *mu = getenv("OPSGATE_MAX_UPLOAD");
    if (mu && *mu) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(mu, &end, 10);
        if (errno || *end || mu[0] == '-') {
            error =
                og_error_set(OG_EINVAL, "OPSGATE_MAX_UPLOAD '%.32s' is not a number of bytes", mu);
            goto cleanup;
        }
        srv.max_upload = (uint64_t)v;
    }
    srv.threads = resolve_threads(cfg);
    srv.max_exports = srv.threads;
    const char *slow = getenv("OPSGATE_TEST_SLOW_MS");
    if (slow && *slow) {
        long ms = strtol(slow, NULL, 10);
        srv.slow_ms = ms > 0 && ms <= 60000 ? (int)ms : 0;
    }

    /* Signals first: every thread started below inherits this mask, so SIGTERM/SIGINT reach only
     * our sigwait() and SIGPIPE from a closed client or export pipe becomes EPIPE. */
    sigemptyset(&stop_sigs);
    sigaddset(&stop_sigs, SIGTERM);
    sigaddset(&stop_sigs, SIGINT);
    blocked = stop_sigs;
    sigaddset(&blocked, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &blocked, &old_mask) != 0) {
        error = og_error_set(OG_ERROR, "cannot block signals");
        goto cleanup;
    }
    mask_set = 1;

    if ((error = parse_listen(listen, &addr, &addrlen)) < 0)
        goto cleanup;
    if (!cfg->tls_cert_id != !cfg->tls_tenant) {
        error = og_error_set(OG_EINVAL, "HTTPS needs both a certificate id and its tenant");
        goto cleanup;
    }
    if ((error = og_app_register_all()) < 0)
        goto cleanup;
    if ((error = og_install_open(cfg->data_dir, &store, &srv.keys)) < 0)
        goto cleanup;
    /* Channel targets stored in clear by an older opsgate are sealed before anything listens. */
    {
        og_ctx sctx;
        memset(&sctx, 0, sizeof(sctx));
        sctx.store = store;
        sctx.keys = srv.keys;
        sctx.data_dir = cfg->data_dir;
        og_actor_system(&sctx.actor, "notify");
        if ((error = og_notify_seal_legacy(&sctx)) < 0)
            goto cleanup;
    }
    db_url = og_install_db_url(cfg->data_dir);
    if (!db_url) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* Each worker holds at most one store, each running export one more (capped at max_exports),
     * so a worker never waits on the pool behind an export that waits on a worker. */
    if ((error = og_store_pool_open(&srv.pool, db_url, srv.threads + srv.max_exports + 1)) < 0)
        goto cleanup;
    /* The server's own threads (TLS certificate lookups, event workers and the gate timer,
     * background jobs) have a pool of their own: with a thread per connection, requests may
     * outnumber the request pool and wait for it, and the server's own work must not wait
     * behind them. */
    if ((error = og_store_pool_open(
             &bg_pool, db_url, GATE_POOL_EXTRA + JOBS_POOL_EXTRA + (cfg->tls_cert_id ? 1 : 0))) < 0)
        goto cleanup;
    /* HTTPS: the certificate and key from the inventory, before anything listens. */
    if (cfg->tls_cert_id && (error = og_http__tls_new(&tls, bg_pool, srv.keys, cfg->data_dir,
                                                      cfg->tls_tenant, cfg->tls_cert_id)) < 0)
        goto cleanup;
    /* Event delivery workers and the gate expiry timer. */
    if ((error = og_gate_server_start(bg_pool, srv.keys, cfg->data_dir, &gate)) < 0)
        goto cleanup;
    og_store_close(store);
    store = NULL;
    if ((error = og_http__metrics_new(&srv.metrics, og_http__routes, og_http__nroutes)) < 0)
        goto cleanup;
    pthread_mutex_init(&srv.mu, NULL);
    pthread_cond_init(&srv.idle, NULL);
    sync_init = 1;

    /* A thread per connection: with a pool of epoll threads, the thread that wakes accepts every
     * connection waiting at that moment and then runs their requests one after the other, so two
     * PDF renders sent together ran in turn while other threads idled. Requests that touch the
     * database are still bounded by the store pool (srv.threads of them at once). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem tls_opts[] = {
        {tls ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END, 0,
         tls ? og_http__tls_cert_callback() : NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (tls)
        flags |= MHD_USE_TLS;
    /* The logger must come first or libmicrohttpd logs the options before it its own way. */
    daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, &srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)MAX_CONNECTIONS, MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, &srv, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!daemon) {
        error = og_error_set(OG_ERROR, "cannot listen on %s: %s", listen,
                             errno ? strerror(errno) : "libmicrohttpd refused to start");
        goto cleanup;
    }
    srv.bg.audit = (og_audit_opts){.key_file = cfg->audit_key, .witness_file = cfg->witness_file};
    if ((error = og_http__background_start(&srv.bg, bg_pool, srv.keys, cfg->data_dir,
                                           cfg->checkpoint_every_s >= 0
                                               ? (int64_t)(cfg->checkpoint_every_s
                                                               ? cfg->checkpoint_every_s
                                                               : DEFAULT_CHECKPOINT_S) *
                                                     1000000
                                               : 0)) < 0)
        goto cleanup;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    if (tls && (error = og_http__tls_watch(tls, port)) < 0)
        goto cleanup;
    if (cfg->port_file && (error = write_port_file(cfg->port_file, port)) < 0)
        goto cleanup;
    fprintf(stderr, "opsgate: serving %s on port %u with %d requests at once%s\n", cfg->data_dir,
            port, srv.threads, tls ? " (HTTPS)" : "");

    int sig = 0;
    while (sigwait(&stop_sigs, &sig) != 0)
        ;
    fprintf(stderr, "opsgate: %s: finishing in-flight requests\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");

    atomic_store(&srv.draining, 1);
    listen_fd = MHD_quiesce_daemon(daemon);
    /* Quiescing only stops accept(); the kernel would still complete handshakes into the backlog
     * and leave those clients hanging until we exit. Shutting the socket down makes new connects
     * fail at once; the descriptor itself stays open until after MHD_stop_daemon(), as
     * libmicrohttpd requires. */
    if (listen_fd != MHD_INVALID_SOCKET)
        shutdown(listen_fd, SHUT_RDWR);
    int left =
        drain(&srv, cfg->shutdown_timeout_ms > 0 ? cfg->shutdown_timeout_ms : DEFAULT_SHUTDOWN_MS);
    if (left > 0)
        fprintf(stderr,
                "opsgate: %d requests still running at the shutdown deadline; closing them\n",
                left);
    error = 0;
cleanup:
    og_http__background_stop(&srv.bg);
    og_http__tls_stop(tls);
    og_gate_server_stop(gate);
    if (daemon)
        MHD_stop_daemon(daemon);
    og_http__tls_free(tls); /* after the daemon: no handshake can use the credentials */
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    og_store_pool_close(srv.pool);
    og_store_pool_close(bg_pool);
    og_store_close(store);
    og_keyring_free(srv.keys);
    og_http__metrics_free(srv.metrics);
    free(db_url);
    if (sync_init) {
        pthread_mutex_destroy(&srv.mu);
        pthread_cond_destroy(&srv.idle);
    }
    if (mask_set)
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return error;
}
