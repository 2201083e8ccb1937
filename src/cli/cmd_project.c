/* cmd_project.c - `opsgate project create|list|show`. */
#include "cli/cli.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const help =
    "usage: opsgate project create --tenant T KEY NAME\n"
    "       opsgate project list --tenant T [--json]\n"
    "       opsgate project show --tenant T KEY [--json]\n"
    "\n"
    "Projects of a tenant hold its artifacts (see `opsgate artifact`). KEY is 1 to 63 of\n"
    "a-z, 0-9, '.', '_', '-' and names the project in commands and URLs; NAME is free text.\n"
    "Creating needs project-manager or tenant-admin. `list` shows the projects you can read,\n"
    "with your right on each and why (role or grant, see `opsgate access`).\n";

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c, error;
    const char *tenant = NULL;
    og_project p;
    if (argc < 2)
        return og_cli_usage("project", "missing subcommand (create, list, show)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 't')
            tenant = optarg;
        else
            return og_cli_badopt("project", argv + 1);
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    if (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0)
        return og_cli_usage("project", "unknown subcommand '%s'", sub);
    if (!tenant)
        return og_cli_usage("project", "project %s needs --tenant", sub);

    if (strcmp(sub, "create") == 0) {
        if (npos != 2)
            return og_cli_usage("project", "project create takes KEY and NAME");
        if (!og_name_valid(pos[0]))
            return og_cli_usage(
                "project", "bad project key '%s' (1 to 63 of a-z, 0-9, '.', '_', '-')", pos[0]);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_project_create(&cli->ctx, tenant, pos[0], pos[1], &p)) < 0)
            return og_cli_fail(error);
    } else if (strcmp(sub, "list") == 0) {
        json_t *arr = NULL, *x;
        size_t i;
        if (npos)
            return og_cli_usage("project", "unexpected argument '%s'", pos[0]);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_project_list(&cli->ctx, tenant, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        printf("%-16s %-32s %-6s %s\n", "KEY", "NAME", "RIGHT", "VIA");
        json_array_foreach(arr, i, x)
            printf("%-16s %-32s %-6s %s\n", json_string_value(json_object_get(x, "key")),
                   json_string_value(json_object_get(x, "name")),
                   json_string_value(json_object_get(x, "right")),
                   json_string_value(json_object_get(x, "via")));
        json_decref(arr);
        return OG_EXIT_OK;
    } else {
        if (npos != 1)
            return og_cli_usage("project", "project show takes one KEY");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_project_get(&cli->ctx, tenant, pos[0], &p)) < 0)
            return og_cli_fail(error);
    }
    if (json)
        og_cli_print_json(og_project_to_json(&p));
    else
        printf("%s %s %s\n", p.key, p.id, p.name);
    return OG_EXIT_OK;
}

const og_command og_cmd_project = {"project", run, "create and list projects of a tenant", help};
