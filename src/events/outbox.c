/* outbox.c - writing events in the caller's transaction, listing and retrying deliveries. */
#include "events/events_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

int og_event_emit(og_ctx *ctx, const char *tenant_id, const char *type, json_t *payload,
                  char id_out[OG_ID_LEN])
{
    int error = -1;
    og_stmt *st = NULL;
    char *text = NULL;
    json_t *named = NULL;
    char id[OG_ID_LEN], now[OG_TIME_LEN], actor[160];
    int64_t now_us = og_time_now_us();

    if (!type || !*type || strlen(type) >= sizeof(((og_event *)0)->type))
        return og_error_set(OG_EINVAL, "bad event type '%s' (1 to 63 characters)",
                            type ? type : "");
    if (payload && !json_is_object(payload))
        return og_error_set(OG_EINVAL, "event '%s': the payload must be a JSON object", type);
    /* The whole point of the outbox: the event exists iff the change that causes it commits. */
    if (og_store_tx_depth(ctx->store) <= 0)
        return og_error_set(OG_ERROR, "events: og_event_emit needs the caller's open transaction");
    /* Events carry what their readers need: a notification names the client by its name, and no
     * reader has to look it up in another module's tables. The name as of the event. */
    if (tenant_id && *tenant_id && !json_object_get(payload, "tenant_name")) {
        og_ctx sys = *ctx;
        og_tenant t;
        og_actor_system(&sys.actor, "events");
        int rc = og_tenant_get(&sys, tenant_id, &t);
        if (rc == 0) {
            named = payload ? json_copy(payload) : json_object();
            if (named)
                json_object_set_new(named, "tenant_name", json_string(t.name));
        } else if (rc == OG_ENOTFOUND) {
            og_error_clear(); /* an unknown tenant fails below, on the foreign key */
        } else {
            return rc; /* a failed lookup is the emit's failure: never an event without its name */
        }
    }
    text = named     ? json_dumps(named, JSON_COMPACT | JSON_SORT_KEYS)
           : payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS)
                     : strdup("{}");
    json_decref(named);
    if (!text)
        return og_error_set(OG_ERROR, "out of memory");
    og_id_new(id);
    og_time_format(now_us, now);
    og_actor_label(&ctx->actor, actor, sizeof(actor));
    /* In a scoped writer transaction (PostgreSQL) events of other scopes are written side by
     * side: one emitter at a time until commit, so that seq order is commit order and a handler's
     * cursor never passes an event still to commit (nothing to take otherwise). */
    if ((error = og_store_lock(ctx->store, "events:outbox")) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO events (id, tenant_id, type, payload, actor,"
                                 " created_at, created_us) VALUES (?, ?, ?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, tenant_id && *tenant_id ? tenant_id : NULL);
    og_stmt_bind_text(st, 3, type);
    og_stmt_bind_text(st, 4, text);
    og_stmt_bind_text(st, 5, actor);
    og_stmt_bind_text(st, 6, now);
    og_stmt_bind_int(st, 7, now_us);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (id_out)
        memcpy(id_out, id, OG_ID_LEN);
    og_events__kick(); /* this process's workers: a pass once the caller has committed */
    error = 0;
cleanup:
    og_stmt_free(st);
    free(text);
    return error;
}

int og_event_seen(og_ctx *ctx, const char *handler, const char *event_id)
{
    char now[OG_TIME_LEN];
    if (!handler || !*handler || !event_id || !*event_id)
        return og_error_set(OG_EINVAL, "og_event_seen needs a handler name and an event id");
    og_time_format(og_time_now_us(), now);
    int error = og_store_run(ctx->store,
                             "INSERT INTO event_seen (handler, event_id, at) VALUES (?, ?, ?)"
                             " ON CONFLICT (handler, event_id) DO NOTHING",
                             "ttt", handler, event_id, now);
    if (error >= 0)
        error = og_store_changes(ctx->store) == 0 ? 1 : 0;
    return error;
}

/* Resolve the tenant filter of list/retry: a name or id the actor may read, or NULL for all
 * (platform actors only). */
static int resolve_scope(og_ctx *ctx, const char *tenant, char tid[OG_ID_LEN])
{
    og_tenant t;
    int error;
    tid[0] = '\0';
    if (!tenant || !*tenant)
        return og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM);
    if ((error = og_tenant_get(ctx, tenant, &t)) < 0)
        return error;
    if ((error = og_authz_check(&ctx->actor, t.id, OG_PERM_READ)) < 0)
        return error;
    og_strlcpy(tid, t.id, OG_ID_LEN);
    return 0;
}

