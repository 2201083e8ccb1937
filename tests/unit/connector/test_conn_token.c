/* test_conn_token.c - the one OAuth token helper of every connector (http.c: og_conn_form_add,
 * og_conn_token_fetch, og_conn_bearer_auth, og_conn_token_reset): the form as sent for a client
 * credentials grant with a secret or a client assertion (Microsoft Graph's shape) and for a
 * password grant with a Basic client header (Datto RMM's), the token cached until a little
 * before expires_in, token_type checked, a 401 fetching one new token, a refused grant quoting
 * the vendor's OAuth error with no secret in the message, and the token URL held to the base
 * URL's host or the vendor's own token origin. A scripted HTTP server on 127.0.0.1 answers. */
#include "og_test.h"
#include "connector/connector_internal.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REQ 16

/* Answers the scripted answers in turn (the last one again when they run out) and keeps each
 * request's text (head and body). */
typedef struct server {
    int fd, port;
    const char *answers[MAX_REQ];
    int nanswers;
    char req[MAX_REQ][8192];
    int nreq; /* atomic */
    pthread_t th;
} server;

static void read_request(int fd, char *buf, size_t size)
{
    size_t got = 0;
    ssize_t r;
    buf[0] = '\0';
    while (got < size - 1 && (r = read(fd, buf + got, size - 1 - got)) > 0) {
        got += (size_t)r;
        buf[got] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        const char *cl = strcasestr(buf, "\r\nContent-Length:");
        size_t want = cl && cl < end ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
        if (got >= (size_t)(end + 4 - buf) + want)
            break;
    }
}

static void *serve(void *arg)
{
    server *s = arg;
    for (;;) {
        int fd = accept(s->fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        int n = __atomic_load_n(&s->nreq, __ATOMIC_SEQ_CST);
        char tmp[8192];
        read_request(fd, n < MAX_REQ ? s->req[n] : tmp, sizeof(tmp));
        const char *body = s->answers[n < s->nanswers ? n : s->nanswers - 1];
        const char *status = body[0] == '!' ? body + 1 : "200 OK";
        if (body[0] == '!')
            body = strchr(body, '|') + 1;
        char head[256];
        int hl = snprintf(head, sizeof(head),
                          "HTTP/1.1 %.*s\r\nContent-Type: application/json\r\nContent-Length: "
                          "%zu\r\nConnection: close\r\n\r\n",
                          (int)strcspn(status, "|"), status, strlen(body));
        __atomic_add_fetch(&s->nreq, 1, __ATOMIC_SEQ_CST);
        ssize_t w = write(fd, head, (size_t)hl);
        w = write(fd, body, strlen(body));
        (void)w;
        close(fd);
    }
}

/* answers: "json" for a 200, "!401 Unauthorized|json" for another status. */
static void server_start(server *s, const char *const *answers)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    memset(s, 0, sizeof(*s));
    for (; answers[s->nanswers]; s->nanswers++)
        s->answers[s->nanswers] = answers[s->nanswers];
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 16), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void server_stop(server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->th, NULL);
}

static int requests(server *s)
{
    return __atomic_load_n(&s->nreq, __ATOMIC_SEQ_CST);
}

/* ---- a test vendor: NinjaOne's table with a Graph-like client-credentials auth ---- */

static og_conn_vendor vendor;
static char token_url[256];
static int with_assertion;

