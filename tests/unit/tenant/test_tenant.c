/* test_tenant.c - tenants, users, roles, tokens and tenant isolation, on a real data folder. */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
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

/* A context acting through a token, as the HTTP layer builds it. */
static void as_token(og_test_env *env, const char *token, og_ctx *ctx)
{
    *ctx = env->ctx;
    OG_ASSERT_OK(og_token_authenticate(env->store, token, &ctx->actor));
}

static void make_user_token(og_test_env *env, const char *tenant, const char *user, og_role role,
                            char token[OG_TOKEN_MAX])
{
    char id[OG_ID_LEN];
    OG_ASSERT_OK(og_user_add(&env->ctx, tenant, user, role, NULL));
    OG_ASSERT_OK(og_token_create(&env->ctx, tenant, user, 0, token, id));
}

static void test_install__makes_a_private_folder_and_refuses_to_run_twice(void **state)
{
    og_test_env *env = *state;
    struct stat sb;
    char path[4096];
    /* the key folder: the data folder itself on SQLite */
    assert_int_equal(stat(env->keys_dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    snprintf(path, sizeof(path), "%s/master.key", env->keys_dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char token[OG_TOKEN_MAX];
    og_install_where w = og_test_env_where(env);
    assert_int_equal(og_install_create(&w, token), OG_EEXISTS);
    if (env->data_dir)
        assert_non_null(strstr(og_error_last(), env->data_dir));
    else
        assert_non_null(strstr(og_error_last(), "already holds an opsgate installation"));
    /* the same key folder for a new database is refused too (its master key stays) */
    if (!env->data_dir) {
        char *schema = NULL, *url = og_test_pg_create(&schema);
        og_install_where other = {url, env->keys_dir};
        assert_int_equal(og_install_create(&other, token), OG_EEXISTS);
        assert_non_null(strstr(og_error_last(), "master key"));
        assert_int_equal(stat(path, &sb), 0);
        og_test_pg_drop(schema);
        free(schema);
        free(url);
    }
    /* still usable: nothing was changed */
    og_ctx ctx;
    as_token(env, env->token, &ctx);
    assert_int_equal(ctx.actor.role, OG_ROLE_PLATFORM_ADMIN);
}

static void test_install__open_names_a_missing_folder(void **state)
{
    (void)state;
    og_store *s = NULL;
    og_keyring *k = NULL;
    assert_int_equal(og_install_open("/nonexistent/og-folder", &s, &k), OG_ENOTFOUND);
    assert_non_null(strstr(og_error_last(), "/nonexistent/og-folder"));
}

static void test_tenant__create_list_and_duplicate(void **state)
{
    og_test_env *env = *state;
    og_tenant t;
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", &t));
    assert_true(og_id_valid(t.id));
    assert_string_equal(t.state, "active");
    assert_int_equal(og_tenant_create(&env->ctx, "acme", NULL), OG_EEXISTS);
    assert_non_null(strstr(og_error_last(), "acme"));
    assert_int_equal(og_tenant_create(&env->ctx, "Bad Name", NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "Bad Name"));
    json_t *arr = NULL;
    OG_ASSERT_OK(og_tenant_list(&env->ctx, &arr));
    assert_int_equal(json_array_size(arr), 1);
    json_decref(arr);
}

static void test_tenant__other_tenants_objects_are_not_found(void **state)
{
    og_test_env *env = *state;
    char tok_a[OG_TOKEN_MAX], tok_b[OG_TOKEN_MAX];
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "globex", NULL));
    make_user_token(env, "acme", "alice", OG_ROLE_TENANT_ADMIN, tok_a);
    make_user_token(env, "globex", "bob", OG_ROLE_TENANT_ADMIN, tok_b);
    og_ctx a;
    as_token(env, tok_a, &a);
    og_tenant t;
    og_user u;
    OG_ASSERT_OK(og_tenant_get(&a, "acme", &t));
    assert_int_equal(og_tenant_get(&a, "globex", &t), OG_ENOTFOUND);
    char missing_msg[256], other_msg[256];
    og_strlcpy(other_msg, og_error_last(), sizeof(other_msg));
    assert_int_equal(og_tenant_get(&a, "nosuch", &t), OG_ENOTFOUND);
    og_strlcpy(missing_msg, og_error_last(), sizeof(missing_msg));
    /* same shape: only the name differs */
    assert_non_null(strstr(other_msg, "not found"));
    assert_non_null(strstr(missing_msg, "not found"));
    assert_int_equal(og_user_get(&a, "globex", "bob", &u), OG_ENOTFOUND);
    assert_int_equal(og_user_add(&a, "globex", "mallory", OG_ROLE_ENGINEER, NULL), OG_ENOTFOUND);
    json_t *arr = NULL;
    assert_int_equal(og_user_list(&a, "globex", &arr), OG_ENOTFOUND);
    OG_ASSERT_OK(og_tenant_list(&a, &arr));
    assert_int_equal(json_array_size(arr), 1);
    json_decref(arr);
    /* a tenant admin of acme cannot revoke globex's tokens: they do not exist for it */
    og_ctx b;
    as_token(env, tok_b, &b);
    assert_int_equal(og_token_revoke(&a, b.actor.token_id), OG_ENOTFOUND);
}

static void test_roles__engineer_cannot_add_users_but_tenant_admin_can(void **state)
{
    og_test_env *env = *state;
    char tok_e[OG_TOKEN_MAX], tok_a[OG_TOKEN_MAX], tok_v[OG_TOKEN_MAX];
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    make_user_token(env, "acme", "eve", OG_ROLE_ENGINEER, tok_e);
    make_user_token(env, "acme", "ada", OG_ROLE_TENANT_ADMIN, tok_a);
    make_user_token(env, "acme", "vic", OG_ROLE_CLIENT_VIEWER, tok_v);
    og_ctx e, a, v;
    as_token(env, tok_e, &e);
    as_token(env, tok_a, &a);
    as_token(env, tok_v, &v);
    assert_int_equal(og_user_add(&e, "acme", "x", OG_ROLE_ENGINEER, NULL), OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "engineer"));
    OG_ASSERT_OK(og_user_add(&a, "acme", "x", OG_ROLE_ENGINEER, NULL));
    /* nobody but a platform admin makes platform admins or tenants */
    assert_int_equal(og_user_add(&a, NULL, "root2", OG_ROLE_PLATFORM_ADMIN, NULL), OG_EDENIED);
    assert_int_equal(og_tenant_create(&a, "newco", NULL), OG_EDENIED);
    json_t *arr = NULL;
    assert_int_equal(og_user_list(&v, "acme", &arr), OG_EDENIED);
    OG_ASSERT_OK(og_user_list(&e, "acme", &arr));
    assert_int_equal(json_array_size(arr), 4);
    json_decref(arr);
    /* a user may always see itself and make its own tokens */
    og_user self;
    OG_ASSERT_OK(og_user_get(&v, "acme", "vic", &self));
    char tok[OG_TOKEN_MAX], id[OG_ID_LEN];
    OG_ASSERT_OK(og_token_create(&v, "acme", "vic", 0, tok, id));
    assert_int_equal(og_token_create(&v, "acme", "eve", 0, tok, id), OG_EDENIED);
}

