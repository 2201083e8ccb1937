/* transport.c - the built-in channel types over opsgate's one network client (netclient.h):
 * signed webhooks and SMTP email, every connection checked against the egress policy. */
#include "notify/notify_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"

#include "opsgate/netclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEND_TIMEOUT_S    10L
#define CONNECT_TIMEOUT_S 5L

int og_notify__webhook_signature(const void *secret, size_t secret_len, int64_t t, const char *body,
                                 size_t body_len, char out[128])
{
    og_buf msg;
    uint8_t mac[32];
    char hex[65];
    int error;
    og_buf_init(&msg, body_len + 64);
    if ((error = og_buf_printf(&msg, "%lld.", (long long)t)) < 0 ||
        (error = og_buf_append(&msg, body, body_len)) < 0)
        goto cleanup;
    if ((error = og_crypto_hmac_sha256(secret, secret_len, msg.data, msg.len, mac)) < 0)
        goto cleanup;
    og_hex_encode(mac, 32, hex);
    snprintf(out, 128, "t=%lld,v1=%s", (long long)t, hex);
    error = 0;
cleanup:
    og_buf_free(&msg);
    return error;
}

/* ---- the egress guard: every connection's resolved address is checked before connect ---- */

/* og_netclient_allow_fn over the channel's egress policy. */
static int egress_allows(void *arg, const void *sa, size_t len)
{
    return og_egress_check_sockaddr(arg, sa, len);
}

/* What every channel's request shares: no redirects (netclient never follows them: a 3xx is a
 * failure, not a new hop), no proxy from the environment (the proxy's address would be checked,
 * not the target's), and the egress guard. */
static void guard_install(og_netclient_req *req, const og_notify_channel *ch)
{
    req->no_proxy = 1;
    req->allow_connect = egress_allows;
    req->allow_arg = (void *)ch->egress;
    req->timeout_s = SEND_TIMEOUT_S;
    req->connect_timeout_s = CONNECT_TIMEOUT_S;
}

int og_notify__url_host(const char *url, const char *const *schemes, char *host, size_t size)
{
    char scheme[32], h[256], shown[256];
    int known = 0;
    og_url_redact(url, shown, sizeof(shown));
    if (og_netclient_url_parts(url, scheme, sizeof(scheme), h, sizeof(h)) < 0)
        return og_error_set(OG_EINVAL, "bad URL '%s'", shown);
    for (size_t i = 0; schemes && schemes[i]; i++)
        known |= strcmp(scheme, schemes[i]) == 0;
    if (schemes && !known)
        return og_error_set(OG_EINVAL, "bad URL '%s': the scheme must be %s%s%s", shown, schemes[0],
                            schemes[1] ? " or " : "", schemes[1] ? schemes[1] : "");
    og_strlcpy(host, h, size);
    return 0;
}

static const char *const webhook_schemes[] = {"http", "https", NULL};
static const char *const smtp_schemes[] = {"smtp", "smtps", NULL};

int og_notify__endpoint_host(const char *type, const char *target, const void *secret,
                             size_t secret_len, char *host, size_t size)
{
    char url[1024];
    int error;
    host[0] = '\0';
    if (strcmp(type, "webhook") == 0)
        return og_notify__url_host(target, webhook_schemes, host, size);
    if (strcmp(type, "email") == 0 && secret && secret_len < sizeof(url)) {
        memcpy(url, secret, secret_len);
        url[secret_len] = '\0';
        error = og_notify__url_host(url, smtp_schemes, host, size);
        og_crypto_wipe(url, sizeof(url));
        return error;
    }
    return 0;
}

static int webhook_validate(const char *target, const void *secret, size_t secret_len,
                            const json_t *config)
{
    char host[256], shown[256];
    (void)config;
    og_url_redact(target, shown, sizeof(shown));
    if (!target || og_notify__url_host(target, webhook_schemes, host, sizeof(host)) < 0)
        return og_error_set(OG_EINVAL, "bad webhook URL '%s' (http:// or https://)", shown);
    if (!secret || secret_len < 16)
        return og_error_set(OG_EINVAL, "a webhook needs a secret of at least 16 bytes "
                                       "(the key of its HMAC signature)");
    return 0;
}

