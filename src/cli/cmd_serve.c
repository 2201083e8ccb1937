/* cmd_serve.c - `opsgate serve`: run the HTTP API on the data folder. */
#include "cli/cli.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const about =
    "Serve the HTTP API (/api/v1/...), the web console (/console), /healthz and /metrics on\n"
    "ADDR:PORT (default 127.0.0.1:8700; port 0 picks a free port, written to --port-file when\n"
    "given).\n"
    "\n"
    "--threads bounds the requests using the database at once; each connection has its own\n"
    "thread. --audit-key defaults to OPSGATE_AUDIT_KEY, else the key sealed in the data folder\n"
    "(see opsgate init --audit-key). --witness-file appends each checkpoint as a JSON line\n"
    "(O_APPEND, fsync'd): keep it outside the data folder (docs/audit.md).\n"
    "--tls-cert-id serves HTTPS (not HTTP) with a certificate (fingerprint or unique prefix)\n"
    "of --tls-tenant's inventory whose private key was imported. A deploy to the tenant's\n"
    "target of type opsgate with --endpoint on this port swaps it without a restart\n"
    "(docs/deploy.md); --tls-cert-id is served until one does.\n"
    "Each connection has its own thread: at most --max-connections at once (512), at most\n"
    "--max-connections-per-ip from one source address (128; raise it behind a reverse proxy,\n"
    "whose connections all come from one address), each closed after --idle-timeout seconds\n"
    "of silence (60). Connections beyond a limit are closed at once.\n"
    "A client that keeps trickling bytes is not silent: a request's headers must be complete\n"
    "--request-timeout seconds after its first byte (60), and its body gets as long again plus\n"
    "one second per --min-body-rate bytes received (500); past that the connection is closed.\n"
    "The time opsgate takes to answer is not counted. --request-timeout 0: no deadline.\n"
    "\n"
    "--auth-fail-limit N: after N failed authentications (bad, expired or revoked tokens) from\n"
    "one address, or against one token id, within --auth-fail-window (60s), further requests\n"
    "with a token from that address (good tokens too), or with that token id, get 429 with\n"
    "Retry-After until the window ends; the first refusal of a window is audited\n"
    "(auth.throttled). Default 10; 0 turns the limit off (docs/api.md).\n"
    "\n"
    "Memory: each request thread's database connection keeps at most --db-cache KiB of\n"
    "pages (256); the request pool has 2 x --threads + 1 connections, so the cache is bounded\n"
    "by the configuration, not by the size of the data (docs/ops.md).\n"
    "\n"
    "At start, temporary files of interrupted uploads (objects/<tenant>/tmp/*.part) that no\n"
    "running upload holds are removed (a killed server's uploads leave such files).\n"
    "The web console is served on the same port: http://ADDR:PORT/console (docs/console.md).\n"
    "Sign in with an API token; the session cookie ends after --session-idle without use\n"
    "(30m), --session-max after sign-in (12h), on sign-out, or when the token is revoked.\n"
    "\n"
    "Several nodes (docs/ops.md): each has an id, --node (letters, digits and . _ : -;\n"
    "default HOSTNAME-XXXXXXXX, the same at every start of this installation on this host).\n"
    "One live process per name and database: a second node started under a name a live node\n"
    "holds is refused (exit 1; give it another --node), while a node restarted after a crash\n"
    "takes back its name, its jobs and its running deliveries at once.\n"
    "Of the nodes on one database, one at a time runs each background\n"
    "job (checkpoints, scans, renewals, syncs, gate expiry) under a lease that another node\n"
    "takes over when the holder dies; /healthz answers 503 when the node cannot reach the\n"
    "database primary; /metrics labels every series node=\"ID\".\n"
    "Unwrapped tenant data keys (master and pkcs11 KEKs) are kept in locked memory (mlock) for\n"
    "at most --key-cache-ttl (5m; 0s caches nothing: every request asks the HSM), then zeroized;\n"
    "a revoked tenant's key is zeroized within seconds on every server. A failing mlock is\n"
    "reported once at start (raise LimitMEMLOCK=).\n"
    "\n"
    "Regions (docs/ops.md \"Regions\"): --region NAME with --data-region NAME=URL makes this a\n"
    "node of region NAME: requests, sessions and background jobs use that region's database,\n"
    "the home (--data) only for the tenant directory and platform admins' tokens. A request\n"
    "for a tenant of another region (its path or ?tenant=, or its token) gets 421 Misdirected\n"
    "Request naming the region, before anything else. Without --region the node serves the\n"
    "home region (the tenants kept in --data).\n"
    "\n"
    "SIGTERM or SIGINT: in-flight requests finish, the database closes, exit 0.\n";

