/* key.c - which KEK holds a tenant's data key, and moving it under another one (`opsgate tenant key
 * show|set`): the crypto module re-wraps, this module checks rights and audits the custody change
 * in the same transaction. */
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include "tenant_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *info_json(const char *tid, const og_crypto_key_info *i)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "tenant_id", tid, "provider", i->provider,
                          "key_version", (json_int_t)i->key_version, "created_at", i->created_at);
    if (o && i->revoked_at[0])
        json_object_set_new(o, "revoked_at", json_string(i->revoked_at));
    if (o && strcmp(i->provider, "file") == 0)
        json_object_set_new(o, "key_file", json_string(i->config));
    if (o && strcmp(i->provider, "pkcs11") == 0 && i->config) {
        json_t *c = json_loads(i->config, 0, NULL);
        const char *k;
        json_t *v;
        json_object_foreach(c, k, v)
        {
            char name[64];
            snprintf(name, sizeof(name), "%s%s", strncmp(k, "pin", 3) ? "pkcs11_" : "", k);
            json_object_set(o, name, v);
        }
        json_decref(c);
    }
    return o;
}

/* The provider's stored configuration for spec: *config malloc'ed (NULL for master). */
static int spec_config(const og_tenant_key_spec *sp, char **config)
{
    const char *p = sp->provider ? sp->provider : "";
    int file = strcmp(p, "file") == 0, hsm = strcmp(p, "pkcs11") == 0;
    *config = NULL;
    if (!file && !hsm && strcmp(p, "master") != 0)
        return og_error_set(OG_EINVAL, "unknown key provider '%s' (known: master, file, pkcs11)",
                            p);
    if (file != (sp->key_file != NULL))
        return og_error_set(OG_EINVAL, file ? "the file provider needs --key-file PATH"
                                            : "--key-file is for the file provider only");
    if (!hsm && (sp->pkcs11_uri || sp->pkcs11_module || sp->pin_file || sp->pin_env))
        return og_error_set(OG_EINVAL,
                            "--pkcs11-uri, --pkcs11-module, --pin-file and --pin-env are for the "
                            "pkcs11 provider only");
    if (file && !(*config = strdup(sp->key_file)))
        return og_error_set(OG_ERROR, "out of memory");
    if (hsm) {
        if (!sp->pkcs11_uri || !sp->pkcs11_module || !sp->pin_file == !sp->pin_env)
            return og_error_set(OG_EINVAL, "the pkcs11 provider needs --pkcs11-uri, "
                                           "--pkcs11-module and one of --pin-file, --pin-env");
        json_t *c = json_pack("{s:s, s:s, s:s}", "uri", sp->pkcs11_uri, "module", sp->pkcs11_module,
                              sp->pin_file ? "pin_file" : "pin_env",
                              sp->pin_file ? sp->pin_file : sp->pin_env);
        *config = c ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(c);
        if (!*config)
            return og_error_set(OG_ERROR, "out of memory");
    }
    return 0;
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

static int key_change(og_ctx *ctx, const char *name_or_id, const og_tenant_key_spec *spec,
                      int rotate, json_t **out)
{
    og_tenant t;
    og_crypto_key_info before = {0}, after = {0};
    json_t *details = NULL;
    char *config = NULL;
    int error;
    *out = NULL;
    /* Key files, modules and PIN files are paths on the server: only platform operators choose. */
    if ((error = og_tenant__resolve(ctx, name_or_id, OG_PERM_PLATFORM, &t)) < 0)
        return error == OG_EDENIED ? og_error_set(OG_EDENIED,
                                                  "moving a tenant's data key needs the "
                                                  "platform-admin role (you are %s)",
                                                  og_role_name(ctx->actor.role))
                                   : error;
    if ((error = spec_config(spec, &config)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_crypto_scope_key_info(ctx->store, t.id, &before)) < 0 ||
        (error = (rotate ? og_crypto_scope_key_rotate : og_crypto_scope_key_rewrap)(
             ctx->keys, ctx->store, t.id, spec->provider, config)) < 0 ||
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
    if ((error =
             og_audit_log(ctx, t.id, "platform", rotate ? "tenant.key.rotate" : "tenant.key.set",
                          "tenant_key", t.id, details)) < 0)
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
    free(config);
    return error;
}

int og_tenant_key_set(og_ctx *ctx, const char *name_or_id, const og_tenant_key_spec *spec,
                      json_t **out)
{
    return key_change(ctx, name_or_id, spec, 0, out);
}

int og_tenant_key_rotate(og_ctx *ctx, const char *name_or_id, const og_tenant_key_spec *spec,
                         json_t **out)
{
    return key_change(ctx, name_or_id, spec, 1, out);
}

/* Revoke (spec unused) or restore under the stored or the given key location. */
static int key_lock(og_ctx *ctx, const char *name_or_id, int revoke, const og_tenant_key_spec *spec,
                    json_t **out)
{
    og_tenant t;
    og_crypto_key_info info = {0};
    json_t *details = NULL;
    char *config = NULL;
    int error, moved = spec && spec->provider;
    const char *action = revoke ? "tenant.key.revoke" : "tenant.key.restore";
    *out = NULL;
    /* A new key location is a path on the server: only platform operators choose one. */
    if ((error = og_tenant__resolve(ctx, name_or_id, moved ? OG_PERM_PLATFORM : OG_PERM_USER_MANAGE,
                                    &t)) < 0)
        return error != OG_EDENIED ? error
               : moved
                   ? og_error_set(OG_EDENIED,
                                  "restoring a tenant's key from another location needs the "
                                  "platform-admin role (you are %s)",
                                  og_role_name(ctx->actor.role))
                   : og_error_set(OG_EDENIED,
                                  "%s a tenant's key needs the tenant-admin or "
                                  "platform-admin role (you are %s)",
                                  revoke ? "revoking" : "restoring", og_role_name(ctx->actor.role));
    if (moved && (error = spec_config(spec, &config)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0) {
        free(config);
        return error;
    }
    if ((error = revoke ? og_crypto_scope_key_revoke(ctx->keys, ctx->store, t.id)
                        : og_crypto_scope_key_restore(ctx->keys, ctx->store, t.id,
                                                      moved ? spec->provider : NULL, config)) < 0 ||
        (error = og_crypto_scope_key_info(ctx->store, t.id, &info)) < 0)
        goto cleanup;
    if (!(details = info_json(t.id, &info))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    json_object_del(details, "tenant_id");
    if ((error = og_audit_log(ctx, t.id, "platform", action, "tenant_key", t.id, details)) < 0)
        goto cleanup;
    *out = info_json(t.id, &info);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    if (error < 0) {
        json_decref(*out);
        *out = NULL;
    }
    json_decref(details);
    free(info.config);
    free(config);
    return error;
}

int og_tenant_key_revoke(og_ctx *ctx, const char *name_or_id, json_t **out)
{
    return key_lock(ctx, name_or_id, 1, NULL, out);
}

int og_tenant_key_restore(og_ctx *ctx, const char *name_or_id, const og_tenant_key_spec *spec,
                          json_t **out)
{
    return key_lock(ctx, name_or_id, 0, spec, out);
}
