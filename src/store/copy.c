/* copy.c - every row of one store into another (og_store_copy, `opsgate migrate`): table by
 * table in the order the tables were made, rows as they are (integers, texts, blobs, NULLs), in
 * batches of one transaction each on the target, then the target's numbered columns moved past
 * the copied numbers. Which tables there are and how the dialects differ is the backends'
 * (store_backend.h, copy_*_sql); nothing here knows a module's table. */
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/util.h"
#include "opsgate/sys/store_backend.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_BATCH 500 /* rows per transaction on the target */

/* A table name as the backends list them: letters, digits and '_' only, so that it can be put
 * into SQL text as an identifier. */
static int name_ok(const char *name)
{
    if (!name || !*name || strlen(name) > 63)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return 0;
    return 1;
}

/* Both stores keep the same modules at the same schema versions: the rows of one fit the other. */
static int same_versions(og_store *from, og_store *to)
{
    og_stmt *a = NULL, *b = NULL;
    int error = 0, ra, rb;
    const char *sql = "SELECT module, version FROM og_schema ORDER BY module";
    if ((error = og_stmt_prepare(&a, from, sql)) < 0 || (error = og_stmt_prepare(&b, to, sql)) < 0)
        goto cleanup;
    for (;;) {
        if ((ra = og_stmt_step(a)) < 0 || (rb = og_stmt_step(b)) < 0) {
            error = ra < 0 ? ra : rb;
            goto cleanup;
        }
        if (ra != rb) {
            error = og_error_set(OG_EINVAL,
                                 "the source and the target keep different modules"
                                 " (module '%s' is only in the %s)",
                                 ra == OG_ROW ? og_stmt_col_text(a, 0) : og_stmt_col_text(b, 0),
                                 ra == OG_ROW ? "source" : "target");
            goto cleanup;
        }
        if (ra == OG_DONE)
            break;
        if (strcmp(og_stmt_col_text(a, 0), og_stmt_col_text(b, 0)) != 0 ||
            og_stmt_col_int(a, 1) != og_stmt_col_int(b, 1)) {
            error = og_error_set(OG_EINVAL,
                                 "schema versions differ: the source has %s %lld, the target %s"
                                 " %lld (open both with the same opsgate version)",
                                 og_stmt_col_text(a, 0), (long long)og_stmt_col_int(a, 1),
                                 og_stmt_col_text(b, 0), (long long)og_stmt_col_int(b, 1));
            goto cleanup;
        }
    }
cleanup:
    og_stmt_free(a);
    og_stmt_free(b);
    return error;
}

/* The INSERT of the source statement's columns into table. */
static int insert_sql(og_stmt *src, const char *table, og_buf *sql)
{
    int n = og_stmt_col_count(src), error = og_buf_printf(sql, "INSERT INTO %s (", table);
    for (int i = 0; i < n && error == 0; i++) {
        const char *col = og_stmt_col_name(src, i);
        if (!name_ok(col))
            return og_error_set(OG_EINVAL, "table '%s': a column name is not plain: '%s'", table,
                                col ? col : "");
        error = og_buf_printf(sql, "%s%s", i ? ", " : "", col);
    }
    if (error == 0)
        error = og_buf_puts(sql, ") VALUES (");
    for (int i = 0; i < n && error == 0; i++)
        error = og_buf_puts(sql, i ? ", ?" : "?");
    return error < 0 ? error : og_buf_puts(sql, ")");
}

/* Bind the source row's values to ins, as they are. */
static int bind_row(og_stmt *src, og_stmt *ins)
{
    int n = og_stmt_col_count(src), error = 0;
    for (int i = 0; i < n && error == 0; i++) {
        size_t len;
        const void *blob;
        switch (og_stmt_col_type(src, i)) {
        case OG_COL_NULL:
            error = og_stmt_bind_null(ins, i + 1);
            break;
        case OG_COL_INT:
            error = og_stmt_bind_int(ins, i + 1, og_stmt_col_int(src, i));
            break;
        case OG_COL_BLOB:
            blob = og_stmt_col_blob(src, i, &len);
            error = og_stmt_bind_blob(ins, i + 1, blob ? blob : "", blob ? len : 0);
            break;
        default: /* text; no table has a real column, and a real's text is exact enough */
            error = og_stmt_bind_text(ins, i + 1, og_stmt_col_text(src, i));
            break;
        }
    }
    return error;
}

