/* read_id.c - a version's content by the artifact's id, for the system's readers (event handlers
 * get ids in their events: names are sealed at rest and never travel in an event). */
#include "artifacts/artifacts_internal.h"
#include "opsgate/error.h"

#include <string.h>

int og_artifact_read_id(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                        int64_t version, size_t cap, char name[OG_ARTIFACT_NAME_MAX + 1],
                        og_artifact_version *info, og_buf *out)
{
    art_row a;
    og_stmt *st = NULL;
    og_artifact_reader *r = NULL;
    char key[128] = "", chunk[16384];
    size_t got = 0;
    int error;
    og_buf_init(out, cap);
    if ((error = og_artifacts__load(ctx, tenant_id, artifact_id, &a)) < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store, "SELECT key FROM art_projects WHERE id = ?",
                                      "t", a.project_id)) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) != OG_ROW) {
        error = error < 0 ? error : og_error_set(OG_ENOTFOUND, "artifact %s: no project", a.id);
        goto cleanup;
    }
    og_strlcpy(key, og_stmt_col_text(st, 0), sizeof(key));
    og_strlcpy(name, a.name, OG_ARTIFACT_NAME_MAX + 1);
    og_artifact_ref ref = {.tenant = tenant_id, .project = key, .name = a.name};
    if ((error = og_artifact_get_open(&r, ctx, &ref, version, info)) < 0)
        goto cleanup;
    while ((error = og_artifact_get_read(r, chunk, sizeof(chunk), &got)) == 0 && got > 0)
        if ((error = og_buf_append(out, chunk, got)) < 0)
            break;
cleanup:
    if (error < 0)
        og_buf_free(out);
    og_artifact_get_close(r);
    og_stmt_free(st);
    og_artifacts__row_free(&a);
    return error < 0 ? error : 0;
}
