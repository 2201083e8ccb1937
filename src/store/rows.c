/* rows.c - query results as JSON: one row as an object, a whole statement as an array. */
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/util.h"

#include <stdlib.h>
#include <string.h>

/* The value of column col of the current row as JSON (new reference, NULL when out of memory). */
static json_t *col_json(og_stmt *st, int col)
{
    switch (og_stmt_col_type(st, col)) {
    case OG_COL_INT:
        return json_integer(og_stmt_col_int(st, col));
    case OG_COL_REAL:
        return json_real(strtod(og_stmt_col_text(st, col), NULL));
    case OG_COL_TEXT:
        return json_string(og_stmt_col_text(st, col));
    case OG_COL_BLOB: {
        size_t len = 0;
        const void *p = og_stmt_col_blob(st, col, &len);
        char *hex = malloc(len * 2 + 1);
        if (!hex)
            return NULL;
        og_hex_encode(p, len, hex);
        json_t *v = json_string(hex);
        free(hex);
        return v;
    }
    case OG_COL_NULL:
    default:
        return json_null();
    }
}

json_t *og_stmt_row_json(og_stmt *st)
{
    static const char suffix[] = "_json";
    const size_t slen = sizeof(suffix) - 1;
    json_t *row = json_object();
    int n = og_stmt_col_count(st);
    for (int col = 0; row && col < n; col++) {
        const char *name = og_stmt_col_name(st, col);
        size_t len = strlen(name);
        json_t *v = NULL;
        if (len > slen && strcmp(name + len - slen, suffix) == 0 &&
            og_stmt_col_type(st, col) == OG_COL_TEXT &&
            (v = json_loads(og_stmt_col_text(st, col), JSON_DECODE_ANY, NULL))) {
            if (json_object_setn_new(row, name, len - slen, v) < 0) {
                json_decref(row);
                row = NULL;
            }
            continue;
        }
        if (!(v = col_json(st, col)) || json_object_set_new(row, name, v) < 0) {
            json_decref(row);
            row = NULL;
        }
    }
    return row;
}

int og_stmt_collect(og_stmt *st, og_stmt_row_fn row, void *arg, json_t **out)
{
    int rc;
    json_t *arr = json_array();
    if (!arr)
        return og_error_set(OG_ERROR, "out of memory");
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        og_error_clear();
        json_t *v = row ? row(st, arg) : og_stmt_row_json(st);
        if (!v) {
            rc = og_error_code() < 0 ? og_error_code()
                                     : og_error_set(OG_ERROR, "out of memory building a row");
            break;
        }
        if (json_array_append_new(arr, v) < 0) {
            rc = og_error_set(OG_ERROR, "out of memory building a list");
            break;
        }
    }
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}
