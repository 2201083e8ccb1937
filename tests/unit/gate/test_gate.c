/* test_gate.c - the gate engine at L0-L3 with the real platform.note kind: policy, separation of
 * duties, override with rollback, expiry, audit records of every decision, metrics. */
#include "og_test.h"
#include "gate/gate_internal.h"
#include "opsgate/app.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
    OG_ASSERT_OK(og_app_register_all()); /* platform.note, as every opsgate process */
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "pam", OG_ROLE_PROJECT_MANAGER, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "eve", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "ed", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "aud", OG_ROLE_AUDITOR, NULL));
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

/* A context acting as a user of acme, as `--as USER` builds it. */
static og_ctx as_user(og_test_env *env, const char *user)
{
    og_ctx c = env->ctx;
    OG_ASSERT_OK(og_actor_become(&c, "acme", user));
    return c;
}

static json_t *note_params(const char *text)
{
    return json_pack("{s:s}", "text", text);
}

/* The note of a platform.note item as `gate show` tells it (the note is the item's result). */
static void note_state(og_test_env *env, const char *gate_id, const char *want)
{
    json_t *doc = NULL;
    OG_ASSERT_OK(og_gate_show(&env->ctx, gate_id, &doc));
    assert_non_null(json_string_value(json_object_get(json_object_get(doc, "result"), "note_id")));
    assert_string_equal(json_string_value(json_object_get(doc, "note_state")), want);
    json_decref(doc);
}

static json_t *show(og_test_env *env, const char *id)
{
    json_t *doc = NULL;
    OG_ASSERT_OK(og_gate_show(&env->ctx, id, &doc));
    return doc;
}

static const char *sfield(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "(null)";
}

/* The audit record with seq in acme's chain. Caller decrefs. */
static json_t *audit_rec(og_test_env *env, int64_t seq)
{
    og_tenant t;
    json_t *list = NULL, *r = NULL, *x;
    int64_t next = 0;
    size_t i;
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_audit_list(&env->ctx, t.id, seq - 1, 1, NULL, NULL, &list, &next));
    json_array_foreach(list, i, x)
    {
        if (json_integer_value(json_object_get(x, "seq")) == seq)
            r = json_incref(x);
    }
    json_decref(list);
    assert_non_null(r);
    return r;
}

static void test_gate__l0_executes_at_once_and_records_auto(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    json_t *p = note_params("hello");
    og_ctx eve = as_user(env, "eve");
    OG_ASSERT_OK(og_gate_request(&eve, "acme", "platform.note", "note", NULL, p, NULL, &out));
    assert_int_equal(out.level, OG_GATE_L0);
    assert_string_equal(out.state, "done");
    note_state(env, out.gate_id, "active");
    json_t *rec = audit_rec(env, out.audit_seq);
    json_t *gate = json_object_get(rec, "gate");
    assert_string_equal(sfield(gate, "level"), "L0");
    assert_string_equal(sfield(gate, "decision"), "auto");
    assert_string_equal(sfield(rec, "action"), "platform.note");
    json_decref(rec);
    json_decref(out.result);
    json_decref(p);
}

