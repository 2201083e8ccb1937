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

int og_artifacts__lock_check(og_ctx *ctx, const char *artifact_id)
{
    return og_artifacts__lock_check_but(ctx, artifact_id, NULL);
}

int og_artifacts__lock_check_but(og_ctx *ctx, const char *artifact_id, const char *other_key)
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
    og_actor_key(&ctx->actor, me, sizeof(me));
    if ((error = og_stmt_step(st)) == OG_ROW && strcmp(og_stmt_col_text(st, 0), me) != 0 &&
        (!other_key || strcmp(og_stmt_col_text(st, 0), other_key) != 0)) {
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
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        return error;
    int64_t expires = og_time_now_us() + ttl_us;
    og_actor_key(&ctx->actor, key, sizeof(key));
    og_actor_label(&ctx->actor, label, sizeof(label));
    og_time_format(og_time_now_us(), now);
    og_time_format(expires, until);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        goto cleanup;
    if ((error = og_artifacts__lock_check(ctx, a.id)) < 0)
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
    og_artifacts__row_free(&a);
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
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        return error;
    og_actor_key(&ctx->actor, me, sizeof(me));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
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
                                 "tenant-admin can force the unlock to break it)",
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
    og_artifacts__row_free(&a);
    return error;
}

/* ---- legal holds ---- */

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
    if ((error = og_artifacts__tenant(ctx, tenant, tenant_id)) < 0)
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
    if ((error = og_artifacts__tenant(ctx, tenant, tenant_id)) < 0)
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

/* The artifacts `part_id` is a part of (all of them, or only live ones), except `except_id`:
 * *count of them, and the first few names quoted and joined into names ("'sow.md', 'sow.html'"). */
static int wholes_of(og_ctx *ctx, const char *tenant_id, const char *part_id, int live_only,
                     const char *except_id, char *names, size_t size, int *count)
{
    og_stmt *st = NULL;
    size_t used = 0;
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT w.id FROM art_parts p JOIN art_artifacts w"
                                " ON w.id = p.whole_id WHERE p.part_id = ? AND w.id <> ?"
                                " AND (? = 0 OR w.deleted_us IS NULL) ORDER BY w.n");
    *count = 0;
    names[0] = '\0';
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, part_id);
    og_stmt_bind_text(st, 2, except_id ? except_id : "");
    og_stmt_bind_int(st, 3, live_only);
    while ((error = og_stmt_step(st)) == OG_ROW) {
        if (++*count <= 3) {
            art_row w;
            if ((error = og_artifacts__load(ctx, tenant_id, og_stmt_col_text(st, 0), &w)) < 0)
                break;
            int n = snprintf(names + used, size - used, "%s'%s'", used ? ", " : "", w.name);
            if (n > 0 && (size_t)n < size - used)
                used += (size_t)n;
            og_artifacts__row_free(&w);
        }
    }
    og_stmt_free(st);
    if (error < 0)
        return error;
    if (*count > 3 && size - used > 16)
        snprintf(names + used, size - used, " and %d more", *count - 3);
    return 0;
}

/* The ids of the parts of an artifact, appended to ids. */
static int parts_of(og_ctx *ctx, const char *whole_id, json_t *ids)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT p.part_id FROM art_parts p JOIN art_artifacts a"
                                " ON a.id = p.part_id WHERE p.whole_id = ? ORDER BY a.n");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, whole_id);
    while ((error = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(ids, json_string(og_stmt_col_text(st, 0)));
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Mark deleted (deleted_us set) or live again (deleted_us 0), out of or back into the index. */
static int set_deleted(og_ctx *ctx, const char *tenant_id, const art_row *a, int64_t deleted_us,
                       const char *with)
{
    og_stmt *st = NULL;
    char by[160];
    int error;
    og_actor_label(&ctx->actor, by, sizeof(by));
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE art_artifacts SET deleted_us = ?, deleted_by = ?,"
                                 " deleted_with = ? WHERE id = ?")) < 0)
        return error;
    if (deleted_us) {
        og_stmt_bind_int(st, 1, deleted_us);
        og_stmt_bind_text(st, 2, by);
        og_stmt_bind_text(st, 3, with);
    } else {
        og_stmt_bind_null(st, 1);
        og_stmt_bind_null(st, 2);
        og_stmt_bind_null(st, 3);
    }
    og_stmt_bind_text(st, 4, a->id);
    error = og_stmt_step(st);
    og_stmt_free(st);
    if (error < 0)
        return error;
    return deleted_us ? og_artifacts__index_remove(ctx, a->n)
                      : og_artifacts__reindex(ctx, tenant_id, a);
}

