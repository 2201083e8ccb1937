/* area.c - enabling a process area (certs, artifacts) for a tenant: the area recorded as enabled,
 * default gate policies, default notification rules and the role-appropriate dashboard, in one
 * transaction with one audit record. The app layer does it because it needs gate and notify,
 * which the tenant module (which keeps the rows) must not depend on. */
#include "opsgate/app.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/notify.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

#include <string.h>

/* The console pages each role sees for an area; client-viewers see published artifacts only. */
typedef struct area_role_pages {
    const char *role;
    const char *pages; /* comma-separated */
} area_role_pages;

typedef struct area_def {
    const char *name;
    const char *title;
    const char *const *events; /* default notification rules, NULL-terminated */
    area_role_pages dashboard[7];
} area_def;

static const char *const certs_events[] = {"certs.expiring",
                                           "certs.expired",
                                           "certs.alert",
                                           "certs.renew.failed",
                                           "certs.deploy.rolled_back",
                                           "certs.deploy.rollback_failed",
                                           "gate.review",
                                           "gate.approval",
                                           NULL};
static const char *const artifacts_events[] = {"gate.approval", "gate.task", "gate.decided", NULL};

static const area_def areas[] = {
    {"certs",
     "certificate management",
     certs_events,
     {{"platform-admin", "overview,certificates,inbox,audit,settings"},
      {"tenant-admin", "overview,certificates,inbox,audit,settings"},
      {"project-manager", "overview,certificates,inbox"},
      {"engineer", "overview,certificates,inbox"},
      {"auditor", "overview,audit"},
      {"client-viewer", ""},
      {NULL, NULL}}},
    {"artifacts",
     "artifact management",
     artifacts_events,
     {{"platform-admin", "overview,artifacts,inbox,audit,settings"},
      {"tenant-admin", "overview,artifacts,inbox,audit,settings"},
      {"project-manager", "overview,artifacts,inbox"},
      {"engineer", "overview,artifacts,inbox"},
      {"auditor", "overview,artifacts,audit"},
      {"client-viewer", "artifacts:published"},
      {NULL, NULL}}},
};
#define NAREAS (sizeof(areas) / sizeof(areas[0]))

static int area_find(const char *name, const area_def **out)
{
    for (size_t i = 0; i < NAREAS; i++)
        if (name && strcmp(name, areas[i].name) == 0)
            return *out = &areas[i], 0;
    og_error_set(OG_EINVAL, "unknown process area '%.64s' (valid: certs, artifacts)",
                 name ? name : "");
    og_error_set_detail(OG_APP_DETAIL_UNKNOWN_AREA);
    return OG_EINVAL;
}

static json_t *pages_json(const char *pages)
{
    json_t *a = json_array();
    char buf[128];
    og_strlcpy(buf, pages, sizeof(buf));
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
        json_array_append_new(a, json_string(p));
    return a;
}

/* {role: [pages]} for every role, or the pages of one role (role non-NULL). */
static json_t *dashboard_json(const area_def *d, const char *role)
{
    json_t *o = json_object();
    for (const area_role_pages *r = d->dashboard; r->role; r++) {
        if (role && strcmp(role, r->role) == 0) {
            json_decref(o);
            return pages_json(r->pages);
        }
        json_object_set_new(o, r->role, pages_json(r->pages));
    }
    if (role) { /* the local operator and system actors act as platform admins */
        json_decref(o);
        return pages_json(d->dashboard[0].pages);
    }
    return o;
}

/* The tenant's row of an area (borrowed from rows), or NULL. */
static json_t *area_row(json_t *rows, const char *area)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "area")), area) == 0)
            return r;
    }
    return NULL;
}

static bool row_enabled(json_t *row)
{
    const char *st = json_string_value(json_object_get(row, "state"));
    return st && strcmp(st, "enabled") == 0;
}

