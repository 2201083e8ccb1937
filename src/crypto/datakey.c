/* datakey.c - data-key versions: rotating a scope's data key, keeping the earlier versions (each
 * wrapped by the current data key) until everything sealed under them is re-sealed, re-sealing in
 * batches over a module's own SQL, and the re-seal's progress. */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OLD_WRAP_LEN (OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN + OG_CRYPTO_TAG_LEN)
#define OLD_DOMAIN   "opsgate-dek-old-v1"

void og_crypto__put_version(uint8_t out[4], int64_t version)
{
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)((uint64_t)version >> (24 - 8 * i));
}

int64_t og_crypto__get_version(const uint8_t in[4])
{
    return ((int64_t)in[0] << 24) | ((int64_t)in[1] << 16) | ((int64_t)in[2] << 8) | in[3];
}

int og_crypto_sealed_version(const void *sealed, size_t len, int is_stream, int64_t *version)
{
    const uint8_t *in = sealed;
    *version = 0;
    size_t need = !in || len < 1  ? 1
                  : is_stream     ? (in[0] == 0x01 ? 33 : OG_CRYPTO_STREAM_HEADER_LEN)
                  : in[0] == 0x01 ? (1 + 12 + 16)
                                  : OG_CRYPTO_SEAL_OVERHEAD;
    if (!in || len < need)
        return og_error_set(OG_ECORRUPT, "truncated (%zu bytes; sealed data has at least %zu)",
                            in ? len : 0, need);
    if (in[0] != 0x01 && in[0] != 0x02)
        return og_error_set(OG_ECORRUPT,
                            "unknown format version 0x%02x (this opsgate reads 0x%02x and 0x%02x; "
                            "corrupt or written by a newer opsgate)",
                            in[0], 0x01, 0x02);
    *version = in[0] == 0x01 ? 1 : og_crypto__get_version(in + 1);
    if (*version < 1)
        return og_error_set(OG_ECORRUPT, "names data-key version 0: corrupt or tampered");
    return 0;
}

/* Associated data of an earlier data key wrapped by the current one: domain NUL scope-key NUL and
 * the earlier version (4 bytes). Returns its length; out holds at least 300 bytes. */
static size_t old_aad(const char *scope_key, int64_t version, uint8_t *out)
{
    size_t dl = sizeof(OLD_DOMAIN), kl = strlen(scope_key) + 1;
    memcpy(out, OLD_DOMAIN, dl);
    memcpy(out + dl, scope_key, kl);
    og_crypto__put_version(out + dl + kl, version);
    return dl + kl + 4;
}

int og_keyring__dek_version(og_keyring *k, og_store *s, const char *scope, int64_t version,
                            uint8_t dek[32])
{
    int error = -1;
    og_stmt *st = NULL;
    uint8_t cur[OG_CRYPTO_KEY_LEN], aad[300];
    int64_t cur_version = 0;
    char label[300];
    const char *key = og_crypto__scope_key(scope);
    og_crypto__scope_label(scope, label, sizeof(label));
    if ((error = og_keyring__scope_dek_cur(k, s, scope, cur, &cur_version, NULL)) < 0)
        goto cleanup;
    if (version == cur_version) {
        memcpy(dek, cur, OG_CRYPTO_KEY_LEN);
        error = 0;
        goto cleanup;
    }
    if (version > cur_version) {
        error = og_error_set(OG_ECORRUPT,
                             "sealed data of %s names data-key version %lld, newer than the "
                             "current version %lld: corrupt or tampered",
                             label, (long long)version, (long long)cur_version);
        goto cleanup;
    }
    if ((error = og_stmt_prepare_args(&st, s,
                                      "SELECT wrapped FROM crypto_data_key_old WHERE scope = ?"
                                      " AND dek_version = ?",
                                      "ti", key, version)) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) < 0) {
        og_error_wrap("reading data-key version %lld of %s", (long long)version, label);
        goto cleanup;
    }
    size_t wlen = 0;
    const uint8_t *w = error == OG_ROW ? og_stmt_col_blob(st, 0, &wlen) : NULL;
    if (!w) {
        error = og_error_set(OG_ENOTFOUND,
                             "data-key version %lld of %s is destroyed (a data-key rotation "
                             "re-sealed everything under it and retired it) or never existed; "
                             "the current version is %lld",
                             (long long)version, label, (long long)cur_version);
        goto cleanup;
    }
    size_t alen = old_aad(key, version, aad);
    if (wlen != OLD_WRAP_LEN ||
        og_crypto__gcm_open(cur, w, aad, alen, w + OG_CRYPTO_NONCE_LEN, OG_CRYPTO_KEY_LEN,
                            w + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN, dek) < 0) {
        error = og_error_set(OG_ECORRUPT,
                             "data-key version %lld of %s does not open with the current data "
                             "key (tampered or copied from another scope)",
                             (long long)version, label);
        goto cleanup;
    }
    error = 0;