/* Integer option name in [lo, hi] into *out; 0 or a usage error. */
static int int_option(const og_cli_args *a, const char *name, long lo, long hi, const char *what,
                      long *out)
{
    const char *s = og_cli_get(a, name);
    char *end;
    if (!s)
        return 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return og_cli_bad(a, "bad --%s '%s' (%s)", name, s, what);
    *out = v;
    return 0;
}

/* The options that are durations; 0 or a usage error. */
static int times_of(const og_cli_args *a, og_http_config *cfg)
{
    const char *s;
    int64_t us;
    if ((s = og_cli_get(a, "auth-fail-window"))) {
        if (og_duration_parse(s, &us) < 0 || us < 1000000 || us > 86400LL * 1000000)
            return og_cli_bad(a, "bad --auth-fail-window '%s' (1s to 24h)", s);
        cfg->auth_fail_window_s = (int)(us / 1000000);
    }
    if ((s = og_cli_get(a, "session-idle"))) {
        if (og_duration_parse(s, &us) < 0 || us < 60 * 1000000LL || us > 7 * 86400LL * 1000000)
            return og_cli_bad(a, "bad --session-idle '%s' (1m to 7d)", s);
        cfg->session_idle_s = (int)(us / 1000000);
    }
    if ((s = og_cli_get(a, "session-max"))) {
        if (og_duration_parse(s, &us) < 0 || us < 60 * 1000000LL || us > 7 * 86400LL * 1000000)
            return og_cli_bad(a, "bad --session-max '%s' (1m to 7d)", s);
        cfg->session_max_s = (int)(us / 1000000);
    }
    if ((s = og_cli_get(a, "key-cache-ttl"))) {
        if (og_duration_parse(s, &us) < 0 || us < 0 || us > 86400LL * 1000000)
            return og_cli_bad(a, "bad --key-cache-ttl '%s' (0s, no caching, to 24h)", s);
        cfg->key_cache_ttl_s = us == 0 ? -1 : us < 1000000 ? 1 : (int)(us / 1000000);
    }
    if ((s = og_cli_get(a, "checkpoint-every")) && strcmp(s, "never") == 0) {
        cfg->checkpoint_every_s = -1;
    } else if (s) {
        if (og_duration_parse(s, &us) < 0 || us < 1000000 || us > 7 * 86400LL * 1000000)
            return og_cli_bad(a, "bad --checkpoint-every '%s' (1s to 7d, or never)", s);
        cfg->checkpoint_every_s = (int)(us / 1000000);
    }
    return 0;
}

