/* archive.c - the backup archive on disk (libarchive: tar, pax headers, zstd): written to a
 * temporary file and renamed into place, read back entry by entry with every SHA-256 checked
 * against the manifest that comes last. */
#include "backup/backup_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The libarchive error of a, as the code its errno means (disk full: OG_ENOSPACE). */
static int ar_error(struct archive *a, const char *what, const char *name)
{
    int e = archive_errno(a);
    const char *msg = archive_error_string(a);
    return og_error_set(e > 0 ? og_error_for_errno(e) : OG_ERROR, "%s '%s': %s%s%s%s", what, name,
                        msg ? msg : "archive error", e > 0 ? " (" : "", e > 0 ? strerror(e) : "",
                        e > 0 ? ")" : "");
}

/* The archive's writes from here on through the page cache (a hint: an fd that keeps O_DIRECT
 * fails its next unaligned write, which is reported). */
static void out_buffered(bk_writer *w)
{
    int fl = fcntl(w->fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(w->fd, F_SETFL, fl & ~O_DIRECT);
    w->direct = 0;
}

/* Compressed bytes written whole to the temporary file. With O_DIRECT (w->direct) they go to the
 * disk without taking page-cache memory: a backup's archive is not read again, and on a virtual
 * machine that gives free memory back to its host (free page reporting) each new page-cache page
 * costs a fault in the host, several times the disk's own time (docs/ops.md, "Backup and
 * restore"). A piece O_DIRECT cannot take (unaligned: the archive's last block, a short write at a
 * file-size limit) or a file system without it: the rest through the page cache. There, every
 * BK_WRITEBACK bytes their writeback is started (sync_file_range, not waited for), so that the
 * fsync at the end has little left to do. On out's thread. */
static int out_write(bk_writer *w, const void *buf, size_t len)
{
    /* Not og_fd_write_all: each piece is checked for O_DIRECT's alignment, EINVAL retried. */
    const char *p = buf;
    size_t left = len;
    while (left > 0) {
        if (w->direct &&
            (((uintptr_t)p | (uintptr_t)left | (uintptr_t)(w->written + (int64_t)(len - left))) &
             (BK_ALIGN - 1)))
            out_buffered(w);
        ssize_t n = write(w->fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EINVAL && w->direct) {
            out_buffered(w);
            continue;
        }
        if (n < 0) {
            w->out_errno = errno;
            return og_error_set(og_error_for_errno(errno), "cannot write '%s': %s", w->tmp,
                                strerror(errno));
        }
        p += n;
        left -= (size_t)n;
    }
    w->written += (int64_t)len;
    if (w->direct)
        w->flushed = w->written; /* on the disk's way already */
    else if (w->written - w->flushed >= BK_WRITEBACK) {
        /* a hint: a failure here shows again in the fsync that makes the archive durable */
        (void)sync_file_range(w->fd, w->flushed, w->written - w->flushed, SYNC_FILE_RANGE_WRITE);
        w->flushed = w->written;
    }
    return 0;
}

static int out_item(void *arg, int kind, const char *name, int64_t size, const void *buf,
                    size_t len)
{
    (void)kind;
    (void)name;
    (void)size;
    return out_write(arg, buf, len);
}

/* libarchive's output: handed to out's thread (written here once that thread is gone). */
static la_ssize_t write_out(struct archive *a, void *arg, const void *buf, size_t len)
{
    bk_writer *w = arg;
    int error = w->out ? og_backup__pipe_put(w->out, 0, NULL, 0, buf, len) : out_write(w, buf, len);
    if (error < 0) {
        archive_set_error(a, w->out_errno ? w->out_errno : EIO, "Write error");
        return -1;
    }
    return (la_ssize_t)len;
}

int og_backup__writer_open(bk_writer *w, const char *to, og_backup_progress fn, void *arg)
{
    struct stat sb;
    memset(w, 0, sizeof(*w));
    w->fd = -1;
    w->fn = fn;
    w->arg = arg;
    if (og_strlcpy(w->to, to, sizeof(w->to)) >= sizeof(w->to))
        return og_error_set(OG_EINVAL, "path too long: '%s'", to);
    if (lstat(to, &sb) == 0)
        return og_error_set(OG_EEXISTS, "'%s' exists: a backup never replaces a file", to);
    int error = og_backup__libarchive();
    if (error < 0)
        return error;
    if ((error = og_backup__tmp_beside(to, "partial", w->tmp, sizeof(w->tmp), &w->fd)) < 0)
        return error;
    /* O_DIRECT where the file system takes it (out_write); otherwise the page cache */
    int fl = fcntl(w->fd, F_GETFL);
    w->direct = fl >= 0 && fcntl(w->fd, F_SETFL, fl | O_DIRECT) == 0;
    if (!(w->files = json_array()) || !(w->a = archive_write_new())) {
        og_backup__writer_abort(w);
        return og_error_set(OG_ERROR, "out of memory");
    }
    if ((error = og_backup__pipe_start(&w->out, out_item, w)) < 0) {
        og_backup__writer_abort(w);
        return error;
    }
    if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
        archive_write_add_filter_zstd(w->a) != ARCHIVE_OK ||
        archive_write_set_filter_option(w->a, "zstd", "compression-level", BK_LEVEL) !=
            ARCHIVE_OK ||
        archive_write_set_bytes_per_block(w->a, BK_BLOCK) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
        archive_write_open(w->a, w, NULL, write_out, NULL) != ARCHIVE_OK) {
        error = ar_error(w->a, "cannot start the archive", w->tmp);
        og_backup__writer_abort(w);
        return error;
    }
    return 0;
}

