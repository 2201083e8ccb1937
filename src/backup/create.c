/* create.c - `opsgate backup --to FILE`: a consistent snapshot of a running data folder (the
 * database through the store's snapshot, the object files it references hard-linked while the
 * writer lock is held) written as one archive with its manifest. The pinned object files go into
 * the archive on a thread of their own while the snapshot makes its first pass over the database
 * (SQLite) or copies its rows into a SQLite file (PostgreSQL); then the database follows them:
 * a SQLite database's pages straight into the archive (og_store_snapshot_stream), PostgreSQL's
 * file. */
#include "backup/backup_internal.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pinned {
    char *relpath;
    int64_t size;
} pinned;

typedef struct job {
    og_ctx *ctx;
    char staging[PATH_MAX];
    pinned *objs;
    size_t n, cap;
    int64_t object_bytes;
    json_t *chains, *schemas;
    const og_backup_opts *opts;
    /* the object files' thread: archives into w while the snapshot reads the database, until
     * the database's entry begins */
    bk_writer *w;
    int to_file; /* PostgreSQL: the snapshot is a SQLite file (dbfile) */
    pthread_t objects;
    int started;
    int64_t dbsize;      /* the database's bytes in the archive */
    atomic_int stop;     /* set when the snapshot failed: the thread ends early */
    int obj_error;       /* the thread's result, and its message (its error slot is */
    char obj_msg[1024];  /* its own) */
    pthread_mutex_t say; /* one progress line at a time from the two threads */
} job;

/* One object file of the snapshot, hard-linked into the staging folder as its index. */
static int pin_one(const char *relpath, int64_t size, void *arg)
{
    job *j = arg;
    char src[PATH_MAX * 2], dst[PATH_MAX + 32];
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 256;
        pinned *p = realloc(j->objs, cap * sizeof(*p));
        if (!p)
            return og_error_set(OG_ERROR, "out of memory");
        j->objs = p;
        j->cap = cap;
    }
    snprintf(src, sizeof(src), "%s/%s", j->ctx->data_dir, relpath);
    snprintf(dst, sizeof(dst), "%s/%zu", j->staging, j->n);
    if (link(src, dst) < 0)
        return og_error_set(errno == ENOENT ? OG_ECORRUPT : og_error_for_errno(errno),
                            "cannot pin object file '%s' for the backup: %s", src, strerror(errno));
    if (!(j->objs[j->n].relpath = strdup(relpath)))
        return og_error_set(OG_ERROR, "out of memory");
    j->objs[j->n++].size = size;
    j->object_bytes += size;
    return 0;
}

/* Each tenant chain gets "tenant": the tenant's name (a deleted tenant's chain has none). */
static void name_chains(og_ctx *v, json_t *chains)
{
    json_t *c;
    size_t i;
    og_tenant t;
    json_array_foreach(chains, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "chain"));
        if (id && strcmp(id, "platform") != 0 && og_tenant_get(v, id, &t) == 0)
            json_object_set_new(c, "tenant", json_string(t.name));
    }
}

static void say(job *j, const char *phase, int64_t done, int64_t total)
{
    if (!j->opts->progress)
        return;
    pthread_mutex_lock(&j->say);
    j->opts->progress(phase, done, total, j->opts->progress_arg);
    pthread_mutex_unlock(&j->say);
}

static void archive_progress(const char *phase, int64_t done, int64_t total, void *arg)
{
    say(arg, phase, done, total);
}

/* The pinned object files into the archive, each link removed once archived (its space goes back
 * at once). */
static int objects_all(job *j)
{
    char path[PATH_MAX + 32];
    int error = 0;
    for (size_t i = 0; error == 0 && i < j->n; i++) {
        if (atomic_load(&j->stop)) {
            error = og_error_set(OG_ERROR, "stopped: the database's snapshot failed");
            break;
        }
        snprintf(path, sizeof(path), "%s/%zu", j->staging, i);
        error = og_backup__add_file(j->w, j->objs[i].relpath, path, j->objs[i].size);
        unlink(path);
    }
    return error;
}

