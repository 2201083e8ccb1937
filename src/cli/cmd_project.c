/* cmd_project.c - `opsgate project create|list|show|rename|archive|unarchive`. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const help =
    "usage: opsgate project create --tenant T KEY NAME\n"
    "       opsgate project list --tenant T [--all] [--json]\n"
    "       opsgate project show --tenant T KEY [--json]\n"
    "       opsgate project rename --tenant T KEY NAME [--json]\n"
    "       opsgate project archive|unarchive --tenant T KEY [--json]\n"
    "\n"
    "Projects of a tenant hold its artifacts (see `opsgate artifact`). KEY is 1 to 63 of\n"
    "a-z, 0-9, '.', '_', '-' and names the project in commands and URLs; NAME is free text.\n"
    "Creating, renaming and archiving need project-manager or tenant-admin. `list` shows the\n"
    "projects you can read, with your right on each and why (role or grant, see `opsgate\n"
    "access`); archived projects only with --all.\n"
    "\n"
    "rename    Changes NAME only: KEY is the project's stable identifier and stays.\n"
    "archive   Makes the project read-only: no new versions, restores, metadata, locks,\n"
    "          deletions, state changes or generated documents; reading, legal holds and\n"
    "          grants go on. unarchive reverses it.\n"
    "Each change is audited (project.create, project.rename, project.archive,\n"
    "project.unarchive).\n";

static const char *const subs[] = {"create",  "list",      "show", "rename",
                                   "archive", "unarchive", NULL};

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {"all", no_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, all = 0, c, error;
    const char *tenant = NULL;
    og_project p;
    if (argc < 2)
        return og_cli_usage("project", "missing subcommand (create, list, show, rename, archive, "
                                       "unarchive)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 't')
            tenant = optarg;
        else if (c == 'a')
            all = 1;
        else
            return og_cli_badopt("project", argv + 1);
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    size_t k = 0;
    while (subs[k] && strcmp(subs[k], sub) != 0)
        k++;
    if (!subs[k])
        return og_cli_usage("project", "unknown subcommand '%s'", sub);
    if (!tenant)
        return og_cli_usage("project", "project %s needs --tenant", sub);
    if (all && strcmp(sub, "list") != 0)
        return og_cli_usage("project", "--all goes with `project list`");

    if (strcmp(sub, "create") == 0 || strcmp(sub, "rename") == 0) {
        if (npos != 2)
            return og_cli_usage("project", "project %s takes KEY and NAME", sub);
        if (!og_name_valid(pos[0]))
            return og_cli_usage(
                "project", "bad project key '%s' (1 to 63 of a-z, 0-9, '.', '_', '-')", pos[0]);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        error = sub[0] == 'c' ? og_project_create(&cli->ctx, tenant, pos[0], pos[1], &p)
                              : og_project_rename(&cli->ctx, tenant, pos[0], pos[1], &p);
        if (error < 0)
            return og_cli_fail(error);
    } else if (strcmp(sub, "list") == 0) {
        json_t *arr = NULL, *x;
        size_t i;
        if (npos)
            return og_cli_usage("project", "unexpected argument '%s'", pos[0]);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        error = all ? og_project_list_all(&cli->ctx, tenant, &arr)
                    : og_project_list(&cli->ctx, tenant, &arr);
        if (error < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        static const char *const head[] = {"KEY", "NAME", "RIGHT", "VIA", NULL};
        og_cli_table *t = og_cli_table_new(head);
        json_array_foreach(arr, i, x)
        {
            char via[300];
            snprintf(via, sizeof(via), "%s%s", json_string_value(json_object_get(x, "via")),
                     json_is_true(json_object_get(x, "archived")) ? " (archived)" : "");
            og_cli_table_add(t,
                             (const char *[]){json_string_value(json_object_get(x, "key")),
                                              json_string_value(json_object_get(x, "name")),
                                              json_string_value(json_object_get(x, "right")), via});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(arr);
        return OG_EXIT_OK;
    } else {
        if (npos != 1)
            return og_cli_usage("project", "project %s takes one KEY", sub);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if (strcmp(sub, "show") == 0)
            error = og_project_get(&cli->ctx, tenant, pos[0], &p);
        else
            error = og_project_archive(&cli->ctx, tenant, pos[0], sub[0] == 'a', &p);
        if (error < 0)
            return og_cli_fail(error);
    }
    if (json)
        og_cli_print_json(og_project_to_json(&p));
    else if (p.archived_at[0])
        printf("%s %s %s (archived %s)\n", p.key, p.id, p.name, p.archived_at);
    else
        printf("%s %s %s\n", p.key, p.id, p.name);
    return OG_EXIT_OK;
}

const og_command og_cmd_project = {
    .name = "project",
    .summary = "create, list, rename and archive projects",
    .legacy_run = run,
    .legacy_help = help,
};
