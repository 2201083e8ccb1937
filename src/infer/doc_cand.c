/* doc_cand.c - the candidates of a document's metadata, found by rules: every money amount (a
 * currency sign or code, cents, thousands separators, or a "Label:" before it; US, German and
 * French number formats), every date (ISO, "March 3, 2026", "3 March 2026", "03.03.2026",
 * German and French month names), and every value that could be the client (a "Label: value"
 * or a table's label cell and the cell after it, a short capitalised line, a client of the
 * tenant's projects named in the text). Each candidate is described by hashed binary features
 * of its context (the words before and after it on its line, the line before, its position,
 * its shape, its rank among the others): numbers only. Which candidate is the document's total,
 * date or client is what a model per field learns (doc_meta_model.c). */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CAND_TEXT_MAX ((size_t)1 << 20)
#define CTX_WORDS     4
#define WORD_MAX      32

const char *const og_infer_doc_fields[] = {"total", "date", "client", NULL};

/* month names: English (and the first three letters), German, French; each with its length in
 * bytes */
#define MONTH(name, m)                                                                             \
    {                                                                                              \
        name, sizeof(name) - 1, m                                                                  \
    }
static const struct {
    const char *name;
    size_t len;
    int month;
} MONTHS[] = {
    MONTH("january", 1),   MONTH("february", 2),  MONTH("march", 3),     MONTH("april", 4),
    MONTH("may", 5),       MONTH("june", 6),      MONTH("july", 7),      MONTH("august", 8),
    MONTH("september", 9), MONTH("october", 10),  MONTH("november", 11), MONTH("december", 12),
    MONTH("januar", 1),    MONTH("jänner", 1),    MONTH("februar", 2),   MONTH("märz", 3),
    MONTH("maerz", 3),     MONTH("mai", 5),       MONTH("juni", 6),      MONTH("juli", 7),
    MONTH("oktober", 10),  MONTH("dezember", 12), MONTH("janvier", 1),   MONTH("février", 2),
    MONTH("fevrier", 2),   MONTH("mars", 3),      MONTH("avril", 4),     MONTH("juin", 6),
    MONTH("juillet", 7),   MONTH("août", 8),      MONTH("aout", 8),      MONTH("septembre", 9),
    MONTH("octobre", 10),  MONTH("novembre", 11), MONTH("décembre", 12), MONTH("decembre", 12),
    MONTH("sept", 9),      MONTH("dez", 12),      MONTH("okt", 10),      MONTH("mär", 3),
};

static int is_letter(unsigned char c)
{
    return isalpha(c) || c >= 0x80;
}

/* The month named by the word at p (a name above, or an English name's first three letters),
 * 1..12, or 0; *n the word's length. */
int og_infer__month_at(const char *p, size_t *n)
{
    size_t len = 0;
    while (is_letter((unsigned char)p[len]))
        len++;
    *n = len;
    /* every name is 3 to 9 bytes and starts with a letter of "adfjmnos" (ASCII): most words
     * of a document are none, told without comparing them to each name */
    if (len < 3 || len > 9 || !strchr("adfjmnos", tolower((unsigned char)p[0])))
        return 0;
    for (size_t m = 0; m < sizeof(MONTHS) / sizeof(MONTHS[0]); m++)
        if (len == MONTHS[m].len && tolower((unsigned char)p[0]) == MONTHS[m].name[0] &&
            strncasecmp(p, MONTHS[m].name, len) == 0)
            return MONTHS[m].month;
    for (int m = 0; len == 3 && m < 12; m++)
        if (strncasecmp(p, MONTHS[m].name, 3) == 0)
            return MONTHS[m].month;
    return 0;
}

