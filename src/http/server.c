/* server.c - og_http_serve(): start the libmicrohttpd daemon and the server's threads, wait for
 * SIGTERM/SIGINT, drain and stop; and the server's own routes (/healthz, /metrics, /_test/slow). */
#include "http/deadline.h"
#include "http/lifecycle.h"
#include "http/tls.h"
#include "opsgate/app.h"
#include "opsgate/certs.h"
#include "opsgate/connector.h"
#include "opsgate/gate.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/notify.h"
#include "opsgate/tenant.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_LISTEN       "127.0.0.1:8700"
#define DEFAULT_MAX_BODY     ((size_t)1 << 20)
#define DEFAULT_SHUTDOWN_MS  30000
#define DEFAULT_CHECKPOINT_S 300
/* Failed authentications per source address or token prefix in a window before 429, and how
 * many keys the limiter remembers (about 100 bytes each; the oldest window is evicted). */
#define AUTH_FAIL_LIMIT    10
#define AUTH_FAIL_WINDOW_S 60
#define AUTH_FAIL_KEYS     4096
/* Stores the gate module's event workers (2 by default) and expiry timer hold, plus one spare. */
#define GATE_POOL_EXTRA 4
/* Stores the background jobs hold (checkpoints, certificate schedules, renewals). */
#define JOBS_POOL_EXTRA 3
/* The page cache of each request connection to the database (KiB), and of each background one
 * (mostly idle; small writes). SQLite's own default (2000 KiB) fills with the pages read and is
 * never given back, so the server's memory grew with the data; with these bounds the cache memory
 * is at most (2 x threads + 1) x DB_CACHE_KIB + (GATE_POOL_EXTRA + JOBS_POOL_EXTRA + 1) x
 * BG_CACHE_KIB, and pages beyond it are read again from the operating system's file cache. */
#define DB_CACHE_KIB   256
#define BG_CACHE_KIB   128
#define IDLE_TIMEOUT_S 60
/* The whole-request deadline (deadline.h): headers within REQUEST_TIMEOUT_S of the request's
 * first byte; the body within REQUEST_TIMEOUT_S plus a second per MIN_BODY_RATE bytes received
 * (a 5 MB upload may take 2 h 47 min, a trickler one byte a second is cut after about 60 s). */
#define REQUEST_TIMEOUT_S 60
#define MIN_BODY_RATE     500
/* Connections served at once, each by its own thread (more are refused until one closes). */
#define MAX_CONNECTIONS 512
/* Connections at once from one source address: slow or idle clients on one address (slowloris)
 * cannot take every slot and starve /healthz and everyone else. */
#define MAX_CONNECTIONS_PER_IP 128
/* The HTTPS listener's GnuTLS priorities (Mozilla "intermediate"): TLS 1.2 and 1.3 only, AEAD
 * ciphers only (no CBC, so no CBC-SHA1; no RC4, 3DES, NULL or EXPORT), forward secrecy only (no
 * static RSA key exchange). test_serve_tls_scan.sh scans it with sslscan. */
#define TLS_PRIORITIES                                                                             \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"            \
    "+CHACHA20-POLY1305:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA"
/* Streamed uploads (OG_HTTP_ROUTE_STREAM_BODY) are capped separately from max_body:
 * OPSGATE_MAX_UPLOAD (bytes, 0 = no cap) overrides this default. */
#define DEFAULT_MAX_UPLOAD ((uint64_t)64 << 30)

/* ---- the server's own routes ---- */

/* The node is healthy when it reaches the database primary (a round trip; on PostgreSQL also
 * pg_is_in_recovery() false): a load balancer sends it requests only then. The route needs no
 * token, so the reply names the reason's class only; the database's own message (host names,
 * addresses) goes to the server log. */
