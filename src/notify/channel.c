/* channel.c - notification channels of a tenant or of the platform: the registry of channel
 * types, adding, listing, filters, removing, and the sealing of their secrets and targets. */
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

/* ---- scopes: a tenant's channels or the platform's ---- */

static bool is_admin(const og_actor *a)
{
    return og_actor_is_platform(a) || a->role == OG_ROLE_TENANT_ADMIN;
}

int og_notify__scope_get(og_ctx *ctx, const char *tenant, og_perm perm, const char *change,
                         og_notify__scope *out)
{
    int error;
    memset(out, 0, sizeof(*out));
    if (og_streq(tenant, OG_NOTIFY_PLATFORM)) {
        out->platform = 1;
        if (og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM) < 0)
            return og_error_set(OG_EDENIED,
                                "%s platform notification channels needs the platform-admin "
                                "role (you are %s)",
                                change ? change : "seeing", og_role_name(ctx->actor.role));
        og_error_clear();
        return 0;
    }
    if ((error = og_tenant_resolve(ctx, tenant, perm, out->tid)) < 0)
        return error;
    if (change && !is_admin(&ctx->actor))
        return og_error_set(OG_EDENIED,
                            "%s notification channels needs the tenant-admin role (you are %s)",
                            change, og_role_name(ctx->actor.role));
    return 0;
}

/* SQL over the scope's channel table: "%T" in tmpl becomes the table and "%O" the owner test,
 * which binds one parameter (the tenant id; "" for the platform, whose table has no tenant). */
