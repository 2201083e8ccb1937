/* cmd_cert_deploy.c - `opsgate cert deploy --tenant T ID --target NAME`: deploy a certificate of
 * the inventory through the certs.deploy gate, and report what was verified or rolled back. */
#include "cli/cmd_cert_deploy.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const help =
    "usage: opsgate cert deploy --tenant T ID --target NAME [--json]\n"
    "\n"
    "Deploy certificate ID (a fingerprint or a unique prefix; its private key must be in the\n"
    "inventory: opsgate cert import) to a deploy target (opsgate target add). The action kind\n"
    "certs.deploy runs through the tenant's gate (L1 by default: executed, then a review item\n"
    "for the certs assignee, who may ack, override = roll back, or escalate).\n"
    "The deploy stages the files, tests them (nginx -t, HAProxy transaction), swaps them in,\n"
    "reloads, then connects to every endpoint of the target with its SNI until it serves the\n"
    "new fingerprint. If it does not within the target's verify timeout, the previous files are\n"
    "restored and verified, the rollback is recorded, and the tenant's channels are notified.\n"
    "Exit 0 when verified (or waiting on an approval at L2/L3), 1 when it failed or was rolled\n"
    "back, 2 on a usage error.\n";

int og_cli__deploy_run(og_cli *cli, const char *tenant, const char *cert_id, const char *target,
                       int json)
{
    int error;
    og_gate_outcome out;
    memset(&out, 0, sizeof(out));
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = og_deploy_cert(&cli->ctx, tenant, cert_id, target, &out);
    if (out.gate_id[0] && json) {
        og_cli_print_json(json_pack("{s:s, s:s, s:s, s:O?}", "gate_id", out.gate_id, "level",
                                    og_gate_level_name(out.level), "state", out.state, "result",
                                    out.result));
    } else if (out.gate_id[0] && (error == 0 || error == OG_EPENDING)) {
        json_t *r = out.result;
        if (error == OG_EPENDING)
            printf("gate item %s is %s (%s): the deploy waits for a human\n", out.gate_id,
                   out.state, og_gate_level_name(out.level));
        else
            printf("verified: %s on target %s in %lld ms (gate item %s, %s, %s)\n",
                   json_string_value(json_object_get(r, "fingerprint")),
                   json_string_value(json_object_get(r, "target")),
                   (long long)json_integer_value(json_object_get(r, "elapsed_ms")), out.gate_id,
                   og_gate_level_name(out.level), out.state);
    }
    json_decref(out.result);
    if (error < 0 && error != OG_EPENDING)
        return og_cli_fail(error);
    return OG_EXIT_OK;
}

int og_cli_cert_deploy(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {"target", required_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c;
    const char *tenant = NULL, *target = NULL;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 't':
            tenant = optarg;
            break;
        case 'g':
            target = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return OG_EXIT_OK;
        default:
            return og_cli_badopt("cert", argv);
        }
    }
    if (argc - optind != 1)
        return og_cli_usage("cert", "cert deploy takes exactly one certificate ID");
    if (!tenant)
        return og_cli_usage("cert", "cert deploy needs --tenant");
    if (!target)
        return og_cli_usage("cert", "cert deploy needs --target NAME");
    return og_cli__deploy_run(cli, tenant, argv[optind], target, json);
}
