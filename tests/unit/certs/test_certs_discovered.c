/* test_certs_discovered.c - discovered targets (og_certs_discovered_sync): add, update, retire by
 * deletion and by absence from a complete pull (not from an incremental one), reappearance,
 * tenant isolation, bad input writing nothing; the discovery policy; and @discovered schedules
 * expanding to the active targets with their class's ports. */
#include "og_test.h"
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

#define SRC "connector:11111111-2222-4333-8444-555555555555"

static const char *const A1[] = {"10.0.0.5", "203.0.113.7"};
/* only 10.0.0.6 and 2001:db8::6 are scanned: the rest is not an address or not a device's */
static const char *const A2[] = {"10.0.0.6",         "not-an-ip",  "127.0.0.1", "169.254.169.254",
                                 "fe80::1",          "::1",        "0.0.0.0",   "224.0.0.1",
                                 "::ffff:127.0.0.1", "2001:db8::6"};

static size_t changes_n(json_t *ch, const char *k)
{
    return json_array_size(json_object_get(ch, k));
}

static json_t *list(og_test_env *env, const char *tenant, int all)
{
    json_t *l = NULL;
    OG_ASSERT_OK(og_certs_discovered_list(&env->ctx, tenant, all, &l));
    return l;
}

static int64_t audits(og_test_env *env, const char *action)
{
    og_stmt *st = NULL;
    int64_t n = -1;
    OG_ASSERT_OK(og_stmt_prepare_args(
        &st, env->store, "SELECT COUNT(*) FROM audit_record WHERE action = ?", "t", action));
    if (og_stmt_step(st) == OG_ROW)
        n = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

static void test_discovered__add_update_retire_complete_and_incremental(void **state)
{
    og_test_env *env = *state;
    og_certs_device d[2] = {{"D1", "srv1.acme.example", "server", A1, 2, 0},
                            {"D2", "PC-7", "workstation", A2, 10, 0}};
    json_t *ch = NULL, *l;
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, d, 2, 1, &ch));
    assert_int_equal(changes_n(ch, "added"), 2);
    assert_int_equal(changes_n(ch, "removed"), 0);
    json_decref(ch);
    l = list(env, "acme", 0);
    assert_int_equal(json_array_size(l), 2);
    /* ordered by name; the bad address is dropped; ports by class */
    json_t *pc = json_array_get(l, 0), *srv = json_array_get(l, 1);
    assert_string_equal(json_string_value(json_object_get(pc, "name")), "PC-7");
    assert_int_equal(json_array_size(json_object_get(pc, "addresses")), 2);
    assert_string_equal(json_string_value(json_object_get(pc, "ports")), "");
    assert_string_equal(json_string_value(json_object_get(srv, "ports")),
                        OG_CERTS_DISCOVERY_SERVER);
    json_decref(l);
    assert_int_equal(audits(env, "certs.discovered.sync"), 1);
    /* the same again changes nothing and audits nothing */
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, d, 2, 1, &ch));
    assert_int_equal(changes_n(ch, "added") + changes_n(ch, "updated") + changes_n(ch, "removed"),
                     0);
    json_decref(ch);
    assert_int_equal(audits(env, "certs.discovered.sync"), 1);
    /* a rename is an update */
    d[1].name = "pc-7.acme.example";
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, &d[1], 1, 0, &ch));
    assert_int_equal(changes_n(ch, "updated"), 1);
    json_decref(ch);
    /* an incremental pull that does not list D1 retires nothing */
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, &d[1], 1, 0, &ch));
    assert_int_equal(changes_n(ch, "removed"), 0);
    json_decref(ch);
    /* a complete one does */
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, &d[1], 1, 1, &ch));
    assert_int_equal(changes_n(ch, "removed"), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(ch, "removed"), 0), "remote_id")),
                        "D1");
    json_decref(ch);
    l = list(env, "acme", 0);
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    l = list(env, "acme", 1);
    assert_int_equal(json_array_size(l), 2);
    assert_non_null(json_string_value(json_object_get(json_array_get(l, 1), "retired_at")));
    json_decref(l);
    /* deleted in the RMM: retired; listed again later: added again */
    d[1].deleted = 1;
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, &d[1], 1, 0, &ch));
    assert_int_equal(changes_n(ch, "removed"), 1);
    json_decref(ch);
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, &d[1], 1, 0, &ch));
    assert_int_equal(changes_n(ch, "removed"), 0); /* retired already */
    json_decref(ch);
    l = list(env, "acme", 0);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, d, 1, 0, &ch));
    assert_int_equal(changes_n(ch, "added"), 1);
    json_decref(ch);
}