int og_http__healthz(og_http_req *r)
{
    int standby = 0;
    og_store *s = og_store_pool_get(r->srv->pool);
    int rc = og_store_ping_primary(s, &standby);
    const char *backend = og_store_backend_name(s);
    og_store_pool_put(r->srv->pool, s);
    if (rc < 0) {
        fprintf(stderr, "opsgate: healthz: %s\n", og_error_last());
        return og_http__reply(r, 503,
                              json_pack("{s:s,s:s,s:s}", "status", "unavailable", "node",
                                        og_node_id(), "database",
                                        standby ? "standby" : "unreachable"));
    }
    return og_http__reply(r, 200,
                          json_pack("{s:s,s:s,s:s,s:s}", "status", "ok", "node", og_node_id(),
                                    "database", "primary", "backend", backend));
}

/* Test-only: sleeps OPSGATE_TEST_SLOW_MS so a test can have a request in flight during SIGTERM.
 * Without that variable the route behaves as if it did not exist. */
int og_http__test_slow(og_http_req *r)
{
    if (r->srv->slow_ms <= 0)
        return og_error_set(OG_ENOTFOUND, "not found");
    struct timespec ts = {r->srv->slow_ms / 1000, (long)(r->srv->slow_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    return og_http__reply(r, 200, json_pack("{s:i}", "slept_ms", r->srv->slow_ms));
}

/* This process's group commits on its database (og_store_group_commit): members per commit. */
static int group_metrics(og_store *s, og_buf *out)
{
    int64_t commits = 0, members = 0, reruns = 0;
    og_store_group_stats(s, &commits, &members, &reruns);
    return og_buf_printf(
        out,
        "# HELP opsgate_store_group_commits_total Commits made by the group commit (one fsync"
        " each).\n# TYPE opsgate_store_group_commits_total counter\n"
        "opsgate_store_group_commits_total %lld\n"
        "# HELP opsgate_store_group_members_total Transactions committed through them.\n"
        "# TYPE opsgate_store_group_members_total counter\n"
        "opsgate_store_group_members_total %lld\n"
        "# HELP opsgate_store_group_reruns_total Members run again after another one broke"
        " their batch's transaction.\n# TYPE opsgate_store_group_reruns_total counter\n"
        "opsgate_store_group_reruns_total %lld\n",
        (long long)commits, (long long)members, (long long)reruns);
}

int og_http__metrics_handler(og_http_req *r)
{
    og_buf out;
    og_buf_init(&out, (size_t)4 << 20);
    int error = og_http__metrics_render(r->srv->metrics, &out);
    if (error == 0) {
        /* Module counters come from the database, so they include CLI actions and survive
         * restarts. */
        og_store *s = og_store_pool_get(r->srv->pool);
        og_ctx mctx;
        memset(&mctx, 0, sizeof(mctx));
        mctx.store = s;
        mctx.keys = r->srv->keys;
        mctx.data_dir = r->srv->folder;
        og_actor_system(&mctx.actor, "metrics");
        error = og_gate_metrics_render(s, &out);
        if (error == 0)
            error = og_notify_metrics_render(s, &out);
        if (error == 0)
            error = og_certs_metrics_render(&mctx, &out);
        if (error == 0)
            error = og_connector_metrics_render(s, &out);
        if (error == 0)
            error = og_crypto_metrics_render(&out);
        if (error == 0)
            error = group_metrics(s, &out);
        og_store_pool_put(r->srv->pool, s);
    }
    og_buf labelled;
    og_buf_init(&labelled, (size_t)5 << 20);
    if (error == 0)
        error = og_http__metrics_label_node(&out, og_node_id(), &labelled);
    og_buf_free(&out);
    if (error < 0) {
        og_buf_free(&labelled);
        return error;
    }
    size_t len = labelled.len;
    return og_http__reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8",
                               og_buf_detach(&labelled), len);
}

/* ---- start, run, stop ---- */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    /* Given a socket address, libmicrohttpd names port 0 here; og_http_serve reports the failure
     * with the address asked for. */
    if (strncmp(line, "Failed to bind to port", 22) == 0)
        return;
    fprintf(stderr, "opsgate: http: %s\n", line);
}

