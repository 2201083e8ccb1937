/* object.c - content-addressed object storage: zstd-compressed, sealed with the tenant key in a
 * stream; small objects kept in their row, larger ones in the context's object store (objstore.h:
 * files in the data folder, or chunk rows without one) under a name that is a keyed hash of the
 * content's SHA-256; decoding with flat memory. */
#include "artifacts/objstore.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <zstd.h>

/*
 * Names: hex HMAC-SHA256(tenant name key, "object" NUL sha256-hex), so names say nothing of the
 * content, and the same content in two tenants has unrelated names. Each object is one sealed
 * stream (crypto.h) of one zstd frame; the stream's object id is a random seal id kept in
 * art_objects, so bytes copied over another object's fail to open. Only ciphertext is ever
 * written, temporary files and chunk rows included.
 *
 * Objects whose sealed form fits in ART_INLINE_MAX bytes are kept in art_objects.inline instead
 * of the object store: the same ciphertext, committed with the version in one transaction and one
 * fsync instead of three (file, folder, database). Most documents are small; a file per version
 * would make committing a version cost more than git does.
 */
#define ZLEVEL     3
#define READ_PIECE 16384 /* ciphertext read per refill: at most one sealed chunk comes out */

int og_artifacts__obj_name(const art_keys *k, const uint8_t sha[32], char name[65])
{
    char hex[65];
    og_hex_encode(sha, 32, hex);
    return og_artifacts__mac_hex(k->name, "object", hex, name);
}

/* ---- compression contexts ----
 * A compression context's tables take a few MiB to allocate and clear; one context kept per
 * thread and reset between objects saves that on every version. A context in use is taken out of
 * the slot, so nesting (never expected) just allocates another. */
enum { SPARE_C, SPARE_D };
static _Thread_local void *spare[2]; /* SPARE_C: a ZSTD_CCtx, SPARE_D: a ZSTD_DCtx */
/* The keys free a thread's spare contexts when the thread exits (the server's worker threads). */
static pthread_key_t spare_key[2];
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static void free_cctx(void *p)
{
    ZSTD_freeCCtx(p);
}

static void free_dctx(void *p)
{
    ZSTD_freeDCtx(p);
}

static void (*const spare_free[2])(void *) = {free_cctx, free_dctx};

static void keys_init(void)
{
    pthread_key_create(&spare_key[SPARE_C], free_cctx);
    pthread_key_create(&spare_key[SPARE_D], free_dctx);
}

/* The thread's spare context of kind i, taken out of its slot (NULL when there is none). */
static void *spare_take(int i)
{
    void *z = spare[i];
    pthread_once(&keys_once, keys_init);
    spare[i] = NULL;
    pthread_setspecific(spare_key[i], NULL);
    return z;
}

/* Keep z as the thread's spare of kind i, or free it when the slot is full. */
static void spare_give(int i, void *z)
{
    if (!z)
        return;
    pthread_once(&keys_once, keys_init);
    if (spare[i]) {
        spare_free[i](z);
    } else {
        spare[i] = z;
        pthread_setspecific(spare_key[i], z);
    }
}

static ZSTD_CCtx *cctx_take(void)
{
    ZSTD_CCtx *z = spare_take(SPARE_C);
    if (z && ZSTD_isError(ZSTD_CCtx_reset(z, ZSTD_reset_session_and_parameters))) {
        ZSTD_freeCCtx(z);
        z = NULL;
    }
    return z ? z : ZSTD_createCCtx();
}

static ZSTD_DCtx *dctx_take(void)
{
    ZSTD_DCtx *z = spare_take(SPARE_D);
    if (z && ZSTD_isError(ZSTD_DCtx_reset(z, ZSTD_reset_session_and_parameters))) {
        ZSTD_freeDCtx(z);
        z = NULL;
    }
    return z ? z : ZSTD_createDCtx();
}

/* ---- writer ---- */

