/* server.h - internal to src/http: the server, the per-request state handlers see, and the
 * helpers handlers use to read input and build replies. */
#ifndef OPSGATE_HTTP_SERVER_H
#define OPSGATE_HTTP_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "http/authlimit.h"
#include "http/router.h"
#include "opsgate/context.h"
#include "opsgate/http.h"
#include "opsgate/store.h"
#include "opsgate/util.h"

struct MHD_Connection;
struct MHD_Response;

#include "http/background.h"

typedef struct og_http_server {
    const og_http_config *cfg; /* borrowed from og_http_serve()'s caller */
    const char *folder;        /* the data folder (og_ctx.data_dir), NULL on PostgreSQL */
    size_t max_body;
    uint64_t max_upload; /* streamed bodies (OG_HTTP_ROUTE_STREAM_BODY); 0 = no cap */
    int threads;
    og_store_pool *pool;      /* the node's database: its region's, or the home's */
    og_store_pool *home_pool; /* a region node: the home database (directory, platform tokens);
                               * NULL on a home node, whose pool is the home's */
    char region[40];          /* the region this node serves (serve --region), "" = home */
    og_keyring *keys;
    og_http_metrics *metrics;
    og_http_authlimit *authlimit;        /* NULL = failed authentications are not limited */
    struct og_http_deadlines *deadlines; /* NULL = no whole-request deadline */
    int slow_ms;                         /* OPSGATE_TEST_SLOW_MS: enables /_test/slow; 0 = off */
    int max_exports;                     /* concurrent audit exports (each holds a store) */
    atomic_int exports;
    atomic_int draining; /* set once SIGTERM/SIGINT arrived */
    pthread_mutex_t mu;  /* guards inflight for the drain wait */
    pthread_cond_t idle;
    int inflight;
    og_http_background bg; /* periodic jobs: audit checkpoints, ... */
} og_http_server;

/* One request, from its first header callback to MHD's completion notice. */
typedef struct og_http_req {
    og_http_server *srv;
    struct MHD_Connection *conn;
    /* Made by the URI log callback when the request line arrives; started by the first call of
     * the access handler (a request libmicrohttpd refuses on its own is never started). */
    int started;
    int target_err;                  /* the raw request target failed og_http__target_check */
    char target_msg[400];            /* its message */
    char method[16];                 /* copies, for messages and the access log; routing used */
    char path[OG_HTTP_PATH_MAX + 1]; /* MHD's own strings (the copy may be truncated) */
    enum og_http_route_result rr;
    og_http_match match;
    int64_t start_us;
    og_buf body; /* capped at srv->max_body */
    int too_big;
    uint64_t discarded;   /* body bytes dropped after the limit was hit */
    int body_seen;        /* a body byte arrived (the request deadline's body time started) */
    int queued;           /* a response has been queued */
    og_store *store;      /* from the pool while the request holds one, else NULL */
    og_store *home;       /* a region node: from the home pool while authenticated, else NULL */
    char misdirected[40]; /* answered 421 naming this region (region.c), "" = not */
    og_ctx ctx;           /* valid for authenticated routes */
    int authenticated;
    int retry_after; /* > 0: refused by the authentication limit; Retry-After seconds (429) */

    /* The reply a handler builds (og_http__reply*); the server sends it. */
    int status;
    json_t *json; /* owned */
    char *text;   /* owned; sent with text_type when json is NULL */
    size_t text_len;
    const char *text_type;
    struct MHD_Response *raw; /* owned until queued: a streaming response */
    char location[512];       /* Location of a 201 or 303 */
    int hx_redirect;          /* send location as HX-Redirect (htmx loads it as a whole page) */

    /* The web console (console_*.c, OG_HTTP_ROUTE_CONSOLE). */
    int console;               /* an HTML route: security headers, HTML error pages */
    const char *cache_control; /* static string; NULL = "no-store" */
    char etag[40];             /* ETag of a static asset, "" = none */
    const char *encoding;      /* Content-Encoding of the reply ("gzip") or NULL */
    char set_cookie[256];      /* one Set-Cookie header, "" = none */
    char csrf[64];             /* the session's CSRF token, once a session resolved */
    char session_id[40];       /* ... and its id */

    /* Streamed request bodies (OG_HTTP_ROUTE_STREAM_BODY). The route's handler is the begin step:
     * on success it sets body_write (called per chunk as it arrives, without r->store: the store
     * goes back to the pool while the body streams), body_finish (called once the body is
     * complete, with a store, and builds the reply like a handler) and body_free (called exactly
     * once when the request ends, finished or not, to free sink). A failure of begin or write is
     * answered with its JSON error and the rest of the body is read and dropped, never kept. */
    int (*body_write)(struct og_http_req *r, const char *data, size_t len);
    int (*body_finish)(struct og_http_req *r);
    void (*body_free)(struct og_http_req *r);
    void *sink;           /* owned by the handler, freed by body_free */
    int streaming;        /* begin succeeded; chunks go to body_write */
    int stream_err;       /* the failure being answered once the body is dropped */
    char stream_msg[600]; /* its message (the error slot is per thread, not per request) */
    uint64_t streamed;    /* body bytes handed to body_write */
} og_http_req;

