/* store_backend.h - what a database backend implements (SQLite now, PostgreSQL later). */
#ifndef OPSGATE_SYS_STORE_BACKEND_H
#define OPSGATE_SYS_STORE_BACKEND_H

#include "opsgate/store.h"

typedef struct og_store_backend {
    const char *name;                  /* "sqlite", "postgres" */
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
    int (*reset)(void *stmt);
    void (*finalize)(void *stmt);
    int64_t (*changes)(void *conn);
    int (*checkpoint)(void *conn);     /* flush and truncate the write-ahead log */
    /* Transaction verbs as the backend spells them. */
    const char *begin_sql;             /* "BEGIN IMMEDIATE" */
    /* Script text of a migration for this backend. */
    const char *(*migration_sql)(const og_migration *m);
} og_store_backend;

extern const og_store_backend og_store_backend_sqlite;

/* Every module with tables lists its schema here (src/store/schemas.c). */
extern const og_schema *const og_store_schemas[];
extern const size_t og_store_nschemas;

#endif
