/* store.c - backend-neutral connections, nested transactions, statements and schema migrations. */
#include "opsgate/store.h"
#include "opsgate/error.h"
#include "opsgate/util.h"
#include "opsgate/sys/store_backend.h"
#include "store/store_internal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The statement cache: og_stmt_free() of a statement prepared on a connection keeps it, reset and
 * with its bindings cleared, and the next og_stmt_prepare() of the same SQL text on that
 * connection takes it back instead of compiling the text again (the backend prepares with
 * SQLITE_PREPARE_PERSISTENT; SQLite re-prepares a kept statement by itself when the schema
 * changed). At most STMT_CACHE_MAX statements are kept per connection, the least recently freed
 * going first; they are finalized when the connection closes. Statements handed out are on a
 * list so that one freed after its connection closed does not reach the gone connection. While
 * failures are injected (og_store_fault_arm) nothing is kept or taken: every call reaches the
 * faulty backend as before.
 */
#define STMT_CACHE_MAX 64

/* A statement keeps the backend it was prepared with, so that statements prepared before
 * og_store_fault_arm() wrapped the connection keep working. */
struct og_stmt {
    og_store *s; /* NULL once its connection closed */
    const og_store_backend *be;
    void *st;
    int bind_error;       /* the first failed bind since prepare or reset, 0 if none */
    int stepped;          /* stepped since prepare or reset (counted in og_store_statements) */
    char *bind_msg;       /* its message (owned), NULL if none or out of memory */
    char *sql;            /* the text it was prepared from (owned), NULL: not to be cached */
    uint64_t hash;        /* of sql */
    og_stmt *prev, *next; /* on its connection's list of statements handed out */
};

struct og_store {
    const og_store_backend *be;   /* what calls go through: the backend, or the faulty one */
    const og_store_backend *real; /* the backend itself: its name and SQL dialect */
    void *conn;
    int depth;     /* transaction nesting depth */
    int scoped;    /* the outermost transaction holds the writer lock shared (tx_begin_scope) */
    int atomic;    /* og_store_tx_atomic: the level (a depth) whose statements need no savepoint */
    uint64_t txid; /* og_store_tx_id: 0 outside a transaction */
    int64_t statements;             /* og_store_statements */
    og_stmt *cache[STMT_CACHE_MAX]; /* statements kept for reuse, oldest first */
    int ncache;
    og_stmt *out;                    /* statements handed out */
    int64_t reused;                  /* prepares answered from the cache */
    const og_schema *const *schemas; /* the modules whose schemas it keeps (borrowed) */
    size_t nschemas;
    og_store__group *group; /* its database's group commit (group.c); NULL: none */
    int bulk;               /* in bulk writes (og_store_bulk_writes): commits not durable */
};

/* A new transaction state id (og_store_tx_id), unique in the process. */
static uint64_t tx_id_next(void)
{
    static uint64_t serial;
    return __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED);
}

const og_store_backend *og_store__dialect(const og_store *s)
{
    return s->real;
}

/* The backend of a store URL and what it is given. URLs are not echoed in messages: a
 * PostgreSQL URL may hold a password. */
static int backend_for(const char *url, const og_store_backend **be, const char **location)
{
    if (strncmp(url, "sqlite:", 7) == 0) {
        *be = &og_store_backend_sqlite;
        *location = url + 7;
        return 0;
    }
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        *be = &og_store_backend_postgres;
        *location = url; /* libpq reads the URI itself: multi-host, target_session_attrs... */
        return 0;
    }
    if (strncmp(url, OG_STORE_LIBPQ_PREFIX, strlen(OG_STORE_LIBPQ_PREFIX)) == 0) {
        *be = &og_store_backend_postgres;
        *location = url + strlen(OG_STORE_LIBPQ_PREFIX); /* host=... dbname=... */
        return 0;
    }
    if (strncmp(url, "postgres:", 9) == 0 || strncmp(url, "postgresql:", 11) == 0)
        return og_error_set(OG_EINVAL, "a PostgreSQL store is named by a URL postgres://... or "
                                       "postgresql://..., or by " OG_STORE_LIBPQ_PREFIX
                                       "KEY=VALUE ... (a libpq connection string)");
    *be = &og_store_backend_sqlite;
    *location = url;
    return 0;
}