static int fetch(og_conn *c)
{
    og_buf form = {0};
    og_buf_init(&form, 8192);
    int error = og_conn_form_add(&form, "grant_type", "client_credentials");
    if (!error)
        error = og_conn_form_add(&form, "client_id", "app-1");
    if (!error)
        error = og_conn_form_add(&form, "scope", "https://graph.microsoft.com/.default");
    if (!error && with_assertion)
        error = og_conn_form_add(&form, "client_assertion_type",
                                 "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    if (!error)
        error = og_conn_form_add(&form, with_assertion ? "client_assertion" : "client_secret",
                                 og_conn_cred(c, "client_secret"));
    if (!error)
        error = og_conn_token_fetch(c, token_url, &form, NULL);
    og_buf_free(&form);
    return error;
}

static int test_auth(og_conn *c, og_conn_headers *h)
{
    return og_conn_bearer_auth(c, h, fetch);
}

static og_conn *open_local(int port, const char *secret)
{
    og_conn *c = NULL;
    char base[128];
    json_t *creds = json_pack("{s:s}", "client_secret", secret);
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/v1.0", port);
    snprintf(token_url, sizeof(token_url), "http://127.0.0.1:%d/tid-1/oauth2/v2.0/token", port);
    vendor = og_conn_ninjaone;
    vendor.auth = test_auth;
    vendor.auth_reset = og_conn_token_reset;
    vendor.token_origin = NULL;
    OG_ASSERT_OK(og_conn_open(&c, "ninjaone", base, creds, NULL));
    c->vendor = &vendor;
    c->allow_connect = NULL; /* loopback */
    c->backoff_base_ms = 1;
    snprintf(c->name, sizeof(c->name), "graph-acme");
    json_decref(creds);
    return c;
}

static const char *body_of(const char *req)
{
    const char *b = strstr(req, "\r\n\r\n");
    return b ? b + 4 : "";
}

static void test_conn_token__client_credentials_form_cached_until_expiry(void **state)
{
    (void)state;
    static const char *const answers[] = {
        "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"tok-A\"}",
        "{\"value\":[]}",
        "{\"value\":[]}",
        "{\"token_type\":\"Bearer\",\"expires_in\":\"3599\",\"access_token\":\"tok-B\"}",
        "{\"value\":[]}",
        NULL};
    server s;
    json_t *j = NULL;
    server_start(&s, answers);
    with_assertion = 0;
    og_conn *c = open_local(s.port, "s3cr3t+/=&value");
    OG_ASSERT_OK(og_conn_get_json(c, "/organization", &j, NULL));
    json_decref(j);
    OG_ASSERT_OK(og_conn_get_json(c, "/applications", &j, NULL)); /* the token is reused */
    json_decref(j);
    assert_int_equal(requests(&s), 3);
    assert_non_null(strstr(s.req[0], "POST /tid-1/oauth2/v2.0/token HTTP/1.1"));
    assert_non_null(strcasestr(s.req[0], "Content-Type: application/x-www-form-urlencoded"));
    assert_string_equal(body_of(s.req[0]),
                        "grant_type=client_credentials&client_id=app-1&scope=https%3A%2F%2F"
                        "graph.microsoft.com%2F.default&client_secret=s3cr3t%2B%2F%3D%26value");
    assert_null(strcasestr(s.req[0], "Authorization:"));
    assert_non_null(strstr(s.req[1], "GET /v1.0/organization"));
    assert_non_null(strstr(s.req[1], "Authorization: Bearer tok-A\r\n"));
    assert_non_null(strstr(s.req[2], "Authorization: Bearer tok-A\r\n"));
    /* kept until a minute before expires_in */
    int64_t left = c->bearer_expires_us - og_time_now_us();
    assert_true(left > 3500LL * 1000000 && left <= 3539LL * 1000000);
    /* expired: a new token first (expires_in as a digit string is understood too) */
    c->bearer_expires_us = og_time_now_us() - 1;
    OG_ASSERT_OK(og_conn_get_json(c, "/applications", &j, NULL));
    json_decref(j);
    assert_int_equal(requests(&s), 5);
    assert_non_null(strstr(s.req[3], "POST /tid-1/oauth2/v2.0/token"));
    assert_non_null(strstr(s.req[4], "Authorization: Bearer tok-B\r\n"));
    left = c->bearer_expires_us - og_time_now_us();
    assert_true(left > 3500LL * 1000000);
    og_conn_free(c);
    server_stop(&s);
}

static void test_conn_token__a_401_fetches_one_new_token(void **state)
{
    (void)state;
    static const char *const answers[] = {
        "{\"token_type\":\"bearer\",\"access_token\":\"old\"}",
        "!401 Unauthorized|{\"error\":{\"code\":\"InvalidAuthenticationToken\"}}",
        "{\"token_type\":\"Bearer\",\"access_token\":\"new\",\"expires_in\":60}", "{\"id\":\"x\"}",
        NULL};
    server s;
    json_t *j = NULL;
    server_start(&s, answers);
    with_assertion = 0;
    og_conn *c = open_local(s.port, "secret-value-1");
    OG_ASSERT_OK(og_conn_get_json(c, "/organization", &j, NULL));
    json_decref(j);
    assert_int_equal(requests(&s), 4);
    assert_non_null(strstr(s.req[1], "Authorization: Bearer old\r\n"));
    assert_non_null(strstr(s.req[2], "POST /tid-1/oauth2/v2.0/token"));
    assert_non_null(strstr(s.req[3], "Authorization: Bearer new\r\n"));
    /* expires_in 60: renewed 6 s early */
    int64_t left = c->bearer_expires_us - og_time_now_us();
    assert_true(left > 50LL * 1000000 && left <= 54LL * 1000000);
    og_conn_free(c);
    server_stop(&s);
}

/* Graph's certificate credential: a client_assertion in place of the secret. The vendor's
 * refusal is quoted (error and error_description) and names the connector; neither the
 * assertion nor a secret the vendor echoes back appears in the message. */
static void test_conn_token__refused_grant_quotes_the_vendor_never_the_secret(void **state)
{
    (void)state;
    static const char *const answers[] = {
        "!401 Unauthorized|{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215:"
        " Invalid client secret provided: 'eyJhbGciOi.MARKER-PAYLOAD.sig' for app 'app-1'.\","
        "\"error_codes\":[7000215]}",
        NULL};
    server s;
    json_t *j = NULL;
    server_start(&s, answers);
    with_assertion = 1;
    og_conn *c = open_local(s.port, "eyJhbGciOi.MARKER-PAYLOAD.sig");
    assert_int_equal(og_conn_get_json(c, "/organization", &j, NULL), OG_EAUTH);
    const char *m = og_error_last();
    assert_non_null(strstr(m, "connector graph-acme (ninjaone)"));
    assert_non_null(strstr(m, "POST /tid-1/oauth2/v2.0/token"));
    assert_non_null(strstr(m, "invalid_client"));
    assert_non_null(strstr(m, "AADSTS7000215: Invalid client secret provided"));
    assert_non_null(strstr(m, "for app 'app-1'")); /* the client id is no secret */
    assert_null(strstr(m, "MARKER"));
    assert_int_equal(requests(&s), 1); /* a refused grant is not retried */
    assert_non_null(strstr(body_of(s.req[0]),
                           "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-"
                           "assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOi.MARKER-"
                           "PAYLOAD.sig"));
    assert_null(strstr(body_of(s.req[0]), "client_secret"));
    assert_int_equal(c->bearer[0], '\0');
    og_conn_free(c);
    server_stop(&s);
}

static void test_conn_token__answers_without_a_bearer_token_are_refused(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"token_type\":\"Bearer\",\"expires_in\":3600}", "no usable access_token"},
        {"{\"access_token\":\"\"}", "no usable access_token"},
        {"{\"access_token\":\"a\\r\\nX-Evil: 1\"}", "no usable access_token"},
        {"{\"access_token\":\"t\",\"token_type\":\"mac\"}", "token_type is \"mac\", not Bearer"},
        {"not json", "not JSON"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *answers[] = {cases[i][0], NULL};
        server s;
        json_t *j = NULL;
        server_start(&s, answers);
        og_conn *c = open_local(s.port, "secret-value-1");
        assert_true(og_conn_get_json(c, "/organization", &j, NULL) < 0);
        if (!strstr(og_error_last(), cases[i][1]))
            fail_msg("case %zu: %s", i, og_error_last());
        assert_non_null(strstr(og_error_last(), "graph-acme"));
        assert_int_equal(requests(&s), 1); /* only the token request: nothing sent without */
        assert_int_equal(c->bearer[0], '\0');
        og_conn_free(c);
        server_stop(&s);
    }
}

