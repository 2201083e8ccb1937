/* tenant.c - tenants: create, find (scoped to the actor), list, suspend, crypto-shred delete. */
#include "opsgate/tenant.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "tenant/tenant_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>

static void tenant_from_row(og_stmt *st, og_tenant *t)
{
    memset(t, 0, sizeof(*t));
    og_strlcpy(t->id, og_stmt_col_text(st, 0), sizeof(t->id));
    og_strlcpy(t->name, og_stmt_col_text(st, 1), sizeof(t->name));
    og_strlcpy(t->state, og_stmt_col_text(st, 2), sizeof(t->state));
    og_strlcpy(t->created_at, og_stmt_col_text(st, 3), sizeof(t->created_at));
    const char *region = og_stmt_col_text(st, 4);
    og_strlcpy(t->region, region ? region : "", sizeof(t->region));
}

/* Look a tenant up by name or id without any authorization. */
int og_tenant__find(og_store *s, const char *name_or_id, og_tenant *out)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT id, name, state, created_at, region FROM tenants"
                                " WHERE name = ? OR id = ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, name_or_id);
    og_stmt_bind_text(st, 2, name_or_id);
    if ((error = og_tenant__row(st, "tenant", name_or_id)) == 0)
        tenant_from_row(st, out);
    og_stmt_free(st);
    return error;
}

int og_tenant__row(og_stmt *st, const char *what, const char *name)
{
    int rc = og_stmt_step(st);
    if (rc == OG_DONE)
        return og_error_set(OG_ENOTFOUND, "%s '%s' not found", what, name);
    return rc == OG_ROW ? 0 : rc;
}

int og_tenant__audit(og_ctx *ctx, const char *tenant_id, const char *action,
                     const char *target_type, const char *target_id, json_t *analysis)
{
    int error = og_audit_log(ctx, tenant_id && tenant_id[0] ? tenant_id : NULL, "platform", action,
                             target_type, target_id, analysis);
    json_decref(analysis);
    return error;
}

int og_tenant__resolve(og_ctx *ctx, const char *name_or_id, og_perm perm, og_tenant *out)
{
    if (!name_or_id || !*name_or_id) {
        og_error_set(OG_EINVAL, "missing tenant: no tenant name or id given");
        return og_error_set_detail(OG_TENANT_DETAIL_NO_TENANT);
    }
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
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", t->id, "name", t->name, "state", t->state,
                     "created_at", t->created_at, "region",
                     t->region[0] ? t->region : OG_REGION_HOME);
}

int og_tenant_create(og_ctx *ctx, const char *name, og_tenant *out)
{
    int error = -1;
    og_tenant t;
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
    error = og_store_run(ctx->store,
                         "INSERT INTO tenants (id, name, state, created_at)"
                         " VALUES (?, ?, 'active', ?)",
                         "ttt", t.id, t.name, t.created_at);
    if (error == OG_EEXISTS)
        og_error_set(OG_EEXISTS, "tenant '%s' already exists", name);
    if (error >= 0)
        error = og_crypto_scope_key_create(ctx->keys, ctx->store, t.id);
    if (error >= 0)
        error = og_tenant__audit(ctx, NULL, "tenant.create", "tenant", t.id,
                                 json_pack("{s:s}", "name", t.name));
    if ((error = og_store_tx_end(ctx->store, error)) < 0)
        return error;
    if (out)
        *out = t;
    return 0;
}

int og_tenant_get(og_ctx *ctx, const char *name_or_id, og_tenant *out)
{
    return og_tenant__resolve(ctx, name_or_id, OG_PERM_TENANT_READ, out);
}

static json_t *tenant_row_json(og_stmt *st, void *arg)
{
    og_tenant t;
    (void)arg;
    tenant_from_row(st, &t);
    return og_tenant_to_json(&t);
}

int og_tenant_list(og_ctx *ctx, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    int platform = og_actor_is_platform(&ctx->actor);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, name, state, created_at, region FROM tenants"
                                 " WHERE ? <> 0 OR id = ? ORDER BY name")) < 0)
        goto cleanup;
    og_stmt_bind_int(st, 1, platform);
    og_stmt_bind_text(st, 2, ctx->actor.tenant_id);
    error = og_stmt_collect(st, tenant_row_json, NULL, out);
cleanup:
    og_stmt_free(st);
    return error;
}

int og_tenant_suspend(og_ctx *ctx, const char *name_or_id, int suspend)
{
    int error = -1;
    og_tenant t;
    const char *state = suspend ? "suspended" : "active";
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_tenant__find(ctx->store, name_or_id, &t)) < 0)
        goto end;
    if (strcmp(t.state, state) == 0) {
        error = og_error_set(OG_ECONFLICT, "tenant '%s' is already %s", t.name, state);
        goto end;
    }
    if ((error = og_store_run(ctx->store, "UPDATE tenants SET state = ? WHERE id = ?", "tt", state,
                              t.id)) < 0)
        goto end;
    error = og_tenant__audit(ctx, NULL, suspend ? "tenant.suspend" : "tenant.resume", "tenant",
                             t.id, NULL);
    /* A regional tenant: the home directory says the same (its state is read there by lists). */
    if (error >= 0 && ctx->home)
        error =
            og_store_run(ctx->home, "UPDATE tenants SET state = ? WHERE id = ?", "tt", state, t.id);
end:
    error = og_store_tx_end(ctx->store, error);
    return error < 0 ? error : 0;
}

/* ---- deletion blockers ---- */

#define MAX_BLOCKERS 16
/* How many blocking things the refusal names; the rest are counted. */
#define NAMED_BLOCKERS 4

static pthread_mutex_t blockers_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char module[32];
    og_tenant_blocker_fn fn;
} blockers[MAX_BLOCKERS];
static size_t nblockers;

