/* starttls.c - the plain-text exchanges that come before TLS on STARTTLS protocols (SMTP, IMAP,
 * POP3, LDAP, FTP, XMPP, PostgreSQL), as a state machine the epoll scanner (scan.c) feeds with
 * the bytes it reads: no blocking and no thread per endpoint. Each failure names the protocol and
 * what the server did (no STARTTLS offered, a refusal, an answer that is not the protocol). */
#include "certs/scan_internal.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name, *label;
    int ports[2];
} protos[] = {
    [OG_STLS_NONE] = {"none", "TLS", {0, 0}},
    [OG_STLS_SMTP] = {"smtp", "SMTP", {25, 587}},
    [OG_STLS_IMAP] = {"imap", "IMAP", {143, 0}},
    [OG_STLS_POP3] = {"pop3", "POP3", {110, 0}},
    [OG_STLS_LDAP] = {"ldap", "LDAP", {389, 0}},
    [OG_STLS_FTP] = {"ftp", "FTP", {21, 0}},
    [OG_STLS_XMPP] = {"xmpp", "XMPP", {5222, 0}},
    [OG_STLS_POSTGRES] = {"postgres", "PostgreSQL", {5432, 0}},
};
#define NPROTOS ((int)(sizeof(protos) / sizeof(protos[0])))

int og_certs_starttls_parse(const char *s, int *mode)
{
    if (s && strcmp(s, "auto") == 0) {
        *mode = OG_STLS_AUTO;
        return 0;
    }
    for (int i = 0; s && i < NPROTOS; i++)
        if (strcmp(s, protos[i].name) == 0 || (i == OG_STLS_POSTGRES && !strcmp(s, "postgresql"))) {
            *mode = i;
            return 0;
        }
    return og_error_set(OG_EINVAL,
                        "unknown STARTTLS protocol '%.40s' (auto, none, smtp, imap, pop3, ldap, "
                        "ftp, xmpp, postgres)",
                        s ? s : "");
}

int og_certs__stls_for(int mode, int port)
{
    if (mode != OG_STLS_AUTO)
        return mode;
    for (int i = 1; i < NPROTOS; i++)
        if (port && (protos[i].ports[0] == port || protos[i].ports[1] == port))
            return i;
    return OG_STLS_NONE;
}

const char *og_certs__stls_name(int proto)
{
    return proto > 0 && proto < NPROTOS ? protos[proto].name : "";
}

static void out_set(og_certs_stls *x, const void *data, size_t len)
{
    if (len > sizeof(x->out))
        len = sizeof(x->out);
    memcpy(x->out, data, len);
    x->outlen = len;
    x->outoff = 0;
}

static void out_str(og_certs_stls *x, const char *s)
{
    out_set(x, s, strlen(s));
}

/* Fail with "<PROTO> STARTTLS: <what>" and, when line is given, the server's words (printable
 * ASCII, cut). */
static int fail(og_certs_stls *x, const char *what, const char *line, size_t len)
{
    char said[72];
    size_t n = 0;
    for (size_t i = 0; line && i < len && n + 4 < sizeof(said); i++)
        said[n++] = isprint((unsigned char)line[i]) ? line[i] : '?';
    if (line && len >= sizeof(said) - 4)
        memcpy(said + n, "...", 3), n += 3;
    said[n] = '\0';
    snprintf(x->error, sizeof(x->error), "%s STARTTLS: %s%s%s%s", protos[x->proto].label, what,
             line ? " ('" : "", said, line ? "')" : "");
    return -1;
}

void og_certs__stls_begin(og_certs_stls *x, int proto, const char *name)
{
    static const unsigned char ldap[] = {
        0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, '1', '.', '3', '.', '6', '.', '1',
        '.',  '4',  '.',  '1',  '.',  '1',  '4',  '6',  '6',  '.', '2', '0', '0', '3', '7'};
    static const unsigned char pg_ssl_request[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    memset(x, 0, sizeof(*x));
    x->proto = proto;
    if (proto == OG_STLS_LDAP) {
        out_set(x, ldap, sizeof(ldap));
    } else if (proto == OG_STLS_POSTGRES) {
        out_set(x, pg_ssl_request, sizeof(pg_ssl_request));
    } else if (proto == OG_STLS_XMPP) {
        char hdr[400];
        snprintf(hdr, sizeof(hdr),
                 "<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' "
                 "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
                 name);
        out_str(x, hdr);
    }
}

/* Take one line (without its CR LF) off the input: 1, or 0 when no whole line has come yet. */
static int take_line(og_certs_stls *x, char *line, size_t size, size_t *len)
{
    char *nl = memchr(x->in, '\n', x->inlen);
    if (!nl)
        return 0;
    size_t n = (size_t)(nl - x->in) + 1, l = n - 1;
    if (l && x->in[l - 1] == '\r')
        l--;
    if (l >= size)
        l = size - 1;
    memcpy(line, x->in, l);
    line[l] = '\0';
    memmove(x->in, x->in + n, x->inlen - n);
    x->inlen -= n;
    *len = l;
    return 1;
}

/* A reply line of SMTP or FTP: its code, and whether more lines follow ("250-"). */
static int reply_code(const char *l, size_t len, int *more)
{
    if (len < 3 || !isdigit((unsigned char)l[0]) || !isdigit((unsigned char)l[1]) ||
        !isdigit((unsigned char)l[2]) || (len > 3 && l[3] != ' ' && l[3] != '-'))
        return -1;
    *more = len > 3 && l[3] == '-';
    return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
}

static bool has_word(const char *l, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = l; (p = strcasestr(p, word)); p += n)
        if ((p == l || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]))
            return true;
    return false;
}