/* The token URL is the base URL's host or the vendor's own token origin (Graph:
 * login.microsoftonline.com, another host than graph.microsoft.com); anything else is not
 * contacted. Datto's password grant sends its Basic client header. */
static void test_conn_token__token_url_on_the_base_host_or_the_vendors_token_origin(void **state)
{
    (void)state;
    static const char *const ok[] = {"{\"access_token\":\"t1\"}", NULL};
    server api, login;
    char url[200], origin[100];
    og_buf form = {0};
    server_start(&api, ok);
    server_start(&login, ok);
    og_conn *c = open_local(api.port, "pw-secret-42");
    og_buf_init(&form, 4096);
    OG_ASSERT_OK(og_conn_form_add(&form, "grant_type", "password"));
    OG_ASSERT_OK(og_conn_form_add(&form, "username", "key-secret-43"));
    OG_ASSERT_OK(og_conn_form_add(&form, "password", "pw-secret-42"));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/auth/oauth/token", login.port);
    assert_int_equal(og_conn_token_fetch(c, url, &form, NULL), OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "not sent"));
    assert_int_equal(requests(&login), 0);
    assert_int_equal(og_conn_token_fetch(c, "ftp://127.0.0.1/token", &form, NULL), OG_EINVAL);
    /* the vendor's declared token origin is allowed */
    snprintf(origin, sizeof(origin), "http://127.0.0.1:%d", login.port);
    vendor.token_origin = origin;
    OG_ASSERT_OK(
        og_conn_token_fetch(c, url, &form, "Authorization: Basic cHVibGljLWNsaWVudDpwdWJsaWM="));
    assert_int_equal(requests(&login), 1);
    assert_string_equal(c->bearer, "t1");
    assert_non_null(
        strstr(login.req[0], "\r\nAuthorization: Basic cHVibGljLWNsaWVudDpwdWJsaWM=\r\n"));
    assert_string_equal(body_of(login.req[0]),
                        "grant_type=password&username=key-secret-43&password=pw-secret-42");
    og_conn_token_reset(c);
    assert_int_equal(c->bearer[0], '\0');
    assert_int_equal(c->bearer_expires_us, 0);
    /* the API's page links still may not leave the base URL's host */
    json_t *j = NULL;
    assert_int_equal(og_conn_get_json(c, url, &j, NULL), OG_EDENIED);
    assert_int_equal(requests(&login), 1);
    og_buf_free(&form);
    og_conn_free(c);
    server_stop(&api);
    server_stop(&login);
}

