/* notify_api.c - the HTTP face of notification channels: a tenant's (/api/v1/tenants/{tenant}/
 * notify-channels) and the platform's (/api/v1/notify-channels). Thin handlers over og_notify_*,
 * which decides who may do what; here input is validated and replies are shaped, the same as
 * `opsgate notify` does on the CLI. */
#include "http/parity_api.h"
#include "opsgate/egress.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/notify.h"

#include <stdio.h>
#include <string.h>

#define EVENTS_FIELD_MAX 1024

/* The scope of the route: the {tenant} path parameter, or the platform's channels. */
static int scope_of(og_http_req *r, const char **out)
{
    if (!og_http__param(&r->match, "tenant")) {
        *out = OG_NOTIFY_PLATFORM;
        return 0;
    }
    return og_http__param_ref(r, "tenant", out);
}

/* Field "events": "certs.*,gate.review" or ["certs.*", "gate.review"], into the library's
 * comma-separated form (checked there). *out is "" when absent (every event). */
static int field_events(json_t *body, char *out, size_t size)
{
    json_t *v = json_object_get(body, "events"), *x;
    size_t i;
    out[0] = '\0';
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        if (strlen(json_string_value(v)) >= size)
            return og_error_set(OG_EINVAL, "field 'events' is longer than %zu characters",
                                size - 1);
        og_strlcpy(out, json_string_value(v), size);
        return 0;
    }
    if (!json_is_array(v))
        return og_error_set(OG_EINVAL, "field 'events' must be a list of event patterns (like "
                                       "[\"certs.*\", \"gate.review\"]) or one comma-separated "
                                       "string");
    if (json_array_size(v) == 0)
        return og_error_set(OG_EINVAL, "field 'events' is empty (omit it, or [\"*\"], for every "
                                       "event)");
    json_array_foreach(v, i, x)
    {
        const char *p = json_string_value(x);
        size_t l = strlen(out);
        if (!p || !*p || strchr(p, ','))
            return og_error_set(OG_EINVAL,
                                "field 'events': item %zu must be one event pattern "
                                "(a non-empty string without commas)",
                                i);
        if (l + strlen(p) + 2 > size)
            return og_error_set(OG_EINVAL, "field 'events' is too long");
        snprintf(out + l, size - l, "%s%s", l ? "," : "", p);
    }
    return 0;
}

