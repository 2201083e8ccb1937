/* backend_opsgate.c - the "opsgate" deployer: opsgate's own HTTPS listener (serve --tls-cert-id).
 *
 * A deploy writes the new leaf certificate (public: no key on disk) to the target's cert_path,
 * the record of "the listener's certificate is now X". The listener polls it (src/http/tls.c),
 * loads that certificate and its key from the inventory and swaps its TLS credentials without a
 * restart; the standard verification then sees the new fingerprint on the endpoint, and a
 * rollback writes the previous record back the same way. */
#include "deploy/deploy_internal.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

#define RECORD_CAP (64 * 1024)

static int opsgate_check(json_t *config)
{
    int error;
    static const char *const unused[] = {"key_path",   "chain_path", "fullchain_path",
                                         "reload_cmd", "socket",     "nginx_conf"};
    if ((error = og_deploy__config_common(config)) < 0 ||
        (error = og_deploy__check_path(config, "cert_path", 1)) < 0)
        return error;
    for (size_t i = 0; i < sizeof(unused) / sizeof(unused[0]); i++)
        if (json_object_get(config, unused[i]))
            return og_error_set(OG_EINVAL,
                                "an opsgate target takes no %s: the listener loads the key "
                                "from the inventory",
                                unused[i]);
    return 0;
}

static int opsgate_files(const json_t *config, og_deploy_fileset *out)
{
    memset(out, 0, sizeof(*out));
    og_deploy__file_add(out, config, "cert_path", OG_DEPLOY_LEAF, 0644);
    return 0;
}

/* The listener picks the record up within its poll interval; the verification that follows waits
 * for the endpoint to serve it, so there is nothing to wait for here. */
static int opsgate_apply(const json_t *config, const og_deploy_fileset *fs, int *swapped,
                         int64_t *swap_at_us)
{
    int error;
    *swapped = 0;
    og_deploy__mark_swap(swap_at_us);
    if ((error = og_deploy__stage(fs, og_deploy__config_str(config, "owner"))) < 0)
        return error;
    *swapped = 1;
    return og_deploy__swap(fs, swap_at_us);
}

const og_deployer og_deploy__opsgate = {
    .type = "opsgate",
    .description = "opsgate's own HTTPS listener (serve --tls-cert-id): hot swap, no restart",
    .config_check = opsgate_check,
    .files = opsgate_files,
    .apply = opsgate_apply,
};

int og_deploy_listener_poll(og_ctx *ctx, const char *tenant_id, int port,
                            const og_certs_material *fallback, char want[65])
{
    int error = -1, rc, found = 0;
    og_stmt *st = NULL;
    og_deploy_target t;
    char *text = NULL;
    size_t len = 0;
    memset(&t, 0, sizeof(t));
    want[0] = '\0';
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT name FROM deploy_targets WHERE tenant_id = ? AND"
                                 " type = 'opsgate' ORDER BY created_at, name LIMIT 64")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    while (!found && (rc = og_stmt_step(st)) == OG_ROW) {
        char name[64];
        og_strlcpy(name, og_stmt_col_text(st, 0), sizeof(name));
        og_deploy__target_clear(&t);
        if ((error = og_deploy__target_load(ctx->store, tenant_id, name, &t)) < 0)
            goto cleanup;
        for (int i = 0; i < t.nendpoints && !found; i++)
            found = t.endpoints[i].port == port;
    }
    og_stmt_free(st);
    st = NULL;
    if (!found) {
        error = 0;
        goto cleanup;
    }
    const char *path = og_deploy__config_str(t.config, "cert_path");
    if (!path) {
        error = og_error_set(OG_ECORRUPT, "opsgate target %s has no cert_path", t.name);
        goto cleanup;
    }
    if ((error = og_file_read(path, RECORD_CAP, &text, &len)) < 0) {
        if (error != OG_ENOTFOUND)
            goto cleanup;
        og_error_clear();
        if (!fallback || !fallback->leaf_pem) {
            error = 0;
            goto cleanup;
        }
        if ((error = og_deploy__write_file(path, fallback->leaf_pem, strlen(fallback->leaf_pem),
                                           0644, og_deploy__config_str(t.config, "owner"))) < 0)
            goto cleanup;
        og_strlcpy(want, fallback->fingerprint, 65);
        error = 0;
        goto cleanup;
    }
    if ((error = og_certs_pem_fingerprint(text, len, want)) < 0)
        og_error_wrap("opsgate target %s: %s", t.name, path);
cleanup:
    og_stmt_free(st);
    og_deploy__target_clear(&t);
    free(text);
    return error;
}
