/* obj_move.c - moving objects' sealed bytes between the two stores (obj_export.c, obj_import.c):
 * the walk over the objects to move, a batch at a time, and the copy of one object's bytes as
 * stored. Nothing is decrypted or re-sealed. */
#include "artifacts/artifacts_internal.h"
#include "artifacts/objstore.h"
#include "opsgate/error.h"

#include <limits.h>
#include <stdlib.h>

/* The next batch of up to OG_ARTIFACTS__OBJ_BATCH objects outside their row after (tid, name), in
 * order, read whole before any is written (one statement open at a time on the connection): those
 * whose sealed bytes are in chunk rows (chunked 1) or in neither chunk rows nor their row
 * (chunked 0). */
static int next_batch(og_store *s, const char *tid, const char *name, int chunked, art_obj_ref *p,
                      int *n)
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

int og_artifacts__obj_each(og_store *s, int chunked, size_t piece, const char *verb, art_obj_fn fn,
                           void *arg, int64_t *objects, int64_t *bytes)
{
    uint8_t *buf = NULL;
    art_obj_ref *p = NULL;
    char tid[OG_ID_LEN] = "", name[80] = "";
    int error = 0, n;
    *objects = *bytes = 0;
    if (!(buf = malloc(piece)) || !(p = calloc(OG_ARTIFACTS__OBJ_BATCH, sizeof(*p)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    do {
        if ((error = next_batch(s, tid, name, chunked, p, &n)) < 0)
            goto cleanup;
        for (int i = 0; i < n; i++) {
            if ((error = fn(&p[i], buf, arg)) < 0) {
                og_error_wrap("%s artifact object %s of tenant %s", verb, p[i].name, p[i].tid);
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

int og_artifacts__obj_copy(const art_objstore *from, og_ctx *from_ctx, const art_objstore *to,
                           og_ctx *to_ctx, const art_obj_ref *o, uint8_t *buf, size_t piece)
{
    art_src *src = NULL;
    art_spill *sp = NULL;
    char label[PATH_MAX];
    size_t got;
    uint64_t total = 0;
    int error, committed = 0;
    if ((error = from->src_open(&src, from_ctx, o->tid, o->name, o->seal, (uint64_t)o->size,
                                label)) < 0 ||
        (error = to->spill_open(&sp, to_ctx, o->tid, o->seal)) < 0)
        goto cleanup;
    for (;;) {
        if ((error = from->src_read(src, buf, piece, &got)) < 0)
            goto cleanup;
        if (got == 0)
            break;
        total += got;
        if ((error = to->spill_write(sp, buf, got)) < 0)
            goto cleanup;
    }
    if (total != (uint64_t)o->size) {
        /* The files store's label is the file's path; the rows store's names the object. */
        error = og_error_set(OG_ECORRUPT, "%s%s%s holds %llu bytes, its row says %lld",
                             from == &og_artifacts__obj_files ? "object file '" : "", label,
                             from == &og_artifacts__obj_files ? "'" : "", (unsigned long long)total,
                             (long long)o->size);
        goto cleanup;
    }
    if ((error = to->spill_end(sp)) < 0 || (error = to->spill_commit(sp, o->name)) < 0)
        goto cleanup;
    committed = 1;
cleanup:
    from->src_free(src);
    if (sp)
        to->spill_free(sp, committed);
    return error;
}
