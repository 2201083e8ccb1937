/* store_internal.h - what store.c, migrate.c and the failure-injecting backend (faulty.c) share. */
#ifndef OPSGATE_STORE_INTERNAL_H
#define OPSGATE_STORE_INTERNAL_H

#include "opsgate/sys/store_backend.h"

/* The failure-injecting backend: its connections wrap a connection of another backend. */
extern const og_store_backend og_store__backend_faulty;

/* Wrap conn (of backend inner) in a faulty connection, disarmed; *out owns conn from then on. */
int og_store__fault_wrap(void **out, const og_store_backend *inner, void *conn);
/* Arm a faulty connection (see og_store_fault_arm). */
void og_store__fault_arm(void *fconn, long nth, int sticky);
long og_store__fault_calls(const void *fconn);
long og_store__fault_fired(const void *fconn);

/* PostgreSQL's text of portable SQL (pgsql.c): each `?` outside string literals, quoted
 * identifiers, dollar-quoted strings and comments becomes `$n` (a bare `?` the number after the
 * largest so far, `?NNN` that number, as SQLite numbers them); SQLite's planner hint
 * `INDEXED BY name` there is dropped; everything else is copied as is.
 * *out (caller frees) and *nparams (the largest number) on success; OG_EINVAL for a number out
 * of 1..65535 or of more than 5 digits. */
int og_store__pg_translate(const char *sql, char **out, int *nparams);

/* 1 when sql (PostgreSQL's text, pgsql.c) is a plain read: it begins with SELECT, takes no row
 * locks and calls no function known to write or lock (pg.c runs it without a savepoint). */
int og_store__pg_read_only(const char *sql);

/* The backend whose dialect a store speaks (the real one, under a faulty wrapper). */
const og_store_backend *og_store__dialect(const og_store *s);

/* Create the bookkeeping table (og_schema) when it is missing and bring the schemas of the modules
 * listed up to date (migrate.c); OG_ESCHEMA, changing nothing, for a database a newer opsgate
 * migrated. */
int og_store__migrate(og_store *s, const og_schema *const *schemas, size_t nschemas);
/* ---- group commit (group.c) ---- */
typedef struct og_store__group og_store__group;
/* The group of the SQLite database file at location, shared by this process's connections to it
 * (by its real path); NULL, without an error, for a database in memory, a URI or no file, and
 * when out of memory (its writers then commit alone). Counted: release each one acquired. */
og_store__group *og_store__group_acquire(const char *location);
void og_store__group_release(og_store__group *g); /* NULL-safe */
/* s's group while its commits may be shared: it has one and is not in bulk writes; else NULL. */
og_store__group *og_store__group_of(og_store *s);
/* 0 when s is at depth > 0 but its backend is outside a transaction (it rolled the transaction
 * back by itself: SQLite on a full disk or an I/O error), else 1. */
int og_store__tx_alive(og_store *s);

/* The backend's snapshot of s's open read transaction into dest (snapshot.c). */
int og_store__snapshot(og_store *s, const char *dest, og_store_snapshot_progress fn, void *arg);
/* The same given to sink (snapshot.c); SQLite's (snapstream.c). */
int og_store__snapshot_stream(og_store *s, const og_store_snapshot_sink *sink,
                              og_store_snapshot_progress fn, void *arg);
int og_store__sqlite_snapshot_stream(void *conn, const og_store_snapshot_sink *sink,
                                     og_store_snapshot_progress fn, void *arg);
/* The VFS the SQLite backend opens databases on (walbuf.c: the default one, with a WAL file's
 * writes of a commit given to the file as one write), registered on first use; NULL when it
 * cannot be (the default VFS is then used). */
#define OG_STORE__WAL_VFS "opsgate-wal"
const char *og_store__walbuf_vfs(void);
/* Writes SQLite made to WAL files opened on it, and writes given to the files, since start. */
void og_store__walbuf_stats(long *in, long *out);
/* The backend's copy_out of table on s (OG_EINVAL when it has none, or under a faulty
 * wrapper), and whether it has one (copy.c). */
int og_store__copy_out(og_store *s, const char *table, og_store_row_fn fn, void *arg);
int og_store__can_copy_out(const og_store *s);
/* PostgreSQL's copy_out (pgcopy.c) and the libpq connection of a pg.c connection. */
int og_store__pg_copy_out(void *conn, const char *table, og_store_row_fn fn, void *arg);
void *og_store__pg_db(void *conn);

#endif
