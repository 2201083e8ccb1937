/* connector_internal.h - what the connector module's files share: a loaded connector at run time
 * (og_conn), the one HTTP path every vendor call takes (og_conn_http: auth, retries, budget,
 * egress, same-host rule), and what a vendor adaptor implements (og_conn_vendor). */
#ifndef OPSGATE_CONNECTOR_INTERNAL_H
#define OPSGATE_CONNECTOR_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "opsgate/certs.h"
#include "opsgate/connector.h"
#include "opsgate/egress.h"
#include "opsgate/netclient.h"
#include "opsgate/util.h"

typedef struct og_conn_vendor og_conn_vendor;

/* A connector loaded for one operation (test, sync, push, webhook): credentials opened, one
 * kept-alive HTTP client, a request budget. One thread at a time. */
typedef struct og_conn {
    const og_conn_vendor *vendor;
    char id[OG_ID_LEN];
    char name[64];
    char tenant_id[OG_ID_LEN]; /* "" for a platform connector */
    char base_url[512];        /* without a trailing '/' */
    json_t *creds;             /* the opened credentials (wiped and freed by og_conn_free) */
    json_t *options;           /* non-secret options (an object, never NULL) */
    char *ca_pem;              /* trust anchors for TLS, NULL = the system store */
    og_egress *egress;         /* owned; NULL allows global unicast addresses only */
    /* Who may be connected to: og_conn_open sets og_conn_egress_allows over c->egress; a test
     * driver that talks to loopback simulators sets NULL (any address). */
    og_netclient_allow_fn allow_connect;
    og_netclient *net;
    int64_t budget;            /* requests this operation may still send (each attempt counts) */
    int64_t requests;          /* requests sent */
    int64_t pages;             /* pages read (vendors count them in og_conn_page_seen) */
    int max_attempts;          /* per request, default 5 */
    int64_t backoff_base_ms;   /* default 500, doubled each retry, jittered, capped */
    int64_t backoff_max_ms;    /* default 30000 */
    int64_t retry_after_max_s; /* longest Retry-After honoured (default 120), longer fails */
    long timeout_s;            /* per request, default 60 */
    /* A bearer token cached by the vendor's auth (OAuth client credentials). */
    char bearer[4096];
    int64_t bearer_expires_us;
    void *vendor_state; /* the adaptor's own, freed by vendor->state_free */
    /* What a pull left out and why, one line each ("intune: not granted"): not a failure; the
     * sync outcome lists them under "notes". */
    char notes[512];
} og_conn;

/*
 * Open a connector at run time from its parts (no store): the core's loader uses it, and so do
 * tests that drive an adaptor directly. creds and options are copied (deep). vendor by kind.
 * OG_EINVAL for an unknown kind or a base URL that is not http(s)://host[:port][/path].
 */
int og_conn_open(og_conn **out, const char *kind, const char *base_url, const json_t *creds,
                 const json_t *options);
/* The same with the vendor given (the plain client of client.c, which is no catalogue kind). */
int og_conn_open_vendor(og_conn **out, const og_conn_vendor *v, const char *base_url,
                        const json_t *creds, const json_t *options);
void og_conn_free(og_conn *c); /* NULL-safe; wipes credentials and the bearer */
/* og_netclient_allow_fn over an og_conn's egress policy (arg: the og_conn). */
int og_conn_egress_allows(void *arg, const void *sa, size_t len);

/* Load a stored connector for one operation: the actor's right checked (perm on the
 * connector's scope: a tenant's, or the platform's for a platform connector; another tenant's
 * connector is OG_ENOTFOUND like a missing one), credentials opened, the egress policy loaded,
 * id, name and tenant_id set. tenant and name as in connector.h. Caller frees with og_conn_free.
 */
int og_conn_load(og_ctx *ctx, const char *tenant, const char *name, og_perm perm, og_conn **out);
/* The same by id, without a rights check (event handlers and webhooks, as the system). */
int og_conn_load_id(og_ctx *ctx, const char *id, og_conn **out);

/* A credential field ("" when absent; never NULL). */
const char *og_conn_cred(const og_conn *c, const char *field);
/* An integer option with a default. */
int64_t og_conn_opt_int(const og_conn *c, const char *name, int64_t dflt);

