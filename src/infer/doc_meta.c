/* doc_meta.c - the metadata a document's text suggests, by rules: the total amount (the amount on
 * the last line that says "total"), the dates it names (ISO, "March 3, 2026", "3 March 2026"),
 * and the client and project when one of the tenant's projects is named in it. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DATES_MAX     8
#define META_TEXT_MAX ((size_t)1 << 20)

static const char *const MONTHS[] = {"january",   "february", "march",    "april",
                                     "may",       "june",     "july",     "august",
                                     "september", "october",  "november", "december"};

/* The month named by the word at p (full name or its first three letters), 1..12, or 0; *n its
 * length. */
static int month_at(const char *p, size_t *n)
{
    size_t len = 0;
    while (isalpha((unsigned char)p[len]))
        len++;
    for (int m = 0; m < 12; m++)
        if ((len == strlen(MONTHS[m]) || len == 3) && strncasecmp(p, MONTHS[m], len) == 0) {
            *n = len;
            return m + 1;
        }
    return 0;
}

static int add_date(json_t *dates, int y, int m, int d)
{
    char iso[16];
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, d);
    for (size_t i = 0; i < json_array_size(dates); i++)
        if (strcmp(json_string_value(json_array_get(dates, i)), iso) == 0)
            return 0;
    return json_array_size(dates) < DATES_MAX ? json_array_append_new(dates, json_string(iso)) : 0;
}

/* Every date at the start of word p, added to dates; how far to skip. */
static size_t date_at(const char *p, json_t *dates)
{
    int y, m, d, k = 0;
    size_t n;
    char mon[16];
    if (sscanf(p, "%4d-%2d-%2d%n", &y, &m, &d, &k) == 3 && k == 10) {
        add_date(dates, y, m, d);
        return (size_t)k;
    }
    if ((m = month_at(p, &n)) && sscanf(p + n, " %2d, %4d%n", &d, &y, &k) == 2) {
        add_date(dates, y, m, d);
        return n + (size_t)k;
    }
    if (isdigit((unsigned char)p[0]) && sscanf(p, "%2d %15[A-Za-z] %4d%n", &d, mon, &y, &k) == 3 &&
        month_at(mon, &n) && n == strlen(mon)) {
        add_date(dates, y, month_at(mon, &n), d);
        return (size_t)k;
    }
    return 1;
}

/* The amount on line (up to end): the last number of the line with its cents, commas dropped,
 * and the currency from a symbol or code before it. 1 when found. */
static int amount_on(const char *line, const char *end, char *amount, size_t size, char *cur)
{
    const char *p = line, *best = NULL;
    cur[0] = '\0';
    for (; p < end; p++)
        if (isdigit((unsigned char)*p) &&
            (p == line || (!isalnum((unsigned char)p[-1]) && p[-1] != '.' &&
                           !(p[-1] == ',' && p - 1 > line && isdigit((unsigned char)p[-2])))))
            best = p;
    if (!best)
        return 0;
    size_t n = 0;
    for (p = best;
         p < end && n + 1 < size && (isdigit((unsigned char)*p) || *p == ',' || *p == '.'); p++)
        if (*p != ',')
            amount[n++] = *p;
    while (n && amount[n - 1] == '.')
        n--;
    amount[n] = '\0';
    const char *q = best;
    while (q > line && q[-1] == ' ')
        q--;
    if (q > line && (q[-1] == '$' || strncmp(q - 1, "\xe2\x82\xac", 1) == 0))
        strcpy(cur, q[-1] == '$' ? "USD" : "EUR");
    else if (q - line >= 3 && (!strncmp(q - 3, "USD", 3) || !strncmp(q - 3, "EUR", 3) ||
                               !strncmp(q - 3, "GBP", 3) || !strncmp(q - 3, "CHF", 3)))
        snprintf(cur, 4, "%.3s", q - 3);
    else if (q - line >= 3 && strncmp(q - 3, "\xe2\x82\xac", 3) == 0)
        strcpy(cur, "EUR");
    else if (q - line >= 2 && strncmp(q - 2, "\xc2\xa3", 2) == 0)
        strcpy(cur, "GBP");
    return n > 0;
}

/* 1 when word (any case) is in text as a whole word or phrase. */
static int names(const char *text, const char *word)
{
    size_t n = word ? strlen(word) : 0;
    if (n < 3)
        return 0;
    for (const char *p = strcasestr(text, word); p; p = strcasestr(p + 1, word))
        if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]))
            return 1;
    return 0;
}

int og_infer_doc_metadata(const char *text, json_t *projects, json_t **out)
{
    char amount[64] = "", cur[8] = "", a[64], c[8];
    json_t *dates = json_array(), *m = json_object();
    size_t len = strnlen(text, META_TEXT_MAX);
    char *t = strndup(text, len);
    int error = 0;
    *out = NULL;
    if (!dates || !m || !t) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (const char *line = t; *line;) {
        const char *end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        const char *tot = strcasestr(line, "total");
        if (tot && tot < end && amount_on(tot, end, a, sizeof(a), c)) {
            memcpy(amount, a, sizeof(amount));
            memcpy(cur, c, sizeof(cur));
        }
        line = *end ? end + 1 : end;
    }
    for (const char *p = t; *p;) {
        if (p == t || !isalnum((unsigned char)p[-1]))
            p += date_at(p, dates);
        else
            p++;
    }
    if (amount[0])
        json_object_set_new(m, "total", json_string(amount));
    if (cur[0])
        json_object_set_new(m, "currency", json_string(cur));
    if (json_array_size(dates))
        json_object_set(m, "dates", dates);
    for (size_t i = 0; i < json_array_size(projects); i++) {
        json_t *pr = json_array_get(projects, i);
        const char *client = json_string_value(json_object_get(pr, "client"));
        if (!json_object_get(m, "project") &&
            (names(t, json_string_value(json_object_get(pr, "key"))) ||
             names(t, json_string_value(json_object_get(pr, "name"))))) {
            json_object_set(m, "project", json_object_get(pr, "key"));
            if (client && *client)
                json_object_set_new(m, "client", json_string(client));
        }
        if (!json_object_get(m, "client") && client && names(t, client))
            json_object_set_new(m, "client", json_string(client));
    }
    *out = m;
    m = NULL;
cleanup:
    json_decref(dates);
    json_decref(m);
    free(t);
    return error;
}
