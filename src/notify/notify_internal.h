/* notify_internal.h - helpers shared by the files of the notify module only. */
#ifndef OPSGATE_NOTIFY_INTERNAL_H
#define OPSGATE_NOTIFY_INTERNAL_H

#include "opsgate/notify.h"
#include "opsgate/sys/notifier.h"

/* The built-in channel types (transport.c). */
extern const og_notifier og_notify__webhook;
extern const og_notifier og_notify__email;

/* X-Opsgate-Signature value for a body sent at unix time t: "t=<t>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">". */
int og_notify__webhook_signature(const void *secret, size_t secret_len, int64_t t,
                                 const char *body, size_t body_len, char out[128]);

#endif
