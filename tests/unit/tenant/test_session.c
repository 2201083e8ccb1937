/* test_session.c - console sessions: sign-in with a token, cookie resolution to the token's actor,
 * CSRF tokens, expiry, revocation and their audit records, on a real data folder. */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    og_test_env *env = *state;
    og_test_env_teardown(env);
    free(env);
    return 0;
}

static void make_token(og_test_env *env, const char *user, char token[OG_TOKEN_MAX],
                       char id[OG_ID_LEN])
{
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", user, OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_token_create(&env->ctx, "acme", user, 0, token, id));
}

/* How many audit records with action the chain holds (tenant_id NULL = platform). */
static size_t audit_count(og_test_env *env, const char *tenant_id, const char *action)
{
    json_t *list = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(og_audit_list(&env->ctx, tenant_id, 0, 1000, action, NULL, &list, &next));
    size_t n = json_array_size(list);
    json_decref(list);
    return n;
}

static void test_session__resolves_to_the_tokens_actor_with_a_stable_csrf_token(void **state)
{
    og_test_env *env = *state;
    char token[OG_TOKEN_MAX], id[OG_ID_LEN], cookie[OG_SESSION_COOKIE_MAX];
    og_session s, again;
    og_actor direct;
    make_token(env, "eve", token, id);
    OG_ASSERT_OK(og_tenant_session_create(&env->ctx, token, 0, 0, "127.0.0.1", cookie, &s));
    OG_ASSERT_OK(og_token_authenticate(env->store, token, &direct));
    /* The cookie holds neither the token nor anything derived from it in clear. */
    assert_null(strstr(cookie, token + 40));
    OG_ASSERT_OK(og_tenant_session_resolve(&env->ctx, cookie, &again));
    assert_string_equal(again.actor.user_id, direct.user_id);
    assert_string_equal(again.actor.tenant_id, direct.tenant_id);
    assert_string_equal(again.actor.token_id, id);
    assert_int_equal(again.actor.role, OG_ROLE_ENGINEER);
    assert_string_equal(again.csrf, s.csrf);
    assert_true(strlen(s.csrf) >= 40);
    assert_int_equal(audit_count(env, direct.tenant_id, "session.create"), 1);
}

static void test_session__wrong_secret_and_malformed_cookies_are_refused(void **state)
{
    og_test_env *env = *state;
    char token[OG_TOKEN_MAX], id[OG_ID_LEN], cookie[OG_SESSION_COOKIE_MAX];
    og_session s;
    make_token(env, "eve", token, id);
    OG_ASSERT_OK(og_tenant_session_create(&env->ctx, token, 0, 0, "-", cookie, &s));
    cookie[40] = cookie[40] == 'A' ? 'B' : 'A';
    assert_int_equal(og_tenant_session_resolve(&env->ctx, cookie, &s), OG_EAUTH);
    assert_int_equal(og_tenant_session_resolve(&env->ctx, "x", &s), OG_EAUTH);
    assert_int_equal(og_tenant_session_resolve(&env->ctx, "", &s), OG_EAUTH);
    assert_int_equal(og_tenant_session_resolve(&env->ctx, NULL, &s), OG_EAUTH);
}

static void test_session__a_bad_token_is_refused_and_audited_without_its_secret(void **state)
{
    og_test_env *env = *state;
    char token[OG_TOKEN_MAX], id[OG_ID_LEN], cookie[OG_SESSION_COOKIE_MAX];
    og_session s;
    make_token(env, "eve", token, id);
    OG_ASSERT_OK(og_token_revoke(&env->ctx, id));
    assert_int_equal(og_tenant_session_create(&env->ctx, token, 0, 0, "10.0.0.1", cookie, &s),
                     OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "revoked"));
    assert_int_equal(
        og_tenant_session_create(&env->ctx, "og_nonsense", 0, 0, "10.0.0.1", cookie, &s), OG_EAUTH);
    assert_int_equal(audit_count(env, NULL, "session.refused"), 2);
    json_t *list = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(og_audit_list(&env->ctx, NULL, 0, 1000, "session.refused", NULL, &list, &next));
    char *dump = json_dumps(list, 0);
    assert_null(strstr(dump, token + 40)); /* the secret part */
    assert_non_null(strstr(dump, id));     /* the token's id part names it */
    free(dump);
    json_decref(list);
}

