/* notify.h - notification channels per tenant and MSP-wide (webhook, email, later PSA tickets),
 * the messages people read, and their delivery, which runs as an event handler: a failing
 * channel never blocks or loses an action. */
#ifndef OPSGATE_NOTIFY_H
#define OPSGATE_NOTIFY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "opsgate/context.h"
#include "opsgate/events.h"

/* The tenant argument that names the platform's own (MSP-wide) channels instead of a tenant's:
 * they receive the chosen events of every tenant, are managed by platform-admins only (audited
 * on the platform chain), sealed under the platform key, and never shown to a tenant (not in
 * its list, not in `gate show`). Tenant names cannot start with '@'. */
#define OG_NOTIFY_PLATFORM "@platform"

/*
 * Add a channel to a tenant (needs tenant-admin or platform), or to the platform (tenant =
 * OG_NOTIFY_PLATFORM: platform-admin only). Audited without the secret, on the tenant's chain or
 * the platform's.
 *  type "webhook": target is an http(s) URL; secret (required) is the HMAC-SHA256 key the
 *                  receiver checks in X-Opsgate-Signature: t=<unix time>,v1=<hex HMAC of
 *                  "<t>.<body>">.
 *  type "email":   target is the recipient address; config {"smtp": "smtp://[user:pass@]host:port",
 *                  "from": "opsgate@host"} — the SMTP URL (it may hold credentials) is sealed,
 *                  only its host part is stored in clear.
 *  other types:    whatever a registered og_notifier (sys/notifier.h) accepts.
 * events: which events the channel gets, comma-separated globs over event types
 * ("certs.*,gate.review"); NULL, "" or "*" for every event. A bad pattern, or one that matches
 * no type in og_notify_event_types, is OG_EINVAL naming it.
 * Secrets are sealed with og_crypto_seal() under the tenant's key (the platform key for platform
 * channels), bound to the channel id; the target too (a URL may carry credentials, or a token in
 * its path), bound to "<id>:target".
 * Only the redacted target (og_url_redact: scheme://host[:port]/…) is kept in clear and shown
 * (list, `gate show`, audit details, error messages).
 * A URL whose host is an address the egress policy refuses (egress.h: loopback, private ...) is
 * refused here (OG_EDENIED naming the range); host names are checked at every connection.
 * id_out (may be NULL) receives the channel id.
 */
int og_notify_channel_add(og_ctx *ctx, const char *tenant, const char *type, const char *target,
                          const void *secret, size_t secret_len, json_t *config, const char *events,
                          char id_out[OG_ID_LEN]);
/* Channels of a tenant (or of the platform), without secrets, targets redacted:
 * [{id, tenant_id (null for the platform's), scope ("tenant"|"platform"), type, target, config,
 * events: ["certs.*", ...] (["*"] = every event), created_at, created_by, has_secret}].
 * Caller decrefs *out. */
int og_notify_channel_list(og_ctx *ctx, const char *tenant, json_t **out);
/* One channel as listed. OG_ENOTFOUND for an unknown id or another tenant's. */
int og_notify_channel_get(og_ctx *ctx, const char *tenant, const char *channel_id, json_t **out);
int og_notify_channel_remove(og_ctx *ctx, const char *tenant, const char *channel_id);
/* Replace a channel's event filter (syntax as for add; NULL, "" or "*" = every event). Needs what
 * adding needs; audited as notify.channel.events with the previous and the new filter. */
int og_notify_channel_set_events(og_ctx *ctx, const char *tenant, const char *channel_id,
                                 const char *events);

/* For og_app_tenant_area_enable (app.h): the default notification rules of a process area.
 * events (NULL-terminated event types) go to the tenant's first channel (the oldest): the types
 * its filter does not match yet are added to it; none is removed. When the tenant has no
 * channel nothing is invented: *out says the rules are pending. No authorization (the caller
 * checked tenant-admin) and no audit record of its own: runs inside the caller's transaction
 * (OG_EINVAL outside one), whose record names what was added. *out (caller decrefs):
 * {"state": "added"|"kept", "channel_id", "added": [...], "kept": [...]} or
 * {"state": "pending", "events": [...], "reason"}. */
