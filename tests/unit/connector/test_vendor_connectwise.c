/* test_vendor_connectwise.c - the ConnectWise adaptor without a server: its authentication
 * headers, how it quotes ConnectWise's errors, record ids, and callbacks (signature, the project
 * they name, key_url refused off the base URL's host before any request). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connector/connector_internal.h"
#include "connector/vendor_connectwise.h"
#include "og_test.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#define BASE "https://cw.example.com/v4_6_release/apis/3.0"
#define PRIV "PRIVMARKER-unit"
#define HOOK "HOOKMARKER-unit"

static og_conn *open_cw(int with_secret, const char *options)
{
    og_conn *c = NULL;
    json_t *creds = json_pack("{s:s, s:s, s:s, s:s}", "company_id", "acme", "public_key", "pub",
                              "private_key", PRIV, "client_id", "guid-1");
    json_t *opts = options ? json_loads(options, 0, NULL) : NULL;
    if (with_secret)
        json_object_set_new(creds, "webhook_secret", json_string(HOOK));
    OG_ASSERT_OK(og_conn_open(&c, "connectwise", BASE, creds, opts));
    json_decref(creds);
    json_decref(opts);
    return c;
}

static void test_vendor_connectwise__auth_sends_basic_client_id_and_version(void **state)
{
    (void)state;
    og_conn *c = open_cw(0, "{\"api_version\": \"2024.1\"}");
    og_conn_headers h = {0};
    char *want = og_base64_encode((const uint8_t *)"acme+pub:" PRIV, strlen("acme+pub:" PRIV));
    char line[256];
    snprintf(line, sizeof(line), "Authorization: Basic %s", want);
    OG_ASSERT_OK(c->vendor->auth(c, &h));
    assert_int_equal(h.n, 3);
    assert_string_equal(h.line[0], line);
    assert_string_equal(h.line[1], "clientId: guid-1");
    assert_string_equal(h.line[2], "Accept: application/vnd.connectwise.com+json; version=2024.1");
    og_conn_headers_clear(&h);
    free(want);
    og_conn_free(c);
    /* a version that is not digits and dots is not copied into a header */
    c = open_cw(0, "{\"api_version\": \"1\\r\\nX: y\"}");
    OG_ASSERT_OK(c->vendor->auth(c, &h));
    assert_string_equal(h.line[2], "Accept: application/vnd.connectwise.com+json; version=2025.1");
    og_conn_headers_clear(&h);
    og_conn_free(c);
}

static void test_vendor_connectwise__missing_credentials_name_no_value(void **state)
{
    (void)state;
    og_conn *c = NULL;
    og_conn_headers h = {0};
    json_t *creds = json_pack("{s:s, s:s}", "company_id", "acme", "private_key", PRIV);
    OG_ASSERT_OK(og_conn_open(&c, "connectwise", BASE, creds, NULL));
    assert_int_equal(c->vendor->auth(c, &h), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "public_key"));
    assert_null(strstr(og_error_last(), PRIV));
    assert_int_equal(h.n, 0);
    json_decref(creds);
    og_conn_free(c);
    /* a ':' in the user name would move the split between user and password */
    creds = json_pack("{s:s, s:s, s:s, s:s}", "company_id", "acme", "public_key", "pu:b",
                      "private_key", PRIV, "client_id", "guid-1");
    OG_ASSERT_OK(og_conn_open(&c, "connectwise", BASE, creds, NULL));
    assert_int_equal(c->vendor->auth(c, &h), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "must not hold ':'"));
    assert_int_equal(h.n, 0);
    json_decref(creds);
    og_conn_free(c);
}

static void test_vendor_connectwise__quotes_the_vendors_error(void **state)
{
    (void)state;
    char out[256];
    og_conn *c = open_cw(0, NULL);
    json_t *j = json_loads("{\"code\":\"InvalidObject\",\"message\":\"project object is invalid\","
                           "\"errors\":[{\"code\":\"Required\",\"message\":\"Phase is required\","
                           "\"resource\":\"ticket\",\"field\":\"phase\"}]}",
                           0, NULL);
    c->vendor->error_message(400, NULL, j, out, sizeof(out));
    assert_string_equal(out, "project object is invalid (phase: Phase is required)");
    json_decref(j);
    j = json_loads("{\"code\":\"Unauthorized\",\"message\":\"bad keys\"}", 0, NULL);
    c->vendor->error_message(401, NULL, j, out, sizeof(out));
    assert_string_equal(out, "bad keys");
    json_decref(j);
    og_buf b;
    og_buf_init(&b, 1024);
    og_buf_puts(&b, "Service\r\nUnavailable");
    c->vendor->error_message(503, &b, NULL, out, sizeof(out));
    assert_string_equal(out, "Service  Unavailable");
    og_buf_free(&b);
    og_conn_free(c);
}

