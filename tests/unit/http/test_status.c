/* test_status.c - the og_errcode -> HTTP status mapping and the JSON error body. */
#include "og_test.h"
#include "http/router.h"
#include "opsgate/error.h"

#include <jansson.h>
#include <stdlib.h>

static void test_status__maps_every_named_code(void **state)
{
    (void)state;
    assert_int_equal(og_http__status_for(OG_OK), 200);
    assert_int_equal(og_http__status_for(OG_EPENDING), 202);
    assert_int_equal(og_http__status_for(OG_EINVAL), 400);
    assert_int_equal(og_http__status_for(OG_EAUTH), 401);
    assert_int_equal(og_http__status_for(OG_EDENIED), 403);
    assert_int_equal(og_http__status_for(OG_ENOTFOUND), 404);
    assert_int_equal(og_http__status_for(OG_EEXISTS), 409);
    assert_int_equal(og_http__status_for(OG_ECONFLICT), 409);
    assert_int_equal(og_http__status_for(OG_ETOOBIG), 413);
    assert_int_equal(og_http__status_for(OG_EBUSY), 503);
    assert_int_equal(og_http__status_for(OG_ELOCKED), 423);
}

static void test_status__internal_failures_are_500(void **state)
{
    (void)state;
    assert_int_equal(og_http__status_for(OG_ERROR), 500);
    assert_int_equal(og_http__status_for(OG_ECORRUPT), 500);
    assert_int_equal(og_http__status_for(OG_ESCHEMA), 500);
    assert_int_equal(og_http__status_for(-999), 500);
}

static void test_status__error_body_has_code_and_message(void **state)
{
    (void)state;
    char *s = og_http__error_body("invalid", "field 'name' must be a string");
    assert_non_null(s);
    json_error_t jerr;
    json_t *doc = json_loads(s, 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "error"), "code")),
                        "invalid");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "error"), "message")),
        "field 'name' must be a string");
    assert_int_equal(json_object_size(doc), 1);
    json_decref(doc);
    free(s);
}

static void test_status__error_body_survives_invalid_utf8(void **state)
{
    (void)state;
    char *s = og_http__error_body("invalid", "bad name '\xff\xfe'");
    assert_non_null(s);
    json_t *doc = json_loads(s, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "error"), "code")),
                        "invalid");
    json_decref(doc);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status__maps_every_named_code),
        cmocka_unit_test(test_status__internal_failures_are_500),
        cmocka_unit_test(test_status__error_body_has_code_and_message),
        cmocka_unit_test(test_status__error_body_survives_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
