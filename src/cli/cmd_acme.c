/* cmd_acme.c - `opsgate acme account create|list|show|rollover`: a tenant's ACME CA accounts. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/acme.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const about =
    "Accounts at ACME certificate authorities (RFC 8555), one or more per tenant; certificates\n"
    "are then issued with `opsgate cert issue` and renewed with `opsgate cert renew`.\n"
    "create    Register a new account key with the CA at URL (its directory) and record it.\n"
    "          --ca-file: PEM trust anchors for the CA's own TLS certificate (a private CA or a\n"
    "          test server); the system store otherwise.\n"
    "          --eab-kid/--eab-hmac-key-file: External Account Binding from CAs that require it\n"
    "          (the MAC key as the CA gives it, base64url: the file's first line). --eab-hmac-key\n"
    "          B64 takes it on the command line, where every local user can read it (ps).\n"
    "          The account key is sealed with the tenant's key and is never shown. --key-file:\n"
    "          adopt an existing account key (e.g. from another client): its account is found\n"
    "          at the CA (onlyReturnExisting), or registered.\n"
    "list, show  The tenant's accounts (directory, account URL, key type, status).\n"
    "rollover  Replace the account key at the CA (keyChange) and in the store.\n"
    "With --json, list prints {\"accounts\": [...]} and show one account object.\n"
    "Exit status: 0 done, 1 failed (the CA's problem type and detail are printed), 2 usage.\n";

/* Usage errors found by the library (OG_EINVAL) exit 2 like those found here. */
static int fail(int code)
{
    if (code == OG_EINVAL)
        return og_cli_fail_usage("acme", code);
    return og_cli_fail(code);
}

/* --eab-hmac-key-file into o: its first line, without the line ending (the caller wipes and
 * frees *mac, of *mac_len bytes). */
static int read_eab_file(const og_cli_args *a, og_acme_account_opts *o, char **mac, size_t *mac_len)
{
    const char *file = og_cli_get(a, "eab-hmac-key-file");
    int error;
    if (!file)
        return 0;
    if (o->eab_hmac_b64)
        return og_cli_bad(a, "--eab-hmac-key and --eab-hmac-key-file exclude each other");
    if ((error = og_file_read(file, 4096, mac, mac_len)) < 0) {
        og_error_wrap("--eab-hmac-key-file '%s'", file);
        return og_cli_fail(error);
    }
    (*mac)[strcspn(*mac, "\r\n")] = '\0';
    o->eab_hmac_b64 = *mac;
    return 0;
}

/* --ca-file, --key-file and --eab-hmac-key-file into o (the caller frees all three, wiping the
 * keys). */
static int read_files(const og_cli_args *a, og_acme_account_opts *o, char **ca_pem, char **key_pem,
                      size_t *key_len, char **mac, size_t *mac_len)
{
    const char *ca_file = og_cli_get(a, "ca-file"), *key_file = og_cli_get(a, "key-file");
    size_t ca_len = 0;
    int error;
    if ((error = read_eab_file(a, o, mac, mac_len)))
        return error;
    if (ca_file) {
        if ((error = og_file_read(ca_file, 1 << 20, ca_pem, &ca_len)) < 0)
            return og_cli_fail(error);
        if (!strstr(*ca_pem, "-----BEGIN CERTIFICATE-----"))
            return og_cli_bad(a, "bad --ca-file '%s': no PEM certificate in it", ca_file);
        o->ca_pem = *ca_pem;
    }
    if (key_file) {
        if (o->key_type)
            return og_cli_bad(a, "--key-file and --key-type exclude each other");
        if ((error = og_file_read(key_file, 1 << 16, key_pem, key_len)) < 0)
            return og_cli_fail(error);
        o->key_pem = *key_pem;
    }
    return 0;
}

