/* cmd_artifact.h - what the files of `opsgate artifact` share: cmd_artifact.c (the table and
 * the content subcommands) calls the lifecycle handlers of cmd_artifact_life.c. */
#ifndef OPSGATE_CLI_CMD_ARTIFACT_H
#define OPSGATE_CLI_CMD_ARTIFACT_H

#include "cli/cli.h"
#include "opsgate/artifacts.h"

/* The artifact the options --tenant, --project and --name name (strings borrowed). */
og_artifact_ref og_cli_artifact_ref(const og_cli_args *a);
/* Print `artifact show` as text. */
void og_cli_artifact_print_show(json_t *artifact);

/* Handlers (cmd_artifact_life.c). */
int og_cli_artifact_lock(og_cli *cli, const og_cli_args *a);
int og_cli_artifact_unlock(og_cli *cli, const og_cli_args *a);
int og_cli_artifact_set_state(og_cli *cli, const og_cli_args *a);
int og_cli_artifact_metadata(og_cli *cli, const og_cli_args *a);
int og_cli_artifact_classify(og_cli *cli, const og_cli_args *a);
int og_cli_artifact_change(og_cli *cli, const og_cli_args *a); /* delete and purge */
int og_cli_artifact_undelete(og_cli *cli, const og_cli_args *a);
int og_cli_artifact_search(og_cli *cli, const og_cli_args *a);
int og_cli_artifact_retention(og_cli *cli, const og_cli_args *a);

#endif
