/* tenant_data.c - the module's side of deleting a tenant: what blocks it (legal holds,
 * retention) and removing its object files. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/error.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCKERS_NAMED     20
#define BLOCKER_REASON_MAX 120

static void append_blocker(json_t *out, json_t *b, const char *text, const char *hint)
{
    json_object_set_new(b, "text", json_string(text));
    json_object_set_new(b, "hint", json_string(hint));
    json_array_append_new(out, b);
}

/* After the error of the step loop that found n blockers of a type: those past the named ones,
 * counted in one more blocker ("%d more <what>"). */
static int blockers_end(json_t *out, int error, int n, const char *type, const char *what,
                        const char *hint)
{
    char text[128];
    if (error < 0 || n <= BLOCKERS_NAMED)
        return error < 0 ? error : 0;
    snprintf(text, sizeof(text), "%d more %s", n - BLOCKERS_NAMED, what);
    append_blocker(out, json_pack("{s:s, s:i}", "type", type, "more", n - BLOCKERS_NAMED), text,
                   hint);
    return 0;
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
    return blockers_end(out, error, n, "hold", "legal holds", hint);
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
             "SELECT " ART_ROW_COLS ", p.key, r.keep_us"
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
    return blockers_end(out, error, n, "retention", "artifacts under retention", hint);
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
