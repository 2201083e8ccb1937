/* policy.c - per-tenant gate levels, timing and assignees. */
#include "gate/gate_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <string.h>

int og_gate__is_admin(const og_actor *a)
{
    return og_actor_is_platform(a) || a->role == OG_ROLE_TENANT_ADMIN;
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
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT level FROM gate_policy WHERE tenant_id = ? AND kind = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, kind->name);
    error = og_stmt_step(st);
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
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT approval_timeout_us, review_window_us FROM gate_settings"
                                 " WHERE tenant_id = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    error = og_stmt_step(st);
    if (error == OG_ROW) {
        *approval_us = og_stmt_col_int(st, 0);
        *review_us = og_stmt_col_int(st, 1);
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_gate__assignee(og_store *s, const char *tenant_id, const char *area, char *out,
                      size_t size)
{
    og_stmt *st = NULL;
    int error;
    out[0] = '\0';
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT user_name FROM gate_assignees WHERE tenant_id = ? AND"
                                 " area = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, area);
    error = og_stmt_step(st);
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

int og_gate_policy_set(og_ctx *ctx, const char *tenant, const char *kind, og_gate_level level)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    const og_action_kind *k;
    og_gate_level old;
    char tid[OG_ID_LEN], now[OG_TIME_LEN], who[160];
    if ((error = og_gate__tenant(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if ((error = og_gate__kind_lookup(kind, &k)) < 0)
        return error;
    if ((unsigned)level > OG_GATE_L3)
        return og_error_set(OG_EINVAL, "bad gate level %d (L0 to L3)", (int)level);
    /* Lowering below the kind's default takes a human out of the loop the kind's owner put
     * there: only those who answer for the tenant may do it. */
    int below = level < k->default_level;
    if (below && !og_gate__is_admin(&ctx->actor))
        return og_error_set(OG_EDENIED,
                            "setting %s to %s, below its default %s, needs the tenant-admin role "
                            "(you are %s)",
                            k->name, og_gate_level_name(level),
                            og_gate_level_name(k->default_level), og_role_name(ctx->actor.role));
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_gate__level(ctx->store, tid, k, &old)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO gate_policy (tenant_id, kind, level, updated_at,"
                                 " updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, kind)"
                                 " DO UPDATE SET level = excluded.level, updated_at ="
                                 " excluded.updated_at, updated_by = excluded.updated_by")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, k->name);
    og_stmt_bind_int(st, 3, level);
    og_stmt_bind_text(st, 4, now);
    og_stmt_bind_text(st, 5, who);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:s, s:s, s:s, s:b}", "kind", k->name, "old_level",
                         og_gate_level_name(old), "new_level", og_gate_level_name(level),
                         "default_level", og_gate_level_name(k->default_level), "below_default",
                         below);
    if ((error = og_audit_log(ctx, tid, "gate", below ? "gate.policy.lower" : "gate.policy.set",
                              "gate_policy", k->name, analysis)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
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
        return og_error_set(OG_EDENIED, "changing gate timing needs the tenant-admin role (you "
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
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO gate_settings (tenant_id, approval_timeout_us,"
                                 " review_window_us, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)"
                                 " ON CONFLICT (tenant_id) DO UPDATE SET approval_timeout_us ="
                                 " excluded.approval_timeout_us, review_window_us ="
                                 " excluded.review_window_us, updated_at = excluded.updated_at,"
                                 " updated_by = excluded.updated_by")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_int(st, 2, a);
    og_stmt_bind_int(st, 3, r);
    og_stmt_bind_text(st, 4, now);
    og_stmt_bind_text(st, 5, who);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = json_pack("{s:I, s:I}", "approval_timeout_s", (json_int_t)(a / 1000000),
                         "review_window_s", (json_int_t)(r / 1000000));
    if ((error = og_audit_log(ctx, tid, "gate", "gate.timing.set", "tenant", tid, analysis)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
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
        return og_error_set(OG_EDENIED, "assigning gate reviewers needs the tenant-admin role "
                                        "(you are %s)",
                            og_role_name(ctx->actor.role));
    if (!area || !og_name_valid(area))
        return og_error_set(OG_EINVAL, "bad process area '%s'", area ? area : "");
    if (!clear && (error = og_user_get(ctx, tid, user, &u)) < 0)
        return error;
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
    if ((error = og_audit_log(ctx, tid, "gate", "gate.assignee.set", "gate_area", area,
                              analysis)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
}

int og_gate_policy_show(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *doc = NULL, *list = NULL, *assignees = NULL, *kinds = NULL;
    char tid[OG_ID_LEN];
    int64_t a, r;
    size_t i;
    json_t *k;
    if ((error = og_gate__tenant(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = og_gate__timing(ctx->store, tid, &a, &r)) < 0)
        return error;
    list = json_array();
    assignees = json_object();
    kinds = og_gate_kinds_json();
    /* Every registered kind with its effective level, then policy rows of kinds this process
     * does not know (a module not built in): shown, never dropped. */
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
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT kind, level, updated_by, updated_at FROM gate_policy"
                                 " WHERE tenant_id = ? ORDER BY kind")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    int rc;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *name = og_stmt_col_text(st, 0);
        json_t *row = NULL;
        json_array_foreach(list, i, k)
        {
            if (strcmp(json_string_value(json_object_get(k, "kind")), name) == 0)
                row = k;
        }
        if (!row) {
            row = json_pack("{s:s, s:n, s:n}", "kind", name, "area", "default_level");
            json_array_append_new(list, row);
        }
        json_object_set_new(row, "level",
                            json_string(og_gate_level_name((og_gate_level)og_stmt_col_int(st, 1))));
        json_object_set_new(row, "source", json_string("policy"));
        json_object_set_new(row, "updated_by", json_string(og_stmt_col_text(st, 2)));
        json_object_set_new(row, "updated_at", json_string(og_stmt_col_text(st, 3)));
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT area, user_name FROM gate_assignees WHERE tenant_id = ?"
                                 " ORDER BY area")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    while ((rc = og_stmt_step(st)) == OG_ROW)
        json_object_set_new(assignees, og_stmt_col_text(st, 0),
                            json_string(og_stmt_col_text(st, 1)));
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    doc = json_pack("{s:s, s:I, s:I, s:o, s:o}", "tenant_id", tid, "approval_timeout_s",
                    (json_int_t)(a / 1000000), "review_window_s", (json_int_t)(r / 1000000),
                    "assignees", assignees, "kinds", list);
    assignees = list = NULL;
    if (!doc) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    *out = doc;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(kinds);
    json_decref(list);
    json_decref(assignees);
    return error;
}