struct art_obj_writer {
    og_ctx *ctx;
    const art_objstore *os;
    char tenant_id[OG_ID_LEN];
    char seal_id[OG_ID_LEN];
    og_buf mem;       /* sealed bytes while they fit ART_INLINE_MAX; then the spill takes over */
    art_spill *spill; /* the object store's copy, once the bytes outgrew mem */
    int ended;
    int committed;
    int failed;
    og_crypto_stream *seal;
    ZSTD_CCtx *z;
    uint8_t *zout;
    size_t zoutcap;
    og_sha256 *sha;
    uint8_t digest[32];
    uint64_t size;
    uint64_t stored;
};

/* The first sealed bytes collect in memory; past ART_INLINE_MAX they move to the object store
 * and everything after goes straight there. */
static int sink_store(void *arg, const void *data, size_t len)
{
    art_obj_writer *w = arg;
    int error;
    w->stored += len;
    if (!w->spill && w->mem.len + len <= ART_INLINE_MAX)
        return og_buf_append(&w->mem, data, len);
    if (!w->spill) {
        if ((error = w->os->spill_open(&w->spill, w->ctx, w->tenant_id, w->seal_id)) < 0 ||
            (error = w->os->spill_write(w->spill, w->mem.data, w->mem.len)) < 0)
            return error;
        og_buf_free(&w->mem);
    }
    return w->os->spill_write(w->spill, data, len);
}

int og_artifacts__obj_writer_new(art_obj_writer **out, og_ctx *ctx, const char *tenant_id)
{
    int error = -1;
    art_obj_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return og_error_set(OG_ERROR, "out of memory");
    w->ctx = ctx;
    w->os = og_artifacts__objstore(ctx);
    og_strlcpy(w->tenant_id, tenant_id, sizeof(w->tenant_id));
    og_id_new(w->seal_id);
    og_buf_init(&w->mem, ART_INLINE_MAX);
    w->z = cctx_take();
    w->zoutcap = ZSTD_CStreamOutSize();
    w->zout = malloc(w->zoutcap);
    w->sha = og_sha256_new();
    if (!w->z || !w->zout || !w->sha) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (ZSTD_isError(ZSTD_CCtx_setParameter(w->z, ZSTD_c_compressionLevel, ZLEVEL)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->z, ZSTD_c_windowLog, 21))) {
        error = og_error_set(OG_ERROR, "zstd: cannot set parameters");
        goto cleanup;
    }
    if ((error = og_crypto_stream_seal_begin(&w->seal, ctx->keys, ctx->store, tenant_id, w->seal_id,
                                             sink_store, w)) < 0)
        goto cleanup;
    *out = w;
    w = NULL;
    error = 0;
cleanup:
    og_artifacts__obj_writer_free(w);
    return error;
}

static int compress_step(art_obj_writer *w, const void *data, size_t len, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = {data, len, 0};
    for (;;) {
        ZSTD_outBuffer zo = {w->zout, w->zoutcap, 0};
        size_t rem = ZSTD_compressStream2(w->z, &zo, &in, mode);
        if (ZSTD_isError(rem))
            return og_error_set(OG_ERROR, "zstd: %s", ZSTD_getErrorName(rem));
        if (zo.pos > 0) {
            int error = og_crypto_stream_seal_update(w->seal, w->zout, zo.pos);
            if (error < 0)
                return error;
        }
        if (mode == ZSTD_e_continue ? in.pos == in.size : rem == 0)
            return 0;
    }
}

int og_artifacts__obj_writer_write(art_obj_writer *w, const void *data, size_t len)
{
    int error;
    if (w->failed || w->ended)
        return og_error_set(OG_ERROR, "object writer is finished or failed");
    og_sha256_update(w->sha, data, len);
    w->size += len;
    if ((error = compress_step(w, data, len, ZSTD_e_continue)) < 0)
        w->failed = 1;
    return error;
}

int og_artifacts__obj_writer_size(art_obj_writer *w, uint64_t size)
{
    if (w->failed || w->ended || w->size)
        return og_error_set(OG_EINVAL, "the object's size is told before its first byte");
    if (ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(w->z, size)))
        return og_error_set(OG_ERROR, "zstd: cannot take the object's size");
    return 0;
}

