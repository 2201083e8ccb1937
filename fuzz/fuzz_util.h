/* fuzz_util.h - what every fuzz target checks and prints the same way: refusals (a documented
 * code with a message fit for a JSON error body), OG_FUZZ_DEBUG traces, oracle failures, and
 * splitting an input into NUL-separated C strings. Header only: each target is one C file. */
#ifndef OPSGATE_FUZZ_UTIL_H
#define OPSGATE_FUZZ_UTIL_H

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OG_FUZZ_DEBUG=1 in the environment: print each verdict (read once). */
static inline bool fuzz_debug(void)
{
    static int on = -1;
    if (on < 0)
        on = getenv("OG_FUZZ_DEBUG") != NULL;
    return on != 0;
}

static inline void fuzz_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void fuzz_log(const char *fmt, ...)
{
    va_list ap;
    if (!fuzz_debug())
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* An oracle failed: say which, then die of a trap (libFuzzer keeps the input; the gcc replay and
 * the planted tests see the signal). */
#define FUZZ_FAIL(...)                                                                             \
    do {                                                                                           \
        fprintf(stderr, "fuzz oracle failed (%s:%d): ", __FILE__, __LINE__);                       \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        __builtin_trap();                                                                          \
    } while (0)

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            FUZZ_FAIL("%s", #cond);                                                                \
    } while (0)

/* The thread's error message is set, valid UTF-8 and free of control characters other than
 * newline and tab: it goes into JSON error bodies, logs and terminals. */
static inline void fuzz_check_message(void)
{
    const char *msg = og_error_last();
    size_t n = strlen(msg);
    if (n == 0)
        FUZZ_FAIL("a refusal without a message (code %d)", og_error_code());
    if (!og_utf8_valid(msg, n, NULL))
        FUZZ_FAIL("a message that is not valid UTF-8: %s", msg);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)msg[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            FUZZ_FAIL("a message with control character 0x%02x: %s", c, msg);
    }
}

/* A refusal: rc is one of codes[0..n) and the message passes fuzz_check_message(). */
static inline void fuzz_check_refusal_in(int rc, const int *codes, size_t n)
{
    bool known = false;
    fuzz_log("refused rc=%d msg=%s", rc, og_error_last());
    for (size_t i = 0; i < n; i++)
        known |= rc == codes[i];
    if (!known)
        FUZZ_FAIL("refusal code %d is not one the target documents (msg: %s)", rc, og_error_last());
    fuzz_check_message();
}

/* FUZZ_CHECK_REFUSAL(rc, OG_EINVAL, OG_ETOOBIG): rc must be one of the codes listed. */
#define FUZZ_CHECK_REFUSAL(rc, ...)                                                                \
    do {                                                                                           \
        static const int fuzz_codes_[] = {__VA_ARGS__};                                            \
        fuzz_check_refusal_in((rc), fuzz_codes_, sizeof(fuzz_codes_) / sizeof(fuzz_codes_[0]));    \
    } while (0)

/* The input as a C string (caller frees; NULL when out of memory). A NUL inside ends the string
 * as it would for every caller. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

/* Split a copy of the input at NUL bytes into at most max C strings (parts[i] = "" when the input
 * has fewer); *copy is the buffer they point into (caller frees). Returns how many parts the
 * input had (at least 1), or 0 when out of memory. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, char **copy, const char **parts,
                                size_t max)
{
    size_t n = 0;
    char *s = malloc(size + 1);
    *copy = s;
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    for (size_t i = 0; i < max; i++)
        parts[i] = s + size; /* "" */
    parts[n++] = s;
    for (size_t i = 0; i < size && n < max; i++)
        if (s[i] == '\0')
            parts[n++] = s + i + 1;
    return n;
}

#endif
