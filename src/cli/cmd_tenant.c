/* cmd_tenant.c - `opsgate tenant create|list|show|suspend|resume|delete`. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const help =
    "usage: opsgate tenant create NAME\n"
    "       opsgate tenant list [--json]\n"
    "       opsgate tenant show NAME [--json]\n"
    "       opsgate tenant suspend NAME\n"
    "       opsgate tenant resume NAME\n"
    "       opsgate tenant delete NAME --yes\n"
    "       opsgate tenant blockers NAME [--json]\n"
    "\n"
    "Tenants are the MSP's clients; everything else lives inside one. Creating a tenant gives\n"
    "it its own data key. A suspended tenant's API tokens get 403. Deleting a tenant\n"
    "crypto-shreds it: its data key is destroyed first (whatever of it survives anywhere\n"
    "becomes unreadable), then its rows are removed. Deletion is refused while anything of the\n"
    "tenant must be kept: a legal hold on one of its projects or artifacts (a tenant-admin or\n"
    "platform-admin clears it with `opsgate hold clear`) or an artifact its retention policy\n"
    "still keeps; the refusal names them, and `blockers` lists them all. Tenant administration\n"
    "needs the platform-admin role.\n";

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"yes", no_argument, NULL, 'y'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, yes = 0, c, error;
    if (argc < 2)
        return og_cli_usage("tenant", "missing subcommand (create, list, show, suspend, resume, "
                                      "delete, blockers)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'y')
            yes = 1;
        else
            return og_cli_badopt("tenant", argv + 1);
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;

    if (strcmp(sub, "list") == 0) {
        json_t *arr = NULL;
        if (npos)
            return og_cli_usage("tenant", "unexpected argument '%s'", pos[0]);
        if ((error = og_cli_open(cli, NULL)))
            return error;
        if ((error = og_tenant_list(&cli->ctx, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        size_t i;
        json_t *t;
        static const char *const head[] = {"NAME", "STATE", "CREATED", "ID", NULL};
        og_cli_table *tab = og_cli_table_new(head);
        json_array_foreach(arr, i, t)
        {
            og_cli_table_add(tab,
                             (const char *[]){json_string_value(json_object_get(t, "name")),
                                              json_string_value(json_object_get(t, "state")),
                                              json_string_value(json_object_get(t, "created_at")),
                                              json_string_value(json_object_get(t, "id"))});
        }
        og_cli_table_print(tab, stdout, 1);
        og_cli_table_free(tab);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "create") && strcmp(sub, "show") && strcmp(sub, "suspend") &&
        strcmp(sub, "resume") && strcmp(sub, "delete") && strcmp(sub, "blockers"))
        return og_cli_usage("tenant", "unknown subcommand '%s'", sub);
    if (npos != 1)
        return og_cli_usage("tenant", "tenant %s takes exactly one NAME", sub);
    const char *name = pos[0];
    if ((error = og_cli_open(cli, name)))
        return error;
    og_tenant t;
    if (strcmp(sub, "blockers") == 0) {
        json_t *arr = NULL, *x;
        size_t i;
        if ((error = og_tenant_delete_blockers(&cli->ctx, name, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        if (json_array_size(arr) == 0)
            printf("nothing blocks deleting tenant '%s'\n", name);
        json_array_foreach(arr, i, x) printf("%s\n", json_string_value(json_object_get(x, "text")));
        json_decref(arr);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "create") == 0) {
        if ((error = og_tenant_create(&cli->ctx, name, &t)) < 0)
            return og_cli_fail(error);
    } else if (strcmp(sub, "suspend") == 0 || strcmp(sub, "resume") == 0) {
        if ((error = og_tenant_suspend(&cli->ctx, name, strcmp(sub, "suspend") == 0)) < 0 ||
            (error = og_tenant_get(&cli->ctx, name, &t)) < 0)
            return og_cli_fail(error);
    } else if (strcmp(sub, "delete") == 0) {
        if (!yes)
            return og_cli_usage(
                "tenant", "deleting tenant '%s' destroys its key and data for good; add --yes",
                name);
        if ((error = og_app_tenant_delete(&cli->ctx, name)) < 0)
            return og_cli_fail(error);
        fprintf(stderr, "opsgate: tenant '%s' deleted (key destroyed)\n", name);
        return OG_EXIT_OK;
    } else if ((error = og_tenant_get(&cli->ctx, name, &t)) < 0) {
        return og_cli_fail(error);
    }
    if (json)
        og_cli_print_json(og_tenant_to_json(&t));
    else
        printf("%s %s %s\n", t.name, t.state, t.id);
    return OG_EXIT_OK;
}

const og_command og_cmd_tenant = {
    .name = "tenant",
    .summary = "create, list, suspend and delete tenants",
    .legacy_run = run,
    .legacy_help = help,
};