cleanup:
    og_crypto_wipe(cur, sizeof(cur));
    og_stmt_free(st);
    return error;
}

/* How many earlier versions the scope keeps; negative on error. */
static int64_t old_count(og_store *s, const char *key)
{
    og_stmt *st = NULL;
    int64_t n = -1;
    int rc = og_stmt_prepare_args(
        &st, s, "SELECT count(*) FROM crypto_data_key_old WHERE scope = ?", "t", key);
    if (rc == 0 && (rc = og_stmt_step(st)) == OG_ROW)
        n = og_stmt_col_int(st, 0);
    else if (rc >= 0)
        og_error_set(OG_ERROR, "counting the kept data-key versions failed");
    og_stmt_free(st);
    return n;
}

/* The KEK of the scope's current row (provider, version, configuration). */
static int row_kek(og_keyring *k, og_store *s, const char *key, og_kek *kek)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare_args(
        &st, s, "SELECT kek, key_version, kek_config FROM crypto_data_key WHERE scope = ?", "t",
        key);
    if (error == 0 && (error = og_stmt_step(st)) == OG_ROW)
        error = og_keyring__kek_for(k, key, og_stmt_col_text(st, 0), (int)og_stmt_col_int(st, 1),
                                    og_stmt_col_text(st, 2), 0, kek);
    else if (error >= 0)
        error = og_error_set(OG_ENOTFOUND, "the data key is gone");
    og_stmt_free(st);
    return error;
}

int og_crypto_datakey_rotate(og_keyring *k, og_store *s, const char *scope, int64_t *new_version)
{
    int error = -1;
    int depth = og_store_tx_depth(s);
    og_kek kek;
    uint8_t cur[OG_CRYPTO_KEY_LEN], next[OG_CRYPTO_KEY_LEN], old[OLD_WRAP_LEN], aad[300];
    uint8_t *wrapped = NULL;
    size_t wlen = 0;
    int64_t version = 0;
    char label[300], now[OG_TIME_LEN];
    const char *key = og_crypto__scope_key(scope);
    if ((error = og_crypto__check_names(scope, NULL)) < 0)
        goto cleanup;
    og_crypto__scope_label(scope, label, sizeof(label));
    if ((error = og_store_tx_begin(s)) < 0)
        goto cleanup;
    if ((error = og_keyring__scope_dek_cur(k, s, scope, cur, &version, NULL)) < 0) {
        og_error_wrap("cannot rotate the data key of %s", label);
        goto cleanup;
    }
    int64_t kept = old_count(s, key);
    if (kept < 0) {
        error = OG_ERROR;
        goto cleanup;
    }
    if (kept > 0) {
        error = og_error_set(OG_ECONFLICT,
                             "cannot rotate the data key of %s: the rotation to version %lld is "
                             "not finished (its re-seal still needs the earlier version); let it "
                             "finish first",
                             label, (long long)version);
        og_error_set_detail("datakey_rotation_unfinished");
        goto cleanup;
    }
    if ((error = row_kek(k, s, key, &kek)) < 0) {
        og_error_wrap("cannot rotate the data key of %s", label);
        goto cleanup;
    }
    snprintf((char *)aad, sizeof(aad), DEK_AAD_PREFIX "%s", key);
    if ((error = og_crypto_random(next, sizeof(next))) < 0 ||
        (error = kek.provider->wrap(kek.self, next, (const char *)aad, &wrapped, &wlen)) < 0) {
        og_error_wrap("cannot rotate the data key of %s", label);
        goto cleanup;
    }
    size_t alen = old_aad(key, version, aad);
    if ((error = og_crypto_random(old, OG_CRYPTO_NONCE_LEN)) < 0 ||
        (error = og_crypto__gcm_seal(next, old, aad, alen, cur, OG_CRYPTO_KEY_LEN,
                                     old + OG_CRYPTO_NONCE_LEN,
                                     old + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN)) < 0)
        goto cleanup;
    og_time_format(og_time_now_us(), now);
    og_crypto__memo_forget();
    if ((error = og_store_run(s,
                              "INSERT INTO crypto_data_key_old (scope, dek_version, wrapped,"
                              " created_at) VALUES (?, ?, ?, ?)",
                              "tibt", key, version, old, sizeof(old), now)) < 0 ||
        (error = og_store_run(s,
                              "UPDATE crypto_data_key SET wrapped = ?, dek_version = ?"
                              " WHERE scope = ?",
                              "bit", wrapped, wlen, version + 1, key)) < 0) {
        og_error_wrap("storing the new data key of %s", label);
        goto cleanup;
    }
    if (new_version)
        *new_version = version + 1;
    error = 0;
cleanup:
    if (og_store_tx_depth(s) > depth)
        error = og_store_tx_end(s, error);
    og_crypto_wipe(cur, sizeof(cur));
    og_crypto_wipe(next, sizeof(next));
    og_crypto_wipe(old, sizeof(old));
    free(wrapped);
    return error;
}

