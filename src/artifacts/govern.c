/* govern.c - edit locks, legal holds, retention policies, soft delete and purge. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <unistd.h>

#define DEFAULT_LOCK_US ((int64_t)3600 * 1000000)
#define MAX_LOCK_US     ((int64_t)30 * 24 * 3600 * 1000000)
#define REASON_MAX      1024

/* ---- locks ---- */

int art__lock_check(og_ctx *ctx, const char *artifact_id)
{
    og_stmt *st = NULL;
    char me[160];
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT owner_key, owner_label, expires_us FROM art_locks"
                                " WHERE artifact_id = ? AND expires_us > ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, artifact_id);
    og_stmt_bind_int(st, 2, og_time_now_us());
    art__owner_key(&ctx->actor, me, sizeof(me));
    if ((error = og_stmt_step(st)) == OG_ROW && strcmp(og_stmt_col_text(st, 0), me) != 0) {
        char t[OG_TIME_LEN];
        og_time_format(og_stmt_col_int(st, 2), t);
        error = og_error_set(OG_ECONFLICT, "the artifact is locked by %s until %s",
                             og_stmt_col_text(st, 1), t);
    } else if (error >= 0) {
        error = 0;
    }
    og_stmt_free(st);
    return error;
}

int og_artifact_lock(og_ctx *ctx, const og_artifact_ref *ref, int64_t ttl_us, json_t **out)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char key[160], label[160], now[OG_TIME_LEN], until[OG_TIME_LEN];
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if (ttl_us <= 0)
        ttl_us = DEFAULT_LOCK_US;
    if (ttl_us > MAX_LOCK_US)
        return og_error_set(OG_EINVAL, "a lock lasts at most 30 days");
    if ((error = art__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        return error;
    int64_t expires = og_time_now_us() + ttl_us;
    art__owner_key(&ctx->actor, key, sizeof(key));
    og_actor_label(&ctx->actor, label, sizeof(label));
    og_time_format(og_time_now_us(), now);
    og_time_format(expires, until);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = art__find(ctx, &sc, ref->name, 0, &a)) < 0)
        goto cleanup;
    if ((error = art__lock_check(ctx, a.id)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT OR REPLACE INTO art_locks (artifact_id, tenant_id,"
                                 " owner_key, owner_label, expires_us, created_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, a.id);
    og_stmt_bind_text(st, 2, sc.tenant_id);
    og_stmt_bind_text(st, 3, key);
    og_stmt_bind_text(st, 4, label);
    og_stmt_bind_int(st, 5, expires);
    og_stmt_bind_text(st, 6, now);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:s}", "project", sc.project.key, "expires_at", until);
    if ((error = og_audit_log(ctx, sc.tenant_id, ART_AREA, "artifact.lock", "artifact", a.id,
                              analysis)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    if (out)
        *out = json_pack("{s:s, s:s, s:s}", "name", a.name, "owner", label, "expires_at", until);
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    json_decref(analysis);
    art__row_free(&a);
    return error;
}

int og_artifact_unlock(og_ctx *ctx, const og_artifact_ref *ref, int force)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char me[160], holder[160] = "", holder_key[160] = "";
    int live = 0;
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if ((error = art__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        return error;
    art__owner_key(&ctx->actor, me, sizeof(me));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = art__find(ctx, &sc, ref->name, 0, &a)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT owner_key, owner_label, expires_us > ? FROM art_locks"
                                 " WHERE artifact_id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_int(st, 1, og_time_now_us());
    og_stmt_bind_text(st, 2, a.id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error != OG_ROW) {
        error = og_error_set(OG_ENOTFOUND, "artifact '%s' is not locked", ref->name);
        goto cleanup;
    }
    og_strlcpy(holder_key, og_stmt_col_text(st, 0), sizeof(holder_key));
    og_strlcpy(holder, og_stmt_col_text(st, 1), sizeof(holder));
    live = (int)og_stmt_col_int(st, 2);
    og_stmt_free(st);
    st = NULL;
    int mine = strcmp(holder_key, me) == 0;
    if (!mine && live) {
        if (!force) {
            error = og_error_set(OG_ECONFLICT,
                                 "artifact '%s' is locked by %s; only they can unlock it (a "
                                 "tenant-admin can break it with --force)",
                                 ref->name, holder);
            goto cleanup;
        }
        if (sc.right < OG_RIGHT_ADMIN) {
            error = og_error_set(OG_EDENIED,
                                 "breaking %s's lock on '%s' needs the admin right on project "
                                 "'%s' (tenant-admin)",
                                 holder, ref->name, sc.project.key);
            goto cleanup;
        }
    }
    if ((error = og_stmt_prepare(&st, ctx->store, "DELETE FROM art_locks WHERE artifact_id = ?")) <
        0)
        goto cleanup;
    og_stmt_bind_text(st, 1, a.id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    int broke = !mine && live;
    analysis =
        json_pack("{s:s, s:s, s:b}", "project", sc.project.key, "holder", holder, "expired", !live);
    if ((error = og_audit_log(ctx, sc.tenant_id, ART_AREA,
                              broke ? "artifact.lock.break" : "artifact.unlock", "artifact", a.id,
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
    art__row_free(&a);
    return error;
}

/* ---- legal holds ---- */

int art__held(og_ctx *ctx, const char *project_id, const char *artifact_id, char *why, size_t whysz)
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

int og_artifact_hold_set(og_ctx *ctx, const og_artifact_ref *ref, const char *reason)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char id[OG_ID_LEN], by[160], now[OG_TIME_LEN];
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing project");
    if (!reason || !*reason || strlen(reason) > REASON_MAX)
        return og_error_set(OG_EINVAL, "a legal hold needs a reason (--reason, 1 to %d bytes)",
                            REASON_MAX);
    if ((error = art__scope(ctx, ref->tenant, ref->project, OG_RIGHT_ADMIN, &sc)) < 0)
        return error;
    og_id_new(id);
    og_actor_label(&ctx->actor, by, sizeof(by));
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if (ref->name && (error = art__find(ctx, &sc, ref->name, 1, &a)) < 0)
        goto cleanup;
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
    if ((error = og_audit_log(ctx, sc.tenant_id, ART_AREA, "hold.set",
                              ref->name ? "artifact" : "project", ref->name ? a.id : sc.project.id,
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
    art__row_free(&a);
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
    if (!ref)
        return og_error_set(OG_EINVAL, "missing project");
    if (!reason || !*reason || strlen(reason) > REASON_MAX)
        return og_error_set(OG_EINVAL,
                            "clearing a legal hold needs a reason (--reason, 1 to %d bytes)",
                            REASON_MAX);
    if ((error = art__scope(ctx, ref->tenant, ref->project, OG_RIGHT_ADMIN, &sc)) < 0)
        return error;
    og_actor_label(&ctx->actor, by, sizeof(by));
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if (ref->name && (error = art__find(ctx, &sc, ref->name, 1, &a)) < 0)
        goto cleanup;
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
    if ((error = og_audit_log(ctx, sc.tenant_id, ART_AREA, "hold.clear",
                              ref->name ? "artifact" : "project", ref->name ? a.id : sc.project.id,
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
    art__row_free(&a);
    return error;
}

int og_artifact_hold_list(og_ctx *ctx, const char *tenant, int all, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    char tenant_id[OG_ID_LEN];
    json_t *arr = json_array();
    if ((error = art__tenant(ctx, tenant, tenant_id)) < 0)
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
                (error = art__row_from_stmt(ctx, tenant_id, one, &a)) == 0) {
                json_object_set_new(j, "artifact", json_string(a.name));
                art__row_free(&a);
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

/* ---- retention ---- */

int og_artifact_retention_set(og_ctx *ctx, const char *tenant, const char *kind, int64_t keep_us)
{
    int error = -1;
    og_stmt *st = NULL;
    char tenant_id[OG_ID_LEN], by[160], now[OG_TIME_LEN];
    json_t *analysis = NULL;
    if (!og_artifact_kind_valid(kind))
        return og_error_set(OG_EINVAL,
                            "unknown kind '%s' (sow, change-order, runbook, closure, template, "
                            "other)",
                            kind ? kind : "");
    if (keep_us < 0)
        return og_error_set(OG_EINVAL, "bad retention period");
    if ((error = art__tenant(ctx, tenant, tenant_id)) < 0)
        return error;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_USER_MANAGE)) < 0)
        return og_error_set(error, "setting retention needs the tenant-admin role");
    og_actor_label(&ctx->actor, by, sizeof(by));
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 keep_us ? "INSERT OR REPLACE INTO art_retention (tenant_id, kind,"
                                           " keep_us, set_by, set_at) VALUES (?, ?, ?, ?, ?)"
                                         : "DELETE FROM art_retention WHERE tenant_id = ? AND"
                                           " kind = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, kind);
    if (keep_us) {
        og_stmt_bind_int(st, 3, keep_us);
        og_stmt_bind_text(st, 4, by);
        og_stmt_bind_text(st, 5, now);
    }
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:I}", "kind", kind, "keep_days",
                         (json_int_t)(keep_us / (24LL * 3600 * 1000000)));
    if ((error = og_audit_log(ctx, tenant_id, ART_AREA, "retention.set", "tenant", tenant_id,
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

int og_artifact_retention_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    char tenant_id[OG_ID_LEN];
    json_t *arr = json_array();
    if ((error = art__tenant(ctx, tenant, tenant_id)) < 0)
        goto cleanup;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_READ)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT kind, keep_us, set_by, set_at FROM art_retention"
                                 " WHERE tenant_id = ? ORDER BY kind")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tenant_id);
    while ((error = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(
            arr, json_pack("{s:s, s:I, s:s, s:s}", "kind", og_stmt_col_text(st, 0), "keep_days",
                           (json_int_t)(og_stmt_col_int(st, 1) / (24LL * 3600 * 1000000)), "set_by",
                           og_stmt_col_text(st, 2), "set_at", og_stmt_col_text(st, 3)));
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

/* ---- delete and purge ---- */

int og_artifact_delete(og_ctx *ctx, const og_artifact_ref *ref)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char why[1400], by[160];
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if ((error = art__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        return error;
    og_actor_label(&ctx->actor, by, sizeof(by));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = art__find(ctx, &sc, ref->name, 0, &a)) < 0)
        goto cleanup;
    if ((error = art__held(ctx, a.project_id, a.id, why, sizeof(why))) < 0)
        goto cleanup;
    if (error == 1) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' cannot be deleted: %s", ref->name, why);
        goto cleanup;
    }
    if ((error = art__lock_check(ctx, a.id)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE art_artifacts SET deleted_us = ?, deleted_by = ?"
                                 " WHERE id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_int(st, 1, og_time_now_us());
    og_stmt_bind_text(st, 2, by);
    og_stmt_bind_text(st, 3, a.id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if ((error = art__index_remove(ctx, a.n)) < 0)
        goto cleanup;
    analysis =
        json_pack("{s:s, s:s, s:s}", "project", sc.project.key, "kind", a.kind, "state", a.state);
    if ((error = og_audit_log(ctx, sc.tenant_id, ART_AREA, "artifact.delete", "artifact", a.id,
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
    art__row_free(&a);
    return error;
}

/* Objects that no version of the tenant uses any more after the artifact's versions went. */
static int orphans(og_ctx *ctx, const char *tenant_id, const char *artifact_id, json_t *names)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(
        &st, ctx->store,
        "SELECT DISTINCT v.object FROM art_versions v WHERE v.artifact_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM art_versions w WHERE w.tenant_id = ? AND w.object = v.object"
        " AND w.artifact_id <> v.artifact_id)");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, artifact_id);
    og_stmt_bind_text(st, 2, tenant_id);
    while ((error = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(names, json_string(og_stmt_col_text(st, 0)));
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

static int exec1(og_ctx *ctx, const char *sql, const char *a, const char *b)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store, sql);
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, a);
    if (b)
        og_stmt_bind_text(st, 2, b);
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_artifact_purge(og_ctx *ctx, const og_artifact_ref *ref)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    json_t *analysis = NULL, *gone = json_array();
    char why[1400];
    size_t i;
    json_t *x;
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if ((error = art__scope(ctx, ref->tenant, ref->project, OG_RIGHT_ADMIN, &sc)) < 0)
        goto done;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = art__find(ctx, &sc, ref->name, 1, &a)) < 0)
        goto cleanup;
    if (!a.deleted_us) {
        error =
            og_error_set(OG_ECONFLICT, "artifact '%s' is not deleted; delete it first", ref->name);
        goto cleanup;
    }
    if ((error = art__held(ctx, a.project_id, a.id, why, sizeof(why))) < 0)
        goto cleanup;
    if (error == 1) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' cannot be purged: %s", ref->name, why);
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT keep_us FROM art_retention WHERE tenant_id = ?"
                                 " AND kind = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, sc.tenant_id);
    og_stmt_bind_text(st, 2, a.kind);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error == OG_ROW) {
        int64_t keep = og_stmt_col_int(st, 0);
        int64_t start = a.archived_us ? a.archived_us : a.deleted_us;
        if (og_time_now_us() < start + keep) {
            char t[OG_TIME_LEN];
            og_time_format(start + keep, t);
            error = og_error_set(OG_ECONFLICT,
                                 "artifact '%s' is under retention until %s (%s kept %lld days "
                                 "after %s)",
                                 ref->name, t, a.kind, (long long)(keep / (24LL * 3600 * 1000000)),
                                 a.archived_us ? "archive" : "deletion, as it was never archived");
            goto cleanup;
        }
    }
    og_stmt_free(st);
    st = NULL;
    if ((error = orphans(ctx, sc.tenant_id, a.id, gone)) < 0)
        goto cleanup;
    if ((error = art__index_remove(ctx, a.n)) < 0)
        goto cleanup;
    if ((error = exec1(ctx, "DELETE FROM art_versions WHERE artifact_id = ?", a.id, NULL)) < 0 ||
        (error = exec1(ctx, "DELETE FROM art_locks WHERE artifact_id = ?", a.id, NULL)) < 0 ||
        (error = exec1(ctx, "DELETE FROM art_artifacts WHERE id = ?", a.id, NULL)) < 0)
        goto cleanup;
    json_array_foreach(gone, i, x)
    {
        if ((error = exec1(ctx, "DELETE FROM art_objects WHERE tenant_id = ? AND name = ?",
                           sc.tenant_id, json_string_value(x))) < 0)
            goto cleanup;
    }
    analysis =
        json_pack("{s:s, s:s, s:I, s:I}", "project", sc.project.key, "kind", a.kind, "versions",
                  (json_int_t)a.latest, "objects_removed", (json_int_t)json_array_size(gone));
    if ((error = og_audit_log(ctx, sc.tenant_id, ART_AREA, "artifact.purge", "artifact", a.id,
                              analysis)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    /* The rows are gone for good; now the files. A crash here leaves unreferenced ciphertext,
     * which nothing can name any more. */
    json_array_foreach(gone, i, x) art__obj_unlink(ctx, sc.tenant_id, json_string_value(x));
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
done:
    og_stmt_free(st);
    json_decref(analysis);
    json_decref(gone);
    art__row_free(&a);
    return error;
}

/* ---- tenant deletion ---- */

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(p) : unlink(p)) < 0 && errno != ENOENT ? -1 : 0;
}

int og_artifacts_tenant_files_remove(const char *data_dir, const char *tenant_id)
{
    char dir[PATH_MAX];
    struct stat sb;
    if (!data_dir || !og_id_valid(tenant_id))
        return og_error_set(OG_EINVAL, "bad tenant id '%s'", tenant_id ? tenant_id : "");
    if (snprintf(dir, sizeof(dir), "%s/objects/%s", data_dir, tenant_id) >= (int)sizeof(dir))
        return og_error_set(OG_EINVAL, "path too long under '%s'", data_dir);
    if (lstat(dir, &sb) < 0 && errno == ENOENT)
        return 0;
    if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return og_error_set(OG_ERROR, "cannot remove '%s': %s", dir, strerror(errno));
    return 0;
}
