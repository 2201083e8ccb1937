/* faulty.c - a store backend that fails on purpose: it wraps another backend's connection and
 * fails the Nth counted call (or every call from the Nth on), for tests that check that every
 * operation survives a database failure at any point without leaving anything half-written
 * (in the manner of SQLite's fault injection and jansson's test_chaos). */
#include "opsgate/error.h"
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct fault_conn {
    const og_store_backend *inner;
    void *conn;
    long nth;   /* the call that fails, 1-based; 0 = disarmed */
    int sticky; /* 1: every call from the nth on fails */
    long calls; /* counted calls since the last arm */
    long fired; /* failures injected since the last arm */
} fault_conn;

typedef struct fault_stmt {
    fault_conn *fc;
    void *st;
} fault_stmt;

/* Called at each injected fault: a place for a debugger's breakpoint
 * (`break og_store__fault_hit if call == 65`) to see who made the call. */
__attribute__((noinline)) void og_store__fault_hit(long call, const char *what);
__attribute__((noinline)) void og_store__fault_hit(long call, const char *what)
{
    (void)call;
    (void)what;
    __asm__ volatile("");
}

/* Count one call; 1 when it must fail (the message is set then). */
static int fault_now(fault_conn *fc, const char *what)
{
    fc->calls++;
    if (fc->nth <= 0 || fc->calls < fc->nth || (!fc->sticky && fc->calls != fc->nth))
        return 0;
    fc->fired++;
    og_store__fault_hit(fc->calls, what);
    og_error_set(OG_ERROR, "database: %s: injected fault at call %ld", what, fc->calls);
    return 1;
}

int og_store__fault_wrap(void **out, const og_store_backend *inner, void *conn)
{
    fault_conn *fc = calloc(1, sizeof(*fc));
    if (!fc)
        return og_error_set(OG_ERROR, "out of memory");
    fc->inner = inner;
    fc->conn = conn;
    *out = fc;
    return 0;
}

void og_store__fault_arm(void *fconn, long nth, int sticky)
{
    fault_conn *fc = fconn;
    fc->nth = nth > 0 ? nth : 0;
    fc->sticky = sticky ? 1 : 0;
    fc->calls = 0;
    fc->fired = 0;
}

long og_store__fault_calls(const void *fconn)
{
    return ((const fault_conn *)fconn)->calls;
}

long og_store__fault_fired(const void *fconn)
{
    return ((const fault_conn *)fconn)->fired;
}

static int fa_open(void **conn, const char *location, int create)
{
    (void)conn;
    (void)location;
    (void)create;
    return og_error_set(OG_ERROR, "the faulty backend only wraps an open store");
}

static void fa_close(void *conn)
{
    fault_conn *fc = conn;
    fc->inner->close(fc->conn);
    free(fc);
}

/* A rollback is never failed: it runs on error paths, and a backend whose rollback fails has lost
 * the connection anyway (SQLite rolls back itself then). Everything else run as a script counts:
 * BEGIN, COMMIT, SAVEPOINT, RELEASE and migrations. */
static int fa_exec(void *conn, const char *sql)
{
    fault_conn *fc = conn;
    if (strncasecmp(sql, "ROLLBACK", 8) != 0 && fault_now(fc, "exec"))
        return OG_ERROR;
    return fc->inner->exec(fc->conn, sql);
}

static int fa_prepare(void **stmt, void *conn, const char *sql)
{
    fault_conn *fc = conn;
    fault_stmt *fs = NULL;
    if (fault_now(fc, "prepare"))
        return OG_ERROR;
    fs = calloc(1, sizeof(*fs));
    if (!fs)
        return og_error_set(OG_ERROR, "out of memory");
    int rc = fc->inner->prepare(&fs->st, fc->conn, sql);
    if (rc < 0) {
        free(fs);
        return rc;
    }
    fs->fc = fc;
    *stmt = fs;
    return 0;
}

static int fa_bind_int(void *stmt, int idx, int64_t v)
{
    fault_stmt *fs = stmt;
    if (fault_now(fs->fc, "bind"))
        return OG_ERROR;
    return fs->fc->inner->bind_int(fs->st, idx, v);
}

static int fa_bind_text(void *stmt, int idx, const char *v)
{
    fault_stmt *fs = stmt;
    if (fault_now(fs->fc, "bind"))
        return OG_ERROR;
    return fs->fc->inner->bind_text(fs->st, idx, v);
}

static int fa_bind_blob(void *stmt, int idx, const void *v, size_t len)
{
    fault_stmt *fs = stmt;
    if (fault_now(fs->fc, "bind"))
        return OG_ERROR;
    return fs->fc->inner->bind_blob(fs->st, idx, v, len);
}