static void test_token__expired_revoked_and_malformed_tokens_are_refused(void **state)
{
    og_test_env *env = *state;
    char tok[OG_TOKEN_MAX], id[OG_ID_LEN];
    og_actor actor;
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "alice", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_token_create(&env->ctx, "acme", "alice", 0, tok, id));
    OG_ASSERT_OK(og_token_authenticate(env->store, tok, &actor));
    assert_string_equal(actor.user_name, "alice");
    assert_string_equal(actor.token_id, id);
    assert_int_equal(actor.role, OG_ROLE_ENGINEER);

    /* one character changed in the secret */
    char bad[OG_TOKEN_MAX];
    og_strlcpy(bad, tok, sizeof(bad));
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(og_token_authenticate(env->store, bad, &actor), OG_EAUTH);
    const char *junk[] = {"", "og_", "Bearer",
                          "og_not-a-uuid_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                          "og_00000000-0000-4000-8000-000000000000_short"};
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
        assert_int_equal(og_token_authenticate(env->store, junk[i], &actor), OG_EAUTH);
    assert_int_equal(og_token_authenticate(env->store, NULL, &actor), OG_EAUTH);

    OG_ASSERT_OK(og_token_revoke(&env->ctx, id));
    assert_int_equal(og_token_authenticate(env->store, tok, &actor), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "revoked"));
    assert_int_equal(og_token_revoke(&env->ctx, id), OG_ECONFLICT);

    /* expiry: make a token, then move its expiry into the past */
    OG_ASSERT_OK(og_token_create(&env->ctx, "acme", "alice", 1000000, tok, id));
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, env->store, "UPDATE tokens SET expires_us = 1 WHERE id = ?"));
    og_stmt_bind_text(st, 1, id);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    assert_int_equal(og_token_authenticate(env->store, tok, &actor), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "expired"));
}

