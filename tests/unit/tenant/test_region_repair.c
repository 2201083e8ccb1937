/* test_region_repair.c - og_tenant_region_repair: what a cross-region tenant create interrupted
 * between its two commits leaves (the tenant in the region's database, unknown to the home's
 * directory) is removed once it is older than the grace period and was never used; a used one is
 * refused with nothing changed. Three installations: the home, the region's database, and a
 * second home that stands in for the home whose commit never happened (the region's half is
 * then exactly what the first commit wrote). Runs on both backends. */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

typedef struct three {
    og_test_env home, region, other;
} three;

static int setup(void **state)
{
    three *t = calloc(1, sizeof(*t));
    og_test_env_setup(&t->home);
    og_test_env_setup(&t->region);
    og_test_env_setup(&t->other);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    three *t = *state;
    og_test_env_teardown(&t->other);
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

/* A tenant whose create committed in the region but never at home: made through the other home
 * (same keyring as the home, so the region's rows are what the home's own create writes). */
static og_tenant half_made(three *t, const char *name)
{
    og_tenant a;
    og_ctx c = t->home.ctx;
    c.store = t->other.store;
    OG_ASSERT_OK(og_tenant_create_in(&c, t->region.store, name, "eu", &a));
    return a;
}

/* Move the region's tenant id's creation an hour back: past OG_REGION_CREATE_GRACE_S. */
static void backdate(three *t, const char *id, int minutes)
{
    char when[OG_TIME_LEN];
    og_time_format(og_time_now_us() - (int64_t)minutes * 60 * 1000000, when);
    og_store *db = og_test_raw_open(&t->region);
    og_test_raw_exec(db, "UPDATE tenants SET created_at = '%s' WHERE id = '%s'", when, id);
    og_store_close(db);
}

/* The context of commands on the region's tenants: its store, no home. */
static og_ctx region_ctx(three *t)
{
    og_ctx c = t->home.ctx;
    c.store = t->region.store;
    c.home = NULL;
    return c;
}

static void test_region_repair__an_interrupted_create_is_removed_from_the_region(void **state)
{
    three *t = *state;
    og_tenant whole, half, young;
    int removed = -1;
    OG_ASSERT_OK(og_tenant_create_in(&t->home.ctx, t->region.store, "whole", "eu", &whole));
    half = half_made(t, "half");
    young = half_made(t, "young"); /* its create may still be between its commits */
    backdate(t, whole.id, 60);
    backdate(t, half.id, 60);
    assert_true(og_crypto_scope_key_exists(t->region.store, half.id));

    OG_ASSERT_OK(og_tenant_region_repair(&t->home.ctx, t->region.store, "eu", &removed));
    assert_int_equal(removed, 1);
    /* the half-made tenant is gone from the region, crypto-shredded, its removal audited there */
    assert_int_equal(count(t->region.store, "SELECT COUNT(*) FROM tenants WHERE id = ?", half.id),
                     0);
    assert_false(og_crypto_scope_key_exists(t->region.store, half.id));
    assert_int_equal(count(t->region.store,
                           "SELECT COUNT(*) FROM audit_record WHERE chain = 'platform' AND"
                           " action = 'tenant.delete' AND target_id = ?",
                           half.id),
                     1);
    /* the whole tenant (the home knows it) and the young one (within the grace) stay */
    assert_int_equal(count(t->region.store, "SELECT COUNT(*) FROM tenants WHERE id = ?", whole.id),
                     1);
    assert_int_equal(count(t->region.store, "SELECT COUNT(*) FROM tenants WHERE id = ?", young.id),
                     1);
    assert_true(og_crypto_scope_key_exists(t->region.store, young.id));
    /* nothing was written at home; the region's chains verify */
    assert_int_equal(count(t->home.store, "SELECT COUNT(*) FROM tenants WHERE name = ?", "half"),
                     0);
    og_audit_verify_result res;
    og_ctx rc = region_ctx(t);
    OG_ASSERT_OK(og_audit_verify(&rc, NULL, &res));
    assert_string_equal(res.chain, "");
    /* a second run finds nothing more to do */
    OG_ASSERT_OK(og_tenant_region_repair(&t->home.ctx, t->region.store, "eu", &removed));
    assert_int_equal(removed, 0);
}

static void
test_region_repair__a_used_half_made_tenant_is_refused_with_nothing_changed(void **state)
{
    three *t = *state;
    og_tenant unused, used;
    int removed = -1;
    unused = half_made(t, "unused");
    used = half_made(t, "used");
    /* served by a node of the region (so the home given may be the wrong database) */
    og_ctx rc = region_ctx(t);
    OG_ASSERT_OK(og_user_add(&rc, "used", "ann", OG_ROLE_TENANT_ADMIN, NULL));
    backdate(t, unused.id, 90); /* the older one comes first */
    backdate(t, used.id, 60);
    int64_t records =
        count(t->region.store, "SELECT COUNT(*) FROM audit_record WHERE chain != ?", "");

    assert_int_equal(og_tenant_region_repair(&t->home.ctx, t->region.store, "eu", &removed),
                     OG_ECONFLICT);
    assert_non_null(strstr(og_error_last(), "'used'"));
    assert_non_null(strstr(og_error_last(), "was used"));
    assert_non_null(strstr(og_error_last(), "Nothing was changed"));
    assert_int_equal(removed, 0);
    /* true of every tenant: not even the unused one went */
    assert_int_equal(count(t->region.store, "SELECT COUNT(*) FROM tenants WHERE id = ?", used.id),
                     1);
    assert_int_equal(count(t->region.store, "SELECT COUNT(*) FROM tenants WHERE id = ?", unused.id),
                     1);
    assert_true(og_crypto_scope_key_exists(t->region.store, used.id));
    assert_true(og_crypto_scope_key_exists(t->region.store, unused.id));
    assert_int_equal(
        count(t->region.store, "SELECT COUNT(*) FROM audit_record WHERE chain != ?", ""), records);
}

static void test_region_repair__platform_admins_only_and_never_the_home(void **state)
{
    three *t = *state;
    og_tenant half = half_made(t, "half");
    int removed = -1;
    backdate(t, half.id, 60);
    /* a tenant-admin of a home tenant may not */
    OG_ASSERT_OK(og_tenant_create(&t->home.ctx, "local", NULL));
    OG_ASSERT_OK(og_user_add(&t->home.ctx, "local", "lee", OG_ROLE_TENANT_ADMIN, NULL));
    og_ctx lee = t->home.ctx;
    OG_ASSERT_OK(og_actor_become(&lee, "local", "lee"));
    assert_int_equal(og_tenant_region_repair(&lee, t->region.store, "eu", &removed), OG_EDENIED);
    assert_int_equal(removed, 0);
    /* the home as its own region's database */
    assert_int_equal(og_tenant_region_repair(&t->home.ctx, t->home.store, "eu", &removed),
                     OG_EINVAL);
    assert_int_equal(og_tenant_region_repair(&t->home.ctx, NULL, "eu", &removed), OG_EINVAL);
    assert_int_equal(count(t->region.store, "SELECT COUNT(*) FROM tenants WHERE id = ?", half.id),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_region_repair__an_interrupted_create_is_removed_from_the_region, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_region_repair__a_used_half_made_tenant_is_refused_with_nothing_changed, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_region_repair__platform_admins_only_and_never_the_home,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
