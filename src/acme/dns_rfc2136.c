/* dns_rfc2136.c - the "rfc2136" dns-01 provider: DNS UPDATE (RFC 2136) signed with TSIG
 * (RFC 8945, hmac-sha256) to an authoritative server such as BIND or Knot, then a propagation
 * check that asks each authoritative server for the TXT record before the CA is told to look. */
#include "acme/acme_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_CAP   4096
#define MAX_CHECK 8
#define T_TXT     16
#define T_SOA     6
#define T_TSIG    250
#define C_IN      1
#define C_NONE    254
#define C_ANY     255

/* Config: comma-separated key=value: server=HOST:PORT (required), zone=ZONE (required),
 * key=NAME and secret=BASE64 (TSIG, hmac-sha256; both or neither), check=HOST:PORT[;HOST:PORT]
 * (servers for the propagation check; default: server), wait=SECONDS (propagation, default 60),
 * ttl=SECONDS (default 60). */
typedef struct cfg {
    char server[300], zone[256], key[256], check[MAX_CHECK][300];
    int ncheck, wait_s, ttl;
    uint8_t *secret;
    size_t secret_len;
} cfg;

static void cfg_clear(cfg *c)
{
    if (c->secret)
        og_crypto_wipe(c->secret, c->secret_len);
    free(c->secret);
    memset(c, 0, sizeof(*c));
}

static int cfg_parse(const char *text, cfg *c)
{
    char buf[2048], *save = NULL;
    memset(c, 0, sizeof(*c));
    c->wait_s = 60;
    c->ttl = 60;
    if (!text || strlen(text) >= sizeof(buf))
        return og_acme__bad_setting("dns-config", "bad rfc2136 configuration (server=HOST:PORT,"
                                                  "zone=ZONE[,key=NAME,secret=BASE64])");
    og_strlcpy(buf, text, sizeof(buf));
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq)
            goto bad_item;
        *eq = '\0';
        const char *k = item, *v = eq + 1;
        if (strcmp(k, "server") == 0)
            og_strlcpy(c->server, v, sizeof(c->server));
        else if (strcmp(k, "zone") == 0)
            og_strlcpy(c->zone, v, sizeof(c->zone));
        else if (strcmp(k, "key") == 0)
            og_strlcpy(c->key, v, sizeof(c->key));
        else if (strcmp(k, "secret") == 0) {
            free(c->secret);
            c->secret = NULL;
            if (og_base64_decode(v, &c->secret, &c->secret_len) < 0 || c->secret_len < 16) {
                cfg_clear(c);
                return og_acme__bad_setting("dns-config",
                                            "bad TSIG secret in the rfc2136 configuration "
                                            "(base64 of at "
                                            "least 16 bytes)");
            }
        } else if (strcmp(k, "check") == 0) {
            char *s2 = NULL, tmp[1024];
            og_strlcpy(tmp, v, sizeof(tmp));
            for (char *h = strtok_r(tmp, ";", &s2); h && c->ncheck < MAX_CHECK;
                 h = strtok_r(NULL, ";", &s2))
                og_strlcpy(c->check[c->ncheck++], h, sizeof(c->check[0]));
        } else if (strcmp(k, "wait") == 0 || strcmp(k, "ttl") == 0) {
            char *end = NULL;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 0 || n > 3600)
                goto bad_item;
            *(k[0] == 'w' ? &c->wait_s : &c->ttl) = (int)n;
        } else {
            goto bad_item;
        }
        continue;
    bad_item:
        if (eq)
            *eq = '=';
        cfg_clear(c);
        return og_acme__bad_setting("dns-config",
                                    "bad rfc2136 configuration item '%s' (server, "
                                    "zone, key, secret, "
                                    "check, wait, ttl)",
                                    item);
    }
    if (!c->server[0] || !c->zone[0] || !c->key[0] != !c->secret) {
        cfg_clear(c);
        return og_acme__bad_setting("dns-config", "the rfc2136 configuration needs server= and "
                                                  "zone= (and "
                                                  "key= with secret= for TSIG)");
    }
    if (!c->ncheck)
        og_strlcpy(c->check[c->ncheck++], c->server, sizeof(c->check[0]));
    return 0;
}

