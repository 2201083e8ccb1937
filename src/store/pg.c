/* pg.c - the PostgreSQL store backend over libpq: named prepared statements, whole results,
 * statement-level atomicity inside transactions, a database-wide writer lock, error mapping. */
#include "opsgate/error.h"
#include "store/store_internal.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * How this backend keeps SQLite's contract (docs/postgres.md says the same for operators):
 * - A statement is prepared once per connection (PQprepare, named og_N) from the portable text,
 *   `?` translated to `$n` (pgsql.c); parameter types are inferred by the server. A text whose
 *   parameter types the server cannot infer (`? IS NULL`) is run with PQexecParams and types
 *   taken from the bindings (int8, text, bytea). Integers and text travel as text, blobs binary.
 * - og_stmt_step runs the statement on its first call and keeps the whole result (no single-row
 *   mode: other statements run on the connection while a result is read, as modules do on
 *   SQLite). Rows are read from it; values arrive as text and are decoded per column type.
 * - Inside a transaction each statement that may write runs under a savepoint (pipelined with
 *   it: one round trip), so a failed statement (a unique violation a module handles) leaves the
 *   transaction usable, as on SQLite, instead of aborting it. A plain SELECT (no locking clause,
 *   no function known to write) runs without one: most statements of a request are reads, and
 *   a savepoint and its release cost the server two more statements each. A read that fails
 *   leaves the transaction aborted: every later statement fails, and COMMIT is refused (never a
 *   silent rollback), until the caller rolls back the transaction or the level it began.
 * - The outermost BEGIN takes a database-wide advisory lock (pg_advisory_xact_lock), released at
 *   COMMIT or ROLLBACK: writing transactions are serialized as SQLite's BEGIN IMMEDIATE
 *   serializes them, so a read-modify-write inside one is never raced. Waiting for it (or any
 *   lock) is bounded by lock_timeout (30 s, as SQLite's busy timeout) and then OG_EBUSY.
 * - A scoped writer transaction takes the writer lock shared and then exclusive named locks
 *   (a tenant, an audit chain: pg_lock), so writers of different tenants run at once on one node
 *   or several, while a platform-wide transaction still runs alone.
 * - A lost connection is made again at the next call outside a transaction (statements prepare
 *   again); inside one, every call fails with OG_EBUSY until the rollback, which ends it.
 */

/* pg_advisory_xact_lock key of the writer lock: "opsgat" in ASCII. */
#define WRITER_LOCK "122528763175284"
#define BEGIN_SQL                                                                                  \
    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" WRITER_LOCK ")"
/* A scoped writer transaction (og_store_tx_begin_scope) holds the writer lock shared: scoped ones
 * run side by side, each serialized with the others on its own keys (pg_lock), and a
 * platform-wide one (BEGIN_SQL) waits until none runs, as they wait for it. */
#define BEGIN_SHARED_SQL                                                                           \
    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock_shared(" WRITER_LOCK ")"
/* The named locks' key space: pg_advisory_xact_lock(int4, int4) keys never meet the single
 * bigint key of the writer lock. 28519 is "og" in ASCII; the second key is hashtext(name). */
#define NAMED_LOCK_SQL "SELECT pg_advisory_xact_lock(28519, hashtext($1))"
#define SESSION_SQL                                                                                \
    "SET client_min_messages = warning; SET lock_timeout = '30s';"                                 \
    " SET standard_conforming_strings = on; SET TIME ZONE 'UTC'"
#define GARBAGE_MAX 32 /* names of finalized statements kept before one DEALLOCATE round trip */
#define BYTEAOID    17
#define BOOLOID     16
#define INT8OID     20
#define INT2OID     21
#define INT4OID     23
#define OIDOID      26
#define TEXTOID     25
#define FLOAT4OID   700
#define FLOAT8OID   701
#define NUMERICOID  1700

