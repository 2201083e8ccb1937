/* vendor_rmm.h - what the RMM adaptors (NinjaOne, Datto RMM) share: the vendors' error shapes and
 * checks on what a device record names. Adaptor-private. */
#ifndef OPSGATE_CONNECTOR_VENDOR_RMM_H
#define OPSGATE_CONNECTOR_VENDOR_RMM_H

#include "connector_internal.h"

/* The connector's name for messages (its kind when unnamed). */
const char *og_rmm_cname(const og_conn *c);
/* The RMMs' error answers: OAuth {error, error_description}, NinjaOne {errorMessage}, Spring
 * {message, error}, or plain text; control characters blanked, at most 300 bytes. */
void og_rmm_error_message(long status, const og_buf *body, const json_t *json, char *out,
                          size_t size);
/* s is an IPv4 or IPv6 address in text form (what a device's address list may hold). */
int og_rmm_is_ip(const char *s);
/* Add s to addrs (of cap) when it is an IP address not yet there; returns the new count. */
size_t og_rmm_addr_add(const char **addrs, size_t n, size_t cap, const char *s);
/* A device name fit for a scan target: 1..253 bytes of letters, digits, '-', '_', '.'. */
int og_rmm_name_ok(const char *s);

#endif
