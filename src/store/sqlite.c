/* sqlite.c - the SQLite store backend: WAL, foreign keys, busy timeout, prepared statements. */
#include "opsgate/error.h"
#include "opsgate/sys/store_backend.h"
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int sq_err(sqlite3 *db, const char *what)
{
    int ext = sqlite3_extended_errcode(db);
    int code = OG_ERROR;
    if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
        code = OG_EBUSY;
    else if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        code = OG_EEXISTS;
    else if ((ext & 0xff) == SQLITE_CORRUPT || (ext & 0xff) == SQLITE_NOTADB)
        code = OG_ECORRUPT;
    else if ((ext & 0xff) == SQLITE_FULL ||
             ((ext & 0xff) == SQLITE_IOERR &&
              og_error_for_errno(sqlite3_system_errno(db)) == OG_ENOSPACE))
        code = OG_ENOSPACE; /* disk full, quota, or a file-size limit (EFBIG) */
    return og_error_set(code, "database: %s: %s", what, sqlite3_errmsg(db));
}

/*
 * The database holds every tenant's sealed data and the audit trail: its files are 0600 whatever
 * the umask. SQLite creates the -wal and -shm files (and a rollback journal) with the mode of the
 * database file, so the database file is created 0600 before SQLite opens it. Files an older
 * opsgate created looser are tightened on open (best effort: a file owned by someone else stays
 * as it is; the data folder itself is 0700).
 */
static int private_files(const char *location, int create)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[4096];
    struct stat sb;
    if (!*location || location[0] == ':' || strncmp(location, "file:", 5) == 0)
        return 0; /* in memory, or a URI: not a plain file of ours */
    if (create) {
        int fd = open(location, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            return og_error_set(OG_ERROR, "cannot create database '%s': %s", location,
                                strerror(errno));
        close(fd);
    }
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        if (snprintf(path, sizeof(path), "%s%s", location, suffixes[i]) >= (int)sizeof(path))
            return og_error_set(OG_EINVAL, "database path too long: '%s'", location);
        if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077) != 0)
            (void)chmod(path, sb.st_mode & 0700);
    }
    return 0;
}

static int sq_open(void **conn, const char *location, int create)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int perr = private_files(location, create);
    if (perr < 0)
        return perr;
    int rc = sqlite3_open_v2(location, &db, flags, og_store__walbuf_vfs());
    if (rc != SQLITE_OK) {
        int e = og_error_set(rc == SQLITE_CANTOPEN ? OG_ENOTFOUND : OG_ERROR,
                             "cannot open database '%s': %s", location,
                             db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return e;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 30000);
    char *msg = NULL;
    rc = sqlite3_exec(db,
                      "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;"
                      "PRAGMA trusted_schema=OFF; PRAGMA secure_delete=ON;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int e = og_error_set(rc == SQLITE_NOTADB ? OG_ECORRUPT : OG_ERROR,
                             "cannot configure database '%s': %s", location, msg ? msg : "");
        sqlite3_free(msg);
        sqlite3_close(db);
        return e;
    }
    *conn = db;
    return 0;
}

static void sq_close(void *conn)
{
    sqlite3_close_v2(conn);
}

static int sq_exec(void *conn, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(conn, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        sqlite3_free(msg);
        return sq_err(conn, "exec");
    }
    return 0;
}

static int sq_prepare(void **stmt, void *conn, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return sq_err(conn, "prepare");
    *stmt = st;
    return 0;
}

static int bind_rc(sqlite3_stmt *st, int rc)
{
    if (rc != SQLITE_OK)
        return sq_err(sqlite3_db_handle(st), "bind");
    return 0;
}

static int sq_bind_int(void *stmt, int idx, int64_t v)
{
    return bind_rc(stmt, sqlite3_bind_int64(stmt, idx, v));
}

static int sq_bind_text(void *stmt, int idx, const char *v)
{
    if (!v)
        return bind_rc(stmt, sqlite3_bind_null(stmt, idx));
    return bind_rc(stmt, sqlite3_bind_text(stmt, idx, v, -1, SQLITE_TRANSIENT));
}

static int sq_bind_blob(void *stmt, int idx, const void *v, size_t len)
{
    return bind_rc(stmt, sqlite3_bind_blob64(stmt, idx, v ? v : "", len, SQLITE_TRANSIENT));
}

static int sq_bind_null(void *stmt, int idx)
{
    return bind_rc(stmt, sqlite3_bind_null(stmt, idx));
}

static int sq_step(void *stmt)
{
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        return OG_ROW;
    if (rc == SQLITE_DONE)
        return OG_DONE;
    return sq_err(sqlite3_db_handle(stmt), "step");
}

static int64_t sq_col_int(void *stmt, int col)
{
    return sqlite3_column_int64(stmt, col);
}

static const char *sq_col_text(void *stmt, int col)
{
    return (const char *)sqlite3_column_text(stmt, col);
}

static const void *sq_col_blob(void *stmt, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(stmt, col);
    if (len)
        *len = (size_t)sqlite3_column_bytes(stmt, col);
    return p;
}

static int sq_col_is_null(void *stmt, int col)
{
    return sqlite3_column_type(stmt, col) == SQLITE_NULL;
}

static int sq_col_count(void *stmt)
{
    return sqlite3_column_count(stmt);
}

static const char *sq_col_name(void *stmt, int col)
{
    return sqlite3_column_name(stmt, col);
}

static og_col_type sq_col_type(void *stmt, int col)
{
    switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_INTEGER:
        return OG_COL_INT;
    case SQLITE_FLOAT:
        return OG_COL_REAL;
    case SQLITE_TEXT:
        return OG_COL_TEXT;
    case SQLITE_BLOB:
        return OG_COL_BLOB;
    default:
        return OG_COL_NULL;
    }
}

