/* test_area.c - enabling a process area for a tenant (og_app_tenant_area_enable): one
 * transaction, one audit record, idempotent, admins' policies kept, who may. */
#include "og_test.h"

#include <stdlib.h>
#include <string.h>

#include "opsgate/app.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/notify.h"
#include "opsgate/sys/store_backend.h"
#include "opsgate/tenant.h"

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
    OG_ASSERT_OK(og_app_register_all());
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "globex", NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "eve", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "cv", OG_ROLE_CLIENT_VIEWER, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "globex", "gil", OG_ROLE_TENANT_ADMIN, NULL));
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

static og_ctx as_user(og_test_env *env, const char *tenant, const char *user)
{
    og_ctx c = env->ctx;
    OG_ASSERT_OK(og_actor_become(&c, tenant, user));
    return c;
}

/* Number of acme's audit records with this action. */
static size_t records(og_test_env *env, const char *action)
{
    og_tenant t;
    json_t *recs = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_audit_list(&env->ctx, t.id, 0, 1000, action, NULL, &recs, &next));
    size_t n = json_array_size(recs);
    json_decref(recs);
    return n;
}

/* acme's gate policy rows (not defaults) and the state of its certs area. */
static size_t policy_rows(og_test_env *env)
{
    json_t *show = NULL, *p;
    size_t i, n = 0;
    OG_ASSERT_OK(og_gate_policy_show(&env->ctx, "acme", &show));
    json_array_foreach(json_object_get(show, "kinds"), i, p)
    {
        const char *src = json_string_value(json_object_get(p, "source"));
        n += src && strcmp(src, "default") != 0;
    }
    json_decref(show);
    return n;
}

static const char *area_state(og_test_env *env, const char *area, char *buf, size_t size)
{
    json_t *out = NULL, *a;
    size_t i;
    OG_ASSERT_OK(og_app_tenant_areas(&env->ctx, "acme", &out));
    json_array_foreach(json_object_get(out, "areas"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "area")), area) == 0)
            og_strlcpy(buf, json_string_value(json_object_get(a, "state")), size);
    }
    json_decref(out);
    return buf;
}

static void test_area_enable__provisions_once_with_one_record(void **state)
{
    og_test_env *env = *state;
    og_ctx ada = as_user(env, "acme", "ada");
    json_t *out = NULL;
    char buf[32];
    OG_ASSERT_OK(og_app_tenant_area_enable(&ada, "acme", "certs", &out));
    assert_false(json_is_true(json_object_get(out, "already_enabled")));
    json_t *prov = json_object_get(out, "provisioned");
    assert_true(json_array_size(json_object_get(json_object_get(prov, "gate_policies"), "set")) >=
                2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(prov, "notifications"), "state")),
        "pending"); /* no channel: nothing invented */
    assert_non_null(json_object_get(json_object_get(prov, "dashboard"), "client-viewer"));
    json_decref(out);
    assert_int_equal(records(env, "tenant.area.enable"), 1);
    assert_int_equal(records(env, "gate.policy.set"), 0); /* one record for the whole step */
    og_gate_level lvl;
    og_tenant t;
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_gate_policy_get(&env->ctx, t.id, "certs.deploy", &lvl));
    assert_int_equal(lvl, OG_GATE_L1);
    assert_string_equal(area_state(env, "certs", buf, sizeof(buf)), "enabled");
    /* again: nothing changes, no record, says so with what is in place */
    OG_ASSERT_OK(og_app_tenant_area_enable(&ada, "acme", "certs", &out));
    assert_true(json_is_true(json_object_get(out, "already_enabled")));
    assert_non_null(json_object_get(json_object_get(out, "provisioned"), "gate_policies"));
    json_decref(out);
    assert_int_equal(records(env, "tenant.area.enable"), 1);
    /* disable keeps the policies */
    size_t rows = policy_rows(env);
    assert_true(rows >= 2);
    OG_ASSERT_OK(og_app_tenant_area_disable(&ada, "acme", "certs", &out));
    assert_false(json_is_true(json_object_get(out, "already_disabled")));
    json_decref(out);
    assert_int_equal(policy_rows(env), rows);
    assert_string_equal(area_state(env, "certs", buf, sizeof(buf)), "disabled");
    assert_int_equal(records(env, "tenant.area.disable"), 1);
}

