/* cmd_tenant_key.c - `opsgate tenant key show|set`: which KEK holds a tenant's data key, and moving
 * it to the client's own key file (or back to the installation's master key). */
#include "cli/cli.h"
#include "cli/cmd_tenant.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

static void print_key(json_t *o)
{
    const char *file = json_string_value(json_object_get(o, "key_file"));
    if (!file)
        file = json_string_value(json_object_get(o, "pkcs11_uri"));
    printf("tenant %s: data key wrapped by KEK '%s', key version %lld%s%s%s\n",
           json_string_value(json_object_get(o, "tenant_id")),
           json_string_value(json_object_get(o, "provider")),
           (long long)json_integer_value(json_object_get(o, "key_version")),
           file ? (json_object_get(o, "key_file") ? " (key file " : " (") : "", file ? file : "",
           file ? ")" : "");
}

int og_cli__tenant_key(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *mode = a->pos[0];
    og_tenant_key_spec spec = {og_cli_get(a, "provider"),   og_cli_get(a, "key-file"),
                               og_cli_get(a, "pkcs11-uri"), og_cli_get(a, "pkcs11-module"),
                               og_cli_get(a, "pin-file"),   og_cli_get(a, "pin-env")};
    json_t *out = NULL;
    int error, rotate = strcmp(mode, "rotate") == 0, set = rotate || strcmp(mode, "set") == 0;
    if (!set && strcmp(mode, "show") != 0) {
        og_error_set(OG_EINVAL, "unknown mode '%s': show, set or rotate", mode);
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if (!set && (spec.provider || spec.key_file || spec.pkcs11_uri || spec.pkcs11_module ||
                 spec.pin_file || spec.pin_env)) {
        og_error_set(OG_EINVAL, "--provider and its options go with `tenant key set|rotate` only");
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if (set && !spec.provider) {
        og_error_set(OG_EINVAL, "`tenant key %s` needs --provider master|file|pkcs11", mode);
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = rotate ? og_tenant_key_rotate(&cli->ctx, tenant, &spec, &out)
            : set  ? og_tenant_key_set(&cli->ctx, tenant, &spec, &out)
                   : og_tenant_key_show(&cli->ctx, tenant, &out);
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json)
        og_cli_print_json(out);
    else {
        if (set)
            printf("%s (re-wrapped, no data re-encrypted; audited as tenant.key.%s)\n",
                   rotate ? "rotated" : "moved", rotate ? "rotate" : "set");
        print_key(out);
    }
    json_decref(out);
    return OG_EXIT_OK;
}
