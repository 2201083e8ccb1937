/* filter.c - the event filters of notification channels: comma-separated globs over the event
 * types opsgate notifies about, checked and made canonical when set, matched at delivery. */
#include "notify/notify_internal.h"
#include "opsgate/error.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

static bool pattern_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
           c == '*' || c == '?';
}

/* The canonical form of one trimmed pattern, checked; OG_EINVAL naming it. */
static int pattern_check(const char *pat)
{
    int known = 0;
    for (const char *c = pat; *c; c++)
        if (!pattern_char_ok(*c))
            return og_error_set(OG_EINVAL,
                                "bad event pattern '%s': use event types and globs of a-z, 0-9, "
                                "'.', '_', '-', '*' and '?' (like certs.* or gate.review)",
                                pat);
    /* A typo ("cert.*") would silently mute a channel: a pattern must match a type we send. */
    for (int i = 0; og_notify_event_types[i]; i++)
        known |= fnmatch(pat, og_notify_event_types[i], 0) == 0;
    if (!known) {
        char list[600] = "";
        for (int i = 0; og_notify_event_types[i]; i++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof(list) - l, "%s%s", i ? ", " : "", og_notify_event_types[i]);
        }
        return og_error_set(OG_EINVAL,
                            "event pattern '%s' matches no event opsgate notifies about (%s)", pat,
                            list);
    }
    return 0;
}

int og_notify__events_parse(const char *spec, char *out, size_t size)
{
    char pats[OG_NOTIFY_MAX_PATTERNS][OG_NOTIFY_PATTERN_MAX + 1];
    int n = 0, error, all = 0;
    const char *s = spec ? spec : "";
    out[0] = '\0';
    if (strspn(s, " \t") == strlen(s)) { /* nothing given: every event */
        og_strlcpy(out, "*", size);
        return 0;
    }
    for (;;) {
        size_t len = strcspn(s, ","), b = 0, e = len;
        char pat[OG_NOTIFY_PATTERN_MAX + 1];
        int dup = 0;
        while (b < e && (s[b] == ' ' || s[b] == '\t'))
            b++;
        while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
            e--;
        if (e == b)
            return og_error_set(OG_EINVAL,
                                "empty event pattern in '%.100s' (a comma-separated list like "
                                "'certs.*,gate.review')",
                                spec);
        if (e - b > OG_NOTIFY_PATTERN_MAX)
            return og_error_set(OG_EINVAL, "event pattern '%.20s...' is longer than %d characters",
                                s + b, OG_NOTIFY_PATTERN_MAX);
        memcpy(pat, s + b, e - b);
        pat[e - b] = '\0';
        if ((error = pattern_check(pat)) < 0)
            return error;
        all |= strcmp(pat, "*") == 0;
        for (int i = 0; i < n; i++)
            dup |= strcmp(pats[i], pat) == 0;
        if (!dup) {
            if (n == OG_NOTIFY_MAX_PATTERNS)
                return og_error_set(OG_EINVAL, "at most %d event patterns per channel",
                                    OG_NOTIFY_MAX_PATTERNS);
            og_strlcpy(pats[n++], pat, sizeof(pats[0]));
        }
        if (s[len] != ',')
            break;
        s += len + 1;
    }
    if (all) { /* everything: the other patterns say nothing more */
        og_strlcpy(out, "*", size);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        size_t l = strlen(out);
        if (l + strlen(pats[i]) + 2 > size)
            return og_error_set(OG_EINVAL, "the event patterns are too long");
        snprintf(out + l, size - l, "%s%s", i ? "," : "", pats[i]);
    }
    return 0;
}

bool og_notify__events_match(const char *canon, const char *type)
{
    char buf[OG_NOTIFY_EVENTS_MAX];
    if (!canon || !*canon || strcmp(canon, "*") == 0)
        return true;
    og_strlcpy(buf, canon, sizeof(buf));
    for (char *save = NULL, *pat = strtok_r(buf, ",", &save); pat; pat = strtok_r(NULL, ",", &save))
        if (fnmatch(pat, type, 0) == 0)
            return true;
    return false;
}

json_t *og_notify__events_json(const char *canon)
{
    json_t *a = json_array();
    char buf[OG_NOTIFY_EVENTS_MAX];
    og_strlcpy(buf, canon && *canon ? canon : "*", sizeof(buf));
    for (char *save = NULL, *pat = strtok_r(buf, ",", &save); pat; pat = strtok_r(NULL, ",", &save))
        json_array_append_new(a, json_string(pat));
    return a;
}
