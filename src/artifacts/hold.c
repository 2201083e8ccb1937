/* hold.c - legal holds on projects and artifacts: set, clear, list and the check that honours them.
 */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

#define REASON_MAX 1024

int og_artifacts__held(og_ctx *ctx, const char *project_id, const char *artifact_id, char *why,
                       size_t whysz)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT artifact_id IS NULL, reason, set_by, set_at FROM art_holds"
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
    if (clearing && !og_actor_is_platform(&ctx->actor) && ctx->actor.role != OG_ROLE_TENANT_ADMIN)
        return og_error_set(OG_EDENIED,
                            "clearing a legal hold needs the tenant-admin or platform-admin role "
                            "(you are %s; an admin grant on the project is not enough)",
                            og_role_name(ctx->actor.role));
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

/* The audit record of a hold change (on the artifact, or the project) and the commit. */
static int hold_finish(og_ctx *ctx, const og_artifact_ref *ref, const art_scope *sc,
                       const art_row *a, const char *action, json_t *analysis)
{
    int error =
        og_audit_log(ctx, sc->tenant_id, ART_AREA, action, ref->name ? "artifact" : "project",
                     ref->name ? a->id : sc->project.id, analysis);
    return error < 0 ? error : og_store_tx_commit(ctx->store);
}

int og_artifact_hold_set(og_ctx *ctx, const og_artifact_ref *ref, const char *reason)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char id[OG_ID_LEN], by[160], now[OG_TIME_LEN];
    memset(&a, 0, sizeof(a));
    if ((error = hold_begin(ctx, ref, reason, 0, &sc, &a, by, now)) < 0)
        return error;
    og_id_new(id);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT 1 FROM art_holds WHERE project_id = ? AND"
                                 " artifact_id IS ? AND cleared_at IS NULL")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, sc.project.id);
    og_stmt_bind_text(st, 2, ref->name ? a.id : NULL);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error == OG_ROW) {
        error = og_error_set(OG_EEXISTS, "%s%s%s is already under a legal hold",
                             ref->name ? "artifact '" : "project '",
                             ref->name ? ref->name : sc.project.key, "'");
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO art_holds (id, tenant_id, project_id, artifact_id,"
                                 " reason, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, sc.tenant_id);
    og_stmt_bind_text(st, 3, sc.project.id);
    og_stmt_bind_text(st, 4, ref->name ? a.id : NULL);
    og_stmt_bind_text(st, 5, reason);
    og_stmt_bind_text(st, 6, by);
    og_stmt_bind_text(st, 7, now);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis =
        json_pack("{s:s, s:s, s:s}", "project", sc.project.key, "hold_id", id, "reason", reason);
    if ((error = hold_finish(ctx, ref, &sc, &a, "hold.set", analysis)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    json_decref(analysis);
    og_artifacts__row_free(&a);
    return error;
}

int og_artifact_hold_clear(og_ctx *ctx, const og_artifact_ref *ref, const char *reason)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char by[160], now[OG_TIME_LEN];
    memset(&a, 0, sizeof(a));
    if ((error = hold_begin(ctx, ref, reason, 1, &sc, &a, by, now)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE art_holds SET cleared_by = ?, cleared_at = ?,"
                                 " clear_reason = ? WHERE project_id = ? AND artifact_id IS ?"
                                 " AND cleared_at IS NULL")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, by);
    og_stmt_bind_text(st, 2, now);
    og_stmt_bind_text(st, 3, reason);
    og_stmt_bind_text(st, 4, sc.project.id);
    og_stmt_bind_text(st, 5, ref->name ? a.id : NULL);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (og_store_changes(ctx->store) == 0) {
        error = og_error_set(OG_ENOTFOUND, "%s%s' is not under a legal hold",
                             ref->name ? "artifact '" : "project '",
                             ref->name ? ref->name : sc.project.key);
        goto cleanup;
    }
    analysis = json_pack("{s:s, s:s}", "project", sc.project.key, "reason", reason);
    if ((error = hold_finish(ctx, ref, &sc, &a, "hold.clear", analysis)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    json_decref(analysis);
    og_artifacts__row_free(&a);
    return error;
}

int og_artifact_hold_list(og_ctx *ctx, const char *tenant, int all, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    char tenant_id[OG_ID_LEN];
    json_t *arr = json_array();
    if ((error = og_artifacts__tenant(ctx, tenant, tenant_id)) < 0)
        goto cleanup;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_READ)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT h.id, p.key, a.n, a.sealed, h.reason, h.set_by, h.set_at,"
                                 " h.cleared_by, h.cleared_at, h.clear_reason, a.id, a.project_id,"
                                 " a.kind, a.state, a.latest, a.created_at, a.created_by,"
                                 " a.updated_at, a.archived_us, a.deleted_us"
                                 " FROM art_holds h JOIN art_projects p ON p.id = h.project_id"
                                 " LEFT JOIN art_artifacts a ON a.id = h.artifact_id"
                                 " WHERE h.tenant_id = ? AND (? OR h.cleared_at IS NULL)"
                                 " ORDER BY h.set_at")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_int(st, 2, all);
    while ((error = og_stmt_step(st)) == OG_ROW) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", og_stmt_col_text(st, 0), "project",
                              og_stmt_col_text(st, 1), "reason", og_stmt_col_text(st, 4), "set_by",
                              og_stmt_col_text(st, 5), "set_at", og_stmt_col_text(st, 6));
        if (!og_stmt_col_is_null(st, 8))
            json_object_update_new(
                j, json_pack("{s:s, s:s, s:s}", "cleared_by", og_stmt_col_text(st, 7), "cleared_at",
                             og_stmt_col_text(st, 8), "clear_reason", og_stmt_col_text(st, 9)));
        if (!og_stmt_col_is_null(st, 10)) {
            /* Open the held artifact's sealed name to show it. */
            og_stmt *one = NULL;
            art_row a;
            if ((error = og_stmt_prepare(&one, ctx->store,
                                         "SELECT n, id, project_id, sealed, kind, state, latest,"
                                         " created_at, created_by, updated_at, archived_us,"
                                         " deleted_us FROM art_artifacts WHERE id = ?")) < 0) {
                json_decref(j);
                goto cleanup;
            }
            og_stmt_bind_text(one, 1, og_stmt_col_text(st, 10));
            if ((error = og_stmt_step(one)) == OG_ROW &&
                (error = og_artifacts__row_from_stmt(ctx, tenant_id, one, &a)) == 0) {
                json_object_set_new(j, "artifact", json_string(a.name));
                og_artifacts__row_free(&a);
            }
            og_stmt_free(one);
            if (error < 0) {
                json_decref(j);
                goto cleanup;
            }
        }
        json_array_append_new(arr, j);
    }
    if (error < 0)
        goto cleanup;
    *out = arr;
    arr = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(arr);
    return error;
}