/* Resolve "host:port" / "[v6]:port" into *addr. */
static int parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *addrlen)
{
    int error = -1;
    char host[256], port[16];
    struct addrinfo hints, *res = NULL;
    const char *colon;

    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof(host))
            goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof(host))
            goto bad;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
    }
    if (og_strlcpy(port, colon + 1, sizeof(port)) >= sizeof(port) || !port[0])
        goto bad;
    char *end = NULL;
    long pn = strtol(port, &end, 10);
    if (*end || pn < 0 || pn > 65535)
        goto bad;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (gai != 0) {
        error = og_error_set(OG_EINVAL, "listen address '%s': %s", listen, gai_strerror(gai));
        goto cleanup;
    }
    if (res->ai_addrlen > sizeof(*addr)) {
        error = og_error_set(OG_EINVAL, "listen address '%s': unsupported address", listen);
        goto cleanup;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *addrlen = res->ai_addrlen;
    error = 0;
    goto cleanup;
bad:
    error = og_error_set(
        OG_EINVAL, "listen address '%s' is not HOST:PORT (e.g. 127.0.0.1:8700, [::1]:0)", listen);
cleanup:
    if (res)
        freeaddrinfo(res);
    return error;
}

static int resolve_threads(const og_http_config *cfg)
{
    int n = cfg->threads;
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (int)cpus : 2;
    }
    if (n < 2)
        n = 2;
    if (n > 64)
        n = 64;
    return n;
}