/* The vendors' own fetches go through the helper: Halo's and Datto's forms as they send them. */
static void test_conn_token__halo_and_datto_use_the_helper(void **state)
{
    (void)state;
    static const char *const answers[] = {
        "{\"access_token\":\"halo-tok\",\"token_type\":\"Bearer\",\"expires_in\":3600}",
        "{\"record_count\":3,\"clients\":[]}", NULL};
    static const char *const refused[] = {
        "!400 Bad Request|{\"error\":\"invalid_grant\",\"error_description\":\"Bad "
        "credentials for key-secret-43\"}",
        NULL};
    server s, d;
    char base[128];
    json_t *out = NULL;
    og_conn *c = NULL;
    server_start(&s, answers);
    json_t *creds = json_pack("{s:s, s:s}", "client_id", "halo-app", "client_secret", "h-secret");
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/api", s.port);
    OG_ASSERT_OK(og_conn_open(&c, "halopsa", base, creds, NULL));
    c->allow_connect = NULL;
    assert_ptr_equal(c->vendor->auth_reset, og_conn_token_reset);
    OG_ASSERT_OK(c->vendor->test(c, &out));
    assert_non_null(strstr(s.req[0], "POST /auth/token HTTP/1.1"));
    assert_string_equal(body_of(s.req[0]), "grant_type=client_credentials&client_id=halo-app&"
                                           "client_secret=h-secret&scope=all");
    assert_non_null(strstr(s.req[1], "Authorization: Bearer halo-tok\r\n"));
    json_decref(out);
    json_decref(creds);
    og_conn_free(c);
    server_stop(&s);

    server_start(&d, refused);
    creds = json_pack("{s:s, s:s}", "api_key", "key-secret-43", "api_secret", "pw-secret-42");
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/api", d.port);
    OG_ASSERT_OK(og_conn_open(&c, "dattormm", base, creds, NULL));
    c->allow_connect = NULL;
    assert_ptr_equal(c->vendor->auth_reset, og_conn_token_reset);
    out = NULL;
    assert_int_equal(c->vendor->test(c, &out), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "connector dattormm (dattormm)"));
    assert_non_null(strstr(og_error_last(), "invalid_grant: \"Bad credentials for "));
    assert_null(strstr(og_error_last(), "key-secret-43")); /* the API key is sealed: blanked */
    assert_non_null(strstr(d.req[0], "POST /auth/oauth/token HTTP/1.1"));
    assert_non_null(strstr(d.req[0], "\r\nAuthorization: Basic cHVibGljLWNsaWVudDpwdWJsaWM=\r\n"));
    assert_string_equal(body_of(d.req[0]),
                        "grant_type=password&username=key-secret-43&password=pw-secret-42");
    json_decref(out);
    json_decref(creds);
    og_conn_free(c);
    server_stop(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conn_token__client_credentials_form_cached_until_expiry),
        cmocka_unit_test(test_conn_token__a_401_fetches_one_new_token),
        cmocka_unit_test(test_conn_token__refused_grant_quotes_the_vendor_never_the_secret),
        cmocka_unit_test(test_conn_token__answers_without_a_bearer_token_are_refused),
        cmocka_unit_test(test_conn_token__token_url_on_the_base_host_or_the_vendors_token_origin),
        cmocka_unit_test(test_conn_token__halo_and_datto_use_the_helper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