/* The route table (routes.c) and its length. */
extern const og_http_route og_http__routes[];
extern const size_t og_http__nroutes;

/* ---- request input (request.c) ---- */
/* A query-string argument, NULL when absent. Borrowed from MHD for the request's lifetime. */
const char *og_http__query(og_http_req *r, const char *name);
/*
 * Parse the body as one JSON object. An empty body gives an empty object when empty_ok, else
 * OG_EINVAL. Malformed JSON is OG_EINVAL naming line, column and jansson's text; a field not in
 * allowed (NULL-terminated) is OG_EINVAL naming it. Caller decrefs *out.
 */
int og_http__body_object(og_http_req *r, int empty_ok, const char *const *allowed, json_t **out);
/* A string field: OG_EINVAL naming the field when required and missing, or not a string.
 * *out is borrowed from obj (NULL when optional and absent). */
int og_http__field_str(json_t *obj, const char *field, int required, const char **out);
/* og_http__field_str() for a string of 1 to max bytes when present (OG_EINVAL naming the field). */
int og_http__field_str_max(json_t *obj, const char *field, int required, size_t max,
                           const char **out);
/* The body as a JSON object with any fields (the client's own keys, such as metadata): an empty
 * body, malformed JSON or another type is OG_EINVAL as in og_http__body_object(). Caller decrefs.
 */
int og_http__body_any_object(og_http_req *r, json_t **out);
/* 0 when value, read from field, is a name (og_name_valid); else OG_EINVAL "field '<field>':
 * '<value>' is not a valid <what> (1-63 of a-z 0-9 . _ -, ...)". */
int og_http__check_name(const char *field, const char *what, const char *value);
/* The tenant a request acts in: ?tenant= (name or id), else the token's. A tenant user naming
 * another tenant gets the library's 404. OG_EINVAL for a bad name or a platform token without
 * ?tenant=. *out is borrowed. */
int og_http__query_tenant(og_http_req *r, const char **out);
/* An optional integer query argument in [min, max]; *out keeps its value when absent. */
int og_http__query_i64(og_http_req *r, const char *name, int64_t min, int64_t max, int64_t *out);
/* ?NAME=1|true|(empty)|0|false; absent is 0. OG_EINVAL naming the argument otherwise. */
int og_http__query_bool(og_http_req *r, const char *name, int *out);
/* A path parameter that must be an id: OG_EINVAL "<what> '<value>' is not a valid id". */
int og_http__param_id(og_http_req *r, const char *name, const char *what, const char **out);
/* A path parameter that must be a valid name or id (OG_EINVAL naming it otherwise). */
int og_http__param_ref(og_http_req *r, const char *name, const char **out);

/* ---- replies (request.c) ---- */
/* Steals body (which may be NULL for an empty 204). Returns 0, or OG_ERROR when body is NULL for a
 * status that needs one (a failed json_pack upstream). */
