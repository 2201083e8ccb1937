/* fuzz_acme_order.c - libFuzzer target for ACME order objects (RFC 8555 §7.1.3). */
#include "acme/acme_internal.h"
#include "acme_oracle.h"
#include "fuzz_util.h"

#include <stdint.h>
#include <string.h>

/*
 * The input is the body a CA answers newOrder or an order poll with. Checked:
 * - a refusal is OG_ERROR with a clean message naming the URL asked, and leaves the order
 *   empty (nothing to free, nothing half-filled);
 * - an accepted order has a status the RFC lists, an http(s) finalize URL, a certificate URL
 *   that is empty or http(s), at most OG_ACME_MAX_NAMES authorizations, each an http(s) URL;
 *   clearing it twice is safe.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WHAT "https://ca.test/order/1"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    og_acme_order_obj o;
    memset(&o, 0x5a, sizeof(o));
    og_error_clear();
    int rc = og_acme__order_parse((const char *)data, size, WHAT, &o);
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_ERROR);
        FUZZ_ASSERT(strstr(og_error_last(), WHAT));
        FUZZ_ASSERT(o.nauthz == 0 && o.authz[0] == NULL && o.status[0] == '\0');
        return 0;
    }
    FUZZ_ASSERT(rc == 0);
    oracle_status(o.status, sizeof(o.status), "pending,ready,processing,valid,invalid", "order");
    oracle_url(o.finalize, "finalize");
    FUZZ_ASSERT(memchr(o.certificate, '\0', sizeof(o.certificate)));
    if (o.certificate[0])
        oracle_url(o.certificate, "certificate");
    FUZZ_ASSERT(o.nauthz <= OG_ACME_MAX_NAMES);
    for (size_t i = 0; i < o.nauthz; i++)
        oracle_url(o.authz[i], "authorization");
    fuzz_log("order %s with %zu authorizations", o.status, o.nauthz);
    og_acme__order_obj_clear(&o);
    og_acme__order_obj_clear(&o);
    return 0;
}