static void scope_sql(const og_notify__scope *sc, const char *tmpl, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < size; p++) {
        const char *rep = NULL;
        if (p[0] == '%' && p[1] == 'T')
            rep = sc->platform ? "notify_platform_channels" : "notify_channels";
        else if (p[0] == '%' && p[1] == 'O')
            rep = sc->platform ? "'' = ?" : "tenant_id = ?";
        if (rep) {
            o += og_strlcpy(out + o, rep, size - o);
            if (o >= size)
                o = size - 1;
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

int og_notify__scope_prepare(og_stmt **st, og_store *s, const og_notify__scope *sc,
                             const char *tmpl)
{
    char sql[1024];
    scope_sql(sc, tmpl, sql, sizeof(sql));
    return og_stmt_prepare(st, s, sql);
}

/* The audit chain and target type of a scope's records. */
static const char *chain(const og_notify__scope *sc)
{
    return sc->platform ? NULL : sc->tid;
}
static const char *object_type(const og_notify__scope *sc)
{
    return sc->platform ? "notify_platform_channel" : "notify_channel";
}

/* The object id a channel's target is sealed under: bound to the scope (the key) and the
 * channel, and distinct from the secret's (the channel id), so neither opens as the other. */
void og_notify__target_object(const char *channel_id, char out[OG_ID_LEN + 8])
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
    for (int i = 0; i < n && error >= 0; i++) {
        uint8_t *sealed = NULL;
        size_t sealed_len = 0;
        char obj[OG_ID_LEN + 8], shown[1024];
        og_notify__target_object(ids[i], obj);
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
        sealed_count += error >= 0;
    }
    if ((error = og_store_tx_end(ctx->store, error < 0 ? error : 0)) == 0)
        og_error_clear();
cleanup:
    og_stmt_free(st);
    for (int i = 0; i < n; i++) {
        if (targets[i])
            og_crypto_wipe(targets[i], strlen(targets[i]));
        free(targets[i]);
    }
    return error < 0 ? error : sealed_count;
}

int og_notify__seal_legacy_tenant(og_ctx *ctx, const char *tid)
{
    return seal_legacy(ctx, tid);
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
                          const void *secret, size_t secret_len, json_t *config, const char *events,
                          char id_out[OG_ID_LEN])
{
    int error = -1;
    og_stmt *st = NULL;
    const og_notifier *n = og_notifier_find(type);
    json_t *cfg = NULL, *analysis = NULL;
    uint8_t *sealed = NULL, *sealed_target = NULL;
    size_t sealed_len = 0, sealed_target_len = 0;
    char *cfg_text = NULL;
    char id[OG_ID_LEN], now[OG_TIME_LEN], who[160], shown[1024];
    char target_shown[1024], obj[OG_ID_LEN + 8], filter[OG_NOTIFY_EVENTS_MAX];
    og_notify__scope sc;
    if ((error = og_notify__scope_get(ctx, tenant, OG_PERM_WRITE, "adding", &sc)) < 0)
        return error;
    if (!n)
        return og_error_set(OG_EINVAL, "unknown channel type '%s' (webhook or email)",
                            type ? type : "");
    if (config && !json_is_object(config))
        return og_error_set(OG_EINVAL, "channel config must be a JSON object");
    if (!target || !*target || strlen(target) > 1000)
        return og_error_set(OG_EINVAL, "a %s channel needs a target", type);
    if ((error = og_notify__events_parse(events, filter, sizeof(filter))) < 0)
        return error;
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
        (error = og_crypto_seal(ctx->keys, ctx->store, chain(&sc), id, secret, secret_len, &sealed,
                                &sealed_len)) < 0)
        goto end;
    og_notify__target_object(id, obj);
    if ((error = og_crypto_seal(ctx->keys, ctx->store, chain(&sc), obj, target, strlen(target),
                                &sealed_target, &sealed_target_len)) < 0)
        goto end;
    if (sc.platform)
        error = og_stmt_prepare(&st, ctx->store,
                                "INSERT INTO notify_platform_channels (id, type, target, config,"
                                " secret, created_at, created_by, target_sealed, events) VALUES"
                                " (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    else
        error = og_stmt_prepare(&st, ctx->store,
                                "INSERT INTO notify_channels (id, type, target, config, secret,"
                                " created_at, created_by, target_sealed, events, tenant_id) VALUES"
                                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (error < 0)
        goto end;
    const char *shown_row[] = {id, type, target_shown, cfg_text ? cfg_text : "{}"};
    for (int i = 0; i < 4; i++)
        og_stmt_bind_text(st, i + 1, shown_row[i]);
    if (sealed)
        og_stmt_bind_blob(st, 5, sealed, sealed_len);
    else
        og_stmt_bind_null(st, 5);
    og_stmt_bind_text(st, 6, now);
    og_stmt_bind_text(st, 7, who);
    og_stmt_bind_blob(st, 8, sealed_target, sealed_target_len);
    og_stmt_bind_text(st, 9, filter);
    if (!sc.platform)
        og_stmt_bind_text(st, 10, sc.tid);
    if ((error = og_stmt_step(st)) < 0)
        goto end;
    analysis = json_pack("{s:s, s:s, s:O, s:o, s:s}", "type", type, "target", target_shown,
                         "config", cfg, "events", og_notify__events_json(filter), "scope",
                         sc.platform ? "platform" : "tenant");
    error = og_audit_log(ctx, chain(&sc), "notify", "notify.channel.add", object_type(&sc), id,
                         analysis);
end:
    if ((error = og_store_tx_end(ctx->store, error)) == 0 && id_out)
        memcpy(id_out, id, OG_ID_LEN);
cleanup:
    og_stmt_free(st);
    json_decref(cfg);
    json_decref(analysis);
    free(sealed);
    free(sealed_target);
    free(cfg_text);
    return error;
}

#define CHANNEL_COLS                                                                               \
    "SELECT id, type, target, config, created_at, created_by,"                                     \
    " CASE WHEN secret IS NULL THEN 0 ELSE 1 END, events FROM %T"

static json_t *channel_row_json(const og_notify__scope *sc, og_stmt *st)
{
    json_t *cfg = json_loads(og_stmt_col_text(st, 3), 0, NULL);
    char shown[1024];
    /* Stored redacted; redacted again in case a row could not be sealed yet (no key). */
    og_url_redact(og_stmt_col_text(st, 2), shown, sizeof(shown));
    return json_pack("{s:s, s:s?, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:b}", "id",
                     og_stmt_col_text(st, 0), "tenant_id", sc->platform ? NULL : sc->tid, "scope",
                     sc->platform ? "platform" : "tenant", "type", og_stmt_col_text(st, 1),
                     "target", shown, "config", cfg ? cfg : json_object(), "events",
                     og_notify__events_json(og_stmt_col_text(st, 7)), "created_at",
                     og_stmt_col_text(st, 4), "created_by", og_stmt_col_text(st, 5), "has_secret",
                     og_stmt_col_int(st, 6) != 0);
}

/* The latest send to a channel, {event_id, state, attempts, last_error, at}, or null: where a
 * platform-admin sees why a platform channel fails (tenants never see those sends). */
static json_t *last_send(og_store *s, const og_notify__scope *sc, const char *channel_id)
{
    og_stmt *st = NULL;
    json_t *o = json_null();
    if (og_stmt_prepare(&st, s,
                        sc->platform ? "SELECT event_id, state, attempts, last_error, at FROM"
                                       " notify_platform_sends WHERE channel_id = ? ORDER BY at"
                                       " DESC LIMIT 1"
                                     : "SELECT event_id, state, attempts, last_error, at FROM"
                                       " notify_sends WHERE channel_id = ? ORDER BY at DESC"
                                       " LIMIT 1") < 0) {
        og_error_clear();
        return o;
    }
    og_stmt_bind_text(st, 1, channel_id);
    if (og_stmt_step(st) == OG_ROW)
        o = json_pack("{s:s, s:s, s:I, s:s?, s:s}", "event_id", og_stmt_col_text(st, 0), "state",
                      og_stmt_col_text(st, 1), "attempts", (json_int_t)og_stmt_col_int(st, 2),
                      "last_error", og_stmt_col_text(st, 3), "at", og_stmt_col_text(st, 4));
    og_stmt_free(st);
    return o ? o : json_null();
}

typedef struct list_arg {
    og_store *store;
    const og_notify__scope *sc;
} list_arg;

/* A channel as listed, with its latest send. */
static json_t *list_row(og_stmt *st, void *arg)
{
    const list_arg *a = arg;
    json_t *o = channel_row_json(a->sc, st);
    if (o)
        json_object_set_new(o, "last_send", last_send(a->store, a->sc, og_stmt_col_text(st, 0)));
    return o;
}

/* The channels of a scope (or the one with id only), as listed. */
static int channels_json(og_ctx *ctx, const og_notify__scope *sc, const char *only, json_t **out)
{
    int error;
    og_stmt *st = NULL;
    if (!sc->platform && (error = og_notify__seal_legacy_tenant(ctx, sc->tid)) < 0)
        return error;
    if ((error = og_notify__scope_prepare(&st, ctx->store, sc,
                                          CHANNEL_COLS " WHERE %O AND (? = '' OR id = ?)"
                                                       " ORDER BY created_at, id")) < 0)
        return error;
    og_stmt_bind_text(st, 1, sc->tid);
    og_stmt_bind_text(st, 2, only ? only : "");
    og_stmt_bind_text(st, 3, only ? only : "");
    error = og_stmt_collect(st, list_row, &(list_arg){ctx->store, sc}, out);
    og_stmt_free(st);
    return error;
}

int og_notify_channel_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    og_notify__scope sc;
    int error;
    if ((error = og_notify__scope_get(ctx, tenant, OG_PERM_READ, NULL, &sc)) < 0)
        return error;
    return channels_json(ctx, &sc, NULL, out);
}

int og_notify_channel_get(og_ctx *ctx, const char *tenant, const char *channel_id, json_t **out)
{
    og_notify__scope sc;
    json_t *arr = NULL;
    int error;
    if ((error = og_notify__scope_get(ctx, tenant, OG_PERM_READ, NULL, &sc)) < 0)
        return error;
    if (!channel_id || !og_id_valid(channel_id))
        return og_error_set(OG_EINVAL, "bad channel id '%.64s'", channel_id ? channel_id : "");
    if ((error = channels_json(ctx, &sc, channel_id, &arr)) < 0)
        return error;
    if (json_array_size(arr) == 0) {
        json_decref(arr);
        return og_error_set(OG_ENOTFOUND, "channel '%s' not found", channel_id);
    }
    *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return 0;
}

int og_notify_channel_remove(og_ctx *ctx, const char *tenant, const char *channel_id)
{
    int error = -1;
    og_stmt *st = NULL;
    og_notify__scope sc;
    if ((error = og_notify__scope_get(ctx, tenant, OG_PERM_WRITE, "removing", &sc)) < 0)
        return error;
    if (!channel_id || !og_id_valid(channel_id))
        return og_error_set(OG_EINVAL, "bad channel id '%.64s'", channel_id ? channel_id : "");
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_notify__scope_prepare(&st, ctx->store, &sc,
                                          "DELETE FROM %T WHERE id = ? AND %O")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, channel_id);
    og_stmt_bind_text(st, 2, sc.tid);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (og_store_changes(ctx->store) == 0) {
        error = og_error_set(OG_ENOTFOUND, "channel '%s' not found", channel_id);
        goto cleanup;
    }
    error = og_audit_log(ctx, chain(&sc), "notify", "notify.channel.remove", object_type(&sc),
                         channel_id, NULL);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    return error;
}

