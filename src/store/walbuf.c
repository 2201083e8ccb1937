/* walbuf.c - one write per commit: a VFS over the default one ("opsgate-wal", the store's SQLite
 * connections open their databases on it) whose WAL files gather a transaction's writes in memory
 * and give them to the file as one pwrite.
 *
 * SQLite writes each WAL frame as two writes (its 24-byte header, then the page) and syncs the
 * WAL once at the commit: a commit of 9 frames was 18 pwrite()s, most of the kernel's share of a
 * commit. Here a WAL file keeps one contiguous range of bytes written and not yet given to the
 * file; a write that continues or overwrites that range joins it, any other write gives the range
 * to the file first. The range goes to the file (one write):
 *   - after the page of a commit frame (a frame header whose "database size after commit" field is
 *     not zero, then the write at the page's offset): before SQLite publishes the commit in the
 *     wal-index, so other connections and processes never read a committed frame that is only in
 *     memory, whatever the synchronous setting;
 *   - when a commit frame's header is written again at the offset it had (SQLite rewriting the
 *     checksums of frames it overwrote in one transaction: no page write follows);
 *   - before xSync (so nothing is acknowledged before it is in the file and synced: SQLite's own
 *     order), before a read or xTruncate that touches the file, at xClose, before a write that
 *     neither continues nor overlaps it, and when it would grow beyond WB_MAX.
 * So the file holds, at every point where SQLite's correctness depends on it, exactly what it
 * would have held without the shim; only writes SQLite has not yet relied on are later, which a
 * crash may lose anyway (nothing before the sync is durable). The main database, journals and
 * temporary files are the default VFS's own files, untouched. OPSGATE_WAL_BUFFER=0 in the
 * environment turns the gathering off (writes go through at once; for measurements). */
#include "store/store_internal.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WB_MAX     (120 * 1024) /* bytes gathered at most (the unix VFS writes < 128 KiB a call) */
#define WB_FRAME   24           /* a WAL frame header */
#define WB_WALHDR  32           /* the WAL file's header */
#define WB_ALIGNED ((sizeof(wb_file) + 15) & ~(size_t)15)

typedef struct wb_file {
    sqlite3_file base;  /* pMethods = &wb_io */
    sqlite3_file *real; /* the default VFS's file, in the same allocation after this struct */
    uint8_t *buf;
    size_t cap, len; /* buf holds len bytes of the file from start */
    sqlite3_int64 start;
    sqlite3_int64 page_at; /* >= 0: a commit frame's page is due at that offset */
    sqlite3_int64 hdr_at;  /* the offset of the last commit frame header seen, or -1 */
} wb_file;

static long wb_in, wb_out; /* writes SQLite made to WAL files, and writes given to them */
static int wb_gather = 1;

void og_store__walbuf_stats(long *in, long *out)
{
    *in = __atomic_load_n(&wb_in, __ATOMIC_RELAXED);
    *out = __atomic_load_n(&wb_out, __ATOMIC_RELAXED);
}

static int real_write(wb_file *w, const void *p, size_t n, sqlite3_int64 off)
{
    __atomic_fetch_add(&wb_out, 1, __ATOMIC_RELAXED);
    return w->real->pMethods->xWrite(w->real, p, (int)n, off);
}

/* The gathered range given to the file (dropped if that fails: SQLite fails the transaction and
 * writes its frames again). */
static int wb_flush(wb_file *w)
{
    int rc = SQLITE_OK;
    if (w->len > 0)
        rc = real_write(w, w->buf, w->len, w->start);
    w->len = 0;
    return rc;
}

