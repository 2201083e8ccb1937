/* reseal.c - re-sealing the artifacts module's sealed data after a tenant's data-key rotation:
 * artifact rows, version rows, the module's keys, and the objects (streams, inline or in files,
 * re-sealed streaming into a temporary file that replaces the object's file; or in chunk rows,
 * re-sealed streaming into new chunk rows: reseal_rows.c). */

/* Chunk-row objects re-sealed in one batch's transaction stop the batch past this many bytes (the
 * next batch goes on from the cursor), so a batch of large objects stays a bounded transaction
 * and holds the writer lock briefly. */
#define ROWS_BATCH_BYTES ((uint64_t)16 * 1024 * 1024)
#include "artifacts/artifacts_internal.h"
#include "artifacts/objstore.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static const og_crypto_reseal_part parts[] = {
    {"artifacts.artifact", "SELECT count(*) FROM art_artifacts WHERE tenant_id = ?",
     "SELECT id, 'artifact:' || id, sealed FROM art_artifacts WHERE tenant_id = ? AND id > ?"
     " ORDER BY id LIMIT ?",
     "UPDATE art_artifacts SET sealed = ? WHERE id = ? AND tenant_id = ?"},
    {"artifacts.version", "SELECT count(*) FROM art_versions WHERE tenant_id = ?",
     "SELECT artifact_id || ':' || CAST(number AS TEXT) AS k,"
     " 'version:' || artifact_id || ':' || CAST(number AS TEXT), sealed FROM art_versions"
     " WHERE tenant_id = ? AND artifact_id || ':' || CAST(number AS TEXT) > ?"
     " ORDER BY artifact_id || ':' || CAST(number AS TEXT) LIMIT ?",
     "UPDATE art_versions SET sealed = ? WHERE artifact_id || ':' || CAST(number AS TEXT) = ?"
     " AND tenant_id = ?"},
    {"artifacts.keys", "SELECT count(*) FROM art_keys WHERE tenant_id = ?",
     "SELECT tenant_id, 'artifacts.keys', sealed FROM art_keys WHERE tenant_id = ? AND"
     " tenant_id > ? ORDER BY tenant_id LIMIT ?",
     "UPDATE art_keys SET sealed = ? WHERE tenant_id = ? AND tenant_id = ?"},
};
#define NPARTS ((int)(sizeof(parts) / sizeof(parts[0])))

typedef struct obj {
    char name[80], seal_id[OG_ID_LEN];
    uint8_t *inl; /* inline ciphertext, or NULL: a file, or chunk rows without a data folder */
    size_t inlen;
    uint64_t stored_size;
} obj;

typedef struct src_state {
    const uint8_t *mem;
    size_t len, pos;
    int fd;
    const char *path;
} src_state;

static int source(void *arg, void *buf, size_t cap, size_t *got)
{
    src_state *s = arg;
    *got = 0;
    if (s->mem) {
        size_t n = s->len - s->pos < cap ? s->len - s->pos : cap;
        memcpy(buf, s->mem + s->pos, n);
        s->pos += n;
        *got = n;
        return 0;
    }
    return og_artifacts__fd_read(s->fd, buf, cap, got, s->path);
}

typedef struct dst_state {
    og_buf mem;
    int fd;
    const char *path;
} dst_state;

static int sink(void *arg, const void *data, size_t len)
{
    dst_state *d = arg;
    if (d->fd < 0)
        return og_buf_append(&d->mem, data, len);
    return og_artifacts__fd_write(d->fd, data, len, d->path);
}

/* Re-seal an object file: into DATA/objects/<tenant>/tmp/<seal id>.reseal.part (locked, so the
 * temporary-file sweep leaves it), fsynced, renamed over the object's file. The seal id stays, so
 * whichever file a crash leaves in place opens (both data-key versions are kept until the end). */
