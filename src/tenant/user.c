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
    const char *state = og_stmt_col_text(st, 5), *at = og_stmt_col_text(st, 6);
    og_strlcpy(u->state, state ? state : "active", sizeof(u->state));
    og_strlcpy(u->state_at, at ? at : "", sizeof(u->state_at));
}

#define USER_COLS "id, tenant_id, name, role, created_at, state, state_at"

int og_user__find(og_store *s, const char *tenant_id, const char *name_or_id, og_user *out)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT " USER_COLS " FROM users"
                                " WHERE COALESCE(tenant_id, '') = ? AND (name = ? OR id = ?)");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id ? tenant_id : "");
    og_stmt_bind_text(st, 2, name_or_id);
    og_stmt_bind_text(st, 3, name_or_id);
    if ((error = og_tenant__row(st, "user", name_or_id)) == 0)
        user_from_row(st, out);
    og_stmt_free(st);
    return error;
}

json_t *og_user_to_json(const og_user *u)
{
    return json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:s?}", "id", u->id, "tenant_id",
                     u->tenant_id[0] ? u->tenant_id : NULL, "name", u->name, "role",
                     og_role_name(u->role), "created_at", u->created_at, "state",
                     u->state[0] ? u->state : "active", "state_at",
                     u->state_at[0] ? u->state_at : NULL);
}

