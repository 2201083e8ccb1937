/* request.c - what handlers read and build: query arguments, the JSON body and its fields, path
 * parameters, and the reply the server then sends. */
#include "http/server.h"
#include "opsgate/error.h"

#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

/* ---- request input ---- */

const char *og_http__query(og_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* The body as one JSON object: OG_EINVAL naming line, column and jansson's text when malformed,
 * or saying it must be an object. */
static int load_object(og_http_req *r, json_t **out)
{
    json_error_t jerr;
    json_t *doc = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return og_error_set(OG_EINVAL, "malformed JSON at line %d, column %d: %s", jerr.line,
                            jerr.column, jerr.text);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return og_error_set(OG_EINVAL, "request body must be a JSON object");
    }
    *out = doc;
    return 0;
}

int og_http__body_object(og_http_req *r, int empty_ok, const char *const *allowed, json_t **out)
{
    int error = -1;
    json_t *doc = NULL;
    *out = NULL;

    size_t i = 0;
    while (i < r->body.len && strchr(" \t\r\n", r->body.data[i]))
        i++;
    if (i == r->body.len) {
        if (!empty_ok) {
            error = og_error_set(OG_EINVAL, "request body must be a JSON object");
            goto cleanup;
        }
        if (!(doc = json_object())) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    } else if ((error = load_object(r, &doc)) < 0) {
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

int og_http__body_any_object(og_http_req *r, json_t **out)
{
    *out = NULL;
    if (r->body.len == 0)
        return og_error_set(OG_EINVAL, "request body must be a JSON object");
    return load_object(r, out);
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

int og_http__check_name(const char *field, const char *what, const char *value)
{
    if (og_name_valid(value))
        return 0;
    return og_error_set(OG_EINVAL,
                        "field '%s': '%.64s' is not a valid %s (1-63 of a-z 0-9 . _ -, starting "
                        "with a letter or digit)",
                        field, value, what);
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

/* The tenant a request acts in: ?tenant= (name or id), else the token's. A tenant user naming
 * another tenant gets the library's 404. *out is borrowed. */
int og_http__query_tenant(og_http_req *r, const char **out)
{
    const char *q = og_http__query(r, "tenant");
    *out = NULL;
    if (q && *q) {
        if (!og_name_valid(q) && !og_id_valid(q))
            return og_error_set(OG_EINVAL, "query 'tenant': '%.64s' is not a valid name or id", q);
        *out = q;
        return 0;
    }
    if (!r->ctx.actor.tenant_id[0])
        return og_error_set(OG_EINVAL, "query 'tenant' is required with a platform token");
    *out = r->ctx.actor.tenant_id;
    return 0;
}

/* An optional integer query argument in [min, max]; *out keeps its value when absent. */
int og_http__query_i64(og_http_req *r, const char *name, int64_t min, int64_t max, int64_t *out)
{
    const char *v = og_http__query(r, name);
    if (!v)
        return 0;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max)
        return og_error_set(OG_EINVAL,
                            "query '%s': '%.32s' is not an integer from %" PRId64 " to %" PRId64,
                            name, v, min, max);
    *out = n;
    return 0;
}

/* ?NAME=1|true|0|false, absent = 0. */
int og_http__query_bool(og_http_req *r, const char *name, int *out)
{
    const char *v = og_http__query(r, name);
    *out = 0;
    if (!v)
        return 0;
    if (!strcmp(v, "1") || !strcmp(v, "true") || !*v)
        *out = 1;
    else if (strcmp(v, "0") && strcmp(v, "false"))
        return og_error_set(OG_EINVAL, "query '%s': '%.32s' is not 1, 0, true or false", name, v);
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

void og_http__store_release(og_http_req *r)
{
    if (r->store) {
        og_store_pool_put(r->srv->pool, r->store);
        r->store = NULL;
    }
    if (r->home) {
        og_store_pool_put(r->srv->home_pool, r->home);
        r->home = NULL;
    }
    r->ctx.store = NULL;
    r->ctx.home = NULL;
}
