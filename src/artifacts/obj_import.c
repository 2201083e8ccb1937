/* obj_import.c - a data folder's object files into the rows store (`opsgate migrate`): the rows
 * of art_objects were copied already (og_store_copy); each object they name that is not inline is
 * read from DATA/objects as sealed, and written as the same sealed bytes into art_object_chunks
 * under its seal id. Nothing is decrypted or re-sealed: the data keys moved with the rows. */
#include "artifacts/artifacts_internal.h"
#include "artifacts/objstore.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_PIECE 65536

/* One object: its file's bytes, as stored, into chunk rows. */
static int import_one(og_ctx *to, og_ctx *from, const char *tid, const char *name,
                      const char *seal_id, uint64_t stored_size, uint8_t *buf)
{
    const art_objstore *files = &og_artifacts__obj_files, *rows = &og_artifacts__obj_rows;
    art_src *src = NULL;
    art_spill *sp = NULL;
    char label[PATH_MAX];
    size_t got;
    uint64_t total = 0;
    int error, committed = 0;
    if ((error = files->src_open(&src, from, tid, name, seal_id, stored_size, label)) < 0 ||
        (error = rows->spill_open(&sp, to, tid, seal_id)) < 0)
        goto cleanup;
    for (;;) {
        if ((error = files->src_read(src, buf, IMPORT_PIECE, &got)) < 0)
            goto cleanup;
        if (got == 0)
            break;
        total += got;
        if ((error = rows->spill_write(sp, buf, got)) < 0)
            goto cleanup;
    }
    if (total != stored_size) {
        error = og_error_set(OG_ECORRUPT, "object file '%s' holds %llu bytes, its row says %llu",
                             label, (unsigned long long)total, (unsigned long long)stored_size);
        goto cleanup;
    }
    if ((error = rows->spill_end(sp)) < 0 || (error = rows->spill_commit(sp, name)) < 0)
        goto cleanup;
    committed = 1;
cleanup:
    files->src_free(src);
    if (sp)
        rows->spill_free(sp, committed);
    return error;
}

int og_artifacts_objects_import(og_ctx *to, const char *data_dir, int64_t *objects, int64_t *bytes)
{
    og_ctx from = *to;
    uint8_t *buf = NULL;
    art_obj_ref *p = NULL;
    char tid[OG_ID_LEN] = "", name[80] = "";
    int error = 0, n;
    *objects = *bytes = 0;
    if (to->data_dir)
        return og_error_set(OG_EINVAL,
                            "the target keeps its objects in a folder: nothing to import");
    if (!data_dir || !*data_dir)
        return og_error_set(OG_EINVAL, "no data folder to import objects from");
    from.data_dir = data_dir;
    if (!(buf = malloc(IMPORT_PIECE)) || !(p = calloc(OG_ARTIFACTS__OBJ_BATCH, sizeof(*p)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    do {
        if ((error = og_artifacts__obj_next_batch(to->store, tid, name, 0, p, &n)) < 0)
            goto cleanup;
        for (int i = 0; i < n; i++) {
            if ((error = import_one(to, &from, p[i].tid, p[i].name, p[i].seal, (uint64_t)p[i].size,
                                    buf)) < 0) {
                og_error_wrap("importing artifact object %s of tenant %s", p[i].name, p[i].tid);
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

int og_artifacts_object_files(og_ctx *ctx, og_artifacts_file_fn fn, void *arg)
{
    og_stmt *st = NULL;
    char path[PATH_MAX];
    size_t dlen;
    int rc;
    if (!ctx->data_dir || !*ctx->data_dir)
        return og_error_set(OG_EINVAL, "objects live in the database here: there are no files");
    dlen = strlen(ctx->data_dir);
    rc = og_stmt_prepare(&st, ctx->store,
                         "SELECT tenant_id, name, stored_size FROM art_objects WHERE inline IS NULL"
                         " ORDER BY tenant_id, name");
    while (rc >= 0 && (rc = og_stmt_step(st)) == OG_ROW) {
        if ((rc = og_artifacts__obj_path(path, sizeof(path), ctx, og_stmt_col_text(st, 0),
                                         og_stmt_col_text(st, 1))) < 0)
            break;
        if (strncmp(path, ctx->data_dir, dlen) != 0 || path[dlen] != '/') {
            rc = og_error_set(OG_ERROR, "object path '%s' is outside the data folder", path);
            break;
        }
        if ((rc = fn(path + dlen + 1, og_stmt_col_int(st, 2), arg)) < 0)
            break;
    }
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}
