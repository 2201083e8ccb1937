/* net.c - IP addresses, ranges, the special-purpose ranges, and URLs as they may be shown. */
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void set_v4(og_netaddr *a, const uint8_t b[4])
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    memcpy(a->b, b, 4);
}

/* IPv6 bytes -> og_netaddr, unmapping ::ffff:a.b.c.d. */
static void set_v6(og_netaddr *a, const uint8_t b[16])
{
    if (memcmp(b, v4mapped_prefix, 12) == 0) {
        set_v4(a, b + 12);
        return;
    }
    memset(a, 0, sizeof(*a));
    a->family = 6;
    memcpy(a->b, b, 16);
}

int og_netaddr_parse(const char *s, og_netaddr *out)
{
    char buf[OG_NETADDR_STRLEN];
    struct in6_addr a6;
    struct addrinfo hints, *res = NULL;
    size_t n;
    if (!s || !*s || (n = strlen(s)) >= sizeof(buf))
        return og_error_set(OG_EINVAL, "'%.80s' is not an IP address", s ? s : "");
    memcpy(buf, s, n + 1);
    if (buf[0] == '[') {
        if (buf[n - 1] != ']')
            return og_error_set(OG_EINVAL, "'%s' is not an IP address", s);
        buf[n - 1] = '\0';
        memmove(buf, buf + 1, n - 1);
    }
    char *zone = strchr(buf, '%');
    if (zone && strchr(buf, ':'))
        *zone = '\0';
    if (inet_pton(AF_INET6, buf, &a6) == 1) {
        set_v6(out, a6.s6_addr);
        return 0;
    }
    if (zone || strchr(buf, ':'))
        return og_error_set(OG_EINVAL, "'%s' is not an IP address", s);
    /* IPv4 the way the resolver reads a numeric host, shorthands included: what a URL host
     * such as "127.1" or "2130706433" will connect to. */
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_flags = AI_NUMERICHOST;
    if (getaddrinfo(buf, NULL, &hints, &res) != 0 || !res)
        return og_error_set(OG_EINVAL, "'%s' is not an IP address", s);
    int error = og_netaddr_from_sockaddr(res->ai_addr, res->ai_addrlen, out);
    freeaddrinfo(res);
    return error;
}

int og_netaddr_from_sockaddr(const void *sa, size_t len, og_netaddr *out)
{
    const struct sockaddr *s = sa;
    if (s && len >= sizeof(struct sockaddr_in) && s->sa_family == AF_INET) {
        const struct sockaddr_in *in = sa;
        set_v4(out, (const uint8_t *)&in->sin_addr.s_addr);
        return 0;
    }
    if (s && len >= sizeof(struct sockaddr_in6) && s->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = sa;
        set_v6(out, in6->sin6_addr.s6_addr);
        return 0;
    }
    return og_error_set(OG_EINVAL, "not an IPv4 or IPv6 socket address");
}

void og_netaddr_format(const og_netaddr *a, char *out, size_t size)
{
    char buf[INET6_ADDRSTRLEN] = "?";
    inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, buf, sizeof(buf));
    og_strlcpy(out, buf, size);
}

static bool host_bits_zero(const og_netaddr *a, int prefix)
{
    int bits = a->family == 4 ? 32 : 128;
    for (int i = prefix; i < bits; i++)
        if (a->b[i / 8] & (0x80 >> (i % 8)))
            return false;
    return true;
}

static void clear_host_bits(og_netaddr *a, int prefix)
{
    int bits = a->family == 4 ? 32 : 128;
    for (int i = prefix; i < bits; i++)
        a->b[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}

int og_cidr_parse(const char *s, og_cidr *out)
{
    char buf[OG_NETADDR_STRLEN], canon[OG_NETADDR_STRLEN];
    struct in6_addr a6;
    struct in_addr a4;
    long prefix = -1;
    if (!s || !*s || strlen(s) >= sizeof(buf))
        return og_error_set(OG_EINVAL, "'%.80s' is not an address range (like 10.0.0.0/8)",
                            s ? s : "");
    og_strlcpy(buf, s, sizeof(buf));
    char *slash = strchr(buf, '/');
    if (slash) {
        char *end = NULL;
        *slash = '\0';
        if (!slash[1] || slash[1] == '-' || slash[1] == '+' || slash[1] == ' ' ||
            (prefix = strtol(slash + 1, &end, 10), *end))
            return og_error_set(OG_EINVAL, "'%s': the prefix length must be a number", s);
    }
    /* Ranges are written in the strict forms only (no "127.1/8"): what is stored is read back. */
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, &a4) == 1) {
        out->addr.family = 4;
        memcpy(out->addr.b, &a4.s_addr, 4);
        if (prefix < 0)
            prefix = 32;
        if (prefix > 32)
            return og_error_set(OG_EINVAL, "'%s': an IPv4 prefix is 0 to 32", s);
    } else if (inet_pton(AF_INET6, buf, &a6) == 1) {
        if (prefix < 0)
            prefix = 128;
        if (prefix > 128)
            return og_error_set(OG_EINVAL, "'%s': an IPv6 prefix is 0 to 128", s);
        if (memcmp(a6.s6_addr, v4mapped_prefix, 12) == 0 && prefix >= 96) {
            set_v4(&out->addr, a6.s6_addr + 12);
            prefix -= 96;
        } else {
            out->addr.family = 6;
            memcpy(out->addr.b, a6.s6_addr, 16);
        }
    } else {
        return og_error_set(OG_EINVAL, "'%s' is not an address range (like 10.0.0.0/8)", s);
    }
    out->prefix = (int)prefix;
    if (!host_bits_zero(&out->addr, out->prefix)) {
        og_cidr c = *out;
        clear_host_bits(&c.addr, c.prefix);
        og_cidr_format(&c, canon, sizeof(canon));
        return og_error_set(OG_EINVAL, "'%s' has host bits set (did you mean %s?)", s, canon);
    }
    return 0;
}

