/* test_connector_devices.c - the RMM pull (devices.c) over a test vendor of category "rmm":
 * devices of mapped companies become the tenant's discovered targets with rmm.device.added
 * events, unmapped companies are listed and their devices skipped, a full pull retires the
 * devices it no longer lists (rmm.device.removed), an incremental one retires only deleted ones,
 * and a failed pull writes nothing and is recorded as a failed sync. */
#include "conn_fixture.h"
#include "connector/sync_internal.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDEV 4

typedef struct fake_device {
    char id[16], company[8], name[32], cls[16];
    int deleted;
} fake_device;

static struct {
    int n, fail;
    fake_device d[NDEV];
    char since[64];
} F;

static const char *const ADDRS[] = {"10.1.0.9", "198.51.100.4"};

static int fake_devices(og_conn *c, const char *since, og_conn_device_fn fn, void *arg)
{
    snprintf(F.since, sizeof(F.since), "%s", since ? since : "");
    c->pages++, c->requests++;
    for (int i = 0; i < F.n; i++) {
        fake_device *f = &F.d[i];
        og_conn_device d = {
            f->id, f->company, f->name, f->cls, ADDRS, 2, f->deleted, 0, "2026-12-01T10:00:00Z",
            NULL};
        int rc;
        if (F.fail && i == F.n - 1)
            return og_error_set(OG_EBUSY, "connector rmm: GET /v2/devices: the vendor answered "
                                          "503 (test)");
        if ((rc = fn(arg, &d)) < 0)
            return rc;
    }
    return 0;
}

static void add_device(const char *id, const char *company, const char *name, const char *cls)
{
    fake_device *f = &F.d[F.n++];
    snprintf(f->id, sizeof(f->id), "%s", id);
    snprintf(f->company, sizeof(f->company), "%s", company);
    snprintf(f->name, sizeof(f->name), "%s", name);
    snprintf(f->cls, sizeof(f->cls), "%s", cls);
    f->deleted = 0;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "globex", NULL));
    fake_vendor = og_conn_connectwise;
    fake_vendor.kind = "ninjaone";
    fake_vendor.category = "rmm";
    fake_vendor.companies = fake_companies;
    fake_vendor.projects = NULL;
    fake_vendor.project = NULL;
    fake_vendor.devices = fake_devices;
    memset(&F, 0, sizeof(F));
    OG_ASSERT_OK(og_conn_open(&f->c, "connectwise", "https://rmm.example", NULL, NULL));
    fx_conn_name(f, "rmm");
    fx_conn_rows(f, "https://rmm.example");
    og_events_unsubscribe_all();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    og_events_unsubscribe_all();
    og_conn_free(f->c);
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

static int sync(fx *f, int full, json_t **out)
{
    og_connector_sync_opts o = {.trigger = "manual", .full = full};
    json_t *res = NULL;
    int rc = og_conn__sync_run(&f->env.ctx, f->c, &o, &res);
    if (out)
        *out = res;
    else
        json_decref(res);
    return rc;
}

static size_t targets(fx *f, const char *tenant)
{
    json_t *l = NULL;
    size_t n;
    OG_ASSERT_OK(og_certs_discovered_list(&f->env.ctx, tenant, 0, &l));
    n = json_array_size(l);
    json_decref(l);
    return n;
}

static void test_devices__mapped_become_targets_unmapped_are_listed(void **state)
{
    fx *f = *state;
    json_t *out = NULL;
    add_device("N1", "C1", "srv1.acme.example", "server");
    add_device("N2", "C1", "fw1", "network");
    add_device("N3", "C2", "other-srv", "server");
    add_device("N4", "C9", "stray", "server"); /* a company the vendor did not list */
    OG_ASSERT_OK(sync(f, 0, &out));
    assert_string_equal(F.since, "");
    assert_int_equal(json_integer_value(json_object_get(out, "records")), 4);
    assert_int_equal(json_integer_value(json_object_get(out, "changes")), 2);
    assert_int_equal(json_integer_value(json_object_get(out, "unmapped")), 2);
    assert_int_equal(json_array_size(json_object_get(out, "unmapped_companies")), 2);
    json_decref(out);
    assert_int_equal(targets(f, "acme"), 2);
    assert_int_equal(targets(f, "globex"), 0);
    assert_int_equal(events(f, "rmm.device.added"), 2);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM events WHERE type = 'rmm.device.added' AND "
                           "payload LIKE ?",
                           "%srv1.acme.example%"),
                     1);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM connector_companies WHERE company_id = ? AND "
                           "tenant_id IS NULL",
                           "C9"),
                     1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connector_syncs WHERE outcome = ?", "ok"), 1);
    /* the next, incremental pull gets the cursor and writes nothing new */
    OG_ASSERT_OK(sync(f, 0, &out));
    assert_string_equal(F.since, "2026-12-01T09:55:00Z");
    assert_int_equal(json_integer_value(json_object_get(out, "changes")), 0);
    json_decref(out);
    assert_int_equal(events(f, "rmm.device.added"), 2);
}

static void test_devices__removed_by_deletion_or_absence_from_a_full_pull(void **state)
{
    fx *f = *state;
    add_device("N1", "C1", "srv1.acme.example", "server");
    add_device("N2", "C1", "fw1", "network");
    OG_ASSERT_OK(sync(f, 1, NULL));
    assert_int_equal(targets(f, "acme"), 2);
    /* an incremental pull that lists only N2 retires nothing */
    F.d[0] = F.d[1], F.n = 1;
    OG_ASSERT_OK(sync(f, 0, NULL));
    assert_int_equal(targets(f, "acme"), 2);
    /* a full pull that no longer lists N1 retires it */
    OG_ASSERT_OK(sync(f, 1, NULL));
    assert_int_equal(targets(f, "acme"), 1);
    assert_int_equal(events(f, "rmm.device.removed"), 1);
    /* the RMM marks N2 deleted: retired on an incremental pull */
    F.d[0].deleted = 1;
    OG_ASSERT_OK(sync(f, 0, NULL));
    assert_int_equal(targets(f, "acme"), 0);
    assert_int_equal(events(f, "rmm.device.removed"), 2);
    /* a full pull listing nothing for the tenant retires nothing more, and fails nothing */
    F.n = 0;
    OG_ASSERT_OK(sync(f, 1, NULL));
    assert_int_equal(events(f, "rmm.device.removed"), 2);
}

static void test_devices__a_failed_pull_writes_nothing(void **state)
{
    fx *f = *state;
    json_t *out = NULL;
    add_device("N1", "C1", "srv1.acme.example", "server");
    OG_ASSERT_OK(sync(f, 1, NULL));
    add_device("N2", "C1", "srv2.acme.example", "server");
    add_device("N3", "C1", "srv3.acme.example", "server");
    F.fail = 1; /* dies before the last device: a full pull must not retire anything */
    assert_int_equal(sync(f, 1, &out), OG_EBUSY);
    assert_string_equal(json_string_value(json_object_get(out, "outcome")), "failed");
    json_decref(out);
    assert_int_equal(targets(f, "acme"), 1);
    assert_int_equal(events(f, "rmm.device.added"), 1);
    assert_int_equal(events(f, "rmm.device.removed"), 0);
    F.fail = 0;
    OG_ASSERT_OK(sync(f, 1, NULL));
    assert_int_equal(targets(f, "acme"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_devices__mapped_become_targets_unmapped_are_listed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_devices__removed_by_deletion_or_absence_from_a_full_pull, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devices__a_failed_pull_writes_nothing, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
