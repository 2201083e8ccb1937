/* notify.h - notification channels per tenant (webhook, email, later PSA tickets) and their
 * delivery, which runs as an event handler: a failing channel never blocks or loses an action. */
#ifndef OPSGATE_NOTIFY_H
#define OPSGATE_NOTIFY_H

#include <jansson.h>
#include <stddef.h>

#include "opsgate/context.h"
#include "opsgate/events.h"

/*
 * Add a channel to a tenant (needs tenant-admin or platform; audited without the secret).
 *  type "webhook": target is an http(s) URL; secret (required) is the HMAC-SHA256 key the
 *                  receiver checks in X-Opsgate-Signature: t=<unix time>,v1=<hex HMAC of
 *                  "<t>.<body>">.
 *  type "email":   target is the recipient address; config {"smtp": "smtp://[user:pass@]host:port",
 *                  "from": "opsgate@host"} — the SMTP URL (it may hold credentials) is sealed,
 *                  only its host part is stored in clear.
 *  other types:    whatever a registered og_notifier (sys/notifier.h) accepts.
 * Secrets are sealed with og_crypto_seal() under the tenant's key, bound to the channel id; the
 * target too (a URL may carry credentials, or a token in its path), bound to "<id>:target".
 * Only the redacted target (og_url_redact: scheme://host[:port]/…) is kept in clear and shown
 * (list, `gate show`, audit details, error messages).
 * A URL whose host is an address the egress policy refuses (egress.h: loopback, private ...) is
 * refused here (OG_EDENIED naming the range); host names are checked at every connection.
 * id_out (may be NULL) receives the channel id.
 */
int og_notify_channel_add(og_ctx *ctx, const char *tenant, const char *type, const char *target,
                          const void *secret, size_t secret_len, json_t *config,
                          char id_out[OG_ID_LEN]);
/* Channels of a tenant, without secrets, targets redacted. Caller decrefs *out. */
int og_notify_channel_list(og_ctx *ctx, const char *tenant, json_t **out);
int og_notify_channel_remove(og_ctx *ctx, const char *tenant, const char *channel_id);

/* Send a test notification now, synchronously, to one channel (channel_id) or all (NULL) of a
 * tenant. *out: one {channel, ok, error} per channel (caller decrefs). Returns 0 when every
 * channel accepted it, else the first failure's code (each channel is still tried). */
int og_notify_test(og_ctx *ctx, const char *tenant, const char *channel_id, json_t **out);

/* The event handler that delivers gate notifications ("gate.*") and "notify.*" events to every
 * channel of the event's tenant, once per (event, channel): a redelivery skips channels that
 * already accepted the event. Returns a negative code while any channel fails, so the bus retries
 * it with backoff and dead-letters it in the end. Registered by og_gate_handlers_register(). */
int og_notify_handle_event(og_ctx *ctx, const og_event *ev, void *arg);
#define OG_NOTIFY_HANDLER "notify"

/* Append to arr one object per channel send of an event: {event_id, channel_id, type, target,
 * state ("sent"|"failed"), attempts, last_error, at}. For `gate show`. */
int og_notify_event_status(og_store *s, const char *event_id, json_t *arr);

/* Seal the targets of channels stored before notify schema step 2 (in clear then), keeping only
 * their redacted form in clear. Needs ctx->keys. Listing, testing and delivering do this for the
 * tenant first; the server calls it for all tenants at start-up. Returns the number sealed
 * or a negative code. */
int og_notify_seal_legacy(og_ctx *ctx);

/* Prometheus text: sends and failures by tenant and channel type. */
int og_notify_metrics_render(og_store *s, og_buf *out);

/* Register the audit trail's namer of notification channels (type and redacted target). */
int og_notify_audit_names_register(void);

#endif
