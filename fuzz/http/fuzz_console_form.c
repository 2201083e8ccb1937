/* fuzz_console_form.c - libFuzzer target for what the web console reads from a browser before a
 * handler's own logic: application/x-www-form-urlencoded fields (og_http__console_form) and the
 * next= target of a sign-in (og_http__console_safe_next).
 *
 * The input is one selector byte (which field name, how big a buffer), the form body as raw bytes
 * up to the separator "\xff\xfe" (NUL bytes included: a browser can send them), then the next=
 * value. Checked:
 * - a field is found exactly when a reference decoder written here (a separate implementation of
 *   the same rule) finds it and its value decodes to valid UTF-8 without NUL that fits; the
 *   decoded value is byte-for-byte the reference's; a value the reference refuses is refused with
 *   OG_EINVAL and a clean message, never silently cut short;
 * - a found value survives og_http__console_urlencode and decoding again unchanged;
 * - next= comes out as "/console" or unchanged, and unchanged only when it is a console path of
 *   printable ASCII without a backslash, not a sign-in page: never another site.
 */
#include "fuzz_util.h"
#include "http/console.h"
#include "http/server.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"token", "next", "csrf", "note", "q", "a"};
static const size_t sizes[] = {2, 8, 64, 1024};

static int hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The reference: 1 and the value in out (n bytes) when name's first field decodes cleanly, 0
 * when absent, -1 when its value must be refused. */
static int reference(const char *body, size_t len, const char *name, char *out, size_t size)
{
    size_t nlen = strlen(name), i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && body[j] != '&')
            j++;
        if (j - i > nlen && memcmp(body + i, name, nlen) == 0 && body[i + nlen] == '=') {
            size_t o = 0;
            for (size_t k = i + nlen + 1; k < j; k++) {
                int c = (unsigned char)body[k];
                if (c == '+')
                    c = ' ';
                else if (c == '%') {
                    if (k + 2 >= j || hex(body[k + 1]) < 0 || hex(body[k + 2]) < 0)
                        return -1;
                    c = hex(body[k + 1]) * 16 + hex(body[k + 2]);
                    k += 2;
                }
                if (c == 0 || o + 1 >= size)
                    return -1;
                out[o++] = (char)c;
            }
            out[o] = '\0';
            return og_utf8_valid(out, o, NULL) ? 1 : -1;
        }
        /* a segment "name" without '=' or another name: the next one */
        i = j + 1;
    }
    return 0;
}

static void check_form(const char *body, size_t len, const char *name, size_t size)
{
    og_http_req r;
    char got[1024], want[1024];
    memset(&r, 0, sizeof(r));
    r.body.data = (char *)body;
    r.body.len = len;
    int rc = og_http__console_form(&r, name, got, size);
    int ref = reference(body, len, name, want, size);
    fuzz_log("field %s size %zu: rc=%d ref=%d", name, size, rc, ref);
    if (ref < 0) {
        if (rc >= 0)
            FUZZ_FAIL("field '%s' taken as '%s' where it must be refused", name, got);
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL);
        return;
    }
    if (rc != ref)
        FUZZ_FAIL("field '%s': %d, the reference says %d (%s)", name, rc, ref,
                  rc < 0 ? og_error_last() : got);
    if (rc == 0) {
        FUZZ_ASSERT(got[0] == '\0');
        return;
    }
    if (strcmp(got, want) != 0)
        FUZZ_FAIL("field '%s' decoded as '%s', the reference says '%s'", name, got, want);
    /* encoded again and read back: the same value */
    og_buf b;
    char again[1024];
    og_buf_init(&b, 16384);
    FUZZ_ASSERT(og_buf_puts(&b, name) == 0 && og_buf_puts(&b, "=") == 0);
    FUZZ_ASSERT(og_http__console_urlencode(&b, got) == 0);
    r.body.data = b.data;
    r.body.len = b.len;
    rc = og_http__console_form(&r, name, again, size);
    if (rc != 1 || strcmp(again, got) != 0)
        FUZZ_FAIL("'%s' does not survive encoding as '%s'", got, b.data ? b.data : "");
    og_buf_free(&b);
}

static void check_next(const char *in)
{
    char out[OG_CONSOLE_NEXT_MAX];
    og_http__console_safe_next(in, out);
    bool clean = strlen(in) < OG_CONSOLE_NEXT_MAX && strncmp(in, "/console", 8) == 0 &&
                 (in[8] == '\0' || in[8] == '/' || in[8] == '?') &&
                 strncmp(in, "/console/sign-", 14) != 0;
    for (const char *p = in; clean && *p; p++)
        clean = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f && *p != '\\';
    fuzz_log("next '%s' -> '%s'", in, out);
    if (clean ? strcmp(out, in) != 0 : strcmp(out, "/console") != 0)
        FUZZ_FAIL("next '%s' became '%s'", in, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    const char *body = (const char *)data + 1;
    size_t blen = size - 1, rest = blen;
    for (size_t i = 0; i + 1 < blen; i++)
        if ((unsigned char)body[i] == 0xff && (unsigned char)body[i + 1] == 0xfe) {
            rest = i;
            break;
        }
    const char *name = names[sel % (sizeof(names) / sizeof(names[0]))];
    size_t bufsize = sizes[(sel >> 4) % (sizeof(sizes) / sizeof(sizes[0]))];
    check_form(body, rest, name, bufsize);
    char *next = rest + 2 <= blen ? fuzz_cstr((const uint8_t *)body + rest + 2, blen - rest - 2)
                                  : fuzz_cstr((const uint8_t *)"", 0);
    if (next) {
        check_next(next);
        free(next);
    }
    return 0;
}