int og_http_check(const og_http_config *cfg)
{
    int error = -1;
    og_store *store = NULL;
    og_keyring *keys = NULL;
    struct sockaddr_storage addr;
    socklen_t addrlen;

    if (!cfg || !cfg->data_dir)
        return og_error_set(OG_EINVAL, "no data folder given");
    og_install_where where = {cfg->data_dir, cfg->keys_dir, cfg->regions};
    if ((error = parse_listen(cfg->listen ? cfg->listen : DEFAULT_LISTEN, &addr, &addrlen)) < 0)
        goto cleanup;
    if (cfg->threads < 0 || cfg->shutdown_timeout_ms < 0 || cfg->idle_timeout_s < 0 ||
        cfg->max_connections < 0 || cfg->db_cache_kib < 0 || cfg->request_timeout_s < -1 ||
        cfg->min_body_rate < 0) {
        error = og_error_set(OG_EINVAL, "threads, shutdown timeout, idle timeout, connection "
                                        "limit, database cache, request timeout and minimum body "
                                        "rate must not be negative");
        goto cleanup;
    }
    if (cfg->node && (error = og_node_set_id(cfg->node)) < 0)
        goto cleanup;
    if (!cfg->tls_cert_id != !cfg->tls_tenant) {
        error = og_error_set(OG_EINVAL, "HTTPS needs both a certificate id and its tenant");
        goto cleanup;
    }
    if ((error = og_install_open_at(&where, &store, &keys)) < 0)
        goto cleanup;
    if (cfg->region && *cfg->region) {
        og_store_close(store);
        store = NULL;
        if ((error = og_region_name_check(cfg->region)) < 0 ||
            (error = og_install_region_open(&where, keys, cfg->region, 0, &store)) < 0)
            goto cleanup;
    }
    if (cfg->tls_cert_id &&
        (error = og_http__tls_check(store, keys, og_install_folder(cfg->data_dir), cfg->tls_tenant,
                                    cfg->tls_cert_id)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_store_close(store);
    og_keyring_free(keys);
    return error;
}

static int write_port_file(const char *path, unsigned port)
{
    char buf[16];
    int n = snprintf(buf, sizeof(buf), "%u\n", port);
    return og_file_write_atomic(path, buf, (size_t)n, 0644);
}

/* Wait until no request is in flight, at most timeout_ms. Returns how many were still running. */
static int drain(og_http_server *srv, int timeout_ms)
{
    struct timespec deadline;
    og_time_deadline(&deadline, CLOCK_REALTIME, (int64_t)timeout_ms * 1000);
    pthread_mutex_lock(&srv->mu);
    while (srv->inflight > 0) {
        if (pthread_cond_timedwait(&srv->idle, &srv->mu, &deadline) == ETIMEDOUT)
            break;
    }
    int left = srv->inflight;
    pthread_mutex_unlock(&srv->mu);
    return left;
}

/* What og_http_serve() starts, in one place so that serve_stop() ends it in the right order. */
typedef struct serve_state {
    og_http_server srv;
    og_store *store; /* the start-up connection, closed once the pools are open */
    char *db_url;
    struct MHD_Daemon *daemon;
    MHD_socket listen_fd; /* kept open after quiescing until the daemon stops */
    void *gate;
    og_http_tls *tls;
    og_store_pool *bg_pool;
    int node_claimed; /* holds its name (node_lease.c): let go at the end */
    int sync_init;
} serve_state;

/* The server's limits from cfg and the environment (OPSGATE_MAX_UPLOAD, OPSGATE_TEST_SLOW_MS). */
static int serve_settings(og_http_server *srv, const og_http_config *cfg)
{
    srv->cfg = cfg;
    int rc;
    if (cfg->region && *cfg->region) {
        if ((rc = og_region_name_check(cfg->region)) < 0)
            return rc;
        if (!og_regions_url(cfg->regions, cfg->region))
            return og_error_set(OG_EINVAL,
                                "unknown region '%s': a node of a region needs that region's "
                                "database",
                                cfg->region);
        og_strlcpy(srv->region, cfg->region, sizeof(srv->region));
    }
    /* A region's artifact objects live in its database, never in the home's folder. */
    srv->folder = srv->region[0] ? NULL : og_install_folder(cfg->data_dir);
    if (cfg->node && (rc = og_node_set_id(cfg->node)) < 0)
        return rc;
    og_node_set_default(cfg->data_dir); /* no --node: one name per host and data */
    srv->max_body = cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
    srv->max_upload = DEFAULT_MAX_UPLOAD;
    const char *mu = getenv("OPSGATE_MAX_UPLOAD");
    if (mu && *mu) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(mu, &end, 10);
        if (errno || *end || mu[0] == '-')
            return og_error_set(OG_EINVAL, "OPSGATE_MAX_UPLOAD '%.32s' is not a number of bytes",
                                mu);
        srv->max_upload = (uint64_t)v;
    }
    srv->threads = resolve_threads(cfg);
    srv->max_exports = srv->threads;
    const char *slow = getenv("OPSGATE_TEST_SLOW_MS");
    if (slow && *slow) {
        long ms = strtol(slow, NULL, 10);
        srv->slow_ms = ms > 0 && ms <= 60000 ? (int)ms : 0;
    }
    return 0;
}

/* A region's node: its requests and jobs use the region's database (made when new), the home's
 * a pool of its own for the tenant directory and platform admins' tokens. */
static int serve_region_open(serve_state *st, const og_http_config *cfg,
                             const og_install_where *where)
{
    og_store *rs = NULL;
    int error;
    char *home_url = NULL;
    if ((error = og_install_region_open(where, st->srv.keys, cfg->region, 1, &rs)) < 0)
        return error;
    /* A create killed between its two commits left a tenant the directory does not know: removed
     * when it was never served, else the node refuses to start, naming it. */
    og_ctx rctx;
    int removed = 0;
    memset(&rctx, 0, sizeof(rctx));
    rctx.store = st->store;
    rctx.keys = st->srv.keys;
    og_actor_system(&rctx.actor, "regions");
    error = og_tenant_region_repair(&rctx, rs, cfg->region, &removed);
    og_store_close(rs);
    if (removed > 0)
        fprintf(stderr,
                "opsgate: region '%s': removed %d tenant(s) left by a create interrupted between "
                "its two commits (unknown to the directory, never served)\n",
                cfg->region, removed);
    if (error < 0)
        return error;
    if (!(st->db_url = strdup(og_regions_url(cfg->regions, cfg->region))) ||
        !(home_url = og_install_db_url(cfg->data_dir)))
        return og_error_set(OG_ERROR, "out of memory");
    /* As large as the request pool: an authenticated request holds one of each (region first). */
    error = og_store_pool_open_bounded(&st->srv.home_pool, home_url,
                                       st->srv.threads + st->srv.max_exports + 1,
                                       cfg->db_cache_kib > 0 ? cfg->db_cache_kib : DB_CACHE_KIB);
    free(home_url);
    return error;
}

/* Open the data folder, seal legacy channel targets, open the store pools, load the HTTPS
 * certificate and start the gate's workers: everything that must be ready before anything
 * listens. */
static int serve_open(serve_state *st, const og_http_config *cfg)
{
    int error;
    og_http_server *srv = &st->srv;
    og_install_where where = {cfg->data_dir, cfg->keys_dir, cfg->regions};
    if ((error = og_app_register_all()) < 0 ||
        (error = og_install_open_at(&where, &st->store, &srv->keys)) < 0)
        return error;
    if (srv->region[0] && (error = serve_region_open(st, cfg, &where)) < 0)
        return error;
    /* Channel targets stored in clear by an older opsgate are sealed before anything listens. */
    og_ctx sctx;
    memset(&sctx, 0, sizeof(sctx));
    sctx.store = st->store;
    sctx.keys = srv->keys;
    sctx.data_dir = srv->folder;
    og_actor_system(&sctx.actor, "notify");
    if ((error = og_notify_seal_legacy(&sctx)) < 0)
        return error;
    if (!st->db_url && !(st->db_url = og_install_db_url(cfg->data_dir)))
        return og_error_set(OG_ERROR, "out of memory");
    /* Each worker holds at most one store, each running export one more (capped at max_exports),
     * so a worker never waits on the pool behind an export that waits on a worker. */
    if ((error = og_store_pool_open_bounded(
             &srv->pool, st->db_url, srv->threads + srv->max_exports + 1,
             cfg->db_cache_kib > 0 ? cfg->db_cache_kib : DB_CACHE_KIB)) < 0)
        return error;
    /* The server's own threads (TLS certificate lookups, event workers and the gate timer,
     * background jobs) have a pool of their own: with a thread per connection, requests may
     * outnumber the request pool and wait for it, and the server's own work must not wait
     * behind them. */
    if ((error = og_store_pool_open_bounded(
             &st->bg_pool, st->db_url,
             GATE_POOL_EXTRA + JOBS_POOL_EXTRA + (cfg->tls_cert_id ? 1 : 0), BG_CACHE_KIB)) < 0)
        return error;
    /* HTTPS: the certificate and key from the inventory, before anything listens. */
    if (cfg->tls_cert_id && (error = og_http__tls_new(&st->tls, st->bg_pool, srv->keys, srv->folder,
                                                      cfg->tls_tenant, cfg->tls_cert_id)) < 0)
        return error;
    /* The node's name, one live process per database, before its workers take back the
     * deliveries an earlier process of this node left running. */
    if ((error = og_http__node_claim(st->bg_pool)) < 0)
        return error;
    st->node_claimed = 1;
    /* Event delivery workers and the gate expiry timer. */
    if ((error = og_gate_server_start(st->bg_pool, srv->keys, srv->folder, &st->gate)) < 0)
        return error;
    og_store_close(st->store);
    st->store = NULL;
    if ((error = og_http__metrics_new(&srv->metrics, og_http__routes, og_http__nroutes)) < 0)
        return error;
    if ((error = og_http__authlimit_new(
             &srv->authlimit, cfg->auth_fail_limit ? cfg->auth_fail_limit : AUTH_FAIL_LIMIT,
             cfg->auth_fail_window_s ? cfg->auth_fail_window_s : AUTH_FAIL_WINDOW_S,
             AUTH_FAIL_KEYS)) < 0)
        return error;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->idle, NULL);
    st->sync_init = 1;
    return 0;
}