int og_crypto_datakey_retire(og_keyring *k, og_store *s, const char *scope, int *n)
{
    int error = -1;
    int depth = og_store_tx_depth(s);
    uint8_t zeros[OLD_WRAP_LEN] = {0};
    char label[300];
    const char *key = og_crypto__scope_key(scope);
    (void)k;
    if (n)
        *n = 0;
    if ((error = og_crypto__check_names(scope, NULL)) < 0)
        return error;
    og_crypto__scope_label(scope, label, sizeof(label));
    if ((error = og_store_tx_begin(s)) < 0)
        return error;
    /* Overwritten in place first, as og_crypto_scope_key_destroy() does: a deleted row's bytes
     * would otherwise stay in the database's free pages. */
    og_crypto__memo_forget();
    if ((error = og_store_run(s, "UPDATE crypto_data_key_old SET wrapped = ? WHERE scope = ?", "bt",
                              zeros, sizeof(zeros), key)) < 0 ||
        (error = og_store_run(s, "DELETE FROM crypto_data_key_old WHERE scope = ?", "t", key)) <
            0) {
        og_error_wrap("destroying the earlier data-key versions of %s", label);
        goto cleanup;
    }
    if (n)
        *n = (int)og_store_changes(s);
    error = 0;
cleanup:
    if (og_store_tx_depth(s) > depth)
        error = og_store_tx_end(s, error);
    return error;
}

int og_crypto_datakey_versions(og_store *s, const char *scope, int64_t *current, int64_t *oldest)
{
    og_stmt *st = NULL;
    og_crypto__dek_row row;
    char label[300];
    const char *key = og_crypto__scope_key(scope);
    if (og_crypto__memo_get(s, key, &row)) { /* read in this transaction already */
        *current = row.dek_version;
        if (oldest)
            *oldest = row.oldest;
        return 0;
    }
    int error = og_stmt_prepare_args(&st, s,
                                     "SELECT d.dek_version, (SELECT min(o.dek_version) FROM"
                                     " crypto_data_key_old o WHERE o.scope = d.scope)"
                                     " FROM crypto_data_key d WHERE d.scope = ?",
                                     "t", key);
    og_crypto__scope_label(scope, label, sizeof(label));
    if (error == 0 && (error = og_stmt_step(st)) == OG_ROW) {
        *current = og_stmt_col_int(st, 0);
        if (oldest)
            *oldest = og_stmt_col_is_null(st, 1) ? *current : og_stmt_col_int(st, 1);
        error = 0;
    } else if (error >= 0)
        error = og_error_set(OG_ENOTFOUND, "no data key for %s: it was destroyed or never created",
                             label);
    og_stmt_free(st);
    return error;
}

int og_crypto_reseal(og_keyring *k, og_store *s, const char *scope, const char *object_id,
                     const void *sealed, size_t len, uint8_t **out, size_t *outlen)
{
    int error = -1;
    int64_t have = 0, current = 0;
    uint8_t *plain = NULL;
    size_t plen = 0;
    *out = NULL;
    *outlen = 0;
    if ((error = og_crypto_sealed_version(sealed, len, 0, &have)) < 0)
        return og_error_wrap("cannot re-seal object %s", object_id ? object_id : "(none)");
    if ((error = og_crypto_datakey_versions(s, scope, &current, NULL)) < 0)
        return error;
    if (have == current)
        return 0;
    if ((error = og_crypto_open(k, s, scope, object_id, sealed, len, &plain, &plen)) < 0)
        return error;
    error = og_crypto_seal(k, s, scope, object_id, plain, plen, out, outlen);
    og_crypto_wipe(plain, plen);
    free(plain);
    return error < 0 ? error : 1;
}
