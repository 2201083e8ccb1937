/* clean.c - payload values made safe to show in a message (render.c): no control characters,
 * bounded lengths, cut at UTF-8 boundaries. */
#include "notify/notify_internal.h"

#include <stdlib.h>
#include <string.h>

/* Longest payload string kept for a message (a subject line or a scanned certificate's subject
 * could be anything); longer values are cut at a UTF-8 boundary and end in "…". */
#define VALUE_MAX 300
#define ELLIPSIS  "\xe2\x80\xa6" /* … */

/* n bytes of s or fewer, never splitting a UTF-8 sequence. */
size_t og_notify__utf8_cut(const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* A copy of s with control characters (CR, LF, TAB, ESC ...) made spaces and at most max bytes:
 * a payload value can neither add a line to the body nor a header to an email. */
static char *clean_str(const char *s, size_t max)
{
    size_t len = strlen(s), keep = len > max ? og_notify__utf8_cut(s, max) : len;
    char *out = malloc(keep + sizeof(ELLIPSIS));
    if (!out)
        return NULL;
    for (size_t i = 0; i < keep; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    out[keep] = '\0';
    if (keep < len)
        memcpy(out + keep, ELLIPSIS, sizeof(ELLIPSIS));
    return out;
}

/* A deep copy of v with every string cleaned (depth and size bounded). */
json_t *og_notify__clean_json(const json_t *v, int depth)
{
    if (json_is_string(v)) {
        char *c = clean_str(json_string_value(v), VALUE_MAX);
        json_t *s = c ? json_string(c) : NULL;
        free(c);
        return s ? s : json_string("?");
    }
    if (json_is_array(v)) {
        json_t *a = json_array(), *x;
        size_t i;
        if (depth > 4)
            return a;
        json_array_foreach(v, i, x)
        {
            if (i >= 50)
                break;
            json_array_append_new(a, og_notify__clean_json(x, depth + 1));
        }
        return a;
    }
    if (json_is_object(v)) {
        json_t *o = json_object(), *x;
        const char *k;
        if (depth > 4)
            return o;
        json_object_foreach((json_t *)v, k, x)
        {
            char *ck = clean_str(k, 64);
            if (ck)
                json_object_set_new(o, ck, og_notify__clean_json(x, depth + 1));
            free(ck);
        }
        return o;
    }
    return v ? json_deep_copy(v) : json_null();
}
