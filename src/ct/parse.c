/* parse.c - DNS names as watches take them, and the Cert Spotter API's answer
 * (GET /v1/issuances?...&expand=dns_names&expand=issuer) read into og_ct_issuance. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/ct.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

/* 0 when s[0..len) is one LDH label (1..63, no hyphen at either end). */
static int label_ok(const char *s, size_t len)
{
    if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return -1;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return -1;
    return 0;
}

/* 0 when name (lower case) is a DNS name of two labels or more; wildcard: a leading "*." is
 * allowed. The last label must not be all digits (an IPv4 address is no name). */
static int name_ok(const char *name, int wildcard)
{
    size_t len = strlen(name), labels = 0;
    const char *p = name, *last = name;
    if (wildcard && strncmp(name, "*.", 2) == 0)
        p += 2;
    if (len == 0 || len > 253)
        return -1;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (label_ok(p, n) < 0)
            return -1;
        labels++;
        last = p;
        if (!dot)
            break;
        p = dot + 1;
        if (!*p)
            return -1; /* a trailing dot */
    }
    if (labels < 2)
        return -1;
    for (const char *q = last; *q; q++)
        if (!isdigit((unsigned char)*q))
            return 0;
    return -1;
}

int og_ct_domain_check(const char *domain, char out[254])
{
    if (!domain || !*domain)
        return og_error_set(OG_EINVAL, "a watch needs a domain");
    size_t len = strlen(domain);
    if (len > 254)
        return og_error_set(OG_EINVAL, "a domain has at most 253 characters");
    char buf[255];
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)tolower((unsigned char)domain[i]);
    buf[len] = '\0';
    if (len > 1 && buf[len - 1] == '.')
        buf[--len] = '\0';
    if (strchr(buf, '*'))
        return og_error_set(OG_EINVAL,
                            "'%.80s': a watch takes a domain, not a wildcard (watch the domain "
                            "with its subdomains instead)",
                            og_utf8_valid(domain, strlen(domain), NULL) ? domain : "?");
    if (name_ok(buf, 0) < 0)
        return og_error_set(OG_EINVAL,
                            "'%.80s' is not a DNS name of two labels or more (letters, digits "
                            "and hyphens, labels of 1 to 63, at most 253 characters; no IP "
                            "address)",
                            og_utf8_valid(domain, strlen(domain), NULL) ? domain : "?");
    memcpy(out, buf, len + 1);
    return 0;
}

void og_ct_issuances_free(og_ct_issuance *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < v[i].nnames; k++)
            free(v[i].names[k]);
        free(v[i].names);
    }
    free(v);
}

/* A hash field: absent or null leaves out "" ; else 64 hex digits, lower-cased. */
static int hash_get(json_t *o, const char *field, char out[65], size_t idx)
{
    json_t *v = json_object_get(o, field);
    out[0] = '\0';
    if (!v || json_is_null(v))
        return 0;
    const char *s = json_string_value(v);
    if (!s || strlen(s) != 64)
        return og_error_set(OG_EINVAL, "issuance %zu: %s is not 64 hex digits", idx, field);
    for (int i = 0; i < 64; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return og_error_set(OG_EINVAL, "issuance %zu: %s is not 64 hex digits", idx, field);
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[64] = '\0';
    return 0;
}

/* A printable text field of at most size-1 bytes (absent or null: ""). */
static int text_get(json_t *o, const char *field, char *out, size_t size, size_t idx)
{
    json_t *v = json_object_get(o, field);
    out[0] = '\0';
    if (!v || json_is_null(v))
        return 0;
    const char *s = json_string_value(v);
    size_t len = s ? json_string_length(v) : 0;
    if (!s || len >= size || strlen(s) != len || !og_utf8_valid(s, len, NULL))
        return og_error_set(OG_EINVAL, "issuance %zu: %s is not a text of at most %zu bytes", idx,
                            field, size - 1);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return og_error_set(OG_EINVAL, "issuance %zu: %s holds a control character", idx,
                                field);
    memcpy(out, s, len + 1);
    return 0;
}

static int names_get(json_t *o, og_ct_issuance *is, size_t idx)
{
    json_t *arr = json_object_get(o, "dns_names"), *v;
    size_t i;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr))
        return og_error_set(OG_EINVAL, "issuance %zu: dns_names is not an array", idx);
    if (json_array_size(arr) > OG_CT_NAMES_MAX)
        return og_error_set(OG_ETOOBIG, "issuance %zu: more than %d dns_names", idx,
                            OG_CT_NAMES_MAX);
    if (json_array_size(arr) && !(is->names = calloc(json_array_size(arr), sizeof(char *))))
        return og_error_set(OG_ERROR, "out of memory");
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        char low[256];
        size_t len = s ? json_string_length(v) : 0;
        if (!s || len == 0 || len > 255 || strlen(s) != len)
            return og_error_set(OG_EINVAL, "issuance %zu: dns_names[%zu] is not a DNS name", idx,
                                i);
        for (size_t k = 0; k <= len; k++)
            low[k] = (char)tolower((unsigned char)s[k]);
        if (name_ok(low, 1) < 0)
            return og_error_set(OG_EINVAL, "issuance %zu: dns_names[%zu] is not a DNS name", idx,
                                i);
        if (!(is->names[is->nnames] = strdup(low)))
            return og_error_set(OG_ERROR, "out of memory");
        is->nnames++;
    }
    return 0;
}

