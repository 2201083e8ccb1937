/* cli.c - the command-line front end: global options, dispatch, help, shared output helpers. */
#include "cli/cli.h"
#include "cli/shell.h"
#include "opsgate/acme.h"
#include "opsgate/app.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const main_usage =
    "usage: opsgate [--data DIR|URL] [--keys DIR] [--data-region NAME=URL]... [--as USER] "
    "[--json]\n"
    "               COMMAND [ARGS...]\n"
    "\n"
    "opsgate manages MSP clients' project artifacts and TLS certificates, tenant by tenant,\n"
    "with human-in-the-loop gates and a tamper-evident audit trail.\n"
    "\n"
    "Global options (accepted anywhere on the line):\n"
    "  --data DIR   the data folder (default: $OPSGATE_DATA, else ./opsgate-data), or a\n"
    "               PostgreSQL database: postgres://..., postgresql://..., libpq:KEY=VALUE...\n"
    "  --keys DIR   the key folder holding the master key (default: $OPSGATE_KEYS, else the\n"
    "               data folder); required with a PostgreSQL --data (docs/ops.md)\n"
    "  --data-region NAME=URL  the PostgreSQL database of region NAME (repeatable; default:\n"
    "               $OPSGATE_DATA_REGIONS, NAME=URL entries separated by ';'): a tenant of\n"
    "               that region is read and written there only (docs/ops.md \"Regions\")\n"
    "  --json       print results as JSON, in the shapes the HTTP API returns\n"
    "  --as USER    act as USER of the command's tenant (--tenant), or as a platform admin,\n"
    "               with that user's rights; recorded in the audit trail as local:<you> as\n"
    "               user:USER. Without it you act as the local operator, a platform-admin;\n"
    "               gate decisions need it (a person decides), init, serve and events work\n"
    "               refuse it (they act as the local operator only)\n"
    "\n"
    "Exit status: 0 success; 1 the operation failed or a check found a problem (a tenant,\n"
    "user or project that does not exist is 1); 2 usage error: an unknown command, subcommand\n"
    "or option, a missing or extra argument, or an option value of the wrong form.\n"
    "\n"
    "Commands:\n";

static void print_main_help(FILE *f)
{
    fputs(main_usage, f);
    for (size_t i = 0; og_cli_commands[i]; i++)
        fprintf(f, "  %-10s %s\n", og_cli_commands[i]->name, og_cli_commands[i]->summary);
    fputs("\nRun `opsgate COMMAND --help` for a command's options.\n", f);
}

/* Take --data, --keys, --as and --json out of argv wherever they stand (before a lone "--"). */
static int take_global_options(og_cli *cli, int *argc, char **argv)
{
    int out = 1, i = 1;
    for (; i < *argc; i++) {
        const char *a = argv[i], **slot = NULL, *name = NULL;
        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "--json") == 0) {
            cli->json = true;
            continue;
        }
        if (strncmp(a, "--data-region", 13) == 0 && (a[13] == '\0' || a[13] == '=')) {
            const char *v = a[13] == '=' ? a + 14 : i + 1 < *argc ? argv[++i] : NULL;
            if (!v)
                return og_cli_usage(NULL, "--data-region needs a value (NAME=URL)");
            if (og_regions_add(&cli->regions, v) < 0)
                return og_cli_usage(NULL, "--data-region: %s", og_error_last());
            continue;
        }
        if (strncmp(a, "--data", 6) == 0 && (a[6] == '\0' || a[6] == '=')) {
            slot = &cli->data_dir;
            name = "--data";
        } else if (strncmp(a, "--keys", 6) == 0 && (a[6] == '\0' || a[6] == '=')) {
            slot = &cli->keys_dir;
            name = "--keys";
        } else if (strncmp(a, "--as", 4) == 0 && (a[4] == '\0' || a[4] == '=')) {
            slot = &cli->as_user;
            name = "--as";
        }
        if (!slot) {
            argv[out++] = argv[i];
            continue;
        }
        const char *eq = strchr(a, '=');
        if (eq)
            *slot = eq + 1;
        else if (i + 1 < *argc)
            *slot = argv[++i];
        else
            return og_cli_usage(NULL, "%s needs a value", name);
        if (!**slot)
            return og_cli_usage(NULL, "%s needs a non-empty value", name);
    }
    for (; i < *argc; i++)
        argv[out++] = argv[i];
    argv[out] = NULL;
    *argc = out;
    return 0;
}