static int entry_begin(bk_writer *w, const char *path, int64_t size)
{
    struct archive_entry *e = archive_entry_new();
    int rc;
    if (!e)
        return og_error_set(OG_ERROR, "out of memory");
    archive_entry_set_pathname(e, path);
    archive_entry_set_size(e, size);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_mtime(e, (time_t)(og_time_now_us() / 1000000), 0);
    rc = archive_write_header(w->a, e);
    archive_entry_free(e);
    return rc == ARCHIVE_OK ? 0 : ar_error(w->a, "cannot write", w->tmp);
}

static int entry_data(bk_writer *w, const void *buf, size_t len)
{
    la_ssize_t n = archive_write_data(w->a, buf, len);
    if (n < 0 || (size_t)n != len)
        return ar_error(w->a, "cannot write", w->tmp);
    w->bytes += (int64_t)len;
    return 0;
}

static int entry_note(bk_writer *w, const char *path, int64_t size, og_sha256 *h)
{
    uint8_t sha[32];
    char hex[65];
    og_sha256_final(h, sha);
    og_backup__hex(sha, hex);
    if (json_array_append_new(w->files, json_pack("{s:s, s:I, s:s}", "path", path, "size",
                                                  (json_int_t)size, "sha256", hex)) < 0)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

int og_backup__add_file(bk_writer *w, const char *path, const char *src, int64_t expect_size)
{
    int error = -1, fd = -1;
    uint8_t *buf = NULL;
    og_sha256 *h = NULL;
    struct stat sb;
    int64_t done = 0;
    if ((fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 || fstat(fd, &sb) < 0) {
        error = og_error_set(errno == ENOENT ? OG_ECORRUPT : OG_ERROR, "cannot read '%s': %s", src,
                             strerror(errno));
        goto cleanup;
    }
    if (expect_size >= 0 && sb.st_size != expect_size) {
        error = og_error_set(OG_ECORRUPT, "'%s' holds %lld bytes, the database says %lld", path,
                             (long long)sb.st_size, (long long)expect_size);
        goto cleanup;
    }
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* read ahead more; a hint */
    if (!(buf = malloc(BK_PIECE)) || !(h = og_sha256_new())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = entry_begin(w, path, sb.st_size)) < 0)
        goto cleanup;
    while (done < sb.st_size) {
        size_t n;
        int rc = og_fd_read_full(fd, buf, BK_PIECE, &n);
        if (rc < 0 || n == 0) {
            error = og_error_set(OG_ERROR, "cannot read '%s': %s", src,
                                 rc < 0 ? strerror(errno) : "it became shorter");
            goto cleanup;
        }
        og_sha256_update(h, buf, n);
        if ((error = entry_data(w, buf, n)) < 0)
            goto cleanup;
        done += (int64_t)n;
        if (w->fn)
            w->fn("archive", w->bytes, 0, w->arg);
    }
    error = entry_note(w, path, sb.st_size, h);
    h = NULL;
cleanup:
    og_sha256_free(h);
    free(buf);
    /* no POSIX_FADV_DONTNEED: it starts the writeback of a file the server wrote a moment ago
     * on this thread, and takes the pages the server (or the next reader) would find cached;
     * pages read once stay on the kernel's inactive list and go first anyway */
    if (fd >= 0)
        close(fd);
    return error;
}

int og_backup__add_reader(bk_writer *w, const char *path, int64_t size, bk_read_fn fn, void *arg)
{
    og_sha256 *h = og_sha256_new();
    uint8_t *buf = malloc(BK_PIECE);
    int64_t done = 0;
    size_t got;
    int error = !h || !buf ? og_error_set(OG_ERROR, "out of memory") : entry_begin(w, path, size);
    while (error == 0 && done < size) {
        if ((error = fn(arg, buf, BK_PIECE, &got)) < 0)
            break;
        if (got == 0 || done + (int64_t)got > size) {
            error = og_error_set(OG_ECORRUPT, "'%s' is not the %lld bytes it said", path,
                                 (long long)size);
            break;
        }
        og_sha256_update(h, buf, got);
        error = entry_data(w, buf, got);
        done += (int64_t)got;
    }
    free(buf);
    if (error < 0) {
        og_sha256_free(h);
        return error;
    }
    return entry_note(w, path, size, h);
}

int og_backup__entry_open(bk_writer *w, const char *path, int64_t size)
{
    int error;
    if (w->eh)
        return og_error_set(OG_ERROR, "an archive entry is already open");
    if (og_strlcpy(w->epath, path, sizeof(w->epath)) >= sizeof(w->epath))
        return og_error_set(OG_EINVAL, "path too long: '%s'", path);
    if (!(w->eh = og_sha256_new()))
        return og_error_set(OG_ERROR, "out of memory");
    w->esize = size;
    w->edone = 0;
    if ((error = entry_begin(w, path, size)) < 0) {
        og_sha256_free(w->eh);
        w->eh = NULL;
    }
    return error;
}

int og_backup__entry_write(bk_writer *w, const void *buf, size_t len)
{
    int error;
    if (!w->eh || w->edone + (int64_t)len > w->esize)
        return og_error_set(OG_ECORRUPT, "'%s' is not the %lld bytes it said", w->epath,
                            (long long)w->esize);
    og_sha256_update(w->eh, buf, len);
    if ((error = entry_data(w, buf, len)) < 0)
        return error;
    w->edone += (int64_t)len;
    if (w->fn)
        w->fn("archive", w->bytes, 0, w->arg);
    return 0;
}

int og_backup__entry_close(bk_writer *w)
{
    og_sha256 *h = w->eh;
    if (!h || w->edone != w->esize)
        return og_error_set(OG_ECORRUPT, "'%s' is not the %lld bytes it said", w->epath,
                            (long long)w->esize);
    w->eh = NULL;
    return entry_note(w, w->epath, w->esize, h);
}

int og_backup__add_mem(bk_writer *w, const char *path, const void *data, size_t len)
{
    og_sha256 *h = og_sha256_new();
    int error;
    if (!h)
        return og_error_set(OG_ERROR, "out of memory");
    og_sha256_update(h, data, len);
    if ((error = entry_begin(w, path, (int64_t)len)) < 0 ||
        (len && (error = entry_data(w, data, len)) < 0)) {
        og_sha256_free(h);
        return error;
    }
    return entry_note(w, path, (int64_t)len, h);
}

int og_backup__writer_finish(bk_writer *w, json_t *manifest)
{
    char *text = NULL, dir[PATH_MAX];
    int error = -1;
    if (json_object_set(manifest, "files", w->files) < 0 ||
        !(text = json_dumps(manifest, JSON_INDENT(1) | JSON_SORT_KEYS))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = entry_begin(w, OG_BACKUP_MANIFEST, (int64_t)strlen(text))) < 0 ||
        (error = entry_data(w, text, strlen(text))) < 0)
        goto cleanup;
    if (archive_write_close(w->a) != ARCHIVE_OK) {
        error = ar_error(w->a, "cannot finish", w->tmp);
        goto cleanup;
    }
    error = og_backup__pipe_finish(w->out); /* every byte written */
    w->out = NULL;
    if (error < 0)
        goto cleanup;
    if (fsync(w->fd) < 0) {
        error = og_error_set(og_error_for_errno(errno), "cannot flush '%s': %s", w->tmp,
                             strerror(errno));
        goto cleanup;
    }
    /* link + unlink: never over a file that appeared meanwhile */
    if (link(w->tmp, w->to) < 0) {
        error = og_error_set(errno == EEXIST ? OG_EEXISTS : og_error_for_errno(errno),
                             "cannot put the backup at '%s': %s", w->to, strerror(errno));
        goto cleanup;
    }
    unlink(w->tmp);
    w->tmp[0] = '\0';
    og_strlcpy(dir, w->to, sizeof(dir));
    error = og_dir_sync(dirname(dir));
cleanup:
    free(text);
    json_decref(manifest);
    og_backup__writer_abort(w);
    return error;
}

void og_backup__writer_abort(bk_writer *w)
{
    if (w->a) {
        archive_write_free(w->a); /* closes what is open; its errors no longer matter */
        w->a = NULL;
    }
    og_backup__pipe_abort(w->out);
    w->out = NULL;
    og_sha256_free(w->eh);
    w->eh = NULL;
    if (w->tmp[0]) {
        unlink(w->tmp);
        w->tmp[0] = '\0';
    }
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    json_decref(w->files);
    w->files = NULL;
}
