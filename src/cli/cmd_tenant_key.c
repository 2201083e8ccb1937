/* cmd_tenant_key.c - `opsgate tenant key show|set|rotate|revoke|restore`: which KEK holds a
 * tenant's data key, moving it to the client's own key (or back to the installation's master key),
 * rotating the data key itself (--data-key) with the re-seal of the tenant's data, and locking the
 * tenant's data away (revoke) until its key is back (restore). */
#include "cli/cli.h"
#include "cli/cmd_tenant.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

static void print_key(json_t *o)
{
    const char *file = json_string_value(json_object_get(o, "key_file"));
    if (!file)
        file = json_string_value(json_object_get(o, "pkcs11_uri"));
    const char *revoked = json_string_value(json_object_get(o, "revoked_at"));
    printf("tenant %s: data key wrapped by KEK '%s', key version %lld%s%s%s%s%s\n",
           json_string_value(json_object_get(o, "tenant_id")),
           json_string_value(json_object_get(o, "provider")),
           (long long)json_integer_value(json_object_get(o, "key_version")),
           file ? (json_object_get(o, "key_file") ? " (key file " : " (") : "", file ? file : "",
           file ? ")" : "", revoked ? "; REVOKED since " : "", revoked ? revoked : "");
}

/* The data key's version and a rotation's re-seal progress, one line per module. */
static void print_datakey(json_t *d)
{
    json_t *p;
    size_t i;
    printf("data key version %lld, %s",
           (long long)json_integer_value(json_object_get(d, "data_key_version")),
           json_string_value(json_object_get(d, "state")));
    if (json_integer_value(json_object_get(d, "oldest_kept_version")) <
        json_integer_value(json_object_get(d, "data_key_version")))
        printf(" (version %lld kept until every item is re-sealed)",
               (long long)json_integer_value(json_object_get(d, "oldest_kept_version")));
    printf("\n");
    json_array_foreach(json_object_get(d, "progress"), i, p)
    {
        printf("  re-seal %-10s %lld/%lld%s\n", json_string_value(json_object_get(p, "walker")),
               (long long)json_integer_value(json_object_get(p, "done")),
               (long long)json_integer_value(json_object_get(p, "total")),
               json_is_true(json_object_get(p, "finished")) ? " done" : "");
    }
}

static int datakey_rotate(og_cli *cli, const char *tenant, int wait)
{
    json_t *out = NULL;
    int error = og_app_tenant_datakey_rotate(&cli->ctx, tenant, wait, &out);
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(out); /* takes out */
        return OG_EXIT_OK;
    }
    {
        printf("%s\n", wait ? "data key rotated and every item re-sealed (audited as "
                              "tenant.key.datakey.begin/.done)"
                            : "data key rotated (audited as tenant.key.datakey.begin); `serve` "
                              "re-seals the data in the background");
        print_datakey(out);
    }
    json_decref(out);
    return OG_EXIT_OK;
}

int og_cli__tenant_key(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *mode = a->pos[0];
    og_tenant_key_spec spec = {og_cli_get(a, "provider"),   og_cli_get(a, "key-file"),
                               og_cli_get(a, "pkcs11-uri"), og_cli_get(a, "pkcs11-module"),
                               og_cli_get(a, "pin-file"),   og_cli_get(a, "pin-env")};
    json_t *out = NULL, *dk = NULL;
    int error, rotate = strcmp(mode, "rotate") == 0, set = rotate || strcmp(mode, "set") == 0;
    int data_key = og_cli_has(a, "data-key"), wait = og_cli_has(a, "wait");
    int revoke = strcmp(mode, "revoke") == 0, restore = strcmp(mode, "restore") == 0;
    int kek_opts = spec.provider || spec.key_file || spec.pkcs11_uri || spec.pkcs11_module ||
                   spec.pin_file || spec.pin_env;
    if (!set && !revoke && !restore && strcmp(mode, "show") != 0) {
        og_error_set(OG_EINVAL, "unknown mode '%s': show, set, rotate, revoke or restore", mode);
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if ((data_key && (!rotate || kek_opts)) || (wait && !data_key)) {
        og_error_set(OG_EINVAL, "--data-key goes with `tenant key rotate` and no --provider "
                                "options; --wait only with --data-key");
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if (!set && !restore && kek_opts) {
        og_error_set(OG_EINVAL,
                     "--provider and its options go with `tenant key set|rotate|restore` only");
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if (restore && kek_opts && !spec.provider) {
        og_error_set(OG_EINVAL, "`tenant key restore` with key options needs --provider too");
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if (set && !data_key && !spec.provider) {
        og_error_set(OG_EINVAL, "`tenant key %s` needs --provider master|file|pkcs11%s", mode,
                     rotate ? " (or --data-key)" : "");
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (data_key)
        return datakey_rotate(cli, tenant, wait);
    error = rotate    ? og_tenant_key_rotate(&cli->ctx, tenant, &spec, &out)
            : set     ? og_tenant_key_set(&cli->ctx, tenant, &spec, &out)
            : revoke  ? og_tenant_key_revoke(&cli->ctx, tenant, &out)
            : restore ? og_tenant_key_restore(&cli->ctx, tenant, &spec, &out)
                      : og_tenant_key_show(&cli->ctx, tenant, &out);
    if (error == 0 && !set && !revoke && !restore &&
        (error = og_tenant_key_datakey_status(&cli->ctx, tenant, &dk)) == 0)
        json_object_set_new(out, "data_key", dk);
    if (error < 0) {
        json_decref(out);
        return og_cli_fail(error);
    }
    if (cli->json) {
        og_cli_print_json(out); /* takes out (and dk in it) */
        return OG_EXIT_OK;
    }
    {
        if (set)
            printf("%s (re-wrapped, no data re-encrypted; audited as tenant.key.%s)\n",
                   rotate ? "rotated" : "moved", rotate ? "rotate" : "set");
        if (revoke)
            printf("revoked: the tenant's data is locked (HTTP 423) until `opsgate tenant key "
                   "restore`; nothing was deleted (audited as tenant.key.revoke)\n");
        if (restore)
            printf("restored: the key unwraps the tenant's data key again (audited as "
                   "tenant.key.restore)\n");
        print_key(out);
        if (dk)
            print_datakey(dk);
    }
    json_decref(out);
    return OG_EXIT_OK;
}