static int account_create(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    og_acme_account_opts o;
    char *ca_pem = NULL, *key_pem = NULL, *mac = NULL, id[OG_ID_LEN];
    size_t key_len = 0, mac_len = 0;
    json_t *j = NULL;
    int error;
    memset(&o, 0, sizeof(o));
    o.directory = og_cli_get(a, "directory");
    o.email = og_cli_get(a, "email");
    o.eab_kid = og_cli_get(a, "eab-kid");
    o.eab_hmac_b64 = og_cli_get(a, "eab-hmac-key");
    o.key_type = og_cli_get(a, "key-type");
    if ((error = read_files(a, &o, &ca_pem, &key_pem, &key_len, &mac, &mac_len)) ||
        (error = og_cli_open(cli, tenant)))
        goto cleanup;
    if ((error = og_acme_account_create(&cli->ctx, tenant, &o, id)) < 0) {
        error = fail(error);
        goto cleanup;
    }
    if (cli->json && og_acme_account_show(&cli->ctx, tenant, id, &j) == 0)
        og_cli_print_json(j);
    else
        printf("%s\n", id);
    error = OG_EXIT_OK;
cleanup:
    free(ca_pem);
    if (key_pem)
        og_crypto_wipe(key_pem, key_len);
    free(key_pem);
    if (mac)
        og_crypto_wipe(mac, mac_len);
    free(mac);
    return error;
}

/* The accounts of arr as a table. */
static void print_accounts(json_t *arr)
{
    static const char *const head[] = {"ID", "KEY", "STATUS", "DIRECTORY", "EMAIL", NULL};
    og_cli_table *t = og_cli_table_new(head);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *x = json_array_get(arr, i);
        og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(x, "id")),
                                             json_string_value(json_object_get(x, "key_type")),
                                             json_string_value(json_object_get(x, "status")),
                                             json_string_value(json_object_get(x, "directory")),
                                             json_string_value(json_object_get(x, "email"))});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

static int account_list(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *arr = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_acme_account_list(&cli->ctx, tenant, &arr)) < 0)
        return fail(error);
    if (cli->json) {
        og_cli_print_list("accounts", arr);
        return OG_EXIT_OK;
    }
    print_accounts(arr);
    json_decref(arr);
    return OG_EXIT_OK;
}

static int account_show(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *j = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_acme_account_show(&cli->ctx, tenant, a->pos[0], &j)) < 0)
        return fail(error);
    if (cli->json) {
        og_cli_print_json(j);
        return OG_EXIT_OK;
    }
    json_t *arr = json_pack("[O]", j);
    print_accounts(arr);
    char *url = og_cli_text_safe(json_string_value(json_object_get(j, "account_url")));
    printf("account URL: %s\n", url ? url : "");
    free(url);
    json_decref(arr);
    json_decref(j);
    return OG_EXIT_OK;
}

static int account_rollover(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_acme_account_rollover(&cli->ctx, tenant, a->pos[0])) < 0)
        return fail(error);
    printf("account %s has a new key\n", a->pos[0]);
    return OG_EXIT_OK;
}

static const og_cli_opt create_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"directory", "URL", "the CA's ACME directory URL", OG_CLI_REQUIRED, 0},
    {"ca-file", "PEM", "trust anchors for the CA's own TLS certificate", 0, 0},
    {"email", "E", "contact address", 0, 0},
    {"eab-kid", "K", "External Account Binding key ID", 0, 0},
    {"eab-hmac-key", "B64", "External Account Binding MAC key (base64url; seen in ps)", 0, 0},
    {"eab-hmac-key-file", "FILE", "the EAB MAC key: the file's first line", 0, 0},
    {"key-type", "TYPE", "ec256 (default), ec384, rsa2048, rsa3072", 0, 0},
    {"key-file", "PEM", "adopt an existing account key", 0, 0},
    {0},
};
static const og_cli_opt tenant_opts[] = {OG_CLI_OPT_TENANT_REQ, {0}};

static const og_cli_sub account_subs[] = {
    {"create", NULL, 0, 0, create_opts, "register an account at a CA", account_create},
    {"list", NULL, 0, 0, tenant_opts, "list the tenant's accounts", account_list},
    {"show", "ID", 1, 1, tenant_opts, "show one account", account_show},
    {"rollover", "ID", 1, 1, tenant_opts, "replace the account key", account_rollover},
    {0},
};

static const og_command acme_account = {
    .name = "acme account",
    .summary = "accounts at ACME CAs: create, list, show, rollover",
    .about = about,
    .subs = account_subs,
};

static const og_cli_sub no_subs[] = {{0}};
static const og_command *const groups[] = {&acme_account, NULL};

const og_command og_cmd_acme = {
    .name = "acme",
    .summary = "ACME CA accounts for certificate issuance",
    .about = about,
    .subs = no_subs,
    .groups = groups,
};
