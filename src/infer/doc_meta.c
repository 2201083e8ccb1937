/* doc_meta.c - the metadata a document's text suggests, by rules: the total amount (the amount on
 * the last line that says "total", "gesamt" or "summe"), the dates it names (ISO, "March 3,
 * 2026", "3 March 2026", "03.03.2026", German and French month names), and the client and
 * project when one of the tenant's projects is named in it. The learned metadata
 * (doc_meta_model.c) replaces these guesses where its model is sure. */
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

static int add_date(json_t *dates, const char *iso)
{
    for (size_t i = 0; i < json_array_size(dates); i++)
        if (strcmp(json_string_value(json_array_get(dates, i)), iso) == 0)
            return 0;
    return json_array_size(dates) < DATES_MAX ? json_array_append_new(dates, json_string(iso)) : 0;
}

/* The amount on line (up to end): the last number of the line (og_infer__number_at: US, German
 * and French formats), and its currency from a sign or code next to it. 1 when found. */
static int amount_on(const char *line, const char *end, char *amount, size_t size, char *cur)
{
    char v[64], c[4];
    int money, found = 0;
    for (const char *p = line; p < end;) {
        size_t k = 0;
        if ((p == line || !(isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == ',')) &&
            (k = og_infer__number_at(p, v, sizeof(v), c, &money)) > 0 && p + k <= end) {
            og_strlcpy(amount, v, size);
            og_strlcpy(cur, c, 4);
            found = 1;
            p += k;
        } else
            p++;
    }
    return found && amount[0];
}

/* The first place of word (any case) in [s, e), or NULL: within the line only, where strcasestr
 * would read the rest of the document for every line (quadratic in its length). */
static const char *find_in(const char *s, const char *e, const char *word)
{
    size_t n = strlen(word);
    int c0 = tolower((unsigned char)word[0]);
    /* the first letter told before the whole word: most places are not even that */
    for (const char *p = s; p + n <= e; p++)
        if (tolower((unsigned char)*p) == c0 && strncasecmp(p, word, n) == 0)
            return p;
    return NULL;
}

/* The first word of the line that says the total: "total", "gesamt" (Gesamtbetrag), "summe". */
static const char *total_word(const char *line, const char *end)
{
    static const char *const words[] = {"total", "gesamt", "summe", NULL};
    const char *best = NULL;
    for (int i = 0; words[i]; i++) {
        const char *p = find_in(line, best ? best : end, words[i]);
        if (p)
            best = p;
    }
    return best;
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
        const char *tot = total_word(line, end);
        if (tot && amount_on(tot, end, a, sizeof(a), c)) {
            memcpy(amount, a, sizeof(amount));
            memcpy(cur, c, sizeof(cur));
        }
        line = *end ? end + 1 : end;
    }
    for (const char *p = t; *p;) {
        char iso[11];
        int fmt;
        size_t k = 0;
        if ((p == t || !(isalnum((unsigned char)p[-1]) || (unsigned char)p[-1] >= 0x80)) &&
            (k = og_infer__date_at(p, iso, &fmt)) > 0)
            add_date(dates, iso);
        p += k ? k : 1;
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
