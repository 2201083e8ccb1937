/* cmd_serve.c - `opsgate serve`: run the HTTP API on the data folder. */
#include "cli/cli.h"
#include "opsgate/error.h"
#include "opsgate/http.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: opsgate serve [--data DIR] [--listen ADDR:PORT] [--threads N] [--max-body BYTES]\n"
    "                     [--port-file FILE]\n"
    "\n"
    "Serve the HTTP API (/api/v1/...), /healthz and /metrics on ADDR:PORT (default\n"
    "127.0.0.1:8700; port 0 picks a free port, written to --port-file when given).\n"
    "SIGTERM or SIGINT: in-flight requests finish, the database closes, exit 0.\n";

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"max-body", required_argument, NULL, 'b'},
        {"port-file", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    og_http_config cfg;
    int c;
    char *end;
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
            cfg.threads = (int)strtol(optarg, &end, 10);
            if (*end || cfg.threads < 1 || cfg.threads > 256)
                return og_cli_usage("serve", "bad --threads '%s' (1 to 256)", optarg);
            break;
        case 'b':
            cfg.max_body = (size_t)strtoull(optarg, &end, 10);
            if (*end || cfg.max_body < 1024)
                return og_cli_usage("serve", "bad --max-body '%s' (bytes, at least 1024)", optarg);
            break;
        case 'p':
            cfg.port_file = optarg;
            break;
        default:
            return og_cli_badopt("serve", argv);
        }
    }
    if (optind < argc)
        return og_cli_usage("serve", "unexpected argument '%s'", argv[optind]);
    cfg.data_dir = cli->data_dir;
    int error = og_http_serve(&cfg);
    if (error < 0)
        return og_cli_fail(error);
    return OG_EXIT_OK;
}

const og_command og_cmd_serve = {"serve", run, "run the HTTP API server", help};