static void test_token__secret_is_stored_only_as_a_hash(void **state)
{
    og_test_env *env = *state;
    char tok[OG_TOKEN_MAX], id[OG_ID_LEN];
    OG_ASSERT_OK(og_token_create(&env->ctx, NULL, "admin", 0, tok, id));
    const char *secret = tok + 3 + 37;
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, env->store, "SELECT secret_hash FROM tokens"));
    int rc;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        size_t n;
        const char *h = og_stmt_col_blob(st, 0, &n);
        assert_int_equal(n, 32);
        assert_null(memmem(h, n, secret, 8));
    }
    og_stmt_free(st);
}

static void test_tenant__suspended_tenants_tokens_are_denied(void **state)
{
    og_test_env *env = *state;
    char tok[OG_TOKEN_MAX];
    og_actor actor;
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    make_user_token(env, "acme", "alice", OG_ROLE_ENGINEER, tok);
    OG_ASSERT_OK(og_tenant_suspend(&env->ctx, "acme", 1));
    assert_int_equal(og_tenant_suspend(&env->ctx, "acme", 1), OG_ECONFLICT);
    assert_int_equal(og_token_authenticate(env->store, tok, &actor), OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "suspended"));
    OG_ASSERT_OK(og_tenant_suspend(&env->ctx, "acme", 0));
    OG_ASSERT_OK(og_token_authenticate(env->store, tok, &actor));
}

static void test_tenant__delete_shreds_the_key_and_removes_users(void **state)
{
    og_test_env *env = *state;
    char tok[OG_TOKEN_MAX];
    og_tenant t;
    og_actor actor;
    uint8_t *sealed = NULL, *plain = NULL;
    size_t sealed_len = 0, plain_len = 0;
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", &t));
    make_user_token(env, "acme", "alice", OG_ROLE_ENGINEER, tok);
    OG_ASSERT_OK(
        og_crypto_seal(env->keys, env->store, t.id, "obj-1", "secret", 6, &sealed, &sealed_len));
    OG_ASSERT_OK(og_tenant_delete(&env->ctx, "acme"));
    assert_int_equal(og_tenant_get(&env->ctx, "acme", &t), OG_ENOTFOUND);
    assert_int_equal(og_token_authenticate(env->store, tok, &actor), OG_EAUTH);
    assert_true(og_crypto_open(env->keys, env->store, t.id, "obj-1", sealed, sealed_len, &plain,
                               &plain_len) < 0);
    assert_null(plain);
    free(sealed);
    assert_int_equal(og_tenant_delete(&env->ctx, "acme"), OG_ENOTFOUND);
}

/* A stand-in for a module with data that must outlive a deletion request (the artifacts' legal
 * holds): it blocks the tenant named in blocked_tenant, or fails when fail_blocker is set. */
static char blocked_tenant[OG_ID_LEN];
static int fail_blocker;
static int blocker_calls;

static int fake_blocker(og_ctx *ctx, const char *tenant_id, json_t *out)
{
    (void)ctx;
    blocker_calls++;
    if (fail_blocker)
        return og_error_set(OG_ERROR, "the records module is unreachable");
    if (strcmp(tenant_id, blocked_tenant) == 0) {
        json_array_append_new(out, json_pack("{s:s, s:s}", "text",
                                             "legal hold on project 'fw' (litigation 2026-17)",
                                             "hint", "clear it with `opsgate hold clear`"));
        json_array_append_new(out, json_pack("{s:s, s:s}", "text", "retention of 'sow.md'", "hint",
                                             "clear it with `opsgate hold clear`"));
    }
    return 0;
}

