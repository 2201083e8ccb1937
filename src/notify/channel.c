/* channel.c - notification channels of a tenant, their sealed secrets, and delivery of events to
 * them as an event handler. */
#include "notify/notify_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NOTIFIERS 16
#define MAX_CHANNELS  64

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static const og_notifier *notifiers[MAX_NOTIFIERS];
static size_t nnotifiers;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void register_builtins(void)
{
    pthread_mutex_lock(&reg_mu);
    notifiers[nnotifiers++] = &og_notify__webhook;
    notifiers[nnotifiers++] = &og_notify__email;
    pthread_mutex_unlock(&reg_mu);
}

int og_notifier_register(const og_notifier *n)
{
    int error = 0;
    pthread_once(&builtin_once, register_builtins);
    if (!n || !n->type || !*n->type || !n->send)
        return og_error_set(OG_EINVAL, "a notifier needs a type and a send function");
    pthread_mutex_lock(&reg_mu);
    for (size_t i = 0; i < nnotifiers; i++) {
        if (strcmp(notifiers[i]->type, n->type) == 0) {
            error = og_error_set(OG_EEXISTS, "notifier '%s' is already registered", n->type);
            goto cleanup;
        }
    }
    if (nnotifiers == MAX_NOTIFIERS) {
        error = og_error_set(OG_ETOOBIG, "too many notifiers");
        goto cleanup;
    }
    notifiers[nnotifiers++] = n;
cleanup:
    pthread_mutex_unlock(&reg_mu);
    return error;
}

const og_notifier *og_notifier_find(const char *type)
{
    const og_notifier *n = NULL;
    pthread_once(&builtin_once, register_builtins);
    pthread_mutex_lock(&reg_mu);
    for (size_t i = 0; type && i < nnotifiers && !n; i++)
        if (strcmp(notifiers[i]->type, type) == 0)
            n = notifiers[i];
    pthread_mutex_unlock(&reg_mu);
    return n;
}

static int is_admin(const og_actor *a)
{
    return og_actor_is_platform(a) || a->role == OG_ROLE_TENANT_ADMIN;
}

static int resolve(og_ctx *ctx, const char *tenant, og_perm perm, char tid[OG_ID_LEN])
{
    return og_tenant_resolve(ctx, tenant, perm, tid);
}

/* The object id a channel's target is sealed under: bound to the tenant (the scope) and the
 * channel, and distinct from the secret's (the channel id), so neither opens as the other. */
static void target_object(const char *channel_id, char out[OG_ID_LEN + 8])
{
    size_t n = strnlen(channel_id, OG_ID_LEN - 1);
    memcpy(out, channel_id, n);
    memcpy(out + n, ":target", sizeof(":target"));
}

#define LEGACY_BATCH 64

/* Seal the targets of channels stored before schema step 2 (target_sealed NULL), of tenant tid or
 * of all tenants (NULL), and keep only their redacted form in clear. A row whose tenant has no key
 * is left alone. Returns the number sealed. Needs the keys: a no-op without them. */
