/* router.h - internal to src/http: route table matching, status mapping and request metrics.
 * Nothing here knows libmicrohttpd, so the pieces are unit-tested on their own. */
#ifndef OPSGATE_HTTP_ROUTER_H
#define OPSGATE_HTTP_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "opsgate/util.h"

struct og_http_req;
typedef int (*og_http_handler)(struct og_http_req *req);

/* Route flags. */
#define OG_HTTP_ROUTE_PUBLIC  0x1 /* no bearer token needed (/healthz) */
#define OG_HTTP_ROUTE_METRICS 0x2 /* /metrics: token rule decided by the server's config */
/* The request body is not buffered: the handler runs after authentication, once the headers are
 * in (before any byte of the body), and sets og_http_req's body_write, body_finish and body_free;
 * max_body does not apply, the server's upload cap does (see server.h). */
#define OG_HTTP_ROUTE_STREAM_BODY 0x4
/* A web console route (console_*.c): authenticated by the session cookie, not a bearer token
 * (with OG_HTTP_ROUTE_PUBLIC: no session needed); a state-changing method needs the session's
 * CSRF token and a same-origin request; replies carry the console's security headers and errors
 * are HTML pages (docs/console.md). */
#define OG_HTTP_ROUTE_CONSOLE 0x8

/*
 * One entry of a route table: a method and a path pattern whose segments are literal or a
 * {name} parameter matching exactly one non-empty segment. The pattern doubles as the metrics
 * label, so metrics cardinality is bounded by the table, not by what clients send.
 */
typedef struct og_http_route {
    const char *method;  /* "GET", "POST", "DELETE" */
    const char *pattern; /* "/api/v1/tenants/{tenant}" */
    og_http_handler handler;
    unsigned flags;
} og_http_route;

#define OG_HTTP_MAX_PARAMS 4
#define OG_HTTP_PARAM_MAX  256  /* longest segment value a parameter takes; longer never matches */
#define OG_HTTP_PATH_MAX   2048 /* longer paths never match */

typedef struct og_http_param {
    char name[32];
    char value[OG_HTTP_PARAM_MAX];
} og_http_param;

typedef struct og_http_match {
    const og_http_route *route; /* the matched entry, NULL when none */
    size_t index;               /* its index in the table */
    size_t nparams;
    og_http_param params[OG_HTTP_MAX_PARAMS];
    char allow[128]; /* OG_HTTP_NO_METHOD: the methods the path accepts, "GET, POST" */
} og_http_match;

enum og_http_route_result {
    OG_HTTP_FOUND = 0,
    OG_HTTP_NO_ROUTE,  /* no pattern matches the path: 404 */
    OG_HTTP_NO_METHOD, /* some pattern matches the path, none with this method: 405 + Allow */
};

/* Match method and path (no query string) against table[0..n). HEAD matches GET routes.
 * Fills *m (params hold borrowed-free copies of the segments). */
enum og_http_route_result og_http__route(const og_http_route *table, size_t n, const char *method,
                                         const char *path, og_http_match *m);

/* The value of parameter `name` in a match, NULL if the pattern has none. Borrowed from m. */
const char *og_http__param(const og_http_match *m, const char *name);

/* ---- hostile input: checked before routing ---- */

/*
 * The raw request target as the client sent it (libmicrohttpd's URI log callback gives it before
 * percent-decoding, which would cut the C string it hands the handler at a %00). 0 when the path
 * and every query key and value, decoded as libmicrohttpd decodes them, are valid UTF-8 without
 * NUL, and the path has no control characters; else OG_EINVAL with a message saying which part,
 * what and at which byte. NULL (no target) is 0.
 */
int og_http__target_check(const char *raw);

/* What the framing headers of a request say, gathered by the server. */
typedef struct og_http_framing {
    int http10;         /* an HTTP/1.0 request */
    int n_length;       /* Content-Length fields */
    int length_differs; /* ... not all with the same value */
    int n_te;           /* Transfer-Encoding fields */
    char te[256];       /* their values joined with ", " */
    int te_long;        /* ... which did not fit in te */
} og_http_framing;

/*
 * 0 when the request has no Transfer-Encoding and at most one Content-Length value. Otherwise the
 * status to answer with, the message in the thread's error slot: 400 for conflicting lengths,
 * Transfer-Encoding with Content-Length or in HTTP/1.0, chunked not final or repeated, an empty
 * list; 501 for a transfer coding other than chunked (RFC 9112 6.1, 6.3); 411 for a plain
 * "chunked" (any case, list syntax allowed): opsgate takes request bodies with Content-Length only.
 */
int og_http__framing_check(const og_http_framing *f);

/* The error code name for a status og_http__framing_check() returned: "length_required" (411),
 * "not_implemented" (501), else og_error_name(OG_EINVAL). */
const char *og_http__framing_code(int status);

/* ---- errors ---- */

/* The one mapping from og_errcode to an HTTP status (0 = 200). */
int og_http__status_for(int code);

/* The JSON error body {"error":{"code":..,"message":..}}; caller frees. code is the stable name
 * (og_error_name(), or "method_not_allowed"/"not_found" for router misses). NULL on OOM. */
char *og_http__error_body(const char *code, const char *message);

/* ---- metrics ---- */
typedef struct og_http_metrics og_http_metrics;

/* Counters for nroutes routes plus one "unmatched" row (index nroutes). routes is borrowed and
 * must outlive the metrics. Caller frees with og_http__metrics_free(). */
int og_http__metrics_new(og_http_metrics **out, const og_http_route *routes, size_t nroutes);
void og_http__metrics_free(og_http_metrics *m); /* NULL-safe */
/* Record one finished request. Thread-safe and lock-free; route >= nroutes means unmatched. */
void og_http__metrics_observe(og_http_metrics *m, size_t route, int status, int64_t dur_us);
void og_http__metrics_inflight(og_http_metrics *m, int delta);
/* One request refused by the failed-authentication limit (opsgate_http_auth_throttled_total). */
void og_http__metrics_throttled(og_http_metrics *m);
/* Append the Prometheus text exposition (format 0.0.4) to out. */
int og_http__metrics_render(og_http_metrics *m, og_buf *out);
/* Copy the exposition in (every module's series) to out with node="NODE" as the first label of
 * every sample, so that series of several nodes behind one scrape job stay apart. node is an
 * og_node_id() (no character needs escaping). */
int og_http__metrics_label_node(const og_buf *in, const char *node, og_buf *out);

#endif
