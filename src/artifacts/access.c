/* access.c - who may do what on a project: rights by role, per-project grants with expiry, and the
 * access report for periodic reviews. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

int og_artifacts__tenant(og_ctx *ctx, const char *tenant, char tenant_id[OG_ID_LEN])
{
    og_tenant t;
    int error;
    if (!tenant || !*tenant)
        return og_error_set(OG_EINVAL, "missing tenant: no tenant name or id given");
    if ((error = og_tenant_get(ctx, tenant, &t)) < 0)
        return error;
    og_strlcpy(tenant_id, t.id, OG_ID_LEN);
    return 0;
}

/* What a role alone gives on every project of its tenant. */
static og_artifact_right role_right(og_role r)
{
    switch (r) {
    case OG_ROLE_PLATFORM_ADMIN:
    case OG_ROLE_TENANT_ADMIN:
        return OG_RIGHT_ADMIN;
    case OG_ROLE_PROJECT_MANAGER:
    case OG_ROLE_ENGINEER:
        return OG_RIGHT_WRITE;
    case OG_ROLE_AUDITOR:
        return OG_RIGHT_READ;
    case OG_ROLE_CLIENT_VIEWER:
    case OG_ROLE_WITNESS: /* the audit trail's checkpoints only */
    case OG_ROLE_NONE:
        break;
    }
    return OG_RIGHT_NONE;
}

/* The user's live grant on a project: right and expiry (0 = none). */
static int grant_of(og_ctx *ctx, const char *project_id, const char *user_id,
                    og_artifact_right *right, int64_t *until)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT access, until_us FROM art_grants WHERE project_id = ?"
                                " AND user_id = ? AND (until_us IS NULL OR until_us > ?)");
    *right = OG_RIGHT_NONE;
    *until = 0;
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, project_id);
    og_stmt_bind_text(st, 2, user_id);
    og_stmt_bind_int(st, 3, og_time_now_us());
    if ((error = og_stmt_step(st)) == OG_ROW) {
        og_artifact_right_parse(og_stmt_col_text(st, 0), right);
        *until = og_stmt_col_is_null(st, 1) ? 0 : og_stmt_col_int(st, 1);
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Combine role and grant; client viewers never get more than read. */
static og_artifact_right combine(og_role role, og_artifact_right grant, int64_t until, char *why,
                                 size_t whysz)
{
    og_artifact_right r = role_right(role);
    char t[OG_TIME_LEN];
    if (grant > r) {
        r = grant;
        if (role == OG_ROLE_CLIENT_VIEWER && r > OG_RIGHT_READ)
            r = OG_RIGHT_READ;
        if (until) {
            og_time_format(until, t);
            snprintf(why, whysz, "grant %s until %s", og_artifact_right_name(grant), t);
        } else {
            snprintf(why, whysz, "grant %s", og_artifact_right_name(grant));
        }
    } else {
        snprintf(why, whysz, "role %s", og_role_name(role));
    }
    return r;
}

int og_artifacts__right(og_ctx *ctx, const char *tenant_id, const char *project_id,
                        og_artifact_right *out, char *why, size_t whysz)
{
    og_artifact_right g;
    int64_t until;
    int error;
    char dummy[8];
    if (!why) {
        why = dummy;
        whysz = sizeof(dummy);
    }
    *out = OG_RIGHT_NONE;
    if (og_actor_is_platform(&ctx->actor)) {
        *out = OG_RIGHT_ADMIN;
        snprintf(why, whysz, "platform");
        return 0;
    }
    if (strcmp(ctx->actor.tenant_id, tenant_id) != 0)
        return 0;
    if ((error = grant_of(ctx, project_id, ctx->actor.user_id, &g, &until)) < 0)
        return error;
    *out = combine(ctx->actor.role, g, until, why, whysz);
    return 0;
}

#define PROJECT_COLS "id, tenant_id, key, name, created_at, created_by, archived_at"

static void project_from_row(og_stmt *st, og_project *p)
{
    const char *archived = og_stmt_col_text(st, 6);
    memset(p, 0, sizeof(*p));
    og_strlcpy(p->id, og_stmt_col_text(st, 0), sizeof(p->id));
    og_strlcpy(p->tenant_id, og_stmt_col_text(st, 1), sizeof(p->tenant_id));
    og_strlcpy(p->key, og_stmt_col_text(st, 2), sizeof(p->key));
    og_strlcpy(p->name, og_stmt_col_text(st, 3), sizeof(p->name));
    og_strlcpy(p->created_at, og_stmt_col_text(st, 4), sizeof(p->created_at));
    og_strlcpy(p->created_by, og_stmt_col_text(st, 5), sizeof(p->created_by));
    og_strlcpy(p->archived_at, archived ? archived : "", sizeof(p->archived_at));
}

static int project_find(og_ctx *ctx, const char *tenant_id, const char *key, og_project *p)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT " PROJECT_COLS
                                " FROM art_projects WHERE tenant_id = ? AND key = ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, key);
    if ((error = og_stmt_step(st)) == OG_ROW) {
        project_from_row(st, p);
        error = 0;
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "project '%s' not found", key);
    }
    og_stmt_free(st);
    return error;
}

