/* snapshot.c - a consistent copy of a running installation's database (og_store_snapshot,
 * `opsgate backup`): on SQLite the writer lock held only while the caller pins what the snapshot
 * references, the pages copied from a read transaction afterwards; on PostgreSQL the rows of one
 * REPEATABLE READ transaction streamed into a new SQLite database. */
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/sys/store_backend.h"
#include "store/store_internal.h"

#include <jansson.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pg_progress {
    const char *dest;
    og_store_snapshot_progress fn;
    void *arg;
} pg_progress;

/* After each table: the bytes of dest so far. */
static void pg_table_done(const char *table, int64_t rows, void *arg)
{
    pg_progress *p = arg;
    struct stat sb;
    (void)table;
    (void)rows;
    if (p->fn && stat(p->dest, &sb) == 0)
        p->fn((int64_t)sb.st_size, 0, p->arg);
}

/* PostgreSQL: one REPEATABLE READ READ ONLY transaction is the snapshot; hold reads it, then every
 * table is streamed (COPY TO STDOUT) into a new SQLite database at dest in the same transaction.
 * No lock: writers go on meanwhile, unseen by it. */
static int pg_snapshot(const char *url, const char *dest, og_store_snapshot_hold hold, void *harg,
                       og_store_snapshot_progress fn, void *farg)
{
    og_store *view = NULL, *out = NULL;
    pg_progress p = {dest, fn, farg};
    struct stat sb;
    int error = -1, reading = 0;
    if (stat(dest, &sb) == 0 && sb.st_size > 0)
        return og_error_set(OG_EEXISTS, "'%s' is not empty: a snapshot writes a new file", dest);
    if ((error = og_store_open(&view, url, 0)) < 0)
        goto cleanup;
    if ((error = og_store_exec(view, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")) < 0)
        goto cleanup;
    reading = 1;
    /* the snapshot is taken at the transaction's first statement */
    if ((error = og_store_run(view, "SELECT count(*) FROM og_schema", "")) < 0 ||
        (hold && (error = hold(view, harg)) < 0))
        goto cleanup;
    if ((error = og_store_open(&out, dest, 1)) < 0 || (error = og_store_bulk_writes(out, 1)) < 0 ||
        (error = og_store_copy(view, out, pg_table_done, &p)) < 0 ||
        (error = og_store_bulk_writes(out, 0)) < 0 || (error = og_store_checkpoint(out)) < 0)
        goto cleanup;
    og_store_close(out);
    out = NULL;
    error = 0;
cleanup:
    if (reading)
        og_store_exec(view, "ROLLBACK");
    og_store_close(view);
    og_store_close(out);
    if (error < 0)
        unlink(dest);
    return error;
}

/* SQLite: the writer lock held while hold runs on a read transaction begun under it; then that
 * transaction's pages copied into dest, or given to sink when dest is NULL. */
static int sqlite_snapshot(const char *url, const char *dest, const og_store_snapshot_sink *sink,
                           og_store_snapshot_hold hold, void *harg, og_store_snapshot_progress fn,
                           void *farg)
{
    og_store *lock = NULL, *view = NULL;
    int error = -1, locked = 0, reading = 0;
    if ((error = og_store_open(&lock, url, 0)) < 0 || (error = og_store_open(&view, url, 0)) < 0)
        goto cleanup;
    if (dest ? !og_store__dialect(view)->snapshot : !og_store__dialect(view)->snapshot_stream) {
        error = og_error_set(OG_EINVAL, "the %s backend makes no snapshot",
                             og_store_backend_name(view));
        goto cleanup;
    }
    /* no writer between the read transaction's start and the end of hold */
    if ((error = og_store_tx_begin(lock)) < 0)
        goto cleanup;
    locked = 1;
    if ((error = og_store_exec(view, "BEGIN")) < 0)
        goto cleanup;
    reading = 1;
    if ((error = og_store_run(view, "SELECT count(*) FROM og_schema", "")) < 0 ||
        (hold && (error = hold(view, harg)) < 0))
        goto cleanup;
    og_store_tx_rollback(lock);
    locked = 0;
    error = dest ? og_store__snapshot(view, dest, fn, farg)
                 : og_store__snapshot_stream(view, sink, fn, farg);
cleanup:
    if (locked)
        og_store_tx_rollback(lock);
    if (reading)
        og_store_exec(view, "ROLLBACK");
    og_store_close(view);
    og_store_close(lock);
    return error;
}

int og_store_snapshot(const char *url, const char *dest, og_store_snapshot_hold hold, void *harg,
                      og_store_snapshot_progress fn, void *farg)
{
    if (!url || !dest || !*dest)
        return og_error_set(OG_EINVAL, "a snapshot needs a database and a file to write");
    if (og_store_url_is_server(url))
        return pg_snapshot(url, dest, hold, harg, fn, farg);
    return sqlite_snapshot(url, dest, NULL, hold, harg, fn, farg);
}

int og_store_snapshot_stream(const char *url, og_store_snapshot_hold hold, void *harg,
                             const og_store_snapshot_sink *sink, og_store_snapshot_progress fn,
                             void *farg)
{
    if (!url || !sink || !sink->begin || !sink->data)
        return og_error_set(OG_EINVAL, "a snapshot needs a database and where its bytes go");
    if (og_store_url_is_server(url))
        return og_error_set(OG_EINVAL, "a PostgreSQL snapshot is not given as a stream");
    return sqlite_snapshot(url, NULL, sink, hold, harg, fn, farg);
}

int og_store_schema_versions(og_store *s, json_t **out)
{
    og_stmt *st = NULL;
    json_t *o = json_object();
    int rc = o ? og_stmt_prepare(&st, s, "SELECT module, version FROM og_schema ORDER BY module")
               : og_error_set(OG_ERROR, "out of memory");
    while (rc >= 0 && (rc = og_stmt_step(st)) == OG_ROW)
        if (json_object_set_new(o, og_stmt_col_text(st, 0), json_integer(og_stmt_col_int(st, 1))) <
            0)
            rc = og_error_set(OG_ERROR, "out of memory");
    og_stmt_free(st);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}
