/* test_region.c - regions: names, the regional database list, a tenant created in a region (its
 * directory row at home, its rows in the region's database), its tokens and its deletion. A
 * second installation stands in for the region's database. */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

typedef struct two {
    og_test_env home, region;
} two;

static int setup(void **state)
{
    two *t = calloc(1, sizeof(*t));
    og_test_env_setup(&t->home);
    og_test_env_setup(&t->region);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    two *t = *state;
    og_test_env_teardown(&t->region);
    og_test_env_teardown(&t->home);
    free(t);
    return 0;
}

static int64_t count(og_store *s, const char *sql, const char *arg)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare_args(&st, s, sql, "t", arg));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    int64_t n = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

/* The context of a regional tenant's commands: its region's store, the home kept. */
static og_ctx region_ctx(two *t)
{
    og_ctx c = t->home.ctx;
    c.store = t->region.store;
    c.home = t->home.store;
    return c;
}

static void test_region__names_are_checked(void **state)
{
    (void)state;
    OG_ASSERT_OK(og_region_name_check("eu"));
    OG_ASSERT_OK(og_region_name_check("us-east-1"));
    OG_ASSERT_OK(og_region_name_check("abcdefghijklmnopqrstuvwxyz012345")); /* 32 */
    const char *bad[] = {
        "", "EU", "1eu", "-eu", "e_u", "eu.west", "abcdefghijklmnopqrstuvwxyz0123456", NULL};
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(og_region_name_check(bad[i]), OG_EINVAL);
        assert_non_null(strstr(og_error_last(), "bad region name"));
    }
    assert_int_equal(og_region_name_check(NULL), OG_EINVAL);
    assert_int_equal(og_region_name_check("home"), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "home database"));
}

static void test_region__databases_are_postgresql_urls_given_once(void **state)
{
    og_regions rs;
    (void)state;
    memset(&rs, 0, sizeof(rs));
    OG_ASSERT_OK(og_regions_add(&rs, "eu=postgresql://db-eu/opsgate"));
    assert_int_equal(og_regions_add(&rs, "us=/var/lib/opsgate"), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "PostgreSQL URL"));
    assert_int_equal(og_regions_add(&rs, "us"), OG_EINVAL);
    assert_int_equal(og_regions_add(&rs, "eu=postgres://other/db"), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "given twice"));
    assert_int_equal(og_regions_add(&rs, "Mars=postgres://h/db"), OG_EINVAL);
    OG_ASSERT_OK(
        og_regions_add_list(&rs, " us=postgres://db-us/opsgate;;ap=libpq:host=x dbname=y"));
    assert_int_equal(rs.n, 3);
    assert_string_equal(og_regions_url(&rs, "eu"), "postgresql://db-eu/opsgate");
    assert_string_equal(og_regions_url(&rs, "ap"), "libpq:host=x dbname=y");
    assert_null(og_regions_url(&rs, "mars"));
    assert_null(og_regions_url(NULL, "eu"));
    /* an unknown region is an error naming the regions given, never another database */
    og_install_where w = {"postgres://h/home", "/nonexistent", &rs};
    og_store *s = NULL;
    assert_int_equal(og_install_region_open(&w, NULL, "mars", 1, &s), OG_EINVAL);
    assert_null(s);
    assert_non_null(strstr(og_error_last(), "unknown region 'mars'"));
    assert_non_null(strstr(og_error_last(), "eu, us, ap"));
}

static void test_region__create_keeps_only_the_directory_at_home(void **state)
{
    two *t = *state;
    og_tenant a;
    char region[OG_REGION_NAME_MAX + 1];
    OG_ASSERT_OK(og_tenant_create_in(&t->home.ctx, t->region.store, "acme", "eu", &a));
    assert_string_equal(a.region, "eu");
    OG_ASSERT_OK(og_tenant_region_of(t->home.store, "acme", region));
    assert_string_equal(region, "eu");
    OG_ASSERT_OK(og_tenant_region_of(t->region.store, a.id, region));
    assert_string_equal(region, "eu");
    /* the data key and the tenant's chain are in the region only */
    assert_false(og_crypto_scope_key_exists(t->home.store, a.id));
    assert_true(og_crypto_scope_key_exists(t->region.store, a.id));
    assert_int_equal(
        count(t->home.store, "SELECT COUNT(*) FROM audit_record WHERE chain = ?", a.id), 0);
    assert_int_equal(
        count(t->region.store, "SELECT COUNT(*) FROM audit_record WHERE chain = ?", a.id), 1);
    /* the home's platform record names the region; both databases verify */
    assert_int_equal(count(t->home.store,
                           "SELECT COUNT(*) FROM audit_record WHERE chain = 'platform' AND"
                           " action = 'tenant.create' AND analysis LIKE '%\"region\":\"eu\"%'"
                           " AND target_id = ?",
                           a.id),
                     1);
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify(&t->home.ctx, NULL, &res));
    assert_string_equal(res.chain, "");
    og_ctx rc = region_ctx(t);
    OG_ASSERT_OK(og_audit_verify(&rc, a.id, &res));
    assert_string_equal(res.chain, "");
    /* a home tenant's region is "" */
    OG_ASSERT_OK(og_tenant_create(&t->home.ctx, "local", NULL));
    OG_ASSERT_OK(og_tenant_region_of(t->home.store, "local", region));
    assert_string_equal(region, "");
}