static int seal_legacy(og_ctx *ctx, const char *tid)
{
    og_stmt *st = NULL;
    int error = 0, n = 0, sealed_count = 0, rc;
    char ids[LEGACY_BATCH][OG_ID_LEN], tids[LEGACY_BATCH][OG_ID_LEN];
    char *targets[LEGACY_BATCH] = {0};
    if (!ctx->keys)
        return 0;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, tenant_id, target FROM notify_channels WHERE"
                                 " target_sealed IS NULL AND (? = '' OR tenant_id = ?) LIMIT 64")) <
        0)
        return error;
    og_stmt_bind_text(st, 1, tid ? tid : "");
    og_stmt_bind_text(st, 2, tid ? tid : "");
    while (n < LEGACY_BATCH && (rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(ids[n], og_stmt_col_text(st, 0), OG_ID_LEN);
        og_strlcpy(tids[n], og_stmt_col_text(st, 1), OG_ID_LEN);
        if (!(targets[n] = strdup(og_stmt_col_text(st, 2)))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        n++;
    }
    og_stmt_free(st);
    st = NULL;
    if (n == 0)
        goto cleanup;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    for (int i = 0; i < n; i++) {
        uint8_t *sealed = NULL;
        size_t sealed_len = 0;
        char obj[OG_ID_LEN + 8], shown[1024];
        target_object(ids[i], obj);
        if (og_crypto_seal(ctx->keys, ctx->store, tids[i], obj, targets[i], strlen(targets[i]),
                           &sealed, &sealed_len) < 0)
            continue; /* no key for the tenant: nothing can deliver to it either */
        og_url_redact(targets[i], shown, sizeof(shown));
        if ((error = og_stmt_prepare(&st, ctx->store,
                                     "UPDATE notify_channels SET target = ?, target_sealed = ?"
                                     " WHERE id = ? AND target_sealed IS NULL")) == 0) {
            og_stmt_bind_text(st, 1, shown);
            og_stmt_bind_blob(st, 2, sealed, sealed_len);
            og_stmt_bind_text(st, 3, ids[i]);
            error = og_stmt_step(st);
        }
        og_stmt_free(st);
        st = NULL;
        free(sealed);
        if (error < 0) {
            og_store_tx_rollback(ctx->store);
            goto cleanup;
        }
        sealed_count++;
    }
    if ((error = og_store_tx_commit(ctx->store)) < 0) {
        og_store_tx_rollback(ctx->store);
        goto cleanup;
    }
    og_error_clear();
    error = 0;
cleanup:
    og_stmt_free(st);
    for (int i = 0; i < n; i++) {
        if (targets[i])
            og_crypto_wipe(targets[i], strlen(targets[i]));
        free(targets[i]);
    }
    return error < 0 ? error : sealed_count;
}

int og_notify_seal_legacy(og_ctx *ctx)
{
    int total = 0, n;
    /* In batches; a batch that seals nothing (tenants without keys) ends the loop. */
    while ((n = seal_legacy(ctx, NULL)) > 0)
        total += n;
    return n < 0 ? n : total;
}

/* Refuse at configuration time an endpoint whose host is an address the egress policy refuses
 * (a host name is checked when connecting). */
static int check_endpoint(og_ctx *ctx, const char *type, const char *target, const void *secret,
                          size_t secret_len)
{
    og_egress *p = NULL;
    char host[256];
    int error;
    if ((error = og_notify__endpoint_host(type, target, secret, secret_len, host, sizeof(host))) <
            0 ||
        !host[0])
        return error;
    if ((error = og_egress_load(&p, ctx->store)) < 0)
        return error;
    if ((error = og_egress_check_host(p, host)) < 0)
        og_error_wrap("%s channel", type);
    og_egress_free(p);
    return error;
}

int og_notify_channel_add(og_ctx *ctx, const char *tenant, const char *type, const char *target,
                          const void *secret, size_t secret_len, json_t *config,
                          char id_out[OG_ID_LEN])
{
    int error = -1;
    og_stmt *st = NULL;
    const og_notifier *n = og_notifier_find(type);
    json_t *cfg = NULL, *analysis = NULL;
    uint8_t *sealed = NULL, *sealed_target = NULL;
    size_t sealed_len = 0, sealed_target_len = 0;
    char *cfg_text = NULL;
    char tid[OG_ID_LEN], id[OG_ID_LEN], now[OG_TIME_LEN], who[160], shown[1024];
    char target_shown[1024], obj[OG_ID_LEN + 8];
    if ((error = resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!is_admin(&ctx->actor))
        return og_error_set(OG_EDENIED,
                            "adding notification channels needs the tenant-admin "
                            "role (you are %s)",
                            og_role_name(ctx->actor.role));
    if (!n)
        return og_error_set(OG_EINVAL, "unknown channel type '%s' (webhook or email)",
                            type ? type : "");
    if (config && !json_is_object(config))
        return og_error_set(OG_EINVAL, "channel config must be a JSON object");
    if (!target || !*target || strlen(target) > 1000)
        return og_error_set(OG_EINVAL, "a %s channel needs a target", type);
    cfg = config ? json_deep_copy(config) : json_object();
    if (n->validate && (error = n->validate(target, secret, secret_len, cfg)) < 0)
        goto cleanup;
    if ((error = check_endpoint(ctx, type, target, secret, secret_len)) < 0)
        goto cleanup;
    if (strcmp(type, "email") == 0) {
        char *smtp = strndup(secret, secret_len);
        if (!smtp) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        og_url_redact(smtp, shown, sizeof(shown));
        og_crypto_wipe(smtp, secret_len);
        free(smtp);
        json_object_set_new(cfg, "smtp", json_string(shown));
    }
    /* Only the redacted target is kept in clear, and only it reaches the audit trail. */
    og_url_redact(target, target_shown, sizeof(target_shown));
    cfg_text = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if (secret && secret_len &&
        (error = og_crypto_seal(ctx->keys, ctx->store, tid, id, secret, secret_len, &sealed,
                                &sealed_len)) < 0)
        goto rollback;
    target_object(id, obj);
    if ((error = og_crypto_seal(ctx->keys, ctx->store, tid, obj, target, strlen(target),
                                &sealed_target, &sealed_target_len)) < 0)
        goto rollback;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO notify_channels (id, tenant_id, type, target, config,"
                                 " secret, created_at, created_by, target_sealed) VALUES (?, ?, ?,"
                                 " ?, ?, ?, ?, ?, ?)")) < 0)
        goto rollback;
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, tid);
    og_stmt_bind_text(st, 3, type);
    og_stmt_bind_text(st, 4, target_shown);
    og_stmt_bind_text(st, 5, cfg_text ? cfg_text : "{}");
    if (sealed)
        og_stmt_bind_blob(st, 6, sealed, sealed_len);
    else
        og_stmt_bind_null(st, 6);
    og_stmt_bind_text(st, 7, now);
    og_stmt_bind_text(st, 8, who);
    og_stmt_bind_blob(st, 9, sealed_target, sealed_target_len);
    if ((error = og_stmt_step(st)) < 0)
        goto rollback;
    analysis = json_pack("{s:s, s:s, s:O}", "type", type, "target", target_shown, "config", cfg);
    if ((error = og_audit_log(ctx, tid, "notify", "notify.channel.add", "notify_channel", id,
                              analysis)) < 0)
        goto rollback;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto rollback;
    if (id_out)
        memcpy(id_out, id, OG_ID_LEN);
    error = 0;
    goto cleanup;
