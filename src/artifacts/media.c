/* media.c - media types of artifact content: by file extension, or sniffed from the first bytes. */
#include "artifacts/artifacts_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *ext, *type;
} by_ext[] = {
    {"md", "text/markdown"},
    {"markdown", "text/markdown"},
    {"txt", "text/plain"},
    {"text", "text/plain"},
    {"log", "text/plain"},
    {"html", "text/html"},
    {"htm", "text/html"},
    {"csv", "text/csv"},
    {"json", "application/json"},
    {"xml", "application/xml"},
    {"yaml", "application/yaml"},
    {"yml", "application/yaml"},
    {"sh", "text/x-shellscript"},
    {"ps1", "text/plain"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"zip", "application/zip"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"vsdx", "application/vnd.ms-visio.drawing"},
    {"drawio", "application/vnd.jgraph.mxfile"},
};

const char *og_artifacts__media_by_name(const char *name)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (!dot || !dot[1] || strchr(dot, '/'))
        return NULL;
    for (size_t i = 0; i < sizeof(by_ext) / sizeof(by_ext[0]); i++)
        if (strcasecmp(dot + 1, by_ext[i].ext) == 0)
            return by_ext[i].type;
    return NULL;
}

/* Valid UTF-8 without NULs or most control characters: text. A sequence cut at the end of the
 * sample is fine. */
static int looks_like_text(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        if (c < 0x80) {
            if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f'))
                return 0;
            i++;
            continue;
        }
        size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (n == 0)
            return 0;
        for (size_t k = 1; k < n; k++) {
            if (i + k >= len)
                return 1;
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
        }
        i += n;
    }
    return 1;
}

const char *og_artifacts__media_sniff(const uint8_t *head, size_t len)
{
    if (len >= 5 && memcmp(head, "%PDF-", 5) == 0)
        return "application/pdf";
    if (len >= 8 && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (len >= 3 && memcmp(head, "\xff\xd8\xff", 3) == 0)
        return "image/jpeg";
    if (len >= 6 && (memcmp(head, "GIF87a", 6) == 0 || memcmp(head, "GIF89a", 6) == 0))
        return "image/gif";
    if (len >= 4 && memcmp(head, "PK\x03\x04", 4) == 0)
        return "application/zip";
    if (len >= 2 && memcmp(head, "\x1f\x8b", 2) == 0)
        return "application/gzip";
    if (len == 0 || !looks_like_text(head, len))
        return "application/octet-stream";
    size_t i = 0;
    while (i < len && isspace(head[i]))
        i++;
    if (len - i >= 5 && (strncasecmp((const char *)head + i, "<!doc", 5) == 0 ||
                         strncasecmp((const char *)head + i, "<html", 5) == 0))
        return "text/html";
    if (len - i >= 5 && strncmp((const char *)head + i, "<?xml", 5) == 0)
        return "application/xml";
    if (i < len && (head[i] == '{' || head[i] == '['))
        return "application/json";
    if (i < len && head[i] == '#')
        return "text/markdown";
    return "text/plain";
}

/* type/subtype of RFC 6838 restricted-name characters, optional parameters not allowed. */
bool og_artifacts__media_valid(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    int slash = 0;
    if (n < 3 || n > 127)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c == '/') {
            if (slash++ || i == 0 || i == n - 1)
                return false;
        } else if (!isalnum((unsigned char)c) && !strchr("!#$&-^_.+", c)) {
            return false;
        }
    }
    return slash == 1;
}

bool og_artifacts__media_is_text(const char *t)
{
    return t && (strncmp(t, "text/", 5) == 0 || strcmp(t, "application/json") == 0 ||
                 strcmp(t, "application/xml") == 0 || strcmp(t, "application/yaml") == 0 ||
                 strcmp(t, "image/svg+xml") == 0);
}

bool og_artifacts__media_is_html(const char *t)
{
    return t && (strcmp(t, "text/html") == 0 || strcmp(t, "application/xml") == 0 ||
                 strcmp(t, "image/svg+xml") == 0);
}
