/* console_alerts.c - the console's alerts by what is wrong: the alerts page (the tenant's, or
 * every tenant's for a platform-admin, unresolved by default) and the Acknowledge and Snooze
 * buttons of an alert (there and on its certificate's page), which call what `cert alerts
 * --ack|--snooze` and the API call (og_certs_alert_ack, og_certs_alert_snooze) as the signed-in
 * actor; htmx swaps the acted-on alert in place, without it the form leads back (303). */
#include "http/console.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

#define NOTE_MAX  500
#define UNTIL_MAX 40

void og_http__console_alert_shape(json_t *a, const char *tenant, bool may_act, const char *csrf,
                                  const char *next)
{
    const char *id = json_string_value(json_object_get(a, "id"));
    const char *t = json_string_value(json_object_get(a, "tenant"));
    const char *fp = json_string_value(json_object_get(a, "fingerprint"));
    char path[300];
    if (!t)
        t = tenant;
    json_object_set_new(a, "tenant_name", json_string(t ? t : ""));
    snprintf(path, sizeof(path), "/console/tenants/%s/alerts/%s/ack", t ? t : "", id ? id : "");
    json_object_set_new(a, "ack_action", json_string(path));
    snprintf(path, sizeof(path), "/console/tenants/%s/alerts/%s/snooze", t ? t : "", id ? id : "");
    json_object_set_new(a, "snooze_action", json_string(path));
    if (fp && strncmp(fp, "app:", 4) != 0) {
        snprintf(path, sizeof(path), "/console/tenants/%s/certificates/%s", t ? t : "", fp);
        json_object_set_new(a, "cert_href", json_string(path));
    }
    json_object_set_new(
        a, "can_act",
        json_boolean(may_act &&
                     !og_streq(json_string_value(json_object_get(a, "state")), "resolved")));
    json_object_set_new(a, "csrf", json_string(csrf ? csrf : ""));
    json_object_set_new(a, "next", json_string(next ? next : "/console/alerts"));
}

/* Whether the actor may acknowledge and snooze the alerts of tenant id tid: the permission both
 * library calls check (OG_PERM_WRITE), so the buttons show exactly when they would work. */
static bool may_act(og_http_req *r, const char *tid)
{
    bool ok = tid && og_authz_check(&r->ctx.actor, tid, OG_PERM_WRITE) == 0;
    og_error_clear();
    return ok;
}