/* Every row of one table, COPY_BATCH a transaction; *rows the count. */
static int copy_table(og_store *from, og_store *to, const char *table, int with_rowid,
                      int64_t *rows)
{
    og_stmt *src = NULL, *ins = NULL;
    og_buf sql;
    int error, rc, in_tx = 0;
    og_buf_init(&sql, 1024);
    *rows = 0;
    if ((error = og_buf_printf(&sql, "SELECT %s* FROM %s", with_rowid ? "rowid, " : "", table)) <
            0 ||
        (error = og_stmt_prepare(&src, from, sql.data)) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(src)) == OG_ROW) {
        if (!ins) {
            og_buf_reset(&sql);
            if ((error = insert_sql(src, table, &sql)) < 0 ||
                (error = og_stmt_prepare(&ins, to, sql.data)) < 0)
                goto cleanup;
        }
        if (!in_tx && (error = og_store_tx_begin(to)) < 0)
            goto cleanup;
        in_tx = 1;
        if ((error = bind_row(src, ins)) < 0 || (error = og_stmt_step(ins)) < 0 ||
            (error = og_stmt_reset(ins)) < 0) {
            og_error_wrap("table '%s', row %lld", table, (long long)*rows + 1);
            goto cleanup;
        }
        if (++*rows % COPY_BATCH == 0) {
            in_tx = 0;
            if ((error = og_store_tx_commit(to)) < 0)
                goto cleanup;
        }
    }
    error = rc < 0 ? rc : 0;
    if (error == 0 && in_tx) {
        in_tx = 0;
        error = og_store_tx_commit(to);
    }
cleanup:
    if (in_tx)
        og_store_tx_rollback(to);
    og_stmt_free(src);
    og_stmt_free(ins);
    og_buf_free(&sql);
    return error;
}

/* Rows streamed by the source backend's copy_out into INSERTs on the target, COPY_BATCH a
 * transaction. */
typedef struct sink {
    og_store *to;
    const char *table;
    og_stmt *ins;
    og_buf sql;
    int in_tx;
    int64_t rows;
} sink;

static int sink_insert_sql(sink *k, int n, const char *const *names)
{
    int error = og_buf_printf(&k->sql, "INSERT INTO %s (", k->table);
    for (int i = 0; i < n && error == 0; i++) {
        if (!name_ok(names[i]))
            return og_error_set(OG_EINVAL, "table '%s': a column name is not plain: '%s'", k->table,
                                names[i] ? names[i] : "");
        error = og_buf_printf(&k->sql, "%s%s", i ? ", " : "", names[i]);
    }
    if (error == 0)
        error = og_buf_puts(&k->sql, ") VALUES (");
    for (int i = 0; i < n && error == 0; i++)
        error = og_buf_puts(&k->sql, i ? ", ?" : "?");
    if (error == 0)
        error = og_buf_puts(&k->sql, ")");
    return error < 0 ? error : og_stmt_prepare(&k->ins, k->to, k->sql.data);
}

