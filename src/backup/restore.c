/* restore.c - `opsgate backup verify FILE` and `opsgate restore --from FILE --data NEWDIR`: the
 * archive read once with every hash checked; a restore unpacks into a temporary folder, puts the
 * key back, opens the installation, verifies its audit trail and only then renames it into
 * place. */
#include "backup/backup_internal.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_BLOB_MAX 4096

/* The manifest as verify and restore report it: without the file list, with counts. */
static json_t *described(json_t *m)
{
    json_t *files = json_object_get(m, "files"), *f, *o = json_deep_copy(m);
    int64_t bytes = 0, objects = 0;
    size_t i;
    json_array_foreach(files, i, f)
    {
        bytes += json_integer_value(json_object_get(f, "size"));
        objects += strncmp(json_string_value(json_object_get(f, "path")), "objects/", 8) == 0;
    }
    if (o) {
        json_object_del(o, "files");
        json_object_set_new(o, "files", json_integer((json_int_t)json_array_size(files)));
        json_object_set_new(o, "bytes", json_integer(bytes));
        json_object_set_new(o, "objects", json_integer(objects));
    }
    return o;
}

int og_backup_verify(const char *file, og_backup_progress fn, void *arg, json_t **out)
{
    json_t *m = NULL;
    int error;
    if (!file || !*file)
        return og_error_set(OG_EINVAL, "no backup file given");
    if ((error = og_backup__scan(file, NULL, fn, arg, &m)) < 0)
        return error;
    if (out && !(*out = described(m)))
        error = og_error_set(OG_ERROR, "out of memory");
    json_decref(m);
    return error;
}

/* What a restore's scan gives its writing thread (pipe.c). */
enum { UP_BEGIN, UP_DATA, UP_END };

typedef struct unpack {
    const char *dir;
    bk_pipe *pipe; /* the files are written on its thread, while the scan reads on */
    /* the writing thread's */
    char path[PATH_MAX * 2], made[PATH_MAX * 2]; /* the file, the last folder made */
    int fd;
    int64_t written, kicked; /* bytes of the file written; of those, writeback started */
    /* the scan's */
    uint8_t *key; /* keys/master.key.sealed, kept in memory */
    size_t keylen;
    int in_key;
} unpack;