static void test_area_enable__keeps_a_level_an_admin_chose(void **state)
{
    og_test_env *env = *state;
    og_ctx ada = as_user(env, "acme", "ada");
    json_t *out = NULL, *kept;
    og_gate_level lvl;
    og_tenant t;
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "certs.deploy", OG_GATE_L3));
    OG_ASSERT_OK(og_app_tenant_area_enable(&ada, "acme", "certs", &out));
    kept = json_object_get(json_object_get(json_object_get(out, "provisioned"), "gate_policies"),
                           "kept");
    assert_int_equal(json_array_size(kept), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(kept, 0), "kind")),
                        "certs.deploy");
    assert_string_equal(json_string_value(json_object_get(json_array_get(kept, 0), "level")), "L3");
    json_decref(out);
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_gate_policy_get(&env->ctx, t.id, "certs.deploy", &lvl));
    assert_int_equal(lvl, OG_GATE_L3);
}

static void test_area_enable__adds_the_areas_events_to_the_first_channel(void **state)
{
    og_test_env *env = *state;
    og_ctx ada = as_user(env, "acme", "ada");
    json_t *out = NULL, *ch = NULL, *nr;
    char id[OG_ID_LEN];
    OG_ASSERT_OK(og_notify_channel_add(&ada, "acme", "webhook", "https://hooks.example.test/x",
                                       "s3cret-s3cret-s3cret", 20, NULL, "certs.expiring", id));
    OG_ASSERT_OK(og_app_tenant_area_enable(&ada, "acme", "certs", &out));
    nr = json_object_get(json_object_get(out, "provisioned"), "notifications");
    assert_string_equal(json_string_value(json_object_get(nr, "channel_id")), id);
    assert_string_equal(json_string_value(json_array_get(json_object_get(nr, "kept"), 0)),
                        "certs.expiring");
    assert_true(json_array_size(json_object_get(nr, "added")) >= 1);
    json_decref(out);
    OG_ASSERT_OK(og_notify_channel_get(&ada, "acme", id, &ch));
    assert_true(json_array_size(json_object_get(ch, "events")) >= 2);
    json_decref(ch);
}

static void test_area_enable__refuses_bad_areas_and_other_roles(void **state)
{
    og_test_env *env = *state;
    og_ctx eve = as_user(env, "acme", "eve"), gil = as_user(env, "globex", "gil");
    og_ctx cv = as_user(env, "acme", "cv");
    json_t *out = NULL;
    assert_int_equal(og_app_tenant_area_enable(&env->ctx, "acme", "dns", &out), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "certs, artifacts"));
    assert_null(out);
    assert_int_equal(og_app_tenant_area_enable(&eve, "acme", "certs", &out), OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "enabling a process area needs the tenant-admin role"));
    assert_int_equal(og_app_tenant_area_disable(&eve, "acme", "certs", &out), OG_EDENIED);
    assert_non_null(
        strstr(og_error_last(), "disabling a process area needs the tenant-admin role"));
    assert_int_equal(og_app_tenant_area_enable(&gil, "acme", "certs", &out), OG_ENOTFOUND);
    assert_int_equal(og_app_tenant_areas(&gil, "acme", &out), OG_ENOTFOUND);
    assert_int_equal(records(env, "tenant.area.enable"), 0);
    /* a client-viewer sees its pages (published artifacts), not what was provisioned */
    OG_ASSERT_OK(og_app_tenant_area_enable(&env->ctx, "acme", "artifacts", &out));
    json_decref(out);
    OG_ASSERT_OK(og_app_tenant_areas(&cv, "acme", &out));
    json_t *a = json_array_get(json_object_get(out, "areas"), 1);
    assert_string_equal(json_string_value(json_object_get(a, "area")), "artifacts");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "dashboard"), 0)),
                        "artifacts:published");
    assert_null(json_object_get(a, "provisioned"));
    json_decref(out);
}

/* Enabling an enabled area whose notification rules were pending (no channel then) adds them
 * once a channel exists, in one audited step; a fully provisioned area is left as it is. */
