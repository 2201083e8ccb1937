/* companies.c - which PSA company belongs to which tenant: a tenant's connector maps only to its
 * own tenant, a platform connector to any (platform-admin). Unmapped companies are listed, never
 * guessed. Audited as connector.map / connector.unmap. When a company leaves a tenant (mapped
 * elsewhere, unmapped), what an RMM or cloud connector wrote there for it leaves with it in the
 * same transaction: its discovered targets retire (rmm.device.removed), its app credentials
 * leave the inventory (og_certs_source_company_retire). */
#include <stdio.h>
#include <string.h>

#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"
#include "registry.h"

static int company_check(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    int ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = id[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             strchr("-_.:", ch);
    }
    if (!ok)
        return og_error_set(OG_EINVAL,
                            "company id '%.64s' must be 1-64 of A-Z a-z 0-9 - _ . : (the PSA's "
                            "id of the company, as `connector companies` lists it)",
                            id ? id : "");
    return 0;
}

/* The tenant a company is mapped to: to_tenant resolved; a tenant's connector only to its own. */
static int target_tenant(og_ctx *ctx, const og_conn_scope *sc, const char *to_tenant, og_tenant *t)
{
    char tid[OG_ID_LEN];
    int error;
    if (!to_tenant || !*to_tenant) {
        if (sc->platform)
            return og_error_set(OG_EINVAL, "a platform connector's company needs the tenant "
                                           "it belongs to");
        to_tenant = sc->tid;
    }
    if ((error = og_tenant_resolve(ctx, to_tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!sc->platform && strcmp(tid, sc->tid) != 0)
        return og_error_set(OG_EINVAL,
                            "a tenant's connector maps companies only to its own tenant (%s); "
                            "a platform connector serves many tenants",
                            sc->tname);
    return og_tenant_get(ctx, tid, t);
}

/* The tenant id a company is mapped to now into prev ("" when unmapped); OG_ENOTFOUND when the
 * connector has never seen nor mapped it. */
static int company_tenant(og_ctx *ctx, const char *cid, const char *company, char *prev,
                          size_t size)
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare_args(&st, ctx->store,
                                  "SELECT tenant_id FROM connector_companies WHERE"
                                  " connector_id = ? AND company_id = ?",
                                  "tt", cid, company);
    prev[0] = '\0';
    if (rc >= 0 && (rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(prev, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "", size);
        rc = 0;
    } else if (rc >= 0) {
        rc = OG_ENOTFOUND;
    }
    og_stmt_free(st);
    return rc;
}

/* The rmm.device.removed event of a device retired because its company left the tenant. */
static int announce_retired(og_ctx *ctx, const og_conn_row *row, const char *prev,
                            const char *company_name, const char *action, const json_t *dev)
{
    json_t *payload =
        json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:n, s:s}", "connector", row->name, "kind",
                  row->kind, "remote_id", json_string_value(json_object_get(dev, "remote_id")),
                  "device", json_string_value(json_object_get(dev, "name")), "addresses",
                  json_object_get(dev, "addresses"), "device_class",
                  json_string_value(json_object_get(dev, "device_class")), "company_name",
                  company_name, "sync_id", "reason", action);
    int error = payload ? og_event_emit(ctx, prev, "rmm.device.removed", payload, NULL)
                        : og_error_set(OG_ERROR, "out of memory");
    json_decref(payload);
    return error;
}

/* The company left tenant prev: what the connector (an RMM's or cloud's) wrote there for it
 * goes, in the caller's transaction. *retired gets og_certs_source_company_retire's changes
 * (NULL when the connector writes no such data). */
static int company_leaves(og_ctx *ctx, const og_conn_row *row, const char *company,
                          const char *prev, const char *action, json_t **retired)
{
    const og_conn_vendor *v = og_conn_vendor_find(row->kind);
    char source[80], cname[256] = "";
    og_stmt *st = NULL;
    size_t i;
    json_t *dev;
    int error;
    *retired = NULL;
    if (!v || !v->category || (strcmp(v->category, "rmm") != 0 && strcmp(v->category, "cloud")))
        return 0; /* a PSA's projects stay where they are: their record follows the map */
    snprintf(source, sizeof(source), "connector:%s", row->id);
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT company_name FROM connector_companies WHERE"
                                      " connector_id = ? AND company_id = ?",
                                      "tt", row->id, company)) == 0 &&
        og_stmt_step(st) == OG_ROW && og_stmt_col_text(st, 0))
        og_strlcpy(cname, og_stmt_col_text(st, 0), sizeof(cname));
    og_stmt_free(st);
    if (error < 0 ||
        (error = og_certs_source_company_retire(ctx, prev, source, company, retired)) < 0)
        return og_error_wrap("retiring what connector %s wrote for company %s", row->name, company);
    json_array_foreach(json_object_get(*retired, "devices"), i, dev)
    {
        if ((error = announce_retired(ctx, row, prev, cname, action, dev)) < 0)
            return error;
    }
    return 0;
}

/* The record of a (un)mapping: on the connector's chain, and for a platform connector on the
 * tenant's chain too (its data now comes from, or stops coming from, that connector). retired:
 * what left the previous tenant with the company (company_leaves), counted. */
