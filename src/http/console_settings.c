/* console_settings.c - the console's settings page of a tenant: gate policies per action kind,
 * notification channels (with a test button) and connectors with their last sync, read through
 * the same library calls as the API (og_gate_policy_show, og_notify_channel_list,
 * og_connector_list, og_notify_test), as the signed-in actor. Read-only but for the test. */
#include "http/console.h"
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

/* The page, with the outcome of a channel test or a policy change when one was asked for (tested,
 * may be NULL: {"tested": {ok, results}} or {"changed": text}, merged into the page's data). */
static int settings_page(og_http_req *r, int status, const char *tenant, json_t *tested)
{
    json_t *policy = NULL, *channels = NULL, *connectors = NULL, *d = NULL;
    og_tenant t;
    int error;
    if ((error = og_tenant_get(&r->ctx, tenant, &t)) < 0 ||
        (error = og_gate_policy_show(&r->ctx, t.name, &policy)) < 0 ||
        (error = og_notify_channel_list(&r->ctx, t.name, &channels)) < 0 ||
        (error = og_connector_list(&r->ctx, t.name, &connectors)) < 0)
        goto cleanup;
    channels_shape(channels);
    kinds_shape(policy);
    if (!(d = og_http__console_base(r, og_actor_is_platform(&r->ctx.actor) ? t.name : NULL))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    json_object_set_new(d, "tenant", json_string(t.name));
    json_object_set(d, "policy", policy);
    json_object_set(d, "channels", channels);
    json_object_set(d, "connectors", connectors);
    if (tested)
        json_object_update(d, tested);
    error = og_http__console_render(r, status, "settings", d);
    d = NULL;
cleanup:
    json_decref(policy);
    json_decref(channels);
    json_decref(connectors);
    json_decref(d);
    return error;
}

int og_http__console_settings(og_http_req *r)
{
    const char *tenant;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    return settings_page(r, 200, tenant, NULL);
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
    error = settings_page(r, 200, tenant, tested);
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
    error = settings_page(r, error == OG_EPENDING ? 202 : 200, tenant, changed);
    json_decref(changed);
    return error;
}
