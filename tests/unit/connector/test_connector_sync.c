/* test_connector_sync.c - the pull engine over a test vendor (an og_conn opened with
 * og_conn_open whose vendor is this file's fake PSA, and a connectors row made by hand): first
 * sight, nothing changed writes nothing, scope changes and closures make their events, unmapped
 * companies are listed and skipped, a failure keeps the snapshot and the cursor and alerts once;
 * and the automation that drafts the SOW, the change order and the closure from the events. */
#include "conn_fixture.h"
#include "connector/sync_internal.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPROJ 80

/* ---- the fake PSA ---- */
typedef struct fake_project {
    char id[16], company[8], updated[32];
    int closed;
    json_t *data;
} fake_project;

static struct {
    int n;
    fake_project p[NPROJ];
    int fail_after;      /* -1: never; else the pull fails after this many projects */
    int64_t synchronous; /* PRAGMA synchronous of the sync's connection during the pull */
    char since[64];
} F;

static int fake_projects(og_conn *c, const char *since, og_conn_project_fn fn, void *arg)
{
    snprintf(F.since, sizeof(F.since), "%s", since ? since : "");
    c->pages++, c->requests++;
    og_stmt *st = NULL;
    if (og_stmt_prepare_args(&st, ((og_conn_sync *)arg)->sys.store, "PRAGMA synchronous", "") ==
            0 &&
        og_stmt_step(st) == OG_ROW)
        F.synchronous = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    for (int i = 0; i < F.n; i++) {
        fake_project *f = &F.p[i];
        json_t *raw = json_pack("{s:{s:s, s:s}}", "project", "id", f->id, "po", "PO-1");
        og_conn_project p = {
            f->id,      f->company, strcmp(f->company, "C1") ? "Other Co" : "Client One",
            f->updated, f->closed,  raw,
            f->data};
        int rc;
        if (F.fail_after >= 0 && i >= F.fail_after) {
            json_decref(raw);
            return og_error_set(OG_EBUSY, "connector cw: GET /project/projects: the vendor "
                                          "answered 503 (test)");
        }
        rc = fn(arg, &p);
        json_decref(raw);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int fake_project_one(og_conn *c, const char *remote_id, og_conn_project_fn fn, void *arg)
{
    int saved = F.n, rc = OG_ENOTFOUND;
    for (int i = 0; i < saved; i++) {
        if (strcmp(F.p[i].id, remote_id) != 0)
            continue;
        fake_project keep = F.p[0];
        F.p[0] = F.p[i];
        F.n = 1;
        rc = fake_projects(c, NULL, fn, arg);
        F.p[i] = F.p[0];
        F.p[0] = keep;
        F.n = saved;
        break;
    }
    return rc == OG_ENOTFOUND ? og_error_set(rc, "no project %s", remote_id) : rc;
}

/* ---- fixture (conn_fixture.h) ---- */
static const char *PROJECT_DATA =
    "{\"project\": {\"name\": \"Mail migration\", \"manager\": \"Dana\"},"
    " \"phases\": [{\"id\": \"P1\", \"name\": \"Build\", \"start\": \"2026-11-02\", \"end\": "
    "\"2026-11-30\", \"tasks\": [{\"id\": \"T1\", \"name\": \"Design\", \"hours\": \"6\", "
    "\"rate\": \"120.00\", \"actual_hours\": \"7\"}, {\"id\": \"T2\", \"name\": \"Migrate\", "
    "\"hours\": \"10\", \"rate\": \"110.00\", \"actual_hours\": \"9.5\"}]}],"
    " \"psa\": {\"budget_hours\": \"16\", \"status\": \"Open\", \"remote_id\": \"ID\"}}";

static const char *DEFAULTS =
    "{\"currency\": \"EUR\", \"provider\": {\"name\": \"Bluefin\"},"
    " \"scope\": {\"in\": [\"What the PSA project lists\"]},"
    " \"deliverables\": [{\"id\": \"D1\", \"name\": \"Working mail\", \"acceptance\": "
    "\"Mail flows\"}], \"objectives\": [\"Move the mail\"],"
    " \"signoff\": [{\"party\": \"Client\", \"name\": \"Jonas\"}, {\"party\": \"Provider\", "
    "\"name\": \"Dana\"}]%s}";

static void add_project(const char *id, const char *company)
{
    fake_project *f = &F.p[F.n++];
    json_error_t e;
    snprintf(f->id, sizeof(f->id), "%s", id);
    snprintf(f->company, sizeof(f->company), "%s", company);
    snprintf(f->updated, sizeof(f->updated), "2026-12-01T10:00:00Z");
    f->closed = 0;
    f->data = json_loads(PROJECT_DATA, 0, &e);
    assert_non_null(f->data);
}

static json_t *task(int project, int i)
{
    json_t *ph = json_array_get(json_object_get(F.p[project].data, "phases"), 0);
    return json_array_get(json_object_get(ph, "tasks"), (size_t)i);
}

static void open_conn(fx *f, int payment_terms)
{
    char opts[2048], defaults[1500];
    json_t *o;
    json_error_t e;
    snprintf(defaults, sizeof(defaults), DEFAULTS,
             payment_terms ? ", \"payment_terms\": {\"billing\": \"monthly\", \"terms\": \"Net "
                             "30\"}"
                           : "");
    snprintf(opts, sizeof(opts),
             "{\"defaults\": %s, \"mapping\": {\"client.po_number\": "
             "\"project.po\"}}",
             defaults);
    assert_non_null(o = json_loads(opts, 0, &e));
    og_conn_free(f->c);
    OG_ASSERT_OK(og_conn_open(&f->c, "connectwise", "https://psa.example", NULL, o));
    json_decref(o);
    fx_conn_name(f, "cw");
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    fake_vendor = og_conn_connectwise;
    fake_vendor.companies = fake_companies;
    fake_vendor.projects = fake_projects;
    fake_vendor.project = fake_project_one;
    memset(&F, 0, sizeof(F));
    F.fail_after = -1;
    open_conn(f, 1);
    fx_conn_rows(f, "https://psa.example");
    og_events_unsubscribe_all();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    for (int i = 0; i < F.n; i++)
        json_decref(F.p[i].data);
    og_events_unsubscribe_all();
    og_conn_free(f->c);
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

/* ---- helpers ---- */
static int64_t audits(fx *f, const char *action)
{
    return count(f, "SELECT COUNT(*) FROM audit_record WHERE action = ?", action);
}

static int64_t versions(fx *f, const char *project, const char *name)
{
    og_artifact_ref r = {"acme", project, name};
    json_t *log = NULL;
    int64_t n;
    if (og_artifact_log(&f->env.ctx, &r, &log) < 0)
        return 0;
    n = (int64_t)json_array_size(log);
    json_decref(log);
    return n;
}

static int sync(fx *f, json_t **out)
{
    og_connector_sync_opts o = {.trigger = "manual"};
    json_t *res = NULL;
    int rc = og_conn__sync_run(&f->env.ctx, f->c, &o, &res);
    if (out)
        *out = res;
    else
        json_decref(res);
    return rc;
}

static int64_t jint(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* ---- tests ---- */
static void test_sync__first_sight_then_nothing_changed_writes_nothing(void **state)
{
    fx *f = *state;
    json_t *out = NULL;
    og_project p;
    char cursor[64];
    add_project("100", "C1");
    add_project("200", "C2");
    OG_ASSERT_OK(sync(f, &out));
    assert_int_equal(jint(out, "records"), 2);
    assert_int_equal(jint(out, "changes"), 1);
    assert_int_equal(jint(out, "unmapped"), 1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(out, "unmapped_companies"), 0), "company_id")),
        "C2");
    json_decref(out);
    OG_ASSERT_OK(og_project_get(&f->env.ctx, "acme", "cw-100", &p));
    assert_string_equal(p.name, "Mail migration");
    assert_string_equal(p.created_by, "system:connector:cw");
    assert_int_equal(og_project_get(&f->env.ctx, "acme", "cw-200", &p), OG_ENOTFOUND);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM connector_companies WHERE company_id = ? AND "
                           "tenant_id IS NULL",
                           "C2"),
                     1);
    assert_int_equal(versions(f, "cw-100", "project.json"), 1);
    assert_int_equal(events(f, "psa.project.created"), 1);
    assert_int_equal(audits(f, "connector.sync.project"), 1);
    assert_int_equal(audits(f, "connector.sync"), 1);
    int64_t all_events = count(f, "SELECT COUNT(*) FROM events", NULL);
    int64_t all_audit = count(f, "SELECT COUNT(*) FROM audit_record", NULL);
    /* the cursor: the latest vendor stamp less five minutes, given to the next pull */
    snprintf(cursor, sizeof(cursor), "2026-12-01T09:55:00Z");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connectors WHERE cursor = ?", cursor), 1);

    OG_ASSERT_OK(sync(f, &out));
    assert_string_equal(F.since, cursor);
    assert_int_equal(jint(out, "changes"), 0);
    json_decref(out);
    assert_int_equal(versions(f, "cw-100", "project.json"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM events", NULL), all_events);
    /* the sync's own record is the only one added */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_record", NULL), all_audit + 1);
    assert_int_equal(audits(f, "connector.sync"), 2);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connector_syncs WHERE outcome = ?", "ok"), 2);
}

static void test_sync__scope_change_then_other_change_then_closed(void **state)
{
    fx *f = *state;
    json_t *payload = NULL;
    add_project("100", "C1");
    OG_ASSERT_OK(sync(f, NULL));
    /* hours of T1 grow: a scope change against the previous snapshot */
    json_object_set_new(task(0, 0), "hours", json_string("8"));
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(versions(f, "cw-100", "project.json"), 2);
    assert_int_equal(events(f, "psa.project.scope_changed"), 1);
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare_args(&st, f->env.store,
                                      "SELECT payload FROM events WHERE type = ?", "t",
                                      "psa.project.scope_changed"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    payload = json_loads(og_stmt_col_text(st, 0), 0, NULL);
    og_stmt_free(st);
    assert_string_equal(json_string_value(json_object_get(payload, "baseline")), "project.json@1");
    assert_string_equal(json_string_value(json_object_get(payload, "project")), "cw-100");
    json_t *ch =
        json_array_get(json_object_get(json_object_get(payload, "changes"), "tasks_changed"), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ch, "hours"), 1)), "8");
    json_decref(payload);
    /* the manager changes: a new snapshot, but no event */
    json_object_set_new(json_object_get(F.p[0].data, "project"), "manager", json_string("Mira"));
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(versions(f, "cw-100", "project.json"), 3);
    assert_int_equal(events(f, "psa.project.scope_changed"), 1);
    /* the vendor closes it */
    F.p[0].closed = 1;
    json_object_set_new(json_object_get(F.p[0].data, "psa"), "status", json_string("Closed"));
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(versions(f, "cw-100", "project.json"), 4);
    assert_int_equal(events(f, "psa.project.closed"), 1);
    assert_int_equal(events(f, "psa.project.scope_changed"), 1);
    OG_ASSERT_OK(sync(f, NULL)); /* and stays closed: nothing more */
    assert_int_equal(events(f, "psa.project.closed"), 1);
    assert_int_equal(versions(f, "cw-100", "project.json"), 4);
    /* archived by a person: the PSA's later changes are not taken, and that is no failure */
    OG_ASSERT_OK(og_project_archive(&f->env.ctx, "acme", "cw-100", 1, NULL));
    json_object_set_new(task(0, 1), "hours", json_string("30"));
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(versions(f, "cw-100", "project.json"), 4);
}