static int w_begin(unpack *u, const char *rel)
{
    char parent[PATH_MAX * 2];
    int error;
    snprintf(u->path, sizeof(u->path), "%s/%s", u->dir, rel);
    og_strlcpy(parent, u->path, sizeof(parent));
    dirname(parent);
    /* entries come folder by folder: each folder made once */
    if (strcmp(parent, u->made) != 0) {
        if ((error = og_mkdir_p(parent, 0700)) < 0)
            return error;
        og_strlcpy(u->made, parent, sizeof(u->made));
    }
    if ((u->fd = open(u->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
        return og_error_set(og_error_for_errno(errno), "cannot create '%s': %s", u->path,
                            strerror(errno));
    u->written = u->kicked = 0;
    return 0;
}

/* Start the writeback of what was written since the last time (a hint, not waited for: the
 * syncfs before the rename makes it durable), so that the disk writes while the restore goes on. */
static void w_kick(unpack *u)
{
    if (u->written > u->kicked)
        (void)sync_file_range(u->fd, u->kicked, u->written - u->kicked, SYNC_FILE_RANGE_WRITE);
    u->kicked = u->written;
}

static int w_data(unpack *u, const void *buf, size_t len)
{
    if (og_fd_write_all(u->fd, buf, len) < 0)
        return og_error_set(og_error_for_errno(errno), "cannot write '%s': %s", u->path,
                            strerror(errno));
    u->written += (int64_t)len;
    if (u->written - u->kicked >= BK_WRITEBACK)
        w_kick(u);
    return 0;
}

static int w_end(unpack *u)
{
    int error = 0;
    w_kick(u);
    /* made durable all at once before the rename (og_backup__sync_tree), not file by file */
    if (close(u->fd) < 0)
        error = og_error_set(og_error_for_errno(errno), "cannot write '%s': %s", u->path,
                             strerror(errno));
    u->fd = -1;
    return error;
}

/* The writing thread: each entry's file made, written and closed in turn. */
static int up_write(void *arg, int kind, const char *name, int64_t size, const void *buf,
                    size_t len)
{
    (void)size;
    return kind == UP_BEGIN  ? w_begin(arg, name)
           : kind == UP_DATA ? w_data(arg, buf, len)
                             : w_end(arg);
}

static int up_begin(void *arg, const char *rel, int64_t size)
{
    unpack *u = arg;
    u->in_key = strcmp(rel, OG_BACKUP_KEY_ENTRY) == 0;
    if (u->in_key) {
        if (size > KEY_BLOB_MAX)
            return og_error_set(OG_ECORRUPT, "the sealed key in the backup is too large");
        u->keylen = 0;
        return (u->key = malloc(KEY_BLOB_MAX)) ? 0 : og_error_set(OG_ERROR, "out of memory");
    }
    return og_backup__pipe_put(u->pipe, UP_BEGIN, rel, size, NULL, 0);
}

static int up_data(void *arg, const void *buf, size_t len)
{
    unpack *u = arg;
    if (u->in_key) {
        if (u->keylen + len > KEY_BLOB_MAX)
            return og_error_set(OG_ECORRUPT, "the sealed key in the backup is too large");
        memcpy(u->key + u->keylen, buf, len);
        u->keylen += len;
        return 0;
    }
    return og_backup__pipe_put(u->pipe, UP_DATA, NULL, 0, buf, len);
}

static int up_end(void *arg)
{
    unpack *u = arg;
    return u->in_key ? 0 : og_backup__pipe_put(u->pipe, UP_END, NULL, 0, NULL, 0);
}

/* The key into dir: from the archive with the passphrase, or from the file kept apart. */
static int put_key(const unpack *u, const og_restore_opts *o)
{
    if (o->master_key_file)
        return og_crypto_master_key_install(u->dir, o->master_key_file);
    if (!u->key)
        return og_error_set(OG_EINVAL, "the backup holds no installation key: give the master key"
                                       " kept apart (a backup made without keys)");
    return og_crypto_master_key_import(u->dir, o->pass, o->passlen, u->key, u->keylen);
}

/* Open what was unpacked: key fits, (a PostgreSQL installation's backup into a folder) the
 * objects' chunk rows become files, audit trail verifies. *res: the verification's counts. */
static int check_restored(const char *dir, int rows_to_files, og_audit_verify_result *res)
{
    int64_t objects = 0, bytes = 0;
    og_store *s = NULL;
    og_keyring *k = NULL;
    og_ctx ctx;
    int error;
    memset(res, 0, sizeof(*res));
    if ((error = og_install_open(dir, &s, &k)) < 0)
        goto cleanup;
    if ((error = og_crypto_master_key_fits(k, s)) < 0)
        goto cleanup;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = s;
    ctx.keys = k;
    ctx.data_dir = dir;
    og_actor_local(&ctx.actor);
    if (rows_to_files && (error = og_artifacts_objects_export(&ctx, &objects, &bytes)) < 0)
        goto cleanup;
    if ((error = og_audit_verify(&ctx, NULL, res)) < 0)
        og_error_wrap("the restored audit trail does not verify");
cleanup:
    og_store_close(s);
    og_keyring_free(k);
    return error;
}

/* secs: the restore's wall time in all; checking: of it, opening the installation and verifying
 * its audit trail (what a plain unpack does not do). */
static json_t *report(json_t *m, const char *data_dir, const og_audit_verify_result *res,
                      double secs, double checking)
{
    json_t *o = described(m);
    if (!o)
        return NULL;
    json_object_set_new(o, "seconds", json_real(secs));
    json_object_set_new(o, "check_seconds", json_real(checking));
    json_object_set_new(o, "data", json_string(data_dir));
    json_object_set_new(o, "audit",
                        json_pack("{s:I, s:I, s:I}", "chains", (json_int_t)res->chains, "records",
                                  (json_int_t)res->records, "checkpoints",
                                  (json_int_t)res->checkpoints));
    return o;
}

/* The key folder of a restore into PostgreSQL: made 0700 when missing, never one holding a key
 * or open to others. */
static int keys_ready(const char *dir)
{
    char key[PATH_MAX];
    struct stat sb;
    if (!dir || !*dir)
        return og_error_set(OG_EINVAL, "a restore into PostgreSQL needs the key folder that will"
                                       " hold the master key (--keys DIR)");
    if (snprintf(key, sizeof(key), "%s/%s", dir, OG_MASTER_KEY_FILE) >= (int)sizeof(key))
        return og_error_set(OG_EINVAL, "key folder path too long: '%s'", dir);
    if (lstat(key, &sb) == 0)
        return og_error_set(OG_EEXISTS, "key folder '%s' already holds a master key", dir);
    if (lstat(dir, &sb) < 0)
        return og_mkdir_p(dir, 0700);
    if (!S_ISDIR(sb.st_mode) || (sb.st_mode & 0077))
        return og_error_set(OG_EINVAL, "key folder '%s' is not a folder of mode 0700", dir);
    return 0;
}

/* A database that holds no installation (no module's schema applied). */
static int database_empty(const char *url)
{
    int count = 0, error = og_store_modules_applied(url, &count);
    if (error < 0)
        return error;
    return count ? og_error_set(OG_EEXISTS, "the PostgreSQL database holds an installation: a"
                                            " restore needs an empty database")
                 : 0;
}

/* The verified installation unpacked in dir copied into the empty database url: rows, object
 * files into chunk rows, the key into keys; then its audit trail verified there (*res). */
static int into_pg(const char *dir, const char *url, const char *keys, og_audit_verify_result *res)
{
    og_store *src = NULL, *dst = NULL;
    og_keyring *sk = NULL, *dk = NULL;
    int64_t objects = 0, bytes = 0;
    char key[PATH_MAX];
    int error, wrote_key = 0;
    og_ctx ctx;
    snprintf(key, sizeof(key), "%s/%s", keys, OG_MASTER_KEY_FILE);
    if ((error = og_install_open(dir, &src, &sk)) < 0 ||
        (error = og_store_open(&dst, url, 1)) < 0 || (error = og_store_bulk_writes(dst, 1)) < 0 ||
        (error = og_store_copy(src, dst, NULL, NULL)) < 0 ||
        (error = og_store_bulk_writes(dst, 0)) < 0)
        goto cleanup;
    if ((error = og_crypto_master_key_copy(dir, keys)) < 0)
        goto cleanup;
    wrote_key = 1;
    if ((error = og_keyring_open(&dk, keys)) < 0 ||
        (error = og_crypto_master_key_fits(dk, dst)) < 0)
        goto cleanup;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = dst;
    ctx.keys = dk;
    og_actor_local(&ctx.actor);
    if ((error = og_artifacts_objects_import(&ctx, dir, &objects, &bytes)) < 0)
        goto cleanup;
    if ((error = og_audit_verify(&ctx, NULL, res)) < 0)
        og_error_wrap("the restored audit trail does not verify on PostgreSQL");
cleanup:
    if (error < 0) {
        og_error_wrap("restoring into the PostgreSQL database (drop it and create it empty before"
                      " trying again)");
        if (wrote_key)
            unlink(key);
    }
    og_store_close(src);
    og_store_close(dst);
    og_keyring_free(sk);
    og_keyring_free(dk);
    return error;
}

/* Where the temporary folder goes: beside the new data folder, or beside the key folder. */
static int temp_beside(const char *place, char *tmp, size_t size, char *parent)
{
    char a[PATH_MAX], base[PATH_MAX];
    og_strlcpy(a, place, sizeof(a));
    og_strlcpy(parent, dirname(a), PATH_MAX);
    og_strlcpy(a, place, sizeof(a));
    og_strlcpy(base, basename(a), sizeof(base));
    if (snprintf(tmp, size, "%s/.%s.restore-XXXXXX", parent, base) >= (int)size)
        return og_error_set(OG_EINVAL, "path too long: '%s'", place);
    if (!mkdtemp(tmp)) {
        int e = errno;
        tmp[0] = '\0';
        return og_error_set(og_error_for_errno(e), "cannot make a folder beside '%s': %s", place,
                            strerror(e));
    }
    return 0;
}

int og_backup_restore(const char *file, const char *data_dir, const og_restore_opts *o,
                      json_t **out)
{
    char tmp[PATH_MAX], parent[PATH_MAX];
    unpack u = {.fd = -1};
    bk_sink sink = {up_begin, up_data, up_end, &u};
    og_audit_verify_result res;
    json_t *m = NULL;
    struct stat sb;
    int error = -1, to_pg = data_dir && og_store_url_is_server(data_dir);
    int64_t t0 = og_time_now_us();
    tmp[0] = '\0';
    if (!file || !data_dir || !*data_dir)
        return og_error_set(OG_EINVAL, "a restore needs a backup file and a new data folder");
    if (!o->master_key_file && !o->pass)
        return og_error_set(OG_EINVAL, "a restore needs the installation key: the master key"
                                       " kept apart, or the passphrase of a backup made with keys");
    if (to_pg && ((error = keys_ready(o->keys_dir)) < 0 || (error = database_empty(data_dir)) < 0))
        return error;
    if (!to_pg && lstat(data_dir, &sb) == 0)
        return og_error_set(OG_EEXISTS, "'%s' exists: a restore makes a new data folder", data_dir);
    if ((error = temp_beside(to_pg ? o->keys_dir : data_dir, tmp, sizeof(tmp), parent)) < 0)
        return error;
    u.dir = tmp;
    if ((error = og_backup__pipe_start(&u.pipe, up_write, &u)) < 0)
        goto cleanup;
    if ((error = og_backup__scan(file, &sink, o->progress, o->progress_arg, &m)) < 0)
        goto cleanup;
    /* every file written and closed (or the writing thread's error) before anything reads them */
    error = og_backup__pipe_finish(u.pipe);
    u.pipe = NULL;
    if (error < 0)
        goto cleanup;
    const char *backend = json_string_value(json_object_get(m, "backend"));
    int rows_to_files = !to_pg && backend && strcmp(backend, "postgres") == 0;
    int64_t t1 = og_time_now_us();
    if ((error = put_key(&u, o)) < 0 || (error = check_restored(tmp, rows_to_files, &res)) < 0)
        goto cleanup;
    int64_t t2 = og_time_now_us();
    if (to_pg) {
        if ((error = into_pg(tmp, data_dir, o->keys_dir, &res)) < 0)
            goto cleanup;
    } else {
        if ((error = og_backup__sync_tree(tmp)) < 0 || (error = og_dir_sync(tmp)) < 0)
            goto cleanup;
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, data_dir, RENAME_NOREPLACE) < 0) {
            error = og_error_set(errno == EEXIST ? OG_EEXISTS : og_error_for_errno(errno),
                                 "cannot put the restored folder at '%s': %s", data_dir,
                                 strerror(errno));
            goto cleanup;
        }
        tmp[0] = '\0';
        og_dir_sync(parent);
    }
    if (to_pg)
        t2 = og_time_now_us(); /* the rows' copy into PostgreSQL is part of the check */
    if (!(*out = report(m, og_install_label(data_dir), &res, (double)(og_time_now_us() - t0) / 1e6,
                        (double)(t2 - t1) / 1e6)))
        error = og_error_set(OG_ERROR, "out of memory");
cleanup:
    og_backup__pipe_abort(u.pipe); /* a failed scan: the thread stops before the folder goes */
    if (u.fd >= 0)
        close(u.fd);
    if (u.key)
        og_crypto_wipe(u.key, KEY_BLOB_MAX);
    free(u.key);
    if (tmp[0])
        og_backup__rmtree(tmp);
    json_decref(m);
    return error;
}
