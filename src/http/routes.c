/* routes.c - the route table and the thin handlers for tenants, users, tokens and whoami.
 * Handlers validate input and shape JSON; who may do what is decided inside the tenant library
 * (og_authz_check), never here. */
#include "http/certs_api.h"
#include "http/server.h"
#include "opsgate/crypto.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- tenants ---- */

static int h_tenant_create(og_http_req *r)
{
    static const char *const fields[] = {"name", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *name;
    og_tenant t;

    if ((error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "name", 1, &name)) < 0)
        goto cleanup;
    if (!og_name_valid(name)) {
        error = og_error_set(OG_EINVAL,
                             "field 'name': '%.64s' is not a valid name (1-63 of a-z 0-9 . _ -, "
                             "starting with a letter or digit)",
                             name);
        goto cleanup;
    }
    if ((error = og_tenant_create(&r->ctx, name, &t)) < 0)
        goto cleanup;
    snprintf(r->location, sizeof(r->location), "/api/v1/tenants/%s", t.name);
    error = og_http__reply(r, 201, og_tenant_to_json(&t));
cleanup:
    json_decref(body);
    return error;
}

static int h_tenant_list(og_http_req *r)
{
    json_t *list = NULL;
    int error = og_tenant_list(&r->ctx, &list);
    if (error < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "tenants", list));
}

static int h_tenant_get(og_http_req *r)
{
    const char *ref;
    og_tenant t;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &ref)) < 0 ||
        (error = og_tenant_get(&r->ctx, ref, &t)) < 0)
        return error;
    return og_http__reply(r, 200, og_tenant_to_json(&t));
}

static int tenant_set_state(og_http_req *r, int suspend)
{
    const char *ref;
    og_tenant t;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &ref)) < 0 ||
        (error = og_tenant_suspend(&r->ctx, ref, suspend)) < 0 ||
        (error = og_tenant_get(&r->ctx, ref, &t)) < 0)
        return error;
    return og_http__reply(r, 200, og_tenant_to_json(&t));
}

static int h_tenant_suspend(og_http_req *r)
{
    return tenant_set_state(r, 1);
}

static int h_tenant_resume(og_http_req *r)
{
    return tenant_set_state(r, 0);
}

static int h_tenant_delete(og_http_req *r)
{
    const char *ref;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &ref)) < 0 ||
        (error = og_app_tenant_delete(&r->ctx, ref)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

static int h_tenant_blockers(og_http_req *r)
{
    const char *ref;
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &ref)) < 0 ||
        (error = og_tenant_delete_blockers(&r->ctx, ref, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "blockers", list));
}

/* ---- users ---- */

static int h_user_add(og_http_req *r)
{
    static const char *const fields[] = {"name", "role", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *tenant, *name, *role_s;
    og_role role;
    og_user u;

    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "name", 1, &name)) < 0 ||
        (error = og_http__field_str(body, "role", 1, &role_s)) < 0)
        goto cleanup;
    if (!og_name_valid(name)) {
        error = og_error_set(OG_EINVAL,
                             "field 'name': '%.64s' is not a valid name (1-63 of a-z 0-9 . _ -, "
                             "starting with a letter or digit)",
                             name);
        goto cleanup;
    }
    if ((error = og_role_parse(role_s, &role)) < 0) {
        og_error_wrap("field 'role'");
        goto cleanup;
    }
    if ((error = og_user_add(&r->ctx, tenant, name, role, &u)) < 0)
        goto cleanup;
    snprintf(r->location, sizeof(r->location), "/api/v1/tenants/%s/users/%s", tenant, u.name);
    error = og_http__reply(r, 201, og_user_to_json(&u));
cleanup:
    json_decref(body);
    return error;
}

static int h_user_list(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_user_list(&r->ctx, tenant, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "users", list));
}

static int h_user_get(og_http_req *r)
{
    const char *tenant, *user;
    og_user u;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "user", &user)) < 0 ||
        (error = og_user_get(&r->ctx, tenant, user, &u)) < 0)
        return error;
    return og_http__reply(r, 200, og_user_to_json(&u));
}

/* Disable, enable, remove: the user's record after the change (remove answers 204). */
static int user_change(og_http_req *r, int (*fn)(og_ctx *, const char *, const char *, og_user *),
                       int status)
{
    const char *tenant, *user;
    og_user u;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "user", &user)) < 0 ||
        (error = fn(&r->ctx, tenant, user, &u)) < 0)
        return error;
    return og_http__reply(r, status, status == 204 ? NULL : og_user_to_json(&u));
}

static int h_user_disable(og_http_req *r)
{
    return user_change(r, og_user_disable, 200);
}

static int h_user_enable(og_http_req *r)
{
    return user_change(r, og_user_enable, 200);
}