static int audit_map(og_ctx *ctx, const og_conn_scope *sc, const og_conn_row *row,
                     const char *action, const char *company, const char *tid, const char *prev,
                     const json_t *retired)
{
    json_t *d = json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "connector", row->name, "kind", row->kind,
                          "company_id", company, "tenant_id", tid && *tid ? tid : NULL,
                          "previous_tenant_id", prev && *prev ? prev : NULL);
    if (d && retired) {
        json_object_set_new(
            d, "retired_devices",
            json_integer((json_int_t)json_array_size(json_object_get(retired, "devices"))));
        json_object_set_new(
            d, "removed_credentials",
            json_integer((json_int_t)json_array_size(json_object_get(retired, "credentials"))));
    }
    int error = og_audit_log(ctx, og_conn__chain(sc), "connector", action, "connector", row->id, d);
    const char *other = tid && *tid ? tid : prev;
    if (error >= 0 && sc->platform && other && *other)
        error = og_audit_log(ctx, other, "connector", action, "connector", row->id, d);
    if (error >= 0 && sc->platform && prev && *prev && tid && *tid && strcmp(prev, tid) != 0)
        error = og_audit_log(ctx, prev, "connector", action, "connector", row->id, d);
    json_decref(d);
    return error;
}

int og_connector_map(og_ctx *ctx, const char *tenant, const char *name, const char *company_id,
                     const char *to_tenant)
{
    int error;
    og_conn_scope sc;
    og_conn_row row = {0};
    og_tenant t;
    json_t *retired = NULL;
    char prev[OG_ID_LEN], now[OG_TIME_LEN], who[160];
    if ((error = og_conn__scope_get(ctx, tenant, OG_PERM_WRITE, "mapping companies of", &sc)) < 0 ||
        (error = og_conn__find(ctx, &sc, name, &row)) < 0 ||
        (error = company_check(company_id)) < 0 ||
        (error = target_tenant(ctx, &sc, to_tenant, &t)) < 0)
        goto cleanup;
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((error = company_tenant(ctx, row.id, company_id, prev, sizeof(prev))) == OG_ENOTFOUND)
        error = 0; /* mapped ahead of the first sync: named when a sync sees it */
    if (error >= 0)
        error = og_store_run(ctx->store,
                             "INSERT INTO connector_companies (connector_id, company_id,"
                             " company_name, tenant_id, first_seen, mapped_at, mapped_by)"
                             " VALUES (?, ?, '', ?, ?, ?, ?) ON CONFLICT (connector_id,"
                             " company_id) DO UPDATE SET tenant_id = excluded.tenant_id,"
                             " mapped_at = excluded.mapped_at, mapped_by = excluded.mapped_by",
                             "tttttt", row.id, company_id, t.id, now, now, who);
    if (error >= 0 && prev[0] && strcmp(prev, t.id) != 0)
        error = company_leaves(ctx, &row, company_id, prev, "connector.map", &retired);
    if (error >= 0)
        error = audit_map(ctx, &sc, &row, "connector.map", company_id, t.id, prev, retired);
    error = og_store_tx_end(ctx->store, error);
cleanup:
    json_decref(retired);
    og_conn__row_clear(&row);
    return error;
}

int og_connector_unmap(og_ctx *ctx, const char *tenant, const char *name, const char *company_id)
{
    int error;
    og_conn_scope sc;
    og_conn_row row = {0};
    json_t *retired = NULL;
    char prev[OG_ID_LEN];
    if ((error = og_conn__scope_get(ctx, tenant, OG_PERM_WRITE, "mapping companies of", &sc)) < 0 ||
        (error = og_conn__find(ctx, &sc, name, &row)) < 0 ||
        (error = company_check(company_id)) < 0)
        goto cleanup;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((error = company_tenant(ctx, row.id, company_id, prev, sizeof(prev))) == OG_ENOTFOUND)
        error = og_error_set(OG_ENOTFOUND, "connector '%s' knows no company '%s'", row.name,
                             company_id);
    if (error >= 0)
        error = og_store_run(ctx->store,
                             "UPDATE connector_companies SET tenant_id = NULL, mapped_at = NULL,"
                             " mapped_by = NULL WHERE connector_id = ? AND company_id = ?",
                             "tt", row.id, company_id);
    if (error >= 0 && prev[0])
        error = company_leaves(ctx, &row, company_id, prev, "connector.unmap", &retired);
    if (error >= 0 && prev[0])
        error = audit_map(ctx, &sc, &row, "connector.unmap", company_id, NULL, prev, retired);
    error = og_store_tx_end(ctx->store, error);
cleanup:
    json_decref(retired);
    og_conn__row_clear(&row);
    return error;
}

static json_t *company_row(og_stmt *st, void *arg)
{
    og_ctx *ctx = arg;
    const char *tid = og_stmt_col_text(st, 2);
    og_tenant t;
    const char *tname = NULL;
    if (tid && og_tenant_get(ctx, tid, &t) == 0)
        tname = t.name;
    og_error_clear();
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s?}", "company_id",
                     og_stmt_col_text(st, 0), "company_name", og_stmt_col_text(st, 1), "tenant",
                     tname, "tenant_id", tid, "first_seen", og_stmt_col_text(st, 3), "mapped_at",
                     og_stmt_col_text(st, 4), "mapped_by", og_stmt_col_text(st, 5));
}

int og_connector_companies(og_ctx *ctx, const char *tenant, const char *name, json_t **out)
{
    int error;
    og_conn_scope sc;
    og_conn_row row = {0};
    og_stmt *st = NULL;
    *out = NULL;
    if ((error = og_conn__scope_get(ctx, tenant, OG_PERM_READ, NULL, &sc)) < 0 ||
        (error = og_conn__find(ctx, &sc, name, &row)) < 0)
        goto cleanup;
    /* unmapped first: they are what a person has to act on */
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT company_id, company_name, tenant_id, first_seen,"
                                      " mapped_at, mapped_by FROM connector_companies WHERE"
                                      " connector_id = ? ORDER BY tenant_id IS NOT NULL,"
                                      " company_name, company_id",
                                      "t", row.id)) < 0)
        goto cleanup;
    error = og_stmt_collect(st, company_row, ctx, out);
cleanup:
    og_stmt_free(st);
    og_conn__row_clear(&row);
    return error;
}
