/* hold.c - legal holds on projects and artifacts: set, clear, list and the check that honours them.
 */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

#define REASON_MAX 1024

int og_artifacts__held(og_ctx *ctx, const char *project_id, const char *artifact_id, char *why,
                       size_t whysz)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(
        &st, ctx->store,
        "SELECT CASE WHEN artifact_id IS NULL THEN 1 ELSE 0 END, reason, set_by, set_at"
        " FROM art_holds"
        " WHERE project_id = ? AND (artifact_id IS NULL OR artifact_id = ?)"
        " AND cleared_at IS NULL ORDER BY set_at LIMIT 1");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, project_id);
    og_stmt_bind_text(st, 2, artifact_id);
    if ((error = og_stmt_step(st)) == OG_ROW) {
        snprintf(why, whysz, "legal hold on the %s by %s at %s: %s",
                 og_stmt_col_int(st, 0) ? "project" : "artifact", og_stmt_col_text(st, 2),
                 og_stmt_col_text(st, 3), og_stmt_col_text(st, 1));
        error = 1;
    } else if (error == OG_DONE) {
        error = 0;
    }
    og_stmt_free(st);
    return error;
}

int og_artifacts__hold_clear_role(const og_actor *a)
{
    if (og_actor_is_platform(a) || a->role == OG_ROLE_TENANT_ADMIN)
        return 0;
    return og_error_set(OG_EDENIED,
                        "clearing a legal hold needs the tenant-admin or platform-admin role "
                        "(you are %s; an admin grant on the project is not enough)",
                        og_role_name(a->role));
}

/* What setting and clearing a hold share: the reason, the scope (admin right on the project;
 * clearing also needs the tenant-admin or platform-admin role), the actor's label and the time,
 * and an open transaction with the named artifact found in a. On failure nothing is left open. */
static int hold_begin(og_ctx *ctx, const og_artifact_ref *ref, const char *reason, int clearing,
                      art_scope *sc, art_row *a, char by[160], char now[OG_TIME_LEN])
{
    int error;
    if (!ref)
        return og_error_set(OG_EINVAL, "missing project");
    if (!reason || !*reason || strlen(reason) > REASON_MAX)
        return og_error_set(OG_EINVAL, "%s needs a reason (1 to %d bytes)",
                            clearing ? "clearing a legal hold" : "a legal hold", REASON_MAX);
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_ADMIN, sc)) < 0)
        return error;
    /* A hold is what stands between the data and its deletion (and the tenant's): lifting it is
     * for the tenant's administrators or the platform's, not for whoever holds an admin grant on
     * the project. */
    if (clearing && (error = og_artifacts__hold_clear_role(&ctx->actor)) < 0)
        return error;
    og_actor_label(&ctx->actor, by, 160);
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if (ref->name && (error = og_artifacts__find(ctx, sc, ref->name, 1, a)) < 0) {
        og_store_tx_rollback(ctx->store);
        og_artifacts__row_free(a);
        return error;
    }
    return 0;
}

/* End what hold_begin opened: on success the audit record of the change (on the artifact, or the
 * project) and the commit, else the rollback. analysis is stolen. */
static int hold_end(og_ctx *ctx, const og_artifact_ref *ref, const art_scope *sc, art_row *a,
                    const char *action, json_t *analysis, int error)
{
    if (error >= 0)
        error = og_artifacts__audit(ctx, sc->tenant_id, action, ref->name ? "artifact" : "project",
                                    ref->name ? a->id : sc->project.id, analysis);
    else
        json_decref(analysis);
    error = og_store_tx_end(ctx->store, error);
    og_artifacts__row_free(a);
    return error < 0 ? error : 0;
}

