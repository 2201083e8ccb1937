/* datakey.c - `opsgate tenant key rotate --data-key`: a new version of a tenant's data key, which
 * new seals use at once (the composition layer then re-seals the tenant's data under it, module by
 * module), and the rotation's state for `tenant key show`. */
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include "tenant_internal.h"

#include <stdlib.h>

static int status_json(og_ctx *ctx, const char *tid, json_t **out)
{
    int64_t current = 0, oldest = 0;
    json_t *progress = NULL;
    int error;
    *out = NULL;
    if ((error = og_crypto_datakey_versions(ctx->store, tid, &current, &oldest)) < 0 ||
        (error = og_crypto_reseal_list(ctx->store, tid, &progress)) < 0)
        return error;
    *out = json_pack("{s:s, s:I, s:I, s:s, s:o}", "tenant_id", tid, "data_key_version",
                     (json_int_t)current, "oldest_kept_version", (json_int_t)oldest, "state",
                     oldest < current ? "re-sealing" : "idle", "progress", progress);
    return *out ? 0 : og_error_set(OG_ERROR, "out of memory");
}

int og_tenant_key_datakey_status(og_ctx *ctx, const char *name_or_id, json_t **out)
{
    og_tenant t;
    int error;
    *out = NULL;
    if ((error = og_tenant__resolve(ctx, name_or_id, OG_PERM_USER_MANAGE, &t)) < 0)
        return error;
    return status_json(ctx, t.id, out);
}

int og_tenant_key_datakey_rotate(og_ctx *ctx, const char *name_or_id, json_t **out)
{
    og_tenant t;
    og_crypto_key_info kek = {0};
    json_t *details = NULL;
    int64_t from = 0, to = 0;
    int error;
    *out = NULL;
    if ((error = og_tenant__resolve(ctx, name_or_id, OG_PERM_PLATFORM, &t)) < 0)
        return error == OG_EDENIED ? og_error_set(OG_EDENIED,
                                                  "rotating a tenant's data key needs the "
                                                  "platform-admin role (you are %s)",
                                                  og_role_name(ctx->actor.role))
                                   : error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_crypto_scope_key_info(ctx->store, t.id, &kek)) < 0 ||
        (error = og_crypto_datakey_versions(ctx->store, t.id, &from, NULL)) < 0 ||
        (error = og_crypto_datakey_rotate(ctx->keys, ctx->store, t.id, &to)) < 0)
        goto cleanup;
    details = json_pack("{s:s, s:I, s:I, s:I}", "provider", kek.provider, "key_version",
                        (json_int_t)kek.key_version, "from_data_key_version", (json_int_t)from,
                        "to_data_key_version", (json_int_t)to);
    if (!details) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_audit_log(ctx, t.id, "platform", "tenant.key.datakey.begin", "tenant_key", t.id,
                              details)) < 0 ||
        (error = status_json(ctx, t.id, out)) < 0)
        goto cleanup;
cleanup:
    error = og_store_tx_end(ctx->store, error);
    if (error < 0) {
        json_decref(*out);
        *out = NULL;
    }
    json_decref(details);
    free(kek.config);
    return error;
}