int og_artifacts__scope(og_ctx *ctx, const char *tenant, const char *project,
                        og_artifact_right need, art_scope *out)
{
    int error;
    char why[128];
    memset(out, 0, sizeof(*out));
    if (!project || !*project)
        return og_error_set(OG_EINVAL, "missing project: no project key given");
    if ((error = og_artifacts__tenant(ctx, tenant, out->tenant_id)) < 0)
        return error;
    if ((error = project_find(ctx, out->tenant_id, project, &out->project)) < 0)
        return error;
    if ((error = og_artifacts__right(ctx, out->tenant_id, out->project.id, &out->right, why,
                                     sizeof(why))) < 0)
        return error;
    /* No right at all: the project does not exist for this actor. */
    if (out->right == OG_RIGHT_NONE)
        return og_error_set(OG_ENOTFOUND, "project '%s' not found", project);
    out->published_only =
        ctx->actor.kind == OG_ACTOR_USER && ctx->actor.role == OG_ROLE_CLIENT_VIEWER;
    if (out->right < need)
        return og_error_set(OG_EDENIED, "this needs the %s right on project '%s'; you have %s (%s)",
                            og_artifact_right_name(need), project,
                            og_artifact_right_name(out->right), why);
    /* Archived projects are read-only: every change of content or state asks for write (admin
     * is for governance: holds, grants, purge, which go on). */
    if (need == OG_RIGHT_WRITE && out->project.archived_at[0])
        return og_error_set(OG_ECONFLICT,
                            "project '%s' is archived (since %s) and read-only: unarchive it "
                            "to change it",
                            project, out->project.archived_at);
    return 0;
}

int og_artifact_may(og_ctx *ctx, const char *tenant, const char *project, og_artifact_op op)
{
    art_scope sc;
    int error;
    switch (op) {
    case OG_ARTIFACT_OP_SET_STATE:
        return og_artifacts__scope(ctx, tenant, project, OG_RIGHT_WRITE, &sc);
    case OG_ARTIFACT_OP_HOLD_SET:
    case OG_ARTIFACT_OP_GRANT:
        return og_artifacts__scope(ctx, tenant, project, OG_RIGHT_ADMIN, &sc);
    case OG_ARTIFACT_OP_HOLD_CLEAR:
        if ((error = og_artifacts__scope(ctx, tenant, project, OG_RIGHT_ADMIN, &sc)) < 0)
            return error;
        return og_artifacts__hold_clear_role(&ctx->actor);
    }
    return og_error_set(OG_EINVAL, "unknown artifact operation %d", (int)op);
}

/* ---- projects ---- */

json_t *og_project_to_json(const og_project *p)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s?}", "id", p->id, "key", p->key, "name",
                     p->name, "created_at", p->created_at, "created_by", p->created_by, "archived",
                     p->archived_at[0] != 0, "archived_at",
                     p->archived_at[0] ? p->archived_at : NULL);
}

