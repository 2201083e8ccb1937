/* obj_files.c - the files object store (objstore.h): objects' sealed bytes in files under the data
 * folder, written to a locked temporary file, fsynced and renamed into place at commit; and the
 * sweep of stale temporary files. */
#include "artifacts/objstore.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int path_objects(char *out, size_t size, og_ctx *ctx, const char *tenant_id, const char *sub)
{
    if (!ctx->data_dir) /* no folder: the objects are rows (obj_rows.c) */
        return og_error_set(OG_EINVAL, "this installation has no data folder for artifact objects");
    int n = snprintf(out, size, "%s/objects/%s%s%s", ctx->data_dir, tenant_id, sub ? "/" : "",
                     sub ? sub : "");
    if (n < 0 || (size_t)n >= size)
        return og_error_set(OG_ERROR, "object path too long under '%s'", ctx->data_dir);
    return 0;
}

static int path_object(char *out, size_t size, og_ctx *ctx, const char *tenant_id, const char *name)
{
    if (!ctx->data_dir) /* no folder: the objects are rows (obj_rows.c) */
        return og_error_set(OG_EINVAL, "this installation has no data folder for artifact objects");
    int n = snprintf(out, size, "%s/objects/%s/%.2s/%s", ctx->data_dir, tenant_id, name, name);
    if (n < 0 || (size_t)n >= size)
        return og_error_set(OG_ERROR, "object path too long under '%s'", ctx->data_dir);
    return 0;
}

/* An object file's path, for the data-key re-seal (reseal.c); OG_EINVAL without a folder. */
int og_artifacts__obj_path(char *out, size_t size, og_ctx *ctx, const char *tenant_id,
                           const char *name)
{
    return path_object(out, size, ctx, tenant_id, name);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return og_error_set(OG_ERROR, "cannot open folder '%s': %s", dir, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc < 0)
        return og_error_set(OG_ERROR, "cannot sync folder '%s': %s", dir, strerror(e));
    return 0;
}

/* ---- writing ---- */

struct art_spill {
    og_ctx *ctx;
    char tenant_id[OG_ID_LEN];
    char tmp_path[PATH_MAX];
    int fd;
    int renamed;
};

int og_artifacts__fd_write(int fd, const void *data, size_t len, const char *what)
{
    if (og_fd_write_all(fd, data, len) < 0)
        return og_error_set(og_error_for_errno(errno), "cannot write %s: %s", what,
                            strerror(errno));
    return 0;
}

