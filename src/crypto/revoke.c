/* revoke.c - revoking a scope's data key (its data unreadable at once, in every process, nothing
 * deleted) and restoring it with its KEK; sweeping the cache of expired and revoked keys. */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int og_crypto__revoked_error(const char *scope, const char *at)
{
    char label[300];
    og_crypto__scope_label(scope, label, sizeof(label));
    og_error_set(OG_ELOCKED,
                 "the data key of %s was revoked at %s: its data is locked (nothing was deleted) "
                 "until the key is restored",
                 label, at);
    og_error_set_detail(OG_CRYPTO_DETAIL_KEY_REVOKED);
    return OG_ELOCKED;
}

/* og_crypto_scope_key_check; hold != 0 also holds the row it read for this thread (rowmemo.c). */
static int key_check(og_store *s, const char *scope, int hold)
{
    int error = -1;
    og_stmt *st = NULL;
    og_crypto__dek_row row;
    struct stat sb;
    const char *key = og_crypto__scope_key(scope);
    if ((error = og_crypto__check_names(scope, NULL)) < 0)
        return error;
    if (hold)
        og_crypto_scope_key_release();
    /* Read in this transaction already, not revoked (rowmemo.c): only the key file to look at. */
    if (og_crypto__memo_get(s, key, &row)) {
        if (strcmp(row.kek, "file") == 0 && row.has_config && lstat(row.config, &sb) < 0 &&
            errno == ENOENT)
            return og_crypto__withdrawn_error(row.config);
        return 0;
    }
    /* The whole row, as og_keyring__scope_dek_cur reads it, when it is to be held. */
    if ((error = og_stmt_prepare_args(
             &st, s,
             hold ? "SELECT revoked_at, kek, kek_config, key_version, wrapped, dek_version,"
                    " (SELECT min(o.dek_version) FROM crypto_data_key_old o"
                    " WHERE o.scope = d.scope) FROM crypto_data_key d WHERE d.scope = ?"
                  : "SELECT revoked_at, kek, kek_config FROM crypto_data_key WHERE scope = ?",
             "t", key)) < 0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    int found = error == OG_ROW;
    if (found && og_stmt_col_text(st, 0))
        error = og_crypto__revoked_error(scope, og_stmt_col_text(st, 0));
    /* A client's key file gone: withdrawn (one lstat; anything else wrong with the file is
     * found, as 503, when the key is used). */
    else if (found && og_streq(og_stmt_col_text(st, 1), "file") && og_stmt_col_text(st, 2) &&
             lstat(og_stmt_col_text(st, 2), &sb) < 0 && errno == ENOENT)
        error = og_crypto__withdrawn_error(og_stmt_col_text(st, 2));
    else
        error = 0;
    if (error == 0 && hold && found && og_stmt_col_text(st, 1)) {
        size_t wlen = 0;
        const uint8_t *wrapped = og_stmt_col_blob(st, 4, &wlen);
        int64_t current = og_stmt_col_int(st, 5);
        /* a row that does not fit is not held: each use reads it */
        if (og_crypto__row_fill(&row, key, og_stmt_col_text(st, 1), og_stmt_col_int(st, 3), wrapped,
                                wlen, og_stmt_col_text(st, 2), current,
                                og_stmt_col_is_null(st, 6) ? current : og_stmt_col_int(st, 6)) == 0)
            og_crypto__hold_set(key, &row);
    }
cleanup:
    og_stmt_free(st);
    return error;
}

int og_crypto_scope_key_check(og_store *s, const char *scope)
{
    return key_check(s, scope, 0);
}

int og_crypto_scope_key_hold(og_store *s, const char *scope)
{
    return key_check(s, scope, 1);
}

/* Set (at) or clear (NULL) revoked_at of the scope's row, and the configuration when given (in
 * the caller's transaction). */
static int set_revoked(og_store *s, const char *key, const char *at, const char *config)
{
    og_crypto__memo_forget();
    int rc = config ? og_store_run(s,
                                   "UPDATE crypto_data_key SET revoked_at = ?, kek_config = ?"
                                   " WHERE scope = ?",
                                   "ttt", at, config, key)
                    : og_store_run(s, "UPDATE crypto_data_key SET revoked_at = ? WHERE scope = ?",
                                   "tt", at, key);
    return rc < 0 ? rc : 0;
}

int og_crypto_scope_key_revoke(og_keyring *k, og_store *s, const char *scope)
{
    int error = -1;
    int depth = og_store_tx_depth(s);
    og_crypto_key_info info = {0};
    char label[300], now[OG_TIME_LEN];
    const char *key = og_crypto__scope_key(scope);
    if ((error = og_crypto__check_names(scope, NULL)) < 0)
        return error;
    og_crypto__scope_label(scope, label, sizeof(label));
    if ((error = og_store_tx_begin(s)) < 0)
        goto cleanup;
    if ((error = og_crypto_scope_key_info(s, scope, &info)) < 0)
        goto cleanup;
    if (info.revoked_at[0]) {
        error = og_error_set(OG_ECONFLICT, "the data key of %s is already revoked (since %s)",
                             label, info.revoked_at);
        goto cleanup;
    }
    og_time_format(og_time_now_us(), now);
    if ((error = set_revoked(s, key, now, NULL)) < 0) {
        og_error_wrap("revoking the data key of %s", label);
        goto cleanup;
    }
    error = 0;
cleanup:
    if (og_store_tx_depth(s) > depth)
        error = og_store_tx_end(s, error);
    /* Zeroized whatever happened: a rolled-back revoke only means the next use unwraps again. */
    og_crypto__cache_evict(og_keyring__cache(k), key);
    free(info.config);
    return error;
}

/* Unwrap the scope's stored key with kek, to prove the key brought back is the right one. */
static int try_unwrap(og_store *s, const char *key, const og_kek *kek, const char *label)
{
    int error = -1;
    og_stmt *st = NULL;
    uint8_t dek[OG_CRYPTO_KEY_LEN];
    char aad[400];
    size_t wlen = 0;
    if ((error = og_stmt_prepare_args(&st, s, "SELECT wrapped FROM crypto_data_key WHERE scope = ?",
                                      "t", key)) < 0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    const uint8_t *wrapped = error == OG_ROW ? og_stmt_col_blob(st, 0, &wlen) : NULL;
    if (!wrapped) {
        error = og_error_set(OG_ECORRUPT, "the data key row of %s is incomplete", label);
        goto cleanup;
    }
    snprintf(aad, sizeof(aad), DEK_AAD_PREFIX "%s", key);
    if ((error = kek->provider->unwrap(kek->self, wrapped, wlen, aad, dek)) < 0) {
        og_error_wrap("cannot restore the data key of %s: the key given does not unwrap it "
                      "(it stays revoked)",
                      label);
        goto cleanup;
    }
    error = 0;
cleanup:
    og_crypto_wipe(dek, sizeof(dek));
    og_stmt_free(st);
    return error;
}

int og_crypto_scope_key_restore(og_keyring *k, og_store *s, const char *scope, const char *provider,
                                const char *config)
{
    int error = -1;
    int depth = og_store_tx_depth(s);
    og_crypto_key_info info = {0};
    og_kek kek = {0}, found;
    char label[300];
    const char *key = og_crypto__scope_key(scope);
    if ((error = og_crypto__check_names(scope, NULL)) < 0)
        return error;
    og_crypto__scope_label(scope, label, sizeof(label));
    if ((error = og_store_tx_begin(s)) < 0)
        goto cleanup;
    if ((error = og_crypto_scope_key_info(s, scope, &info)) < 0)
        goto cleanup;
    if (!info.revoked_at[0]) {
        error = og_error_set(OG_ECONFLICT, "the data key of %s is not revoked", label);
        goto cleanup;
    }
    if (provider && strcmp(provider, info.provider) != 0) {
        error = og_error_set(OG_EINVAL,
                             "the data key of %s is wrapped by KEK '%s': restore it with that "
                             "provider's key, not '%s'",
                             label, info.provider, provider);
        goto cleanup;
    }
    if (config && !info.config) {
        error = og_error_set(OG_EINVAL, "KEK '%s' takes no configuration", info.provider);
        goto cleanup;
    }
    if (info.config) {
        /* Opened and checked afresh (the key file there now, the token now), never cached. */
        if ((error = og_kek__open(info.provider, config ? config : info.config,
                                  (int)info.key_version, 1, &kek)) < 0) {
            og_error_wrap("cannot restore the data key of %s (it stays revoked)", label);
            goto cleanup;
        }
        if ((error = try_unwrap(s, key, &kek, label)) < 0)
            goto cleanup;
    } else {
        if ((error = og_keyring__kek_for(k, key, info.provider, (int)info.key_version, NULL, 0,
                                         &found)) < 0 ||
            (error = try_unwrap(s, key, &found, label)) < 0)
            goto cleanup;
    }
    if ((error = set_revoked(s, key, NULL, config)) < 0) {
        og_error_wrap("restoring the data key of %s", label);
        goto cleanup;
    }
    error = 0;
cleanup:
    if (og_store_tx_depth(s) > depth)
        error = og_store_tx_end(s, error);
    if (kek.provider)
        kek.provider->free(kek.self);
    og_crypto__cache_evict(og_keyring__cache(k), key);
    free(info.config);
    return error;
}

int og_keyring_cache_sweep(og_keyring *k, og_store *s, size_t *dropped)
{
    og_crypto__cache *c = og_keyring__cache(k);
    size_t n = og_crypto__cache_expire(c), nscopes = 0;
    char **scopes = og_crypto__cache_scopes(c, &nscopes);
    int error = 0;
    for (size_t i = 0; i < nscopes; i++) {
        /* A scope whose row is gone or revoked, by whatever process: zeroize its key here. */
        og_stmt *st = NULL;
        int rc = og_stmt_prepare_args(
            &st, s, "SELECT revoked_at FROM crypto_data_key WHERE scope = ?", "t", scopes[i]);
        if (rc == 0)
            rc = og_stmt_step(st);
        if (rc == OG_DONE || (rc == OG_ROW && og_stmt_col_text(st, 0))) {
            og_crypto__cache_evict(c, scopes[i]);
            n++;
        } else if (rc < 0 && error == 0) {
            error = rc;
        }
        og_stmt_free(st);
        free(scopes[i]);
    }
    free(scopes);
    if (dropped)
        *dropped = n;
    return error;
}