int og_project_create(og_ctx *ctx, const char *tenant, const char *key, const char *name,
                      og_project *out)
{
    int error = -1;
    og_project p;
    char tenant_id[OG_ID_LEN];
    memset(&p, 0, sizeof(p));
    if ((error = og_artifacts__tenant(ctx, tenant, tenant_id)) < 0)
        return error;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_WRITE)) < 0)
        return error;
    if (!og_actor_is_platform(&ctx->actor) && ctx->actor.role != OG_ROLE_TENANT_ADMIN &&
        ctx->actor.role != OG_ROLE_PROJECT_MANAGER)
        return og_error_set(OG_EDENIED,
                            "creating projects needs the project-manager or tenant-admin role "
                            "(you are %s)",
                            og_role_name(ctx->actor.role));
    if ((error = og_name_check("project key", key, 63)) < 0 ||
        (error = og_name_check("project name", name, sizeof(p.name) - 1)) < 0)
        return error;
    if (!og_name_valid(key))
        return og_error_set(OG_EINVAL,
                            "bad project key '%s' (1 to 63 of a-z, 0-9, '.', '_', '-', starting "
                            "with a letter or digit)",
                            key ? key : "");
    if (!name || !*name || strlen(name) >= sizeof(p.name))
        return og_error_set(OG_EINVAL, "bad project name '%s' (1 to %zu bytes)", name ? name : "",
                            sizeof(p.name) - 1);
    og_id_new(p.id);
    og_strlcpy(p.tenant_id, tenant_id, sizeof(p.tenant_id));
    og_strlcpy(p.key, key, sizeof(p.key));
    og_strlcpy(p.name, name, sizeof(p.name));
    og_time_format(og_time_now_us(), p.created_at);
    og_artifacts__actor_label(&ctx->actor, p.created_by, sizeof(p.created_by));

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error =
        og_artifacts__exec(ctx,
                           "INSERT INTO art_projects (id, tenant_id, key, name, created_at,"
                           " created_by) VALUES (?, ?, ?, ?, ?, ?)",
                           "tttttt", p.id, p.tenant_id, p.key, p.name, p.created_at, p.created_by);
    if (error == OG_EEXISTS)
        og_error_set(OG_EEXISTS, "project '%s' already exists", key);
    if (error >= 0)
        error = og_artifacts__audit(ctx, tenant_id, "project.create", "project", p.id,
                                    json_pack("{s:s, s:s}", "key", p.key, "name", p.name));
    if ((error = og_store_tx_end(ctx->store, error)) < 0)
        return error;
    if (out)
        *out = p;
    return 0;
}

int og_project_get(og_ctx *ctx, const char *tenant, const char *key, og_project *out)
{
    art_scope sc;
    int error = og_artifacts__scope(ctx, tenant, key, OG_RIGHT_READ, &sc);
    if (error < 0)
        return error;
    *out = sc.project;
    return 0;
}

/* One project with the actor's right on it and why; JSON null for a project it has no right on
 * (left out of the list). */
static json_t *project_row_json(og_stmt *st, void *arg)
{
    art_rows *pa = arg;
    og_project p;
    og_artifact_right r;
    char why[128];
    project_from_row(st, &p);
    if ((pa->error = og_artifacts__right(pa->ctx, pa->tenant_id, p.id, &r, why, sizeof(why))) < 0)
        return NULL;
    if (r == OG_RIGHT_NONE)
        return json_null();
    json_t *j = og_project_to_json(&p);
    json_object_set_new(j, "right", json_string(og_artifact_right_name(r)));
    json_object_set_new(j, "via", json_string(why));
    return j;
}

static int project_list(og_ctx *ctx, const char *tenant, int all, json_t **out)
{
    og_stmt *st = NULL;
    char tenant_id[OG_ID_LEN];
    art_rows pa = {ctx, tenant_id, 0};
    int error = og_artifacts__tenant(ctx, tenant, tenant_id);
    if (error < 0 ||
        (error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " PROJECT_COLS " FROM art_projects"
                                 " WHERE tenant_id = ? AND (? <> 0 OR archived_at IS NULL)"
                                 " ORDER BY key")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_int(st, 2, all);
    if ((error = og_artifacts__collect(st, project_row_json, &pa, out)) == 0) {
        for (size_t i = json_array_size(*out); i-- > 0;)
            if (json_is_null(json_array_get(*out, i)))
                json_array_remove(*out, i);
    }
    og_stmt_free(st);
    return error;
}

int og_project_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    return project_list(ctx, tenant, 0, out);
}

int og_project_list_all(og_ctx *ctx, const char *tenant, json_t **out)
{
    return project_list(ctx, tenant, 1, out);
}

/* The change itself, inside project_change's transaction: the row and the audit record. */
static int project_change_row(og_ctx *ctx, const art_scope *sc, const char *name, int archive,
                              const char *now, const char *by)
{
    int error;
    json_t *analysis;
    if (name) {
        if (sc->project.archived_at[0])
            return og_error_set(OG_ECONFLICT,
                                "project '%s' is archived and read-only: unarchive it to "
                                "rename it",
                                sc->project.key);
        if (strcmp(sc->project.name, name) == 0)
            return og_error_set(OG_ECONFLICT, "project '%s' is already named '%s'", sc->project.key,
                                name);
        error = og_artifacts__exec(ctx, "UPDATE art_projects SET name = ? WHERE id = ?", "tt", name,
                                   sc->project.id);
        analysis = json_pack("{s:s, s:s, s:s}", "key", sc->project.key, "from", sc->project.name,
                             "to", name);
    } else {
        if (!!sc->project.archived_at[0] == !!archive)
            return og_error_set(OG_ECONFLICT, "project '%s' is %s", sc->project.key,
                                archive ? "already archived" : "not archived");
        error =
            og_artifacts__exec(ctx,
                               "UPDATE art_projects SET archived_at = ?, archived_by = ?"
                               " WHERE id = ?",
                               "ttt", archive ? now : NULL, archive ? by : NULL, sc->project.id);
        analysis = archive ? json_pack("{s:s}", "key", sc->project.key)
                           : json_pack("{s:s, s:s}", "key", sc->project.key, "archived_at",
                                       sc->project.archived_at);
    }
    if (error < 0) {
        json_decref(analysis);
        return error;
    }
    return og_artifacts__audit(ctx, sc->tenant_id,
                               name      ? "project.rename"
                               : archive ? "project.archive"
                                         : "project.unarchive",
                               "project", sc->project.id, analysis);
}

