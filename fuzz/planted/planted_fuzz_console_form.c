/* planted/planted_fuzz_console_form.c - a test of the fuzz test: og_http__console_form as it was
 * before the fuzz target found it taking a raw NUL byte of a form body into the value, which then
 * ended the value there unseen ("token=ab\0cd" read as "ab"). Linked in front of the library, it
 * replaces the real function; fuzz_console_form_planted must then fail, which shows that the
 * target and its corpus catch that kind of bug. */
#include "http/console.h"
#include "http/server.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <string.h>

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static int form_decode(const char *s, size_t len, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < len ? hexval(s[i + 1]) : -1, lo = i + 2 < len ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return OG_EINVAL;
            c = hi * 16 + lo;
            i += 2;
            if (c == 0)
                return OG_EINVAL;
        }
        if (o + 1 >= size)
            return OG_ETOOBIG;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

int og_http__console_form(og_http_req *r, const char *name, char *out, size_t size)
{
    const char *p = r->body.data ? r->body.data : "", *end = p + r->body.len;
    size_t nlen = strlen(name);
    out[0] = '\0';
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
            int rc = form_decode(eq + 1, (size_t)(stop - eq - 1), out, size);
            if (rc == OG_ETOOBIG)
                return og_error_set(OG_EINVAL, "form field '%s' is too long", name);
            if (rc < 0 || !og_utf8_valid(out, strlen(out), NULL))
                return og_error_set(OG_EINVAL, "form field '%s' is not valid", name);
            return 1;
        }
        p = stop + 1;
    }
    return 0;
}