static int valid_date(int y, int m, int d)
{
    return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* A date starting at p (a word's start): its length, "YYYY-MM-DD" into iso and its format
 * (0 ISO, 1 month-name, 2 dotted); 0 when none. */
size_t og_infer__date_at(const char *at, char iso[11], int *fmt)
{
    int y, m, d, k = 0;
    size_t n;
    /* sscanf measures its whole input first: it reads a copy of the bytes a date can take, not
     * the rest of the document from each word on (quadratic in the document's length) */
    char p[64];
    n = strnlen(at, sizeof(p) - 1);
    memcpy(p, at, n);
    p[n] = '\0';
    /* a date starts with a digit or a month's name: anything else is none */
    if (!isdigit((unsigned char)p[0]) && !is_letter((unsigned char)p[0]))
        return 0;
    if (isdigit((unsigned char)p[0]) && sscanf(p, "%4d-%2d-%2d%n", &y, &m, &d, &k) == 3 &&
        k == 10 && valid_date(y, m, d) && !isdigit((unsigned char)p[10])) {
        *fmt = 0;
        goto found;
    }
    if (isdigit((unsigned char)p[0]) && sscanf(p, "%2d.%2d.%4d%n", &d, &m, &y, &k) == 3 && k >= 8 &&
        valid_date(y, m, d) && !isdigit((unsigned char)p[k])) {
        *fmt = 2;
        goto found;
    }
    if ((m = og_infer__month_at(p, &n)) &&
        sscanf(p + n + (p[n] == '.'), " %2d, %4d%n", &d, &y, &k) == 2 && valid_date(y, m, d)) {
        k += (int)n + (p[n] == '.');
        *fmt = 1;
        goto found;
    }
    if (isdigit((unsigned char)p[0])) {
        const char *q = p;
        d = 0;
        while (isdigit((unsigned char)*q) && q - p < 2)
            d = d * 10 + (*q++ - '0');
        if (*q == '.' || (q[0] == 'e' && q[1] == 'r')) /* "3. März", "1er mars" */
            q += *q == '.' ? 1 : 2;
        if (*q != ' ')
            return 0;
        while (*q == ' ')
            q++;
        if (!(m = og_infer__month_at(q, &n)))
            return 0;
        q += n;
        if (*q == '.')
            q++;
        if (sscanf(q, " %4d%n", &y, &k) != 1 || !valid_date(y, m, d))
            return 0;
        k += (int)(q - p);
        *fmt = 1;
        goto found;
    }
    return 0;
found:
    snprintf(iso, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
    return (size_t)k;
}

/* The currency sign or code at p (out: "USD" ...), its length, 0 when none. */
static size_t currency_at(const char *p, char cur[4])
{
    static const char *const codes[] = {"USD", "EUR", "GBP", "CHF", "PLN",
                                        "SEK", "NOK", "DKK", NULL};
    if (*p == '$')
        return strcpy(cur, "USD"), 1;
    if (strncmp(p, "\xe2\x82\xac", 3) == 0)
        return strcpy(cur, "EUR"), 3;
    if (strncmp(p, "\xc2\xa3", 2) == 0)
        return strcpy(cur, "GBP"), 2;
    if (strncmp(p, "z\xc5\x82", 3) == 0 && !isalpha((unsigned char)p[3])) /* Polish zloty */
        return strcpy(cur, "PLN"), 3;
    for (int i = 0; codes[i]; i++)
        if (strncmp(p, codes[i], 3) == 0 && !isalpha((unsigned char)p[3]))
            return strcpy(cur, codes[i]), 3;
    return 0;
}

size_t og_infer__number_at(const char *p, char *value, size_t size, char cur[4], int *money)
{
    const char *q = p, *num;
    size_t n = 0, k;
    int groups = 0, cents = 0, bad = 0;
    char seps[16];
    cur[0] = '\0';
    *money = 0;
    if ((k = currency_at(q, cur)) > 0) {
        q += k;
        while (*q == ' ')
            q++;
    }
    if (!isdigit((unsigned char)*q))
        return 0;
    num = q;
    while (isdigit((unsigned char)*q))
        q++;
    size_t lead = (size_t)(q - num);
    /* separator groups: ",ddd" ".ddd" "'ddd" " ddd" (thousands) or a last ",dd" ".dd" (cents) */
    while (groups < (int)sizeof(seps) && (*q == ',' || *q == '.' || *q == '\'' || *q == ' ') &&
           isdigit((unsigned char)q[1])) {
        const char *g = q + 1;
        while (isdigit((unsigned char)*g))
            g++;
        size_t glen = (size_t)(g - q - 1);
        if (glen == 2 && (*q == ',' || *q == '.') && !isdigit((unsigned char)*g) &&
            !((*g == '.' || *g == ',') && isdigit((unsigned char)g[1]))) {
            cents = 1;
            seps[groups++] = *q;
            q = g;
            break;
        }
        if (glen != 3 || (*q == ' ' && groups == 0 && lead > 3)) {
            bad = *q != ' '; /* "1.5", "10.12.1": a version or a list, not an amount */
            break;
        }
        seps[groups++] = *q;
        q = g;
    }
    if (bad || lead > 12)
        return 0;
    for (int i = 1; i < groups - cents; i++)
        if (seps[i] != seps[0])
            return 0; /* mixed thousands separators */
    if (cents && groups > 1 && seps[groups - 1] == seps[0])
        return 0;
    for (const char *s = num; s < q && n + 1 < size; s++)
        if (isdigit((unsigned char)*s))
            value[n++] = *s;
        else if (cents && s == q - 3 && n + 1 < size)
            value[n++] = '.';
    value[n] = '\0';
    if (!cur[0]) {
        const char *r = q;
        while (*r == ' ')
            r++;
        if ((k = currency_at(r, cur)) > 0)
            q = r + k;
    }
    *money = cur[0] || cents || groups > 0;
    return (size_t)(q - p);
}

int og_infer_doc_amount(const char *text, char *value, size_t size, char cur[4])
{
    int money;
    size_t k;
    while (text && *text == ' ')
        text++;
    if (!text || !(k = og_infer__number_at(text, value, size, cur, &money)))
        return 0;
    while (text[k] == ' ')
        k++;
    return text[k] == '\0';
}

/* ---- features ---- */

static uint32_t fnv(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

void og_infer__cand_feature(og_infer__cand *c, const char *tag, const char *word)
{
    char buf[WORD_MAX + 16];
    int k = snprintf(buf, sizeof(buf), "%s:%s", tag, word ? word : "");
    uint32_t idx = (fnv(buf, (size_t)(k < (int)sizeof(buf) ? k : (int)sizeof(buf) - 1)) &
                    (OG_INFER__MDIM - 1)) +
                   1;
    for (int i = 0; i < c->nf; i++)
        if (c->f[i] == idx)
            return;
    if (c->nf < OG_INFER__CAND_FEAT)
        c->f[c->nf++] = idx;
}

/* The word (lower case, digits as 0, at most WORD_MAX bytes) ending before end, looking back
 * from end no further than start; its start into *at, 0 length when none. */
static size_t word_before(const char *start, const char *end, const char **at, char *w)
{
    const char *e = end;
    while (e > start && !(isalnum((unsigned char)e[-1]) || (unsigned char)e[-1] >= 0x80))
        e--;
    const char *b = e;
    while (b > start && (isalnum((unsigned char)b[-1]) || (unsigned char)b[-1] >= 0x80))
        b--;
    size_t n = 0;
    for (const char *s = b; s < e && n < WORD_MAX; s++)
        w[n++] = isdigit((unsigned char)*s) ? '0' : (char)tolower((unsigned char)*s);
    w[n] = '\0';
    *at = b;
    return n;
}

static size_t word_after(const char *from, const char *end, const char **next, char *w)
{
    const char *b = from;
    while (b < end && !(isalnum((unsigned char)*b) || (unsigned char)*b >= 0x80))
        b++;
    size_t n = 0;
    const char *e = b;
    for (; e < end && (isalnum((unsigned char)*e) || (unsigned char)*e >= 0x80); e++)
        if (n < WORD_MAX)
            w[n++] = isdigit((unsigned char)*e) ? '0' : (char)tolower((unsigned char)*e);
    w[n] = '\0';
    *next = e;
    return n;
}

/* The context features of a span [s, e) on line [ls, le), line li of nl, the line before
 * [ps, pe) (may be empty). */
static void context(og_infer__cand *c, const char *ls, const char *le, const char *s, const char *e,
                    const char *ps, const char *pe, int li, int nl)
{
    static const char *const near[CTX_WORDS] = {"b1", "b2", "b3", "b4"};
    char w[WORD_MAX + 1], tag[16];
    const char *at = s, *q;
    for (int i = 0; i < CTX_WORDS && word_before(ls, at, &at, w); i++) {
        og_infer__cand_feature(c, near[i], w);
        og_infer__cand_feature(c, "bw", w);
        if (strlen(w) > 4) {
            w[4] = '\0';
            og_infer__cand_feature(c, "bp", w); /* "gesamtbetrag", "gesamtsumme": "gesa" */
        }
    }
    if (at == ls || word_before(ls, at, &at, w) == 0)
        og_infer__cand_feature(c, "nearstart", NULL);
    /* the key the value is given under, whatever the layout: the words before it on its line
     * ("Client: X", "| Client | X |"), or the line before when it stands alone ("BILL TO\nX") */
    at = s;
    int keys = 0;
    for (; keys < 3 && word_before(ls, at, &at, w); keys++)
        og_infer__cand_feature(c, "key", w);
    for (q = pe; keys == 0 && q > ps && word_before(ps, q, &q, w); keys += 0) {
        og_infer__cand_feature(c, "key", w);
        if (q <= ps || pe - q > 40)
            break;
    }
    q = e;
    for (int i = 0; i < 2 && word_after(q, le, &q, w); i++)
        og_infer__cand_feature(c, i ? "aw" : "a1", w);
    if (word_after(e, le, &q, w) == 0)
        og_infer__cand_feature(c, "atend", NULL);
    q = ps;
    for (int i = 0; i < 6 && q < pe && word_after(q, pe, &q, w); i++)
        og_infer__cand_feature(c, "pl", w);
    const char *b = s;
    while (b > ls && b[-1] == ' ')
        b--;
    if (b > ls && b[-1] == ':')
        og_infer__cand_feature(c, "colon", NULL);
    if (memchr(ls, '|', (size_t)(le - ls)) || memchr(ls, '\t', (size_t)(le - ls)))
        og_infer__cand_feature(c, "table", NULL);
    while (ls < le && *ls == ' ')
        ls++;
    if (ls < le && *ls == '#')
        og_infer__cand_feature(c, "mdhead", NULL);
    snprintf(tag, sizeof(tag), "%d", nl ? li * 5 / nl : 0);
    og_infer__cand_feature(c, "pos", tag);
}

/* ---- the candidates ---- */

static og_infer__cand *cand_add(og_infer__cands *cs, int f, const char *value, const char *cur,
                                int li)
{
    og_infer__cand *c;
    for (int i = 0; i < cs->n[f]; i++)
        if (strcasecmp(cs->c[f][i].value, value) == 0) {
            c = &cs->c[f][i];
            c->occ++;
            c->last_line = li;
            return c;
        }
    if (cs->n[f] == OG_INFER__CAND_MAX)
        return NULL;
    c = &cs->c[f][cs->n[f]++];
    memset(c, 0, sizeof(*c));
    og_strlcpy(c->value, value, sizeof(c->value));
    og_strlcpy(c->currency, cur ? cur : "", sizeof(c->currency));
    c->first_line = c->last_line = li;
    c->occ = 1;
    return c;
}

static const char *const SUFFIXES[] = {"ltd",  "inc", "gmbh",    "ag", "llc", "plc",  "sa",
                                       "sarl", "sas", "limited", "kg", "se",  "corp", "bv",
                                       "co",   "srl", "oy",      "ab", "nv",  NULL};

/* A client candidate [s, e) (trimmed of markup and punctuation) from src. */
static void client_add(og_infer__cands *cs, const char *s, const char *e, const char *src,
                       const char *ls, const char *le, const char *ps, const char *pe, int li,
                       int nl)
{
    char v[sizeof(((og_infer__cand *)0)->value)], w[WORD_MAX + 1], tag[16];
    while (s < e && !(isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '*' || e[-1] == '.' || e[-1] == ',' || e[-1] == '|' ||
                     e[-1] == '_' || e[-1] == ';'))
        e--;
    size_t n = (size_t)(e - s);
    if (n < 2 || n >= sizeof(v) || isdigit((unsigned char)*s) || islower((unsigned char)*s))
        return;
    memcpy(v, s, n);
    v[n] = '\0';
    og_infer__cand *c = cand_add(cs, OG_INFER__F_CLIENT, v, NULL, li);
    if (!c)
        return;
    context(c, ls, le, s, e, ps, pe, li, nl);
    og_infer__cand_feature(c, "src", src);
    int words = 0, caps = 1, digits = 0;
    const char *q = s;
    size_t wn;
    while ((wn = word_after(q, e, &q, w)) > 0) {
        caps &= !islower((unsigned char)q[-(long)wn]);
        digits |= strchr(w, '0') != NULL;
        words++;
    }
    word_before(s, e, &q, w);
    for (int i = 0; SUFFIXES[i]; i++)
        if (strcmp(w, SUFFIXES[i]) == 0)
            og_infer__cand_feature(c, "suffix", NULL);
    snprintf(tag, sizeof(tag), "%d", words < 6 ? words : 6);
    og_infer__cand_feature(c, "words", tag);
    if (caps)
        og_infer__cand_feature(c, "caps", NULL);
    if (digits)
        og_infer__cand_feature(c, "digits", NULL);
}

/* 1 when name is in text as a whole word or phrase (any case); *at its first place. */
static int named(const char *text, const char *name, const char **at)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 3)
        return 0;
    for (const char *p = strcasestr(text, name); p; p = strcasestr(p + 1, name))
        if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n])) {
            *at = p;
            return 1;
        }
    return 0;
}