/* SMTP (RFC 3207) and FTP (RFC 4217): greeting 220, then EHLO / AUTH TLS. */
static int smtp_ftp(og_certs_stls *x)
{
    char l[512];
    size_t len;
    int more, code;
    while (take_line(x, l, sizeof(l), &len)) {
        if ((code = reply_code(l, len, &more)) < 0)
            return fail(x, "not an answer of the protocol", l, len);
        if (x->step == 1 && x->proto == OG_STLS_SMTP && len > 4 && has_word(l + 4, "STARTTLS"))
            x->offered = 1;
        if (more)
            continue;
        if (x->step == 0) {
            if (code != 220)
                return fail(x, "the server's greeting is not 220", l, len);
            out_str(x, x->proto == OG_STLS_SMTP ? "EHLO opsgate.invalid\r\n" : "AUTH TLS\r\n");
            x->step = x->proto == OG_STLS_SMTP ? 1 : 2;
        } else if (x->step == 1) {
            if (code != 250)
                return fail(x, "EHLO was refused", l, len);
            if (!x->offered)
                return fail(x, "the server does not offer STARTTLS", NULL, 0);
            out_str(x, "STARTTLS\r\n");
            x->step = 2;
        } else {
            if (code == (x->proto == OG_STLS_SMTP ? 220 : 234))
                return 1;
            if (x->proto == OG_STLS_FTP && (code == 500 || code == 502 || code == 504))
                return fail(x, "the server does not offer AUTH TLS", l, len);
            return fail(x, "the server refused STARTTLS", l, len);
        }
    }
    return 0;
}

/* IMAP (RFC 3501): greeting, CAPABILITY, STARTTLS. */
static int imap(og_certs_stls *x)
{
    char l[512];
    size_t len;
    while (take_line(x, l, sizeof(l), &len)) {
        if (x->step == 0) {
            if (strncasecmp(l, "* OK", 4) != 0)
                return fail(x, "the server's greeting is not * OK", l, len);
            out_str(x, "a1 CAPABILITY\r\n");
            x->step = 1;
        } else if (x->step == 1) {
            if (strncasecmp(l, "* CAPABILITY", 12) == 0 && has_word(l + 12, "STARTTLS"))
                x->offered = 1;
            else if (strncasecmp(l, "a1 ", 3) == 0) {
                if (strncasecmp(l + 3, "OK", 2) != 0)
                    return fail(x, "CAPABILITY was refused", l, len);
                if (!x->offered)
                    return fail(x, "the server does not offer STARTTLS", NULL, 0);
                out_str(x, "a2 STARTTLS\r\n");
                x->step = 2;
            } else if (l[0] != '*') {
                return fail(x, "not an answer of the protocol", l, len);
            }
        } else if (strncasecmp(l, "a2 ", 3) == 0) {
            if (strncasecmp(l + 3, "OK", 2) == 0)
                return 1;
            return fail(x, "the server refused STARTTLS", l, len);
        } else if (l[0] != '*') {
            return fail(x, "not an answer of the protocol", l, len);
        }
    }
    return 0;
}

/* POP3 (RFC 2595): greeting, CAPA (a multi-line list ending in "."), STLS. */
static int pop3(og_certs_stls *x)
{
    char l[512];
    size_t len;
    while (take_line(x, l, sizeof(l), &len)) {
        bool ok = strncmp(l, "+OK", 3) == 0, err = strncmp(l, "-ERR", 4) == 0;
        if (x->step == 0) {
            if (!ok)
                return fail(x, "the server's greeting is not +OK", l, len);
            out_str(x, "CAPA\r\n");
            x->step = 1;
        } else if (x->step == 1) {
            if (!ok && !err)
                return fail(x, "not an answer of the protocol", l, len);
            if (err) /* no CAPA: ask for STLS all the same */
                out_str(x, "STLS\r\n");
            x->step = ok ? 2 : 3;
        } else if (x->step == 2) {
            if (strcmp(l, ".") != 0) {
                x->offered |= strcasecmp(l, "STLS") == 0;
                continue;
            }
            if (!x->offered)
                return fail(x, "the server does not offer STLS", NULL, 0);
            out_str(x, "STLS\r\n");
            x->step = 3;
        } else {
            if (ok)
                return 1;
            return fail(x, err ? "the server refused STLS" : "not an answer of the protocol", l,
                        len);
        }
    }
    return 0;
}

