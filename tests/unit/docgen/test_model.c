/* test_model.c - view models: totals, milestones, change-order deltas, closure variance, and
 * validation errors that name the field. */
#include "og_test.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *load_sample(const char *file)
{
    const char *src = getenv("OG_SOURCE_DIR");
    char path[1024];
    char *text = NULL;
    size_t len = 0;
    json_t *d = NULL;
    snprintf(path, sizeof(path), "%s/tests/data/projects/%s", src ? src : ".", file);
    OG_ASSERT_OK(og_file_read(path, 1 << 24, &text, &len));
    OG_ASSERT_OK(og_docgen_data_parse(&d, text, len, path));
    free(text);
    return d;
}

/* A dotted path into a model ("totals.amount", "phases.1.amount"). Borrowed. */
static const char *get(const json_t *m, const char *path)
{
    char buf[256], *save = NULL;
    const json_t *v = m;
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *t = strtok_r(buf, ".", &save); t && v; t = strtok_r(NULL, ".", &save)) {
        if (json_is_array(v))
            v = json_array_get(v, (size_t)atoi(t));
        else
            v = json_object_get(v, t);
    }
    if (!json_is_string(v))
        fail_msg("%s: not a string in the model", path);
    return json_string_value(v);
}

static void test_model__sow_totals_per_phase_and_overall(void **state)
{
    (void)state;
    json_t *d = load_sample("northwind-m365.json"), *m = NULL;
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_SOW, d, NULL));
    assert_string_equal(get(m, "phases.0.amount"), "5,070.00");
    assert_string_equal(get(m, "phases.0.hours"), "36");
    assert_string_equal(get(m, "phases.0.tasks.3.amount"), "1,087.50"); /* 7.5 h x 145.00 */
    assert_string_equal(get(m, "phases.2.amount"), "6,236.25");
    assert_string_equal(get(m, "totals.amount"), "18,366.25");
    assert_string_equal(get(m, "totals.hours"), "144.75");
    /* milestones add up to the total to the cent: the last one takes the remainder */
    assert_string_equal(get(m, "milestones.2.amount"), "5,509.88"); /* 5,509.875 half-even */
    assert_string_equal(get(m, "milestones.3.amount"), "1,836.62");
    assert_string_equal(get(m, "doc_number"), "SOW-2026-014");
    json_decref(m);
    json_decref(d);
}

static void test_model__zero_decimal_currency_rounds_lines_to_whole_units(void **state)
{
    (void)state;
    json_t *d = load_sample("northwind-m365.json"), *m = NULL;
    json_object_set_new(d, "currency", json_string("JPY"));
    /* 7.5 h x 145.00 = 1087.5 -> 1088 (half-even: 1087 is odd) */
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_SOW, d, NULL));
    assert_string_equal(get(m, "phases.0.tasks.3.amount"), "1,088");
    json_decref(m);
    json_decref(d);
}

static void test_model__change_order_lists_added_removed_changed_and_deltas(void **state)
{
    (void)state;
    json_t *base = load_sample("northwind-m365.json"),
           *cur = load_sample("northwind-m365-co1.json");
    json_t *m = NULL;
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_CHANGE_ORDER, cur, base));
    assert_int_equal(json_array_size(json_object_get(m, "added")), 1);
    assert_string_equal(get(m, "added.0.id"), "T3.5");
    assert_string_equal(get(m, "added.0.amount"), "1,450.00");
    assert_int_equal(json_array_size(json_object_get(m, "removed")), 1);
    assert_string_equal(get(m, "removed.0.id"), "T4.3");
    assert_int_equal(json_array_size(json_object_get(m, "changed")), 2);
    assert_string_equal(get(m, "changed.0.id"), "T2.3");
    assert_string_equal(get(m, "changed.0.hours_delta"), "+3.5");
    assert_string_equal(get(m, "changed.0.amount_delta"), "+385.00");
    assert_string_equal(get(m, "delta.hours"), "+12");
    assert_string_equal(get(m, "contract.original"), "18,366.25");
    assert_string_equal(get(m, "contract.this"), "+1,670.00");
    assert_string_equal(get(m, "contract.revised"), "20,036.25");
    assert_string_equal(get(m, "schedule.delta_text"), "+7 days");
    assert_string_equal(get(m, "schedule.new_end"), "2027-02-12");
    assert_string_equal(get(m, "doc_number"), "CO-001");
    json_decref(m);

    /* unchanged plan: zero days, said in words; previous change orders enter the revised sum */
    json_t *same = json_deep_copy(base);
    json_object_set(same, "change", json_object_get(cur, "change"));
    json_t *prev = json_pack("[{s:s, s:s}]", "number", "CO-000", "amount", "-100.50");
    json_object_set_new(json_object_get(same, "change"), "previous", prev);
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_CHANGE_ORDER, same, base));
    assert_string_equal(get(m, "schedule.delta_text"), "Zero (0) days");
    assert_true(json_is_true(json_object_get(m, "no_task_changes")));
    assert_string_equal(get(m, "contract.this"), "0.00");
    assert_string_equal(get(m, "contract.revised"), "18,265.75");
    json_decref(m);
    json_decref(same);

    /* without a baseline the change order cannot be built */
    assert_int_equal(og_docgen_model(&m, OG_DOC_CHANGE_ORDER, cur, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "change.baseline"));
    json_decref(base);
    json_decref(cur);
}