/* Start the daemon on addr and the background jobs; *port gets the port bound. */
static int serve_listen(serve_state *st, const og_http_config *cfg, const char *listen,
                        const struct sockaddr_storage *addr, unsigned *port)
{
    int error;
    /* A thread per connection: with a pool of epoll threads, the thread that wakes accepts every
     * connection waiting at that moment and then runs their requests one after the other, so two
     * PDF renders sent together ran in turn while other threads idled. Requests that touch the
     * database are still bounded by the store pool (srv.threads of them at once). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (addr->ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem tls_opts[] = {
        {st->tls ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END, 0,
         st->tls ? og_http__tls_cert_callback() : NULL},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    if (st->tls)
        flags |= MHD_USE_TLS;
    if (cfg->request_timeout_s >= 0 &&
        (error = og_http__deadlines_new(
             &st->srv.deadlines,
             cfg->request_timeout_s ? cfg->request_timeout_s : REQUEST_TIMEOUT_S,
             cfg->min_body_rate ? cfg->min_body_rate : MIN_BODY_RATE)) < 0)
        return error;
    unsigned idle = cfg->idle_timeout_s > 0 ? (unsigned)cfg->idle_timeout_s : IDLE_TIMEOUT_S;
    unsigned max_conns =
        cfg->max_connections > 0 ? (unsigned)cfg->max_connections : MAX_CONNECTIONS;
    unsigned per_ip = cfg->max_per_ip < 0   ? 0
                      : cfg->max_per_ip > 0 ? (unsigned)cfg->max_per_ip
                                            : MAX_CONNECTIONS_PER_IP;
    /* The logger must come first or libmicrohttpd logs the options before it its own way. */
    st->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, og_http__on_request, &st->srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
        NULL, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr, MHD_OPTION_CONNECTION_LIMIT,
        max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_NOTIFY_COMPLETED,
        og_http__on_completed, &st->srv, MHD_OPTION_CONNECTION_TIMEOUT, idle,
        MHD_OPTION_URI_LOG_CALLBACK, og_http__on_uri, &st->srv, MHD_OPTION_ARRAY, tls_opts,
        MHD_OPTION_NOTIFY_CONNECTION, og_http__deadlines_notify, st->srv.deadlines, MHD_OPTION_END);
    if (!st->daemon)
        return og_error_set(OG_ERROR, "cannot listen on %s: %s", listen,
                            errno ? strerror(errno) : "libmicrohttpd refused to start");
    int64_t every_us =
        cfg->checkpoint_every_s >= 0
            ? (int64_t)(cfg->checkpoint_every_s ? cfg->checkpoint_every_s : DEFAULT_CHECKPOINT_S) *
                  1000000
            : 0;
    st->srv.bg.audit =
        (og_audit_opts){.key_file = cfg->audit_key, .witness_file = cfg->witness_file};
    og_keyring_cache_ttl_set(st->srv.keys, cfg->key_cache_ttl_s < 0 ? 0
                                           : cfg->key_cache_ttl_s > 0
                                               ? cfg->key_cache_ttl_s * 1000000LL
                                               : OG_KEYRING_CACHE_TTL_S * 1000000LL);
    if ((error = og_http__background_start(&st->srv.bg, st->bg_pool, st->srv.keys, st->srv.folder,
                                           every_us)) < 0)
        return error;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(st->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : 0;
    if (st->tls && (error = og_http__tls_watch(st->tls, *port)) < 0)
        return error;
    return 0;
}

