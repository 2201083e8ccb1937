/* console_setforms.c - the console's settings forms that change a tenant: enable or disable a
 * process area (og_app_tenant_area_enable/_disable), add or remove a notification channel
 * (og_notify_channel_add/_remove), add, remove or sync a connector (og_connector_add/_remove/
 * _sync): the library calls of the API's routes, as the signed-in actor, which decide who may.
 * Secrets (a webhook's key, an SMTP URL, a connector's credentials) come only in the POST body,
 * leave it only sealed by the library, are wiped here and never rendered back. */
#include "http/console.h"
#include "opsgate/app.h"
#include "opsgate/connector.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define URL_MAX    1000 /* as the API: a webhook URL, an SMTP URL */
#define SECRET_MAX 4096 /* a webhook's HMAC key */
#define ADDR_MAX   254
#define EVENTS_MAX 1024
#define CRED_MAX   16384 /* one credential field (a PEM key) */

/* The settings page with one outcome: {key: value} (value stolen). */
static int page_with(og_http_req *r, const char *tenant, const char *key, json_t *value)
{
    json_t *o = json_object();
    json_object_set_new(o, key, value ? value : json_null());
    int error = og_http__console_settings_page(r, 200, tenant, o);
    json_decref(o);
    return error;
}

static int page_said(og_http_req *r, const char *tenant, const char *text)
{
    return page_with(r, tenant, "changed", json_string(text));
}

/* A form field that must not be empty: 0, or OG_EINVAL naming it. */
static int form_need(og_http_req *r, const char *name, char *out, size_t size)
{
    int rc = og_http__console_form(r, name, out, size);
    if (rc < 0)
        return rc;
    if (!out[0])
        return og_error_set(OG_EINVAL, "field '%s' is required", name);
    return 0;
}

/* A form field that does not belong to the channel type must be absent or empty. */
static int form_none(og_http_req *r, const char *name, const char *type)
{
    char v[8];
    int rc = og_http__console_form(r, name, v, sizeof(v));
    if (rc < 0 || (rc > 0 && v[0]))
        return og_error_set(OG_EINVAL, "field '%s' does not apply to a %s channel", name, type);
    return 0;
}

/* ---- process areas ---- */

/* Names joined: "certs.deploy L1, certs.renew L1" (each {kind, level}), or "none". */
static json_t *policies_text(const json_t *list)
{
    og_buf b;
    const json_t *x;
    size_t i;
    og_buf_init(&b, 4096);
    json_array_foreach(list, i, x)
        og_buf_printf(&b, "%s%s %s", i ? ", " : "", json_string_value(json_object_get(x, "kind")),
                      json_string_value(json_object_get(x, "level")));
    json_t *s = json_string(b.len ? b.data : "none");
    og_buf_free(&b);
    return s;
}

static json_t *strings_text(const json_t *list)
{
    og_buf b;
    const json_t *x;
    size_t i;
    og_buf_init(&b, 4096);
    json_array_foreach(list, i, x)
        og_buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(x) ? json_string_value(x) : "");
    json_t *s = json_string(b.len ? b.data : "none");
    og_buf_free(&b);
    return s;
}

/* The library's answer as the page shows it: what was set, what was kept, and the notification
 * rules (added, kept or pending with the reason). */
static json_t *area_outcome(const json_t *out, int enable)
{
    const json_t *prov = json_object_get(out, "provisioned");
    const json_t *gp = json_object_get(prov, "gate_policies");
    const json_t *nt = json_object_get(prov, "notifications");
    const char *ns = json_string_value(json_object_get(nt, "state"));
    json_t *res = json_pack(
        "{s:s, s:s, s:b, s:b}", "area", json_string_value(json_object_get(out, "area")), "state",
        json_string_value(json_object_get(out, "state")), "enable", enable, "already",
        json_is_true(json_object_get(out, enable ? "already_enabled" : "already_disabled")) &&
            !json_array_size(json_object_get(out, "completed"))); /* completed: it changed */
    if (!res)
        return NULL;
    if (!enable) {
        const char *kept = json_string_value(json_object_get(out, "kept"));
        json_object_set_new(res, "kept_text", json_string(kept ? kept : ""));
        return res;
    }
    json_object_set_new(res, "set", policies_text(json_object_get(gp, "set")));
    json_object_set_new(res, "kept", policies_text(json_object_get(gp, "kept")));
    json_object_set_new(res, "rules_pending", json_boolean(og_streq(ns, "pending")));
    json_object_set_new(res, "rules_state", json_string(ns ? ns : "unknown"));
    json_object_set_new(res, "rules_channel",
                        json_string(json_string_value(json_object_get(nt, "channel_id"))
                                        ? json_string_value(json_object_get(nt, "channel_id"))
                                        : ""));
    json_object_set_new(res, "rules_added", strings_text(json_object_get(nt, "added")));
    json_object_set_new(res, "rules_events", strings_text(json_object_get(nt, "events")));
    const char *why = json_string_value(json_object_get(nt, "reason"));
    json_object_set_new(res, "rules_reason", json_string(why ? why : ""));
    return res;
}