typedef struct pg_conn {
    PGconn *db;   /* NULL once closed (statements may outlive it) */
    int refs;     /* the connection and each of its statements */
    unsigned gen; /* bumped when the connection is made again: statements prepare again */
    unsigned next_id;
    PGTransactionStatusType tx; /* after the last call */
    int lost_tx; /* the connection died inside a transaction: refuse until ROLLBACK */
    int atomic;  /* the open level is all or nothing: no savepoint per statement */
    int64_t changes;
    char garbage[GARBAGE_MAX * 24]; /* "DEALLOCATE og_N;" for finalized statements */
    int ngarbage;
} pg_conn;

typedef struct pg_stmt {
    pg_conn *c;
    char *sql; /* PostgreSQL's text ($n) */
    char name[20];
    unsigned gen; /* of the connection it was prepared on */
    int prepared; /* on the server, in generation gen */
    int deferred; /* parameter types from the bindings (PQexecParams) */
    int readonly; /* a plain SELECT: run without a savepoint (run_op) */
    int nparams;
    char **vals;
    int *lens, *fmts;
    Oid *types;
    PGresult *res; /* the whole result once run, NULL before */
    int row, nrows;
    char **dec; /* bytea values of the current row, decoded (NUL-terminated), per column */
    size_t *declen;
} pg_stmt;

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* The code for a failed call: retryable ones are OG_EBUSY. */
static int pg_code(PGconn *db, const char *state)
{
    if (!db || PQstatus(db) == CONNECTION_BAD)
        return OG_EBUSY;
    if (!state)
        return OG_ERROR;
    if (strcmp(state, "23505") == 0)
        return OG_EEXISTS; /* unique or primary key; other constraints are OG_ERROR, as SQLite */
    if (strncmp(state, "08", 2) == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 || strcmp(state, "53300") == 0 ||
        strncmp(state, "57P0", 4) == 0)
        return OG_EBUSY; /* connection, serialization, deadlock, lock timeout, shutdown */
    if (strcmp(state, "53100") == 0)
        return OG_ENOSPACE;
    if (strcmp(state, "XX001") == 0 || strcmp(state, "XX002") == 0)
        return OG_ECORRUPT;
    return OG_ERROR;
}

/* Set the error of a failed call on c (res may be NULL) and return its code. */
static int pg_fail(pg_conn *c, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg || !*msg)
        msg = c->db ? PQerrorMessage(c->db) : "connection closed";
    int len = (int)strcspn(msg, "\n");
    int code = pg_code(c->db, state);
    if (c->db && PQstatus(c->db) == CONNECTION_BAD) {
        if (c->tx != PQTRANS_IDLE)
            c->lost_tx = 1;
        return og_error_set(OG_EBUSY,
                            "database: %s: the connection to PostgreSQL was lost (%.*s); "
                            "try again",
                            what, len, msg);
    }
    if (code == OG_EBUSY)
        return og_error_set(code, "database: %s: %.*s (SQLSTATE %s); try again", what, len, msg,
                            state ? state : "?");
    return og_error_set(code, "database: %s: %.*s", what, len, msg);
}

static void note_tx(pg_conn *c)
{
    if (c->db && PQstatus(c->db) == CONNECTION_OK)
        c->tx = PQtransactionStatus(c->db);
}

/* Ready for a call: refuses while a lost transaction is not rolled back; makes a lost
 * connection again outside a transaction. */
