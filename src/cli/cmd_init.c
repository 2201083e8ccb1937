/* cmd_init.c - `opsgate init`: create a data folder and print the platform-admin token once. */
#include "cli/cli.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

static int run(og_cli *cli, int argc, char **argv)
{
    char token[OG_TOKEN_MAX];
    (void)argv;
    if (argc > 1)
        return og_cli_usage("init", "unexpected argument '%s'", argv[1]);
    int error = og_install_init(cli->data_dir, token);
    if (error < 0)
        return og_cli_fail(error);
    fprintf(stderr, "opsgate: created data folder %s\n", cli->data_dir);
    fprintf(stderr, "opsgate: platform-admin API token (shown once, keep it safe):\n");
    printf("%s\n", token);
    memset(token, 0, sizeof(token));
    return OG_EXIT_OK;
}

const og_command og_cmd_init = {
    "init", run, "create a data folder (database, master key, platform admin)",
    "usage: opsgate init [--data DIR]\n"
    "\n"
    "Create the data folder DIR (mode 0700) with its SQLite database, the installation master key\n"
    "(master.key, mode 0600) and a platform-admin user 'admin'. Prints a bearer token for 'admin'\n"
    "on stdout, once: it is stored only as a hash. Refuses, changing nothing, if DIR exists and is\n"
    "not empty.\n"};
