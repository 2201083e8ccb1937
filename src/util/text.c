/* text.c - UTF-8 validation and the one check every user-facing name goes through (utf8proc). */
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <string.h>
#include <utf8proc.h>

bool og_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        /* utf8proc_iterate is a strict decoder: overlong forms, surrogates (U+D800..U+DFFF),
         * code points past U+10FFFF and truncated sequences are all errors. */
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0 || cp == 0) {
            if (bad_at)
                *bad_at = i;
            return false;
        }
        i += (size_t)n;
    }
    return true;
}

/* Why code point cp may not appear in a name, or NULL when it may. */
static const char *name_forbids(utf8proc_int32_t cp)
{
    /* Tag characters are invisible (U+E0001 and U+E0020..U+E007F are Cf, the rest of the block
     * unassigned); named here so the rule does not hang on the category table alone. */
    if (cp >= 0xE0000 && cp <= 0xE007F)
        return "a tag character";
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_CC:
        return "a control character";
    case UTF8PROC_CATEGORY_CF:
        return "an invisible format character";
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return "a line or paragraph separator";
    case UTF8PROC_CATEGORY_CO:
        return "a private-use character";
    case UTF8PROC_CATEGORY_CS:
        return "a surrogate";
    case UTF8PROC_CATEGORY_CN:
        /* Unassigned code points and noncharacters (U+FFFE, U+FDD0..): a later Unicode version
         * may make them format characters, so they are refused until the table knows them. */
        return "an unassigned code point or noncharacter";
    default:
        return NULL;
    }
}

int og_name_check(const char *what, const char *s, size_t max_bytes)
{
    if (!what)
        what = "name";
    if (!s || !*s)
        return og_error_set(OG_EINVAL, "%s is empty", what);
    size_t len = strlen(s);
    if (max_bytes && len > max_bytes)
        return og_error_set(OG_EINVAL, "%s is %zu bytes long, over the limit of %zu", what, len,
                            max_bytes);
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0)
            /* The bytes are not quoted: they would not survive a JSON error body. */
            return og_error_set(OG_EINVAL,
                                "%s is not valid UTF-8 (byte 0x%02X at offset %zu starts no "
                                "valid character)",
                                what, (unsigned char)s[i], i);
        const char *why = name_forbids(cp);
        if (why)
            return og_error_set(OG_EINVAL,
                                "%s contains U+%04X at byte offset %zu: %s is not "
                                "allowed in names",
                                what, (unsigned)cp, i, why);
        i += (size_t)n;
    }
    return 0;
}
