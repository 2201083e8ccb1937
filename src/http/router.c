/* router.c - match method + path against a table of {param} patterns; 404 vs 405 decided here. */
#include "http/router.h"

#include <string.h>

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
