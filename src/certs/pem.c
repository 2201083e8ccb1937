/* pem.c - a strict PEM block reader that reports malformed blocks with their line, so that import
 * and scan-files can name exactly what is wrong. */
#include "certs/certs_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

#define BEGIN  "-----BEGIN "
#define END    "-----END "
#define DASHES "-----"

/* One line of buf at *pos: [*ls, *le) without the line end; advances *pos and *line. */
static int next_line(const char *buf, size_t len, size_t *pos, int *line, const char **ls,
                     size_t *ll)
{
    if (*pos >= len)
        return 0;
    const char *s = buf + *pos;
    const char *nl = memchr(s, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - s) : len - *pos;
    *pos += n + (nl ? 1 : 0);
    (*line)++;
    if (n && s[n - 1] == '\r')
        n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *ls = s;
    *ll = n;
    return 1;
}

/* "-----BEGIN X-----" or "-----END X-----": copies X into label (63 chars max). */
static int marker(const char *s, size_t n, const char *kind, char label[64])
{
    size_t k = strlen(kind);
    if (n < k + 5 || memcmp(s, kind, k) != 0 || memcmp(s + n - 5, DASHES, 5) != 0)
        return 0;
    size_t l = n - k - 5;
    if (l == 0 || l >= 64)
        return 0;
    memcpy(label, s + k, l);
    label[l] = '\0';
    return 1;
}

static int is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
}

int og_certs__pem_next(const char *buf, size_t len, size_t *pos, int *line, const char *name,
                       og_certs_pem_block *b)
{
    int error = -1;
    const char *ls;
    size_t ll;
    og_buf body;
    char endlabel[64];
    og_buf_init(&body, OG_CERTS_MAX_FILE);
    memset(b, 0, sizeof(*b));
    /* Find the next BEGIN line; anything before it (comments, "subject=" lines) is ignored. */
    for (;;) {
        size_t at = *pos;
        if (!next_line(buf, len, pos, line, &ls, &ll)) {
            error = 0;
            goto cleanup;
        }
        if (marker(ls, ll, BEGIN, b->label)) {
            b->line = *line;
            b->text = buf + at;
            break;
        }
        if (ll >= 11 && memcmp(ls, BEGIN, 11) == 0) {
            error = og_error_set(OG_EINVAL, "%s line %d: malformed BEGIN line", name, *line);
            goto cleanup;
        }
    }
    int in_headers = 1, b64_lines = 0;
    for (;;) {
        if (!next_line(buf, len, pos, line, &ls, &ll)) {
            error = og_error_set(OG_EINVAL, "%s line %d: '%s' block has no END line", name, b->line,
                                 b->label);
            goto cleanup;
        }
        if (ll >= 9 && memcmp(ls, END, 9) == 0) {
            if (!marker(ls, ll, END, endlabel) || strcmp(endlabel, b->label) != 0) {
                error = og_error_set(OG_EINVAL, "%s line %d: END line does not match BEGIN %s",
                                     name, *line, b->label);
                goto cleanup;
            }
            break;
        }
        if (ll >= 11 && memcmp(ls, BEGIN, 11) == 0) {
            error = og_error_set(OG_EINVAL, "%s line %d: '%s' block has no END line", name, b->line,
                                 b->label);
            goto cleanup;
        }
        /* RFC 1421 headers (traditional encrypted keys) come before a blank line. */
        if (in_headers && b64_lines == 0 && memchr(ls, ':', ll)) {
            b->has_headers = 1;
            continue;
        }
        if (ll == 0) {
            in_headers = 0;
            continue;
        }
        for (size_t i = 0; i < ll; i++) {
            if (!is_b64(ls[i])) {
                error = og_error_set(OG_EINVAL, "%s line %d: invalid base64 in '%s' block", name,
                                     *line, b->label);
                goto cleanup;
            }
        }
        b64_lines++;
        if ((error = og_buf_append(&body, ls, ll)) < 0) {
            og_error_set(OG_ETOOBIG, "%s line %d: '%s' block too large", name, b->line, b->label);
            goto cleanup;
        }
    }
    b->text_len = (size_t)(buf + *pos - b->text);
    if (body.len == 0) {
        error = og_error_set(OG_EINVAL, "%s line %d: '%s' block is empty", name, b->line, b->label);
        goto cleanup;
    }
    if (og_base64_decode(body.data, &b->der, &b->len) < 0) {
        error = og_error_set(OG_EINVAL, "%s line %d: '%s' block is not valid base64", name, b->line,
                             b->label);
        goto cleanup;
    }
    error = 1;
cleanup:
    /* the body may be a private key: wipe it */
    og_crypto_wipe(body.data, body.len);
    og_buf_free(&body);
    if (error <= 0)
        og_certs__pem_block_clear(b);
    return error;
}

void og_certs__pem_block_clear(og_certs_pem_block *b)
{
    if (!b)
        return;
    og_crypto_wipe(b->der, b->len);
    free(b->der);
    memset(b, 0, sizeof(*b));
}