int og_store_url_is_server(const char *location)
{
    return location &&
           (strncmp(location, "postgres:", 9) == 0 || strncmp(location, "postgresql:", 11) == 0 ||
            strncmp(location, OG_STORE_LIBPQ_PREFIX, strlen(OG_STORE_LIBPQ_PREFIX)) == 0);
}

int og_store_open(og_store **out, const char *url, int create)
{
    return og_store_open_schemas(out, url, create, og_store_schemas, og_store_nschemas);
}

int og_store_open_schemas(og_store **out, const char *url, int create,
                          const og_schema *const *schemas, size_t nschemas)
{
    int error = -1;
    const og_store_backend *be = NULL;
    const char *location = NULL;
    og_store *s = NULL;
    *out = NULL;
    if ((error = backend_for(url, &be, &location)) < 0)
        goto cleanup;
    s = calloc(1, sizeof(*s));
    if (!s) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    s->be = be;
    s->real = be;
    s->schemas = schemas;
    s->nschemas = nschemas;
    if ((error = be->open(&s->conn, location, create)) < 0)
        goto cleanup;
    if ((error = og_store__migrate(s, schemas, nschemas)) < 0)
        goto cleanup;
    if (be->group_commit)
        s->group = og_store__group_acquire(location);
    *out = s;
    s = NULL;
    error = 0;
cleanup:
    og_store_close(s);
    return error;
}

static void stmt_destroy(og_stmt *st)
{
    st->be->finalize(st->st);
    free(st->bind_msg);
    free(st->sql);
    free(st);
}

/* Finalize every kept statement (the connection closes, or failures are about to be injected). */
static void cache_flush(og_store *s)
{
    for (int i = 0; i < s->ncache; i++)
        stmt_destroy(s->cache[i]);
    s->ncache = 0;
}

void og_store_close(og_store *s)
{
    if (!s)
        return;
    while (s->depth > 0)
        og_store_tx_rollback(s);
    cache_flush(s);
    for (og_stmt *st = s->out; st; st = st->next)
        st->s = NULL; /* freed later: finalized then, on the closed connection (SQLite allows) */
    if (s->conn)
        s->be->close(s->conn);
    og_store__group_release(s->group);
    free(s);
}

og_store__group *og_store__group_of(og_store *s)
{
    return s->bulk ? NULL : s->group;
}

int og_store__tx_alive(og_store *s)
{
    return s->depth <= 0 || !s->be->in_tx || s->be->in_tx(s->conn) != 0;
}

int og_store_modules_applied(const char *url, int *count)
{
    int error = -1;
    const og_store_backend *be = NULL;
    const char *location = NULL;
    og_store *s = NULL;
    og_stmt *st = NULL;
    *count = 0;
    if ((error = backend_for(url, &be, &location)) < 0)
        return error;
    if (!(s = calloc(1, sizeof(*s))))
        return og_error_set(OG_ERROR, "out of memory");
    s->be = s->real = be;
    if ((error = be->open(&s->conn, location, 0)) < 0)
        goto cleanup;
    /* no migration: the bookkeeping table is read only when it is there */
    if ((error = og_store_run(s, be->table_exists_sql, "t", "og_schema")) <= 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, s, "SELECT count(*) FROM og_schema WHERE version > 0")) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) == OG_ROW)
        *count = (int)og_stmt_col_int(st, 0);
cleanup:
    og_stmt_free(st);
    og_store_close(s);
    return error < 0 ? error : 0;
}

int og_store_trigger_exists(og_store *s, const char *name)
{
    return og_store_run(s, s->real->trigger_exists_sql, "t", name);
}

int og_store_bulk_writes(og_store *s, int on)
{
    const char *sql = on ? s->real->bulk_on_sql : s->real->bulk_off_sql;
    int rc;
    if (s->depth > 0)
        return og_error_set(OG_ERROR, "bulk writes are switched outside a transaction");
    if (on)
        s->bulk = 1; /* at once: a half-applied switch is not to be trusted as durable */
    rc = sql ? og_store_exec(s, sql) : 0;
    if (!on && rc == 0)
        s->bulk = 0;
    return rc;
}