static int audit_deletion(og_ctx *ctx, const art_scope *sc, const art_row *a, const char *action,
                          const char *with)
{
    json_t *analysis = json_pack("{s:s, s:s, s:s}", "project", sc->project.key, "kind", a->kind,
                                 "state", a->state);
    if (with)
        json_object_set_new(analysis, "with", json_string(with));
    int error = og_audit_log(ctx, sc->tenant_id, ART_AREA, action, "artifact", a->id, analysis);
    json_decref(analysis);
    return error;
}

int og_artifact_delete(og_ctx *ctx, const og_artifact_ref *ref)
{
    int error = -1, count = 0;
    art_scope sc;
    art_row a, pr;
    json_t *parts = json_array(), *x;
    char why[1400], names[600];
    int64_t now = og_time_now_us();
    size_t i;
    memset(&a, 0, sizeof(a));
    memset(&pr, 0, sizeof(pr));
    if (!ref) {
        error = og_error_set(OG_EINVAL, "missing artifact");
        goto done;
    }
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        goto done;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        goto cleanup;
    if ((error = og_artifacts__held(ctx, a.project_id, a.id, why, sizeof(why))) < 0)
        goto cleanup;
    if (error == 1) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' cannot be deleted: %s", ref->name, why);
        goto cleanup;
    }
    if ((error = og_artifacts__lock_check(ctx, a.id)) < 0)
        goto cleanup;
    /* A part of a live artifact (a generated document's data snapshot) goes with it, never
     * alone: the document's provenance, and generating from it again, need it. */
    if ((error = wholes_of(ctx, sc.tenant_id, a.id, 1, NULL, names, sizeof(names), &count)) < 0)
        goto cleanup;
    if (count > 0) {
        error = og_error_set(OG_ECONFLICT,
                             "artifact '%s' is part of %s (generated from it) and cannot be "
                             "deleted on its own; it is deleted with %s",
                             ref->name, names, count > 1 ? "the last of them" : "it");
        goto cleanup;
    }
    if ((error = set_deleted(ctx, sc.tenant_id, &a, now, NULL)) < 0 ||
        (error = audit_deletion(ctx, &sc, &a, "artifact.delete", NULL)) < 0)
        goto cleanup;
    /* Its parts that no other live artifact holds go with it. */
    if ((error = parts_of(ctx, a.id, parts)) < 0)
        goto cleanup;
    json_array_foreach(parts, i, x)
    {
        if ((error = og_artifacts__load(ctx, sc.tenant_id, json_string_value(x), &pr)) < 0)
            goto cleanup;
        if (pr.deleted_us)
            goto next;
        if ((error = wholes_of(ctx, sc.tenant_id, pr.id, 1, NULL, names, sizeof(names), &count)) <
            0)
            goto cleanup;
        if (count > 0)
            goto next;
        if ((error = og_artifacts__held(ctx, pr.project_id, pr.id, why, sizeof(why))) < 0)
            goto cleanup;
        if (error == 1) {
            error = og_error_set(OG_ECONFLICT,
                                 "artifact '%s' cannot be deleted: its part '%s' would go with "
                                 "it and is under a %s",
                                 ref->name, pr.name, why);
            goto cleanup;
        }
        if ((error = og_artifacts__lock_check(ctx, pr.id)) < 0) {
            og_error_wrap("artifact '%s' cannot be deleted with its part '%s'", ref->name, pr.name);
            goto cleanup;
        }
        if ((error = set_deleted(ctx, sc.tenant_id, &pr, now, a.id)) < 0 ||
            (error = audit_deletion(ctx, &sc, &pr, "artifact.delete", a.id)) < 0)
            goto cleanup;
    next:
        og_artifacts__row_free(&pr);
    }
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
done:
    json_decref(parts);
    og_artifacts__row_free(&pr);
    og_artifacts__row_free(&a);
    return error;
}

