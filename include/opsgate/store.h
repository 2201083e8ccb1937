/* store.h - the one way any module reaches the database: connections, transactions, statements,
 * and per-module versioned schemas. */
#ifndef OPSGATE_STORE_H
#define OPSGATE_STORE_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A store is one connection to the backend, used by one thread at a time. The server keeps a pool
 * of them (og_store_pool); the CLI opens one.
 *
 * SQL passed to og_stmt_prepare() is portable: `?` placeholders, standard types and functions only.
 * Backend-specific SQL (pragmas, triggers, upserts that differ) lives in each module's schema
 * steps, one text per backend, and in the backend itself. A module issues SQL only against its own
 * tables.
 */
typedef struct og_store og_store;
typedef struct og_stmt og_stmt;

#define OG_ROW  1
#define OG_DONE 0

/* The type of a column's value in the current row. */
typedef enum og_col_type {
    OG_COL_NULL,
    OG_COL_INT,
    OG_COL_REAL,
    OG_COL_TEXT,
    OG_COL_BLOB
} og_col_type;

/* ---- schema ---- */
typedef struct og_migration {
    int version;          /* 1, 2, 3 ... per module, applied in order, never edited once shipped */
    const char *sqlite;   /* SQL script for the SQLite backend */
    const char *postgres; /* SQL script for PostgreSQL (NULL until that backend lands) */
} og_migration;

typedef struct og_schema {
    const char *module; /* "tenant", "crypto", "audit", ... */
    const og_migration *steps;
    size_t nsteps;
    /* Statements that remove one tenant's rows from this module's tables when the tenant is
     * deleted, each with a single `?` for the tenant id, NULL-terminated; NULL if none. Run in
     * the deleting transaction, after the tenant's key was destroyed. Audit chains are kept. */
    const char *const *purge_tenant;
} og_schema;

/* ---- connections ---- */
/* The prefix of a PostgreSQL store named by a libpq key=value connection string. */
#define OG_STORE_LIBPQ_PREFIX "libpq:"

/* Open (creating if create != 0) the database at url: "sqlite:PATH" or a bare PATH (SQLite); or
 * PostgreSQL: a libpq URI "postgres://..." or "postgresql://..." (multi-host and parameters such
 * as target_session_attrs included), or "libpq:" followed by a key=value connection string
 * ("libpq:host=/run/pg dbname=opsgate"). A PostgreSQL database must exist (create is ignored);
 * a server that cannot be reached is OG_EBUSY, a malformed connection string OG_EINVAL; other
 * "postgres:" forms are OG_EINVAL. Messages never repeat the URL (it may hold a password).
 * Applies pending migrations of every module. A database whose schema is newer than this binary
 * knows is refused with OG_ESCHEMA. Caller closes with og_store_close(). */
int og_store_open(og_store **out, const char *url, int create);
void og_store_close(og_store *s); /* NULL-safe */
/* 1 when location names a PostgreSQL database (postgres:..., postgresql:..., libpq:...) rather
 * than a file or a folder, else 0: front ends check it before taking a location for a path, so
 * that a URL never becomes a folder. */
int og_store_url_is_server(const char *location);
const char *og_store_backend_name(const og_store *s); /* "sqlite" or "postgres" */
/* What a backend can do or how it behaves, for the few modules whose best way differs by it: they
 * ask og_store_has() rather than compare og_store_backend_name() (a name for reports). */
typedef enum og_store_cap {
    /* The artifacts' search index is an FTS5 table whose shadow tables (art_fts_data,
     * art_fts_content) can be read, so ranking may be computed from them (SQLite). */
    OG_STORE_CAP_FTS5_SHADOW = 1 << 0,
    /* Every statement is a round trip to a server, so fewer, larger statements (a multi-row
     * INSERT) save time (PostgreSQL); without it a statement is a library call. */
    OG_STORE_CAP_ROUND_TRIPS = 1 << 1
} og_store_cap;
/* true when s's backend has cap (the real backend's, also under og_store_fault_arm). */
bool og_store_has(const og_store *s, og_store_cap cap);

