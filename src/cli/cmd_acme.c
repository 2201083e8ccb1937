/* cmd_acme.c - `opsgate acme account create|list|show|rollover`: a tenant's ACME CA accounts. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/acme.h"
#include "opsgate/error.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: opsgate acme account create --tenant T --directory URL [--ca-file PEM] [--email E]\n"
    "                                   [--eab-kid K --eab-hmac-key B64]\n"
    "                                   [--key-type ec256 | --key-file PEM] [--json]\n"
    "       opsgate acme account list --tenant T [--json]\n"
    "       opsgate acme account show --tenant T ID [--json]\n"
    "       opsgate acme account rollover --tenant T ID\n"
    "\n"
    "Accounts at ACME certificate authorities (RFC 8555), one or more per tenant; certificates\n"
    "are then issued with `opsgate cert issue` and renewed with `opsgate cert renew`.\n"
    "create    Register a new account key with the CA at URL (its directory) and record it.\n"
    "          --ca-file: PEM trust anchors for the CA's own TLS certificate (a private CA or a\n"
    "          test server); the system store otherwise. --email: contact address.\n"
    "          --eab-kid/--eab-hmac-key: External Account Binding from CAs that require it\n"
    "          (the MAC key as the CA gives it, base64url). --key-type: ec256 (default),\n"
    "          ec384, rsa2048, rsa3072. The account key is sealed with the tenant's key and is\n"
    "          never shown. --key-file: adopt an existing account key (e.g. from another\n"
    "          client): its account is found at the CA (onlyReturnExisting), or registered.\n"
    "list, show  The tenant's accounts (directory, account URL, key type, status).\n"
    "rollover  Replace the account key at the CA (keyChange) and in the store.\n"
    "Exit status: 0 done, 1 failed (the CA's problem type and detail are printed), 2 usage.\n";

/* Usage errors found by the library (OG_EINVAL) exit 2 like those found here. */
static int fail(int code)
{
    if (code == OG_EINVAL) {
        return og_cli_fail_usage("acme", code);
    }
    return og_cli_fail(code);
}

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option lo[] = {
        {"tenant", required_argument, NULL, 't'},   {"directory", required_argument, NULL, 'd'},
        {"ca-file", required_argument, NULL, 'c'},  {"email", required_argument, NULL, 'e'},
        {"eab-kid", required_argument, NULL, 'k'},  {"eab-hmac-key", required_argument, NULL, 'm'},
        {"key-type", required_argument, NULL, 'K'}, {"json", no_argument, NULL, 'j'},
        {"key-file", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0},
    };
    og_acme_account_opts o;
    const char *tenant = NULL, *ca_file = NULL, *key_file = NULL;
    char *ca_pem = NULL, *key_pem = NULL;
    size_t ca_len = 0, key_len = 0;
    json_t *j = NULL;
    int c, json = 0, error;
    memset(&o, 0, sizeof(o));
    if (argc < 2 || strcmp(argv[1], "account") != 0)
        return og_cli_usage(
            "acme", argc < 2 ? "missing subcommand (account)" : "unknown subcommand '%s' (account)",
            argc < 2 ? "" : argv[1]);
    if (argc < 3)
        return og_cli_usage("acme", "missing acme account subcommand (create, list, show, "
                                    "rollover)");
    const char *sub = argv[2];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 2, argv + 2, "", lo, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'd':
            o.directory = optarg;
            break;
        case 'c':
            ca_file = optarg;
            break;
        case 'e':
            o.email = optarg;
            break;
        case 'k':
            o.eab_kid = optarg;
            break;
        case 'm':
            o.eab_hmac_b64 = optarg;
            break;
        case 'K':
            o.key_type = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'f':
            key_file = optarg;
            break;
        default:
            return og_cli_badopt("acme", argv + 2);
        }
    }
    int npos = argc - 2 - optind;
    char **pos = argv + 2 + optind;
    if (!tenant)
        return og_cli_usage("acme", "acme account %s needs --tenant", sub);

    if (strcmp(sub, "create") == 0) {
        char id[OG_ID_LEN];
        if (npos)
            return og_cli_usage("acme", "unexpected argument '%s'", pos[0]);
        if (!o.directory)
            return og_cli_usage("acme", "acme account create needs --directory URL");
        if (ca_file) {
            if ((error = og_file_read(ca_file, 1 << 20, &ca_pem, &ca_len)) < 0)
                return og_cli_fail(error);
            if (!strstr(ca_pem, "-----BEGIN CERTIFICATE-----")) {
                free(ca_pem);
                return og_cli_usage("acme", "bad --ca-file '%s': no PEM certificate in it",
                                    ca_file);
            }
            o.ca_pem = ca_pem;
        }
        if (key_file) {
            if (o.key_type) {
                free(ca_pem);
                return og_cli_usage("acme", "--key-file and --key-type exclude each other");
            }
            if ((error = og_file_read(key_file, 1 << 16, &key_pem, &key_len)) < 0) {
                free(ca_pem);
                return og_cli_fail(error);
            }
            o.key_pem = key_pem;
        }
        if ((error = og_cli_open(cli, tenant)))
            goto done;
        if ((error = og_acme_account_create(&cli->ctx, tenant, &o, id)) < 0) {
            error = fail(error);
            goto done;
        }
        if (json && og_acme_account_show(&cli->ctx, tenant, id, &j) == 0)
            og_cli_print_json(j);
        else
            printf("%s\n", id);
        error = OG_EXIT_OK;
    done:
        free(ca_pem);
        if (key_pem)
            og_crypto_wipe(key_pem, key_len);
        free(key_pem);
        return error;
    }
    if (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0) {
        int show = sub[0] == 's';
        if (npos != show)
            return og_cli_usage(
                "acme", show ? "acme account show takes one ID" : "unexpected argument '%s'",
                npos ? pos[0] : "");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        error = show ? og_acme_account_show(&cli->ctx, tenant, pos[0], &j)
                     : og_acme_account_list(&cli->ctx, tenant, &j);
        if (error < 0)
            return fail(error);
        if (json) {
            og_cli_print_json(j);
            return OG_EXIT_OK;
        }
        json_t *arr = show ? json_pack("[O]", j) : json_incref(j);
        static const char *const head[] = {"ID", "KEY", "STATUS", "DIRECTORY", "EMAIL", NULL};
        og_cli_table *t = og_cli_table_new(head);
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *a = json_array_get(arr, i);
            og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(a, "id")),
                                                 json_string_value(json_object_get(a, "key_type")),
                                                 json_string_value(json_object_get(a, "status")),
                                                 json_string_value(json_object_get(a, "directory")),
                                                 json_string_value(json_object_get(a, "email"))});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        if (show) {
            char *url = og_cli_text_safe(
                json_string_value(json_object_get(json_array_get(arr, 0), "account_url")));
            printf("account URL: %s\n", url ? url : "");
            free(url);
        }
        json_decref(arr);
        json_decref(j);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "rollover") == 0) {
        if (npos != 1)
            return og_cli_usage("acme", "acme account rollover takes one ID");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_acme_account_rollover(&cli->ctx, tenant, pos[0])) < 0)
            return fail(error);
        printf("account %s has a new key\n", pos[0]);
        return OG_EXIT_OK;
    }
    return og_cli_usage("acme",
                        "unknown acme account subcommand '%s' (create, list, show, "
                        "rollover)",
                        sub);
}

const og_command og_cmd_acme = {
    .name = "acme",
    .summary = "ACME CA accounts for certificate issuance",
    .legacy_run = run,
    .legacy_help = help,
};
