/* reseal_rows.c - re-sealing an artifact object kept as art_object_chunks rows (installations
 * without a data folder) after a tenant's data-key rotation. The object is opened under its seal id
 * and sealed again under a new one, streaming: one stored chunk in, at most two sealed chunks out
 * in memory, whatever the size. The new chunk rows, the object's row pointing at them and the
 * cursor commit in the walker's transaction, so a crash or kill -9 leaves the object as it was (the
 * rows it wrote go with the rolled-back transaction). The old chunks stay for downloads in flight,
 * which read them under the seal id they began with; their created_us is set to now so that
 * og_artifacts_chunks_sweep, which removes chunks no object names, takes them an hour later. */
#include "artifacts/objstore.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct rows_out {
    og_ctx *ctx;
    const char *tid;
    char seal_id[OG_ID_LEN];
    og_buf buf; /* sealed bytes not yet in a row: under 2 * ART_CHUNK */
    int64_t seq, created_us;
    uint64_t size;
} rows_out;

/* Write full chunks (all of buf when last) as rows of the new seal id. */
static int rows_flush(rows_out *o, int last)
{
    size_t off = 0;
    int error = 0;
    while (error == 0 && (o->buf.len - off >= ART_CHUNK || (last && o->buf.len > off))) {
        size_t n = o->buf.len - off < ART_CHUNK ? o->buf.len - off : ART_CHUNK;
        error =
            og_store_run(o->ctx->store,
                         "INSERT INTO art_object_chunks (tenant_id, seal_id, seq, created_us,"
                         " data) VALUES (?, ?, ?, ?, ?)",
                         "ttiib", o->tid, o->seal_id, o->seq, o->created_us, o->buf.data + off, n);
        error = error < 0 ? error : 0;
        o->seq++;
        off += n;
    }
    if (error == 0 && off > 0) {
        memmove(o->buf.data, o->buf.data + off, o->buf.len - off);
        o->buf.len -= off;
    }
    return error;
}

static int sealed_sink(void *arg, const void *data, size_t len)
{
    rows_out *o = arg;
    int error = og_buf_append(&o->buf, data, len);
    o->size += len;
    return error < 0 ? error : rows_flush(o, 0);
}

/* The plaintext of the old stream goes straight into the new one. */
static int plain_sink(void *arg, const void *data, size_t len)
{
    return og_crypto_stream_seal_update(arg, data, len);
}

int og_artifacts__rows_version(og_ctx *ctx, const char *tid, const char *name, const char *seal_id,
                               uint64_t stored_size, int64_t *version)
{
    art_src *src = NULL;
    uint8_t head[OG_CRYPTO_STREAM_HEADER_LEN];
    size_t have = 0, got = 0;
    char label[PATH_MAX];
    const art_objstore *rows = &og_artifacts__obj_rows;
    int error = rows->src_open(&src, ctx, tid, name, seal_id, stored_size, label);
    while (error == 0 && have < sizeof(head) &&
           (error = rows->src_read(src, head + have, sizeof(head) - have, &got)) == 0 && got)
        have += got;
    if (error == 0)
        error = og_crypto_sealed_version(head, have, 1, version);
    rows->src_free(src);
    return error;
}

/* The old chunks through the opener, one in memory at a time; whole only when this returns 0. */
static int pump(og_ctx *ctx, const char *tid, const char *name, const char *seal_id,
                uint64_t stored_size, og_crypto_stream *open)
{
    art_src *src = NULL;
    char label[PATH_MAX];
    size_t got = 0;
    const art_objstore *rows = &og_artifacts__obj_rows;
    uint8_t *buf = malloc(ART_CHUNK);
    int error = buf ? rows->src_open(&src, ctx, tid, name, seal_id, stored_size, label)
                    : og_error_set(OG_ERROR, "out of memory");
    while (error == 0 && (error = rows->src_read(src, buf, ART_CHUNK, &got)) == 0 && got)
        error = og_crypto_stream_open_update(open, buf, got);
    if (error == 0)
        error = og_crypto_stream_open_finish(open);
    rows->src_free(src);
    free(buf);
    return error;
}

int og_artifacts__reseal_rows(og_ctx *ctx, const char *tid, const char *name, const char *seal_id,
                              uint64_t stored_size)
{
    og_crypto_stream *open = NULL, *seal = NULL;
    rows_out out = {.ctx = ctx, .tid = tid, .created_us = og_time_now_us()};
    int error;
    og_id_new(out.seal_id);
    og_buf_init(&out.buf, 2 * ART_CHUNK);
    if ((error = og_crypto_stream_seal_begin(&seal, ctx->keys, ctx->store, tid, out.seal_id,
                                             sealed_sink, &out)) < 0 ||
        (error = og_crypto_stream_open_begin(&open, ctx->keys, ctx->store, tid, seal_id, plain_sink,
                                             seal)) < 0 ||
        (error = pump(ctx, tid, name, seal_id, stored_size, open)) < 0 ||
        (error = og_crypto_stream_seal_finish(seal, ctx->store)) < 0 ||
        (error = rows_flush(&out, 1)) < 0)
        goto cleanup;
    /* The object now names the new chunks; the old ones are kept an hour for readers in flight. */
    if ((error = og_store_run(ctx->store,
                              "UPDATE art_objects SET seal_id = ?, stored_size = ? WHERE"
                              " tenant_id = ? AND name = ? AND seal_id = ?",
                              "tittt", out.seal_id, (int64_t)out.size, tid, name, seal_id)) < 0)
        goto cleanup;
    if (og_store_changes(ctx->store) != 1) {
        error =
            og_error_set(OG_ECONFLICT, "artifact object %s changed while it was re-sealed", name);
        goto cleanup;
    }
    if ((error = og_store_run(ctx->store,
                              "UPDATE art_object_chunks SET created_us = ? WHERE tenant_id = ?"
                              " AND seal_id = ?",
                              "itt", out.created_us, tid, seal_id)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_crypto_stream_free(open);
    og_crypto_stream_free(seal);
    og_buf_free(&out.buf);
    return error;
}
