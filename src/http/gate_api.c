/* gate_api.c - the HTTP face of gates and events (issue 4): thin handlers over og_gate_* and
 * og_events_*, which decide who may do what; here input is validated and replies are shaped, the
 * same as `opsgate gate|events` do on the CLI. Notification channels: notify_api.c. */
#include "http/server.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

/* og_gate_decide() refuses longer notes (as too big); the API reports it as a bad field. */
#define GATE_NOTE_MAX 4096
/* The widths og_gate_request() keeps; longer values are refused rather than cut. */
#define GATE_TARGET_TYPE_MAX 63
#define GATE_TARGET_ID_MAX   255

static const char *const gate_decisions[] = {"approve",  "reject", "ack",    "override",
                                             "escalate", "done",   "failed", NULL};

/* ---- input helpers ---- */

/* An optional JSON object field; *out borrowed from obj, NULL when absent or null. */
static int field_object(json_t *obj, const char *field, json_t **out)
{
    json_t *v = json_object_get(obj, field);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return og_error_set(OG_EINVAL, "field '%s' must be a JSON object", field);
    *out = v;
    return 0;
}

/* A duration field ("30s", "4h", "2d") that must be positive; *us stays 0 when absent. */
static int field_duration(json_t *obj, const char *field, int64_t *us)
{
    const char *s;
    int error;
    *us = 0;
    if ((error = og_http__field_str(obj, field, 0, &s)) < 0 || !s)
        return error;
    if (og_duration_parse(s, us) < 0 || *us <= 0)
        return og_error_set(OG_EINVAL,
                            "field '%s': '%.32s' is not a positive duration (e.g. 30s, 4h, 2d)",
                            field, s);
    return 0;
}

/* ---- gate items ---- */

int og_http__gate_list(og_http_req *r)
{
    const char *tenant, *state = og_http__query(r, "state");
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    if (state && strcmp(state, "pending") && strcmp(state, "review") && strcmp(state, "task") &&
        strcmp(state, "done"))
        return og_error_set(OG_EINVAL,
                            "query 'state': '%.32s' is not a gate state (pending, review, task or "
                            "done)",
                            state);
    /* ?limit=&offset=: a page, with the total (og_gate_list_page); without them, as before. */
    int64_t limit = 1000, offset = 0, total = 0;
    int paged = og_http__query(r, "limit") || og_http__query(r, "offset");
    if ((og_http__query(r, "limit") &&
         (error = og_http__query_i64(r, "limit", 1, 1000, &limit)) < 0) ||
        (og_http__query(r, "offset") &&
         (error = og_http__query_i64(r, "offset", 0, 1000000, &offset)) < 0))
        return error;
    if (paged) {
        if ((error = og_gate_list_page(&r->ctx, tenant, state, (int)limit, (int)offset, &list,
                                       &total)) < 0)
            return error;
        return og_http__reply(r, 200, json_pack("{s:o, s:I}", "gates", list, "total", total));
    }
    if ((error = og_gate_list(&r->ctx, tenant, state, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "gates", list));
}

int og_http__gate_request(og_http_req *r)
{
    static const char *const fields[] = {"kind",   "target_type",    "target_id",
                                         "params", "recommendation", NULL};
    int error = -1, status;
    json_t *body = NULL, *params, *rec, *out = NULL;
    const char *tenant, *kind, *ttype, *tid;
    og_gate_outcome oc;

    memset(&oc, 0, sizeof(oc));
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "kind", 1, 63, &kind)) < 0 ||
        (error = og_http__field_str_max(body, "target_type", 0, GATE_TARGET_TYPE_MAX, &ttype)) <
            0 ||
        (error = og_http__field_str_max(body, "target_id", 0, GATE_TARGET_ID_MAX, &tid)) < 0 ||
        (error = field_object(body, "params", &params)) < 0 ||
        (error = field_object(body, "recommendation", &rec)) < 0)
        goto cleanup;
    if (!og_gate_kind_find(kind)) {
        error = og_error_set(OG_EINVAL,
                             "field 'kind': unknown action kind '%s' (see GET "
                             "/api/v1/gate-kinds)",
                             kind);
        goto cleanup;
    }
    /* Only requestable kinds: the others belong to their module's own endpoint (403). */
    error = og_gate_request_general(&r->ctx, tenant, kind, ttype, tid, params, rec, &oc);
    /* L2 and L3 answer OG_EPENDING: the request was accepted and waits for a human. */
    if (error < 0 && error != OG_EPENDING)
        goto cleanup;
    status = error == OG_EPENDING ? 202 : 201;
    out = json_pack("{s:s, s:s, s:s, s:I, s:O?}", "gate_id", oc.gate_id, "level",
                    og_gate_level_name(oc.level), "state", oc.state, "audit_seq",
                    (json_int_t)oc.audit_seq, "result", oc.result);
    if (!out) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    snprintf(r->location, sizeof(r->location), "/api/v1/gates/%s", oc.gate_id);
    og_error_clear();
    error = og_http__reply(r, status, out);
    out = NULL;