/* How many modules have a schema applied in the database at url (0: an empty database, or one
 * opsgate never opened), without creating or changing anything: `opsgate init` refuses a
 * database that already holds an installation. A SQLite file must exist (OG_ENOTFOUND). */
int og_store_modules_applied(const char *url, int *count);

/* 1 when a trigger of that name exists in the database, 0 when not, or an error (the audit
 * module checks its immutability triggers; the names are the same on both backends). */
int og_store_trigger_exists(og_store *s, const char *name);

/* Bulk writes on this connection (on != 0) until og_store_bulk_writes(s, 0): every commit stays
 * atomic and in order but may return before it is durable, so a crash can lose the last ones;
 * the first commit after turning it off is durable and makes every earlier one durable with it.
 * For long pulls that record their progress only in that final commit. SQLite:
 * synchronous=NORMAL (and a larger WAL, savepoint journals in memory); PostgreSQL:
 * synchronous_commit off. Outside a transaction (SQLite refuses inside one: an error, and the
 * connection stays durable). */
int og_store_bulk_writes(og_store *s, int on);
/* Whether s reaches a database that takes writes (a node's /healthz): one round trip, and on
 * PostgreSQL pg_is_in_recovery() false. 0 when it does; OG_EBUSY when the database cannot be
 * reached (message: "cannot reach the database: ...") or is a standby in recovery, not the
 * primary (message says so; *standby = 1 then, else 0; standby may be NULL); a lost connection
 * is made again first, as for any call. */
int og_store_ping_primary(og_store *s, int *standby);

/* The schema version applied for a module (0 if none) and the newest this binary knows. */
int og_store_schema_version(og_store *s, const char *module, int *applied, int *known);
/* Every module's applied schema version as {module: version} (a backup's manifest). Caller
 * decrefs *out. */
int og_store_schema_versions(og_store *s, json_t **out);

/* Run every module's purge_tenant statements for tenant_id (inside the caller's transaction). */
int og_store_purge_tenant(og_store *s, const char *tenant_id);

/* Fold the write-ahead log into the database and truncate it, so that deleted secrets do not
 * linger in the log (called after a crypto-shred). Outside any transaction. PostgreSQL: nothing
 * (the server owns its log; docs/postgres.md). */
int og_store_checkpoint(og_store *s);

/* ---- transactions ----
 * Nested calls use savepoints, so a function can open its own transaction whether or not its caller
 * has one. The outermost begin takes the write lock at once (BEGIN IMMEDIATE on SQLite, a
 * database-wide advisory lock on PostgreSQL), so a read-modify-write inside is never raced by
 * another writer (a scoped writer transaction, below, takes it shared plus a lock of its own). A
 * statement that fails inside a transaction undoes only itself. */
int og_store_tx_begin(og_store *s);
/* A writer transaction scoped to key (conventionally a tenant id; NULL: no key of its own), for
 * the hot write paths, so that several nodes write different tenants at once. On PostgreSQL the
 * outermost begin takes the writer lock shared, then an exclusive lock on key (og_store_lock):
 * scoped transactions on different keys run side by side, those on the same key one after the
 * other, and a platform-wide og_store_tx_begin waits until none runs (and they wait for it). On
 * SQLite it is og_store_tx_begin (one writer at a time). Nested inside another transaction it is
 * a savepoint that also takes key's lock (nothing more when the outer one is platform-wide).
 * A level begun inside a scoped transaction, by this or by og_store_tx_begin, keeps the outer
 * transaction's locks and adds only key's: code that may run there and reads-then-writes rows
 * outside the scope's key (an audit chain, the event outbox) takes og_store_lock on a key naming
 * them. OG_EINVAL for an empty key; a lock not had within lock_timeout, or a deadlock between two
 * scoped transactions, is OG_EBUSY (the level is rolled back). */
