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

/* The pure device mappings (no request; fuzzed by fuzz_ninjaone_device and
 * fuzz_dattormm_device): one vendor device record to og_conn_device, handed to fn (its result
 * returned). Records without an id are skipped (0). NinjaOne: since_s < 0 takes every device,
 * else those updated at or after since_s epoch seconds (and those without lastUpdate). */
int og_rmm_ninja_device(const json_t *d, double since_s, og_conn_device_fn fn, void *arg);
int og_rmm_datto_device(const json_t *d, og_conn_device_fn fn, void *arg);

#endif
