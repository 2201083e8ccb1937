/* cmd_token.c - `opsgate token create|list|revoke`. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const help =
    "usage: opsgate token create [--tenant T] --user U [--ttl 30d]\n"
    "       opsgate token list [--tenant T] [--user U] [--json]\n"
    "       opsgate token revoke ID\n"
    "\n"
    "API bearer tokens: 256 random bits, shown once on creation and stored only as a hash.\n"
    "They expire after --ttl (s, m, h, d or w; default 30d, at most 366d) and can be revoked.\n"
    "Omit --tenant for a platform admin's token.\n";

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {"user", required_argument, NULL, 'u'},
        {"ttl", required_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c, error;
    const char *tenant = NULL, *user = NULL, *ttl_s = NULL;
    if (argc < 2)
        return og_cli_usage("token", "missing subcommand (create, list, revoke)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 't')
            tenant = optarg;
        else if (c == 'u')
            user = optarg;
        else if (c == 'l')
            ttl_s = optarg;
        else
            return og_cli_badopt("token", argv + 1);
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;

    if (strcmp(sub, "create") == 0) {
        int64_t ttl = 0;
        char token[OG_TOKEN_MAX], id[OG_ID_LEN];
        if (npos)
            return og_cli_usage("token", "unexpected argument '%s'", pos[0]);
        if (!user)
            return og_cli_usage("token", "token create needs --user");
        if (ttl_s && og_duration_parse(ttl_s, &ttl) < 0)
            return og_cli_usage("token", "--ttl: %s", og_error_last());
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_token_create(&cli->ctx, tenant, user, ttl, token, id)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(json_pack("{s:s, s:s}", "id", id, "token", token));
        } else {
            fprintf(stderr, "opsgate: token %s for %s (shown once):\n", id, user);
            printf("%s\n", token);
        }
        memset(token, 0, sizeof(token));
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "list") == 0) {
        json_t *arr = NULL;
        if (npos)
            return og_cli_usage("token", "unexpected argument '%s'", pos[0]);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_token_list(&cli->ctx, tenant, user, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        size_t i;
        json_t *x;
        static const char *const head[] = {"ID", "USER", "STATE", "EXPIRES", NULL};
        og_cli_table *t = og_cli_table_new(head);
        json_array_foreach(arr, i, x)
        {
            og_cli_table_add(t,
                             (const char *[]){json_string_value(json_object_get(x, "id")),
                                              json_string_value(json_object_get(x, "user")),
                                              json_string_value(json_object_get(x, "state")),
                                              json_string_value(json_object_get(x, "expires_at"))});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "revoke") == 0) {
        if (npos != 1)
            return og_cli_usage("token", "token revoke takes exactly one ID");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_token_revoke(&cli->ctx, pos[0])) < 0)
            return og_cli_fail(error);
        fprintf(stderr, "opsgate: token %s revoked\n", pos[0]);
        return OG_EXIT_OK;
    }
    return og_cli_usage("token", "unknown subcommand '%s'", sub);
}

const og_command og_cmd_token = {"token", run, "create, list and revoke API tokens", help};
