/* test_vendor_halopsa.c - the HaloPSA adaptor's parts that need no server: its credential
 * fields, Halo's error shapes, and webhook authentication (Basic, Bearer, a custom header) with
 * the project the payload names. The calls to Halo are tested against Prism and the simulator
 * (tests/integration/test_connector_halopsa.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "connector/connector_internal.h"
#include "og_test.h"
#include "opsgate/connector.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#define HOOK_SECRET "hook-SECRET-9d1f"

static og_conn *open_halo(const char *options_json)
{
    og_conn *c = NULL;
    json_t *creds = json_pack("{s:s, s:s, s:s}", "client_id", "og", "client_secret", "cs-SECRET",
                              "webhook_secret", HOOK_SECRET);
    json_t *opts = json_loads(options_json ? options_json : "{}", 0, NULL);
    OG_ASSERT_OK(og_conn_open(&c, "halopsa", "https://acme.halopsa.com/api", creds, opts));
    json_decref(creds);
    json_decref(opts);
    return c;
}

/* Run the webhook with one header line and a body; the project id into id. */
static int hook(og_conn *c, const char *header, const char *body, char *id, size_t size)
{
    const char *headers[] = {"Content-Type: application/json", header, NULL};
    og_conn_webhook w = {headers, body, strlen(body)};
    int error = c->vendor->webhook(c, &w, id, size);
    if (error < 0)
        assert_null(strstr(og_error_last(), HOOK_SECRET));
    return error;
}

static void test_halopsa__fields_seal_the_secrets(void **state)
{
    (void)state;
    const og_conn_vendor *v = og_conn_vendor_find("halopsa");
    assert_non_null(v);
    int seen = 0;
    for (const og_conn_field *f = v->fields; f->name; f++) {
        if (strcmp(f->name, "client_secret") == 0 || strcmp(f->name, "webhook_secret") == 0) {
            assert_true(f->secret);
            seen++;
        }
        if (strcmp(f->name, "client_id") == 0) {
            assert_true(f->required);
            assert_false(f->secret);
            seen++;
        }
    }
    assert_int_equal(seen, 3);
    assert_non_null(v->auth);
    assert_non_null(v->auth_reset);
    assert_non_null(v->projects);
    assert_non_null(v->attach);
    assert_non_null(v->webhook);
}

static void expect_message(const char *body, const char *want)
{
    char out[400];
    og_buf b = {0};
    og_buf_init(&b, 1 << 20);
    og_buf_puts(&b, body);
    json_t *j = json_loads(body, 0, NULL); /* as the HTTP path parses an error answer */
    og_conn_halopsa.error_message(400, &b, j, out, sizeof(out));
    assert_string_equal(out, want);
    json_decref(j);
    og_buf_free(&b);
}

static void test_halopsa__quotes_halos_error_shapes(void **state)
{
    (void)state;
    expect_message("{\"error\":\"invalid_client\",\"error_description\":\"Bad client\"}",
                   "Bad client");
    expect_message("{\"Message\":\"Authorization has been denied\"}",
                   "Authorization has been denied");
    expect_message("{\"title\":\"One or more validation errors occurred.\",\"status\":400}",
                   "One or more validation errors occurred.");
    expect_message("\"Ticket not found\"", "Ticket not found");
    expect_message("Client not found\r\nat line 2", "Client not found  at line 2");
    char big[2000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char out[400];
    og_buf b = {0};
    og_buf_init(&b, 1 << 20);
    og_buf_puts(&b, big);
    og_conn_halopsa.error_message(500, &b, NULL, out, sizeof(out));
    assert_int_equal(strlen(out), 300); /* quoted, not dumped */
    og_buf_free(&b);
}

static void test_halopsa__webhook_takes_basic_bearer_or_the_value(void **state)
{
    (void)state;
    og_conn *c = open_halo(NULL);
    char id[64];
    /* base64("halo:hook-SECRET-9d1f") */
    char *b64 = og_base64_encode((const uint8_t *)"halo:" HOOK_SECRET, strlen("halo:" HOOK_SECRET));
    char basic[200];
    snprintf(basic, sizeof(basic), "Authorization: Basic %s", b64);
    free(b64);
    OG_ASSERT_OK(hook(c, basic, "{\"ticket\":{\"id\":812,\"parent_id\":77}}", id, sizeof(id)));
    assert_string_equal(id, "77"); /* a task names its project */
    OG_ASSERT_OK(hook(c, "authorization: Bearer " HOOK_SECRET, "{\"id\":812}", id, sizeof(id)));
    assert_string_equal(id, "812");
    OG_ASSERT_OK(hook(c, "Authorization: " HOOK_SECRET, "{\"ticket_id\":\"9\"}", id, sizeof(id)));
    assert_string_equal(id, "9");
    OG_ASSERT_OK(hook(c, "Authorization: " HOOK_SECRET,
                      "{\"project_id\":5,\"ticket\":{\"id\":6,\"parent_id\":7}}", id, sizeof(id)));
    assert_string_equal(id, "5");
    OG_ASSERT_OK(hook(c, "Authorization: " HOOK_SECRET, "{\"event\":\"ping\"}", id, sizeof(id)));
    assert_string_equal(id, "");
    OG_ASSERT_OK(hook(c, "Authorization: " HOOK_SECRET, "{\"id\":\"a1b2-guid\"}", id, sizeof(id)));
    assert_string_equal(id, ""); /* not a Halo record number */
    og_conn_free(c);
}

static void test_halopsa__webhook_refuses_what_does_not_authenticate(void **state)
{
    (void)state;
    og_conn *c = open_halo(NULL);
    char id[64] = "x";
    const char *body = "{\"id\":1}";
    assert_int_equal(hook(c, "Authorization: Bearer hook-SECRET-9d1", body, id, sizeof(id)),
                     OG_EAUTH); /* a prefix of the secret */
    assert_string_equal(id, "");
    assert_int_equal(hook(c, "Authorization: Bearer " HOOK_SECRET "x", body, id, sizeof(id)),
                     OG_EAUTH);
    assert_int_equal(hook(c, "Authorization: Basic aGFsbzpub3Bl", body, id, sizeof(id)),
                     OG_EAUTH); /* halo:nope */
    assert_int_equal(hook(c, "Authorization: Basic %%%", body, id, sizeof(id)), OG_EAUTH);
    assert_int_equal(hook(c, "X-Other: " HOOK_SECRET, body, id, sizeof(id)), OG_EAUTH);
    assert_int_equal(hook(c, "Authorization: Bearer " HOOK_SECRET, "{\"id\": ", id, sizeof(id)),
                     OG_EINVAL); /* authenticated, but not JSON */
    og_conn_free(c);
    /* a custom header instead of Authorization */
    c = open_halo("{\"webhook_header\": \"X-Halo-Secret\"}");
    OG_ASSERT_OK(hook(c, "x-halo-secret: " HOOK_SECRET, body, id, sizeof(id)));
    assert_string_equal(id, "1");
    assert_int_equal(hook(c, "Authorization: Bearer " HOOK_SECRET, body, id, sizeof(id)), OG_EAUTH);
    og_conn_free(c);
    /* no secret configured: every webhook is refused */
    og_conn *n = NULL;
    json_t *creds = json_pack("{s:s, s:s}", "client_id", "og", "client_secret", "x");
    OG_ASSERT_OK(og_conn_open(&n, "halopsa", "https://acme.halopsa.com/api", creds, NULL));
    const char *headers[] = {"Authorization: Bearer ", NULL};
    og_conn_webhook w = {headers, body, strlen(body)};
    assert_int_equal(n->vendor->webhook(n, &w, id, sizeof(id)), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "no webhook_secret"));
    og_conn_free(n);
    json_decref(creds);
}

