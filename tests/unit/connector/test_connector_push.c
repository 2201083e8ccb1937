/* test_connector_push.c - pushes back to the PSA are recorded and never repeated: a document is
 * attached once per version (a redelivery sends nothing, a failed attach is retried), a ticket is
 * opened once, noted while open, closed, and opened anew after; publishing emits
 * artifacts.published without the artifact's (sealed) name; the registry names fields, never
 * values; webhooks of unknown connectors answer like failed authentications. */
#include "og_test.h"
#include "connector/registry.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int attaches, attach_fail, opens, notes, closes;

static int fake_attach(og_conn *c, const og_conn_attachment *a, char *remote, size_t size)
{
    (void)c, (void)a;
    if (attach_fail)
        return og_error_set(OG_ERROR, "the PSA is down");
    snprintf(remote, size, "att-%d", ++attaches);
    return 0;
}

static int fake_open(og_conn *c, const og_conn_ticket *t, char *remote, size_t size)
{
    (void)c;
    assert_string_equal(t->company_id, "C1");
    snprintf(remote, size, "tk-%d", ++opens);
    return 0;
}

static int fake_note(og_conn *c, const char *remote, const og_conn_ticket *t)
{
    (void)c, (void)t;
    assert_string_equal(remote, "tk-1");
    notes++;
    return 0;
}

static int fake_close(og_conn *c, const char *remote, const og_conn_ticket *t)
{
    (void)c, (void)t, (void)remote;
    closes++;
    return 0;
}

typedef struct fx {
    og_test_env env;
    og_tenant t;
    og_conn *c;
    og_conn_vendor v;
} fx;

/* The ConnectWise kind's credential fields, with made-up values. */
static json_t *cw_creds(void)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "company_id", "acme", "public_key", "pub",
                     "private_key", "priv", "client_id", "00000000-0000-4000-8000-000000000000");
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    json_t *out = NULL;
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    json_t *creds = cw_creds();
    og_connector_spec spec = {.tenant = "acme",
                              .name = "cw",
                              .kind = "connectwise",
                              .base_url = "https://psa.example/api",
                              .credentials = creds};
    OG_ASSERT_OK(og_connector_add(&f->env.ctx, &spec, &out));
    json_decref(creds);
    OG_ASSERT_OK(
        og_conn_load_id(&f->env.ctx, json_string_value(json_object_get(out, "id")), &f->c));
    json_decref(out);
    f->v = *f->c->vendor;
    f->v.attach = fake_attach;
    f->v.ticket_open = fake_open;
    f->v.ticket_note = fake_note;
    f->v.ticket_close = fake_close;
    f->c->vendor = &f->v;
    attaches = attach_fail = opens = notes = closes = 0;
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

static void test_connector_push__attaches_each_version_once(void **state)
{
    fx *f = *state;
    char remote[64];
    og_conn_attachment a = {"P100", "sow.md", "text/markdown", "sow.md v1", "# SOW\n", 6};
    attach_fail = 1;
    assert_int_equal(
        og_conn__attach_once(&f->env.ctx, f->c, f->t.id, "A:v1", &a, remote, sizeof(remote)),
        OG_ERROR);
    attach_fail = 0; /* the retry after a failure attaches */
    assert_int_equal(
        og_conn__attach_once(&f->env.ctx, f->c, f->t.id, "A:v1", &a, remote, sizeof(remote)), 0);
    assert_string_equal(remote, "att-1");
    /* a redelivery of the same version sends nothing and names what was attached */
    assert_int_equal(
        og_conn__attach_once(&f->env.ctx, f->c, f->t.id, "A:v1", &a, remote, sizeof(remote)), 1);
    assert_string_equal(remote, "att-1");
    assert_int_equal(attaches, 1);
    /* another version is another document */
    assert_int_equal(
        og_conn__attach_once(&f->env.ctx, f->c, f->t.id, "A:v2", &a, remote, sizeof(remote)), 0);
    assert_int_equal(attaches, 2);
    assert_int_equal(og_store_run(f->env.store,
                                  "SELECT 1 FROM connector_pushes WHERE what = 'attachment' AND"
                                  " local_key = 'A:v1' AND state = 'done' AND remote_id = 'att-1'",
                                  ""),
                     1);
}

static void test_connector_push__one_ticket_per_alert_until_closed(void **state)
{
    fx *f = *state;
    og_conn_ticket t = {"C1", "[opsgate] acme: x expires", "body", "cert:ab", "medium"};
    OG_ASSERT_OK(og_conn__ticket(&f->env.ctx, f->c, f->t.id, 0, &t));
    OG_ASSERT_OK(og_conn__ticket(&f->env.ctx, f->c, f->t.id, 0, &t)); /* a repeat: a note */
    assert_int_equal(opens, 1);
    assert_int_equal(notes, 1);
    OG_ASSERT_OK(og_conn__ticket(&f->env.ctx, f->c, f->t.id, 1, &t));
    OG_ASSERT_OK(og_conn__ticket(&f->env.ctx, f->c, f->t.id, 1, &t)); /* closed already */
    assert_int_equal(closes, 1);
    OG_ASSERT_OK(og_conn__ticket(&f->env.ctx, f->c, f->t.id, 0, &t)); /* it came back */
    assert_int_equal(opens, 2);
    /* closing what was never opened sends nothing */
    og_conn_ticket other = t;
    other.key = "gate:nothing";
    OG_ASSERT_OK(og_conn__ticket(&f->env.ctx, f->c, f->t.id, 1, &other));
    assert_int_equal(closes, 1);
}