static int webhook_send(const og_notify_channel *ch, const og_notify_msg *msg)
{
    int error = -1;
    char *body = NULL;
    char sig[128], shown[256];
    long status = 0;
    og_netclient_resp resp;
    memset(&resp, 0, sizeof(resp));
    /* The URL may hold credentials or a token: messages name only its redacted form. */
    og_url_redact(ch->target, shown, sizeof(shown));
    /* The machine fields, plus what a person reads: "text" is the subject line and the body, as
     * chat tools (Slack-compatible incoming webhooks) show it. */
    og_buf text;
    og_buf_init(&text, 1 << 20);
    og_buf_printf(&text, "%s\n\n%s", msg->subject, msg->text);
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:O}", "id", msg->event_id, "type", msg->event_type,
        "tenant_id", msg->tenant_id, "tenant_name", msg->tenant_name, "subject", msg->subject,
        "text", text.data ? text.data : msg->subject, "body", msg->text, "data", msg->payload);
    og_buf_free(&text);
    if (!doc || !(body = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* The receiver recomputes the HMAC over "<t>.<body>" and refuses old t: a captured request
     * cannot be replayed later, nor its body altered. */
    if ((error = og_notify__webhook_signature(ch->secret, ch->secret_len, (int64_t)time(NULL), body,
                                              strlen(body), sig)) < 0)
        goto cleanup;
    char l_sig[160], l_id[128], l_type[128];
    snprintf(l_sig, sizeof(l_sig), "X-Opsgate-Signature: %s", sig);
    snprintf(l_id, sizeof(l_id), "X-Opsgate-Event: %s", msg->event_id);
    snprintf(l_type, sizeof(l_type), "X-Opsgate-Event-Type: %s", msg->event_type);
    const char *headers[] = {"Content-Type: application/json", l_sig, l_id, l_type, NULL};
    og_netclient_req req = {.method = "POST",
                            .url = ch->target,
                            .protocols = "http,https",
                            .headers = headers,
                            .body = body,
                            .body_len = strlen(body),
                            .user_agent = "opsgate/" OG_VERSION};
    guard_install(&req, ch);
    if ((error = og_netclient_do(NULL, &req, &resp)) < 0) {
        error =
            og_error_set(resp.refused ? OG_EDENIED : OG_ERROR, "webhook %s: %s", shown, resp.error);
        goto cleanup;
    }
    status = resp.status;
    if (status < 200 || status > 299) {
        error = og_error_set(OG_ERROR, "webhook %s answered HTTP %ld%s", shown, status,
                             status >= 300 && status < 400 ? " (redirects are not followed)" : "");
        goto cleanup;
    }
    error = 0;
cleanup:
    og_netclient_resp_clear(&resp);
    free(body);
    json_decref(doc);
    return error;
}

/* ---- email over SMTP ---- */

static int header_safe(const char *s)
{
    return s && !strpbrk(s, "\r\n<>");
}

static int email_validate(const char *target, const void *secret, size_t secret_len,
                          const json_t *config)
{
    char host[256];
    const char *from = json_string_value(json_object_get(config, "from"));
    if (!target || !header_safe(target) || !strchr(target, '@') || strlen(target) > 254)
        return og_error_set(OG_EINVAL, "bad email address '%s'", target ? target : "");
    if (from && (!header_safe(from) || !strchr(from, '@')))
        return og_error_set(OG_EINVAL, "bad sender address '%s'", from);
    if (!secret || !secret_len)
        return og_error_set(OG_EINVAL, "an email channel needs the URL of its SMTP server");
    char url[1024];
    if (secret_len >= sizeof(url))
        return og_error_set(OG_EINVAL, "SMTP URL too long");
    memcpy(url, secret, secret_len);
    url[secret_len] = '\0';
    int bad = og_notify__url_host(url, smtp_schemes, host, sizeof(host)) < 0;
    og_crypto_wipe(url, sizeof(url));
    if (bad)
        return og_error_set(OG_EINVAL, "bad SMTP URL (smtp://[user:pass@]host:port or smtps://)");
    return 0;
}

/* A header value that is printable ASCII and has no encoded-word opener goes as is. */
static int header_plain(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return 0;
    return strstr(s, "=?") == NULL;
}

/* "Subject: ..." with CRLF: as is when plain, else RFC 2047 encoded-words (UTF-8, base64), each
 * at most 75 characters and on its own folded line, never splitting a UTF-8 sequence. */
static int put_subject(og_buf *m, const char *s)
{
    size_t len = strlen(s), off = 0;
    if (header_plain(s))
        return og_buf_printf(m, "Subject: %s\r\n", s);
    og_buf_puts(m, "Subject:");
    while (off < len) {
        size_t n = len - off > 45 ? 45 : len - off; /* 45 bytes: 60 of base64, 72 in all */
        while (n > 0 && off + n < len && ((unsigned char)s[off + n] & 0xC0) == 0x80)
            n--;
        if (n == 0)
            n = len - off < 45 ? len - off : 45;
        char *b64 = og_base64_encode((const uint8_t *)s + off, n);
        if (!b64)
            return og_error_set(OG_ERROR, "out of memory");
        og_buf_printf(m, "%s=?UTF-8?B?%s?=", off ? "\r\n " : " ", b64);
        free(b64);
        off += n;
    }
    return og_buf_puts(m, "\r\n");
}

/* 1 when text can go as 7bit: printable ASCII, tabs and newlines, lines of at most 998. */
static int body_7bit(const char *text)
{
    size_t col = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            col = 0;
            continue;
        }
        if ((*p < 0x20 && *p != '\t') || *p > 0x7e || ++col > 998)
            return 0;
    }
    return 1;
}

