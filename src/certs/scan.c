/* scan.c - the network scanner: one epoll loop driving non-blocking connects and non-blocking
 * OpenSSL handshakes, a bounded number in flight, each endpoint with its own deadline. */
#include "certs/certs_internal.h"
#include "certs/scan_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_CONCURRENCY 128
#define MAX_CONCURRENCY     10000
#define DEFAULT_TIMEOUT_MS  5000
#define CHAIN_CACHE         64

static const char *const status_names[] = {"ok",      "refused", "unreachable",
                                           "timeout", "not-tls", "handshake-error"};

const char *og_certs_scan_status_name(og_certs_scan_status s)
{
    return (unsigned)s <= OG_SCAN_HANDSHAKE_ERROR ? status_names[s] : "unknown";
}

enum { C_FREE = 0, C_CONNECTING, C_STARTTLS, C_HANDSHAKE };

typedef struct conn {
    int state;
    int fd;
    SSL *ssl;
    uint32_t events;          /* currently registered with epoll */
    int64_t start, deadline;  /* monotonic µs */
    struct conn *prev, *next; /* in flight, oldest first (= earliest deadline first) */
    og_certs_endpoint ep;
    char sni[254];
    og_certs_stls *stls; /* during the STARTTLS exchange (C_STARTTLS) */
} conn;

typedef struct chain_cache_entry {
    uint8_t key[32]; /* SHA-256 over the chain's fingerprints */
    unsigned findings;
    char detail[128];
} chain_cache_entry;

typedef struct scanner {
    og_ctx *ctx;
    const og_certs_scan_opts *opts;
    const char *sni;
    int stls_mode; /* OG_STLS_AUTO, OG_STLS_NONE or one protocol */
    SSL_CTX *ssl_ctx;
    int epfd;
    conn *conns;
    conn *free_list;
    conn *head, *tail;
    int active, max_active;
    int64_t timeout_us;
    og_certs_trust *trust;
    og_certs_batch *batch;
    og_certs_policy pol;
    int64_t now_wall;
    chain_cache_entry cache[CHAIN_CACHE];
    int ncache;
    og_certs_scan_summary *sum;
    uint64_t done;
    int error; /* a fatal error inside the loop (out of memory) */
} scanner;

static void list_remove(scanner *s, conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        s->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        s->tail = c->prev;
    c->prev = c->next = NULL;
}

static void list_append(scanner *s, conn *c)
{
    c->prev = s->tail;
    c->next = NULL;
    if (s->tail)
        s->tail->next = c;
    else
        s->head = c;
    s->tail = c;
}

static void emit(scanner *s, const og_certs_endpoint *ep, const char *sni, og_certs_scan_status st,
                 const char *err, const char *tls_version, const char *fp, const og_cert_info *ci,
                 unsigned findings, int chain_len, int64_t elapsed_us)
{
    s->sum->by_status[st]++;
    s->done++;
    if (!s->opts || !s->opts->on_result)
        return;
    og_certs_scan_result r;
    memset(&r, 0, sizeof(r));
    r.target = ep->target;
    r.address = ep->ip;
    r.port = ep->port;
    r.sni = sni ? sni : "";
    r.status = st;
    r.error = err ? err : "";
    r.tls_version = tls_version ? tls_version : "";
    r.fingerprint = fp ? fp : "";
    r.subject = ci && ci->subject ? ci->subject : "";
    r.not_after_us = ci ? ci->not_after_us : 0;
    r.findings = findings;
    r.chain_len = chain_len;
    r.elapsed_us = elapsed_us;
    r.starttls = og_certs__stls_name(ep->stls);
    s->opts->on_result(s->opts->arg, &r);
}

static void conn_close(scanner *s, conn *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    free(c->stls);
    c->stls = NULL;
    if (c->fd >= 0)
        close(c->fd); /* also removes it from the epoll set */
    c->ssl = NULL;
    c->fd = -1;
    c->state = C_FREE;
    list_remove(s, c);
    c->next = s->free_list;
    s->free_list = c;
    s->active--;
}

static void conn_fail(scanner *s, conn *c, og_certs_scan_status st, const char *err)
{
    emit(s, &c->ep, c->sni, st, err, NULL, NULL, NULL, 0, 0, og_time_mono_us() - c->start);
    conn_close(s, c);
}