static int h_user_remove(og_http_req *r)
{
    return user_change(r, og_user_remove, 204);
}

static int h_user_role(og_http_req *r)
{
    static const char *const fields[] = {"role", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *tenant, *user, *role_s;
    og_role role;
    og_user u;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "user", &user)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "role", 1, &role_s)) < 0)
        goto cleanup;
    if ((error = og_role_parse(role_s, &role)) < 0) {
        og_error_wrap("field 'role'");
        goto cleanup;
    }
    if ((error = og_user_set_role(&r->ctx, tenant, user, role, &u)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, og_user_to_json(&u));
cleanup:
    json_decref(body);
    return error;
}

/* ---- tokens ---- */

/* The listed record of token id, with the secret added; NULL when the list does not show it. */
static json_t *token_record(og_http_req *r, const char *tenant, const char *user, const char *id)
{
    json_t *list = NULL, *found = NULL;
    if (og_token_list(&r->ctx, tenant, user, &list) < 0) {
        og_error_clear();
        return NULL;
    }
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        if (og_streq(json_string_value(json_object_get(t, "id")), id)) {
            found = json_deep_copy(t);
            break;
        }
    }
    json_decref(list);
    return found;
}

static int h_token_create(og_http_req *r)
{
    static const char *const fields[] = {"ttl", NULL};
    int error = -1;
    json_t *body = NULL, *out = NULL;
    const char *tenant, *user, *ttl_s;
    int64_t ttl_us = 0;
    char token[OG_TOKEN_MAX] = "";
    char id[OG_ID_LEN];

    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "user", &user)) < 0 ||
        (error = og_http__body_object(r, 1, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "ttl", 0, &ttl_s)) < 0)
        goto cleanup;
    if (ttl_s && (error = og_duration_parse(ttl_s, &ttl_us)) < 0) {
        og_error_wrap("field 'ttl'");
        goto cleanup;
    }
    if (ttl_s && ttl_us <= 0) {
        error = og_error_set(OG_EINVAL, "field 'ttl' must be positive, got '%.32s'", ttl_s);
        goto cleanup;
    }
    if ((error = og_token_create(&r->ctx, tenant, user, ttl_us, token, id)) < 0)
        goto cleanup;
    out = token_record(r, tenant, user, id);
    if (!out)
        out = json_pack("{s:s,s:s,s:s}", "id", id, "tenant", tenant, "user", user);
    if (!out || json_object_set_new(out, "token", json_string(token)) < 0) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = og_http__reply(r, 201, out);
    out = NULL;
cleanup:
    og_crypto_wipe(token, sizeof(token)); /* the secret leaves only inside the reply */
    json_decref(out);
    json_decref(body);
    return error;
}

