/* obj_export.c - the rows store's objects into a data folder's files (a backup of a PostgreSQL
 * installation restored into a data folder): each object whose sealed bytes are art_object_chunks
 * rows is written as the same sealed bytes to its file (as the files store names it), then its
 * chunk rows go. Nothing is decrypted or re-sealed: the inverse of obj_import.c. */
#include "artifacts/artifacts_internal.h"
#include "artifacts/objstore.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#define EXPORT_PIECE ((size_t)256 * 1024)

typedef struct export_arg {
    og_ctx *folder, *rows_ctx;
} export_arg;

/* One object: its chunk rows, as stored, into its file; then the rows deleted. */
static int export_one(const art_obj_ref *o, uint8_t *buf, void *arg)
{
    const export_arg *a = arg;
    int error;
    if ((error =
             og_artifacts__obj_copy(&og_artifacts__obj_rows, a->rows_ctx, &og_artifacts__obj_files,
                                    a->folder, o, buf, EXPORT_PIECE)) < 0)
        return error;
    error = og_store_run(a->folder->store,
                         "DELETE FROM art_object_chunks WHERE tenant_id = ? AND seal_id = ?", "tt",
                         o->tid, o->seal);
    return error < 0 ? error : 0;
}

int og_artifacts_objects_export(og_ctx *folder, int64_t *objects, int64_t *bytes)
{
    og_ctx rows_ctx = *folder;
    export_arg a = {folder, &rows_ctx};
    *objects = *bytes = 0;
    if (!folder->data_dir || !*folder->data_dir)
        return og_error_set(OG_EINVAL, "no data folder to write objects to");
    rows_ctx.data_dir = NULL;
    return og_artifacts__obj_each(folder->store, 1, EXPORT_PIECE, "exporting", export_one, &a,
                                  objects, bytes);
}
