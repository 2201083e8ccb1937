/* request.c - what handlers read and build: query arguments, the JSON body and its fields, path
 * parameters, and the reply the server then sends. */
#include "http/server.h"
#include "opsgate/error.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

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

void og_http__store_release(og_http_req *r)
{
    if (r->store) {
        og_store_pool_put(r->srv->pool, r->store);
        r->store = NULL;
    }
    r->ctx.store = NULL;
}
