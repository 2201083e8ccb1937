/* decimal.c - exact fixed-point decimals (4 fractional digits) for money and hours; no floats. */
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static const int64_t pow10_tab[] = {1, 10, 100, 1000, 10000};

int og_dec_parse(const char *s, og_dec *out)
{
    const char *p = s;
    int neg = 0, intdigits = 0, fracdigits = 0;
    __int128 v = 0;
    if (!s || !*s)
        return og_error_set(OG_EINVAL, "empty number");
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (++intdigits > 15)
            return og_error_set(OG_EINVAL, "number '%.40s' is too large", s);
    }
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (++fracdigits > OG_DEC_DIGITS)
                return og_error_set(OG_EINVAL, "number '%.40s' has more than %d decimal places", s,
                                    OG_DEC_DIGITS);
            v = v * 10 + (*p - '0');
        }
        if (fracdigits == 0)
            return og_error_set(OG_EINVAL, "number '%.40s' has no digits after '.'", s);
    }
    if (*p || intdigits == 0)
        return og_error_set(OG_EINVAL,
                            "'%.40s' is not a decimal number (digits, optional '.' and up to %d "
                            "decimals, e.g. \"145.00\")",
                            s, OG_DEC_DIGITS);
    v *= pow10_tab[OG_DEC_DIGITS - fracdigits];
    if (v > INT64_MAX)
        return og_error_set(OG_EINVAL, "number '%.40s' is too large", s);
    *out = (og_dec)(neg ? -v : v);
    return 0;
}

int og_dec_add(og_dec a, og_dec b, og_dec *out)
{
    if (__builtin_add_overflow(a, b, out))
        return og_error_set(OG_EINVAL, "amount overflow in addition");
    return 0;
}

int og_dec_sub(og_dec a, og_dec b, og_dec *out)
{
    if (__builtin_sub_overflow(a, b, out))
        return og_error_set(OG_EINVAL, "amount overflow in subtraction");
    return 0;
}

/* q = n / d rounded half-even; d > 0. */
static __int128 div_half_even(__int128 n, __int128 d)
{
    __int128 q = n / d, r = n % d;
    if (r < 0) { /* floor division so the remainder is in [0, d) */
        q -= 1;
        r += d;
    }
    __int128 twice = 2 * r;
    if (twice > d || (twice == d && (q & 1)))
        q += 1;
    return q;
}

int og_dec_mul(og_dec a, og_dec b, og_dec *out)
{
    __int128 p = div_half_even((__int128)a * b, OG_DEC_SCALE);
    if (p > INT64_MAX || p < INT64_MIN)
        return og_error_set(OG_EINVAL, "amount overflow in multiplication");
    *out = (og_dec)p;
    return 0;
}

int og_dec_div(og_dec a, og_dec b, og_dec *out)
{
    if (b == 0)
        return og_error_set(OG_EINVAL, "division by zero");
    __int128 n = (__int128)a * OG_DEC_SCALE, d = b;
    if (d < 0) {
        n = -n;
        d = -d;
    }
    __int128 q = div_half_even(n, d);
    if (q > INT64_MAX || q < INT64_MIN)
        return og_error_set(OG_EINVAL, "amount overflow in division");
    *out = (og_dec)q;
    return 0;
}

og_dec og_dec_round(og_dec a, int digits)
{
    if (digits < 0)
        digits = 0;
    if (digits >= OG_DEC_DIGITS)
        return a;
    int64_t unit = pow10_tab[OG_DEC_DIGITS - digits];
    __int128 q = div_half_even(a, unit) * unit;
    /* Only the extreme ends of the range can round past it; clamp instead of wrapping. */
    if (q > INT64_MAX)
        return INT64_MAX - INT64_MAX % unit;
    if (q < INT64_MIN)
        return INT64_MIN - INT64_MIN % unit;
    return (og_dec)q;
}

void og_dec_format(og_dec a, int digits, int group, char out[OG_DEC_STR_MAX])
{
    char tmp[OG_DEC_STR_MAX];
    int n = 0, neg;
    if (digits < 0)
        digits = 0;
    if (digits > OG_DEC_DIGITS)
        digits = OG_DEC_DIGITS;
    a = og_dec_round(a, digits);
    neg = a < 0;
    /* unsigned magnitude so INT64_MIN has one */
    uint64_t m = neg ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
    uint64_t ip = m / OG_DEC_SCALE, fp = m % OG_DEC_SCALE;
    fp /= (uint64_t)pow10_tab[OG_DEC_DIGITS - digits];
    /* build reversed */
    for (int i = 0; i < digits; i++) {
        tmp[n++] = (char)('0' + fp % 10);
        fp /= 10;
    }
    if (digits)
        tmp[n++] = '.';
    int k = 0;
    do {
        if (group && k && k % 3 == 0)
            tmp[n++] = ',';
        tmp[n++] = (char)('0' + ip % 10);
        ip /= 10;
        k++;
    } while (ip);
    if (neg && (m != 0))
        tmp[n++] = '-';
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

void og_dec_format_min(og_dec a, char out[OG_DEC_STR_MAX])
{
    int digits = OG_DEC_DIGITS;
    while (digits > 0 && a % pow10_tab[OG_DEC_DIGITS - digits + 1] == 0)
        digits--;
    og_dec_format(a, digits, 0, out);
}

int og_dec_from_json(const json_t *v, const char *field, og_dec *out)
{
    if (json_is_string(v)) {
        if (og_dec_parse(json_string_value(v), out) < 0)
            return og_error_wrap("%s", field);
        return 0;
    }
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i > INT64_MAX / OG_DEC_SCALE || i < INT64_MIN / OG_DEC_SCALE)
            return og_error_set(OG_EINVAL, "%s: %lld is too large", field, (long long)i);
        *out = (og_dec)i * OG_DEC_SCALE;
        return 0;
    }
    if (json_is_real(v))
        return og_error_set(OG_EINVAL,
                            "%s: write a number with decimals as a string (e.g. \"7.5\" or "
                            "\"145.00\") so it stays exact; JSON reals are not accepted",
                            field);
    if (!v)
        return og_error_set(OG_EINVAL, "%s: missing", field);
    return og_error_set(OG_EINVAL, "%s: expected a decimal string or an integer", field);
}

int og_currency_digits(const char *code, int *digits)
{
    static const char *const zero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                       "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                       "VND", "VUV", "XAF", "XOF", "XPF", NULL};
    static const char *const three[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND", NULL};
    if (!code || strlen(code) != 3 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' ||
        code[1] > 'Z' || code[2] < 'A' || code[2] > 'Z')
        return og_error_set(OG_EINVAL, "currency '%s' is not an ISO 4217 code (e.g. \"EUR\")",
                            code ? code : "");
    *digits = 2;
    for (size_t i = 0; zero[i]; i++)
        if (strcmp(zero[i], code) == 0)
            *digits = 0;
    for (size_t i = 0; three[i]; i++)
        if (strcmp(three[i], code) == 0)
            *digits = 3;
    return 0;
}