static void test_sync__failure_keeps_snapshot_and_cursor_and_alerts_once(void **state)
{
    fx *f = *state;
    json_t *out = NULL;
    og_buf m;
    add_project("100", "C1");
    add_project("101", "C1");
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM connectors WHERE cursor = ?", "2026-12-01T09:55:00Z"), 1);
    for (int i = 0; i < 2; i++) {
        json_object_set_new(task(i, 1), "hours", json_string("12"));
        snprintf(F.p[i].updated, sizeof(F.p[i].updated), "2026-12-02T10:00:00Z");
    }
    F.fail_after = 1; /* the pull dies after the first project */
    for (int k = 0; k < 3; k++) {
        assert_int_equal(sync(f, &out), OG_EBUSY);
        assert_non_null(strstr(og_error_last(), "503"));
        assert_string_equal(json_string_value(json_object_get(out, "outcome")), "failed");
        assert_string_equal(json_string_value(json_object_get(out, "state")), "failing");
        json_decref(out);
    }
    assert_int_equal(versions(f, "cw-100", "project.json"), 2); /* committed, kept */
    assert_int_equal(versions(f, "cw-101", "project.json"), 1); /* its previous snapshot */
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM connectors WHERE cursor = ?", "2026-12-01T09:55:00Z"), 1);
    assert_int_equal(events(f, "connector.failing"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connector_syncs WHERE outcome = ?", "failed"),
                     3);
    F.fail_after = -1;
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(versions(f, "cw-101", "project.json"), 2);
    assert_int_equal(events(f, "connector.recovered"), 1);
    assert_int_equal(events(f, "connector.failing"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connectors WHERE cursor = ? AND state = 'ok'",
                           "2026-12-02T09:55:00Z"),
                     1);
    og_buf_init(&m, 1 << 20);
    OG_ASSERT_OK(og_connector_metrics_render(f->env.store, &m));
    assert_non_null(strstr(m.data, "opsgate_connector_syncs_total{connector=\"cw\""));
    assert_non_null(strstr(m.data, ",tenant=\"acme\",kind=\"connectwise\""));
    assert_non_null(strstr(m.data, "outcome=\"failed\"} 3\n"));
    assert_non_null(strstr(m.data, "outcome=\"ok\"} 2\n"));
    assert_non_null(strstr(m.data, "opsgate_connector_records{connector=\"cw\""));
    assert_non_null(strstr(m.data, "state=\"failing\"} 0\n"));
    og_buf_free(&m);
}

static void drain(fx *f)
{
    og_events_config cfg = {.max_attempts = 3, .backoff_base_us = 1000, .backoff_max_us = 2000};
    for (int i = 0; i < 20; i++) {
        int d = 0;
        OG_ASSERT_OK(og_events_run_once(&f->env.ctx, &cfg, &d));
        if (d == 0 && i > 3)
            break;
    }
}

static void test_automation__sow_change_order_and_closure_from_events(void **state)
{
    fx *f = *state;
    OG_ASSERT_OK(og_connector__automation_register());
    add_project("100", "C1");
    OG_ASSERT_OK(sync(f, NULL));
    drain(f);
    assert_int_equal(versions(f, "cw-100", "sow.md"), 1);
    /* the generation's audit record names the triggering event */
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM audit_record a JOIN events e ON e.id = "
                           "a.event_id WHERE e.type = ? AND a.action = 'artifacts.generate'",
                           "psa.project.created"),
                     1);
    json_object_set_new(task(0, 1), "hours", json_string("14"));
    OG_ASSERT_OK(sync(f, NULL));
    drain(f);
    assert_int_equal(versions(f, "cw-100", "change-order-CO-001.md"), 1);
    assert_int_equal(versions(f, "cw-100", "sow.md"), 1);
    F.p[0].closed = 1;
    OG_ASSERT_OK(sync(f, NULL));
    drain(f);
    assert_int_equal(versions(f, "cw-100", "closure.md"), 1);
    assert_int_equal(events(f, "psa.automation.failed"), 0);
    /* redelivering changes nothing: handlers are idempotent by event id */
    OG_ASSERT_OK(og_store_run(f->env.store,
                              "UPDATE event_deliveries SET state = 'pending', next_us = 0",
                              "") < 0);
    drain(f);
    assert_int_equal(versions(f, "cw-100", "sow.md"), 1);
    assert_int_equal(versions(f, "cw-100", "change-order-CO-001.md"), 1);
    assert_int_equal(versions(f, "cw-100", "change-order-CO-002.md"), 0);
}