static void test_gate__l1_review_ack_and_override_rolls_back(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out, out2;
    json_t *p = note_params("reviewed");
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "acme", "platform.note", OG_GATE_L1));
    OG_ASSERT_OK(og_gate_assignee_set(&env->ctx, "acme", "platform", "ed"));
    og_ctx eve = as_user(env, "eve");
    OG_ASSERT_OK(og_gate_request(&eve, "acme", "platform.note", NULL, NULL, p, NULL, &out));
    assert_string_equal(out.state, "review");
    note_state(env, out.gate_id, "active"); /* L1 runs first */

    /* the assignee is ed: another engineer may not decide, ed may */
    assert_int_equal(og_gate_decide(&eve, out.gate_id, "ack", NULL), OG_EDENIED);
    og_ctx ed = as_user(env, "ed");
    OG_ASSERT_OK(og_gate_decide(&ed, out.gate_id, "ack", "looks right"));
    json_t *doc = show(env, out.gate_id);
    assert_string_equal(sfield(doc, "outcome"), "acknowledged");
    assert_string_equal(sfield(doc, "assignee"), "ed");
    assert_int_equal(json_array_size(json_object_get(doc, "decisions")), 2);
    json_decref(doc);
    /* decided items take no further decision */
    assert_int_equal(og_gate_decide(&ed, out.gate_id, "override", NULL), OG_ECONFLICT);

    /* a second action, overridden: the note is rolled back, the record points at the original */
    OG_ASSERT_OK(og_gate_request(&eve, "acme", "platform.note", NULL, NULL, p, NULL, &out2));
    OG_ASSERT_OK(og_gate_decide(&ed, out2.gate_id, "override", "wrong tenant"));
    note_state(env, out2.gate_id, "rolled_back");
    doc = show(env, out2.gate_id);
    assert_string_equal(sfield(doc, "outcome"), "overridden");
    json_t *last = json_array_get(json_object_get(doc, "decisions"), 1);
    assert_string_equal(sfield(last, "decision"), "overridden");
    assert_int_equal(json_integer_value(json_object_get(last, "rollback_of")), out2.audit_seq);
    json_t *rec = audit_rec(env, json_integer_value(json_object_get(last, "audit_seq")));
    assert_int_equal(json_integer_value(json_object_get(rec, "rollback_of")), out2.audit_seq);
    assert_string_equal(sfield(json_object_get(rec, "gate"), "decision"), "overridden");
    assert_non_null(strstr(sfield(json_object_get(rec, "gate"), "decided_by"), "ed"));
    assert_string_equal(sfield(json_object_get(rec, "outcome"), "detail"), "wrong tenant");
    json_decref(rec);
    json_decref(doc);
    json_decref(out.result);
    json_decref(out2.result);
    json_decref(p);
}

static void test_gate__l1_escalation_hands_the_item_to_tenant_admins(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    json_t *p = note_params("escalate me");
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "acme", "platform.note", OG_GATE_L1));
    og_ctx eve = as_user(env, "eve"), ada = as_user(env, "ada");
    OG_ASSERT_OK(og_gate_request(&eve, "acme", "platform.note", NULL, NULL, p, NULL, &out));
    OG_ASSERT_OK(og_gate_decide(&eve, out.gate_id, "escalate", "not sure"));
    assert_int_equal(og_gate_decide(&eve, out.gate_id, "ack", NULL), OG_EDENIED);
    OG_ASSERT_OK(og_gate_decide(&ada, out.gate_id, "override", NULL));
    note_state(env, out.gate_id, "rolled_back");
    json_decref(out.result);
    json_decref(p);
}

static void test_gate__l2_approval_enforces_separation_of_duties_and_roles(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    json_t *p = note_params("needs approval");
    json_t *why = json_pack("{s:s, s:[s]}", "recommendation", "approve", "reasons", "tested");
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "acme", "platform.note", OG_GATE_L2));
    og_ctx pam = as_user(env, "pam"), ed = as_user(env, "ed"), aud = as_user(env, "aud");
    assert_int_equal(og_gate_request(&pam, "acme", "platform.note", NULL, NULL, p, why, &out),
                     OG_EPENDING);
    assert_string_equal(out.state, "pending");
    assert_null(out.result); /* nothing ran yet */
    /* the requester may not approve their own action, even with the right role */
    assert_int_equal(og_gate_decide(&pam, out.gate_id, "approve", NULL), OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "separation of duties"));
    /* engineers and auditors may not approve */
    assert_int_equal(og_gate_decide(&ed, out.gate_id, "approve", NULL), OG_EDENIED);
    assert_int_equal(og_gate_decide(&aud, out.gate_id, "approve", NULL), OG_EDENIED);
    /* L2 items take only approve or reject */
    assert_int_equal(og_gate_decide(&env->ctx, out.gate_id, "ack", NULL), OG_ECONFLICT);
    og_ctx ada = as_user(env, "ada");
    OG_ASSERT_OK(og_gate_decide(&ada, out.gate_id, "approve", "ok"));
    json_t *doc = show(env, out.gate_id);
    assert_string_equal(sfield(doc, "outcome"), "approved");
    assert_string_equal(sfield(json_object_get(doc, "recommendation"), "recommendation"),
                        "approve");
    note_state(env, out.gate_id, "active");
    json_t *last = json_array_get(json_object_get(doc, "decisions"), 1);
    json_t *rec = audit_rec(env, json_integer_value(json_object_get(last, "audit_seq")));
    assert_string_equal(sfield(json_object_get(rec, "gate"), "level"), "L2");
    assert_string_equal(sfield(json_object_get(rec, "gate"), "decision"), "approved");
    assert_string_equal(sfield(rec, "action"), "platform.note");
    json_decref(rec);
    json_decref(doc);

    /* a rejection runs nothing */
    assert_int_equal(og_gate_request(&pam, "acme", "platform.note", NULL, NULL, p, why, &out),
                     OG_EPENDING);
    OG_ASSERT_OK(og_gate_decide(&ada, out.gate_id, "reject", "no"));
    doc = show(env, out.gate_id);
    assert_string_equal(sfield(doc, "outcome"), "rejected");
    assert_true(json_is_null(json_object_get(doc, "result")));
    json_decref(doc);
    json_decref(why);
    json_decref(p);
}

