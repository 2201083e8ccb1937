/* jcs.c - RFC 8785 JSON Canonicalization Scheme over jansson values. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting bound: canonical JSON of deeper documents is refused rather than risking the stack. */
#define JCS_MAX_DEPTH 64

/* Decode one UTF-8 sequence at s (n bytes left). Returns its length, or 0 when invalid
 * (overlong forms, surrogates and values past U+10FFFF are invalid, as RFC 3629 says). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if ((c & 0xe0) == 0xc0) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

int og_audit__jcs_string(og_buf *out, const char *s)
{
    return og_audit__jcs_string_n(out, s, strlen(s));
}

int og_audit__jcs_string_n(og_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc;
    if ((rc = og_buf_append(out, "\"", 1)) < 0)
        return rc;
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = p[i];
        const char *esc = NULL;
        char ubuf[8];
        if (c >= 0x80) {
            uint32_t cp;
            size_t len = utf8_decode(p + i, n - i, &cp);
            if (len == 0)
                return og_error_set(OG_EINVAL, "invalid UTF-8 in a JSON string at byte %zu", i);
            i += len;
            run += len;
            continue;
        }
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            if (c < 0x20) {
                snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
                esc = ubuf;
            }
        }
        if (!esc) {
            i++;
            run++;
            continue;
        }
        if ((rc = og_buf_append(out, s + i - run, run)) < 0 || (rc = og_buf_puts(out, esc)) < 0)
            return rc;
        run = 0;
        i++;
    }
    if ((rc = og_buf_append(out, s + n - run, run)) < 0)
        return rc;
    return og_buf_append(out, "\"", 1);
}

/* ECMAScript Number::toString (ECMA-262 7.1.12.1), which RFC 8785 section 3.2.2.3 adopts: the
 * shortest digit string that reads back to the same double, laid out fixed or exponential. */
static int jcs_number(og_buf *out, double v)
{
    if (!isfinite(v))
        return og_error_set(OG_EINVAL, "JSON numbers must be finite for canonical JSON");
    if (v == 0)
        return og_buf_puts(out, "0");
    char tmp[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* tmp = [-]d[.ddd]e[+-]xx: split into digits and exponent */
    char digits[24];
    size_t k = 0;
    const char *p = tmp;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && k < sizeof(digits) - 1)
            digits[k++] = *p;
    int e = atoi(p + 1);
    while (k > 1 && digits[k - 1] == '0')
        k--;
    digits[k] = '\0';
    int n = e + 1; /* ECMAScript's n: value = 0.digits * 10^n */
    int rc = 0;
    if (neg && (rc = og_buf_puts(out, "-")) < 0)
        return rc;
    if ((int)k <= n && n <= 21) {
        rc = og_buf_append(out, digits, k);
        for (int i = 0; rc == 0 && i < n - (int)k; i++)
            rc = og_buf_append(out, "0", 1);
    } else if (0 < n && n <= 21) {
        if ((rc = og_buf_append(out, digits, (size_t)n)) == 0 &&
            (rc = og_buf_append(out, ".", 1)) == 0)
            rc = og_buf_append(out, digits + n, k - (size_t)n);
    } else if (-6 < n && n <= 0) {
        rc = og_buf_puts(out, "0.");
        for (int i = 0; rc == 0 && i < -n; i++)
            rc = og_buf_append(out, "0", 1);
        if (rc == 0)
            rc = og_buf_append(out, digits, k);
    } else {
        rc = og_buf_append(out, digits, 1);
        if (rc == 0 && k > 1 && (rc = og_buf_append(out, ".", 1)) == 0)
            rc = og_buf_append(out, digits + 1, k - 1);
        if (rc == 0)
            rc = og_buf_printf(out, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
    }
    return rc;
}

/* Next UTF-16 code unit of a UTF-8 string; *pending holds a low surrogate still to come.
 * Returns -1 at the end. Invalid bytes compare as themselves (jansson keys are valid UTF-8). */
static int32_t utf16_next(const unsigned char **s, uint32_t *pending)
{
    if (*pending) {
        int32_t u = (int32_t)*pending;
        *pending = 0;
        return u;
    }
    if (**s == 0)
        return -1;
    uint32_t cp;
    size_t len = utf8_decode(*s, strlen((const char *)*s), &cp);
    if (len == 0) {
        cp = **s;
        len = 1;
    }
    *s += len;
    if (cp >= 0x10000) {
        cp -= 0x10000;
        *pending = 0xdc00 | (cp & 0x3ff);
        return (int32_t)(0xd800 | (cp >> 10));
    }
    return (int32_t)cp;
}

/* RFC 8785 section 3.2.3: property names sorted by their UTF-16 code units. */
static int key_cmp(const void *a, const void *b)
{
    const unsigned char *x = *(const unsigned char *const *)a;
    const unsigned char *y = *(const unsigned char *const *)b;
    uint32_t px = 0, py = 0;
    for (;;) {
        int32_t ux = utf16_next(&x, &px), uy = utf16_next(&y, &py);
        if (ux != uy)
            return ux < uy ? -1 : 1;
        if (ux < 0)
            return 0;
    }
}

static int jcs_value(og_buf *out, const json_t *v, int depth)
{
    int rc = 0;
    if (depth > JCS_MAX_DEPTH)
        return og_error_set(OG_EINVAL, "JSON nested deeper than %d levels", JCS_MAX_DEPTH);
    switch (json_typeof(v)) {
    case JSON_NULL:
        return og_buf_puts(out, "null");
    case JSON_TRUE:
        return og_buf_puts(out, "true");
    case JSON_FALSE:
        return og_buf_puts(out, "false");
    case JSON_INTEGER:
        return og_buf_printf(out, "%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        return jcs_number(out, json_real_value(v));
    case JSON_STRING:
        return og_audit__jcs_string_n(out, json_string_value(v), json_string_length(v));
    case JSON_ARRAY: {
        if ((rc = og_buf_puts(out, "[")) < 0)
            return rc;
        for (size_t i = 0; i < json_array_size(v); i++) {
            if ((i && (rc = og_buf_puts(out, ",")) < 0) ||
                (rc = jcs_value(out, json_array_get(v, i), depth + 1)) < 0)
                return rc;
        }
        return og_buf_puts(out, "]");
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = NULL;
        const char *key;
        json_t *val;
        if (n) {
            keys = malloc(n * sizeof(*keys));
            if (!keys)
                return og_error_set(OG_ERROR, "out of memory");
        }
        json_object_foreach((json_t *)v, key, val)
        {
            if (i < n)
                keys[i++] = key;
        }
        if (i > 1)
            qsort(keys, i, sizeof(*keys), key_cmp);
        rc = og_buf_puts(out, "{");
        for (size_t j = 0; rc == 0 && j < i; j++) {
            if (j)
                rc = og_buf_puts(out, ",");
            if (rc == 0)
                rc = og_audit__jcs_string(out, keys[j]);
            if (rc == 0)
                rc = og_buf_puts(out, ":");
            if (rc == 0)
                rc = jcs_value(out, json_object_get(v, keys[j]), depth + 1);
        }
        if (rc == 0)
            rc = og_buf_puts(out, "}");
        free(keys);
        return rc;
    }
    }
    return og_error_set(OG_EINVAL, "unknown JSON value type");
}

int og_audit__jcs(og_buf *out, const json_t *v)
{
    if (!v)
        return og_error_set(OG_EINVAL, "no JSON value to canonicalize");
    return jcs_value(out, v, 0);
}