static int pg_ready(pg_conn *c, const char *what)
{
    if (!c->db)
        return og_error_set(OG_ERROR, "database: %s: the connection is closed", what);
    if (c->lost_tx)
        return og_error_set(OG_EBUSY,
                            "database: %s: the connection to PostgreSQL was lost inside a "
                            "transaction, which did not commit; try again",
                            what);
    if (PQstatus(c->db) == CONNECTION_OK)
        return 0;
    PQreset(c->db);
    if (PQstatus(c->db) != CONNECTION_OK)
        return pg_fail(c, NULL, what);
    c->gen++;
    c->ngarbage = 0;
    PGresult *r = PQexec(c->db, SESSION_SQL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    int rc = ok ? 0 : pg_fail(c, r, what);
    PQclear(r);
    note_tx(c);
    return rc;
}

static void conn_unref(pg_conn *c)
{
    if (--c->refs == 0)
        free(c);
}

void *og_store__pg_db(void *conn)
{
    return ((pg_conn *)conn)->db;
}

static int pg_open(void **conn, const char *location, int create)
{
    (void)create; /* the database exists: PostgreSQL's administrator creates it */
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(location, &perr);
    if (!opts) {
        int e = og_error_set(OG_EINVAL, "not a PostgreSQL connection string: %s",
                             perr ? perr : "out of memory");
        PQfreemem(perr);
        return e;
    }
    PQconninfoFree(opts);
    pg_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return og_error_set(OG_ERROR, "out of memory");
    c->refs = 1;
    c->db = PQconnectdb(location);
    if (!c->db || PQstatus(c->db) != CONNECTION_OK) {
        const char *m = c->db ? PQerrorMessage(c->db) : "out of memory";
        int e =
            og_error_set(OG_EBUSY, "cannot connect to PostgreSQL: %.*s", (int)strcspn(m, "\n"), m);
        PQfinish(c->db);
        free(c);
        return e;
    }
    PQsetNoticeProcessor(c->db, quiet, NULL);
    PGresult *r = PQexec(c->db, SESSION_SQL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        int e = pg_fail(c, r, "configuring the session");
        PQclear(r);
        PQfinish(c->db);
        free(c);
        return e;
    }
    PQclear(r);
    note_tx(c);
    *conn = c;
    return 0;
}

static void pg_close(void *conn)
{
    pg_conn *c = conn;
    PQfinish(c->db);
    c->db = NULL;
    conn_unref(c);
}

/* Remember the rows a write changed (SELECTs leave the count alone, as on SQLite). */
static void note_changes(pg_conn *c, PGresult *r)
{
    const char *cmd = PQcmdStatus(r);
    if (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
        strncmp(cmd, "DELETE", 6) == 0 || strncmp(cmd, "MERGE", 5) == 0)
        c->changes = strtoll(PQcmdTuples(r), NULL, 10);
}

static int pg_exec(void *conn, const char *sql)
{
    pg_conn *c = conn;
    if (c->lost_tx && strcmp(sql, "ROLLBACK") == 0) {
        c->lost_tx = 0; /* the server rolled it back when the connection died */
        c->tx = PQTRANS_IDLE;
        return 0;
    }
    int rc = pg_ready(c, "exec");
    if (rc < 0)
        return rc;
    PGTransactionStatusType before = c->tx;
    if (before == PQTRANS_INERROR && strcmp(sql, "COMMIT") == 0)
        return og_error_set(OG_ERROR, "database: commit: a statement of this transaction failed "
                                      "(a read run without a savepoint); it must be rolled back");
    PGresult *r = PQexec(c->db, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY)
        note_changes(c, r);
    else
        rc = pg_fail(c, r, "exec");
    /* COMMIT of a transaction the server had aborted answers ROLLBACK: nothing was written. */
    if (rc == 0 && strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(r), "ROLLBACK") == 0)
        rc = og_error_set(OG_ERROR, "database: commit: the server rolled the transaction back");
    PQclear(r);
    note_tx(c);
    /* A failed script that began a transaction (BEGIN, then the writer lock timed out) leaves
     * none open: the caller saw the begin fail and will not roll it back. */
    if (rc < 0 && before == PQTRANS_IDLE && c->tx != PQTRANS_IDLE && !c->lost_tx) {
        PQclear(PQexec(c->db, "ROLLBACK"));
        note_tx(c);
    }
    return rc;
}

/* An exclusive lock on key until the transaction ends. Waiting is bounded by lock_timeout; a
 * deadlock between two scoped transactions (keys taken in opposite orders) fails one of them
 * with OG_EBUSY, which the caller rolls back. */
