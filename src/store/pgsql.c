/* pgsql.c - portable SQL text made PostgreSQL's: `?` placeholders become `$n`, outside string
 * literals, quoted identifiers, dollar-quoted strings and comments, and SQLite's planner hint
 * `INDEXED BY name` is dropped (PostgreSQL plans for itself). No libpq here (fuzzed alone).
 */
#include "opsgate/error.h"
#include "store/store_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* PostgreSQL's wire protocol counts parameters in 16 bits. */
#define PG_MAX_PARAMS 65535

static int ident_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c >= 0x80;
}

static int tag_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

/* Length of the literal, identifier or comment starting at p (none: 0). Unterminated ones run to
 * the end of the text (the server refuses them). word is the length of the word (a run of
 * identifier bytes outside literals) that ends right before p, 0 if none. */
static size_t skip_quoted(const char *p, size_t word)
{
    const char *q = p;
    if (*p == '\'' || *p == '"') {
        char quote = *p;
        /* E'...' (an escape string: a word E before it): a backslash escapes the next byte */
        int esc = quote == '\'' && word == 1 && (p[-1] == 'E' || p[-1] == 'e');
        for (q = p + 1; *q; q++) {
            if (esc && *q == '\\' && q[1]) {
                q++;
            } else if (*q == quote) {
                if (q[1] != quote)
                    return (size_t)(q + 1 - p);
                q++;
            }
        }
        return (size_t)(q - p);
    }
    if (p[0] == '-' && p[1] == '-') {
        for (q = p; *q && *q != '\n'; q++)
            ;
        return (size_t)(q - p);
    }
    if (p[0] == '/' && p[1] == '*') { /* nested, as PostgreSQL's */
        int depth = 0;
        for (q = p; *q; q++) {
            if (q[0] == '/' && q[1] == '*') {
                depth++;
                q++;
            } else if (q[0] == '*' && q[1] == '/') {
                q++;
                if (--depth == 0)
                    return (size_t)(q + 1 - p);
            }
        }
        return (size_t)(q - p);
    }
    if (*p == '$' && word == 0) { /* $tag$ ... $tag$, the tag possibly empty */
        size_t t = 1;
        if (tag_start((unsigned char)p[1]))
            while (ident_char((unsigned char)p[t]) && p[t] != '$')
                t++;
        if (p[t] != '$')
            return 0; /* $1 or a lone $ */
        size_t taglen = t + 1;
        for (q = p + taglen; *q; q++)
            if (*q == '$' && strncmp(q, p, taglen) == 0)
                return (size_t)(q + taglen - p);
        return (size_t)(q - p);
    }
    return 0;
}

/* Length of SQLite's `INDEXED BY name` starting at p (a word start outside literals), 0 if the
 * text there is not one. The name is a plain identifier; the hint ends where the name does. */
static size_t index_hint(const char *p)
{
    size_t i = 7, j;
    if (strncasecmp(p, "INDEXED", 7) != 0 || !p[7] || !strchr(" \t\r\n", p[7]))
        return 0;
    while (p[i] && strchr(" \t\r\n", p[i]))
        i++;
    if (strncasecmp(p + i, "BY", 2) != 0 || !p[i + 2] || !strchr(" \t\r\n", p[i + 2]))
        return 0;
    i += 2;
    while (p[i] && strchr(" \t\r\n", p[i]))
        i++;
    if (!tag_start((unsigned char)p[i]))
        return 0;
    for (j = i; ident_char((unsigned char)p[j]) && p[j] != '$';)
        j++;
    return ident_char((unsigned char)p[j]) ? 0 : j;
}

int og_store__pg_translate(const char *sql, char **out, int *nparams)
{
    size_t len = strlen(sql);
    int next = 0, max = 0;
    *out = NULL;
    *nparams = 0;
    if (len > (SIZE_MAX - 1) / 6)
        return og_error_set(OG_ETOOBIG, "SQL text too long");
    char *buf = malloc(len * 6 + 1); /* `?` (1 byte) becomes at most `$65535` (6) */
    if (!buf)
        return og_error_set(OG_ERROR, "out of memory");
    char *o = buf;
    size_t word = 0;
    for (const char *p = sql; *p;) {
        size_t n = skip_quoted(p, word);
        if (n) {
            memcpy(o, p, n);
            o += n;
            p += n;
            word = 0;
            continue;
        }
        if (word == 0 && (n = index_hint(p)) > 0) {
            p += n;
            continue;
        }
        if (*p != '?') {
            word = ident_char((unsigned char)*p) ? word + 1 : 0;
            *o++ = *p++;
            continue;
        }
        long num;
        p++;
        if (*p >= '0' && *p <= '9') { /* ?NNN, as SQLite numbers it */
            num = 0;
            for (int digits = 0; *p >= '0' && *p <= '9' && digits < 5; digits++)
                num = num * 10 + (*p++ - '0');
            if (num < 1 || num > PG_MAX_PARAMS || (*p >= '0' && *p <= '9')) {
                free(buf);
                return og_error_set(OG_EINVAL,
                                    "SQL parameter number out of range 1..%d (at most 5 digits)",
                                    PG_MAX_PARAMS);
            }
        } else { /* a bare ? takes the number after the largest so far, as in SQLite */
            num = max + 1;
            if (num > PG_MAX_PARAMS) {
                free(buf);
                return og_error_set(OG_EINVAL, "more than %d SQL parameters", PG_MAX_PARAMS);
            }
        }
        next = (int)num;
        if (next > max)
            max = next;
        o += sprintf(o, "$%d", next);
        word = 0;
    }
    *o = '\0';
    *out = buf;
    *nparams = max;
    return 0;
}

/* 1 when sql (PostgreSQL's text) is a plain read: it begins with SELECT, takes no row locks and
 * calls no function known to write or lock. Anything else runs under a savepoint. */
int og_store__pg_read_only(const char *sql)
{
    static const char *const writes[] = {
        "for update",  "for share", "for no key",      "for key share", "nextval", "setval",
        "pg_advisory", "pg_notify", "pg_try_advisory", "set_config",    "lo_",     "dblink"};
    while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(')
        sql++;
    if (strncasecmp(sql, "SELECT", 6) != 0 || (sql[6] && sql[6] != ' ' && sql[6] != '\n'))
        return 0;
    for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
        if (strcasestr(sql, writes[i]))
            return 0;
    return 1;
}