int og_http__notify_channel_list(og_http_req *r)
{
    const char *scope;
    json_t *list = NULL;
    int error;
    if ((error = scope_of(r, &scope)) < 0 ||
        (error = og_notify_channel_list(&r->ctx, scope, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "channels", list));
}

int og_http__notify_channel_get(og_http_req *r)
{
    const char *scope, *id;
    json_t *c = NULL;
    int error;
    if ((error = scope_of(r, &scope)) < 0 ||
        (error = og_http__param_id(r, "id", "channel id", &id)) < 0 ||
        (error = og_notify_channel_get(&r->ctx, scope, id, &c)) < 0)
        return error;
    return og_http__reply(r, 200, c);
}

/* A field that does not belong to the channel type is refused, not ignored. */
static int no_field(json_t *body, const char *field, const char *type)
{
    if (json_object_get(body, field))
        return og_error_set(OG_EINVAL, "field '%s' does not apply to a %s channel", field, type);
    return 0;
}

int og_http__notify_channel_add(og_http_req *r)
{
    static const char *const fields[] = {"type", "url",    "secret",    "address", "smtp",
                                         "from", "events", "connector", NULL};
    int error = -1;
    json_t *body = NULL, *cfg = NULL, *rec = NULL;
    const char *scope, *type, *target = NULL, *secret = NULL, *from = NULL;
    char id[OG_ID_LEN], events[EVENTS_FIELD_MAX];

    if ((error = scope_of(r, &scope)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "type", 1, &type)) < 0 ||
        (error = field_events(body, events, sizeof(events))) < 0)
        goto cleanup;
    if (strcmp(type, "webhook") == 0) {
        if ((error = no_field(body, "address", type)) < 0 ||
            (error = no_field(body, "smtp", type)) < 0 ||
            (error = no_field(body, "from", type)) < 0 ||
            (error = og_http__field_str_max(body, "url", 1, 1000, &target)) < 0 ||
            (error = og_http__field_str(body, "secret", 1, &secret)) < 0)
            goto cleanup;
        if (strlen(secret) < 16 || strlen(secret) > 4096) {
            error = og_error_set(OG_EINVAL, "field 'secret' must be 16 to 4096 bytes");
            goto cleanup;
        }
    } else if (strcmp(type, "email") == 0) {
        if ((error = no_field(body, "url", type)) < 0 ||
            (error = no_field(body, "secret", type)) < 0 ||
            (error = og_http__field_str_max(body, "address", 1, 254, &target)) < 0 ||
            (error = og_http__field_str_max(body, "smtp", 1, 1000, &secret)) < 0 ||
            (error = og_http__field_str_max(body, "from", 0, 254, &from)) < 0)
            goto cleanup;
        /* As `notify add email --smtp`: the SMTP URL (it may hold credentials) is the secret. */
        if (!(cfg = json_pack("{s:s?}", "from", from))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    } else if (strcmp(type, "psa") == 0) {
        /* a connector's name: the connector holds the credentials */
        if ((error = no_field(body, "url", type)) < 0 ||
            (error = no_field(body, "secret", type)) < 0 ||
            (error = no_field(body, "address", type)) < 0 ||
            (error = no_field(body, "smtp", type)) < 0 ||
            (error = og_http__field_str_max(body, "connector", 1, 63, &target)) < 0)
            goto cleanup;
        secret = "";
    } else {
        error = og_error_set(OG_EINVAL,
                             "field 'type': unknown channel type '%.32s' (webhook, email or "
                             "psa)",
                             type);
        goto cleanup;
    }
    if ((error = og_notify_channel_add(&r->ctx, scope, type, target, secret, strlen(secret), cfg,
                                       events, id)) < 0 ||
        (error = og_notify_channel_get(&r->ctx, scope, id, &rec)) < 0)
        goto cleanup;
    if (strcmp(scope, OG_NOTIFY_PLATFORM) == 0)
        snprintf(r->location, sizeof(r->location), "/api/v1/notify-channels/%s", id);
    else
        snprintf(r->location, sizeof(r->location), "/api/v1/tenants/%s/notify-channels/%s", scope,
                 id);
    error = og_http__reply(r, 201, rec);
    rec = NULL;
cleanup:
    /* The secret leaves the request only sealed: wipe the parsed copy and the raw body. */
    if (secret && *secret)
        og_crypto_wipe((char *)secret, strlen(secret));
    if (r->body.data)
        og_crypto_wipe(r->body.data, r->body.len);
    json_decref(rec);
    json_decref(cfg);
    json_decref(body);
    return error;
}

int og_http__notify_channel_set_events(og_http_req *r)
{
    static const char *const fields[] = {"events", NULL};
    const char *scope, *id;
    json_t *body = NULL, *rec = NULL;
    char events[EVENTS_FIELD_MAX];
    int error;
    if ((error = scope_of(r, &scope)) < 0 ||
        (error = og_http__param_id(r, "id", "channel id", &id)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0)
        goto cleanup;
    if (!json_object_get(body, "events")) {
        error = og_error_set(OG_EINVAL, "missing field 'events' (like [\"certs.*\", "
                                        "\"gate.review\"], or [\"*\"] for every event)");
        goto cleanup;
    }
    if ((error = field_events(body, events, sizeof(events))) < 0 ||
        (error = og_notify_channel_set_events(&r->ctx, scope, id, events)) < 0 ||
        (error = og_notify_channel_get(&r->ctx, scope, id, &rec)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, rec);
    rec = NULL;
cleanup:
    json_decref(rec);
    json_decref(body);
    return error;
}

int og_http__notify_channel_remove(og_http_req *r)
{
    const char *scope, *id;
    int error;
    if ((error = scope_of(r, &scope)) < 0 ||
        (error = og_http__param_id(r, "id", "channel id", &id)) < 0 ||
        (error = og_notify_channel_remove(&r->ctx, scope, id)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

int og_http__notify_test(og_http_req *r)
{
    const char *scope, *id;
    json_t *report = NULL, *x;
    size_t i;
    int error, failed = 0;
    if ((error = scope_of(r, &scope)) < 0 ||
        (error = og_http__param_id(r, "id", "channel id", &id)) < 0)
        return error;
    error = og_notify_test(&r->ctx, scope, id, &report);
    json_array_foreach(report, i, x) failed |= !json_is_true(json_object_get(x, "ok"));
    /* A channel that refused the test is the answer to the question asked, not an API error:
     * 200 with "ok": false and the channel's error. Anything else keeps its status. */
    if (error < 0 && !failed) {
        json_decref(report);
        return error;
    }
    og_error_clear();
    return og_http__reply(
        r, 200, json_pack("{s:b, s:o}", "ok", !failed, "results", report ? report : json_array()));
}

/* GET /api/v1/notify-event-types: the event types channels may choose, as `notify events`. */
int og_http__notify_event_types(og_http_req *r)
{
    json_t *arr = json_array();
    for (int i = 0; arr && og_notify_event_types[i]; i++)
        json_array_append_new(arr, json_string(og_notify_event_types[i]));
    return og_http__reply(r, 200, json_pack("{s:o}", "event_types", arr));
}

/* ---- the egress policy's allowed ranges, as `notify egress allow|list|remove`: platform-admins
 * (the library checks it and audits on the platform chain) ---- */

int og_http__notify_egress_list(og_http_req *r)
{
    json_t *arr = NULL;
    int error = og_egress_allow_list(&r->ctx, &arr);
    if (error < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "ranges", arr));
}

/* POST /api/v1/notify-egress {"range": "10.0.0.0/8", "note"?} -> 201 {"range", "note"}. */
int og_http__notify_egress_allow(og_http_req *r)
{
    static const char *const fields[] = {"range", "note", NULL};
    const char *range, *note = NULL;
    json_t *body = NULL;
    int error;
    if ((error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "range", 1, 64, &range)) < 0 ||
        (error = og_http__field_str_max(body, "note", 0, 500, &note)) < 0 ||
        (error = og_egress_allow_add(&r->ctx, range, note)) < 0)
        goto cleanup;
    snprintf(r->location, sizeof(r->location), "/api/v1/notify-egress");
    error = og_http__reply(r, 201, json_pack("{s:s, s:s?}", "range", range, "note", note));
cleanup:
    json_decref(body);
    return error;
}

/* DELETE /api/v1/notify-egress/{address}/{prefix}: the range address/prefix (the CIDR's slash
 * is the path's). */
int og_http__notify_egress_remove(og_http_req *r)
{
    const char *addr = og_http__param(&r->match, "address"),
               *prefix = og_http__param(&r->match, "prefix");
    char cidr[128];
    int error;
    if (!addr || !prefix ||
        snprintf(cidr, sizeof(cidr), "%s/%s", addr, prefix) >= (int)sizeof(cidr))
        return og_error_set(OG_EINVAL, "the range is not address/prefix");
    if ((error = og_egress_allow_remove(&r->ctx, cidr)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}