static void test_automation__missing_data_fails_once_recorded(void **state)
{
    fx *f = *state;
    open_conn(f, 0); /* no payment_terms in the tenant's defaults */
    OG_ASSERT_OK(og_connector__automation_register());
    add_project("100", "C1");
    OG_ASSERT_OK(sync(f, NULL));
    drain(f);
    drain(f);
    assert_int_equal(versions(f, "cw-100", "sow.md"), 0);
    assert_int_equal(events(f, "psa.automation.failed"), 1);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM audit_record WHERE action = ? AND outcome "
                           "!= 'ok' AND detail LIKE '%payment_terms%'",
                           "connector.automation"),
                     1);
    /* done, not retried nor dead-lettered */
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM event_deliveries WHERE handler = ? AND "
                           "state = 'done' AND attempts = 1",
                           "connector-sow"),
                     1);
}

static void test_sync__a_company_mapped_later_gets_a_full_pull(void **state)
{
    fx *f = *state;
    og_project p;
    char now[OG_TIME_LEN];
    add_project("200", "C2");
    OG_ASSERT_OK(sync(f, NULL));
    OG_ASSERT_OK(sync(f, NULL));
    assert_string_equal(F.since, "2026-12-01T09:55:00Z"); /* incremental */
    assert_int_equal(og_project_get(&f->env.ctx, "acme", "cw-200", &p), OG_ENOTFOUND);
    og_time_format(og_time_now_us(), now);
    OG_ASSERT_OK(og_store_run(f->env.store,
                              "UPDATE connector_companies SET tenant_id = ?, mapped_at = ? WHERE "
                              "company_id = 'C2'",
                              "tt", f->t.id, now) < 0);
    OG_ASSERT_OK(sync(f, NULL));
    assert_string_equal(F.since, ""); /* everything again: its projects were skipped before */
    OG_ASSERT_OK(og_project_get(&f->env.ctx, "acme", "cw-200", &p));
    OG_ASSERT_OK(sync(f, NULL));
    assert_string_equal(F.since, "2026-12-01T09:55:00Z");
}