static void test_vendor_connectwise__record_ids_are_int32(void **state)
{
    (void)state;
    assert_true(og_conn__cw_id_ok("42"));
    assert_true(og_conn__cw_id_ok("-2147483648"));
    assert_true(og_conn__cw_id_ok("2147483647"));
    assert_false(og_conn__cw_id_ok("2147483648"));
    assert_false(og_conn__cw_id_ok(""));
    assert_false(og_conn__cw_id_ok("-"));
    assert_false(og_conn__cw_id_ok("12a"));
    assert_false(og_conn__cw_id_ok("1/../2"));
    assert_false(og_conn__cw_id_ok(NULL));
}

/* Run the callback with body signed by key; project id into out. */
static int callback(og_conn *c, const char *body, const char *key, char *out, size_t size)
{
    uint8_t mac[32];
    char line[128];
    og_crypto_hmac_sha256(key, strlen(key), body, strlen(body), mac);
    char *b64 = og_base64_encode(mac, sizeof(mac));
    snprintf(line, sizeof(line), "X-Content-Signature: %s", b64);
    const char *headers[] = {"Content-Type: application/json", line, NULL};
    og_conn_webhook w = {headers, body, strlen(body)};
    int error = c->vendor->webhook(c, &w, out, size);
    free(b64);
    return error;
}

static void test_vendor_connectwise__callback_names_the_project(void **state)
{
    (void)state;
    char id[32];
    og_conn *c = open_cw(1, NULL);
    OG_ASSERT_OK(
        callback(c, "{\"MessageId\":\"n1\",\"Type\":\"project\",\"ID\":77,\"Action\":\"updated\"}",
                 HOOK, id, sizeof(id)));
    assert_string_equal(id, "77");
    OG_ASSERT_OK(
        callback(c,
                 "{\"MessageId\":\"n2\",\"Type\":\"ticket\",\"ID\":5,\"Entity\":\"{\\\"id\\\":5,"
                 "\\\"project\\\":{\\\"id\\\":12}}\"}",
                 HOOK, id, sizeof(id)));
    assert_string_equal(id, "12");
    OG_ASSERT_OK(callback(
        c, "{\"MessageId\":\"n3\",\"Type\":\"ProjectTicket\",\"Entity\":{\"project\":{\"id\":13}}}",
        HOOK, id, sizeof(id)));
    assert_string_equal(id, "13");
    /* a service ticket, a company: authenticated, no project */
    OG_ASSERT_OK(callback(
        c, "{\"MessageId\":\"n4\",\"Type\":\"ticket\",\"ID\":6,\"Entity\":\"{\\\"id\\\":6}\"}",
        HOOK, id, sizeof(id)));
    assert_string_equal(id, "");
    OG_ASSERT_OK(
        callback(c, "{\"MessageId\":\"n5\",\"Type\":\"company\",\"ID\":6}", HOOK, id, sizeof(id)));
    assert_string_equal(id, "");
    /* an id that is not an int32 names nothing */
    OG_ASSERT_OK(callback(c, "{\"MessageId\":\"n6\",\"Type\":\"project\",\"ID\":\"../x\"}", HOOK,
                          id, sizeof(id)));
    assert_string_equal(id, "");
    assert_int_equal(c->requests, 0);
    og_conn_free(c);
}

static void test_vendor_connectwise__callback_refuses_bad_signatures(void **state)
{
    (void)state;
    char id[32] = "x";
    og_conn *c = open_cw(1, NULL);
    assert_int_equal(callback(c, "{\"Type\":\"project\",\"ID\":77}", "other key", id, sizeof(id)),
                     OG_EAUTH);
    assert_null(strstr(og_error_last(), HOOK));
    assert_string_equal(id, "");
    const char *none[] = {"Content-Type: application/json", NULL};
    og_conn_webhook w = {none, "{}", 2};
    assert_int_equal(c->vendor->webhook(c, &w, id, sizeof(id)), OG_EAUTH);
    assert_int_equal(callback(c, "[1]", HOOK, id, sizeof(id)), OG_EAUTH);
    og_conn_free(c);
}

