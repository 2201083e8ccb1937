/* router.c - match method + path against a table of {param} patterns; 404 vs 405 decided here. */
#include "http/router.h"

#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Next segment of a path or pattern starting at *p (which points just past a '/').
 * Returns its length and advances *p past it and its trailing '/', if any. */
static size_t next_segment(const char **p, const char **seg)
{
    const char *s = *p;
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    *seg = s;
    *p = e ? e + 1 : s + len;
    return len;
}

/* 1 when path matches pattern; params filled only then. Both start with '/'. */
static int pattern_match(const char *pattern, const char *path, og_http_match *m)
{
    const char *pp = pattern + 1;
    const char *sp = path + 1;
    size_t np = 0;
    og_http_param params[OG_HTTP_MAX_PARAMS];

    for (;;) {
        int pat_end = (*pp == '\0');
        int path_end = (*sp == '\0');
        if (pat_end || path_end) {
            /* "/a/b" vs "/a/b/": a trailing slash is a different resource, no match. */
            if (!(pat_end && path_end))
                return 0;
            break;
        }
        const char *pseg, *sseg;
        size_t plen = next_segment(&pp, &pseg);
        size_t slen = next_segment(&sp, &sseg);
        /* A path ending in '/' leaves an empty final segment: catch it as a mismatch. */
        if (*sp == '\0' && sseg[slen] == '/')
            return 0;
        if (plen >= 2 && pseg[0] == '{' && pseg[plen - 1] == '}') {
            if (slen == 0 || slen >= OG_HTTP_PARAM_MAX || np >= OG_HTTP_MAX_PARAMS ||
                plen - 2 >= sizeof(params[0].name))
                return 0;
            memcpy(params[np].name, pseg + 1, plen - 2);
            params[np].name[plen - 2] = '\0';
            memcpy(params[np].value, sseg, slen);
            params[np].value[slen] = '\0';
            np++;
        } else if (plen != slen || memcmp(pseg, sseg, plen) != 0) {
            return 0;
        }
    }
    memcpy(m->params, params, np * sizeof(params[0]));
    m->nparams = np;
    return 1;
}

static void allow_add(og_http_match *m, const char *method)
{
    /* The same method can appear for several patterns matching one path; list it once. */
    size_t mlen = strlen(method);
    for (const char *p = m->allow; (p = strstr(p, method)) != NULL; p += mlen) {
        if ((p == m->allow || p[-1] == ' ') && (p[mlen] == ',' || p[mlen] == '\0'))
            return;
    }
    size_t used = strlen(m->allow);
    if (used + mlen + 3 > sizeof(m->allow))
        return;
    if (used) {
        memcpy(m->allow + used, ", ", 2);
        used += 2;
    }
    memcpy(m->allow + used, method, mlen + 1);
}

enum og_http_route_result og_http__route(const og_http_route *table, size_t n, const char *method,
                                         const char *path, og_http_match *m)
{
    int path_known = 0;
    memset(m, 0, sizeof(*m));
    if (!path || path[0] != '/' || strlen(path) > OG_HTTP_PATH_MAX || !method)
        return OG_HTTP_NO_ROUTE;
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;

    for (size_t i = 0; i < n; i++) {
        og_http_match tmp;
        if (!pattern_match(table[i].pattern, path, &tmp))
            continue;
        if (strcmp(table[i].method, want) == 0) {
            m->route = &table[i];
            m->index = i;
            m->nparams = tmp.nparams;
            memcpy(m->params, tmp.params, tmp.nparams * sizeof(tmp.params[0]));
            m->allow[0] = '\0';
            return OG_HTTP_FOUND;
        }
        path_known = 1;
        allow_add(m, table[i].method);
        if (strcmp(table[i].method, "GET") == 0)
            allow_add(m, "HEAD");
    }
    return path_known ? OG_HTTP_NO_METHOD : OG_HTTP_NO_ROUTE;
}

const char *og_http__param(const og_http_match *m, const char *name)
{
    for (size_t i = 0; i < m->nparams; i++)
        if (strcmp(m->params[i].name, name) == 0)
            return m->params[i].value;
    return NULL;
}

/* ---- hostile input: the request target and the framing headers ---- */

/* Decode s[0..n) into out the way libmicrohttpd 0.9.75 does (MHD_http_unescape: "%XX" with two
 * hex digits is one byte, any other '%' stays; '+' is a space in query parts). Returns the
 * length; out must hold n bytes. */
static size_t pct_decode(const char *s, size_t n, int plus_space, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char pair[3] = {0};
        uint8_t byte;
        if (s[i] == '%' && i + 2 < n)
            memcpy(pair, s + i + 1, 2);
        if (pair[0] && og_hex_decode(pair, &byte, 1) == 1) {
            out[o++] = (char)byte;
            i += 2;
        } else {
            out[o++] = plus_space && s[i] == '+' ? ' ' : s[i];
        }
    }
    return o;
}

