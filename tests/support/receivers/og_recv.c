/* og_recv.c - loopback receivers for the notification integration tests: a webhook endpoint that
 * checks opsgate's signature the way a real receiver should (HMAC, freshness, replay), and a
 * minimal SMTP server that stores what it receives. Built by the tests with `cc ... -lcrypto`.
 *
 *   og_recv webhook --port-file F --secret-file S --log L [--fail N] [--capture FILE] [--port P]
 *   og_recv smtp --port-file F --out DIR
 *
 * Both listen on 127.0.0.1, an ephemeral port written to F, and serve one connection at a time
 * until killed. The webhook answers 200 to a good request, 401 to a bad or stale signature, 409 to
 * a replayed one, 503 to the first N good ones (--fail), and logs one line per request to L:
 * "ok EVENT_ID TYPE", "dup EVENT_ID TYPE" (an event id it already accepted: acknowledged with 200
 * and not processed again, dedup by idempotency key) or "reject REASON". --capture keeps the first
 * accepted raw request.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQ (1 << 20)

static int fixed_port; /* --port: bind this one (a receiver coming back up on its old port) */

static int listen_on(const char *port_file)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)fixed_port);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        return -1;
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%u\n", ntohs(a.sin_port));
    fclose(f);
    rename(tmp, port_file);
    return fd;
}

static void set_timeout(int fd)
{
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void logf_line(const char *path, const char *fmt, const char *a, const char *b)
{
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, fmt, a, b);
    fputc('\n', f);
    fclose(f);
}

/* The value of header `name` in a raw header block, copied into out. */
static int header(const char *hdrs, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    for (const char *p = hdrs; p && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1, *e = strstr(v, "\r\n");
            while (*v == ' ')
                v++;
            size_t l = e ? (size_t)(e - v) : strlen(v);
            if (l >= size)
                l = size - 1;
            memcpy(out, v, l);
            out[l] = '\0';
            return 0;
        }
    }
    return -1;
}

static void reply(int fd, int status, const char *text)
{
    char buf[256];
    int n =
        snprintf(buf, sizeof(buf),
                 "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status, text);
    (void)!write(fd, buf, (size_t)n);
}

static int webhook(int argc, char **argv)
{
    const char *port_file = NULL, *secret_file = NULL, *log = NULL, *capture = NULL;
    int fail = 0, captured = 0;
    char secret[4096];
    size_t secret_len = 0;
    static char seen[4096][65];
    static char seen_ev[4096][128]; /* accepted X-Opsgate-Event ids: the idempotency keys */
    int nseen = 0, nseen_ev = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port-file"))
            port_file = argv[i + 1];
        else if (!strcmp(argv[i], "--secret-file"))
            secret_file = argv[i + 1];
        else if (!strcmp(argv[i], "--log"))
            log = argv[i + 1];
        else if (!strcmp(argv[i], "--fail"))
            fail = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--capture"))
            capture = argv[i + 1];
        else if (!strcmp(argv[i], "--port"))
            fixed_port = atoi(argv[i + 1]);
    }
    if (!port_file || !secret_file || !log)
        return 2;
    FILE *sf = fopen(secret_file, "r");
    if (!sf)
        return 2;
    secret_len = fread(secret, 1, sizeof(secret) - 1, sf);
    fclose(sf);
    while (secret_len && (secret[secret_len - 1] == '\n' || secret[secret_len - 1] == '\r'))
        secret_len--;
    int lfd = listen_on(port_file);
    if (lfd < 0)
        return 1;
    static char req[MAX_REQ + 1];
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        set_timeout(fd);
        size_t len = 0;
        char *end = NULL;
        ssize_t r;
        while (len < MAX_REQ && (r = read(fd, req + len, MAX_REQ - len)) > 0) {
            len += (size_t)r;
            req[len] = '\0';
            end = strstr(req, "\r\n\r\n");
            if (end) {
                char cl[32] = "0";
                *end = '\0';
                header(req, "Content-Length", cl, sizeof(cl));
                *end = '\r';
                size_t want = (size_t)(end + 4 - req) + (size_t)atol(cl);
                if (len >= want)
                    break;
            }
        }
        if (!end) {
            close(fd);
            continue;
        }
        *end = '\0';
        const char *body = end + 4;
        size_t body_len = len - (size_t)(body - req);
        char sig[256] = "", ev[128] = "-", type[128] = "-";
        header(req, "X-Opsgate-Event", ev, sizeof(ev));
        header(req, "X-Opsgate-Event-Type", type, sizeof(type));
        long long t = 0;
        char v1[65] = "";
        if (header(req, "X-Opsgate-Signature", sig, sizeof(sig)) < 0 ||
            sscanf(sig, "t=%lld,v1=%64[0-9a-f]", &t, v1) != 2 || strlen(v1) != 64) {
            logf_line(log, "reject %s%s", "missing or malformed signature", "");
            reply(fd, 401, "Unauthorized");
            close(fd);
            continue;
        }
        /* Freshness: a captured request is only good for a few minutes. */
        long long now = (long long)time(NULL);
        if (t < now - 300 || t > now + 300) {
            logf_line(log, "reject %s%s", "stale timestamp", "");
            reply(fd, 401, "Unauthorized");
            close(fd);
            continue;
        }
        char tbuf[32];
        int tl = snprintf(tbuf, sizeof(tbuf), "%lld.", t);
        unsigned char mac[32];
        unsigned int maclen = 0;
        unsigned char *msg = malloc((size_t)tl + body_len);
        memcpy(msg, tbuf, (size_t)tl);
        memcpy(msg + tl, body, body_len);
        HMAC(EVP_sha256(), secret, (int)secret_len, msg, (size_t)tl + body_len, mac, &maclen);
        free(msg);
        char hex[65];
        for (int i = 0; i < 32; i++)
            sprintf(hex + 2 * i, "%02x", mac[i]);
        if (CRYPTO_memcmp(hex, v1, 64) != 0) {
            logf_line(log, "reject %s%s", "bad signature", "");
            reply(fd, 401, "Unauthorized");
            close(fd);
            continue;
        }
        int replay = 0;
        for (int i = 0; i < nseen && !replay; i++)
            replay = strcmp(seen[i], v1) == 0;
        if (replay) {
            logf_line(log, "reject %s%s", "replay", "");
            reply(fd, 409, "Conflict");
            close(fd);
            continue;
        }
        if (fail > 0) {
            fail--;
            logf_line(log, "fail %s %s", ev, type);
            reply(fd, 503, "Service Unavailable");
            close(fd);
            continue;
        }
        if (nseen < 4096)
            strcpy(seen[nseen++], v1);
        /* At-least-once delivery: a redelivered event (same id, fresh signature) is acknowledged
         * and not processed again, the way a real receiver dedups by the idempotency key. */
        int dup = 0;
        for (int i = 0; i < nseen_ev && !dup; i++)
            dup = strcmp(seen_ev[i], ev) == 0;
        if (dup) {
            logf_line(log, "dup %s %s", ev, type);
            reply(fd, 200, "OK");
            close(fd);
            continue;
        }
        if (nseen_ev < 4096)
            strcpy(seen_ev[nseen_ev++], ev);
        if (capture && !captured) {
            FILE *cf = fopen(capture, "w");
            if (cf) {
                *end = '\r';
                fwrite(req, 1, len, cf);
                fclose(cf);
                *end = '\0';
            }
            captured = 1;
        }
        logf_line(log, "ok %s %s", ev, type);
        reply(fd, 200, "OK");
        close(fd);
    }
}