/* Stop taking connections and wait for the requests in flight, at most the shutdown timeout. */
static void serve_drain(serve_state *st, const og_http_config *cfg)
{
    atomic_store(&st->srv.draining, 1);
    st->listen_fd = MHD_quiesce_daemon(st->daemon);
    /* Quiescing only stops accept(); the kernel would still complete handshakes into the backlog
     * and leave those clients hanging until we exit. Shutting the socket down makes new connects
     * fail at once; the descriptor itself stays open until after MHD_stop_daemon(), as
     * libmicrohttpd requires. */
    if (st->listen_fd != MHD_INVALID_SOCKET)
        shutdown(st->listen_fd, SHUT_RDWR);
    int left = drain(&st->srv,
                     cfg->shutdown_timeout_ms > 0 ? cfg->shutdown_timeout_ms : DEFAULT_SHUTDOWN_MS);
    if (left > 0)
        fprintf(stderr,
                "opsgate: %d requests still running at the shutdown deadline; closing them\n",
                left);
}

/* Stop and free whatever serve_open() and serve_listen() started, in order. */
static void serve_stop(serve_state *st)
{
    og_http__background_stop(&st->srv.bg);
    og_http__tls_stop(st->tls);
    og_gate_server_stop(st->gate);
    if (st->daemon)
        MHD_stop_daemon(st->daemon);
    og_http__deadlines_free(st->srv.deadlines); /* after the daemon: no connection is left */
    og_http__tls_free(st->tls); /* after the daemon: no handshake can use the credentials */
    if (st->listen_fd != MHD_INVALID_SOCKET)
        close(st->listen_fd);
    if (st->node_claimed) /* after every worker and job of this node stopped */
        og_http__node_release(st->bg_pool);
    og_store_pool_close(st->srv.pool);
    og_store_pool_close(st->srv.home_pool);
    og_store_pool_close(st->bg_pool);
    og_store_close(st->store);
    og_keyring_free(st->srv.keys);
    og_http__metrics_free(st->srv.metrics);
    og_http__authlimit_free(st->srv.authlimit);
    free(st->db_url);
    if (st->sync_init) {
        pthread_mutex_destroy(&st->srv.mu);
        pthread_cond_destroy(&st->srv.idle);
    }
}