static int sink_row(void *arg, int n, const char *const *names, const og_store_value *v)
{
    sink *k = arg;
    int error = 0;
    if (!k->ins && (error = sink_insert_sql(k, n, names)) < 0)
        return error;
    if (!k->in_tx && (error = og_store_tx_begin(k->to)) < 0)
        return error;
    k->in_tx = 1;
    for (int i = 0; i < n && error == 0; i++)
        error = v[i].type == OG_COL_NULL  ? og_stmt_bind_null(k->ins, i + 1)
                : v[i].type == OG_COL_INT ? og_stmt_bind_int(k->ins, i + 1, v[i].i)
                : v[i].type == OG_COL_BLOB
                    ? og_stmt_bind_blob(k->ins, i + 1, v[i].len ? v[i].p : "", v[i].len)
                    : og_stmt_bind_text(k->ins, i + 1, v[i].p);
    if (error < 0 || (error = og_stmt_step(k->ins)) < 0 || (error = og_stmt_reset(k->ins)) < 0)
        return og_error_wrap("table '%s', row %lld", k->table, (long long)k->rows + 1);
    if (++k->rows % COPY_BATCH == 0) {
        k->in_tx = 0;
        return og_store_tx_commit(k->to);
    }
    return 0;
}

static int stream_table(og_store *from, og_store *to, const char *table, int64_t *rows)
{
    sink k = {.to = to, .table = table};
    og_buf_init(&k.sql, 1024);
    int error = og_store__copy_out(from, table, sink_row, &k);
    if (error == 0 && k.in_tx) {
        k.in_tx = 0;
        error = og_store_tx_commit(to);
    }
    if (k.in_tx)
        og_store_tx_rollback(to);
    og_stmt_free(k.ins);
    og_buf_free(&k.sql);
    *rows = k.rows;
    return error;
}

/* The target's table must exist and be empty. */
static int target_ready(og_store *to, const char *table)
{
    const og_store_backend *be = og_store__dialect(to);
    int rc = og_store_run(to, be->copy_is_table_sql, "t", table);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return og_error_set(OG_EINVAL,
                            "the target has no table '%s' (is it an opsgate database"
                            " of the same version?)",
                            table);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT 1 FROM %s LIMIT 1", table);
    if ((rc = og_store_run(to, sql, "")) < 0)
        return rc;
    return rc ? og_error_set(OG_EEXISTS, "the target is not empty: table '%s' holds rows", table)
              : 0;
}

int og_store_copy(og_store *from, og_store *to, og_store_copy_progress progress, void *arg)
{
    const og_store_backend *sb = og_store__dialect(from), *tb = og_store__dialect(to);
    og_stmt *tables = NULL;
    int error, rc;
    if (!sb->copy_tables_sql)
        return og_error_set(OG_EINVAL, "a %s database cannot be the source of a copy", sb->name);
    if (og_store_tx_depth(from) || og_store_tx_depth(to))
        return og_error_set(OG_EINVAL, "og_store_copy runs outside transactions");
    if ((error = same_versions(from, to)) < 0 ||
        (error = og_stmt_prepare(&tables, from, sb->copy_tables_sql)) < 0)
        goto cleanup;
    /* every target table checked before the first row moves: a refused copy writes nothing */
    while ((rc = og_stmt_step(tables)) == OG_ROW)
        if ((error = name_ok(og_stmt_col_text(tables, 0))
                         ? target_ready(to, og_stmt_col_text(tables, 0))
                         : og_error_set(OG_EINVAL, "a table name is not plain: '%s'",
                                        og_stmt_col_text(tables, 0))) < 0)
            goto cleanup;
    if (rc < 0 || (rc = og_stmt_reset(tables)) < 0) {
        error = rc;
        goto cleanup;
    }
    while ((rc = og_stmt_step(tables)) == OG_ROW) {
        char table[64];
        int64_t rows;
        og_strlcpy(table, og_stmt_col_text(tables, 0), sizeof(table));
        if ((error = og_store__can_copy_out(from)
                         ? stream_table(from, to, table, &rows)
                         : copy_table(from, to, table, (int)og_stmt_col_int(tables, 1), &rows)) < 0)
            goto cleanup;
        if (progress)
            progress(table, rows, arg);
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    error = tb->copy_done_sql ? og_store_exec(to, tb->copy_done_sql) : 0;
cleanup:
    og_stmt_free(tables);
    return error;
}
