/* deliver.c - delivery of events to channels as an event handler (a tenant's channels and the
 * platform's, each through its event filter), test sends, send status and metrics. */
#include "notify/notify_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Channels per scope an event goes to (a tenant's, then the platform's). */
#define MAX_CHANNELS 64

typedef struct channel_row {
    int platform;
    char id[OG_ID_LEN];
    char type[32];
    char target[1024];
    json_t *config;
    uint8_t *sealed;
    size_t sealed_len;
    uint8_t *sealed_target; /* NULL for a row not sealed yet: target is then as given */
    size_t sealed_target_len;
} channel_row;

static void channels_free(channel_row *rows, int n)
{
    for (int i = 0; i < n; i++) {
        json_decref(rows[i].config);
        free(rows[i].sealed);
        free(rows[i].sealed_target);
    }
}

static uint8_t *blob_dup(og_stmt *st, int col, size_t *len)
{
    size_t n = 0;
    const void *b = og_stmt_col_blob(st, col, &n);
    uint8_t *copy = b && n ? malloc(n) : NULL;
    if (copy)
        memcpy(copy, b, n);
    *len = copy ? n : 0;
    return copy;
}

/* Append to rows[*n..max) the scope's channels: the one with id only, or those that existed
 * when ev was emitted and whose filter matches its type (ev NULL: every one). A channel added
 * later does not get older events: a platform channel added while the bus still fans out a
 * backlog would otherwise receive the whole history of every tenant. */
static int channels_load(og_store *s, const og_notify__scope *sc, const char *only,
                         const og_event *ev, channel_row *rows, int max, int *n)
{
    og_stmt *st = NULL;
    int error, start = *n;
    const char *since = ev ? ev->created_at : "";
    if ((error = og_notify__scope_prepare(&st, s, sc,
                                          "SELECT id, type, target, config, secret, target_sealed,"
                                          " events FROM %T WHERE %O AND (? = '' OR id = ?) AND"
                                          " (? = '' OR created_at <= ?) ORDER BY id")) < 0)
        return error;
    og_stmt_bind_text(st, 1, sc->tid);
    og_stmt_bind_text(st, 2, only ? only : "");
    og_stmt_bind_text(st, 3, only ? only : "");
    og_stmt_bind_text(st, 4, since);
    og_stmt_bind_text(st, 5, since);
    while (*n < max && (error = og_stmt_step(st)) == OG_ROW) {
        channel_row *r = &rows[*n];
        if (ev && !og_notify__events_match(og_stmt_col_text(st, 6), ev->type))
            continue;
        memset(r, 0, sizeof(*r));
        r->platform = sc->platform;
        og_strlcpy(r->id, og_stmt_col_text(st, 0), sizeof(r->id));
        og_strlcpy(r->type, og_stmt_col_text(st, 1), sizeof(r->type));
        og_strlcpy(r->target, og_stmt_col_text(st, 2), sizeof(r->target));
        r->config = json_loads(og_stmt_col_text(st, 3), 0, NULL);
        if (!r->config)
            r->config = json_object();
        r->sealed = blob_dup(st, 4, &r->sealed_len);
        r->sealed_target = blob_dup(st, 5, &r->sealed_target_len);
        (*n)++;
    }
    og_stmt_free(st);
    if (error < 0) {
        channels_free(rows + start, *n - start);
        *n = start;
        return error;
    }
    return 0;
}

static const char *sends_table(const channel_row *ch)
{
    return ch->platform ? "notify_platform_sends" : "notify_sends";
}

static int already_sent(og_store *s, const char *event_id, const channel_row *ch)
{
    og_stmt *st = NULL;
    char sql[256];
    int error;
    snprintf(sql, sizeof(sql),
             "SELECT 1 FROM %s WHERE event_id = ? AND channel_id = ? AND state = 'sent'",
             sends_table(ch));
    if ((error = og_stmt_prepare(&st, s, sql)) < 0)
        return error;
    og_stmt_bind_text(st, 1, event_id);
    og_stmt_bind_text(st, 2, ch->id);
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : error == OG_ROW;
}