int og_http__reply(og_http_req *r, int status, json_t *body);
/* Steals text (malloc'd). */
int og_http__reply_text(og_http_req *r, int status, const char *type, char *text, size_t len);
/* Hand the request's store back to the pool and clear r->ctx.store (a streamed reply or body
 * no longer needs it). No-op when the request holds none. */
void og_http__store_release(og_http_req *r);

/* ---- tenants, users, tokens, whoami (tenant_api.c) ---- */
int og_http__tenant_create(og_http_req *r);
int og_http__tenant_list(og_http_req *r);
int og_http__tenant_get(og_http_req *r);
int og_http__tenant_suspend(og_http_req *r);
int og_http__tenant_resume(og_http_req *r);
int og_http__tenant_delete(og_http_req *r);
int og_http__tenant_blockers(og_http_req *r);
/* tenant_area_api.c: a tenant's process areas */
int og_http__tenant_area_enable(og_http_req *r);
int og_http__tenant_area_disable(og_http_req *r);
int og_http__tenant_areas(og_http_req *r);
int og_http__user_add(og_http_req *r);
int og_http__user_list(og_http_req *r);
int og_http__user_get(og_http_req *r);
int og_http__user_disable(og_http_req *r);
int og_http__user_enable(og_http_req *r);
int og_http__user_remove(og_http_req *r);
int og_http__user_role(og_http_req *r);
int og_http__token_create(og_http_req *r);
int og_http__token_list(og_http_req *r);
int og_http__token_revoke(og_http_req *r);
int og_http__whoami(og_http_req *r);

/* ---- audit (audit_api.c) ---- */
int og_http__audit_list(og_http_req *r);
int og_http__audit_checkpoint(og_http_req *r); /* GET /api/v1/audit/checkpoint */
int og_http__audit_export(og_http_req *r);
/* The export of tenant's chain (name or id; NULL or "": the actor's own, or the platform's for a
 * platform actor), the query's format, since and until: the console's export is the API's. */
int og_http__audit_export_of(og_http_req *r, const char *tenant);

/* ---- gates and events (gate_api.c) ---- */
int og_http__gate_list(og_http_req *r);
int og_http__gate_request(og_http_req *r);
int og_http__gate_show(og_http_req *r);
int og_http__gate_decide(og_http_req *r);
int og_http__gate_kinds(og_http_req *r);
int og_http__gate_stats(og_http_req *r); /* GET /api/v1/gate-stats */
int og_http__gate_policy_show(og_http_req *r);
int og_http__gate_policy_set(og_http_req *r);
int og_http__gate_settings_set(og_http_req *r);
int og_http__gate_assignee_set(og_http_req *r);
int og_http__gate_assignee_clear(og_http_req *r);
/* ---- the inference step's policy and report (model_api.c) ---- */
int og_http__model_policy_show(og_http_req *r);
int og_http__model_policy_set(og_http_req *r);
int og_http__model_report(og_http_req *r);
int og_http__events_list(og_http_req *r);
int og_http__events_retry(og_http_req *r);

/* ---- notification channels, a tenant's or (routes without {tenant}) the platform's
 * (notify_api.c) ---- */
int og_http__notify_channel_list(og_http_req *r);
int og_http__notify_channel_get(og_http_req *r);
int og_http__notify_channel_add(og_http_req *r);
int og_http__notify_channel_set_events(og_http_req *r);
int og_http__notify_channel_remove(og_http_req *r);
int og_http__notify_test(og_http_req *r);

/* ---- connectors (connectors_api.c): ?tenant=, else the token's tenant, else the platform's;
 * the webhook route takes no token ---- */
int og_http__connector_kinds(og_http_req *r);
int og_http__connector_list(og_http_req *r);
int og_http__connector_add(og_http_req *r);
int og_http__connector_get(og_http_req *r);
int og_http__connector_update(og_http_req *r);
int og_http__connector_remove(og_http_req *r);
int og_http__connector_test(og_http_req *r);
int og_http__connector_sync(og_http_req *r);
int og_http__connector_syncs(og_http_req *r);
int og_http__connector_companies(og_http_req *r);
int og_http__connector_map(og_http_req *r);
int og_http__connector_unmap(og_http_req *r);
int og_http__connector_webhook(og_http_req *r); /* OG_HTTP_ROUTE_PUBLIC */