static void test_area_enable__again_completes_pending_rules(void **state)
{
    og_test_env *env = *state;
    og_ctx ada = as_user(env, "acme", "ada");
    json_t *out = NULL, *ch = NULL, *nr, *a;
    char id[OG_ID_LEN];
    size_t i;
    OG_ASSERT_OK(og_app_tenant_area_enable(&ada, "acme", "certs", &out));
    json_decref(out);
    /* still no channel: nothing to complete, nothing written */
    OG_ASSERT_OK(og_app_tenant_area_enable(&ada, "acme", "certs", &out));
    assert_true(json_is_true(json_object_get(out, "already_enabled")));
    assert_int_equal(json_array_size(json_object_get(out, "completed")), 0);
    json_decref(out);
    assert_int_equal(records(env, "tenant.area.complete"), 0);
    OG_ASSERT_OK(og_notify_channel_add(&ada, "acme", "webhook", "https://hooks.example.test/x",
                                       "s3cret-s3cret-s3cret", 20, NULL, "gate.task", id));
    OG_ASSERT_OK(og_app_tenant_area_enable(&ada, "acme", "certs", &out));
    assert_true(json_is_true(json_object_get(out, "already_enabled")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(out, "completed"), 0)),
                        "notifications");
    nr = json_object_get(json_object_get(out, "provisioned"), "notifications");
    assert_string_equal(json_string_value(json_object_get(nr, "state")), "added");
    assert_string_equal(json_string_value(json_object_get(nr, "channel_id")), id);
    assert_non_null(json_object_get(json_object_get(out, "provisioned"), "gate_policies"));
    json_decref(out);
    assert_int_equal(records(env, "tenant.area.complete"), 1);
    assert_int_equal(records(env, "tenant.area.enable"), 1);
    OG_ASSERT_OK(og_notify_channel_get(&ada, "acme", id, &ch));
    assert_true(json_array_size(json_object_get(ch, "events")) >= 8);
    json_decref(ch);
    /* the recorded provisioning says so too */
    OG_ASSERT_OK(og_app_tenant_areas(&env->ctx, "acme", &out));
    json_array_foreach(json_object_get(out, "areas"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "area")), "certs") == 0)
            assert_string_equal(
                json_string_value(json_object_get(
                    json_object_get(json_object_get(a, "provisioned"), "notifications"), "state")),
                "added");
    }
    json_decref(out);
    /* fully provisioned now: untouched, says so, no record */
    OG_ASSERT_OK(og_app_tenant_area_enable(&ada, "acme", "certs", &out));
    assert_true(json_is_true(json_object_get(out, "already_enabled")));
    assert_int_equal(json_array_size(json_object_get(out, "completed")), 0);
    assert_non_null(strstr(json_string_value(json_object_get(out, "note")), "fully provisioned"));
    json_decref(out);
    assert_int_equal(records(env, "tenant.area.complete"), 1);
}

/* A database failure at any call of the step leaves nothing: no area, no policy, no record. */
static void test_area_enable__a_fault_anywhere_leaves_nothing(void **state)
{
    og_test_env *env = *state;
    char buf[32];
    long n;
    for (n = 1; n < 2000; n++) {
        json_t *out = NULL;
        OG_ASSERT_OK(og_store_fault_arm(env->store, n, 0));
        int rc = og_app_tenant_area_enable(&env->ctx, "acme", "certs", &out);
        long fired = og_store_fault_fired(env->store);
        OG_ASSERT_OK(og_store_fault_arm(env->store, 0, 0));
        assert_int_equal(og_store_tx_depth(env->store), 0);
        if (!fired) {
            OG_ASSERT_OK(rc);
            json_decref(out);
            break;
        }
        if (rc == 0)
            fail_msg("fault at call %ld: the failure was lost", n);
        assert_null(out);
        assert_string_equal(area_state(env, "certs", buf, sizeof(buf)), "not_enabled");
        assert_int_equal(policy_rows(env), 0);
        assert_int_equal(records(env, "tenant.area.enable"), 0);
    }
    assert_true(n > 3);
    assert_string_equal(area_state(env, "certs", buf, sizeof(buf)), "enabled");
    assert_int_equal(records(env, "tenant.area.enable"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_area_enable__provisions_once_with_one_record, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_area_enable__keeps_a_level_an_admin_chose, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_area_enable__adds_the_areas_events_to_the_first_channel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_area_enable__refuses_bad_areas_and_other_roles, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_area_enable__a_fault_anywhere_leaves_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_area_enable__again_completes_pending_rules, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
