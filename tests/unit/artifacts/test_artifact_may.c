/* test_artifact_may.c - og_artifact_may answers what the operation itself would: for every role
 * (and a grant that lifts an engineer to admin, and another tenant's admin), the answer before
 * the call and the call's own outcome agree, code for code. The console shows its buttons from
 * og_artifact_may, so a button is there exactly when its POST would pass these checks. */
#include "og_test.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    og_test_env_project(state);
    og_test_env *env = *state;
    og_ctx *c = &env->ctx;
    OG_ASSERT_OK(og_tenant_create(c, "globex", NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "pam", OG_ROLE_PROJECT_MANAGER, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "eve", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "ed", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "aud", OG_ROLE_AUDITOR, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "cli", OG_ROLE_CLIENT_VIEWER, NULL));
    OG_ASSERT_OK(og_user_add(c, "globex", "gus", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_access_grant(c, "acme", "fw", "cli", OG_RIGHT_READ, 0));
    OG_ASSERT_OK(og_access_grant(c, "acme", "fw", "ed", OG_RIGHT_ADMIN, 0));
    og_artifact_ref r = {"acme", "fw", "doc.md"};
    og_artifact_put_opts o = {.message = "v1"};
    OG_ASSERT_OK(og_artifact_put_buffer(c, &r, &o, "text\n", 5, NULL));
    return 0;
}

/* The operation itself as actor a, then undone by the local operator when it was done. */
static int run_op(og_ctx *admin, og_ctx *a, og_artifact_op op)
{
    og_artifact_ref r = {"acme", "fw", "doc.md"}, proj = {"acme", "fw", NULL};
    int rc = OG_ERROR;
    switch (op) {
    case OG_ARTIFACT_OP_SET_STATE:
        rc = og_artifact_set_state(a, &r, "in-review", NULL);
        if (rc == 0)
            OG_ASSERT_OK(og_artifact_set_state(admin, &r, "draft", NULL));
        break;
    case OG_ARTIFACT_OP_HOLD_SET:
        rc = og_artifact_hold_set(a, &proj, "case 1");
        if (rc == 0)
            OG_ASSERT_OK(og_artifact_hold_clear(admin, &proj, "done"));
        break;
    case OG_ARTIFACT_OP_HOLD_CLEAR:
        OG_ASSERT_OK(og_artifact_hold_set(admin, &proj, "case 2"));
        rc = og_artifact_hold_clear(a, &proj, "done");
        if (rc != 0)
            OG_ASSERT_OK(og_artifact_hold_clear(admin, &proj, "done"));
        break;
    case OG_ARTIFACT_OP_GRANT:
        rc = og_access_grant(a, "acme", "fw", "eve", OG_RIGHT_READ, 0);
        if (rc == 0)
            OG_ASSERT_OK(og_access_revoke(admin, "acme", "fw", "eve"));
        break;
    }
    return rc;
}

static void test_artifact_may__agrees_with_the_operation(void **state)
{
    og_test_env *env = *state;
    og_ctx *admin = &env->ctx;
    static const struct {
        const char *tenant, *user;
        int allowed[4]; /* set-state, hold set, hold clear, grant */
    } who[] = {
        {"acme", "ada", {1, 1, 1, 1}},   {"acme", "pam", {1, 0, 0, 0}},
        {"acme", "eve", {1, 0, 0, 0}},   {"acme", "ed", {1, 1, 0, 1}},
        {"acme", "aud", {0, 0, 0, 0}},   {"acme", "cli", {0, 0, 0, 0}},
        {"globex", "gus", {0, 0, 0, 0}},
    };
    for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
        og_ctx a = *admin;
        OG_ASSERT_OK(og_actor_become(&a, who[i].tenant, who[i].user));
        for (int op = OG_ARTIFACT_OP_SET_STATE; op <= OG_ARTIFACT_OP_GRANT; op++) {
            int may = og_artifact_may(&a, "acme", "fw", (og_artifact_op)op);
            char msg[600];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            int did = run_op(admin, &a, (og_artifact_op)op);
            if ((may == 0) != who[i].allowed[op] || may != did)
                fail_msg("%s, op %d: og_artifact_may %d (%s), the operation %d (%s), want %s",
                         who[i].user, op, may, msg, did, og_error_last(),
                         who[i].allowed[op] ? "allowed" : "refused");
            if (may < 0 && strcmp(msg, og_error_last()) != 0)
                fail_msg("%s, op %d: messages differ: '%s' and '%s'", who[i].user, op, msg,
                         og_error_last());
        }
    }
    /* platform actors may everything; an unknown project is not found */
    assert_int_equal(og_artifact_may(admin, "acme", "fw", OG_ARTIFACT_OP_HOLD_CLEAR), 0);
    assert_int_equal(og_artifact_may(admin, "acme", "nosuch", OG_ARTIFACT_OP_GRANT), OG_ENOTFOUND);
}

static void test_artifact_may__archived_project_has_no_moves(void **state)
{
    og_test_env *env = *state;
    og_ctx *admin = &env->ctx;
    OG_ASSERT_OK(og_project_archive(admin, "acme", "fw", 1, NULL));
    assert_int_equal(og_artifact_may(admin, "acme", "fw", OG_ARTIFACT_OP_SET_STATE), OG_ECONFLICT);
    /* holds and grants go on in an archived project */
    assert_int_equal(og_artifact_may(admin, "acme", "fw", OG_ARTIFACT_OP_HOLD_SET), 0);
    assert_int_equal(og_artifact_may(admin, "acme", "fw", OG_ARTIFACT_OP_GRANT), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_artifact_may__agrees_with_the_operation, setup,
                                        og_test_env_free),
        cmocka_unit_test_setup_teardown(test_artifact_may__archived_project_has_no_moves, setup,
                                        og_test_env_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