int og_artifacts__obj_writer_end(art_obj_writer *w, uint8_t sha[32], uint64_t *size)
{
    int error;
    if (w->failed || w->ended)
        return og_error_set(OG_ERROR, "object writer is finished or failed");
    w->failed = 1;
    if ((error = compress_step(w, NULL, 0, ZSTD_e_end)) < 0)
        return error;
    if ((error = og_crypto_stream_seal_finish(w->seal, w->ctx->store)) < 0)
        return error;
    og_sha256_final(w->sha, w->digest);
    w->sha = NULL;
    if (w->spill && (error = w->os->spill_end(w->spill)) < 0)
        return error;
    w->failed = 0;
    w->ended = 1;
    memcpy(sha, w->digest, 32);
    *size = w->size;
    return 0;
}

int og_artifacts__obj_writer_commit(art_obj_writer *w, og_ctx *ctx, const art_keys *k,
                                    char name[65], int *created)
{
    int error = -1;
    og_stmt *st = NULL;
    char now[OG_TIME_LEN];
    *created = 0;
    if (!w->ended)
        return og_error_set(OG_ERROR, "object writer not ended");
    if ((error = og_artifacts__obj_name(k, w->digest, name)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT 1 FROM art_objects WHERE tenant_id = ? AND name = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, w->tenant_id);
    og_stmt_bind_text(st, 2, name);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error == OG_ROW) {
        /* Stored already: the new copy goes, the old one serves (same content by its hash). */
        error = 0;
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;
    /* Sealed while it streamed in: refused if a data-key rotation began meanwhile (its walkers
     * may have passed already, and the version would be destroyed under it). */
    if ((error = og_crypto_stream_check_current(w->seal, ctx->store)) < 0)
        goto cleanup;
    og_time_format(og_time_now_us(), now);
    /* A writer of another artifact of the tenant may store the same content at the same time
     * (their transactions do not exclude each other): whoever inserts second waits for the first
     * to end and finds the object stored, as if it had been there before. */
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO art_objects (tenant_id, name, seal_id, size,"
                                 " stored_size, created_at, inline) VALUES (?, ?, ?, ?, ?, ?, ?)"
                                 " ON CONFLICT (tenant_id, name) DO NOTHING")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, w->tenant_id);
    og_stmt_bind_text(st, 2, name);
    og_stmt_bind_text(st, 3, w->seal_id);
    og_stmt_bind_int(st, 4, (int64_t)w->size);
    og_stmt_bind_int(st, 5, (int64_t)w->stored);
    og_stmt_bind_text(st, 6, now);
    if (w->spill)
        og_stmt_bind_null(st, 7);
    else
        og_stmt_bind_blob(st, 7, w->mem.data ? w->mem.data : "", w->mem.len);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    error = 0;
    if (og_store_changes(ctx->store) == 0 || !w->spill)
        goto cleanup; /* stored by the other writer, or kept in the row: nothing else */
    w->committed = 1;
    *created = 1;
    error = w->os->spill_commit(w->spill, name);
cleanup:
    og_stmt_free(st);
    return error;
}

void og_artifacts__obj_writer_undo(art_obj_writer *w, const char *name)
{
    if (!w || !w->committed)
        return;
    w->os->spill_undo(w->spill, name);
    w->committed = 0;
}

int og_artifacts__obj_writer_discard(art_obj_writer *w)
{
    return w && w->spill ? w->os->spill_discard(w->spill) : 0;
}

void og_artifacts__obj_writer_free(art_obj_writer *w)
{
    if (!w)
        return;
    if (w->spill)
        w->os->spill_free(w->spill, w->committed);
    og_buf_free(&w->mem);
    og_crypto_stream_free(w->seal);
    spare_give(SPARE_C, w->z);
    free(w->zout);
    og_sha256_free(w->sha);
    free(w);
}

int og_artifacts__obj_forget(og_ctx *ctx, const char *tenant_id, const char *name)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare_args(&st, ctx->store,
                                     "SELECT seal_id FROM art_objects WHERE tenant_id = ?"
                                     " AND name = ? AND inline IS NULL",
                                     "tt", tenant_id, name);
    if (error == 0 && (error = og_stmt_step(st)) == OG_ROW)
        error = og_artifacts__objstore(ctx)->remove_rows(ctx, tenant_id, og_stmt_col_text(st, 0));
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

void og_artifacts__obj_unlink(og_ctx *ctx, const char *tenant_id, const char *name)
{
    og_artifacts__objstore(ctx)->remove_after(ctx, tenant_id, name);
}

