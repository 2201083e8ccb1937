/* snapstream.c - a SQLite snapshot given as a stream of bytes instead of written to a file
 * (og_store_snapshot_stream): `opsgate backup` puts it straight into its archive, so the database
 * is not written twice (a temporary copy, then the archive).
 *
 * The online backup API copies the snapshot into a destination database opened on a VFS of our
 * own ("opsgate-snapshot", registered once, used by that destination only). With all pages in one
 * sqlite3_backup_step inside the source's open read transaction, the destination's pager gets
 * pages 1..N in ascending order and writes them (cache spills, then the commit's sorted dirty
 * list) in that order, except page 1: the destination's btree holds page 1 for the whole
 * transaction and the commit rewrites its header (page count, change counter, schema cookie), so
 * it is written last. A tar entry is written in order and page 1 comes first, so the copy runs
 * twice in the same read transaction: the first pass keeps page 1 and the file's size and drops
 * the rest; the second gives page 1 from the first pass, then pages 2..N as they are written,
 * and checks that its own page 1 and size are the first pass's (the two copies are of the same
 * snapshot into an empty destination, so they are the same bytes). Anything the order does not
 * allow (a page written twice once given, a page read back, a write further ahead than a window
 * of SS_WINDOW pages) fails the copy: never a wrong copy. */
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/sys/store_backend.h"
#include "store/store_internal.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SS_VFS     "opsgate-snapshot"
#define SS_WINDOW  256           /* pages a write may run ahead of the next page given */
#define SS_OUT     (1024 * 1024) /* bytes given to the sink at a time */
#define SS_CACHE   "-2048"       /* the destination's page cache, KiB */
#define SS_PENDING 0x40000000LL  /* SQLite's lock byte: its page is never written */

typedef struct ss_stream {
    int measure;    /* the first pass: page 1 kept, the rest counted and dropped */
    int64_t psize;  /* the page size */
    int64_t end;    /* the furthest byte written: the file's size as SQLite sees it */
    uint8_t *page1; /* the first pass's page 1 */
    int page1_seen; /* this pass wrote page 1 */
    int64_t size;   /* the second pass: the size told (the first pass's end) */
    int64_t next;   /* the number of the next page to give (2 first) */
    uint8_t *win;   /* pages next.. next+SS_WINDOW-1, at pgno % SS_WINDOW */
    uint8_t have[SS_WINDOW];
    uint8_t *out; /* what goes to the sink next */
    size_t outlen;
    int64_t given; /* bytes given to the sink */
    const og_store_snapshot_sink *sink;
    og_store_snapshot_progress fn;
    void *farg;
    int error; /* the first failure, and its message */
    char msg[1024];
} ss_stream;

typedef struct ss_file {
    sqlite3_file base;
    ss_stream *ss;
} ss_file;

/* The first failure kept (sqlite3 answers an I/O error; the copy's caller tells this one). */
static int ss_fail(ss_stream *ss, int code, int sqerr)
{
    if (ss->error == 0) {
        ss->error = code;
        snprintf(ss->msg, sizeof(ss->msg), "%s", og_error_last());
    }
    return sqerr;
}

static int ss_flush(ss_stream *ss)
{
    int error;
    if (ss->outlen == 0)
        return 0;
    if ((error = ss->sink->data(ss->sink->arg, ss->out, ss->outlen)) < 0)
        return error;
    ss->given += (int64_t)ss->outlen;
    ss->outlen = 0;
    if (ss->fn)
        ss->fn(ss->given, ss->size, ss->farg);
    return 0;
}

static int ss_emit(ss_stream *ss, const void *page)
{
    memcpy(ss->out + ss->outlen, page, (size_t)ss->psize);
    ss->outlen += (size_t)ss->psize;
    return ss->outlen + (size_t)ss->psize > SS_OUT ? ss_flush(ss) : 0;
}

/* Give every page from next on that is here (and the lock-byte page, never written, as zeros). */
static int ss_drain(ss_stream *ss)
{
    int64_t last = ss->size / ss->psize, pending = SS_PENDING / ss->psize + 1;
    int error;
    while (ss->next <= last) {
        size_t at = (size_t)(ss->next % SS_WINDOW);
        if (ss->have[at]) {
            error = ss_emit(ss, ss->win + at * (size_t)ss->psize);
            ss->have[at] = 0;
        } else if (ss->next == pending) {
            memset(ss->win + at * (size_t)ss->psize, 0, (size_t)ss->psize);
            error = ss_emit(ss, ss->win + at * (size_t)ss->psize);
        } else
            break;
        if (error < 0)
            return error;
        ss->next++;
    }
    return 0;
}