/* ---- SMTP ---- */

static int rdline(int fd, char *buf, size_t size)
{
    size_t n = 0;
    char c;
    while (n + 1 < size) {
        ssize_t r = read(fd, &c, 1);
        if (r <= 0)
            return -1;
        if (c == '\n')
            break;
        if (c != '\r')
            buf[n++] = c;
    }
    buf[n] = '\0';
    return (int)n;
}

static void say(int fd, const char *s)
{
    (void)!write(fd, s, strlen(s));
}

/* user name out of an AUTH PLAIN response ("\0user\0pass", base64) */
static void plain_user(const char *b64, char *out, size_t size)
{
    unsigned char buf[512];
    int n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)strlen(b64));
    out[0] = '\0';
    if (n <= 1)
        return;
    const char *u = (const char *)buf + strlen((const char *)buf) + 1;
    snprintf(out, size, "%.*s", (int)(n - (u - (const char *)buf)), u);
}

static int smtp(int argc, char **argv)
{
    const char *port_file = NULL, *dir = NULL;
    int count = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port-file"))
            port_file = argv[i + 1];
        else if (!strcmp(argv[i], "--out"))
            dir = argv[i + 1];
    }
    if (!port_file || !dir)
        return 2;
    int lfd = listen_on(port_file);
    if (lfd < 0)
        return 1;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        set_timeout(fd);
        char line[4096], from[512] = "", rcpt[512] = "", user[256] = "";
        say(fd, "220 og_recv ESMTP\r\n");
        while (rdline(fd, line, sizeof(line)) >= 0) {
            if (!strncasecmp(line, "EHLO", 4)) {
                say(fd, "250-og_recv\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n");
            } else if (!strncasecmp(line, "HELO", 4)) {
                say(fd, "250 og_recv\r\n");
            } else if (!strncasecmp(line, "AUTH PLAIN", 10)) {
                if (line[10] == ' ' && line[11]) {
                    plain_user(line + 11, user, sizeof(user));
                } else {
                    say(fd, "334 \r\n");
                    if (rdline(fd, line, sizeof(line)) < 0)
                        break;
                    plain_user(line, user, sizeof(user));
                }
                say(fd, "235 ok\r\n");
            } else if (!strncasecmp(line, "MAIL FROM:", 10)) {
                snprintf(from, sizeof(from), "%.500s", line + 10);
                say(fd, "250 ok\r\n");
            } else if (!strncasecmp(line, "RCPT TO:", 8)) {
                snprintf(rcpt, sizeof(rcpt), "%.500s", line + 8);
                say(fd, "250 ok\r\n");
            } else if (!strncasecmp(line, "DATA", 4)) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/msg.%d.eml", dir, ++count);
                char tmp[4200];
                snprintf(tmp, sizeof(tmp), "%s.tmp", path);
                FILE *f = fopen(tmp, "w");
                say(fd, "354 go on\r\n");
                if (f)
                    fprintf(f, "X-Envelope-From: %s\nX-Envelope-To: %s\nX-Auth-User: %s\n", from,
                            rcpt, user);
                while (rdline(fd, line, sizeof(line)) >= 0 && strcmp(line, ".") != 0)
                    if (f)
                        fprintf(f, "%s\n", line[0] == '.' ? line + 1 : line);
                if (f) {
                    fclose(f);
                    rename(tmp, path);
                }
                say(fd, "250 queued\r\n");
            } else if (!strncasecmp(line, "QUIT", 4)) {
                say(fd, "221 bye\r\n");
                break;
            } else if (!strncasecmp(line, "RSET", 4) || !strncasecmp(line, "NOOP", 4)) {
                say(fd, "250 ok\r\n");
            } else {
                say(fd, "502 not implemented\r\n");
            }
        }
        close(fd);
    }
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && !strcmp(argv[1], "webhook"))
        return webhook(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "smtp"))
        return smtp(argc, argv);
    fprintf(stderr, "usage: og_recv webhook|smtp ...\n");
    return 2;
}