/* ---- the one HTTP path ---- */
#define OG_CONN_HEADERS_MAX 16
typedef struct og_conn_headers {
    char *line[OG_CONN_HEADERS_MAX + 1]; /* "Name: value", NULL-terminated, owned */
    int n;
} og_conn_headers;
int og_conn_headers_add(og_conn_headers *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void og_conn_headers_clear(og_conn_headers *h); /* wipes (auth headers hold secrets) */

typedef struct og_conn_request {
    const char *method; /* "GET" (default), "POST", "PUT", "PATCH", "DELETE" */
    /* Either a path below base_url ("/project/projects?page=1", query already encoded) or an
     * absolute URL (a vendor's next-page link). An absolute URL must have base_url's scheme,
     * host and port (OG_EDENIED otherwise: a page link never sends credentials elsewhere). */
    const char *path;
    const char *url;
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated, may be NULL */
    const char *content_type;   /* of body; NULL = "application/json" when body is set */
    const void *body;
    size_t body_len;
    size_t body_cap; /* largest answer kept, 0 = 16 MiB; more is OG_ETOOBIG */
    int no_auth;     /* do not call vendor->auth (the token request itself) */
    int raw;         /* do not parse the answer as JSON */
} og_conn_request;

typedef struct og_conn_response {
    long status;
    og_buf body;
    json_t *json;         /* parsed answer (2xx with a JSON body and !raw), else NULL */
    char next_link[2048]; /* Link: <...>; rel="next", "" when none */
    char content_type[128];
    char location[1024]; /* Location header, "" when none */
} og_conn_response;
void og_conn_response_clear(og_conn_response *r);

/*
 * Send a request as the connector: adds the vendor's authentication (vendor->auth, which may
 * fetch and cache a token with a no_auth request), checks every resolved address against the
 * egress policy, never follows redirects (a 3xx is an error naming where it pointed), retries
 * network errors and 5xx (not a POST's 5xx, which may have created its record; a token request's
 * is) with exponential backoff and jitter, waits as told by Retry-After on 429 and 503 (up to
 * retry_after_max_s), drops a cached token and retries once on 401, counts every attempt
 * against the budget (OG_EBUSY "request budget of N exhausted" when spent).
 * 0 only for a 2xx answer; otherwise the error names the connector, the method and the path
 * (not the query: it may hold a filter with names) and quotes the vendor's message
 * (vendor->error_message); the code is OG_EAUTH for 401/403, OG_ENOTFOUND for 404,
 * OG_EINVAL for other 4xx, OG_EBUSY for 429/503 after the retries, OG_ERROR otherwise.
 * resp is reset first; clear it afterwards, also after a failure (it holds the last answer).
 */
int og_conn_http(og_conn *c, const og_conn_request *rq, og_conn_response *resp);

/* A GET of path (below base_url) or url, answer parsed as JSON into *out (new reference). */
int og_conn_get_json(og_conn *c, const char *path_or_url, json_t **out, og_conn_response *resp);

/* Percent-encode s for a query value (RFC 3986 unreserved kept). Caller frees. */
char *og_conn_query_escape(const char *s);

/* Count one page read; OG_ETOOBIG when options.max_pages (default 100000) is passed, so a
 * vendor whose pages never end cannot loop forever. */
int og_conn_page_seen(og_conn *c);

/* ---- OAuth 2.0 bearer tokens (every token vendor: HaloPSA, NinjaOne, Datto RMM, Graph) ---- */

/* Append name=value (value percent-encoded) to a form body, '&'-separated. */
int og_conn_form_add(og_buf *b, const char *name, const char *value);
/*
 * POST form (application/x-www-form-urlencoded; the grant is whatever the form says:
 * client_credentials with client_secret or client_assertion, password, ...) to url as a no_auth
 * request, with an optional extra header ("Authorization: Basic ..." for a client that
 * authenticates that way; NULL for none), and cache the answer's access_token in c->bearer until
 * a little before expires_in (a number or a digit string; 3600 when absent). token_type, when
 * given, must be Bearer. url is on the base URL's scheme, host and port, or on the vendor's
 * token_origin (OG_EDENIED otherwise: nothing is sent).
 * Errors name the connector and its kind: a refused grant (400/401/403) is OG_EAUTH quoting the
 * vendor's OAuth "error" and "error_description"; an answer without a usable token is OG_EAUTH;
 * other failures keep og_conn_http's code. No message holds a secret of the form (any value but
 * grant_type, scope, client_id, client_assertion_type, tenant, resource, audience is blanked
 * where the vendor echoes it) or the token.
 */
int og_conn_token_fetch(og_conn *c, const char *url, const og_buf *form, const char *extra_header);
/* scheme://host[:port] of an absolute http(s) URL, lower-cased, into out; OG_EINVAL otherwise
 * (a URL carrying credentials too). */
int og_conn_origin(const char *url, char *out, size_t size);
/* An "Authorization: Bearer" header for one request (a vendor's auth): fetch(c) (which calls
 * og_conn_token_fetch) first when no token is cached or it expired. A failed fetch that already
 * ran its retries is OG_EBUSY so the API call does not repeat it. */
int og_conn_bearer_auth(og_conn *c, og_conn_headers *h, int (*fetch)(og_conn *c));
/* Forget the cached token (a vendor's auth_reset, after a 401). */
void og_conn_token_reset(og_conn *c);

/* ---- what the adaptors produce ---- */

/* One PSA company. */
typedef struct og_conn_company {
    const char *id; /* remote id as text */
    const char *name;
} og_conn_company;
typedef int (*og_conn_company_fn)(void *arg, const og_conn_company *co);

/*
 * One PSA project as pulled, with what belongs to it. Borrowed for the callback.
 * - raw: the vendor's records as fetched: {"project": {...}, "phases": [{..., "tasks": [...]}],
 *   "company": {...} (when fetched), "contacts": [...]} — the input of options.mapping
 *   overrides (paths into raw, see docs/connectors.md).
 * - data: the adaptor's mapping into opsgate project data (docs/project-data.md): project
 *   {name, key?, manager}, client {name}, phases[] {id, name, start, end, tasks[] {id, name,
 *   hours, rate, role}}, contacts[], plus "psa": {budget_hours, actual_hours, budget_amount,
 *   status, start, end, remote_id, company_id, updated_at} — hours and money as decimal strings.
 */
typedef struct og_conn_project {
    const char *remote_id;
    const char *company_id;
    const char *company_name;
    const char *updated_at; /* the vendor's last-updated stamp, RFC 3339 UTC ("" if none) */
    int closed;             /* the vendor's status says closed/complete/cancelled */
    const json_t *raw;
    const json_t *data;
} og_conn_project;
/* Return 0 to go on, negative to stop the pull with that error. */
typedef int (*og_conn_project_fn)(void *arg, const og_conn_project *p);

/* A document to attach to a PSA project. */
typedef struct og_conn_attachment {
    const char *project_remote_id;
    const char *file_name;  /* "sow.pdf" */
    const char *media_type; /* "application/pdf" */
    const char *title;      /* "Statement of work v3" */
    const void *data;
    size_t len;
} og_conn_attachment;

/* A ticket for an alert or a review. */
typedef struct og_conn_ticket {
    const char *company_id; /* PSA company of the tenant (from the map) */
    const char *title;      /* one line */
    const char *body;       /* plain text */
    const char *key;        /* stable idempotency key (event id or alert key) */
    const char *priority;   /* "high", "medium", "low" */
} og_conn_ticket;

/* An inbound webhook request. */
typedef struct og_conn_webhook {
    const char *const *headers; /* "Name: value", NULL-terminated */
    const void *body;
    size_t body_len;
} og_conn_webhook;

/* One device of an RMM. Borrowed for the callback. */
typedef struct og_conn_device {
    const char *remote_id;
    const char *company_id;       /* organization (NinjaOne) or site (Datto RMM) id */
    const char *name;             /* DNS name when known, else the system/host name */
    const char *device_class;     /* "server", "workstation", "network", "other" */
    const char *const *addresses; /* IP addresses as text (internal first, then public) */
    size_t naddresses;
    int deleted; /* the RMM marks it deleted */
    int offline;
    const char *updated_at; /* RFC 3339 UTC, "" when the RMM gives none */
    const json_t *raw;      /* the RMM's record as fetched */
    const char *compliance; /* the source's compliance state (Intune), "" or NULL when none */
} og_conn_device;
typedef int (*og_conn_device_fn)(void *arg, const og_conn_device *d);

/* One credential (client secret, certificate) of a cloud app registration. Borrowed for the
 * callback. Its key_id is "" when the vendor's record has none that is usable (the sync then
 * fails its outcome and writes none of them). */
typedef struct og_conn_app_cred {
    const char *company_id; /* the directory it belongs to (a company of the map) */
    og_certs_app_credential cred;
} og_conn_app_cred;
typedef int (*og_conn_app_cred_fn)(void *arg, const og_conn_app_cred *a);

/* A credential or option field of a kind (for `connector kinds`, validation and help). */
typedef struct og_conn_field {
    const char *name;
    int secret; /* sealed, never shown */
    int required;
    const char *help;
} og_conn_field;

struct og_conn_vendor {
    const char *kind;             /* "connectwise" */
    const char *title;            /* "ConnectWise PSA (Manage)" */
    const char *category;         /* "psa" */
    const char *default_base_url; /* NULL: each customer's own URL */
    const og_conn_field *fields;  /* terminated by {NULL} */
    /* Authentication headers for one request (may send a no_auth token request first and cache
     * the token in c->bearer). */
    int (*auth)(og_conn *c, og_conn_headers *h);
    /* Forget a cached token after a 401 (may be NULL). */
    void (*auth_reset)(og_conn *c);
    /* The vendor's own message from an error answer (body may be NULL or not JSON). */
    void (*error_message)(long status, const og_buf *body, const json_t *json, char *out,
                          size_t size);
    /* A cheap authenticated call; *out {account: ...} (may stay NULL). */
    int (*test)(og_conn *c, json_t **out);
    int (*companies)(og_conn *c, og_conn_company_fn fn, void *arg);
    /* Projects changed since `since` (RFC 3339 UTC; NULL or "" = all), every page. */
    int (*projects)(og_conn *c, const char *since, og_conn_project_fn fn, void *arg);
    /* One project by remote id (webhooks). OG_ENOTFOUND when the PSA has none. */
    int (*project)(og_conn *c, const char *remote_id, og_conn_project_fn fn, void *arg);
    /* Attach a document; remote_id receives the vendor's id of the attachment. */
    int (*attach)(og_conn *c, const og_conn_attachment *a, char *remote_id, size_t size);
    /* Open a ticket (remote_id out), add a note to one, close one. */
    int (*ticket_open)(og_conn *c, const og_conn_ticket *t, char *remote_id, size_t size);
    int (*ticket_note)(og_conn *c, const char *remote_id, const og_conn_ticket *t);
    int (*ticket_close)(og_conn *c, const char *remote_id, const og_conn_ticket *t);
    /* Authenticate an inbound webhook and name the project it is about (remote id into
     * project_id, "" when it names none). OG_EAUTH when it does not authenticate. May be NULL
     * (the vendor sends none). */
    int (*webhook)(og_conn *c, const og_conn_webhook *w, char *project_id, size_t size);
    void (*state_free)(og_conn *c); /* may be NULL */
    /* RMM (category "rmm"): every device changed since `since` (NULL or "" = all, which is
     * also how removals are found: a device a full pull no longer lists is gone). companies()
     * lists the organizations/sites the company map assigns to tenants. NULL for PSAs.
     * A cloud adaptor's devices() returns 1 when the vendor declined to list them (a right
     * not granted, said in c->notes): nothing is known, so nothing is retired. */
    int (*devices)(og_conn *c, const char *since, og_conn_device_fn fn, void *arg);
    /* Cloud (category "cloud"): every credential of every app registration, a complete list
     * each time (a credential no longer listed is gone). NULL for the others. */
    int (*app_credentials)(og_conn *c, og_conn_app_cred_fn fn, void *arg);
    /* The origin of the vendor's OAuth token endpoint when it is not the base URL's
     * ("https://login.microsoftonline.com"): og_conn_token_fetch may send there. A constant of
     * the kind, never a credential, an option or a vendor's answer. NULL = the base URL's. */
    const char *token_origin;
    /* Checks the non-secret credential fields against the base URL when a connector is added
     * or its credentials replaced (an auth server that must be on the base URL's host); names
     * the field, never a secret. NULL: nothing to check. */
    int (*creds_check)(const char *base_url, const json_t *plain);
};

extern const og_conn_vendor og_conn_connectwise;
extern const og_conn_vendor og_conn_autotask;
extern const og_conn_vendor og_conn_halopsa;
extern const og_conn_vendor og_conn_ninjaone;
extern const og_conn_vendor og_conn_dattormm;
extern const og_conn_vendor og_conn_msgraph;

/* The catalogue, NULL-terminated; og_conn_vendor_find(kind) or NULL. */
extern const og_conn_vendor *const og_conn_vendors[];
const og_conn_vendor *og_conn_vendor_find(const char *kind);

#endif
