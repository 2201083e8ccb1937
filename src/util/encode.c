/* encode.c - hex and base64 (standard and URL-safe) encoders and a lenient decoder. */
#include "opsgate/util.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

void og_hex_encode(const uint8_t *in, size_t len, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * len] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int og_hex_decode(const char *in, uint8_t *out, size_t outcap)
{
    size_t n = strlen(in);
    if (n % 2 || n / 2 > outcap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

static char *b64(const uint8_t *in, size_t len, const char *alpha, int pad)
{
    size_t olen = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(olen);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i + 2 < len) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        out[o++] = alpha[v >> 6 & 63];
        out[o++] = alpha[v & 63];
        i += 3;
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        if (i + 1 < len)
            out[o++] = alpha[v >> 6 & 63];
        else if (pad)
            out[o++] = '=';
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

char *og_base64_encode(const uint8_t *in, size_t len)
{
    return b64(in, len, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 1);
}

char *og_base64url_encode(const uint8_t *in, size_t len)
{
    return b64(in, len, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 0);
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

int og_base64_decode(const char *in, uint8_t **out, size_t *outlen)
{
    size_t n = strlen(in);
    while (n > 0 && in[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return og_error_set(OG_EINVAL, "bad base64: truncated input");
    uint8_t *o = malloc(n * 3 / 4 + 3);
    if (!o)
        return og_error_set(OG_ERROR, "out of memory");
    size_t ol = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(in[i]);
        if (v < 0) {
            free(o);
            return og_error_set(OG_EINVAL, "bad base64: unexpected character at offset %zu", i);
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[ol++] = (uint8_t)(acc >> bits);
        }
    }
    *out = o;
    *outlen = ol;
    return 0;
}
