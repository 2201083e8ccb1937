/* planted/planted_fuzz_pg_placeholders.c - a test of the fuzz test: a translation that knows only
 * '...' strings (the first one anyone writes), so that a `?` in a comment, a quoted identifier, an
 * E'\'' string or a dollar-quoted string becomes a parameter. Linked in front of the library, it
 * replaces the real function; fuzz_pg_placeholders_planted must then fail. */
#include "opsgate/error.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int og_store__pg_translate(const char *sql, char **out, int *nparams)
{
    char *buf = malloc(strlen(sql) * 6 + 1), *o = buf;
    int n = 0, quoted = 0;
    if (!buf)
        return og_error_set(OG_ERROR, "out of memory");
    for (const char *p = sql; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        if (*p == '?' && !quoted)
            o += sprintf(o, "$%d", ++n);
        else
            *o++ = *p;
    }
    *o = '\0';
    *out = buf;
    *nparams = n;
    return 0;
}