static void test_tenant__delete_is_refused_while_a_module_blocks_it(void **state)
{
    og_test_env *env = *state;
    og_tenant t;
    char tok[OG_TOKEN_MAX];
    og_actor actor;
    json_t *found = NULL;
    uint8_t *sealed = NULL, *plain = NULL;
    size_t sealed_len = 0, plain_len = 0;
    OG_ASSERT_OK(og_tenant_blocker_register("records", fake_blocker));
    OG_ASSERT_OK(og_tenant_blocker_register("records", fake_blocker)); /* no-op */
    assert_int_equal(og_tenant_blocker_register("records", NULL), OG_EINVAL);
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", &t));
    make_user_token(env, "acme", "alice", OG_ROLE_TENANT_ADMIN, tok);
    OG_ASSERT_OK(
        og_crypto_seal(env->keys, env->store, t.id, "obj-1", "secret", 6, &sealed, &sealed_len));
    og_strlcpy(blocked_tenant, t.id, sizeof(blocked_tenant));
    blocker_calls = 0;
    assert_int_equal(og_tenant_delete(&env->ctx, "acme"), OG_ECONFLICT);
    assert_int_equal(blocker_calls, 1); /* registered once */
    assert_non_null(strstr(og_error_last(), "tenant 'acme' cannot be deleted"));
    assert_non_null(strstr(og_error_last(), "litigation 2026-17"));
    assert_non_null(strstr(og_error_last(), "sow.md"));
    assert_non_null(strstr(og_error_last(), "opsgate hold clear"));
    /* the hint is given once */
    const char *h = strstr(og_error_last(), "opsgate hold clear");
    assert_null(strstr(h + 1, "opsgate hold clear"));
    /* nothing was destroyed: the tenant, its users and its key are all there */
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_token_authenticate(env->store, tok, &actor));
    OG_ASSERT_OK(og_crypto_open(env->keys, env->store, t.id, "obj-1", sealed, sealed_len, &plain,
                                &plain_len));
    free(plain);
    /* the list, for a platform admin only */
    OG_ASSERT_OK(og_tenant_delete_blockers(&env->ctx, "acme", &found));
    assert_int_equal(json_array_size(found), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(found, 0), "module")),
                        "records");
    json_decref(found);
    og_ctx as_alice;
    as_token(env, tok, &as_alice);
    assert_int_equal(og_tenant_delete_blockers(&as_alice, "acme", &found), OG_EDENIED);
    assert_int_equal(og_tenant_delete(&as_alice, "acme"), OG_EDENIED);
    /* a module that cannot answer fails the deletion too */
    fail_blocker = 1;
    assert_int_equal(og_tenant_delete(&env->ctx, "acme"), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "unreachable"));
    assert_non_null(strstr(og_error_last(), "records"));
    fail_blocker = 0;
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    /* unblocked: deleted, key shredded */
    blocked_tenant[0] = '\0';
    OG_ASSERT_OK(og_tenant_delete(&env->ctx, "acme"));
    assert_true(og_crypto_open(env->keys, env->store, t.id, "obj-1", sealed, sealed_len, &plain,
                               &plain_len) < 0);
    free(sealed);
}

static void test_actor__become_acts_with_the_users_rights_and_is_labelled_as_both(void **state)
{
    og_test_env *env = *state;
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "eve", OG_ROLE_ENGINEER, NULL));
    og_ctx ctx = env->ctx;
    OG_ASSERT_OK(og_actor_become(&ctx, "acme", "eve"));
    char label[256];
    og_actor_label(&ctx.actor, label, sizeof(label));
    char expect[256];
    snprintf(expect, sizeof(expect), "local:%s as user:eve", env->ctx.actor.local_user);
    assert_string_equal(label, expect);
    assert_int_equal(og_user_add(&ctx, "acme", "x", OG_ROLE_ENGINEER, NULL), OG_EDENIED);
    assert_int_equal(og_actor_become(&ctx, "acme", "nobody"), OG_ENOTFOUND);
    assert_non_null(strstr(og_error_last(), "nobody"));
}

/* The analysis of the last audit record with action in the tenant's chain (NULL = platform). */
static json_t *last_audit(og_test_env *env, const char *tenant_id, const char *action)
{
    json_t *list = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(og_audit_list(&env->ctx, tenant_id, 0, 1000, action, NULL, &list, &next));
    assert_true(json_array_size(list) > 0);
    json_t *a =
        json_incref(json_object_get(json_array_get(list, json_array_size(list) - 1), "analysis"));
    json_decref(list);
    return a;
}