static void test_sync__webhook_pulls_one_project_and_keeps_the_cursor(void **state)
{
    fx *f = *state;
    og_connector_sync_opts o = {.trigger = "webhook", .remote_id = "101"};
    json_t *out = NULL;
    og_project p;
    add_project("100", "C1");
    add_project("101", "C1");
    OG_ASSERT_OK(og_conn__sync_run(&f->env.ctx, f->c, &o, &out));
    assert_int_equal(jint(out, "records"), 1);
    json_decref(out);
    OG_ASSERT_OK(og_project_get(&f->env.ctx, "acme", "cw-101", &p));
    assert_int_equal(og_project_get(&f->env.ctx, "acme", "cw-100", &p), OG_ENOTFOUND);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connectors WHERE cursor IS NULL", NULL), 1);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM audit_record WHERE action = ? AND analysis "
                           "LIKE '%\"trigger\":\"webhook\"%'",
                           "connector.sync.project"),
                     1);
    /* a project deleted in the PSA since the webhook named it: nothing to pull, no alert */
    o.remote_id = "999";
    OG_ASSERT_OK(og_conn__sync_run(&f->env.ctx, f->c, &o, &out));
    assert_string_equal(json_string_value(json_object_get(out, "not_found")), "999");
    json_decref(out);
    assert_int_equal(events(f, "connector.failing"), 0);
}