static int want(scanner *s, conn *c, uint32_t ev)
{
    if (c->events == ev)
        return 0;
    struct epoll_event e = {.events = ev, .data.ptr = c};
    if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &e) != 0)
        return -1;
    c->events = ev;
    return 0;
}

/* Map a failed handshake to not-tls or handshake-error, with OpenSSL's reason. */
static void handshake_failed(scanner *s, conn *c, int ssl_err)
{
    char msg[160];
    unsigned long e = ERR_peek_error();
    int reason = e ? ERR_GET_REASON(e) : 0;
    og_certs_scan_status st = OG_SCAN_HANDSHAKE_ERROR;
    if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_UNKNOWN_PROTOCOL ||
        reason == SSL_R_PACKET_LENGTH_TOO_LONG || reason == SSL_R_HTTP_REQUEST ||
        reason == SSL_R_HTTPS_PROXY_REQUEST || reason == SSL_R_RECORD_LENGTH_MISMATCH ||
        reason == SSL_R_UNEXPECTED_RECORD) {
        st = OG_SCAN_NOT_TLS;
        snprintf(msg, sizeof(msg), "the server does not speak TLS (%s)",
                 ERR_reason_error_string(e));
    } else if (e) {
        const char *r = ERR_reason_error_string(e);
        snprintf(msg, sizeof(msg), "TLS handshake failed: %s", r ? r : "unknown reason");
    } else if (ssl_err == SSL_ERROR_SYSCALL || ssl_err == SSL_ERROR_ZERO_RETURN) {
        snprintf(msg, sizeof(msg), "connection closed during the TLS handshake%s%s",
                 errno ? ": " : "", errno ? strerror(errno) : "");
    } else {
        snprintf(msg, sizeof(msg), "TLS handshake failed (error %d)", ssl_err);
    }
    ERR_clear_error();
    conn_fail(s, c, st, msg);
}

static int chain_json(STACK_OF(X509) * chain, char fps[][65], int n, char **out)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_string(fps[i]));
    *out = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    (void)chain;
    return *out ? 0 : og_error_set(OG_ERROR, "out of memory");
}

static unsigned chain_findings_cached(scanner *s, STACK_OF(X509) * chain, char fps[][65], int n,
                                      char *detail)
{
    uint8_t key[32];
    og_buf b;
    og_buf_init(&b, 1 << 12);
    for (int i = 0; i < n; i++)
        og_buf_append(&b, fps[i], 64);
    og_crypto_sha256(b.data, b.len, key);
    og_buf_free(&b);
    for (int i = 0; i < s->ncache; i++) {
        if (memcmp(s->cache[i].key, key, 32) == 0) {
            memcpy(detail, s->cache[i].detail, 128);
            return s->cache[i].findings;
        }
    }
    unsigned f = og_certs__chain_findings(s->trust, chain, detail);
    if (s->ncache < CHAIN_CACHE) {
        chain_cache_entry *e = &s->cache[s->ncache++];
        memcpy(e->key, key, 32);
        e->findings = f;
        memcpy(e->detail, detail, 128);
    }
    return f;
}

