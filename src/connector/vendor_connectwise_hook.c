/* vendor_connectwise_hook.c - ConnectWise callbacks: the x-content-signature check (HMAC-SHA256
 * of the body under the key named by the callback's key_url, fetched only from the base URL's
 * host, or under a configured webhook_secret) and the project a callback is about. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_connectwise.h"

#define CW_KEY_MAX 4096 /* longest callback signing key accepted */

typedef struct cw_state {
    char key_url[1024]; /* the callback key cached in key */
    uint8_t *key;
    size_t key_len;
} cw_state;

static const char *header_value(const og_conn_webhook *w, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    for (int i = 0; w->headers && w->headers[i]; i++) {
        const char *h = w->headers[i];
        if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
            const char *v = h + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = strlen(v);
            while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\r' || v[n - 1] == '\t'))
                n--;
            *len = n;
            return v;
        }
    }
    return NULL;
}

void og_conn__cw_state_free(og_conn *c)
{
    cw_state *st = c->vendor_state;
    if (!st)
        return;
    if (st->key)
        og_crypto_wipe(st->key, st->key_len);
    free(st->key);
    free(st);
    c->vendor_state = NULL;
}

/* The signing key named by a callback's Metadata.key_url: fetched only from the base URL's
 * scheme, host and port (og_conn_http enforces it too), then kept for the connector's life. */
static int callback_key(og_conn *c, const char *key_url, const uint8_t **key, size_t *len)
{
    int error = 0;
    json_t *j = NULL;
    cw_state *st = c->vendor_state;
    const char *host = strstr(c->base_url, "://");
    size_t bl = host ? (size_t)(host + 3 - c->base_url) + strcspn(host + 3, "/") : 0;
    if (!key_url || bl == 0 || strncasecmp(key_url, c->base_url, bl) != 0 || key_url[bl] != '/' ||
        strpbrk(key_url, " \t\r\n\\") || strlen(key_url) >= sizeof(((cw_state *)0)->key_url)) {
        char red[200];
        og_url_redact(key_url ? key_url : "(none)", red, sizeof(red));
        return og_error_set(OG_EAUTH,
                            "connector %s (connectwise): the callback's key_url %s is not on the "
                            "connector's base URL host: not fetched",
                            og_conn__cw_name(c), red);
    }
    if (st && st->key && strcmp(st->key_url, key_url) == 0)
        goto done;
    if (!st && !(st = c->vendor_state = calloc(1, sizeof(*st))))
        return og_error_set(OG_ERROR, "out of memory");
    if (st->key)
        og_crypto_wipe(st->key, st->key_len);
    free(st->key);
    st->key = NULL;
    if ((error = og_conn__cw_get_json(c, key_url, &j)) < 0) {
        error = og_error_set(OG_EAUTH,
                             "connector %s (connectwise): cannot fetch the callback "
                             "signing key: %s",
                             og_conn__cw_name(c), og_error_last());
        goto cleanup;
    }
    json_t *k = json_object_get(j, "signing_key");
    if (!k)
        k = json_object_get(j, "signingKey");
    if (!json_is_string(k) || json_string_length(k) == 0 || json_string_length(k) > CW_KEY_MAX) {
        error = og_error_set(OG_EAUTH,
                             "connector %s (connectwise): the key_url answer holds no "
                             "signing_key",
                             og_conn__cw_name(c));
        goto cleanup;
    }
    if (!(st->key = malloc(json_string_length(k)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    st->key_len = json_string_length(k);
    memcpy(st->key, json_string_value(k), st->key_len);
    og_strlcpy(st->key_url, key_url, sizeof(st->key_url));
done:
    *key = st->key;
    *len = st->key_len;
cleanup:
    if (j)
        og_crypto_wipe((char *)json_string_value(json_object_get(j, "signing_key")),
                       json_string_length(json_object_get(j, "signing_key")));
    json_decref(j);
    return error;
}

/* The project a callback is about: Type "project" -> ID; a (project) ticket -> its Entity's
 * project.id (Entity is the record as a JSON string, or an object). */
static void callback_project(const json_t *b, char *out, size_t size)
{
    const char *type = json_string_value(json_object_get(b, "Type"));
    json_t *ent = json_object_get(b, "Entity"), *parsed = NULL;
    out[0] = '\0';
    if (!type)
        type = json_string_value(json_object_get(b, "recordType"));
    if (!type)
        return;
    if (strcasecmp(type, "project") == 0) {
        og_conn__cw_id_text(json_object_get(b, "ID"), out, size);
        return;
    }
    if (strcasecmp(type, "ticket") != 0 && strcasecmp(type, "projectticket") != 0)
        return;
    if (json_is_string(ent))
        ent = parsed = json_loads(json_string_value(ent), 0, NULL);
    og_conn__cw_id_text(json_object_get(json_object_get(ent, "project"), "id"), out, size);
    json_decref(parsed);
}

int og_conn__cw_webhook(og_conn *c, const og_conn_webhook *w, char *project_id, size_t size)
{
    int error = 0;
    size_t sl = 0, key_len = 0, got_len = 0;
    const uint8_t *key = NULL;
    uint8_t mac[32], *got = NULL;
    char sig[128];
    json_t *b = NULL;
    project_id[0] = '\0';
    const char *s = header_value(w, "x-content-signature", &sl);
    if (!s || sl == 0 || sl >= sizeof(sig)) {
        error = og_error_set(OG_EAUTH,
                             "connector %s (connectwise): callback without an "
                             "x-content-signature header",
                             og_conn__cw_name(c));
        goto cleanup;
    }
    memcpy(sig, s, sl);
    sig[sl] = '\0';
    if (!(b = json_loadb(w->body, w->body_len, 0, NULL)) || !json_is_object(b)) {
        error = og_error_set(OG_EAUTH,
                             "connector %s (connectwise): the callback body is not a "
                             "JSON object",
                             og_conn__cw_name(c));
        goto cleanup;
    }
    const char *secret = og_conn_cred(c, "webhook_secret");
    if (*secret) {
        key = (const uint8_t *)secret;
        key_len = strlen(secret);
    } else if ((error = callback_key(
                    c,
                    json_string_value(json_object_get(json_object_get(b, "Metadata"), "key_url")),
                    &key, &key_len)) < 0) {
        goto cleanup;
    }
    if ((error = og_crypto_hmac_sha256(key, key_len, w->body, w->body_len, mac)) < 0)
        goto cleanup;
    if (og_base64_decode(sig, &got, &got_len) < 0 || got_len != sizeof(mac) ||
        !og_memeq_ct(got, mac, sizeof(mac))) {
        error = og_error_set(OG_EAUTH,
                             "connector %s (connectwise): the callback signature does "
                             "not match",
                             og_conn__cw_name(c));
        goto cleanup;
    }
    callback_project(b, project_id, size);
cleanup:
    og_crypto_wipe(mac, sizeof(mac));
    free(got);
    json_decref(b);
    return error;
}