static void publish(fx *f, const char *name)
{
    static const char *const path[] = {"in-review", "approved", "published"};
    og_artifact_ref r = {"acme", "cw-100", name};
    for (size_t i = 0; i < 3; i++)
        OG_ASSERT_OK(og_artifact_set_state(&f->env.ctx, &r, path[i], NULL));
}

static void test_sync__scope_is_measured_against_the_published_sow(void **state)
{
    fx *f = *state;
    OG_ASSERT_OK(og_connector__automation_register());
    add_project("100", "C1");
    OG_ASSERT_OK(sync(f, NULL));
    drain(f);
    publish(f, "sow.md");
    json_object_set_new(task(0, 0), "hours", json_string("8"));
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM events WHERE type = ? AND payload LIKE "
                           "'%\"baseline\":\"sow.data.json@1\"%'",
                           "psa.project.scope_changed"),
                     1);
    drain(f);
    assert_int_equal(versions(f, "cw-100", "change-order-CO-001.md"), 1);
    /* back to what the SOW sold: the scope changed in this sync, but not against the SOW */
    json_object_set_new(task(0, 0), "hours", json_string("6.00"));
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(versions(f, "cw-100", "project.json"), 3);
    assert_int_equal(events(f, "psa.project.scope_changed"), 1);
}

/* The pull commits with synchronous=NORMAL (no fsync per project); the sync's own record is
 * committed with FULL again, whose fsync of the WAL makes every project durable with it, and
 * the connection goes back to its pool at FULL. */
static void test_sync__projects_commit_without_fsync_then_full_again(void **state)
{
    fx *f = *state;
    json_t *out = NULL;
    add_project("100", "C1");
    F.synchronous = -1;
    OG_ASSERT_OK(sync(f, &out));
    assert_int_equal(jint(out, "changes"), 1);
    json_decref(out);
    assert_int_equal(F.synchronous, 1);                        /* NORMAL during the pull */
    assert_int_equal(count(f, "PRAGMA synchronous", NULL), 2); /* FULL after it */
    F.fail_after = 0;                                          /* a failed pull restores FULL too */
    assert_true(sync(f, NULL) < 0);
    assert_int_equal(F.synchronous, 1);
    assert_int_equal(count(f, "PRAGMA synchronous", NULL), 2);
}

