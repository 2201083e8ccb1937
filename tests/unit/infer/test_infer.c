/* test_infer.c - the inference step before every gate: every request carries an analysis (in
 * the item, its audit record and its notification event), outcomes label it, models train from
 * the labels (liblinear) and separate a planted pattern of a replay, a tenant's threshold raises
 * one action's level (a pin keeps it), and no tenant string reaches a stored model or example. */
#include "og_test.h"
#include "opsgate/app.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/infer.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2026-01-05 00:00 UTC, a Monday */
#define START_US ((int64_t)1767571200 * 1000000)

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
    OG_ASSERT_OK(og_app_register_all());
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "zebracorp", NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "zebracorp", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "zebracorp", "eve", OG_ROLE_ENGINEER, NULL));
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

static void tenant_id(og_test_env *env, char id[OG_ID_LEN])
{
    OG_ASSERT_OK(og_tenant_resolve(&env->ctx, "zebracorp", OG_PERM_READ, id));
}

static og_ctx as_user(og_test_env *env, const char *user)
{
    og_ctx c = env->ctx;
    OG_ASSERT_OK(og_actor_become(&c, "zebracorp", user));
    return c;
}

static json_t *note(const char *text)
{
    return json_pack("{s:s}", "text", text);
}

/* A gate request through the general endpoint, its item as `gate show` has it. */
static json_t *request_note(og_test_env *env, const char *text, og_gate_outcome *oc)
{
    json_t *p = note(text), *doc = NULL;
    int rc =
        og_gate_request_general(&env->ctx, "zebracorp", "platform.note", "note", NULL, p, NULL, oc);
    assert_true(rc == 0 || rc == OG_EPENDING);
    json_decref(p);
    OG_ASSERT_OK(og_gate_show(&env->ctx, oc->gate_id, &doc));
    json_decref(oc->result);
    oc->result = NULL;
    return doc;
}

/* Every gated action carries an analysis: in the item, its audit record, its event. */
static void test_every_request_analysed(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome oc;
    json_t *doc = request_note(env, "hello", &oc);
    json_t *inf = json_object_get(doc, "inference");
    assert_true(json_is_object(inf));
    assert_string_equal(json_string_value(json_object_get(inf, "model")), "no model yet");
    assert_true(json_is_object(json_object_get(inf, "features")));
    assert_non_null(json_object_get(json_object_get(inf, "features"), "kind_history"));
    assert_non_null(json_string_value(json_object_get(inf, "explanation")));
    assert_true(json_is_object(json_object_get(inf, "recommendation")));
    json_decref(doc);

    /* the audit record of the request carries it */
    json_t *recs = NULL;
    char tid[OG_ID_LEN];
    int64_t next = 0;
    tenant_id(env, tid);
    OG_ASSERT_OK(og_audit_list(&env->ctx, tid, 0, 5, "platform.note", NULL, &recs, &next));
    assert_true(json_array_size(recs) >= 1);
    json_t *an = json_object_get(json_array_get(recs, 0), "analysis");
    assert_true(json_is_object(json_object_get(an, "inference")));
    assert_non_null(json_object_get(json_object_get(an, "inference"), "features"));
    json_decref(recs);
}

/* The replay's planted pattern is learned: a time-ordered held-out AUC well above 0.5, and the
 * trained model ranks the pattern above nearly all the rest. */
static void test_replay_separates(void **state)
{
    og_test_env *env = *state;
    char tid[OG_ID_LEN];
    int planted = 0;
    json_t *out = NULL;
    tenant_id(env, tid);
    OG_ASSERT_OK(og_infer_replay(&env->ctx, tid, 1500, 42, START_US, &planted));
    assert_true(planted > 20);
    OG_ASSERT_OK(og_infer_report(&env->ctx, "zebracorp", "certs.deploy", &out));
    json_t *k = json_array_get(json_object_get(out, "kinds"), 0);
    assert_non_null(k);
    double auc = json_number_value(json_object_get(k, "auc"));
    fprintf(stderr, "held-out AUC %.3f\n", auc);
    assert_true(auc > 0.7);
    assert_int_equal(json_array_size(json_object_get(k, "calibration")), 5);
    json_decref(out);

    OG_ASSERT_OK(og_infer_train(&env->ctx, "certs.deploy", &out));
    assert_int_equal(json_array_size(json_object_get(out, "models")), 2); /* platform, tenant */
    json_decref(out);
    /* the pattern scores above the same target type at another hour */
    og_infer_input risky = {.kind = "certs.deploy",
                            .target_key = "replay-haproxy-1",
                            .now_us = START_US + (int64_t)(30 * 24 + 2) * 3600 * 1000000};
    og_infer_input calm = risky;
    calm.now_us = START_US + (int64_t)(30 * 24 + 14) * 3600 * 1000000;
    risky.facts = json_pack("{s:s, s:i}", "target_type", "haproxy", "endpoints", 2);
    calm.facts = json_incref(risky.facts);
    double s_risky = 0, s_calm = 0;
    OG_ASSERT_OK(og_infer_score(&env->ctx, tid, &risky, &s_risky));
    OG_ASSERT_OK(og_infer_score(&env->ctx, tid, &calm, &s_calm));
    fprintf(stderr, "risky %.3f calm %.3f\n", s_risky, s_calm);
    assert_true(s_risky > 2 * s_calm);
    json_decref(risky.facts);
    json_decref(calm.facts);

    /* no tenant string in any stored model or example */
    const char *const words[] = {"zebracorp", "replay-", "haproxy-1", tid, NULL};
    /* every column but the tenant_id each row belongs to */
    assert_int_equal(og_test_rows_mentioning(env,
                                             "SELECT key, kind, target_hash, features, score_ppm,"
                                             " model_version, level, raised, label, outcome FROM"
                                             " infer_actions",
                                             words, 0),
                     0);
    assert_int_equal(og_test_rows_mentioning(
                         env, "SELECT * FROM infer_models WHERE tenant_id IS NULL", words, 0),
                     0);
    assert_int_equal(
        og_test_rows_mentioning(env,
                                "SELECT id, kind, version, weights, bias_ppm, examples,"
                                " positives, created_at FROM infer_models",
                                words, 0),
        0);
}