/* A delivery is accepted once: the same MessageId again (a replay, signature and all) is
 * refused, as is a callback without one; another connector's delivery of that id is its own. */
static void test_vendor_connectwise__callback_replays_are_refused(void **state)
{
    (void)state;
    char id[32];
    og_conn *c = open_cw(1, NULL);
    const char *body = "{\"MessageId\":\"r-1\",\"Type\":\"project\",\"ID\":31}";
    OG_ASSERT_OK(callback(c, body, HOOK, id, sizeof(id)));
    assert_string_equal(id, "31");
    strcpy(id, "x");
    assert_int_equal(callback(c, body, HOOK, id, sizeof(id)), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "a replay, refused"));
    assert_string_equal(id, "");
    assert_int_equal(callback(c, "{\"Type\":\"project\",\"ID\":31}", HOOK, id, sizeof(id)),
                     OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "without a MessageId"));
    assert_int_equal(
        callback(c, "{\"MessageId\":\"\",\"Type\":\"project\",\"ID\":31}", HOOK, id, sizeof(id)),
        OG_EAUTH);
    /* a forged replay does not even reach the replay check, nor mark anything */
    assert_int_equal(callback(c, "{\"MessageId\":\"r-2\",\"Type\":\"project\",\"ID\":31}",
                              "other key", id, sizeof(id)),
                     OG_EAUTH);
    OG_ASSERT_OK(callback(c, "{\"MessageId\":\"r-2\",\"Type\":\"project\",\"ID\":31}", HOOK, id,
                          sizeof(id)));
    og_strlcpy(c->id, "another-connector", sizeof(c->id));
    OG_ASSERT_OK(callback(c, body, HOOK, id, sizeof(id)));
    assert_string_equal(id, "31");
    og_conn_free(c);
}

static void test_vendor_connectwise__key_url_off_the_base_host_is_not_fetched(void **state)
{
    (void)state;
    char id[32];
    og_conn *c = open_cw(0, NULL);
    static const char *const bodies[] = {
        "{\"Type\":\"project\",\"ID\":1,\"Metadata\":{\"key_url\":\"https://evil.example.com/k\"}}",
        "{\"Type\":\"project\",\"ID\":1,\"Metadata\":{\"key_url\":\"https://cw.example.com@evil."
        "example.com/k\"}}",
        "{\"Type\":\"project\",\"ID\":1,\"Metadata\":{\"key_url\":\"https://cw.example.com.evil."
        "example.com/k\"}}",
        "{\"Type\":\"project\",\"ID\":1,\"Metadata\":{\"key_url\":\"http://cw.example.com/k\"}}",
        "{\"Type\":\"project\",\"ID\":1,\"Metadata\":{\"key_url\":\"https://cw.example.com:8443/"
        "k\"}}",
        "{\"Type\":\"project\",\"ID\":1}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        assert_int_equal(callback(c, bodies[i], "k", id, sizeof(id)), OG_EAUTH);
        assert_non_null(strstr(og_error_last(), "not fetched"));
    }
    assert_int_equal(c->requests, 0);
    og_conn_free(c);
}

/* ---- a key server on loopback: answers every request with a signing key, counts them ---- */
typedef struct key_server {
    int fd;
    int port;
    int requests;
    pthread_t thread;
} key_server;

static void *key_serve(void *arg)
{
    key_server *ks = arg;
    static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 "Content-Length: 26\r\nConnection: close\r\n\r\n"
                                 "{\"signing_key\":\"cw-key-1\"}";
    for (;;) {
        int fd = accept(ks->fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        char buf[4096];
        size_t got = 0;
        ssize_t r;
        while (got < sizeof(buf) - 1 && (r = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0) {
            got += (size_t)r;
            buf[got] = '\0';
            if (strstr(buf, "\r\n\r\n"))
                break;
        }
        __atomic_add_fetch(&ks->requests, 1, __ATOMIC_SEQ_CST);
        ssize_t w = write(fd, answer, sizeof(answer) - 1); /* a client gone is no matter */
        (void)w;
        close(fd);
    }
}

static void key_server_start(key_server *ks)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    memset(ks, 0, sizeof(*ks));
    ks->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(ks->fd >= 0);
    assert_int_equal(bind(ks->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(ks->fd, 16), 0);
    assert_int_equal(getsockname(ks->fd, (struct sockaddr *)&a, &len), 0);
    ks->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&ks->thread, NULL, key_serve, ks), 0);
}

