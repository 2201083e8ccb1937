/* test_connector_remap.c - a company mapped to another tenant, or unmapped, takes what an RMM or
 * cloud connector wrote for it out of the old tenant at once, in the map's transaction: its
 * discovered targets retire (rmm.device.removed there), its app credentials (and their alerts)
 * leave the inventory; another company's data stays; the next sync fills the new tenant; the
 * audit trail verifies. */
#include "conn_fixture.h"
#include "connector/sync_internal.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/connector.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ADDRS[] = {"10.1.0.9"};

/* N1, N2 of C1 and N3 of C2. */
static int fake_devices(og_conn *c, const char *since, og_conn_device_fn fn, void *arg)
{
    static const char *const dev[3][3] = {{"N1", "C1", "a-srv1.one.example"},
                                          {"N2", "C1", "b-fw1"},
                                          {"N3", "C2", "c-srv.other.example"}};
    (void)since;
    c->pages++, c->requests++;
    for (int i = 0; i < 3; i++) {
        og_conn_device d = {dev[i][0], dev[i][1], dev[i][2], "server", ADDRS, 1, 0, 0, "", NULL};
        int rc = fn(arg, &d);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* k1, k2 of directory C1 and k3 of C2. */
static int fake_creds(og_conn *c, og_conn_app_cred_fn fn, void *arg)
{
    static const char *const cred[3][2] = {{"k1", "C1"}, {"k2", "C1"}, {"k3", "C2"}};
    c->pages++, c->requests++;
    for (int i = 0; i < 3; i++) {
        og_conn_app_cred a = {.company_id = cred[i][1],
                              .cred = {.key_id = cred[i][0],
                                       .object_id = "obj-1",
                                       .object_type = "application",
                                       .app_id = "app-1",
                                       .app_name = "Payroll",
                                       .type = "secret",
                                       .name = cred[i][0],
                                       .hint = "abc",
                                       .end_us = 1900000000000000}};
        int rc = fn(arg, &a);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* A platform connector "plat" of kind (ninjaone or msgraph) on fake_vendor, no company mapped. */
static int setup_kind(void **state, const char *kind)
{
    fx *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "globex", NULL));
    fake_vendor = strcmp(kind, "msgraph") == 0 ? og_conn_msgraph : og_conn_connectwise;
    fake_vendor.kind = kind;
    fake_vendor.category = strcmp(kind, "msgraph") == 0 ? "cloud" : "rmm";
    fake_vendor.companies = fake_companies;
    fake_vendor.projects = NULL;
    fake_vendor.project = NULL;
    fake_vendor.devices = fake_devices;
    fake_vendor.app_credentials = strcmp(kind, "msgraph") == 0 ? fake_creds : NULL;
    fake_vendor.state_free = NULL;
    OG_ASSERT_OK(og_conn_open(&f->c, kind, "https://rmm.example", NULL, NULL));
    fx_conn_name(f, "plat");
    f->c->tenant_id[0] = '\0'; /* a platform connector */
    (void)fx_conn_rows;        /* its row is a platform connector's, made below */
    OG_ASSERT_OK(og_store_run(f->env.store,
                              "INSERT INTO connectors (id, tenant_id, name, kind, base_url, "
                              "secret, created_at, created_by, updated_at) VALUES (?, NULL, "
                              "'plat', ?, 'https://rmm.example', X'00', 't', 'test', 't')",
                              "tt", f->c->id, kind) < 0);
    og_events_unsubscribe_all();
    *state = f;
    return 0;
}

static int setup_rmm(void **state)
{
    return setup_kind(state, "ninjaone");
}

static int setup_cloud(void **state)
{
    return setup_kind(state, "msgraph");
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

static void sync(fx *f)
{
    og_connector_sync_opts o = {.trigger = "manual"};
    json_t *res = NULL;
    OG_ASSERT_OK(og_conn__sync_run(&f->env.ctx, f->c, &o, &res));
    assert_string_equal(json_string_value(json_object_get(res, "outcome")), "ok");
    json_decref(res);
}

/* The tenant's active targets as "N1,N3" (by name, in the order of their remote ids). */
static const char *targets(fx *f, const char *tenant)
{
    static char out[64];
    json_t *l = NULL, *v;
    size_t i;
    OG_ASSERT_OK(og_certs_discovered_list(&f->env.ctx, tenant, 0, &l));
    out[0] = '\0';
    json_array_foreach(l, i, v)
    {
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "," : "",
                 json_string_value(json_object_get(v, "remote_id")));
    }
    json_decref(l);
    return out;
}

/* The tenant's app credentials as `cert list --kind app-credential` shows them: "k1,k3". */
static const char *creds(fx *f, const char *tenant)
{
    static char out[64];
    og_certs_filter flt = {0};
    json_t *l = NULL, *v;
    size_t i;
    char *keys[8];
    size_t n = 0;
    flt.kind = OG_CERTS_KIND_APP;
    OG_ASSERT_OK(og_certs_list(&f->env.ctx, tenant, &flt, &l));
    json_array_foreach(l, i, v)
    {
        if (n < 8)
            keys[n++] = strdup(json_string_value(json_object_get(v, "key_id")));
    }
    out[0] = '\0';
    for (char c = '0'; c <= '9'; c++) /* by key id */
        for (size_t k = 0; k < n; k++)
            if (keys[k][1] == c)
                snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? "," : "",
                         keys[k]);
    for (size_t k = 0; k < n; k++)
        free(keys[k]);
    json_decref(l);
    return out;
}

static int64_t removed_events(fx *f, const char *tenant)
{
    og_tenant t;
    OG_ASSERT_OK(og_tenant_get(&f->env.ctx, tenant, &t));
    return count(
        f, "SELECT COUNT(*) FROM events WHERE type = 'rmm.device.removed' AND tenant_id = ?", t.id);
}

static void verify_audit(fx *f)
{
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, NULL, &res));
}