static int one_issuance(json_t *o, og_ct_issuance *is, size_t idx)
{
    int error;
    json_t *issuer = json_object_get(o, "issuer");
    if (!json_is_object(o))
        return og_error_set(OG_EINVAL, "issuance %zu is not an object", idx);
    if ((error = text_get(o, "id", is->id, sizeof(is->id), idx)) < 0)
        return error;
    if (!is->id[0])
        return og_error_set(OG_EINVAL, "issuance %zu has no id", idx);
    for (const char *p = is->id; *p; p++)
        if (*p == ' ' || *p == '&' || *p == '#' || *p == '?' || *p == '%' || *p == '+' ||
            (unsigned char)*p >= 0x7f)
            return og_error_set(OG_EINVAL, "issuance %zu: its id is not a plain token", idx);
    if ((error = hash_get(o, "cert_sha256", is->cert_sha256, idx)) < 0 ||
        (error = hash_get(o, "tbs_sha256", is->tbs_sha256, idx)) < 0 ||
        (error = hash_get(o, "pubkey_sha256", is->pubkey_sha256, idx)) < 0 ||
        (error = text_get(o, "not_before", is->not_before, sizeof(is->not_before), idx)) < 0 ||
        (error = text_get(o, "not_after", is->not_after, sizeof(is->not_after), idx)) < 0 ||
        (error = names_get(o, is, idx)) < 0)
        return error;
    if (issuer && !json_is_null(issuer)) {
        if (!json_is_object(issuer))
            return og_error_set(OG_EINVAL, "issuance %zu: issuer is not an object", idx);
        if ((error = hash_get(issuer, "pubkey_sha256", is->issuer_pubkey_sha256, idx)) < 0 ||
            (error = text_get(issuer, "name", is->issuer, sizeof(is->issuer), idx)) < 0)
            return error;
        if (!is->issuer[0] &&
            (error = text_get(issuer, "friendly_name", is->issuer, sizeof(is->issuer), idx)) < 0)
            return error;
    }
    is->revoked = json_is_true(json_object_get(o, "revoked"));
    return 0;
}

int og_ct_certspotter_parse(const char *body, size_t len, og_ct_issuance **out, size_t *n)
{
    int error = 0;
    json_error_t je;
    og_ct_issuance *v = NULL;
    size_t count = 0;
    *out = NULL;
    *n = 0;
    json_t *root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return og_error_set(OG_EINVAL, "the CT answer is not JSON (%.80s at line %d)", je.text,
                            je.line);
    if (!json_is_array(root)) {
        error = og_error_set(OG_EINVAL, "the CT answer is not an array of issuances");
        goto cleanup;
    }
    if (json_array_size(root) > OG_CT_PAGE_MAX) {
        error =
            og_error_set(OG_ETOOBIG, "the CT answer holds more than %d issuances", OG_CT_PAGE_MAX);
        goto cleanup;
    }
    if (json_array_size(root) && !(v = calloc(json_array_size(root), sizeof(*v)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < json_array_size(root); i++) {
        count = i + 1;
        if ((error = one_issuance(json_array_get(root, i), &v[i], i)) < 0)
            goto cleanup;
    }
    *out = v;
    *n = count;
    v = NULL;
cleanup:
    og_ct_issuances_free(v, count);
    json_decref(root);
    return error;
}
