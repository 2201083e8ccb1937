/* test_gate_stats.c - og_gate_stats: the gate counters by hour, from the same definitions as
 * /metrics, so that the series sum to what /metrics exports; who may read them. */
#include "og_test.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_US ((int64_t)24 * 3600 * 1000000)

static int fail_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                        const og_gate_staged *staged, json_t **result)
{
    (void)ctx, (void)tenant_id, (void)params, (void)staged, (void)result;
    return og_error_set(OG_ERROR, "the CA refused");
}

static const og_action_kind failing_kind = {"test.stats.fails", "platform",   OG_GATE_L0,
                                            "test kind",        fail_execute, NULL};

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
    OG_ASSERT_OK(og_app_register_all());
    int rc = og_gate_kind_register(&failing_kind);
    assert_true(rc == 0 || rc == OG_EEXISTS);
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "globex", NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "pam", OG_ROLE_PROJECT_MANAGER, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "eve", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "cv", OG_ROLE_CLIENT_VIEWER, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "globex", "gil", OG_ROLE_TENANT_ADMIN, NULL));
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    og_test_env *env = *state;
    og_test_env_teardown(env);
    free(env);
    return 0;
}

static og_ctx as_user(og_test_env *env, const char *tenant, const char *user)
{
    og_ctx c = env->ctx;
    OG_ASSERT_OK(og_actor_become(&c, tenant, user));
    return c;
}

/* One platform.note request at level in tenant, as user; the item's id into id. */
static int note(og_test_env *env, const char *tenant, const char *user, og_gate_level level,
                char id[OG_ID_LEN])
{
    og_ctx c = as_user(env, tenant, user);
    og_gate_outcome out;
    json_t *p = json_pack("{s:s}", "text", "n");
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, tenant, "platform.note", level));
    int rc = og_gate_request(&c, tenant, "platform.note", NULL, NULL, p, NULL, &out);
    json_decref(p);
    json_decref(out.result);
    og_strlcpy(id, out.gate_id, OG_ID_LEN);
    return rc;
}

/* Items of every kind of outcome: in acme L0 x2, L1 acked, overridden, escalated, open; L2
 * approved, rejected, two waiting; L3 failed, one open; a failed execution; in globex an L0 and
 * an L2 waiting. */
static void fill(og_test_env *env)
{
    char id[OG_ID_LEN];
    og_ctx ada = as_user(env, "acme", "ada"), pam = as_user(env, "acme", "pam");
    og_gate_outcome out;
    OG_ASSERT_OK(note(env, "acme", "eve", OG_GATE_L0, id));
    OG_ASSERT_OK(note(env, "acme", "eve", OG_GATE_L0, id));
    OG_ASSERT_OK(note(env, "acme", "eve", OG_GATE_L1, id));
    OG_ASSERT_OK(og_gate_decide(&ada, id, "ack", NULL));
    OG_ASSERT_OK(note(env, "acme", "eve", OG_GATE_L1, id));
    OG_ASSERT_OK(og_gate_decide(&ada, id, "override", "wrong"));
    OG_ASSERT_OK(note(env, "acme", "eve", OG_GATE_L1, id));
    OG_ASSERT_OK(og_gate_decide(&ada, id, "escalate", NULL));
    OG_ASSERT_OK(note(env, "acme", "eve", OG_GATE_L1, id));
    assert_int_equal(note(env, "acme", "eve", OG_GATE_L2, id), OG_EPENDING);
    OG_ASSERT_OK(og_gate_decide(&pam, id, "approve", NULL));
    assert_int_equal(note(env, "acme", "eve", OG_GATE_L2, id), OG_EPENDING);
    OG_ASSERT_OK(og_gate_decide(&pam, id, "reject", "no"));
    assert_int_equal(note(env, "acme", "eve", OG_GATE_L2, id), OG_EPENDING);
    assert_int_equal(note(env, "acme", "eve", OG_GATE_L2, id), OG_EPENDING);
    assert_int_equal(note(env, "acme", "eve", OG_GATE_L3, id), OG_EPENDING);
    OG_ASSERT_OK(og_gate_decide(&ada, id, "failed", "broke"));
    assert_int_equal(note(env, "acme", "eve", OG_GATE_L3, id), OG_EPENDING);
    assert_int_equal(
        og_gate_request(&env->ctx, "acme", "test.stats.fails", NULL, NULL, NULL, NULL, &out),
        OG_ERROR);
    OG_ASSERT_OK(note(env, "globex", "gil", OG_GATE_L0, id));
    assert_int_equal(note(env, "globex", "gil", OG_GATE_L2, id), OG_EPENDING);
}

