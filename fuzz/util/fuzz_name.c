/* fuzz_name.c - libFuzzer target for og_name_check() and og_utf8_valid(), against an oracle. */
#include "fuzz_util.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The input is a name. The oracle is written from RFC 3629's table of well-formed byte sequences
 * and the list of code points, independently of utf8proc:
 * - og_utf8_valid agrees with the oracle's decoder, and reports the same first bad offset;
 * - og_name_check never accepts what the decoder refuses, an empty name, one over the cap, or one
 *   with a code point from the forbidden list; when it refuses, the message is set, starts with
 *   the field's name and is itself valid UTF-8 (it ends up in JSON error bodies).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 3629 section 4. Returns the sequence length at s[0..n), 0 when ill-formed; *cp gets the
 * scalar value. */
static size_t oracle_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t b = s[0];
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b <= 0x7F) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        *cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        *cp = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0;
        if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        *cp = b & 0x07;
        if (b == 0xF0)
            lo = 0x90;
        if (b == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        uint8_t c = s[i];
        if (c < (i == 1 ? lo : 0x80) || c > (i == 1 ? hi : 0xBF))
            return 0;
        *cp = (*cp << 6) | (c & 0x3F);
    }
    return len;
}

static bool oracle_forbidden(uint32_t cp)
{
    static const uint32_t ranges[][2] = {
        {0x00, 0x1F},     {0x7F, 0x9F},       {0x00AD, 0x00AD},    {0x061C, 0x061C},
        {0x180E, 0x180E}, {0x200B, 0x200F},   {0x2028, 0x202E},    {0x2060, 0x2064},
        {0x2066, 0x206F}, {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},    {0xFDD0, 0xFDEF},
        {0xE000, 0xF8FF}, {0xE0000, 0xE007F}, {0xF0000, 0x10FFFF},
    };
    if ((cp & 0xFFFE) == 0xFFFE) /* U+xxFFFE and U+xxFFFF are noncharacters */
        return true;
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (cp >= ranges[i][0] && cp <= ranges[i][1])
            return true;
    return false;
}

#define CAP 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The oracle's verdict on the whole input as a length-delimited string. */
    size_t bad_at = size, i = 0;
    bool forbidden = false;
    while (i < size) {
        uint32_t cp = 0;
        size_t n = oracle_decode(data + i, size - i, &cp);
        if (n == 0 || cp == 0) {
            bad_at = i;
            break;
        }
        forbidden |= oracle_forbidden(cp);
        i += n;
    }
    size_t got_at = (size_t)-1;
    bool valid = og_utf8_valid((const char *)data, size, &got_at);
    FUZZ_ASSERT(valid == (bad_at == size));
    FUZZ_ASSERT(valid || got_at == bad_at);

    /* The same bytes as a C string (a NUL ends the name, as it does for every caller). */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t len = strlen(s);
    og_error_clear();
    int rc = og_name_check("fuzzed name", s, CAP);
    if (rc == 0) {
        bool ok_utf8 = len == size ? valid : og_utf8_valid(s, len, NULL);
        FUZZ_ASSERT(ok_utf8 && len > 0 && len <= CAP);
        FUZZ_ASSERT(len != size || !forbidden);
    } else {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL);
        FUZZ_ASSERT(strncmp(og_error_last(), "fuzzed name ", 12) == 0);
    }
    free(s);
    return 0;
}