/* The closure comes from the data after CO-001 (the plan the project ran on), measured against
 * the SOW as sold (northwind-m365.json, its baseline) plus the approved change orders. */
static void test_model__closure_budget_against_actual_and_schedule_variance(void **state)
{
    (void)state;
    json_t *base = load_sample("northwind-m365.json"), *d = load_sample("northwind-m365-co1.json");
    json_t *m = NULL;
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_CLOSURE, d, base));
    assert_string_equal(get(m, "budget.original_amount"), "18,366.25"); /* the SOW's total */
    assert_string_equal(get(m, "budget.change_orders_amount"), "+1,670.00");
    assert_string_equal(get(m, "budget.revised_amount"), "20,036.25"); /* = the CO's revised sum */
    assert_string_equal(get(m, "budget.budget_amount"), "20,036.25");
    assert_string_equal(get(m, "budget.actual_amount"), "20,872.50");
    assert_string_equal(get(m, "budget.amount_variance"), "+836.25");
    assert_string_equal(get(m, "budget.actual_hours"), "163");
    assert_string_equal(get(m, "budget.amount_variance_percent"), "+4.2");
    assert_string_equal(get(m, "change_orders.0.amount"), "+1,670.00");
    /* the task removed by CO-001 is not in the closure; the task it added is */
    json_t *row;
    size_t i;
    int t35 = 0;
    json_array_foreach(json_object_get(m, "actuals"), i, row)
    {
        assert_string_not_equal(json_string_value(json_object_get(row, "id")), "T4.3");
        t35 |= strcmp(json_string_value(json_object_get(row, "id")), "T3.5") == 0;
    }
    assert_true(t35);
    /* on time against the plan after the change orders, a week after the original plan */
    assert_string_equal(get(m, "schedule.planned_end"), "2027-02-12");
    assert_string_equal(get(m, "schedule.original_end"), "2027-02-05");
    assert_string_equal(get(m, "schedule.variance_text"), "Zero (0) days");
    assert_string_equal(get(m, "deliverables.3.status"), "accepted with remarks");
    json_decref(m);

    /* without the baseline the original budget is the plan less the approved change orders */
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_CLOSURE, d, NULL));
    assert_string_equal(get(m, "budget.original_amount"), "18,366.25");
    assert_true(json_is_false(json_object_get(json_object_get(m, "budget"), "has_baseline")));
    json_decref(m);

    /* a change order that is not approved is listed but not counted */
    json_t *cos = json_object_get(json_object_get(d, "closure"), "change_orders");
    json_array_append_new(cos,
                          json_pack("{s:s, s:s, s:s, s:s}", "number", "CO-002", "description",
                                    "Mobile devices", "amount", "2400.00", "status", "rejected"));
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_CLOSURE, d, base));
    assert_string_equal(get(m, "budget.revised_amount"), "20,036.25");
    assert_string_equal(get(m, "change_orders.1.amount"), "+2,400.00");
    assert_true(json_is_false(
        json_object_get(json_array_get(json_object_get(m, "change_orders"), 1), "approved")));
    json_decref(m);
    json_array_remove(cos, 1);

    /* amounts that do not explain the plan are refused, with the figures */
    json_object_set_new(json_array_get(cos, 0), "amount", json_string("1450.00"));
    assert_int_equal(og_docgen_model(&m, OG_DOC_CLOSURE, d, base), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "closure.change_orders: the baseline SOW's 18,366.25 "
                                            "plus the approved change orders' +1,450.00 is "
                                            "19,816.25, but the plan (phases) adds up to "
                                            "20,036.25"));
    json_object_set_new(json_array_get(cos, 0), "amount", json_string("1670.00"));

    /* hours booked on a task a change order removed */
    json_object_set_new(json_object_get(json_object_get(d, "closure"), "actual_hours"), "T4.3",
                        json_string("4"));
    assert_int_equal(og_docgen_model(&m, OG_DOC_CLOSURE, d, base), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "closure.actual_hours.T4.3: task T4.3 is not in the "
                                            "plan (a change order removed it)"));
    json_decref(d);
    json_decref(base);
}