int og_store_tx_begin_scope(og_store *s, const char *key);
/* Inside a transaction, an exclusive lock named key held until the outermost transaction ends:
 * the writers of what key names (conventionally "module:what", e.g. "audit:<chain>") run one at
 * a time across every node. Nothing to take (returns 0) when the transaction is not scoped: the
 * writer lock held exclusive (og_store_tx_begin, and SQLite always) covers every key. Keys taken
 * in the same order everywhere never deadlock. OG_ERROR outside a transaction. */
int og_store_lock(og_store *s, const char *key);
/* Declare the innermost open level all or nothing: its statements (not those of levels begun
 * inside it) run without a savepoint each on PostgreSQL, which saves the server two statements
 * per write. For operations that roll the level back on any failure (og_store_tx_end), never for
 * code that sees a statement fail and carries on in the same level: on PostgreSQL a failed
 * statement there leaves the transaction aborted, every later statement fails and the commit is
 * refused (never silent), until the level is rolled back. Nothing changes on SQLite. Lasts until
 * the level ends. OG_ERROR outside a transaction. */
int og_store_tx_atomic(og_store *s);
/* 1 inside a scoped writer transaction holding the writer lock shared (PostgreSQL), else 0. */
int og_store_tx_scoped(const og_store *s);
/* A failed commit is followed by og_store_tx_rollback(), as any failure inside the transaction:
 * at the outermost level the commit has rolled back already and that call does nothing; at a
 * nested level the savepoint stays open until it. */
int og_store_tx_commit(og_store *s);
void og_store_tx_rollback(og_store *s); /* rolls back the innermost level; safe to call on error */
int og_store_tx_depth(const og_store *s);
/* The id of the state of the open transaction: a number unique in this process, 0 outside a
 * transaction. It changes when a new outermost transaction begins and whenever part of the
 * transaction is undone (a nested level rolled back, a tenant's rows purged), so a module may
 * remember rows of its own tables it read under one id for as long as the id stays the same,
 * provided it forgets them when it writes those rows itself. */
uint64_t og_store_tx_id(const og_store *s);
/* End the transaction begun for an operation: with error >= 0 commit it, otherwise (or when the
 * commit fails) roll it back. Returns error, or the commit's error. Write `error =
 * og_store_tx_end(ctx->store, error);` once on the cleanup path instead of a commit/rollback
 * pair of labels. */
int og_store_tx_end(og_store *s, int error);

/* Run a parameterless SQL script (several statements). */
int og_store_exec(og_store *s, const char *sql);

/* ---- statements ----
 * A connection keeps the statements freed on it (up to 64, reset and with their bindings
 * cleared) and hands one back when the same SQL text is prepared again, so a statement run once
 * per record is compiled once per connection. For the caller nothing changes: a prepared
 * statement has no bindings and no row, and is the caller's until og_stmt_free(). Free
 * statements before closing their connection when you can; one freed later is finalized. */
int og_stmt_prepare(og_stmt **out, og_store *s, const char *sql);
/* SQL with no portable form (docs/postgres.md, "Left"): one text per backend, as a schema step
 * has, so that a module states what it asks for and never tests the backend itself. Texts follow
 * the same rules as og_stmt_prepare's (`?` and `?NNN` parameters, numbered alike in both). */
typedef struct og_sql_dialects {
    const char *sqlite;
    const char *postgres;
} og_sql_dialects;
/* og_stmt_prepare of the text for s's backend; OG_EINVAL when that text is missing. */
int og_stmt_prepare_dialect(og_stmt **out, og_store *s, const og_sql_dialects *sql);
/* Parameters are numbered from 1. Text and blobs are copied. A NULL text binds SQL NULL.
 * A failed bind returns its error and is also sticky: the statement remembers the first failed
 * bind (code and message, naming the parameter), and every og_stmt_step() returns that error
 * without running the statement until og_stmt_reset() (which clears the bindings with it) or
 * og_stmt_free(). So a call site that ignores a bind's result still cannot lose the error or run
 * the statement with a parameter missing. */