/* Provision the area inside the open transaction and record it; *prov receives what was set. */
static int provision(og_ctx *ctx, const char *tid, const area_def *d, json_t **prov)
{
    json_t *policies = NULL, *rules = NULL;
    int error;
    *prov = NULL;
    if ((error = og_gate_policy_defaults(ctx, tid, d->name, &policies)) < 0)
        return og_error_wrap("setting the default gate policies of %s", d->name);
    if ((error = og_notify_rules_defaults(ctx, tid, d->events, &rules)) < 0) {
        json_decref(policies);
        return og_error_wrap("setting the default notification rules of %s", d->name);
    }
    *prov = json_pack("{s:o, s:o, s:o}", "gate_policies", policies, "notifications", rules,
                      "dashboard", dashboard_json(d, NULL));
    if (!*prov)
        return og_error_set(OG_ERROR, "out of memory");
    return og_tenant_area_write(ctx, tid, d->name, true, *prov);
}

/* The area is enabled: if its notification rules were pending (the tenant had no channel then),
 * add them now, inside the open transaction, and record it (tenant.area.complete). A fully
 * provisioned area, or one still without a channel, is left as it is and *out says so. */
static int complete(og_ctx *ctx, const char *tid, const area_def *d, json_t *row, json_t **out)
{
    json_t *prov = json_deep_copy(json_object_get(row, "provisioned")), *rules = NULL, *done;
    const char *st =
        json_string_value(json_object_get(json_object_get(prov, "notifications"), "state"));
    int error = 0;
    done = json_array();
    if (!prov)
        prov = json_object();
    if (st && strcmp(st, "pending") == 0) {
        if ((error = og_notify_rules_defaults(ctx, tid, d->events, &rules)) < 0) {
            error = og_error_wrap("adding the pending notification rules of %s", d->name);
            goto cleanup;
        }
        if (strcmp(json_string_value(json_object_get(rules, "state")), "pending") != 0) {
            json_object_set(prov, "notifications", rules);
            json_array_append_new(done, json_string("notifications"));
            json_t *details = json_pack("{s:s, s:O, s:O}", "area", d->name, "completed", done,
                                        "notifications", rules);
            if ((error = og_tenant_area_write(ctx, tid, d->name, true, prov)) >= 0)
                error = og_audit_log(ctx, tid, "tenant", "tenant.area.complete", "tenant_area",
                                     d->name, details);
            json_decref(details);
            if (error < 0)
                goto cleanup;
        }
    }
    *out =
        json_pack("{s:s, s:s, s:s, s:b, s:O, s:O, s:s}", "tenant_id", tid, "area", d->name, "state",
                  "enabled", "already_enabled", 1, "completed", done, "provisioned", prov, "note",
                  json_array_size(done) ? "completed what was pending: the notification rules"
                  : st && strcmp(st, "pending") == 0
                      ? "nothing changed: the notification rules are still pending (the "
                        "tenant has no notification channel)"
                      : "nothing changed: the area is fully provisioned");
    error = *out ? 0 : og_error_set(OG_ERROR, "out of memory");
cleanup:
    json_decref(prov);
    json_decref(rules);
    json_decref(done);
    return error < 0 ? error : 0;
}

/* The tenant whose area the actor is "enabling" or "disabling" (verb): a tenant-admin's. */
static int area_tenant(og_ctx *ctx, const char *tenant, const char *verb, char tid[OG_ID_LEN])
{
    int error = og_tenant_resolve(ctx, tenant, OG_PERM_USER_MANAGE, tid);
    if (error == OG_EDENIED)
        return og_error_set(OG_EDENIED,
                            "%s a process area needs the tenant-admin role (you are %s)", verb,
                            og_role_name(ctx->actor.role));
    return error;
}

