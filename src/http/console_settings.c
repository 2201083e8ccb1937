/* console_settings.c - the console's settings page of a tenant: its process areas, gate policies
 * per action kind, notification channels (with a test button) and connectors with their last
 * sync, read through the same library calls as the API (og_app_tenant_areas,
 * og_gate_policy_show, og_notify_channel_list, og_connector_list, og_connector_kinds,
 * og_notify_test), as the signed-in actor. The forms that change them: console_setforms.c. */
#include "http/console.h"
#include "opsgate/app.h"
#include "opsgate/connector.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/notify.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

/* Each channel's events as one string ("certs.*, gate.*"). */
static void channels_shape(json_t *channels)
{
    json_t *c, *e;
    size_t i, j;
    json_array_foreach(channels, i, c)
    {
        og_buf b;
        og_buf_init(&b, 512);
        json_array_foreach(json_object_get(c, "events"), j, e) og_buf_printf(
            &b, "%s%s", j ? ", " : "", json_string_value(e) ? json_string_value(e) : "");
        json_object_set_new(c, "event_list", json_string(b.data ? b.data : ""));
        og_buf_free(&b);
    }
}

/* Each kind's level choices for its change form, the current one selected. */
static void kinds_shape(json_t *policy)
{
    json_t *k;
    size_t i;
    json_array_foreach(json_object_get(policy, "kinds"), i, k)
    {
        const char *level = json_string_value(json_object_get(k, "level"));
        json_t *levels = json_array();
        for (int l = 0; l <= 3; l++) {
            const char *n = og_gate_level_name((og_gate_level)l);
            json_array_append_new(levels, json_pack("{s:s, s:b}", "name", n, "selected",
                                                    level && strcmp(level, n) == 0));
        }
        json_object_set_new(k, "levels", levels);
    }
}

/* Each connector: whether it is the tenant's own (a platform connector serving the tenant is
 * changed by platform-admins through the API), its base URL as shown (og_url_redact: a URL may
 * carry credentials) and its last sync's figures. Options are not shown (they hold the
 * credentials' non-secret fields). */
static void connectors_shape(json_t *connectors)
{
    json_t *c;
    size_t i;
    json_array_foreach(connectors, i, c)
    {
        const char *url = json_string_value(json_object_get(c, "base_url"));
        char shown[600] = "";
        if (url)
            og_url_redact(url, shown, sizeof(shown));
        json_object_set_new(c, "base_shown", json_string(shown));
        json_object_set_new(
            c, "own",
            json_boolean(og_streq(json_string_value(json_object_get(c, "scope")), "tenant")));
        json_object_del(c, "options");
        json_t *last = json_object_get(c, "last_sync");
        if (json_is_object(last))
            json_object_set_new(
                last, "failed",
                json_boolean(!og_streq(json_string_value(json_object_get(last, "outcome")), "ok")));
        else
            json_object_del(c, "last_sync");
    }
}

/* The catalogue's kinds as add forms: each field an input (secret ones a password field, PEM
 * ones a text area), never with a value. */
static json_t *kinds_forms(void)
{
    json_t *kinds = NULL, *k, *f;
    size_t i, j;
    if (og_connector_kinds(&kinds) < 0) {
        og_error_clear();
        return json_array();
    }
    json_array_foreach(kinds, i, k)
    {
        const char *kind = json_string_value(json_object_get(k, "kind"));
        json_array_foreach(json_object_get(k, "fields"), j, f)
        {
            const char *name = json_string_value(json_object_get(f, "name"));
            size_t n = name ? strlen(name) : 0;
            char id[128];
            int pem = n > 4 && strcmp(name + n - 4, "_pem") == 0;
            snprintf(id, sizeof(id), "cf-%s-%s", kind ? kind : "", name ? name : "");
            json_object_set_new(f, "input_id", json_string(id));
            json_object_set_new(f, "pem", json_boolean(pem));
            json_object_set_new(f, "password",
                                json_boolean(!pem && json_is_true(json_object_get(f, "secret"))));
        }
    }
    return kinds;
}

/* Each area: enabled or not, and its pages for the signed-in role as one string. */
static void areas_shape(json_t *areas)
{
    json_t *a, *p;
    size_t i, j;
    json_array_foreach(json_object_get(areas, "areas"), i, a)
    {
        og_buf b;
        og_buf_init(&b, 512);
        json_array_foreach(json_object_get(a, "dashboard"), j, p) og_buf_printf(
            &b, "%s%s", j ? ", " : "", json_string_value(p) ? json_string_value(p) : "");
        json_object_set_new(a, "pages", json_string(b.data ? b.data : ""));
        og_buf_free(&b);
        json_object_set_new(
            a, "enabled",
            json_boolean(og_streq(json_string_value(json_object_get(a, "state")), "enabled")));
        json_object_del(a, "provisioned");
    }
}

/* What the signed-in actor may do on this page, asked of og_authz_check with the permission each
 * library call checks (the buttons follow; every POST is still decided by the library):
 * - areas: og_app_tenant_area_enable/_disable check OG_PERM_USER_MANAGE;
 * - admin: channels (og_notify_channel_add/_remove), connectors (og_connector_add/_remove) and
 *   gate levels (og_gate_policy_change) check OG_PERM_WRITE and then that the actor is a
 *   tenant-admin or a platform actor;
 * - write: a channel's test (og_notify_test) and a connector's sync (og_connector_sync) check
 *   OG_PERM_WRITE. */