rollback:
    og_store_tx_rollback(ctx->store);
cleanup:
    og_stmt_free(st);
    json_decref(cfg);
    json_decref(analysis);
    free(sealed);
    free(sealed_target);
    free(cfg_text);
    return error;
}

static json_t *channel_row_json(og_stmt *st)
{
    json_t *cfg = json_loads(og_stmt_col_text(st, 4), 0, NULL);
    char shown[1024];
    /* Stored redacted; redacted again in case a row could not be sealed yet (no key). */
    og_url_redact(og_stmt_col_text(st, 3), shown, sizeof(shown));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:b}", "id", og_stmt_col_text(st, 0),
                     "tenant_id", og_stmt_col_text(st, 1), "type", og_stmt_col_text(st, 2),
                     "target", shown, "config", cfg ? cfg : json_object(), "created_at",
                     og_stmt_col_text(st, 5), "created_by", og_stmt_col_text(st, 6), "has_secret",
                     !og_stmt_col_is_null(st, 7));
}

int og_notify_channel_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *arr = NULL;
    char tid[OG_ID_LEN];
    if ((error = resolve(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = seal_legacy(ctx, tid)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, tenant_id, type, target, config, created_at,"
                                 " created_by, secret IS NULL FROM notify_channels WHERE"
                                 " tenant_id = ? ORDER BY created_at, id")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    arr = json_array();
    int rc;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        json_t *o = channel_row_json(st);
        json_object_set_new(o, "has_secret", json_boolean(og_stmt_col_int(st, 7) == 0));
        json_array_append_new(arr, o);
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    *out = arr;
    arr = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(arr);
    return error;
}

int og_notify_channel_remove(og_ctx *ctx, const char *tenant, const char *channel_id)
{
    int error = -1;
    og_stmt *st = NULL;
    char tid[OG_ID_LEN];
    if ((error = resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!is_admin(&ctx->actor))
        return og_error_set(OG_EDENIED,
                            "removing notification channels needs the tenant-admin "
                            "role (you are %s)",
                            og_role_name(ctx->actor.role));
    if (!channel_id || !og_id_valid(channel_id))
        return og_error_set(OG_EINVAL, "bad channel id '%s'", channel_id ? channel_id : "");
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "DELETE FROM notify_channels WHERE id = ? AND tenant_id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, channel_id);
    og_stmt_bind_text(st, 2, tid);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (og_store_changes(ctx->store) == 0) {
        error = og_error_set(OG_ENOTFOUND, "channel '%s' not found", channel_id);
        goto cleanup;
    }
    if ((error = og_audit_log(ctx, tid, "notify", "notify.channel.remove", "notify_channel",
                              channel_id, NULL)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
    og_stmt_free(st);
    return error;
}

/* ---- delivery ---- */

typedef struct channel_row {
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

static int channels_load(og_store *s, const char *tid, const char *only, channel_row *rows, int *n)
{
    og_stmt *st = NULL;
    int error;
    *n = 0;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT id, type, target, config, secret, target_sealed FROM"
                                 " notify_channels"
                                 " WHERE tenant_id = ? AND (? = '' OR id = ?) ORDER BY id")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, only ? only : "");
    og_stmt_bind_text(st, 3, only ? only : "");
    while (*n < MAX_CHANNELS && (error = og_stmt_step(st)) == OG_ROW) {
        channel_row *r = &rows[*n];
        memset(r, 0, sizeof(*r));
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
        channels_free(rows, *n);
        *n = 0;
        return error;
    }
    return 0;
}

static int already_sent(og_store *s, const char *event_id, const char *channel_id)
{
    og_stmt *st = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT 1 FROM notify_sends WHERE event_id = ? AND channel_id = ?"
                                 " AND state = 'sent'")) < 0)
        return error;
    og_stmt_bind_text(st, 1, event_id);
    og_stmt_bind_text(st, 2, channel_id);
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : error == OG_ROW;
}