/* Each kind carries its own number, date and revision; runbooks and closures default to the
 * SOW's number with a suffix, their own date and revision 1. */
static void test_model__each_kind_has_its_own_number_date_and_revision(void **state)
{
    (void)state;
    json_t *base = load_sample("northwind-m365.json"), *co = load_sample("northwind-m365-co1.json");
    json_t *m = NULL;
    struct {
        og_doc_kind kind;
        json_t *data;
        const char *number, *date, *rev;
    } want[] = {
        {OG_DOC_SOW, base, "SOW-2026-014", "2026-11-02", "1"},
        {OG_DOC_CHANGE_ORDER, co, "CO-001", "2026-12-14", "1"},
        {OG_DOC_RUNBOOK, base, "RB-2026-014", "2026-12-10", "2"},
        {OG_DOC_CLOSURE, co, "PCR-2026-014", "2027-02-19", "1"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        OG_ASSERT_OK(og_docgen_model(&m, want[i].kind, want[i].data, base));
        assert_string_equal(get(m, "doc_number"), want[i].number);
        assert_string_equal(get(m, "doc_date"), want[i].date);
        assert_string_equal(get(m, "doc_revision"), want[i].rev);
        /* the SOW the document belongs to stays at hand */
        assert_string_equal(get(m, "document.number"), "SOW-2026-014");
        json_decref(m);
    }
    /* defaults */
    json_t *rb = json_object_get(base, "runbook"), *cl = json_object_get(co, "closure"),
           *ch = json_object_get(co, "change");
    json_object_del(rb, "number");
    json_object_del(rb, "revision");
    json_object_set_new(rb, "date", json_string("2027-01-15"));
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_RUNBOOK, base, NULL));
    assert_string_equal(get(m, "doc_number"), "SOW-2026-014-RB");
    assert_string_equal(get(m, "doc_date"), "2027-01-15");
    assert_string_equal(get(m, "doc_revision"), "1");
    json_decref(m);
    json_object_del(cl, "number");
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_CLOSURE, co, base));
    assert_string_equal(get(m, "doc_number"), "SOW-2026-014-CLOSE");
    json_decref(m);
    json_object_set_new(ch, "revision", json_string("3"));
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_CHANGE_ORDER, co, base));
    assert_string_equal(get(m, "doc_revision"), "3");
    json_decref(m);
    /* a date must be a date */
    json_object_set_new(rb, "date", json_string("2027-13-01"));
    assert_int_equal(og_docgen_model(&m, OG_DOC_RUNBOOK, base, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "runbook.date"));
    json_decref(base);
    json_decref(co);
}

/* The brand's name and address are the provider's; the data's `provider` is then optional.
 * Who signs for the client and the provider is named after them. */
static void test_model__brand_names_the_provider_and_signatories_their_side(void **state)
{
    (void)state;
    json_t *d = load_sample("northwind-m365.json"), *m = NULL;
    og_docgen_brand b;
    memset(&b, 0, sizeof(b));
    b.name = "Bluefin MSP AG";
    b.address = "Kai 1, Hamburg";
    b.color = "#00aa55";
    OG_ASSERT_OK(og_docgen_model_branded(&m, OG_DOC_SOW, d, NULL, &b));
    assert_string_equal(get(m, "provider.name"), "Bluefin MSP AG");
    assert_string_equal(get(m, "provider.address"), "Kai 1, Hamburg");
    assert_string_equal(get(m, "brand.color"), "#00aa55");
    assert_string_equal(get(m, "signoff.0.organisation"), "Northwind Logistics AG");
    assert_string_equal(get(m, "signoff.1.organisation"), "Bluefin MSP AG");
    json_decref(m);
    json_object_del(d, "provider");
    OG_ASSERT_OK(og_docgen_model_branded(&m, OG_DOC_SOW, d, NULL, &b));
    json_decref(m);
    assert_int_equal(og_docgen_model(&m, OG_DOC_SOW, d, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "provider: missing"));
    json_decref(d);
}