static int area_change(og_http_req *r, int enable)
{
    const char *tenant, *area;
    json_t *out = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "area", &area)) < 0)
        return error;
    error = enable ? og_app_tenant_area_enable(&r->ctx, tenant, area, &out)
                   : og_app_tenant_area_disable(&r->ctx, tenant, area, &out);
    if (error < 0)
        return error;
    error = page_with(r, tenant, "area_result", area_outcome(out, enable));
    json_decref(out);
    return error;
}

int og_http__console_area_enable(og_http_req *r)
{
    return area_change(r, 1);
}

int og_http__console_area_disable(og_http_req *r)
{
    return area_change(r, 0);
}

/* ---- notification channels ---- */

typedef struct channel_form {
    char type[16], url[URL_MAX + 1], secret[SECRET_MAX + 1], address[ADDR_MAX + 1];
    char smtp[URL_MAX + 1], from[ADDR_MAX + 1], events[EVENTS_MAX], connector[64];
} channel_form;

/* The fields of the form's type, as the API's body: those of another type refused. */
static int channel_read(og_http_req *r, channel_form *f, const char **target, const char **secret,
                        json_t **cfg)
{
    int error;
    if ((error = form_need(r, "type", f->type, sizeof(f->type))) < 0 ||
        (error = og_http__console_form(r, "events", f->events, sizeof(f->events))) < 0)
        return error;
    if (strcmp(f->type, "webhook") == 0) {
        if ((error = form_none(r, "address", f->type)) < 0 ||
            (error = form_none(r, "smtp", f->type)) < 0 ||
            (error = form_none(r, "connector", f->type)) < 0 ||
            (error = form_need(r, "url", f->url, sizeof(f->url))) < 0 ||
            (error = form_need(r, "secret", f->secret, sizeof(f->secret))) < 0)
            return error;
        if (strlen(f->secret) < 16)
            return og_error_set(OG_EINVAL, "field 'secret' must be 16 to %d bytes", SECRET_MAX);
        *target = f->url;
        *secret = f->secret;
    } else if (strcmp(f->type, "email") == 0) {
        if ((error = form_none(r, "url", f->type)) < 0 ||
            (error = form_none(r, "secret", f->type)) < 0 ||
            (error = form_none(r, "connector", f->type)) < 0 ||
            (error = form_need(r, "address", f->address, sizeof(f->address))) < 0 ||
            (error = form_need(r, "smtp", f->smtp, sizeof(f->smtp))) < 0 ||
            (error = og_http__console_form(r, "from", f->from, sizeof(f->from))) < 0)
            return error;
        /* as the API: the SMTP URL (it may hold credentials) is the secret */
        if (!(*cfg = json_pack("{s:s?}", "from", f->from[0] ? f->from : NULL)))
            return og_error_set(OG_ERROR, "out of memory");
        *target = f->address;
        *secret = f->smtp;
    } else if (strcmp(f->type, "psa") == 0) {
        if ((error = form_none(r, "url", f->type)) < 0 ||
            (error = form_none(r, "secret", f->type)) < 0 ||
            (error = form_none(r, "address", f->type)) < 0 ||
            (error = form_none(r, "smtp", f->type)) < 0 ||
            (error = form_need(r, "connector", f->connector, sizeof(f->connector))) < 0)
            return error;
        *target = f->connector;
        *secret = "";
    } else {
        return og_error_set(OG_EINVAL,
                            "field 'type': unknown channel type '%.32s' (webhook, email or psa)",
                            f->type);
    }
    return 0;
}

/* POST S/notify-channels (type, url + secret | address + smtp + from | connector, events). */
int og_http__console_channel_add(og_http_req *r)
{
    const char *tenant, *target = NULL, *secret = NULL;
    channel_form *f = calloc(1, sizeof(*f));
    json_t *cfg = NULL, *rec = NULL;
    char id[OG_ID_LEN], msg[1200];
    int error;
    if (!f)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = channel_read(r, f, &target, &secret, &cfg)) < 0 ||
        (error = og_notify_channel_add(&r->ctx, tenant, f->type, target, secret, strlen(secret),
                                       cfg, f->events, id)) < 0 ||
        (error = og_notify_channel_get(&r->ctx, tenant, id, &rec)) < 0)
        goto cleanup;
    snprintf(msg, sizeof(msg), "Channel added: %s %s.", f->type,
             json_string_value(json_object_get(rec, "target")));
    error = page_said(r, tenant, msg);
cleanup:
    /* the secrets leave the request only sealed: wipe the decoded copies and the raw body */
    og_crypto_wipe(f, sizeof(*f));
    free(f);
    if (r->body.data)
        og_crypto_wipe(r->body.data, r->body.len);
    json_decref(cfg);
    json_decref(rec);
    return error;
}