static void test_session__revoking_the_token_or_disabling_the_user_ends_it(void **state)
{
    og_test_env *env = *state;
    char token[OG_TOKEN_MAX], id[OG_ID_LEN], cookie[OG_SESSION_COOKIE_MAX],
        c2[OG_SESSION_COOKIE_MAX];
    og_session s;
    make_token(env, "eve", token, id);
    OG_ASSERT_OK(og_tenant_session_create(&env->ctx, token, 0, 0, "-", cookie, &s));
    OG_ASSERT_OK(og_token_revoke(&env->ctx, id));
    assert_int_equal(og_tenant_session_resolve(&env->ctx, cookie, &s), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "revoked"));
    /* ended for good: the row is gone, so the same cookie stays refused */
    assert_int_equal(og_tenant_session_resolve(&env->ctx, cookie, &s), OG_EAUTH);
    assert_int_equal(
        audit_count(env, s.actor.tenant_id[0] ? s.actor.tenant_id : NULL, "session.end") +
            audit_count(env, NULL, "session.end"),
        1);

    make_token(env, "ann", token, id);
    OG_ASSERT_OK(og_tenant_session_create(&env->ctx, token, 0, 0, "-", c2, &s));
    OG_ASSERT_OK(og_user_disable(&env->ctx, "acme", "ann", NULL));
    assert_int_equal(og_tenant_session_resolve(&env->ctx, c2, &s), OG_EAUTH);
}

static void test_session__sign_out_revokes_it_server_side(void **state)
{
    og_test_env *env = *state;
    char token[OG_TOKEN_MAX], id[OG_ID_LEN], cookie[OG_SESSION_COOKIE_MAX];
    og_session s;
    make_token(env, "eve", token, id);
    OG_ASSERT_OK(og_tenant_session_create(&env->ctx, token, 0, 0, "-", cookie, &s));
    OG_ASSERT_OK(og_tenant_session_revoke(&env->ctx, cookie));
    assert_int_equal(og_tenant_session_resolve(&env->ctx, cookie, &s), OG_EAUTH);
    assert_int_equal(og_tenant_session_revoke(&env->ctx, cookie), OG_EAUTH);
    /* the token itself still works: signing out ends the session, not the token */
    OG_ASSERT_OK(og_tenant_session_create(&env->ctx, token, 0, 0, "-", cookie, &s));
    char tid[OG_ID_LEN];
    OG_ASSERT_OK(og_tenant_resolve(&env->ctx, "acme", OG_PERM_READ, tid));
    assert_int_equal(audit_count(env, tid, "session.revoke"), 1);
}

static void test_session__idle_and_absolute_expiry_end_it_and_are_audited(void **state)
{
    og_test_env *env = *state;
    char token[OG_TOKEN_MAX], id[OG_ID_LEN], a[OG_SESSION_COOKIE_MAX], b[OG_SESSION_COOKIE_MAX];
    og_session s;
    char tid[OG_ID_LEN];
    OG_ASSERT_OK(og_tenant_resolve(&env->ctx, "acme", OG_PERM_READ, tid));
    make_token(env, "eve", token, id);
    /* idle: 1 µs unused ends it; absolute: 1 µs after sign-in */
    OG_ASSERT_OK(og_tenant_session_create(&env->ctx, token, 1, 0, "-", a, &s));
    OG_ASSERT_OK(og_tenant_session_create(&env->ctx, token, 0, 1, "-", b, &s));
    assert_int_equal(og_tenant_session_resolve(&env->ctx, a, &s), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "expired"));
    int ended = -1;
    OG_ASSERT_OK(og_tenant_session_sweep(&env->ctx, &ended));
    assert_int_equal(ended, 1); /* b; a was ended when it was used */
    assert_int_equal(og_tenant_session_resolve(&env->ctx, b, &s), OG_EAUTH);
    assert_int_equal(audit_count(env, tid, "session.expire"), 2);
    /* limits beyond 7 days are refused */
    assert_int_equal(
        og_tenant_session_create(&env->ctx, token, 8LL * 86400 * 1000000, 0, "-", a, &s),
        OG_EINVAL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_session__resolves_to_the_tokens_actor_with_a_stable_csrf_token),
        T(test_session__wrong_secret_and_malformed_cookies_are_refused),
        T(test_session__a_bad_token_is_refused_and_audited_without_its_secret),
        T(test_session__revoking_the_token_or_disabling_the_user_ends_it),
        T(test_session__sign_out_revokes_it_server_side),
        T(test_session__idle_and_absolute_expiry_end_it_and_are_audited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
