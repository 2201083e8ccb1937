/* test_connector_mapping.c - the pull's pure parts: the mapping path language, the deep merge of
 * defaults, project data and its canonical hash, project keys, the scope diff that decides
 * psa.project.scope_changed, the cursor rules and the state machine that alerts once. */
#include "og_test.h"
#include "connector/sync_internal.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/notify.h"

#include <stdlib.h>
#include <string.h>

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j)
        fail_msg("bad JSON in test: %s: %s", text, e.text);
    return j;
}

static void assert_json_eq(const json_t *got, const char *want)
{
    json_t *w = J(want);
    if (!json_equal((json_t *)got, w)) {
        char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
        fail_msg("got %s\nwant %s", g, want);
    }
    json_decref(w);
}

static og_conn *conn(const char *options)
{
    og_conn *c = NULL;
    json_t *o = options ? J(options) : NULL;
    OG_ASSERT_OK(og_conn_open(&c, "connectwise", "https://psa.example", NULL, o));
    json_decref(o);
    return c;
}

static const char *RAW = "{\"project\": {\"id\": 100, \"manager\": {\"name\": \"Dana\"},"
                         " \"customFields\": [{\"id\": 5, \"value\": \"x\"},"
                         " {\"id\": 7, \"value\": \"PO-77\"}], \"budget\": 12.5},"
                         " \"phases\": [{\"tasks\": [{\"r\": \"100\"}, {\"r\": \"110\"}]},"
                         " {\"tasks\": [{\"r\": \"120\"}]}]}";

static const char *DATA = "{\"project\": {\"name\": \"P\"}, \"client\": {\"name\": \"C\"},"
                          " \"phases\": [{\"id\": \"P1\", \"tasks\": [{\"id\": \"T1\", \"rate\": "
                          "\"1\"}, {\"id\": \"T2\", \"rate\": \"1\"}]}, {\"id\": \"P2\", "
                          "\"tasks\": [{\"id\": \"T3\", \"rate\": \"1\"}]}]}";

static void test_mapping__paths_fan_out_and_select_by_key(void **state)
{
    (void)state;
    json_t *raw = J(RAW), *data = J(DATA);
    json_t *m = J("{\"project.manager\": \"project.manager.name\","
                  " \"phases[].tasks[].rate\": \"raw:phases[].tasks[].r\","
                  " \"client.po_number\": \"raw:project.customFields[id=7].value\","
                  " \"psa.budget_hours\": \"project.budget\","
                  " \"currency\": \"=EUR\", \"format\": 1,"
                  " \"project.title\": \"data:project.name\","
                  " \"phases[1].name\": \"=Second\", \"client.name\": null,"
                  " \"project.nothing\": \"project.absent.field\"}");
    OG_ASSERT_OK(og_conn__mapping_apply(data, raw, m));
    assert_json_eq(data, "{\"project\": {\"name\": \"P\", \"manager\": \"Dana\", \"title\": \"P\"},"
                         " \"client\": {\"po_number\": \"PO-77\"}, \"currency\": \"EUR\","
                         " \"format\": 1, \"psa\": {\"budget_hours\": \"12.5\"},"
                         " \"phases\": [{\"id\": \"P1\", \"tasks\": [{\"id\": \"T1\", \"rate\": "
                         "\"100\"}, {\"id\": \"T2\", \"rate\": \"110\"}]}, {\"id\": \"P2\", "
                         "\"name\": \"Second\", \"tasks\": [{\"id\": \"T3\", \"rate\": "
                         "\"120\"}]}]}");
    const json_t *v = NULL;
    OG_ASSERT_OK(og_conn__path_get(raw, "project.customFields[1].value", &v));
    assert_string_equal(json_string_value(v), "PO-77");
    OG_ASSERT_OK(og_conn__path_get(raw, "project.customFields[id=9].value", &v));
    assert_null(v);
    json_decref(raw);
    json_decref(data);
    json_decref(m);
}

static void refused(const char *mapping, const char *needle)
{
    json_t *m = J(mapping);
    assert_int_equal(og_conn__mapping_check(m), OG_EINVAL);
    if (!strstr(og_error_last(), needle))
        fail_msg("'%s' not in: %s", needle, og_error_last());
    json_decref(m);
}

