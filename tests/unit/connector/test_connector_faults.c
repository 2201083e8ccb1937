/* test_connector_faults.c - a sync survives a database failure at any point (the failure-injecting
 * store backend fails the Nth store call, N = 1, 4, 7, ... until the sync runs through): it reports
 * the failure, leaves no transaction open, and nothing is half-written: every record of a pulled
 * project names the latest version of its project.json and that version hashes to the record's
 * data_sha256, every project the connector made has its record and its psa.project.created
 * event, and the audit trail verifies. Then the sync works. */
#include "og_test.h"
#include "conn_rows.h"
#include "connector/sync_internal.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/sys/store_backend.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAULT_CAP 3000
#define STRIDE    3 /* every 3rd call fails, to stay fast (each attempt writes with fsync) */

static int seq; /* the hours of every task: bumped before each attempt, so each one writes */

static int fake_companies(og_conn *c, og_conn_company_fn fn, void *arg)
{
    og_conn_company a = {"C1", "Client One"};
    (void)c;
    return fn(arg, &a);
}

static int fake_projects(og_conn *c, const char *since, og_conn_project_fn fn, void *arg)
{
    (void)c, (void)since;
    for (int i = 0; i < 2; i++) {
        char id[8], hours[16];
        int rc;
        snprintf(id, sizeof(id), "%d", 100 + i);
        snprintf(hours, sizeof(hours), "%d", seq);
        json_t *data = json_pack("{s:{s:s}, s:[{s:s, s:s, s:[{s:s, s:s, s:s, s:s}]}]}", "project",
                                 "name", "P", "phases", "id", "P1", "name", "One", "tasks", "id",
                                 "T1", "name", "t", "hours", hours, "rate", "100");
        json_t *raw = json_object();
        og_conn_project p = {id, "C1", "Client One", "2026-12-01T10:00:00Z", 0, raw, data};
        rc = fn(arg, &p);
        json_decref(data);
        json_decref(raw);
        if (rc < 0)
            return rc;
    }
    return 0;
}

typedef struct fx {
    og_test_env env;
    og_tenant t;
    og_conn *c;
    og_conn_vendor v;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    f->v = og_conn_connectwise;
    f->v.companies = fake_companies;
    f->v.projects = fake_projects;
    OG_ASSERT_OK(og_conn_open(&f->c, "connectwise", "https://psa.example", NULL, NULL));
    conn_fake(f->c, &f->v, "cw", f->t.id);
    conn_rows(f->env.store, f->c, "connectwise", "https://psa.example", "C1", "Client One");
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

/* Every record names the latest project.json of its project, whose data hashes to it; every
 * project the connector made has a record and one psa.project.created event. */
static void check_consistent(fx *f, long n)
{
    og_stmt *st = NULL;
    int64_t records = 0, created = -1, projects = 0;
    json_t *list = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "SELECT project_key, data_sha256, data_version FROM "
                                 "connector_records"));
    while (og_stmt_step(st) == OG_ROW) {
        const char *key = og_stmt_col_text(st, 0);
        og_artifact_ref ref = {"acme", key, "project.json"};
        json_t *show = NULL, *data = NULL;
        char sha[65];
        records++;
        OG_ASSERT_OK(og_artifact_show(&f->env.ctx, &ref, &show));
        if (json_integer_value(json_object_get(show, "latest")) != og_stmt_col_int(st, 2))
            fail_msg("fault at call %ld: %s: record names version %lld, latest is %lld", n, key,
                     (long long)og_stmt_col_int(st, 2),
                     (long long)json_integer_value(json_object_get(show, "latest")));
        OG_ASSERT_OK(og_conn__read_json(&f->env.ctx, "acme", key, "project.json", 0, &data));
        OG_ASSERT_OK(og_docgen_data_sha256(data, sha));
        if (strcmp(sha, og_stmt_col_text(st, 1)) != 0)
            fail_msg("fault at call %ld: %s: the stored data does not hash to its record", n, key);
        json_decref(show);
        json_decref(data);
    }
    og_stmt_free(st);
    OG_ASSERT_OK(og_project_list(&f->env.ctx, "acme", &list));
    projects = (int64_t)json_array_size(list);
    json_decref(list);
    if (projects != records)
        fail_msg("fault at call %ld: %lld projects but %lld records", n, (long long)projects,
                 (long long)records);
    OG_ASSERT_OK(og_stmt_prepare_args(&st, f->env.store,
                                      "SELECT COUNT(*) FROM events WHERE type = ?", "t",
                                      "psa.project.created"));
    if (og_stmt_step(st) == OG_ROW)
        created = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    if (created != records)
        fail_msg("fault at call %ld: %lld created events for %lld records", n, (long long)created,
                 (long long)records);
    og_audit_verify_result res;
    memset(&res, 0, sizeof(res));
    if (og_audit_verify(&f->env.ctx, NULL, &res) != 0)
        fail_msg("fault at call %ld: the audit trail does not verify: %s", n, og_error_last());
}

static void test_faults__sync_at_every_store_call(void **state)
{
    fx *f = *state;
    og_connector_sync_opts o = {.trigger = "manual", .full = 1};
    for (long n = 1; n <= FAULT_CAP; n += STRIDE) {
        json_t *out = NULL;
        seq++;
        OG_ASSERT_OK(og_store_fault_arm(f->env.store, n, 0));
        og_error_clear();
        int rc = og_conn__sync_run(&f->env.ctx, f->c, &o, &out);
        long fired = og_store_fault_fired(f->env.store);
        OG_ASSERT_OK(og_store_fault_arm(f->env.store, 0, 0));
        json_decref(out);
        if (og_store_tx_depth(f->env.store) != 0)
            fail_msg("fault at call %ld: a transaction was left open", n);
        check_consistent(f, n);
        if (!fired) {
            if (rc != 0)
                fail_msg("the sync without a fault returned %d: %s", rc, og_error_last());
            print_message("a sync of 2 projects ran through armed at call %ld\n", n);
            return;
        }
        if (rc == 0)
            fail_msg("fault at call %ld: the failure was lost", n);
    }
    fail_msg("a sync makes more than %d store calls", FAULT_CAP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_faults__sync_at_every_store_call, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
