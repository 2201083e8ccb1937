/* obj_import.c - a data folder's object files into the rows store (`opsgate migrate`): the rows
 * of art_objects were copied already (og_store_copy); each object they name that is not inline is
 * read from DATA/objects as sealed, and written as the same sealed bytes into art_object_chunks
 * under its seal id. Nothing is decrypted or re-sealed: the data keys moved with the rows. */
#include "artifacts/artifacts_internal.h"
#include "artifacts/objstore.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <limits.h>
#include <string.h>

#define IMPORT_PIECE 65536

typedef struct import_arg {
    og_ctx *to, *from;
} import_arg;

/* One object: its file's bytes, as stored, into chunk rows. */
static int import_one(const art_obj_ref *o, uint8_t *buf, void *arg)
{
    const import_arg *a = arg;
    return og_artifacts__obj_copy(&og_artifacts__obj_files, a->from, &og_artifacts__obj_rows, a->to,
                                  o, buf, IMPORT_PIECE);
}

int og_artifacts_objects_import(og_ctx *to, const char *data_dir, int64_t *objects, int64_t *bytes)
{
    og_ctx from = *to;
    import_arg a = {to, &from};
    *objects = *bytes = 0;
    if (to->data_dir)
        return og_error_set(OG_EINVAL,
                            "the target keeps its objects in a folder: nothing to import");
    if (!data_dir || !*data_dir)
        return og_error_set(OG_EINVAL, "no data folder to import objects from");
    from.data_dir = data_dir;
    return og_artifacts__obj_each(to->store, 0, IMPORT_PIECE, "importing", import_one, &a, objects,
                                  bytes);
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
