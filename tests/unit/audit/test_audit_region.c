/* test_audit_region.c - og_audit_verify_region: a region's database whose chains and placements
 * agree with the home verifies; a tenant the home places in the region that the region never
 * created, a tenant the region created that the home never placed, and a tampered chain in the
 * region are each reported (OG_ECORRUPT, naming the chain and what is wrong). Three installations:
 * the home, the region's database, and a stand-in for the other side of a placement that went
 * wrong (a second home, or a second region database). Runs on both backends. */
#include "og_test.h"
#include "opsgate/audit.h"
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

/* The context of commands on the region's tenants: its store, the home kept. */
static og_ctx region_ctx(three *t)
{
    og_ctx c = t->home.ctx;
    c.store = t->region.store;
    c.home = t->home.store;
    return c;
}

/* A region with two tenants in use and one created and deleted again. */
static void populate(three *t, og_tenant *acme)
{
    og_tenant b, gone;
    og_ctx rc = region_ctx(t);
    OG_ASSERT_OK(og_tenant_create_in(&t->home.ctx, t->region.store, "acme", "eu", acme));
    OG_ASSERT_OK(og_tenant_create_in(&t->home.ctx, t->region.store, "beta", "eu", &b));
    OG_ASSERT_OK(og_tenant_create_in(&t->home.ctx, t->region.store, "gone", "eu", &gone));
    OG_ASSERT_OK(og_user_add(&rc, "acme", "ann", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(&rc, "acme", "bob", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(&rc, "beta", "cy", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_tenant_delete(&rc, gone.id));
    OG_ASSERT_OK(og_tenant_directory_delete(&t->home.ctx, &gone));
    /* a tenant of the home's own is no business of the region */
    OG_ASSERT_OK(og_tenant_create(&t->home.ctx, "local", NULL));
}

static void test_audit_region__a_clean_region_verifies(void **state)
{
    three *t = *state;
    og_tenant acme;
    og_audit_verify_result res;
    populate(t, &acme);
    memset(&res, 0, sizeof(res));
    OG_ASSERT_OK(og_audit_verify_region(&t->home.ctx, t->region.store, "eu", &res));
    assert_string_equal(res.chain, "");
    /* the region's platform chain and its three tenants' chains were checked */
    assert_true(res.chains >= 4);
    assert_true(res.records >= 9);
    /* the same from a region's context (ctx->home names the home) */
    og_ctx rc = region_ctx(t);
    rc.store = t->other.store; /* not the region: verify_region reads the databases it is given */
    OG_ASSERT_OK(og_audit_verify_region(&rc, t->region.store, "eu", &res));
    assert_string_equal(res.chain, "");
}

static void test_audit_region__a_placement_the_region_never_made_is_reported(void **state)
{
    three *t = *state;
    og_tenant acme, ghost;
    og_audit_verify_result res;
    populate(t, &acme);
    /* the home places "ghost" in eu, but its region half went to another database */
    OG_ASSERT_OK(og_tenant_create_in(&t->home.ctx, t->other.store, "ghost", "eu", &ghost));
    assert_int_equal(og_audit_verify_region(&t->home.ctx, t->region.store, "eu", &res),
                     OG_ECORRUPT);
    assert_string_equal(res.chain, "platform");
    assert_true(res.bad_seq > 0);
    assert_non_null(strstr(res.message, "'ghost'"));
    assert_non_null(strstr(res.message, ghost.id));
    assert_non_null(strstr(res.message, "does not record its creation"));
    assert_non_null(strstr(og_error_last(), "ghost"));
}

static void test_audit_region__a_tenant_the_home_never_placed_is_reported(void **state)
{
    three *t = *state;
    og_tenant acme, stray;
    og_audit_verify_result res;
    populate(t, &acme);
    /* the region holds "stray", created there for another home: this home never placed it */
    og_ctx oc = t->home.ctx;
    oc.store = t->other.store;
    OG_ASSERT_OK(og_tenant_create_in(&oc, t->region.store, "stray", "eu", &stray));
    assert_int_equal(og_audit_verify_region(&t->home.ctx, t->region.store, "eu", &res),
                     OG_ECORRUPT);
    assert_string_equal(res.chain, "platform");
    assert_non_null(strstr(res.message, "'stray'"));
    assert_non_null(strstr(res.message, stray.id));
    assert_non_null(strstr(res.message, "does not place it there"));
    /* the region's tenants verified under another region name are all misplaced */
    memset(&res, 0, sizeof(res));
    assert_int_equal(og_audit_verify_region(&t->home.ctx, t->region.store, "us", &res),
                     OG_ECORRUPT);
    assert_non_null(strstr(res.message, "region 'us' records the creation of tenant"));
}

/* Drop the region's immutability triggers on audit records: what someone with the database
 * could do. */
static og_store *tamper_region(three *t)
{
    static const char *const triggers[] = {"audit_record_no_update", "audit_record_no_delete",
                                           "audit_record_extends_chain"};
    og_store *db = og_test_raw_open(&t->region);
    for (size_t i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++)
        og_test_raw_drop_trigger(db, triggers[i], "audit_record");
    return db;
}

static void test_audit_region__a_tampered_region_chain_is_reported(void **state)
{
    three *t = *state;
    og_tenant acme;
    og_audit_verify_result res;
    populate(t, &acme);
    og_store *db = tamper_region(t);
    og_test_raw_exec(db,
                     "UPDATE audit_record SET actor = 'user:mallory' WHERE chain = '%s' AND"
                     " seq = 2",
                     acme.id);
    og_store_close(db);
    assert_int_equal(og_audit_verify_region(&t->home.ctx, t->region.store, "eu", &res),
                     OG_ECORRUPT);
    assert_string_equal(res.chain, acme.id);
    assert_int_equal(res.bad_seq, 2);
    assert_string_equal(res.actor, "user:mallory");
    /* the home alone still verifies: the damage is the region's */
    OG_ASSERT_OK(og_audit_verify(&t->home.ctx, NULL, &res));
    assert_string_equal(res.chain, "");
}

static void test_audit_region__refusals(void **state)
{
    three *t = *state;
    og_tenant acme;
    og_audit_verify_result res;
    populate(t, &acme);
    assert_int_equal(og_audit_verify_region(&t->home.ctx, t->home.store, "eu", &res), OG_EINVAL);
    assert_int_equal(og_audit_verify_region(&t->home.ctx, t->region.store, "", &res), OG_EINVAL);
    assert_int_equal(og_audit_verify_region(&t->home.ctx, NULL, "eu", &res), OG_EINVAL);
    og_ctx ann = region_ctx(t);
    OG_ASSERT_OK(og_actor_become(&ann, "acme", "ann"));
    assert_int_equal(og_audit_verify_region(&ann, t->region.store, "eu", &res), OG_EDENIED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit_region__a_clean_region_verifies, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_audit_region__a_placement_the_region_never_made_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_audit_region__a_tenant_the_home_never_placed_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_region__a_tampered_region_chain_is_reported,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_region__refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