int og_user_add(og_ctx *ctx, const char *tenant, const char *name, og_role role, og_user *out)
{
    int error = -1;
    og_tenant t;
    og_user u;
    memset(&t, 0, sizeof(t));
    if (role == OG_ROLE_WITNESS && (!tenant || !*tenant)) {
        /* the platform's witness: reads every chain's checkpoints, nothing else */
        if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
            return error;
    } else if (role == OG_ROLE_PLATFORM_ADMIN) {
        if (tenant && *tenant) {
            og_error_set(OG_EINVAL,
                         "a platform-admin belongs to no tenant: one is not added to tenant '%s'",
                         tenant);
            return og_error_set_detail(OG_TENANT_DETAIL_PLATFORM_ADMIN);
        }
        if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
            return error;
    } else {
        if (!tenant || !*tenant) {
            og_error_set(OG_EINVAL, "a user with role %s belongs to a tenant: none was given",
                         og_role_name(role));
            return og_error_set_detail(OG_TENANT_DETAIL_NO_TENANT);
        }
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
    og_strlcpy(u.state, "active", sizeof(u.state));

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error = og_store_run(ctx->store,
                         "INSERT INTO users (id, tenant_id, name, role, created_at)"
                         " VALUES (?, ?, ?, ?, ?)",
                         "ttttt", u.id, t.id[0] ? t.id : NULL, u.name, og_role_name(role),
                         u.created_at);
    if (error == OG_EEXISTS) {
        og_user old;
        if (og_user__find(ctx->store, t.id, name, &old) == 0 && strcmp(old.state, "removed") == 0)
            og_error_set(OG_EEXISTS,
                         "user name '%s' belonged to a user removed at %s%s%s; names are not "
                         "reused, so that the history keeps meaning one person: choose another",
                         name, old.state_at, t.id[0] ? " in tenant " : "", t.name);
        else
            og_error_set(OG_EEXISTS, "user '%s' already exists%s%s", name,
                         t.id[0] ? " in tenant " : "", t.name);
    }
    if (error >= 0)
        error =
            og_tenant__audit(ctx, t.id, "user.add", "user", u.id,
                             json_pack("{s:s, s:s}", "name", u.name, "role", og_role_name(role)));
    if ((error = og_store_tx_end(ctx->store, error)) < 0)
        return error;
    if (out)
        *out = u;
    return 0;
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

static json_t *user_row_json(og_stmt *st, void *arg)
{
    og_user u;
    (void)arg;
    user_from_row(st, &u);
    return og_user_to_json(&u);
}

int og_user_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    og_tenant t;
    memset(&t, 0, sizeof(t));
    if (!tenant || !*tenant) {
        if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
            goto cleanup;
    } else if ((error = og_tenant__resolve(ctx, tenant, OG_PERM_USER_READ, &t)) < 0) {
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " USER_COLS " FROM users WHERE COALESCE(tenant_id, '')"
                                 " = ? AND state != 'removed' ORDER BY name")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    error = og_stmt_collect(st, user_row_json, NULL, out);
cleanup:
    og_stmt_free(st);
    return error;
}

int og_actor_become(og_ctx *ctx, const char *tenant, const char *user)
{
    og_tenant t;
    og_user u;
    int error = 0;
    memset(&t, 0, sizeof(t));
    /* A tenant that does not exist answers like a tenant without this user (and a user of it
     * like one of another tenant); a name that is no user of the tenant may be a platform admin,
     * who acts on every tenant. */
    if (tenant && *tenant && (error = og_tenant__find(ctx->store, tenant, &t)) < 0 &&
        error != OG_ENOTFOUND)
        return error;
    if (error == 0)
        error = og_user__find(ctx->store, t.id, user, &u);
    /* Platform admins live in the home database, also for a regional tenant's commands. */
    if (error == OG_ENOTFOUND && tenant && *tenant)
        error = og_user__find(ctx->home ? ctx->home : ctx->store, NULL, user, &u);
    if (error < 0) {
        if (error == OG_ENOTFOUND && tenant && *tenant)
            og_error_set(OG_ENOTFOUND, "user '%s' not found in tenant %s", user, tenant);
        else if (error == OG_ENOTFOUND)
            og_error_set(OG_ENOTFOUND, "user '%s' not found among platform admins", user);
        return error;
    }
    if (strcmp(u.state, "active") != 0)
        return og_error_set(OG_EDENIED, "user '%s' is %s", u.name, u.state);
    if (u.tenant_id[0] && strcmp(t.state, "suspended") == 0)
        return og_error_set(OG_EDENIED, "tenant '%s' is suspended", t.name);
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

/* ---- lifecycle ---- */

typedef enum user_op { USER_DISABLE, USER_ENABLE, USER_REMOVE, USER_ROLE } user_op;

static const char *const op_action[] = {
    [USER_DISABLE] = "user.disable",
    [USER_ENABLE] = "user.enable",
    [USER_REMOVE] = "user.remove",
    [USER_ROLE] = "user.role",
};

/* How many active users of the scope (tenant_id "" = platform admins) other than except_id hold
 * role, in *n. */
static int count_admins(og_store *s, const char *tenant_id, og_role role, const char *except_id,
                        int64_t *n)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT COUNT(*) FROM users WHERE COALESCE(tenant_id, '') = ? AND"
                                " role = ? AND state = 'active' AND id != ?");
    *n = 0;
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, og_role_name(role));
    og_stmt_bind_text(st, 3, except_id);
    if ((error = og_stmt_step(st)) == OG_ROW) {
        *n = og_stmt_col_int(st, 0);
        error = 0;
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Revoke the user's live tokens inside the caller's transaction; *n = how many. */
static int revoke_tokens(og_store *s, const char *user_id, const char *now, int64_t *n)
{
    int error = og_store_run(s,
                             "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND"
                             " revoked_at IS NULL",
                             "tt", now, user_id);
    *n = error < 0 ? 0 : og_store_changes(s);
    return error < 0 ? error : 0;
}

/* Would this change leave the scope without an active administrator? OG_ECONFLICT naming why
 * when the actor may not do that; 0 otherwise. */
static int check_last_admin(og_ctx *ctx, const og_tenant *t, const og_user *u, user_op op,
                            og_role role)
{
    og_role admin = t->id[0] ? OG_ROLE_TENANT_ADMIN : OG_ROLE_PLATFORM_ADMIN;
    int losing = u->role == admin && strcmp(u->state, "active") == 0 &&
                 (op == USER_DISABLE || op == USER_REMOVE || (op == USER_ROLE && role != admin));
    if (!losing)
        return 0;
    /* A platform admin may leave a tenant without tenant-admins (it can add one back); only the
     * local operator may leave the installation without an active platform-admin user. */
    if (t->id[0] ? og_actor_is_platform(&ctx->actor) : ctx->actor.kind != OG_ACTOR_USER)
        return 0;
    int64_t others = 0;
    int error = count_admins(ctx->store, t->id, admin, u->id, &others);
    if (error < 0 || others > 0)
        return error;
    if (t->id[0])
        return og_error_set(OG_ECONFLICT,
                            "user '%s' is the last active tenant-admin of tenant '%s': make "
                            "another user tenant-admin first (or ask a platform admin)",
                            u->name, t->name);
    return og_error_set(OG_ECONFLICT,
                        "user '%s' is the last active platform-admin: add another platform-admin "
                        "first",
                        u->name);
}

/* Is op a change for u (not removed, not already so)? OG_ECONFLICT naming why not. */
static int change_applies(const og_user *u, user_op op, og_role role)
{
    if (strcmp(u->state, "removed") == 0)
        return og_error_set(OG_ECONFLICT, "user '%s' was removed at %s; removal is final", u->name,
                            u->state_at);
    if (op == USER_DISABLE && strcmp(u->state, "disabled") == 0)
        return og_error_set(OG_ECONFLICT, "user '%s' is already disabled", u->name);
    if (op == USER_ENABLE && strcmp(u->state, "active") == 0)
        return og_error_set(OG_ECONFLICT, "user '%s' is not disabled", u->name);
    if (op == USER_ROLE && u->role == role)
        return og_error_set(OG_ECONFLICT, "user '%s' already has the %s role", u->name,
                            og_role_name(role));
    return 0;
}

/* The change inside user_change's transaction: the row, the tokens and the audit record; u is
 * updated to the new state. */
static int user_change_row(og_ctx *ctx, const og_tenant *t, og_user *u, user_op op, og_role role,
                           const char *now)
{
    int64_t revoked = 0;
    json_t *analysis;
    const char *state = op == USER_DISABLE  ? "disabled"
                        : op == USER_REMOVE ? "removed"
                        : op == USER_ENABLE ? "active"
                                            : u->state;
    int error =
        og_store_run(ctx->store, "UPDATE users SET state = ?, state_at = ?, role = ? WHERE id = ?",
                     "tttt", state, op == USER_ROLE ? (u->state_at[0] ? u->state_at : NULL) : now,
                     og_role_name(op == USER_ROLE ? role : u->role), u->id);
    if (error < 0 ||
        (op != USER_ENABLE && (error = revoke_tokens(ctx->store, u->id, now, &revoked)) < 0))
        return error;
    if (op == USER_ROLE)
        analysis = json_pack("{s:s, s:s, s:s, s:I}", "name", u->name, "from", og_role_name(u->role),
                             "to", og_role_name(role), "tokens_revoked", (json_int_t)revoked);
    else
        analysis = json_pack("{s:s, s:s, s:s, s:I}", "name", u->name, "role", og_role_name(u->role),
                             "from", u->state, "tokens_revoked", (json_int_t)revoked);
    if ((error = og_tenant__audit(ctx, t->id, op_action[op], "user", u->id, analysis)) < 0)
        return error;
    if (op == USER_ROLE) {
        u->role = role;
    } else {
        og_strlcpy(u->state, state, sizeof(u->state));
        og_strlcpy(u->state_at, now, sizeof(u->state_at));
    }
    return 0;
}

static int user_change(og_ctx *ctx, const char *tenant, const char *name_or_id, user_op op,
                       og_role role, og_user *out)
{
    int error = -1;
    og_tenant t;
    og_user u;
    char now[OG_TIME_LEN];
    memset(&t, 0, sizeof(t));
    if (!name_or_id || !*name_or_id)
        return og_error_set(OG_EINVAL, "missing user name");
    if (tenant && *tenant) {
        if ((error = og_tenant__resolve(ctx, tenant, OG_PERM_USER_MANAGE, &t)) < 0)
            return error;
    } else if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0) {
        return error;
    }
    if (op == USER_ROLE) {
        if (role == OG_ROLE_NONE)
            return og_error_set(OG_EINVAL, "a user needs a role");
        if (role == OG_ROLE_PLATFORM_ADMIN) {
            og_error_set(OG_EINVAL, "nobody is raised to platform-admin: platform admins belong "
                                    "to no tenant and are added as platform admins");
            return og_error_set_detail(OG_TENANT_DETAIL_PLATFORM_ADMIN);
        }
        if (!t.id[0])
            return og_error_set(OG_EINVAL, "a platform admin's role does not change: platform "
                                           "admins belong to no tenant");
    }
    og_time_format(og_time_now_us(), now);

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    /* Read inside the transaction: two concurrent changes cannot both see a second admin. */
    if ((error = og_user__find(ctx->store, t.id, name_or_id, &u)) >= 0 &&
        (error = change_applies(&u, op, role)) >= 0 &&
        (error = check_last_admin(ctx, &t, &u, op, role)) >= 0)
        error = user_change_row(ctx, &t, &u, op, role, now);
    if ((error = og_store_tx_end(ctx->store, error)) < 0)
        return error;
    if (out)
        *out = u;
    return 0;
}

int og_user_disable(og_ctx *ctx, const char *tenant, const char *name_or_id, og_user *out)
{
    return user_change(ctx, tenant, name_or_id, USER_DISABLE, OG_ROLE_NONE, out);
}

int og_user_enable(og_ctx *ctx, const char *tenant, const char *name_or_id, og_user *out)
{
    return user_change(ctx, tenant, name_or_id, USER_ENABLE, OG_ROLE_NONE, out);
}

int og_user_remove(og_ctx *ctx, const char *tenant, const char *name_or_id, og_user *out)
{
    return user_change(ctx, tenant, name_or_id, USER_REMOVE, OG_ROLE_NONE, out);
}

int og_user_set_role(og_ctx *ctx, const char *tenant, const char *name_or_id, og_role role,
                     og_user *out)
{
    return user_change(ctx, tenant, name_or_id, USER_ROLE, role, out);
}