/* ---- reader ---- */

struct art_obj_reader {
    const art_objstore *os;
    art_src *src; /* the object store's bytes, unless inline */
    int keep_fd;  /* a copy of what src gave (og_artifacts__obj_reader_keep), or -1 */
    int from_fd;  /* reading such a copy instead of src (og_artifacts__obj_reader_again), or -1 */
    char tenant_id[OG_ID_LEN], seal_id[OG_ID_LEN], name[65];
    char path[PATH_MAX]; /* the object's file or name, for messages */
    uint8_t *mem;        /* an inline object's ciphertext, instead of src */
    size_t memlen, mempos;
    og_crypto_stream *open;
    ZSTD_DCtx *z;
    uint8_t *in; /* ciphertext read from the store */
    og_buf zbuf; /* authenticated compressed bytes waiting to be decompressed */
    size_t zpos;
    int input_done; /* the file is read and the stream checked whole */
    int frame_done; /* the zstd frame ended */
    int ended;      /* every check passed, *got = 0 returned */
    int failed;
    og_sha256 *sha;
    uint8_t expect_sha[32];
    int check_sha;
    uint64_t expect_size;
    int skip_size; /* prefix reads: no size known */
    uint64_t total;
};

static int sink_zbuf(void *arg, const void *data, size_t len)
{
    art_obj_reader *r = arg;
    return og_buf_append(&r->zbuf, data, len);
}

/* A reader of tenant_id's object sealed under seal_id, its source still to set. */
static int reader_new(art_obj_reader **out, og_ctx *ctx, const char *tenant_id, const char *seal_id,
                      const uint8_t *expect_sha, uint64_t expect_size)
{
    int error = -1;
    art_obj_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return og_error_set(OG_ERROR, "out of memory");
    r->os = og_artifacts__objstore(ctx);
    r->keep_fd = r->from_fd = -1;
    /* One sealed chunk (64 KiB + tag) of compressed bytes at most is pending at a time. */
    og_buf_init(&r->zbuf, 2 * (OG_CRYPTO_STREAM_CHUNK + OG_CRYPTO_STREAM_TAG_LEN));
    r->in = malloc(READ_PIECE);
    r->z = dctx_take();
    r->sha = og_sha256_new();
    if (!r->in || !r->z || !r->sha) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* We write frames with a 2 MiB window; refuse anything asking for more than 8 MiB. */
    ZSTD_DCtx_setParameter(r->z, ZSTD_d_windowLogMax, 23);
    if (expect_sha) {
        memcpy(r->expect_sha, expect_sha, 32);
        r->check_sha = 1;
    }
    r->expect_size = expect_size;
    if ((error = og_crypto_stream_open_begin(&r->open, ctx->keys, ctx->store, tenant_id, seal_id,
                                             sink_zbuf, r)) < 0)
        goto cleanup;
    *out = r;
    r = NULL;
    error = 0;
cleanup:
    og_artifacts__obj_reader_free(r);
    return error;
}

int og_artifacts__obj_reader_open(art_obj_reader **out, og_ctx *ctx, const char *tenant_id,
                                  const char *name, const uint8_t *expect_sha, uint64_t expect_size)
{
    int error = -1;
    og_stmt *st = NULL;
    art_obj_reader *r = NULL;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT seal_id, inline, stored_size FROM art_objects"
                                      " WHERE tenant_id = ? AND name = ?",
                                      "tt", tenant_id, name)) < 0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error != OG_ROW) {
        error = og_error_set(OG_ECORRUPT, "object %s of tenant %s is missing from the store", name,
                             tenant_id);
        goto cleanup;
    }
    if ((error = reader_new(&r, ctx, tenant_id, og_stmt_col_text(st, 0), expect_sha, expect_size)) <
        0)
        goto cleanup;
    if (!og_stmt_col_is_null(st, 1)) {
        size_t n = 0;
        const void *blob = og_stmt_col_blob(st, 1, &n);
        snprintf(r->path, sizeof(r->path), "object %s of tenant %s", name, tenant_id);
        if (!(r->mem = malloc(n ? n : 1))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        memcpy(r->mem, blob, n);
        r->memlen = n;
    } else if ((error = r->os->src_open(&r->src, ctx, tenant_id, name, og_stmt_col_text(st, 0),
                                        (uint64_t)og_stmt_col_int(st, 2), r->path)) < 0) {
        goto cleanup;
    }
    og_strlcpy(r->tenant_id, tenant_id, sizeof(r->tenant_id));
    og_strlcpy(r->seal_id, og_stmt_col_text(st, 0), sizeof(r->seal_id));
    og_strlcpy(r->name, name, sizeof(r->name));
    *out = r;
    r = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    og_artifacts__obj_reader_free(r);
    return error;
}

