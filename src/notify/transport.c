/* transport.c - the built-in channel types over libcurl: signed webhooks and SMTP email. */
#include "notify/notify_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"

#include <curl/curl.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEND_TIMEOUT_S    10L
#define CONNECT_TIMEOUT_S 5L

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* A response body is not needed, only drained and bounded. */
static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    size_t *total = arg;
    *total += size * n;
    return *total > (1 << 20) ? 0 : size * n;
}

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

typedef struct guard {
    const og_egress *egress;
    int refused;
    char why[300];
} guard;

/* libcurl calls this for each address it is about to connect to (after resolving, for every
 * attempt and every hop), so a name that resolves or re-resolves to a refused address never gets
 * a socket. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    guard *g = arg;
    if (purpose != CURLSOCKTYPE_IPCXN || !a)
        return CURL_SOCKET_BAD;
    if (og_egress_check_sockaddr(g->egress, &a->addr, a->addrlen) < 0) {
        g->refused = 1;
        og_strlcpy(g->why, og_error_last(), sizeof(g->why));
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* What every channel's curl handle shares: no redirects (a 3xx is a failure, not a new hop), no
 * proxy from the environment (the proxy's address would be checked, not the target's), and the
 * egress guard. */
static void guard_install(CURL *c, guard *g, const og_notify_channel *ch)
{
    memset(g, 0, sizeof(*g));
    g->egress = ch->egress;
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, g);
}

int og_notify__url_host(const char *url, const char *const *schemes, char *host, size_t size)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *h = NULL, shown[256];
    int error = -1, known = 0;
    og_url_redact(url, shown, sizeof(shown));
    if (!u)
        return og_error_set(OG_ERROR, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !*h) {
        error = og_error_set(OG_EINVAL, "bad URL '%s'", shown);
        goto cleanup;
    }
    for (size_t i = 0; schemes && schemes[i]; i++)
        known |= strcmp(scheme, schemes[i]) == 0;
    if (schemes && !known) {
        error = og_error_set(OG_EINVAL, "bad URL '%s': the scheme must be %s%s%s", shown,
                             schemes[0], schemes[1] ? " or " : "", schemes[1] ? schemes[1] : "");
        goto cleanup;
    }
    og_strlcpy(host, h, size);
    error = 0;
cleanup:
    curl_free(scheme);
    curl_free(h);
    curl_url_cleanup(u);
    return error;
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
    CURL *c = NULL;
    struct curl_slist *hdrs = NULL;
    char *body = NULL;
    char sig[128], line[256], cerr[CURL_ERROR_SIZE] = "", shown[256];
    size_t drained = 0;
    long status = 0;
    guard g;
    pthread_once(&curl_once, curl_init_once);
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
    c = curl_easy_init();
    if (!c) {
        error = og_error_set(OG_ERROR, "cannot start a webhook request");
        goto cleanup;
    }
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    snprintf(line, sizeof(line), "X-Opsgate-Signature: %s", sig);
    hdrs = curl_slist_append(hdrs, line);
    snprintf(line, sizeof(line), "X-Opsgate-Event: %s", msg->event_id);
    hdrs = curl_slist_append(hdrs, line);
    snprintf(line, sizeof(line), "X-Opsgate-Event-Type: %s", msg->event_type);
    hdrs = curl_slist_append(hdrs, line);
    curl_easy_setopt(c, CURLOPT_URL, ch->target);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, SEND_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "opsgate/" OG_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &drained);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    guard_install(c, &g, ch);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        error = og_error_set(g.refused ? OG_EDENIED : OG_ERROR, "webhook %s: %s", shown,
                             g.refused ? g.why
                             : cerr[0] ? cerr
                                       : curl_easy_strerror(rc));
        goto cleanup;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        error = og_error_set(OG_ERROR, "webhook %s answered HTTP %ld%s", shown, status,
                             status >= 300 && status < 400 ? " (redirects are not followed)" : "");
        goto cleanup;
    }
    error = 0;
cleanup:
    curl_slist_free_all(hdrs);
    if (c)
        curl_easy_cleanup(c);
    free(body);
    json_decref(doc);
    return error;
}

/* ---- email over SMTP ---- */

typedef struct upload {
    const char *data;
    size_t len, off;
} upload;

static size_t upload_read(char *p, size_t size, size_t n, void *arg)
{
    upload *u = arg;
    size_t room = size * n, left = u->len - u->off;
    size_t k = left < room ? left : room;
    memcpy(p, u->data + u->off, k);
    u->off += k;
    return k;
}

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
    CURL *c = NULL;
    struct curl_slist *rcpt = NULL;
    char *url = NULL;
    char cerr[CURL_ERROR_SIZE] = "", from_br[300], to_br[300], date[64];
    og_buf m;
    upload u;
    guard g;
    const char *from = json_string_value(json_object_get(ch->config, "from"));
    const char *domain;
    time_t now = time(NULL);
    struct tm tm;
    int qp;
    og_buf_init(&m, 1 << 20);
    pthread_once(&curl_once, curl_init_once);
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
    u.data = m.data;
    u.len = m.len;
    u.off = 0;
    snprintf(from_br, sizeof(from_br), "<%s>", from);
    snprintf(to_br, sizeof(to_br), "<%s>", ch->target);
    c = curl_easy_init();
    if (!c) {
        error = og_error_set(OG_ERROR, "cannot start an SMTP session");
        goto cleanup;
    }
    rcpt = curl_slist_append(rcpt, to_br);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_br);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, SEND_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    guard_install(c, &g, ch);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        /* The URL may hold credentials: name only the recipient. */
        error = og_error_set(g.refused ? OG_EDENIED : OG_ERROR, "email to %s: %s", ch->target,
                             g.refused ? g.why
                             : cerr[0] ? cerr
                                       : curl_easy_strerror(rc));
        goto cleanup;
    }
    error = 0;
cleanup:
    curl_slist_free_all(rcpt);
    if (c)
        curl_easy_cleanup(c);
    if (url) {
        og_crypto_wipe(url, strlen(url));
        free(url);
    }
    og_buf_free(&m);
    return error;
}

const og_notifier og_notify__webhook = {"webhook", webhook_validate, webhook_send};
const og_notifier og_notify__email = {"email", email_validate, email_send};
