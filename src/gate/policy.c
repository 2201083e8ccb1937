/* policy.c - per-tenant gate levels, timing and assignees. */
#include "gate/gate_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool og_gate__is_admin(const og_actor *a)
{
    return og_actor_is_platform(a) || a->role == OG_ROLE_TENANT_ADMIN;
}

/* Who asked, for separation of duties: a user by id whichever way they authenticated; anyone
 * else by their label. */
void og_gate__actor_key(const og_actor *a, char *out, size_t size)
{
    if (a->kind == OG_ACTOR_USER)
        snprintf(out, size, "user:%s", a->user_id);
    else
        og_actor_label(a, out, size);
}

int og_gate__tenant(og_ctx *ctx, const char *tenant, og_perm perm, char tenant_id[OG_ID_LEN])
{
    return og_tenant_resolve(ctx, tenant, perm, tenant_id);
}

int og_gate__level(og_store *s, const char *tenant_id, const og_action_kind *kind,
                   og_gate_level *out)
{
    og_stmt *st = NULL;
    int error;
    *out = kind->default_level;
    if (kind == &og_gate__policy_lower_kind)
        return 0; /* always L2: the second admin's approval is the point */
    error = OG_GATE__ROW(&st, s, "SELECT level FROM gate_policy WHERE tenant_id = ? AND kind = ?",
                         tenant_id, kind->name);
    if (error == OG_ROW)
        *out = (og_gate_level)og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_gate__timing(og_store *s, const char *tenant_id, int64_t *approval_us, int64_t *review_us)
{
    og_stmt *st = NULL;
    int error;
    *approval_us = OG_GATE_DEFAULT_APPROVAL_TIMEOUT_US;
    *review_us = OG_GATE_DEFAULT_REVIEW_WINDOW_US;
    error = OG_GATE__ROW(&st, s,
                         "SELECT approval_timeout_us, review_window_us FROM gate_settings WHERE"
                         " tenant_id = ?",
                         tenant_id);
    if (error == OG_ROW) {
        *approval_us = og_stmt_col_int(st, 0);
        *review_us = og_stmt_col_int(st, 1);
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_gate__assignee(og_store *s, const char *tenant_id, const char *area, char *out, size_t size)
{
    og_stmt *st = NULL;
    int error;
    out[0] = '\0';
    error = OG_GATE__ROW(&st, s,
                         "SELECT user_name FROM gate_assignees WHERE tenant_id = ? AND area = ?",
                         tenant_id, area);
    if (error == OG_ROW)
        og_strlcpy(out, og_stmt_col_text(st, 0), size);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_gate_policy_get(og_ctx *ctx, const char *tenant_id, const char *kind, og_gate_level *out)
{
    const og_action_kind *k;
    int error;
    if ((error = og_gate__kind_lookup(kind, &k)) < 0)
        return error;
    return og_gate__level(ctx->store, tenant_id, k, out);
}

/* ---- who set which level ----
 * A policy row keeps, lowest level first, who set each of its levels: [{"level", "key", "by"}]
 * (key as og_gate__actor_key, by the actor label). Raising pushes the raiser; lowering drops the
 * levels it goes below. A lowering that would drop a level somebody else set waits for a second
 * tenant-admin: raising a level and then lowering it cannot walk below what another set. */

typedef struct policy_row {
    og_gate_level level; /* effective: the row's, or the kind's default */
    int exists;
    json_t *setters; /* owned, an array */
} policy_row;

static int policy_load(og_store *s, const char *tenant_id, const og_action_kind *k, policy_row *out)
{
    og_stmt *st = NULL;
    int error;
    out->level = k->default_level;
    out->exists = 0;
    out->setters = NULL;
    error = OG_GATE__ROW(&st, s,
                         "SELECT level, setters, updated_by FROM gate_policy WHERE tenant_id = ?"
                         " AND kind = ?",
                         tenant_id, k->name);
    if (error == OG_ROW) {
        const char *txt = og_stmt_col_text(st, 1);
        out->exists = 1;
        out->level = (og_gate_level)og_stmt_col_int(st, 0);
        if (txt)
            out->setters = json_loads(txt, 0, NULL);
        /* rows from before setters were kept: their updater set their level */
        if (!json_is_array(out->setters)) {
            json_decref(out->setters);
            out->setters = json_pack("[{s:i, s:n, s:s}]", "level", (int)out->level, "key", "by",
                                     og_stmt_col_text(st, 2) ? og_stmt_col_text(st, 2) : "");
        }
    }
    og_stmt_free(st);
    if (!out->setters)
        out->setters = json_array();
    return error < 0 ? error : 0;
}

/* Is entry e of the setters somebody other than the actor with key/label? An entry without a key
 * (an old row) is the actor's only if its label is the actor's. */
static int setter_other(json_t *e, const char *key, const char *label)
{
    const char *k = json_string_value(json_object_get(e, "key"));
    if (k)
        return strcmp(k, key) != 0;
    return !og_streq(json_string_value(json_object_get(e, "by")), label);
}

/* The setters after moving to level by key/label: levels above it dropped, the mover added as the
 * setter of level unless someone already holds exactly that level. */
static json_t *setters_after(json_t *setters, og_gate_level level, const char *key,
                             const char *label)
{
    json_t *out = json_array(), *e;
    size_t i;
    int held = 0;
    json_array_foreach(setters, i, e)
    {
        json_int_t l = json_integer_value(json_object_get(e, "level"));
        if (l > (json_int_t)level)
            continue;
        held |= l == (json_int_t)level;
        json_array_append(out, e);
    }
    if (!held)
        json_array_append_new(
            out, json_pack("{s:i, s:s, s:s}", "level", (int)level, "key", key, "by", label));
    return out;
}

/* Labels of the setters a lowering to level would drop that are not key/label (NULL when none).
 * Caller decrefs. */
static json_t *setters_passed(json_t *setters, og_gate_level level, const char *key,
                              const char *label)
{
    json_t *out = NULL, *e;
    size_t i;
    json_array_foreach(setters, i, e)
    {
        if (json_integer_value(json_object_get(e, "level")) <= (json_int_t)level ||
            !setter_other(e, key, label))
            continue;
        if (!out)
            out = json_array();
        json_array_append_new(out, json_pack("{s:O, s:O}", "level", json_object_get(e, "level"),
                                             "by", json_object_get(e, "by")));
    }
    return out;
}

/* Write the row (inside the caller's transaction). */
static int policy_write(og_store *s, const char *tenant_id, const og_action_kind *k,
                        og_gate_level level, json_t *setters, const char *by)
{
    og_stmt *st = NULL;
    char now[OG_TIME_LEN];
    char *txt = json_dumps(setters, JSON_COMPACT);
    int error;
    if (!txt)
        return og_error_set(OG_ERROR, "out of memory");
    og_time_format(og_time_now_us(), now);
    if ((error = og_stmt_prepare(&st, s,
                                 "INSERT INTO gate_policy (tenant_id, kind, level, updated_at,"
                                 " updated_by, setters) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT"
                                 " (tenant_id, kind) DO UPDATE SET level = excluded.level,"
                                 " updated_at = excluded.updated_at, updated_by ="
                                 " excluded.updated_by, setters = excluded.setters")) < 0)
        goto cleanup;
    OG_GATE__BIND_TEXTS(st, 1, tenant_id, k->name);
    og_stmt_bind_int(st, 3, level);
    OG_GATE__BIND_TEXTS(st, 4, now, by, txt);
    error = og_stmt_step(st);
    error = error < 0 ? error : 0;
cleanup:
    og_stmt_free(st);
    free(txt);
    return error;
}

/* ---- gate.policy.lower: a lowering below another's level, waiting for a second admin ----
 * params {"kind", "from", "to"}. Runs only on approval, as the approver: the level must still be
 * "from" (anything else means the policy changed since the request, which is then stale). The
 * approver becomes the setter of the new level, so the requester cannot go lower on their own. */
static int lower_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                         const og_gate_staged *staged, json_t **result)
{
    (void)staged;
    const og_gate_exec *x = og_gate_executing();
    const char *name = json_string_value(json_object_get(params, "kind"));
    const char *from_s = json_string_value(json_object_get(params, "from"));
    const char *to_s = json_string_value(json_object_get(params, "to"));
    const og_action_kind *k;
    og_gate_level from, to;
    policy_row row = {0};
    json_t *setters = NULL;
    char key[160], label[160], by[400];
    int error;
    if (!x || !x->on_approval)
        return og_error_set(OG_EDENIED, "gate.policy.lower runs only when a tenant-admin approves "
                                        "it (a gate policy change that lowers a level another "
                                        "user set asks for it)");
    if (!name || og_gate_level_parse(from_s, &from) < 0 || og_gate_level_parse(to_s, &to) < 0 ||
        to >= from)
        return og_error_set(OG_EINVAL, "gate.policy.lower needs params {\"kind\", \"from\", "
                                       "\"to\"} with to below from");
    if ((error = og_gate__kind_lookup(name, &k)) < 0)
        return error;
    if (k == &og_gate__policy_lower_kind)
        return og_error_set(OG_EINVAL, "gate.policy.lower is always L2");
    if (!og_gate__is_admin(&ctx->actor))
        return og_error_set(OG_EDENIED,
                            "lowering a gate level needs the tenant-admin role (you "
                            "are %s)",
                            og_role_name(ctx->actor.role));
    if ((error = policy_load(ctx->store, tenant_id, k, &row)) < 0)
        goto cleanup;
    if (row.level != from) {
        error = og_error_set(OG_ECONFLICT,
                             "the level of %s is %s now, not %s as when the lowering to %s was "
                             "requested: ask again",
                             k->name, og_gate_level_name(row.level), og_gate_level_name(from),
                             og_gate_level_name(to));
        goto cleanup;
    }
    og_gate__actor_key(&ctx->actor, key, sizeof(key));
    og_actor_label(&ctx->actor, label, sizeof(label));
    snprintf(by, sizeof(by), "%s, approved by %s", x->requested_by, label);
    setters = setters_after(row.setters, to, key, label);
    if ((error = policy_write(ctx->store, tenant_id, k, to, setters, by)) < 0)
        goto cleanup;
    *result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", k->name, "old_level",
                        og_gate_level_name(from), "new_level", og_gate_level_name(to),
                        "default_level", og_gate_level_name(k->default_level), "requested_by",
                        x->requested_by, "approved_by", label);
    error = 0;
cleanup:
    json_decref(row.setters);
    json_decref(setters);
    return error;
}

const og_action_kind og_gate__policy_lower_kind = {
    .name = "gate.policy.lower",
    .area = "gate",
    .default_level = OG_GATE_L2,
    .description = "lower a gate level below one another user set: waits for a tenant-admin "
                   "other than the requester; always L2",
    .execute = lower_execute, /* irreversible, and only the policy command asks for it */
    .command = "`opsgate gate policy set`",
    .route = "PUT /api/v1/tenants/{tenant}/gate-policy/{kind}",
    .admin_approval = 1,
};

/* A lowering below a level somebody else set, asked for as a gate.policy.lower item that a
 * second tenant-admin approves: OG_EPENDING naming it. */
static int lower_request(og_ctx *ctx, const char *tid, const og_action_kind *k, og_gate_level from,
                         og_gate_level to, json_t *passed, og_gate_outcome *out)
{
    og_gate_outcome local;
    char subject[160];
    json_t *params, *analysis;
    int error;
    memset(&local, 0, sizeof(local));
    params = json_pack("{s:s, s:s, s:s}", "kind", k->name, "from", og_gate_level_name(from), "to",
                       og_gate_level_name(to));
    analysis =
        json_pack("{s:s, s:s, s:s, s:s, s:O, s:s}", "kind", k->name, "old_level",
                  og_gate_level_name(from), "new_level", og_gate_level_name(to), "default_level",
                  og_gate_level_name(k->default_level), "set_by", passed, "why",
                  "the lowering goes below a level another user set: a tenant-admin "
                  "other than the requester approves it");
    snprintf(subject, sizeof(subject), "gate policy %s %s \u2192 %s", k->name,
             og_gate_level_name(from), og_gate_level_name(to));
    og_gate_about about = {.target_type = "gate_policy", .target_id = k->name, .subject = subject};
    error = og_gate_request_about(ctx, tid, og_gate__policy_lower_kind.name, &about, params,
                                  analysis, out ? out : &local);
    json_decref(local.result);
    if (error == OG_EPENDING)
        og_error_set(OG_EPENDING,
                     "lowering %s from %s to %s goes below a level another user set: it waits "
                     "for a tenant-admin other than you (gate item %s)",
                     k->name, og_gate_level_name(from), og_gate_level_name(to),
                     out ? out->gate_id : local.gate_id);
    json_decref(params);
    json_decref(analysis);
    return error;
}

int og_gate_policy_change(og_ctx *ctx, const char *tenant, const char *kind, og_gate_level level,
                          og_gate_outcome *out)
{
    int error = -1, lowering;
    json_t *analysis = NULL, *setters = NULL, *passed = NULL;
    const og_action_kind *k;
    policy_row row = {0};
    char tid[OG_ID_LEN], key[160], label[160];
    if (out)
        memset(out, 0, sizeof(*out));
    if ((error = og_gate__tenant(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if ((error = og_gate__kind_lookup(kind, &k)) < 0)
        return error;
    if ((unsigned)level > OG_GATE_L3)
        return og_error_set(OG_EINVAL, "bad gate level %d (L0 to L3)", (int)level);
    if (k == &og_gate__policy_lower_kind)
        return og_error_set(OG_EINVAL, "the level of gate.policy.lower cannot be changed: it is "
                                       "always L2");
    /* A gate level decides who must look before something happens: those who answer for the
     * tenant set it, not those it holds back. */
    if (!og_gate__is_admin(&ctx->actor))
        return og_error_set(OG_EDENIED,
                            "changing the gate level of %s needs the tenant-admin role "
                            "(you are %s)",
                            k->name, og_role_name(ctx->actor.role));
    og_gate__actor_key(&ctx->actor, key, sizeof(key));
    og_actor_label(&ctx->actor, label, sizeof(label));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = policy_load(ctx->store, tid, k, &row)) < 0)
        goto cleanup;
    lowering = level < row.level;
    passed = lowering ? setters_passed(row.setters, level, key, label) : NULL;
    if (passed && !og_actor_is_platform(&ctx->actor)) {
        /* below a level somebody else set: a second tenant-admin decides */
        og_store_tx_rollback(ctx->store);
        error = lower_request(ctx, tid, k, row.level, level, passed, out);
        goto done;
    }
    setters = setters_after(row.setters, level, key, label);
    if ((error = policy_write(ctx->store, tid, k, level, setters, label)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:s, s:s, s:s, s:b}", "kind", k->name, "old_level",
                         og_gate_level_name(row.level), "new_level", og_gate_level_name(level),
                         "default_level", og_gate_level_name(k->default_level), "below_default",
                         level < k->default_level);
    if (passed) /* a platform actor lowering what others set: say whose levels went */
        json_object_set(analysis, "set_by", passed);
    error = og_audit_log(ctx, tid, "gate", lowering ? "gate.policy.lower" : "gate.policy.set",
                         "gate_policy", k->name, analysis);
cleanup:
    error = og_store_tx_end(ctx->store, error);
done:
    json_decref(row.setters);
    json_decref(setters);
    json_decref(passed);
    json_decref(analysis);
    return error;
}

int og_gate_policy_set(og_ctx *ctx, const char *tenant, const char *kind, og_gate_level level)
{
    return og_gate_policy_change(ctx, tenant, kind, level, NULL);
}

int og_gate_timing_set(og_ctx *ctx, const char *tenant, int64_t approval_timeout_us,
                       int64_t review_window_us)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    int64_t a, r;
    char tid[OG_ID_LEN], now[OG_TIME_LEN], who[160];
    if ((error = og_gate__tenant(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!og_gate__is_admin(&ctx->actor))
        return og_error_set(OG_EDENIED,
                            "changing gate timing needs the tenant-admin role (you "
                            "are %s)",
                            og_role_name(ctx->actor.role));
    if (approval_timeout_us < 0 || review_window_us < 0)
        return og_error_set(OG_EINVAL, "gate timeouts must be positive");
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_gate__timing(ctx->store, tid, &a, &r)) < 0)
        goto cleanup;
    if (approval_timeout_us)
        a = approval_timeout_us;
    if (review_window_us)
        r = review_window_us;
    if ((error = og_store_run(ctx->store,
                              "INSERT INTO gate_settings (tenant_id, approval_timeout_us,"
                              " review_window_us, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)"
                              " ON CONFLICT (tenant_id) DO UPDATE SET approval_timeout_us ="
                              " excluded.approval_timeout_us, review_window_us ="
                              " excluded.review_window_us, updated_at = excluded.updated_at,"
                              " updated_by = excluded.updated_by",
                              "tiitt", tid, (int64_t)a, (int64_t)r, now, who)) < 0)
        goto cleanup;
    analysis = json_pack("{s:I, s:I}", "approval_timeout_s", (json_int_t)(a / 1000000),
                         "review_window_s", (json_int_t)(r / 1000000));
    error = og_audit_log(ctx, tid, "gate", "gate.timing.set", "tenant", tid, analysis);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
}

int og_gate_assignee_set(og_ctx *ctx, const char *tenant, const char *area, const char *user)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    og_user u;
    char tid[OG_ID_LEN];
    int clear = !user || !*user;
    if ((error = og_gate__tenant(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!og_gate__is_admin(&ctx->actor))
        return og_error_set(OG_EDENIED,
                            "assigning gate reviewers needs the tenant-admin role "
                            "(you are %s)",
                            og_role_name(ctx->actor.role));
    if (!area || !og_name_valid(area))
        return og_error_set(OG_EINVAL, "bad process area '%s'", area ? area : "");
    if (!clear && (error = og_user_get(ctx, tid, user, &u)) < 0)
        return error;
    if (!clear && strcmp(u.state, "active") != 0)
        return og_error_set(OG_ECONFLICT, "user '%s' is %s and cannot review gate items", user,
                            u.state);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 clear ? "DELETE FROM gate_assignees WHERE tenant_id = ? AND"
                                         " area = ?"
                                       : "INSERT INTO gate_assignees (tenant_id, area, user_name)"
                                         " VALUES (?, ?, ?) ON CONFLICT (tenant_id, area) DO"
                                         " UPDATE SET user_name = excluded.user_name")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, area);
    if (!clear)
        og_stmt_bind_text(st, 3, u.name);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:s?}", "area", area, "assignee", clear ? NULL : u.name);
    error = og_audit_log(ctx, tid, "gate", "gate.assignee.set", "gate_area", area, analysis);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
}