static void test_mapping__bad_rules_are_refused_naming_them(void **state)
{
    (void)state;
    refused("{\"a..b\": \"x\"}", "empty or overlong name");
    refused("{\"a\": \"x[\"}", "'[' without ']'");
    refused("{\"a\": \"x[abc]\"}", "inside []");
    refused("{\"a[].b\": \"x\"}", "the target has 1 '[]' but its source 0");
    refused("{\"a[]\": \"=k\"}", "must name a member of it");
    refused("{\"a\": \"x]\"}", "']' without '['");
    refused("[1]", "expected an object");
    OG_ASSERT_OK(og_conn__mapping_check(NULL));
}

static void test_mapping__a_default_for_every_element_only_where_missing(void **state)
{
    (void)state;
    json_t *data = J("{\"phases\": [{\"tasks\": [{\"id\": \"T1\"}, {\"id\": \"T2\", \"rate\": "
                     "\"90\"}]}, {\"tasks\": [{\"id\": \"T3\", \"role\": \"x\"}]}]}");
    json_t *m = J("{\"phases[].tasks[].rate\": \"?=120.00\", \"phases[].tasks[].role\": null,"
                  " \"acceptance.review_days\": 10, \"currency\": \"?=EUR\"}");
    OG_ASSERT_OK(og_conn__mapping_apply(data, NULL, m));
    assert_json_eq(data, "{\"phases\": [{\"tasks\": [{\"id\": \"T1\", \"rate\": \"120.00\"},"
                         " {\"id\": \"T2\", \"rate\": \"90\"}]}, {\"tasks\": [{\"id\": \"T3\","
                         " \"rate\": \"120.00\"}]}], \"acceptance\": {\"review_days\": 10},"
                         " \"currency\": \"EUR\"}");
    json_decref(m);
    m = J("{\"phases[].tasks[].rate\": \"=100\", \"currency\": \"?=USD\"}");
    OG_ASSERT_OK(og_conn__mapping_apply(data, NULL, m));
    assert_string_equal(json_string_value(json_object_get(data, "currency")), "EUR");
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(
                json_object_get(json_array_get(json_object_get(data, "phases"), 0), "tasks"), 1),
            "rate")),
        "100");
    json_decref(m);
    json_decref(data);
}

static void test_merge__defaults_under_data_null_keeps_default(void **state)
{
    (void)state;
    json_t *base = J("{\"provider\": {\"name\": \"Bluefin\", \"address\": \"A\"},"
                     " \"payment_terms\": {\"terms\": \"Net 30\"}, \"scope\": {\"in\": [\"a\"]},"
                     " \"currency\": \"EUR\"}");
    json_t *over = J("{\"provider\": {\"address\": \"B\"}, \"scope\": {\"in\": [\"b\", \"c\"]},"
                     " \"currency\": null, \"project\": {\"name\": \"P\"}}");
    OG_ASSERT_OK(og_conn__merge(base, over));
    assert_json_eq(base, "{\"provider\": {\"name\": \"Bluefin\", \"address\": \"B\"},"
                         " \"payment_terms\": {\"terms\": \"Net 30\"},"
                         " \"scope\": {\"in\": [\"b\", \"c\"]}, \"currency\": \"EUR\","
                         " \"project\": {\"name\": \"P\"}}");
    json_decref(base);
    json_decref(over);
}

static void test_project_data__layers_key_and_stable_hash(void **state)
{
    (void)state;
    og_conn *c = conn("{\"defaults\": {\"currency\": \"EUR\", \"payment_terms\": {\"terms\": "
                      "\"Net 30\"}}, \"mapping\": {\"client.po_number\": "
                      "\"project.customFields[id=7].value\"}}");
    json_t *raw = J(RAW);
    json_t *d1 = J("{\"project\": {\"name\": \"P\"}, \"psa\": {\"updated_at\": "
                   "\"2026-12-01T10:00:00Z\", \"budget_hours\": 7.25, \"status\": \"Open\"}}");
    json_t *d2 = J("{\"psa\": {\"status\": \"Open\", \"budget_hours\": \"7.25\", \"updated_at\": "
                   "\"2026-12-02T10:00:00Z\"}, \"project\": {\"name\": \"P\"}}");
    og_conn_project p = {"100", "C1", "Client One", "2026-12-01T10:00:00Z", 0, raw, d1};
    json_t *o1 = NULL, *o2 = NULL, *o3 = NULL;
    char s1[65], s2[65], s3[65];
    OG_ASSERT_OK(og_conn__project_data(c, &p, "cw-100", &o1, s1));
    assert_json_eq(
        o1, "{\"currency\": \"EUR\", \"payment_terms\": {\"terms\": \"Net 30\"},"
            " \"project\": {\"name\": \"P\", \"key\": \"cw-100\"},"
            " \"client\": {\"name\": \"Client One\", \"po_number\": \"PO-77\"},"
            " \"psa\": {\"budget_hours\": \"7.25\", \"status\": \"Open\", \"closed\": false}}");
    /* another key order, a real written as a string, a new vendor stamp: the same data */
    p.data = d2;
    OG_ASSERT_OK(og_conn__project_data(c, &p, "cw-100", &o2, s2));
    assert_string_equal(s1, s2);
    json_object_set_new(json_object_get(d2, "psa"), "status", json_string("Closed"));
    OG_ASSERT_OK(og_conn__project_data(c, &p, "cw-100", &o3, s3));
    assert_string_not_equal(s1, s3);
    json_decref(o1);
    json_decref(o2);
    json_decref(o3);
    json_decref(d1);
    json_decref(d2);
    json_decref(raw);
    og_conn_free(c);
}