static int wb_room(wb_file *w, size_t need)
{
    if (need <= w->cap)
        return 1;
    size_t cap = w->cap ? w->cap : 64 * 1024;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(w->buf, cap);
    if (!p)
        return 0;
    w->buf = p;
    w->cap = cap;
    return 1;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int wb_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
    wb_file *w = (wb_file *)f;
    size_t n = (size_t)amt;
    int rc, page = w->page_at >= 0 && off == w->page_at;
    __atomic_fetch_add(&wb_in, 1, __ATOMIC_RELAXED);
    if (off == 0 && n == WB_WALHDR)
        w->hdr_at = -1; /* the WAL starts over: offsets are new */
    /* not the continuation or an overwrite of the range, or the commit's page not next */
    if (w->len > 0 &&
        ((w->page_at >= 0 && !page) || off < w->start || off > w->start + (sqlite3_int64)w->len ||
         (size_t)(off - w->start) + n > WB_MAX) &&
        (rc = wb_flush(w)) != SQLITE_OK)
        return rc;
    w->page_at = -1;
    if (!wb_gather || n > WB_MAX)
        return real_write(w, data, n, off);
    if (w->len == 0)
        w->start = off;
    size_t at = (size_t)(off - w->start);
    if (!wb_room(w, at + n)) {
        if ((rc = wb_flush(w)) != SQLITE_OK)
            return rc;
        return real_write(w, data, n, off);
    }
    memcpy(w->buf + at, data, n);
    if (at + n > w->len)
        w->len = at + n;
    if (n == WB_FRAME && be32((const uint8_t *)data + 4) != 0) { /* a commit frame's header */
        /* written again where it was: SQLite rewriting checksums, no page need follow */
        page |= off == w->hdr_at;
        w->hdr_at = off;
        w->page_at = off + WB_FRAME;
    }
    return page ? wb_flush(w) : SQLITE_OK; /* the commit frame is whole */
}

static int wb_read(sqlite3_file *f, void *data, int amt, sqlite3_int64 off)
{
    wb_file *w = (wb_file *)f;
    int rc;
    if (w->len > 0 && off < w->start + (sqlite3_int64)w->len && off + amt > w->start &&
        (rc = wb_flush(w)) != SQLITE_OK)
        return rc;
    rc = w->real->pMethods->xRead(w->real, data, amt, off);
    /* short of a range gathered further on (the file ends before it): what lies between reads as
     * zeros once the range is in the file */
    if (rc == SQLITE_IOERR_SHORT_READ && w->len > 0 && (rc = wb_flush(w)) == SQLITE_OK)
        rc = w->real->pMethods->xRead(w->real, data, amt, off);
    return rc;
}

