/* fuzz_pg_placeholders.c - libFuzzer target for og_store__pg_translate() (`?` to `$n` for
 * PostgreSQL), against an oracle. */
#include "fuzz_util.h"
#include "store/store_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The input is an SQL text (up to its first NUL). The oracle is a state machine written from
 * PostgreSQL's lexical rules (scan.l: quotes '' "" E'' with backslashes, -- and nested
 * block comments, $tag$ strings that a word does not touch), independently of the scanner in
 * pgsql.c:
 * - the translation succeeds exactly when every placeholder outside quotes and comments has a
 *   number in 1..65535 of at most 5 digits (a bare ? takes the largest so far + 1, ?NNN its
 *   number);
 * - then the output is the input with each such placeholder replaced by `$n` and every other byte
 *   copied, and *nparams is the largest number;
 * - a refusal is OG_EINVAL with a message.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum state { CODE, SQ, ESQ, DQ, LINE, BLOCK, DOLLAR };

static bool word_byte(unsigned char c)
{
    return c == '_' || c == '$' || c >= 0x80 || (c >= '0' && c <= '9') ||
           ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* SQLite's planner hint at in[i] (a word start in code): INDEXED, blanks, BY, blanks, a name
 * (a letter or _ then word bytes other than $) not followed by $ or another word byte. Its
 * length, or 0. */
static size_t hint_at(const char *in, size_t n, size_t i)
{
    static const char w1[] = "indexed", w2[] = "by";
    size_t j = i, k;
    for (k = 0; k < 7; k++, j++)
        if (j >= n || (in[j] | 0x20) != w1[k])
            return 0;
    if (j >= n || !space(in[j]))
        return 0;
    while (j < n && space(in[j]))
        j++;
    for (k = 0; k < 2; k++, j++)
        if (j >= n || (in[j] | 0x20) != w2[k])
            return 0;
    if (j >= n || !space(in[j]))
        return 0;
    while (j < n && space(in[j]))
        j++;
    unsigned char c = (unsigned char)in[j];
    if (j >= n || !(c == '_' || c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
        return 0;
    while (j < n && word_byte((unsigned char)in[j]) && in[j] != '$')
        j++;
    if (j < n && word_byte((unsigned char)in[j]))
        return 0;
    return j - i;
}

/* The expected output in out (room for 6 bytes per input byte), or false: a bad number. */
static bool oracle(const char *in, char *out, int *nparams)
{
    enum state st = CODE;
    size_t n = strlen(in), wordlen = 0, taglen = 0, o = 0;
    const char *tag = NULL;
    int depth = 0;
    long max = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)in[i];
        switch (st) {
        case CODE:
            if (wordlen == 0 && hint_at(in, n, i)) {
                i += hint_at(in, n, i);
                continue;
            }
            if (c == '?') {
                long num = 0;
                size_t j = i + 1, digits = 0;
                while (j < n && in[j] >= '0' && in[j] <= '9' && digits < 5) {
                    num = num * 10 + (in[j] - '0');
                    j++;
                    digits++;
                }
                if (digits == 0)
                    num = max + 1;
                if (num < 1 || num > 65535 || (j < n && in[j] >= '0' && in[j] <= '9'))
                    return false;
                if (num > max)
                    max = num;
                o += (size_t)sprintf(out + o, "$%ld", num);
                i = j;
                wordlen = 0;
                continue;
            }
            if (c == '\'') {
                st = wordlen == 1 && (in[i - 1] == 'E' || in[i - 1] == 'e') ? ESQ : SQ;
            } else if (c == '"') {
                st = DQ;
            } else if (c == '-' && in[i + 1] == '-') {
                st = LINE;
            } else if (c == '/' && in[i + 1] == '*') {
                st = BLOCK;
                depth = 1;
                out[o++] = in[i++];
            } else if (c == '$' && wordlen == 0) {
                size_t j = i + 1;
                if (j < n && word_byte((unsigned char)in[j]) && !(in[j] >= '0' && in[j] <= '9'))
                    while (j < n && word_byte((unsigned char)in[j]) && in[j] != '$')
                        j++;
                if (j < n && in[j] == '$') {
                    st = DOLLAR;
                    tag = in + i;
                    taglen = j + 1 - i;
                    memcpy(out + o, in + i, taglen);
                    o += taglen;
                    i = j + 1;
                    continue;
                }
            }
            wordlen = st == CODE && word_byte(c) ? wordlen + 1 : 0;
            out[o++] = in[i++];
            continue;
        case SQ:
        case DQ:
            out[o++] = in[i++];
            if (c == (st == SQ ? '\'' : '"')) {
                if (i < n && in[i] == (char)c)
                    out[o++] = in[i++];
                else
                    st = CODE;
            }
            continue;
        case ESQ:
            out[o++] = in[i++];
            if (c == '\\' && i < n) {
                out[o++] = in[i++];
            } else if (c == '\'') {
                if (i < n && in[i] == '\'')
                    out[o++] = in[i++];
                else
                    st = CODE;
            }
            continue;
        case LINE:
            out[o++] = in[i++];
            if (c == '\n')
                st = CODE;
            continue;
        case BLOCK:
            if (c == '/' && in[i + 1] == '*') {
                depth++;
                out[o++] = in[i++];
            } else if (c == '*' && in[i + 1] == '/') {
                out[o++] = in[i++];
                if (--depth == 0) {
                    out[o++] = in[i++];
                    st = CODE;
                    continue;
                }
            }
            out[o++] = in[i++];
            continue;
        case DOLLAR:
            if (c == '$' && n - i >= taglen && memcmp(in + i, tag, taglen) == 0) {
                memcpy(out + o, in + i, taglen);
                o += taglen;
                i += taglen;
                st = CODE;
                continue;
            }
            out[o++] = in[i++];
            continue;
        }
    }
    out[o] = '\0';
    *nparams = (int)max;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fuzz_cstr(data, size);
    char *want = in ? malloc(size * 6 + 8) : NULL;
    char *got = NULL;
    int nwant = -1, ngot = -1;
    if (!want)
        goto cleanup;
    bool ok = oracle(in, want, &nwant);
    og_error_clear();
    int rc = og_store__pg_translate(in, &got, &ngot);
    fuzz_log("rc=%d in=%s out=%s", rc, in, got ? got : "(none)");
    if (rc == 0) {
        FUZZ_ASSERT(ok);
        FUZZ_ASSERT(got != NULL);
        if (strcmp(got, want) != 0)
            FUZZ_FAIL("translated\n  %s\nto\n  %s\nbut the oracle says\n  %s", in, got, want);
        FUZZ_ASSERT(ngot == nwant);
    } else {
        FUZZ_ASSERT(!ok);
        FUZZ_ASSERT(got == NULL);
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL);
    }
cleanup:
    free(in);
    free(want);
    free(got);
    return 0;
}