/* Facts the module gives that name things never reach the stored example. */
static void test_facts_keep_no_names(void **state)
{
    og_test_env *env = *state;
    char tid[OG_ID_LEN];
    og_infer_result r;
    tenant_id(env, tid);
    og_infer_input in = {.kind = "certs.deploy", .target_key = "lb1.zebracorp.example"};
    in.facts = json_pack("{s:s, s:[s], s:[s], s:s, s:s}", "target_type", "zebracorp-custom", "sans",
                         "DNS:www.zebracorp.example", "old_sans", "DNS:old.zebracorp.example",
                         "key_type", "rsa2048", "note", "zebracorp secret text");
    OG_ASSERT_OK(og_store_tx_begin(env->store));
    OG_ASSERT_OK(og_infer_analyse(&env->ctx, tid, "11111111-2222-4333-8444-555555555555", &in, &r));
    OG_ASSERT_OK(og_store_tx_commit(env->store));
    json_t *f = json_object_get(r.analysis, "features");
    assert_non_null(json_object_get(f, "target_type=other"));
    assert_int_equal((int)json_number_value(json_object_get(f, "san_change")), 1);
    json_decref(r.analysis);
    json_decref(in.facts);
    const char *const words[] = {"zebracorp", "lb1", "11111111-2222", NULL};
    assert_int_equal(og_test_rows_mentioning(env, "SELECT * FROM infer_actions", words, 0), 0);
    assert_int_equal(og_test_rows_mentioning(env, "SELECT * FROM infer_counts", words, 0), 0);
}

/* Outcomes label the actions; a model trains; the tenant's threshold raises one action's level
 * (L1 -> L2, recorded with the reason); a pin keeps it; lowering never happens. */
static void test_policy_raises_and_pin_keeps(void **state)
{
    og_test_env *env = *state;
    og_ctx ada = as_user(env, "ada"), eve = as_user(env, "eve");
    og_gate_outcome oc;
    json_t *doc, *out = NULL;
    char text[32];
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "zebracorp", "platform.note", OG_GATE_L1));
    for (int i = 0; i < 12; i++) {
        snprintf(text, sizeof(text), "n%d", i);
        doc = request_note(env, text, &oc);
        assert_string_equal(json_string_value(json_object_get(doc, "state")), "review");
        json_decref(doc);
        OG_ASSERT_OK(og_gate_decide(&ada, oc.gate_id, i % 3 ? "ack" : "override", NULL));
    }
    /* a tenant-admin's business, not an engineer's */
    assert_int_equal(og_infer_policy_set(&eve, "zebracorp", "platform.note", 0.001, -1),
                     OG_EDENIED);
    assert_int_equal(og_infer_policy_set(&ada, "zebracorp", "platform.note", 2.0, -1), OG_EINVAL);
    OG_ASSERT_OK(og_infer_policy_set(&ada, "zebracorp", "platform.note", 0.001, -1));
    /* no model yet: nothing is raised */
    doc = request_note(env, "before training", &oc);
    assert_string_equal(json_string_value(json_object_get(doc, "level")), "L1");
    json_decref(doc);
    OG_ASSERT_OK(og_gate_decide(&ada, oc.gate_id, "ack", NULL));
    assert_int_equal(og_infer_train(&ada, NULL, NULL), OG_EDENIED);
    OG_ASSERT_OK(og_infer_train(&env->ctx, "platform.note", &out));
    assert_int_equal(json_array_size(json_object_get(out, "models")), 1);
    json_decref(out);

    doc = request_note(env, "after training", &oc);
    assert_string_equal(json_string_value(json_object_get(doc, "level")), "L2");
    assert_string_equal(json_string_value(json_object_get(doc, "state")), "pending");
    json_t *raised = json_object_get(json_object_get(doc, "inference"), "raised");
    assert_int_equal(json_integer_value(json_object_get(raised, "from")), 1);
    assert_int_equal(json_integer_value(json_object_get(raised, "to")), 2);
    assert_non_null(strstr(json_string_value(json_object_get(raised, "reason")), "threshold"));
    assert_string_not_equal(
        json_string_value(json_object_get(json_object_get(doc, "inference"), "model")),
        "no model yet");
    json_decref(doc);
    /* the policy stays as the admin set it */
    og_gate_level lvl;
    char tid[OG_ID_LEN];
    tenant_id(env, tid);
    OG_ASSERT_OK(og_gate_policy_get(&env->ctx, tid, "platform.note", &lvl));
    assert_int_equal(lvl, OG_GATE_L1);

    /* pinned: the kind's level never changes */
    OG_ASSERT_OK(og_infer_policy_set(&ada, "zebracorp", "platform.note", 0.001, 1));
    doc = request_note(env, "pinned", &oc);
    assert_string_equal(json_string_value(json_object_get(doc, "level")), "L1");
    json_decref(doc);
    OG_ASSERT_OK(og_infer_policy_show(&eve, "zebracorp", &out));
    assert_true(json_is_true(json_object_get(json_array_get(out, 0), "pinned")));
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_request_analysed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_separates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_facts_keep_no_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_raises_and_pin_keeps, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
