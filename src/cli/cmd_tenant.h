/* cmd_tenant.h - the handlers of `opsgate tenant enable|disable|areas` (cmd_tenant_area.c) and
 * `tenant key` (cmd_tenant_key.c) and `tenant export` (cmd_backup.c). */
#ifndef OPSGATE_CLI_CMD_TENANT_H
#define OPSGATE_CLI_CMD_TENANT_H

#include "cli/cli.h"

int og_cli__tenant_enable(og_cli *cli, const og_cli_args *a);
int og_cli__tenant_disable(og_cli *cli, const og_cli_args *a);
int og_cli__tenant_areas(og_cli *cli, const og_cli_args *a);
int og_cli__tenant_key(og_cli *cli, const og_cli_args *a);    /* cmd_tenant_key.c */
int og_cli__tenant_export(og_cli *cli, const og_cli_args *a); /* cmd_backup.c */

#endif
