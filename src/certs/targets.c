/* targets.c - scan targets: parsing (host:port, host, CIDR, @FILE), port lists, lazy expansion
 * into endpoints and asynchronous name resolution. */
#include "certs/certs_internal.h"
#include "certs/scan_internal.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#define MAX_TARGET_LEN  300
#define MAX_TARGET_FILE (16 << 20)
#define MAX_SPECS       1000000

int og_certs_ports_parse(const char *s, uint16_t **ports, size_t *nports)
{
    int error = -1;
    uint8_t *seen = NULL;
    uint16_t *out = NULL;
    size_t n = 0;
    const char *c = s;
    if (!s || !*s)
        return og_error_set(OG_EINVAL, "empty port list");
    if (!(seen = calloc(65536, 1)) || !(out = malloc(65536 * sizeof(*out)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    while (*c) {
        char *end = NULL;
        long lo = strtol(c, &end, 10), hi;
        if (end == c || !isdigit((unsigned char)*c) || lo < 1 || lo > 65535)
            goto bad;
        hi = lo;
        if (*end == '-') {
            const char *h = end + 1;
            hi = strtol(h, &end, 10);
            if (end == h || !isdigit((unsigned char)*h) || hi < lo || hi > 65535)
                goto bad;
        }
        if (*end && *end != ',')
            goto bad;
        for (long p = lo; p <= hi; p++)
            if (!seen[p]) {
                seen[p] = 1;
                out[n++] = (uint16_t)p;
            }
        c = *end ? end + 1 : end;
        if (*end && !*c)
            goto bad; /* trailing comma */
    }
    *ports = out;
    *nports = n;
    out = NULL;
    error = 0;
    goto cleanup;
bad:
    error = og_error_set(OG_EINVAL,
                         "bad port list '%s' (ports 1-65535, comma-separated, ranges "
                         "like 8000-8010)",
                         s);
cleanup:
    free(seen);
    free(out);
    return error;
}

static int valid_hostname(const char *h)
{
    size_t len = strlen(h);
    if (len == 0 || len > 253 || h[0] == '.' || h[0] == '-')
        return 0;
    for (const char *c = h; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' && *c != '_')
            return 0;
    return 1;
}

static int parse_port(const char *s, int *port)
{
    char *end = NULL;
    if (!isdigit((unsigned char)*s))
        return -1;
    long p = strtol(s, &end, 10);
    if (*end || p < 1 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static int push_spec(og_certs_targets *t, const og_certs_tspec *sp)
{
    if (t->nspecs == MAX_SPECS)
        return og_error_set(OG_ETOOBIG, "more than %d targets", MAX_SPECS);
    if (t->nspecs == t->aspecs) {
        size_t n = t->aspecs ? t->aspecs * 2 : 16;
        og_certs_tspec *ns = realloc(t->specs, n * sizeof(*ns));
        if (!ns)
            return og_error_set(OG_ERROR, "out of memory");
        t->specs = ns;
        t->aspecs = n;
    }
    t->specs[t->nspecs++] = *sp;
    uint64_t eps = sp->count * (sp->port ? 1 : t->nports);
    t->total += eps;
    if (t->total > OG_CERTS_MAX_ENDPOINTS)
        return og_error_set(OG_ETOOBIG, "too many endpoints to scan (more than %u)",
                            OG_CERTS_MAX_ENDPOINTS);
    return 0;
}

/* One target (no @FILE). where: "" or "FILE line N: " for messages. */
static int parse_one(og_certs_targets *t, const char *target, const char *where)
{
    og_certs_tspec sp;
    char buf[MAX_TARGET_LEN + 1];
    memset(&sp, 0, sizeof(sp));
    sp.count = 1;
    size_t len = strlen(target);
    if (len == 0 || len > MAX_TARGET_LEN)
        return og_error_set(OG_EINVAL, "%sbad target '%.64s' (empty or too long)", where, target);
    memcpy(buf, target, len + 1);

    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        char *end = NULL;
        long prefix = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || prefix < 0)
            return og_error_set(OG_EINVAL, "%sbad CIDR '%s'", where, target);
        if (inet_pton(AF_INET, buf, sp.addr) == 1) {
            if (prefix > 32)
                return og_error_set(OG_EINVAL, "%sbad CIDR '%s' (prefix above 32)", where, target);
            if (prefix < OG_CERTS_MAX_CIDR_V4)
                return og_error_set(OG_ETOOBIG,
                                    "%sCIDR '%s' is too large: at most /%d (65536 addresses) per "
                                    "target",
                                    where, target, OG_CERTS_MAX_CIDR_V4);
            uint32_t a = ((uint32_t)sp.addr[0] << 24) | ((uint32_t)sp.addr[1] << 16) |
                         ((uint32_t)sp.addr[2] << 8) | sp.addr[3];
            uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
            a &= mask;
            sp.addr[0] = (uint8_t)(a >> 24);
            sp.addr[1] = (uint8_t)(a >> 16);
            sp.addr[2] = (uint8_t)(a >> 8);
            sp.addr[3] = (uint8_t)a;
            sp.family = AF_INET;
            sp.count = (uint64_t)1 << (32 - prefix);
        } else if (inet_pton(AF_INET6, buf, sp.addr) == 1) {
            if (prefix > 128)
                return og_error_set(OG_EINVAL, "%sbad CIDR '%s' (prefix above 128)", where, target);
            if (prefix < 112)
                return og_error_set(OG_ETOOBIG,
                                    "%sCIDR '%s' is too large: at most /112 (65536 addresses) per "
                                    "target",
                                    where, target);
            for (int bit = (int)prefix; bit < 128; bit++)
                sp.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
            sp.family = AF_INET6;
            sp.count = (uint64_t)1 << (128 - prefix);
        } else {
            return og_error_set(OG_EINVAL, "%sbad CIDR '%s' (not an IP address before '/')", where,
                                target);
        }
        sp.kind = OG_TSPEC_CIDR;
        return push_spec(t, &sp);
    }

    char *host = buf, *portp = NULL;
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (!close)
            return og_error_set(OG_EINVAL, "%sbad target '%s' (missing ']')", where, target);
        *close = '\0';
        host = buf + 1;
        if (close[1] == ':')
            portp = close + 2;
        else if (close[1])
            return og_error_set(OG_EINVAL, "%sbad target '%s'", where, target);
        if (inet_pton(AF_INET6, host, sp.addr) != 1)
            return og_error_set(OG_EINVAL, "%sbad IPv6 address in target '%s'", where, target);
        sp.family = AF_INET6;
    } else {
        char *colon = strchr(buf, ':');
        if (colon && strchr(colon + 1, ':')) {
            /* more than one colon: a bare IPv6 address */
            if (inet_pton(AF_INET6, buf, sp.addr) != 1)
                return og_error_set(OG_EINVAL, "%sbad target '%s'", where, target);
            sp.family = AF_INET6;
        } else {
            if (colon) {
                *colon = '\0';
                portp = colon + 1;
            }
            if (inet_pton(AF_INET, host, sp.addr) == 1)
                sp.family = AF_INET;
            else if (!valid_hostname(host))
                return og_error_set(OG_EINVAL, "%sbad host in target '%s'", where, target);
        }
    }
    if (portp && parse_port(portp, &sp.port) < 0)
        return og_error_set(OG_EINVAL, "%sbad port in target '%s' (1-65535)", where, target);
    og_strlcpy(sp.host, host, sizeof(sp.host));
    for (char *c = sp.host; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    sp.kind = sp.family ? OG_TSPEC_ADDR : OG_TSPEC_NAME;
    return push_spec(t, &sp);
}

static int parse_file(og_certs_targets *t, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    int error, line = 0;
    if ((error = og_file_read(path, MAX_TARGET_FILE, &buf, &len)) < 0)
        return og_error_wrap("target file '%s'", path);
    char *save = NULL;
    char where[300];
    for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        char *hash = strchr(l, '#');
        if (hash)
            *hash = '\0';
        while (*l && isspace((unsigned char)*l))
            l++;
        size_t n = strlen(l);
        while (n && isspace((unsigned char)l[n - 1]))
            l[--n] = '\0';
        if (!*l)
            continue;
        if (l[0] == '@') {
            error = og_error_set(OG_EINVAL, "%s line %d: nested @FILE '%s' is not allowed", path,
                                 line, l);
            break;
        }
        snprintf(where, sizeof(where), "%s line %d: ", path, line);
        if ((error = parse_one(t, l, where)) < 0)
            break;
    }
    free(buf);
    return error;
}

int og_certs_targets_parse(og_certs_targets **out, const char *const *targets, size_t n,
                           const uint16_t *ports, size_t nports)
{
    int error = -1;
    og_certs_targets *t = calloc(1, sizeof(*t));
    uint16_t *defports = NULL;
    if (!t)
        return og_error_set(OG_ERROR, "out of memory");
    if (!ports || nports == 0) {
        size_t nd = 0;
        if ((error = og_certs_ports_parse(OG_CERTS_DEFAULT_PORTS, &defports, &nd)) < 0)
            goto cleanup;
        ports = defports;
        nports = nd;
    }
    if (!(t->ports = malloc(nports * sizeof(*ports)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    memcpy(t->ports, ports, nports * sizeof(*ports));
    t->nports = nports;
    if (n == 0) {
        error = og_error_set(OG_EINVAL, "no target to scan");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        if (targets[i][0] == '@')
            error = parse_file(t, targets[i] + 1);
        else
            error = parse_one(t, targets[i], "");
        if (error < 0)
            goto cleanup;
    }
    if (t->total == 0) {
        error = og_error_set(OG_EINVAL, "no target to scan (empty target file?)");
        goto cleanup;
    }
    *out = t;
    t = NULL;
    error = 0;
cleanup:
    free(defports);
    og_certs_targets_free(t);
    return error;
}

uint64_t og_certs_targets_count(const og_certs_targets *t)
{
    return t ? t->total : 0;
}

void og_certs_targets_free(og_certs_targets *t)
{
    if (!t)
        return;
    free(t->specs);
    free(t->ports);
    free(t);
}

/* ---- resolution ----
 * Names are resolved in parallel by a few detached threads with plain getaddrinfo(), bounded by
 * the scan timeout, so a slow DNS server costs one timeout, not one per name. The shared state is
 * reference-counted: when the caller gives up on slow names it drops its reference and the last
 * worker frees everything, so no thread ever touches freed memory. (glibc's getaddrinfo_a was
 * used before: its helper thread may still touch a request after gai_error() reports it done,
 * and a request gai_cancel() cannot stop goes on writing into it - freed by then.) */
#define RESOLVE_MAX_THREADS 16

typedef struct resolver {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;      /* the caller + running workers */
    int abandoned; /* the caller left: workers free their results */
    size_t n, next, ndone;
    char **names;         /* owned copies */
    struct addrinfo **ai; /* results; taken (set NULL) by the caller */
    int *rc;
    unsigned char *done;
} resolver;

static void resolver_unref_locked(resolver *r)
{
    if (--r->refs > 0) {
        pthread_mutex_unlock(&r->mu);
        return;
    }
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < r->n; i++) {
        if (r->ai && r->ai[i])
            freeaddrinfo(r->ai[i]);
        if (r->names)
            free(r->names[i]);
    }
    free(r->names);
    free(r->ai);
    free(r->rc);
    free(r->done);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

static void *resolver_main(void *arg)
{
    resolver *r = arg;
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    pthread_mutex_lock(&r->mu);
    while (!r->abandoned && r->next < r->n) {
        size_t i = r->next++;
        pthread_mutex_unlock(&r->mu);
        struct addrinfo *ai = NULL;
        int rc = getaddrinfo(r->names[i], NULL, &hints, &ai);
        pthread_mutex_lock(&r->mu);
        r->ai[i] = rc == 0 ? ai : NULL;
        r->rc[i] = rc;
        r->done[i] = 1;
        r->ndone++;
        pthread_cond_broadcast(&r->cv);
    }
    resolver_unref_locked(r); /* unlocks */
    return NULL;
}

int og_certs__targets_resolve(og_certs_targets *t, int timeout_ms, og_certs_resolved **out)
{
    int error = -1;
    size_t nnames = 0;
    og_certs_resolved *res = calloc(t->nspecs ? t->nspecs : 1, sizeof(*res));
    resolver *r = NULL;
    int locked = 0;
    if (!res)
        return og_error_set(OG_ERROR, "out of memory");
    for (size_t i = 0; i < t->nspecs; i++)
        nnames += t->specs[i].kind == OG_TSPEC_NAME;
    if (nnames == 0)
        goto done;
    if (!(r = calloc(1, sizeof(*r)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    r->refs = 1;
    r->n = nnames;
    if (!(r->names = calloc(nnames, sizeof(char *))) ||
        !(r->ai = calloc(nnames, sizeof(struct addrinfo *))) ||
        !(r->rc = calloc(nnames, sizeof(int))) || !(r->done = calloc(nnames, 1))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    size_t k = 0;
    for (size_t i = 0; i < t->nspecs; i++) {
        if (t->specs[i].kind != OG_TSPEC_NAME)
            continue;
        if (!(r->names[k++] = strdup(t->specs[i].host))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
    size_t nthreads = nnames < RESOLVE_MAX_THREADS ? nnames : RESOLVE_MAX_THREADS;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&r->mu);
    locked = 1;
    for (size_t i = 0; i < nthreads; i++) {
        pthread_t th;
        r->refs++;
        if (pthread_create(&th, &attr, resolver_main, r) != 0) {
            r->refs--;
            if (i == 0) {
                pthread_attr_destroy(&attr);
                error = og_error_set(OG_ERROR, "cannot start name resolution: %s", strerror(errno));
                goto cleanup;
            }
            break;
        }
    }
    pthread_attr_destroy(&attr);
    struct timespec deadline;
    og_time_deadline(&deadline, CLOCK_MONOTONIC, (int64_t)timeout_ms * 1000);
    while (r->ndone < r->n) {
        if (pthread_cond_timedwait(&r->cv, &r->mu, &deadline) == ETIMEDOUT)
            break;
    }
    k = 0;
    for (size_t i = 0; i < t->nspecs; i++) {
        if (t->specs[i].kind != OG_TSPEC_NAME)
            continue;
        int rc = r->done[k] ? r->rc[k] : EAI_AGAIN;
        struct addrinfo *ai = r->done[k] ? r->ai[k] : NULL;
        if (rc == 0 && ai) {
            /* IPv4 first: the loopback name "localhost" often lists ::1 first, and services
             * still listen on IPv4 more often than not. */
            struct addrinfo *pick = NULL;
            for (struct addrinfo *a = ai; a; a = a->ai_next)
                if (a->ai_family == AF_INET && !pick)
                    pick = a;
            if (!pick)
                pick = ai;
            if (pick->ai_family == AF_INET) {
                memcpy(res[i].addr, &((struct sockaddr_in *)pick->ai_addr)->sin_addr, 4);
                res[i].family = AF_INET;
            } else if (pick->ai_family == AF_INET6) {
                memcpy(res[i].addr, &((struct sockaddr_in6 *)pick->ai_addr)->sin6_addr, 16);
                res[i].family = AF_INET6;
            }
        } else {
            snprintf(res[i].error, sizeof(res[i].error), "cannot resolve '%.100s': %.40s",
                     t->specs[i].host, !r->done[k] ? "timed out" : gai_strerror(rc));
        }
        k++;
    }
done:
    *out = res;
    res = NULL;
    error = 0;
cleanup:
    if (r) {
        /* Workers still resolving finish on their own; the last reference frees the rest. */
        if (!locked)
            pthread_mutex_lock(&r->mu);
        r->abandoned = 1;
        resolver_unref_locked(r); /* unlocks */
    }
    free(res);
    return error;
}

int og_certs__targets_next(const og_certs_targets *t, const og_certs_resolved *res,
                           og_certs_iter *it, og_certs_endpoint *ep)
{
    while (it->spec < t->nspecs) {
        const og_certs_tspec *sp = &t->specs[it->spec];
        size_t nports = sp->port ? 1 : t->nports;
        if (it->addr >= sp->count) {
            it->spec++;
            it->addr = 0;
            it->port = 0;
            continue;
        }
        memset(ep, 0, sizeof(*ep));
        ep->port = sp->port ? sp->port : t->ports[it->port];
        if (sp->kind == OG_TSPEC_NAME) {
            og_strlcpy(ep->name, sp->host, sizeof(ep->name));
            ep->family = res[it->spec].family;
            memcpy(ep->addr, res[it->spec].addr, 16);
            if (!ep->family)
                og_strlcpy(ep->error, res[it->spec].error, sizeof(ep->error));
        } else {
            ep->family = sp->family;
            memcpy(ep->addr, sp->addr, 16);
            /* add the address index to the base, big-endian */
            uint64_t add = it->addr;
            for (int b = ep->family == AF_INET ? 3 : 15; b >= 0 && add; b--) {
                uint64_t v = ep->addr[b] + (add & 0xff);
                ep->addr[b] = (uint8_t)v;
                add = (add >> 8) + (v >> 8);
            }
        }
        if (ep->family)
            inet_ntop(ep->family, ep->addr, ep->ip, sizeof(ep->ip));
        if (!ep->name[0])
            og_strlcpy(ep->name, ep->ip, sizeof(ep->name));
        if (ep->family == AF_INET6 && sp->kind != OG_TSPEC_NAME)
            snprintf(ep->target, sizeof(ep->target), "[%s]:%d", ep->name, ep->port);
        else
            snprintf(ep->target, sizeof(ep->target), "%s:%d", ep->name, ep->port);
        if (++it->port >= nports) {
            it->port = 0;
            it->addr++;
        }
        return 1;
    }
    return 0;
}