int og_notify_channel_set_events(og_ctx *ctx, const char *tenant, const char *channel_id,
                                 const char *events)
{
    int error = -1;
    og_stmt *st = NULL;
    og_notify__scope sc;
    json_t *details = NULL;
    char filter[OG_NOTIFY_EVENTS_MAX], previous[OG_NOTIFY_EVENTS_MAX];
    if ((error = og_notify__scope_get(ctx, tenant, OG_PERM_WRITE, "changing", &sc)) < 0)
        return error;
    if (!channel_id || !og_id_valid(channel_id))
        return og_error_set(OG_EINVAL, "bad channel id '%.64s'", channel_id ? channel_id : "");
    if ((error = og_notify__events_parse(events, filter, sizeof(filter))) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_notify__scope_prepare(&st, ctx->store, &sc,
                                          "SELECT events FROM %T WHERE id = ? AND %O")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, channel_id);
    og_stmt_bind_text(st, 2, sc.tid);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error != OG_ROW) {
        error = og_error_set(OG_ENOTFOUND, "channel '%s' not found", channel_id);
        goto cleanup;
    }
    og_strlcpy(previous, og_stmt_col_text(st, 0), sizeof(previous));
    og_stmt_free(st);
    st = NULL;
    if ((error = og_notify__scope_prepare(&st, ctx->store, &sc,
                                          "UPDATE %T SET events = ? WHERE id = ? AND %O")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, filter);
    og_stmt_bind_text(st, 2, channel_id);
    og_stmt_bind_text(st, 3, sc.tid);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    details = json_pack("{s:o, s:o}", "events", og_notify__events_json(filter), "previous",
                        og_notify__events_json(previous));
    error = og_audit_log(ctx, chain(&sc), "notify", "notify.channel.events", object_type(&sc),
                         channel_id, details);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    json_decref(details);
    return error;
}
