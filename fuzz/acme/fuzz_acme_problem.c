/* fuzz_acme_problem.c - libFuzzer target for ACME problem documents (RFC 8555 section 6.7). */
#include "acme/acme_internal.h"
#include "fuzz_util.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The input is the body of an error response from an ACME CA (the CA is outside the MSP's
 * control: a hostile or broken one must not crash opsgate or poison its logs); the first two
 * bytes pick the HTTP status. Checked: the result is one of the documented codes (OG_EBUSY,
 * OG_ENOTFOUND, OG_ECONFLICT, OG_EUPSTREAM, OG_ERROR), the message is set, valid UTF-8 and names
 * the operation, and the type buffer is a NUL-terminated string within its 128 bytes.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char type[128];
    if (size < 2)
        return 0;
    long status = 100 + (long)((data[0] << 8 | data[1]) % 500);
    memset(type, 'x', sizeof(type));
    og_error_clear();
    int rc = og_acme__problem("new-order", status, (const char *)data + 2, size - 2, type);
    FUZZ_CHECK_REFUSAL(rc, OG_EBUSY, OG_ENOTFOUND, OG_ECONFLICT, OG_EUPSTREAM, OG_ERROR);
    FUZZ_ASSERT(strstr(og_error_last(), "new-order"));
    FUZZ_ASSERT(memchr(type, '\0', sizeof(type)));
    fuzz_log("type=%s", type);
    return 0;
}
