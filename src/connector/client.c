/* client.c - the connectors' one HTTP path (og_conn_http: egress, retries, Retry-After, budget)
 * offered to other modules for an outside JSON API that is no catalogue kind, behind
 * connector.h's og_connector_client (bearer authentication, the API's "message" quoted). */
#include <stdlib.h>
#include <string.h>

#include "connector_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"

struct og_connector_client {
    og_conn_vendor vendor; /* the label as kind; c->vendor points here */
    char label[64];
    og_conn *conn;
};

static int bearer_auth(og_conn *c, og_conn_headers *h)
{
    const char *key = og_conn_cred(c, "bearer");
    if (!*key)
        return 0;
    return og_conn_headers_add(h, "Authorization: Bearer %s", key);
}

/* {"code": "...", "message": "..."} (Cert Spotter), {"error": "..."} or {"message": "..."} */
static void api_message(long status, const og_buf *body, const json_t *json, char *out, size_t size)
{
    (void)status;
    (void)body;
    const char *m = json_string_value(json_object_get(json, "message"));
    if (!m)
        m = json_string_value(json_object_get(json, "error"));
    if (!m)
        m = json_string_value(json_object_get(json, "code"));
    if (!m)
        return;
    size_t o = 0;
    for (const char *p = m; *p && o + 1 < size && o < 200; p++)
        out[o++] = (unsigned char)*p < 0x20 || *p == '"' ? ' ' : *p;
    out[o] = '\0';
}

int og_connector_client_open(og_connector_client **out, og_store *s, const char *label,
                             const char *base_url, const char *bearer, const json_t *options)
{
    int error = 0;
    og_connector_client *c = NULL;
    json_t *creds = NULL;
    *out = NULL;
    if (!label || !*label || strlen(label) >= sizeof(c->label))
        return og_error_set(OG_EINVAL, "a client needs a label of 1 to 63 bytes");
    if (!(c = calloc(1, sizeof(*c))) || !(creds = json_object())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_strlcpy(c->label, label, sizeof(c->label));
    c->vendor.kind = c->label;
    c->vendor.title = c->label;
    c->vendor.category = "client";
    c->vendor.auth = bearer_auth;
    c->vendor.error_message = api_message;
    if (bearer && *bearer && json_object_set_new(creds, "bearer", json_string(bearer)) < 0) {
        error = og_error_set(OG_EINVAL, "the bearer key is not UTF-8 text");
        goto cleanup;
    }
    if ((error = og_conn_open_vendor(&c->conn, &c->vendor, base_url, creds, options)) < 0)
        goto cleanup;
    og_strlcpy(c->conn->name, label, sizeof(c->conn->name));
    if ((error = og_egress_load(&c->conn->egress, s)) < 0)
        goto cleanup;
    *out = c;
    c = NULL;
cleanup:
    if (creds) {
        const char *k = json_string_value(json_object_get(creds, "bearer"));
        if (k)
            og_crypto_wipe((char *)k, strlen(k));
        json_decref(creds);
    }
    og_connector_client_free(c);
    return error;
}

int og_connector_client_get(og_connector_client *c, const char *path, json_t **out)
{
    *out = NULL;
    if (!c || !path || strstr(path, "://"))
        return og_error_set(OG_EINVAL, "a client GET takes a path below the base URL");
    return og_conn_get_json(c->conn, path, out, NULL);
}

int64_t og_connector_client_requests(const og_connector_client *c)
{
    return c && c->conn ? c->conn->requests : 0;
}

void og_connector_client_free(og_connector_client *c)
{
    if (!c)
        return;
    og_conn_free(c->conn);
    free(c);
}