static void test_region__a_refused_create_leaves_neither_database(void **state)
{
    two *t = *state;
    og_tenant a;
    OG_ASSERT_OK(og_tenant_create(&t->home.ctx, "taken", NULL));
    assert_int_equal(og_tenant_create_in(&t->home.ctx, t->region.store, "taken", "eu", &a),
                     OG_EEXISTS);
    assert_int_equal(count(t->region.store, "SELECT COUNT(*) FROM tenants WHERE name = ?", "taken"),
                     0);
    /* the region refuses (a name there already): the home keeps no directory row, no record */
    OG_ASSERT_OK(og_tenant_create(&t->region.ctx, "clash", NULL));
    assert_int_equal(og_tenant_create_in(&t->home.ctx, t->region.store, "clash", "eu", &a),
                     OG_EEXISTS);
    assert_int_equal(count(t->home.store, "SELECT COUNT(*) FROM tenants WHERE name = ?", "clash"),
                     0);
    assert_int_equal(count(t->home.store,
                           "SELECT COUNT(*) FROM audit_record WHERE action = 'tenant.create' AND"
                           " analysis LIKE '%' || ? || '%'",
                           "clash"),
                     0);
    assert_int_equal(og_tenant_create_in(&t->home.ctx, t->region.store, "x", "EU", &a), OG_EINVAL);
    assert_int_equal(og_tenant_create_in(&t->home.ctx, t->home.store, "x", "eu", &a), OG_EINVAL);
}

static void test_region__tokens_live_in_the_region_and_home_knows_their_region(void **state)
{
    two *t = *state;
    og_tenant a;
    og_actor actor;
    char token[OG_TOKEN_MAX], id[OG_ID_LEN], region[OG_REGION_NAME_MAX + 1];
    OG_ASSERT_OK(og_tenant_create_in(&t->home.ctx, t->region.store, "acme", "eu", &a));
    og_ctx rc = region_ctx(t);
    OG_ASSERT_OK(og_user_add(&rc, "acme", "ann", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_token_create(&rc, "acme", "ann", 0, token, id));
    OG_ASSERT_OK(og_token_authenticate(t->region.store, token, &actor));
    assert_string_equal(actor.tenant_id, a.id);
    assert_int_equal(og_token_authenticate(t->home.store, token, &actor), OG_EAUTH);
    OG_ASSERT_OK(og_token_region_of(t->home.store, token, region));
    assert_string_equal(region, "eu");
    OG_ASSERT_OK(og_token_region_of(t->home.store, id, region));
    assert_int_equal(og_token_region_of(t->home.store, t->home.token, region), OG_ENOTFOUND);
    assert_int_equal(og_token_region_of(t->home.store, "og_garbage", region), OG_ENOTFOUND);
    assert_int_equal(count(t->home.store, "SELECT COUNT(*) FROM users WHERE tenant_id = ?", a.id),
                     0);
    /* --as a platform admin of the home on the regional tenant */
    og_ctx as = region_ctx(t);
    OG_ASSERT_OK(og_actor_become(&as, "acme", "admin"));
    assert_int_equal(as.actor.role, OG_ROLE_PLATFORM_ADMIN);
}

static void test_region__deletion_leaves_the_directory_too(void **state)
{
    two *t = *state;
    og_tenant a;
    char region[OG_REGION_NAME_MAX + 1], token[OG_TOKEN_MAX], id[OG_ID_LEN];
    OG_ASSERT_OK(og_tenant_create_in(&t->home.ctx, t->region.store, "gone", "eu", &a));
    og_ctx rc = region_ctx(t);
    OG_ASSERT_OK(og_user_add(&rc, "gone", "gil", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_token_create(&rc, "gone", "gil", 0, token, id));
    OG_ASSERT_OK(og_tenant_suspend(&rc, "gone", 1));
    assert_int_equal(count(t->home.store,
                           "SELECT COUNT(*) FROM tenants WHERE state = 'suspended'"
                           " AND id = ?",
                           a.id),
                     1);
    OG_ASSERT_OK(og_tenant_delete(&rc, a.id));
    OG_ASSERT_OK(og_tenant_directory_delete(&t->home.ctx, &a));
    assert_int_equal(og_tenant_region_of(t->home.store, "gone", region), OG_ENOTFOUND);
    assert_int_equal(og_token_region_of(t->home.store, token, region), OG_ENOTFOUND);
    assert_false(og_crypto_scope_key_exists(t->region.store, a.id));
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify(&t->home.ctx, NULL, &res));
    assert_string_equal(res.chain, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_region__names_are_checked),
        cmocka_unit_test(test_region__databases_are_postgresql_urls_given_once),
        cmocka_unit_test_setup_teardown(test_region__create_keeps_only_the_directory_at_home, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_region__a_refused_create_leaves_neither_database,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_region__tokens_live_in_the_region_and_home_knows_their_region, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region__deletion_leaves_the_directory_too, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