int og_artifacts__obj_reader_keep(art_obj_reader *r)
{
    if (!r->src || !r->os->reads_need_store)
        return 0;
    return og_artifacts__tmpfile(&r->keep_fd);
}

int og_artifacts__obj_reader_again(art_obj_reader **out, art_obj_reader *done, og_ctx *ctx)
{
    int error;
    art_obj_reader *r = NULL;
    if (done->keep_fd < 0)
        return og_artifacts__obj_reader_open(out, ctx, done->tenant_id, done->name,
                                             done->check_sha ? done->expect_sha : NULL,
                                             done->expect_size);
    if ((error = reader_new(&r, ctx, done->tenant_id, done->seal_id,
                            done->check_sha ? done->expect_sha : NULL, done->expect_size)) < 0)
        return error;
    og_strlcpy(r->path, done->path, sizeof(r->path));
    if (lseek(done->keep_fd, 0, SEEK_SET) < 0 || (r->from_fd = dup(done->keep_fd)) < 0) {
        error = og_error_set(OG_ERROR, "cannot read the copy of %s: %s", r->path, strerror(errno));
        og_artifacts__obj_reader_free(r);
        return error;
    }
    *out = r;
    return 0;
}

/* The next piece of stored bytes into r->in: from the row, the copy kept, or the store. */
static int read_piece(art_obj_reader *r, size_t *got)
{
    int error;
    *got = 0;
    if (r->mem) {
        *got = r->memlen - r->mempos < READ_PIECE ? r->memlen - r->mempos : READ_PIECE;
        memcpy(r->in, r->mem + r->mempos, *got);
        r->mempos += *got;
        return 0;
    }
    if (r->from_fd >= 0)
        return og_artifacts__fd_read(r->from_fd, r->in, READ_PIECE, got, r->path);
    if ((error = r->os->src_read(r->src, r->in, READ_PIECE, got)) < 0)
        return error;
    return r->keep_fd >= 0 ? og_artifacts__fd_write(r->keep_fd, r->in, *got, "a temporary copy")
                           : 0;
}

static int refill(art_obj_reader *r)
{
    size_t n = 0;
    int error;
    og_buf_reset(&r->zbuf);
    r->zpos = 0;
    if ((error = read_piece(r, &n)) < 0)
        return error;
    if (n == 0) {
        r->input_done = 1;
        return og_crypto_stream_open_finish(r->open);
    }
    return og_crypto_stream_open_update(r->open, r->in, n);
}

static int finish_checks(art_obj_reader *r)
{
    uint8_t got[32];
    if (!r->frame_done)
        return og_error_set(OG_ECORRUPT, "object '%s' is truncated (compressed frame incomplete)",
                            r->path);
    if (!r->skip_size && r->total != r->expect_size)
        return og_error_set(OG_ECORRUPT, "object '%s' decodes to %llu bytes, expected %llu",
                            r->path, (unsigned long long)r->total,
                            (unsigned long long)r->expect_size);
    og_sha256_final(r->sha, got);
    r->sha = NULL;
    if (r->check_sha && !og_memeq_ct(got, r->expect_sha, 32))
        return og_error_set(OG_ECORRUPT, "object '%s' does not match its SHA-256", r->path);
    return 0;
}