cleanup:
    json_decref(oc.result);
    json_decref(out);
    json_decref(body);
    return error;
}

int og_http__gate_show(og_http_req *r)
{
    const char *id;
    json_t *doc = NULL;
    int error;
    if ((error = og_http__param_id(r, "id", "gate item id", &id)) < 0 ||
        (error = og_gate_show(&r->ctx, id, &doc)) < 0)
        return error;
    return og_http__reply(r, 200, doc);
}

/*
 * og_gate_decide() said "not found". When the item is there and the decision ran its action,
 * which then failed for want of something (a certificate's key, a target), the item is now
 * failed: a 404 would say the gate item does not exist. Answer 409 with the action's message and
 * the item's outcome. When the item cannot be shown, it is the item that was not found: 404.
 */
static int action_not_found(og_http_req *r, const char *id, const char *decision)
{
    char msg[512];
    json_t *doc = NULL;
    og_strlcpy(msg, og_error_last(), sizeof(msg));
    if (og_gate_show(&r->ctx, id, &doc) < 0 || !json_is_true(json_object_get(doc, "failed"))) {
        json_decref(doc);
        return og_error_set(OG_ENOTFOUND, "%s", msg);
    }
    char text[700];
    snprintf(text, sizeof(text), "gate item %s: '%s' ran its action, which failed: %s", id,
             decision, msg);
    json_t *body = json_pack("{s:{s:s,s:s},s:o}", "error", "code", og_error_name(OG_ECONFLICT),
                             "message", text, "gate", doc);
    return og_http__reply(r, 409, body);
}

int og_http__gate_decide(og_http_req *r)
{
    static const char *const fields[] = {"note", NULL};
    int error = -1, known = 0;
    json_t *body = NULL, *doc = NULL;
    const char *id, *note, *decision = og_http__param(&r->match, "decision");

    /* The decision is checked first, so an unknown one is 400 whether or not the item exists. */
    for (size_t i = 0; decision && gate_decisions[i]; i++)
        known |= strcmp(decision, gate_decisions[i]) == 0;
    if (!known) {
        error = og_error_set(OG_EINVAL,
                             "unknown decision '%.64s' (approve, reject, ack, override, escalate, "
                             "done or failed)",
                             decision ? decision : "");
        goto cleanup;
    }
    if ((error = og_http__param_id(r, "id", "gate item id", &id)) < 0 ||
        (error = og_http__body_object(r, 1, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "note", 0, &note)) < 0)
        goto cleanup;
    if (note && strlen(note) > GATE_NOTE_MAX) {
        error = og_error_set(OG_EINVAL, "field 'note' is longer than %d bytes", GATE_NOTE_MAX);
        goto cleanup;
    }
    if ((error = og_gate_decide(&r->ctx, id, decision, note)) == OG_ENOTFOUND) {
        error = action_not_found(r, id, decision);
        goto cleanup;
    }
    if (error < 0 || (error = og_gate_show(&r->ctx, id, &doc)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, doc);
    doc = NULL;
cleanup:
    json_decref(doc);
    json_decref(body);
    return error;
}

int og_http__gate_kinds(og_http_req *r)
{
    json_t *kinds = og_gate_kinds_json();
    if (!kinds)
        return og_error_set(OG_ERROR, "out of memory");
    return og_http__reply(r, 200, json_pack("{s:o}", "kinds", kinds));
}

/* GET /api/v1/gate-stats?tenant=T&window=24h: the /metrics gate counters by hour (og_gate_stats);
 * the tenant is the query's, else the token's, else every tenant (platform actors). */
int og_http__gate_stats(og_http_req *r)
{
    const char *tenant = og_http__query(r, "tenant"), *window = og_http__query(r, "window");
    int64_t window_us = 0;
    json_t *out = NULL;
    int error;
    if (tenant && *tenant && !og_name_valid(tenant) && !og_id_valid(tenant))
        return og_error_set(OG_EINVAL, "query 'tenant': '%.64s' is not a valid name or id", tenant);
    if ((!tenant || !*tenant) && r->ctx.actor.tenant_id[0])
        tenant = r->ctx.actor.tenant_id;
    if (!window || !*window)
        window = "24h";
    if (strlen(window) > 16 || og_duration_parse(window, &window_us) < 0) {
        og_error_clear();
        return og_error_set(OG_EINVAL, "query 'window': '%.16s' is not a duration (24h, 7d)",
                            window);
    }
    if ((error = og_gate_stats(&r->ctx, tenant, window_us, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}

/* ---- policy, timing, assignees ---- */

/* Reply with the tenant's whole policy document: what a setter changed, in context. */
static int reply_policy(og_http_req *r, const char *tenant)
{
    json_t *doc = NULL;
    int error = og_gate_policy_show(&r->ctx, tenant, &doc);
    if (error < 0)
        return error;
    return og_http__reply(r, 200, doc);
}

int og_http__gate_policy_show(og_http_req *r)
{
    const char *tenant;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    return reply_policy(r, tenant);
}

int og_http__gate_policy_set(og_http_req *r)
{
    static const char *const fields[] = {"level", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *tenant, *kind, *level_s;
    og_gate_level level;
    og_gate_outcome oc;

    memset(&oc, 0, sizeof(oc));

    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "kind", &kind)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "level", 1, &level_s)) < 0)
        goto cleanup;
    if (og_gate_level_parse(level_s, &level) < 0) {
        error = og_error_set(OG_EINVAL,
                             "field 'level': '%.16s' is not a gate level (L0, L1, L2 "
                             "or L3)",
                             level_s);
        goto cleanup;
    }
    if (!og_gate_kind_find(kind)) {
        error =
            og_error_set(OG_EINVAL, "unknown action kind '%s' (see GET /api/v1/gate-kinds)", kind);
        goto cleanup;
    }
    error = og_gate_policy_change(&r->ctx, tenant, kind, level, &oc);
    if (error == OG_EPENDING) {
        /* a lowering below another's level: accepted, waiting for a second tenant-admin */
        json_decref(oc.result);
        snprintf(r->location, sizeof(r->location), "/api/v1/gates/%s", oc.gate_id);
        error = og_http__reply(r, 202,
                               json_pack("{s:s, s:s, s:s, s:s, s:s}", "status", "pending", "state",
                                         "pending", "gate_id", oc.gate_id, "kind", kind, "message",
                                         og_error_last()));
        og_error_clear();
        goto cleanup;
    }
    if (error < 0)
        goto cleanup;
    error = reply_policy(r, tenant);
cleanup:
    json_decref(body);
    return error;
}

int og_http__gate_settings_set(og_http_req *r)
{
    static const char *const fields[] = {"approval_timeout", "review_window", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *tenant;
    int64_t approval = 0, review = 0;

    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = field_duration(body, "approval_timeout", &approval)) < 0 ||
        (error = field_duration(body, "review_window", &review)) < 0)
        goto cleanup;
    if (!approval && !review) {
        error = og_error_set(OG_EINVAL, "give 'approval_timeout', 'review_window' or both");
        goto cleanup;
    }
    if ((error = og_gate_timing_set(&r->ctx, tenant, approval, review)) < 0)
        goto cleanup;
    error = reply_policy(r, tenant);
cleanup:
    json_decref(body);
    return error;
}

