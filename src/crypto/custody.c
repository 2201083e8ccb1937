/* custody.c - which KEK holds a scope's data key, and moving the key under another KEK (re-wrap:
 * the data key, and so every sealed object, stays the same). */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int og_crypto_scope_key_info(og_store *s, const char *scope, og_crypto_key_info *out)
{
    int error = -1;
    og_stmt *st = NULL;
    char label[300];
    memset(out, 0, sizeof(*out));
    if ((error = og_crypto__check_names(scope, NULL)) < 0)
        return error;
    og_crypto__scope_label(scope, label, sizeof(label));
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT kek, key_version, kek_config, created_at, revoked_at FROM"
                                 " crypto_data_key WHERE scope = ?")) < 0 ||
        (error = og_stmt_bind_text(st, 1, og_crypto__scope_key(scope))) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) < 0) {
        og_error_wrap("reading the data key of %s", label);
        goto cleanup;
    }
    if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "no data key for %s: it was destroyed or never created",
                             label);
        goto cleanup;
    }
    const char *kek = og_stmt_col_text(st, 0), *cfg = og_stmt_col_text(st, 2),
               *at = og_stmt_col_text(st, 3);
    snprintf(out->provider, sizeof(out->provider), "%s", kek ? kek : "");
    out->key_version = og_stmt_col_int(st, 1);
    snprintf(out->created_at, sizeof(out->created_at), "%s", at ? at : "");
    at = og_stmt_col_text(st, 4);
    snprintf(out->revoked_at, sizeof(out->revoked_at), "%s", at ? at : "");
    if (cfg && !(out->config = strdup(cfg))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    return error;
}

/* Re-wrap under (provider, version, config); rotate != 0 requires the same provider, not master,
 * and takes the next version. */
static int rewrap(og_keyring *k, og_store *s, const char *scope, const char *provider,
                  const char *config, int rotate)
{
    int error = -1;
    int depth = og_store_tx_depth(s);
    og_stmt *st = NULL;
    og_kek kek;
    uint8_t dek[OG_CRYPTO_KEY_LEN];
    uint8_t *wrapped = NULL;
    size_t wlen = 0;
    char aad[400];
    char label[300];
    const char *key = og_crypto__scope_key(scope);
    if ((error = og_crypto__check_names(scope, NULL)) < 0)
        goto cleanup;
    og_crypto__scope_label(scope, label, sizeof(label));
    og_crypto_key_info cur = {0};
    int version = 1;
    if (!provider || (strcmp(provider, "master") == 0) != (config == NULL)) {
        error = og_error_set(OG_EINVAL,
                             "cannot move the data key of %s: the master KEK takes no "
                             "configuration, and every other provider needs one",
                             label);
        goto cleanup;
    }
    if ((error = og_store_tx_begin(s)) < 0)
        goto cleanup;
    /* The current KEK must still open the key: a key whose KEK is unavailable cannot be moved. */
    if ((error = og_keyring__scope_dek(k, s, scope, dek)) < 0) {
        og_error_wrap("cannot move the data key of %s", label);
        goto cleanup;
    }
    if (rotate) {
        if ((error = og_crypto_scope_key_info(s, scope, &cur)) < 0)
            goto cleanup;
        if (strcmp(cur.provider, provider) != 0 || strcmp(provider, "master") == 0) {
            error = og_error_set(OG_ECONFLICT,
                                 "cannot rotate the KEK of %s: it is under '%s'; rotation moves "
                                 "to a new key of the same customer-managed provider (use set "
                                 "to change provider)",
                                 label, cur.provider);
            goto cleanup;
        }
        version = (int)cur.key_version + 1;
    }
    if ((error = og_keyring__kek_for(k, key, provider, version, config, 1, &kek)) < 0) {
        og_error_wrap("cannot move the data key of %s to KEK '%s'", label, provider);
        goto cleanup;
    }
    snprintf(aad, sizeof(aad), DEK_AAD_PREFIX "%s", key);
    if ((error = kek.provider->wrap(kek.self, dek, aad, &wrapped, &wlen)) < 0) {
        og_error_wrap("cannot move the data key of %s to KEK '%s'", label, provider);
        goto cleanup;
    }
    og_crypto__memo_forget();
    if ((error = og_stmt_prepare(&st, s,
                                 "UPDATE crypto_data_key SET kek = ?, key_version = ?,"
                                 " kek_config = ?, wrapped = ? WHERE scope = ?")) < 0 ||
        (error = og_stmt_bind_text(st, 1, kek.provider->name)) < 0 ||
        (error = og_stmt_bind_int(st, 2, kek.key_version)) < 0 ||
        (error = config ? og_stmt_bind_text(st, 3, config) : og_stmt_bind_null(st, 3)) < 0 ||
        (error = og_stmt_bind_blob(st, 4, wrapped, wlen)) < 0 ||
        (error = og_stmt_bind_text(st, 5, key)) < 0 || (error = og_stmt_step(st)) < 0) {
        og_error_wrap("storing the re-wrapped data key of %s", label);
        goto cleanup;
    }
    /* The key unwrapped from the old row is zeroized now, not at its expiry. */
    og_crypto__cache_evict(og_keyring__cache(k), key);
    error = 0;
cleanup:
    og_stmt_free(st);
    if (og_store_tx_depth(s) > depth)
        error = og_store_tx_end(s, error);
    og_crypto_wipe(dek, sizeof(dek));
    free(wrapped);
    free(cur.config);
    return error;
}

int og_crypto_scope_key_rewrap(og_keyring *k, og_store *s, const char *scope, const char *provider,
                               const char *config)
{
    return rewrap(k, s, scope, provider, config, 0);
}

int og_crypto_scope_key_rotate(og_keyring *k, og_store *s, const char *scope, const char *provider,
                               const char *config)
{
    return rewrap(k, s, scope, provider, config, 1);
}
