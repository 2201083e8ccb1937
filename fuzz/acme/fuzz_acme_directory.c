/* fuzz_acme_directory.c - libFuzzer target for ACME directory objects (RFC 8555 §7.1.1). */
#include "acme/acme_internal.h"
#include "acme_oracle.h"
#include "fuzz_util.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

/*
 * The input is the body a CA answers GET <directory URL> with (`acme account create
 * --directory`: the CA is the MSP's choice, not under its control). Checked:
 * - a refusal is OG_ERROR (the CA's fault) with a clean message naming the directory URL;
 * - an accepted directory has newNonce, newAccount and newOrder, nothing but the six members
 *   the client asks for, each an absolute http(s) URL of printable ASCII (oracle_url), and each
 *   the very string the CA sent (read back with jansson).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WHAT "https://ca.test/dir"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const known[] = {"newNonce",  "newAccount", "newOrder",
                                        "keyChange", "revokeCert", "renewalInfo"};
    json_t *dir = NULL, *raw = NULL;
    json_error_t je;
    og_error_clear();
    int rc = og_acme__directory_parse((const char *)data, size, WHAT, &dir);
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_ERROR);
        FUZZ_ASSERT(dir == NULL);
        FUZZ_ASSERT(strstr(og_error_last(), WHAT));
        return 0;
    }
    FUZZ_ASSERT(rc == 0 && json_is_object(dir));
    raw = json_loadb((const char *)data, size, 0, &je);
    FUZZ_ASSERT(json_is_object(raw));
    const char *k;
    json_t *v;
    json_object_foreach(dir, k, v)
    {
        size_t i = 0;
        while (i < 6 && strcmp(k, known[i]) != 0)
            i++;
        if (i == 6)
            FUZZ_FAIL("the directory kept member '%s'", k);
        FUZZ_ASSERT(json_is_string(v));
        oracle_url(json_string_value(v), k);
        FUZZ_ASSERT(json_equal(v, json_object_get(raw, k)));
    }
    for (size_t i = 0; i < 3; i++)
        FUZZ_ASSERT(json_object_get(dir, known[i]));
    fuzz_log("accepted %zu members", json_object_size(dir));
    json_decref(raw);
    json_decref(dir);
    return 0;
}