int og_notify_rules_defaults(og_ctx *ctx, const char *tenant_id, const char *const *events,
                             json_t **out);

/* Send a test notification now, synchronously, to one channel (channel_id) or all (NULL) of a
 * tenant, or of the platform (OG_NOTIFY_PLATFORM), whatever their event filters. *out: one
 * {channel_id, scope, type, target, ok, error} per channel (caller decrefs). Returns 0 when every
 * channel accepted it, else the first failure's code (each channel is still tried). */
int og_notify_test(og_ctx *ctx, const char *tenant, const char *channel_id, json_t **out);

/* The event handler: delivers an event to the channels of its tenant and to the platform's
 * channels that existed when it was emitted and whose filters match its type, once per (event,
 * channel): a redelivery skips channels that already accepted the event. Returns a negative code
 * while any channel fails, so the bus retries it with backoff and dead-letters it in the end.
 * arg NULL serves both; the registered subscriptions serve one each. */
int og_notify_handle_event(og_ctx *ctx, const og_event *ev, void *arg);
#define OG_NOTIFY_HANDLER          "notify"          /* a tenant's channels */
#define OG_NOTIFY_PLATFORM_HANDLER "notify-platform" /* the platform's channels */
/* Subscribe og_notify_handle_event to every event ("*"), as OG_NOTIFY_HANDLER for the tenants'
 * channels and OG_NOTIFY_PLATFORM_HANDLER for the platform's: the channels' filters choose.
 * Idempotent. Called at start-up by og_app_register_all(). */
int og_notify_handlers_register(void);

/* The message a person reads for an event: a one-line subject ("[opsgate] acme: shop.acme.example
 * expires in 7 days — renewal scheduled") and a plain-text body naming the client (tenant name
 * and id), the object, what happened and what to do, ending with the event type and id. Built
 * from the event alone: emitters carry what a reader needs in the payload (og_event_emit() adds
 * tenant_name). now_us is when "expires in N days" is counted from. An unknown type gets a
 * generic message listing the payload's plain fields, never raw JSON. Control characters in
 * payload values become spaces, so no value adds a line or a header. Caller frees both. */
int og_notify_render(const og_event *ev, int64_t now_us, char **subject, char **text);
/* The event types opsgate renders and channel filters are checked against (NULL-terminated). */
extern const char *const og_notify_event_types[];

/* Append to arr one object per send of an event to the TENANT's channels: {event_id, channel_id,
 * type, target, state ("sent"|"failed"), attempts, last_error, at}. For `gate show` (platform
 * channels are not shown to tenants). */
int og_notify_event_status(og_store *s, const char *event_id, json_t *arr);

/* Seal the targets of channels stored before notify schema step 2 (in clear then), keeping only
 * their redacted form in clear. Needs ctx->keys. Listing, testing and delivering do this for the
 * tenant first; the server calls it for all tenants at start-up. Returns the number sealed
 * or a negative code. */
int og_notify_seal_legacy(og_ctx *ctx);

/* Prometheus text: sends and failures by tenant and channel type (the sends of platform
 * channels carry scope="platform"). */
int og_notify_metrics_render(og_store *s, og_buf *out);

/* Register the audit trail's namer of notification channels (type and redacted target). */
int og_notify_audit_names_register(void);

/* Re-seal this module's sealed data of a tenant under the tenant's current data-key version: one
 * batch (og_crypto_reseal_batch, crypto.h; counting, or up to b->limit items from b->part and
 * b->cursor), in the caller's transaction. The composition layer runs it for `tenant key rotate
 * --data-key`; items already under the current version are left as they are. */
struct og_crypto_reseal_batch;
int og_notify_reseal(og_ctx *ctx, const char *tenant_id, struct og_crypto_reseal_batch *b);

#endif