/* Every registered kind at its default level, as the policy shows it. */
static json_t *default_levels(void)
{
    json_t *kinds = og_gate_kinds_json(), *list = json_array(), *k;
    size_t i;
    json_array_foreach(kinds, i, k)
    {
        const char *name = json_string_value(json_object_get(k, "name"));
        json_t *row = json_pack("{s:s, s:s, s:O, s:O, s:s, s:n, s:n}", "kind", name, "area",
                                json_string_value(json_object_get(k, "area")), "default_level",
                                json_object_get(k, "default_level"), "level",
                                json_object_get(k, "default_level"), "source", "default",
                                "updated_by", "updated_at");
        json_array_append_new(list, row);
    }
    json_decref(kinds);
    return list;
}

/* The row of list for kind name; a new one (area and default unknown) when list has none. */
static json_t *list_entry(json_t *list, const char *name)
{
    json_t *k, *row;
    size_t i;
    json_array_foreach(list, i, k)
    {
        if (strcmp(json_string_value(json_object_get(k, "kind")), name) == 0)
            return k;
    }
    row = json_pack("{s:s, s:n, s:n}", "kind", name, "area", "default_level");
    json_array_append_new(list, row);
    return row;
}

/* The tenant's policy rows over the defaults in list. Rows of kinds this process does not know
 * (a module not built in) are shown, never dropped. */