static void test_project_key__prefix_and_sanitising(void **state)
{
    (void)state;
    og_conn *c = conn(NULL), *d = conn("{\"project_key_prefix\": \"psa.\"}");
    char key[64];
    OG_ASSERT_OK(og_conn__project_key(c, "123", key));
    assert_string_equal(key, "cw-123");
    OG_ASSERT_OK(og_conn__project_key(c, "AB/7 x", key));
    assert_string_equal(key, "cw-ab-7-x");
    OG_ASSERT_OK(og_conn__project_key(d, "9", key));
    assert_string_equal(key, "psa.9");
    assert_int_equal(og_conn__project_key(c, "", key), OG_EINVAL);
    og_conn_free(c);
    c = conn("{\"project_key_prefix\": \"-\"}");
    assert_int_equal(og_conn__project_key(c, "1", key), OG_EINVAL);
    og_conn_free(c);
    og_conn_free(d);
}

static const char *PLAN = "{\"phases\": [{\"id\": \"P1\", \"name\": \"One\", \"start\": "
                          "\"2026-01-01\", \"end\": \"2026-01-31\", \"tasks\": [{\"id\": \"T1\", "
                          "\"name\": \"a\", \"hours\": \"6\", \"rate\": \"100.00\"}, {\"id\": "
                          "\"T2\", \"name\": \"b\", \"hours\": 4, \"rate\": \"100\"}]}], \"psa\": "
                          "{\"budget_hours\": \"10\", \"actual_hours\": \"1\"}, \"project\": "
                          "{\"manager\": \"Dana\"}}";

static void test_scope_diff__decimals_by_value_and_what_changed(void **state)
{
    (void)state;
    json_t *a = J(PLAN), *b = J(PLAN), *sa, *sb, *d;
    /* same values, other spellings, and changes outside the scope: no change */
    json_object_set_new(
        json_array_get(json_object_get(json_array_get(json_object_get(b, "phases"), 0), "tasks"),
                       0),
        "hours", json_string("6.00"));
    json_object_set_new(json_object_get(b, "psa"), "actual_hours", json_string("9"));
    json_object_set_new(json_object_get(b, "project"), "manager", json_string("Mira"));
    sa = og_conn__scope(a);
    sb = og_conn__scope(b);
    assert_null(og_conn__scope_diff(sa, sb));
    json_decref(sb);
    json_decref(b);
    /* hours up, a task added, one removed, the end date and the budget moved */
    b = J("{\"phases\": [{\"id\": \"P1\", \"start\": \"2026-01-01\", \"end\": \"2026-02-07\", "
          "\"tasks\": [{\"id\": \"T1\", \"name\": \"a\", \"hours\": \"8\", \"rate\": \"100\"}, "
          "{\"id\": \"T3\", \"name\": \"c\", \"hours\": \"2\", \"rate\": \"90\"}]}], \"psa\": "
          "{\"budget_hours\": \"10\"}}");
    sb = og_conn__scope(b);
    d = og_conn__scope_diff(sa, sb);
    assert_non_null(d);
    assert_json_eq(json_object_get(d, "tasks_changed"),
                   "[{\"id\": \"T1\", \"name\": \"a\", \"hours\": [\"6\", \"8\"]}]");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(d, "tasks_added"), 0), "id")),
                        "T3");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(d, "tasks_removed"), 0), "id")),
                        "T2");
    assert_json_eq(json_object_get(d, "dates"), "{\"P1.end\": [\"2026-01-31\", \"2026-02-07\"]}");
    assert_null(json_object_get(d, "budget"));
    char *text = og_conn__diff_text(d);
    assert_non_null(strstr(text, "Tasks added: T3 c (2 h)"));
    assert_non_null(strstr(text, "Tasks removed: T2 b (4 h)"));
    assert_non_null(strstr(text, "T1 a hours 6 -> 8"));
    assert_non_null(strstr(text, "P1.end 2026-01-31 -> 2026-02-07"));
    free(text);
    json_decref(d);
    json_decref(sa);
    json_decref(sb);
    json_decref(a);
    json_decref(b);
}