int og_stmt_bind_int(og_stmt *st, int idx, int64_t v);
int og_stmt_bind_text(og_stmt *st, int idx, const char *v);
int og_stmt_bind_blob(og_stmt *st, int idx, const void *v, size_t len);
int og_stmt_bind_null(og_stmt *st, int idx);
/* OG_ROW when a row is ready, OG_DONE when finished, a negative code on error (the error of a
 * failed bind since the last prepare or reset, see above). */
int og_stmt_step(og_stmt *st);
/* Columns are numbered from 0; returned pointers are borrowed until the next step/reset/free. */
int64_t og_stmt_col_int(og_stmt *st, int col);
const char *og_stmt_col_text(og_stmt *st, int col); /* NULL for SQL NULL */
const void *og_stmt_col_blob(og_stmt *st, int col, size_t *len);
int og_stmt_col_is_null(og_stmt *st, int col);
int og_stmt_col_count(og_stmt *st);
const char *og_stmt_col_name(og_stmt *st, int col); /* the column's name in the SELECT (AS) */
og_col_type og_stmt_col_type(og_stmt *st, int col);

/* ---- statements with their parameters in one call ----
 * types spells the parameters in order, one letter each: 't' a text (const char *; NULL binds
 * NULL), 'i' an int64_t, 'I' an int64_t where 0 binds NULL, 'b' a blob (const void *, size_t),
 * 'n' NULL (takes no argument). Pass int64_t for 'i'/'I' (cast literals): they are read with
 * va_arg. */
/* Bind st's parameters 1, 2, ... from ap by the letters of types (a failed bind is sticky). */
void og_stmt_bind_va(og_stmt *st, const char *types, va_list ap);
/* Prepare sql and bind its parameters; *out as og_stmt_prepare. */
int og_stmt_prepare_args(og_stmt **out, og_store *s, const char *sql, const char *types, ...);
/* Prepare, bind, step once and free: 1 when the statement returned a row ("SELECT 1 ..."
 * checks), 0 when it did not, or the error (OG_EEXISTS for a uniqueness conflict). For writes
 * inside the caller's transaction. */
int og_store_run(og_store *s, const char *sql, const char *types, ...);
int og_store_run_va(og_store *s, const char *sql, const char *types, va_list ap);

/* ---- rows as JSON: the shape of every list a module returns ---- */
/* The current row as a JSON object with one member per column, named as the SELECT names it (use
 * `AS` for the API's field name): text as a string, integer as an integer, real as a number, NULL
 * as null, a blob as lowercase hex. A column named `*_json` holding valid JSON text is parsed and
 * stored under the name without the suffix. Returns a new reference, NULL when out of memory. */
json_t *og_stmt_row_json(og_stmt *st);
/* Builds one array element from the current row; NULL means failure (set a message, else
 * "out of memory" is reported). */
typedef json_t *(*og_stmt_row_fn)(og_stmt *st, void *arg);
/* Step st to its end and put the rows in a new array at *out (caller frees): row(st, arg) builds
 * each element, or og_stmt_row_json when row is NULL. On any failure *out is untouched and the
 * error (the step's, or OG_ERROR for a NULL element) is returned. st stays the caller's. */
int og_stmt_collect(og_stmt *st, og_stmt_row_fn row, void *arg, json_t **out);
int og_stmt_reset(og_stmt *st); /* ready to bind and step again: bindings and bind error go */
void og_stmt_free(og_stmt *st); /* NULL-safe */

/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int64_t og_store_changes(og_store *s);
/* SQL statements run on this connection since it opened: each og_store_exec, and each prepared
 * statement's first step after a prepare or reset (what a module asks of the database; a
 * backend's own bookkeeping, such as PostgreSQL's per-statement savepoints, is not counted). */
int64_t og_store_statements(const og_store *s);

/* Bound the page cache the connection keeps to kib KiB (1 or more); without this a connection keeps
 * the backend's default (SQLite: 2000 KiB; PostgreSQL: nothing to bound, the cache is the
 * server's). The cache fills with the pages read and is never given
 * back while the connection is open. */
int og_store_cache_limit(og_store *s, int kib);

