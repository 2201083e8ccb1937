/* test_router.c - route patterns, parameters, 404 vs 405 and the Allow list. */
#include "og_test.h"
#include "http/router.h"

#include <string.h>

static const og_http_route table[] = {
    {"GET", "/healthz", NULL, OG_HTTP_ROUTE_PUBLIC},
    {"POST", "/api/v1/tenants", NULL, 0},
    {"GET", "/api/v1/tenants", NULL, 0},
    {"GET", "/api/v1/tenants/{tenant}", NULL, 0},
    {"DELETE", "/api/v1/tenants/{tenant}", NULL, 0},
    {"GET", "/api/v1/tenants/{tenant}/users/{user}", NULL, 0},
    {"POST", "/api/v1/tenants/{tenant}/users/{user}/tokens", NULL, 0},
    {"DELETE", "/api/v1/tokens/{id}", NULL, 0},
};
#define N (sizeof(table) / sizeof(table[0]))

static void test_router__matches_literal_paths(void **state)
{
    (void)state;
    og_http_match m;
    assert_int_equal(og_http__route(table, N, "GET", "/healthz", &m), OG_HTTP_FOUND);
    assert_ptr_equal(m.route, &table[0]);
    assert_int_equal(m.nparams, 0);
    assert_int_equal(og_http__route(table, N, "POST", "/api/v1/tenants", &m), OG_HTTP_FOUND);
    assert_int_equal(m.index, 1);
    assert_int_equal(og_http__route(table, N, "GET", "/api/v1/tenants", &m), OG_HTTP_FOUND);
    assert_int_equal(m.index, 2);
}

static void test_router__captures_named_parameters(void **state)
{
    (void)state;
    og_http_match m;
    assert_int_equal(
        og_http__route(table, N, "POST", "/api/v1/tenants/acme/users/alice/tokens", &m),
        OG_HTTP_FOUND);
    assert_int_equal(m.index, 6);
    assert_int_equal(m.nparams, 2);
    assert_string_equal(og_http__param(&m, "tenant"), "acme");
    assert_string_equal(og_http__param(&m, "user"), "alice");
    assert_null(og_http__param(&m, "id"));
}

static void test_router__parameters_match_exactly_one_nonempty_segment(void **state)
{
    (void)state;
    og_http_match m;
    assert_int_equal(og_http__route(table, N, "GET", "/api/v1/tenants//users/x", &m),
                     OG_HTTP_NO_ROUTE);
    assert_int_equal(og_http__route(table, N, "GET", "/api/v1/tenants/a/b", &m), OG_HTTP_NO_ROUTE);
    assert_int_equal(og_http__route(table, N, "GET", "/api/v1/tenants/acme/", &m),
                     OG_HTTP_NO_ROUTE);
    assert_int_equal(og_http__route(table, N, "GET", "/api/v1/tenants/", &m), OG_HTTP_NO_ROUTE);
    assert_int_equal(og_http__route(table, N, "GET", "/healthz/", &m), OG_HTTP_NO_ROUTE);
    assert_int_equal(og_http__route(table, N, "GET", "/healthzz", &m), OG_HTTP_NO_ROUTE);
    assert_int_equal(og_http__route(table, N, "GET", "/api/v1", &m), OG_HTTP_NO_ROUTE);
    assert_int_equal(og_http__route(table, N, "GET", "", &m), OG_HTTP_NO_ROUTE);
    assert_int_equal(og_http__route(table, N, "GET", "healthz", &m), OG_HTTP_NO_ROUTE);
    assert_int_equal(og_http__route(table, N, "GET", NULL, &m), OG_HTTP_NO_ROUTE);
}

static void test_router__refuses_oversized_segments_and_paths(void **state)
{
    (void)state;
    og_http_match m;
    char path[OG_HTTP_PATH_MAX + 64];
    strcpy(path, "/api/v1/tenants/");
    size_t n = strlen(path);
    memset(path + n, 'a', OG_HTTP_PARAM_MAX);
    path[n + OG_HTTP_PARAM_MAX] = '\0';
    assert_int_equal(og_http__route(table, N, "GET", path, &m), OG_HTTP_NO_ROUTE);
    path[n + OG_HTTP_PARAM_MAX - 1] = '\0';
    assert_int_equal(og_http__route(table, N, "GET", path, &m), OG_HTTP_FOUND);
    assert_int_equal(strlen(og_http__param(&m, "tenant")), OG_HTTP_PARAM_MAX - 1);
}

static void test_router__known_path_with_wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    og_http_match m;
    assert_int_equal(og_http__route(table, N, "PUT", "/api/v1/tenants", &m), OG_HTTP_NO_METHOD);
    assert_null(m.route);
    assert_string_equal(m.allow, "POST, GET, HEAD");
    assert_int_equal(og_http__route(table, N, "POST", "/api/v1/tenants/acme", &m),
                     OG_HTTP_NO_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, DELETE");
    assert_int_equal(og_http__route(table, N, "GET", "/api/v1/tokens/123", &m), OG_HTTP_NO_METHOD);
    assert_string_equal(m.allow, "DELETE");
}

static void test_router__unknown_path_is_404_whatever_the_method(void **state)
{
    (void)state;
    og_http_match m;
    assert_int_equal(og_http__route(table, N, "GET", "/api/v1/nope", &m), OG_HTTP_NO_ROUTE);
    assert_int_equal(og_http__route(table, N, "DELETE", "/api/v2/tenants", &m), OG_HTTP_NO_ROUTE);
    assert_string_equal(m.allow, "");
}

static void test_router__head_is_served_by_get_routes(void **state)
{
    (void)state;
    og_http_match m;
    assert_int_equal(og_http__route(table, N, "HEAD", "/healthz", &m), OG_HTTP_FOUND);
    assert_ptr_equal(m.route, &table[0]);
    assert_int_equal(og_http__route(table, N, "HEAD", "/api/v1/tokens/1", &m), OG_HTTP_NO_METHOD);
}

static void test_router__methods_are_case_sensitive(void **state)
{
    (void)state;
    og_http_match m;
    assert_int_equal(og_http__route(table, N, "get", "/healthz", &m), OG_HTTP_NO_METHOD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router__matches_literal_paths),
        cmocka_unit_test(test_router__captures_named_parameters),
        cmocka_unit_test(test_router__parameters_match_exactly_one_nonempty_segment),
        cmocka_unit_test(test_router__refuses_oversized_segments_and_paths),
        cmocka_unit_test(test_router__known_path_with_wrong_method_is_405_with_allow),
        cmocka_unit_test(test_router__unknown_path_is_404_whatever_the_method),
        cmocka_unit_test(test_router__head_is_served_by_get_routes),
        cmocka_unit_test(test_router__methods_are_case_sensitive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