/* A BER length at p (n bytes available): the length and the bytes it took, or -1 (more needed)
 * or -2 (not one we take: indefinite or over 64 KiB). */
static long ber_len(const unsigned char *p, size_t n, size_t *took)
{
    if (n < 1)
        return -1;
    if (p[0] < 0x80) {
        *took = 1;
        return p[0];
    }
    size_t k = p[0] & 0x7f;
    if (k == 0 || k > 2)
        return -2;
    if (n < 1 + k)
        return -1;
    *took = 1 + k;
    return k == 1 ? p[1] : (long)p[1] << 8 | p[2];
}

/* LDAP (RFC 4511 4.14): the StartTLS extended response and its resultCode. */
static int ldap(og_certs_stls *x)
{
    const unsigned char *p = (const unsigned char *)x->in;
    size_t took, n = x->inlen;
    if (n < 1)
        return 0;
    if (p[0] != 0x30)
        return fail(x, "the answer is not an LDAP message", x->in, n);
    long total = ber_len(p + 1, n - 1, &took);
    if (total == -1)
        return 0;
    if (total < 0)
        return fail(x, "the answer is not an LDAP message", NULL, 0);
    size_t end = 1 + took + (size_t)total;
    if (end > sizeof(x->in))
        return fail(x, "the answer is too long", NULL, 0);
    if (n < end)
        return 0;
    size_t i = 1 + took;
    /* messageID: INTEGER */
    if (i + 2 > end || p[i] != 0x02 || p[i + 1] > 4)
        return fail(x, "the answer is not an LDAP message", NULL, 0);
    i += 2 + p[i + 1];
    if (i + 2 > end || p[i] != 0x78)
        return fail(x, "the answer is not an extended response", NULL, 0);
    if (ber_len(p + i + 1, end - i - 1, &took) < 0)
        return fail(x, "the answer is not an LDAP message", NULL, 0);
    i += 1 + took;
    if (i + 3 > end || p[i] != 0x0a || p[i + 1] != 1)
        return fail(x, "the answer has no resultCode", NULL, 0);
    if (p[i + 2] == 0) {
        memmove(x->in, x->in + end, n - end);
        x->inlen = n - end;
        return 1;
    }
    char what[80];
    snprintf(what, sizeof(what), "the server refused StartTLS (resultCode %d%s)", p[i + 2],
             p[i + 2] == 2 ? ", protocolError: not supported" : "");
    return fail(x, what, NULL, 0);
}

/* XMPP (RFC 6120 5.4): the stream features must list <starttls/>; then <proceed/>. */
static int xmpp(og_certs_stls *x)
{
    x->in[x->inlen < sizeof(x->in) ? x->inlen : sizeof(x->in) - 1] = '\0';
    if (x->inlen && x->in[0] != '<')
        return fail(x, "the answer is not XML", x->in, x->inlen);
    if (strstr(x->in, "<stream:error"))
        return fail(x, "the server ended the stream with an error", x->in, x->inlen);
    if (x->step == 0) {
        char *f = strstr(x->in, "<stream:features");
        if (!f || (!strstr(f, "</stream:features>") && strncmp(f, "<stream:features/>", 18) != 0))
            return 0;
        if (!strstr(f, "<starttls"))
            return fail(x, "the server does not offer STARTTLS", NULL, 0);
        out_str(x, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        x->inlen = 0;
        x->step = 1;
        return 0;
    }
    if (strstr(x->in, "<proceed")) {
        x->inlen = 0;
        return 1;
    }
    if (strstr(x->in, "<failure"))
        return fail(x, "the server refused STARTTLS", x->in, x->inlen);
    return 0;
}

int og_certs__stls_feed(og_certs_stls *x)
{
    int r;
    switch (x->proto) {
    case OG_STLS_SMTP:
    case OG_STLS_FTP:
        r = smtp_ftp(x);
        break;
    case OG_STLS_IMAP:
        r = imap(x);
        break;
    case OG_STLS_POP3:
        r = pop3(x);
        break;
    case OG_STLS_LDAP:
        r = ldap(x);
        break;
    case OG_STLS_XMPP:
        r = xmpp(x);
        break;
    case OG_STLS_POSTGRES:
        if (!x->inlen)
            return 0;
        if (x->in[0] == 'S' && x->inlen == 1)
            return 1;
        if (x->in[0] == 'N')
            return fail(x, "the server does not accept SSL (ssl = off)", NULL, 0);
        return fail(x, "not a PostgreSQL server", x->in, x->inlen);
    default:
        return 1;
    }
    if (r == 0 && x->inlen >= sizeof(x->in) - 1)
        return fail(x, "the answer is too long", x->in, 60);
    if (r == 1 && x->inlen)
        return fail(x, "the server sent more than its answer before TLS", x->in, x->inlen);
    return r;
}
