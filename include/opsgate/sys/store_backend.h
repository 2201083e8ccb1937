/* store_backend.h - what a database backend implements (SQLite now, PostgreSQL later). */
#ifndef OPSGATE_SYS_STORE_BACKEND_H
#define OPSGATE_SYS_STORE_BACKEND_H

#include "opsgate/store.h"

/* One value of a row a backend's copy_out hands over: type OG_COL_NULL, OG_COL_INT (i), or
 * OG_COL_TEXT / OG_COL_BLOB (p, len; a text is NUL-terminated; reals and other types come as
 * their text). Borrowed for the call. */
typedef struct og_store_value {
    og_col_type type;
    int64_t i;
    const char *p;
    size_t len;
} og_store_value;
/* Hears every row of a table: the column names (the same each call) and its values. */
typedef int (*og_store_row_fn)(void *arg, int ncols, const char *const *names,
                               const og_store_value *vals);

typedef struct og_store_backend {
    const char *name; /* "sqlite", "postgres" */
    unsigned caps;    /* og_store_cap bits (og_store_has) */
    int (*open)(void **conn, const char *location, int create);
    void (*close)(void *conn);
    int (*exec)(void *conn, const char *sql);
    int (*prepare)(void **stmt, void *conn, const char *sql);
    int (*bind_int)(void *stmt, int idx, int64_t v);
    int (*bind_text)(void *stmt, int idx, const char *v);
    int (*bind_blob)(void *stmt, int idx, const void *v, size_t len);
    int (*bind_null)(void *stmt, int idx);
    int (*step)(void *stmt);
    int64_t (*col_int)(void *stmt, int col);
    const char *(*col_text)(void *stmt, int col);
    const void *(*col_blob)(void *stmt, int col, size_t *len);
    int (*col_is_null)(void *stmt, int col);
    int (*col_count)(void *stmt);
    const char *(*col_name)(void *stmt, int col); /* as the SQL names it (AS) */
    og_col_type (*col_type)(void *stmt, int col); /* of the current row's value */
    int (*reset)(void *stmt);
    void (*finalize)(void *stmt);
    int64_t (*changes)(void *conn);
    int (*checkpoint)(void *conn); /* flush and truncate the write-ahead log */
    /* Bound the connection's page cache to kib KiB (SQLite: PRAGMA cache_size=-kib). */
    int (*cache_limit)(void *conn, int kib);
    /* Transaction verbs as the backend spells them. */
    const char *begin_sql; /* "BEGIN IMMEDIATE" */
    /* 1: the outermost begin and the commit run as statements prepared once and kept in the
     * connection's statement cache (SQLite, whose exec parses the text again each time: a few
     * microseconds per transaction); 0: through exec. */
    int tx_verbs_cached;
    /* 1: writers of one process may share a transaction and the fsync of its commit
     * (og_store_group_commit: SQLite, one writer per database file); 0: each commits its own. */
    int group_commit;
    /* The outermost begin of a scoped writer transaction (og_store_tx_begin_scope): the writer
     * lock taken shared. NULL: begin_sql (one writer at a time, as SQLite). */
    const char *begin_shared_sql;
    /* Take an exclusive lock named key until the outermost transaction ends (og_store_lock).
     * NULL: nothing to take (the backend runs one writer at a time). */
    int (*lock)(void *conn, const char *key);
    /* on != 0: statements run inside the open transaction need no savepoint each (the level is
     * all or nothing, og_store_tx_atomic); 0: they get one again. NULL: statements never get one
     * (SQLite undoes a failed statement by itself). */
    void (*atomic)(void *conn, int on);
    /* 1 when the database takes writes, 0 when it is a standby, or an error. NULL: always 1 once
     * a statement runs (SQLite). */
    int (*is_primary)(void *conn);
    /* Script text of a migration for this backend. */
    const char *(*migration_sql)(const og_migration *m);
    /* A statement's text for this backend (og_stmt_prepare_dialect); NULL when it has none. */
    const char *(*dialect_sql)(const og_sql_dialects *sql);
    /* og_store_copy's dialect (copy.c). copy_tables_sql lists the tables whose rows a copy takes,
     * (name, virtual: 1 when rows are read with their rowid), parents before children (the order
     * they were made in); NULL: the backend is no copy's source. copy_is_table_sql (one
     * parameter, a name) returns a row when the name is a table a copy can write to.
     * copy_done_sql runs on the target after the rows: numbered columns (identities) continue
     * past the copied numbers; NULL: nothing to do. */
    const char *copy_tables_sql;
    /* Stream every row of table (a plain name) to fn, holding one row at a time (PostgreSQL:
     * COPY ... TO STDOUT), in the connection's open transaction; a negative return of fn stops
     * it and is returned. NULL: a copy reads the source with SELECT * (SQLite steps row by
     * row). */
    int (*copy_out)(void *conn, const char *table, og_store_row_fn fn, void *arg);
    const char *copy_is_table_sql;
    const char *copy_done_sql;
    /* One row when the trigger named by the one parameter exists (og_store_trigger_exists). */
    const char *trigger_exists_sql;
    /* One row when the table named by the one parameter exists (on the search path). */
    const char *table_exists_sql;
    /* Scripts run on the connection by og_store_bulk_writes(s, 1) and (s, 0); NULL: nothing. */
    const char *bulk_on_sql;
    const char *bulk_off_sql;
    /* A copy of the database as the connection's open read transaction sees it, into the new
     * file dest (og_store_snapshot); NULL: the backend makes no such copy (PostgreSQL). */
    int (*snapshot)(void *conn, const char *dest, og_store_snapshot_progress fn, void *arg);
    /* The same copy given to sink in order instead of written to a file
     * (og_store_snapshot_stream); NULL: the backend makes no such copy (PostgreSQL). */
    int (*snapshot_stream)(void *conn, const og_store_snapshot_sink *sink,
                           og_store_snapshot_progress fn, void *arg);
    /* 1 while conn is inside a transaction, 0 outside: a backend may roll a transaction back by
     * itself (SQLite on a full disk or an I/O error). NULL: not known (taken as 1). */
    int (*in_tx)(void *conn);
} og_store_backend;