static void handshake_done(scanner *s, conn *c)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
    char fps[OG_CERTS_MAX_CHAIN][65];
    char detail[128] = "";
    char *cj = NULL;
    int n = chain ? sk_X509_num(chain) : 0;
    if (n <= 0) {
        conn_fail(s, c, OG_SCAN_HANDSHAKE_ERROR, "the server sent no certificate");
        return;
    }
    if (n > OG_CERTS_MAX_CHAIN)
        n = OG_CERTS_MAX_CHAIN;
    for (int i = 0; i < n; i++) {
        X509 *x = sk_X509_value(chain, i);
        unsigned char md[32];
        unsigned int mdlen = 0;
        if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1) {
            conn_fail(s, c, OG_SCAN_HANDSHAKE_ERROR, "cannot hash a served certificate");
            return;
        }
        og_hex_encode(md, 32, fps[i]);
        if (og_certs__batch_get(s->batch, fps[i]))
            continue;
        og_cert_info ci;
        unsigned char *der = NULL;
        int dl = i2d_X509(x, &der);
        int rc = dl > 0 ? og_certs__info_from_x509(&ci, x) : -1;
        if (rc == 0) {
            rc = og_certs__batch_add_cert(s->batch, der, (size_t)dl, &ci, NULL);
            og_cert_info_clear(&ci);
        }
        OPENSSL_free(der);
        if (rc < 0) {
            s->error = rc;
            conn_fail(s, c, OG_SCAN_HANDSHAKE_ERROR, "cannot record a served certificate");
            return;
        }
    }
    const og_cert_info *leaf = og_certs__batch_get(s->batch, fps[0]);
    unsigned findings =
        leaf->findings | chain_findings_cached(s, chain, fps, n, detail) |
        og_certs__host_findings(sk_X509_value(chain, 0), c->sni[0] ? c->sni : c->ep.name);
    if (leaf->not_after_us <= s->now_wall)
        findings |= OG_CERT_F_EXPIRED;
    else if (leaf->not_after_us - s->now_wall <= (int64_t)s->pol.thresholds[0] * OG_DAY_US)
        findings |= OG_CERT_F_EXPIRING;
    /* Stored per sighting: what the endpoint did (chain, hostname); the rest is the cert's. */
    /* A self-signed certificate served as an endpoint's own is self-signed whatever its flags. */
    if (leaf->self_signed)
        findings |= OG_CERT_F_SELF_SIGNED;
    unsigned stored = findings & (OG_CERT_F_HOSTNAME_MISMATCH | OG_CERT_F_UNTRUSTED_CHAIN |
                                  OG_CERT_F_INCOMPLETE_CHAIN | OG_CERT_F_SELF_SIGNED);
    int rc = chain_json(chain, fps, n, &cj);
    if (rc == 0)
        rc = og_certs__batch_add_sighting(s->batch, fps[0], "endpoint", c->ep.target, c->sni,
                                          stored, cj, detail);
    for (int i = 1; rc == 0 && i < n; i++)
        rc = og_certs__batch_add_sighting(s->batch, fps[i], "chain", c->ep.target, c->sni, 0, NULL,
                                          NULL);
    free(cj);
    if (rc < 0) {
        s->error = rc;
        conn_fail(s, c, OG_SCAN_HANDSHAKE_ERROR, "cannot record the sighting");
        return;
    }
    emit(s, &c->ep, c->sni, OG_SCAN_OK, NULL, SSL_get_version(c->ssl), fps[0], leaf, findings, n,
         og_time_mono_us() - c->start);
    conn_close(s, c);
}

static void drive_handshake(scanner *s, conn *c)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_connect(c->ssl);
    if (r == 1) {
        handshake_done(s, c);
        return;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ) {
        if (want(s, c, EPOLLIN) < 0)
            conn_fail(s, c, OG_SCAN_HANDSHAKE_ERROR, "epoll failed");
        return;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        if (want(s, c, EPOLLOUT) < 0)
            conn_fail(s, c, OG_SCAN_HANDSHAKE_ERROR, "epoll failed");
        return;
    }
    handshake_failed(s, c, e);
}

static void tls_start(scanner *s, conn *c)
{
    if (!(c->ssl = SSL_new(s->ssl_ctx)) || SSL_set_fd(c->ssl, c->fd) != 1) {
        conn_fail(s, c, OG_SCAN_HANDSHAKE_ERROR, "out of memory creating the TLS session");
        return;
    }
    /* SNI carries host names only (RFC 6066): an address target sends none unless --sni. */
    if (c->sni[0])
        SSL_set_tlsext_host_name(c->ssl, c->sni);
    c->state = C_HANDSHAKE;
    drive_handshake(s, c);
}

/* The STARTTLS exchange on the plain socket: send what is due, read what came, feed it to the
 * protocol's state machine; TLS starts on the same socket once the server agreed. A server that
 * says nothing keeps the endpoint waiting only until its deadline. */
