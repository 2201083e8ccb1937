/* test_gate_governance.c - gates that cannot be walked around (issue 12): module kinds are not
 * requestable through the general endpoint and re-derive what they trust when they run (also on
 * a later approval), gate policy is tenant-admin work with two-person lowering, and the CLI's
 * requester check. */
#include "og_test.h"
#include "opsgate/app.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_ctx *c;
    og_test_env_setup(env);
    OG_ASSERT_OK(og_app_register_all()); /* platform.note, as every opsgate process */
    c = &env->ctx;
    OG_ASSERT_OK(og_artifacts_register_kinds());
    OG_ASSERT_OK(og_tenant_create(c, "acme", NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "bob", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "pam", OG_ROLE_PROJECT_MANAGER, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "pat", OG_ROLE_PROJECT_MANAGER, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "eve", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "aud", OG_ROLE_AUDITOR, NULL));
    OG_ASSERT_OK(og_project_create(c, "acme", "fw", "Firewall migration", NULL));
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

static og_ctx as_user(og_test_env *env, const char *user)
{
    og_ctx c = env->ctx;
    OG_ASSERT_OK(og_actor_become(&c, "acme", user));
    return c;
}

static void assert_msg(const char *part)
{
    if (!strstr(og_error_last(), part))
        fail_msg("'%s' not in the message: %s", part, og_error_last());
}

static int put(og_ctx *c, const char *name, const char *kind, const char *text)
{
    og_artifact_ref r = {"acme", "fw", name};
    og_artifact_put_opts o = {.kind = kind, .message = "test"};
    return og_artifact_put_buffer(c, &r, &o, text, strlen(text), NULL);
}

/* The artifact's id and state (state holds 16 bytes). */
static void art_info(og_test_env *env, const char *name, char id[OG_ID_LEN], char state[16])
{
    og_artifact_ref r = {"acme", "fw", name};
    json_t *j = NULL;
    OG_ASSERT_OK(og_artifact_show(&env->ctx, &r, &j));
    if (id)
        og_strlcpy(id, json_string_value(json_object_get(j, "id")), OG_ID_LEN);
    og_strlcpy(state, json_string_value(json_object_get(j, "state")), 16);
    json_decref(j);
}

static void assert_state(og_test_env *env, const char *name, const char *want)
{
    char st[16];
    art_info(env, name, NULL, st);
    assert_string_equal(st, want);
}

static json_t *move_params(const char *id, const char *from, const char *to)
{
    return json_pack("{s:s, s:s, s:s}", "artifact_id", id, "from", from, "to", to);
}

static const char *outcome_of(og_test_env *env, const char *gate_id, char buf[32])
{
    json_t *doc = NULL;
    OG_ASSERT_OK(og_gate_show(&env->ctx, gate_id, &doc));
    og_strlcpy(buf, json_string_value(json_object_get(doc, "outcome")), 32);
    json_decref(doc);
    return buf;
}

static og_gate_level level_of(og_test_env *env, const char *kind)
{
    og_tenant t;
    og_gate_level l;
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_gate_policy_get(&env->ctx, t.id, kind, &l));
    return l;
}

static void test_gate_governance__module_kinds_are_refused_by_the_general_endpoint(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    og_ctx eve = as_user(env, "eve"), ada = as_user(env, "ada");
    char id[OG_ID_LEN], st[16];
    json_t *p;
    OG_ASSERT_OK(put(&eve, "rb", "runbook", "steps\n"));
    art_info(env, "rb", id, st);
    p = move_params(id, "draft", "in-review");
    const char *kinds[] = {"artifacts.set-state", "artifacts.publish.runbook",
                           "artifacts.publish.other", "gate.policy.lower"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        assert_int_equal(og_gate_request_general(&ada, "acme", kinds[i], NULL, NULL, p, NULL, &out),
                         OG_EDENIED);
        assert_msg(kinds[i]);
        assert_msg("not requestable");
    }
    /* The message is face-neutral; the detail names the kind, whose command and route each
     * face gives. */
    assert_string_equal(og_error_detail(), OG_GATE_DETAIL_NOT_REQUESTABLE);
    assert_string_equal(og_error_detail_arg(), "gate.policy.lower");
    assert_string_equal(og_gate_kind_find("gate.policy.lower")->command,
                        "`opsgate gate policy set`");
    assert_non_null(strstr(og_gate_kind_find("gate.policy.lower")->route, "/gate-policy/"));
    assert_state(env, "rb", "draft");
    json_decref(p);
    /* platform.note stays requestable; unknown kinds and other tenants as before */
    p = json_pack("{s:s}", "text", "hello");
    OG_ASSERT_OK(og_gate_request_general(&eve, "acme", "platform.note", NULL, NULL, p, NULL, &out));
    assert_string_equal(out.state, "done");
    json_decref(out.result);
    assert_int_equal(og_gate_request_general(&eve, "acme", "no.such", NULL, NULL, p, NULL, &out),
                     OG_EINVAL);
    assert_int_equal(
        og_gate_request_general(&eve, "globex", "platform.note", NULL, NULL, p, NULL, &out),
        OG_ENOTFOUND);
    json_decref(p);
    /* the kinds list says which are requestable */
    json_t *kl = og_gate_kinds_json(), *k;
    size_t i;
    int seen = 0;
    json_array_foreach(kl, i, k)
    {
        const char *n = json_string_value(json_object_get(k, "name"));
        int req = json_is_true(json_object_get(k, "requestable"));
        assert_int_equal(req, strcmp(n, "platform.note") == 0);
        seen += strcmp(n, "artifacts.set-state") == 0;
    }
    assert_int_equal(seen, 1);
    json_decref(kl);
    assert_null(og_gate_executing());
}