/* The client candidates of one line: "Label: value", a table's label cell and the next, a
 * short line of capitalised words. */
static void line_clients(og_infer__cands *cs, const char *ls, const char *le, const char *ps,
                         const char *pe, int li, int nl)
{
    const char *colon = memchr(ls, ':', (size_t)(le - ls)),
               *bar = memchr(ls, '|', (size_t)(le - ls));
    char w[WORD_MAX + 1];
    if (colon && !bar && colon - ls <= 40) {
        const char *q = ls;
        int words = 0;
        while (q < colon && word_after(q, colon, &q, w))
            words++;
        if (words >= 1 && words <= 3)
            client_add(cs, colon + 1, le, "label", ls, le, ps, pe, li, nl);
    }
    if (bar) { /* | label | value | ... */
        const char *cell = bar + 1, *prev = NULL;
        while (cell < le) {
            const char *ce = memchr(cell, '|', (size_t)(le - cell));
            if (!ce)
                ce = le;
            if (prev)
                client_add(cs, cell, ce, "cell", ls, le, ps, pe, li, nl);
            prev = cell;
            cell = ce + 1;
        }
    }
    if (!colon && !bar) { /* a short line of capitalised words */
        const char *q = ls;
        int words = 0, caps = 1;
        size_t wn;
        while ((wn = word_after(q, le, &q, w)) > 0) {
            words++;
            caps &= !islower((unsigned char)q[-(long)wn]) || strcmp(w, "and") == 0 ||
                    strcmp(w, "of") == 0 || strcmp(w, "und") == 0 || strcmp(w, "et") == 0 ||
                    strcmp(w, "de") == 0;
        }
        if (words >= 1 && words <= 6 && caps)
            client_add(cs, ls, le, "line", ls, le, ps, pe, li, nl);
    }
}