static void test_user__disable_refuses_every_token_and_enable_does_not_bring_them_back(void **state)
{
    og_test_env *env = *state;
    char tok_a[OG_TOKEN_MAX], tok_e[OG_TOKEN_MAX], tok_e2[OG_TOKEN_MAX], id[OG_ID_LEN];
    og_tenant t;
    og_user u;
    og_actor actor;
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", &t));
    make_user_token(env, "acme", "ada", OG_ROLE_TENANT_ADMIN, tok_a);
    make_user_token(env, "acme", "eve", OG_ROLE_ENGINEER, tok_e);
    OG_ASSERT_OK(og_token_create(&env->ctx, "acme", "eve", 0, tok_e2, id));
    og_ctx a;
    as_token(env, tok_a, &a);

    OG_ASSERT_OK(og_user_disable(&a, "acme", "eve", &u));
    assert_string_equal(u.state, "disabled");
    assert_int_equal(og_token_authenticate(env->store, tok_e, &actor), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "disabled"));
    assert_int_equal(og_token_authenticate(env->store, tok_e2, &actor), OG_EAUTH);
    json_t *an = last_audit(env, t.id, "user.disable");
    assert_int_equal(json_integer_value(json_object_get(an, "tokens_revoked")), 2);
    json_decref(an);
    /* no new tokens, no --as, and a second disable says so */
    assert_int_equal(og_token_create(&a, "acme", "eve", 0, tok_e2, id), OG_ECONFLICT);
    og_ctx as = env->ctx;
    assert_int_equal(og_actor_become(&as, "acme", "eve"), OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "disabled"));
    assert_int_equal(og_user_disable(&a, "acme", "eve", NULL), OG_ECONFLICT);
    /* listed with its state */
    json_t *arr = NULL;
    OG_ASSERT_OK(og_user_list(&a, "acme", &arr));
    size_t i;
    json_t *x;
    int seen = 0;
    json_array_foreach(arr, i,
                       x) if (og_streq(json_string_value(json_object_get(x, "name")), "eve"))
    {
        assert_string_equal(json_string_value(json_object_get(x, "state")), "disabled");
        seen = 1;
    }
    assert_true(seen);
    json_decref(arr);

    OG_ASSERT_OK(og_user_enable(&a, "acme", "eve", &u));
    assert_string_equal(u.state, "active");
    assert_int_equal(og_user_enable(&a, "acme", "eve", NULL), OG_ECONFLICT);
    /* the old tokens stay revoked; a new one works */
    assert_int_equal(og_token_authenticate(env->store, tok_e, &actor), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "revoked"));
    OG_ASSERT_OK(og_token_create(&a, "acme", "eve", 0, tok_e2, id));
    OG_ASSERT_OK(og_token_authenticate(env->store, tok_e2, &actor));
    an = last_audit(env, t.id, "user.enable");
    assert_string_equal(json_string_value(json_object_get(an, "name")), "eve");
    json_decref(an);
}

static void test_user__lifecycle_needs_user_management_and_other_tenants_get_not_found(void **state)
{
    og_test_env *env = *state;
    char tok_a[OG_TOKEN_MAX], tok_e[OG_TOKEN_MAX], tok_g[OG_TOKEN_MAX], tok_p[OG_TOKEN_MAX];
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "globex", NULL));
    make_user_token(env, "acme", "ada", OG_ROLE_TENANT_ADMIN, tok_a);
    make_user_token(env, "acme", "eve", OG_ROLE_ENGINEER, tok_e);
    make_user_token(env, "acme", "pam", OG_ROLE_PROJECT_MANAGER, tok_p);
    make_user_token(env, "globex", "gus", OG_ROLE_TENANT_ADMIN, tok_g);
    og_ctx e, g, p;
    as_token(env, tok_e, &e);
    as_token(env, tok_g, &g);
    as_token(env, tok_p, &p);
    assert_int_equal(og_user_disable(&e, "acme", "ada", NULL), OG_EDENIED);
    assert_int_equal(og_user_disable(&p, "acme", "eve", NULL), OG_EDENIED);
    assert_int_equal(og_user_set_role(&e, "acme", "eve", OG_ROLE_TENANT_ADMIN, NULL), OG_EDENIED);
    assert_int_equal(og_user_remove(&e, "acme", "eve", NULL), OG_EDENIED);
    /* another tenant's admin: the tenant does not exist for it, like a missing one */
    assert_int_equal(og_user_disable(&g, "acme", "eve", NULL), OG_ENOTFOUND);
    char cross[256];
    og_strlcpy(cross, og_error_last(), sizeof(cross));
    assert_int_equal(og_user_disable(&g, "nosuch", "eve", NULL), OG_ENOTFOUND);
    assert_non_null(strstr(cross, "not found"));
    assert_int_equal(og_user_remove(&g, "acme", "eve", NULL), OG_ENOTFOUND);
    assert_int_equal(og_user_set_role(&g, "acme", "eve", OG_ROLE_AUDITOR, NULL), OG_ENOTFOUND);
    /* nor can it reach acme's users through its own tenant */
    assert_int_equal(og_user_disable(&g, "globex", "eve", NULL), OG_ENOTFOUND);
    /* nobody is raised to platform-admin, not even by a platform admin */
    assert_int_equal(og_user_set_role(&env->ctx, "acme", "eve", OG_ROLE_PLATFORM_ADMIN, NULL),
                     OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "platform-admin"));
    /* platform admins' accounts are the platform's */
    og_ctx a;
    as_token(env, tok_a, &a);
    assert_int_equal(og_user_disable(&a, NULL, "admin", NULL), OG_EDENIED);
}

