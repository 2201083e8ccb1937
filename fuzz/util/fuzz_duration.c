/* fuzz_duration.c - libFuzzer target for og_duration_parse(), against an oracle. */
#include "fuzz_util.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The input is a duration as a command line or a JSON field gives it. The oracle is the grammar
 * the help texts state: one or more ASCII digits, a value from 1 to 100000000, then exactly one
 * unit letter of s, m, h, d, w, and nothing else (no sign, no space); the result must fit in
 * int64 microseconds. og_duration_parse must
 * accept exactly that, with the value times the unit in microseconds, and refuse anything else
 * with OG_EINVAL and a message that names the input.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool oracle(const char *s, int64_t *us)
{
    static const struct {
        char unit;
        int64_t us;
    } units[] = {{'s', 1000000LL},
                 {'m', 60 * 1000000LL},
                 {'h', 3600 * 1000000LL},
                 {'d', 86400 * 1000000LL},
                 {'w', 7 * 86400 * 1000000LL}};
    size_t n = strlen(s), i = 0;
    int64_t v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (v <= 100000000LL)
            v = v * 10 + (s[i] - '0');
        i++;
    }
    if (i == 0 || i + 1 != n || v < 1 || v > 100000000LL)
        return false;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++)
        if (s[i] == units[u].unit) {
            if (v > INT64_MAX / units[u].us) /* 100000000w does not fit in microseconds */
                return false;
            *us = v * units[u].us;
            return true;
        }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t want = 0, got = -1;
    bool ok = oracle(s, &want);
    og_error_clear();
    int rc = og_duration_parse(s, &got);
    fuzz_log("'%s': oracle %s, rc=%d", s, ok ? "accepts" : "refuses", rc);
    if (ok != (rc == 0))
        FUZZ_FAIL("'%s': the oracle %s it, og_duration_parse gave %d", s,
                  ok ? "accepts" : "refuses", rc);
    if (ok && got != want)
        FUZZ_FAIL("'%s': %lld us, the oracle says %lld", s, (long long)got, (long long)want);
    if (!ok)
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL);
    free(s);
    return 0;
}