int og_artifact_undelete(og_ctx *ctx, const og_artifact_ref *ref, json_t **out)
{
    int error = -1;
    art_scope sc;
    art_row a, pr;
    og_stmt *st = NULL;
    json_t *with = json_array(), *x;
    size_t i;
    memset(&a, 0, sizeof(a));
    memset(&pr, 0, sizeof(pr));
    if (out)
        *out = NULL;
    if (!ref) {
        error = og_error_set(OG_EINVAL, "missing artifact");
        goto done;
    }
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        goto done;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 1, &a)) < 0)
        goto cleanup;
    if (!a.deleted_us) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' is not deleted", ref->name);
        goto cleanup;
    }
    if ((error = og_artifacts__lock_check(ctx, a.id)) < 0)
        goto cleanup;
    if ((error = set_deleted(ctx, sc.tenant_id, &a, 0, NULL)) < 0 ||
        (error = audit_deletion(ctx, &sc, &a, "artifact.undelete", NULL)) < 0)
        goto cleanup;
    /* The parts its deletion took along come back with it. */
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id FROM art_artifacts WHERE deleted_with = ?"
                                 " AND deleted_us IS NOT NULL ORDER BY n")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, a.id);
    while ((error = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(with, json_string(og_stmt_col_text(st, 0)));
    if (error < 0)
        goto cleanup;
    og_stmt_free(st);
    st = NULL;
    json_array_foreach(with, i, x)
    {
        if ((error = og_artifacts__load(ctx, sc.tenant_id, json_string_value(x), &pr)) < 0 ||
            (error = set_deleted(ctx, sc.tenant_id, &pr, 0, NULL)) < 0 ||
            (error = audit_deletion(ctx, &sc, &pr, "artifact.undelete", a.id)) < 0)
            goto cleanup;
        og_artifacts__row_free(&pr);
    }
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    if (out && og_artifact_show(ctx, ref, out) < 0)
        og_error_clear(); /* undeleted; the caller may show it again */
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
done:
    og_stmt_free(st);
    json_decref(with);
    og_artifacts__row_free(&pr);
    og_artifacts__row_free(&a);
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

/* 1 with why filled when a legal hold or retention keeps a deleted artifact, 0 when not. */
static int purge_blocked(og_ctx *ctx, const art_scope *sc, const art_row *a, char *why,
                         size_t whysz)
{
    og_stmt *st = NULL;
    int error = og_artifacts__held(ctx, a->project_id, a->id, why, whysz);
    if (error != 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT keep_us FROM art_retention WHERE tenant_id = ?"
                                 " AND kind = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, sc->tenant_id);
    og_stmt_bind_text(st, 2, a->kind);
    if ((error = og_stmt_step(st)) == OG_ROW) {
        int64_t keep = og_stmt_col_int(st, 0);
        int64_t start = a->archived_us ? a->archived_us : a->deleted_us;
        error = 0;
        if (og_time_now_us() < start + keep) {
            char t[OG_TIME_LEN];
            og_time_format(start + keep, t);
            snprintf(why, whysz, "under retention until %s (%s kept %lld days after %s)", t,
                     a->kind, (long long)(keep / (24LL * 3600 * 1000000)),
                     a->archived_us ? "archive" : "deletion, as it was never archived");
            error = 1;
        }
    } else if (error == OG_DONE) {
        error = 0;
    }
    og_stmt_free(st);
    return error;
}

/* Remove a deleted artifact's rows and the objects only it used (their names appended to
 * gone, for the files to go after the commit), and audit it. */
static int purge_rows(og_ctx *ctx, const art_scope *sc, const art_row *a, const char *with,
                      json_t *gone)
{
    int error;
    size_t i, first = json_array_size(gone);
    json_t *x, *analysis = NULL;
    if ((error = orphans(ctx, sc->tenant_id, a->id, gone)) < 0)
        return error;
    if ((error = og_artifacts__index_remove(ctx, a->n)) < 0)
        return error;
    if ((error = exec1(ctx, "DELETE FROM art_versions WHERE artifact_id = ?", a->id, NULL)) < 0 ||
        (error = exec1(ctx, "DELETE FROM art_locks WHERE artifact_id = ?", a->id, NULL)) < 0 ||
        (error = exec1(ctx, "DELETE FROM art_parts WHERE whole_id = ? OR part_id = ?", a->id,
                       a->id)) < 0 ||
        (error = exec1(ctx, "DELETE FROM art_artifacts WHERE id = ?", a->id, NULL)) < 0)
        return error;
    for (i = first; i < json_array_size(gone); i++) {
        x = json_array_get(gone, i);
        if ((error = exec1(ctx, "DELETE FROM art_objects WHERE tenant_id = ? AND name = ?",
                           sc->tenant_id, json_string_value(x))) < 0)
            return error;
    }
    analysis = json_pack("{s:s, s:s, s:I, s:I}", "project", sc->project.key, "kind", a->kind,
                         "versions", (json_int_t)a->latest, "objects_removed",
                         (json_int_t)(json_array_size(gone) - first));
    if (with)
        json_object_set_new(analysis, "with", json_string(with));
    error =
        og_audit_log(ctx, sc->tenant_id, ART_AREA, "artifact.purge", "artifact", a->id, analysis);
    json_decref(analysis);
    return error;
}

int og_artifact_purge(og_ctx *ctx, const og_artifact_ref *ref)
{
    int error = -1, count = 0;
    art_scope sc;
    art_row a, pr;
    json_t *gone = json_array(), *parts = json_array(), *x;
    char why[1400], names[600];
    size_t i;
    memset(&a, 0, sizeof(a));
    memset(&pr, 0, sizeof(pr));
    if (!ref) {
        error = og_error_set(OG_EINVAL, "missing artifact");
        goto done;
    }
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_ADMIN, &sc)) < 0)
        goto done;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 1, &a)) < 0)
        goto cleanup;
    if (!a.deleted_us) {
        error =
            og_error_set(OG_ECONFLICT, "artifact '%s' is not deleted; delete it first", ref->name);
        goto cleanup;
    }
    if ((error = purge_blocked(ctx, &sc, &a, why, sizeof(why))) < 0)
        goto cleanup;
    if (error == 1) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' cannot be purged: %s", ref->name, why);
        goto cleanup;
    }
    if ((error = wholes_of(ctx, sc.tenant_id, a.id, 0, NULL, names, sizeof(names), &count)) < 0)
        goto cleanup;
    if (count > 0) {
        error = og_error_set(OG_ECONFLICT,
                             "artifact '%s' is part of %s (generated from it) and cannot be "
                             "purged on its own; it is purged with %s",
                             ref->name, names, count > 1 ? "the last of them" : "it");
        goto cleanup;
    }
    if ((error = parts_of(ctx, a.id, parts)) < 0 ||
        (error = purge_rows(ctx, &sc, &a, NULL, gone)) < 0)
        goto cleanup;
    /* Its deleted parts that nothing else holds go too, unless a hold or retention keeps them:
     * those stay deleted, on their own, to be purged when they may. */
    json_array_foreach(parts, i, x)
    {
        if ((error = og_artifacts__load(ctx, sc.tenant_id, json_string_value(x), &pr)) < 0)
            goto cleanup;
        if (pr.deleted_us &&
            (error = wholes_of(ctx, sc.tenant_id, pr.id, 0, NULL, names, sizeof(names), &count)) ==
                0 &&
            count == 0 && (error = purge_blocked(ctx, &sc, &pr, why, sizeof(why))) == 0)
            error = purge_rows(ctx, &sc, &pr, a.id, gone);
        if (error < 0)
            goto cleanup;
        og_artifacts__row_free(&pr);
    }
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    /* The rows are gone for good; now the files. A crash here leaves unreferenced ciphertext,
     * which nothing can name any more. */
    json_array_foreach(gone, i, x)
        og_artifacts__obj_unlink(ctx, sc.tenant_id, json_string_value(x));
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
done:
    json_decref(gone);
    json_decref(parts);
    og_artifacts__row_free(&pr);
    og_artifacts__row_free(&a);
    return error;
}

