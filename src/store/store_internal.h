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

/* The backend whose dialect a store speaks (the real one, under a faulty wrapper). */
const og_store_backend *og_store__dialect(const og_store *s);

/* Create the bookkeeping table (og_schema) when it is missing and bring the schemas of the modules
 * listed up to date (migrate.c); OG_ESCHEMA, changing nothing, for a database a newer opsgate
 * migrated. */
int og_store__migrate(og_store *s, const og_schema *const *schemas, size_t nschemas);
/* The backend's snapshot of s's open read transaction into dest (snapshot.c). */
int og_store__snapshot(og_store *s, const char *dest, og_store_snapshot_progress fn, void *arg);
/* The backend's copy_out of table on s (OG_EINVAL when it has none, or under a faulty
 * wrapper), and whether it has one (copy.c). */
int og_store__copy_out(og_store *s, const char *table, og_store_row_fn fn, void *arg);
int og_store__can_copy_out(const og_store *s);
/* PostgreSQL's copy_out (pgcopy.c) and the libpq connection of a pg.c connection. */
int og_store__pg_copy_out(void *conn, const char *table, og_store_row_fn fn, void *arg);
void *og_store__pg_db(void *conn);

#endif
