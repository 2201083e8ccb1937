/* test_vendor_rmm.c - the RMM adaptors' parts that need no server: their kinds and credential
 * fields, the vendors' error shapes (and a quoted message cut between characters), and the checks
 * on the names and addresses a device record gives. The calls to NinjaOne and Datto RMM are
 * tested against Prism and the simulators (tests/integration/test_connector_ninjaone.sh,
 * test_connector_dattormm.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "connector/vendor_rmm.h"
#include "og_test.h"
#include "opsgate/error.h"

static void test_rmm__kinds_and_sealed_fields(void **state)
{
    (void)state;
    const og_conn_vendor *n = og_conn_vendor_find("ninjaone"), *d = og_conn_vendor_find("dattormm");
    assert_non_null(n);
    assert_non_null(d);
    assert_string_equal(n->category, "rmm");
    assert_string_equal(d->category, "rmm");
    assert_string_equal(n->default_base_url, "https://app.ninjarmm.com");
    assert_null(d->default_base_url);
    assert_non_null(n->devices);
    assert_non_null(d->devices);
    assert_null(n->projects);
    assert_null(d->attach);
    for (const og_conn_field *f = n->fields; f->name; f++)
        assert_int_equal(f->secret, strcmp(f->name, "client_secret") == 0);
    for (const og_conn_field *f = d->fields; f->name; f++)
        assert_true(f->secret && f->required); /* api_key and api_secret both sealed */
}

static void quote(const char *text, char *out, size_t size)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    og_buf b = {.data = (char *)text, .len = strlen(text)};
    og_rmm_error_message(400, &b, j, out, size);
    json_decref(j);
}

static void test_rmm__quotes_the_vendors_error_shapes(void **state)
{
    (void)state;
    char out[400];
    quote("{\"error\":\"invalid_grant\",\"error_description\":\"Bad credentials\"}", out,
          sizeof(out));
    assert_string_equal(out, "Bad credentials");
    quote("{\"resultCode\":\"FAILURE\",\"errorMessage\":\"Device not found\",\"incidentId\":\"x\"}",
          out, sizeof(out));
    assert_string_equal(out, "Device not found");
    quote("{\"status\":403,\"error\":\"Forbidden\",\"message\":\"Access denied\"}", out,
          sizeof(out));
    assert_string_equal(out, "Access denied");
    quote("{\"error\":\"invalid_client\",\"error_description\":\"\"}", out, sizeof(out));
    assert_string_equal(out, "invalid_client");
    og_buf b = {.data = (char *)"Bad\nGateway", .len = 11};
    og_rmm_error_message(502, &b, NULL, out, sizeof(out));
    assert_string_equal(out, "Bad Gateway");
    /* 299 ASCII bytes and then "é": the two-byte character does not fit and is left out whole */
    char msg[400];
    memset(msg, 'a', 299);
    strcpy(msg + 299, "\xc3\xa9 and more");
    b = (og_buf){.data = msg, .len = strlen(msg)};
    og_rmm_error_message(500, &b, NULL, out, sizeof(out));
    assert_int_equal(strlen(out), 299);
}

static void test_rmm__names_and_addresses(void **state)
{
    (void)state;
    assert_true(og_rmm_name_ok("host-01.corp.example"));
    assert_true(og_rmm_name_ok("HOST_01"));
    assert_false(og_rmm_name_ok(""));
    assert_false(og_rmm_name_ok(NULL));
    assert_false(og_rmm_name_ok("x;reboot"));
    assert_false(og_rmm_name_ok("evil host"));
    assert_false(og_rmm_name_ok("a/../b"));
    char longname[300];
    memset(longname, 'a', 254);
    longname[254] = '\0';
    assert_false(og_rmm_name_ok(longname));
    const char *a[3];
    size_t n = 0;
    n = og_rmm_addr_add(a, n, 3, "10.0.0.1");
    n = og_rmm_addr_add(a, n, 3, "10.0.0.1"); /* a duplicate */
    n = og_rmm_addr_add(a, n, 3, "not-an-ip");
    n = og_rmm_addr_add(a, n, 3, "10.0.0.1/24");
    n = og_rmm_addr_add(a, n, 3, NULL);
    n = og_rmm_addr_add(a, n, 3, "fe80::1");
    n = og_rmm_addr_add(a, n, 3, "203.0.113.9");
    n = og_rmm_addr_add(a, n, 3, "203.0.113.10"); /* over the cap */
    assert_int_equal(n, 3);
    assert_string_equal(a[0], "10.0.0.1");
    assert_string_equal(a[1], "fe80::1");
    assert_string_equal(a[2], "203.0.113.9");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rmm__kinds_and_sealed_fields),
        cmocka_unit_test(test_rmm__quotes_the_vendors_error_shapes),
        cmocka_unit_test(test_rmm__names_and_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