extern const og_store_backend og_store_backend_sqlite;
/* PostgreSQL over libpq (src/store/pg.c, docs/postgres.md). */
extern const og_store_backend og_store_backend_postgres;

/* og_store_open() keeping the schemas of the modules listed (borrowed for the store's life)
 * instead of every module's (og_store_schemas): for tests with tables of their own, and tools.
 * The store's bookkeeping table (og_schema) is made either way. */
int og_store_open_schemas(og_store **out, const char *url, int create,
                          const og_schema *const *schemas, size_t nschemas);

/*
 * ---- fault injection, for tests ----
 * og_store_fault_arm() puts a failure-injecting backend ("faulty") between s and its backend, for
 * the rest of the store's life, and arms it: counting from this call, the nth (1-based) call of
 * prepare, bind, step, checkpoint and exec (which carries BEGIN, COMMIT, SAVEPOINT and RELEASE)
 * fails with OG_ERROR and a message saying "injected fault at call N"; with sticky != 0 every
 * call from the nth on fails. A failed call does not reach the real backend. Rollbacks are never
 * failed (they run on error paths; a real backend whose rollback fails has lost the connection).
 * nth 0 disarms: calls pass and are still counted. Statements prepared before the first arm run
 * on the real backend, uncounted. Backend name and SQL dialect stay the real backend's.
 * A test runs an operation with nth = 1, 2, ... until it succeeds without a fault firing, and
 * checks after each failure that nothing was half-written (tests/unit/store/test_store_faults.c).
 */
int og_store_fault_arm(og_store *s, long nth, int sticky);
/* Calls counted since the last arm (0 on a store never armed). */
long og_store_fault_calls(const og_store *s);
/* Failures injected since the last arm. */
long og_store_fault_fired(const og_store *s);

/* The statement cache of a connection (store.c): statements kept now, and how many prepares
 * were answered from it since the connection opened. For tests and profiling. */
void og_store_stmt_cache_stats(const og_store *s, int *kept, int64_t *reused);

/* The store's own tables (store_leases: og_store_lease_take), listed last in og_store_schemas;
 * for tests that open a store with schemas of their own. */
extern const og_schema og_store_lease_schema;

/* Every module with tables lists its schema here (src/store/schemas.c). */
extern const og_schema *const og_store_schemas[];
extern const size_t og_store_nschemas;

#endif
