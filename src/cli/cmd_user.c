/* cmd_user.c - `opsgate user add|list|show|disable|enable|remove|set-role`. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const help =
    "usage: opsgate user add [--tenant T] NAME --role ROLE\n"
    "       opsgate user list [--tenant T] [--json]\n"
    "       opsgate user show [--tenant T] NAME [--json]\n"
    "       opsgate user disable|enable|remove [--tenant T] NAME [--json]\n"
    "       opsgate user set-role [--tenant T] NAME --role ROLE [--json]\n"
    "\n"
    "Users belong to one tenant and hold one role: tenant-admin, project-manager, engineer,\n"
    "auditor (read-only, plus audit export) or client-viewer (published artifacts of its own\n"
    "projects only). Platform admins (role platform-admin) belong to no tenant: omit --tenant.\n"
    "Managing users needs tenant-admin in that tenant, or platform-admin.\n"
    "\n"
    "disable   The user can no longer authenticate: its tokens are revoked and --as refuses\n"
    "          it. enable lets it in again; the revoked tokens stay revoked (make new ones).\n"
    "remove    Revokes its tokens and removes it for good. Its name and id stay in the\n"
    "          history (audit records, gate items, artifact versions) and the name is not\n"
    "          given to anyone else in the tenant. `list` leaves removed users out; `show`\n"
    "          still finds them.\n"
    "set-role  The new role applies at once; the user's tokens are revoked. Nobody is raised\n"
    "          to platform-admin.\n"
    "A tenant-admin cannot disable, remove or demote the tenant's last active tenant-admin\n"
    "(itself): another tenant-admin, or a platform admin, must. Every change is audited\n"
    "(user.add, user.disable, user.enable, user.remove, user.role).\n";

static void print_user(const og_user *u, int json)
{
    if (json)
        og_cli_print_json(og_user_to_json(u));
    else
        printf("%s %s %s %s\n", u->name, og_role_name(u->role), u->state[0] ? u->state : "active",
               u->id);
}

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
    og_role role = OG_ROLE_NONE;
    if (argc < 2)
        return og_cli_usage("user", "missing subcommand (add, list, show, disable, enable, "
                                    "remove, set-role)");
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
    int add = strcmp(sub, "add") == 0, set_role = strcmp(sub, "set-role") == 0;
    if (role_s && !add && !set_role)
        return og_cli_usage("user", "--role goes with `user add` and `user set-role`");
    if (add || set_role) {
        if (!role_s)
            return og_cli_usage("user", "user %s needs --role", sub);
        if (og_role_parse(role_s, &role) < 0)
            return og_cli_usage("user", "%s", og_error_last());
        /* a missing --tenant is the command line's fault, not the data folder's */
        if (!tenant && role != OG_ROLE_PLATFORM_ADMIN)
            return og_cli_usage("user", "user %s with role %s needs --tenant", sub, role_s);
    }

    if (add) {
        if (npos != 1)
            return og_cli_usage("user", "user add takes exactly one NAME");
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
        static const char *const head[] = {"NAME", "ROLE", "STATE", "CREATED", "ID", NULL};
        og_cli_table *t = og_cli_table_new(head);
        json_array_foreach(arr, i, x)
        {
            og_cli_table_add(t,
                             (const char *[]){json_string_value(json_object_get(x, "name")),
                                              json_string_value(json_object_get(x, "role")),
                                              json_string_value(json_object_get(x, "state")),
                                              json_string_value(json_object_get(x, "created_at")),
                                              json_string_value(json_object_get(x, "id"))});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(arr);
        return OG_EXIT_OK;
    } else if (strcmp(sub, "show") == 0 || strcmp(sub, "disable") == 0 ||
               strcmp(sub, "enable") == 0 || strcmp(sub, "remove") == 0 || set_role) {
        if (npos != 1)
            return og_cli_usage("user", "user %s takes exactly one NAME", sub);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if (sub[0] == 's' && sub[1] == 'h')
            error = og_user_get(&cli->ctx, tenant, pos[0], &u);
        else if (sub[0] == 'd')
            error = og_user_disable(&cli->ctx, tenant, pos[0], &u);
        else if (sub[0] == 'e')
            error = og_user_enable(&cli->ctx, tenant, pos[0], &u);
        else if (sub[0] == 'r')
            error = og_user_remove(&cli->ctx, tenant, pos[0], &u);
        else
            error = og_user_set_role(&cli->ctx, tenant, pos[0], role, &u);
        if (error < 0)
            return og_cli_fail(error);
    } else {
        return og_cli_usage("user",
                            "unknown subcommand '%s' (add, list, show, disable, enable, "
                            "remove, set-role)",
                            sub);
    }
    print_user(&u, json);
    return OG_EXIT_OK;
}

const og_command og_cmd_user = {
    .name = "user",
    .summary = "add, list and manage the users of a tenant",
    .legacy_run = run,
    .legacy_help = help,
};
