/* vendor_connectwise_hook.c - ConnectWise callbacks: the x-content-signature check (HMAC-SHA256
 * of the body under the key named by the callback's key_url, fetched only from the base URL's
 * host and cached for the process, or under a configured webhook_secret) and the project a
 * callback is about. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_connectwise.h"

#define CW_KEY_MAX      4096                           /* longest callback signing key accepted */
#define CW_KEYS         32                             /* keys cached (connector and key_url) */
#define CW_KEY_TTL_US   ((int64_t)3600 * 1000000)      /* a cached key is fetched again after */
#define CW_KEY_RETRY_US ((int64_t)60 * 1000000)        /* a mismatch refetches a key this old */
#define CW_FETCHES      10                             /* key fetches per connector per minute */
#define CW_SEEN         8192                           /* accepted deliveries remembered */
#define CW_SEEN_TTL_US  ((int64_t)24 * 3600 * 1000000) /* a delivery is remembered for */
#define CW_MSGID_MAX    128                            /* longest MessageId accepted */

/* Signing keys by connector (id and base URL) and key_url: each callback loads its connector
 * anew, so a per-connector cache would fetch the key for every callback. */
typedef struct key_entry {
    char who[OG_ID_LEN + 512];
    char url[1024];
    uint8_t key[CW_KEY_MAX];
    size_t len;
    int64_t at_us; /* when fetched; 0: free */
} key_entry;
static key_entry keys[CW_KEYS];
static pthread_mutex_t keys_lock = PTHREAD_MUTEX_INITIALIZER;

static void key_who(const og_conn *c, char *out, size_t size)
{
    snprintf(out, size, "%s|%s", c->id, c->base_url);
}

/* The cached key of (c, url) into key (CW_KEY_MAX bytes); its age, or -1 when none or stale. */
static int64_t key_cached(const og_conn *c, const char *url, uint8_t *key, size_t *len)
{
    char who[sizeof(keys[0].who)];
    int64_t age = -1, now = og_time_mono_us();
    key_who(c, who, sizeof(who));
    pthread_mutex_lock(&keys_lock);
    for (int i = 0; i < CW_KEYS; i++)
        if (keys[i].at_us && now - keys[i].at_us < CW_KEY_TTL_US && strcmp(keys[i].who, who) == 0 &&
            strcmp(keys[i].url, url) == 0) {
            memcpy(key, keys[i].key, keys[i].len);
            *len = keys[i].len;
            age = now - keys[i].at_us;
            break;
        }
    pthread_mutex_unlock(&keys_lock);
    return age;
}

/* Keep (c, url) -> key, in its old slot, a free one or the oldest. */
static void key_keep(const og_conn *c, const char *url, const uint8_t *key, size_t len)
{
    char who[sizeof(keys[0].who)];
    int slot = 0;
    key_who(c, who, sizeof(who));
    pthread_mutex_lock(&keys_lock);
    for (int i = 0; i < CW_KEYS; i++) {
        if (keys[i].at_us && strcmp(keys[i].who, who) == 0 && strcmp(keys[i].url, url) == 0) {
            slot = i;
            break;
        }
        if (keys[i].at_us < keys[slot].at_us)
            slot = i;
    }
    og_crypto_wipe(keys[slot].key, sizeof(keys[slot].key));
    og_strlcpy(keys[slot].who, who, sizeof(keys[slot].who));
    og_strlcpy(keys[slot].url, url, sizeof(keys[slot].url));
    memcpy(keys[slot].key, key, len);
    keys[slot].len = len;
    keys[slot].at_us = og_time_mono_us();
    pthread_mutex_unlock(&keys_lock);
}

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

/* Key fetches per connector and minute, so that forged callbacks (any key_url on the host)
 * cannot make opsgate call the PSA without bound. */
static struct {
    char who[sizeof(keys[0].who)];
    int64_t since_us;
    int n;
} fetches[CW_KEYS];

