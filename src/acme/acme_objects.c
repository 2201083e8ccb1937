/* acme_objects.c - the objects an ACME CA answers with (RFC 8555 §7.1): the directory, orders,
 * authorizations and their challenges, checked and copied out before the client uses anything
 * in them. The CA is outside the MSP's control: a broken or hostile one gets a clear error. */
#include "acme/acme_internal.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

int og_acme__url_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, scheme;
    if (n == 0 || n >= OG_ACME_URL_MAX)
        return 0;
    if (strncmp(s, "https://", 8) == 0)
        scheme = 8;
    else if (strncmp(s, "http://", 7) == 0)
        scheme = 7;
    else
        return 0;
    /* a host, then nothing a request line or a log could trip on: printable ASCII only */
    if (n == scheme || strchr("/?#@:", s[scheme]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

/* Parse the body as one JSON object (new reference in *out). */
static int load_object(const char *json, size_t len, const char *what, const char *kind,
                       json_t **out)
{
    json_error_t je;
    *out = json_loadb(json ? json : "", json ? len : 0, 0, &je);
    if (json_is_object(*out))
        return 0;
    json_decref(*out);
    *out = NULL;
    return og_error_set(OG_ERROR, "%s: the CA answered with no JSON %s object (%s)", what, kind,
                        je.text[0] ? je.text : "not an object");
}

/* Member `field` of obj as an http(s) URL copied into out (OG_ACME_URL_MAX bytes); "" when
 * absent and not required. */
static int url_field(json_t *obj, const char *field, int required, const char *what,
                     const char *kind, char *out)
{
    json_t *v = json_object_get(obj, field);
    out[0] = '\0';
    if (!v && !required)
        return 0;
    if (!og_acme__url_ok(json_string_value(v)))
        return og_error_set(OG_ERROR, "%s: the CA's %s has %s '%s' (an http(s) URL expected)", what,
                            kind, v ? "a bad" : "no", field);
    og_strlcpy(out, json_string_value(v), OG_ACME_URL_MAX);
    return 0;
}

/* Member "status" of obj, one of the comma-separated known, copied into out[16]. */
static int status_field(json_t *obj, const char *known, const char *what, const char *kind,
                        char out[16])
{
    const char *st = json_string_value(json_object_get(obj, "status"));
    size_t n = st ? strlen(st) : 0;
    out[0] = '\0';
    for (const char *p = known; n && n < 16 && *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, st, n) == 0) {
            memcpy(out, st, n + 1);
            return 0;
        }
        p += k + (p[k] == ',');
    }
    return og_error_set(OG_ERROR, "%s: the CA's %s has %s status (one of %s expected)", what, kind,
                        st ? "an unknown" : "no", known);
}

/* ---- directory ---- */

static const struct {
    const char *name;
    int required;
} dir_members[] = {{"newNonce", 1},  {"newAccount", 1}, {"newOrder", 1},
                   {"keyChange", 0}, {"revokeCert", 0}, {"renewalInfo", 0}};

int og_acme__directory_parse(const char *json, size_t len, const char *what, json_t **out)
{
    json_t *dir = NULL, *clean = json_object();
    char url[OG_ACME_URL_MAX];
    int error = OG_ERROR;
    *out = NULL;
    if (!clean)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = load_object(json, len, what, "directory", &dir)) < 0)
        goto cleanup;
    for (size_t i = 0; i < sizeof(dir_members) / sizeof(dir_members[0]); i++) {
        const char *name = dir_members[i].name;
        if (dir_members[i].required && !json_is_string(json_object_get(dir, name))) {
            error = og_error_set(OG_ERROR,
                                 "%s is not an ACME directory (no newNonce, newAccount, "
                                 "newOrder)",
                                 what);
            goto cleanup;
        }
        if ((error = url_field(dir, name, dir_members[i].required, what, "directory", url)) < 0)
            goto cleanup;
        if (url[0] && json_object_set_new(clean, name, json_string(url)) < 0) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
    *out = clean;
    clean = NULL;
    error = 0;
cleanup:
    json_decref(dir);
    json_decref(clean);
    return error;
}

/* ---- orders ---- */

void og_acme__order_obj_clear(og_acme_order_obj *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->nauthz; i++)
        free(o->authz[i]);
    memset(o, 0, sizeof(*o));
}

int og_acme__order_parse(const char *json, size_t len, const char *what, og_acme_order_obj *o)
{
    json_t *obj = NULL, *authzs;
    int error;
    memset(o, 0, sizeof(*o));
    if ((error = load_object(json, len, what, "order", &obj)) < 0 ||
        (error = status_field(obj, "pending,ready,processing,valid,invalid", what, "order",
                              o->status)) < 0 ||
        (error = url_field(obj, "finalize", 1, what, "order", o->finalize)) < 0 ||
        (error = url_field(obj, "certificate", 0, what, "order", o->certificate)) < 0)
        goto cleanup;
    authzs = json_object_get(obj, "authorizations");
    if (!json_is_array(authzs) || json_array_size(authzs) > OG_ACME_MAX_NAMES) {
        error = og_error_set(OG_ERROR,
                             "%s: the CA's order has no list of at most %d "
                             "authorizations",
                             what, OG_ACME_MAX_NAMES);
        goto cleanup;
    }
    for (size_t i = 0; i < json_array_size(authzs); i++) {
        const char *u = json_string_value(json_array_get(authzs, i));
        if (!og_acme__url_ok(u)) {
            error = og_error_set(OG_ERROR,
                                 "%s: the CA's order has an authorization that is not "
                                 "an http(s) URL",
                                 what);
            goto cleanup;
        }
        if (!(o->authz[o->nauthz] = strdup(u))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        o->nauthz++;
    }
    error = 0;
cleanup:
    json_decref(obj);
    if (error < 0)
        og_acme__order_obj_clear(o);
    return error;
}

/* ---- authorizations and challenges ---- */

void og_acme__authz_obj_clear(og_acme_authz_obj *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nch; i++)
        free(a->ch[i].error);
    memset(a, 0, sizeof(*a));
}

