/* migrate.c - schema migrations: every module's steps, each in a transaction of its own. */
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/util.h"
#include "opsgate/sys/store_backend.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Schema migrations. Each step runs in a transaction of its own together with the bump of its
 * module's version in og_schema: a process killed during a migration leaves every module at a
 * step it finished (old schema or new, never half a step), and the next open goes on from there.
 * The writer lock of each step's transaction (BEGIN IMMEDIATE; PostgreSQL's advisory lock) makes
 * stores opened at once on one database (several nodes, a pool) apply each step once: the
 * version is read again under it. A database that a newer opsgate migrated (a module past the
 * last step this build knows) is refused before any step runs, so nothing of it is changed.
 */

/* The version of sc's module in og_schema (0: never migrated). */
static int schema_applied(og_stmt *get, const og_schema *sc, int *applied)
{
    *applied = 0;
    og_stmt_reset(get);
    og_stmt_bind_text(get, 1, sc->module);
    int rc = og_stmt_step(get);
    if (rc == OG_ROW)
        *applied = (int)og_stmt_col_int(get, 0);
    og_stmt_reset(get);
    return rc < 0 ? rc : 0;
}

static int schema_known(const og_schema *sc)
{
    return sc->nsteps ? sc->steps[sc->nsteps - 1].version : 0;
}

static int schema_refuse_newer(const og_schema *sc, int applied)
{
    return og_error_set(OG_ESCHEMA,
                        "the database schema of module '%s' is version %d, newer than the %d "
                        "this opsgate knows: use a newer opsgate for this data folder",
                        sc->module, applied, schema_known(sc));
}

/* For tests of an interrupted migration (tests/integration/test_upgrade_resume.sh):
 * OPSGATE_TEST_MIGRATE_PAUSE=MODULE:VERSION stops for up to 60 s once that step's script and
 * version bump ran and before its transaction commits, after saying so on stderr, so that the
 * test can kill the process there. */
static void migrate_test_pause(const og_schema *sc, const og_migration *m)
{
    const char *want = getenv("OPSGATE_TEST_MIGRATE_PAUSE");
    char here[128];
    if (!want || !*want)
        return;
    snprintf(here, sizeof(here), "%s:%d", sc->module, m->version);
    if (strcmp(want, here) != 0)
        return;
    fprintf(stderr, "opsgate: test pause: migrating module '%s' to version %d, not committed\n",
            sc->module, m->version);
    fflush(stderr);
    struct timespec tick = {0, 100 * 1000 * 1000};
    for (int i = 0; i < 600; i++)
        nanosleep(&tick, NULL);
}

/* Apply step m of sc and bump the module's version in one transaction, unless another store
 * applied it meanwhile. */
static int migrate_step(og_store *s, og_stmt *get, og_stmt *put, const og_schema *sc,
                        const og_migration *m)
{
    int error = -1, applied = 0;
    char now[OG_TIME_LEN];
    if ((error = og_store_tx_begin(s)) < 0)
        return error;
    if ((error = schema_applied(get, sc, &applied)) < 0)
        goto cleanup;
    if (applied > schema_known(sc)) {
        error = schema_refuse_newer(sc, applied);
        goto cleanup;
    }
    if (m->version > applied) {
        const char *sql = og_store__dialect(s)->migration_sql(m);
        if (!sql) {
            error = og_error_set(OG_ERROR, "module '%s' has no %s schema for version %d",
                                 sc->module, og_store__dialect(s)->name, m->version);
            goto cleanup;
        }
        if ((error = og_store_exec(s, sql)) < 0)
            goto cleanup;
        og_time_format(og_time_now_us(), now);
        og_stmt_reset(put);
        og_stmt_bind_text(put, 1, sc->module);
        og_stmt_bind_int(put, 2, m->version);
        og_stmt_bind_text(put, 3, now);
        error = og_stmt_step(put);
        og_stmt_reset(put);
        if (error < 0)
            goto cleanup;
        migrate_test_pause(sc, m);
    }
    /* commit rolls back by itself when it fails */
    if ((error = og_store_tx_commit(s)) < 0)
        og_error_wrap("migrating module '%s' to version %d", sc->module, m->version);
    return error < 0 ? error : 0;
cleanup:
    og_error_wrap("migrating module '%s' to version %d", sc->module, m->version);
    og_store_tx_rollback(s);
    return error;
}

/* Create the bookkeeping table when it is missing and bring every module's schema up to date:
 * a new database in one transaction (all its tables or none), an existing one a step (one
 * transaction) at a time. */
int og_store__migrate(og_store *s, const og_schema *const *schemas, size_t nschemas)
{
    int error = -1, pending = 0, fresh = 1, outer = 0;
    og_stmt *get = NULL, *put = NULL;
    if ((error = og_store_run(s, og_store__dialect(s)->table_exists_sql, "t", "og_schema")) < 0)
        return error;
    if (error == 0) {
        if ((error = og_store_tx_begin(s)) < 0)
            return error;
        if ((error = og_store_exec(s, "CREATE TABLE IF NOT EXISTS og_schema ("
                                      " module TEXT PRIMARY KEY, version INTEGER NOT NULL,"
                                      " applied_at TEXT NOT NULL)")) < 0) {
            og_store_tx_rollback(s);
            return error;
        }
        if ((error = og_store_tx_commit(s)) < 0)
            return error;
    }
    if ((error = og_stmt_prepare(&get, s, "SELECT version FROM og_schema WHERE module = ?")) < 0 ||
        (error =
             og_stmt_prepare(&put, s,
                             "INSERT INTO og_schema (module, version, applied_at) VALUES (?, ?, ?)"
                             " ON CONFLICT (module) DO UPDATE SET version = excluded.version,"
                             " applied_at = excluded.applied_at")) < 0)
        goto cleanup;
    /* Read every module's version first: a newer database is refused before anything changes,
     * and one that is up to date (every open but the first after an upgrade) takes no writer
     * lock. */
    for (size_t i = 0; i < nschemas; i++) {
        int applied = 0;
        if ((error = schema_applied(get, schemas[i], &applied)) < 0)
            goto cleanup;
        if (applied > schema_known(schemas[i])) {
            error = schema_refuse_newer(schemas[i], applied);
            goto cleanup;
        }
        if (applied < schema_known(schemas[i]))
            pending = 1;
        if (applied > 0)
            fresh = 0;
    }
    if (pending && fresh) {
        if ((error = og_store_tx_begin(s)) < 0)
            goto cleanup;
        outer = 1;
    }
    for (size_t i = 0; pending && i < nschemas; i++) {
        const og_schema *sc = schemas[i];
        int applied = 0;
        if ((error = schema_applied(get, sc, &applied)) < 0)
            goto cleanup;
        for (size_t j = 0; j < sc->nsteps; j++) {
            if (sc->steps[j].version > applied &&
                (error = migrate_step(s, get, put, sc, &sc->steps[j])) < 0)
                goto cleanup;
        }
    }
    if (outer) {
        outer = 0;
        if ((error = og_store_tx_commit(s)) < 0)
            goto cleanup;
    }
    error = 0;
cleanup:
    if (outer)
        og_store_tx_rollback(s);
    og_stmt_free(get);
    og_stmt_free(put);
    return error;
}