static void test_remap__rmm_devices_leave_the_old_tenant_at_once(void **state)
{
    fx *f = *state;
    OG_ASSERT_OK(og_connector_map(&f->env.ctx, NULL, "plat", "C1", "acme"));
    OG_ASSERT_OK(og_connector_map(&f->env.ctx, NULL, "plat", "C2", "acme"));
    sync(f);
    assert_string_equal(targets(f, "acme"), "N1,N2,N3");
    /* C1 moves to globex: its devices retire in acme now, before any sync, with events */
    OG_ASSERT_OK(og_connector_map(&f->env.ctx, NULL, "plat", "C1", "globex"));
    assert_string_equal(targets(f, "acme"), "N3");
    assert_string_equal(targets(f, "globex"), "");
    assert_int_equal(removed_events(f, "acme"), 2);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM events WHERE type = 'rmm.device.removed' AND "
                           "payload LIKE ?",
                           "%\"reason\":\"connector.map\"%"),
                     2);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM cert_discovered WHERE remote_id = ? AND "
                           "retired_at IS NOT NULL",
                           "N1"),
                     1); /* kept, retired: its certificates keep their last sighting */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_record WHERE action = ?",
                           "certs.source.company_retired"),
                     1);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM audit_record WHERE action = 'connector.map' AND "
                           "analysis LIKE ?",
                           "%\"retired_devices\":2%"),
                     3); /* the platform's, globex's and acme's chains */
    /* the next sync fills globex; acme keeps C2's N3 */
    sync(f);
    assert_string_equal(targets(f, "globex"), "N1,N2");
    assert_string_equal(targets(f, "acme"), "N3");
    assert_int_equal(removed_events(f, "acme"), 2);
    /* unmapped: gone from globex too, C2's stay in acme */
    OG_ASSERT_OK(og_connector_unmap(&f->env.ctx, NULL, "plat", "C1"));
    assert_string_equal(targets(f, "globex"), "");
    assert_int_equal(removed_events(f, "globex"), 2);
    assert_int_equal(events(f, "rmm.device.removed"), 4);
    assert_string_equal(targets(f, "acme"), "N3");
    /* mapped again to the same tenant: nothing retires */
    OG_ASSERT_OK(og_connector_map(&f->env.ctx, NULL, "plat", "C2", "acme"));
    assert_string_equal(targets(f, "acme"), "N3");
    verify_audit(f);
}

static void test_remap__cloud_credentials_leave_the_old_inventory(void **state)
{
    fx *f = *state;
    OG_ASSERT_OK(og_connector_map(&f->env.ctx, NULL, "plat", "C1", "acme"));
    OG_ASSERT_OK(og_connector_map(&f->env.ctx, NULL, "plat", "C2", "acme"));
    sync(f);
    assert_string_equal(creds(f, "acme"), "k1,k2,k3");
    assert_string_equal(targets(f, "acme"), "N1,N2,N3");
    /* an alert raised for k1 in acme goes with it */
    OG_ASSERT_OK(og_store_run(f->env.store,
                              "INSERT INTO cert_alerts (tenant_id, fingerprint, threshold_days, "
                              "raised_at) SELECT a.tenant_id, a.fingerprint, 30, 't' FROM "
                              "cert_app_credentials a WHERE a.key_id = 'k1'",
                              "") < 0);
    OG_ASSERT_OK(og_connector_map(&f->env.ctx, NULL, "plat", "C1", "globex"));
    assert_string_equal(creds(f, "acme"), "k3");
    assert_string_equal(targets(f, "acme"), "N3");
    assert_string_equal(creds(f, "globex"), "");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM cert_alerts WHERE threshold_days = 30", NULL),
                     0);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM audit_record WHERE action = 'connector.map' AND "
                           "analysis LIKE ?",
                           "%\"removed_credentials\":2%"),
                     3); /* the platform's, globex's and acme's chains */
    sync(f);
    assert_string_equal(creds(f, "globex"), "k1,k2");
    assert_string_equal(creds(f, "acme"), "k3");
    OG_ASSERT_OK(og_connector_unmap(&f->env.ctx, NULL, "plat", "C1"));
    assert_string_equal(creds(f, "globex"), "");
    assert_string_equal(creds(f, "acme"), "k3");
    verify_audit(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_remap__rmm_devices_leave_the_old_tenant_at_once,
                                        setup_rmm, teardown),
        cmocka_unit_test_setup_teardown(test_remap__cloud_credentials_leave_the_old_inventory,
                                        setup_cloud, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
