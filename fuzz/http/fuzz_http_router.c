/* fuzz_http_router.c - libFuzzer target for the HTTP request path before a handler's own logic:
 * the raw request target, routing over the real route table, path parameters and JSON bodies. */
#include "fuzz_util.h"
#include "http/router.h"
#include "http/server.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

/*
 * The input is METHOD, NUL, the request target as sent (path and query, percent-encoded), NUL,
 * the body. It goes the way a request goes in `opsgate serve`, without a server: the raw target
 * check (og_http__target_check), libmicrohttpd's percent-decoding of the path, og_http__route
 * over og_http__routes, the path parameters as handlers read them (og_http__param_ref /
 * og_http__param_id), and the body as handlers parse it (og_http__body_object with a list of
 * known fields, og_http__field_str_max, og_http__check_name). Checked:
 * - every refusal maps to a 4xx status (og_http__status_for) with a clean message, and the
 *   error body built from it is JSON that carries the message back unchanged;
 * - a route found has the method asked (GET for HEAD) and a pattern the path matches segment by
 *   segment; its parameters are non-empty, under OG_HTTP_PARAM_MAX bytes and hold no '/';
 * - a path known only for other methods is OG_HTTP_NO_METHOD with an Allow list (405);
 * - a body accepted is a JSON object with only the known fields.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fields[] = {
    "name",  "key", "kind",   "message",  "metadata", "state", "role",  "reason",  "targets",
    "email", "url", "secret", "template", "version",  "note",  "level", "timeout", NULL};

static void check_refused(int rc)
{
    int status = og_http__status_for(rc);
    json_error_t je;
    FUZZ_CHECK_REFUSAL(rc, OG_EINVAL, OG_ETOOBIG);
    if (status < 400 || status > 499)
        FUZZ_FAIL("refusal %d maps to HTTP %d (msg: %s)", rc, status, og_error_last());
    char *body = og_http__error_body(og_error_name(rc), og_error_last());
    json_t *doc = body ? json_loads(body, 0, &je) : NULL;
    const char *msg = json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
    if (!msg || strcmp(msg, og_error_last()) != 0)
        FUZZ_FAIL("the error body does not carry the message back: %s", body ? body : "(none)");
    json_decref(doc);
    free(body);
}

/* libmicrohttpd's decoding of the path: "%XX" is one byte, any other '%' stays. */
static size_t path_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (s[i] == '%' && i + 2 < n + 0 && sscanf(s + i + 1, "%2x", &v) == 1 &&
            strspn(s + i + 1, "0123456789abcdefABCDEF") >= 2) {
            out[o++] = (char)v;
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return o;
}

static void check_found(const og_http_match *m, const char *method, const char *path)
{
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    FUZZ_ASSERT(m->route && strcmp(m->route->method, want) == 0);
    FUZZ_ASSERT(m->nparams <= OG_HTTP_MAX_PARAMS);
    /* segment by segment: literal equal, {param} the path's segment */
    const char *p = m->route->pattern, *s = path;
    size_t k = 0;
    while (*p && *s) {
        FUZZ_ASSERT(*p == '/' && *s == '/');
        size_t pl = strcspn(p + 1, "/"), sl = strcspn(s + 1, "/");
        if (p[1] == '{') {
            FUZZ_ASSERT(k < m->nparams && strlen(m->params[k].value) == sl &&
                        memcmp(m->params[k].value, s + 1, sl) == 0);
            k++;
        } else if (pl != sl || memcmp(p + 1, s + 1, pl) != 0) {
            FUZZ_FAIL("route %s taken for path %s", m->route->pattern, path);
        }
        p += 1 + pl;
        s += 1 + sl;
    }
    FUZZ_ASSERT(!*p && !*s && k == m->nparams);
    for (size_t i = 0; i < m->nparams; i++) {
        size_t n = strlen(m->params[i].value);
        FUZZ_ASSERT(n > 0 && n < OG_HTTP_PARAM_MAX && !strchr(m->params[i].value, '/'));
    }
}

static void check_params(og_http_req *r)
{
    for (size_t i = 0; i < r->match.nparams; i++) {
        const char *name = r->match.params[i].name, *v = NULL;
        og_error_clear();
        int rc = strcmp(name, "id") == 0 ? og_http__param_id(r, name, "id", &v)
                                         : og_http__param_ref(r, name, &v);
        if (rc < 0)
            check_refused(rc);
        else
            FUZZ_ASSERT(v && strcmp(v, r->match.params[i].value) == 0);
    }
}

static void check_body(og_http_req *r)
{
    json_t *doc = NULL;
    const char *k, *v = NULL;
    json_t *x;
    og_error_clear();
    int rc = og_http__body_object(r, 1, fields, &doc);
    if (rc < 0) {
        check_refused(rc);
        FUZZ_ASSERT(doc == NULL);
        return;
    }
    FUZZ_ASSERT(json_is_object(doc));
    json_object_foreach(doc, k, x)
    {
        size_t i = 0;
        while (fields[i] && strcmp(fields[i], k) != 0)
            i++;
        if (!fields[i])
            FUZZ_FAIL("the body kept unknown field '%s'", k);
    }
    for (size_t i = 0; fields[i]; i++) {
        og_error_clear();
        if ((rc = og_http__field_str_max(doc, fields[i], 0, 200, &v)) < 0) {
            check_refused(rc);
            continue;
        }
        FUZZ_ASSERT(!v || (*v && strlen(v) <= 200));
        og_error_clear();
        if (v && (rc = og_http__check_name(fields[i], "name", v)) < 0)
            check_refused(rc);
    }
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *parts[3];
    char *copy = NULL;
    size_t n = fuzz_split(data, size, &copy, parts, 3);
    static og_http_req r;
    if (n < 2)
        goto done;
    og_error_clear();
    int rc = og_http__target_check(parts[1]);
    if (rc < 0) {
        check_refused(rc);
        goto done;
    }
    size_t plen = strcspn(parts[1], "?");
    char *path = malloc(plen + 1);
    FUZZ_ASSERT(path);
    path_decode(parts[1], plen, path);
    memset(&r, 0, sizeof(r));
    enum og_http_route_result rr =
        og_http__route(og_http__routes, og_http__nroutes, parts[0], path, &r.match);
    fuzz_log("%s %s -> %d %s", parts[0], path, rr, r.match.route ? r.match.route->pattern : "");
    if (rr == OG_HTTP_FOUND) {
        check_found(&r.match, parts[0], path);
        check_params(&r);
    } else if (rr == OG_HTTP_NO_METHOD) {
        FUZZ_ASSERT(r.match.allow[0] && !r.match.route);
    } else {
        FUZZ_ASSERT(rr == OG_HTTP_NO_ROUTE && !r.match.route);
    }
    free(path);
    /* the body as every JSON handler parses it, whatever the route */
    const char *body = n >= 3 ? parts[2] : "";
    size_t blen = n >= 3 ? size - (size_t)(parts[2] - copy) : 0;
    og_buf_init(&r.body, 1 << 20);
    if (blen && og_buf_append(&r.body, body, blen) == 0)
        check_body(&r);
    og_buf_free(&r.body);
done:
    free(copy);
    return 0;
}
