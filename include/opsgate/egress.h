/* egress.h - which addresses opsgate may connect to for a tenant's channel (webhook, SMTP), a
 * connector's base URL and login host, and an ACME CA (its directory and every URL it names): a
 * guard against server-side request forgery by whoever configures the URL.
 *
 * Special-purpose addresses (loopback, private, shared, link-local, unique-local, multicast,
 * unspecified, reserved, documentation ...: og_netaddr_special() in util.h) are refused unless a
 * platform-admin allowed a range holding them; global unicast addresses are always allowed.
 * The check belongs at connect time, on the RESOLVED address of every connection (a host name
 * that resolves to 127.0.0.1, or re-resolves there later, is refused): with libcurl, from a
 * CURLOPT_OPENSOCKETFUNCTION that returns CURL_SOCKET_BAD when og_egress_check_sockaddr() fails.
 * The allowed ranges live in the notify module's tables (platform scope, audited on the platform
 * chain). */
#ifndef OPSGATE_EGRESS_H
#define OPSGATE_EGRESS_H

#include <jansson.h>
#include <stddef.h>

#include "opsgate/context.h"
#include "opsgate/util.h"

/* A snapshot of the allowed ranges, read once per delivery. Immutable, so threads may share it. */
typedef struct og_egress og_egress;

/* Load the allowed ranges. Caller frees with og_egress_free(). */
int og_egress_load(og_egress **out, og_store *s);
void og_egress_free(og_egress *p); /* NULL-safe */

/* 0 when p allows connecting to a, else OG_EDENIED with a message naming the address and its
 * range, og_error_detail() OG_EGRESS_DETAIL_REFUSED and og_error_detail_arg() the range (a face
 * adds how a platform-admin allows it). A NULL p allows global unicast only. */
#define OG_EGRESS_DETAIL_REFUSED "egress_refused"
int og_egress_check(const og_egress *p, const og_netaddr *a);
/* The same for a struct sockaddr (AF_INET/AF_INET6); other families are refused (OG_EDENIED). */
int og_egress_check_sockaddr(const og_egress *p, const void *sa, size_t len);
/* For configuration time: a host that is a numeric address (any spelling the resolver takes) is
 * checked now; a host name returns 0 (it is checked when connecting). */
int og_egress_check_host(const og_egress *p, const char *host);

/* ---- the allowed ranges: platform-admin only, audited (notify.egress.allow / .remove) ---- */
/* Allow a range (og_cidr_parse() syntax, stored in canonical form); note may be NULL.
 * OG_EEXISTS when the range is allowed already. */
int og_egress_allow_add(og_ctx *ctx, const char *cidr, const char *note);
/* OG_ENOTFOUND when the range is not allowed. */
int og_egress_allow_remove(og_ctx *ctx, const char *cidr);
/* [{range, note, created_at, created_by}], oldest first. Caller decrefs *out. */
int og_egress_allow_list(og_ctx *ctx, json_t **out);

#endif