/* ---- copying an installation (opsgate migrate) ----
 * Copy every row of every table of from into to, as they are. Both keep the same modules at the
 * same schema versions (else OG_EINVAL saying which differs) and every table of to is empty (else
 * OG_EEXISTS naming the first that holds rows; checked before any row moves). Tables go in the
 * order they were made (parents before children), each in batches of a few hundred rows, one
 * transaction each on to; numbered columns of to continue past the copied numbers. progress
 * (when not NULL) hears each table and its row count once copied. A SQLite source is read with
 * SELECT; a PostgreSQL one is streamed with COPY ... TO STDOUT, one row in memory at a time, in
 * whatever transaction the caller opened on it with og_store_exec (a snapshot's). A failure part
 * way leaves to partly filled: the caller starts again on an empty database. Outside
 * transactions begun with og_store_tx_begin only. */
typedef void (*og_store_copy_progress)(const char *table, int64_t rows, void *arg);
int og_store_copy(og_store *from, og_store *to, og_store_copy_progress progress, void *arg);
/* ---- a consistent copy of a running installation's database (opsgate backup) ----
 * og_store_snapshot copies the SQLite database at url into the file dest (created 0600, or an
 * empty file; one with contents is OG_EEXISTS) while other connections and processes keep reading
 * and writing it. It takes the writer lock for a moment (waiting for a running writer as any writer
 * does), opens a read transaction on a second connection, calls hold(view, harg) with that
 * connection (read-only use: SELECTs over the snapshot, e.g. to hard-link the files it references
 * while no writer can change them), lets the writer lock go, and then copies every page of that
 * same snapshot with SQLite's online backup API, so writers wait only for hold, never for the copy.
 * fn (may be NULL) hears the bytes copied so far and the total. On PostgreSQL there is no
 * writer lock: the snapshot is one REPEATABLE READ READ ONLY transaction, hold runs in it, and
 * then every table of it is streamed (og_store_copy) into a new SQLite database at dest, so that
 * the copy has the same form whichever backend it came from (fn hears dest's size after each
 * table, total 0); writers never wait. A disk found full is OG_ENOSPACE; on any failure dest is
 * removed. Outside transactions only. */
typedef void (*og_store_snapshot_progress)(int64_t done, int64_t total, void *arg);
typedef int (*og_store_snapshot_hold)(og_store *view, void *arg);
int og_store_snapshot(const char *url, const char *dest, og_store_snapshot_hold hold, void *harg,
                      og_store_snapshot_progress fn, void *farg);
/* og_store_snapshot_stream is og_store_snapshot of a SQLite database whose copy is not written to
 * a file but given to sink: begin once with the copy's size in bytes, then data with its bytes in
 * order (pieces of up to 1 MiB), nothing kept in memory beyond a bounded window (about 3 MiB),
 * so that a backup puts it straight into its archive. A sink's error ends the copy and is
 * returned; fn hears the bytes given so far and the total. The copy is the same bytes
 * og_store_snapshot would write (SQLite's online backup API through a VFS of opsgate's own,
 * src/store/snapstream.c). A PostgreSQL url is OG_EINVAL: use og_store_snapshot. */
typedef struct og_store_snapshot_sink {
    int (*begin)(void *arg, int64_t size);
    int (*data)(void *arg, const void *buf, size_t len);
    void *arg;
} og_store_snapshot_sink;
int og_store_snapshot_stream(const char *url, og_store_snapshot_hold hold, void *harg,
                             const og_store_snapshot_sink *sink, og_store_snapshot_progress fn,
                             void *farg);
/* ---- leases: a job held by one node at a time ----
 * A lease is a named job ("job:acme renewals") held by one owner (a node id, `serve --node`)
 * until it lets go or the lease runs out, so that of several nodes on one database one runs the
 * job, and another takes it over when that one dies. Times are the nodes' wall clocks: keep them
 * in step (NTP) to well within a lease's length. Run outside a transaction (or inside: the
 * lease then counts from the commit). */
/* Take name for owner for ttl_us microseconds: *got = 1 when it is owner's (new, owner's already
 * and now extended, or run out and taken over), 0 when another owner holds it. OG_EINVAL for an
 * empty or over-long name or owner, or a ttl not positive. */
