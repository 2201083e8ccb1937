/* acme_oracle.h - what the ACME fuzz targets require of everything a parser accepted, written
 * independently of src/acme: URLs, statuses, tokens. */
#ifndef OPSGATE_FUZZ_ACME_ORACLE_H
#define OPSGATE_FUZZ_ACME_ORACLE_H

#include "fuzz_util.h"

#include <string.h>

/* An absolute http(s) URL with a host, of printable ASCII only (no space, no control character,
 * nothing a request line, a header or a log line could be split by), under 1024 bytes. */
static inline void oracle_url(const char *u, const char *what)
{
    size_t n = strnlen(u, 1024);
    if (n == 0 || n >= 1024)
        FUZZ_FAIL("%s: an accepted URL of %zu bytes", what, n);
    size_t host = strncmp(u, "https://", 8) == 0 ? 8 : strncmp(u, "http://", 7) == 0 ? 7 : 0;
    if (!host || n == host || u[host] == '/')
        FUZZ_FAIL("%s: accepted URL '%s' is not absolute http(s)", what, u);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
            FUZZ_FAIL("%s: accepted URL with byte 0x%02x", what, (unsigned char)u[i]);
}

/* One of the comma-separated statuses, whole. */
static inline void oracle_status(const char *st, size_t size, const char *known, const char *what)
{
    char list[128];
    if (!memchr(st, '\0', size))
        FUZZ_FAIL("%s: status not NUL-terminated", what);
    snprintf(list, sizeof(list), ",%s,", known);
    char needle[32];
    snprintf(needle, sizeof(needle), ",%.20s,", st);
    if (!*st || !strstr(list, needle))
        FUZZ_FAIL("%s: accepted status '%s' is not one of %s", what, st, known);
}

#endif
