/* openapi.c - GET /api/v1/openapi.json (the OpenAPI 3.1 document built from api/ and compiled in)
 * and, for the tests, the response log that tools/openapi-check.js validates against it. */
#include "http/server.h"
#include "opsgate/error.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* build/generated/openapi_doc.c, written by tools/openapi-merge.py from api/ */
extern const unsigned char og_http__openapi_json[];
extern const size_t og_http__openapi_json_len;

/* GET /api/v1/openapi.json: public, as it describes the API and no tenant's data. */
int og_http__openapi(og_http_req *r)
{
    char *copy = malloc(og_http__openapi_json_len + 1);
    if (!copy)
        return og_error_set(OG_ERROR, "out of memory");
    memcpy(copy, og_http__openapi_json, og_http__openapi_json_len);
    return og_http__reply_text(r, 200, "application/json", copy, og_http__openapi_json_len);
}

/* The log: OG_OPENAPI_LOG names a file, opened once (append) when the first reply is logged. */
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;

static void log_open(void)
{
    const char *file = getenv("OG_OPENAPI_LOG");
    if (file && *file)
        log_fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

/* MHD_KeyValueIterator: each request header or query argument into the object, names of headers
 * lower-cased; credentials (Authorization, Cookie) are left out. At most 64 of each. */
static enum MHD_Result take_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    json_t *obj = cls;
    char name[128];
    size_t i;
    if (!key || json_object_size(obj) >= 64)
        return MHD_YES;
    for (i = 0; key[i] && i < sizeof(name) - 1; i++)
        name[i] = kind == MHD_HEADER_KIND && key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i];
    name[i] = '\0';
    if (kind == MHD_HEADER_KIND && (!strcmp(name, "authorization") || !strcmp(name, "cookie")))
        return MHD_YES;
    json_t *v = json_string(value ? value : ""); /* NULL when not UTF-8: left out */
    if (v)
        json_object_set_new(obj, name, v);
    return MHD_YES;
}

/* What the client sent: its headers, query arguments and body (a string; "body_binary" instead
 * when it is not UTF-8 text, "body_wiped" when the handler zeroed it (secrets it carried),
 * "body_streamed" when it went to the handler as it arrived). */
static json_t *request_of(og_http_req *r)
{
    json_t *req = json_pack("{s:o, s:o}", "headers", json_object(), "query", json_object());
    if (!req)
        return NULL;
    if (r->conn) {
        MHD_get_connection_values(r->conn, MHD_HEADER_KIND, take_value,
                                  json_object_get(req, "headers"));
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, take_value,
                                  json_object_get(req, "query"));
    }
    if (r->streaming || r->streamed)
        json_object_set_new(req, "body_streamed", json_true());
    else if (r->body.len && memchr(r->body.data, '\0', r->body.len))
        json_object_set_new(req, "body_wiped", json_true()); /* credentials, wiped by the handler */
    else if (r->body.len) {
        json_t *b = json_stringn(r->body.data, r->body.len);
        json_object_set_new(req, b ? "body" : "body_binary", b ? b : json_true());
    }
    return req;
}

/* One JSON line per reply of a matched API route: method, route pattern, status, Content-Type and
 * the body (a string; null when it is not UTF-8 text or was streamed), and the request it answers
 * (request_of). The console's HTML routes are not logged. Failures to log are ignored: the log is
 * a test aid, never the reply's business. */
void og_http__openapi_log(og_http_req *r, int status, const char *type, const char *body,
                          size_t len)
{
    pthread_once(&log_once, log_open);
    if (log_fd < 0 || r->console || !r->match.route)
        return;
    json_t *text = body ? json_stringn(body, len) : NULL; /* NULL for bytes that are not UTF-8 */
    json_t *line = json_pack("{s:s,s:s,s:i,s:s?,s:o?,s:o?}", "method", r->method, "route",
                             r->match.route->pattern, "status", status, "type", type, "body", text,
                             "request", request_of(r));
    size_t n;
    char *nl = og_http__newline(line ? json_dumps(line, JSON_COMPACT) : NULL, &n);
    json_decref(line);
    if (!nl)
        return;
    pthread_mutex_lock(&log_mu);
    ssize_t w = write(log_fd, nl, n); /* one write of one line: O_APPEND keeps it whole */
    pthread_mutex_unlock(&log_mu);
    (void)w;
    free(nl);
}