int og_store_lease_take(og_store *s, const char *name, const char *owner, int64_t ttl_us, int *got);
/* Let go of name if owner holds it (nothing otherwise), so another node may take it at once. */
int og_store_lease_release(og_store *s, const char *name, const char *owner);
/* Who holds name: 1 with its owner (cut to size) and when the lease runs out (microseconds since
 * the epoch) in *expires_us, 0 when nobody does (owner ""). */
int og_store_lease_holder(og_store *s, const char *name, char *owner, size_t size,
                          int64_t *expires_us);
/* Take name over from the owner `from`, lease run out or not (the caller knows that owner is
 * gone: a node's earlier process that died): *got = 1 when it is owner's now, 0 when `from` does
 * not hold it (any more). */
int og_store_lease_take_from(og_store *s, const char *name, const char *owner, const char *from,
                             int64_t ttl_us, int *got);

/* ---- group commit: writers of one database sharing a transaction and its sync ----
 * fn makes one change (an artifact version with its audit record) in a transaction level of its
 * own on the store it is given: it begins that level (og_store_tx_begin_scope or og_store_tx_begin
 * on `batch`) and ends it (og_store_tx_end), so it commits or rolls back whole. Called outside a
 * transaction, og_store_group_commit runs fn and returns once its change is durable, sharing the
 * commit (one write and one fsync of the WAL) with the other threads of this process that call it
 * for the same SQLite database file meanwhile, each on its own connection: whoever finds no batch
 * in flight leads, runs every queued fn in order inside one transaction on its own connection
 * (each fn's level a savepoint of it) and commits once; the others wait for that commit.
 * So fn may run on another thread and another connection than the caller's: it uses `batch`
 * only, never s or a context holding s, and no per-thread state but the error message (carried
 * back to the caller with its code and detail).
 * - fn fails (< 0, its level rolled back): the call returns that failure; the others commit.
 * - fn succeeded but its change was undone after all: undo(arg) is called (NULL: nothing to undo
 *   outside the database), from whichever thread leads. When the batch's commit failed, the call
 *   returns that failure (nothing of the batch is durable). When another member's failure took
 *   the whole transaction with it (SQLite rolls back on a full disk or an I/O error), fn runs
 *   again in a new transaction: undo must leave arg ready for that.
 * fn runs alone, as a plain call fn(s, arg) whose own level is the transaction, when the batch
 * would hold only it, inside a caller's transaction (its level nests there and commits with it),
 * on PostgreSQL (the server already shares the WAL flush of concurrent commits), on a connection
 * in bulk writes (og_store_bulk_writes: its commits are not durable), or on a database that is not
 * a file. Returns fn's result, or the commit's failure. */
typedef int (*og_store_group_fn)(og_store *batch, void *arg);
int og_store_group_commit(og_store *s, og_store_group_fn fn, void (*undo)(void *arg), void *arg);
/* What the group commit did on s's database in this process so far: transactions committed
 * through it (batches of two or more members, and members run alone) and the members they held;
 * *reruns counts members run again after another one broke their transaction. All 0 when s has
 * no group (see above). Any pointer may be NULL. */
void og_store_group_stats(og_store *s, int64_t *commits, int64_t *members, int64_t *reruns);

/* ---- a pool of connections for the server's threads ---- */
typedef struct og_store_pool og_store_pool;
int og_store_pool_open(og_store_pool **out, const char *url, int size);
/* og_store_pool_open() with each connection's page cache bounded to cache_kib KiB (0: the backend's
 * default): the pool's cache memory is at most size x cache_kib KiB, whatever the data's size. */
int og_store_pool_open_bounded(og_store_pool **out, const char *url, int size, int cache_kib);
og_store *og_store_pool_get(og_store_pool *p); /* blocks until one is free */
void og_store_pool_put(og_store_pool *p, og_store *s);
void og_store_pool_close(og_store_pool *p); /* NULL-safe */

#endif
