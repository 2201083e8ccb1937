/* obj_rows.c - the rows object store (objstore.h): objects' sealed bytes in art_object_chunks rows
 * of ART_CHUNK bytes, for installations without a data folder (PostgreSQL: nodes share nothing
 * but the database). One chunk is in memory at a time, writing or reading. */
#include "artifacts/objstore.h"
#include "opsgate/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- writing ---- */

/* While the upload streams the sealed bytes go to an anonymous temporary file (the HTTP server
 * gives its store back to the pool while a body streams in): the chunk rows are written from it
 * when the upload ends, each committed by itself, before the version's transaction. */
struct art_spill {
    og_ctx *ctx;
    char tenant_id[OG_ID_LEN];
    char seal_id[OG_ID_LEN];
    int fd;       /* the staged ciphertext */
    int64_t rows; /* chunk rows written */
    int committed, dropped;
};

static int rows_write(art_spill *s, const void *data, size_t len)
{
    return og_artifacts__fd_write(s->fd, data, len, "the upload's temporary file");
}

static int rows_drop(og_ctx *ctx, const char *tenant_id, const char *seal_id)
{
    int error = og_store_run(ctx->store,
                             "DELETE FROM art_object_chunks WHERE tenant_id = ? AND seal_id = ?",
                             "tt", tenant_id, seal_id);
    return error < 0 ? error : 0;
}

static void rows_free(art_spill *s, int committed)
{
    if (!s)
        return;
    /* Only a writer freed without its upload's end ever holding a store gets here with rows; a
     * store gone meanwhile leaves them to og_artifacts_chunks_sweep. */
    if (!committed && !s->dropped && s->rows > 0 &&
        (!s->ctx->store || rows_drop(s->ctx, s->tenant_id, s->seal_id) < 0))
        og_error_clear();
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

static int rows_open(art_spill **out, og_ctx *ctx, const char *tenant_id, const char *seal_id)
{
    int error;
    art_spill *s = calloc(1, sizeof(*s));
    if (!s)
        return og_error_set(OG_ERROR, "out of memory");
    s->ctx = ctx;
    og_strlcpy(s->tenant_id, tenant_id, sizeof(s->tenant_id));
    og_strlcpy(s->seal_id, seal_id, sizeof(s->seal_id));
    if ((error = og_artifacts__tmpfile(&s->fd)) < 0) {
        free(s);
        return error;
    }
    *out = s;
    return 0;
}

/* The staged bytes into rows of ART_CHUNK bytes, one in memory at a time. */
static int rows_end(art_spill *s)
{
    int error = 0;
    size_t got = 0;
    uint8_t *buf = malloc(ART_CHUNK);
    int64_t now = og_time_now_us();
    if (!buf)
        return og_error_set(OG_ERROR, "out of memory");
    if (lseek(s->fd, 0, SEEK_SET) < 0) {
        error = og_error_set(OG_ERROR, "cannot rewind the upload's temporary file: %s",
                             strerror(errno));
        goto cleanup;
    }
    for (;;) {
        size_t have = 0;
        while (have < ART_CHUNK) {
            if ((error = og_artifacts__fd_read(s->fd, buf + have, ART_CHUNK - have, &got,
                                               "the upload's temporary file")) < 0)
                goto cleanup;
            if (got == 0)
                break;
            have += got;
        }
        if (have == 0)
            break;
        /* Outside the caller's transaction when there is none: the row commits by itself and
         * stays unreachable (no art_objects row names its seal id) until the version's. */
        if ((error = og_store_run(s->ctx->store,
                                  "INSERT INTO art_object_chunks (tenant_id, seal_id, seq,"
                                  " created_us, data) VALUES (?, ?, ?, ?, ?)",
                                  "ttiib", s->tenant_id, s->seal_id, s->rows, now, buf, have)) < 0)
            goto cleanup;
        error = 0;
        s->rows++;
        if (have < ART_CHUNK)
            break;
    }
cleanup:
    free(buf);
    return error;
}

static int rows_commit(art_spill *s, const char *name)
{
    (void)name;
    s->committed = 1; /* the object's row names the seal id: the chunks are its from now on */
    return 0;
}

static void rows_undo(art_spill *s, const char *name)
{
    (void)name;
    s->committed = 0;
}

static int rows_discard(art_spill *s)
{
    int error = 0;
    if (!s->committed && !s->dropped && s->rows > 0)
        error = rows_drop(s->ctx, s->tenant_id, s->seal_id);
    s->dropped = 1;
    return error;
}

static int rows_remove_rows(og_ctx *ctx, const char *tenant_id, const char *seal_id)
{
    return rows_drop(ctx, tenant_id, seal_id);
}

static void rows_remove_after(og_ctx *ctx, const char *tenant_id, const char *name)
{
    (void)ctx;
    (void)tenant_id;
    (void)name;
}

/* ---- reading ---- */

struct art_src {
    og_ctx *ctx;
    char tenant_id[OG_ID_LEN];
    char seal_id[OG_ID_LEN];
    const char *label;
    uint64_t stored_size;
    int64_t nchunks, next; /* chunks 0..nchunks-1, the next one to load */
    og_buf chunk;
    size_t pos;
};

static void rows_src_free(art_src *s)
{
    if (!s)
        return;
    og_buf_free(&s->chunk);
    free(s);
}

static int rows_src_open(art_src **out, og_ctx *ctx, const char *tenant_id, const char *name,
                         const char *seal_id, uint64_t stored_size, char *label)
{
    int error = -1;
    og_stmt *st = NULL;
    art_src *s = calloc(1, sizeof(*s));
    if (!s)
        return og_error_set(OG_ERROR, "out of memory");
    snprintf(label, PATH_MAX, "object %s of tenant %s", name, tenant_id);
    s->ctx = ctx;
    s->label = label;
    og_strlcpy(s->tenant_id, tenant_id, sizeof(s->tenant_id));
    og_strlcpy(s->seal_id, seal_id, sizeof(s->seal_id));
    s->stored_size = stored_size;
    s->nchunks = (int64_t)((stored_size + ART_CHUNK - 1) / ART_CHUNK);
    og_buf_init(&s->chunk, ART_CHUNK);
    /* A chunk added or taken away is refused here, before any byte goes out. */
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT count(*) FROM art_object_chunks WHERE tenant_id = ?"
                                      " AND seal_id = ?",
                                      "tt", tenant_id, seal_id)) < 0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error != OG_ROW || og_stmt_col_int(st, 0) != s->nchunks) {
        error = og_error_set(OG_ECORRUPT, "%s has %lld chunks, expected %lld", label,
                             error == OG_ROW ? (long long)og_stmt_col_int(st, 0) : 0LL,
                             (long long)s->nchunks);
        goto cleanup;
    }
    *out = s;
    s = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    rows_src_free(s);
    return error;
}