const char *og_store_backend_name(const og_store *s)
{
    return s->real->name;
}

bool og_store_has(const og_store *s, og_store_cap cap)
{
    return (s->real->caps & (unsigned)cap) == (unsigned)cap;
}

int og_store_schema_version(og_store *s, const char *module, int *applied, int *known)
{
    og_stmt *st = NULL;
    *applied = 0;
    *known = 0;
    for (size_t i = 0; i < s->nschemas; i++) {
        const og_schema *sc = s->schemas[i];
        if (strcmp(sc->module, module) == 0 && sc->nsteps)
            *known = sc->steps[sc->nsteps - 1].version;
    }
    int rc = og_stmt_prepare(&st, s, "SELECT version FROM og_schema WHERE module = ?");
    if (rc < 0)
        return rc;
    og_stmt_bind_text(st, 1, module);
    rc = og_stmt_step(st);
    if (rc == OG_ROW)
        *applied = (int)og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

int og_store_purge_tenant(og_store *s, const char *tenant_id)
{
    if (s->depth > 0)
        s->txid = tx_id_next(); /* rows read before are gone */
    for (size_t i = 0; i < s->nschemas; i++) {
        const og_schema *sc = s->schemas[i];
        for (size_t j = 0; sc->purge_tenant && sc->purge_tenant[j]; j++) {
            og_stmt *st = NULL;
            int rc = og_stmt_prepare(&st, s, sc->purge_tenant[j]);
            if (rc == 0) {
                og_stmt_bind_text(st, 1, tenant_id);
                rc = og_stmt_step(st);
            }
            og_stmt_free(st);
            if (rc < 0)
                return og_error_wrap("removing tenant rows of module '%s'", sc->module);
        }
    }
    return 0;
}

int og_store_checkpoint(og_store *s)
{
    if (s->depth > 0)
        return og_error_set(OG_ERROR, "checkpoint inside a transaction");
    return s->be->checkpoint(s->conn);
}

uint64_t og_store_tx_id(const og_store *s)
{
    return s->depth > 0 ? s->txid : 0;
}

int64_t og_store_statements(const og_store *s)
{
    return s->statements;
}

/* After the depth changed: the atomic level is over once the depth is below it; its statements
 * skip their savepoints only while it is the innermost level. */
static void atomic_sync(og_store *s)
{
    if (s->atomic > s->depth)
        s->atomic = 0;
    if (s->be->atomic)
        s->be->atomic(s->conn, s->atomic && s->atomic == s->depth);
}

int og_store_tx_atomic(og_store *s)
{
    if (s->depth <= 0)
        return og_error_set(OG_ERROR, "an all-or-nothing level needs an open transaction");
    s->atomic = s->depth;
    atomic_sync(s);
    return 0;
}

/*
 * Run the outermost BEGIN or the COMMIT: where the backend asks for it (tx_verbs_cached: SQLite,
 * whose exec parses the text again each time, a tenth of a batch of audit appends' own work)
 * through a statement prepared once and kept in the connection's cache; elsewhere, and while a
 * fault injecting backend sits in between (it counts exec calls and asks for no cache), as the
 * backend's exec.
 */
static int tx_verb(og_store *s, const char *sql)
{
    og_stmt *st = NULL;
    if (!s->be->tx_verbs_cached)
        return s->be->exec(s->conn, sql);
    int rc = og_stmt_prepare(&st, s, sql);
    if (rc == 0 && (rc = s->be->step(st->st)) == OG_DONE)
        rc = 0;
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

/* Begin a transaction level; the outermost with begin (the backend's writer lock). */
static int tx_begin_with(og_store *s, const char *begin)
{
    int rc;
    if (s->depth == 0) {
        rc = tx_verb(s, begin);
    } else {
        char sql[64];
        snprintf(sql, sizeof(sql), "SAVEPOINT og_sp%d", s->depth);
        rc = s->be->exec(s->conn, sql);
    }
    s->statements++;
    if (rc < 0)
        return og_error_wrap("beginning a transaction");
    if (s->depth == 0)
        s->txid = tx_id_next();
    s->depth++;
    atomic_sync(s);
    return 0;
}

int og_store_ping_primary(og_store *s, int *standby)
{
    og_stmt *st = NULL;
    int rc;
    if (standby)
        *standby = 0;
    if ((rc = og_stmt_prepare(&st, s, "SELECT 1")) == 0)
        rc = og_stmt_step(st);
    og_stmt_free(st);
    if (rc < 0)
        return og_error_set(OG_EBUSY, "cannot reach the database: %s", og_error_last());
    if (!s->real->is_primary)
        return 0;
    if ((rc = s->be->is_primary(s->conn)) < 0)
        return og_error_set(OG_EBUSY, "cannot reach the database: %s", og_error_last());
    if (rc == 0 && standby)
        *standby = 1;
    if (rc == 0)
        return og_error_set(OG_EBUSY, "the database is a standby in recovery, not the primary: "
                                      "it takes no writes");
    return 0;
}

int og_store_tx_begin(og_store *s)
{
    int rc = tx_begin_with(s, s->real->begin_sql);
    if (rc == 0 && s->depth == 1)
        s->scoped = 0;
    return rc;
}

int og_store_tx_begin_scope(og_store *s, const char *key)
{
    int outer = s->depth == 0;
    if (key && !key[0])
        return og_error_set(OG_EINVAL, "a writer transaction's scope is a non-empty name");
    int rc = tx_begin_with(s, s->real->begin_shared_sql && outer ? s->real->begin_shared_sql
                                                                 : s->real->begin_sql);
    if (rc < 0)
        return rc;
    if (outer)
        s->scoped = s->real->begin_shared_sql != NULL;
    if (key && (rc = og_store_lock(s, key)) < 0) {
        og_store_tx_rollback(s);
        return og_error_wrap("beginning a transaction scoped to '%s'", key);
    }
    return 0;
}

int og_store_lock(og_store *s, const char *key)
{
    if (!key || !key[0])
        return og_error_set(OG_EINVAL, "a lock is named by a non-empty key");
    if (s->depth <= 0)
        return og_error_set(OG_ERROR, "lock '%s' taken outside a transaction", key);
    if (!s->scoped || !s->real->lock) /* the writer lock held exclusive covers every key */
        return 0;
    int rc = s->be->lock(s->conn, key);
    return rc < 0 ? og_error_wrap("taking the lock '%s'", key) : 0;
}

int og_store_tx_scoped(const og_store *s)
{
    return s->depth > 0 && s->scoped;
}

int og_store_tx_commit(og_store *s)
{
    int rc;
    if (s->depth <= 0)
        return og_error_set(OG_ERROR, "commit without a transaction");
    if (s->depth == 1) {
        rc = tx_verb(s, "COMMIT");
        s->statements++;
        if (rc < 0) {
            og_store_tx_rollback(s);
            return og_error_wrap("committing");
        }
    } else {
        char sql[64];
        snprintf(sql, sizeof(sql), "RELEASE og_sp%d", s->depth - 1);
        rc = s->be->exec(s->conn, sql);
        s->statements++;
        if (rc < 0)
            return og_error_wrap("releasing a savepoint");
    }
    s->depth--;
    if (s->depth == 0)
        s->txid = 0;
    atomic_sync(s);
    return 0;
}

void og_store_tx_rollback(og_store *s)
{
    if (s->depth <= 0)
        return;
    /* Keep the caller's error message and its detail: rollback happens on error paths. */
    char saved[1024], arg[256];
    int code = og_error_code();
    const char *detail = og_error_detail();
    og_strlcpy(saved, og_error_last(), sizeof(saved));
    og_strlcpy(arg, og_error_detail_arg(), sizeof(arg));
    if (s->depth == 1) {
        s->be->exec(s->conn, "ROLLBACK");
    } else {
        char sql[96];
        snprintf(sql, sizeof(sql), "ROLLBACK TO og_sp%d; RELEASE og_sp%d", s->depth - 1,
                 s->depth - 1);
        s->be->exec(s->conn, sql);
    }
    s->statements++;
    s->depth--;
    s->txid = s->depth > 0 ? tx_id_next() : 0; /* what was read in the undone part may be gone */
    atomic_sync(s);
    og_error_set(code, "%s", saved);
    if (detail[0] && arg[0])
        og_error_set_detail_arg(detail, arg);
    else if (detail[0])
        og_error_set_detail(detail);
}

int og_store_tx_end(og_store *s, int error)
{
    if (error < 0) {
        og_store_tx_rollback(s);
        return error;
    }
    int depth = s->depth;
    int rc = og_store_tx_commit(s);
    if (rc < 0) {
        if (s->depth == depth) /* a savepoint that would not release is still open */
            og_store_tx_rollback(s);
        return rc;
    }
    return error;
}

int og_store_tx_depth(const og_store *s)
{
    return s->depth;
}

int og_store_exec(og_store *s, const char *sql)
{
    s->statements++;
    return s->be->exec(s->conn, sql);
}

static uint64_t sql_hash(const char *sql)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

static void out_link(og_store *s, og_stmt *st)
{
    st->prev = NULL;
    st->next = s->out;
    if (s->out)
        s->out->prev = st;
    s->out = st;
}

static void out_unlink(og_store *s, og_stmt *st)
{
    if (st->prev)
        st->prev->next = st->next;
    else if (s->out == st)
        s->out = st->next;
    if (st->next)
        st->next->prev = st->prev;
    st->prev = st->next = NULL;
}

/* A kept statement of that text, taken out of the cache; NULL when none. */
static og_stmt *cache_take(og_store *s, const char *sql, uint64_t hash)
{
    for (int i = s->ncache - 1; i >= 0; i--) {
        og_stmt *st = s->cache[i];
        if (st->hash != hash || strcmp(st->sql, sql) != 0)
            continue;
        memmove(&s->cache[i], &s->cache[i + 1], (size_t)(s->ncache - i - 1) * sizeof(og_stmt *));
        s->ncache--;
        return st;
    }
    return NULL;
}

int og_stmt_prepare_dialect(og_stmt **out, og_store *s, const og_sql_dialects *sql)
{
    const char *text = s->real->dialect_sql(sql);
    *out = NULL;
    if (!text)
        return og_error_set(OG_EINVAL, "no SQL text for the %s backend", s->real->name);
    return og_stmt_prepare(out, s, text);
}

int og_stmt_prepare(og_stmt **out, og_store *s, const char *sql)
{
    int caching = s->be == s->real;
    uint64_t hash = caching ? sql_hash(sql) : 0;
    og_stmt *st = caching ? cache_take(s, sql, hash) : NULL;
    *out = NULL;
    if (st) {
        s->reused++;
    } else {
        if (!(st = calloc(1, sizeof(*st))))
            return og_error_set(OG_ERROR, "out of memory");
        int rc = s->be->prepare(&st->st, s->conn, sql);
        if (rc < 0) {
            free(st);
            return rc;
        }
        st->be = s->be;
        st->hash = hash;
        st->sql = caching ? strdup(sql) : NULL; /* out of memory: this one is not kept */
    }
    st->s = s;
    out_link(s, st);
    *out = st;
    return 0;
}

/* Remember the first failed bind, with its parameter, for og_stmt_step to return. */
static int bind_result(og_stmt *st, int idx, int rc)
{
    if (rc >= 0 || st->bind_error)
        return rc;
    st->bind_error = rc;
    free(st->bind_msg);
    st->bind_msg = NULL;
    if (asprintf(&st->bind_msg, "binding parameter %d: %s", idx, og_error_last()) < 0)
        st->bind_msg = NULL;
    return rc;
}

int og_stmt_bind_int(og_stmt *st, int idx, int64_t v)
{
    return bind_result(st, idx, st->be->bind_int(st->st, idx, v));
}

int og_stmt_bind_text(og_stmt *st, int idx, const char *v)
{
    return bind_result(st, idx, st->be->bind_text(st->st, idx, v));
}

int og_stmt_bind_blob(og_stmt *st, int idx, const void *v, size_t len)
{
    return bind_result(st, idx, st->be->bind_blob(st->st, idx, v, len));
}

int og_stmt_bind_null(og_stmt *st, int idx)
{
    return bind_result(st, idx, st->be->bind_null(st->st, idx));
}

int og_stmt_step(og_stmt *st)
{
    if (st->bind_error)
        return og_error_set(st->bind_error, "%s",
                            st->bind_msg ? st->bind_msg : "database: binding a parameter failed");
    if (!st->stepped && st->s) {
        st->stepped = 1;
        st->s->statements++;
    }
    return st->be->step(st->st);
}

int64_t og_stmt_col_int(og_stmt *st, int col)
{
    return st->be->col_int(st->st, col);
}

const char *og_stmt_col_text(og_stmt *st, int col)
{
    return st->be->col_text(st->st, col);
}

const void *og_stmt_col_blob(og_stmt *st, int col, size_t *len)
{
    return st->be->col_blob(st->st, col, len);
}

int og_stmt_col_is_null(og_stmt *st, int col)
{
    return st->be->col_is_null(st->st, col);
}

int og_stmt_col_count(og_stmt *st)
{
    return st->be->col_count(st->st);
}

const char *og_stmt_col_name(og_stmt *st, int col)
{
    return st->be->col_name(st->st, col);
}

og_col_type og_stmt_col_type(og_stmt *st, int col)
{
    return st->be->col_type(st->st, col);
}

int og_stmt_reset(og_stmt *st)
{
    st->bind_error = 0;
    st->stepped = 0;
    free(st->bind_msg);
    st->bind_msg = NULL;
    return st->be->reset(st->st);
}

void og_stmt_free(og_stmt *st)
{
    og_store *s;
    if (!st)
        return;
    if (!(s = st->s)) { /* its connection is closed */
        stmt_destroy(st);
        return;
    }
    out_unlink(s, st);
    if (!st->sql || st->be != s->be || s->be != s->real) {
        stmt_destroy(st);
        return;
    }
    og_stmt_reset(st); /* kept reset, bindings cleared: no lock held, no value kept */
    if (s->ncache == STMT_CACHE_MAX) {
        stmt_destroy(s->cache[0]);
        memmove(&s->cache[0], &s->cache[1], (STMT_CACHE_MAX - 1) * sizeof(og_stmt *));
        s->ncache--;
    }
    s->cache[s->ncache++] = st;
}

void og_store_stmt_cache_stats(const og_store *s, int *kept, int64_t *reused)
{
    *kept = s->ncache;
    *reused = s->reused;
}

/* ---- fault injection ---- */
int og_store_fault_arm(og_store *s, long nth, int sticky)
{
    if (s->be != &og_store__backend_faulty) {
        void *wrapped = NULL;
        cache_flush(s); /* every statement prepared from now on goes through the faulty one */
        int rc = og_store__fault_wrap(&wrapped, s->be, s->conn);
        if (rc < 0)
            return rc;
        s->conn = wrapped;
        s->be = &og_store__backend_faulty;
    }
    og_store__fault_arm(s->conn, nth, sticky);
    return 0;
}

long og_store_fault_calls(const og_store *s)
{
    return s->be == &og_store__backend_faulty ? og_store__fault_calls(s->conn) : 0;
}

long og_store_fault_fired(const og_store *s)
{
    return s->be == &og_store__backend_faulty ? og_store__fault_fired(s->conn) : 0;
}

int64_t og_store_changes(og_store *s)
{
    return s->be->changes(s->conn);
}

int og_store_cache_limit(og_store *s, int kib)
{
    if (kib < 1)
        return og_error_set(OG_EINVAL, "page cache of %d KiB: must be at least 1 KiB", kib);
    return s->be->cache_limit(s->conn, kib);
}

int og_store__snapshot(og_store *s, const char *dest, og_store_snapshot_progress fn, void *arg)
{
    return s->real->snapshot(s->conn, dest, fn, arg);
}

int og_store__snapshot_stream(og_store *s, const og_store_snapshot_sink *sink,
                              og_store_snapshot_progress fn, void *arg)
{
    return s->real->snapshot_stream(s->conn, sink, fn, arg);
}

int og_store__copy_out(og_store *s, const char *table, og_store_row_fn fn, void *arg)
{
    if (s->be != s->real || !s->real->copy_out)
        return og_error_set(OG_EINVAL, "the %s backend streams no table", s->real->name);
    return s->real->copy_out(s->conn, table, fn, arg);
}

int og_store__can_copy_out(const og_store *s)
{
    return s->be == s->real && s->real->copy_out != NULL;
}