static int pg_lock(void *conn, const char *key)
{
    pg_conn *c = conn;
    int rc = pg_ready(c, "lock");
    if (rc < 0)
        return rc;
    if (c->tx != PQTRANS_INTRANS)
        return og_error_set(OG_ERROR, "database: lock: needs an open transaction");
    const char *vals[1] = {key};
    PGresult *r = PQexecParams(c->db, NAMED_LOCK_SQL, 1, NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = pg_fail(c, r, "lock");
    PQclear(r);
    note_tx(c);
    return rc;
}

static void pg_atomic(void *conn, int on)
{
    ((pg_conn *)conn)->atomic = on;
}

static int pg_is_primary(void *conn)
{
    pg_conn *c = conn;
    int rc = pg_ready(c, "is primary");
    if (rc < 0)
        return rc;
    PGresult *r = PQexec(c->db, "SELECT pg_is_in_recovery()");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        rc = pg_fail(c, r, "is primary");
    else
        rc = PQgetvalue(r, 0, 0)[0] == 't' ? 0 : 1;
    PQclear(r);
    note_tx(c);
    return rc;
}

/* Send the statement's own call (op 'P' prepare, 'E' execute) without waiting. */
static int send_op(pg_stmt *st, char op)
{
    PGconn *db = st->c->db;
    if (op == 'P')
        return PQsendPrepare(db, st->name, st->sql, st->nparams, NULL);
    if (st->deferred)
        return PQsendQueryParams(db, st->sql, st->nparams, st->types, (const char *const *)st->vals,
                                 st->lens, st->fmts, 0);
    return PQsendQueryPrepared(db, st->name, st->nparams, (const char *const *)st->vals, st->lens,
                               st->fmts, 0);
}

/* Run op and return its result (NULL: out of memory or the connection failed). Inside a
 * transaction it runs between SAVEPOINT and RELEASE, pipelined in one round trip; when it fails
 * the savepoint is rolled back, so the transaction stays usable. */
static PGresult *run_op(pg_stmt *st, char op)
{
    pg_conn *c = st->c;
    PGconn *db = c->db;
    PGresult *keep = NULL;
    /* Outside a transaction a statement is atomic by itself; a read changes nothing to undo; in
     * an all-or-nothing level (og_store_tx_atomic) a failure undoes the level. */
    if (c->tx != PQTRANS_INTRANS || (op == 'E' && (st->readonly || c->atomic))) {
        if (!send_op(st, op))
            return NULL;
        for (PGresult *r; (r = PQgetResult(db));) {
            PQclear(keep);
            keep = r;
        }
        return keep;
    }
    if (!PQenterPipelineMode(db))
        return NULL;
    int sent = PQsendQueryParams(db, "SAVEPOINT og_stmt", 0, NULL, NULL, NULL, NULL, 0) &&
               send_op(st, op) &&
               PQsendQueryParams(db, "RELEASE og_stmt", 0, NULL, NULL, NULL, NULL, 0) &&
               PQpipelineSync(db);
    int failed = !sent;
    /* Results in order: savepoint, op, release (each ended by NULL), then the sync. */
    for (int q = 0, nulls = 0; sent && nulls < 8;) {
        PGresult *r = PQgetResult(db);
        if (!r) {
            q++;
            nulls++;
            if (PQstatus(db) == CONNECTION_BAD)
                break;
            continue;
        }
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
            failed = 1;
        if (q == 1 || (failed && !keep)) {
            PQclear(keep);
            keep = r;
        } else {
            PQclear(r);
        }
    }
    PQexitPipelineMode(db);
    if (failed && PQstatus(db) == CONNECTION_OK)
        PQclear(PQexec(db, "ROLLBACK TO SAVEPOINT og_stmt; RELEASE SAVEPOINT og_stmt"));
    return keep;
}

/* Prepare st on the server (named), or mark it deferred when its parameter types cannot be
 * inferred from the text alone. */
static int server_prepare(pg_stmt *st)
{
    pg_conn *c = st->c;
    if (c->ngarbage >= GARBAGE_MAX && c->tx == PQTRANS_IDLE) {
        PQclear(PQexec(c->db, c->garbage));
        c->ngarbage = 0;
        c->garbage[0] = '\0';
    }
    snprintf(st->name, sizeof(st->name), "og_%u", c->next_id++);
    PGresult *r = run_op(st, 'P');
    int rc = 0;
    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
        st->prepared = 1;
        st->deferred = 0;
        st->gen = c->gen;
    } else {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        if (state && strcmp(state, "42P18") == 0)
            st->deferred = 1; /* indeterminate parameter type: the bindings will say */
        else
            rc = pg_fail(c, r, "prepare");
    }
    PQclear(r);
    note_tx(c);
    return rc;
}