int og_http_serve(const og_http_config *cfg)
{
    int error = -1;
    serve_state st;
    struct sockaddr_storage addr;
    socklen_t addrlen = 0;
    sigset_t stop_sigs, blocked, old_mask;
    int mask_set = 0;
    unsigned port = 0;

    memset(&st, 0, sizeof(st));
    st.listen_fd = MHD_INVALID_SOCKET;
    if (!cfg || !cfg->data_dir)
        return og_error_set(OG_EINVAL, "no data folder given");
    const char *listen = cfg->listen ? cfg->listen : DEFAULT_LISTEN;
    if ((error = serve_settings(&st.srv, cfg)) < 0)
        goto cleanup;

    /* Signals first: every thread started below inherits this mask, so SIGTERM/SIGINT reach only
     * our sigwait() and SIGPIPE from a closed client or export pipe becomes EPIPE. */
    sigemptyset(&stop_sigs);
    sigaddset(&stop_sigs, SIGTERM);
    sigaddset(&stop_sigs, SIGINT);
    blocked = stop_sigs;
    sigaddset(&blocked, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &blocked, &old_mask) != 0) {
        error = og_error_set(OG_ERROR, "cannot block signals");
        goto cleanup;
    }
    mask_set = 1;

    if ((error = parse_listen(listen, &addr, &addrlen)) < 0)
        goto cleanup;
    if (!cfg->tls_cert_id != !cfg->tls_tenant) {
        error = og_error_set(OG_EINVAL, "HTTPS needs both a certificate id and its tenant");
        goto cleanup;
    }
    if ((error = serve_open(&st, cfg)) < 0 ||
        (error = serve_listen(&st, cfg, listen, &addr, &port)) < 0)
        goto cleanup;
    if (cfg->port_file && (error = write_port_file(cfg->port_file, port)) < 0)
        goto cleanup;
    fprintf(stderr, "opsgate: serving %s on port %u with %d requests at once%s\n",
            og_install_label(cfg->data_dir), port, st.srv.threads, st.tls ? " (HTTPS)" : "");
    if (st.srv.region[0])
        fprintf(stderr, "opsgate: this node serves region '%s' (its own database)\n",
                st.srv.region);

    int sig = 0;
    while (sigwait(&stop_sigs, &sig) != 0)
        ;
    fprintf(stderr, "opsgate: %s: finishing in-flight requests\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    serve_drain(&st, cfg);
    error = 0;
cleanup:
    serve_stop(&st);
    if (mask_set) {
        /* A SIGTERM or SIGINT repeated while we drained asks for what is done: take it here, or
         * unblocking would let its default action kill the process with its work finished. */
        struct timespec now = {0, 0};
        while (sigtimedwait(&stop_sigs, NULL, &now) > 0)
            ;
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    }
    return error;
}