static void test_gate__l2_expires_after_its_timeout_as_rejected(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    int n = 0;
    json_t *p = note_params("too slow");
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "acme", "platform.note", OG_GATE_L2));
    OG_ASSERT_OK(og_gate_timing_set(&env->ctx, "acme", 1000000, 0));
    og_ctx eve = as_user(env, "eve");
    assert_int_equal(og_gate_request(&eve, "acme", "platform.note", NULL, NULL, p, NULL, &out),
                     OG_EPENDING);
    OG_ASSERT_OK(og_gate_expire(&env->ctx, &n));
    assert_int_equal(n, 0);
    usleep(1100000);
    /* past the deadline it cannot be approved even before the expiry pass ran */
    og_ctx ada = as_user(env, "ada");
    assert_int_equal(og_gate_decide(&ada, out.gate_id, "approve", NULL), OG_ECONFLICT);
    OG_ASSERT_OK(og_gate_expire(&env->ctx, &n));
    assert_int_equal(n, 1);
    json_t *doc = show(env, out.gate_id);
    assert_string_equal(sfield(doc, "state"), "done");
    assert_string_equal(sfield(doc, "outcome"), "expired");
    json_t *last = json_array_get(json_object_get(doc, "decisions"), 1);
    json_t *rec = audit_rec(env, json_integer_value(json_object_get(last, "audit_seq")));
    assert_string_equal(sfield(json_object_get(rec, "gate"), "decision"), "expired");
    json_decref(rec);
    json_decref(doc);
    json_decref(p);
}

static void test_gate__l3_task_records_the_humans_outcome(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    json_t *p = note_params("by hand");
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "acme", "platform.note", OG_GATE_L3));
    og_ctx eve = as_user(env, "eve"), ed = as_user(env, "ed");
    assert_int_equal(og_gate_request(&eve, "acme", "platform.note", NULL, NULL, p, NULL, &out),
                     OG_EPENDING);
    assert_string_equal(out.state, "task");
    assert_int_equal(og_gate_decide(&ed, out.gate_id, "approve", NULL), OG_ECONFLICT);
    OG_ASSERT_OK(og_gate_decide(&ed, out.gate_id, "failed", "the device was offline"));
    json_t *doc = show(env, out.gate_id);
    assert_string_equal(sfield(doc, "outcome"), "failed");
    assert_string_equal(sfield(doc, "note"), "the device was offline");
    json_t *last = json_array_get(json_object_get(doc, "decisions"), 1);
    json_t *rec = audit_rec(env, json_integer_value(json_object_get(last, "audit_seq")));
    assert_string_equal(sfield(json_object_get(rec, "gate"), "level"), "L3");
    assert_string_equal(sfield(json_object_get(rec, "outcome"), "status"), "failed");
    json_decref(rec);
    json_decref(doc);
    assert_int_equal(og_gate_request(&eve, "acme", "platform.note", NULL, NULL, p, NULL, &out),
                     OG_EPENDING);
    OG_ASSERT_OK(og_gate_decide(&ed, out.gate_id, "done", "did it"));
    json_decref(p);
}

/* A kind owned by "another module", defaulting to L1 like certificate kinds. */
static int noop_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                        const og_gate_staged *staged, json_t **result)
{
    (void)staged;
    (void)ctx, (void)tenant_id, (void)params;
    *result = json_pack("{s:b}", "ran", 1);
    return 0;
}