static double num(const char *v)
{
    return strtod(v, NULL);
}

/* The rank features of a field: by value (totals: largest first, dates: earliest and latest)
 * and by first place, how often it is named. */
static void ranks(og_infer__cands *cs, int f)
{
    char tag[16];
    int n = cs->n[f];
    for (int i = 0; i < n; i++) {
        og_infer__cand *c = &cs->c[f][i];
        int bigger = 0, before = 0, later = 0;
        for (int j = 0; j < n; j++) {
            const og_infer__cand *o = &cs->c[f][j];
            if (f == OG_INFER__F_TOTAL)
                bigger += num(o->value) > num(c->value);
            else
                bigger += strcmp(o->value, c->value) > 0;
            before += o->first_line < c->first_line || (o->first_line == c->first_line && j < i);
            later += o->last_line > c->last_line;
        }
        snprintf(tag, sizeof(tag), "%d", bigger < 3 ? bigger : 3);
        og_infer__cand_feature(c, "rank", tag);
        snprintf(tag, sizeof(tag), "%d", before < 3 ? before : 3);
        og_infer__cand_feature(c, "order", tag);
        if (later == 0)
            og_infer__cand_feature(c, "last", NULL);
        if (later == 0 && bigger == 0) /* a total sums what came before it */
            og_infer__cand_feature(c, "lastbiggest", NULL);
        if (bigger == n - 1 && n > 1)
            og_infer__cand_feature(c, "smallest", NULL);
        og_infer__cand_feature(c, "occ", c->occ > 1 ? "2" : "1");
        snprintf(tag, sizeof(tag), "%d", n < 4 ? n : 4);
        og_infer__cand_feature(c, "count", tag);
    }
}

