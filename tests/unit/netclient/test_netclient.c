/* test_netclient.c - opsgate's one HTTP/SMTP client (libcurl's only user): a bounded body, the
 * headers handed over, the caller's connect-time check refusing an address before any socket,
 * schemes outside the allowed ones, URL parts. A one-shot HTTP server on 127.0.0.1 answers. */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/netclient.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct server {
    int fd, port, accepted;
    const char *answer;
    pthread_t th;
} server;

static void *serve_one(void *arg)
{
    server *s = arg;
    int c = accept(s->fd, NULL, NULL);
    char buf[4096];
    if (c < 0)
        return NULL;
    s->accepted = 1;
    (void)!read(c, buf, sizeof(buf)); /* the request (small, one read is enough here) */
    (void)!write(c, s->answer, strlen(s->answer));
    close(c);
    return NULL;
}

static void server_start(server *s, const char *answer)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    memset(s, 0, sizeof(*s));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 4), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    s->answer = answer;
    assert_int_equal(pthread_create(&s->th, NULL, serve_one, s), 0);
}

static void server_stop(server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->th, NULL);
}

static void on_header(void *arg, const char *name, size_t nlen, const char *v, size_t vlen)
{
    char *nonce = arg;
    if (nlen == 12 && strncasecmp(name, "Replay-Nonce", 12) == 0)
        snprintf(nonce, 64, "%.*s", (int)vlen, v);
}

static int refuse_all(void *arg, const void *sa, size_t len)
{
    int *asked = arg;
    (void)sa;
    (void)len;
    (*asked)++;
    return og_error_set(OG_EDENIED, "address refused by the test");
}

static void test_netclient__body_headers_and_retry_after(void **state)
{
    server s;
    char url[64], nonce[64] = "";
    og_netclient_resp r;
    og_netclient *c = NULL;
    (void)state;
    server_start(&s, "HTTP/1.1 503 Busy\r\nReplay-Nonce:  abc123 \r\nRetry-After: 7\r\n"
                     "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", s.port);
    og_netclient_req req = {
        .url = url, .body_cap = 1024, .on_header = on_header, .header_arg = nonce};
    OG_ASSERT_OK(og_netclient_new(&c));
    OG_ASSERT_OK(og_netclient_do(c, &req, &r));
    assert_int_equal(r.status, 503);
    assert_int_equal(r.retry_after_s, 7);
    assert_string_equal(r.body.data, "hello");
    assert_string_equal(nonce, "abc123");
    og_netclient_resp_clear(&r);
    og_netclient_free(c);
    server_stop(&s);
}

static void test_netclient__a_body_over_the_cap_is_refused(void **state)
{
    server s;
    char url[64];
    og_netclient_resp r;
    (void)state;
    server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\n"
                     "01234567890123456789");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s.port);
    og_netclient_req req = {.url = url, .body_cap = 10};
    assert_int_equal(og_netclient_do(NULL, &req, &r), OG_ETOOBIG);
    assert_non_null(strstr(r.error, "too large"));
    og_netclient_resp_clear(&r);
    server_stop(&s);
}

static void test_netclient__the_connect_check_refuses_before_any_socket(void **state)
{
    server s;
    char url[64];
    int asked = 0;
    og_netclient_resp r;
    (void)state;
    server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s.port);
    og_netclient_req req = {
        .url = url, .allow_connect = refuse_all, .allow_arg = &asked, .no_proxy = 1};
    assert_int_equal(og_netclient_do(NULL, &req, &r), OG_EDENIED);
    assert_true(asked >= 1);
    assert_true(r.refused);
    assert_string_equal(r.error, "address refused by the test");
    og_netclient_resp_clear(&r);
    server_stop(&s);
    assert_false(s.accepted); /* no connection reached the server */
}

static void test_netclient__schemes_and_url_parts(void **state)
{
    og_netclient_resp r;
    char scheme[16], host[64];
    (void)state;
    og_netclient_req req = {.url = "file:///etc/passwd", .body_cap = 1024};
    assert_int_equal(og_netclient_do(NULL, &req, &r), OG_EINVAL);
    og_netclient_resp_clear(&r);
    OG_ASSERT_OK(og_netclient_url_parts("https://user:pw@example.com:8443/p?q", scheme,
                                        sizeof(scheme), host, sizeof(host)));
    assert_string_equal(scheme, "https");
    assert_string_equal(host, "example.com");
    assert_int_equal(
        og_netclient_url_parts("not a url", scheme, sizeof(scheme), host, sizeof(host)), OG_EINVAL);
    assert_int_equal(og_netclient_url_parts("https://a-rather-long-host.example/", scheme,
                                            sizeof(scheme), host, 8),
                     OG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netclient__body_headers_and_retry_after),
        cmocka_unit_test(test_netclient__a_body_over_the_cap_is_refused),
        cmocka_unit_test(test_netclient__the_connect_check_refuses_before_any_socket),
        cmocka_unit_test(test_netclient__schemes_and_url_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