int og_tenant_blocker_register(const char *module, og_tenant_blocker_fn fn)
{
    int error = 0;
    if (!module || !*module || !fn)
        return og_error_set(OG_EINVAL, "a deletion blocker needs a module name and a function");
    pthread_mutex_lock(&blockers_mu);
    for (size_t i = 0; i < nblockers; i++) {
        if (blockers[i].fn == fn)
            goto done;
    }
    if (nblockers == MAX_BLOCKERS) {
        error =
            og_error_set(OG_ERROR, "too many tenant deletion blockers (at most %d)", MAX_BLOCKERS);
        goto done;
    }
    og_strlcpy(blockers[nblockers].module, module, sizeof(blockers[nblockers].module));
    blockers[nblockers].fn = fn;
    nblockers++;
done:
    pthread_mutex_unlock(&blockers_mu);
    return error;
}

/* Ask every registered module what must not be destroyed yet; *out is an array. */
static int collect_blockers(og_ctx *ctx, const char *tenant_id, json_t **out)
{
    int error = 0;
    size_t n, i, j;
    og_tenant_blocker_fn fns[MAX_BLOCKERS];
    char names[MAX_BLOCKERS][32];
    json_t *all = json_array(), *one = NULL, *x;
    if (!all)
        return og_error_set(OG_ERROR, "out of memory");
    pthread_mutex_lock(&blockers_mu);
    n = nblockers;
    for (i = 0; i < n; i++) {
        fns[i] = blockers[i].fn;
        memcpy(names[i], blockers[i].module, sizeof(names[i]));
    }
    pthread_mutex_unlock(&blockers_mu);
    for (i = 0; i < n; i++) {
        if (!(one = json_array())) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        if ((error = fns[i](ctx, tenant_id, one)) < 0) {
            og_error_wrap("asking module %s whether the tenant may be deleted", names[i]);
            goto cleanup;
        }
        json_array_foreach(one, j, x)
        {
            if (json_is_object(x) && json_string_value(json_object_get(x, "text"))) {
                json_object_set_new(x, "module", json_string(names[i]));
                json_array_append(all, x);
            }
        }
        json_decref(one);
        one = NULL;
    }
    *out = all;
    all = NULL;
cleanup:
    json_decref(one);
    json_decref(all);
    return error;
}

/* The refusal: the first few blocking things by name, how many more, and what clears them. */
static int refuse_blocked(const og_tenant *t, json_t *found)
{
    og_buf b;
    size_t i, nhints = 0;
    json_t *x;
    const char *hints[MAX_BLOCKERS * 2];
    int error;
    og_buf_init(&b, 4096);
    og_buf_printf(&b, "tenant '%s' cannot be deleted: ", t->name);
    json_array_foreach(found, i, x)
    {
        const char *hint = json_string_value(json_object_get(x, "hint"));
        if (i < NAMED_BLOCKERS)
            og_buf_printf(&b, "%s%s", i ? "; " : "", json_string_value(json_object_get(x, "text")));
        if (hint) {
            size_t k;
            for (k = 0; k < nhints && strcmp(hints[k], hint) != 0; k++)
                ;
            if (k == nhints && nhints < sizeof(hints) / sizeof(hints[0]))
                hints[nhints++] = hint;
        }
    }
    if (json_array_size(found) > NAMED_BLOCKERS)
        og_buf_printf(&b, "; and %zu more", json_array_size(found) - NAMED_BLOCKERS);
    for (i = 0; i < nhints; i++)
        og_buf_printf(&b, "%s%s", i ? "; " : ". ", hints[i]);
    error = og_error_set(OG_ECONFLICT, "%s", b.data ? b.data : "");
    og_buf_free(&b);
    return error;
}

int og_tenant_delete_blockers(og_ctx *ctx, const char *name_or_id, json_t **out)
{
    og_tenant t;
    int error;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_tenant__find(ctx->store, name_or_id, &t)) < 0)
        return error;
    return collect_blockers(ctx, t.id, out);
}

int og_tenant_delete(og_ctx *ctx, const char *name_or_id)
{
    int error = -1;
    og_tenant t;
    json_t *found = NULL;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_tenant__find(ctx->store, name_or_id, &t)) < 0)
        goto cleanup;
    /* Nothing under a legal hold or retention may go: asked inside this transaction, so nothing
     * can be put under a hold between the question and the shredding. */
    if ((error = collect_blockers(ctx, t.id, &found)) < 0)
        goto cleanup;
    if (json_array_size(found) > 0) {
        error = refuse_blocked(&t, found);
        goto cleanup;
    }
    /* Crypto-shred first: once the data key is gone, whatever of the tenant's sealed data
     * survives anywhere (backups, WAL, copies) is unreadable. Then the rows go. */
    if ((error = og_crypto_scope_key_destroy(ctx->keys, ctx->store, t.id)) < 0)
        goto cleanup;
    if ((error = og_store_purge_tenant(ctx->store, t.id)) < 0)
        goto cleanup;
    if ((error = og_store_run(ctx->store, "DELETE FROM tenants WHERE id = ?", "t", t.id)) < 0)
        goto cleanup;
    error = og_tenant__audit(ctx, NULL, "tenant.delete", "tenant", t.id,
                             json_pack("{s:s, s:s}", "name", t.name, "key", "destroyed"));
cleanup:
    /* Then best effort: readers may hold the log open; the key is already gone from the
     * database. */
    if ((error = og_store_tx_end(ctx->store, error)) >= 0 && og_store_tx_depth(ctx->store) == 0 &&
        og_store_checkpoint(ctx->store) < 0)
        og_error_clear();
    json_decref(found);
    return error < 0 ? error : 0;
}