static void stmt_clear_row(pg_stmt *st)
{
    if (!st->dec)
        return;
    int n = st->res ? PQnfields(st->res) : 0;
    for (int i = 0; i < n; i++)
        free(st->dec[i]);
    free(st->dec);
    free(st->declen);
    st->dec = NULL;
    st->declen = NULL;
}

static void stmt_clear_binds(pg_stmt *st)
{
    for (int i = 0; i < st->nparams; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
        st->lens[i] = 0;
        st->fmts[i] = 0;
        st->types[i] = 0;
    }
}

static void pg_finalize(void *stmt)
{
    pg_stmt *st = stmt;
    if (!st)
        return;
    stmt_clear_row(st);
    PQclear(st->res);
    stmt_clear_binds(st);
    pg_conn *c = st->c;
    if (c->db && st->prepared && st->gen == c->gen && c->ngarbage < GARBAGE_MAX) {
        size_t used = strlen(c->garbage);
        snprintf(c->garbage + used, sizeof(c->garbage) - used, "DEALLOCATE %s;", st->name);
        c->ngarbage++;
    }
    free(st->sql);
    free(st->vals);
    free(st->lens);
    free(st->fmts);
    free(st->types);
    free(st);
    conn_unref(c);
}

static int pg_prepare(void **stmt, void *conn, const char *sql)
{
    pg_conn *c = conn;
    int rc = pg_ready(c, "prepare");
    if (rc < 0)
        return rc;
    pg_stmt *st = calloc(1, sizeof(*st));
    if (!st)
        return og_error_set(OG_ERROR, "out of memory");
    st->c = c;
    c->refs++;
    st->row = -1;
    if ((rc = og_store__pg_translate(sql, &st->sql, &st->nparams)) < 0)
        goto cleanup;
    st->readonly = og_store__pg_read_only(st->sql);
    size_t n = st->nparams ? (size_t)st->nparams : 1;
    st->vals = calloc(n, sizeof(*st->vals));
    st->lens = calloc(n, sizeof(*st->lens));
    st->fmts = calloc(n, sizeof(*st->fmts));
    st->types = calloc(n, sizeof(*st->types));
    if (!st->vals || !st->lens || !st->fmts || !st->types) {
        rc = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((rc = server_prepare(st)) < 0)
        goto cleanup;
    *stmt = st;
    st = NULL;
cleanup:
    if (st)
        pg_finalize(st);
    return rc;
}

/* Keep one parameter's value (copied; v NULL binds NULL). */
static int bind_value(pg_stmt *st, int idx, const void *v, size_t len, int fmt, Oid type)
{
    if (idx < 1 || idx > st->nparams)
        return og_error_set(OG_ERROR, "database: bind: parameter index %d out of range (1..%d)",
                            idx, st->nparams);
    if (len > 0x7fffffff)
        return og_error_set(OG_ETOOBIG, "database: bind: a value of %zu bytes is too big", len);
    char *copy = NULL;
    if (v && !(copy = malloc(len + 1)))
        return og_error_set(OG_ERROR, "out of memory");
    if (copy) {
        memcpy(copy, v, len);
        copy[len] = '\0';
    }
    free(st->vals[idx - 1]);
    st->vals[idx - 1] = copy;
    st->lens[idx - 1] = (int)len;
    st->fmts[idx - 1] = fmt;
    st->types[idx - 1] = type;
    return 0;
}

static int pg_bind_int(void *stmt, int idx, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    return bind_value(stmt, idx, num, (size_t)n, 0, INT8OID);
}

static int pg_bind_text(void *stmt, int idx, const char *v)
{
    return bind_value(stmt, idx, v, v ? strlen(v) : 0, 0, TEXTOID);
}

static int pg_bind_blob(void *stmt, int idx, const void *v, size_t len)
{
    return bind_value(stmt, idx, v ? v : "", len, 1, BYTEAOID);
}

static int pg_bind_null(void *stmt, int idx)
{
    return bind_value(stmt, idx, NULL, 0, 0, TEXTOID);
}

/* Run the statement: its whole result is kept for the rows. */
static int stmt_run(pg_stmt *st)
{
    pg_conn *c = st->c;
    int rc = pg_ready(c, "step");
    if (rc < 0)
        return rc;
    if (st->prepared && st->gen != c->gen)
        st->prepared = 0; /* the connection was made again */
    if (!st->prepared && !st->deferred && (rc = server_prepare(st)) < 0)
        return rc;
    PGresult *r = run_op(st, 'E');
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        rc = pg_fail(c, r, "step");
        PQclear(r);
        note_tx(c);
        return rc;
    }
    note_changes(c, r);
    note_tx(c);
    st->res = r;
    st->nrows = s == PGRES_TUPLES_OK ? PQntuples(r) : 0;
    st->row = -1;
    return 0;
}

