/* vendor_rmm.c - shared by the RMM adaptors (vendor_ninjaone.c, vendor_dattormm.c): their error
 * shapes, and address and name checks on device records. (Their OAuth tokens go through
 * og_conn_token_fetch in http.c, like every token vendor's.) */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_rmm.h"

const char *og_rmm_cname(const og_conn *c)
{
    return c->name[0] ? c->name : c->vendor->kind;
}

void og_rmm_error_message(long status, const og_buf *body, const json_t *json, char *out,
                          size_t size)
{
    static const char *const keys[] = {"error_description", "errorMessage", "message", "error",
                                       NULL};
    const char *msg = NULL;
    size_t len = 0;
    (void)status;
    if (json_is_string(json))
        msg = json_string_value(json);
    for (int i = 0; !msg && json_is_object(json) && keys[i]; i++) {
        msg = json_string_value(json_object_get(json, keys[i]));
        if (msg && !*msg)
            msg = NULL;
    }
    if (msg) {
        len = strlen(msg);
    } else if (!json && body && body->data && body->len) {
        msg = (const char *)body->data;
        len = body->len;
    }
    size_t o = 0, i = 0;
    for (; msg && i < len && o + 1 < size && o < 300; i++) {
        unsigned char ch = (unsigned char)msg[i];
        out[o++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    if (msg && i < len && o > 0 && ((unsigned char)out[o - 1] & 0x80)) {
        /* cut: drop the last (possibly partial) multi-byte character whole */
        while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0xC0)
            o--;
    }
    if (size)
        out[o] = '\0';
}

int og_rmm_is_ip(const char *s)
{
    unsigned char b[16];
    if (!s || !*s || strlen(s) > 45)
        return 0;
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

size_t og_rmm_addr_add(const char **addrs, size_t n, size_t cap, const char *s)
{
    if (n >= cap || !og_rmm_is_ip(s))
        return n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(addrs[i], s) == 0)
            return n;
    addrs[n] = s;
    return n + 1;
}

int og_rmm_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 253)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return 0;
    }
    return 1;
}