static int sq_reset(void *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return 0;
}

static void sq_finalize(void *stmt)
{
    sqlite3_finalize(stmt);
}

static int64_t sq_changes(void *conn)
{
    return sqlite3_changes64(conn);
}

static int sq_checkpoint(void *conn)
{
    int rc = sqlite3_wal_checkpoint_v2(conn, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        return sq_err(conn, "checkpoint");
    return 0;
}

static int sq_cache_limit(void *conn, int kib)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%d", kib > 0 ? kib : 1);
    return sq_exec(conn, sql);
}

static int sq_in_tx(void *conn)
{
    return !sqlite3_get_autocommit(conn);
}

static const char *sq_migration_sql(const og_migration *m)
{
    return m->sqlite;
}

static const char *sq_dialect_sql(const og_sql_dialects *sql)
{
    return sql->sqlite;
}

#define SNAPSHOT_STEP 4096 /* pages copied per backup step */

/* The page size of the connection's main database, for byte counts (4096 when unknown). */
static int64_t page_size(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 4096;
    if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n > 0 ? n : 4096;
}

/* conn's open read transaction copied page by page into dest with the online backup API: the
 * copy is of that transaction's snapshot, whatever other connections write meanwhile. */
static int sq_snapshot(void *conn, const char *dest, og_store_snapshot_progress fn, void *arg)
{
    sqlite3 *src = conn, *dst = NULL;
    sqlite3_backup *b = NULL;
    int error = -1, rc, fd;
    int64_t psize = page_size(src);
    struct stat sb;
    fd = open(dest, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return og_error_set(og_error_for_errno(errno), "cannot create '%s': %s", dest,
                            strerror(errno));
    if (fstat(fd, &sb) < 0 || sb.st_size != 0) {
        close(fd);
        return og_error_set(OG_EEXISTS, "'%s' exists and is not empty", dest);
    }
    close(fd);
    if ((rc = sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)) !=
            SQLITE_OK ||
        (rc = sqlite3_exec(dst, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL,
                           NULL)) != SQLITE_OK) {
        error = sq_err(dst, "opening the copy");
        goto cleanup;
    }
    if (!(b = sqlite3_backup_init(dst, "main", src, "main"))) {
        error = sq_err(dst, "starting the copy");
        goto cleanup;
    }
    do {
        rc = sqlite3_backup_step(b, SNAPSHOT_STEP);
        if (fn) {
            int64_t total = sqlite3_backup_pagecount(b);
            fn((total - sqlite3_backup_remaining(b)) * psize, total * psize, arg);
        }
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    rc = sqlite3_backup_finish(b);
    b = NULL;
    if (rc != SQLITE_OK) {
        error = sq_err(dst, "copying the database");
        goto cleanup;
    }
    error = 0;
cleanup:
    if (b)
        sqlite3_backup_finish(b);
    if (dst && sqlite3_close(dst) != SQLITE_OK && error == 0)
        error = og_error_set(OG_ERROR, "cannot close the copy '%s'", dest);
    if (error < 0)
        unlink(dest);
    return error;
}

const og_store_backend og_store_backend_sqlite = {
    .name = "sqlite",
    .caps = OG_STORE_CAP_FTS5_SHADOW,
    .tx_verbs_cached = 1,
    .group_commit = 1,
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .col_is_null = sq_col_is_null,
    .col_count = sq_col_count,
    .col_name = sq_col_name,
    .col_type = sq_col_type,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .changes = sq_changes,
    .checkpoint = sq_checkpoint,
    .cache_limit = sq_cache_limit,
    .begin_sql = "BEGIN IMMEDIATE",
    .migration_sql = sq_migration_sql,
    .dialect_sql = sq_dialect_sql,
    /* FTS5 tables are copied with their rowid (the artifact's n); their shadow tables and
     * fts5vocab views over them are not tables of their own. */
    .copy_tables_sql = "SELECT m.name, CASE WHEN l.type = 'virtual' THEN 1 ELSE 0 END"
                       " FROM sqlite_master m JOIN pragma_table_list AS l ON l.name = m.name"
                       " AND l.schema = 'main' WHERE m.type = 'table' AND l.type IN ('table',"
                       " 'virtual') AND m.name NOT LIKE 'sqlite%' AND m.name <> 'og_schema' AND"
                       " m.sql NOT LIKE '%fts5vocab%' ORDER BY m.rowid",
    .copy_is_table_sql = "SELECT 1 FROM sqlite_master m JOIN pragma_table_list AS l ON l.name ="
                         " m.name AND l.schema = 'main' WHERE m.name = ? AND l.type IN"
                         " ('table', 'virtual') AND m.sql NOT LIKE '%fts5vocab%'",
    .copy_done_sql = NULL, /* AUTOINCREMENT follows the largest number inserted by itself */
    .trigger_exists_sql = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?",
    /* Commits stay atomic and in order; the last ones before a power cut may be lost until the
     * next synchronous=FULL commit, whose fsync makes every earlier one durable. Savepoints'
     * sub-journals stay in memory. */
    .table_exists_sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
    .bulk_on_sql = "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=16384; "
                   "PRAGMA temp_store=MEMORY",
    .bulk_off_sql = "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=1000; "
                    "PRAGMA temp_store=DEFAULT",
    .snapshot = sq_snapshot,
    .snapshot_stream = og_store__sqlite_snapshot_stream,
    .in_tx = sq_in_tx,
};
