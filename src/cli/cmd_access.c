/* cmd_access.c - `opsgate access grant|revoke|report`: per-project rights and access reviews. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static const char *const about =
    "Rights on a project come from the user's role in the tenant (tenant-admin: admin;\n"
    "project-manager, engineer: write; auditor: read; client-viewer: none) plus a grant on\n"
    "that project, whichever is higher. A grant replaces the user's previous grant on the\n"
    "project and may expire (--until 2027-01-31 or an RFC 3339 time). Client viewers can only\n"
    "be granted read, and see published artifacts only; everything else does not exist for\n"
    "them. Granting and revoking needs the admin right on the project.\n"
    "`report` lists who can read, write and administer which project and why (role or grant,\n"
    "with its expiry), for periodic access reviews; it needs tenant-admin or auditor.\n"
    "With --json, `grant` prints what PUT /api/v1/projects/{key}/grants/{user} returns and\n"
    "`report` what GET /api/v1/access-report returns.\n";

static int grant(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *project = og_cli_get(a, "project");
    const char *user = og_cli_get(a, "user"), *right_s = og_cli_get(a, "right");
    const char *until_s = og_cli_get(a, "until");
    og_artifact_right right;
    int64_t until = 0;
    int error;
    if (og_artifact_right_parse(right_s, &right) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    if (until_s && og_time_parse(until_s, &until) < 0)
        return og_cli_bad(a, "bad --until '%s' (a date like 2027-01-31 or an RFC 3339 time)",
                          until_s);
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_access_grant(&cli->ctx, tenant, project, user, right, until)) < 0)
        return og_cli_fail(error);
    if (cli->json)
        og_cli_print_json(json_pack("{s:s, s:s, s:s, s:o}", "project", project, "user", user,
                                    "right", og_artifact_right_name(right), "until",
                                    until_s ? json_string(until_s) : json_null()));
    else
        printf("%s: %s on %s%s%s\n", user, right_s, project, until_s ? " until " : "",
               until_s ? until_s : "");
    return OG_EXIT_OK;
}

static int revoke(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *project = og_cli_get(a, "project");
    const char *user = og_cli_get(a, "user");
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_access_revoke(&cli->ctx, tenant, project, user)) < 0)
        return og_cli_fail(error);
    printf("%s: grant on %s revoked\n", user, project);
    return OG_EXIT_OK;
}

static int report(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"USER", "ROLE", "PROJECT", "RIGHT", "WHY", NULL};
    const char *tenant = og_cli_get(a, "tenant");
    json_t *rep = NULL, *x;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_access_report(&cli->ctx, tenant, &rep)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(rep);
        return OG_EXIT_OK;
    }
    og_cli_table *t = og_cli_table_new(head);
    json_array_foreach(json_object_get(rep, "entries"), i, x)
    {
        char why[600];
        snprintf(why, sizeof(why), "%s%s", json_string_value(json_object_get(x, "via")),
                 json_is_true(json_object_get(x, "published_only")) ? " (published only)" : "");
        og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(x, "user")),
                                             json_string_value(json_object_get(x, "role")),
                                             json_string_value(json_object_get(x, "project")),
                                             json_string_value(json_object_get(x, "right")), why});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
    json_decref(rep);
    return OG_EXIT_OK;
}

static const og_cli_opt grant_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"project", "P", "the project", OG_CLI_REQUIRED, 0},
    {"user", "U", "the user of the tenant", OG_CLI_REQUIRED, 0},
    {"right", "R", "read, write or admin", OG_CLI_REQUIRED, 0},
    {"until", "DATE", "expiry: 2027-01-31 or an RFC 3339 time", 0, 0},
    {0},
};
static const og_cli_opt revoke_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"project", "P", "the project", OG_CLI_REQUIRED, 0},
    {"user", "U", "the user whose grant goes", OG_CLI_REQUIRED, 0},
    {0},
};
static const og_cli_opt report_opts[] = {OG_CLI_OPT_TENANT_REQ, {0}};

static const og_cli_sub subs[] = {
    {"grant", NULL, 0, 0, grant_opts, "grant a user a right on a project", grant},
    {"revoke", NULL, 0, 0, revoke_opts, "remove a user's grant on a project", revoke},
    {"report", NULL, 0, 0, report_opts, "who can do what on which project, and why", report},
    {0},
};

const og_command og_cmd_access = {
    .name = "access",
    .summary = "per-project grants and the access report for reviews",
    .about = about,
    .subs = subs,
};