/* ---- projects (projects_api.c), artifacts (artifacts_api.c), their contents
 * (artifact_content_api.c), holds, access, search, retention (artifact_govern_api.c) ---- */
int og_http__project_list(og_http_req *r);
int og_http__project_create(og_http_req *r);
int og_http__project_get(og_http_req *r);
int og_http__project_rename(og_http_req *r);
int og_http__project_archive(og_http_req *r);
int og_http__project_unarchive(og_http_req *r);
int og_http__artifact_list(og_http_req *r);
int og_http__artifact_put(og_http_req *r); /* OG_HTTP_ROUTE_STREAM_BODY */
int og_http__artifact_content(og_http_req *r);
int og_http__artifact_show(og_http_req *r);
int og_http__artifact_log(og_http_req *r);
int og_http__artifact_diff(og_http_req *r);
int og_http__artifact_restore(og_http_req *r);
int og_http__artifact_lock(og_http_req *r);
int og_http__artifact_unlock(og_http_req *r);
int og_http__artifact_state(og_http_req *r);
int og_http__artifact_metadata(og_http_req *r);
int og_http__artifact_classify(og_http_req *r);
int og_http__artifact_delete(og_http_req *r);
int og_http__artifact_purge(og_http_req *r);
int og_http__artifact_undelete(og_http_req *r);
int og_http__hold_change(og_http_req *r); /* POST sets, DELETE clears */
int og_http__hold_list(og_http_req *r);
int og_http__grant_set(og_http_req *r);
int og_http__grant_revoke(og_http_req *r);
int og_http__access_report(og_http_req *r);
int og_http__artifact_search(og_http_req *r);
int og_http__retention_list(og_http_req *r);
int og_http__retention_set(og_http_req *r);

/* ---- document generation (generate_api.c) ---- */
int og_http__generate(og_http_req *r);

/* ---- the provider's brand on documents (brand_api.c) ---- */
int og_http__brand_show(og_http_req *r);
int og_http__brand_set(og_http_req *r);
int og_http__brand_clear(og_http_req *r);

/* ---- regions (region.c; docs/ops.md "Regions") ----
 * After a bearer token failed on the node's database: a platform admin's token of the home
 * database authenticates on a region node; a token of a tenant of another region (the home's
 * token_regions, or a home tenant's token on a region node) fails with r->misdirected set (421).
 * Otherwise rc as it was. */
int og_http__region_auth(og_http_req *r, const char *bearer, int rc);
/* Once authenticated: the request's tenant (the {tenant} path parameter, else ?tenant=) of a
 * platform actor must be one of this node's region, else r->misdirected is set and OG_EDENIED
 * returned (421). On a region node r->home is taken and r->ctx.home set. */
int og_http__region_check(og_http_req *r);
/* "home" or the node's region. */
const char *og_http__node_region(const og_http_server *srv);

/* ---- the server's own routes (server.c) ---- */
int og_http__healthz(og_http_req *r);
int og_http__test_slow(og_http_req *r); /* only with OPSGATE_TEST_SLOW_MS, else 404 */
int og_http__metrics_handler(og_http_req *r);

/* s (malloc'd, NUL-terminated; taken) with a '\n' appended, one JSON reply or log line; *len its
 * length with it. NULL (s freed) when s is NULL or memory ran out (reply.c). */
char *og_http__newline(char *s, size_t *len);

/* ---- the OpenAPI document (openapi.c, built from api/ by tools/openapi-merge.py) ---- */
int og_http__openapi(og_http_req *r); /* GET /api/v1/openapi.json, public */
/* With OG_OPENAPI_LOG=FILE in the environment, append one JSON line describing this reply of an
 * API route (method, route pattern, status, Content-Type, body or null) for
 * tools/openapi-check.js; without it, nothing. A test aid: the file (0600) holds whole replies,
 * secrets included. body is borrowed. */
void og_http__openapi_log(og_http_req *r, int status, const char *type, const char *body,
                          size_t len);

#endif