static void test_model__runbook_keeps_commands_verbatim(void **state)
{
    (void)state;
    json_t *d = load_sample("northwind-m365.json"), *m = NULL;
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_RUNBOOK, d, NULL));
    assert_string_equal(get(m, "procedures.0.steps.0.command"),
                        "Get-MigrationBatch | ft Identity,Status");
    assert_string_equal(get(m, "certificates.0.deployed_to"),
                        "EX01 (IIS, SMTP), FW-BRE-01 (SSL inspection exemption)");
    assert_string_equal(get(m, "systems.0.name"), "EX01");
    json_decref(m);
    json_decref(d);
}

/* Set (value) or delete (NULL) the member at a '/'-separated path of a copy of the sample and
 * expect OG_EINVAL with a message containing `field`. */
static void expect_invalid(og_doc_kind kind, const char *json_path_set, json_t *value,
                           const char *field)
{
    json_t *d = load_sample(kind == OG_DOC_CLOSURE ? "northwind-m365-co1.json"
                                                   : "northwind-m365.json"),
           *m = NULL, *parent = d;
    char buf[256], *save = NULL, *last = NULL;
    snprintf(buf, sizeof(buf), "%s", json_path_set);
    for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (last)
            parent = json_is_array(parent) ? json_array_get(parent, (size_t)atoi(last))
                                           : json_object_get(parent, last);
        last = t;
    }
    if (json_is_array(parent)) {
        if (value)
            json_array_set_new(parent, (size_t)atoi(last), value);
        else
            json_array_remove(parent, (size_t)atoi(last));
    } else if (value) {
        json_object_set_new(parent, last, value);
    } else {
        json_object_del(parent, last);
    }
    int rc = og_docgen_model(&m, kind, d, NULL);
    if (rc != OG_EINVAL || !strstr(og_error_last(), field))
        fail_msg("%s: got %d \"%s\", want OG_EINVAL naming %s", json_path_set, rc, og_error_last(),
                 field);
    assert_null(m);
    json_decref(d);
}

static void test_model__bad_data_names_the_field(void **state)
{
    (void)state;
    expect_invalid(OG_DOC_SOW, "phases/1/tasks/0/rate", NULL, "phases[1].tasks[0].rate: missing");
    expect_invalid(OG_DOC_SOW, "phases/0/tasks/2/hours", json_real(7.5),
                   "phases[0].tasks[2].hours");
    expect_invalid(OG_DOC_SOW, "phases/0/tasks/2/hours", json_string("7,5"),
                   "phases[0].tasks[2].hours");
    expect_invalid(OG_DOC_SOW, "currency", json_integer(978), "currency: expected a string");
    expect_invalid(OG_DOC_SOW, "currency", json_string("euro"), "currency");
    expect_invalid(OG_DOC_SOW, "client", NULL, "client: missing");
    expect_invalid(OG_DOC_SOW, "format", json_integer(2), "format: project data format 2");
    expect_invalid(OG_DOC_SOW, "client/name", json_string(""), "client.name: must not be empty");
    expect_invalid(OG_DOC_SOW, "document/date", json_string("2026-02-30"), "document.date");
    expect_invalid(OG_DOC_SOW, "phases/0/tasks/1/id", json_string("T1.1"), "phases[0].tasks[1].id");
    expect_invalid(OG_DOC_SOW, "milestones/0/payment_percent", json_string("25"),
                   "payment_percent adds up to 105");
    expect_invalid(OG_DOC_SOW, "phases", json_array(), "phases: must not be empty");
    expect_invalid(OG_DOC_CLOSURE, "closure/actual_hours/T2.3", NULL,
                   "closure.actual_hours.T2.3: missing");
    expect_invalid(OG_DOC_RUNBOOK, "runbook/procedures/0/steps/1/action", NULL,
                   "runbook.procedures[0].steps[1].action: missing");
}

