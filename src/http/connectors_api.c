/* connectors_api.c - the HTTP face of connectors (/api/v1/connectors...): thin handlers over
 * og_connector_*, which decides who may do what. The scope is ?tenant= (name or id), else the
 * token's tenant, else (a platform token) the platform's connectors. Credentials come only in
 * a JSON body and leave the request only sealed. The inbound webhook route takes no token: the
 * vendor's own authentication is checked by the library. */
#include "http/lifecycle.h"
#include "http/server.h"
#include "opsgate/connector.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEBHOOK_HEADERS_MAX 64

/* The scope: ?tenant=, the token's tenant, or the platform (NULL). */
static int scope_of(og_http_req *r, const char **out)
{
    const char *q = og_http__query(r, "tenant");
    *out = NULL;
    if (q && *q) {
        if (!og_name_valid(q) && !og_id_valid(q))
            return og_error_set(OG_EINVAL, "query 'tenant': '%.64s' is not a valid name or id", q);
        *out = q;
    } else if (r->ctx.actor.tenant_id[0]) {
        *out = r->ctx.actor.tenant_id;
    }
    return 0;
}

static int param_connector(og_http_req *r, const char **out)
{
    return og_http__param_ref(r, "connector", out);
}

static void wipe_body(og_http_req *r)
{
    if (r->body.data)
        og_crypto_wipe(r->body.data, r->body.len);
}

static void wipe_object(json_t *o)
{
    const char *k;
    json_t *x;
    json_object_foreach(o, k, x) if (json_is_string(x))
        og_crypto_wipe((char *)json_string_value(x), json_string_length(x));
}

int og_http__connector_kinds(og_http_req *r)
{
    json_t *arr = NULL;
    int error = og_connector_kinds(&arr);
    return error < 0 ? error : og_http__reply(r, 200, json_pack("{s:o}", "kinds", arr));
}

int og_http__connector_list(og_http_req *r)
{
    const char *scope;
    json_t *arr = NULL;
    int error;
    if ((error = scope_of(r, &scope)) < 0 || (error = og_connector_list(&r->ctx, scope, &arr)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "connectors", arr));
}

int og_http__connector_get(og_http_req *r)
{
    const char *scope, *name;
    json_t *c = NULL;
    int error;
    if ((error = scope_of(r, &scope)) < 0 || (error = param_connector(r, &name)) < 0 ||
        (error = og_connector_show(&r->ctx, scope, name, &c)) < 0)
        return error;
    return og_http__reply(r, 200, c);
}

/* "credentials" and "options": objects when present. */
static int body_objects(json_t *body, json_t **creds, json_t **opts)
{
    *creds = json_object_get(body, "credentials");
    *opts = json_object_get(body, "options");
    if (*creds && !json_is_object(*creds))
        return og_error_set(OG_EINVAL, "field 'credentials' must be an object of the kind's "
                                       "fields");
    if (*opts && !json_is_object(*opts))
        return og_error_set(OG_EINVAL, "field 'options' must be an object");
    return 0;
}

/* POST (add) and PATCH (update). */
static int add_or_update(og_http_req *r, int add)
{
    static const char *const fields[] = {"name",        "kind",    "base_url",
                                         "credentials", "options", NULL};
    const char *scope, *name = NULL, *kind = NULL, *url = NULL;
    json_t *body = NULL, *creds = NULL, *opts = NULL, *out = NULL;
    int error;
    if ((error = scope_of(r, &scope)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = body_objects(body, &creds, &opts)) < 0 ||
        (error = og_http__field_str_max(body, "kind", add, 32, &kind)) < 0 ||
        (error = og_http__field_str_max(body, "base_url", 0, 511, &url)) < 0)
        goto cleanup;
    if (add) {
        if ((error = og_http__field_str_max(body, "name", 1, 63, &name)) < 0)
            goto cleanup;
    } else if (json_object_get(body, "name")) {
        error = og_error_set(OG_EINVAL, "field 'name': a connector cannot be renamed");
        goto cleanup;
    } else if ((error = param_connector(r, &name)) < 0) {
        goto cleanup;
    }
    og_connector_spec spec = {.tenant = scope,
                              .name = name,
                              .kind = kind,
                              .base_url = url,
                              .credentials = creds,
                              .options = opts};
    error =
        add ? og_connector_add(&r->ctx, &spec, &out) : og_connector_update(&r->ctx, &spec, &out);
    if (error < 0)
        goto cleanup;
    if (add)
        snprintf(r->location, sizeof(r->location), "/api/v1/connectors/%s%s%s",
                 json_string_value(json_object_get(out, "id")), scope ? "?tenant=" : "",
                 scope ? scope : "");
    error = og_http__reply(r, add ? 201 : 200, out);
    out = NULL;
cleanup:
    if (creds)
        wipe_object(creds);
    wipe_body(r);
    json_decref(out);
    json_decref(body);
    return error;
}

int og_http__connector_add(og_http_req *r)
{
    return add_or_update(r, 1);
}

int og_http__connector_update(og_http_req *r)
{
    return add_or_update(r, 0);
}