/* Intune's compliance state: kept and listed, a change is an update, a bad one is refused. */
static void test_discovered__compliance_is_kept_and_a_change_is_an_update(void **state)
{
    og_test_env *env = *state;
    og_certs_device d = {.remote_id = "M1",
                         .name = "laptop-1",
                         .device_class = "workstation",
                         .compliance = "noncompliant"};
    json_t *ch = NULL, *l;
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, &d, 1, 1, &ch));
    assert_int_equal(changes_n(ch, "added"), 1);
    json_decref(ch);
    l = list(env, "acme", 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "compliance")),
                        "noncompliant");
    json_decref(l);
    d.compliance = "compliant";
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, &d, 1, 1, &ch));
    assert_int_equal(changes_n(ch, "updated"), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(ch, "updated"), 0), "compliance")),
                        "compliant");
    json_decref(ch);
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, &d, 1, 1, &ch));
    assert_int_equal(changes_n(ch, "updated"), 0);
    json_decref(ch);
    d.compliance = "compliant; DROP";
    assert_int_equal(og_certs_discovered_sync(&env->ctx, "acme", SRC, &d, 1, 1, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "compliance state"));
    l = list(env, "acme", 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "compliance")),
                        "compliant");
    json_decref(l);
}

static void test_discovered__tenants_are_isolated_and_bad_input_writes_nothing(void **state)
{
    og_test_env *env = *state;
    og_certs_device d[2] = {{"D1", "srv1", "server", A1, 2, 0}, {"D1", "dup", "server", A1, 2, 0}};
    json_t *ch = NULL, *l;
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, d, 1, 1, NULL));
    /* globex's complete pull of the same source retires nothing of acme's */
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "globex", SRC, NULL, 0, 1, &ch));
    assert_int_equal(changes_n(ch, "removed"), 0);
    json_decref(ch);
    l = list(env, "acme", 0);
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    l = list(env, "globex", 0);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    /* a user of globex neither sees nor changes acme's */
    og_ctx user = env->ctx;
    OG_ASSERT_OK(og_user_add(&env->ctx, "globex", "gil", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_actor_become(&user, "globex", "gil"));
    l = NULL;
    assert_int_equal(og_certs_discovered_list(&user, "acme", 1, &l), OG_ENOTFOUND);
    assert_int_equal(og_certs_discovered_sync(&user, "acme", SRC, NULL, 0, 1, NULL), OG_ENOTFOUND);
    /* a duplicate id: refused, naming it, nothing written (D1 stays, srv1 unchanged) */
    d[0].name = "renamed";
    assert_int_equal(og_certs_discovered_sync(&env->ctx, "acme", SRC, d, 2, 1, &ch), OG_EINVAL);
    assert_null(ch);
    assert_non_null(strstr(og_error_last(), "D1"));
    og_certs_device noid = {"", "x", "server", NULL, 0, 0};
    assert_int_equal(og_certs_discovered_sync(&env->ctx, "acme", SRC, &noid, 1, 1, NULL),
                     OG_EINVAL);
    l = list(env, "acme", 0);
    assert_int_equal(json_array_size(l), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "name")), "srv1");
    json_decref(l);
}

static void test_discovery_policy__defaults_set_reset_and_bad_input(void **state)
{
    og_test_env *env = *state;
    json_t *p = NULL;
    OG_ASSERT_OK(og_certs_discovery_get(&env->ctx, "acme", &p));
    json_t *cl = json_object_get(p, "classes");
    assert_string_equal(json_string_value(json_object_get(cl, "server")),
                        OG_CERTS_DISCOVERY_SERVER);
    assert_string_equal(json_string_value(json_object_get(cl, "workstation")), "");
    assert_int_equal(json_array_size(json_object_get(p, "defaults")), 4);
    json_decref(p);
    OG_ASSERT_OK(og_certs_discovery_set(&env->ctx, "acme", "workstation", "3389,443"));
    OG_ASSERT_OK(og_certs_discovery_set(&env->ctx, "acme", "server", "none"));
    OG_ASSERT_OK(og_certs_discovery_get(&env->ctx, "acme", &p));
    cl = json_object_get(p, "classes");
    assert_string_equal(json_string_value(json_object_get(cl, "workstation")), "3389,443");
    assert_string_equal(json_string_value(json_object_get(cl, "server")), "");
    assert_int_equal(json_array_size(json_object_get(p, "defaults")), 2);
    json_decref(p);
    /* globex keeps its defaults */
    OG_ASSERT_OK(og_certs_discovery_get(&env->ctx, "globex", &p));
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "classes"), "server")),
                        OG_CERTS_DISCOVERY_SERVER);
    json_decref(p);
    OG_ASSERT_OK(og_certs_discovery_set(&env->ctx, "acme", "server", NULL));
    OG_ASSERT_OK(og_certs_discovery_get(&env->ctx, "acme", &p));
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "classes"), "server")),
                        OG_CERTS_DISCOVERY_SERVER);
    json_decref(p);
    assert_int_equal(og_certs_discovery_set(&env->ctx, "acme", "printer", "443"), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "printer"));
    assert_int_equal(og_certs_discovery_set(&env->ctx, "acme", "server", "443,99999"), OG_EINVAL);
    assert_int_equal(og_certs_discovery_set(&env->ctx, "acme", "server", "1-1000"), OG_EINVAL);
    assert_int_equal(audits(env, "certs.discovery.set"), 3);
}