static json_t *text_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* One delivery (or an event not fanned out yet) as listed. */
static json_t *delivery_row(og_stmt *st, void *arg)
{
    char next[OG_TIME_LEN];
    json_t *payload = json_loads(og_stmt_col_text(st, 4), 0, NULL);
    json_t *o = json_object();
    (void)arg;
    if (!o) {
        json_decref(payload);
        return NULL;
    }
    json_object_set_new(o, "id", json_string(og_stmt_col_text(st, 0)));
    json_object_set_new(o, "type", json_string(og_stmt_col_text(st, 1)));
    json_object_set_new(o, "tenant_id", text_or_null(og_stmt_col_text(st, 2)));
    json_object_set_new(o, "created_at", json_string(og_stmt_col_text(st, 3)));
    json_object_set_new(o, "handler", text_or_null(og_stmt_col_text(st, 5)));
    json_object_set_new(o, "state", json_string(og_stmt_col_text(st, 6)));
    json_object_set_new(o, "attempts", json_integer(og_stmt_col_int(st, 7)));
    if (!og_stmt_col_is_null(st, 8)) {
        og_time_format(og_stmt_col_int(st, 8), next);
        json_object_set_new(o, "next_attempt_at", json_string(next));
    } else {
        json_object_set_new(o, "next_attempt_at", json_null());
    }
    json_object_set_new(o, "last_error", text_or_null(og_stmt_col_text(st, 9)));
    json_object_set_new(o, "updated_at", text_or_null(og_stmt_col_text(st, 10)));
    json_object_set_new(o, "payload", payload ? payload : json_object());
    return o;
}

int og_events_list(og_ctx *ctx, const char *tenant, const char *state, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    char tid[OG_ID_LEN];
    static const char *const states[] = {"pending", "running", "done", "dead", NULL};
    int known = state == NULL;
    for (size_t i = 0; state && states[i]; i++)
        known |= strcmp(state, states[i]) == 0;
    if (!known)
        return og_error_set(OG_EINVAL, "unknown event state '%s' (pending, running, done or dead)",
                            state);
    if ((error = resolve_scope(ctx, tenant, tid)) < 0)
        return error;
    /* Events not fanned out yet have no delivery row: they show as pending with no handler. */
    if ((error = og_stmt_prepare_args(
             &st, ctx->store,
             "SELECT e.id, e.type, e.tenant_id, e.created_at, e.payload, d.handler,"
             " COALESCE(d.state, 'pending'), COALESCE(d.attempts, 0), d.next_us, d.last_error,"
             " d.updated_at FROM events e LEFT JOIN event_deliveries d ON d.event_id = e.id"
             " WHERE (?1 = '' OR e.tenant_id = ?1) AND (?2 = '' OR"
             " COALESCE(d.state, 'pending') = ?2) ORDER BY e.seq, d.handler LIMIT 10000",
             "tt", tid, state ? state : "")) < 0)
        return error;
    error = og_stmt_collect(st, delivery_row, NULL, out);
    og_stmt_free(st);
    return error;
}

int og_events_retry(og_ctx *ctx, const char *event_id)
{
    int error = -1;
    og_stmt *st = NULL;
    char tid[OG_ID_LEN] = "", now[OG_TIME_LEN];
    json_t *analysis = NULL;
    int64_t n;
    if (!event_id || !og_id_valid(event_id))
        return og_error_set(OG_EINVAL, "bad event id '%s'", event_id ? event_id : "");
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT COALESCE(tenant_id, '') FROM events WHERE id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, event_id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "event '%s' not found", event_id);
        goto cleanup;
    }
    og_strlcpy(tid, og_stmt_col_text(st, 0), sizeof(tid));
    og_stmt_free(st);
    st = NULL;
    /* Retrying re-runs side effects: writers of the tenant, or platform for platform events. */
    if ((error = og_authz_check(&ctx->actor, tid, OG_PERM_WRITE)) < 0) {
        if (error == OG_ENOTFOUND)
            og_error_set(OG_ENOTFOUND, "event '%s' not found", event_id);
        goto cleanup;
    }
    og_time_format(og_time_now_us(), now);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE event_deliveries SET state = 'pending', attempts = 0,"
                                 " next_us = ?, lease_us = 0, lease_owner = NULL,"
                                 " updated_at = ?"
                                 " WHERE event_id = ? AND state = 'dead'")) < 0)
        goto cleanup;
    og_stmt_bind_int(st, 1, og_time_now_us());
    og_stmt_bind_text(st, 2, now);
    og_stmt_bind_text(st, 3, event_id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    n = og_store_changes(ctx->store);
    if (n == 0) {
        error = og_error_set(OG_ECONFLICT, "event '%s' has no dead delivery to retry", event_id);
        goto cleanup;
    }
    analysis = json_pack("{s:s, s:I}", "event_id", event_id, "deliveries", (json_int_t)n);
    error = og_audit_log(ctx, tid, "events", "events.retry", "event", event_id, analysis);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
}

int og_events_metrics_render(og_store *s, og_buf *out)
{
    og_stmt *st = NULL;
    int error, rc;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT handler, state, COUNT(*) FROM event_deliveries"
                                 " GROUP BY handler, state ORDER BY handler, state")) < 0)
        return error;
    og_buf_puts(out, "# HELP opsgate_event_deliveries Event deliveries by handler and state.\n"
                     "# TYPE opsgate_event_deliveries gauge\n");
    while ((rc = og_stmt_step(st)) == OG_ROW)
        og_buf_printf(out, "opsgate_event_deliveries{handler=\"%s\",state=\"%s\"} %lld\n",
                      og_stmt_col_text(st, 0), og_stmt_col_text(st, 1),
                      (long long)og_stmt_col_int(st, 2));
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}
