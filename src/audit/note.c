/* note.c - C2SP signed notes (c2sp.org/signed-note) and checkpoints (c2sp.org/tlog-checkpoint):
 * the checkpoint body, the installation's log name and origins, verifier keys
 * ("name+hash+base64key"), signature lines and witness cosignatures (c2sp.org/tlog-cosignature).
 */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM_DASH "\xe2\x80\x94" /* U+2014, which starts every signature line */

/* A key name: non-empty, no Unicode spaces (we refuse every ASCII space and control), no '+'. */
static int name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= OG_AUDIT_NOTE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '+')
            return 0;
    }
    return 1;
}

uint32_t og_audit__note_key_hash(const char *name, uint8_t type, const uint8_t pub[32])
{
    og_buf b;
    uint8_t h[32];
    og_buf_init(&b, 256);
    og_buf_append(&b, name, strlen(name));
    og_buf_append(&b, "\n", 1);
    og_buf_append(&b, &type, 1);
    og_buf_append(&b, pub, 32);
    og_crypto_sha256(b.data, b.len, h);
    og_buf_free(&b);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

int og_audit__note_vkey(og_buf *out, const char *name, uint8_t type, const uint8_t pub[32])
{
    uint8_t raw[33];
    raw[0] = type;
    memcpy(raw + 1, pub, 32);
    char *b64 = og_base64_encode(raw, sizeof(raw));
    if (!b64)
        return og_error_set(OG_ERROR, "out of memory");
    int error = og_buf_printf(out, "%s+%08" PRIx32 "+%s", name,
                              og_audit__note_key_hash(name, type, pub), b64);
    free(b64);
    return error;
}

int og_audit__vkey_parse(const char *text, og_audit__vkey *k)
{
    const char *p1, *p2;
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    char hex[9];
    int error = 0;
    memset(k, 0, sizeof(*k));
    if (!text || !(p1 = strchr(text, '+')) || !(p2 = strchr(p1 + 1, '+')))
        return og_error_set(OG_EINVAL, "a verifier key is name+hash+base64key (C2SP signed-note)");
    if (!name_ok(text, (size_t)(p1 - text)))
        return og_error_set(OG_EINVAL,
                            "verifier key: the key name must be 1 to %d characters without"
                            " spaces or '+'",
                            OG_AUDIT_NOTE_NAME_MAX - 1);
    memcpy(k->name, text, (size_t)(p1 - text));
    if (p2 - p1 - 1 != 8)
        return og_error_set(OG_EINVAL, "verifier key: the key hash must be 8 hex digits");
    memcpy(hex, p1 + 1, 8);
    hex[8] = '\0';
    for (int i = 0; i < 8; i++)
        if (!strchr("0123456789abcdef", hex[i]))
            return og_error_set(OG_EINVAL, "verifier key: the key hash must be 8 lower-case hex"
                                           " digits");
    k->hash = (uint32_t)strtoul(hex, NULL, 16);
    if (og_base64_decode(p2 + 1, &raw, &rawlen) < 0 || rawlen != 33) {
        error = og_error_set(OG_EINVAL, "verifier key: the key must be base64 of a type byte and"
                                        " a 32-byte Ed25519 key");
        goto cleanup;
    }
    k->type = raw[0];
    if (k->type != OG_NOTE_ED25519 && k->type != OG_NOTE_COSIG_V1) {
        error = og_error_set(OG_EINVAL,
                             "verifier key: key type 0x%02x is not Ed25519 (0x01) or an Ed25519"
                             " cosignature/v1 key (0x04)",
                             k->type);
        goto cleanup;
    }
    memcpy(k->pub, raw + 1, 32);
    if (og_audit__note_key_hash(k->name, k->type, k->pub) != k->hash) {
        error = og_error_set(OG_EINVAL, "verifier key: the key hash does not match the name and"
                                        " the key");
        goto cleanup;
    }
cleanup:
    free(raw);
    return error;
}

int og_audit__note_body(og_buf *out, const char *origin, int64_t size, const char *root_hex)
{
    uint8_t root[32];
    if (!root_hex || strlen(root_hex) != 64 || og_hex_decode(root_hex, root, 32) != 32)
        return og_error_set(OG_EINVAL, "checkpoint: the root is not a 64-digit hex SHA-256");
    char *b64 = og_base64_encode(root, 32);
    if (!b64)
        return og_error_set(OG_ERROR, "out of memory");
    int error = og_buf_printf(out, "%s\n%lld\n%s\n", origin, (long long)size, b64);
    free(b64);
    return error;
}

int og_audit__note_sigline(og_buf *out, const char *name, uint32_t hash, const uint8_t *sig,
                           size_t siglen)
{
    uint8_t raw[4 + 8 + 64];
    if (siglen > sizeof(raw) - 4)
        return og_error_set(OG_EINVAL, "signature too long");
    raw[0] = (uint8_t)(hash >> 24);
    raw[1] = (uint8_t)(hash >> 16);
    raw[2] = (uint8_t)(hash >> 8);
    raw[3] = (uint8_t)hash;
    memcpy(raw + 4, sig, siglen);
    char *b64 = og_base64_encode(raw, 4 + siglen);
    if (!b64)
        return og_error_set(OG_ERROR, "out of memory");
    int error = og_buf_printf(out, EM_DASH " %s %s\n", name, b64);
    free(b64);
    return error;
}

int og_audit__log_name(og_store *s, char *out, size_t size)
{
    og_stmt *st = NULL;
    int error =
        og_stmt_prepare(&st, s, "SELECT key_id FROM audit_key ORDER BY created_at, key_id LIMIT 1");
    if (error < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW && og_stmt_col_text(st, 0)) {
        snprintf(out, size, "opsgate/%s", og_stmt_col_text(st, 0));
        error = 0;
    } else if (error >= 0) {
        error = og_error_set(OG_ENOTFOUND, "the installation has no audit signing key yet");
    }
    og_stmt_free(st);
    return error;
}

int og_audit__origin_name(const char *origin, const char *chain, char *name, size_t size)
{
    size_t on = strlen(origin), cn = strlen(chain);
    if (on <= cn + 1 || origin[on - cn - 1] != '/' || strcmp(origin + on - cn, chain) != 0 ||
        !name_ok(origin, on) || on - cn - 1 >= size)
        return og_error_set(OG_ECORRUPT, "checkpoint origin '%s' does not name chain '%s'", origin,
                            chain);
    memcpy(name, origin, on - cn - 1);
    name[on - cn - 1] = '\0';
    return 0;
}

/* One signature line "— name base64" (without its newline) into name and raw bytes. */
static int sigline_parse(const char *line, size_t n, char *name, uint8_t **raw, size_t *rawlen)
{
    const size_t dash = sizeof(EM_DASH) - 1;
    const char *sp;
    char b64[256];
    *raw = NULL;
    if (n < dash + 2 || memcmp(line, EM_DASH " ", dash + 1) != 0)
        return OG_EINVAL;
    line += dash + 1;
    n -= dash + 1;
    if (!(sp = memchr(line, ' ', n)) || !name_ok(line, (size_t)(sp - line)))
        return OG_EINVAL;
    memcpy(name, line, (size_t)(sp - line));
    name[sp - line] = '\0';
    size_t bn = n - (size_t)(sp - line) - 1;
    if (bn == 0 || bn >= sizeof(b64))
        return OG_EINVAL;
    memcpy(b64, sp + 1, bn);
    b64[bn] = '\0';
    if (og_base64_decode(b64, raw, rawlen) < 0 || *rawlen < 5) {
        free(*raw);
        *raw = NULL;
        return OG_EINVAL;
    }
    return 0;
}

int og_audit__note_split(const char *note, size_t len, size_t *body_len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (note[i] == '\n' && note[i + 1] == '\n') {
            *body_len = i + 1;
            return 0;
        }
    return og_error_set(OG_EINVAL, "not a signed note (no blank line before the signatures)");
}

int og_audit__note_check(const og_audit__vkey *k, const char *body, size_t body_len,
                         const char *sigs, size_t sigs_len, int64_t *timestamp)
{
    int found = 0;
    og_buf msg;
    og_buf_init(&msg, body_len + 64);
    for (size_t pos = 0; pos < sigs_len;) {
        const char *p = sigs + pos, *nl = memchr(p, '\n', sigs_len - pos);
        size_t n = nl ? (size_t)(nl - p) : sigs_len - pos;
        char name[OG_AUDIT_NOTE_NAME_MAX];
        uint8_t *raw = NULL;
        size_t rawlen = 0;
        pos += n + (nl ? 1 : 0);
        if (n == 0 || sigline_parse(p, n, name, &raw, &rawlen) < 0) {
            free(raw);
            continue;
        }
        uint32_t h =
            (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
        if (!og_streq(name, k->name) || h != k->hash) {
            free(raw);
            continue;
        }
        found = -1;
        og_buf_reset(&msg);
        if (k->type == OG_NOTE_ED25519 && rawlen == 4 + 64) {
            if (og_crypto_ed25519_verify(k->pub, body, body_len, raw + 4) == 0)
                found = 1;
            if (timestamp)
                *timestamp = 0;
        } else if (k->type == OG_NOTE_COSIG_V1 && rawlen == 4 + 8 + 64) {
            uint64_t ts = 0;
            for (int i = 0; i < 8; i++)
                ts = ts << 8 | raw[4 + i];
            if (og_buf_printf(&msg, "cosignature/v1\ntime %" PRIu64 "\n", ts) == 0 &&
                og_buf_append(&msg, body, body_len) == 0 &&
                og_crypto_ed25519_verify(k->pub, msg.data, msg.len, raw + 12) == 0)
                found = 1;
            if (timestamp)
                *timestamp = (int64_t)ts;
        }
        free(raw);
        if (found == 1)
            break;
    }
    og_buf_free(&msg);
    og_error_clear();
    if (found == 1)
        return 0;
    if (found == -1)
        return og_error_set(OG_ECORRUPT, "the signature of key %s+%08" PRIx32 " does not verify",
                            k->name, k->hash);
    return og_error_set(OG_ENOTFOUND, "no signature of key %s+%08" PRIx32, k->name, k->hash);
}