/* auth_url must be on the base URL's host: refused when the connector is added or its
 * credentials replaced, and at connect time (a row stored before), naming both hosts. */
static void test_halopsa__auth_url_must_be_on_the_base_urls_host(void **state)
{
    (void)state;
    og_test_env env;
    og_test_env_setup(&env);
    OG_ASSERT_OK(og_tenant_create(&env.ctx, "acme", NULL));
    json_t *bad = json_pack("{s:s, s:s, s:s}", "client_id", "og", "client_secret", "cs-SECRET",
                            "auth_url", "https://evil.example/auth");
    json_t *good = json_pack("{s:s, s:s, s:s}", "client_id", "og", "client_secret", "cs-SECRET",
                             "auth_url", "https://acme.halopsa.com/auth/");
    og_connector_spec spec = {.tenant = "acme",
                              .name = "halo",
                              .kind = "halopsa",
                              .base_url = "https://acme.halopsa.com/api",
                              .credentials = bad};
    assert_int_equal(og_connector_add(&env.ctx, &spec, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "evil.example"));
    assert_non_null(strstr(og_error_last(), "acme.halopsa.com"));
    assert_null(strstr(og_error_last(), "cs-SECRET"));
    json_t *list = NULL;
    OG_ASSERT_OK(og_connector_list(&env.ctx, "acme", &list));
    assert_int_equal(json_array_size(list), 0); /* nothing stored */
    json_decref(list);
    spec.credentials = good;
    OG_ASSERT_OK(og_connector_add(&env.ctx, &spec, NULL));
    /* replacing the credentials, or moving the base URL away from the auth server */
    spec.credentials = bad;
    assert_int_equal(og_connector_update(&env.ctx, &spec, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "evil.example"));
    spec.credentials = good;
    spec.base_url = "https://other.halopsa.com/api";
    assert_int_equal(og_connector_update(&env.ctx, &spec, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "other.halopsa.com"));
    spec.base_url = "http://acme.halopsa.com/api"; /* same host, another scheme: not the same */
    assert_int_equal(og_connector_update(&env.ctx, &spec, NULL), OG_EINVAL);
    json_decref(bad);
    json_decref(good);
    og_test_env_teardown(&env);
    /* at connect time: a token request never leaves for another host */
    og_conn *c = NULL;
    og_conn_headers h = {0};
    json_t *creds = json_pack("{s:s, s:s, s:s}", "client_id", "og", "client_secret", "cs-SECRET",
                              "auth_url", "https://evil.example/auth");
    OG_ASSERT_OK(og_conn_open(&c, "halopsa", "https://acme.halopsa.com/api", creds, NULL));
    assert_true(c->vendor->auth(c, &h) < 0);
    assert_non_null(strstr(og_error_last(), "evil.example"));
    assert_non_null(strstr(og_error_last(), "acme.halopsa.com"));
    assert_int_equal(c->requests, 0);
    og_conn_headers_clear(&h);
    og_conn_free(c);
    json_decref(creds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_halopsa__fields_seal_the_secrets),
        cmocka_unit_test(test_halopsa__quotes_halos_error_shapes),
        cmocka_unit_test(test_halopsa__webhook_takes_basic_bearer_or_the_value),
        cmocka_unit_test(test_halopsa__webhook_refuses_what_does_not_authenticate),
        cmocka_unit_test(test_halopsa__auth_url_must_be_on_the_base_urls_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