static json_t *rights_of(og_http_req *r, const char *tid)
{
    const og_actor *a = &r->ctx.actor;
    int write = og_authz_check(a, tid, OG_PERM_WRITE) == 0;
    int areas = og_authz_check(a, tid, OG_PERM_USER_MANAGE) == 0;
    int admin = write && (og_actor_is_platform(a) || a->role == OG_ROLE_TENANT_ADMIN);
    og_error_clear();
    return json_pack("{s:b, s:b, s:b}", "areas", areas, "admin", admin, "write", write);
}

/* The page, with the outcome of a change when one was made (outcome, may be NULL: {"tested":
 * {ok, results}}, {"changed": text}, {"area_result": {...}} or {"synced": {...}}, merged into
 * the page's data). */
int og_http__console_settings_page(og_http_req *r, int status, const char *tenant, json_t *outcome)
{
    json_t *policy = NULL, *channels = NULL, *connectors = NULL, *areas = NULL, *d = NULL;
    og_tenant t;
    int error;
    if ((error = og_tenant_get(&r->ctx, tenant, &t)) < 0 ||
        (error = og_gate_policy_show(&r->ctx, t.name, &policy)) < 0 ||
        (error = og_notify_channel_list(&r->ctx, t.name, &channels)) < 0 ||
        (error = og_connector_list(&r->ctx, t.name, &connectors)) < 0 ||
        (error = og_app_tenant_areas(&r->ctx, t.name, &areas)) < 0)
        goto cleanup;
    channels_shape(channels);
    kinds_shape(policy);
    connectors_shape(connectors);
    areas_shape(areas);
    if (!(d = og_http__console_base(r, og_actor_is_platform(&r->ctx.actor) ? t.name : NULL))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    json_object_set_new(d, "tenant", json_string(t.name));
    json_object_set(d, "policy", policy);
    json_object_set(d, "channels", channels);
    json_object_set(d, "connectors", connectors);
    json_object_set(d, "areas", json_object_get(areas, "areas"));
    json_object_set_new(d, "may", rights_of(r, t.id));
    json_object_set_new(d, "kinds", kinds_forms());
    if (outcome)
        json_object_update(d, outcome);
    error = og_http__console_render(r, status, "settings", d);
    d = NULL;
cleanup:
    json_decref(policy);
    json_decref(channels);
    json_decref(connectors);
    json_decref(areas);
    json_decref(d);
    return error;
}

int og_http__console_settings(og_http_req *r)
{
    const char *tenant;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    return og_http__console_settings_page(r, 200, tenant, NULL);
}

/* POST .../notify-channels/{id}/test: og_notify_test as the API's test, then the page with each
 * channel's answer (a channel that refused is the answer, not an error: as the API). */
int og_http__console_channel_test(og_http_req *r)
{
    const char *tenant, *id = og_http__param(&r->match, "id");
    json_t *report = NULL, *x;
    size_t i;
    int error, failed = 0;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    if (!id || !og_id_valid(id))
        return og_error_set(OG_EINVAL, "'%.64s' is not a channel id", id ? id : "");
    error = og_notify_test(&r->ctx, tenant, id, &report);
    json_array_foreach(report, i, x) failed |= !json_is_true(json_object_get(x, "ok"));
    if (error < 0 && !failed) {
        json_decref(report);
        return error;
    }
    og_error_clear();
    json_t *tested = json_pack("{s:{s:b, s:o}}", "tested", "ok", !failed, "results",
                               report ? report : json_array());
    error = og_http__console_settings_page(r, 200, tenant, tested);
    json_decref(tested);
    return error;
}

/* POST .../gate-policy/{kind} (form: level): og_gate_policy_change as the API's PUT. A lowering
 * that needs a second tenant-admin is accepted and waits (202, as the API), naming the item. */
int og_http__console_policy_set(og_http_req *r)
{
    const char *tenant, *kind;
    char level_s[8];
    og_gate_level level;
    og_gate_outcome oc;
    int error;
    memset(&oc, 0, sizeof(oc));
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "kind", &kind)) < 0)
        return error;
    if ((error = og_http__console_form(r, "level", level_s, sizeof(level_s))) <= 0)
        return error < 0 ? error : og_error_set(OG_EINVAL, "field 'level' is required");
    if (og_gate_level_parse(level_s, &level) < 0)
        return og_error_set(OG_EINVAL, "field 'level': '%.16s' is not a gate level (L0..L3)",
                            level_s);
    if (!og_gate_kind_find(kind))
        return og_error_set(OG_EINVAL, "unknown action kind '%.64s'", kind);
    error = og_gate_policy_change(&r->ctx, tenant, kind, level, &oc);
    if (error < 0 && error != OG_EPENDING)
        return error;
    char msg[300];
    if (error == OG_EPENDING)
        snprintf(msg, sizeof(msg),
                 "Lowering %s to %s waits for another tenant-admin's approval "
                 "(gate item %s).",
                 kind, og_gate_level_name(level), oc.gate_id);
    else
        snprintf(msg, sizeof(msg), "%s is now %s.", kind, og_gate_level_name(level));
    json_decref(oc.result);
    og_error_clear();
    json_t *changed = json_pack("{s:s}", "changed", msg);
    error = og_http__console_settings_page(r, error == OG_EPENDING ? 202 : 200, tenant, changed);
    json_decref(changed);
    return error;
}