static int policy_rows(og_store *s, const char *tid, json_t *list)
{
    og_stmt *st = NULL;
    int rc;
    if ((rc = og_stmt_prepare(&st, s,
                              "SELECT kind, level, updated_by, updated_at FROM gate_policy"
                              " WHERE tenant_id = ? ORDER BY kind")) < 0)
        return rc;
    og_stmt_bind_text(st, 1, tid);
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        json_t *row = list_entry(list, og_stmt_col_text(st, 0));
        json_object_set_new(row, "level",
                            json_string(og_gate_level_name((og_gate_level)og_stmt_col_int(st, 1))));
        json_object_set_new(row, "source", json_string("policy"));
        json_object_set_new(row, "updated_by", json_string(og_stmt_col_text(st, 2)));
        json_object_set_new(row, "updated_at", json_string(og_stmt_col_text(st, 3)));
    }
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

/* The tenant's assignees into obj, {area: user}. */
static int assignees_add(og_store *s, const char *tid, json_t *obj)
{
    og_stmt *st = NULL;
    int rc;
    if ((rc = og_stmt_prepare(&st, s,
                              "SELECT area, user_name FROM gate_assignees WHERE tenant_id = ?"
                              " ORDER BY area")) < 0)
        return rc;
    og_stmt_bind_text(st, 1, tid);
    while ((rc = og_stmt_step(st)) == OG_ROW)
        json_object_set_new(obj, og_stmt_col_text(st, 0), json_string(og_stmt_col_text(st, 1)));
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

int og_gate_policy_show(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error = -1;
    json_t *list = NULL, *assignees = NULL, *doc;
    char tid[OG_ID_LEN];
    int64_t a, r;
    if ((error = og_gate__tenant(ctx, tenant, OG_PERM_READ, tid)) < 0 ||
        (error = og_gate__timing(ctx->store, tid, &a, &r)) < 0)
        return error;
    list = default_levels();
    assignees = json_object();
    if ((error = policy_rows(ctx->store, tid, list)) < 0 ||
        (error = assignees_add(ctx->store, tid, assignees)) < 0) {
        json_decref(list);
        json_decref(assignees);
        return error;
    }
    doc = json_pack("{s:s, s:I, s:I, s:o, s:o}", "tenant_id", tid, "approval_timeout_s",
                    (json_int_t)(a / 1000000), "review_window_s", (json_int_t)(r / 1000000),
                    "assignees", assignees, "kinds", list);
    if (!doc)
        return og_error_set(OG_ERROR, "out of memory");
    *out = doc;
    return 0;
}

/* Pin each of an area's kinds at its default level where the tenant has no policy row yet. */
int og_gate_policy_defaults(og_ctx *ctx, const char *tenant_id, const char *area, json_t **out)
{
    int error = 0;
    json_t *kinds = NULL, *set = json_array(), *kept = json_array(), *k;
    char key[160], label[160];
    size_t i;
    *out = NULL;
    if (!og_gate__is_admin(&ctx->actor))
        return og_error_set(OG_EDENIED,
                            "setting gate policies needs the tenant-admin role "
                            "(you are %s)",
                            og_role_name(ctx->actor.role));
    if (og_store_tx_depth(ctx->store) == 0)
        return og_error_set(OG_EINVAL, "default gate policies need the caller's transaction");
    og_gate__actor_key(&ctx->actor, key, sizeof(key));
    og_actor_label(&ctx->actor, label, sizeof(label));
    kinds = og_gate_kinds_json();
    json_array_foreach(kinds, i, k)
    {
        const og_action_kind *kind;
        policy_row row = {0};
        json_t *setters = NULL;
        if (strcmp(json_string_value(json_object_get(k, "area")), area) != 0 ||
            og_gate__kind_lookup(json_string_value(json_object_get(k, "name")), &kind) < 0)
            continue;
        if ((error = policy_load(ctx->store, tenant_id, kind, &row)) == 0 && !row.exists) {
            setters = setters_after(row.setters, kind->default_level, key, label);
            error = policy_write(ctx->store, tenant_id, kind, kind->default_level, setters, label);
        }
        if (error == 0)
            json_array_append_new(row.exists ? kept : set,
                                  json_pack("{s:s, s:s}", "kind", kind->name, "level",
                                            og_gate_level_name(row.level)));
        json_decref(row.setters);
        json_decref(setters);
        if (error < 0)
            break;
    }
    json_decref(kinds);
    if (error == 0)
        *out = json_pack("{s:o, s:o}", "set", set, "kept", kept);
    else {
        json_decref(set);
        json_decref(kept);
    }
    return error;
}