static int h_token_list(og_http_req *r)
{
    const char *tenant, *user = og_http__query(r, "user");
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    if (user && !og_name_valid(user) && !og_id_valid(user))
        return og_error_set(OG_EINVAL, "query 'user': '%.64s' is not a valid name or id", user);
    if ((error = og_token_list(&r->ctx, tenant, user, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "tokens", list));
}

static int h_token_revoke(og_http_req *r)
{
    const char *id = og_http__param(&r->match, "id");
    int error;
    if (!id || !og_id_valid(id))
        return og_error_set(OG_EINVAL, "token id '%.64s' is not a valid id", id ? id : "");
    if ((error = og_token_revoke(&r->ctx, id)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* ---- whoami ---- */

static int h_whoami(og_http_req *r)
{
    const og_actor *a = &r->ctx.actor;
    og_tenant t;
    json_t *tenant = json_null(), *tenant_id = json_null();
    if (a->tenant_id[0]) {
        tenant_id = json_string(a->tenant_id);
        if (og_tenant_get(&r->ctx, a->tenant_id, &t) == 0)
            tenant = json_string(t.name);
        else
            og_error_clear();
    }
    return og_http__reply(r, 200,
                          json_pack("{s:s,s:s,s:s,s:o,s:o,s:s}", "user", a->user_name, "user_id",
                                    a->user_id, "role", og_role_name(a->role), "tenant", tenant,
                                    "tenant_id", tenant_id, "token_id", a->token_id));
}

/* Order matters only for readability: matching tries every entry, and 405's Allow lists every
 * method whose pattern matches the path. */
const og_http_route og_http__routes[] = {
    {"GET", "/healthz", og_http__healthz, OG_HTTP_ROUTE_PUBLIC},
    {"GET", "/metrics", og_http__metrics_handler, OG_HTTP_ROUTE_METRICS},
    {"GET", "/_test/slow", og_http__test_slow, OG_HTTP_ROUTE_PUBLIC},
    {"GET", "/api/v1/whoami", h_whoami, 0},
    {"POST", "/api/v1/tenants", h_tenant_create, 0},
    {"GET", "/api/v1/tenants", h_tenant_list, 0},
    {"GET", "/api/v1/tenants/{tenant}", h_tenant_get, 0},
    {"DELETE", "/api/v1/tenants/{tenant}", h_tenant_delete, 0},
    {"GET", "/api/v1/tenants/{tenant}/delete-blockers", h_tenant_blockers, 0},
    {"POST", "/api/v1/tenants/{tenant}/suspend", h_tenant_suspend, 0},
    {"POST", "/api/v1/tenants/{tenant}/resume", h_tenant_resume, 0},
    {"POST", "/api/v1/tenants/{tenant}/users", h_user_add, 0},
    {"GET", "/api/v1/tenants/{tenant}/users", h_user_list, 0},
    {"GET", "/api/v1/tenants/{tenant}/users/{user}", h_user_get, 0},
    {"DELETE", "/api/v1/tenants/{tenant}/users/{user}", h_user_remove, 0},
    {"POST", "/api/v1/tenants/{tenant}/users/{user}/disable", h_user_disable, 0},
    {"POST", "/api/v1/tenants/{tenant}/users/{user}/enable", h_user_enable, 0},
    {"PUT", "/api/v1/tenants/{tenant}/users/{user}/role", h_user_role, 0},
    {"POST", "/api/v1/tenants/{tenant}/users/{user}/tokens", h_token_create, 0},
    {"GET", "/api/v1/tenants/{tenant}/tokens", h_token_list, 0},
    {"DELETE", "/api/v1/tokens/{id}", h_token_revoke, 0},
    {"GET", "/api/v1/audit", og_http__audit_list, 0},
    {"GET", "/api/v1/audit/export", og_http__audit_export, 0},
    /* gates, events and notification channels (gate_api.c) */
    {"GET", "/api/v1/gate-kinds", og_http__gate_kinds, 0},
    {"GET", "/api/v1/tenants/{tenant}/gates", og_http__gate_list, 0},
    {"POST", "/api/v1/tenants/{tenant}/gates", og_http__gate_request, 0},
    {"GET", "/api/v1/gates/{id}", og_http__gate_show, 0},
    {"POST", "/api/v1/gates/{id}/{decision}", og_http__gate_decide, 0},
    {"GET", "/api/v1/tenants/{tenant}/gate-policy", og_http__gate_policy_show, 0},
    {"PUT", "/api/v1/tenants/{tenant}/gate-policy/{kind}", og_http__gate_policy_set, 0},
    {"PUT", "/api/v1/tenants/{tenant}/gate-settings", og_http__gate_settings_set, 0},
    {"PUT", "/api/v1/tenants/{tenant}/gate-assignees/{area}", og_http__gate_assignee_set, 0},
    {"DELETE", "/api/v1/tenants/{tenant}/gate-assignees/{area}", og_http__gate_assignee_clear, 0},
    {"GET", "/api/v1/events", og_http__events_list, 0},
    {"POST", "/api/v1/events/{id}/retry", og_http__events_retry, 0},
    {"GET", "/api/v1/tenants/{tenant}/notify-channels", og_http__notify_channel_list, 0},
    {"POST", "/api/v1/tenants/{tenant}/notify-channels", og_http__notify_channel_add, 0},
    {"GET", "/api/v1/tenants/{tenant}/notify-channels/{id}", og_http__notify_channel_get, 0},
    {"DELETE", "/api/v1/tenants/{tenant}/notify-channels/{id}", og_http__notify_channel_remove, 0},
    {"PUT", "/api/v1/tenants/{tenant}/notify-channels/{id}/events",
     og_http__notify_channel_set_events, 0},
    {"POST", "/api/v1/tenants/{tenant}/notify-channels/{id}/test", og_http__notify_test, 0},
    /* the platform's own channels: every tenant's chosen events (notify_api.c) */
    {"GET", "/api/v1/notify-channels", og_http__notify_channel_list, 0},
    {"POST", "/api/v1/notify-channels", og_http__notify_channel_add, 0},
    {"GET", "/api/v1/notify-channels/{id}", og_http__notify_channel_get, 0},
    {"DELETE", "/api/v1/notify-channels/{id}", og_http__notify_channel_remove, 0},
    {"PUT", "/api/v1/notify-channels/{id}/events", og_http__notify_channel_set_events, 0},
    {"POST", "/api/v1/notify-channels/{id}/test", og_http__notify_test, 0},
    /* certificates: the literal paths before /certs/{id}, which would match them too */
    {"GET", "/api/v1/tenants/{tenant}/certs", og_http__certs_list, 0},
    {"POST", "/api/v1/tenants/{tenant}/certs/scan", og_http__certs_scan, 0},
    {"POST", "/api/v1/tenants/{tenant}/certs/import", og_http__certs_import, 0},
    {"GET", "/api/v1/tenants/{tenant}/certs/policy", og_http__certs_policy_get, 0},
    {"PUT", "/api/v1/tenants/{tenant}/certs/policy", og_http__certs_policy_set, 0},
    {"GET", "/api/v1/tenants/{tenant}/certs/schedules", og_http__certs_schedule_list, 0},
    {"POST", "/api/v1/tenants/{tenant}/certs/schedules", og_http__certs_schedule_add, 0},
    {"DELETE", "/api/v1/tenants/{tenant}/certs/schedules/{id}", og_http__certs_schedule_delete, 0},
    {"GET", "/api/v1/tenants/{tenant}/certs/{id}", og_http__certs_show, 0},
    {"GET", "/api/v1/certificates", og_http__certs_list_all, 0},
    /* projects and artifacts (artifacts_api.c, generate_api.c): tenant from the token */
    {"GET", "/api/v1/projects", og_http__project_list, 0},
    {"POST", "/api/v1/projects", og_http__project_create, 0},
    {"GET", "/api/v1/projects/{key}", og_http__project_get, 0},
    {"PATCH", "/api/v1/projects/{key}", og_http__project_rename, 0},
    {"POST", "/api/v1/projects/{key}/archive", og_http__project_archive, 0},
    {"POST", "/api/v1/projects/{key}/unarchive", og_http__project_unarchive, 0},
    {"POST", "/api/v1/projects/{key}/generate", og_http__generate, 0},
    /* the provider's brand on documents: the installation's and a tenant's (brand_api.c) */
    {"GET", "/api/v1/brand", og_http__brand_show, 0},
    {"PUT", "/api/v1/brand", og_http__brand_set, 0},
    {"DELETE", "/api/v1/brand", og_http__brand_clear, 0},
    {"GET", "/api/v1/tenants/{tenant}/brand", og_http__brand_show, 0},
    {"PUT", "/api/v1/tenants/{tenant}/brand", og_http__brand_set, 0},
    {"DELETE", "/api/v1/tenants/{tenant}/brand", og_http__brand_clear, 0},
    {"POST", "/api/v1/projects/{key}/holds", og_http__hold_set, 0},
    {"DELETE", "/api/v1/projects/{key}/holds", og_http__hold_clear, 0},
    {"PUT", "/api/v1/projects/{key}/grants/{user}", og_http__grant_set, 0},
    {"DELETE", "/api/v1/projects/{key}/grants/{user}", og_http__grant_revoke, 0},
    {"GET", "/api/v1/projects/{key}/artifacts", og_http__artifact_list, 0},
    {"PUT", "/api/v1/projects/{key}/artifacts/{name}", og_http__artifact_put,
     OG_HTTP_ROUTE_STREAM_BODY},
    {"GET", "/api/v1/projects/{key}/artifacts/{name}", og_http__artifact_show, 0},
    {"DELETE", "/api/v1/projects/{key}/artifacts/{name}", og_http__artifact_delete, 0},
    {"GET", "/api/v1/projects/{key}/artifacts/{name}/content", og_http__artifact_content, 0},
    {"GET", "/api/v1/projects/{key}/artifacts/{name}/versions", og_http__artifact_log, 0},
    {"GET", "/api/v1/projects/{key}/artifacts/{name}/diff", og_http__artifact_diff, 0},
    {"POST", "/api/v1/projects/{key}/artifacts/{name}/restore", og_http__artifact_restore, 0},
    {"POST", "/api/v1/projects/{key}/artifacts/{name}/lock", og_http__artifact_lock, 0},
    {"DELETE", "/api/v1/projects/{key}/artifacts/{name}/lock", og_http__artifact_unlock, 0},
    {"POST", "/api/v1/projects/{key}/artifacts/{name}/state", og_http__artifact_state, 0},
    {"PUT", "/api/v1/projects/{key}/artifacts/{name}/metadata", og_http__artifact_metadata, 0},
    {"POST", "/api/v1/projects/{key}/artifacts/{name}/purge", og_http__artifact_purge, 0},
    {"POST", "/api/v1/projects/{key}/artifacts/{name}/undelete", og_http__artifact_undelete, 0},
    {"GET", "/api/v1/holds", og_http__hold_list, 0},
    {"GET", "/api/v1/access-report", og_http__access_report, 0},
    {"GET", "/api/v1/artifacts/search", og_http__artifact_search, 0},
    {"GET", "/api/v1/retention", og_http__retention_list, 0},
    {"PUT", "/api/v1/retention/{kind}", og_http__retention_set, 0},
};
const size_t og_http__nroutes = sizeof(og_http__routes) / sizeof(og_http__routes[0]);
