/* cmd_user.c - `opsgate user add|list|show`. */
#include "cli/cli.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const help =
    "usage: opsgate user add [--tenant T] NAME --role ROLE\n"
    "       opsgate user list [--tenant T] [--json]\n"
    "       opsgate user show [--tenant T] NAME [--json]\n"
    "\n"
    "Users belong to one tenant and hold one role: tenant-admin, project-manager, engineer,\n"
    "auditor (read-only, plus audit export) or client-viewer (published artifacts of its own\n"
    "projects only). Platform admins (role platform-admin) belong to no tenant: omit --tenant.\n"
    "Adding users needs tenant-admin in that tenant, or platform-admin.\n";

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {"role", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c, error;
    const char *tenant = NULL, *role_s = NULL;
    if (argc < 2)
        return og_cli_usage("user", "missing subcommand (add, list, show)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 't')
            tenant = optarg;
        else if (c == 'r')
            role_s = optarg;
        else
            return og_cli_badopt("user", argv + 1);
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    og_user u;

    if (strcmp(sub, "add") == 0) {
        og_role role;
        if (npos != 1)
            return og_cli_usage("user", "user add takes exactly one NAME");
        if (!role_s)
            return og_cli_usage("user", "user add needs --role");
        if (og_role_parse(role_s, &role) < 0)
            return og_cli_usage("user", "%s", og_error_last());
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_user_add(&cli->ctx, tenant, pos[0], role, &u)) < 0)
            return og_cli_fail(error);
    } else if (strcmp(sub, "list") == 0) {
        json_t *arr = NULL;
        if (npos)
            return og_cli_usage("user", "unexpected argument '%s'", pos[0]);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_user_list(&cli->ctx, tenant, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        size_t i;
        json_t *x;
        printf("%-24s %-16s %-27s %s\n", "NAME", "ROLE", "CREATED", "ID");
        json_array_foreach(arr, i, x)
        {
            printf("%-24s %-16s %-27s %s\n", json_string_value(json_object_get(x, "name")),
                   json_string_value(json_object_get(x, "role")),
                   json_string_value(json_object_get(x, "created_at")),
                   json_string_value(json_object_get(x, "id")));
        }
        json_decref(arr);
        return OG_EXIT_OK;
    } else if (strcmp(sub, "show") == 0) {
        if (npos != 1)
            return og_cli_usage("user", "user show takes exactly one NAME");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_user_get(&cli->ctx, tenant, pos[0], &u)) < 0)
            return og_cli_fail(error);
    } else {
        return og_cli_usage("user", "unknown subcommand '%s'", sub);
    }
    if (json)
        og_cli_print_json(og_user_to_json(&u));
    else
        printf("%s %s %s\n", u.name, og_role_name(u.role), u.id);
    return OG_EXIT_OK;
}

const og_command og_cmd_user = {"user", run, "add and list users of a tenant", help};