/* A string of n copies of unit (caller frees with json_decref). */
static json_t *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* A sample with one field set, then og_docgen_model for kind: 0 or the error. */
static int model_with(og_doc_kind kind, const char *parent_path, const char *key, json_t *value)
{
    json_t *d = load_sample(kind == OG_DOC_CHANGE_ORDER || kind == OG_DOC_CLOSURE
                                ? "northwind-m365-co1.json"
                                : "northwind-m365.json"),
           *m = NULL, *parent = d;
    char buf[256], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", parent_path);
    for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save))
        parent = json_is_array(parent) ? json_array_get(parent, (size_t)atoi(t))
                                       : json_object_get(parent, t);
    if (json_is_array(parent))
        json_array_set_new(parent, (size_t)atoi(key), value);
    else
        json_object_set_new(parent, key, value);
    int rc = og_docgen_model(&m, kind, d, NULL);
    json_decref(m);
    json_decref(d);
    return rc;
}

#define EXPECT_LIMIT(call, msg)                                                                    \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != OG_EINVAL || !strstr(og_error_last(), msg))                                     \
            fail_msg("%s: got %d \"%.200s\", want OG_EINVAL with \"%s\"", #call, rc_,              \
                     og_error_last(), msg);                                                        \
    } while (0)

/* Names and titles up to 200 characters, prose up to 10,000 (characters, not bytes), lists up to
 * 1,000 items, 1,000 tasks in all, the whole data up to 256 KiB; each error names the field and
 * the limit. */
static void test_model__text_fields_and_lists_have_documented_limits(void **state)
{
    (void)state;
    OG_ASSERT_OK(model_with(OG_DOC_SOW, "client", "name", repeat("x", OG_DOCGEN_NAME_MAX)));
    OG_ASSERT_OK(model_with(OG_DOC_SOW, "client", "name", repeat("\xc3\xa9", 200)));
    EXPECT_LIMIT(model_with(OG_DOC_SOW, "client", "name", repeat("x", 100000)),
                 "client.name: 100000 characters, over the limit of 200");
    EXPECT_LIMIT(model_with(OG_DOC_SOW, "client", "name", repeat("\xc3\xa9", 201)),
                 "client.name: 201 characters, over the limit of 200");
    EXPECT_LIMIT(model_with(OG_DOC_SOW, "phases/0/tasks/1", "name", repeat("y", 201)),
                 "phases[0].tasks[1].name: 201 characters, over the limit of 200");
    EXPECT_LIMIT(model_with(OG_DOC_SOW, "project", "name", repeat("y", 201)), "project.name");
    EXPECT_LIMIT(model_with(OG_DOC_RUNBOOK, "runbook/systems/0", "host", repeat("h", 201)),
                 "runbook.systems[0].host: 201 characters, over the limit of 200");
    /* prose */
    OG_ASSERT_OK(model_with(OG_DOC_SOW, "", "environment", repeat("w", OG_DOCGEN_TEXT_MAX)));
    EXPECT_LIMIT(model_with(OG_DOC_SOW, "", "environment", repeat("w", 10001)),
                 "environment: 10001 characters, over the limit of 10000");
    EXPECT_LIMIT(model_with(OG_DOC_SOW, "assumptions", "2", repeat("w", 10001)),
                 "assumptions[2]: 10001 characters, over the limit of 10000");
    EXPECT_LIMIT(model_with(OG_DOC_CHANGE_ORDER, "change", "description", repeat("w", 10001)),
                 "change.description: 10001 characters");
    EXPECT_LIMIT(
        model_with(OG_DOC_RUNBOOK, "runbook/procedures/0/steps/0", "command", repeat("w", 10001)),
        "runbook.procedures[0].steps[0].command: 10001 characters");
    OG_ASSERT_OK(
        model_with(OG_DOC_RUNBOOK, "runbook/procedures/0/steps/0", "command", repeat("w", 10000)));
    EXPECT_LIMIT(
        model_with(OG_DOC_RUNBOOK, "runbook/certificates/0/deployed_to", "0", repeat("d", 10001)),
        "runbook.certificates[0].deployed_to[0]: 10001 characters");
    /* lists; tasks across phases (2 x 501 here and the 8 of the other phases) */
    {
        json_t *a = json_array();
        for (int i = 0; i < OG_DOCGEN_ITEMS_MAX + 1; i++)
            json_array_append_new(a, json_string("An assumption"));
        EXPECT_LIMIT(model_with(OG_DOC_SOW, "", "assumptions", a),
                     "assumptions: 1001 items, over the limit of 1000");
        json_t *tasks = json_array();
        for (int i = 0; i < OG_DOCGEN_ITEMS_MAX / 2 + 1; i++)
            json_array_append_new(tasks, json_pack("{s:s, s:s, s:s, s:s}", "id", "T", "name", "n",
                                                   "hours", "1", "rate", "1"));
        json_t *t2 = json_deep_copy(tasks);
        json_t *d = load_sample("northwind-m365.json"), *m = NULL;
        json_object_set_new(json_array_get(json_object_get(d, "phases"), 0), "tasks", tasks);
        json_object_set_new(json_array_get(json_object_get(d, "phases"), 1), "tasks", t2);
        EXPECT_LIMIT(og_docgen_model(&m, OG_DOC_SOW, d, NULL),
                     "phases: 1010 tasks in all, over the limit of 1000");
        assert_null(m);
        json_decref(d);
    }
    /* the whole data, unknown fields included */
    EXPECT_LIMIT(model_with(OG_DOC_SOW, "", "notes", repeat("z", OG_DOCGEN_DATA_MAX)),
                 "project data: ");
    assert_non_null(strstr(og_error_last(), "over the limit of 262144"));
}

