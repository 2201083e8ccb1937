/* cmd_serve.c - `opsgate serve`: run the HTTP API on the data folder. */
#include "cli/cli.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/http.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: opsgate serve [--data DIR] [--listen ADDR:PORT] [--threads N] [--max-body BYTES]\n"
    "                     [--port-file FILE] [--metrics-open] [--access-log]\n"
    "                     [--shutdown-timeout SECONDS] [--checkpoint-every DURATION|never]\n"
    "                     [--audit-key PATH] [--witness-file PATH]\n"
    "                     [--tls-cert-id ID --tls-tenant T] [--check]\n"
    "\n"
    "Serve the HTTP API (/api/v1/...), /healthz and /metrics on ADDR:PORT (default\n"
    "127.0.0.1:8700; port 0 picks a free port, written to --port-file when given).\n"
    "\n"
    "  --threads N            requests using the database at once; each connection has its\n"
    "                         own thread (default: CPUs, at least 2, at most 64)\n"
    "  --max-body BYTES       request body limit (default 1 MiB); larger bodies get 413\n"
    "  --metrics-open         /metrics without a token (default: platform-admin token needed)\n"
    "  --access-log           one line per request on stderr\n"
    "  --shutdown-timeout S   how long in-flight requests may finish after SIGTERM (default 30)\n"
    "  --checkpoint-every D   sign audit checkpoints every D (default 5m; 'never' to disable)\n"
    "  --audit-key PATH       sign them with this key file (default: OPSGATE_AUDIT_KEY, else the\n"
    "                         key sealed in the data folder); see opsgate init --audit-key\n"
    "  --witness-file PATH    also append each checkpoint as a JSON line to PATH (O_APPEND,\n"
    "                         fsync'd): keep it outside the data folder (docs/audit.md)\n"
    "  --tls-cert-id ID       serve HTTPS (not HTTP) with certificate ID (fingerprint or\n"
    "                         unique prefix) of --tls-tenant's inventory; its private key must\n"
    "                         have been imported. A deploy to the tenant's target of type\n"
    "                         opsgate with --endpoint on this port swaps it without a restart\n"
    "                         (docs/deploy.md); --tls-cert-id is served until one does\n"
    "  --tls-tenant T         the tenant (name or id) holding --tls-cert-id\n"
    "  --check                validate the configuration and the data folder, then exit\n"
    "\n"
    "At start, temporary files of interrupted uploads (objects/<tenant>/tmp/*.part) older\n"
    "than an hour and held by no running upload are removed.\n"
    "SIGTERM or SIGINT: in-flight requests finish, the database closes, exit 0.\n";

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"max-body", required_argument, NULL, 'b'},
        {"port-file", required_argument, NULL, 'p'},
        {"metrics-open", no_argument, NULL, 'm'},
        {"access-log", no_argument, NULL, 'a'},
        {"shutdown-timeout", required_argument, NULL, 's'},
        {"checkpoint-every", required_argument, NULL, 'c'},
        {"check", no_argument, NULL, 'k'},
        {"tls-cert-id", required_argument, NULL, 'T'},
        {"tls-tenant", required_argument, NULL, 'N'},
        {"audit-key", required_argument, NULL, 'K'},
        {"witness-file", required_argument, NULL, 'W'},
        {NULL, 0, NULL, 0},
    };
    og_http_config cfg;
    int c, check = 0;
    char *end;
    long v;
    int64_t us;
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen = "127.0.0.1:8700";
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            cfg.listen = optarg;
            break;
        case 't':
            v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 64)
                return og_cli_usage("serve", "bad --threads '%s' (1 to 64)", optarg);
            cfg.threads = (int)v;
            break;
        case 'b':
            cfg.max_body = (size_t)strtoull(optarg, &end, 10);
            if (*end || cfg.max_body < 1024)
                return og_cli_usage("serve", "bad --max-body '%s' (bytes, at least 1024)", optarg);
            break;
        case 'p':
            cfg.port_file = optarg;
            break;
        case 'm':
            cfg.metrics_open = 1;
            break;
        case 'a':
            cfg.access_log = 1;
            break;
        case 's':
            v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 3600)
                return og_cli_usage("serve", "bad --shutdown-timeout '%s' (1 to 3600 seconds)",
                                    optarg);
            cfg.shutdown_timeout_ms = (int)v * 1000;
            break;
        case 'c':
            if (strcmp(optarg, "never") == 0) {
                cfg.checkpoint_every_s = -1;
                break;
            }
            if (og_duration_parse(optarg, &us) < 0 || us < 1000000 || us > 7 * 86400LL * 1000000)
                return og_cli_usage("serve", "bad --checkpoint-every '%s' (1s to 7d, or never)",
                                    optarg);
            cfg.checkpoint_every_s = (int)(us / 1000000);
            break;
        case 'k':
            check = 1;
            break;
        case 'T':
            cfg.tls_cert_id = optarg;
            break;
        case 'N':
            cfg.tls_tenant = optarg;
            break;
        case 'K':
            cfg.audit_key = optarg;
            break;
        case 'W':
            cfg.witness_file = optarg;
            break;
        default:
            return og_cli_badopt("serve", argv);
        }
    }
    if (optind < argc)
        return og_cli_usage("serve", "unexpected argument '%s'", argv[optind]);
    if (cfg.tls_cert_id && !cfg.tls_tenant)
        return og_cli_usage("serve", "--tls-cert-id needs --tls-tenant (the tenant holding it)");
    if (cfg.tls_tenant && !cfg.tls_cert_id)
        return og_cli_usage("serve", "--tls-tenant needs --tls-cert-id");
    if (cfg.audit_key && og_audit_key_file_check(cfg.audit_key, NULL, NULL) < 0)
        return og_cli_usage("serve", "%s", og_error_last());
    cfg.data_dir = cli->data_dir;
    if (!check) {
        /* Interrupted uploads' temporary files (docs/ops.md): an hour old and held by no writer. */
        int removed = 0;
        if (og_artifacts_tmp_sweep(cfg.data_dir, 0, &removed) < 0)
            fprintf(stderr, "opsgate: warning: %s\n", og_error_last());
        else if (removed > 0)
            fprintf(stderr, "opsgate: removed %d stale temporary upload file(s)\n", removed);
    }
    int error = check ? og_http_check(&cfg) : og_http_serve(&cfg);
    if (error < 0)
        return og_cli_fail(error);
    if (check)
        fprintf(stderr, "opsgate: configuration OK (%s, %s)\n", cfg.listen, cfg.data_dir);
    return OG_EXIT_OK;
}

const og_command og_cmd_serve = {
    .name = "serve",
    .summary = "run the HTTP API server",
    .legacy_run = run,
    .legacy_help = help,
};
