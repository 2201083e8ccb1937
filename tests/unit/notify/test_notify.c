/* test_notify.c - channel targets sealed at rest and shown redacted (also rows from before schema
 * step 2), and the egress policy: platform-admin only, refusing special addresses at add time
 * and at connect time. */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/notify.h"
#include "opsgate/tenant.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SECRET "a-webhook-secret-of-some-length"
#define SLACK  "https://hooks.slack.com/services/T000/B000/XXXXtoken"

typedef struct fixture {
    og_test_env env;
    og_tenant acme;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->acme));
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "acme", "aud", OG_ROLE_AUDITOR, NULL));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

static og_ctx as_user(fixture *f, const char *user)
{
    og_ctx c = f->env.ctx;
    OG_ASSERT_OK(og_actor_become(&c, "acme", user));
    return c;
}

/* The stored target column and whether target_sealed is set. */
static void stored(fixture *f, const char *id, char *target, size_t size, int *sealed)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "SELECT target, target_sealed IS NOT NULL FROM notify_channels"
                                 " WHERE id = ?"));
    og_stmt_bind_text(st, 1, id);
    assert_int_equal(og_stmt_step(st), OG_ROW);
    og_strlcpy(target, og_stmt_col_text(st, 0), size);
    *sealed = (int)og_stmt_col_int(st, 1);
    og_stmt_free(st);
}

static const char *listed_target(og_ctx *ctx, const char *id, json_t **keep)
{
    json_t *arr = NULL, *x;
    size_t i;
    OG_ASSERT_OK(og_notify_channel_list(ctx, "acme", &arr));
    *keep = arr;
    json_array_foreach(arr, i,
                       x) if (og_streq(json_string_value(json_object_get(x, "id")),
                                       id)) return json_string_value(json_object_get(x, "target"));
    fail_msg("channel %s not listed", id);
    return NULL;
}

static void test_notify__webhook_url_is_sealed_and_listed_redacted(void **state)
{
    fixture *f = *state;
    og_ctx ada = as_user(f, "ada"), aud = as_user(f, "aud");
    char id[OG_ID_LEN], target[1024];
    int sealed = 0;
    json_t *arr = NULL;
    OG_ASSERT_OK(og_notify_channel_add(&ada, "acme", "webhook", SLACK, SECRET, strlen(SECRET), NULL,
                                       NULL, id));
    stored(f, id, target, sizeof(target), &sealed);
    assert_string_equal(target, "https://hooks.slack.com/\xe2\x80\xa6");
    assert_true(sealed);
    assert_string_equal(listed_target(&aud, id, &arr), "https://hooks.slack.com/\xe2\x80\xa6");
    char *text = json_dumps(arr, 0);
    assert_null(strstr(text, "XXXXtoken"));
    free(text);
    json_decref(arr);
}

static void test_notify__rows_from_before_step_2_are_sealed_on_first_use(void **state)
{
    fixture *f = *state;
    og_ctx aud = as_user(f, "aud");
    og_stmt *st = NULL;
    char target[1024];
    int sealed = 1;
    json_t *arr = NULL;
    const char *legacy = "00000000-0000-4000-8000-000000000001";
    const char *other = "00000000-0000-4000-8000-000000000002";
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "globex", NULL));
    for (int i = 0; i < 2; i++) {
        OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                     "INSERT INTO notify_channels (id, tenant_id, type, target,"
                                     " config, secret, created_at, created_by) VALUES (?, (SELECT"
                                     " id FROM tenants WHERE name = ?), 'webhook', ?, '{}', NULL,"
                                     " '2026-01-01T00:00:00Z', 'local:root')"));
        og_stmt_bind_text(st, 1, i ? other : legacy);
        og_stmt_bind_text(st, 2, i ? "globex" : "acme");
        og_stmt_bind_text(st, 3, "https://user:pw@hooks.example.com/T1/B1/legacytoken");
        assert_int_equal(og_stmt_step(st), OG_DONE);
        og_stmt_free(st);
    }
    /* A read by an auditor of acme seals acme's rows (and only those: it knows no other key). */
    assert_string_equal(listed_target(&aud, legacy, &arr),
                        "https://hooks.example.com/\xe2\x80\xa6");
    json_decref(arr);
    stored(f, legacy, target, sizeof(target), &sealed);
    assert_string_equal(target, "https://hooks.example.com/\xe2\x80\xa6");
    assert_true(sealed);
    stored(f, other, target, sizeof(target), &sealed);
    assert_false(sealed);
    /* Start-up sealing covers every tenant. */
    assert_int_equal(og_notify_seal_legacy(&f->env.ctx), 1);
    stored(f, other, target, sizeof(target), &sealed);
    assert_true(sealed);
    assert_null(strstr(target, "legacytoken"));
    assert_int_equal(og_notify_seal_legacy(&f->env.ctx), 0);
}