/* Rename (name != NULL) or archive/unarchive (archive 1/0) a project. */
static int project_change(og_ctx *ctx, const char *tenant, const char *key, const char *name,
                          int archive, og_project *out)
{
    int error = -1;
    art_scope sc;
    char now[OG_TIME_LEN], by[160];
    if (name && (!*name || strlen(name) >= sizeof(sc.project.name)))
        return og_error_set(OG_EINVAL, "bad project name '%s' (1 to %zu bytes)", name,
                            sizeof(sc.project.name) - 1);
    if ((error = og_artifacts__scope(ctx, tenant, key, OG_RIGHT_READ, &sc)) < 0)
        return error;
    if (!og_actor_is_platform(&ctx->actor) && ctx->actor.role != OG_ROLE_TENANT_ADMIN &&
        ctx->actor.role != OG_ROLE_PROJECT_MANAGER)
        return og_error_set(OG_EDENIED,
                            "%s projects needs the project-manager or tenant-admin role "
                            "(you are %s)",
                            name      ? "renaming"
                            : archive ? "archiving"
                                      : "unarchiving",
                            og_role_name(ctx->actor.role));
    og_time_format(og_time_now_us(), now);
    og_artifacts__actor_label(&ctx->actor, by, sizeof(by));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    /* Again inside the transaction: a concurrent archive must not be missed. */
    if ((error = project_find(ctx, sc.tenant_id, sc.project.key, &sc.project)) >= 0)
        error = project_change_row(ctx, &sc, name, archive, now, by);
    if ((error = og_store_tx_end(ctx->store, error)) < 0)
        return error;
    if (name)
        og_strlcpy(sc.project.name, name, sizeof(sc.project.name));
    else
        og_strlcpy(sc.project.archived_at, archive ? now : "", sizeof(sc.project.archived_at));
    if (out)
        *out = sc.project;
    return 0;
}

int og_project_rename(og_ctx *ctx, const char *tenant, const char *key, const char *name,
                      og_project *out)
{
    if (!name)
        return og_error_set(OG_EINVAL, "missing project name");
    return project_change(ctx, tenant, key, name, 0, out);
}

int og_project_archive(og_ctx *ctx, const char *tenant, const char *key, int archive,
                       og_project *out)
{
    return project_change(ctx, tenant, key, NULL, archive, out);
}

/* ---- grants ---- */

int og_access_grant(og_ctx *ctx, const char *tenant, const char *project, const char *user,
                    og_artifact_right right, int64_t until_us)
{
    int error = -1;
    art_scope sc;
    og_user u;
    char by[160], now[OG_TIME_LEN], until_s[OG_TIME_LEN] = "";
    if (right < OG_RIGHT_READ || right > OG_RIGHT_ADMIN)
        return og_error_set(OG_EINVAL, "bad right %d", (int)right);
    if (until_us && until_us <= og_time_now_us())
        return og_error_set(OG_EINVAL, "the expiry of a grant must be in the future");
    if ((error = og_artifacts__scope(ctx, tenant, project, OG_RIGHT_ADMIN, &sc)) < 0)
        return error;
    if ((error = og_user_get(ctx, sc.tenant_id, user, &u)) < 0)
        return error;
    if (strcmp(u.state, "removed") == 0)
        return og_error_set(OG_ECONFLICT, "user '%s' was removed: it gets no grants", u.name);
    if (u.role == OG_ROLE_CLIENT_VIEWER && right != OG_RIGHT_READ)
        return og_error_set(
            OG_EINVAL, "user '%s' is a client-viewer: only the read right can be granted", u.name);
    og_artifacts__actor_label(&ctx->actor, by, sizeof(by));
    og_time_format(og_time_now_us(), now);
    if (until_us)
        og_time_format(until_us, until_s);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error =
        og_artifacts__exec(ctx,
                           "INSERT INTO art_grants (project_id, user_id, tenant_id,"
                           " user_name, access, until_us, granted_by, granted_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                           " ON CONFLICT (project_id, user_id) DO UPDATE SET"
                           " tenant_id = excluded.tenant_id, user_name = excluded.user_name,"
                           " access = excluded.access, until_us = excluded.until_us,"
                           " granted_by = excluded.granted_by, granted_at = excluded.granted_at",
                           "tttttItt", sc.project.id, u.id, sc.tenant_id, u.name,
                           og_artifact_right_name(right), until_us, by, now);
    if (error >= 0)
        error = og_artifacts__audit(ctx, sc.tenant_id, "access.grant", "project", sc.project.id,
                                    json_pack("{s:s, s:s, s:s, s:s, s:s?}", "project",
                                              sc.project.key, "user", u.name, "user_id", u.id,
                                              "right", og_artifact_right_name(right), "until",
                                              until_us ? until_s : NULL));
    error = og_store_tx_end(ctx->store, error);
    return error < 0 ? error : 0;
}

