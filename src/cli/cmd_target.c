/* cmd_target.c - `opsgate target`: deploy targets of a tenant (files, nginx, HAProxy, opsgate). */
#include "cli/cli.h"
#include "cli/cmd_cert.h"
#include "cli/table.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: opsgate target add --tenant T NAME --type file|nginx|haproxy|opsgate [options]\n"
    "                          [--endpoint HOST:PORT[/SNI] ...]\n"
    "       opsgate target list --tenant T [--json]\n"
    "       opsgate target remove --tenant T NAME\n"
    "       opsgate target deploy --tenant T NAME --cert ID [--json]   (= cert deploy)\n"
    "\n"
    "A target is where certificates are deployed (opsgate cert deploy), with the endpoints that\n"
    "must serve them afterwards: every deploy is verified by connecting to each endpoint with\n"
    "its SNI (default: the host when it is a name) until it serves the new fingerprint.\n"
    "\n"
    "Options of every type:\n"
    "  --endpoint HOST:PORT[/SNI]  an endpoint to verify (repeatable, up to 16; nginx and\n"
    "                          haproxy need one; a file target without one is verified by\n"
    "                          reading its files back)\n"
    "  --verify-timeout DUR    how long verification may take (default 30s)\n"
    "  --reload-timeout DUR    limit for test, reload and API commands (default 30s)\n"
    "  --owner USER[:GROUP]    owner of written files (applied when opsgate runs as root)\n"
    "file:    --cert-path P (leaf) and/or --fullchain-path P (leaf + chain), --key-path P\n"
    "         (mode 0600), optional --chain-path P, --reload-cmd CMD (run by /bin/sh).\n"
    "nginx:   --nginx-conf P (required), --cert-path P (ssl_certificate: leaf + chain),\n"
    "         --key-path P (ssl_certificate_key), optional --nginx-prefix DIR, --nginx-bin P,\n"
    "         --nginx-pid-file P, --reload-cmd CMD (instead of nginx -s reload).\n"
    "         The configuration (with includes) must use exactly those paths: `nginx -t` runs on\n"
    "         a copy that uses the staged files before anything live changes; after the reload\n"
    "         the deploy waits until the old workers have exited.\n"
    "haproxy: --socket P (stats socket, level admin), --cert-path P (the crt file as named in\n"
    "         haproxy.cfg: leaf + chain + key). Uses set/commit ssl cert, then writes the file.\n"
    "opsgate: opsgate's own HTTPS listener (serve --tls-cert-id, --endpoint on its port): a\n"
    "         deploy records the certificate (leaf only; optional --cert-path P, default in\n"
    "         the data folder) and the listener swaps to it within a second, no restart.\n"
    "Files are written atomically (temporary file, fsync, rename), modes 0644 and 0600 for\n"
    "keys; the previous files are kept as PATH.og-prev and sealed in the database for rollback.\n"
    "Adding and removing targets needs the local operator or a platform admin (a target names\n"
    "files and commands on this host); deploying to one needs write access to the tenant.\n";

typedef struct kv {
    int opt;
    const char *key;
    int duration;
} kv;

