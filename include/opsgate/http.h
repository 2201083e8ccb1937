/* http.h - the HTTP API server (libmicrohttpd): /api/v1, /healthz, /metrics, and the web console
 * (/console). See docs/api.md and docs/console.md. */
#ifndef OPSGATE_HTTP_H
#define OPSGATE_HTTP_H

#include <stddef.h>

/* Zero-initialise, then set what you need: every 0/NULL field means its documented default. */
typedef struct og_http_config {
    const char *data_dir;  /* an installation (required): a data folder or a PostgreSQL URL */
    const char *keys_dir;  /* its key folder (og_install_where.keys); NULL = the data folder */
    const char *listen;    /* "127.0.0.1:8700", "[::1]:8700", "localhost:0"; port 0 picks a
                            * free port. NULL = "127.0.0.1:8700" */
    int threads;           /* requests using the database at once (0 = CPUs, 2..64) */
    size_t max_body;       /* request body limit in bytes (0 = 1 MiB) */
    const char *port_file; /* if set, the bound port is written here (atomically) once listening */
    int metrics_open;      /* 1: GET /metrics needs no token; 0: it needs a platform-admin token */
    int shutdown_timeout_ms;  /* after SIGTERM, how long in-flight requests may run (0 = 30000) */
    int access_log;           /* 1: one line per request on stderr */
    int checkpoint_every_s;   /* signed audit checkpoints every N seconds (0 = 300; -1 = never) */
    const char *audit_key;    /* the audit signing key file (og_audit_opts.key_file); NULL =
                               * $OPSGATE_AUDIT_KEY, else the key sealed in the data folder */
    const char *witness_file; /* append every checkpoint to this file (og_audit_opts) or NULL */
    const char *tls_cert_id;  /* if set: HTTPS with this certificate (fingerprint or unique
                               * prefix) of tls_tenant's inventory, key included; swapped without
                               * a restart by deploys to the tenant's "opsgate" target on the
                               * listening port (docs/deploy.md). NULL = plain HTTP */
    const char *tls_tenant;   /* the tenant (name or id) holding tls_cert_id; required with it */
    int idle_timeout_s;       /* a connection silent this long is closed (0 = 60) */
    int max_connections;      /* connections served at once; more are closed (0 = 512) */
    int max_per_ip;           /* connections at once from one source address, so that one client
                               * cannot take every slot (0 = 128; -1 = no limit) */
    int auth_fail_limit;      /* failed authentications per source address, and per token
                               * prefix, within auth_fail_window_s before 429 (0 = 10; -1 = no
                               * limit) */
    int auth_fail_window_s;   /* the window of auth_fail_limit in seconds (0 = 60) */
    int db_cache_kib;         /* page cache of each pooled request connection to the database, in
                               * KiB (0 = 256): the server's cache memory is bounded by its
                               * connections, not by the data's size (docs/ops.md) */
    int request_timeout_s;    /* a request's headers must be complete this long after its first
                               * byte, and its body gets this long plus 1 s per min_body_rate
                               * bytes received; past that the connection is closed (0 = 60;
                               * -1 = no deadline) */
    int min_body_rate;        /* bytes per second a body earns a second with (0 = 500) */
    int session_idle_s;       /* a console session unused this long ends (0 = 1800) */
    int session_max_s;        /* a console session ends this long after sign-in (0 = 43200) */
    const char *node;         /* this node's id (og_node_set_id): owns its jobs' leases, labels
                               * its /metrics, named by /healthz. NULL = HOSTNAME:PID */
    int key_cache_ttl_s;      /* unwrapped data keys are cached this long (0 = 300; -1 = none) */
    const char *region;       /* the region this node serves (docs/ops.md "Regions"): its
                               * requests and background jobs use regions' database of that name,
                               * the home (data_dir) only for the tenant directory and platform
                               * admins' tokens. NULL = the home region */
    const struct og_regions *regions; /* the regional databases (tenant.h); NULL = none */
} og_http_config;

/* Serve until SIGTERM or SIGINT: then stop accepting, let in-flight requests finish, close the
 * database and return 0. Returns a negative code if it cannot start (message names the cause).
 * Blocks SIGTERM, SIGINT and SIGPIPE in the calling thread while it runs (threads it starts
 * inherit that) and waits for the first two with sigwait(); the old mask is restored on return. */
int og_http_serve(const og_http_config *cfg);

/* Validate a configuration without serving (`opsgate serve --check`): the listen address parses
 * and resolves, and the data folder opens. 0 or a negative code with a message. */
int og_http_check(const og_http_config *cfg);

#endif