/* More projects than one batch (sync_batch.c writes 64 per transaction), one of which fails
 * (too big): every other project is written with its record, event and audit record, the failing
 * one keeps nothing half-written, the outcome counts it, and the audit trail verifies. */
static void test_sync__batches_write_every_project_but_the_failing_one(void **state)
{
    fx *f = *state;
    json_t *out = NULL;
    og_project p;
    char id[16];
    og_audit_verify_result res;
    for (int i = 0; i < 70; i++) {
        snprintf(id, sizeof(id), "%d", 1000 + i);
        add_project(id, "C1");
    }
    char *big = malloc(OG_CONN_DATA_MAX + 2);
    memset(big, 'x', OG_CONN_DATA_MAX + 1);
    big[OG_CONN_DATA_MAX + 1] = '\0';
    json_object_set_new(json_object_get(F.p[65].data, "project"), "notes", json_string(big));
    free(big);
    assert_true(sync(f, &out) < 0);
    assert_int_equal(jint(out, "records"), 70);
    assert_int_equal(jint(out, "changes"), 69);
    assert_int_equal(jint(out, "errors"), 1);
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "1065"));
    json_decref(out);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connector_records", NULL), 69);
    assert_int_equal(og_project_get(&f->env.ctx, "acme", "cw-1065", &p), OG_ENOTFOUND);
    OG_ASSERT_OK(og_project_get(&f->env.ctx, "acme", "cw-1069", &p));
    assert_int_equal(versions(f, "cw-1000", "project.json"), 1);
    assert_int_equal(versions(f, "cw-1069", "project.json"), 1);
    assert_int_equal(events(f, "psa.project.created"), 69);
    assert_int_equal(audits(f, "connector.sync.project"), 69);
    memset(&res, 0, sizeof(res));
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, f->t.id, &res));
    /* fixed in the PSA: the next sync writes it alone */
    json_object_del(json_object_get(F.p[65].data, "project"), "notes");
    OG_ASSERT_OK(sync(f, &out));
    assert_int_equal(jint(out, "changes"), 1);
    json_decref(out);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM connector_records", NULL), 70);
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, f->t.id, &res));
}

static void test_sync__takes_back_its_projects_never_others(void **state)
{
    fx *f = *state;
    add_project("100", "C1");
    add_project("300", "C1");
    OG_ASSERT_OK(og_project_create(&f->env.ctx, "acme", "cw-300", "made by hand", NULL));
    assert_int_equal(sync(f, NULL), OG_ECONFLICT);
    assert_non_null(strstr(og_error_last(), "project cw-300 exists and was not made by connector "
                                            "cw"));
    assert_int_equal(versions(f, "cw-300", "project.json"), 0);
    assert_int_equal(versions(f, "cw-100", "project.json"), 1);
    /* the connector is removed and added again: its records are gone, its projects stay */
    OG_ASSERT_OK(og_store_run(f->env.store, "DELETE FROM connector_records", "") < 0);
    int64_t created = events(f, "psa.project.created");
    F.n = 1;
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(versions(f, "cw-100", "project.json"), 1);
    assert_int_equal(events(f, "psa.project.created"), created);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM connector_records WHERE project_key = ?", "cw-100"), 1);
    json_object_set_new(task(0, 0), "hours", json_string("7"));
    OG_ASSERT_OK(sync(f, NULL));
    assert_int_equal(versions(f, "cw-100", "project.json"), 2);
    assert_int_equal(events(f, "psa.project.scope_changed"), 1);
    F.n = 2; /* teardown frees both */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sync__first_sight_then_nothing_changed_writes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync__scope_change_then_other_change_then_closed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_sync__failure_keeps_snapshot_and_cursor_and_alerts_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_automation__sow_change_order_and_closure_from_events,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_automation__missing_data_fails_once_recorded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sync__a_company_mapped_later_gets_a_full_pull, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sync__webhook_pulls_one_project_and_keeps_the_cursor,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync__projects_commit_without_fsync_then_full_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync__scope_is_measured_against_the_published_sow,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync__batches_write_every_project_but_the_failing_one,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync__takes_back_its_projects_never_others, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
