/* time.c - wall and monotonic clocks, RFC 3339 formatting and parsing, durations. */
#include "opsgate/util.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t og_time_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t og_time_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void og_time_deadline(struct timespec *ts, clockid_t clock, int64_t us_from_now)
{
    if (us_from_now < 0)
        us_from_now = 0;
    clock_gettime(clock, ts);
    ts->tv_sec += (time_t)(us_from_now / 1000000);
    ts->tv_nsec += (long)(us_from_now % 1000000) * 1000;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

void og_time_format(int64_t us, char out[OG_TIME_LEN])
{
    time_t secs = (time_t)(us / 1000000);
    int64_t frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs -= 1;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    /* The modulos bound every field so the text always fits OG_TIME_LEN. */
    snprintf(out, OG_TIME_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ",
             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
             (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u, (unsigned)frac % 1000000u);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int og_time_parse(const char *s, int64_t *out_us)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac_us = 0;
    int offset_s = 0;
    const char *p = s;
    if (!s)
        return og_error_set(OG_EINVAL, "missing time");
    size_t n = strlen(s);
    if (n < 10 || digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) || p[7] != '-' ||
        digits(p + 8, 2, &d))
        goto bad;
    p += 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (strlen(p) < 8 || digits(p, 2, &h) || p[2] != ':' || digits(p + 3, 2, &mi) ||
            p[5] != ':' || digits(p + 6, 2, &sec))
            goto bad;
        p += 8;
        if (*p == '.') {
            p++;
            int nd = 0;
            int64_t scale = 100000;
            while (isdigit((unsigned char)*p)) {
                if (nd < 6) {
                    frac_us += (*p - '0') * scale;
                    scale /= 10;
                }
                nd++;
                p++;
            }
            if (nd == 0)
                goto bad;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            int sign = *p == '-' ? -1 : 1;
            if (strlen(p) < 6 || digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
                goto bad;
            offset_s = sign * (oh * 3600 + om * 60);
            p += 6;
        } else {
            goto bad;
        }
    }
    if (*p != '\0')
        goto bad;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        goto bad;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    /* timegm normalises 31 Feb into March: reject dates that do not exist */
    struct tm check;
    gmtime_r(&t, &check);
    if (check.tm_mday != d || check.tm_mon != mo - 1)
        goto bad;
    *out_us = ((int64_t)t - offset_s) * 1000000 + frac_us;
    return 0;
bad:
    return og_error_set(
        OG_EINVAL,
        "bad time '%s' (expected RFC 3339, e.g. 2026-11-22T04:15:20Z, or a date 2026-11-22)", s);
}

int og_duration_parse(const char *s, int64_t *out_us)
{
    if (!s || !*s)
        return og_error_set(OG_EINVAL, "missing duration");
    if (*s < '0' || *s > '9') /* strtoll would take a sign and leading spaces */
        goto bad;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || v <= 0 || v > 100000000LL)
        goto bad;
    int64_t unit;
    if (strcmp(end, "s") == 0)
        unit = 1000000LL;
    else if (strcmp(end, "m") == 0)
        unit = 60 * 1000000LL;
    else if (strcmp(end, "h") == 0)
        unit = 3600 * 1000000LL;
    else if (strcmp(end, "d") == 0)
        unit = 86400 * 1000000LL;
    else if (strcmp(end, "w") == 0)
        unit = 7 * 86400 * 1000000LL;
    else
        goto bad;
    if (v > INT64_MAX / unit)
        goto bad;
    *out_us = v * unit;
    return 0;
bad:
    return og_error_set(
        OG_EINVAL, "bad duration '%s' (expected a positive number with s, m, h, d or w, e.g. 30d)",
        s);
}