/* A module that asked with the wrong kind or stale params (the library call, past the endpoint):
 * execute refuses on what the artifact says. */
static void test_gate_governance__artifact_kinds_re_derive_what_they_trust(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    og_ctx eve = as_user(env, "eve"), pam = as_user(env, "pam"), aud = as_user(env, "aud");
    og_artifact_ref rb = {"acme", "fw", "rb"};
    char id[OG_ID_LEN], st[16], oc[32];
    json_t *p;
    OG_ASSERT_OK(put(&eve, "rb", "runbook", "steps\n"));
    art_info(env, "rb", id, st);
    /* an engineer cannot move to approved with set-state, whatever the params say */
    OG_ASSERT_OK(og_artifact_set_state(&eve, &rb, "in-review", NULL));
    p = move_params(id, "in-review", "approved");
    assert_int_equal(
        og_gate_request(&eve, "acme", "artifacts.set-state", "artifact", id, p, NULL, &out),
        OG_EDENIED);
    assert_msg("project-manager");
    assert_string_equal(outcome_of(env, out.gate_id, oc), "failed");
    assert_state(env, "rb", "in-review");
    json_decref(p);
    OG_ASSERT_OK(og_artifact_set_state(&pam, &rb, "approved", NULL));
    OG_ASSERT_OK(og_artifact_lock(&pam, &rb, 0, NULL));

    p = move_params(id, "approved", "published");
    /* set-state never publishes */
    assert_int_equal(
        og_gate_request(&eve, "acme", "artifacts.set-state", "artifact", id, p, NULL, &out),
        OG_EDENIED);
    assert_msg("artifacts.publish.runbook");
    /* publish.other does not publish a runbook */
    assert_int_equal(
        og_gate_request(&eve, "acme", "artifacts.publish.other", "artifact", id, p, NULL, &out),
        OG_EDENIED);
    assert_msg("runbook");
    /* the right kind, but pam holds the lock */
    assert_int_equal(
        og_gate_request(&eve, "acme", "artifacts.publish.runbook", "artifact", id, p, NULL, &out),
        OG_ECONFLICT);
    assert_msg("locked by");
    /* an auditor cannot ask at all */
    assert_int_equal(
        og_gate_request(&aud, "acme", "artifacts.publish.runbook", "artifact", id, p, NULL, &out),
        OG_EDENIED);
    /* stale params: the artifact is not where they say */
    json_t *stale = move_params(id, "in-review", "approved");
    assert_int_equal(
        og_gate_request(&pam, "acme", "artifacts.set-state", "artifact", id, stale, NULL, &out),
        OG_ECONFLICT);
    json_decref(stale);
    assert_state(env, "rb", "approved");
    /* the lock holder publishes through its kind */
    OG_ASSERT_OK(
        og_gate_request(&pam, "acme", "artifacts.publish.runbook", "artifact", id, p, NULL, &out));
    json_decref(out.result);
    assert_state(env, "rb", "published");
    json_decref(p);
}

