/* planted/planted_fuzz_duration.c - a test of the fuzz test: og_duration_parse as it was before the
 * fuzz target found it taking " 5m" and "+5m" (strtoll skips spaces and takes a sign). Linked in
 * front of the library, it replaces the real function; fuzz_duration_planted must then fail
 * (WILL_FAIL), which shows that the target and its corpus catch that kind of bug. */
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdlib.h>
#include <string.h>

int og_duration_parse(const char *s, int64_t *out_us)
{
    char *end = NULL;
    if (!s || !*s)
        return og_error_set(OG_EINVAL, "missing duration");
    long long v = strtoll(s, &end, 10);
    if (end == s || v <= 0 || v > 100000000LL)
        return og_error_set(OG_EINVAL, "bad duration '%s'", s);
    static const char units[] = "smhdw";
    static const int64_t us[] = {1000000LL, 60000000LL, 3600000000LL, 86400000000LL,
                                 604800000000LL};
    const char *u = strchr(units, *end);
    if (!*end || !u || end[1])
        return og_error_set(OG_EINVAL, "bad duration '%s'", s);
    *out_us = v * us[u - units];
    return 0;
}