/* The configuration from the options; 0 or a usage error. */
static int config_of(const og_cli_args *a, og_http_config *cfg)
{
    const char *s;
    long threads = 0, timeout = 0, max_body = 0, idle = 0, conns = 0, per_ip = -1;
    long fail_limit = -2, db_cache = 0, req_timeout = -1, min_rate = 0;
    int rc;
    if ((rc = int_option(a, "threads", 1, 64, "1 to 64", &threads)) ||
        (rc = int_option(a, "shutdown-timeout", 1, 3600, "1 to 3600 seconds", &timeout)) ||
        (rc = int_option(a, "max-body", 1024, 1L << 40, "bytes, at least 1024", &max_body)) ||
        (rc = int_option(a, "idle-timeout", 1, 3600, "1 to 3600 seconds", &idle)) ||
        (rc = int_option(a, "max-connections", 1, 10000, "1 to 10000", &conns)) ||
        (rc =
             int_option(a, "max-connections-per-ip", 0, 10000, "0 (no limit) to 10000", &per_ip)) ||
        (rc = int_option(a, "auth-fail-limit", 0, 1000000, "0 (no limit) to 1000000",
                         &fail_limit)) ||
        (rc = int_option(a, "db-cache", 64, 1L << 20, "64 to 1048576 KiB", &db_cache)) ||
        (rc = int_option(a, "request-timeout", 0, 3600, "0 (no deadline) to 3600 seconds",
                         &req_timeout)) ||
        (rc = int_option(a, "min-body-rate", 1, 1L << 30, "1 to 1073741824 bytes/s", &min_rate)))
        return rc;
    cfg->db_cache_kib = (int)db_cache;
    cfg->request_timeout_s = req_timeout < 0 ? 0 : req_timeout == 0 ? -1 : (int)req_timeout;
    cfg->min_body_rate = (int)min_rate;
    cfg->idle_timeout_s = (int)idle;
    cfg->max_connections = (int)conns;
    cfg->max_per_ip = per_ip < 0 ? 0 : per_ip == 0 ? -1 : (int)per_ip;
    /* 0 on the command line turns the limit off; 0 in the config means the default. */
    cfg->auth_fail_limit = fail_limit == -2 ? 0 : fail_limit == 0 ? -1 : (int)fail_limit;
    cfg->threads = (int)threads;
    cfg->shutdown_timeout_ms = (int)timeout * 1000;
    cfg->max_body = (size_t)max_body;
    if ((rc = times_of(a, cfg)) != 0)
        return rc;
    if ((s = og_cli_get(a, "listen")))
        cfg->listen = s;
    cfg->port_file = og_cli_get(a, "port-file");
    if ((s = og_cli_get(a, "node"))) {
        if (og_node_set_id(s) < 0)
            return og_cli_bad(a, "bad --node '%s': %s", s, og_error_last());
        cfg->node = s;
    }
    cfg->metrics_open = og_cli_has(a, "metrics-open");
    cfg->access_log = og_cli_has(a, "access-log");
    cfg->tls_cert_id = og_cli_get(a, "tls-cert-id");
    cfg->tls_tenant = og_cli_get(a, "tls-tenant");
    cfg->audit_key = og_cli_get(a, "audit-key");
    cfg->witness_file = og_cli_get(a, "witness-file");
    if (cfg->tls_cert_id && !cfg->tls_tenant)
        return og_cli_bad(a, "--tls-cert-id needs --tls-tenant (the tenant holding it)");
    if (cfg->tls_tenant && !cfg->tls_cert_id)
        return og_cli_bad(a, "--tls-tenant needs --tls-cert-id");
    if (cfg->audit_key && og_audit_key_file_check(cfg->audit_key, NULL, NULL) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    return 0;
}

static int run(og_cli *cli, const og_cli_args *a)
{
    og_http_config cfg;
    bool check = og_cli_has(a, "check");
    int error;
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen = "127.0.0.1:8700";
    if ((error = config_of(a, &cfg)))
        return error;
    cfg.data_dir = cli->data_dir;
    cfg.keys_dir = cli->keys_dir;
    cfg.regions = &cli->regions;
    if ((cfg.region = og_cli_get(a, "region"))) {
        if (og_region_name_check(cfg.region) < 0)
            return og_cli_bad(a, "--region: %s", og_error_last());
        if (!og_regions_url(&cli->regions, cfg.region))
            return og_cli_bad(a,
                              "--region %s needs that region's database: add --data-region %s=URL",
                              cfg.region, cfg.region);
    }
    if (!check && og_install_folder(cfg.data_dir)) {
        /* Interrupted uploads' temporary files (docs/ops.md): any that no writer holds. A killed
         * server's uploads hold no lock any more; a live CLI upload's file stays locked. */
        int removed = 0;
        if (og_artifacts_tmp_sweep(cfg.data_dir, OG_ARTIFACTS_TMP_ANY_AGE, &removed) < 0)
            fprintf(stderr, "opsgate: warning: %s\n", og_error_last());
        else if (removed > 0)
            fprintf(stderr, "opsgate: removed %d stale temporary upload file(s)\n", removed);
    }
    if ((error = check ? og_http_check(&cfg) : og_http_serve(&cfg)) < 0)
        return og_cli_fail(error);
    if (check)
        fprintf(stderr, "opsgate: configuration OK (%s, %s)\n", cfg.listen,
                og_install_label(cfg.data_dir));
    return OG_EXIT_OK;
}

static const og_cli_opt opts[] = {
    {"listen", "ADDR:PORT", "where to listen (default 127.0.0.1:8700; port 0: any)", 0, 0},
    {"threads", "N", "requests using the database at once (default: CPUs, 2..64)", 0, 0},
    {"max-body", "BYTES", "request body limit (default 1 MiB); larger get 413", 0, 0},
    {"port-file", "FILE", "write the port listened on to FILE", 0, 0},
    {"metrics-open", NULL, "/metrics without a token (default: platform-admin)", 0, 0},
    {"access-log", NULL, "one line per request on stderr", 0, 0},
    {"shutdown-timeout", "SECONDS", "time in-flight requests get after SIGTERM (30)", 0, 0},
    {"idle-timeout", "SECONDS", "close a connection silent this long (60)", 0, 0},
    {"max-connections", "N", "connections at once; more are closed (512)", 0, 0},
    {"max-connections-per-ip", "N", "connections at once from one address (128; 0: no limit)", 0,
     0},
    {"checkpoint-every", "DURATION", "sign audit checkpoints every D (5m), or never", 0, 0},
    {"audit-key", "PATH", "sign checkpoints with this key file", 0, 0},
    {"witness-file", "PATH", "append each checkpoint as a JSON line to PATH", 0, 0},
    {"tls-cert-id", "ID", "serve HTTPS with this certificate of --tls-tenant", 0, 0},
    {"tls-tenant", "T", "the tenant holding --tls-cert-id", 0, 0},
    {"auth-fail-limit", "N", "failed authentications per address or token id before 429 (10)", 0,
     0},
    {"auth-fail-window", "DURATION", "the window --auth-fail-limit counts in (60s)", 0, 0},
    {"request-timeout", "SECONDS", "headers must be in this long after a request's first byte (60)",
     0, 0},
    {"min-body-rate", "BYTES", "a body gets --request-timeout + 1 s per BYTES received (500)", 0,
     0},
    {"db-cache", "KIB", "page cache per database connection of the request pool (256)", 0, 0},
    {"session-idle", "DURATION", "a console session unused this long ends (30m)", 0, 0},
    {"session-max", "DURATION", "a console session ends this long after sign-in (12h)", 0, 0},
    {"node", "NAME", "this node's id for leases, /healthz and /metrics (HOSTNAME-XXXXXXXX)", 0, 0},
    {"key-cache-ttl", "DURATION",
     "keep unwrapped data keys this long in locked memory (5m; 0s: none)", 0, 0},
    {"region", "NAME", "serve region NAME's tenants from its --data-region database", 0, 0},
    {"check", NULL, "validate the configuration and the data folder, then exit", 0, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {NULL, NULL, 0, 0, opts, "run the HTTP API server", run, OG_CLI_LOCAL},
    {0},
};

const og_command og_cmd_serve = {
    .name = "serve",
    .summary = "run the HTTP API server",
    .about = about,
    .subs = subs,
};