static void test_notify__egress_ranges_are_platform_admin_work_and_audited(void **state)
{
    fixture *f = *state;
    og_ctx ada = as_user(f, "ada");
    json_t *list = NULL, *audit = NULL;
    int64_t next = 0;
    assert_int_equal(og_egress_allow_add(&ada, "127.0.0.0/8", NULL), OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "platform-admin"));
    assert_int_equal(og_egress_allow_list(&ada, &list), OG_EDENIED);
    assert_int_equal(og_egress_allow_add(&f->env.ctx, "10.0.0.1/8", NULL), OG_EINVAL);
    OG_ASSERT_OK(og_egress_allow_add(&f->env.ctx, "::ffff:127.0.0.0/104", "receivers"));
    assert_int_equal(og_egress_allow_add(&f->env.ctx, "127.0.0.0/8", NULL), OG_EEXISTS);
    OG_ASSERT_OK(og_egress_allow_list(&f->env.ctx, &list));
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "range")),
                        "127.0.0.0/8");
    json_decref(list);
    assert_int_equal(og_egress_allow_remove(&ada, "127.0.0.0/8"), OG_EDENIED);
    OG_ASSERT_OK(og_egress_allow_remove(&f->env.ctx, "127.0.0.0/8"));
    assert_int_equal(og_egress_allow_remove(&f->env.ctx, "127.0.0.0/8"), OG_ENOTFOUND);
    OG_ASSERT_OK(og_audit_list(&f->env.ctx, NULL, 0, 1000, NULL, NULL, &audit, &next));
    char *text = json_dumps(audit, 0);
    assert_non_null(strstr(text, "notify.egress.allow"));
    assert_non_null(strstr(text, "notify.egress.remove"));
    free(text);
    json_decref(audit);
}

static void test_notify__special_addresses_are_refused_at_add_and_at_connect(void **state)
{
    fixture *f = *state;
    og_ctx ada = as_user(f, "ada");
    char id[OG_ID_LEN];
    json_t *report = NULL;
    assert_int_equal(og_notify_channel_add(&ada, "acme", "webhook", "http://127.0.0.1:1/x", SECRET,
                                           strlen(SECRET), NULL, NULL, id),
                     OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "127.0.0.0/8"));
    assert_int_equal(og_notify_channel_add(&ada, "acme", "webhook", "http://[::ffff:a9fe:a9fe]/",
                                           SECRET, strlen(SECRET), NULL, NULL, id),
                     OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "169.254.0.0/16"));
    /* A name is accepted at add, and refused when its address is known: before connecting. */
    OG_ASSERT_OK(og_notify_channel_add(&ada, "acme", "webhook", "http://localhost:1/secretpath",
                                       SECRET, strlen(SECRET), NULL, NULL, id));
    assert_int_equal(og_notify_test(&ada, "acme", id, &report), OG_EDENIED);
    const char *e = json_string_value(json_object_get(json_array_get(report, 0), "error"));
    assert_non_null(e);
    assert_non_null(strstr(e, "loopback"));
    assert_null(strstr(e, "secretpath"));
    json_decref(report);
    /* Allowed, the same channel gets as far as connecting (nothing listens on port 1). */
    OG_ASSERT_OK(og_egress_allow_add(&f->env.ctx, "127.0.0.0/8", NULL));
    OG_ASSERT_OK(og_egress_allow_add(&f->env.ctx, "::1", NULL));
    assert_int_equal(og_notify_test(&ada, "acme", id, &report), OG_ERROR);
    e = json_string_value(json_object_get(json_array_get(report, 0), "error"));
    assert_non_null(e);
    assert_null(strstr(e, "loopback"));
    json_decref(report);
}

/* A one-shot HTTP server on loopback that answers a redirect to the cloud metadata address. */
static void *redirect_once(void *arg)
{
    int lfd = *(int *)arg, fd;
    char buf[4096];
    static const char reply[] = "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/\r\n"
                                "Content-Length: 0\r\nConnection: close\r\n\r\n";
    if ((fd = accept(lfd, NULL, NULL)) >= 0) {
        (void)!read(fd, buf, sizeof(buf));
        (void)!write(fd, reply, sizeof(reply) - 1);
        close(fd);
    }
    return NULL;
}

static void test_notify__redirects_are_not_followed(void **state)
{
    fixture *f = *state;
    og_ctx ada = as_user(f, "ada");
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    pthread_t th;
    char id[OG_ID_LEN], url[64];
    json_t *report = NULL;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(lfd, 1), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
    assert_int_equal(pthread_create(&th, NULL, redirect_once, &lfd), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", ntohs(a.sin_port));
    OG_ASSERT_OK(og_egress_allow_add(&f->env.ctx, "127.0.0.0/8", NULL));
    OG_ASSERT_OK(og_notify_channel_add(&ada, "acme", "webhook", url, SECRET, strlen(SECRET), NULL,
                                       NULL, id));
    assert_int_equal(og_notify_test(&ada, "acme", id, &report), OG_ERROR);
    const char *e = json_string_value(json_object_get(json_array_get(report, 0), "error"));
    assert_non_null(e);
    assert_non_null(strstr(e, "HTTP 302"));
    assert_non_null(strstr(e, "redirects are not followed"));
    json_decref(report);
    pthread_join(th, NULL);
    close(lfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_notify__webhook_url_is_sealed_and_listed_redacted,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_notify__rows_from_before_step_2_are_sealed_on_first_use, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_notify__egress_ranges_are_platform_admin_work_and_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_notify__special_addresses_are_refused_at_add_and_at_connect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify__redirects_are_not_followed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
