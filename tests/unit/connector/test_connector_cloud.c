/* test_connector_cloud.c - the cloud pull (cloud.c) over a test vendor of category "cloud": app
 * credentials of the mapped directory go into its tenant's inventory (an unmapped one's are
 * counted and skipped), a credential no longer listed is removed, one without a key id or a
 * failed pull writes nothing, and devices the vendor was not granted are a note in the outcome,
 * not a failure, and retire nothing. */
#include "og_test.h"
#include "conn_rows.h"
#include "connector/sync_internal.h"
#include "opsgate/certs.h"
#include "opsgate/connector.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCRED 4

static struct {
    int n, fail, granted;
    char key[NCRED][40], company[NCRED][8];
} F;

static int fake_companies(og_conn *c, og_conn_company_fn fn, void *arg)
{
    og_conn_company a = {"D1", "Contoso"}, b = {"D2", "Fabrikam"};
    int rc;
    c->requests++;
    if ((rc = fn(arg, &a)) < 0)
        return rc;
    return fn(arg, &b);
}

static int fake_creds(og_conn *c, og_conn_app_cred_fn fn, void *arg)
{
    c->pages++, c->requests++;
    if (F.fail)
        return og_error_set(OG_EBUSY, "connector cloud: GET /v1.0/applications answered 429");
    for (int i = 0; i < F.n; i++) {
        og_conn_app_cred a = {.company_id = F.company[i],
                              .cred = {.key_id = F.key[i],
                                       .object_id = "obj-1",
                                       .object_type = "application",
                                       .app_id = "app-1",
                                       .app_name = "Payroll",
                                       .type = "secret",
                                       .name = "ci",
                                       .hint = "abc",
                                       .thumbprint = "",
                                       .start_us = 0,
                                       .end_us = 1900000000000000 + (int64_t)i * 86400000000}};
        int rc = fn(arg, &a);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int fake_devices(og_conn *c, const char *since, og_conn_device_fn fn, void *arg)
{
    og_conn_device d = {"M1", "D1", "pc-0001", "workstation", NULL, 0, 0, 0, "", NULL};
    (void)since;
    c->pages++, c->requests++;
    if (!F.granted) {
        snprintf(c->notes, sizeof(c->notes), "intune: not granted");
        return 1;
    }
    return fn(arg, &d);
}

static og_conn_vendor fake_vendor;

typedef struct fx {
    og_test_env env;
    og_tenant t;
    og_conn *c;
} fx;

static void add_cred(const char *key, const char *company)
{
    snprintf(F.key[F.n], sizeof(F.key[0]), "%s", key);
    snprintf(F.company[F.n], sizeof(F.company[0]), "%s", company);
    F.n++;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    fake_vendor = og_conn_msgraph;
    fake_vendor.companies = fake_companies;
    fake_vendor.app_credentials = fake_creds;
    fake_vendor.devices = fake_devices;
    fake_vendor.state_free = NULL;
    memset(&F, 0, sizeof(F));
    F.granted = 1;
    OG_ASSERT_OK(og_conn_open(&f->c, "msgraph", "https://graph.example", NULL, NULL));
    conn_fake(f->c, &fake_vendor, "cloud", f->t.id);
    conn_rows(f->env.store, f->c, "msgraph", "https://graph.example", "D1", "Contoso");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    og_conn_free(f->c);
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

static int sync(fx *f, json_t **out)
{
    og_connector_sync_opts o = {.trigger = "manual"};
    json_t *res = NULL;
    f->c->notes[0] = '\0';
    int rc = og_conn__sync_run(&f->env.ctx, f->c, &o, &res);
    if (out)
        *out = res;
    else
        json_decref(res);
    return rc;
}

static size_t app_creds(fx *f)
{
    og_stmt *st = NULL;
    size_t n = 0;
    OG_ASSERT_OK(og_stmt_prepare_args(&st, f->env.store,
                                      "SELECT COUNT(*) FROM certs WHERE tenant_id = ? AND kind = "
                                      "'app-credential'",
                                      "t", f->t.id));
    if (og_stmt_step(st) == OG_ROW)
        n = (size_t)og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

static size_t targets(fx *f)
{
    json_t *l = NULL;
    size_t n;
    OG_ASSERT_OK(og_certs_discovered_list(&f->env.ctx, "acme", 0, &l));
    n = json_array_size(l);
    json_decref(l);
    return n;
}

static void test_cloud__mapped_credentials_in_step_unmapped_skipped(void **state)
{
    fx *f = *state;
    json_t *out = NULL;
    add_cred("k1", "D1");
    add_cred("k2", "D1");
    add_cred("k3", "D2"); /* Fabrikam: not mapped */
    OG_ASSERT_OK(sync(f, &out));
    assert_int_equal(json_integer_value(json_object_get(out, "records")), 4); /* + 1 device */
    assert_int_equal(json_integer_value(json_object_get(out, "changes")), 3);
    assert_int_equal(json_integer_value(json_object_get(out, "unmapped")), 1);
    assert_null(json_object_get(out, "notes"));
    json_decref(out);
    assert_int_equal(app_creds(f), 2);
    assert_int_equal(targets(f), 1);
    F.n = 1; /* k2 is gone from the vendor: gone from the inventory */
    OG_ASSERT_OK(sync(f, &out));
    assert_int_equal(json_integer_value(json_object_get(out, "changes")), 1);
    json_decref(out);
    assert_int_equal(app_creds(f), 1);
}

static void test_cloud__bad_or_failed_pull_writes_nothing(void **state)
{
    fx *f = *state;
    json_t *out = NULL;
    add_cred("k1", "D1");
    OG_ASSERT_OK(sync(f, NULL));
    add_cred("", "D1"); /* no key id */
    add_cred("k3", "D1");
    assert_int_equal(sync(f, &out), OG_EINVAL);
    assert_string_equal(json_string_value(json_object_get(out, "outcome")), "failed");
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")),
                           "a credential without a remote id"));
    json_decref(out);
    assert_int_equal(app_creds(f), 1);
    F.n = 0, F.fail = 1; /* the pull fails: nothing is removed either */
    assert_int_equal(sync(f, NULL), OG_EBUSY);
    assert_int_equal(app_creds(f), 1);
}

static void test_cloud__devices_not_granted_are_a_note(void **state)
{
    fx *f = *state;
    json_t *out = NULL, *notes;
    add_cred("k1", "D1");
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(targets(f), 1);
    F.granted = 0;
    OG_ASSERT_OK(sync(f, &out));
    assert_string_equal(json_string_value(json_object_get(out, "outcome")), "ok");
    assert_string_equal(json_string_value(json_array_get(json_object_get(out, "notes"), 0)),
                        "intune: not granted");
    json_decref(out);
    assert_int_equal(targets(f), 1); /* nothing known: nothing retired */
    assert_int_equal(app_creds(f), 1);
    /* the note is in the stored history too: `connector show` and the sync log list it */
    OG_ASSERT_OK(og_connector_show(&f->env.ctx, "acme", "cloud", &out));
    notes = json_object_get(json_array_get(json_object_get(out, "syncs"), 0), "notes");
    assert_true(json_is_array(notes));
    assert_string_equal(json_string_value(json_array_get(notes, 0)) ?: "", "intune: not granted");
    assert_null(json_object_get(json_array_get(json_object_get(out, "syncs"), 1), "notes"));
    notes = json_object_get(json_object_get(out, "last_sync"), "notes");
    assert_string_equal(json_string_value(json_array_get(notes, 0)) ?: "", "intune: not granted");
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cloud__mapped_credentials_in_step_unmapped_skipped,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cloud__bad_or_failed_pull_writes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cloud__devices_not_granted_are_a_note, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