static void test_user__set_role_applies_at_once_and_revokes_tokens(void **state)
{
    og_test_env *env = *state;
    char tok_a[OG_TOKEN_MAX], tok_e[OG_TOKEN_MAX], id[OG_ID_LEN];
    og_tenant t;
    og_user u;
    og_actor actor;
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", &t));
    make_user_token(env, "acme", "ada", OG_ROLE_TENANT_ADMIN, tok_a);
    make_user_token(env, "acme", "eve", OG_ROLE_ENGINEER, tok_e);
    og_ctx a;
    as_token(env, tok_a, &a);
    OG_ASSERT_OK(og_user_set_role(&a, "acme", "eve", OG_ROLE_AUDITOR, &u));
    assert_int_equal(u.role, OG_ROLE_AUDITOR);
    assert_int_equal(og_token_authenticate(env->store, tok_e, &actor), OG_EAUTH);
    OG_ASSERT_OK(og_token_create(&a, "acme", "eve", 0, tok_e, id));
    OG_ASSERT_OK(og_token_authenticate(env->store, tok_e, &actor));
    assert_int_equal(actor.role, OG_ROLE_AUDITOR);
    assert_int_equal(og_user_set_role(&a, "acme", "eve", OG_ROLE_AUDITOR, NULL), OG_ECONFLICT);
    json_t *an = last_audit(env, t.id, "user.role");
    assert_string_equal(json_string_value(json_object_get(an, "from")), "engineer");
    assert_string_equal(json_string_value(json_object_get(an, "to")), "auditor");
    assert_int_equal(json_integer_value(json_object_get(an, "tokens_revoked")), 1);
    json_decref(an);
    /* --as acts with the new role at once */
    og_ctx as = env->ctx;
    OG_ASSERT_OK(og_actor_become(&as, "acme", "eve"));
    assert_int_equal(as.actor.role, OG_ROLE_AUDITOR);
}

static void test_user__the_last_tenant_admin_cannot_lock_the_tenant_out(void **state)
{
    og_test_env *env = *state;
    char tok_a[OG_TOKEN_MAX], tok_b[OG_TOKEN_MAX];
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    make_user_token(env, "acme", "ada", OG_ROLE_TENANT_ADMIN, tok_a);
    og_ctx a;
    as_token(env, tok_a, &a);
    assert_int_equal(og_user_set_role(&a, "acme", "ada", OG_ROLE_ENGINEER, NULL), OG_ECONFLICT);
    assert_non_null(strstr(og_error_last(), "last active tenant-admin"));
    assert_int_equal(og_user_disable(&a, "acme", "ada", NULL), OG_ECONFLICT);
    assert_int_equal(og_user_remove(&a, "acme", "ada", NULL), OG_ECONFLICT);
    assert_non_null(strstr(og_error_last(), "ada"));
    /* with a second tenant-admin it may step down */
    make_user_token(env, "acme", "bob", OG_ROLE_TENANT_ADMIN, tok_b);
    og_ctx b;
    as_token(env, tok_b, &b);
    OG_ASSERT_OK(og_user_disable(&b, "acme", "ada", NULL));
    /* now bob is the last active one */
    assert_int_equal(og_user_remove(&b, "acme", "bob", NULL), OG_ECONFLICT);
    /* a platform admin may (it can add a tenant-admin back) */
    OG_ASSERT_OK(og_user_set_role(&env->ctx, "acme", "bob", OG_ROLE_ENGINEER, NULL));
    /* and the last platform-admin user cannot disable itself by token */
    og_ctx root;
    as_token(env, env->token, &root);
    assert_int_equal(og_user_disable(&root, NULL, "admin", NULL), OG_ECONFLICT);
    assert_non_null(strstr(og_error_last(), "platform-admin"));
}