int og_access_revoke(og_ctx *ctx, const char *tenant, const char *project, const char *user)
{
    int error = -1;
    art_scope sc;
    og_user u;
    if ((error = og_artifacts__scope(ctx, tenant, project, OG_RIGHT_ADMIN, &sc)) < 0)
        return error;
    if ((error = og_user_get(ctx, sc.tenant_id, user, &u)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error = og_artifacts__exec(ctx, "DELETE FROM art_grants WHERE project_id = ? AND user_id = ?",
                               "tt", sc.project.id, u.id);
    if (error == 0 && og_store_changes(ctx->store) == 0)
        error = og_error_set(OG_ENOTFOUND, "user '%s' has no grant on project '%s'", u.name,
                             sc.project.key);
    if (error >= 0)
        error = og_artifacts__audit(ctx, sc.tenant_id, "access.revoke", "project", sc.project.id,
                                    json_pack("{s:s, s:s, s:s}", "project", sc.project.key, "user",
                                              u.name, "user_id", u.id));
    error = og_store_tx_end(ctx->store, error);
    return error < 0 ? error : 0;
}

int og_access_report(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *users = NULL, *entries = json_array(), *projects = json_array();
    char tenant_id[OG_ID_LEN], why[128], now[OG_TIME_LEN];
    size_t i, j;
    json_t *u, *p;
    if ((error = og_tenant_resolve(ctx, tenant, OG_PERM_AUDIT_READ, tenant_id)) < 0)
        goto cleanup;
    if ((error = og_user_list(ctx, tenant_id, &users)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, key FROM art_projects WHERE tenant_id = ?"
                                 " ORDER BY key")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tenant_id);
    while ((error = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(projects, json_pack("{s:s, s:s}", "id", og_stmt_col_text(st, 0),
                                                  "key", og_stmt_col_text(st, 1)));
    if (error < 0)
        goto cleanup;
    json_array_foreach(users, i, u)
    {
        og_role role;
        const char *uid = json_string_value(json_object_get(u, "id"));
        const char *uname = json_string_value(json_object_get(u, "name"));
        if (og_role_parse(json_string_value(json_object_get(u, "role")), &role) < 0 || !uid) {
            og_error_clear();
            continue;
        }
        json_array_foreach(projects, j, p)
        {
            og_artifact_right g;
            int64_t until;
            char until_s[OG_TIME_LEN];
            if ((error = grant_of(ctx, json_string_value(json_object_get(p, "id")), uid, &g,
                                  &until)) < 0)
                goto cleanup;
            og_artifact_right r = combine(role, g, until, why, sizeof(why));
            if (r == OG_RIGHT_NONE)
                continue;
            if (until)
                og_time_format(until, until_s);
            json_array_append_new(
                entries, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:s, s:s?}", "user",
                                   uname, "role", og_role_name(role), "project",
                                   json_string_value(json_object_get(p, "key")), "right",
                                   og_artifact_right_name(r), "read", 1, "write",
                                   r >= OG_RIGHT_WRITE, "admin", r >= OG_RIGHT_ADMIN,
                                   "published_only", role == OG_ROLE_CLIENT_VIEWER, "via", why,
                                   "until", (g > role_right(role) && until) ? until_s : NULL));
        }
    }
    og_time_format(og_time_now_us(), now);
    *out = json_pack("{s:s, s:s, s:O}", "tenant", tenant, "generated_at", now, "entries", entries);
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(users);
    json_decref(entries);
    json_decref(projects);
    return error;
}
