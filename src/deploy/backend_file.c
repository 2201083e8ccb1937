/* backend_file.c - the "file" deployer: certificate, chain, full chain and key written atomically
 * (0644, key 0600, owner configurable), previous files kept, then an optional reload command. */
#include "deploy/deploy_internal.h"
#include "opsgate/error.h"

#include <string.h>

static const struct {
    const char *key;
    og_deploy_role role;
} file_paths[] = {
    {"cert_path", OG_DEPLOY_LEAF},
    {"chain_path", OG_DEPLOY_CHAIN},
    {"fullchain_path", OG_DEPLOY_FULLCHAIN},
    {"key_path", OG_DEPLOY_KEY},
};

int og_deploy__config_common(json_t *config)
{
    const char *owner, *key;
    json_t *v;
    void *tmp;
    /* A null option is an absent one (API callers pack optional values as null). */
    json_object_foreach_safe(config, tmp, key, v)
    {
        if (json_is_null(v))
            json_object_del(config, key);
    }
    owner = json_string_value(json_object_get(config, "owner"));
    if (json_object_get(config, "owner") && (!owner || !*owner || strlen(owner) > 127))
        return og_error_set(OG_EINVAL, "bad owner (user[:group])");
    if (json_object_get(config, "reload_cmd") &&
        (!og_deploy__config_str(config, "reload_cmd") ||
         strlen(og_deploy__config_str(config, "reload_cmd")) > 4000))
        return og_error_set(OG_EINVAL, "bad reload command (1 to 4000 characters)");
    const char *durs[] = {"reload_timeout_us", "verify_timeout_us"};
    for (size_t i = 0; i < 2; i++) {
        v = json_object_get(config, durs[i]);
        if (v && (!json_is_integer(v) || json_integer_value(v) < 100000 ||
                  json_integer_value(v) > (json_int_t)3600 * 1000000))
            return og_error_set(OG_EINVAL, "bad %s (100ms to 1h)", durs[i]);
    }
    return 0;
}

static int file_check(json_t *config)
{
    int error;
    if ((error = og_deploy__config_common(config)) < 0)
        return error;
    for (size_t i = 0; i < sizeof(file_paths) / sizeof(file_paths[0]); i++)
        if ((error = og_deploy__check_path(config, file_paths[i].key,
                                           file_paths[i].role == OG_DEPLOY_KEY)) < 0)
            return error;
    if (!json_object_get(config, "cert_path") && !json_object_get(config, "fullchain_path"))
        return og_error_set(OG_EINVAL,
                            "a file target needs cert_path or fullchain_path (an absolute path)");
    return 0;
}

static int file_files(const json_t *config, og_deploy_fileset *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < sizeof(file_paths) / sizeof(file_paths[0]); i++)
        og_deploy__file_add(out, config, file_paths[i].key, file_paths[i].role,
                            file_paths[i].role == OG_DEPLOY_KEY ? 0600 : 0644);
    return 0;
}

static int file_apply(const json_t *config, const og_deploy_fileset *fs, int *swapped,
                      int64_t *swap_at_us)
{
    int error;
    const char *cmd = og_deploy__config_str(config, "reload_cmd");
    og_buf out;
    *swapped = 0;
    if ((error = og_deploy__stage(fs, og_deploy__config_str(config, "owner"))) < 0)
        return error;
    *swapped = 1;
    if ((error = og_deploy__swap(fs, swap_at_us)) < 0)
        return error;
    if (!cmd)
        return 0;
    og_buf_init(&out, OG_DEPLOY_OUTPUT_CAP);
    const char *argv[] = {cmd, NULL};
    error = og_deploy__run(
        "reload command", argv, 1,
        og_deploy__config_us(config, "reload_timeout_us", OG_DEPLOY_DEFAULT_RELOAD_US), &out);
    og_buf_free(&out);
    return error;
}

const og_deployer og_deploy__file = {
    .type = "file",
    .description = "files written atomically, then an optional reload command",
    .config_check = file_check,
    .files = file_files,
    .apply = file_apply,
};