/* POST S/notify-channels/{id}/remove */
int og_http__console_channel_remove(og_http_req *r)
{
    const char *tenant, *id;
    json_t *rec = NULL;
    char msg[800];
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_id(r, "id", "channel id", &id)) < 0 ||
        (error = og_notify_channel_get(&r->ctx, tenant, id, &rec)) < 0)
        return error;
    snprintf(msg, sizeof(msg), "Channel removed: %s %s.",
             json_string_value(json_object_get(rec, "type")),
             json_string_value(json_object_get(rec, "target")));
    json_decref(rec);
    if ((error = og_notify_channel_remove(&r->ctx, tenant, id)) < 0)
        return error;
    return page_said(r, tenant, msg);
}

/* ---- connectors ---- */

static void wipe_strings(json_t *o)
{
    const char *k;
    json_t *x;
    json_object_foreach(o, k, x) if (json_is_string(x))
        og_crypto_wipe((char *)json_string_value(x), json_string_length(x));
}

/* The kind's credential fields from the form (cred_<field>; empty ones left out, so the library
 * names a missing required field): only the kind's own fields are read, nothing else (no
 * options: the console sets none). */
static int creds_read(og_http_req *r, const char *kind, json_t *creds)
{
    json_t *kinds = NULL, *k, *f;
    char *buf = malloc(CRED_MAX + 1), field[96];
    size_t i, j;
    int error = 0, found = 0;
    if (!buf)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_connector_kinds(&kinds)) < 0)
        goto cleanup;
    json_array_foreach(kinds, i, k)
    {
        if (!og_streq(json_string_value(json_object_get(k, "kind")), kind))
            continue;
        found = 1;
        json_array_foreach(json_object_get(k, "fields"), j, f)
        {
            const char *name = json_string_value(json_object_get(f, "name"));
            snprintf(field, sizeof(field), "cred_%s", name ? name : "");
            if ((error = og_http__console_form(r, field, buf, CRED_MAX + 1)) < 0)
                goto cleanup;
            if (buf[0])
                json_object_set_new(creds, name, json_string(buf));
            og_crypto_wipe(buf, strlen(buf));
        }
    }
    if (!found)
        error = og_error_set(OG_EINVAL, "field 'kind': unknown connector kind '%.32s'", kind);
cleanup:
    og_crypto_wipe(buf, CRED_MAX + 1);
    free(buf);
    json_decref(kinds);
    return error;
}

/* POST S/connectors (name, kind, base_url, cred_<field>...): og_connector_add as the API's POST,
 * in the path's tenant (never the platform's), base URL under the same egress policy. */
int og_http__console_connector_add(og_http_req *r)
{
    const char *tenant;
    char name[64], kind[33], url[512], msg[900];
    json_t *creds = json_object(), *out = NULL;
    int error;
    if (!creds)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = form_need(r, "name", name, sizeof(name))) < 0 ||
        (error = form_need(r, "kind", kind, sizeof(kind))) < 0 ||
        (error = og_http__console_form(r, "base_url", url, sizeof(url))) < 0 ||
        (error = creds_read(r, kind, creds)) < 0)
        goto cleanup;
    og_connector_spec spec = {.tenant = tenant,
                              .name = name,
                              .kind = kind,
                              .base_url = url[0] ? url : NULL,
                              .credentials = creds,
                              .options = NULL};
    if ((error = og_connector_add(&r->ctx, &spec, &out)) < 0)
        goto cleanup;
    char shown[600];
    og_url_redact(json_string_value(json_object_get(out, "base_url"))
                      ? json_string_value(json_object_get(out, "base_url"))
                      : "",
                  shown, sizeof(shown));
    snprintf(msg, sizeof(msg), "Connector %s added (%s, %s).", name, kind, shown);
    error = page_said(r, tenant, msg);
cleanup:
    wipe_strings(creds);
    if (r->body.data)
        og_crypto_wipe(r->body.data, r->body.len);
    json_decref(creds);
    json_decref(out);
    return error;
}

/* POST S/connectors/{connector}/remove */
int og_http__console_connector_remove(og_http_req *r)
{
    const char *tenant, *name;
    char msg[200];
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "connector", &name)) < 0 ||
        (error = og_connector_remove(&r->ctx, tenant, name)) < 0)
        return error;
    snprintf(msg, sizeof(msg), "Connector %s removed.", name);
    return page_said(r, tenant, msg);
}

/* POST S/connectors/{connector}/sync: og_connector_sync as the API's (trigger manual); a sync
 * that ran and failed is the answer (200 with its outcome and error), as the API's. */
int og_http__console_connector_sync(og_http_req *r)
{
    const char *tenant, *name;
    json_t *out = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "connector", &name)) < 0)
        return error;
    og_connector_sync_opts opts = {.full = 0, .remote_id = NULL, .trigger = "manual"};
    error = og_connector_sync(&r->ctx, tenant, name, &opts, &out);
    if (!out)
        return error < 0 ? error : og_error_set(OG_ERROR, "the sync gave no outcome");
    og_error_clear();
    json_object_set_new(out, "name", json_string(name));
    json_object_set_new(
        out, "failed",
        json_boolean(!og_streq(json_string_value(json_object_get(out, "outcome")), "ok")));
    json_object_set_new(out, "has_unmapped",
                        json_boolean(json_array_size(json_object_get(out, "unmapped_companies"))));
    return page_with(r, tenant, "synced", out);
}