static int reseal_file(og_ctx *ctx, const char *tid, const obj *o)
{
    int error = -1;
    char path[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX];
    src_state in = {.fd = -1, .path = path};
    dst_state out = {.fd = -1, .path = tmp};
    if ((error = og_artifacts__obj_path(path, sizeof(path), ctx, tid, o->name)) < 0)
        goto cleanup;
    if (snprintf(dir, sizeof(dir), "%s/objects/%s/tmp", ctx->data_dir, tid) >= (int)sizeof(dir) ||
        snprintf(tmp, sizeof(tmp), "%s/%s.reseal.part", dir, o->seal_id) >= (int)sizeof(tmp)) {
        error = og_error_set(OG_ERROR, "object path too long under '%s'", ctx->data_dir);
        goto cleanup;
    }
    if ((error = og_mkdir_p(dir, 0700)) < 0)
        goto cleanup;
    if ((in.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        error =
            og_error_set(OG_ECORRUPT, "cannot open object file '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    unlink(tmp); /* left by a run that crashed */
    if ((out.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
        flock(out.fd, LOCK_EX | LOCK_NB) < 0) {
        error = og_error_set(OG_ERROR, "cannot create '%s': %s", tmp, strerror(errno));
        goto cleanup;
    }
    if ((error = og_crypto_stream_reseal(ctx->keys, ctx->store, tid, o->seal_id, source, &in, sink,
                                         &out)) < 0)
        goto cleanup;
    if (fsync(out.fd) < 0 || rename(tmp, path) < 0) {
        error = og_error_set(OG_ERROR, "cannot replace '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    tmp[0] = '\0';
    int dfd = -1;
    *strrchr(path, '/') = '\0';
    if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        fsync(dfd);
        close(dfd);
    }
    error = 0;
cleanup:
    if (in.fd >= 0)
        close(in.fd);
    if (out.fd >= 0)
        close(out.fd);
    if (tmp[0] && out.fd >= 0)
        unlink(tmp);
    return error;
}

static int reseal_inline(og_ctx *ctx, const char *tid, const obj *o)
{
    src_state in = {.mem = o->inl, .len = o->inlen, .fd = -1};
    dst_state out = {.fd = -1};
    og_buf_init(&out.mem, o->inlen + 64);
    int error =
        og_crypto_stream_reseal(ctx->keys, ctx->store, tid, o->seal_id, source, &in, sink, &out);
    if (error == 0)
        error = og_store_run(ctx->store,
                             "UPDATE art_objects SET inline = ?, stored_size = ? WHERE"
                             " tenant_id = ? AND name = ?",
                             "bitt", out.mem.data ? out.mem.data : "", out.mem.len,
                             (int64_t)out.mem.len, tid, o->name);
    og_buf_free(&out.mem);
    return error < 0 ? error : 0;
}

/* The objects of the tenant after the cursor, up to limit; their inline bytes when inline. */
static int objects_read(og_ctx *ctx, const char *tid, const char *cursor, int limit, obj **out,
                        size_t *n)
{
    og_stmt *st = NULL;
    obj *o = calloc((size_t)limit, sizeof(*o));
    int error;
    *out = NULL;
    *n = 0;
    if (!o)
        return og_error_set(OG_ERROR, "out of memory");
    error = og_stmt_prepare_args(&st, ctx->store,
                                 "SELECT name, seal_id, inline, stored_size FROM art_objects"
                                 " WHERE tenant_id = ?"
                                 " AND name > ? ORDER BY name LIMIT ?",
                                 "tti", tid, cursor, (int64_t)limit);
    while (error == 0 && (error = og_stmt_step(st)) == OG_ROW && *n < (size_t)limit) {
        obj *x = &o[(*n)++];
        og_strlcpy(x->name, og_stmt_col_text(st, 0), sizeof(x->name));
        og_strlcpy(x->seal_id, og_stmt_col_text(st, 1), sizeof(x->seal_id));
        x->stored_size = (uint64_t)og_stmt_col_int(st, 3);
        if (!og_stmt_col_is_null(st, 2)) {
            const void *b = og_stmt_col_blob(st, 2, &x->inlen);
            if (!(x->inl = malloc(x->inlen ? x->inlen : 1)))
                error = og_error_set(OG_ERROR, "out of memory");
            else if (x->inlen)
                memcpy(x->inl, b, x->inlen);
        }
        error = error == OG_ROW ? 0 : error;
    }
    og_stmt_free(st);
    *out = o;
    return error < 0 ? error : 0;
}

static void objects_free(obj *o, size_t n)
{
    for (size_t i = 0; o && i < n; i++)
        free(o[i].inl);
    free(o);
}

/* The data-key version of an object's stream, from its first bytes. */
static int object_version(og_ctx *ctx, const char *tid, const obj *o, int64_t *v)
{
    uint8_t head[OG_CRYPTO_STREAM_HEADER_LEN];
    ssize_t got = 0;
    char path[PATH_MAX];
    if (o->inl)
        return og_crypto_sealed_version(o->inl, o->inlen, 1, v);
    if (!ctx->data_dir)
        return og_artifacts__rows_version(ctx, tid, o->name, o->seal_id, o->stored_size, v);
    int error = og_artifacts__obj_path(path, sizeof(path), ctx, tid, o->name);
    if (error < 0)
        return error;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return og_error_set(OG_ECORRUPT, "cannot open object file '%s': %s", path, strerror(errno));
    got = read(fd, head, sizeof(head));
    close(fd);
    return og_crypto_sealed_version(head, got > 0 ? (size_t)got : 0, 1, v);
}

static int objects_batch(og_ctx *ctx, const char *tid, og_crypto_reseal_batch *b, int left)
{
    obj *o = NULL;
    size_t n = 0;
    int64_t current = 0, v = 0;
    uint64_t rows_bytes = 0;
    int error;
    if ((error = og_crypto_datakey_versions(ctx->store, tid, &current, NULL)) < 0 ||
        (error = objects_read(ctx, tid, b->cursor, left, &o, &n)) < 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        if ((error = object_version(ctx, tid, &o[i], &v)) < 0)
            goto cleanup;
        if (v != current) {
            if (o[i].inl)
                error = reseal_inline(ctx, tid, &o[i]);
            else if (ctx->data_dir)
                error = reseal_file(ctx, tid, &o[i]);
            else
                error =
                    og_artifacts__reseal_rows(ctx, tid, o[i].name, o[i].seal_id, o[i].stored_size);
            rows_bytes += o[i].inl || ctx->data_dir ? 0 : o[i].stored_size;
            if (error < 0) {
                og_error_wrap("re-sealing artifact object %s", o[i].name);
                goto cleanup;
            }
            b->changed++;
        }
        b->seen++;
        og_strlcpy(b->cursor, o[i].name, sizeof(b->cursor));
        if (rows_bytes >= ROWS_BATCH_BYTES && i + 1 < n) {
            error = 0; /* enough for one transaction: the next batch goes on from here */
            goto cleanup;
        }
    }
    if ((int)n < left) {
        b->part++;
        b->finished = 1;
    }
    error = 0;
cleanup:
    objects_free(o, n);
    return error;
}

int og_artifacts_reseal(og_ctx *ctx, const char *tenant_id, og_crypto_reseal_batch *b)
{
    int error;
    int limit = b->limit > 0 ? b->limit : 100;
    if (b->counting) {
        if ((error = og_crypto_reseal_parts(ctx->keys, ctx->store, tenant_id, parts, NPARTS, b)) <
            0)
            return error;
        og_stmt *st = NULL;
        error = og_stmt_prepare_args(&st, ctx->store,
                                     "SELECT count(*) FROM art_objects WHERE tenant_id = ?", "t",
                                     tenant_id);
        if (error == 0 && (error = og_stmt_step(st)) == OG_ROW)
            b->total += og_stmt_col_int(st, 0);
        og_stmt_free(st);
        return error < 0 ? error : 0;
    }
    if (b->part < NPARTS) {
        if ((error = og_crypto_reseal_parts(ctx->keys, ctx->store, tenant_id, parts, NPARTS, b)) <
            0)
            return error;
        b->finished = 0;
        if (b->part < NPARTS || b->seen >= limit)
            return 0;
    } else {
        b->seen = b->changed = 0;
        b->finished = 0;
    }
    if (b->part > NPARTS) {
        b->finished = 1;
        return 0;
    }
    return objects_batch(ctx, tenant_id, b, limit - (int)b->seen);
}