/* An L2 action runs on approval, as the approver: the checks hold then, against today's object. */
static void test_gate_governance__an_approval_re_checks_review_lock_and_state(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    og_ctx eve = as_user(env, "eve"), pam = as_user(env, "pam"), pat = as_user(env, "pat");
    og_ctx ada = as_user(env, "ada");
    og_artifact_ref r = {"acme", "fw", "ada.md"};
    char oc[32];
    /* ada wrote it; pam asks for approved at L2; ada approving would approve her own version */
    OG_ASSERT_OK(put(&ada, "ada.md", "sow", "by ada\n"));
    OG_ASSERT_OK(og_artifact_set_state(&eve, &r, "in-review", NULL));
    assert_int_equal(og_artifact_set_state(&ada, &r, "approved", NULL), OG_EDENIED);
    assert_msg("author");
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.set-state", OG_GATE_L2));
    memset(&out, 0, sizeof(out));
    assert_int_equal(og_artifact_set_state(&pam, &r, "approved", &out), OG_EPENDING);
    assert_int_equal(og_gate_decide(&ada, out.gate_id, "approve", NULL), OG_EDENIED);
    assert_msg("author");
    assert_string_equal(outcome_of(env, out.gate_id, oc), "failed");
    assert_state(env, "ada.md", "in-review");
    /* another reviewer's approval goes through */
    memset(&out, 0, sizeof(out));
    assert_int_equal(og_artifact_set_state(&pam, &r, "approved", &out), OG_EPENDING);
    OG_ASSERT_OK(og_gate_decide(&pat, out.gate_id, "approve", NULL));
    assert_state(env, "ada.md", "approved");
    /* publishing held at L2; meanwhile eve locks it: the approval is refused */
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.publish.sow", OG_GATE_L2));
    memset(&out, 0, sizeof(out));
    assert_int_equal(og_artifact_set_state(&pam, &r, "published", &out), OG_EPENDING);
    OG_ASSERT_OK(og_artifact_lock(&eve, &r, 0, NULL));
    assert_int_equal(og_gate_decide(&ada, out.gate_id, "approve", NULL), OG_ECONFLICT);
    assert_msg("locked by");
    assert_state(env, "ada.md", "approved");
    OG_ASSERT_OK(og_artifact_unlock(&eve, &r, 0));
    /* the requester's own lock does not stand in the way of the approval */
    memset(&out, 0, sizeof(out));
    OG_ASSERT_OK(og_artifact_lock(&pam, &r, 0, NULL));
    assert_int_equal(og_artifact_set_state(&pam, &r, "published", &out), OG_EPENDING);
    OG_ASSERT_OK(og_gate_decide(&ada, out.gate_id, "approve", NULL));
    assert_state(env, "ada.md", "published");
}