int og_http__connector_remove(og_http_req *r)
{
    const char *scope, *name;
    int error;
    if ((error = scope_of(r, &scope)) < 0 || (error = param_connector(r, &name)) < 0 ||
        (error = og_connector_remove(&r->ctx, scope, name)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* test and sync: an outcome that was reached is the answer (200 with ok/outcome and the error);
 * a refusal before any call keeps its status. */
int og_http__connector_test(og_http_req *r)
{
    const char *scope, *name;
    json_t *out = NULL;
    int error;
    if ((error = scope_of(r, &scope)) < 0 || (error = param_connector(r, &name)) < 0)
        return error;
    error = og_connector_test(&r->ctx, scope, name, &out);
    if (!out)
        return error < 0 ? error : og_error_set(OG_ERROR, "the test gave no outcome");
    og_error_clear();
    return og_http__reply(r, 200, out);
}

int og_http__connector_sync(og_http_req *r)
{
    static const char *const fields[] = {"full", "project", NULL};
    const char *scope, *name, *project = NULL;
    json_t *body = NULL, *out = NULL;
    int error;
    if ((error = scope_of(r, &scope)) < 0 || (error = param_connector(r, &name)) < 0 ||
        (error = og_http__body_object(r, 1, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "project", 0, 64, &project)) < 0)
        goto cleanup;
    json_t *full = json_object_get(body, "full");
    if (full && !json_is_boolean(full)) {
        error = og_error_set(OG_EINVAL, "field 'full' must be true or false");
        goto cleanup;
    }
    og_connector_sync_opts opts = {
        .full = json_is_true(full), .remote_id = project, .trigger = "manual"};
    error = og_connector_sync(&r->ctx, scope, name, &opts, &out);
    if (!out)
        goto cleanup;
    og_error_clear();
    error = og_http__reply(r, 200, out);
    out = NULL;
cleanup:
    json_decref(out);
    json_decref(body);
    return error;
}

int og_http__connector_syncs(og_http_req *r)
{
    const char *scope, *name;
    int64_t limit = 0;
    json_t *arr = NULL;
    int error;
    if ((error = scope_of(r, &scope)) < 0 || (error = param_connector(r, &name)) < 0 ||
        (error = og_http__query_i64(r, "limit", 1, 1000, &limit)) < 0 ||
        (error = og_connector_sync_log(&r->ctx, scope, name, (int)limit, &arr)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "syncs", arr));
}

int og_http__connector_companies(og_http_req *r)
{
    const char *scope, *name;
    json_t *arr = NULL;
    int error;
    if ((error = scope_of(r, &scope)) < 0 || (error = param_connector(r, &name)) < 0 ||
        (error = og_connector_companies(&r->ctx, scope, name, &arr)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "companies", arr));
}

/* PUT .../companies/{company}/tenant {"tenant": T} (default: the scope's tenant). */
int og_http__connector_map(og_http_req *r)
{
    static const char *const fields[] = {"tenant", NULL};
    const char *scope, *name, *to = NULL, *company = og_http__param(&r->match, "company");
    json_t *body = NULL;
    int error;
    if ((error = scope_of(r, &scope)) < 0 || (error = param_connector(r, &name)) < 0 ||
        (error = og_http__body_object(r, 1, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "tenant", 0, 64, &to)) < 0 ||
        (error = og_connector_map(&r->ctx, scope, name, company, to ? to : scope)) < 0)
        goto cleanup;
    error = og_http__reply(
        r, 200, json_pack("{s:s, s:s?}", "company_id", company, "tenant", to ? to : scope));
cleanup:
    json_decref(body);
    return error;
}

int og_http__connector_unmap(og_http_req *r)
{
    const char *scope, *name, *company = og_http__param(&r->match, "company");
    int error;
    if ((error = scope_of(r, &scope)) < 0 || (error = param_connector(r, &name)) < 0 ||
        (error = og_connector_unmap(&r->ctx, scope, name, company)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* ---- POST /api/v1/connectors/{id}/webhook: no token ---- */

typedef struct header_list {
    char *line[WEBHOOK_HEADERS_MAX + 1];
    int n;
} header_list;

static enum MHD_Result take_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    header_list *h = cls;
    (void)kind;
    if (h->n >= WEBHOOK_HEADERS_MAX)
        return MHD_NO;
    size_t n = strlen(key) + strlen(value ? value : "") + 3;
    if ((h->line[h->n] = malloc(n)))
        snprintf(h->line[h->n++], n, "%s: %s", key, value ? value : "");
    return MHD_YES;
}

int og_http__connector_webhook(og_http_req *r)
{
    header_list h = {0};
    json_t *out = NULL;
    const char *id = og_http__param(&r->match, "id");
    og_http_authlimit_refusal why;
    char source[INET6_ADDRSTRLEN + 8];
    int error;
    /* a webhook authenticates by a secret: failures count against the client's address as
     * failed token authentications do (docs/api.md "Authentication failures") */
    og_http__peer_address(r, source, sizeof(source));
    if (og_http__authlimit_check(r->srv->authlimit, source, "", &why) > 0) {
        r->retry_after = why.retry_after;
        return og_error_set(OG_EBUSY,
                            "too many failed authentications from this address; retry in %d s",
                            why.retry_after);
    }
    if (!r->store)
        r->store = og_store_pool_get(r->srv->pool);
    memset(&r->ctx, 0, sizeof(r->ctx));
    r->ctx.store = r->store;
    r->ctx.keys = r->srv->keys;
    r->ctx.data_dir = r->srv->folder;
    og_actor_system(&r->ctx.actor, "webhook");
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, take_header, &h);
    error = og_connector_webhook(&r->ctx, id ? id : "", (const char *const *)h.line, r->body.data,
                                 r->body.len, &out);
    for (int i = 0; i < h.n; i++) {
        og_crypto_wipe(h.line[i], strlen(h.line[i]));
        free(h.line[i]);
    }
    if (error == OG_EAUTH || error == OG_ENOTFOUND) {
        /* an unknown connector answers exactly like a failed authentication */
        og_http__authlimit_fail(r->srv->authlimit, source, "");
        json_decref(out);
        return og_error_set(OG_EAUTH, "webhook not accepted");
    }
    if (error < 0) {
        json_decref(out);
        return error;
    }
    return og_http__reply(r, 200, out ? out : json_pack("{s:b}", "ok", 1));
}
