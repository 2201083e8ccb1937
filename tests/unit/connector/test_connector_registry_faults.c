/* test_connector_registry_faults.c - every change of the connector registry survives a database
 * failure at any store call (the failure-injecting backend fails the Nth call, N = 1, 2, ...
 * until the change runs through): it reports the failure, leaves no transaction open, writes
 * nothing half (a connector exists with its audit record or not at all; a map, an update, a
 * removal is whole or absent) and the audit trail verifies; then the change works. */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/connector.h"
#include "opsgate/error.h"
#include "opsgate/sys/store_backend.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

#define FAULT_CAP 400

typedef struct fx {
    og_test_env env;
    og_tenant t;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

static long count(fx *f, const char *sql)
{
    og_stmt *st = NULL;
    long n = -1;
    if (og_stmt_prepare(&st, f->env.store, sql) == 0 && og_stmt_step(st) == OG_ROW)
        n = (long)og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

/* connectors, company maps and connector audit records must move together */
static void check_whole(fx *f, const char *what, long n)
{
    og_audit_verify_result res;
    memset(&res, 0, sizeof(res));
    if (og_store_tx_depth(f->env.store) != 0)
        fail_msg("%s, fault at call %ld: a transaction was left open", what, n);
    if (og_audit_verify(&f->env.ctx, NULL, &res) != 0)
        fail_msg("%s, fault at call %ld: the audit trail does not verify: %s", what, n,
                 og_error_last());
    long conns = count(f, "SELECT COUNT(*) FROM connectors");
    long adds = count(f, "SELECT COUNT(*) FROM audit_record WHERE action = 'connector.add'");
    long removes = count(f, "SELECT COUNT(*) FROM audit_record WHERE action = 'connector.remove'");
    if (adds >= 0 && conns != adds - removes)
        fail_msg("%s, fault at call %ld: %ld connectors but %ld added and %ld removed", what, n,
                 conns, adds, removes);
    long maps = count(f, "SELECT COUNT(*) FROM connector_companies WHERE tenant_id IS NOT NULL");
    long mapped = count(f, "SELECT COUNT(*) FROM audit_record WHERE action = 'connector.map'");
    long unmapped = count(f, "SELECT COUNT(*) FROM audit_record WHERE action = 'connector.unmap'");
    if (mapped >= 0 && maps != mapped - unmapped)
        fail_msg("%s, fault at call %ld: %ld maps but %ld map and %ld unmap records", what, n, maps,
                 mapped, unmapped);
}

typedef int (*op_fn)(fx *f);

static int op_add(fx *f)
{
    /* the ConnectWise kind's credential fields, with made-up values */
    json_t *creds =
        json_pack("{s:s, s:s, s:s, s:s}", "company_id", "acme", "public_key", "pub", "private_key",
                  "priv", "client_id", "00000000-0000-4000-8000-000000000000");
    og_connector_spec s = {.tenant = "acme",
                           .name = "cw",
                           .kind = "connectwise",
                           .base_url = "https://psa.example/api",
                           .credentials = creds};
    int rc = og_connector_add(&f->env.ctx, &s, NULL);
    json_decref(creds);
    return rc;
}

static int op_update(fx *f)
{
    json_t *o = json_pack("{s:i}", "page_size", 42);
    og_connector_spec s = {.tenant = "acme", .name = "cw", .options = o};
    int rc = og_connector_update(&f->env.ctx, &s, NULL);
    json_decref(o);
    return rc;
}

static int op_map(fx *f)
{
    return og_connector_map(&f->env.ctx, "acme", "cw", "C1", NULL);
}

static int op_unmap(fx *f)
{
    return og_connector_unmap(&f->env.ctx, "acme", "cw", "C1");
}

static int op_remove(fx *f)
{
    return og_connector_remove(&f->env.ctx, "acme", "cw");
}

/* Fail call 1, 2, ... of op until it runs through. */
static void fault_each(fx *f, op_fn op, const char *what)
{
    for (long n = 1; n <= FAULT_CAP; n++) {
        OG_ASSERT_OK(og_store_fault_arm(f->env.store, n, 0));
        og_error_clear();
        int rc = op(f);
        long fired = og_store_fault_fired(f->env.store);
        OG_ASSERT_OK(og_store_fault_arm(f->env.store, 0, 0));
        if (!fired) {
            if (rc != 0)
                fail_msg("%s without a fault returned %d: %s", what, rc, og_error_last());
            check_whole(f, what, 0);
            return;
        }
        if (rc == 0)
            fail_msg("%s, fault at call %ld: the failure was lost", what, n);
        check_whole(f, what, n);
    }
    fail_msg("%s makes more than %d store calls", what, FAULT_CAP);
}

static void test_connector_faults__every_registry_change_is_whole(void **state)
{
    fx *f = *state;
    fault_each(f, op_add, "connector add");
    fault_each(f, op_update, "connector update");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connectors WHERE options LIKE"
                              " '%\"page_size\":42%'"),
                     1);
    fault_each(f, op_map, "connector map");
    fault_each(f, op_unmap, "connector unmap");
    fault_each(f, op_remove, "connector remove");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connectors"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connector_companies"), 0);
    /* the checks above read the trail: one record of each change that went through */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_record WHERE action LIKE 'connector.%'"),
                     5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connector_faults__every_registry_change_is_whole,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