int og_artifacts__fd_read(int fd, void *buf, size_t cap, size_t *got, const char *what)
{
    ssize_t n;
    do {
        n = read(fd, buf, cap);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return og_error_set(OG_ERROR, "cannot read %s: %s", what, strerror(errno));
    *got = (size_t)n;
    return 0;
}

int og_artifacts__tmpfile(int *fd)
{
    const char *dir = getenv("TMPDIR");
    char path[PATH_MAX];
    if (!dir || !*dir)
        dir = "/tmp";
#ifdef O_TMPFILE
    if ((*fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
        return 0;
#endif
    if (snprintf(path, sizeof(path), "%s/opsgate-XXXXXX", dir) >= (int)sizeof(path))
        return og_error_set(OG_ERROR, "temporary folder path too long");
    if ((*fd = mkostemp(path, O_CLOEXEC)) < 0)
        return og_error_set(og_error_for_errno(errno), "cannot create a temporary file in '%s': %s",
                            dir, strerror(errno));
    unlink(path);
    return 0;
}

static int files_write(art_spill *s, const void *data, size_t len)
{
    return og_artifacts__fd_write(s->fd, data, len, s->tmp_path);
}

static void files_free(art_spill *s, int committed)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    if (!committed && !s->renamed && s->tmp_path[0])
        unlink(s->tmp_path);
    free(s);
}

static int files_open(art_spill **out, og_ctx *ctx, const char *tenant_id, const char *seal_id)
{
    int error = -1;
    char dir[PATH_MAX];
    struct stat sb;
    art_spill *s = calloc(1, sizeof(*s));
    if (!s)
        return og_error_set(OG_ERROR, "out of memory");
    s->fd = -1;
    s->ctx = ctx;
    og_strlcpy(s->tenant_id, tenant_id, sizeof(s->tenant_id));
    if ((error = path_objects(dir, sizeof(dir), ctx, tenant_id, "tmp")) < 0 ||
        (error = og_mkdir_p(dir, 0700)) < 0)
        goto cleanup;
    if (snprintf(s->tmp_path, sizeof(s->tmp_path), "%s/%s.part", dir, seal_id) >=
        (int)sizeof(s->tmp_path)) {
        s->tmp_path[0] = '\0';
        error = og_error_set(OG_ERROR, "temporary path too long under '%s'", dir);
        goto cleanup;
    }
    s->fd = open(s->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (s->fd < 0) {
        error = og_error_set(og_error_for_errno(errno), "cannot create '%s': %s", s->tmp_path,
                             strerror(errno));
        s->tmp_path[0] = '\0';
        goto cleanup;
    }
    /* Held while the upload writes: og_artifacts_tmp_sweep leaves a locked file alone, however
     * old (a new file: nobody else can hold it). */
    if (flock(s->fd, LOCK_EX | LOCK_NB) < 0) {
        error = og_error_set(OG_ERROR, "cannot lock '%s': %s", s->tmp_path, strerror(errno));
        goto cleanup;
    }
    /* A start-up sweep may have removed it between the create and the lock. */
    if (fstat(s->fd, &sb) < 0 || sb.st_nlink == 0) {
        error = og_error_set(OG_EBUSY, "temporary file '%s' was removed by a sweep; retry",
                             s->tmp_path);
        goto cleanup;
    }
    *out = s;
    s = NULL;
    error = 0;
cleanup:
    files_free(s, 0);
    return error;
}

static int files_end(art_spill *s)
{
    if (fsync(s->fd) < 0)
        return og_error_set(og_error_for_errno(errno), "cannot sync '%s': %s", s->tmp_path,
                            strerror(errno));
    /* The file stays open, and so locked, until the spill is freed: after the commit's rename, or
     * after a failure (which unlinks it). A sweep never sees it unlocked. */
    return 0;
}

static int files_commit(art_spill *s, const char *name)
{
    char path[PATH_MAX], dir[PATH_MAX];
    int error;
    if (!s->tmp_path[0])
        return og_error_set(OG_ERROR, "the object's temporary file is gone; upload it again");
    if ((error = path_object(path, sizeof(path), s->ctx, s->tenant_id, name)) < 0)
        return error;
    og_strlcpy(dir, path, sizeof(dir));
    *strrchr(dir, '/') = '\0';
    if ((error = og_mkdir_p(dir, 0700)) < 0)
        return error;
    /* Writers are serialized by the transaction's write lock, so no other writer renames onto
     * this name between the caller's check and here. */
    if (rename(s->tmp_path, path) < 0)
        return og_error_set(OG_ERROR, "cannot move '%s' to '%s': %s", s->tmp_path, path,
                            strerror(errno));
    s->renamed = 1;
    return fsync_dir(dir);
}

static void files_remove_after(og_ctx *ctx, const char *tenant_id, const char *name)
{
    char path[PATH_MAX];
    if (path_object(path, sizeof(path), ctx, tenant_id, name) == 0)
        unlink(path);
    else
        og_error_clear();
}

/* Back to the temporary name, so the same bytes can be committed again (a version re-run in a
 * new transaction of its batch); removed when that fails. Still locked: no sweep takes it. */
static void files_undo(art_spill *s, const char *name)
{
    char path[PATH_MAX];
    if (!s->renamed)
        return;
    s->renamed = 0;
    if (path_object(path, sizeof(path), s->ctx, s->tenant_id, name) < 0) {
        og_error_clear();
        return;
    }
    if (rename(path, s->tmp_path) < 0) {
        unlink(path);
        s->tmp_path[0] = '\0'; /* gone: nothing to commit again or to remove */
    }
}

static int files_discard(art_spill *s)
{
    (void)s;
    return 0; /* the temporary file goes when the spill is freed */
}

static int files_remove_rows(og_ctx *ctx, const char *tenant_id, const char *seal_id)
{
    (void)ctx;
    (void)tenant_id;
    (void)seal_id;
    return 0; /* the file goes after the commit */
}

/* ---- reading ---- */

struct art_src {
    int fd;
    const char *label;
};

static int files_src_open(art_src **out, og_ctx *ctx, const char *tenant_id, const char *name,
                          const char *seal_id, uint64_t stored_size, char *label)
{
    int error;
    (void)seal_id;
    (void)stored_size;
    if ((error = path_object(label, PATH_MAX, ctx, tenant_id, name)) < 0)
        return error;
    art_src *s = calloc(1, sizeof(*s));
    if (!s)
        return og_error_set(OG_ERROR, "out of memory");
    s->label = label;
    if ((s->fd = open(label, O_RDONLY | O_CLOEXEC)) < 0) {
        error =
            og_error_set(OG_ECORRUPT, "cannot open object file '%s': %s", label, strerror(errno));
        free(s);
        return error;
    }
    *out = s;
    return 0;
}

static int files_src_read(art_src *s, void *buf, size_t cap, size_t *got)
{
    return og_artifacts__fd_read(s->fd, buf, cap, got, s->label);
}

static void files_src_free(art_src *s)
{
    if (!s)
        return;
    close(s->fd);
    free(s);
}

const art_objstore og_artifacts__obj_files = {
    .name = "files",
    .reads_need_store = 0,
    .spill_open = files_open,
    .spill_write = files_write,
    .spill_end = files_end,
    .spill_commit = files_commit,
    .spill_undo = files_undo,
    .spill_discard = files_discard,
    .spill_free = files_free,
    .src_open = files_src_open,
    .src_read = files_src_read,
    .src_free = files_src_free,
    .remove_rows = files_remove_rows,
    .remove_after = files_remove_after,
};

/* ---- stale temporary files ---- */

/* Remove DIR/<name>.part files older than min_age_s (< 0: any age) that no live writer locks. */
static int sweep_dir(const char *dir, int64_t min_age_s, int *removed)

{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX];
    struct stat sb;
    time_t now = time(NULL);
    if (!d)
        return errno == ENOENT || errno == ENOTDIR
                   ? 0
                   : og_error_set(OG_ERROR, "cannot read '%s': %s", dir, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".part") != 0)
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
            continue;
        if (lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode) ||
            (min_age_s > 0 && now - sb.st_mtime < min_age_s))
            continue;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            continue;
        /* A writer (this process or another: a CLI upload while serve starts) holds it. */
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0 && removed)
            (*removed)++;
        close(fd);
    }
    closedir(d);
    return 0;
}

int og_artifacts_tmp_sweep(const char *data_dir, int64_t min_age_s, int *removed)
{
    char objects[PATH_MAX], tmp[PATH_MAX];
    DIR *d;
    struct dirent *e;
    int error = 0;
    if (removed)
        *removed = 0;
    if (!data_dir || !*data_dir)
        return og_error_set(OG_EINVAL, "no data folder given");
    if (min_age_s == 0)
        min_age_s = OG_ARTIFACTS_TMP_STALE_S;
    if (snprintf(objects, sizeof(objects), "%s/objects", data_dir) >= (int)sizeof(objects))
        return og_error_set(OG_EINVAL, "path too long under '%s'", data_dir);
    if (!(d = opendir(objects)))
        return errno == ENOENT
                   ? 0
                   : og_error_set(OG_ERROR, "cannot read '%s': %s", objects, strerror(errno));
    while ((e = readdir(d)) != NULL && error == 0) {
        if (!og_id_valid(e->d_name))
            continue; /* tenant folders only */
        if (snprintf(tmp, sizeof(tmp), "%s/%s/tmp", objects, e->d_name) >= (int)sizeof(tmp))
            continue;
        error = sweep_dir(tmp, min_age_s, removed);
    }
    closedir(d);
    return error;
}
