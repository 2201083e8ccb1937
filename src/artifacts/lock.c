/* lock.c - edit locks on artifacts: who holds one, take, release and break. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <string.h>

#define DEFAULT_LOCK_US ((int64_t)3600 * 1000000)
#define MAX_LOCK_US     ((int64_t)30 * 24 * 3600 * 1000000)

int og_artifacts__lock_check(og_ctx *ctx, const char *artifact_id)
{
    return og_artifacts__lock_check_but(ctx, artifact_id, NULL);
}

int og_artifacts__lock_check_but(og_ctx *ctx, const char *artifact_id, const char *other_key)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT owner_key, owner_label, expires_us FROM art_locks"
                                " WHERE artifact_id = ? AND expires_us > ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, artifact_id);
    og_stmt_bind_int(st, 2, og_time_now_us());
    if ((error = og_stmt_step(st)) == OG_ROW)
        error = og_artifacts__lock_conflict(ctx, og_stmt_col_text(st, 0), og_stmt_col_text(st, 1),
                                            og_stmt_col_int(st, 2), other_key);
    else if (error >= 0)
        error = 0;
    og_stmt_free(st);
    return error;
}

int og_artifacts__lock_conflict(og_ctx *ctx, const char *owner_key, const char *owner_label,
                                int64_t expires_us, const char *other_key)
{
    char me[160], t[OG_TIME_LEN];
    if (!owner_key)
        return 0;
    og_actor_key(&ctx->actor, me, sizeof(me));
    if (strcmp(owner_key, me) == 0 || (other_key && strcmp(owner_key, other_key) == 0))
        return 0;
    og_time_format(expires_us, t);
    return og_error_set(OG_ECONFLICT, "the artifact is locked by %s until %s",
                        owner_label ? owner_label : "", t);
}

int og_artifact_lock(og_ctx *ctx, const og_artifact_ref *ref, int64_t ttl_us, json_t **out)
{
    int error = -1;
    art_scope sc;
    art_row a;
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
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0 ||
        (error = og_artifacts__lock_check(ctx, a.id)) < 0)
        goto cleanup;
    if ((error = og_artifacts__exec(ctx,
                                    "INSERT INTO art_locks (artifact_id, tenant_id, owner_key,"
                                    " owner_label, expires_us, created_at)"
                                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (artifact_id)"
                                    " DO UPDATE SET tenant_id = excluded.tenant_id,"
                                    " owner_key = excluded.owner_key,"
                                    " owner_label = excluded.owner_label,"
                                    " expires_us = excluded.expires_us,"
                                    " created_at = excluded.created_at",
                                    "ttttit", a.id, sc.tenant_id, key, label, expires, now)) < 0)
        goto cleanup;
    error = og_artifacts__audit(
        ctx, sc.tenant_id, "artifact.lock", "artifact", a.id,
        json_pack("{s:s, s:s}", "project", sc.project.key, "expires_at", until));
cleanup:
    error = og_store_tx_end(ctx->store, error);
    if (error == 0 && out)
        *out = json_pack("{s:s, s:s, s:s}", "name", a.name, "owner", label, "expires_at", until);
    og_artifacts__row_free(&a);
    return error < 0 ? error : 0;
}

/* The artifact's lock (live or not): holder key and label, and whether it is live. OG_ENOTFOUND
 * naming the artifact when it has none. */
static int lock_of(og_ctx *ctx, const art_row *a, char key[160], char label[160], int *live)
{
    og_stmt *st = NULL;
    int error =
        og_stmt_prepare(&st, ctx->store,
                        "SELECT owner_key, owner_label, CASE WHEN expires_us > ? THEN 1 ELSE 0 END"
                        " FROM art_locks"
                        " WHERE artifact_id = ?");
    if (error < 0)
        return error;
    og_stmt_bind_int(st, 1, og_time_now_us());
    og_stmt_bind_text(st, 2, a->id);
    if ((error = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(key, og_stmt_col_text(st, 0), 160);
        og_strlcpy(label, og_stmt_col_text(st, 1), 160);
        *live = (int)og_stmt_col_int(st, 2);
        error = 0;
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "artifact '%s' is not locked", a->name);
    }
    og_stmt_free(st);
    return error;
}

int og_artifact_unlock(og_ctx *ctx, const og_artifact_ref *ref, int force)
{
    int error = -1;
    art_scope sc;
    art_row a;
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
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0 ||
        (error = lock_of(ctx, &a, holder_key, holder, &live)) < 0)
        goto cleanup;
    int broke = strcmp(holder_key, me) != 0 && live;
    if (broke && !force) {
        error = og_error_set(OG_ECONFLICT,
                             "artifact '%s' is locked by %s; only they can unlock it (a "
                             "tenant-admin can force the unlock to break it)",
                             ref->name, holder);
        goto cleanup;
    }
    if (broke && sc.right < OG_RIGHT_ADMIN) {
        error = og_error_set(OG_EDENIED,
                             "breaking %s's lock on '%s' needs the admin right on project "
                             "'%s' (tenant-admin)",
                             holder, ref->name, sc.project.key);
        goto cleanup;
    }
    if ((error =
             og_artifacts__exec(ctx, "DELETE FROM art_locks WHERE artifact_id = ?", "t", a.id)) < 0)
        goto cleanup;
    error = og_artifacts__audit(ctx, sc.tenant_id,
                                broke ? "artifact.lock.break" : "artifact.unlock", "artifact", a.id,
                                json_pack("{s:s, s:s, s:b}", "project", sc.project.key, "holder",
                                          holder, "expired", !live));
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_artifacts__row_free(&a);
    return error < 0 ? error : 0;
}
