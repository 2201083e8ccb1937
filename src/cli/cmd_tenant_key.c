/* cmd_tenant_key.c - `opsgate tenant key show|set|rotate|revoke|restore`: which KEK holds a
 * tenant's data key, moving it to the client's own key (or back to the installation's master key),
 * and locking the tenant's data away (revoke) until its key is back (restore). */
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
    const char *revoked = json_string_value(json_object_get(o, "revoked_at"));
    printf("tenant %s: data key wrapped by KEK '%s', key version %lld%s%s%s%s%s\n",
           json_string_value(json_object_get(o, "tenant_id")),
           json_string_value(json_object_get(o, "provider")),
           (long long)json_integer_value(json_object_get(o, "key_version")),
           file ? (json_object_get(o, "key_file") ? " (key file " : " (") : "", file ? file : "",
           file ? ")" : "", revoked ? "; REVOKED since " : "", revoked ? revoked : "");
}

int og_cli__tenant_key(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *mode = a->pos[0];
    og_tenant_key_spec spec = {og_cli_get(a, "provider"),   og_cli_get(a, "key-file"),
                               og_cli_get(a, "pkcs11-uri"), og_cli_get(a, "pkcs11-module"),
                               og_cli_get(a, "pin-file"),   og_cli_get(a, "pin-env")};
    json_t *out = NULL;
    int error, rotate = strcmp(mode, "rotate") == 0, set = rotate || strcmp(mode, "set") == 0;
    int revoke = strcmp(mode, "revoke") == 0, restore = strcmp(mode, "restore") == 0;
    int opts = spec.provider || spec.key_file || spec.pkcs11_uri || spec.pkcs11_module ||
               spec.pin_file || spec.pin_env;
    if (!set && !revoke && !restore && strcmp(mode, "show") != 0) {
        og_error_set(OG_EINVAL, "unknown mode '%s': show, set, rotate, revoke or restore", mode);
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if (!set && !restore && opts) {
        og_error_set(OG_EINVAL,
                     "--provider and its options go with `tenant key set|rotate|restore` only");
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if (restore && opts && !spec.provider) {
        og_error_set(OG_EINVAL, "`tenant key restore` with key options needs --provider too");
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if (set && !spec.provider) {
        og_error_set(OG_EINVAL, "`tenant key %s` needs --provider master|file|pkcs11", mode);
        return og_cli_fail_usage("tenant", OG_EINVAL);
    }
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = rotate    ? og_tenant_key_rotate(&cli->ctx, tenant, &spec, &out)
            : set     ? og_tenant_key_set(&cli->ctx, tenant, &spec, &out)
            : revoke  ? og_tenant_key_revoke(&cli->ctx, tenant, &out)
            : restore ? og_tenant_key_restore(&cli->ctx, tenant, &spec, &out)
                      : og_tenant_key_show(&cli->ctx, tenant, &out);
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json)
        og_cli_print_json(out);
    else {
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
    }
    json_decref(out);
    return OG_EXIT_OK;
}