static int fail_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                        const og_gate_staged *staged, json_t **result)
{
    (void)staged;
    (void)ctx, (void)tenant_id, (void)params, (void)result;
    return og_error_set(OG_ERROR, "the CA refused");
}

static const og_action_kind cert_kind = {"test.certs.deploy", "certs",      OG_GATE_L1,
                                         "test kind",         noop_execute, NULL};
static const og_action_kind failing_kind = {"test.fails",   "platform",   OG_GATE_L0,
                                            "always fails", fail_execute, NULL};

static void test_gate__policy_lowering_below_default_needs_tenant_admin(void **state)
{
    og_test_env *env = *state;
    json_t *doc = NULL;
    og_gate_level l;
    int rc = og_gate_kind_register(&cert_kind);
    assert_true(rc == 0 || rc == OG_EEXISTS);
    og_ctx eve = as_user(env, "eve"), ada = as_user(env, "ada");
    assert_int_equal(og_gate_policy_set(&eve, "acme", "test.certs.deploy", OG_GATE_L0), OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "tenant-admin"));
    /* raising is tenant-admin work too (issue 12) */
    assert_int_equal(og_gate_policy_set(&eve, "acme", "test.certs.deploy", OG_GATE_L2), OG_EDENIED);
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "test.certs.deploy", OG_GATE_L2)); /* raise */
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "test.certs.deploy", OG_GATE_L0));
    og_tenant acme;
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &acme));
    OG_ASSERT_OK(og_gate_policy_get(&env->ctx, acme.id, "test.certs.deploy", &l));
    assert_int_equal(l, OG_GATE_L0);
    OG_ASSERT_OK(og_gate_policy_show(&ada, "acme", &doc));
    size_t i;
    json_t *k;
    int seen = 0;
    json_array_foreach(json_object_get(doc, "kinds"), i, k)
    {
        if (strcmp(sfield(k, "kind"), "test.certs.deploy") == 0) {
            assert_string_equal(sfield(k, "level"), "L0");
            assert_string_equal(sfield(k, "default_level"), "L1");
            seen = 1;
        }
    }
    assert_true(seen);
    json_decref(doc);
    /* the lowering is in the audit trail */
    og_tenant t;
    json_t *list = NULL;
    int64_t next;
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_audit_list(&env->ctx, t.id, 0, 1000, "gate.policy.lower", NULL, &list, &next));
    assert_int_equal(json_array_size(list), 1);
    json_t *an = json_object_get(json_array_get(list, 0), "analysis");
    assert_string_equal(sfield(an, "old_level"), "L2");
    assert_string_equal(sfield(an, "new_level"), "L0");
    json_decref(list);
    /* auditors change nothing */
    og_ctx aud = as_user(env, "aud");
    assert_int_equal(og_gate_policy_set(&aud, "acme", "platform.note", OG_GATE_L3), OG_EDENIED);
}

static void test_gate__bad_input_gets_clear_errors(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    og_gate_level l;
    char id[OG_ID_LEN];
    json_t *p = note_params("x");
    assert_int_equal(og_gate_request(&env->ctx, "acme", "no.such.kind", NULL, NULL, p, NULL, &out),
                     OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "no.such.kind"));
    assert_int_equal(og_gate_policy_set(&env->ctx, "acme", "no.such.kind", OG_GATE_L1), OG_EINVAL);
    assert_int_equal(og_gate_level_parse("L7", &l), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "L7"));
    OG_ASSERT_OK(og_gate_level_parse("l2", &l));
    assert_int_equal(l, OG_GATE_L2);
    og_id_new(id);
    assert_int_equal(og_gate_decide(&env->ctx, id, "approve", NULL), OG_ENOTFOUND);
    assert_non_null(strstr(og_error_last(), id));
    assert_int_equal(og_gate_decide(&env->ctx, "not-an-id", "approve", NULL), OG_EINVAL);
    assert_int_equal(og_gate_decide(&env->ctx, id, "bless", NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "bless"));
    assert_int_equal(
        og_gate_request(&env->ctx, "nosuch", "platform.note", NULL, NULL, p, NULL, &out),
        OG_ENOTFOUND);
    json_t *arr = NULL;
    assert_int_equal(og_gate_list(&env->ctx, "acme", "limbo", &arr), OG_EINVAL);
    json_decref(p);
    /* a kind without its params fails and is recorded as failed */
    p = json_object();
    assert_int_equal(og_gate_request(&env->ctx, "acme", "platform.note", NULL, NULL, p, NULL, &out),
                     OG_EINVAL);
    json_decref(p);
}