/* The sum of a metric's values over the lines of /metrics that carry every label given (NULL:
 * any), e.g. metric_sum(m, "opsgate_gate_executed_total", "acme", "platform", NULL). */
static long long metric_sum(const char *m, const char *metric, const char *tenant, const char *area,
                            const char *state)
{
    long long sum = 0;
    char want_t[80], want_a[80], want_s[80];
    snprintf(want_t, sizeof(want_t), "tenant=\"%s\"", tenant ? tenant : "");
    snprintf(want_a, sizeof(want_a), "area=\"%s\"", area ? area : "");
    snprintf(want_s, sizeof(want_s), "state=\"%s\"", state ? state : "");
    for (const char *line = m; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), line);
        size_t ml = strlen(metric);
        if (strncmp(buf, metric, ml) == 0 && buf[ml] == '{' && (!tenant || strstr(buf, want_t)) &&
            (!area || strstr(buf, want_a)) && (!state || strstr(buf, want_s)))
            sum += atoll(strrchr(buf, ' ') + 1);
        line = end ? end + 1 : NULL;
    }
    return sum;
}

static json_t *area_in(json_t *stats, const char *area)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(stats, "areas"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "area")), area) == 0)
            return a;
    }
    fail_msg("no area %s in the statistics", area);
    return NULL;
}

static long long series_sum(json_t *area, const char *name)
{
    long long sum = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(area, "series"), name), i, v)
    {
        sum += json_integer_value(v);
    }
    return sum;
}

static long long series_last(json_t *area, const char *name)
{
    json_t *s = json_object_get(json_object_get(area, "series"), name);
    return json_integer_value(json_array_get(s, json_array_size(s) - 1));
}

static long long num(json_t *area, const char *group, const char *name)
{
    return json_integer_value(json_object_get(json_object_get(area, group), name));
}

/* Every counter's hourly series sums to /metrics' total for the same items, for one tenant and
 * across tenants; the open series end in /metrics' opsgate_gate_open. */
static void check_against_metrics(og_test_env *env, const char *tenant, json_t *stats)
{
    static const char *const names[] = {"executed", "failed",    "approvals",  "rejections",
                                        "expiries", "overrides", "escalations"};
    static const char *const open[] = {"pending", "review", "task"};
    og_buf m;
    og_buf_init(&m, 1 << 20);
    OG_ASSERT_OK(og_gate_metrics_render(env->store, &m));
    json_t *a = area_in(stats, "platform");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char metric[80];
        snprintf(metric, sizeof(metric), "opsgate_gate_%s_total", names[i]);
        long long want = metric_sum(m.data, metric, tenant, "platform", NULL);
        assert_int_equal(series_sum(a, names[i]), want);
        assert_int_equal(num(a, "window", names[i]), want);
        assert_int_equal(num(a, "totals", names[i]), want);
    }
    for (size_t i = 0; i < 3; i++) {
        long long want = metric_sum(m.data, "opsgate_gate_open", tenant, "platform", open[i]);
        assert_int_equal(series_last(a, open[i]), want);
        assert_int_equal(num(a, "open", open[i]), want);
    }
    og_buf_free(&m);
}

