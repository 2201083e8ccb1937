/* tenant.c - tenants: create, find (scoped to the actor), list, suspend, crypto-shred delete. */
#include "opsgate/tenant.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "tenant/tenant_internal.h"

#include <string.h>

static void tenant_from_row(og_stmt *st, og_tenant *t)
{
    memset(t, 0, sizeof(*t));
    og_strlcpy(t->id, og_stmt_col_text(st, 0), sizeof(t->id));
    og_strlcpy(t->name, og_stmt_col_text(st, 1), sizeof(t->name));
    og_strlcpy(t->state, og_stmt_col_text(st, 2), sizeof(t->state));
    og_strlcpy(t->created_at, og_stmt_col_text(st, 3), sizeof(t->created_at));
}

/* Look a tenant up by name or id without any authorization. */
int og_tenant__find(og_store *s, const char *name_or_id, og_tenant *out)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT id, name, state, created_at FROM tenants"
                                " WHERE name = ? OR id = ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, name_or_id);
    og_stmt_bind_text(st, 2, name_or_id);
    int rc = og_stmt_step(st);
    if (rc == OG_ROW) {
        tenant_from_row(st, out);
        error = 0;
    } else if (rc == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "tenant '%s' not found", name_or_id);
    } else {
        error = rc;
    }
    og_stmt_free(st);
    return error;
}

int og_tenant__resolve(og_ctx *ctx, const char *name_or_id, og_perm perm, og_tenant *out)
{
    if (!name_or_id || !*name_or_id)
        return og_error_set(OG_EINVAL, "missing tenant (--tenant)");
    int error = og_tenant__find(ctx->store, name_or_id, out);
    if (error < 0)
        return error;
    error = og_authz_check(&ctx->actor, out->id, perm);
    if (error == OG_ENOTFOUND)
        return og_error_set(OG_ENOTFOUND, "tenant '%s' not found", name_or_id);
    return error;
}

int og_tenant_resolve(og_ctx *ctx, const char *name_or_id, og_perm perm, char id_out[OG_ID_LEN])
{
    og_tenant t;
    int error = og_tenant__resolve(ctx, name_or_id, perm, &t);
    if (error < 0)
        return error;
    og_strlcpy(id_out, t.id, OG_ID_LEN);
    return 0;
}

json_t *og_tenant_to_json(const og_tenant *t)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "id", t->id, "name", t->name, "state", t->state,
                     "created_at", t->created_at);
}

int og_tenant_create(og_ctx *ctx, const char *name, og_tenant *out)
{
    int error = -1;
    og_stmt *st = NULL;
    og_tenant t;
    json_t *analysis = NULL;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_name_check("tenant name", name, 63)) < 0)
        return error;
    if (!og_name_valid(name))
        return og_error_set(OG_EINVAL,
                            "bad tenant name '%s' (1 to 63 of a-z, 0-9, '.', '_', '-', starting "
                            "with a letter or digit)",
                            name ? name : "");
    memset(&t, 0, sizeof(t));
    og_id_new(t.id);
    og_strlcpy(t.name, name, sizeof(t.name));
    og_strlcpy(t.state, "active", sizeof(t.state));
    og_time_format(og_time_now_us(), t.created_at);

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO tenants (id, name, state, created_at)"
                                 " VALUES (?, ?, 'active', ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    og_stmt_bind_text(st, 2, t.name);
    og_stmt_bind_text(st, 3, t.created_at);
    if ((error = og_stmt_step(st)) < 0) {
        if (error == OG_EEXISTS)
            og_error_set(OG_EEXISTS, "tenant '%s' already exists", name);
        goto cleanup;
    }
    if ((error = og_crypto_scope_key_create(ctx->keys, ctx->store, t.id)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s}", "name", t.name);
    if ((error = og_audit_log(ctx, NULL, "platform", "tenant.create", "tenant", t.id, analysis)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    if (out)
        *out = t;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
}

int og_tenant_get(og_ctx *ctx, const char *name_or_id, og_tenant *out)
{
    return og_tenant__resolve(ctx, name_or_id, OG_PERM_TENANT_READ, out);
}

int og_tenant_list(og_ctx *ctx, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *arr = json_array();
    int platform = og_actor_is_platform(&ctx->actor);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, name, state, created_at FROM tenants"
                                 " WHERE ? OR id = ? ORDER BY name")) < 0)
        goto cleanup;
    og_stmt_bind_int(st, 1, platform);
    og_stmt_bind_text(st, 2, ctx->actor.tenant_id);
    int rc;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        og_tenant t;
        tenant_from_row(st, &t);
        json_array_append_new(arr, og_tenant_to_json(&t));
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    *out = arr;
    arr = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(arr);
    return error;
}

int og_tenant_suspend(og_ctx *ctx, const char *name_or_id, int suspend)
{
    int error = -1;
    og_stmt *st = NULL;
    og_tenant t;
    const char *state = suspend ? "suspended" : "active";
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_tenant__find(ctx->store, name_or_id, &t)) < 0)
        goto cleanup;
    if (strcmp(t.state, state) == 0) {
        error = og_error_set(OG_ECONFLICT, "tenant '%s' is already %s", t.name, state);
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&st, ctx->store, "UPDATE tenants SET state = ? WHERE id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, state);
    og_stmt_bind_text(st, 2, t.id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if ((error = og_audit_log(ctx, NULL, "platform", suspend ? "tenant.suspend" : "tenant.resume",
                              "tenant", t.id, NULL)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    return error;
}

int og_tenant_delete(og_ctx *ctx, const char *name_or_id)
{
    int error = -1;
    og_stmt *st = NULL;
    og_tenant t;
    json_t *analysis = NULL;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_tenant__find(ctx->store, name_or_id, &t)) < 0)
        goto cleanup;
    /* Crypto-shred first: once the data key is gone, whatever of the tenant's sealed data
     * survives anywhere (backups, WAL, copies) is unreadable. Then the rows go. */
    if ((error = og_crypto_scope_key_destroy(ctx->keys, ctx->store, t.id)) < 0)
        goto cleanup;
    if ((error = og_store_purge_tenant(ctx->store, t.id)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store, "DELETE FROM tenants WHERE id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:s}", "name", t.name, "key", "destroyed");
    if ((error = og_audit_log(ctx, NULL, "platform", "tenant.delete", "tenant", t.id, analysis)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    /* Best effort: readers may hold the log open; the key is already gone from the database. */
    if (og_store_tx_depth(ctx->store) == 0 && og_store_checkpoint(ctx->store) < 0)
        og_error_clear();
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
}
