/* cmd_cert_deploy.h - `opsgate cert deploy`, dispatched from cmd_cert.c. */
#ifndef OPSGATE_CLI_CMD_CERT_DEPLOY_H
#define OPSGATE_CLI_CMD_CERT_DEPLOY_H

#include "cli/cli.h"

/* argv[0] is "deploy": `deploy --tenant T ID --target NAME [--json]`. Returns an exit code. */
int og_cli_cert_deploy(og_cli *cli, int argc, char **argv);

/* The deploy itself and its report, shared with `target deploy`. */
int og_cli__deploy_run(og_cli *cli, const char *tenant, const char *cert_id, const char *target,
                       int json);

#endif
