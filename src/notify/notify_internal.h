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

#endif
