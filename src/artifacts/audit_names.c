/* audit_names.c - the names the audit trail shows next to the ids of projects and artifacts
 * (og_audit_namer_register). A project's key and display name are not secret and are recorded
 * with each record; an artifact's name is sealed at rest, so it is never recorded: it is opened
 * here only when a reader who may read the artifact lists or exports the trail. */
#include "artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

/* key and display name of a project of the tenant; 1 found, 0 not. */
static int project_of(og_ctx *ctx, const char *tenant_id, const char *id, char key[64],
                      char name[256])
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare(&st, ctx->store,
                             "SELECT key, name FROM art_projects WHERE id = ? AND tenant_id = ?");
    if (rc < 0)
        return rc;
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, tenant_id);
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(key, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "", 64);
        og_strlcpy(name, og_stmt_col_text(st, 1) ? og_stmt_col_text(st, 1) : "", 256);
        rc = 1;
    } else if (rc == OG_DONE) {
        rc = 0;
    }
    og_stmt_free(st);
    return rc;
}

/* "fw" or "fw (Firewall refresh)" */
static int project_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    char key[64], name[256];
    int rc;
    if (!tenant_id || (rc = project_of(ctx, tenant_id, id, key, name)) <= 0)
        return tenant_id ? rc : 0;
    if (name[0] && !og_streq(name, key))
        snprintf(out, size, "%s (%s)", key, name);
    else
        snprintf(out, size, "%s", key);
    return 1;
}

/* "fw/sow.pdf": only for a reader with the read right on the project, and the tenant's keys. */
static int artifact_name(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    og_stmt *st = NULL;
    char project_id[OG_ID_LEN] = "", key[64], pname[256];
    og_artifact_right right = OG_RIGHT_NONE;
    art_row a;
    int rc;
    if (!tenant_id || !ctx->keys)
        return 0;
    if ((rc = og_stmt_prepare(
             &st, ctx->store,
             "SELECT project_id FROM art_artifacts WHERE id = ? AND tenant_id = ?")) < 0)
        return rc;
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, tenant_id);
    if ((rc = og_stmt_step(st)) == OG_ROW)
        og_strlcpy(project_id, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "",
                   sizeof(project_id));
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    if (!project_id[0])
        return 0;
    if ((rc = og_artifacts__right(ctx, tenant_id, project_id, &right, NULL, 0)) < 0)
        return rc;
    if (right < OG_RIGHT_READ)
        return 0;
    if ((rc = project_of(ctx, tenant_id, project_id, key, pname)) <= 0)
        return rc;
    if ((rc = og_artifacts__load(ctx, tenant_id, id, &a)) < 0)
        return rc == OG_ENOTFOUND ? (og_error_clear(), 0) : rc;
    snprintf(out, size, "%s/%s", key, a.name);
    og_artifacts__row_free(&a);
    return 1;
}

int og_artifacts_audit_names_register(void)
{
    int error;
    if ((error = og_audit_namer_register("project", project_name, 0)) < 0 ||
        (error = og_audit_namer_register("artifact", artifact_name, OG_AUDIT_NAME_SEALED)) < 0)
        return error;
    return 0;
}