/* The body with CRLF line ends, as is (7bit) or quoted-printable (RFC 2045: "=XX" for bytes
 * outside printable ASCII, '=' and a line's trailing blank; soft breaks keep lines under 76). */
static int put_body(og_buf *m, const char *text, int qp)
{
    size_t col = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            og_buf_puts(m, "\r\n");
            col = 0;
            continue;
        }
        if (!qp) {
            og_buf_append(m, p, 1);
            continue;
        }
        int last = p[1] == '\n' || p[1] == '\0';
        int enc = *p == '=' || (*p < 0x20 && *p != '\t') || *p > 0x7e ||
                  ((*p == ' ' || *p == '\t') && last);
        size_t w = enc ? 3 : 1;
        if (col + w > 75) {
            og_buf_puts(m, "=\r\n");
            col = 0;
        }
        if (enc)
            og_buf_printf(m, "=%02X", *p);
        else
            og_buf_append(m, p, 1);
        col += w;
    }
    return og_buf_puts(m, "\r\n");
}

static int email_send(const og_notify_channel *ch, const og_notify_msg *msg)
{
    int error = -1;
    char *url = NULL;
    char from_br[300], to_br[300], date[64];
    og_buf m;
    og_netclient_resp resp;
    const char *from = json_string_value(json_object_get(ch->config, "from"));
    const char *domain;
    time_t now = time(NULL);
    struct tm tm;
    int qp;
    og_buf_init(&m, 1 << 20);
    memset(&resp, 0, sizeof(resp));
    if (!from)
        from = "opsgate@localhost";
    domain = strrchr(from, '@') ? strrchr(from, '@') + 1 : "opsgate";
    url = strndup((const char *)ch->secret, ch->secret_len);
    if (!url) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    qp = !body_7bit(msg->text);
    /* The addresses were checked when the channel was added (no CR, LF or angle brackets). The
     * Message-ID is stable across retries of the same event to the same channel, so a mail
     * system can drop a duplicate. */
    og_buf_printf(&m, "Date: %s\r\nFrom: opsgate <%s>\r\nTo: <%s>\r\n", date, from, ch->target);
    if ((error = put_subject(&m, msg->subject)) < 0)
        goto cleanup;
    og_buf_printf(&m,
                  "Message-ID: <%s.%s@%s>\r\nX-Opsgate-Event: %s\r\nX-Opsgate-Event-Type: %s\r\n",
                  msg->event_id, ch->id, domain, msg->event_id, msg->event_type);
    if (msg->tenant_name && header_plain(msg->tenant_name))
        og_buf_printf(&m, "X-Opsgate-Tenant: %s\r\n", msg->tenant_name);
    og_buf_printf(&m,
                  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: %s\r\n\r\n",
                  qp ? "quoted-printable" : "7bit");
    if ((error = put_body(&m, msg->text, qp)) < 0)
        goto cleanup;
    snprintf(from_br, sizeof(from_br), "<%s>", from);
    snprintf(to_br, sizeof(to_br), "<%s>", ch->target);
    og_netclient_req req = {.url = url,
                            .protocols = "smtp,smtps",
                            .body = m.data,
                            .body_len = m.len,
                            .mail_from = from_br,
                            .mail_rcpt = to_br};
    guard_install(&req, ch);
    if ((error = og_netclient_do(NULL, &req, &resp)) < 0) {
        /* The URL may hold credentials: name only the recipient. */
        error = og_error_set(resp.refused ? OG_EDENIED : OG_ERROR, "email to %s: %s", ch->target,
                             resp.error);
        goto cleanup;
    }
    error = 0;
cleanup:
    og_netclient_resp_clear(&resp);
    if (url) {
        og_crypto_wipe(url, strlen(url));
        free(url);
    }
    og_buf_free(&m);
    return error;
}

const og_notifier og_notify__webhook = {"webhook", webhook_validate, webhook_send};
const og_notifier og_notify__email = {"email", email_validate, email_send};