/* objects_all on its own thread beside the snapshot's first pass or copy into a file. */
static void *archive_objects(void *arg)
{
    job *j = arg;
    int error = objects_all(j);
    if (error < 0) {
        j->obj_error = error;
        og_strlcpy(j->obj_msg, og_error_last(), sizeof(j->obj_msg));
    }
    return NULL;
}

/* Wait for the object files' thread; its error, if any, set again in this thread. */
static int objects_join(job *j)
{
    if (!j->started)
        return 0;
    pthread_join(j->objects, NULL);
    j->started = 0;
    return j->obj_error < 0 ? og_error_set(j->obj_error, "%s", j->obj_msg) : 0;
}

/* Under the writer lock, on the snapshot: pin the object files, read chains and schemas; then
 * start archiving the pinned files (they no longer change) while the database is copied. */
static int hold(og_store *view, void *arg)
{
    job *j = arg;
    og_ctx v = *j->ctx;
    v.store = view;
    /* PostgreSQL keeps every object in the database: nothing to pin */
    int error = v.data_dir ? og_artifacts_object_files(&v, pin_one, j) : 0;
    if (error == 0)
        error = og_audit_chains(&v, &j->chains);
    if (error == 0)
        name_chains(&v, j->chains);
    if (error == 0)
        error = og_store_schema_versions(view, &j->schemas);
    if (error == 0 && j->n > 0) {
        int rc = pthread_create(&j->objects, NULL, archive_objects, j);
        if (rc != 0)
            return og_error_set(OG_ERROR, "cannot start a thread: %s", strerror(rc));
        j->started = 1;
    }
    return error;
}

static void db_progress(int64_t done, int64_t total, void *arg)
{
    say(arg, "database", done, total);
}

/* The stream of the database's snapshot: one archive entry, once the object files' thread is
 * done with the archive. */
static int db_begin(void *arg, int64_t size)
{
    job *j = arg;
    int error = objects_join(j);
    j->dbsize = size;
    return error < 0 ? error : og_backup__entry_open(j->w, "opsgate.db", size);
}

static int db_data(void *arg, const void *buf, size_t len)
{
    job *j = arg;
    return og_backup__entry_write(j->w, buf, len);
}

/* The object files (on their thread, started by hold) and the database into the archive: a
 * SQLite database streamed; PostgreSQL's rows copied into the SQLite file dbfile, then that
 * file. */
static int add_database(job *j, const char *url, const char *dbfile)
{
    og_store_snapshot_sink sink = {db_begin, db_data, j};
    int error;
    struct stat sb;
    if (!j->to_file)
        return (error = og_store_snapshot_stream(url, hold, j, &sink, db_progress, j)) < 0
                   ? error
                   : og_backup__entry_close(j->w);
    if ((error = og_store_snapshot(url, dbfile, hold, j, db_progress, j)) < 0 ||
        (error = objects_join(j)) < 0)
        return error;
    j->dbsize = stat(dbfile, &sb) == 0 ? sb.st_size : 0;
    return og_backup__add_file(j->w, "opsgate.db", dbfile, -1);
}

/* The HTTPS listeners' public certificate records at the top of the data folder. */
static int add_listener_records(bk_writer *w, const char *data_dir)
{
    char path[PATH_MAX * 2];
    struct dirent *de;
    int error = 0;
    DIR *d = opendir(data_dir);
    if (!d)
        return og_error_set(OG_ERROR, "cannot list '%s': %s", data_dir, strerror(errno));
    while (error == 0 && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (strncmp(de->d_name, "tls-listener-", 13) != 0 || n < 18 ||
            strcmp(de->d_name + n - 4, ".pem") != 0 || og_backup__path_ok(de->d_name) < 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", data_dir, de->d_name);
        error = og_backup__add_file(w, de->d_name, path, -1);
    }
    closedir(d);
    return error;
}

/* After the database and the object files: the listeners' records, the sealed key. */
static int add_rest(job *j, bk_writer *w, const uint8_t *key, size_t keylen)
{
    int error = 0;
    if (j->ctx->data_dir)
        error = add_listener_records(w, j->ctx->data_dir);
    if (error == 0 && key)
        error = og_backup__add_mem(w, OG_BACKUP_KEY_ENTRY, key, keylen);
    return error;
}

static json_t *summary(const job *j, const char *to, int64_t t0)
{
    struct stat sb;
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:O, s:f}", "file", to, "backend",
                     og_store_backend_name(j->ctx->store), "bytes",
                     (json_int_t)(stat(to, &sb) == 0 ? sb.st_size : 0), "files",
                     (json_int_t)(j->n + 1), "objects", (json_int_t)j->n, "object_bytes",
                     (json_int_t)j->object_bytes, "database_bytes", (json_int_t)j->dbsize,
                     "keys_included", j->opts->include_keys, "chains", j->chains, "seconds",
                     (double)(og_time_now_us() - t0) / 1e6);
}