static int record_send(og_store *s, const char *event_id, const char *tid, const channel_row *ch,
                       int ok, const char *err)
{
    og_stmt *st = NULL;
    char now[OG_TIME_LEN], sql[512];
    int error;
    og_time_format(og_time_now_us(), now);
    snprintf(sql, sizeof(sql),
             "INSERT INTO %s (event_id, channel_id, tenant_id, type, state, attempts, last_error,"
             " at) VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (event_id, channel_id) DO UPDATE"
             " SET state = excluded.state, attempts = %s.attempts + 1, last_error ="
             " excluded.last_error, at = excluded.at",
             sends_table(ch), sends_table(ch));
    if ((error = og_stmt_prepare(&st, s, sql)) < 0)
        return error;
    og_stmt_bind_text(st, 1, event_id);
    og_stmt_bind_text(st, 2, ch->id);
    og_stmt_bind_text(st, 3, tid && *tid ? tid : NULL);
    og_stmt_bind_text(st, 4, ch->type);
    og_stmt_bind_text(st, 5, ok ? "sent" : "failed");
    og_stmt_bind_text(st, 6, ok ? NULL : err);
    og_stmt_bind_text(st, 7, now);
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Open a channel's target and secret (under the tenant's key, or the platform's) and send one
 * message, within the egress policy. */
static int send_one(og_ctx *ctx, const char *tid, const channel_row *ch, const og_notify_msg *m,
                    const og_egress *egress)
{
    const og_notifier *n = og_notifier_find(ch->type);
    const char *scope = ch->platform ? NULL : tid;
    uint8_t *secret = NULL, *target = NULL;
    size_t secret_len = 0, target_len = 0;
    char obj[OG_ID_LEN + 8];
    char *target_str = NULL;
    int error;
    if (!n)
        return og_error_set(OG_ERROR, "channel %s: no notifier for type '%s' in this process",
                            ch->id, ch->type);
    if (ch->sealed && (error = og_crypto_open(ctx->keys, ctx->store, scope, ch->id, ch->sealed,
                                              ch->sealed_len, &secret, &secret_len)) < 0)
        return og_error_wrap("channel %s: opening its secret", ch->id);
    if (ch->sealed_target) {
        og_notify__target_object(ch->id, obj);
        if ((error = og_crypto_open(ctx->keys, ctx->store, scope, obj, ch->sealed_target,
                                    ch->sealed_target_len, &target, &target_len)) < 0) {
            og_error_wrap("channel %s: opening its target", ch->id);
            goto cleanup;
        }
        if (!(target_str = strndup((const char *)target, target_len))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
    og_notify_channel c = {ch->id,     ch->platform ? "" : tid,
                           ch->type,   target_str ? target_str : ch->target,
                           secret,     secret_len,
                           ch->config, egress,
                           ctx};
    error = n->send(&c, m);
cleanup:
    if (secret) {
        og_crypto_wipe(secret, secret_len);
        free(secret);
    }
    if (target) {
        og_crypto_wipe(target, target_len);
        free(target);
    }
    if (target_str) {
        og_crypto_wipe(target_str, strlen(target_str));
        free(target_str);
    }
    return error;
}

/* An event's payload with tenant_name added when the emitter's did not carry it (events written
 * by an older opsgate): a new reference, or NULL when it is fine as it is. */
static json_t *with_tenant_name(og_ctx *ctx, const og_event *ev)
{
    og_ctx sys = *ctx;
    og_tenant t;
    json_t *p;
    if (!ev->tenant_id[0] || json_string_value(json_object_get(ev->payload, "tenant_name")))
        return NULL;
    og_actor_system(&sys.actor, "notify");
    if (og_tenant_get(&sys, ev->tenant_id, &t) < 0) {
        og_error_clear();
        return NULL;
    }
    p = json_is_object(ev->payload) ? json_copy(ev->payload) : json_object();
    if (p)
        json_object_set_new(p, "tenant_name", json_string(t.name));
    return p;
}

enum {
    TO_TENANT = 1,   /* the channels of the event's tenant */
    TO_PLATFORM = 2, /* the platform's channels */
    FILTERED = 4,    /* through their event filters (an event; a test goes to every channel) */
};

/* Send ev to its channels; skip those that already accepted it. Records each attempt. Returns 0
 * when all accepted, else the first failure (the message lists the failed channels; a platform
 * channel only by id, as the message may reach a tenant through `events list`). */
static int deliver(og_ctx *ctx, const og_event *ev, int mode, const char *only, json_t *report)
{
    channel_row *rows = NULL;
    int n = 0, error, first = 0, nfailed = 0;
    char failures[512] = "";
    char *subject = NULL, *text = NULL;
    og_notify_msg m;
    og_egress *egress = NULL;
    og_event named = *ev;
    og_notify__scope tenant_sc, platform_sc;
    json_t *payload = with_tenant_name(ctx, ev);
    const og_event *filter = mode & FILTERED ? ev : NULL;
    memset(&tenant_sc, 0, sizeof(tenant_sc));
    memset(&platform_sc, 0, sizeof(platform_sc));
    og_strlcpy(tenant_sc.tid, ev->tenant_id, sizeof(tenant_sc.tid));
    platform_sc.platform = 1;
    if (payload)
        named.payload = payload;
    if (!(rows = calloc(2 * MAX_CHANNELS, sizeof(*rows)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((mode & TO_TENANT) && ev->tenant_id[0]) {
        if ((error = og_notify__seal_legacy_tenant(ctx, ev->tenant_id)) < 0 ||
            (error = channels_load(ctx->store, &tenant_sc, only, filter, rows, MAX_CHANNELS, &n)) <
                0)
            goto cleanup;
    }
    if ((mode & TO_PLATFORM) && (error = channels_load(ctx->store, &platform_sc, only, filter, rows,
                                                       n + MAX_CHANNELS, &n)) < 0)
        goto cleanup;
    if (only && n == 0) {
        error = og_error_set(OG_ENOTFOUND, "channel '%s' not found", only);
        goto cleanup;
    }
    if (n == 0) {
        error = 0;
        goto cleanup;
    }
    if ((error = og_egress_load(&egress, ctx->store)) < 0 ||
        (error = og_notify_render(&named, og_time_now_us(), &subject, &text)) < 0)
        goto cleanup;
    m.event_id = ev->id;
    m.event_type = ev->type;
    m.tenant_id = ev->tenant_id;
    m.subject = subject;
    m.text = text;
    m.payload = named.payload;
    m.tenant_name = json_string_value(json_object_get(named.payload, "tenant_name"));
    for (int i = 0; i < n; i++) {
        int sent = already_sent(ctx->store, ev->id, &rows[i]);
        if (sent < 0) {
            error = sent;
            goto cleanup;
        }
        if (sent)
            continue; /* a redelivery: this channel has it already */
        og_error_clear();
        int rc = send_one(ctx, ev->tenant_id, &rows[i], &m, egress);
        char err[256], shown[1024];
        og_strlcpy(err, rc < 0 ? og_error_last() : "", sizeof(err));
        og_url_redact(rows[i].target, shown, sizeof(shown));
        if (report)
            json_array_append_new(report, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s?}", "channel_id",
                                                    rows[i].id, "scope",
                                                    rows[i].platform ? "platform" : "tenant",
                                                    "type", rows[i].type, "target", shown, "ok",
                                                    rc == 0, "error", rc < 0 ? err : NULL));
        if ((error = record_send(ctx->store, ev->id, ev->tenant_id, &rows[i], rc == 0, err)) < 0)
            goto cleanup;
        if (rc < 0) {
            if (!first)
                first = rc;
            nfailed++;
            size_t l = strlen(failures);
            if (rows[i].platform && (mode & FILTERED))
                snprintf(failures + l, sizeof(failures) - l,
                         "%splatform channel %s (a platform-admin sees why in its deliveries)",
                         l ? "; " : "", rows[i].id);
            else
                snprintf(failures + l, sizeof(failures) - l, "%s%s", l ? "; " : "", err);
        }
    }
    error = first ? og_error_set(first, "%d of %d channels failed: %s", nfailed, n, failures) : 0;
cleanup:
    if (rows)
        channels_free(rows, n);
    free(rows);
    free(subject);
    free(text);
    json_decref(payload);
    og_egress_free(egress);
    return error;
}

/* The handlers' args: which channels a subscription serves. */
static const int serve_tenant = TO_TENANT, serve_platform = TO_PLATFORM;

int og_notify_handle_event(og_ctx *ctx, const og_event *ev, void *arg)
{
    int to = arg ? *(const int *)arg : TO_TENANT | TO_PLATFORM;
    return deliver(ctx, ev, to | FILTERED, NULL, NULL);
}

/* Deliveries of handlers that earlier versions registered under other names (one per pattern)
 * are still claimed and delivered after an upgrade, but get no new events: their pattern matches
 * no event type (types have no spaces). */
static const char *const legacy_handlers[] = {"notify-test", "notify-certs", "notify-deploy", NULL};
#define NO_NEW_EVENTS "(no new events)"

static pthread_mutex_t handlers_mu = PTHREAD_MUTEX_INITIALIZER;
static int handlers_done;

int og_notify_handlers_register(void)
{
    int error = 0;
    pthread_mutex_lock(&handlers_mu);
    if (!handlers_done) {
        /* Two subscriptions, so a failing platform channel retries (and dead-letters) its own
         * delivery, not the tenant's, and the other way round. */
        error = og_events_subscribe(OG_NOTIFY_HANDLER, "*", og_notify_handle_event,
                                    (void *)&serve_tenant);
        if (error == 0 || error == OG_EEXISTS)
            error = og_events_subscribe(OG_NOTIFY_PLATFORM_HANDLER, "*", og_notify_handle_event,
                                        (void *)&serve_platform);
        for (int i = 0; legacy_handlers[i] && (error == 0 || error == OG_EEXISTS); i++)
            error = og_events_subscribe(legacy_handlers[i], NO_NEW_EVENTS, og_notify_handle_event,
                                        NULL);
        if (error == OG_EEXISTS) /* a test registered them already */
            error = 0;
        handlers_done = error == 0;
        if (error == 0)
            og_error_clear();
    }
    pthread_mutex_unlock(&handlers_mu);
    return error;
}

int og_notify_test(og_ctx *ctx, const char *tenant, const char *channel_id, json_t **out)
{
    og_event ev;
    og_notify__scope sc;
    int error;
    json_t *report = json_array();
    memset(&ev, 0, sizeof(ev));
    if ((error = og_notify__scope_get(ctx, tenant, OG_PERM_WRITE, NULL, &sc)) < 0)
        goto cleanup;
    if (channel_id && !og_id_valid(channel_id)) {
        error = og_error_set(OG_EINVAL, "bad channel id '%.64s'", channel_id);
        goto cleanup;
    }
    og_id_new(ev.id);
    og_strlcpy(ev.type, "notify.test", sizeof(ev.type));
    og_strlcpy(ev.tenant_id, sc.tid, sizeof(ev.tenant_id));
    og_time_format(og_time_now_us(), ev.created_at);
    ev.attempt = 1;
    ev.payload = json_pack("{s:s, s:s?}", "test", "hello from opsgate", "tenant_id",
                           sc.platform ? NULL : sc.tid);
    error = deliver(ctx, &ev, sc.platform ? TO_PLATFORM : TO_TENANT, channel_id, report);
    json_decref(ev.payload);
cleanup:
    if (out)
        *out = report;
    else
        json_decref(report);
    return error;
}

/* A send as `gate show` lists it: the target redacted again (a row not sealed yet holds it as
 * given). */
static json_t *send_row(og_stmt *st, void *arg)
{
    char shown[1024];
    json_t *o = og_stmt_row_json(st);
    (void)arg;
    og_url_redact(og_stmt_col_text(st, 3), shown, sizeof(shown));
    if (o && json_object_set_new(o, "target", json_string(shown)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int og_notify_event_status(og_store *s, const char *event_id, json_t *arr)
{
    og_stmt *st = NULL;
    json_t *sends = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT n.event_id AS event_id, n.channel_id AS channel_id,"
                                 " n.type AS type, c.target AS target, n.state AS state,"
                                 " n.attempts AS attempts, n.last_error AS last_error, n.at AS at"
                                 " FROM notify_sends n JOIN notify_channels c ON c.id ="
                                 " n.channel_id WHERE n.event_id = ? ORDER BY n.channel_id")) < 0)
        return error;
    og_stmt_bind_text(st, 1, event_id);
    if ((error = og_stmt_collect(st, send_row, NULL, &sends)) == 0)
        json_array_extend(arr, sends);
    json_decref(sends);
    og_stmt_free(st);
    return error;
}

int og_notify_metrics_render(og_store *s, og_buf *out)
{
    og_stmt *st = NULL;
    int error, rc;
    /* A platform channel's sends of platform events have no tenant: labelled tenant_id="". */
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT tenant_id, type, CAST(sent AS BIGINT),"
                                 " CAST(failed AS BIGINT), scope FROM (SELECT"
                                 " tenant_id, type, SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0"
                                 " END) AS sent, SUM(attempts - CASE WHEN state = 'sent' THEN 1"
                                 " ELSE 0 END) AS failed, '' AS scope FROM notify_sends GROUP BY"
                                 " tenant_id, type UNION ALL SELECT COALESCE(tenant_id, ''), type,"
                                 " SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END),"
                                 " SUM(attempts - CASE WHEN state = 'sent' THEN 1 ELSE 0 END),"
                                 " 'platform' FROM notify_platform_sends GROUP BY"
                                 " COALESCE(tenant_id, ''), type) AS s ORDER BY scope, tenant_id,"
                                 " type")) < 0)
        return error;
    og_buf lines;
    og_buf_init(&lines, OG_BUF_DEFAULT_CAP);
    og_buf_puts(out, "# HELP opsgate_notify_sent_total Notifications accepted by a channel.\n"
                     "# TYPE opsgate_notify_sent_total counter\n");
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        char scope[32] = "";
        if (og_stmt_col_text(st, 4)[0])
            snprintf(scope, sizeof(scope), ",scope=\"%s\"", og_stmt_col_text(st, 4));
        og_buf_printf(out, "opsgate_notify_sent_total{tenant_id=\"%s\",type=\"%s\"%s} %lld\n",
                      og_stmt_col_text(st, 0), og_stmt_col_text(st, 1), scope,
                      (long long)og_stmt_col_int(st, 2));
        og_buf_printf(&lines,
                      "opsgate_notify_failures_total{tenant_id=\"%s\",type=\"%s\"%s} %lld\n",
                      og_stmt_col_text(st, 0), og_stmt_col_text(st, 1), scope,
                      (long long)og_stmt_col_int(st, 3));
    }
    og_buf_puts(out, "# HELP opsgate_notify_failures_total Failed notification attempts.\n"
                     "# TYPE opsgate_notify_failures_total counter\n");
    if (lines.len)
        og_buf_append(out, lines.data, lines.len);
    og_buf_free(&lines);
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}