static int wb_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    wb_file *w = (wb_file *)f;
    int rc = wb_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int wb_sync(sqlite3_file *f, int flags)
{
    wb_file *w = (wb_file *)f;
    int rc = wb_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int wb_size(sqlite3_file *f, sqlite3_int64 *size)
{
    wb_file *w = (wb_file *)f;
    int rc = w->real->pMethods->xFileSize(w->real, size);
    if (rc == SQLITE_OK && w->len > 0 && w->start + (sqlite3_int64)w->len > *size)
        *size = w->start + (sqlite3_int64)w->len;
    return rc;
}

static int wb_close(sqlite3_file *f)
{
    wb_file *w = (wb_file *)f;
    int rc = wb_flush(w), rc2 = w->real->pMethods->xClose(w->real);
    free(w->buf);
    w->buf = NULL;
    w->cap = 0;
    return rc != SQLITE_OK ? rc : rc2;
}

#define REAL(f) (((wb_file *)(f))->real)
static int wb_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int wb_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int wb_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int wb_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int wb_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int wb_caps(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static const sqlite3_io_methods wb_io = {
    .iVersion = 1, /* the WAL file: shared memory and mapping are the main database's */
    .xClose = wb_close,
    .xRead = wb_read,
    .xWrite = wb_write,
    .xTruncate = wb_truncate,
    .xSync = wb_sync,
    .xFileSize = wb_size,
    .xLock = wb_lock,
    .xUnlock = wb_unlock,
    .xCheckReservedLock = wb_reserved,
    .xFileControl = wb_control,
    .xSectorSize = wb_sector,
    .xDeviceCharacteristics = wb_caps,
};

#define BASE(v) ((sqlite3_vfs *)(v)->pAppData)

/* A WAL file wrapped; every other file is the default VFS's, opened in place. */
static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    wb_file *w = (wb_file *)f;
    int rc;
    if (!(flags & SQLITE_OPEN_WAL))
        return BASE(vfs)->xOpen(BASE(vfs), name, f, flags, out);
    memset(w, 0, sizeof(*w));
    w->real = (sqlite3_file *)((char *)f + WB_ALIGNED);
    w->page_at = w->hdr_at = -1;
    rc = BASE(vfs)->xOpen(BASE(vfs), name, w->real, flags, out);
    if (rc != SQLITE_OK && w->real->pMethods)
        w->real->pMethods->xClose(w->real);
    f->pMethods = rc == SQLITE_OK ? &wb_io : NULL;
    return rc;
}

static int wb_delete(sqlite3_vfs *v, const char *name, int sync)
{
    return BASE(v)->xDelete(BASE(v), name, sync);
}

static int wb_access(sqlite3_vfs *v, const char *name, int flags, int *res)
{
    return BASE(v)->xAccess(BASE(v), name, flags, res);
}

static int wb_fullname(sqlite3_vfs *v, const char *name, int n, char *out)
{
    return BASE(v)->xFullPathname(BASE(v), name, n, out);
}

static void *wb_dlopen(sqlite3_vfs *v, const char *name)
{
    return BASE(v)->xDlOpen(BASE(v), name);
}

static void wb_dlerror(sqlite3_vfs *v, int n, char *out)
{
    BASE(v)->xDlError(BASE(v), n, out);
}

static void (*wb_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    return BASE(v)->xDlSym(BASE(v), h, sym);
}

static void wb_dlclose(sqlite3_vfs *v, void *h)
{
    BASE(v)->xDlClose(BASE(v), h);
}

static int wb_random(sqlite3_vfs *v, int n, char *out)
{
    return BASE(v)->xRandomness(BASE(v), n, out);
}

static int wb_sleep(sqlite3_vfs *v, int us)
{
    return BASE(v)->xSleep(BASE(v), us);
}

static int wb_time(sqlite3_vfs *v, double *t)
{
    return BASE(v)->xCurrentTime(BASE(v), t);
}

static int wb_lasterr(sqlite3_vfs *v, int n, char *out)
{
    return BASE(v)->xGetLastError(BASE(v), n, out);
}

static int wb_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
    return BASE(v)->xCurrentTimeInt64(BASE(v), t);
}

static sqlite3_vfs wb_vfs = {
    .iVersion = 2,
    .zName = OG_STORE__WAL_VFS,
    .xOpen = wb_open,
    .xDelete = wb_delete,
    .xAccess = wb_access,
    .xFullPathname = wb_fullname,
    .xDlOpen = wb_dlopen,
    .xDlError = wb_dlerror,
    .xDlSym = wb_dlsym,
    .xDlClose = wb_dlclose,
    .xRandomness = wb_random,
    .xSleep = wb_sleep,
    .xCurrentTime = wb_time,
    .xGetLastError = wb_lasterr,
    .xCurrentTimeInt64 = wb_time64,
};

static pthread_once_t wb_once = PTHREAD_ONCE_INIT;
static int wb_registered;

static void wb_register(void)
{
    sqlite3_vfs *base = sqlite3_vfs_find(NULL);
    const char *env = getenv("OPSGATE_WAL_BUFFER");
    if (!base || base->iVersion < 2)
        return;
    wb_gather = !(env && strcmp(env, "0") == 0);
    wb_vfs.pAppData = base;
    wb_vfs.mxPathname = base->mxPathname;
    wb_vfs.szOsFile = (int)WB_ALIGNED + base->szOsFile;
    wb_registered = sqlite3_vfs_register(&wb_vfs, 0) == SQLITE_OK;
}

const char *og_store__walbuf_vfs(void)
{
    pthread_once(&wb_once, wb_register);
    return wb_registered ? OG_STORE__WAL_VFS : NULL;
}