static void test_cursor__max_seen_minus_overlap_never_backwards(void **state)
{
    (void)state;
    char out[OG_TIME_LEN];
    int64_t t;
    OG_ASSERT_OK(og_time_parse("2026-12-01T10:00:00Z", &t));
    og_conn__cursor_next(NULL, t, 300 * 1000000LL, out);
    assert_string_equal(out, "2026-12-01T09:55:00Z");
    og_conn__cursor_next("2026-12-01T09:55:00Z", 0, 300 * 1000000LL, out);
    assert_string_equal(out, "2026-12-01T09:55:00Z"); /* nothing seen: it stays */
    og_conn__cursor_next("2026-12-01T11:00:00Z", t, 300 * 1000000LL, out);
    assert_string_equal(out, "2026-12-01T11:00:00Z"); /* an older stamp never moves it back */
    og_conn__cursor_next(NULL, 0, 0, out);
    assert_string_equal(out, "");
}

static void test_state__alerts_once_then_recovers_once(void **state)
{
    (void)state;
    const char *emit, *s = "ok";
    int failing = 0, recovered = 0;
    int outcomes[] = {0, 0, 0, 1, 1, 0, 1};
    for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
        s = og_conn__state_next(s, outcomes[i], &emit);
        failing += emit && strcmp(emit, "connector.failing") == 0;
        recovered += emit && strcmp(emit, "connector.recovered") == 0;
    }
    assert_int_equal(failing, 2);   /* the first of 3 failures, then after the recovery */
    assert_int_equal(recovered, 2); /* once after each run of failures */
    assert_string_equal(s, "ok");
}

static void rendered(const char *type, const char *payload, const char *in_subject,
                     const char *in_body)
{
    og_event ev;
    char *subj = NULL, *text = NULL;
    memset(&ev, 0, sizeof(ev));
    snprintf(ev.type, sizeof(ev.type), "%s", type);
    snprintf(ev.id, sizeof(ev.id), "e1");
    ev.payload = J(payload);
    OG_ASSERT_OK(og_notify_render(&ev, 0, &subj, &text));
    if (!strstr(subj, in_subject) || !strstr(text, in_body))
        fail_msg("%s: subject '%s' / body '%s'", type, subj, text);
    bool listed = false;
    for (int i = 0; og_notify_event_types[i]; i++)
        listed |= strcmp(og_notify_event_types[i], type) == 0;
    assert_true(listed);
    free(subj);
    free(text);
    json_decref(ev.payload);
}

static void test_notify__psa_and_connector_events_read_as_sentences(void **state)
{
    (void)state;
    const char *p = "{\"tenant_name\": \"acme\", \"project\": \"cw-100\", \"connector\": "
                    "\"cw\", \"kind\": \"sow\", \"remote_id\": \"100\", \"data_version\": 2, "
                    "\"error\": \"payment_terms: missing\"}";
    rendered("psa.project.created", p, "project cw-100 is new in the PSA", "Connector cw pulled");
    rendered("psa.project.scope_changed", p, "changed scope", "version 2");
    rendered("psa.project.closed", p, "closure draft", "cw-100");
    rendered("psa.automation.failed", p, "could not draft the sow of project cw-100",
             "payment_terms: missing");
    rendered("connector.failing", p, "connector cw is failing", "opsgate connector test cw");
    rendered("connector.recovered", p, "connector cw works again", "synced again");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping__paths_fan_out_and_select_by_key),
        cmocka_unit_test(test_mapping__bad_rules_are_refused_naming_them),
        cmocka_unit_test(test_mapping__a_default_for_every_element_only_where_missing),
        cmocka_unit_test(test_merge__defaults_under_data_null_keeps_default),
        cmocka_unit_test(test_project_data__layers_key_and_stable_hash),
        cmocka_unit_test(test_project_key__prefix_and_sanitising),
        cmocka_unit_test(test_scope_diff__decimals_by_value_and_what_changed),
        cmocka_unit_test(test_cursor__max_seen_minus_overlap_never_backwards),
        cmocka_unit_test(test_state__alerts_once_then_recovers_once),
        cmocka_unit_test(test_notify__psa_and_connector_events_read_as_sentences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