static void test_model__strings_cannot_break_tables_or_inject_html(void **state)
{
    (void)state;
    json_t *d = load_sample("northwind-m365.json"), *m = NULL;
    json_object_set_new(json_object_get(d, "client"), "name", json_string("A|B <script>"));
    OG_ASSERT_OK(og_docgen_model(&m, OG_DOC_SOW, d, NULL));
    assert_string_equal(get(m, "client.name"), "A\\|B \\<script>");
    json_decref(m);
    json_decref(d);
}

static void test_request_from_json__reads_the_http_body_and_names_bad_fields(void **state)
{
    (void)state;
    og_docgen_request r;
    json_t *b = json_pack("{s:s, s:s, s:s, s:{}, s:b}", "kind", "change-order", "format", "pdf",
                          "template", "co@2", "data", "dry_run", 1);
    OG_ASSERT_OK(og_docgen_request_from_json(&r, b));
    assert_int_equal(r.kind, OG_DOC_CHANGE_ORDER);
    assert_int_equal(r.format, OG_DOC_PDF);
    assert_string_equal(r.template_ref, "co@2");
    assert_non_null(r.data);
    assert_true(r.dry_run);
    json_decref(b);
    b = json_pack("{s:s}", "kind", "sow");
    OG_ASSERT_OK(og_docgen_request_from_json(&r, b));
    assert_int_equal(r.format, OG_DOC_MD);
    assert_null(r.data);
    json_decref(b);
    b = json_pack("{s:s, s:s}", "kind", "sow", "format", "odt");
    assert_int_equal(og_docgen_request_from_json(&r, b), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "format: unknown format 'odt'"));
    json_decref(b);
    b = json_pack("{s:s, s:i}", "kind", "sow", "data", 3);
    assert_int_equal(og_docgen_request_from_json(&r, b), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "data:"));
    json_decref(b);
    b = json_object();
    assert_int_equal(og_docgen_request_from_json(&r, b), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "kind: missing"));
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model__sow_totals_per_phase_and_overall),
        cmocka_unit_test(test_model__zero_decimal_currency_rounds_lines_to_whole_units),
        cmocka_unit_test(test_model__change_order_lists_added_removed_changed_and_deltas),
        cmocka_unit_test(test_model__closure_budget_against_actual_and_schedule_variance),
        cmocka_unit_test(test_model__each_kind_has_its_own_number_date_and_revision),
        cmocka_unit_test(test_model__brand_names_the_provider_and_signatories_their_side),
        cmocka_unit_test(test_model__runbook_keeps_commands_verbatim),
        cmocka_unit_test(test_model__bad_data_names_the_field),
        cmocka_unit_test(test_model__text_fields_and_lists_have_documented_limits),
        cmocka_unit_test(test_model__strings_cannot_break_tables_or_inject_html),
        cmocka_unit_test(test_request_from_json__reads_the_http_body_and_names_bad_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