/* Check one decoded part; what is "the path" or "query parameter 'x'". */
static int decoded_check(const char *d, size_t n, int is_path, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c == 0)
            return og_error_set(OG_EINVAL,
                                "%s contains %%00 (NUL) at byte %zu once decoded; NUL is not "
                                "allowed in paths or query strings",
                                what, i);
        if (is_path && (c < 0x20 || c == 0x7f))
            return og_error_set(OG_EINVAL,
                                "%s contains the control character 0x%02X at byte %zu once decoded",
                                what, c, i);
    }
    size_t bad = 0;
    if (!og_utf8_valid(d, n, &bad))
        return og_error_set(OG_EINVAL,
                            "%s is not valid UTF-8 once decoded (byte 0x%02X at offset %zu starts "
                            "no valid character)",
                            what, (unsigned char)d[bad], bad);
    return 0;
}

int og_http__target_check(const char *raw)
{
    int error = 0;
    if (!raw)
        return 0;
    size_t n = strlen(raw);
    char *d = malloc(n + 1);
    if (!d)
        return og_error_set(OG_ERROR, "out of memory");
    const char *q = memchr(raw, '?', n);
    size_t plen = q ? (size_t)(q - raw) : n;
    size_t dn = pct_decode(raw, plen, 0, d);
    if ((error = decoded_check(d, dn, 1, "the request path")) < 0)
        goto cleanup;
    /* Query: key[=value] pairs split on '&', each part decoded on its own, as libmicrohttpd
     * does before a handler reads them. */
    for (const char *p = q ? q + 1 : NULL; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        char what[80];
        size_t kn = pct_decode(p, klen, 1, d);
        /* The key is quoted in the message only when it is short, printable ASCII. */
        int printable = kn > 0 && kn <= 32;
        for (size_t i = 0; printable && i < kn; i++)
            printable = d[i] > 0x20 && d[i] < 0x7f && d[i] != '\'';
        if (printable)
            snprintf(what, sizeof(what), "query parameter '%.*s'", (int)kn, d);
        else
            snprintf(what, sizeof(what), "a query parameter name");
        if ((error = decoded_check(d, kn, 0, printable ? what : "a query parameter name")) < 0)
            goto cleanup;
        if (eq) {
            size_t vn = pct_decode(eq + 1, len - klen - 1, 1, d);
            if ((error = decoded_check(d, vn, 0, what)) < 0)
                goto cleanup;
        }
        p = amp ? amp + 1 : NULL;
    }
cleanup:
    free(d);
    return error;
}

/* Client text for a message: printable ASCII only (the message ends up in JSON), at most 64
 * bytes, anything else shown as '?'. */
static void printable_copy(const char *s, size_t n, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 64 && o + 1 < size; i++)
        out[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    out[o] = '\0';
}

/* The list element s[0..n) with optional whitespace trimmed. */
static void te_element(const char *s, size_t n, const char **name, size_t *nlen)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *name = s;
    *nlen = n;
}

int og_http__framing_check(const og_http_framing *f)
{
    if (f->n_length > 1 && f->length_differs) {
        og_error_set(OG_EINVAL,
                     "the request has %d Content-Length headers with different values; "
                     "send one",
                     f->n_length);
        return 400;
    }
    if (f->n_te == 0)
        return 0;
    if (f->http10) {
        og_error_set(OG_EINVAL, "Transfer-Encoding is not allowed in an HTTP/1.0 request");
        return 400;
    }
    if (f->n_length > 0) {
        og_error_set(OG_EINVAL, "the request has both Transfer-Encoding and Content-Length; send "
                                "one of them");
        return 400;
    }
    if (f->te_long) {
        og_error_set(OG_EINVAL, "the Transfer-Encoding header is too long");
        return 400;
    }
    /* The list: elements separated by ',', empty ones ignored (RFC 9110 5.6.1). */
    size_t nchunked = 0, nelems = 0;
    int chunked_last = 0;
    const char *other = NULL;
    size_t other_len = 0;
    for (const char *p = f->te;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *name;
        size_t nlen;
        te_element(p, len, &name, &nlen);
        if (nlen) {
            nelems++;
            int is_chunked = nlen == 7 && strncasecmp(name, "chunked", 7) == 0;
            nchunked += is_chunked;
            chunked_last = is_chunked;
            if (!is_chunked && !other) {
                other = name;
                other_len = nlen;
            }
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    if (nelems == 0) {
        og_error_set(OG_EINVAL, "the Transfer-Encoding header is empty");
        return 400;
    }
    if (nchunked > 1) {
        og_error_set(OG_EINVAL, "the chunked transfer coding is applied more than once");
        return 400;
    }
    char shown[72];
    if (nchunked == 1 && !chunked_last) {
        printable_copy(f->te, strlen(f->te), shown, sizeof(shown));
        og_error_set(OG_EINVAL, "chunked must be the final transfer coding (Transfer-Encoding: %s)",
                     shown);
        return 400;
    }
    if (other) {
        printable_copy(other, other_len, shown, sizeof(shown));
        og_error_set(OG_EINVAL,
                     "transfer coding '%s' is not supported; send the body with Content-Length",
                     shown);
        return 501;
    }
    /* Plain chunked: refused before libmicrohttpd parses a chunk line, so a chunk-size line longer
     * than its connection buffer never gets its own 500 with an HTML body. */
    og_error_set(OG_EINVAL, "chunked request bodies are not accepted; send the body with "
                            "Content-Length");
    return 411;
}