static int ss_write_page(ss_stream *ss, const void *buf, int64_t pgno)
{
    if (pgno == 1) {
        if (ss->measure)
            memcpy(ss->page1, buf, (size_t)ss->psize);
        else if (memcmp(ss->page1, buf, (size_t)ss->psize) != 0)
            return og_error_set(OG_ERROR, "the database's copy changed between its two passes"
                                          " (page 1)");
        ss->page1_seen = 1;
        return 0;
    }
    if (ss->measure)
        return 0;
    if (pgno < ss->next)
        return og_error_set(OG_ERROR,
                            "the database's copy rewrote page %lld after it went into"
                            " the stream",
                            (long long)pgno);
    if (pgno >= ss->next + SS_WINDOW || pgno > ss->size / ss->psize)
        return og_error_set(OG_ERROR,
                            "the database's copy wrote page %lld out of order (next:"
                            " %lld of %lld)",
                            (long long)pgno, (long long)ss->next,
                            (long long)(ss->size / ss->psize));
    size_t at = (size_t)(pgno % SS_WINDOW);
    memcpy(ss->win + at * (size_t)ss->psize, buf, (size_t)ss->psize);
    ss->have[at] = 1;
    return ss_drain(ss);
}

static int ss_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    ss_stream *ss = ((ss_file *)f)->ss;
    int error;
    if (ss->error < 0)
        return SQLITE_IOERR_WRITE;
    if (amt != ss->psize || off % ss->psize != 0) {
        og_error_set(OG_ERROR, "the database's copy wrote %d bytes at %lld, not a page", amt,
                     (long long)off);
        return ss_fail(ss, OG_ERROR, SQLITE_IOERR_WRITE);
    }
    if ((error = ss_write_page(ss, buf, off / ss->psize + 1)) < 0)
        return ss_fail(ss, error, SQLITE_IOERR_WRITE);
    if (off + amt > ss->end)
        ss->end = off + amt;
    return SQLITE_OK;
}

static int ss_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    ss_stream *ss = ((ss_file *)f)->ss;
    if (off >= ss->end) {
        memset(buf, 0, (size_t)amt);
        return SQLITE_IOERR_SHORT_READ;
    }
    if (ss->page1_seen && off + amt <= ss->psize) {
        memcpy(buf, ss->page1 + off, (size_t)amt);
        return SQLITE_OK;
    }
    og_error_set(OG_ERROR,
                 "the database's copy read back %d bytes at %lld, which went into the"
                 " stream",
                 amt, (long long)off);
    return ss_fail(ss, OG_ERROR, SQLITE_IOERR_READ);
}

static int ss_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    ss_stream *ss = ((ss_file *)f)->ss;
    if (size == ss->end)
        return SQLITE_OK;
    og_error_set(OG_ERROR, "the database's copy cut its file to %lld bytes", (long long)size);
    return ss_fail(ss, OG_ERROR, SQLITE_IOERR_TRUNCATE);
}

static int ss_size(sqlite3_file *f, sqlite3_int64 *size)
{
    *size = ((ss_file *)f)->ss->end;
    return SQLITE_OK;
}

static int ss_close(sqlite3_file *f)
{
    (void)f;
    return SQLITE_OK;
}

static int ss_sync(sqlite3_file *f, int flags)
{
    (void)f;
    (void)flags;
    return SQLITE_OK;
}

static int ss_lock(sqlite3_file *f, int level)
{
    (void)f;
    (void)level;
    return SQLITE_OK; /* the destination is this process's alone */
}

static int ss_reserved(sqlite3_file *f, int *res)
{
    (void)f;
    *res = 0;
    return SQLITE_OK;
}

static int ss_control(sqlite3_file *f, int op, void *arg)
{
    (void)f;
    (void)op;
    (void)arg;
    return SQLITE_NOTFOUND;
}

static int ss_sector(sqlite3_file *f)
{
    (void)f;
    return 4096;
}

static int ss_caps(sqlite3_file *f)
{
    (void)f;
    return 0;
}

static const sqlite3_io_methods ss_io = {
    .iVersion = 1,
    .xClose = ss_close,
    .xRead = ss_read,
    .xWrite = ss_write,
    .xTruncate = ss_truncate,
    .xSync = ss_sync,
    .xFileSize = ss_size,
    .xLock = ss_lock,
    .xUnlock = ss_lock,
    .xCheckReservedLock = ss_reserved,
    .xFileControl = ss_control,
    .xSectorSize = ss_sector,
    .xDeviceCharacteristics = ss_caps,
};

/* Only the main database, named by ss_name(): a journal or temporary file is refused. */
static int ss_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    void *p = NULL;
    (void)vfs;
    f->pMethods = NULL;
    if (!name || !(flags & SQLITE_OPEN_MAIN_DB) || sscanf(name, SS_VFS "-%p", &p) != 1 || !p)
        return SQLITE_CANTOPEN;
    ((ss_file *)f)->ss = p;
    f->pMethods = &ss_io;
    if (out)
        *out = flags;
    return SQLITE_OK;
}

static int ss_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
    (void)vfs;
    (void)name;
    (void)sync;
    return SQLITE_OK;
}

static int ss_access(sqlite3_vfs *vfs, const char *name, int flags, int *res)
{
    (void)vfs;
    (void)name;
    (void)flags;
    *res = 0; /* no journal, no WAL */
    return SQLITE_OK;
}

static int ss_fullname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return snprintf(out, (size_t)n, "%s", name) < n ? SQLITE_OK : SQLITE_CANTOPEN;
}