static const kv keys[] = {
    {'c', "cert_path", 0},         {'k', "key_path", 0},     {'C', "chain_path", 0},
    {'F', "fullchain_path", 0},    {'o', "owner", 0},        {'r', "reload_cmd", 0},
    {'n', "nginx_conf", 0},        {'p', "nginx_prefix", 0}, {'b', "nginx_bin", 0},
    {'P', "nginx_pid_file", 0},    {'s', "socket", 0},       {'V', "verify_timeout_us", 1},
    {'R', "reload_timeout_us", 1},
};

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {"type", required_argument, NULL, 'T'},
        {"endpoint", required_argument, NULL, 'e'},
        {"cert", required_argument, NULL, 'I'},
        {"cert-path", required_argument, NULL, 'c'},
        {"key-path", required_argument, NULL, 'k'},
        {"chain-path", required_argument, NULL, 'C'},
        {"fullchain-path", required_argument, NULL, 'F'},
        {"owner", required_argument, NULL, 'o'},
        {"reload-cmd", required_argument, NULL, 'r'},
        {"nginx-conf", required_argument, NULL, 'n'},
        {"nginx-prefix", required_argument, NULL, 'p'},
        {"nginx-bin", required_argument, NULL, 'b'},
        {"nginx-pid-file", required_argument, NULL, 'P'},
        {"socket", required_argument, NULL, 's'},
        {"verify-timeout", required_argument, NULL, 'V'},
        {"reload-timeout", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c, error = OG_EXIT_OK;
    const char *tenant = NULL, *type = NULL, *cert = NULL;
    json_t *config = json_object(), *endpoints = json_array();
    if (argc < 2) {
        error = og_cli_usage("target", "missing subcommand (add, list, remove, deploy)");
        goto cleanup;
    }
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        int known = 0;
        switch (c) {
        case 'j':
            json = 1;
            continue;
        case 't':
            tenant = optarg;
            continue;
        case 'T':
            type = optarg;
            continue;
        case 'I':
            cert = optarg;
            continue;
        case 'e':
            if (json_array_size(endpoints) >= OG_DEPLOY_MAX_ENDPOINTS) {
                error = og_cli_usage("target", "more than %d --endpoint", OG_DEPLOY_MAX_ENDPOINTS);
                goto cleanup;
            }
            json_array_append_new(endpoints, json_string(optarg));
            continue;
        default:
            break;
        }
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            if (keys[i].opt != c)
                continue;
            known = 1;
            if (keys[i].duration) {
                int64_t us;
                if (og_duration_parse(optarg, &us) < 0 || us <= 0) {
                    error = og_cli_usage("target", "bad duration '%s' (like 30s or 2m)", optarg);
                    goto cleanup;
                }
                json_object_set_new(config, keys[i].key, json_integer(us));
            } else {
                json_object_set_new(config, keys[i].key, json_string(optarg));
            }
        }
        if (!known) {
            error = og_cli_badopt("target", argv + 1);
            goto cleanup;
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    if (!tenant) {
        error = og_cli_usage("target", "target %s needs --tenant", sub);
        goto cleanup;
    }
    if (strcmp(sub, "add") == 0) {
        char id[OG_ID_LEN];
        if (npos != 1) {
            error = og_cli_usage("target", "target add takes exactly one NAME");
            goto cleanup;
        }
        if (!type) {
            error =
                og_cli_usage("target", "target add needs --type (file, nginx, haproxy or opsgate)");
            goto cleanup;
        }
        if (strcmp(type, "file") != 0 && strcmp(type, "nginx") != 0 &&
            strcmp(type, "haproxy") != 0 && strcmp(type, "opsgate") != 0) {
            error = og_cli_usage("target", "unknown --type '%s' (file, nginx, haproxy or opsgate)",
                                 type);
            goto cleanup;
        }
        size_t i;
        json_t *v;
        json_array_foreach(endpoints, i, v)
        {
            og_deploy_endpoint ep;
            if (og_deploy_endpoint_parse(json_string_value(v), &ep) < 0) {
                error = og_cli_usage("target", "%s", og_error_last());
                goto cleanup;
            }
        }
        if (strcmp(type, "file") != 0 && json_array_size(endpoints) == 0) {
            error = og_cli_usage("target", "a %s target needs --endpoint HOST:PORT[/SNI]", type);
            goto cleanup;
        }
        /* The options the library's checks name by their config keys (cert_path, socket). */
        if (strcmp(type, "file") == 0 && !json_object_get(config, "cert_path") &&
            !json_object_get(config, "fullchain_path")) {
            error = og_cli_usage("target", "a file target needs --cert-path or --fullchain-path");
            goto cleanup;
        }
        if (strcmp(type, "haproxy") == 0 && !json_object_get(config, "socket")) {
            error = og_cli_usage("target", "a haproxy target needs --socket PATH (its stats "
                                           "socket, level admin)");
            goto cleanup;
        }
        if ((error = og_cli_open(cli, tenant)))
            goto cleanup;
        if ((error = og_deploy_target_add(&cli->ctx, tenant, pos[0], type, config, endpoints, id)) <
            0) {
            /* A bad option value is a usage error (exit 2), like a bad flag. */
            error = error == OG_EINVAL ? og_cli_usage("target", "%s", og_error_last())
                                       : og_cli_fail(error);
            goto cleanup;
        }
        if (json)
            og_cli_print_json(json_pack("{s:s, s:s}", "id", id, "name", pos[0]));
        else
            printf("%s\n", id);
        error = OG_EXIT_OK;
    } else if (strcmp(sub, "list") == 0) {
        json_t *arr = NULL;
        if (npos) {
            error = og_cli_usage("target", "unexpected argument '%s'", pos[0]);
            goto cleanup;
        }
        if ((error = og_cli_open(cli, tenant)))
            goto cleanup;
        if ((error = og_deploy_target_list(&cli->ctx, tenant, &arr)) < 0) {
            error = og_cli_fail(error);
            goto cleanup;
        }
        if (json) {
            og_cli_print_json(arr);
        } else {
            size_t i;
            json_t *x;
            static const char *const head[] = {"NAME",        "TYPE",      "LAST",
                                               "CERTIFICATE", "ENDPOINTS", NULL};
            og_cli_table *t = og_cli_table_new(head);
            json_array_foreach(arr, i, x)
            {
                json_t *last = json_object_get(x, "last_deploy"), *ep;
                const char *fp = json_string_value(json_object_get(last, "fingerprint"));
                const char *st = json_string_value(json_object_get(last, "state"));
                char fp16[17], eps[1024] = "";
                size_t k;
                og_strlcpy(fp16, fp ? fp : "-", sizeof(fp16));
                json_array_foreach(json_object_get(x, "endpoints"), k, ep)
                {
                    size_t n = strlen(eps);
                    snprintf(eps + n, sizeof(eps) - n, "%s%s", n ? ", " : "",
                             json_string_value(ep) ? json_string_value(ep) : "?");
                }
                og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(x, "name")),
                                                     json_string_value(json_object_get(x, "type")),
                                                     st ? st : "-", fp16, eps[0] ? eps : "-"});
            }
            og_cli_table_print(t, stdout, 1);
            og_cli_table_free(t);
            json_decref(arr);
        }
        error = OG_EXIT_OK;
    } else if (strcmp(sub, "remove") == 0) {
        if (npos != 1) {
            error = og_cli_usage("target", "target remove takes exactly one NAME");
            goto cleanup;
        }
        if ((error = og_cli_open(cli, tenant)))
            goto cleanup;
        if ((error = og_deploy_target_remove(&cli->ctx, tenant, pos[0])) < 0) {
            error = og_cli_fail(error);
            goto cleanup;
        }
        error = OG_EXIT_OK;
    } else if (strcmp(sub, "deploy") == 0) {
        if (npos != 1 || !cert) {
            error = og_cli_usage("target", "target deploy takes one NAME and --cert ID");
            goto cleanup;
        }
        error = og_cli__deploy_run(cli, tenant, cert, pos[0], json);
    } else {
        error = og_cli_usage("target", "unknown subcommand '%s'", sub);
    }
cleanup:
    json_decref(config);
    json_decref(endpoints);
    return error;
}

const og_command og_cmd_target = {
    .name = "target",
    .summary = "deploy targets: files, nginx, HAProxy",
    .legacy_run = run,
    .legacy_help = help,
};