static int record_send(og_store *s, const char *event_id, const char *tid, const channel_row *ch,
                       int ok, const char *err)
{
    og_stmt *st = NULL;
    char now[OG_TIME_LEN];
    int error;
    og_time_format(og_time_now_us(), now);
    if ((error = og_stmt_prepare(&st, s,
                                 "INSERT INTO notify_sends (event_id, channel_id, tenant_id, type,"
                                 " state, attempts, last_error, at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)"
                                 " ON CONFLICT (event_id, channel_id) DO UPDATE SET state ="
                                 " excluded.state, attempts = notify_sends.attempts + 1,"
                                 " last_error = excluded.last_error, at = excluded.at")) < 0)
        return error;
    og_stmt_bind_text(st, 1, event_id);
    og_stmt_bind_text(st, 2, ch->id);
    og_stmt_bind_text(st, 3, tid);
    og_stmt_bind_text(st, 4, ch->type);
    og_stmt_bind_text(st, 5, ok ? "sent" : "failed");
    og_stmt_bind_text(st, 6, ok ? NULL : err);
    og_stmt_bind_text(st, 7, now);
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Open a channel's target and secret and send one message, within the egress policy. */
static int send_one(og_ctx *ctx, const char *tid, const channel_row *ch, const og_notify_msg *m,
                    const og_egress *egress)
{
    const og_notifier *n = og_notifier_find(ch->type);
    uint8_t *secret = NULL, *target = NULL;
    size_t secret_len = 0, target_len = 0;
    char obj[OG_ID_LEN + 8];
    char *target_str = NULL;
    int error;
    if (!n)
        return og_error_set(OG_ERROR, "channel %s: no notifier for type '%s' in this process",
                            ch->id, ch->type);
    if (ch->sealed && (error = og_crypto_open(ctx->keys, ctx->store, tid, ch->id, ch->sealed,
                                              ch->sealed_len, &secret, &secret_len)) < 0)
        return og_error_wrap("channel %s: opening its secret", ch->id);
    if (ch->sealed_target) {
        target_object(ch->id, obj);
        if ((error = og_crypto_open(ctx->keys, ctx->store, tid, obj, ch->sealed_target,
                                    ch->sealed_target_len, &target, &target_len)) < 0) {
            og_error_wrap("channel %s: opening its target", ch->id);
            goto cleanup;
        }
        if (!(target_str = strndup((const char *)target, target_len))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
    og_notify_channel c = {ch->id, tid,        ch->type,   target_str ? target_str : ch->target,
                           secret, secret_len, ch->config, egress};
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

static void describe(const og_event *ev, char *subject, size_t ssize, char *text, size_t tsize)
{
    const json_t *p = ev->payload;
    const char *kind = json_string_value(json_object_get(p, "kind"));
    const char *level = json_string_value(json_object_get(p, "level"));
    const char *gate = json_string_value(json_object_get(p, "gate_id"));
    const char *decision = json_string_value(json_object_get(p, "decision"));
    const char *by = json_string_value(json_object_get(p, "decided_by"));
    if (strncmp(ev->type, "gate.", 5) == 0) {
        const char *what = strcmp(ev->type, "gate.review") == 0      ? "review needed"
                           : strcmp(ev->type, "gate.approval") == 0  ? "approval needed"
                           : strcmp(ev->type, "gate.task") == 0      ? "task for you"
                           : strcmp(ev->type, "gate.escalated") == 0 ? "escalated"
                                                                     : "decided";
        snprintf(subject, ssize, "[opsgate] %s: %s (%s)", what, kind ? kind : "?",
                 level ? level : "?");
        snprintf(text, tsize,
                 "Gate item %s\nAction: %s at %s\nDecision: %s%s%s\n\n"
                 "See: opsgate gate show %s\n",
                 gate ? gate : "?", kind ? kind : "?", level ? level : "?",
                 decision ? decision : "(waiting)", by ? " by " : "", by ? by : "",
                 gate ? gate : "?");
    } else {
        snprintf(subject, ssize, "[opsgate] %s", ev->type);
        snprintf(text, tsize, "opsgate event %s of type %s.\n", ev->id, ev->type);
    }
}

/* Send ev to the tenant's channels (or one); skip those that already accepted it. Records each
 * attempt. Returns 0 when all accepted, else the first failure (message lists channels). */
static int deliver(og_ctx *ctx, const og_event *ev, const char *only, json_t *report)
{
    channel_row rows[MAX_CHANNELS];
    int n = 0, error, first = 0, nfailed = 0;
    char subject[256], text[1024], failures[512] = "";
    og_notify_msg m;
    og_egress *egress = NULL;
    if (!ev->tenant_id[0])
        return 0;
    if ((error = seal_legacy(ctx, ev->tenant_id)) < 0 ||
        (error = og_egress_load(&egress, ctx->store)) < 0)
        return error;
    if ((error = channels_load(ctx->store, ev->tenant_id, only, rows, &n)) < 0)
        goto cleanup;
    if (only && n == 0) {
        error = og_error_set(OG_ENOTFOUND, "channel '%s' not found", only);
        goto cleanup;
    }
    describe(ev, subject, sizeof(subject), text, sizeof(text));
    m.event_id = ev->id;
    m.event_type = ev->type;
    m.tenant_id = ev->tenant_id;
    m.subject = subject;
    m.text = text;
    m.payload = ev->payload;
    for (int i = 0; i < n; i++) {
        int sent = already_sent(ctx->store, ev->id, rows[i].id);
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
            json_array_append_new(report,
                                  json_pack("{s:s, s:s, s:s, s:b, s:s?}", "channel_id", rows[i].id,
                                            "type", rows[i].type, "target", shown, "ok", rc == 0,
                                            "error", rc < 0 ? err : NULL));
        if ((error = record_send(ctx->store, ev->id, ev->tenant_id, &rows[i], rc == 0, err)) < 0)
            goto cleanup;
        if (rc < 0) {
            if (!first)
                first = rc;
            nfailed++;
            size_t l = strlen(failures);
            snprintf(failures + l, sizeof(failures) - l, "%s%s", l ? "; " : "", err);
        }
    }
    error = first ? og_error_set(first, "%d of %d channels failed: %s", nfailed, n, failures) : 0;
cleanup:
    channels_free(rows, n);
    og_egress_free(egress);
    return error;
}

int og_notify_handle_event(og_ctx *ctx, const og_event *ev, void *arg)
{
    (void)arg;
    return deliver(ctx, ev, NULL, NULL);
}

int og_notify_test(og_ctx *ctx, const char *tenant, const char *channel_id, json_t **out)
{
    og_event ev;
    char tid[OG_ID_LEN];
    int error;
    json_t *report = json_array();
    if ((error = resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        goto cleanup;
    if (channel_id && !og_id_valid(channel_id)) {
        error = og_error_set(OG_EINVAL, "bad channel id '%s'", channel_id);
        goto cleanup;
    }
    memset(&ev, 0, sizeof(ev));
    og_id_new(ev.id);
    og_strlcpy(ev.type, "notify.test", sizeof(ev.type));
    og_strlcpy(ev.tenant_id, tid, sizeof(ev.tenant_id));
    og_time_format(og_time_now_us(), ev.created_at);
    ev.attempt = 1;
    ev.payload = json_pack("{s:s, s:s}", "test", "hello from opsgate", "tenant_id", tid);
    error = deliver(ctx, &ev, channel_id, report);
    json_decref(ev.payload);
cleanup:
    if (out)
        *out = report;
    else
        json_decref(report);
    return error;
}

int og_notify_event_status(og_store *s, const char *event_id, json_t *arr)
{
    og_stmt *st = NULL;
    int error, rc;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT n.event_id, n.channel_id, n.type, c.target, n.state,"
                                 " n.attempts, n.last_error, n.at FROM notify_sends n JOIN"
                                 " notify_channels c ON c.id = n.channel_id WHERE n.event_id = ?"
                                 " ORDER BY n.channel_id")) < 0)
        return error;
    og_stmt_bind_text(st, 1, event_id);
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *e = og_stmt_col_text(st, 6);
        char shown[1024];
        og_url_redact(og_stmt_col_text(st, 3), shown, sizeof(shown));
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s?, s:s}", "event_id",
                           og_stmt_col_text(st, 0), "channel_id", og_stmt_col_text(st, 1), "type",
                           og_stmt_col_text(st, 2), "target", shown, "state",
                           og_stmt_col_text(st, 4), "attempts", (json_int_t)og_stmt_col_int(st, 5),
                           "last_error", e, "at", og_stmt_col_text(st, 7)));
    }
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

int og_notify_metrics_render(og_store *s, og_buf *out)
{
    og_stmt *st = NULL;
    int error, rc;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT tenant_id, type, SUM(CASE WHEN state = 'sent' THEN 1 ELSE"
                                 " 0 END), SUM(attempts - CASE WHEN state = 'sent' THEN 1 ELSE 0"
                                 " END) FROM notify_sends GROUP BY tenant_id, type"
                                 " ORDER BY tenant_id, type")) < 0)
        return error;
    og_buf lines;
    og_buf_init(&lines, OG_BUF_DEFAULT_CAP);
    og_buf_puts(out, "# HELP opsgate_notify_sent_total Notifications accepted by a channel.\n"
                     "# TYPE opsgate_notify_sent_total counter\n");
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        og_buf_printf(out, "opsgate_notify_sent_total{tenant_id=\"%s\",type=\"%s\"} %lld\n",
                      og_stmt_col_text(st, 0), og_stmt_col_text(st, 1),
                      (long long)og_stmt_col_int(st, 2));
        og_buf_printf(&lines, "opsgate_notify_failures_total{tenant_id=\"%s\",type=\"%s\"} %lld\n",
                      og_stmt_col_text(st, 0), og_stmt_col_text(st, 1),
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
