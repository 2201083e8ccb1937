/* planted/planted_fuzz_autotask_map.c - a test of the fuzz test: the date check the Autotask
 * mapper had before fuzz_autotask_map found it (the YYYY-MM-DD pattern only, so "0000-00-00" and
 * "2026-02-30" became project data dates that documents then refuse), planted as an og_time_parse
 * that checks the pattern and no calendar. Linked in front of the library, it replaces the real
 * function; fuzz_autotask_map_planted must then fail, which shows that the target's date oracle
 * (its own calendar, not the library's parser) and its seeds catch that kind of bug. */
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <string.h>

int og_time_parse(const char *s, int64_t *out_us)
{
    if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return og_error_set(OG_EINVAL, "bad time");
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return og_error_set(OG_EINVAL, "bad time");
    *out_us = 0;
    return 0;
}