void og_cidr_format(const og_cidr *c, char *out, size_t size)
{
    char a[OG_NETADDR_STRLEN];
    og_netaddr_format(&c->addr, a, sizeof(a));
    snprintf(out, size, "%s/%d", a, c->prefix);
}

bool og_cidr_contains(const og_cidr *c, const og_netaddr *a)
{
    if (!c || !a || c->addr.family != a->family)
        return false;
    int full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->addr.b, a->b, (size_t)full) != 0)
        return false;
    if (rest) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        if ((c->addr.b[full] & mask) != (a->b[full] & mask))
            return false;
    }
    return true;
}

typedef struct special_range {
    const char *cidr;
    const char *name;
} special_range;

/* First match wins: a narrower range comes before the one that holds it. */
static const special_range special_v4[] = {
    {"0.0.0.0/8", "unspecified (this network)"},
    {"10.0.0.0/8", "private"},
    {"100.64.0.0/10", "shared address space (carrier-grade NAT)"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.0.0/16", "link-local"},
    {"172.16.0.0/12", "private"},
    {"192.0.0.0/24", "IETF protocol assignments"},
    {"192.0.2.0/24", "documentation"},
    {"192.88.99.0/24", "6to4 relay anycast"},
    {"192.168.0.0/16", "private"},
    {"198.18.0.0/15", "benchmarking"},
    {"198.51.100.0/24", "documentation"},
    {"203.0.113.0/24", "documentation"},
    {"224.0.0.0/4", "multicast"},
    {"255.255.255.255/32", "broadcast"},
    {"240.0.0.0/4", "reserved"},
    {NULL, NULL},
};

/* Inside global unicast 2000::/3; everything outside it is refused (below). */
static const special_range special_v6[] = {
    {"::/128", "unspecified"},
    {"::1/128", "loopback"},
    {"64:ff9b:1::/48", "local-use NAT64"},
    {"100::/64", "discard-only"},
    {"fc00::/7", "unique-local"},
    {"fe80::/10", "link-local"},
    {"fec0::/10", "site-local (deprecated)"},
    {"ff00::/8", "multicast"},
    {"2001:2::/48", "benchmarking"},
    {"2001:db8::/32", "documentation"},
    {"3fff::/20", "documentation"},
    {"2000::/3", NULL}, /* global unicast: not special */
    {"::/0", "reserved (not global unicast)"},
    {NULL, NULL},
};

static bool match_table(const special_range *t, const og_netaddr *a, og_cidr *range,
                        const char **name)
{
    og_cidr c;
    for (size_t i = 0; t[i].cidr; i++) {
        if (og_cidr_parse(t[i].cidr, &c) < 0 || !og_cidr_contains(&c, a))
            continue;
        if (!t[i].name)
            return false;
        if (range)
            *range = c;
        if (name)
            *name = t[i].name;
        return true;
    }
    return false;
}

bool og_netaddr_special(const og_netaddr *a, og_cidr *range, const char **name)
{
    og_cidr wrap;
    og_netaddr inner;
    if (!a)
        return false;
    if (a->family == 4)
        return match_table(special_v4, a, range, name);
    /* IPv6 that a translator or relay turns into an IPv4 address: judge the IPv4 address. */
    static const struct {
        const char *cidr;
        int offset;
        const char *name;
    } embed[] = {
        {"64:ff9b::/96", 12, "NAT64 of a special-purpose IPv4 address"},
        {"2002::/16", 2, "6to4 of a special-purpose IPv4 address"},
    };
    for (size_t i = 0; i < sizeof(embed) / sizeof(embed[0]); i++) {
        if (og_cidr_parse(embed[i].cidr, &wrap) < 0 || !og_cidr_contains(&wrap, a))
            continue;
        set_v4(&inner, a->b + embed[i].offset);
        if (!match_table(special_v4, &inner, NULL, NULL))
            return false;
        if (range)
            *range = wrap;
        if (name)
            *name = embed[i].name;
        return true;
    }
    return match_table(special_v6, a, range, name);
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
}

void og_url_redact(const char *url, char *out, size_t size)
{
    static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026 */
    if (!size)
        return;
    out[0] = '\0';
    if (!url)
        return;
    const char *sep = strstr(url, "://");
    if (!sep) {
        og_strlcpy(out, url, size);
        return;
    }
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?#\\");
    const char *host = auth;
    for (const char *p = auth; p < auth + alen; p++) /* userinfo ends at the last '@' */
        if (*p == '@')
            host = p + 1;
    size_t hlen = (size_t)(auth + alen - host);
    bool clean = hlen > 0 && hlen <= 255;
    for (size_t i = 0; clean && i < hlen; i++)
        clean = host_char(host[i]);
    bool more = auth[alen] && !(auth[alen] == '/' && auth[alen + 1] == '\0');
    int slen = (int)(sep - url);
    bool scheme_ok = slen > 0 && slen <= 16;
    for (int i = 0; scheme_ok && i < slen; i++)
        scheme_ok = host_char(url[i]) && url[i] != ':' && url[i] != '[' && url[i] != ']';
    snprintf(out, size, "%.*s://%.*s%s%s", scheme_ok ? slen : 0, url, clean ? (int)hlen : 0, host,
             clean ? "" : ellipsis,
             more                ? "/\xe2\x80\xa6"
             : auth[alen] == '/' ? "/"
                                 : "");
}