static void test_schedule__discovered_is_accepted_and_listed(void **state)
{
    og_test_env *env = *state;
    const char *t[] = {OG_CERTS_DISCOVERED_TARGET};
    char id[OG_ID_LEN];
    json_t *l = NULL;
    /* nothing discovered yet: the schedule is still valid */
    OG_ASSERT_OK(og_certs_schedule_add(&env->ctx, "acme", 3600LL * 1000000, t, 1, NULL, NULL, NULL,
                                       0, 0, id));
    OG_ASSERT_OK(og_certs_schedule_list(&env->ctx, "acme", &l));
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(json_array_get(l, 0), "targets"), 0)),
        "@discovered");
    json_decref(l);
}

static void test_expand__active_targets_with_their_class_ports(void **state)
{
    og_test_env *env = *state;
    static const char *const v6[] = {"2001:db8::6"};
    og_certs_device d[4] = {{"D1", "srv1.acme.example", "server", A1, 2, 0},
                            {"D2", "localhost.localdomain", "network", v6, 1, 0},
                            {"D3", "pc", "workstation", A2, 10, 0},
                            {"D4", "gone.acme.example", "server", A1, 1, 1}};
    og_tenant t;
    json_t *tj = json_pack("[s, s]", "other.example:8443", OG_CERTS_DISCOVERED_TARGET);
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_certs_discovery_set(&env->ctx, "acme", "server", "443,636"));
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, d, 4, 1, NULL));
    OG_ASSERT_OK(og_certs__discovered_expand(&env->ctx, t.id, tj));
    char *txt = json_dumps(tj, JSON_COMPACT);
    /* the other target stays; srv1's two addresses and DNS name on both server ports; the
     * network device's v6 address (its name is a loopback name: not scanned by name); no
     * workstation; D4 (deleted, never active) nothing; each endpoint once */
    assert_string_equal(txt, "[\"other.example:8443\",\"[2001:db8::6]:443\",\"10.0.0.5:443\","
                             "\"203.0.113.7:443\",\"srv1.acme.example:443\",\"10.0.0.5:636\","
                             "\"203.0.113.7:636\",\"srv1.acme.example:636\"]");
    free(txt);
    json_decref(tj);
}

/* og_certs_source_company_retire: only the source's devices of that company in that tenant. */
static void test_company_retire__only_that_company_source_and_tenant(void **state)
{
    og_test_env *env = *state;
    og_certs_device d[3] = {{"D1", "srv1", "server", A1, 2, 0, "ORG1"},
                            {"D2", "srv2", "server", A1, 2, 0, "ORG2"},
                            {"D3", "srv3", "server", A1, 2, 0, NULL}}; /* no company */
    json_t *ch = NULL, *l;
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, d, 3, 1, NULL));
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", "connector:other", d, 1, 1, NULL));
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "globex", SRC, d, 1, 1, NULL));
    OG_ASSERT_OK(og_certs_source_company_retire(&env->ctx, "acme", SRC, "ORG1", &ch));
    assert_int_equal(changes_n(ch, "devices"), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(ch, "devices"), 0), "remote_id")),
                        "D1");
    assert_int_equal(changes_n(ch, "credentials"), 0);
    json_decref(ch);
    assert_int_equal(audits(env, "certs.source.company_retired"), 1);
    l = list(env, "acme", 0); /* D2, D3 of SRC and D1 of the other source stay */
    assert_int_equal(json_array_size(l), 3);
    json_decref(l);
    l = list(env, "globex", 0);
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    /* again: nothing left to retire, nothing audited */
    OG_ASSERT_OK(og_certs_source_company_retire(&env->ctx, "acme", SRC, "ORG1", &ch));
    assert_int_equal(changes_n(ch, "devices"), 0);
    json_decref(ch);
    assert_int_equal(audits(env, "certs.source.company_retired"), 1);
    /* listed again by a sync: active again */
    OG_ASSERT_OK(og_certs_discovered_sync(&env->ctx, "acme", SRC, d, 1, 0, NULL));
    l = list(env, "acme", 0);
    assert_int_equal(json_array_size(l), 4);
    json_decref(l);
    assert_int_equal(og_certs_source_company_retire(&env->ctx, "acme", SRC, "", NULL), OG_EINVAL);
    assert_int_equal(og_certs_source_company_retire(&env->ctx, "acme", NULL, "ORG1", NULL),
                     OG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_discovered__compliance_is_kept_and_a_change_is_an_update, og_test_env_two_tenants,
            og_test_env_free),
        cmocka_unit_test_setup_teardown(test_discovered__add_update_retire_complete_and_incremental,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(
            test_discovered__tenants_are_isolated_and_bad_input_writes_nothing,
            og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_discovery_policy__defaults_set_reset_and_bad_input,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_schedule__discovered_is_accepted_and_listed,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_company_retire__only_that_company_source_and_tenant,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_expand__active_targets_with_their_class_ports,
                                        og_test_env_two_tenants, og_test_env_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
