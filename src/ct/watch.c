/* watch.c - the domains a tenant has watched in Certificate Transparency: add, list, remove. */
#include <stdio.h>
#include <string.h>

#include "ct_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/store.h"

int og_ct__tenant(og_ctx *ctx, const char *tenant, og_perm perm, og_tenant *out)
{
    int error;
    if (!tenant || !*tenant)
        return og_error_set(OG_EINVAL, "missing tenant");
    if ((error = og_tenant_get(ctx, tenant, out)) < 0)
        return error;
    if ((error = og_authz_check(&ctx->actor, out->id, perm)) < 0) {
        if (error == OG_ENOTFOUND)
            return og_error_set(OG_ENOTFOUND, "tenant '%s' not found", tenant);
        return og_error_set(error,
                            "%s may not %s the Certificate Transparency watches of "
                            "tenant '%s'",
                            ctx->actor.user_name[0] ? ctx->actor.user_name : "this actor",
                            perm == OG_PERM_READ ? "read" : "change", tenant);
    }
    return 0;
}

#define WATCH_SELECT                                                                               \
    "SELECT w.id, w.domain, w.subdomains, w.cursor, w.polled_at_us, w.last_error,"                 \
    " (SELECT count(*) FROM ct_issuances i WHERE i.watch_id = w.id) AS issuances,"                 \
    " (SELECT count(*) FROM ct_issuances i WHERE i.watch_id = w.id AND i.state = 'open')"          \
    " AS unknown, w.created_at, w.created_by FROM ct_watches w WHERE w.tenant_id = ?"

static json_t *watch_row(og_stmt *st, void *arg)
{
    (void)arg;
    json_t *j = og_stmt_row_json(st);
    if (!j)
        return NULL;
    json_object_set_new(j, "subdomains", json_boolean(og_stmt_col_int(st, 2)));
    json_object_del(j, "polled_at_us");
    if (og_stmt_col_type(st, 4) == OG_COL_NULL) {
        json_object_set_new(j, "polled_at", json_null());
    } else {
        char t[OG_TIME_LEN];
        og_time_format(og_stmt_col_int(st, 4), t);
        json_object_set_new(j, "polled_at", json_string(t));
    }
    return j;
}

static int watch_get(og_ctx *ctx, const char *tenant_id, const char *watch, json_t **out)
{
    og_stmt *st = NULL;
    json_t *arr = NULL;
    int error =
        og_stmt_prepare_args(&st, ctx->store, WATCH_SELECT " AND (w.id = ? OR w.domain = ?)", "ttt",
                             tenant_id, watch, watch);
    if (error >= 0)
        error = og_stmt_collect(st, watch_row, NULL, &arr);
    og_stmt_free(st);
    if (error < 0)
        return error;
    if (json_array_size(arr) == 0) {
        json_decref(arr);
        return og_error_set(OG_ENOTFOUND, "no watch '%.253s'", watch);
    }
    *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return 0;
}

int og_ct_watch_add(og_ctx *ctx, const char *tenant, const char *domain, int subdomains,
                    json_t **out)
{
    int error, in_tx = 0;
    og_tenant t;
    char name[254], id[OG_ID_LEN], now[OG_TIME_LEN], who[160];
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    if ((error = og_ct__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        return error;
    if ((error = og_ct_domain_check(domain, name)) < 0)
        return error;
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    if ((error = og_store_tx_begin_scope(ctx->store, t.id)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT count(*) FROM ct_watches WHERE tenant_id = ?", "t",
                                      t.id)) < 0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (og_stmt_col_int(st, 0) >= OG_CT_WATCHES_MAX) {
        error = og_error_set(OG_ETOOBIG, "tenant '%s' watches %d domains already (the most)",
                             t.name, OG_CT_WATCHES_MAX);
        goto cleanup;
    }
    if ((error = og_store_run(ctx->store,
                              "SELECT 1 FROM ct_watches WHERE tenant_id = ? AND"
                              " domain = ?",
                              "tt", t.id, name)) != 0) {
        if (error > 0)
            error = og_error_set(OG_EEXISTS, "tenant '%s' watches %s already", t.name, name);
        goto cleanup;
    }
    if ((error = og_store_run(ctx->store,
                              "INSERT INTO ct_watches (id, tenant_id, domain, subdomains,"
                              " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                              "tttitt", id, t.id, name, (int64_t)(subdomains != 0), now, who)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:b}", "domain", name, "subdomains", subdomains != 0);
    error = og_audit_log(ctx, t.id, "certs", "ct.watch.add", "ct-watch", id, analysis);
cleanup:
    og_stmt_free(st);
    json_decref(analysis);
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    if (error >= 0 && out)
        error = watch_get(ctx, t.id, id, out);
    return error < 0 ? error : 0;
}

int og_ct_watch_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    og_tenant t;
    og_stmt *st = NULL;
    int error = og_ct__tenant(ctx, tenant, OG_PERM_READ, &t);
    if (error < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store, WATCH_SELECT " ORDER BY w.domain", "t",
                                      t.id)) >= 0)
        error = og_stmt_collect(st, watch_row, NULL, out);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_ct_watch_remove(og_ctx *ctx, const char *tenant, const char *watch)
{
    int error, in_tx = 0;
    og_tenant t;
    json_t *w = NULL, *analysis = NULL;
    if ((error = og_ct__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        return error;
    if (!watch || !*watch)
        return og_error_set(OG_EINVAL, "which watch? (its id or domain)");
    if ((error = og_store_tx_begin_scope(ctx->store, t.id)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = watch_get(ctx, t.id, watch, &w)) < 0)
        goto cleanup;
    const char *id = json_string_value(json_object_get(w, "id"));
    if ((error = og_store_run(ctx->store, "DELETE FROM ct_watches WHERE id = ? AND tenant_id = ?",
                              "tt", id, t.id)) < 0)
        goto cleanup;
    analysis = json_pack("{s:O, s:O}", "domain", json_object_get(w, "domain"), "issuances",
                         json_object_get(w, "issuances"));
    error = og_audit_log(ctx, t.id, "certs", "ct.watch.remove", "ct-watch", id, analysis);
cleanup:
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    json_decref(w);
    json_decref(analysis);
    return error < 0 ? error : 0;
}
