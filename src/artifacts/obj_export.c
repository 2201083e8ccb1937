/* obj_export.c - the rows store's objects into a data folder's files (a backup of a PostgreSQL
 * installation restored into a data folder): each object whose sealed bytes are art_object_chunks
 * rows is written as the same sealed bytes to its file (as the files store names it), then its
 * chunk rows go. Nothing is decrypted or re-sealed: the inverse of obj_import.c. */
#include "artifacts/artifacts_internal.h"
#include "artifacts/objstore.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_PIECE ((size_t)256 * 1024)

/* One object: its chunk rows, as stored, into its file; then the rows deleted. */
static int export_one(og_ctx *folder, og_ctx *rows_ctx, const art_obj_ref *o, uint8_t *buf)
{
    const art_objstore *files = &og_artifacts__obj_files, *rows = &og_artifacts__obj_rows;
    art_src *src = NULL;
    art_spill *sp = NULL;
    char label[PATH_MAX];
    size_t got;
    uint64_t total = 0;
    int error, committed = 0;
    if ((error = rows->src_open(&src, rows_ctx, o->tid, o->name, o->seal, (uint64_t)o->size,
                                label)) < 0 ||
        (error = files->spill_open(&sp, folder, o->tid, o->seal)) < 0)
        goto cleanup;
    for (;;) {
        if ((error = rows->src_read(src, buf, EXPORT_PIECE, &got)) < 0)
            goto cleanup;
        if (got == 0)
            break;
        total += got;
        if ((error = files->spill_write(sp, buf, got)) < 0)
            goto cleanup;
    }
    if (total != (uint64_t)o->size) {
        error = og_error_set(OG_ECORRUPT, "%s holds %llu bytes, its row says %lld", label,
                             (unsigned long long)total, (long long)o->size);
        goto cleanup;
    }
    if ((error = files->spill_end(sp)) < 0 || (error = files->spill_commit(sp, o->name)) < 0)
        goto cleanup;
    committed = 1;
    error = og_store_run(folder->store,
                         "DELETE FROM art_object_chunks WHERE tenant_id = ? AND seal_id = ?", "tt",
                         o->tid, o->seal);
    error = error < 0 ? error : 0;
cleanup:
    rows->src_free(src);
    if (sp)
        files->spill_free(sp, committed);
    return error;
}

int og_artifacts__obj_next_batch(og_store *s, const char *tid, const char *name, int chunked,
                                 art_obj_ref *p, int *n)
{
    og_stmt *st = NULL;
    int rc;
    *n = 0;
    rc = og_stmt_prepare_args(&st, s,
                              chunked ? "SELECT o.tenant_id, o.name, o.seal_id, o.stored_size FROM"
                                        " art_objects o WHERE o.inline IS NULL AND (o.tenant_id >"
                                        " ? OR (o.tenant_id = ? AND o.name > ?)) AND EXISTS"
                                        " (SELECT 1 FROM art_object_chunks c WHERE c.tenant_id ="
                                        " o.tenant_id AND c.seal_id = o.seal_id) ORDER BY"
                                        " o.tenant_id, o.name LIMIT ?"
                                      : "SELECT o.tenant_id, o.name, o.seal_id, o.stored_size FROM"
                                        " art_objects o WHERE o.inline IS NULL AND (o.tenant_id >"
                                        " ? OR (o.tenant_id = ? AND o.name > ?)) AND NOT EXISTS"
                                        " (SELECT 1 FROM art_object_chunks c WHERE c.tenant_id ="
                                        " o.tenant_id AND c.seal_id = o.seal_id) ORDER BY"
                                        " o.tenant_id, o.name LIMIT ?",
                              "ttti", tid, tid, name, (int64_t)OG_ARTIFACTS__OBJ_BATCH);
    while (rc >= 0 && (rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(p[*n].tid, og_stmt_col_text(st, 0), sizeof(p[*n].tid));
        og_strlcpy(p[*n].name, og_stmt_col_text(st, 1), sizeof(p[*n].name));
        og_strlcpy(p[*n].seal, og_stmt_col_text(st, 2), sizeof(p[*n].seal));
        p[(*n)++].size = og_stmt_col_int(st, 3);
    }
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

int og_artifacts_objects_export(og_ctx *folder, int64_t *objects, int64_t *bytes)
{
    og_ctx rows_ctx = *folder;
    uint8_t *buf = NULL;
    art_obj_ref *p = NULL;
    char tid[OG_ID_LEN] = "", name[80] = "";
    int error = 0, n;
    *objects = *bytes = 0;
    if (!folder->data_dir || !*folder->data_dir)
        return og_error_set(OG_EINVAL, "no data folder to write objects to");
    rows_ctx.data_dir = NULL;
    if (!(buf = malloc(EXPORT_PIECE)) || !(p = calloc(OG_ARTIFACTS__OBJ_BATCH, sizeof(*p)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    do {
        if ((error = og_artifacts__obj_next_batch(folder->store, tid, name, 1, p, &n)) < 0)
            goto cleanup;
        for (int i = 0; i < n; i++) {
            if ((error = export_one(folder, &rows_ctx, &p[i], buf)) < 0) {
                og_error_wrap("exporting artifact object %s of tenant %s", p[i].name, p[i].tid);
                goto cleanup;
            }
            ++*objects;
            *bytes += p[i].size;
            og_strlcpy(tid, p[i].tid, sizeof(tid));
            og_strlcpy(name, p[i].name, sizeof(name));
        }
    } while (n == OG_ARTIFACTS__OBJ_BATCH);
cleanup:
    free(buf);
    free(p);
    return error;
}
