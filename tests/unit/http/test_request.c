/* test_request.c - request body and field validation: every refusal names what was wrong. */
#include "og_test.h"
#include "http/server.h"
#include "opsgate/error.h"

#include <string.h>

static const char *const name_role[] = {"name", "role", NULL};

static int parse(const char *body, int empty_ok, json_t **out)
{
    og_http_req r;
    memset(&r, 0, sizeof(r));
    og_buf_init(&r.body, 1024);
    if (body && og_buf_puts(&r.body, body) < 0)
        return -1;
    int rc = og_http__body_object(&r, empty_ok, name_role, out);
    og_buf_free(&r.body);
    return rc;
}

static void assert_error_mentions(const char *needle)
{
    if (!strstr(og_error_last(), needle))
        fail_msg("error '%s' does not mention '%s'", og_error_last(), needle);
}

static void test_request__parses_an_object_with_known_fields(void **state)
{
    (void)state;
    json_t *o = NULL;
    const char *v;
    OG_ASSERT_OK(parse("{\"name\":\"acme\",\"role\":\"engineer\"}", 0, &o));
    OG_ASSERT_OK(og_http__field_str(o, "name", 1, &v));
    assert_string_equal(v, "acme");
    json_decref(o);
}

static void test_request__malformed_json_names_line_and_column(void **state)
{
    (void)state;
    json_t *o = NULL;
    assert_int_equal(parse("{\n  \"name\": ,\n}", 0, &o), OG_EINVAL);
    assert_null(o);
    assert_error_mentions("malformed JSON at line 2, column");
}

static void test_request__refuses_unknown_and_duplicate_fields(void **state)
{
    (void)state;
    json_t *o = NULL;
    assert_int_equal(parse("{\"name\":\"a\",\"colour\":1}", 0, &o), OG_EINVAL);
    assert_error_mentions("'colour'");
    assert_int_equal(parse("{\"name\":\"a\",\"name\":\"b\"}", 0, &o), OG_EINVAL);
    assert_error_mentions("name");
}

static void test_request__refuses_non_objects(void **state)
{
    (void)state;
    json_t *o = NULL;
    assert_int_equal(parse("[]", 0, &o), OG_EINVAL);
    assert_error_mentions("JSON object");
    assert_int_equal(parse("\"x\"", 0, &o), OG_EINVAL);
    assert_int_equal(parse("null", 0, &o), OG_EINVAL);
}

static void test_request__empty_body_only_where_allowed(void **state)
{
    (void)state;
    json_t *o = NULL;
    assert_int_equal(parse("", 0, &o), OG_EINVAL);
    assert_int_equal(parse(" \r\n", 0, &o), OG_EINVAL);
    OG_ASSERT_OK(parse("", 1, &o));
    assert_true(json_is_object(o));
    assert_int_equal(json_object_size(o), 0);
    json_decref(o);
}

static void test_request__string_fields_check_presence_and_type(void **state)
{
    (void)state;
    json_t *o = json_pack("{s:i,s:n,s:s}", "role", 5, "ttl", "name", "x");
    const char *v = "unset";
    assert_int_equal(og_http__field_str(o, "role", 1, &v), OG_EINVAL);
    assert_error_mentions("'role' must be a string");
    assert_int_equal(og_http__field_str(o, "missing", 1, &v), OG_EINVAL);
    assert_error_mentions("missing field 'missing'");
    OG_ASSERT_OK(og_http__field_str(o, "missing", 0, &v));
    assert_null(v);
    OG_ASSERT_OK(og_http__field_str(o, "ttl", 0, &v)); /* null counts as absent */
    assert_null(v);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request__parses_an_object_with_known_fields),
        cmocka_unit_test(test_request__malformed_json_names_line_and_column),
        cmocka_unit_test(test_request__refuses_unknown_and_duplicate_fields),
        cmocka_unit_test(test_request__refuses_non_objects),
        cmocka_unit_test(test_request__empty_body_only_where_allowed),
        cmocka_unit_test(test_request__string_fields_check_presence_and_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