static void test_gate_stats__series_sum_to_the_metrics_totals(void **state)
{
    og_test_env *env = *state;
    json_t *st = NULL;
    fill(env);
    OG_ASSERT_OK(og_gate_stats(&env->ctx, "acme", 24 * 3600 * (int64_t)1000000, &st));
    assert_int_equal(json_integer_value(json_object_get(st, "hours_count")), 24);
    assert_int_equal(json_array_size(json_object_get(st, "hours")), 24);
    assert_string_equal(json_string_value(json_object_get(st, "tenant")), "acme");
    check_against_metrics(env, "acme", st);
    json_t *a = area_in(st, "platform");
    /* the figures themselves, not only their agreement */
    assert_int_equal(num(a, "totals", "executed"), 7); /* 2 L0, 4 L1, 1 approved L2 */
    assert_int_equal(num(a, "totals", "failed"), 2);
    assert_int_equal(num(a, "totals", "approvals"), 1);
    assert_int_equal(num(a, "totals", "rejections"), 1);
    assert_int_equal(num(a, "totals", "overrides"), 1);
    assert_int_equal(num(a, "totals", "escalations"), 1);
    assert_int_equal(num(a, "open", "pending"), 2);
    assert_int_equal(num(a, "open", "review"), 2); /* the escalated one and the open one */
    assert_int_equal(num(a, "open", "task"), 1);
    /* the registered kinds' areas are there, with zeros */
    assert_int_equal(num(area_in(st, "certs"), "totals", "executed"), 0);
    assert_int_equal(num(area_in(st, "artifacts"), "open", "pending"), 0);
    json_decref(st);

    /* across tenants: globex's items too */
    OG_ASSERT_OK(og_gate_stats(&env->ctx, NULL, 7 * DAY_US, &st));
    assert_true(json_is_null(json_object_get(st, "tenant")));
    assert_int_equal(json_integer_value(json_object_get(st, "hours_count")), 168);
    check_against_metrics(env, NULL, st);
    assert_int_equal(num(area_in(st, "platform"), "open", "pending"), 3);
    json_decref(st);
}

/* An item older than the window is in the totals, not in the series; a wider window holds it. */
static void test_gate_stats__older_items_are_outside_a_short_window(void **state)
{
    og_test_env *env = *state;
    json_t *st = NULL;
    char id[OG_ID_LEN], old[OG_TIME_LEN];
    OG_ASSERT_OK(note(env, "acme", "eve", OG_GATE_L0, id));
    OG_ASSERT_OK(note(env, "acme", "eve", OG_GATE_L0, id));
    og_time_format(og_time_now_us() - 3 * DAY_US, old);
    OG_ASSERT_OK(og_store_run(env->store, "UPDATE gate_items SET created_at = ? WHERE id = ?", "tt",
                              old, id) < 0);
    OG_ASSERT_OK(og_gate_stats(&env->ctx, "acme", 24 * 3600 * (int64_t)1000000, &st));
    json_t *a = area_in(st, "platform");
    assert_int_equal(num(a, "totals", "executed"), 2);
    assert_int_equal(series_sum(a, "executed"), 1);
    assert_int_equal(series_last(a, "executed"), 1); /* this hour's */
    json_decref(st);
    OG_ASSERT_OK(og_gate_stats(&env->ctx, "acme", 4 * DAY_US, &st));
    assert_int_equal(series_sum(area_in(st, "platform"), "executed"), 2);
    json_decref(st);
}

static void test_gate_stats__who_may_read_them(void **state)
{
    og_test_env *env = *state;
    json_t *st = NULL;
    og_ctx eve = as_user(env, "acme", "eve"), cv = as_user(env, "acme", "cv"),
           gil = as_user(env, "globex", "gil");
    OG_ASSERT_OK(og_gate_stats(&eve, "acme", DAY_US, &st));
    json_decref(st);
    st = NULL;
    assert_int_equal(og_gate_stats(&cv, "acme", DAY_US, &st), OG_EDENIED);
    assert_null(st);
    assert_int_equal(og_gate_stats(&gil, "acme", DAY_US, &st), OG_ENOTFOUND);
    assert_int_equal(og_gate_stats(&eve, NULL, DAY_US, &st), OG_EDENIED);
    assert_int_equal(og_gate_stats(&eve, "", DAY_US, &st), OG_EDENIED);
    assert_int_equal(og_gate_stats(&env->ctx, "nosuch", DAY_US, &st), OG_ENOTFOUND);
    assert_int_equal(og_gate_stats(&env->ctx, "acme", 0, &st), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "1 hour to 31 days"));
    assert_int_equal(og_gate_stats(&env->ctx, "acme", 32 * DAY_US, &st), OG_EINVAL);
    assert_null(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gate_stats__series_sum_to_the_metrics_totals, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gate_stats__older_items_are_outside_a_short_window,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_stats__who_may_read_them, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
