/* cmd_access.c - `opsgate access grant|revoke|report`: per-project rights and access reviews. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const help =
    "usage: opsgate access grant --tenant T --project P --user U --right read|write|admin\n"
    "                            [--until DATE]\n"
    "       opsgate access revoke --tenant T --project P --user U\n"
    "       opsgate access report --tenant T [--json]\n"
    "\n"
    "Rights on a project come from the user's role in the tenant (tenant-admin: admin;\n"
    "project-manager, engineer: write; auditor: read; client-viewer: none) plus a grant on\n"
    "that project, whichever is higher. A grant replaces the user's previous grant on the\n"
    "project and may expire (--until 2027-01-31 or an RFC 3339 time). Client viewers can only\n"
    "be granted read, and see published artifacts only; everything else does not exist for\n"
    "them. Granting and revoking needs the admin right on the project.\n"
    "`report` lists who can read, write and administer which project and why (role or grant,\n"
    "with its expiry), for periodic access reviews; it needs tenant-admin or auditor.\n";

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {"project", required_argument, NULL, 'p'},
        {"user", required_argument, NULL, 'u'},
        {"right", required_argument, NULL, 'r'},
        {"until", required_argument, NULL, 'U'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c, error;
    const char *tenant = NULL, *project = NULL, *user = NULL, *right_s = NULL, *until_s = NULL;
    if (argc < 2)
        return og_cli_usage("access", "missing subcommand (grant, revoke, report)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 't':
            tenant = optarg;
            break;
        case 'p':
            project = optarg;
            break;
        case 'u':
            user = optarg;
            break;
        case 'r':
            right_s = optarg;
            break;
        case 'U':
            until_s = optarg;
            break;
        default:
            return og_cli_badopt("access", argv + 1);
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    if (npos)
        return og_cli_usage("access", "unexpected argument '%s'", pos[0]);
    if (strcmp(sub, "grant") != 0 && strcmp(sub, "revoke") != 0 && strcmp(sub, "report") != 0)
        return og_cli_usage("access", "unknown subcommand '%s'", sub);
    if (!tenant)
        return og_cli_usage("access", "access %s needs --tenant", sub);

    if (strcmp(sub, "report") == 0) {
        json_t *rep = NULL, *x;
        size_t i;
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_access_report(&cli->ctx, tenant, &rep)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(rep);
            return OG_EXIT_OK;
        }
        static const char *const head[] = {"USER", "ROLE", "PROJECT", "RIGHT", "WHY", NULL};
        og_cli_table *t = og_cli_table_new(head);
        json_array_foreach(json_object_get(rep, "entries"), i, x)
        {
            char why[600];
            snprintf(why, sizeof(why), "%s%s", json_string_value(json_object_get(x, "via")),
                     json_is_true(json_object_get(x, "published_only")) ? " (published only)" : "");
            og_cli_table_add(t,
                             (const char *[]){json_string_value(json_object_get(x, "user")),
                                              json_string_value(json_object_get(x, "role")),
                                              json_string_value(json_object_get(x, "project")),
                                              json_string_value(json_object_get(x, "right")), why});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(rep);
        return OG_EXIT_OK;
    }
    if (!project || !user)
        return og_cli_usage("access", "access %s needs --project and --user", sub);
    if (strcmp(sub, "grant") == 0) {
        og_artifact_right right;
        int64_t until = 0;
        if (!right_s)
            return og_cli_usage("access", "access grant needs --right (read, write, admin)");
        if (og_artifact_right_parse(right_s, &right) < 0)
            return og_cli_usage("access", "%s", og_error_last());
        if (until_s && og_time_parse(until_s, &until) < 0)
            return og_cli_usage("access",
                                "bad --until '%s' (a date like 2027-01-31 or an RFC "
                                "3339 time)",
                                until_s);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_access_grant(&cli->ctx, tenant, project, user, right, until)) < 0)
            return og_cli_fail(error);
        printf("%s: %s on %s%s%s\n", user, right_s, project, until_s ? " until " : "",
               until_s ? until_s : "");
        return OG_EXIT_OK;
    }
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_access_revoke(&cli->ctx, tenant, project, user)) < 0)
        return og_cli_fail(error);
    printf("%s: grant on %s revoked\n", user, project);
    return OG_EXIT_OK;
}

const og_command og_cmd_access = {
    .name = "access",
    .summary = "per-project grants and the access report for reviews",
    .legacy_run = run,
    .legacy_help = help,
};