int og_http__gate_assignee_set(og_http_req *r)
{
    static const char *const fields[] = {"user", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *tenant, *area, *user;

    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "area", &area)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "user", 1, &user)) < 0)
        goto cleanup;
    if (!og_name_valid(user) && !og_id_valid(user)) {
        error = og_error_set(OG_EINVAL, "field 'user': '%.64s' is not a valid name or id", user);
        goto cleanup;
    }
    if ((error = og_gate_assignee_set(&r->ctx, tenant, area, user)) < 0)
        goto cleanup;
    error = reply_policy(r, tenant);
cleanup:
    json_decref(body);
    return error;
}

int og_http__gate_assignee_clear(og_http_req *r)
{
    const char *tenant, *area;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "area", &area)) < 0 ||
        (error = og_gate_assignee_set(&r->ctx, tenant, area, NULL)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* ---- events ---- */

int og_http__events_list(og_http_req *r)
{
    const char *tenant = og_http__query(r, "tenant"), *state = og_http__query(r, "state");
    json_t *list = NULL;
    int error;
    if (tenant && *tenant && !og_name_valid(tenant) && !og_id_valid(tenant))
        return og_error_set(OG_EINVAL, "query 'tenant': '%.64s' is not a valid name or id", tenant);
    /* Without ?tenant= a tenant's token sees its own tenant; a platform token sees all. */
    if (!tenant || !*tenant)
        tenant = r->ctx.actor.tenant_id[0] ? r->ctx.actor.tenant_id : NULL;
    if (state && strcmp(state, "pending") && strcmp(state, "running") && strcmp(state, "done") &&
        strcmp(state, "dead"))
        return og_error_set(OG_EINVAL,
                            "query 'state': '%.32s' is not an event state (pending, running, "
                            "done or dead)",
                            state);
    if ((error = og_events_list(&r->ctx, tenant, state, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "events", list));
}

int og_http__events_retry(og_http_req *r)
{
    const char *id;
    int error;
    if ((error = og_http__param_id(r, "id", "event id", &id)) < 0 ||
        (error = og_events_retry(&r->ctx, id)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:s, s:s}", "event_id", id, "state", "pending"));
}
