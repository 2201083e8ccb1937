/* snapshot.c - a consistent copy of a running installation's database (og_store_snapshot,
 * `opsgate backup`): the writer lock held only while the caller pins what the snapshot
 * references, the pages copied from a read transaction afterwards. */
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/sys/store_backend.h"
#include "store/store_internal.h"

#include <jansson.h>
#include <jansson.h>
#include <stddef.h>

int og_store_snapshot(const char *url, const char *dest, og_store_snapshot_hold hold, void *harg,
                      og_store_snapshot_progress fn, void *farg)
{
    og_store *lock = NULL, *view = NULL;
    int error = -1, locked = 0, reading = 0;
    if (!url || !dest || !*dest)
        return og_error_set(OG_EINVAL, "a snapshot needs a database and a file to write");
    if (og_store_url_is_server(url))
        return og_error_set(OG_EINVAL,
                            "a PostgreSQL installation is not backed up by opsgate yet: back up"
                            " the database with pg_dump or pg_basebackup and the key folder apart");
    if ((error = og_store_open(&lock, url, 0)) < 0 || (error = og_store_open(&view, url, 0)) < 0)
        goto cleanup;
    if (!og_store__dialect(view)->snapshot) {
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
    error = og_store__snapshot(view, dest, fn, farg);
cleanup:
    if (locked)
        og_store_tx_rollback(lock);
    if (reading)
        og_store_exec(view, "ROLLBACK");
    og_store_close(view);
    og_store_close(lock);
    return error;
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