/* Load chunk s->next: every chunk but the last is ART_CHUNK bytes. */
static int rows_load(art_src *s)
{
    og_stmt *st = NULL;
    size_t n = 0, want = ART_CHUNK;
    const void *data;
    int error;
    if (s->next == s->nchunks - 1)
        want = (size_t)(s->stored_size - (uint64_t)(s->nchunks - 1) * ART_CHUNK);
    if ((error = og_stmt_prepare_args(&st, s->ctx->store,
                                      "SELECT data FROM art_object_chunks WHERE tenant_id = ?"
                                      " AND seal_id = ? AND seq = ?",
                                      "tti", s->tenant_id, s->seal_id, s->next)) < 0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error != OG_ROW) {
        error = og_error_set(OG_ECORRUPT, "%s: chunk %lld of %lld is missing", s->label,
                             (long long)s->next + 1, (long long)s->nchunks);
        goto cleanup;
    }
    data = og_stmt_col_blob(st, 0, &n);
    if (n != want) {
        error = og_error_set(OG_ECORRUPT, "%s: chunk %lld has %zu bytes, expected %zu", s->label,
                             (long long)s->next + 1, n, want);
        goto cleanup;
    }
    og_buf_reset(&s->chunk);
    if ((error = og_buf_append(&s->chunk, data, n)) < 0)
        goto cleanup;
    s->pos = 0;
    s->next++;
    error = 0;
cleanup:
    og_stmt_free(st);
    return error;
}

static int rows_src_read(art_src *s, void *buf, size_t cap, size_t *got)
{
    int error;
    *got = 0;
    if (s->pos == s->chunk.len) {
        if (s->next == s->nchunks)
            return 0;
        if ((error = rows_load(s)) < 0)
            return error;
    }
    size_t n = s->chunk.len - s->pos < cap ? s->chunk.len - s->pos : cap;
    memcpy(buf, s->chunk.data + s->pos, n);
    s->pos += n;
    *got = n;
    return 0;
}

const art_objstore og_artifacts__obj_rows = {
    .name = "rows",
    .reads_need_store = 1,
    .spill_open = rows_open,
    .spill_write = rows_write,
    .spill_end = rows_end,
    .spill_commit = rows_commit,
    .spill_undo = rows_undo,
    .spill_discard = rows_discard,
    .spill_free = rows_free,
    .src_open = rows_src_open,
    .src_read = rows_src_read,
    .src_free = rows_src_free,
    .remove_rows = rows_remove_rows,
    .remove_after = rows_remove_after,
};

/* ---- chunks of uploads that never committed ---- */

int og_artifacts_chunks_sweep(og_ctx *ctx, int64_t min_age_s, int *removed)
{
    int error;
    if (removed)
        *removed = 0;
    if (min_age_s == 0)
        min_age_s = OG_ARTIFACTS_TMP_STALE_S;
    int64_t before = min_age_s < 0 ? INT64_MAX : og_time_now_us() - min_age_s * 1000000;
    error = og_store_run(ctx->store,
                         "DELETE FROM art_object_chunks WHERE created_us < ? AND NOT EXISTS"
                         " (SELECT 1 FROM art_objects o WHERE o.tenant_id ="
                         " art_object_chunks.tenant_id AND o.seal_id = art_object_chunks.seal_id)",
                         "i", before);
    if (error < 0)
        return error;
    if (removed)
        *removed = (int)og_store_changes(ctx->store);
    return 0;
}
