/* notifier.h - what a notification channel type implements (webhook and email are built in; the
 * PSA-ticket channel of a later issue plugs in here). */
#ifndef OPSGATE_SYS_NOTIFIER_H
#define OPSGATE_SYS_NOTIFIER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "opsgate/context.h"

/* A channel as a notifier sees it when sending. Everything is borrowed for the call. */
typedef struct og_notify_channel {
    const char *id;
    const char *tenant_id;
    const char *type;
    const char *target;    /* URL, address, queue name ... as given at add time: secret (a URL
                            * may carry credentials), name it only through og_url_redact() */
    const uint8_t *secret; /* the opened secret (HMAC key, credentials, SMTP URL), may be NULL */
    size_t secret_len;
    const json_t *config; /* non-secret settings given at add time (an object) */
    /* The addresses this send may connect to (egress.h): check the resolved address of every
     * connection with og_egress_check_sockaddr() before connecting. Never NULL from the notify
     * module; a NULL policy allows global unicast addresses only. */
    const struct og_egress *egress;
    /* The delivery's context (store, keys, the system actor), for notifiers that keep state
     * (the psa notifier's ticket records) or use another module's objects (a connector). Never
     * NULL from the notify module; no transaction is open. */
    og_ctx *ctx;
} og_notify_channel;

/* One notification. Borrowed for the call. */
typedef struct og_notify_msg {
    const char *event_id;   /* stable across retries: receivers deduplicate on it */
    const char *event_type; /* "gate.review", "gate.approval", "notify.test", ... */
    const char *tenant_id;
    const char *subject;     /* one line for humans, UTF-8, no control characters: names the
                              * client, the object, what happened and what to do */
    const char *text;        /* the body for humans: plain UTF-8 text, lines end in "\n" */
    const json_t *payload;   /* the event's machine fields (webhook body, ticket fields) */
    const char *tenant_name; /* the client's name; NULL for a platform event */
} og_notify_msg;

typedef struct og_notifier {
    const char *type; /* "webhook", "email", "psa" */
    /* Check target, secret and config when a channel is added (OG_EINVAL naming the problem).
     * May be NULL. */
    int (*validate)(const char *target, const void *secret, size_t secret_len,
                    const json_t *config);
    /* Deliver one message: 0 when the far end accepted it, else a negative code with a message.
     * Must time out on its own (a channel never blocks a worker for long) and must be safe to
     * call again with the same message (at-least-once). */
    int (*send)(const og_notify_channel *ch, const og_notify_msg *msg);
} og_notifier;

/* Register a channel type, process-wide (n is borrowed for the process). OG_EEXISTS if taken. */
int og_notifier_register(const og_notifier *n);
const og_notifier *og_notifier_find(const char *type);

#endif