static void drive_starttls(scanner *s, conn *c)
{
    og_certs_stls *x = c->stls;
    for (;;) {
        while (x->outoff < x->outlen) {
            ssize_t w = send(c->fd, x->out + x->outoff, x->outlen - x->outoff, MSG_NOSIGNAL);
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (want(s, c, EPOLLOUT) < 0)
                    conn_fail(s, c, OG_SCAN_HANDSHAKE_ERROR, "epoll failed");
                return;
            }
            if (w <= 0) {
                conn_fail(s, c, OG_SCAN_NOT_TLS, "STARTTLS: the connection broke while sending");
                return;
            }
            x->outoff += (size_t)w;
        }
        ssize_t r = recv(c->fd, x->in + x->inlen, sizeof(x->in) - 1 - x->inlen, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (want(s, c, EPOLLIN) < 0)
                conn_fail(s, c, OG_SCAN_HANDSHAKE_ERROR, "epoll failed");
            return;
        }
        if (r <= 0) {
            char msg[200];
            snprintf(msg, sizeof(msg), "%s STARTTLS: the server closed the connection%s%s",
                     og_certs__stls_name(c->ep.stls), r < 0 ? ": " : "",
                     r < 0 ? strerror(errno) : "");
            conn_fail(s, c, OG_SCAN_NOT_TLS, msg);
            return;
        }
        x->inlen += (size_t)r;
        int f = og_certs__stls_feed(x);
        if (f < 0) {
            conn_fail(s, c, OG_SCAN_NOT_TLS, x->error);
            return;
        }
        if (f == 1) {
            free(c->stls);
            c->stls = NULL;
            tls_start(s, c);
            return;
        }
    }
}

static void drive_starttls(scanner *s, conn *c);
static void connected(scanner *s, conn *c)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err) {
        char msg[160];
        og_certs_scan_status st = err == ECONNREFUSED ? OG_SCAN_REFUSED
                                  : err == ETIMEDOUT  ? OG_SCAN_TIMEOUT
                                                      : OG_SCAN_UNREACHABLE;
        snprintf(msg, sizeof(msg), "connect: %s", strerror(err));
        conn_fail(s, c, st, msg);
        return;
    }
    if (c->ep.stls) {
        if (!(c->stls = malloc(sizeof(*c->stls)))) {
            conn_fail(s, c, OG_SCAN_HANDSHAKE_ERROR, "out of memory");
            return;
        }
        og_certs__stls_begin(c->stls, c->ep.stls, c->sni[0] ? c->sni : c->ep.name);
        c->state = C_STARTTLS;
        drive_starttls(s, c);
        return;
    }
    tls_start(s, c);
}

static int is_ip_literal(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Start one endpoint; failures that happen at once are reported at once. */
static void start(scanner *s, const og_certs_endpoint *ep)
{
    const char *sni = s->sni ? s->sni : (is_ip_literal(ep->name) ? "" : ep->name);
    if (!ep->family) {
        og_certs_endpoint e = *ep;
        e.stls = og_certs__stls_for(s->stls_mode, ep->port);
        emit(s, &e, sni, OG_SCAN_UNREACHABLE, ep->error, NULL, NULL, NULL, 0, 0, 0);
        return;
    }
    conn *c = s->free_list;
    s->free_list = c->next;
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->ep = *ep;
    c->ep.stls = og_certs__stls_for(s->stls_mode, ep->port);
    og_strlcpy(c->sni, sni, sizeof(c->sni));
    c->start = og_time_mono_us();
    c->deadline = c->start + s->timeout_us;
    c->state = C_CONNECTING;
    s->active++;
    list_append(s, c);

    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof(ss));
    if (ep->family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)ep->port);
        memcpy(&sin->sin_addr, ep->addr, 4);
        sl = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)ep->port);
        memcpy(&sin6->sin6_addr, ep->addr, 16);
        sl = sizeof(*sin6);
    }
    char msg[160];
    c->fd = socket(ep->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        snprintf(msg, sizeof(msg), "socket: %s", strerror(errno));
        conn_fail(s, c, OG_SCAN_UNREACHABLE, msg);
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    /* Close with a reset: a scanner that leaves TIME_WAIT behind runs out of local ports on big
     * loopback scans, and the peer has nothing left to tell us. */
    struct linger lg = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    int r = connect(c->fd, (struct sockaddr *)&ss, sl);
    if (r != 0 && errno != EINPROGRESS) {
        int e = errno;
        snprintf(msg, sizeof(msg), "connect: %s", strerror(e));
        conn_fail(s, c, e == ECONNREFUSED ? OG_SCAN_REFUSED : OG_SCAN_UNREACHABLE, msg);
        return;
    }
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        snprintf(msg, sizeof(msg), "epoll: %s", strerror(errno));
        conn_fail(s, c, OG_SCAN_UNREACHABLE, msg);
        return;
    }
    c->events = EPOLLOUT;
    if (r == 0)
        connected(s, c);
}

