/* vendor_rmm.c - shared by the RMM adaptors (vendor_ninjaone.c, vendor_dattormm.c): the OAuth
 * token both fetch from their own host and cache in og_conn, their error shapes, and address and
 * name checks on device records. */
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

int og_rmm_form_add(og_buf *b, const char *name, const char *value)
{
    char *v = og_conn_query_escape(value);
    if (!v)
        return og_error_set(OG_ERROR, "out of memory");
    int error = og_buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, v);
    og_crypto_wipe(v, strlen(v));
    free(v);
    return error;
}

int og_rmm_fetch_token(og_conn *c, const char *url, const og_buf *form, const char *header)
{
    int error = 0;
    og_conn_response resp = {0};
    const char *hdrs[2] = {header, NULL};
    og_conn_request rq = {.method = "POST",
                          .url = url,
                          .headers = header ? hdrs : NULL,
                          .content_type = "application/x-www-form-urlencoded",
                          .body = form->data,
                          .body_len = form->len,
                          .body_cap = 64 * 1024,
                          .no_auth = 1};
    if ((error = og_conn_http(c, &rq, &resp)) < 0) {
        if (resp.status == 400 || resp.status == 401 || resp.status == 403) {
            char msg[700];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            error = og_error_set(OG_EAUTH, "%s", msg); /* OAuth: 400 invalid_grant/client */
        }
        goto cleanup;
    }
    const char *tok = json_string_value(json_object_get(resp.json, "access_token"));
    json_t *exp = json_object_get(resp.json, "expires_in");
    if (!tok || !*tok || strlen(tok) >= sizeof(c->bearer) || strpbrk(tok, "\r\n")) {
        error = og_error_set(OG_EAUTH,
                             "connector %s (%s): the token answer holds no usable "
                             "access_token",
                             og_rmm_cname(c), c->vendor->kind);
        goto cleanup;
    }
    int64_t secs = json_is_number(exp) ? (int64_t)json_number_value(exp) : 3600;
    if (secs <= 0 || secs > 30 * 86400)
        secs = secs <= 0 ? 60 : 30 * 86400;
    secs -= secs > 600 ? 60 : secs / 10; /* renew a little before the vendor drops it */
    og_strlcpy(c->bearer, tok, sizeof(c->bearer));
    c->bearer_expires_us = og_time_now_us() + secs * 1000000;
cleanup:
    if (resp.body.data)
        og_crypto_wipe(resp.body.data, resp.body.len);
    og_conn_response_clear(&resp);
    return error;
}

int og_rmm_bearer(og_conn *c, og_conn_headers *h, int (*fetch_token)(og_conn *c))
{
    int error = 0;
    if (!c->bearer[0] || og_time_now_us() >= c->bearer_expires_us) {
        og_rmm_auth_reset(c);
        if ((error = fetch_token(c)) < 0) {
            if (error != OG_ERROR)
                return error;
            /* the token request already ran its retries: the API call must not retry it */
            char msg[700];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            return og_error_set(OG_EBUSY, "%s", msg);
        }
    }
    return og_conn_headers_add(h, "Authorization: Bearer %s", c->bearer);
}

void og_rmm_auth_reset(og_conn *c)
{
    og_crypto_wipe(c->bearer, sizeof(c->bearer));
    c->bearer_expires_us = 0;
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
