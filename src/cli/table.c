/* table.c - aligned text tables for the CLI (see table.h). */
#include "cli/table.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct og_cli_table {
    size_t ncols;
    char **headers;
    unsigned char *right; /* per column: 1 = right-aligned */
    char **cells;         /* rows * ncols, sanitized copies */
    size_t nrows, arows;
};

/* Decode one UTF-8 sequence at s; *len receives its length. -1 for an invalid sequence. */
static int32_t utf8_next(const unsigned char *s, size_t *len)
{
    unsigned char c = s[0];
    int32_t cp;
    size_t n;
    if (c < 0x80) {
        *len = 1;
        return c;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        *len = 1;
        return -1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *len = i;
            return -1;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    *len = n;
    /* overlong forms, surrogates and values past U+10FFFF */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    return cp;
}

/* Columns a code point takes: wcwidth() under a UTF-8 locale when the system has one, else 1.
 * -1 for what must not reach the terminal (controls, C1 controls). */
static int cp_width(int32_t cp)
{
    static locale_t utf8;
    static int tried;
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
        return -1;
    if (cp < 0x7f)
        return 1;
    if (!tried) {
        tried = 1;
        utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    }
    if (!utf8)
        return 1;
    locale_t old = uselocale(utf8);
    int w = wcwidth((wchar_t)cp);
    uselocale(old);
    return w < 0 ? 1 : w;
}

/* A copy of s safe to print: controls and invalid UTF-8 become '?'. */
static char *sanitize(const char *s)
{
    size_t n = s ? strlen(s) : 0, o = 0;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t len;
        int32_t cp = utf8_next((const unsigned char *)s + i, &len);
        if (cp < 0 || cp_width(cp) < 0) {
            out[o++] = '?';
        } else {
            memcpy(out + o, s + i, len);
            o += len;
        }
        i += len;
    }
    out[o] = '\0';
    return out;
}

char *og_cli_text_safe(const char *s)
{
    return sanitize(s);
}

size_t og_cli_text_width(const char *s)
{
    size_t w = 0;
    for (size_t i = 0; s && s[i];) {
        size_t len;
        int32_t cp = utf8_next((const unsigned char *)s + i, &len);
        int cw = cp < 0 ? 1 : cp_width(cp);
        w += cw < 0 ? 1 : (size_t)cw;
        i += len;
    }
    return w;
}

og_cli_table *og_cli_table_new(const char *const *headers)
{
    size_t n = 0;
    while (headers && headers[n])
        n++;
    if (n == 0)
        return NULL;
    og_cli_table *t = calloc(1, sizeof(*t));
    if (!t || !(t->headers = calloc(n, sizeof(char *))) || !(t->right = calloc(n, 1))) {
        og_cli_table_free(t);
        return NULL;
    }
    t->ncols = n;
    for (size_t i = 0; i < n; i++)
        if (!(t->headers[i] = sanitize(headers[i]))) {
            og_cli_table_free(t);
            return NULL;
        }
    return t;
}

void og_cli_table_right(og_cli_table *t, size_t col)
{
    if (t && col < t->ncols)
        t->right[col] = 1;
}

int og_cli_table_add(og_cli_table *t, const char *const *cells)
{
    if (!t)
        return -1;
    if (t->nrows == t->arows) {
        size_t n = t->arows ? t->arows * 2 : 16;
        char **nc = realloc(t->cells, n * t->ncols * sizeof(char *));
        if (!nc)
            return -1;
        t->cells = nc;
        t->arows = n;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        if (!(row[i] = sanitize(cells[i]))) {
            for (size_t k = 0; k < i; k++)
                free(row[k]);
            return -1;
        }
    }
    t->nrows++;
    return 0;
}

size_t og_cli_table_rows(const og_cli_table *t)
{
    return t ? t->nrows : 0;
}

static void print_row(const og_cli_table *t, char *const *row, const size_t *width, FILE *f)
{
    /* Trailing empty cells print nothing, so lines never end in spaces. */
    size_t ncols = t->ncols;
    while (ncols > 1 && !row[ncols - 1][0] && !t->right[ncols - 1])
        ncols--;
    for (size_t c = 0; c < ncols; c++) {
        size_t w = og_cli_text_width(row[c]);
        size_t pad = width[c] > w ? width[c] - w : 0;
        int last = c + 1 == ncols;
        if (c)
            fputs("  ", f);
        if (t->right[c])
            fprintf(f, "%*s%s", (int)pad, "", row[c]);
        else if (last)
            fputs(row[c], f);
        else
            fprintf(f, "%s%*s", row[c], (int)pad, "");
    }
    fputc('\n', f);
}

void og_cli_table_print(og_cli_table *t, FILE *f, int print_empty)
{
    if (!t || (t->nrows == 0 && !print_empty))
        return;
    size_t *width = calloc(t->ncols, sizeof(size_t));
    if (!width)
        return;
    for (size_t c = 0; c < t->ncols; c++)
        width[c] = og_cli_text_width(t->headers[c]);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t w = og_cli_text_width(t->cells[r * t->ncols + c]);
            if (w > width[c])
                width[c] = w;
        }
    print_row(t, t->headers, width, f);
    for (size_t r = 0; r < t->nrows; r++) {
        print_row(t, t->cells + r * t->ncols, width, f);
        for (size_t c = 0; c < t->ncols; c++)
            free(t->cells[r * t->ncols + c]);
    }
    t->nrows = 0;
    free(width);
}

void og_cli_table_free(og_cli_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->headers && i < t->ncols; i++)
        free(t->headers[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->headers);
    free(t->right);
    free(t->cells);
    free(t);
}