/* ---- tenant deletion ---- */

#define BLOCKERS_NAMED     20
#define BLOCKER_REASON_MAX 120

static void append_blocker(json_t *out, json_t *b, const char *text, const char *hint)
{
    json_object_set_new(b, "text", json_string(text));
    json_object_set_new(b, "hint", json_string(hint));
    json_array_append_new(out, b);
}

static int hold_blockers(og_ctx *ctx, const char *tenant_id, json_t *out)
{
    static const char hint[] =
        "a tenant-admin or platform-admin clears legal holds with a reason: `opsgate hold clear "
        "--tenant T --project P [--name N] --reason TEXT` or DELETE /api/v1/projects/{key}/holds";
    og_stmt *st = NULL;
    int error, n = 0;
    char text[600];
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT p.key, h.artifact_id, h.reason, h.set_by, h.set_at, h.id"
                                 " FROM art_holds h JOIN art_projects p ON p.id = h.project_id"
                                 " WHERE h.tenant_id = ? AND h.cleared_at IS NULL"
                                 " ORDER BY h.set_at")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    while ((error = og_stmt_step(st)) == OG_ROW) {
        const char *project = og_stmt_col_text(st, 0);
        if (++n > BLOCKERS_NAMED)
            continue;
        json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "hold", "hold_id",
                              og_stmt_col_text(st, 5), "project", project, "reason",
                              og_stmt_col_text(st, 2), "set_by", og_stmt_col_text(st, 3), "set_at",
                              og_stmt_col_text(st, 4));
        char on[OG_ARTIFACT_NAME_MAX + 128];
        if (!og_stmt_col_is_null(st, 1)) {
            art_row a;
            if ((error = og_artifacts__load(ctx, tenant_id, og_stmt_col_text(st, 1), &a)) < 0) {
                json_decref(b);
                break;
            }
            json_object_set_new(b, "artifact", json_string(a.name));
            snprintf(on, sizeof(on), "artifact '%s' in project '%s'", a.name, project);
            og_artifacts__row_free(&a);
        } else {
            snprintf(on, sizeof(on), "project '%s'", project);
        }
        snprintf(text, sizeof(text), "legal hold on %s (set by %s at %s: %.*s%s)", on,
                 og_stmt_col_text(st, 3), og_stmt_col_text(st, 4), BLOCKER_REASON_MAX,
                 og_stmt_col_text(st, 2),
                 strlen(og_stmt_col_text(st, 2)) > BLOCKER_REASON_MAX ? "..." : "");
        append_blocker(out, b, text, hint);
    }
    og_stmt_free(st);
    if (error < 0)
        return error;
    if (n > BLOCKERS_NAMED) {
        snprintf(text, sizeof(text), "%d more legal holds", n - BLOCKERS_NAMED);
        append_blocker(out, json_pack("{s:s, s:i}", "type", "hold", "more", n - BLOCKERS_NAMED),
                       text, hint);
    }
    return 0;
}