static int ssl_ctx_new(SSL_CTX **out)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return og_error_set(OG_ERROR, "cannot create the TLS client context");
    /* The scanner must see bad certificates, not refuse them: RSA-1024, SHA-1 and old protocol
     * versions are accepted here, judged later as findings. Nothing is verified during the
     * handshake; the chain is checked afterwards against the tenant's anchors. */
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(ctx, 0);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_LEGACY_SERVER_CONNECT |
                                 SSL_OP_IGNORE_UNEXPECTED_EOF);
    ERR_clear_error();
    *out = ctx;
    return 0;
}

static void raise_nofile(int want_fds)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < (rlim_t)want_fds) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)want_fds ? rl.rlim_max : (rlim_t)want_fds;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int max_fds(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return 1 << 20;
    return (int)rl.rlim_cur;
}

/* The loop; returns 0 or a fatal error. */
static int run_loop(scanner *s, const og_certs_targets *t, const og_certs_resolved *res)
{
    struct epoll_event evs[256];
    og_certs_iter it;
    og_certs_endpoint ep;
    int more = 1;
    int64_t started = og_time_mono_us(), last_progress = started;
    memset(&it, 0, sizeof(it));
    while ((more || s->active > 0) && s->error == 0) {
        while (more && s->active < s->max_active) {
            if (!(more = og_certs__targets_next(t, res, &it, &ep)))
                break;
            start(s, &ep);
        }
        int64_t now = og_time_mono_us();
        int wait_ms = 200;
        if (s->head) {
            int64_t d = (s->head->deadline - now + 999) / 1000;
            if (d < wait_ms)
                wait_ms = d < 0 ? 0 : (int)d;
        }
        if (s->active == 0)
            wait_ms = 0;
        int n = s->active > 0 ? epoll_wait(s->epfd, evs, 256, wait_ms) : 0;
        if (n < 0 && errno != EINTR)
            return og_error_set(OG_ERROR, "epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (c->state == C_CONNECTING)
                connected(s, c);
            else if (c->state == C_STARTTLS)
                drive_starttls(s, c);
            else if (c->state == C_HANDSHAKE)
                drive_handshake(s, c);
        }
        now = og_time_mono_us();
        while (s->head && s->head->deadline <= now) {
            conn *c = s->head;
            conn_fail(s, c, OG_SCAN_TIMEOUT,
                      c->state == C_CONNECTING ? "no answer to the connection attempt"
                      : c->state == C_STARTTLS ? "the STARTTLS exchange did not finish in time"
                                               : "the TLS handshake did not finish in time");
        }
        if (s->opts && s->opts->on_progress && now - last_progress >= 200000) {
            og_certs_scan_progress p = {s->done, t->total, og_certs__batch_ncerts(s->batch),
                                        now - started};
            s->opts->on_progress(s->opts->arg, &p);
            last_progress = now;
        }
    }
    if (s->opts && s->opts->on_progress) {
        og_certs_scan_progress p = {s->done, t->total, og_certs__batch_ncerts(s->batch),
                                    og_time_mono_us() - started};
        s->opts->on_progress(s->opts->arg, &p);
    }
    return s->error;
}