static void test_connector_registry__names_the_field_never_the_value(void **state)
{
    fx *f = *state;
    json_t *creds = json_pack("{s:s}", "zz_nosuch", "VALUE-MARKER-123");
    og_connector_spec spec = {.tenant = "acme",
                              .name = "cw9",
                              .kind = "connectwise",
                              .base_url = "https://psa.example/api",
                              .credentials = creds};
    assert_int_equal(og_connector_add(&f->env.ctx, &spec, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "'zz_nosuch'"));
    assert_null(strstr(og_error_last(), "VALUE-MARKER-123"));
    json_decref(creds);
    json_t *opts = json_pack("{s:s}", "client_secret", "VALUE-MARKER-123");
    spec.credentials = NULL;
    spec.options = opts;
    assert_int_equal(og_connector_add(&f->env.ctx, &spec, NULL), OG_EINVAL);
    assert_null(strstr(og_error_last(), "VALUE-MARKER-123"));
    json_decref(opts);
    spec.options = NULL;
    creds = cw_creds();
    spec.credentials = creds;
    spec.base_url = "http://10.0.0.8/api"; /* a private address without an allowed range */
    assert_int_equal(og_connector_add(&f->env.ctx, &spec, NULL), OG_EDENIED);
    spec.base_url = "https://user:pw@psa.example/api";
    assert_int_equal(og_connector_add(&f->env.ctx, &spec, NULL), OG_EINVAL);
    json_decref(creds);
}

static void test_connector_webhook__unknown_id_answers_like_a_failed_authentication(void **state)
{
    fx *f = *state;
    json_t *out = NULL;
    const char *const headers[] = {"Content-Type: application/json", NULL};
    assert_int_equal(og_connector_webhook(&f->env.ctx, "00000000-0000-4000-8000-000000000000",
                                          headers, "{}", 2, &out),
                     OG_ENOTFOUND);
    assert_string_equal(og_error_last(), "webhook not accepted");
    assert_int_equal(og_connector_webhook(&f->env.ctx, "not-an-id", headers, "{}", 2, &out),
                     OG_ENOTFOUND);
    assert_string_equal(og_error_last(), "webhook not accepted");
    assert_null(out);
}

static void test_artifacts_publish__emits_published_without_the_name(void **state)
{
    fx *f = *state;
    og_artifact_ref ref = {"acme", "p1", "secret-name-sow.md"};
    og_artifact_version v;
    json_t *evs = NULL, *x;
    size_t i;
    int found = 0;
    OG_ASSERT_OK(og_project_create(&f->env.ctx, "acme", "p1", "P one", NULL));
    og_artifact_put_opts po = {.kind = "sow", .media_type = "text/markdown"};
    OG_ASSERT_OK(og_artifact_put_buffer(&f->env.ctx, &ref, &po, "# SOW\n", 6, &v));
    OG_ASSERT_OK(og_artifact_set_state(&f->env.ctx, &ref, "in-review", NULL));
    og_ctx other = f->env.ctx; /* the approver is not the author */
    og_actor_system(&other.actor, "reviewer");
    OG_ASSERT_OK(og_artifact_set_state(&other, &ref, "approved", NULL));
    OG_ASSERT_OK(og_artifact_set_state(&f->env.ctx, &ref, "published", NULL));
    OG_ASSERT_OK(og_events_list(&f->env.ctx, "acme", NULL, &evs));
    json_array_foreach(evs, i, x)
    {
        if (!og_streq(json_string_value(json_object_get(x, "type")), "artifacts.published"))
            continue;
        char *s = json_dumps(x, JSON_COMPACT);
        assert_null(strstr(s, "secret-name"));
        assert_non_null(strstr(s, "\"project\":\"p1\""));
        free(s);
        found = 1;
    }
    assert_true(found);
    json_decref(evs);
    /* the push reads the version by id and gets the name back */
    char name[OG_ARTIFACT_NAME_MAX + 1];
    og_buf content;
    OG_ASSERT_OK(
        og_artifact_read_id(&f->env.ctx, f->t.id, v.artifact_id, 1, 1 << 20, name, NULL, &content));
    assert_string_equal(name, "secret-name-sow.md");
    assert_int_equal(content.len, 6);
    og_buf_free(&content);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connector_push__attaches_each_version_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_connector_push__one_ticket_per_alert_until_closed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_connector_registry__names_the_field_never_the_value,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_connector_webhook__unknown_id_answers_like_a_failed_authentication, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_publish__emits_published_without_the_name,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