static void test_user__remove_keeps_a_tombstone_and_the_name_is_not_reused(void **state)
{
    og_test_env *env = *state;
    char tok_a[OG_TOKEN_MAX], tok_e[OG_TOKEN_MAX];
    og_tenant t;
    og_user u, before;
    og_actor actor;
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", &t));
    make_user_token(env, "acme", "ada", OG_ROLE_TENANT_ADMIN, tok_a);
    make_user_token(env, "acme", "eve", OG_ROLE_ENGINEER, tok_e);
    og_ctx a;
    as_token(env, tok_a, &a);
    OG_ASSERT_OK(og_user_get(&a, "acme", "eve", &before));
    OG_ASSERT_OK(og_user_remove(&a, "acme", "eve", &u));
    assert_string_equal(u.state, "removed");
    assert_int_equal(og_token_authenticate(env->store, tok_e, &actor), OG_EAUTH);
    assert_non_null(strstr(og_error_last(), "removed"));
    /* gone from the list, still known by id for the history */
    json_t *arr = NULL;
    OG_ASSERT_OK(og_user_list(&a, "acme", &arr));
    assert_int_equal(json_array_size(arr), 1);
    json_decref(arr);
    OG_ASSERT_OK(og_user_get(&a, "acme", before.id, &u));
    assert_string_equal(u.name, "eve");
    assert_string_equal(u.state, "removed");
    /* final: no enable, no role, no second removal; the name stays taken */
    assert_int_equal(og_user_enable(&a, "acme", "eve", NULL), OG_ECONFLICT);
    assert_non_null(strstr(og_error_last(), "final"));
    assert_int_equal(og_user_set_role(&a, "acme", "eve", OG_ROLE_AUDITOR, NULL), OG_ECONFLICT);
    assert_int_equal(og_user_remove(&a, "acme", "eve", NULL), OG_ECONFLICT);
    assert_int_equal(og_user_add(&a, "acme", "eve", OG_ROLE_ENGINEER, NULL), OG_EEXISTS);
    assert_non_null(strstr(og_error_last(), "removed"));
    og_ctx as = env->ctx;
    assert_int_equal(og_actor_become(&as, "acme", "eve"), OG_EDENIED);
    json_t *an = last_audit(env, t.id, "user.remove");
    assert_string_equal(json_string_value(json_object_get(an, "name")), "eve");
    assert_int_equal(json_integer_value(json_object_get(an, "tokens_revoked")), 1);
    json_decref(an);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_install__makes_a_private_folder_and_refuses_to_run_twice),
        T(test_install__open_names_a_missing_folder),
        T(test_tenant__create_list_and_duplicate),
        T(test_tenant__other_tenants_objects_are_not_found),
        T(test_roles__engineer_cannot_add_users_but_tenant_admin_can),
        T(test_token__expired_revoked_and_malformed_tokens_are_refused),
        T(test_token__secret_is_stored_only_as_a_hash),
        T(test_tenant__suspended_tenants_tokens_are_denied),
        T(test_tenant__delete_shreds_the_key_and_removes_users),
        T(test_tenant__delete_is_refused_while_a_module_blocks_it),
        T(test_actor__become_acts_with_the_users_rights_and_is_labelled_as_both),
        T(test_user__disable_refuses_every_token_and_enable_does_not_bring_them_back),
        T(test_user__lifecycle_needs_user_management_and_other_tenants_get_not_found),
        T(test_user__set_role_applies_at_once_and_revokes_tokens),
        T(test_user__the_last_tenant_admin_cannot_lock_the_tenant_out),
        T(test_user__remove_keeps_a_tombstone_and_the_name_is_not_reused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