static void test_gate__failed_execution_is_recorded_and_counted(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    og_buf m;
    int rc = og_gate_kind_register(&failing_kind);
    assert_true(rc == 0 || rc == OG_EEXISTS);
    assert_int_equal(og_gate_request(&env->ctx, "acme", "test.fails", NULL, NULL, NULL, NULL, &out),
                     OG_ERROR);
    assert_non_null(strstr(og_error_last(), "the CA refused"));
    json_t *doc = show(env, out.gate_id);
    assert_string_equal(sfield(doc, "outcome"), "failed");
    json_decref(doc);
    json_t *rec = audit_rec(env, out.audit_seq);
    assert_string_equal(sfield(json_object_get(rec, "outcome"), "status"), "failed");
    json_decref(rec);

    /* an override at L1 shows in the metrics with its rate */
    json_t *p = note_params("m");
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "acme", "platform.note", OG_GATE_L1));
    OG_ASSERT_OK(og_gate_request(&env->ctx, "acme", "platform.note", NULL, NULL, p, NULL, &out));
    og_ctx ada = as_user(env, "ada");
    OG_ASSERT_OK(og_gate_decide(&ada, out.gate_id, "override", NULL));
    json_decref(out.result);
    og_buf_init(&m, 1 << 20);
    OG_ASSERT_OK(og_gate_metrics_render(env->store, &m));
    assert_non_null(strstr(m.data, "opsgate_gate_failed_total{tenant=\"acme\",area=\"platform\","
                                   "kind=\"test.fails\"} 1"));
    assert_non_null(strstr(m.data, "opsgate_gate_overrides_total{tenant=\"acme\",area=\"platform\","
                                   "kind=\"platform.note\"} 1"));
    assert_non_null(strstr(m.data, "opsgate_gate_override_rate{tenant=\"acme\",area=\"platform\","
                                   "kind=\"platform.note\"} 1.000000"));
    og_buf_free(&m);
    json_decref(p);
}

static void test_gate__other_tenants_items_do_not_exist(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    json_t *p = note_params("secret");
    json_t *doc = NULL;
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "globex", NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "globex", "gil", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "acme", "platform.note", OG_GATE_L2));
    assert_int_equal(og_gate_request(&env->ctx, "acme", "platform.note", NULL, NULL, p, NULL, &out),
                     OG_EPENDING);
    og_ctx gil = env->ctx;
    OG_ASSERT_OK(og_actor_become(&gil, "globex", "gil"));
    assert_int_equal(og_gate_show(&gil, out.gate_id, &doc), OG_ENOTFOUND);
    assert_int_equal(og_gate_decide(&gil, out.gate_id, "approve", NULL), OG_ENOTFOUND);
    json_decref(p);
}

/* A kind whose execute records the staged input it was given. */
static char seen_staged[64];
static char seen_media[64];
static int staged_calls;
static int echo_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                        const og_gate_staged *staged, json_t **result)
{
    (void)ctx, (void)tenant_id, (void)params;
    staged_calls++;
    seen_staged[0] = seen_media[0] = '\0';
    if (staged) {
        snprintf(seen_staged, sizeof(seen_staged), "%.*s", (int)staged->len,
                 (const char *)staged->data);
        snprintf(seen_media, sizeof(seen_media), "%s", staged->media_type);
    }
    *result = json_pack("{s:b}", "ran", 1);
    return 0;
}
static const og_action_kind staged_kind = {"test.staged",  "platform",   OG_GATE_L0,
                                           "staged input", echo_execute, NULL};

static int staged_column_is_null(og_test_env *env, const char *gate_id)
{
    og_stmt *st = NULL;
    int isnull;
    OG_ASSERT_OK(og_stmt_prepare(&st, env->store,
                                 "SELECT staged IS NULL AND staged_media IS NULL FROM gate_items"
                                 " WHERE id = ?"));
    og_stmt_bind_text(st, 1, gate_id);
    assert_int_equal(og_stmt_step(st), OG_ROW);
    isnull = (int)og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return isnull;
}

