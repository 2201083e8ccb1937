/* view.c - connectors as listed and shown: never their credentials (the names of the fields
 * stored, the non-secret ones' values in options), with their state, last sync and companies. */
#include <string.h>

#include "opsgate/error.h"
#include "registry.h"

#define CONNECTOR_COLS                                                                             \
    "SELECT id, name, kind, tenant_id, base_url, options, fields, state, created_at,"              \
    " created_by, updated_at FROM connectors"

#define SYNC_COLS                                                                                  \
    "SELECT id, trigger, outcome, started_at, finished_at, pages, requests, records, changes,"     \
    " unmapped, errors, duration_ms, error, notes FROM connector_syncs WHERE connector_id = ?"     \
    " ORDER BY started_at DESC, id DESC LIMIT ?"

/* The latest syncs of a connector, newest first (an array; empty when none or unreadable). */
static json_t *syncs_of(og_store *s, const char *id, int limit)
{
    og_stmt *st = NULL;
    json_t *arr = NULL;
    if (og_stmt_prepare_args(&st, s, SYNC_COLS, "ti", id, (int64_t)limit) < 0 ||
        og_stmt_collect(st, NULL, NULL, &arr) < 0) {
        og_error_clear();
        arr = json_array();
    }
    og_stmt_free(st);
    og_conn__sync_rows_notes(arr);
    return arr;
}

typedef struct row_arg {
    og_ctx *ctx;
    const og_conn_scope *sc;
} row_arg;

static json_t *parsed(const char *text, json_t *dflt)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    if (!j)
        return dflt;
    json_decref(dflt);
    return j;
}

static json_t *connector_row(og_stmt *st, void *arg)
{
    const row_arg *a = arg;
    const char *id = og_stmt_col_text(st, 0);
    int platform = og_stmt_col_is_null(st, 3);
    json_t *syncs = syncs_of(a->ctx->store, id, 1);
    json_t *last = json_array_size(syncs) ? json_incref(json_array_get(syncs, 0)) : json_null();
    json_decref(syncs);
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:o, s:o, s:s, s:o, s:s, s:s, s:s}", "id", id,
        "name", og_stmt_col_text(st, 1), "kind", og_stmt_col_text(st, 2), "scope",
        platform ? "platform" : "tenant", "tenant", platform ? NULL : a->sc->tname, "tenant_id",
        og_stmt_col_text(st, 3), "base_url", og_stmt_col_text(st, 4), "options",
        parsed(og_stmt_col_text(st, 5), json_object()), "fields",
        parsed(og_stmt_col_text(st, 6), json_array()), "state", og_stmt_col_text(st, 7),
        "last_sync", last, "created_at", og_stmt_col_text(st, 8), "created_by",
        og_stmt_col_text(st, 9), "updated_at", og_stmt_col_text(st, 10));
}

/* A platform connector as a tenant it serves sees it: what it is, not how it is set up. */
static json_t *serving_row(og_stmt *st, void *arg)
{
    (void)arg;
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", og_stmt_col_text(st, 0), "name",
                     og_stmt_col_text(st, 1), "kind", og_stmt_col_text(st, 2), "scope", "platform",
                     "state", og_stmt_col_text(st, 7));
}

static int collect(og_ctx *ctx, const og_conn_scope *sc, const char *sql, const char *only,
                   og_stmt_row_fn fn, json_t **out)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare_args(&st, ctx->store, sql, "ttt", sc->tid, only ? only : "",
                                     only ? only : "");
    if (error >= 0)
        error = og_stmt_collect(st, fn, &(row_arg){ctx, sc}, out);
    og_stmt_free(st);
    return error;
}

int og_connector_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    og_conn_scope sc;
    json_t *serving = NULL;
    int error;
    *out = NULL;
    if ((error = og_conn__scope_get(ctx, tenant, OG_PERM_READ, NULL, &sc)) < 0)
        return error;
    if ((error = collect(ctx, &sc,
                         CONNECTOR_COLS " WHERE COALESCE(tenant_id, '') = ? AND"
                                        " (? = '' OR id = ?) ORDER BY name",
                         NULL, connector_row, out)) < 0)
        return error;
    if (sc.platform)
        return 0;
    /* the platform's connectors that pull for this tenant (a company mapped to it) */
    if ((error = collect(ctx, &sc,
                         CONNECTOR_COLS " WHERE tenant_id IS NULL AND id IN (SELECT connector_id"
                                        " FROM connector_companies WHERE tenant_id = ?)"
                                        " AND (? = '' OR id = ?) ORDER BY name",
                         NULL, serving_row, &serving)) < 0) {
        json_decref(*out);
        *out = NULL;
        return error;
    }
    json_array_extend(*out, serving);
    json_decref(serving);
    return 0;
}

int og_connector_show(og_ctx *ctx, const char *tenant, const char *name, json_t **out)
{
    og_conn_scope sc;
    og_conn_row row = {0};
    json_t *arr = NULL, *companies = NULL, *c = NULL;
    int error;
    *out = NULL;
    if ((error = og_conn__scope_get(ctx, tenant, OG_PERM_READ, NULL, &sc)) < 0 ||
        (error = og_conn__find(ctx, &sc, name, &row)) < 0)
        goto cleanup;
    if ((error = collect(ctx, &sc,
                         CONNECTOR_COLS " WHERE COALESCE(tenant_id, '') = ? AND"
                                        " (? = '' OR id = ?)",
                         row.id, connector_row, &arr)) < 0)
        goto cleanup;
    if (!(c = json_incref(json_array_get(arr, 0)))) {
        error = og_error_set(OG_ENOTFOUND, "connector '%.64s' not found", name);
        goto cleanup;
    }
    if ((error = og_connector_companies(ctx, tenant, row.id, &companies)) < 0)
        goto cleanup;
    json_object_set_new(c, "companies", companies);
    json_object_set_new(c, "syncs", syncs_of(ctx->store, row.id, 10));
    *out = c;
    c = NULL;
cleanup:
    og_conn__row_clear(&row);
    json_decref(arr);
    json_decref(c);
    return error;
}