/* ---- wire format ---- */
typedef struct msg {
    uint8_t b[MSG_CAP];
    size_t n;
    int over;
} msg;

static void put(msg *m, const void *p, size_t len)
{
    if (m->over || m->n + len > MSG_CAP) {
        m->over = 1;
        return;
    }
    memcpy(m->b + m->n, p, len);
    m->n += len;
}
static void put16(msg *m, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(m, b, 2);
}
static void put32(msg *m, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(m, b, 4);
}

/* A domain name in wire format, lower-cased (TSIG wants the canonical form). */
static int put_name(msg *m, const char *name)
{
    char tmp[256];
    size_t len = strlen(name);
    if (len == 0 || len > 253 + 1)
        return og_error_set(OG_EINVAL, "bad DNS name '%s'", name);
    og_strlcpy(tmp, name, sizeof(tmp));
    if (tmp[strlen(tmp) - 1] == '.')
        tmp[strlen(tmp) - 1] = '\0';
    char *save = NULL;
    for (char *l = strtok_r(tmp, ".", &save); l; l = strtok_r(NULL, ".", &save)) {
        size_t ll = strlen(l);
        if (ll > 63)
            return og_error_set(OG_EINVAL, "bad DNS name '%s'", name);
        uint8_t lb = (uint8_t)ll;
        put(m, &lb, 1);
        for (size_t i = 0; i < ll; i++) {
            uint8_t ch = (uint8_t)tolower((unsigned char)l[i]);
            put(m, &ch, 1);
        }
    }
    uint8_t z = 0;
    put(m, &z, 1);
    return 0;
}

