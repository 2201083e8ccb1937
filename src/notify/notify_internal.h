/* notify_internal.h - helpers shared by the files of the notify module only. */
#ifndef OPSGATE_NOTIFY_INTERNAL_H
#define OPSGATE_NOTIFY_INTERNAL_H

#include "opsgate/notify.h"
#include "opsgate/sys/notifier.h"

#include <stdbool.h>

/* The built-in channel types (transport.c). */
extern const og_notifier og_notify__webhook;
extern const og_notifier og_notify__email;

/* X-Opsgate-Signature value for a body sent at unix time t: "t=<t>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">". */
int og_notify__webhook_signature(const void *secret, size_t secret_len, int64_t t, const char *body,
                                 size_t body_len, char out[128]);

/* The host of url (as libcurl parses it: an IPv6 literal keeps its brackets) into host; schemes
 * (NULL-terminated, e.g. {"http", "https", NULL}) limits the scheme when not NULL. OG_EINVAL with
 * the redacted URL in the message. */
int og_notify__url_host(const char *url, const char *const *schemes, char *host, size_t size);
/* The host a built-in channel type connects to (webhook: its URL; email: its SMTP URL, given as
 * the secret); "" for other types. */
int og_notify__endpoint_host(const char *type, const char *target, const void *secret,
                             size_t secret_len, char *host, size_t size);

/* ---- scopes (channel.c): a tenant's channels or the platform's ---- */
typedef struct og_notify__scope {
    int platform;        /* the platform's channels (notify_platform_channels) */
    char tid[OG_ID_LEN]; /* the tenant's id; "" for the platform */
} og_notify__scope;

/* tenant: a tenant reference, or OG_NOTIFY_PLATFORM. Checks perm on the tenant, or the
 * platform-admin role for the platform; change ("adding", "removing" ...) also needs an admin of
 * the scope, and names the operation in the refusal. */
int og_notify__scope_get(og_ctx *ctx, const char *tenant, og_perm perm, const char *change,
                         og_notify__scope *out);
/* Prepare SQL over the scope's channel table: "%T" is the table, "%O" an owner test that takes
 * one parameter, bound to sc->tid ("" for the platform). */
int og_notify__scope_prepare(og_stmt **st, og_store *s, const og_notify__scope *sc,
                             const char *tmpl);
/* The object id a channel's target is sealed under: "<channel id>:target". */
void og_notify__target_object(const char *channel_id, char out[OG_ID_LEN + 8]);
/* Seal the legacy (pre step 2) targets of one tenant's channels; the number sealed. */
int og_notify__seal_legacy_tenant(og_ctx *ctx, const char *tid);

/* ---- payload values made safe to show (clean.c) ---- */
/* n bytes of s or fewer, never splitting a UTF-8 sequence. */
size_t og_notify__utf8_cut(const char *s, size_t n);
/* A deep copy of v with every string cleaned: control characters made spaces, at most 300
 * bytes (object keys 64) ending in "…" when cut; depth and size bounded. New reference. */
json_t *og_notify__clean_json(const json_t *v, int depth);

/* ---- channel event filters (filter.c) ---- */
#define OG_NOTIFY_MAX_PATTERNS 16
#define OG_NOTIFY_PATTERN_MAX  63
#define OG_NOTIFY_EVENTS_MAX   (OG_NOTIFY_MAX_PATTERNS * (OG_NOTIFY_PATTERN_MAX + 1) + 1)

/* The canonical form of a filter given as "certs.*, gate.review" (comma-separated globs over
 * event types, fnmatch(3) syntax): trimmed, deduplicated, "*" alone when it holds "*" or is
 * empty/NULL (every event). OG_EINVAL naming a bad pattern: characters outside [a-z0-9._*?-],
 * an empty item, or a pattern that matches none of og_notify_event_types (a typo would mute the
 * channel silently). out holds OG_NOTIFY_EVENTS_MAX bytes. */
int og_notify__events_parse(const char *spec, char *out, size_t size);
/* Whether type matches the canonical filter canon (NULL or "*" = every type). */
bool og_notify__events_match(const char *canon, const char *type);
/* The canonical filter as a JSON array of patterns (["*"] for every event). */
json_t *og_notify__events_json(const char *canon);

#endif
