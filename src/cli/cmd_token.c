/* cmd_token.c - `opsgate token create|list|revoke`. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

static const char *const about =
    "API bearer tokens: 256 random bits, shown once on creation and stored only as a hash.\n"
    "They expire after --ttl (s, m, h, d or w; default 30d, at most 366d) and can be revoked.\n"
    "Omit --tenant for a platform admin's token.\n";

static int create(og_cli *cli, const og_cli_args *a)
{
    int64_t ttl = 0;
    int error;
    char token[OG_TOKEN_MAX], id[OG_ID_LEN];
    const char *tenant = og_cli_get(a, "tenant"), *user = og_cli_get(a, "user");
    const char *ttl_s = og_cli_get(a, "ttl");
    if (ttl_s && og_duration_parse(ttl_s, &ttl) < 0)
        return og_cli_bad(a, "--ttl: %s", og_error_last());
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_token_create(&cli->ctx, tenant, user, ttl, token, id)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(json_pack("{s:s, s:s}", "id", id, "token", token));
    } else {
        fprintf(stderr, "opsgate: token %s for %s (shown once):\n", id, user);
        printf("%s\n", token);
    }
    memset(token, 0, sizeof(token));
    return OG_EXIT_OK;
}

static int list(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"ID", "USER", "STATE", "EXPIRES", NULL};
    static const char *const fields[] = {"id", "user", "state", "expires_at", NULL};
    json_t *arr = NULL;
    int error;
    const char *tenant = og_cli_get(a, "tenant");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_token_list(&cli->ctx, tenant, og_cli_get(a, "user"), &arr)) < 0)
        return og_cli_fail(error);
    og_cli_print_rows(cli, "tokens", arr, head, fields);
    return OG_EXIT_OK;
}

static int revoke(og_cli *cli, const og_cli_args *a)
{
    int error;
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    if ((error = og_token_revoke(&cli->ctx, a->pos[0])) < 0)
        return og_cli_fail(error);
    fprintf(stderr, "opsgate: token %s revoked\n", a->pos[0]);
    return OG_EXIT_OK;
}

static const og_cli_opt create_opts[] = {
    OG_CLI_OPT_TENANT,
    {"user", "U", "the user the token acts as", OG_CLI_REQUIRED, 0},
    {"ttl", "DURATION", "lifetime: 30m, 12h, 30d, 4w (default 30d, at most 366d)", 0, 0},
    {0},
};
static const og_cli_opt list_opts[] = {
    OG_CLI_OPT_TENANT,
    {"user", "U", "only this user's tokens", 0, 0},
    {0},
};
static const og_cli_opt revoke_opts[] = {OG_CLI_OPT_TENANT, {0}};

static const og_cli_sub subs[] = {
    {"create", NULL, 0, 0, create_opts, "create a token; it is printed once", create},
    {"list", NULL, 0, 0, list_opts, "list tokens with their state and expiry", list},
    {"revoke", "ID", 1, 1, revoke_opts, "revoke a token now", revoke},
    {0},
};

const og_command og_cmd_token = {
    .name = "token",
    .summary = "create, list and revoke API tokens",
    .about = about,
    .subs = subs,
};