static int pg_step(void *stmt)
{
    pg_stmt *st = stmt;
    if (!st->res) {
        int rc = stmt_run(st);
        if (rc < 0)
            return rc;
    }
    stmt_clear_row(st);
    if (st->row < st->nrows)
        st->row++;
    return st->row < st->nrows ? OG_ROW : OG_DONE;
}

static int has_value(pg_stmt *st, int col)
{
    return st->res && st->row >= 0 && st->row < st->nrows && col >= 0 && col < PQnfields(st->res) &&
           !PQgetisnull(st->res, st->row, col);
}

/* A bytea value of the current row, decoded once (NULL when not bytea or out of memory). */
static const char *decoded(pg_stmt *st, int col, size_t *len)
{
    if (PQftype(st->res, col) != BYTEAOID)
        return NULL;
    int n = PQnfields(st->res);
    if (!st->dec) {
        st->dec = calloc((size_t)n, sizeof(*st->dec));
        st->declen = calloc((size_t)n, sizeof(*st->declen));
        if (!st->dec || !st->declen) {
            free(st->dec);
            free(st->declen);
            st->dec = NULL;
            st->declen = NULL;
            return NULL;
        }
    }
    if (!st->dec[col]) {
        size_t l = 0;
        unsigned char *raw =
            PQunescapeBytea((const unsigned char *)PQgetvalue(st->res, st->row, col), &l);
        if (!raw)
            return NULL;
        if ((st->dec[col] = malloc(l + 1))) {
            memcpy(st->dec[col], raw, l);
            st->dec[col][l] = '\0';
            st->declen[col] = l;
        }
        PQfreemem(raw);
    }
    if (len)
        *len = st->declen[col];
    return st->dec[col];
}