int og_app_tenant_area_enable(og_ctx *ctx, const char *tenant, const char *area, json_t **out)
{
    const area_def *d;
    char tid[OG_ID_LEN];
    json_t *rows = NULL, *prov = NULL, *row;
    int error;
    *out = NULL;
    if ((error = area_find(area, &d)) < 0 || (error = og_app_register_all()) < 0)
        return error;
    if ((error = area_tenant(ctx, tenant, "enabling", tid)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_tenant_area_list(ctx, tid, &rows)) < 0)
        goto cleanup;
    if ((row = area_row(rows, d->name)) && row_enabled(row)) { /* complete what is pending */
        error = complete(ctx, tid, d, row, out);
        goto cleanup;
    }
    if ((error = provision(ctx, tid, d, &prov)) < 0)
        goto cleanup;
    if ((error = og_audit_log(ctx, tid, "tenant", "tenant.area.enable", "tenant_area", d->name,
                              prov)) < 0)
        goto cleanup;
    *out = json_pack("{s:s, s:s, s:s, s:b, s:O}", "tenant_id", tid, "area", d->name, "state",
                     "enabled", "already_enabled", 0, "provisioned", prov);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    if (error < 0) {
        json_decref(*out);
        *out = NULL;
    }
    json_decref(rows);
    json_decref(prov);
    return error;
}

int og_app_tenant_area_disable(og_ctx *ctx, const char *tenant, const char *area, json_t **out)
{
    const area_def *d;
    char tid[OG_ID_LEN];
    json_t *rows = NULL, *details = NULL, *row;
    int error, was;
    static const char kept[] = "gate policies and notification rules stay as they are";
    *out = NULL;
    if ((error = area_find(area, &d)) < 0)
        return error;
    if ((error = area_tenant(ctx, tenant, "disabling", tid)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_tenant_area_list(ctx, tid, &rows)) < 0)
        goto cleanup;
    row = area_row(rows, d->name);
    was = row_enabled(row);
    if (was) {
        details = json_pack("{s:s, s:s}", "area", d->name, "kept", kept);
        if ((error = og_tenant_area_write(ctx, tid, d->name, false, NULL)) < 0 ||
            (error = og_audit_log(ctx, tid, "tenant", "tenant.area.disable", "tenant_area", d->name,
                                  details)) < 0)
            goto cleanup;
    }
    *out = json_pack("{s:s, s:s, s:s, s:b, s:s}", "tenant_id", tid, "area", d->name, "state",
                     "disabled", "already_disabled", !was, "kept", kept);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    if (error < 0) {
        json_decref(*out);
        *out = NULL;
    }
    json_decref(rows);
    json_decref(details);
    return error;
}

int og_app_tenant_areas(og_ctx *ctx, const char *tenant, json_t **out)
{
    char tid[OG_ID_LEN];
    json_t *rows = NULL, *list = NULL;
    bool reader;
    int error;
    *out = NULL;
    if ((error = og_tenant_resolve(ctx, tenant, OG_PERM_TENANT_READ, tid)) < 0)
        return error;
    reader = og_authz_check(&ctx->actor, tid, OG_PERM_READ) == 0;
    if ((error = og_tenant_area_list(ctx, tid, &rows)) < 0)
        return error;
    list = json_array();
    for (size_t i = 0; i < NAREAS; i++) {
        const area_def *d = &areas[i];
        json_t *row = area_row(rows, d->name), *e;
        bool on = row_enabled(row);
        e = json_pack("{s:s, s:s, s:s, s:o}", "area", d->name, "title", d->title, "state",
                      on    ? "enabled"
                      : row ? "disabled"
                            : "not_enabled",
                      "dashboard",
                      on ? dashboard_json(d, og_role_name(ctx->actor.role)) : json_array());
        if (reader && row) {
            json_object_set(e, "changed_at", json_object_get(row, "changed_at"));
            json_object_set(e, "changed_by", json_object_get(row, "changed_by"));
            json_object_set(e, "provisioned", json_object_get(row, "provisioned"));
        }
        json_array_append_new(list, e);
    }
    *out = json_pack("{s:s, s:o}", "tenant_id", tid, "areas", list);
    json_decref(rows);
    return *out ? 0 : og_error_set(OG_ERROR, "out of memory");
}