static void key_server_stop(key_server *ks)
{
    shutdown(ks->fd, SHUT_RDWR);
    close(ks->fd);
    pthread_join(ks->thread, NULL);
}

static og_conn *open_local(int port)
{
    og_conn *c = NULL;
    char base[128];
    json_t *creds = json_pack("{s:s, s:s, s:s, s:s}", "company_id", "acme", "public_key", "pub",
                              "private_key", PRIV, "client_id", "guid-1");
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/v4_6_release/apis/3.0", port);
    OG_ASSERT_OK(og_conn_open(&c, "connectwise", base, creds, NULL));
    c->allow_connect = NULL; /* loopback */
    json_decref(creds);
    return c;
}

static void test_vendor_connectwise__callback_key_is_cached_and_fetches_are_bounded(void **state)
{
    (void)state;
    key_server ks;
    char id[32], body[512];
    key_server_start(&ks);
    /* two callbacks, each with its own run-time connector (as webhooks load them): one fetch */
    for (int i = 0; i < 2; i++) {
        og_conn *c = open_local(ks.port);
        snprintf(body, sizeof(body),
                 "{\"MessageId\":\"k%d\",\"Type\":\"project\",\"ID\":%d,\"Metadata\":"
                 "{\"key_url\":\"http://127.0.0.1:%d/keys/a\"}}",
                 i, 40 + i, ks.port);
        OG_ASSERT_OK(callback(c, body, "cw-key-1", id, sizeof(id)));
        assert_int_equal(atoi(id), 40 + i);
        og_conn_free(c);
    }
    assert_int_equal(__atomic_load_n(&ks.requests, __ATOMIC_SEQ_CST), 1);
    /* a wrong signature against a fresh key: refused without another fetch */
    og_conn *c = open_local(ks.port);
    snprintf(body, sizeof(body),
             "{\"Type\":\"project\",\"ID\":1,\"Metadata\":{\"key_url\":"
             "\"http://127.0.0.1:%d/keys/a\"}}",
             ks.port);
    assert_int_equal(callback(c, body, "forged", id, sizeof(id)), OG_EAUTH);
    assert_int_equal(__atomic_load_n(&ks.requests, __ATOMIC_SEQ_CST), 1);
    /* forged callbacks naming ever new key URLs: at most 10 fetches a minute (1 done) */
    for (int i = 0; i < 15; i++) {
        snprintf(body, sizeof(body),
                 "{\"Type\":\"project\",\"ID\":1,\"Metadata\":{\"key_url\":"
                 "\"http://127.0.0.1:%d/keys/x%d\"}}",
                 ks.port, i);
        assert_int_equal(callback(c, body, "forged", id, sizeof(id)), OG_EAUTH);
    }
    assert_int_equal(__atomic_load_n(&ks.requests, __ATOMIC_SEQ_CST), 10);
    assert_non_null(strstr(og_error_last(), "key fetches in a minute"));
    og_conn_free(c);
    key_server_stop(&ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vendor_connectwise__auth_sends_basic_client_id_and_version),
        cmocka_unit_test(test_vendor_connectwise__missing_credentials_name_no_value),
        cmocka_unit_test(test_vendor_connectwise__quotes_the_vendors_error),
        cmocka_unit_test(test_vendor_connectwise__record_ids_are_int32),
        cmocka_unit_test(test_vendor_connectwise__callback_names_the_project),
        cmocka_unit_test(test_vendor_connectwise__callback_refuses_bad_signatures),
        cmocka_unit_test(test_vendor_connectwise__callback_replays_are_refused),
        cmocka_unit_test(test_vendor_connectwise__key_url_off_the_base_host_is_not_fetched),
        cmocka_unit_test(test_vendor_connectwise__callback_key_is_cached_and_fetches_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