static int64_t pg_col_int(void *stmt, int col)
{
    pg_stmt *st = stmt;
    if (!has_value(st, col))
        return 0;
    const char *v = PQgetvalue(st->res, st->row, col);
    Oid t = PQftype(st->res, col);
    if (t == BOOLOID)
        return v[0] == 't';
    if (strpbrk(v, ".eEN")) /* a real (or NaN): truncated, as SQLite casts */
        return (int64_t)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

static const char *pg_col_text(void *stmt, int col)
{
    pg_stmt *st = stmt;
    if (!has_value(st, col))
        return NULL;
    const char *d = decoded(st, col, NULL);
    return d ? d : PQgetvalue(st->res, st->row, col);
}

static const void *pg_col_blob(void *stmt, int col, size_t *len)
{
    pg_stmt *st = stmt;
    if (len)
        *len = 0;
    if (!has_value(st, col))
        return NULL;
    if (PQftype(st->res, col) == BYTEAOID)
        return decoded(st, col, len);
    if (len)
        *len = (size_t)PQgetlength(st->res, st->row, col);
    return PQgetvalue(st->res, st->row, col);
}

static int pg_col_is_null(void *stmt, int col)
{
    return !has_value(stmt, col);
}

static int pg_col_count(void *stmt)
{
    pg_stmt *st = stmt;
    return st->res ? PQnfields(st->res) : 0;
}

static const char *pg_col_name(void *stmt, int col)
{
    pg_stmt *st = stmt;
    return st->res && col >= 0 && col < PQnfields(st->res) ? PQfname(st->res, col) : NULL;
}

static og_col_type pg_col_type(void *stmt, int col)
{
    pg_stmt *st = stmt;
    if (!has_value(st, col))
        return OG_COL_NULL;
    switch (PQftype(st->res, col)) {
    case INT2OID:
    case INT4OID:
    case INT8OID:
    case OIDOID:
    case BOOLOID:
        return OG_COL_INT;
    case FLOAT4OID:
    case FLOAT8OID:
        return OG_COL_REAL;
    case NUMERICOID: /* SUM() of integers is numeric: an integer when it has no fraction */
        return strpbrk(PQgetvalue(st->res, st->row, col), ".eEN") ? OG_COL_REAL : OG_COL_INT;
    case BYTEAOID:
        return OG_COL_BLOB;
    default:
        return OG_COL_TEXT;
    }
}

static int pg_reset(void *stmt)
{
    pg_stmt *st = stmt;
    stmt_clear_row(st);
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->nrows = 0;
    stmt_clear_binds(st);
    return 0;
}

static int64_t pg_changes(void *conn)
{
    return ((pg_conn *)conn)->changes;
}

/* The server manages its write-ahead log: nothing to fold or truncate from a client. */
static int pg_checkpoint(void *conn)
{
    (void)conn;
    return 0;
}

/* The page cache is the server's (shared_buffers): nothing per connection to bound. */
static int pg_cache_limit(void *conn, int kib)
{
    (void)conn;
    (void)kib;
    return 0;
}

static const char *pg_migration_sql(const og_migration *m)
{
    return m->postgres;
}

static const char *pg_dialect_sql(const og_sql_dialects *sql)
{
    return sql->postgres;
}

const og_store_backend og_store_backend_postgres = {
    .name = "postgres",
    .caps = OG_STORE_CAP_ROUND_TRIPS,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .col_is_null = pg_col_is_null,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_type = pg_col_type,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .changes = pg_changes,
    .checkpoint = pg_checkpoint,
    .cache_limit = pg_cache_limit,
    .begin_sql = BEGIN_SQL,
    .begin_shared_sql = BEGIN_SHARED_SQL,
    .lock = pg_lock,
    .atomic = pg_atomic,
    .is_primary = pg_is_primary,
    .migration_sql = pg_migration_sql,
    .dialect_sql = pg_dialect_sql,
    .copy_tables_sql = "SELECT c.relname, 0 FROM pg_class c JOIN pg_namespace n ON n.oid ="
                       " c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                       " AND c.relname <> 'og_schema' ORDER BY c.oid",
    .copy_out = og_store__pg_copy_out,
    .copy_is_table_sql = "SELECT 1 FROM information_schema.tables WHERE table_schema ="
                         " current_schema() AND table_name = ? AND table_type = 'BASE TABLE'",
    /* identities inserted with explicit numbers do not move their sequences */
    .copy_done_sql =
        "DO $$ DECLARE r record; BEGIN FOR r IN SELECT table_name, column_name FROM"
        " information_schema.columns WHERE table_schema = current_schema() AND is_identity ="
        " 'YES' LOOP EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L),"
        " COALESCE((SELECT max(%I) FROM %I), 0) + 1, false)', r.table_name, r.column_name,"
        " r.column_name, r.table_name); END LOOP; END $$",
    .trigger_exists_sql = "SELECT 1 FROM pg_trigger WHERE tgname = ? AND NOT tgisinternal",
    .table_exists_sql = "SELECT 1 WHERE to_regclass(CAST(? AS TEXT)) IS NOT NULL",
    /* Commits return before their WAL is flushed; the next synchronous commit flushes it, and
     * every earlier commit with it (WAL order), as on SQLite. */
    .bulk_on_sql = "SET synchronous_commit = off",
    .bulk_off_sql = "SET synchronous_commit = DEFAULT",
};
