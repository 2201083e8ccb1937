/* pgcopy.c - every row of a PostgreSQL table streamed out with COPY ... TO STDOUT (text format),
 * one row in memory at a time, each value decoded by its column's type: the source side of
 * og_store_copy from a PostgreSQL database (a backup's snapshot, og_store_snapshot). SELECT would
 * hold the whole result (pg.c keeps results whole), which for the artifact chunks is the whole
 * object store. */
#include "opsgate/error.h"
#include "store/store_internal.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PGC_BOOL  16
#define PGC_BYTEA 17
#define PGC_INT8  20
#define PGC_INT2  21
#define PGC_INT4  23
#define PGC_OID   26
#define PGC_COLS  256 /* columns a table may have here */

typedef struct pgc {
    PGconn *db;
    int n;
    const char *names[PGC_COLS];
    Oid types[PGC_COLS];
    og_store_value vals[PGC_COLS];
    PGresult *cols; /* SELECT * ... LIMIT 0: the names and types */
} pgc;

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* One field of COPY's text format (from p up to end) unescaped into out; its length. */
static size_t unescape(const char *p, const char *end, char *out)
{
    char *o = out;
    while (p < end) {
        if (*p != '\\' || p + 1 >= end) {
            *o++ = *p++;
            continue;
        }
        char c = p[1];
        p += 2;
        switch (c) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'v':
            *o++ = '\v';
            break;
        case 'x': {
            int v = 0, k = 0;
            while (k < 2 && p < end && hexval(*p) >= 0)
                v = v * 16 + hexval(*p++), k++;
            *o++ = (char)v;
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0', k = 1;
                while (k < 3 && p < end && *p >= '0' && *p <= '7')
                    v = v * 8 + (*p++ - '0'), k++;
                *o++ = (char)v;
            } else {
                *o++ = c;
            }
        }
    }
    *o = '\0';
    return (size_t)(o - out);
}

/* A field as its column's type says: integers and booleans as integers, bytea ("\x" hex) as a
 * blob decoded in place, everything else as text. */
static int decode(pgc *x, int col, char *text, size_t len, og_store_value *v)
{
    char *endp;
    v->p = text;
    v->len = len;
    switch (x->types[col]) {
    case PGC_BOOL:
        v->type = OG_COL_INT;
        v->i = text[0] == 't';
        return 0;
    case PGC_INT2:
    case PGC_INT4:
    case PGC_INT8:
    case PGC_OID:
        v->type = OG_COL_INT;
        v->i = strtoll(text, &endp, 10);
        return *endp ? og_error_set(OG_ECORRUPT, "column '%s': '%.40s' is not an integer",
                                    x->names[col], text)
                     : 0;
    case PGC_BYTEA:
        if (len < 2 || text[0] != '\\' || text[1] != 'x' || len % 2)
            return og_error_set(OG_ECORRUPT, "column '%s': bytea not in hex form", x->names[col]);
        v->type = OG_COL_BLOB;
        v->len = (len - 2) / 2;
        for (size_t i = 0; i < v->len; i++) {
            int hi = hexval(text[2 + 2 * i]), lo = hexval(text[3 + 2 * i]);
            if (hi < 0 || lo < 0)
                return og_error_set(OG_ECORRUPT, "column '%s': bad hex", x->names[col]);
            text[i] = (char)(hi * 16 + lo);
        }
        return 0;
    default:
        v->type = OG_COL_TEXT;
        return 0;
    }
}

/* One line of COPY's output (ending in '\n'): split, decoded, handed to fn. */
static int row(pgc *x, const char *line, int len, char *scratch, og_store_row_fn fn, void *arg)
{
    const char *p = line, *end = line + len;
    char *o = scratch;
    int col = 0, error;
    if (len > 0 && end[-1] == '\n')
        end--;
    while (col < x->n) {
        const char *f = p;
        while (p < end && *p != '\t')
            p++;
        og_store_value *v = &x->vals[col];
        if (p - f == 2 && f[0] == '\\' && f[1] == 'N') {
            v->type = OG_COL_NULL;
            v->p = NULL;
            v->len = 0;
        } else {
            size_t n = unescape(f, p, o);
            if ((error = decode(x, col, o, n, v)) < 0)
                return error;
            o += n + 1;
        }
        col++;
        if (p >= end)
            break;
        p++;
    }
    if (col != x->n || p < end)
        return og_error_set(OG_ECORRUPT, "a row of %d fields, not the table's %d", col, x->n);
    return fn(arg, x->n, x->names, x->vals);
}

/* The table's column names and types, from an empty SELECT. */
static int columns(pgc *x, const char *table)
{
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT * FROM %s LIMIT 0", table);
    x->cols = PQexec(x->db, sql);
    if (PQresultStatus(x->cols) != PGRES_TUPLES_OK)
        return og_error_set(OG_ERROR, "database: the columns of '%s': %s", table,
                            PQresultErrorMessage(x->cols));
    x->n = PQnfields(x->cols);
    if (x->n < 1 || x->n > PGC_COLS)
        return og_error_set(OG_ERROR, "table '%s' has %d columns", table, x->n);
    for (int i = 0; i < x->n; i++) {
        x->names[i] = PQfname(x->cols, i);
        x->types[i] = PQftype(x->cols, i);
    }
    return 0;
}

int og_store__pg_copy_out(void *conn, const char *table, og_store_row_fn fn, void *arg)
{
    pgc x = {.db = og_store__pg_db(conn)};
    char sql[160], *buf = NULL, *scratch = NULL;
    size_t cap = 0;
    int error, n;
    PGresult *r = NULL;
    if (!x.db)
        return og_error_set(OG_EBUSY, "database: the connection is closed");
    if ((error = columns(&x, table)) < 0)
        goto cleanup;
    snprintf(sql, sizeof(sql), "COPY %s TO STDOUT", table);
    r = PQexec(x.db, sql);
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        error = og_error_set(OG_ERROR, "database: COPY %s: %s", table, PQresultErrorMessage(r));
        goto cleanup;
    }
    while ((n = PQgetCopyData(x.db, &buf, 0)) > 0) {
        if ((size_t)n + 1 > cap) {
            free(scratch);
            cap = (size_t)n + 1;
            if (!(scratch = malloc(cap))) {
                cap = 0;
                error = og_error_set(OG_ERROR, "out of memory");
            }
        }
        /* after a failure the rest is read and dropped: the connection stays usable */
        if (error == 0)
            error = row(&x, buf, n, scratch, fn, arg);
        PQfreemem(buf);
        buf = NULL;
    }
    if (n == -2 && error == 0)
        error = og_error_set(OG_EBUSY, "database: COPY %s: %s", table, PQerrorMessage(x.db));
    PQclear(r);
    while ((r = PQgetResult(x.db))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && error == 0)
            error = og_error_set(OG_ERROR, "database: COPY %s: %s", table, PQresultErrorMessage(r));
        PQclear(r);
    }
cleanup:
    PQclear(r);
    PQclear(x.cols);
    free(scratch);
    return error;
}
