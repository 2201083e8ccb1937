/* reply.c - the replies queued to libmicrohttpd: common headers, JSON errors (one wording per
 * status, hints by error detail) and what a handler built. */
#include "http/console.h"
#include "http/lifecycle.h"
#include "opsgate/acme.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_common_headers(og_http_req *r, int status, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Cache-Control",
                            r->cache_control ? r->cache_control : "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if ((status == 201 || status == 303) && r->location[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
    if (r->hx_redirect && r->location[0])
        MHD_add_response_header(resp, "HX-Redirect", r->location);
    if (r->console)
        og_http__console_headers(r, resp);
    if (r->console && status == 405 && r->match.allow[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->match.allow);
    if (r->console && status >= 400 && og_http__console_hx(r)) {
        /* error_fragment.mustache: put at the top of the part acted on, whatever it selected */
        MHD_add_response_header(resp, "HX-Reswap", "afterbegin");
        MHD_add_response_header(resp, "HX-Reselect", ".hx-error");
    }
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
    og_http__openapi_log(r, status, type, data, len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    if (type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    return queue(r, status, resp);
}

char *og_http__newline(char *s, size_t *len)
{
    size_t n = s ? strlen(s) : 0;
    char *nl = s ? realloc(s, n + 2) : NULL;
    if (!nl) {
        free(s);
        return NULL;
    }
    nl[n] = '\n';
    nl[n + 1] = '\0';
    *len = n + 1;
    return nl;
}

/* Send {"error":{...}} for code with message; extra headers for 401 and 405. */
enum MHD_Result og_http__queue_error(og_http_req *r, int status, const char *code, const char *msg)
{
    if (r->console) /* a console path: the console's HTML error page, never JSON */
        return og_http__console_error(r, status, msg);
    size_t len;
    char *nl = og_http__newline(og_http__error_body(code, msg), &len);
    if (!nl)
        return MHD_NO;
    og_http__openapi_log(r, status, "application/json", nl, len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, nl, MHD_RESPMEM_MUST_FREE);
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
    if (status == 429 || status == 503) {
        /* 503: busy or the database out of reach (a failover, a lost connection): worth a retry
         * in a moment, and a client library told so waits instead of failing the user's work */
        char s[16];
        snprintf(s, sizeof(s), "%d", r->retry_after > 0 ? r->retry_after : 1);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, s);
    }
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

/* The body field of an ACME setting the library names as the CLI spells its option ("dns-config":
 * dns_config). */
static const char *acme_field(const char *setting)
{
    static const struct {
        const char *setting, *field;
    } fields[] = {
        {"name", "field 'names'"},
        {"key-file", "field 'key_pem'"},
        {"eab-kid and --eab-hmac-key", "fields 'eab_kid' and 'eab_hmac_key'"},
        {"http-listen ADDR or --webroot DIR", "field 'http_listen' or 'webroot'"},
    };
    static _Thread_local char out[80];
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (strcmp(setting, fields[i].setting) == 0)
            return fields[i].field;
    snprintf(out, sizeof(out), "field '%.60s'", setting);
    for (char *c = out; *c; c++)
        *c = *c == '-' ? '_' : *c;
    return out;
}

/* The error reply for a failed handler or check: status from og_http__status_for(), message from
 * the thread's error slot, except where the message could leak something. */
/* 421 Misdirected Request (region.c): the tenant is served by another region's nodes, named in
 * the error object's "region" so that a client or a balancer can go there. */
static enum MHD_Result queue_misdirected(og_http_req *r)
{
    char msg[600];
    snprintf(msg, sizeof(msg), "%.500s", og_error_last());
    if (r->console)
        return og_http__console_error(r, 421, msg);
    json_t *body = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "misdirected_request",
                             "message", msg, "region", r->misdirected);
    size_t len;
    char *nl = og_http__newline(body ? json_dumps(body, JSON_COMPACT) : NULL, &len);
    json_decref(body);
    if (!nl)
        return MHD_NO;
    return queue_buffer(r, 421, "application/json", nl, len);
}

enum MHD_Result og_http__queue_failure(og_http_req *r, int code)
{
    int status = og_http__status_for(code);
    char msg[600];
    if (r->misdirected[0])
        return queue_misdirected(r);
    if (r->console)
        return og_http__console_failure(r, code);
    if (r->retry_after > 0) {
        /* Refused by the failed-authentication limit (lifecycle.c). */
        snprintf(msg, sizeof(msg), "%.500s", og_error_last());
        return og_http__queue_error(r, 429, "rate_limited", msg);
    }
    if (status == 500) {
        /* The real cause (file paths, SQL errors) goes to the server log only. */
        fprintf(stderr, "opsgate: http: %s %s: %s\n", r->method, r->path, og_error_last());
        snprintf(msg, sizeof(msg), "internal error; the server log has the details");
        return og_http__queue_error(r, 500, "internal", msg);
    }
    if (status == 507) {
        /* Out of storage: the operator needs the path (server log); the client needs to know the
         * write was not made and why, not where. */
        fprintf(stderr, "opsgate: http: %s %s: %s\n", r->method, r->path, og_error_last());
        snprintf(msg, sizeof(msg), "the server is out of storage space; nothing was written");
        return og_http__queue_error(r, 507, og_error_name(code), msg);
    }
    if (status == 404) {
        /* One message for "does not exist" and "belongs to another tenant", whichever the library
         * reported, so a response never tells the two apart. */
        snprintf(msg, sizeof(msg), "%.512s: not found", r->path);
        return og_http__queue_error(r, 404, og_error_name(OG_ENOTFOUND), msg);
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
            return og_http__queue_error(r, status, og_error_name(code), msg);
        }
    }
    if (strcmp(detail, OG_ACME_DETAIL_SETTING) == 0 && *og_error_detail_arg()) {
        snprintf(msg, sizeof(msg), "%.480s (%s)", og_error_last(),
                 acme_field(og_error_detail_arg()));
        return og_http__queue_error(r, status, og_error_name(code), msg);
    }
    for (size_t i = 0; *detail && i < sizeof(http_hints) / sizeof(http_hints[0]); i++)
        if (strcmp(detail, http_hints[i].detail) == 0) {
            snprintf(msg, sizeof(msg), "%.480s (%s)", og_error_last(), http_hints[i].hint);
            return og_http__queue_error(r, status, og_error_name(code), msg);
        }
    return og_http__queue_error(r, status, og_error_name(code), og_error_last());
}

/* Send what the handler put in r. */
enum MHD_Result og_http__queue_reply(og_http_req *r)
{
    if (r->raw) {
        struct MHD_Response *resp = r->raw;
        r->raw = NULL;
        og_http__openapi_log(r, r->status, MHD_get_response_header(resp, "Content-Type"), NULL, 0);
        return queue(r, r->status, resp);
    }
    if (r->json) {
        char *s = json_dumps(r->json, JSON_COMPACT);
        if (!s) {
            og_error_set(OG_ERROR, "out of memory encoding the reply");
            return og_http__queue_failure(r, OG_ERROR);
        }
        size_t len;
        char *nl = og_http__newline(s, &len);
        if (!nl)
            return MHD_NO;
        return queue_buffer(r, r->status, "application/json", nl, len);
    }
    if (r->text) {
        char *t = r->text;
        r->text = NULL;
        return queue_buffer(r, r->status, r->text_type, t, r->text_len);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    og_http__openapi_log(r, r->status ? r->status : 204, NULL, NULL, 0);
    return queue(r, r->status ? r->status : 204, resp);
}