static int fetch_allowed(const og_conn *c)
{
    char who[sizeof(keys[0].who)];
    int slot = 0, ok;
    int64_t now = og_time_mono_us();
    key_who(c, who, sizeof(who));
    pthread_mutex_lock(&keys_lock);
    for (int i = 0; i < CW_KEYS; i++) {
        if (fetches[i].since_us && strcmp(fetches[i].who, who) == 0) {
            slot = i;
            break;
        }
        if (fetches[i].since_us < fetches[slot].since_us)
            slot = i;
    }
    if (strcmp(fetches[slot].who, who) != 0 || now - fetches[slot].since_us > CW_KEY_RETRY_US) {
        og_strlcpy(fetches[slot].who, who, sizeof(fetches[slot].who));
        fetches[slot].since_us = now;
        fetches[slot].n = 0;
    }
    ok = fetches[slot].n < CW_FETCHES;
    if (ok)
        fetches[slot].n++;
    pthread_mutex_unlock(&keys_lock);
    return ok;
}

/* Fetch the signing key named by a callback's Metadata.key_url into key (CW_KEY_MAX bytes):
 * only from the base URL's scheme, host and port (checked here before any request, and again
 * by og_conn_http), answer {"signing_key": "..."}. */
static int key_fetch(og_conn *c, const char *key_url, uint8_t *key, size_t *len)
{
    int error = 0;
    json_t *j = NULL;
    if (!fetch_allowed(c))
        return og_error_set(OG_EAUTH,
                            "connector %s (connectwise): more than %d callback key fetches in a "
                            "minute: callback refused",
                            og_conn__cw_name(c), CW_FETCHES);
    if ((error = og_conn_get_json(c, key_url, &j, NULL)) < 0) {
        error = og_error_set(
            OG_EAUTH, "connector %s (connectwise): cannot fetch the callback signing key: %s",
            og_conn__cw_name(c), og_error_last());
        goto cleanup;
    }
    json_t *k = json_object_get(j, "signing_key");
    if (!json_is_string(k) || json_string_length(k) == 0 || json_string_length(k) > CW_KEY_MAX) {
        error = og_error_set(OG_EAUTH,
                             "connector %s (connectwise): the key_url answer holds no signing_key",
                             og_conn__cw_name(c));
        goto cleanup;
    }
    *len = json_string_length(k);
    memcpy(key, json_string_value(k), *len);
    key_keep(c, key_url, key, *len);
cleanup:
    if (json_is_string(json_object_get(j, "signing_key")))
        og_crypto_wipe((char *)json_string_value(json_object_get(j, "signing_key")),
                       json_string_length(json_object_get(j, "signing_key")));
    json_decref(j);
    return error;
}

static int key_url_ok(og_conn *c, const char *key_url)
{
    const char *host = strstr(c->base_url, "://");
    size_t bl = host ? (size_t)(host + 3 - c->base_url) + strcspn(host + 3, "/") : 0;
    if (!key_url || bl == 0 || strncasecmp(key_url, c->base_url, bl) != 0 || key_url[bl] != '/' ||
        strpbrk(key_url, " \t\r\n\\") || strlen(key_url) >= sizeof(keys[0].url)) {
        char red[200];
        og_url_redact(key_url ? key_url : "(none)", red, sizeof(red));
        return og_error_set(OG_EAUTH,
                            "connector %s (connectwise): the callback's key_url %s is not on the "
                            "connector's base URL host: not fetched",
                            og_conn__cw_name(c), red);
    }
    return 0;
}

/* 1 when sig (base64) is HMAC-SHA256(body) under key, compared in constant time. */
static int signed_by(const char *sig, const og_conn_webhook *w, const uint8_t *key, size_t len)
{
    uint8_t mac[32], *got = NULL;
    size_t got_len = 0;
    int ok = og_crypto_hmac_sha256(key, len, w->body, w->body_len, mac) == 0 &&
             og_base64_decode(sig, &got, &got_len) == 0 && got_len == sizeof(mac) &&
             og_memeq_ct(got, mac, sizeof(mac));
    og_crypto_wipe(mac, sizeof(mac));
    free(got);
    return ok;
}

