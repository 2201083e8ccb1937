/* objstore.h - where an object's sealed bytes live when they do not fit its row (object.c): two
 * implementations behind one interface, chosen by the context. Private to the artifacts module. */
#ifndef OPSGATE_ARTIFACTS_OBJSTORE_H
#define OPSGATE_ARTIFACTS_OBJSTORE_H

#include "artifacts/artifacts_internal.h"

#include <stddef.h>
#include <stdint.h>

/* Sealed forms up to this size stay in art_objects.inline, whichever store holds larger ones. */
#define ART_INLINE_MAX ((size_t)256 * 1024)
/* The rows store cuts the sealed stream into art_object_chunks rows of this size (the last one
 * shorter): upload and download hold one chunk at a time. */
#define ART_CHUNK ((size_t)256 * 1024)

/*
 * files (a data folder: ctx->data_dir set): DATA/objects/<tenant-id>/<2 hex>/<name>; the sealed
 * bytes go to a locked temporary file, fsynced, renamed into place when the transaction records
 * the object, unlinked after the transaction that deletes its row.
 * rows (no data folder: ctx->data_dir NULL): art_object_chunks(tenant_id, seal_id, seq, data),
 * staged in an anonymous temporary file while the upload streams (no store is held then), written
 * when it ends, each row committed by itself and reachable only once the object's row
 * (art_objects, same seal id) is committed with the version; an upload that fails, or whose
 * content was stored already, deletes its chunks; a crash leaves unreachable chunks that
 * og_artifacts_chunks_sweep removes. The chunks go in the transaction that deletes the object's
 * row.
 */
typedef struct art_spill art_spill; /* the bytes of one object being written */
typedef struct art_src art_src;     /* the bytes of one stored object being read */

typedef struct art_objstore {
    const char *name;     /* "files" or "rows" */
    int reads_need_store; /* src_read uses the context's store (an open source alone does not) */
    int (*spill_open)(art_spill **out, og_ctx *ctx, const char *tenant_id, const char *seal_id);
    int (*spill_write)(art_spill *s, const void *data, size_t len);
    int (*spill_end)(art_spill *s); /* everything written and durable */
    /* Inside the transaction that inserted the object's row: the bytes become the object name's. */
    int (*spill_commit)(art_spill *s, const char *name);
    /* That transaction failed after spill_commit: undo what it did outside the database. */
    void (*spill_undo)(art_spill *s, const char *name);
    /* After the upload's transaction, or its failure, with the store at hand: drop the bytes
     * unless they were committed (and not undone). */
    int (*spill_discard)(art_spill *s);
    /* committed == 0: drop the bytes (best effort). Frees s; NULL-safe. */
    void (*spill_free)(art_spill *s, int committed);
    /* label (PATH_MAX bytes) names the object in messages. */
    int (*src_open)(art_src **out, og_ctx *ctx, const char *tenant_id, const char *name,
                    const char *seal_id, uint64_t stored_size, char *label);
    /* *got = 0 at the end of the stored bytes. */
    int (*src_read)(art_src *s, void *buf, size_t cap, size_t *got);
    void (*src_free)(art_src *s); /* NULL-safe */
    /* Inside the transaction deleting the object's row, before that row goes. */
    int (*remove_rows)(og_ctx *ctx, const char *tenant_id, const char *seal_id);
    /* After that transaction committed. Best effort. */
    void (*remove_after)(og_ctx *ctx, const char *tenant_id, const char *name);
} art_objstore;

/* An anonymous temporary file (under $TMPDIR, else /tmp; gone when closed) for ciphertext. */
int og_artifacts__tmpfile(int *fd);
/* read()/write() whole, retried on EINTR; what names the file in messages. */
int og_artifacts__fd_read(int fd, void *buf, size_t cap, size_t *got, const char *what);
int og_artifacts__fd_write(int fd, const void *data, size_t len, const char *what);

extern const art_objstore og_artifacts__obj_files;
extern const art_objstore og_artifacts__obj_rows;
/* Re-sealing an object of the rows store after a data-key rotation (reseal_rows.c): the data-key
 * version its stream names, and the object sealed anew under a new seal id (new chunk rows and the
 * object's row, in the caller's transaction; the old chunks are left to the sweep an hour later,
 * for downloads in flight). Memory stays at a few chunks. */
int og_artifacts__rows_version(og_ctx *ctx, const char *tid, const char *name, const char *seal_id,
                               uint64_t stored_size, int64_t *version);
int og_artifacts__reseal_rows(og_ctx *ctx, const char *tid, const char *name, const char *seal_id,
                              uint64_t stored_size);

/* One object's sealed bytes, as stored, from one store to the other through buf (piece bytes):
 * OG_ECORRUPT unless there are o->size of them; committed to the target under o->name (obj_move.c).
 */
int og_artifacts__obj_copy(const art_objstore *from, og_ctx *from_ctx, const art_objstore *to,
                           og_ctx *to_ctx, const art_obj_ref *o, uint8_t *buf, size_t piece);

/* The store of the context: rows when there is no data folder. */
static inline const art_objstore *og_artifacts__objstore(const og_ctx *ctx)
{
    return ctx->data_dir ? &og_artifacts__obj_files : &og_artifacts__obj_rows;
}

#endif
