/* user.c - users of a tenant (and platform admins) with one role each. */
#include "opsgate/tenant.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "tenant/tenant_internal.h"

#include <string.h>

static void user_from_row(og_stmt *st, og_user *u)
{
    memset(u, 0, sizeof(*u));
    og_strlcpy(u->id, og_stmt_col_text(st, 0), sizeof(u->id));
    const char *tid = og_stmt_col_text(st, 1);
    og_strlcpy(u->tenant_id, tid ? tid : "", sizeof(u->tenant_id));
    og_strlcpy(u->name, og_stmt_col_text(st, 2), sizeof(u->name));
    if (og_role_parse(og_stmt_col_text(st, 3), &u->role) < 0)
        u->role = OG_ROLE_NONE;
    og_strlcpy(u->created_at, og_stmt_col_text(st, 4), sizeof(u->created_at));
}

int og_user__find(og_store *s, const char *tenant_id, const char *name_or_id, og_user *out)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT id, tenant_id, name, role, created_at FROM users"
                                " WHERE COALESCE(tenant_id, '') = ? AND (name = ? OR id = ?)");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id ? tenant_id : "");
    og_stmt_bind_text(st, 2, name_or_id);
    og_stmt_bind_text(st, 3, name_or_id);
    int rc = og_stmt_step(st);
    if (rc == OG_ROW) {
        user_from_row(st, out);
        error = 0;
    } else if (rc == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "user '%s' not found", name_or_id);
    } else {
        error = rc;
    }
    og_stmt_free(st);
    return error;
}

json_t *og_user_to_json(const og_user *u)
{
    return json_pack("{s:s, s:s?, s:s, s:s, s:s}", "id", u->id, "tenant_id",
                     u->tenant_id[0] ? u->tenant_id : NULL, "name", u->name, "role",
                     og_role_name(u->role), "created_at", u->created_at);
}

int og_user_add(og_ctx *ctx, const char *tenant, const char *name, og_role role, og_user *out)
{
    int error = -1;
    og_stmt *st = NULL;
    og_tenant t;
    og_user u;
    json_t *analysis = NULL;
    memset(&t, 0, sizeof(t));
    if (role == OG_ROLE_PLATFORM_ADMIN) {
        if (tenant && *tenant)
            return og_error_set(OG_EINVAL, "a platform-admin belongs to no tenant: drop --tenant");
        if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
            return error;
    } else {
        if (!tenant || !*tenant)
            return og_error_set(OG_EINVAL, "a %s needs a tenant (--tenant)", og_role_name(role));
        if ((error = og_tenant__resolve(ctx, tenant, OG_PERM_USER_MANAGE, &t)) < 0)
            return error;
    }
    if (role == OG_ROLE_NONE)
        return og_error_set(OG_EINVAL, "a user needs a role");
    if ((error = og_name_check("user name", name, 63)) < 0)
        return error;
    if (!og_name_valid(name))
        return og_error_set(OG_EINVAL,
                            "bad user name '%s' (1 to 63 of a-z, 0-9, '.', '_', '-', starting "
                            "with a letter or digit)",
                            name ? name : "");
    memset(&u, 0, sizeof(u));
    og_id_new(u.id);
    og_strlcpy(u.tenant_id, t.id, sizeof(u.tenant_id));
    og_strlcpy(u.name, name, sizeof(u.name));
    u.role = role;
    og_time_format(og_time_now_us(), u.created_at);

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO users (id, tenant_id, name, role, created_at)"
                                 " VALUES (?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, u.id);
    og_stmt_bind_text(st, 2, t.id[0] ? t.id : NULL);
    og_stmt_bind_text(st, 3, u.name);
    og_stmt_bind_text(st, 4, og_role_name(role));
    og_stmt_bind_text(st, 5, u.created_at);
    if ((error = og_stmt_step(st)) < 0) {
        if (error == OG_EEXISTS)
            og_error_set(OG_EEXISTS, "user '%s' already exists%s%s", name,
                         t.id[0] ? " in tenant " : "", t.name);
        goto cleanup;
    }
    analysis = json_pack("{s:s, s:s}", "name", u.name, "role", og_role_name(role));
    if ((error = og_audit_log(ctx, t.id[0] ? t.id : NULL, "platform", "user.add", "user", u.id,
                              analysis)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    if (out)
        *out = u;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
}

int og_user_get(og_ctx *ctx, const char *tenant, const char *name_or_id, og_user *out)
{
    og_tenant t;
    int error;
    if (!tenant || !*tenant) {
        if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
            return error;
        return og_user__find(ctx->store, "", name_or_id, out);
    }
    if ((error = og_tenant__resolve(ctx, tenant, OG_PERM_USER_READ, &t)) < 0) {
        /* a user may always see itself */
        if (error != OG_EDENIED || ctx->actor.kind != OG_ACTOR_USER)
            return error;
        if ((error = og_tenant__resolve(ctx, tenant, OG_PERM_TENANT_READ, &t)) < 0)
            return error;
        if ((error = og_user__find(ctx->store, t.id, name_or_id, out)) < 0)
            return error;
        if (strcmp(out->id, ctx->actor.user_id) != 0)
            return og_error_set(OG_EDENIED, "the %s role does not allow listing users",
                                og_role_name(ctx->actor.role));
        return 0;
    }
    return og_user__find(ctx->store, t.id, name_or_id, out);
}

int og_user_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    og_tenant t;
    json_t *arr = json_array();
    memset(&t, 0, sizeof(t));
    if (!tenant || !*tenant) {
        if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
            goto cleanup;
    } else if ((error = og_tenant__resolve(ctx, tenant, OG_PERM_USER_READ, &t)) < 0) {
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, tenant_id, name, role, created_at FROM users"
                                 " WHERE COALESCE(tenant_id, '') = ? ORDER BY name")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    int rc;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        og_user u;
        user_from_row(st, &u);
        json_array_append_new(arr, og_user_to_json(&u));
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

int og_actor_become(og_ctx *ctx, const char *tenant, const char *user)
{
    og_tenant t;
    og_user u;
    int error;
    memset(&t, 0, sizeof(t));
    if (tenant && *tenant) {
        if ((error = og_tenant__find(ctx->store, tenant, &t)) < 0)
            return error;
        if (strcmp(t.state, "suspended") == 0)
            return og_error_set(OG_EDENIED, "tenant '%s' is suspended", t.name);
    }
    if ((error = og_user__find(ctx->store, t.id, user, &u)) < 0) {
        if (error == OG_ENOTFOUND)
            og_error_set(OG_ENOTFOUND, "--as: user '%s' not found%s%s", user,
                         t.id[0] ? " in tenant " : " among platform admins (give --tenant)",
                         t.name);
        return error;
    }
    char local[64];
    og_strlcpy(local, ctx->actor.local_user, sizeof(local));
    memset(&ctx->actor, 0, sizeof(ctx->actor));
    ctx->actor.kind = OG_ACTOR_USER;
    og_strlcpy(ctx->actor.local_user, local, sizeof(ctx->actor.local_user));
    og_strlcpy(ctx->actor.user_id, u.id, sizeof(ctx->actor.user_id));
    og_strlcpy(ctx->actor.user_name, u.name, sizeof(ctx->actor.user_name));
    og_strlcpy(ctx->actor.tenant_id, u.tenant_id, sizeof(ctx->actor.tenant_id));
    ctx->actor.role = u.role;
    return 0;
}