int og_artifacts__obj_reader_read(art_obj_reader *r, void *buf, size_t cap, size_t *got)
{
    int error;
    ZSTD_outBuffer out = {buf, cap, 0};
    *got = 0;
    if (r->failed)
        return og_error_set(OG_ECORRUPT, "object reader failed earlier");
    if (r->ended || cap == 0)
        return 0;
    while (out.pos == 0) {
        if (r->zpos == r->zbuf.len) {
            if (!r->input_done) {
                if ((error = refill(r)) < 0)
                    goto fail;
                continue;
            }
            if (r->frame_done) {
                if ((error = finish_checks(r)) < 0)
                    goto fail;
                r->ended = 1;
                return 0;
            }
        }
        if (r->frame_done) {
            error = og_error_set(OG_ECORRUPT, "object '%s' has data after its end", r->path);
            goto fail;
        }
        ZSTD_inBuffer in = {r->zbuf.data, r->zbuf.len, r->zpos};
        size_t before = out.pos;
        size_t rc = ZSTD_decompressStream(r->z, &out, &in);
        if (ZSTD_isError(rc)) {
            error =
                og_error_set(OG_ECORRUPT, "object '%s': zstd: %s", r->path, ZSTD_getErrorName(rc));
            goto fail;
        }
        r->zpos = in.pos;
        if (rc == 0)
            r->frame_done = 1;
        if (r->input_done && r->zpos == r->zbuf.len && out.pos == before && !r->frame_done) {
            error = og_error_set(OG_ECORRUPT, "object '%s' is truncated", r->path);
            goto fail;
        }
    }
    og_sha256_update(r->sha, buf, out.pos);
    r->total += out.pos;
    *got = out.pos;
    return 0;
fail:
    r->failed = 1;
    return error;
}

void og_artifacts__obj_reader_free(art_obj_reader *r)
{
    if (!r)
        return;
    if (r->src)
        r->os->src_free(r->src);
    if (r->keep_fd >= 0)
        close(r->keep_fd);
    if (r->from_fd >= 0)
        close(r->from_fd);
    free(r->mem);
    og_crypto_stream_free(r->open);
    spare_give(SPARE_D, r->z);
    free(r->in);
    og_buf_free(&r->zbuf);
    og_sha256_free(r->sha);
    free(r);
}

int og_artifacts__obj_read_all(og_ctx *ctx, const char *tenant_id, const char *name,
                               const uint8_t *expect_sha, uint64_t expect_size, og_buf *out)
{
    int error = -1;
    art_obj_reader *r = NULL;
    uint8_t *tmp = malloc(65536);
    size_t got;
    if (!tmp)
        return og_error_set(OG_ERROR, "out of memory");
    if (expect_size > out->cap) {
        error = og_error_set(OG_ETOOBIG, "content of %llu bytes is over the limit of %zu",
                             (unsigned long long)expect_size, out->cap);
        goto cleanup;
    }
    if ((error = og_artifacts__obj_reader_open(&r, ctx, tenant_id, name, expect_sha, expect_size)) <
        0)
        goto cleanup;
    for (;;) {
        if ((error = og_artifacts__obj_reader_read(r, tmp, 65536, &got)) < 0)
            goto cleanup;
        if (got == 0)
            break;
        if ((error = og_buf_append(out, tmp, got)) < 0)
            goto cleanup;
    }
    error = 0;
cleanup:
    og_artifacts__obj_reader_free(r);
    free(tmp);
    return error;
}

int og_artifacts__obj_read_prefix(og_ctx *ctx, const char *tenant_id, const char *name, size_t max,
                                  og_buf *out)
{
    int error = -1;
    art_obj_reader *r = NULL;
    uint8_t tmp[16384];
    size_t got;
    if ((error = og_artifacts__obj_reader_open(&r, ctx, tenant_id, name, NULL, 0)) < 0)
        goto cleanup;
    /* Every chunk is authenticated as it is decoded; only the end of the stream goes unchecked
     * when we stop early, which does not matter for a snippet. */
    r->skip_size = 1;
    while (out->len < max) {
        size_t want = max - out->len < sizeof(tmp) ? max - out->len : sizeof(tmp);
        if ((error = og_artifacts__obj_reader_read(r, tmp, want, &got)) < 0)
            goto cleanup;
        if (got == 0)
            break;
        if ((error = og_buf_append(out, tmp, got)) < 0)
            goto cleanup;
    }
    error = 0;
cleanup:
    og_artifacts__obj_reader_free(r);
    return error;
}