int og_infer__doc_cands(const char *text, json_t *projects, og_infer__cands *cs)
{
    size_t len = strnlen(text ? text : "", CAND_TEXT_MAX);
    char *t = strndup(text ? text : "", len), iso[11], value[64], cur[4], tag[16];
    const char *ps = "", *pe = ps;
    int nl = 0, li = 0, prev_money = 0, line_money = 0;
    memset(cs, 0, sizeof(*cs));
    if (!t)
        return og_error_set(OG_ERROR, "out of memory");
    for (const char *p = t; *p; p++)
        nl += *p == '\n';
    nl++;
    for (const char *ls = t; *ls; li++) {
        const char *le = strchr(ls, '\n');
        if (!le)
            le = ls + strlen(ls);
        for (const char *p = ls; p < le;) {
            size_t k;
            int fmt, money;
            if (p > ls && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == ',' ||
                           (unsigned char)p[-1] >= 0x80)) {
                p++;
                continue;
            }
            if ((k = og_infer__date_at(p, iso, &fmt)) > 0) {
                og_infer__cand *c = cand_add(cs, OG_INFER__F_DATE, iso, NULL, li);
                if (c) {
                    context(c, ls, le, p, p + k, ps, pe, li, nl);
                    snprintf(tag, sizeof(tag), "%d", fmt);
                    og_infer__cand_feature(c, "fmt", tag);
                }
                p += k;
                continue;
            }
            if ((k = og_infer__number_at(p, value, sizeof(value), cur, &money)) > 0) {
                const char *b = p;
                while (b > ls && b[-1] == ' ')
                    b--;
                og_infer__cand *c = money || (b > ls && b[-1] == ':')
                                        ? cand_add(cs, OG_INFER__F_TOTAL, value, cur, li)
                                        : NULL;
                if (c) {
                    context(c, ls, le, p, p + k, ps, pe, li, nl);
                    if (prev_money)
                        og_infer__cand_feature(c, "aftermoney", NULL);
                    line_money = 1;
                    if (cur[0])
                        og_infer__cand_feature(c, "cur", NULL);
                    if (strchr(value, '.'))
                        og_infer__cand_feature(c, "cents", NULL);
                    if (num(value) >= 1000)
                        og_infer__cand_feature(c, "big", NULL);
                }
                p += k;
                continue;
            }
            p++;
        }
        line_clients(cs, ls, le, ps, pe, li, nl);
        if (le > ls) {
            ps = ls;
            pe = le;
            prev_money = line_money;
            line_money = 0;
        }
        ls = *le ? le + 1 : le;
    }
    for (size_t i = 0; i < json_array_size(projects); i++) {
        const char *client =
            json_string_value(json_object_get(json_array_get(projects, i), "client"));
        const char *at;
        if (client && named(t, client, &at)) {
            og_infer__cand *c = cand_add(cs, OG_INFER__F_CLIENT, client, NULL, 0);
            if (c) {
                const char *ls = at, *le = strchr(at, '\n');
                while (ls > t && ls[-1] != '\n')
                    ls--;
                context(c, ls, le ? le : at + strlen(at), at, at + strlen(client), "", "", 0, nl);
                og_infer__cand_feature(c, "known", NULL);
            }
        }
    }
    for (int f = 0; f < OG_INFER__FIELDS; f++)
        ranks(cs, f);
    free(t);
    return 0;
}