static int resolve(const char *hostport, struct sockaddr_storage *sa, socklen_t *salen)
{
    char host[256], port[8] = "53";
    const char *colon = strrchr(hostport, ':');
    struct addrinfo hints = {0}, *ai = NULL;
    if (hostport[0] == '[') {
        const char *rb = strchr(hostport, ']');
        if (!rb || (size_t)(rb - hostport) >= sizeof(host))
            return og_error_set(OG_EINVAL, "bad DNS server '%s'", hostport);
        memcpy(host, hostport + 1, (size_t)(rb - hostport - 1));
        host[rb - hostport - 1] = '\0';
        if (rb[1] == ':')
            og_strlcpy(port, rb + 2, sizeof(port));
    } else if (colon && strchr(hostport, ':') == colon) {
        if ((size_t)(colon - hostport) >= sizeof(host))
            return og_error_set(OG_EINVAL, "bad DNS server '%s'", hostport);
        memcpy(host, hostport, (size_t)(colon - hostport));
        host[colon - hostport] = '\0';
        og_strlcpy(port, colon + 1, sizeof(port));
    } else {
        og_strlcpy(host, hostport, sizeof(host));
    }
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
        return og_error_set(OG_EINVAL, "DNS server '%s' does not resolve", hostport);
    memcpy(sa, ai->ai_addr, ai->ai_addrlen);
    *salen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* One UDP exchange; the answer must carry the query's id. */
static int exchange(const char *server, const msg *q, uint8_t *ans, size_t cap, size_t *alen,
                    int timeout_ms)
{
    struct sockaddr_storage sa;
    socklen_t salen = 0;
    int error, fd;
    if ((error = resolve(server, &sa, &salen)) < 0)
        return error;
    if ((fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
        return og_error_set(OG_ERROR, "DNS socket: %s", strerror(errno));
    if (sendto(fd, q->b, q->n, 0, (struct sockaddr *)&sa, salen) != (ssize_t)q->n) {
        close(fd);
        return og_error_set(OG_ERROR, "sending to DNS server %s: %s", server, strerror(errno));
    }
    int64_t deadline = og_time_mono_us() + (int64_t)timeout_ms * 1000;
    for (int i = 0; i < 16; i++) {
        int left = (int)((deadline - og_time_mono_us()) / 1000);
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        ssize_t k = recv(fd, ans, cap, 0);
        if (k >= 12 && ans[0] == q->b[0] && ans[1] == q->b[1]) {
            *alen = (size_t)k;
            close(fd);
            return 0;
        }
    }
    close(fd);
    return og_error_set(OG_ERROR, "DNS server %s does not answer", server);
}

/* Append a TSIG record signing m (RFC 8945 §4.3: the MAC covers the message as it is, then the
 * TSIG variables) and bump ARCOUNT. */
static int tsig_sign(msg *m, const cfg *c)
{
    msg vars = {0}, alg = {0};
    uint8_t mac[32];
    uint64_t now = (uint64_t)time(NULL);
    uint8_t t48[6] = {(uint8_t)(now >> 40), (uint8_t)(now >> 32), (uint8_t)(now >> 24),
                      (uint8_t)(now >> 16), (uint8_t)(now >> 8),  (uint8_t)now};
    int error;
    if ((error = put_name(&alg, "hmac-sha256")) < 0)
        return error;
    put(&vars, m->b, m->n);
    if ((error = put_name(&vars, c->key)) < 0)
        return error;
    put16(&vars, C_ANY);
    put32(&vars, 0);
    put(&vars, alg.b, alg.n);
    put(&vars, t48, 6);
    put16(&vars, 300); /* fudge */
    put16(&vars, 0);   /* error */
    put16(&vars, 0);   /* other len */
    if (vars.over || og_crypto_hmac_sha256(c->secret, c->secret_len, vars.b, vars.n, mac) < 0)
        return og_error_set(OG_ERROR, "TSIG signing failed");
    put_name(m, c->key);
    put16(m, T_TSIG);
    put16(m, C_ANY);
    put32(m, 0);
    put16(m, (unsigned)(alg.n + 6 + 2 + 2 + 32 + 2 + 2 + 2));
    put(m, alg.b, alg.n);
    put(m, t48, 6);
    put16(m, 300);
    put16(m, 32);
    put(m, mac, 32);
    put(m, m->b, 2); /* original id */
    put16(m, 0);
    put16(m, 0);
    unsigned ar = ((unsigned)m->b[10] << 8 | m->b[11]) + 1;
    m->b[10] = (uint8_t)(ar >> 8);
    m->b[11] = (uint8_t)ar;
    return m->over ? og_error_set(OG_ETOOBIG, "DNS message too long") : 0;
}

static const char *rcode_name(int rc)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};
    return rc >= 0 && rc < 11 ? names[rc] : "rcode?";
}

/* UPDATE zone: add (add=1) or delete the one TXT record fqdn=value. */
static int update(const cfg *c, const char *fqdn, const char *value, int add)
{
    msg m = {0};
    uint8_t ans[MSG_CAP];
    size_t alen = 0;
    uint16_t id = 0;
    int error;
    size_t vlen = strlen(value);
    if (vlen > 255)
        return og_error_set(OG_EINVAL, "TXT value too long");
    (void)og_crypto_random(&id, sizeof(id));
    put16(&m, id);
    put16(&m, 5u << 11); /* opcode UPDATE */
    put16(&m, 1);        /* zone count */
    put16(&m, 0);        /* prerequisites */
    put16(&m, 1);        /* updates */
    put16(&m, 0);        /* additional */
    if ((error = put_name(&m, c->zone)) < 0)
        return error;
    put16(&m, T_SOA);
    put16(&m, C_IN);
    if ((error = put_name(&m, fqdn)) < 0)
        return error;
    put16(&m, T_TXT);
    put16(&m, add ? C_IN : C_NONE); /* class NONE: delete this RR (RFC 2136 §2.5.4) */
    put32(&m, add ? (uint32_t)c->ttl : 0);
    put16(&m, (unsigned)(vlen + 1));
    uint8_t l = (uint8_t)vlen;
    put(&m, &l, 1);
    put(&m, value, vlen);
    if (c->secret && (error = tsig_sign(&m, c)) < 0)
        return error;
    if (m.over)
        return og_error_set(OG_ETOOBIG, "DNS message too long");
    if ((error = exchange(c->server, &m, ans, sizeof(ans), &alen, 5000)) < 0)
        return error;
    int rc = ans[3] & 0x0f;
    if (rc != 0)
        return og_error_set(OG_ERROR, "DNS UPDATE of %s at %s: %s%s", fqdn, c->server,
                            rcode_name(rc),
                            rc == 9 ? " (the TSIG key or secret is not accepted)" : "");
    return 0;
}

/* Skip a (possibly compressed) name; returns the offset after it or 0 on bad input. */
static size_t skip_name(const uint8_t *b, size_t n, size_t off)
{
    for (int guard = 0; off < n && guard < 128; guard++) {
        uint8_t l = b[off];
        if (l == 0)
            return off + 1;
        if ((l & 0xc0) == 0xc0)
            return off + 2 <= n ? off + 2 : 0;
        off += 1 + l;
    }
    return 0;
}

int og_acme__dns_txt_has(const char *server, const char *fqdn, const char *value, int timeout_ms)
{
    msg q = {0};
    uint8_t ans[MSG_CAP];
    size_t alen = 0;
    uint16_t id = 0;
    int error;
    (void)og_crypto_random(&id, sizeof(id));
    put16(&q, id);
    put16(&q, 0); /* a plain query, no recursion desired: ask the server itself */
    put16(&q, 1);
    put16(&q, 0);
    put16(&q, 0);
    put16(&q, 0);
    if ((error = put_name(&q, fqdn)) < 0)
        return error;
    put16(&q, T_TXT);
    put16(&q, C_IN);
    if ((error = exchange(server, &q, ans, sizeof(ans), &alen, timeout_ms)) < 0)
        return error;
    unsigned qd = (unsigned)ans[4] << 8 | ans[5], an = (unsigned)ans[6] << 8 | ans[7];
    size_t off = 12;
    for (unsigned i = 0; i < qd && off; i++)
        off = skip_name(ans, alen, off) ? skip_name(ans, alen, off) + 4 : 0;
    for (unsigned i = 0; i < an && off && off < alen; i++) {
        off = skip_name(ans, alen, off);
        if (!off || off + 10 > alen)
            break;
        unsigned type = (unsigned)ans[off] << 8 | ans[off + 1];
        size_t rdlen = (size_t)ans[off + 8] << 8 | ans[off + 9];
        off += 10;
        if (off + rdlen > alen)
            break;
        if (type == T_TXT) {
            char txt[1024];
            size_t tl = 0;
            for (size_t p = off; p < off + rdlen && tl < sizeof(txt) - 256;) {
                uint8_t sl = ans[p++];
                if (p + sl > off + rdlen)
                    break;
                memcpy(txt + tl, ans + p, sl);
                tl += sl;
                p += sl;
            }
            txt[tl] = '\0';
            if (strcmp(txt, value) == 0)
                return 1;
        }
        off += rdlen;
    }
    return 0;
}

static int wait_propagation(const cfg *c, const char *fqdn, const char *value)
{
    int64_t deadline = og_time_mono_us() + (int64_t)c->wait_s * 1000000;
    for (int i = 0; i < c->ncheck; i++) {
        int rc = 0;
        for (int round = 0; round < 100000; round++) {
            rc = og_acme__dns_txt_has(c->check[i], fqdn, value, 1000);
            if (rc == 1 || og_time_mono_us() >= deadline)
                break;
            struct timespec ts = {0, 250 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (rc != 1) {
            char why[512];
            og_strlcpy(why, rc < 0 ? og_error_last() : "", sizeof(why));
            return og_error_set(OG_ERROR,
                                "the TXT record of %s has not reached DNS server %s "
                                "after %d s%s%s",
                                fqdn, c->check[i], c->wait_s, why[0] ? ": " : "", why);
        }
    }
    return 0;
}

static int r2136_present(const char *config, const char *fqdn, const char *value)
{
    cfg c;
    int error;
    if ((error = cfg_parse(config, &c)) < 0)
        return error;
    if ((error = update(&c, fqdn, value, 1)) == 0)
        error = wait_propagation(&c, fqdn, value);
    cfg_clear(&c);
    return error;
}

static int r2136_cleanup(const char *config, const char *fqdn, const char *value)
{
    cfg c;
    int error;
    if ((error = cfg_parse(config, &c)) < 0)
        return error;
    error = update(&c, fqdn, value, 0);
    cfg_clear(&c);
    return error;
}

static int r2136_check(const char *config)
{
    cfg c;
    int error = cfg_parse(config, &c);
    cfg_clear(&c);
    return error;
}

const og_acme_dns_provider og_acme__rfc2136_provider = {"rfc2136", r2136_present, r2136_cleanup,
                                                        r2136_check};
