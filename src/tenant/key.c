/* key.c - which KEK holds a tenant's data key, and moving it under another one (`opsgate tenant key
 * show|set`): the crypto module re-wraps, this module checks rights and audits the custody change
 * in the same transaction. */
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include "tenant_internal.h"

#include <stdlib.h>
#include <string.h>

static json_t *info_json(const char *tid, const og_crypto_key_info *i)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "tenant_id", tid, "provider", i->provider,
                          "key_version", (json_int_t)i->key_version, "created_at", i->created_at);
    if (o && strcmp(i->provider, "file") == 0)
        json_object_set_new(o, "key_file", json_string(i->config));
    return o;
}

int og_tenant_key_show(og_ctx *ctx, const char *name_or_id, json_t **out)
{
    og_tenant t;
    og_crypto_key_info info;
    int error;
    *out = NULL;
    if ((error = og_tenant__resolve(ctx, name_or_id, OG_PERM_USER_MANAGE, &t)) < 0)
        return error;
    if ((error = og_crypto_scope_key_info(ctx->store, t.id, &info)) < 0)
        return error;
    *out = info_json(t.id, &info);
    free(info.config);
    return *out ? 0 : og_error_set(OG_ERROR, "out of memory");
}

int og_tenant_key_set(og_ctx *ctx, const char *name_or_id, const char *provider,
                      const char *key_file, json_t **out)
{
    og_tenant t;
    og_crypto_key_info before = {0}, after = {0};
    json_t *details = NULL;
    int error;
    *out = NULL;
    /* The key file is a path on the server: only the platform's operators choose one. */
    if ((error = og_tenant__resolve(ctx, name_or_id, OG_PERM_PLATFORM, &t)) < 0)
        return error == OG_EDENIED ? og_error_set(OG_EDENIED,
                                                  "moving a tenant's data key needs the "
                                                  "platform-admin role (you are %s)",
                                                  og_role_name(ctx->actor.role))
                                   : error;
    if (!provider || (strcmp(provider, "master") != 0 && strcmp(provider, "file") != 0))
        return og_error_set(OG_EINVAL, "unknown key provider '%s' (known: master, file)",
                            provider ? provider : "");
    if ((strcmp(provider, "file") == 0) != (key_file != NULL))
        return og_error_set(OG_EINVAL, strcmp(provider, "file") == 0
                                           ? "the file provider needs --key-file PATH"
                                           : "--key-file is for the file provider only");
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_crypto_scope_key_info(ctx->store, t.id, &before)) < 0 ||
        (error = og_crypto_scope_key_rewrap(ctx->keys, ctx->store, t.id, provider, key_file)) < 0 ||
        (error = og_crypto_scope_key_info(ctx->store, t.id, &after)) < 0)
        goto cleanup;
    details =
        json_pack("{s:o, s:o}", "from", info_json(t.id, &before), "to", info_json(t.id, &after));
    if (!details) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    json_object_del(json_object_get(details, "from"), "tenant_id");
    json_object_del(json_object_get(details, "to"), "tenant_id");
    if ((error = og_audit_log(ctx, t.id, "platform", "tenant.key.set", "tenant_key", t.id,
                              details)) < 0)
        goto cleanup;
    *out = info_json(t.id, &after);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    if (error < 0) {
        json_decref(*out);
        *out = NULL;
    }
    json_decref(details);
    free(before.config);
    free(after.config);
    return error;
}
