/* cmd_project.c - `opsgate project create|list|show|rename|archive|unarchive`. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static const char *const about =
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
    "project.unarchive). With --json a project prints as GET /api/v1/projects/{key} returns it\n"
    "and the list as GET /api/v1/projects: {\"projects\": [...]}.\n";

/* The one-line form of a project, or its JSON with --json. */
static int print_project(const og_cli *cli, const og_project *p)
{
    if (cli->json)
        og_cli_print_json(og_project_to_json(p));
    else if (p->archived_at[0])
        printf("%s %s %s (archived %s)\n", p->key, p->id, p->name, p->archived_at);
    else
        printf("%s %s %s\n", p->key, p->id, p->name);
    return OG_EXIT_OK;
}

/* create and rename: KEY NAME. */
static int create_or_rename(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    og_project p;
    int error;
    if (!og_name_valid(a->pos[0]))
        return og_cli_bad(a, "bad project key '%s' (1 to 63 of a-z, 0-9, '.', '_', '-')",
                          a->pos[0]);
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = strcmp(a->sub->name, "create") == 0
                ? og_project_create(&cli->ctx, tenant, a->pos[0], a->pos[1], &p)
                : og_project_rename(&cli->ctx, tenant, a->pos[0], a->pos[1], &p);
    if (error < 0)
        return og_cli_fail(error);
    return print_project(cli, &p);
}

static int list(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"KEY", "NAME", "RIGHT", "VIA", NULL};
    const char *tenant = og_cli_get(a, "tenant");
    json_t *arr = NULL, *x;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = og_cli_has(a, "all") ? og_project_list_all(&cli->ctx, tenant, &arr)
                                 : og_project_list(&cli->ctx, tenant, &arr);
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("projects", arr);
        return OG_EXIT_OK;
    }
    og_cli_table *t = og_cli_table_new(head);
    json_array_foreach(arr, i, x)
    {
        char via[300];
        snprintf(via, sizeof(via), "%s%s", json_string_value(json_object_get(x, "via")),
                 json_is_true(json_object_get(x, "archived")) ? " (archived)" : "");
        og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(x, "key")),
                                             json_string_value(json_object_get(x, "name")),
                                             json_string_value(json_object_get(x, "right")), via});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
    json_decref(arr);
    return OG_EXIT_OK;
}

/* show, archive and unarchive: KEY. */
static int one(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *sub = a->sub->name;
    og_project p;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (strcmp(sub, "show") == 0)
        error = og_project_get(&cli->ctx, tenant, a->pos[0], &p);
    else
        error = og_project_archive(&cli->ctx, tenant, a->pos[0], strcmp(sub, "archive") == 0, &p);
    if (error < 0)
        return og_cli_fail(error);
    return print_project(cli, &p);
}

static const og_cli_opt tenant_opts[] = {OG_CLI_OPT_TENANT_REQ, {0}};
static const og_cli_opt list_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"all", NULL, "include archived projects", 0, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {"create", "KEY NAME", 2, 2, tenant_opts, "create a project", create_or_rename},
    {"list", NULL, 0, 0, list_opts, "the projects you can read, your right and why", list},
    {"show", "KEY", 1, 1, tenant_opts, "show one project", one},
    {"rename", "KEY NAME", 2, 2, tenant_opts, "change a project's NAME (KEY stays)",
     create_or_rename},
    {"archive", "KEY", 1, 1, tenant_opts, "make a project read-only", one},
    {"unarchive", "KEY", 1, 1, tenant_opts, "make an archived project writable again", one},
    {0},
};

const og_command og_cmd_project = {
    .name = "project",
    .summary = "create, list, rename and archive projects",
    .about = about,
    .subs = subs,
};