/* The staged input reaches execute at once (L0), and at L2 it is kept sealed with the item and
 * reaches execute on approval; a decided item keeps none; too big or without a media type is
 * refused. */
static void test_gate__staged_input_reaches_execute_now_and_on_approval(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    og_gate_about about = {.subject = "staged"};
    og_gate_staged in = {"the document bytes", 18, "text/x-test"};
    int rc = og_gate_kind_register(&staged_kind);
    assert_true(rc == 0 || rc == OG_EEXISTS);
    og_ctx eve = as_user(env, "eve"), ada = as_user(env, "ada");

    staged_calls = 0;
    OG_ASSERT_OK(
        og_gate_request_staged(&eve, "acme", "test.staged", &about, NULL, NULL, &in, &out));
    assert_int_equal(staged_calls, 1);
    assert_string_equal(seen_staged, "the document bytes");
    assert_string_equal(seen_media, "text/x-test");
    assert_true(staged_column_is_null(env, out.gate_id)); /* nothing kept when it ran at once */
    json_decref(out.result);

    /* L2: kept sealed (not in plain text), executed on approval with the same bytes */
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "acme", "test.staged", OG_GATE_L2));
    staged_calls = 0;
    assert_int_equal(
        og_gate_request_staged(&eve, "acme", "test.staged", &about, NULL, NULL, &in, &out),
        OG_EPENDING);
    assert_int_equal(staged_calls, 0);
    assert_false(staged_column_is_null(env, out.gate_id));
    {
        og_stmt *st = NULL;
        size_t len = 0;
        OG_ASSERT_OK(
            og_stmt_prepare(&st, env->store, "SELECT staged FROM gate_items WHERE id = ?"));
        og_stmt_bind_text(st, 1, out.gate_id);
        assert_int_equal(og_stmt_step(st), OG_ROW);
        const char *b = og_stmt_col_blob(st, 0, &len);
        assert_int_equal(len, 18 + OG_CRYPTO_SEAL_OVERHEAD);
        assert_null(memmem(b, len, "document", 8));
        og_stmt_free(st);
    }
    OG_ASSERT_OK(og_gate_decide(&ada, out.gate_id, "approve", NULL));
    assert_int_equal(staged_calls, 1);
    assert_string_equal(seen_staged, "the document bytes");
    assert_string_equal(seen_media, "text/x-test");
    assert_true(staged_column_is_null(env, out.gate_id)); /* dropped once decided */

    /* a rejected item drops it too */
    assert_int_equal(
        og_gate_request_staged(&eve, "acme", "test.staged", &about, NULL, NULL, &in, &out),
        OG_EPENDING);
    OG_ASSERT_OK(og_gate_decide(&ada, out.gate_id, "reject", NULL));
    assert_true(staged_column_is_null(env, out.gate_id));

    /* bad staged input: refused before anything is recorded */
    og_gate_staged big = {"x", OG_GATE_STAGED_MAX + 1, "text/x-test"};
    assert_int_equal(
        og_gate_request_staged(&eve, "acme", "test.staged", &about, NULL, NULL, &big, &out),
        OG_ETOOBIG);
    assert_non_null(strstr(og_error_last(), "staged input"));
    og_gate_staged nomedia = {"x", 1, NULL};
    assert_int_equal(
        og_gate_request_staged(&eve, "acme", "test.staged", &about, NULL, NULL, &nomedia, &out),
        OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "media type"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gate__l0_executes_at_once_and_records_auto, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gate__l1_review_ack_and_override_rolls_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gate__l1_escalation_hands_the_item_to_tenant_admins,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_gate__l2_approval_enforces_separation_of_duties_and_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate__l2_expires_after_its_timeout_as_rejected, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gate__l3_task_records_the_humans_outcome, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gate__policy_lowering_below_default_needs_tenant_admin,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate__bad_input_gets_clear_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate__failed_execution_is_recorded_and_counted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gate__other_tenants_items_do_not_exist, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gate__staged_input_reaches_execute_now_and_on_approval,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