/* A DNS name of [A-Za-z0-9-_.] (no empty label) or an IP literal, per the identifier's type. */
static int identifier_ok(const char *type, const char *v)
{
    uint8_t b[16];
    size_t n = strlen(v);
    if (strcmp(type, "ip") == 0)
        return inet_pton(AF_INET, v, b) == 1 || inet_pton(AF_INET6, v, b) == 1;
    if (n == 0 || n > 253 || v[0] == '.' || v[n - 1] == '.' || strstr(v, ".."))
        return 0;
    return strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

static int challenge_parse(json_t *ch, const char *what, og_acme_challenge_obj *c)
{
    const char *type = json_string_value(json_object_get(ch, "type"));
    json_t *token = json_object_get(ch, "token"), *err = json_object_get(ch, "error");
    int error;
    if (!json_is_object(ch))
        return og_error_set(OG_ERROR,
                            "%s: the CA's authorization has a challenge that is not "
                            "an object",
                            what);
    if (!type || !*type || strlen(type) >= sizeof(c->type) ||
        strspn(type, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(type))
        return og_error_set(OG_ERROR,
                            "%s: the CA's authorization has a challenge without a "
                            "known kind of type",
                            what);
    og_strlcpy(c->type, type, sizeof(c->type));
    if ((error = status_field(ch, "pending,processing,valid,invalid", what, "challenge",
                              c->status)) < 0 ||
        (error = url_field(ch, "url", 1, what, "challenge", c->url)) < 0)
        return error;
    if (token) {
        /* RFC 8555 §8.1: base64url; it names a file of the webroot and a URL path */
        const char *t = json_string_value(token);
        if (!t || !*t || strlen(t) >= sizeof(c->token) || strspn(t, B64URL) != strlen(t))
            return og_error_set(OG_ERROR, "%s: the CA sent a %s token that is not base64url", what,
                                type);
        og_strlcpy(c->token, t, sizeof(c->token));
    }
    if (json_is_object(err)) {
        c->error_status = (long)json_integer_value(json_object_get(err, "status"));
        if (!(c->error = json_dumps(err, JSON_COMPACT)))
            return og_error_set(OG_ERROR, "out of memory");
    }
    return 0;
}

static int identifier_parse(json_t *obj, const char *what, og_acme_authz_obj *a)
{
    json_t *id = json_object_get(obj, "identifier");
    const char *type = json_string_value(json_object_get(id, "type"));
    const char *value = json_string_value(json_object_get(id, "value"));
    if (!type || (strcmp(type, "dns") != 0 && strcmp(type, "ip") != 0) || !value ||
        strlen(value) >= sizeof(a->id_value) || !identifier_ok(type, value))
        return og_error_set(OG_ERROR,
                            "%s: the CA's authorization has no dns or ip identifier "
                            "with a well-formed value",
                            what);
    og_strlcpy(a->id_type, type, sizeof(a->id_type));
    og_strlcpy(a->id_value, value, sizeof(a->id_value));
    a->wildcard = json_is_true(json_object_get(obj, "wildcard"));
    return 0;
}

int og_acme__authz_parse(const char *json, size_t len, const char *what, og_acme_authz_obj *a)
{
    json_t *obj = NULL, *chs;
    int error;
    memset(a, 0, sizeof(*a));
    if ((error = load_object(json, len, what, "authorization", &obj)) < 0 ||
        (error = status_field(obj, "pending,valid,invalid,deactivated,expired,revoked", what,
                              "authorization", a->status)) < 0 ||
        (error = identifier_parse(obj, what, a)) < 0)
        goto cleanup;
    chs = json_object_get(obj, "challenges");
    if (!json_is_array(chs) || json_array_size(chs) > OG_ACME_MAX_CHALLENGES) {
        error = og_error_set(OG_ERROR,
                             "%s: the CA's authorization has no list of at most %d "
                             "challenges",
                             what, OG_ACME_MAX_CHALLENGES);
        goto cleanup;
    }
    for (size_t i = 0; i < json_array_size(chs); i++) {
        a->nch = i + 1; /* counted first: a failed challenge's error text is freed by clear */
        if ((error = challenge_parse(json_array_get(chs, i), what, &a->ch[i])) < 0)
            goto cleanup;
    }
    error = 0;
cleanup:
    json_decref(obj);
    if (error < 0)
        og_acme__authz_obj_clear(a);
    return error;
}

const og_acme_challenge_obj *og_acme__authz_challenge(const og_acme_authz_obj *a, const char *type)
{
    for (size_t i = 0; i < a->nch; i++)
        if (strcmp(a->ch[i].type, type) == 0)
            return &a->ch[i];
    return NULL;
}