/* Time, randomness and sleeping from the default VFS. */
#define BASE(v) ((sqlite3_vfs *)(v)->pAppData)
static int ss_random(sqlite3_vfs *v, int n, char *out)
{
    return BASE(v)->xRandomness(BASE(v), n, out);
}

static int ss_sleep(sqlite3_vfs *v, int us)
{
    return BASE(v)->xSleep(BASE(v), us);
}

static int ss_time(sqlite3_vfs *v, double *t)
{
    return BASE(v)->xCurrentTime(BASE(v), t);
}

static int ss_lasterr(sqlite3_vfs *v, int n, char *out)
{
    return BASE(v)->xGetLastError(BASE(v), n, out);
}

static sqlite3_vfs ss_vfs = {
    .iVersion = 1,
    .szOsFile = sizeof(ss_file),
    .mxPathname = 256,
    .zName = SS_VFS,
    .xOpen = ss_open,
    .xDelete = ss_delete,
    .xAccess = ss_access,
    .xFullPathname = ss_fullname,
    .xRandomness = ss_random,
    .xSleep = ss_sleep,
    .xCurrentTime = ss_time,
    .xGetLastError = ss_lasterr,
};

static pthread_once_t ss_once = PTHREAD_ONCE_INIT;
static int ss_registered;

static void ss_register(void)
{
    ss_vfs.pAppData = sqlite3_vfs_find(NULL);
    ss_registered = ss_vfs.pAppData && sqlite3_vfs_register(&ss_vfs, 0) == SQLITE_OK;
}

/* One pass: the snapshot of src's open read transaction copied into a destination on ss. */
static int ss_pass(sqlite3 *src, ss_stream *ss)
{
    char name[64], sql[160];
    sqlite3 *dst = NULL;
    sqlite3_backup *b = NULL;
    int error = -1, rc;
    snprintf(name, sizeof(name), SS_VFS "-%p", (void *)ss);
    snprintf(sql, sizeof(sql),
             "PRAGMA page_size=%lld; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
             " PRAGMA cache_size=" SS_CACHE,
             (long long)ss->psize);
    if (sqlite3_open_v2(name, &dst,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        SS_VFS) != SQLITE_OK ||
        sqlite3_exec(dst, sql, NULL, NULL, NULL) != SQLITE_OK) {
        error = og_error_set(OG_ERROR, "cannot open the database's copy: %s",
                             dst ? sqlite3_errmsg(dst) : "out of memory");
        goto cleanup;
    }
    if (!(b = sqlite3_backup_init(dst, "main", src, "main"))) {
        error = og_error_set(OG_ERROR, "cannot start the database's copy: %s", sqlite3_errmsg(dst));
        goto cleanup;
    }
    /* every page in one step: one pass in ascending order, in src's read transaction */
    rc = sqlite3_backup_step(b, -1);
    int frc = sqlite3_backup_finish(b);
    b = NULL;
    if (ss->error < 0)
        error = og_error_set(ss->error, "%s", ss->msg);
    else if (rc != SQLITE_DONE || frc != SQLITE_OK)
        error = og_error_set(OG_ERROR, "copying the database: %s", sqlite3_errmsg(dst));
    else if (!ss->page1_seen)
        error = og_error_set(OG_ERROR, "the database's copy never wrote its header");
    else
        error = 0;
cleanup:
    sqlite3_close(dst);
    return error;
}

int og_store__sqlite_snapshot_stream(void *conn, const og_store_snapshot_sink *sink,
                                     og_store_snapshot_progress fn, void *arg)
{
    sqlite3 *src = conn;
    sqlite3_stmt *st = NULL;
    ss_stream ss = {.measure = 1, .sink = sink, .fn = fn, .farg = arg, .next = 2};
    int error = -1;
    pthread_once(&ss_once, ss_register);
    if (!ss_registered)
        return og_error_set(OG_ERROR, "cannot register SQLite's snapshot VFS");
    if (sqlite3_prepare_v2(src, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ss.psize = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (ss.psize < 512 || ss.psize > 65536)
        return og_error_set(OG_ERROR, "cannot read the database's page size");
    if (!(ss.page1 = malloc((size_t)ss.psize)) ||
        !(ss.win = malloc((size_t)ss.psize * SS_WINDOW)) || !(ss.out = malloc(SS_OUT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = ss_pass(src, &ss)) < 0)
        goto cleanup;
    ss.size = ss.end;
    ss.measure = 0;
    ss.end = 0;
    ss.page1_seen = 0;
    if ((error = sink->begin(sink->arg, ss.size)) < 0)
        goto cleanup;
    ss.outlen = 0;
    if ((error = ss_emit(&ss, ss.page1)) < 0 || (error = ss_pass(src, &ss)) < 0 ||
        (error = ss_drain(&ss)) < 0 || (error = ss_flush(&ss)) < 0)
        goto cleanup;
    if (ss.end != ss.size || ss.given != ss.size)
        error = og_error_set(OG_ERROR,
                             "the database's copy is %lld bytes, not the %lld of its"
                             " first pass",
                             (long long)ss.given, (long long)ss.size);
cleanup:
    free(ss.page1);
    free(ss.win);
    free(ss.out);
    return error;
}