/* GET /console/alerts[?tenant=][&state=] */
int og_http__console_alerts(og_http_req *r)
{
    const char *tenant = og_http__query(r, "tenant"), *state = og_http__query(r, "state");
    char own[64] = "", tid[OG_ID_LEN] = "", csrf[OG_CONSOLE_CSRF_MASKED], next[OG_CONSOLE_NEXT_MAX];
    json_t *list = NULL, *a, *d = NULL;
    size_t i;
    int error;
    if (tenant && !*tenant)
        tenant = NULL;
    if (state && (!*state || strlen(state) > 20))
        state = NULL;
    if ((error = og_http__console_own_tenant(r, own)) < 0 ||
        (error = og_http__console_csrf_masked(r, csrf)) < 0)
        return error;
    int all = !tenant && og_actor_is_platform(&r->ctx.actor);
    const char *scope = all ? NULL : tenant ? tenant : own;
    if (scope && (error = og_tenant_resolve(&r->ctx, scope, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = og_certs_alert_list(&r->ctx, scope, state, &list)) < 0)
        return error;
    og_buf b; /* where a button without htmx leads back to: this page */
    og_buf_init(&b, sizeof(next) - 1);
    og_buf_puts(&b, "/console/alerts");
    if (tenant) {
        og_buf_puts(&b, "?tenant=");
        og_http__console_urlencode(&b, tenant);
    }
    og_strlcpy(next, b.data ? b.data : "/console/alerts", sizeof(next));
    og_buf_free(&b);
    json_array_foreach(list, i, a)
    {
        const char *rt = json_string_value(json_object_get(a, "tenant_id"));
        og_http__console_alert_shape(a, scope, may_act(r, rt ? rt : tid), csrf, next);
    }
    if (!(d = og_http__console_base(r, tenant))) {
        json_decref(list);
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_object_set_new(d, "alerts", list);
    json_object_set_new(d, "has_alerts", json_boolean(json_array_size(list) > 0));
    json_object_set_new(d, "scope", json_string(all ? "every tenant" : scope));
    json_object_set_new(d, "tenant", json_string(tenant ? tenant : ""));
    json_object_set_new(d, "state", json_string(state ? state : ""));
    static const char *const states[] = {"open", "acknowledged", "snoozed", "resolved", "all"};
    json_t *opts = json_array();
    for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
        json_array_append_new(opts, json_pack("{s:s, s:b}", "name", states[k], "selected",
                                              og_streq(state, states[k])));
    json_object_set_new(d, "states", opts);
    return og_http__console_render(r, 200, "alerts", d);
}

/* "2026-12-24T08:00" (a datetime-local field: UTC here, as the label says) or an RFC 3339 time
 * into *out. */
static int until_parse(const char *s, int64_t *out)
{
    char buf[UNTIL_MAX + 8];
    if (og_time_parse(s, out) == 0)
        return 0;
    og_error_clear();
    if (strlen(s) == 16 && s[10] == 'T') {
        snprintf(buf, sizeof(buf), "%s:00Z", s);
        if (og_time_parse(buf, out) == 0)
            return 0;
        og_error_clear();
    }
    return og_error_set(OG_EINVAL, "snooze until: '%.40s' is not a time (2026-12-24T08:00, UTC)",
                        s);
}

/* The alert just acted on, for htmx to swap in place of the one acted on, with a line saying
 * what happened. */
static int acted_item(og_http_req *r, const char *tenant, const char *id, const char *what,
                      const char *next)
{
    json_t *list = NULL, *a, *found = NULL;
    char csrf[OG_CONSOLE_CSRF_MASKED], tid[OG_ID_LEN];
    size_t i;
    int error;
    if ((error = og_tenant_resolve(&r->ctx, tenant, OG_PERM_READ, tid)) < 0 ||
        (error = og_http__console_csrf_masked(r, csrf)) < 0 ||
        (error = og_certs_alert_list(&r->ctx, tenant, "all", &list)) < 0)
        return error;
    for (i = 0; !found && i < json_array_size(list); i++) {
        a = json_array_get(list, i);
        if (og_streq(json_string_value(json_object_get(a, "id")), id))
            found = json_incref(a);
    }
    json_decref(list);
    if (!found)
        return og_error_set(OG_ENOTFOUND, "alert %s cannot be read after the change", id);
    og_http__console_alert_shape(found, tenant, may_act(r, tid), csrf, next);
    json_object_set_new(found, "item_flash", json_string(what));
    return og_http__console_render(r, 200, "alert_item", found);
}

static int alert_act(og_http_req *r, int snooze)
{
    const char *tenant, *id;
    char note[NOTE_MAX + 1] = "", until[UNTIL_MAX + 1] = "", nx[OG_CONSOLE_NEXT_MAX] = "",
                         next[OG_CONSOLE_NEXT_MAX], what[200];
    int64_t until_us = 0;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "id", &id)) < 0 ||
        (error = og_http__console_form(r, "note", note, sizeof(note))) < 0 ||
        (error = og_http__console_form(r, "next", nx, sizeof(nx))) < 0 ||
        (snooze && (error = og_http__console_form(r, "until", until, sizeof(until))) < 0))
        return error;
    og_http__console_safe_next(nx[0] ? nx : "/console/alerts", next);
    if (og_streq(next, "/console") && !og_streq(nx, "/console"))
        og_strlcpy(next, "/console/alerts", sizeof(next)); /* not a console path: this page */
    if (snooze) {
        if (!until[0])
            return og_error_set(OG_EINVAL, "a snooze needs a time to snooze until");
        if ((error = until_parse(until, &until_us)) < 0)
            return error;
        error = og_certs_alert_snooze(&r->ctx, tenant, id, until_us, note[0] ? note : NULL);
    } else {
        error = og_certs_alert_ack(&r->ctx, tenant, id, note[0] ? note : NULL);
    }
    if (error < 0)
        return error;
    if (snooze) {
        char t[OG_TIME_LEN];
        og_time_format(until_us, t);
        snprintf(what, sizeof(what),
                 "Snoozed until %s: raised again then, or sooner if it gets "
                 "worse.",
                 t);
    } else {
        snprintf(what, sizeof(what), "Acknowledged: not raised again unless it gets worse.");
    }
    if (og_http__console_hx(r))
        return acted_item(r, tenant, id, what, next);
    return og_http__console_redirect(r, next);
}

int og_http__console_alert_ack(og_http_req *r)
{
    return alert_act(r, 0);
}

int og_http__console_alert_snooze(og_http_req *r)
{
    return alert_act(r, 1);
}