static const og_command *find_command(const char *name)
{
    for (size_t i = 0; og_cli_commands[i]; i++)
        if (strcmp(og_cli_commands[i]->name, name) == 0)
            return og_cli_commands[i];
    return NULL;
}

int og_cli_main(int argc, char **argv)
{
    og_cli cli;
    memset(&cli, 0, sizeof(cli));
    og_crypto_init_process();
    int rc = take_global_options(&cli, &argc, argv);
    if (rc)
        return rc;
    if (!cli.data_dir)
        cli.data_dir = getenv("OPSGATE_DATA");
    if (!cli.data_dir || !*cli.data_dir)
        cli.data_dir = "./opsgate-data";
    if (!cli.keys_dir)
        cli.keys_dir = getenv("OPSGATE_KEYS");
    if (cli.keys_dir && !*cli.keys_dir)
        cli.keys_dir = NULL;
    const char *regions = getenv("OPSGATE_DATA_REGIONS");
    if (cli.regions.n == 0 && regions && og_regions_add_list(&cli.regions, regions) < 0)
        return og_cli_usage(NULL, "OPSGATE_DATA_REGIONS: %s", og_error_last());
    if (argc < 2) {
        print_main_help(stderr);
        return OG_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            const og_command *c = find_command(argv[2]);
            if (!c)
                return og_cli_usage(NULL, "no such command '%s'", argv[2]);
            og_cli_print_help(stdout, c, NULL);
            return OG_EXIT_OK;
        }
        print_main_help(stdout);
        return OG_EXIT_OK;
    }
    if (strcmp(name, "version") == 0 || strcmp(name, "--version") == 0) {
        printf("opsgate %s\n", OG_VERSION);
        return OG_EXIT_OK;
    }
    if (strcmp(name, "__manpages") == 0) /* hidden: the build writes the man pages */
        return argc == 3 && og_cli_manpages(argv[2]) == 0 ? OG_EXIT_OK : OG_EXIT_FAIL;
    const og_command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "opsgate: unknown command '%s' (run `opsgate help` for the list)\n", name);
        return OG_EXIT_USAGE;
    }
    /* Every command sees every action kind, whether or not it opens the data folder. */
    if ((rc = og_app_register_all()) < 0)
        return og_cli_fail(rc);
    rc = og_cli_dispatch(&cli, c, argc - 1, argv + 1);
    og_cli_close(&cli);
    return rc;
}

const og_install_where *og_cli_install(og_cli *cli)
{
    cli->where.data = cli->data_dir;
    cli->where.keys = cli->keys_dir;
    cli->where.regions = &cli->regions;
    return &cli->where;
}

int og_cli_open(og_cli *cli, const char *tenant)
{
    int error;
    if (cli->store)
        return 0;
    if ((error = og_install_open_at(og_cli_install(cli), &cli->store, &cli->keys)) < 0)
        return og_cli_fail(error);
    memset(&cli->ctx, 0, sizeof(cli->ctx));
    cli->ctx.store = cli->store;
    cli->ctx.keys = cli->keys;
    cli->ctx.data_dir = og_install_folder(cli->data_dir);
    og_actor_local(&cli->ctx.actor);
    if ((error = og_cli_open_region(cli, tenant)) != 0)
        return error;
    if (cli->as_user) {
        if ((error = og_actor_become(&cli->ctx, tenant, cli->as_user)) < 0)
            return og_cli_fail(og_cli_as_error(error, tenant));
    }
    return 0;
}

int og_cli_open_region(og_cli *cli, const char *tenant)
{
    char region[OG_REGION_NAME_MAX + 1];
    int error;
    if (!tenant || !*tenant || cli->region_store)
        return 0;
    /* A tenant the directory does not know: the command's own lookup says so. */
    if (og_tenant_region_of(cli->store, tenant, region) < 0 || !region[0]) {
        og_error_clear();
        return 0;
    }
    if (!og_regions_url(&cli->regions, region)) {
        og_error_set(OG_EINVAL,
                     "tenant '%s' lives in region '%s', whose database was not given (add "
                     "--data-region %s=URL)",
                     tenant, region, region);
        return og_cli_fail(OG_EINVAL);
    }
    if ((error = og_install_region_open(og_cli_install(cli), cli->keys, region, 0,
                                        &cli->region_store)) < 0)
        return og_cli_fail(error);
    cli->ctx.home = cli->store;
    cli->ctx.store = cli->region_store;
    cli->ctx.data_dir = NULL; /* a regional database keeps its objects itself */
    return 0;
}

