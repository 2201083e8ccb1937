/* cmd_hold.c - `opsgate hold set|clear|list`: legal holds on artifacts and projects. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static const char *const about =
    "A legal hold on an artifact (--name) or a whole project blocks `artifact delete` and\n"
    "`artifact purge` until it is cleared, whatever the retention policy says, and blocks\n"
    "`tenant delete` of its tenant. Setting one needs the admin right on the project\n"
    "(tenant-admin, or an admin grant); clearing one needs the tenant-admin or platform-admin\n"
    "role (an admin grant is not enough). Both need a reason; who did it, when and why are\n"
    "kept with the hold and in the audit trail (hold.set, hold.clear). `list --all` includes\n"
    "cleared holds. With --json, `list` prints what GET /api/v1/holds returns\n"
    "({\"holds\": [...]}) and `set` what POST /api/v1/projects/{key}/holds returns.\n";

/* set and clear. */
static int change(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *project = og_cli_get(a, "project");
    const char *name = og_cli_get(a, "name"), *reason = og_cli_get(a, "reason");
    int set = strcmp(a->sub->name, "set") == 0, error;
    if (!*reason)
        return og_cli_bad(a, "hold %s needs --reason TEXT", a->sub->name);
    if ((error = og_cli_open(cli, tenant)))
        return error;
    og_artifact_ref r = {tenant, project, name};
    error = set ? og_artifact_hold_set(&cli->ctx, &r, reason)
                : og_artifact_hold_clear(&cli->ctx, &r, reason);
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json && set)
        og_cli_print_json(json_pack("{s:s, s:o, s:s}", "project", project, "name",
                                    name ? json_string(name) : json_null(), "reason", reason));
    else
        printf("%s%s%s: legal hold %s\n", project, name ? "/" : "", name ? name : "",
               set ? "set" : "cleared");
    return OG_EXIT_OK;
}

static int list(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"PROJECT", "ARTIFACT", "STATE", "SET BY",
                                       "SET AT",  "REASON",   NULL};
    const char *tenant = og_cli_get(a, "tenant");
    json_t *arr = NULL, *x;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_artifact_hold_list(&cli->ctx, tenant, og_cli_has(a, "all"), &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("holds", arr);
        return OG_EXIT_OK;
    }
    og_cli_table *t = og_cli_table_new(head);
    json_array_foreach(arr, i, x)
    {
        const char *art = json_string_value(json_object_get(x, "artifact"));
        og_cli_table_add(t,
                         (const char *[]){json_string_value(json_object_get(x, "project")),
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

static const og_cli_opt change_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"project", "P", "the project (the whole project without --name)", OG_CLI_REQUIRED, 0},
    {"name", "N", "one artifact of the project", 0, 0},
    {"reason", "TEXT", "why (kept with the hold and audited)", OG_CLI_REQUIRED, 0},
    {0},
};
static const og_cli_opt list_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"all", NULL, "include cleared holds", 0, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {"set", NULL, 0, 0, change_opts, "put a legal hold on a project or an artifact", change},
    {"clear", NULL, 0, 0, change_opts, "clear a legal hold (tenant-admin)", change},
    {"list", NULL, 0, 0, list_opts, "list the tenant's holds", list},
    {0},
};

const og_command og_cmd_hold = {
    .name = "hold",
    .summary = "legal holds that block deletion and purge",
    .about = about,
    .subs = subs,
};