/* Deliveries accepted (connector id and MessageId, hashed), oldest overwritten first: a
 * callback carries no timestamp, but each delivery its own MessageId, covered by the signature. */
static struct {
    uint8_t h[16];
    int64_t at_us; /* 0: free */
} seen[CW_SEEN];
static size_t seen_next;

/* 0 and the delivery remembered when (c, msgid) was not accepted in the last CW_SEEN_TTL_US,
 * else OG_EAUTH (a replay). */
static int delivery_new(const og_conn *c, const char *msgid)
{
    uint8_t h[32];
    og_buf b;
    int error = 0;
    int64_t now = og_time_mono_us();
    og_buf_init(&b, 4096);
    if (og_buf_printf(&b, "%s|%s", c->id, msgid) < 0) {
        og_buf_free(&b);
        return og_error_set(OG_ERROR, "out of memory");
    }
    og_crypto_sha256(b.data, b.len, h);
    og_buf_free(&b);
    pthread_mutex_lock(&keys_lock);
    for (size_t i = 0; i < CW_SEEN; i++)
        if (seen[i].at_us && now - seen[i].at_us < CW_SEEN_TTL_US &&
            memcmp(seen[i].h, h, sizeof(seen[i].h)) == 0) {
            error = OG_EAUTH;
            break;
        }
    if (!error) {
        memcpy(seen[seen_next].h, h, sizeof(seen[seen_next].h));
        seen[seen_next].at_us = now ? now : 1;
        seen_next = (seen_next + 1) % CW_SEEN;
    }
    pthread_mutex_unlock(&keys_lock);
    if (error)
        return og_error_set(OG_EAUTH,
                            "connector %s (connectwise): callback %.64s was accepted before: a "
                            "replay, refused",
                            og_conn__cw_name(c), msgid);
    return 0;
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
    int error = 0, ok = 0;
    size_t sl = 0, key_len = 0;
    uint8_t *key = NULL;
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
                             "connector %s (connectwise): the callback body is not a JSON object",
                             og_conn__cw_name(c));
        goto cleanup;
    }
    if (!(key = malloc(CW_KEY_MAX))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    const char *secret = og_conn_cred(c, "webhook_secret");
    const char *url = json_string_value(json_object_get(json_object_get(b, "Metadata"), "key_url"));
    if (*secret) {
        ok = signed_by(sig, w, (const uint8_t *)secret, strlen(secret));
    } else if ((error = key_url_ok(c, url)) < 0) {
        goto cleanup;
    } else {
        /* the cached key; a mismatch fetches it again (rotated) unless it is fresh */
        int64_t age = key_cached(c, url, key, &key_len);
        ok = age >= 0 && signed_by(sig, w, key, key_len);
        if (!ok && (age < 0 || age > CW_KEY_RETRY_US)) {
            if ((error = key_fetch(c, url, key, &key_len)) < 0)
                goto cleanup;
            ok = signed_by(sig, w, key, key_len);
        }
    }
    if (!ok) {
        error = og_error_set(OG_EAUTH,
                             "connector %s (connectwise): the callback signature does not match",
                             og_conn__cw_name(c));
        goto cleanup;
    }
    /* ConnectWise gives every delivery a MessageId: a signed body seen before is a replay */
    const char *msgid = json_string_value(json_object_get(b, "MessageId"));
    if (!msgid || !*msgid || strlen(msgid) > CW_MSGID_MAX) {
        error = og_error_set(OG_EAUTH,
                             "connector %s (connectwise): callback without a MessageId (1-%d "
                             "characters): refused, a replay could not be told apart",
                             og_conn__cw_name(c), CW_MSGID_MAX);
        goto cleanup;
    }
    if ((error = delivery_new(c, msgid)) < 0)
        goto cleanup;
    callback_project(b, project_id, size);
cleanup:
    if (key)
        og_crypto_wipe(key, CW_KEY_MAX);
    free(key);
    json_decref(b);
    return error;
}