int og_backup_create(og_ctx *ctx, const char *to, const og_backup_opts *opts, json_t **out)
{
    job j = {.ctx = ctx, .opts = opts, .say = PTHREAD_MUTEX_INITIALIZER};
    bk_writer w = {.fd = -1};
    char dbfile[PATH_MAX] = "", *url = NULL;
    uint8_t *key = NULL;
    size_t keylen = 0;
    int error = -1, dbfd = -1, lockfd = -1;
    int64_t t0 = og_time_now_us();
    const char *folder = ctx->data_dir, *keydir = folder ? folder : opts->keys_dir;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if (!folder && (!opts->location || !og_store_url_is_server(opts->location)))
        return og_error_set(OG_EINVAL, "a backup needs the data folder or the PostgreSQL URL");
    if (!to || !*to)
        return og_error_set(OG_EINVAL, "a backup needs a file to write");
    if (opts->include_keys && !keydir)
        return og_error_set(OG_EINVAL, "--include-keys needs the key folder (--keys DIR)");
    if (opts->include_keys &&
        (error = og_crypto_master_key_export(keydir, opts->pass, opts->passlen, &key, &keylen)) < 0)
        return og_error_wrap("sealing the installation key");
    og_backup__sweep(to, folder);
    if (!(url = folder ? og_install_db_url(folder) : strdup(opts->location))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    j.w = &w;
    j.to_file = og_store_url_is_server(url);
    if ((error = og_backup__writer_open(&w, to, opts->progress ? archive_progress : NULL, &j)) <
            0 ||
        (j.to_file &&
         (error = og_backup__tmp_beside(to, "db", dbfile, sizeof(dbfile), &dbfd)) < 0) ||
        (folder &&
         (error = og_backup__staging_make(folder, j.staging, sizeof(j.staging), &lockfd)) < 0))
        goto cleanup;
    /* a failed snapshot's error is the one told: cleanup stops the thread without a word */
    if ((error = add_database(&j, url, dbfile)) < 0 || (error = add_rest(&j, &w, key, keylen)) < 0)
        goto cleanup;
    json_t *m = og_backup__manifest_new(og_store_backend_name(ctx->store), j.schemas, j.chains,
                                        key != NULL);
    if (!m) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_backup__writer_finish(&w, m)) < 0)
        goto cleanup;
    if (!(*out = summary(&j, to, t0)))
        error = og_error_set(OG_ERROR, "out of memory");
cleanup:
    if (j.started) {
        atomic_store(&j.stop, 1);
        pthread_join(j.objects, NULL);
    }
    og_backup__writer_abort(&w);
    if (dbfile[0])
        unlink(dbfile);
    if (dbfd >= 0)
        close(dbfd);
    if (j.staging[0] && lockfd >= 0)
        og_backup__rmtree(j.staging);
    if (lockfd >= 0)
        close(lockfd);
    for (size_t i = 0; i < j.n; i++)
        free(j.objs[i].relpath);
    free(j.objs);
    json_decref(j.chains);
    json_decref(j.schemas);
    if (key)
        og_crypto_wipe(key, keylen);
    free(key);
    free(url);
    return error;
}