static void
test_gate_governance__policy_is_tenant_admin_work_and_lowering_is_two_person(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    og_ctx eve = as_user(env, "eve"), pam = as_user(env, "pam"), ada = as_user(env, "ada");
    og_ctx bob = as_user(env, "bob");
    og_tenant t;
    json_t *list = NULL, *an;
    int64_t next;
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    /* engineers and project-managers change no level, up or down */
    assert_int_equal(og_gate_policy_set(&eve, "acme", "artifacts.publish.sow", OG_GATE_L3),
                     OG_EDENIED);
    assert_msg("tenant-admin");
    assert_int_equal(og_gate_policy_set(&pam, "acme", "artifacts.publish.sow", OG_GATE_L2),
                     OG_EDENIED);
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.publish.sow", OG_GATE_L2));
    /* ada lowers her own level at once: gate.policy.lower with both levels */
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.publish.sow", OG_GATE_L1));
    OG_ASSERT_OK(og_audit_list(&env->ctx, t.id, 0, 1000, "gate.policy.lower", NULL, &list, &next));
    assert_int_equal(json_array_size(list), 1);
    an = json_object_get(json_array_get(list, 0), "analysis");
    assert_string_equal(json_string_value(json_object_get(an, "old_level")), "L2");
    assert_string_equal(json_string_value(json_object_get(an, "new_level")), "L1");
    json_decref(list);
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.publish.sow", OG_GATE_L2));
    /* bob lowers ada's level: pending, the level unchanged */
    memset(&out, 0, sizeof(out));
    assert_int_equal(og_gate_policy_change(&bob, "acme", "artifacts.publish.sow", OG_GATE_L0, &out),
                     OG_EPENDING);
    assert_msg(out.gate_id);
    assert_string_equal(out.state, "pending");
    assert_int_equal(level_of(env, "artifacts.publish.sow"), OG_GATE_L2);
    assert_int_equal(og_gate_decide(&bob, out.gate_id, "approve", NULL), OG_EDENIED);
    assert_msg("separation of duties");
    assert_int_equal(og_gate_decide(&pam, out.gate_id, "approve", NULL), OG_EDENIED);
    assert_msg("tenant-admin");
    OG_ASSERT_OK(og_gate_decide(&ada, out.gate_id, "approve", "agreed"));
    assert_int_equal(level_of(env, "artifacts.publish.sow"), OG_GATE_L0);
    /* the approval is the gate.policy.lower record, with both levels */
    OG_ASSERT_OK(og_audit_list(&env->ctx, t.id, 0, 1000, "gate.policy.lower", NULL, &list, &next));
    assert_int_equal(json_array_size(list), 2);
    an = json_object_get(json_object_get(json_array_get(list, 1), "analysis"), "result");
    assert_string_equal(json_string_value(json_object_get(an, "old_level")), "L2");
    assert_string_equal(json_string_value(json_object_get(an, "new_level")), "L0");
    json_decref(list);
    /* raising then lowering does not walk below ada's level */
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.publish.closure", OG_GATE_L1));
    OG_ASSERT_OK(og_gate_policy_set(&bob, "acme", "artifacts.publish.closure", OG_GATE_L3));
    OG_ASSERT_OK(og_gate_policy_set(&bob, "acme", "artifacts.publish.closure", OG_GATE_L2));
    assert_int_equal(
        og_gate_policy_change(&bob, "acme", "artifacts.publish.closure", OG_GATE_L0, &out),
        OG_EPENDING);
    /* a change in between makes the pending lowering stale */
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.publish.closure", OG_GATE_L3));
    assert_int_equal(og_gate_decide(&ada, out.gate_id, "approve", NULL), OG_ECONFLICT);
    assert_int_equal(level_of(env, "artifacts.publish.closure"), OG_GATE_L3);
    /* after an approved lowering the approver holds the new level: bob cannot go lower alone */
    assert_int_equal(
        og_gate_policy_change(&bob, "acme", "artifacts.publish.closure", OG_GATE_L1, &out),
        OG_EPENDING);
    OG_ASSERT_OK(og_gate_decide(&ada, out.gate_id, "approve", NULL));
    assert_int_equal(level_of(env, "artifacts.publish.closure"), OG_GATE_L1);
    assert_int_equal(og_gate_policy_set(&bob, "acme", "artifacts.publish.closure", OG_GATE_L0),
                     OG_EPENDING);
    /* a platform actor lowers at once, recorded with whose levels it went below */
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "acme", "artifacts.publish.closure", OG_GATE_L0));
    assert_int_equal(level_of(env, "artifacts.publish.closure"), OG_GATE_L0);
    /* the lowering kind's own level is fixed, and it is not asked for directly */
    assert_int_equal(og_gate_policy_set(&ada, "acme", "gate.policy.lower", OG_GATE_L0), OG_EINVAL);
    assert_int_equal(og_gate_policy_set(&env->ctx, "acme", "gate.policy.lower", OG_GATE_L3),
                     OG_EINVAL);
    assert_int_equal(level_of(env, "gate.policy.lower"), OG_GATE_L2);
}

static void test_gate_governance__requested_by_tells_the_requester(void **state)
{
    og_test_env *env = *state;
    og_gate_outcome out;
    og_ctx pat = as_user(env, "pat"), ada = as_user(env, "ada");
    json_t *p = json_pack("{s:s}", "text", "x");
    char id[OG_ID_LEN];
    OG_ASSERT_OK(og_gate_request(&pat, "acme", "platform.note", NULL, NULL, p, NULL, &out));
    json_decref(out.result);
    assert_int_equal(og_gate_item_requested_by(env->store, out.gate_id, &pat.actor), 1);
    assert_int_equal(og_gate_item_requested_by(env->store, out.gate_id, &ada.actor), 0);
    assert_int_equal(og_gate_item_requested_by(env->store, out.gate_id, &env->ctx.actor), 0);
    og_id_new(id);
    assert_int_equal(og_gate_item_requested_by(env->store, id, &ada.actor), OG_ENOTFOUND);
    json_decref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_gate_governance__module_kinds_are_refused_by_the_general_endpoint, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_gate_governance__artifact_kinds_re_derive_what_they_trust, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_gate_governance__an_approval_re_checks_review_lock_and_state, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_gate_governance__policy_is_tenant_admin_work_and_lowering_is_two_person, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_gate_governance__requested_by_tells_the_requester,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