int og_artifact_hold_set(og_ctx *ctx, const og_artifact_ref *ref, const char *reason)
{
    int error = -1;
    art_scope sc;
    art_row a;
    char id[OG_ID_LEN], by[160], now[OG_TIME_LEN];
    memset(&a, 0, sizeof(a));
    if ((error = hold_begin(ctx, ref, reason, 0, &sc, &a, by, now)) < 0)
        return error;
    og_id_new(id);
    const char *artifact_id = ref->name ? a.id : NULL;
    error =
        og_artifacts__exec(ctx,
                           "SELECT 1 FROM art_holds WHERE project_id = ? AND"
                           " COALESCE(artifact_id, '') = COALESCE(?, '') AND cleared_at IS NULL",
                           "tt", sc.project.id, artifact_id);
    if (error == 1)
        error = og_error_set(OG_EEXISTS, "%s%s%s is already under a legal hold",
                             ref->name ? "artifact '" : "project '",
                             ref->name ? ref->name : sc.project.key, "'");
    if (error == 0)
        error = og_artifacts__exec(ctx,
                                   "INSERT INTO art_holds (id, tenant_id, project_id, artifact_id,"
                                   " reason, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   "ttttttt", id, sc.tenant_id, sc.project.id, artifact_id, reason,
                                   by, now);
    return hold_end(
        ctx, ref, &sc, &a, "hold.set",
        json_pack("{s:s, s:s, s:s}", "project", sc.project.key, "hold_id", id, "reason", reason),
        error);
}

int og_artifact_hold_clear(og_ctx *ctx, const og_artifact_ref *ref, const char *reason)
{
    int error = -1;
    art_scope sc;
    art_row a;
    char by[160], now[OG_TIME_LEN];
    memset(&a, 0, sizeof(a));
    if ((error = hold_begin(ctx, ref, reason, 1, &sc, &a, by, now)) < 0)
        return error;
    error = og_artifacts__exec(ctx,
                               "UPDATE art_holds SET cleared_by = ?, cleared_at = ?,"
                               " clear_reason = ? WHERE project_id = ? AND"
                               " COALESCE(artifact_id, '') = COALESCE(?, '')"
                               " AND cleared_at IS NULL",
                               "ttttt", by, now, reason, sc.project.id, ref->name ? a.id : NULL);
    if (error == 0 && og_store_changes(ctx->store) == 0)
        error = og_error_set(OG_ENOTFOUND, "%s%s' is not under a legal hold",
                             ref->name ? "artifact '" : "project '",
                             ref->name ? ref->name : sc.project.key);
    return hold_end(ctx, ref, &sc, &a, "hold.clear",
                    json_pack("{s:s, s:s}", "project", sc.project.key, "reason", reason), error);
}

/* One hold as listed: with when and why it was cleared, and the held artifact's name. */
static json_t *hold_row_json(og_stmt *st, void *arg)
{
    og_ctx *ctx = arg;
    art_row a;
    json_t *j = og_stmt_row_json(st);
    const char *artifact_id = json_string_value(json_object_get(j, "artifact_id"));
    int error = 0;
    if (!j)
        return NULL;
    if (json_is_null(json_object_get(j, "cleared_at"))) {
        json_object_del(j, "cleared_by");
        json_object_del(j, "cleared_at");
        json_object_del(j, "clear_reason");
    }
    /* Open the held artifact's sealed name to show it. */
    if (artifact_id &&
        (error = og_artifacts__load(ctx, json_string_value(json_object_get(j, "tenant_id")),
                                    artifact_id, &a)) == 0) {
        json_object_set_new(j, "artifact", json_string(a.name));
        og_artifacts__row_free(&a);
    } else if (error == OG_ENOTFOUND) {
        og_error_clear();
        error = 0;
    }
    json_object_del(j, "artifact_id");
    json_object_del(j, "tenant_id");
    if (error < 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

int og_artifact_hold_list(og_ctx *ctx, const char *tenant, int all, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    char tenant_id[OG_ID_LEN];
    if ((error = og_tenant_resolve(ctx, tenant, OG_PERM_READ, tenant_id)) < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT h.id AS id, p.key AS project, h.reason AS reason,"
                                      " h.set_by AS set_by, h.set_at AS set_at,"
                                      " h.cleared_by AS cleared_by, h.cleared_at AS cleared_at,"
                                      " h.clear_reason AS clear_reason,"
                                      " h.artifact_id AS artifact_id, h.tenant_id AS tenant_id"
                                      " FROM art_holds h JOIN art_projects p ON p.id = h.project_id"
                                      " WHERE h.tenant_id = ? AND (? <> 0 OR h.cleared_at IS NULL)"
                                      " ORDER BY h.set_at",
                                      "ti", tenant_id, (int64_t)all)) < 0)
        return error;
    error = og_stmt_collect(st, hold_row_json, ctx, out);
    og_stmt_free(st);
    return error;
}