int og_cli_as_error(int error, const char *tenant)
{
    char msg[600];
    og_strlcpy(msg, og_error_last(), sizeof(msg));
    if (error == OG_ENOTFOUND && !(tenant && *tenant))
        og_error_set(error, "--as: %s (give --tenant for a user of a tenant)", msg);
    else
        og_error_set(error, "--as: %s", msg);
    return error;
}

void og_cli_close(og_cli *cli)
{
    og_store_close(cli->region_store);
    og_store_close(cli->store);
    og_keyring_free(cli->keys);
    cli->region_store = NULL;
    cli->store = NULL;
    cli->keys = NULL;
}

/* The CLI's hint for a detail of a face-neutral library error (og_error_detail()): the library
 * names the thing, the value and the rule; the CLI adds the option or command that helps. A hint
 * is `before` + og_error_detail_arg() + `after`. */
static const struct {
    const char *detail, *before, *after;
} cli_hints[] = {
    {OG_TENANT_DETAIL_NO_TENANT, "name it with --tenant", ""},
    {OG_TENANT_DETAIL_PLATFORM_ADMIN,
     "add a platform admin without --tenant: `opsgate user add NAME --role platform-admin`", ""},
    {OG_TENANT_DETAIL_NO_DATA_FOLDER, "create one with `opsgate init --data ", "`"},
    {OG_TENANT_DETAIL_NO_INSTALLATION,
     "create one with `opsgate init --data URL --keys DIR` (the same URL)", ""},
    {OG_GATE_DETAIL_UNKNOWN_KIND, "`opsgate gate kinds` lists them", ""},
    {OG_EGRESS_DETAIL_REFUSED, "a platform-admin may allow it: `opsgate notify egress allow ", "`"},
    {OG_AUDIT_DETAIL_NO_CHECKPOINT, "sign one with `opsgate audit checkpoint`", ""},
    {OG_ACME_DETAIL_SETTING, "option --", ""},
    {OG_ACME_DETAIL_NO_ACCOUNT, "create one with `opsgate acme account create`", ""},
    {OG_ACME_DETAIL_UNKNOWN_TARGET, "`opsgate target list` lists them", ""},
    {OG_ACME_DETAIL_UNTRUSTED_CA, "--ca-file PEM trusts a private CA", ""},
};

/* Print the error message and the hint for its detail, if the CLI has one (no newline). */
static void print_error(int code)
{
    const char *msg = og_error_last(), *detail = og_error_detail();
    fprintf(stderr, "opsgate: %s", msg && *msg ? msg : og_error_name(code));
    if (strcmp(detail, OG_GATE_DETAIL_NOT_REQUESTABLE) == 0) {
        const og_action_kind *k = og_gate_kind_find(og_error_detail_arg());
        if (k && k->command)
            fprintf(stderr, " (use %s)", k->command);
    }
    for (size_t i = 0; *detail && i < sizeof(cli_hints) / sizeof(cli_hints[0]); i++)
        if (strcmp(detail, cli_hints[i].detail) == 0) {
            fprintf(stderr, " (%s%s%s)", cli_hints[i].before, og_error_detail_arg(),
                    cli_hints[i].after);
            break;
        }
}

int og_cli_fail(int code)
{
    print_error(code);
    fputc('\n', stderr);
    return OG_EXIT_FAIL;
}

int og_cli_fail_usage(const char *cmd, int code)
{
    print_error(code);
    fprintf(stderr, " (see `opsgate %s --help`)\n", cmd);
    return OG_EXIT_USAGE;
}

int og_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("opsgate: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, " (see `opsgate %s --help`)\n", cmd);
    else
        fputs(" (see `opsgate help`)\n", stderr);
    return OG_EXIT_USAGE;
}

void og_cli_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    if (s) {
        puts(s);
        free(s);
    }
    json_decref(j);
}

int og_cli_print_count(const og_cli *cli, const char *key, int n, const char *text)
{
    if (cli->json)
        og_cli_print_json(json_pack("{s:i}", key, n));
    else
        printf("%d %s\n", n, text);
    return OG_EXIT_OK;
}