/* Artifacts that retention keeps: of a kind with a policy, and either live and never archived
 * (the clock has not started) or within keep_us of their archive (or deletion). */
static int retention_blockers(og_ctx *ctx, const char *tenant_id, json_t *out)
{
    static const char hint[] =
        "retention keeps an artifact until the date shown (a live one until it is archived or "
        "deleted and kept that long); a tenant-admin may change the policy with `opsgate "
        "artifact retention set` or PUT /api/v1/retention/{kind}";
    og_stmt *st = NULL;
    int error, n = 0;
    char text[600], t[OG_TIME_LEN];
    if ((error = og_stmt_prepare(
             &st, ctx->store,
             "SELECT a.n, a.id, a.project_id, a.sealed, a.kind, a.state, a.latest, a.created_at,"
             " a.created_by, a.updated_at, a.archived_us, a.deleted_us, p.key, r.keep_us"
             " FROM art_artifacts a JOIN art_retention r ON r.tenant_id = a.tenant_id"
             " AND r.kind = a.kind JOIN art_projects p ON p.id = a.project_id"
             " WHERE a.tenant_id = ? AND (COALESCE(a.archived_us, a.deleted_us) IS NULL"
             " OR COALESCE(a.archived_us, a.deleted_us) + r.keep_us > ?) ORDER BY a.n")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_int(st, 2, og_time_now_us());
    while ((error = og_stmt_step(st)) == OG_ROW) {
        art_row a;
        if (++n > BLOCKERS_NAMED)
            continue;
        if ((error = og_artifacts__row_from_stmt(ctx, tenant_id, st, &a)) < 0)
            break;
        const char *project = og_stmt_col_text(st, 12);
        int64_t keep = og_stmt_col_int(st, 13);
        long long days = (long long)(keep / (24LL * 3600 * 1000000));
        int64_t start = a.archived_us ? a.archived_us : a.deleted_us;
        json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", "retention", "project", project,
                              "artifact", a.name, "kind", a.kind, "keep_days", (json_int_t)days);
        if (start) {
            og_time_format(start + keep, t);
            json_object_set_new(b, "until", json_string(t));
            snprintf(text, sizeof(text), "%s '%s' in project '%s' under retention until %s", a.kind,
                     a.name, project, t);
        } else {
            snprintf(text, sizeof(text),
                     "%s '%s' in project '%s' under retention (%s kept %lld days after archive; "
                     "not archived yet)",
                     a.kind, a.name, project, a.kind, days);
        }
        og_artifacts__row_free(&a);
        append_blocker(out, b, text, hint);
    }
    og_stmt_free(st);
    if (error < 0)
        return error;
    if (n > BLOCKERS_NAMED) {
        snprintf(text, sizeof(text), "%d more artifacts under retention", n - BLOCKERS_NAMED);
        append_blocker(out,
                       json_pack("{s:s, s:i}", "type", "retention", "more", n - BLOCKERS_NAMED),
                       text, hint);
    }
    return 0;
}

int og_artifacts_tenant_blockers(og_ctx *ctx, const char *tenant_id, json_t *out)
{
    int error;
    if (!og_id_valid(tenant_id) || !json_is_array(out))
        return og_error_set(OG_EINVAL, "bad tenant id '%s'", tenant_id ? tenant_id : "");
    if ((error = hold_blockers(ctx, tenant_id, out)) < 0)
        return error;
    return retention_blockers(ctx, tenant_id, out);
}

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
