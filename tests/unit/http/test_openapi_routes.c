/* test_openapi_routes.c - the route table and the OpenAPI document list the same operations:
 * every API route of og_http__routes is an operation of the document compiled into the library
 * (api/, tools/openapi-merge.py), and every operation of the document is a route. The console's
 * HTML routes (OG_HTTP_ROUTE_CONSOLE) and test-only /_test/ routes are not in the document by
 * rule (docs/api.md "The OpenAPI document"). */
#include "og_test.h"
#include "http/server.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

extern const unsigned char og_http__openapi_json[];
extern const size_t og_http__openapi_json_len;

static const char *const http_methods[] = {"get",     "put",  "post",  "delete",
                                           "options", "head", "patch", "trace"};

/* 1 when a route is left out of the document by rule. */
static int undocumented_by_rule(const og_http_route *rt)
{
    return (rt->flags & OG_HTTP_ROUTE_CONSOLE) || strncmp(rt->pattern, "/_test/", 7) == 0;
}

static void lower(char *out, size_t cap, const char *in)
{
    size_t i = 0;
    for (; in[i] && i + 1 < cap; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

/* The number of routes the document lacks plus operations the table lacks; each printed. */
static int check(json_t *doc, const og_http_route *routes, size_t n)
{
    json_t *paths = json_object_get(doc, "paths");
    int problems = 0;
    char m[16];
    for (size_t i = 0; i < n; i++) {
        if (undocumented_by_rule(&routes[i]))
            continue;
        lower(m, sizeof(m), routes[i].method);
        if (!json_object_get(json_object_get(paths, routes[i].pattern), m)) {
            fprintf(stderr, "route %s %s is not in the OpenAPI document (api/paths/*.yaml)\n",
                    routes[i].method, routes[i].pattern);
            problems++;
        }
    }
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        for (size_t k = 0; k < sizeof(http_methods) / sizeof(http_methods[0]); k++) {
            if (!json_object_get(item, http_methods[k]))
                continue;
            int found = 0;
            for (size_t i = 0; i < n && !found; i++) {
                lower(m, sizeof(m), routes[i].method);
                found = !undocumented_by_rule(&routes[i]) && strcmp(m, http_methods[k]) == 0 &&
                        strcmp(routes[i].pattern, path) == 0;
            }
            if (!found) {
                fprintf(stderr,
                        "the OpenAPI document has %s %s, which is no route of src/http/routes.c\n",
                        http_methods[k], path);
                problems++;
            }
        }
    }
    return problems;
}

static json_t *load_doc(void)
{
    json_error_t err;
    json_t *doc =
        json_loadb((const char *)og_http__openapi_json, og_http__openapi_json_len, 0, &err);
    if (!doc)
        fprintf(stderr, "the embedded OpenAPI document: line %d: %s\n", err.line, err.text);
    return doc;
}

static void test_openapi_routes__the_table_and_the_document_list_the_same_operations(void **state)
{
    (void)state;
    json_t *doc = load_doc();
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    assert_int_equal(check(doc, og_http__routes, og_http__nroutes), 0);
    json_decref(doc);
}

/* The test of the test: a document without one route's operation and with an operation that is
 * no route gives two problems, each named. */
static void test_openapi_routes__a_missing_or_extra_operation_is_caught(void **state)
{
    (void)state;
    json_t *doc = load_doc();
    assert_non_null(doc);
    json_t *paths = json_object_get(doc, "paths");
    assert_int_equal(json_object_del(json_object_get(paths, "/api/v1/whoami"), "get"), 0);
    assert_int_equal(
        json_object_set_new(paths, "/api/v1/no-such-route", json_pack("{s:{}}", "post")), 0);
    assert_int_equal(check(doc, og_http__routes, og_http__nroutes), 2);
    json_decref(doc);
}

/* The document is served as it was built: the route is public. */
static void test_openapi_routes__the_document_route_is_public(void **state)
{
    (void)state;
    int found = 0;
    for (size_t i = 0; i < og_http__nroutes; i++)
        if (strcmp(og_http__routes[i].pattern, "/api/v1/openapi.json") == 0) {
            assert_true(og_http__routes[i].flags & OG_HTTP_ROUTE_PUBLIC);
            found = 1;
        }
    assert_true(found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openapi_routes__the_table_and_the_document_list_the_same_operations),
        cmocka_unit_test(test_openapi_routes__a_missing_or_extra_operation_is_caught),
        cmocka_unit_test(test_openapi_routes__the_document_route_is_public),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