static int fa_bind_null(void *stmt, int idx)
{
    fault_stmt *fs = stmt;
    if (fault_now(fs->fc, "bind"))
        return OG_ERROR;
    return fs->fc->inner->bind_null(fs->st, idx);
}

static int fa_step(void *stmt)
{
    fault_stmt *fs = stmt;
    if (fault_now(fs->fc, "step"))
        return OG_ERROR;
    return fs->fc->inner->step(fs->st);
}

static int64_t fa_col_int(void *stmt, int col)
{
    fault_stmt *fs = stmt;
    return fs->fc->inner->col_int(fs->st, col);
}

static const char *fa_col_text(void *stmt, int col)
{
    fault_stmt *fs = stmt;
    return fs->fc->inner->col_text(fs->st, col);
}

static const void *fa_col_blob(void *stmt, int col, size_t *len)
{
    fault_stmt *fs = stmt;
    return fs->fc->inner->col_blob(fs->st, col, len);
}

static int fa_col_is_null(void *stmt, int col)
{
    fault_stmt *fs = stmt;
    return fs->fc->inner->col_is_null(fs->st, col);
}

static int fa_col_count(void *stmt)
{
    fault_stmt *fs = stmt;
    return fs->fc->inner->col_count(fs->st);
}

static const char *fa_col_name(void *stmt, int col)
{
    fault_stmt *fs = stmt;
    return fs->fc->inner->col_name(fs->st, col);
}

static og_col_type fa_col_type(void *stmt, int col)
{
    fault_stmt *fs = stmt;
    return fs->fc->inner->col_type(fs->st, col);
}

static int fa_reset(void *stmt)
{
    fault_stmt *fs = stmt;
    return fs->fc->inner->reset(fs->st);
}

static void fa_finalize(void *stmt)
{
    fault_stmt *fs = stmt;
    fs->fc->inner->finalize(fs->st);
    free(fs);
}

static int64_t fa_changes(void *conn)
{
    fault_conn *fc = conn;
    return fc->inner->changes(fc->conn);
}

static int fa_checkpoint(void *conn)
{
    fault_conn *fc = conn;
    if (fault_now(fc, "checkpoint"))
        return OG_ERROR;
    return fc->inner->checkpoint(fc->conn);
}

/* A setting, not a statement: never failed. */
static int fa_cache_limit(void *conn, int kib)
{
    fault_conn *fc = conn;
    return fc->inner->cache_limit(fc->conn, kib);
}

/* Never called: og_store_fault_arm wraps a store whose schema is already applied. */
static int fa_lock(void *conn, const char *key)
{
    fault_conn *fc = conn;
    if (!fc->inner->lock) /* nothing reaches the backend: not a call */
        return 0;
    if (fault_now(fc, "lock"))
        return OG_ERROR;
    return fc->inner->lock(fc->conn, key);
}

static void fa_atomic(void *conn, int on)
{
    fault_conn *fc = conn;
    if (fc->inner->atomic) /* not a call: nothing fails here */
        fc->inner->atomic(fc->conn, on);
}

static int fa_is_primary(void *conn)
{
    fault_conn *fc = conn;
    return fc->inner->is_primary ? fc->inner->is_primary(fc->conn) : 1;
}

static int fa_in_tx(void *conn)
{
    fault_conn *fc = conn;
    return fc->inner->in_tx ? fc->inner->in_tx(fc->conn) : 1;
}

static const char *fa_migration_sql(const og_migration *m)
{
    return m->sqlite;
}

const og_store_backend og_store__backend_faulty = {
    .name = "faulty",
    .open = fa_open,
    .close = fa_close,
    .exec = fa_exec,
    .prepare = fa_prepare,
    .bind_int = fa_bind_int,
    .bind_text = fa_bind_text,
    .bind_blob = fa_bind_blob,
    .bind_null = fa_bind_null,
    .step = fa_step,
    .col_int = fa_col_int,
    .col_text = fa_col_text,
    .col_blob = fa_col_blob,
    .col_is_null = fa_col_is_null,
    .col_count = fa_col_count,
    .col_name = fa_col_name,
    .col_type = fa_col_type,
    .reset = fa_reset,
    .finalize = fa_finalize,
    .changes = fa_changes,
    .checkpoint = fa_checkpoint,
    .cache_limit = fa_cache_limit,
    .begin_sql = "BEGIN IMMEDIATE",
    .lock = fa_lock,
    .atomic = fa_atomic,
    .is_primary = fa_is_primary,
    .migration_sql = fa_migration_sql,
    .in_tx = fa_in_tx,
};
