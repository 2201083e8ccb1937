/* fuzz_dec.c - libFuzzer target for exact decimal money (og_dec_*), against an oracle. */
#include "fuzz_util.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The input is two amounts separated by a NUL byte, as project data gives them. The oracle is
 * og_dec_parse's documented grammar: an optional sign, 1 to 15 digits, optionally '.' and 1 to 4
 * digits; nothing else; within +-922,337,203,685.4775. For what it accepts:
 * - the value equals the oracle's exact reading (integer arithmetic on the digits);
 * - og_dec_format_min gives text that parses back to the same value (round trip);
 * - og_dec_format with 0..4 digits and grouping fits OG_DEC_STR_MAX and is NUL-terminated;
 * - a + b - b == a and a - b + b == a whenever no step overflowed; a * 1 == a; a / 1 == a;
 *   division by zero is refused; every refusal is OG_EINVAL with a message.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool oracle(const char *s, og_dec *out)
{
    const char *p = s;
    bool neg = false;
    __int128 v = 0;
    int frac = 0;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (*p < '0' || *p > '9')
        return false;
    int intdigits = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p++ - '0');
        if (++intdigits > 15) /* the documented cap, leading zeros included */
            return false;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9' && frac < 5) {
            v = v * 10 + (*p++ - '0');
            frac++;
        }
        if (frac == 0 || frac > 4)
            return false;
    }
    if (*p)
        return false;
    for (int i = frac; i < OG_DEC_DIGITS; i++)
        v *= 10;
    if (neg)
        v = -v;
    if (v > INT64_MAX || v < -(__int128)INT64_MAX)
        return false;
    *out = (og_dec)v;
    return true;
}

static void check_one(const char *s, og_dec *v, bool *ok)
{
    og_dec want = 0;
    *ok = oracle(s, &want);
    og_error_clear();
    int rc = og_dec_parse(s, v);
    if (*ok != (rc == 0))
        __builtin_trap();
    if (!*ok) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL);
        return;
    }
    if (*v != want)
        __builtin_trap();
    char text[OG_DEC_STR_MAX];
    og_dec back = 0;
    og_dec_format_min(*v, text);
    if (og_dec_parse(text, &back) != 0 || back != *v)
        __builtin_trap();
    for (int digits = 0; digits <= OG_DEC_DIGITS; digits++) {
        memset(text, 'x', sizeof(text));
        og_dec_format(*v, digits, digits & 1, text);
        if (!memchr(text, '\0', sizeof(text)))
            __builtin_trap();
    }
}

static void check_arithmetic(og_dec a, og_dec b)
{
    og_dec sum, diff, back, one = OG_DEC_SCALE, r;
    if (og_dec_add(a, b, &sum) == 0 && og_dec_sub(sum, b, &back) == 0 && back != a)
        __builtin_trap();
    if (og_dec_sub(a, b, &diff) == 0 && og_dec_add(diff, b, &back) == 0 && back != a)
        __builtin_trap();
    if (og_dec_mul(a, one, &r) != 0 || r != a)
        __builtin_trap();
    if (og_dec_div(a, one, &r) != 0 || r != a)
        __builtin_trap();
    og_error_clear();
    FUZZ_CHECK_REFUSAL(og_dec_div(a, 0, &r), OG_EINVAL);
    (void)og_dec_mul(a, b, &r);
    if (b != 0)
        (void)og_dec_div(a, b, &r);
    for (int digits = 0; digits <= OG_DEC_DIGITS; digits++)
        (void)og_dec_round(a, digits);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 2);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = s[size + 1] = '\0';
    const char *second = s + strlen(s) + 1;
    og_dec a = 0, b = 0;
    bool ok_a, ok_b = false;
    check_one(s, &a, &ok_a);
    if ((size_t)(second - s) <= size)
        check_one(second, &b, &ok_b);
    if (ok_a && ok_b)
        check_arithmetic(a, b);
    free(s);
    return 0;
}
