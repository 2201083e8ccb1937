/* cmd_hold.c - `opsgate hold set|clear|list`: legal holds on artifacts and projects. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const help =
    "usage: opsgate hold set --tenant T --project P [--name N] --reason TEXT\n"
    "       opsgate hold clear --tenant T --project P [--name N] --reason TEXT\n"
    "       opsgate hold list --tenant T [--all] [--json]\n"
    "\n"
    "A legal hold on an artifact (--name) or a whole project blocks `artifact delete` and\n"
    "`artifact purge` until it is cleared, whatever the retention policy says, and blocks\n"
    "`tenant delete` of its tenant. Setting one needs the admin right on the project\n"
    "(tenant-admin, or an admin grant); clearing one needs the tenant-admin or platform-admin\n"
    "role (an admin grant is not enough). Both need a reason; who did it, when and why are\n"
    "kept with the hold and in the audit trail (hold.set, hold.clear). `list --all` includes\n"
    "cleared holds.\n";

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"all", no_argument, NULL, 'a'},
        {"tenant", required_argument, NULL, 't'},
        {"project", required_argument, NULL, 'p'},
        {"name", required_argument, NULL, 'n'},
        {"reason", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, all = 0, c, error;
    const char *tenant = NULL, *project = NULL, *name = NULL, *reason = NULL;
    if (argc < 2)
        return og_cli_usage("hold", "missing subcommand (set, clear, list)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'a':
            all = 1;
            break;
        case 't':
            tenant = optarg;
            break;
        case 'p':
            project = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 'r':
            reason = optarg;
            break;
        default:
            return og_cli_badopt("hold", argv + 1);
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    if (npos)
        return og_cli_usage("hold", "unexpected argument '%s'", pos[0]);
    if (strcmp(sub, "set") != 0 && strcmp(sub, "clear") != 0 && strcmp(sub, "list") != 0)
        return og_cli_usage("hold", "unknown subcommand '%s'", sub);
    if (!tenant)
        return og_cli_usage("hold", "hold %s needs --tenant", sub);
    if (strcmp(sub, "list") == 0) {
        json_t *arr = NULL, *x;
        size_t i;
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_artifact_hold_list(&cli->ctx, tenant, all, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        static const char *const head[] = {"PROJECT", "ARTIFACT", "STATE", "SET BY",
                                           "SET AT",  "REASON",   NULL};
        og_cli_table *t = og_cli_table_new(head);
        json_array_foreach(arr, i, x)
        {
            const char *art = json_string_value(json_object_get(x, "artifact"));
            og_cli_table_add(
                t, (const char *[]){json_string_value(json_object_get(x, "project")),
                                    art ? art : "(whole project)",
                                    json_object_get(x, "cleared_at") ? "cleared" : "active",
                                    json_string_value(json_object_get(x, "set_by")),
                                    json_string_value(json_object_get(x, "set_at")),
                                    json_string_value(json_object_get(x, "reason"))});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    if (!project)
        return og_cli_usage("hold", "hold %s needs --project", sub);
    if (!reason || !*reason)
        return og_cli_usage("hold", "hold %s needs --reason TEXT", sub);
    if ((error = og_cli_open(cli, tenant)))
        return error;
    og_artifact_ref r = {tenant, project, name};
    error = sub[0] == 's' ? og_artifact_hold_set(&cli->ctx, &r, reason)
                          : og_artifact_hold_clear(&cli->ctx, &r, reason);
    if (error < 0)
        return og_cli_fail(error);
    printf("%s%s%s: legal hold %s\n", project, name ? "/" : "", name ? name : "",
           sub[0] == 's' ? "set" : "cleared");
    return OG_EXIT_OK;
}

const og_command og_cmd_hold = {
    .name = "hold",
    .summary = "legal holds that block deletion and purge",
    .legacy_run = run,
    .legacy_help = help,
};