int og_certs_scan(og_ctx *ctx, const char *tenant, const og_certs_targets *targets,
                  const og_certs_scan_opts *opts, og_certs_scan_summary *summary)
{
    int in_tx = 0;
    int error = -1;
    og_tenant t;
    scanner s;
    og_certs_scan_summary sum;
    og_certs_resolved *res = NULL;
    json_t *analysis = NULL;
    memset(&s, 0, sizeof(s));
    memset(&sum, 0, sizeof(sum));
    s.epfd = -1;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        return error;
    int concurrency = opts && opts->concurrency > 0 ? opts->concurrency : DEFAULT_CONCURRENCY;
    int timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    s.stls_mode = OG_STLS_NONE;
    if (opts && opts->starttls &&
        (error = og_certs_starttls_parse(opts->starttls, &s.stls_mode)) < 0)
        return error;
    if (concurrency > MAX_CONCURRENCY)
        return og_error_set(OG_EINVAL, "concurrency %d is above the maximum of %d", concurrency,
                            MAX_CONCURRENCY);
    raise_nofile(concurrency + 64);
    if (concurrency > max_fds() - 32)
        concurrency = max_fds() - 32 > 1 ? max_fds() - 32 : 1;
    s.ctx = ctx;
    s.opts = opts;
    s.sni = opts && opts->sni && *opts->sni ? opts->sni : NULL;
    s.max_active = concurrency;
    s.timeout_us = (int64_t)timeout_ms * 1000;
    s.sum = &sum;
    og_id_new(sum.scan_id);
    sum.endpoints = og_certs_targets_count(targets);
    int64_t t0 = og_time_mono_us();

    if ((error = og_certs__policy_load(ctx->store, t.id, &s.pol)) < 0 ||
        (error = og_certs__trust_from_policy(&s.trust, &s.pol)) < 0 ||
        (error = og_certs__trust_load_inventory(ctx, t.id, s.trust)) < 0 ||
        (error = ssl_ctx_new(&s.ssl_ctx)) < 0)
        goto cleanup;
    if (!(s.batch = og_certs__batch_new()) ||
        !(s.conns = calloc((size_t)concurrency, sizeof(conn)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (int i = concurrency - 1; i >= 0; i--) {
        s.conns[i].fd = -1;
        s.conns[i].next = s.free_list;
        s.free_list = &s.conns[i];
    }
    if ((s.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        error = og_error_set(OG_ERROR, "epoll_create1: %s", strerror(errno));
        goto cleanup;
    }
    if ((error = og_certs__targets_resolve((og_certs_targets *)targets, timeout_ms, &res)) < 0)
        goto cleanup;
    s.now_wall = og_time_now_us();
    if ((error = run_loop(&s, targets, res)) < 0)
        goto cleanup;
    sum.certs_seen = og_certs__batch_ncerts(s.batch);

    /* One transaction: every certificate, every sighting and the one audit record of the scan. */
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = og_certs__batch_write(ctx, t.id, s.batch, og_time_now_us(), &sum.certs_new)) < 0)
        goto cleanup;
    sum.elapsed_us = og_time_mono_us() - t0;
    analysis = json_pack("{s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:I, s:i, s:i}",
                         "scan_id", sum.scan_id, "endpoints", (json_int_t)sum.endpoints, "results",
                         "ok", (json_int_t)sum.by_status[OG_SCAN_OK], "refused",
                         (json_int_t)sum.by_status[OG_SCAN_REFUSED], "unreachable",
                         (json_int_t)sum.by_status[OG_SCAN_UNREACHABLE], "timeout",
                         (json_int_t)sum.by_status[OG_SCAN_TIMEOUT], "not_tls",
                         (json_int_t)sum.by_status[OG_SCAN_NOT_TLS], "handshake_error",
                         (json_int_t)sum.by_status[OG_SCAN_HANDSHAKE_ERROR], "certs_seen",
                         (json_int_t)sum.certs_seen, "certs_new", (json_int_t)sum.certs_new,
                         "elapsed_ms", (json_int_t)(sum.elapsed_us / 1000), "concurrency",
                         concurrency, "timeout_ms", timeout_ms);
    if ((error = og_audit_log(ctx, t.id, "certs", "certs.scan", "scan", sum.scan_id, analysis)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (in_tx && (error = og_certs__scan_end(ctx, t.id, error)) >= 0 && summary)
        *summary = sum;
    for (int i = 0; s.conns && i < concurrency; i++) {
        if (s.conns[i].state != C_FREE) {
            SSL_free(s.conns[i].ssl);
            free(s.conns[i].stls);
            if (s.conns[i].fd >= 0)
                close(s.conns[i].fd);
        }
    }
    free(s.conns);
    if (s.epfd >= 0)
        close(s.epfd);
    SSL_CTX_free(s.ssl_ctx);
    og_certs__trust_free(s.trust);
    og_certs__batch_free(s.batch);
    og_certs_policy_clear(&s.pol);
    free(res);
    json_decref(analysis);
    return error;
}
