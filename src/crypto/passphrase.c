/* passphrase.c - secrets sealed under a passphrase (scrypt + AES-256-GCM): the installation key
 * carried inside a backup (`opsgate backup --include-keys`), and the master key put back by a
 * restore. */
#include "crypto_internal.h"

#include "opsgate/error.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASS_MAGIC     "OGPW"
#define PASS_VERSION   0x01
#define PASS_R         8
#define PASS_P         1
#define PASS_SALT      16
#define PASS_HDR       (4 + 4 + PASS_SALT + OG_CRYPTO_NONCE_LEN)
#define PASS_MAX       1024
#define LOG2N_MIN      10
#define LOG2N_MAX      20
#define MASTER_CONTEXT "opsgate master.key"

/* scrypt(pass, salt) into key; memory allowed is what N, r and p need plus a margin. */
static int derive(const char *pass, size_t passlen, const uint8_t *salt, int log2n, int r, int p,
                  uint8_t key[32])
{
    int error = -1;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    uint64_t n = (uint64_t)1 << log2n, maxmem = 128 * (uint64_t)r * (n + (uint64_t)p + 2) + 4096;
    uint32_t rr = (uint32_t)r, pp = (uint32_t)p;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pass, passlen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, PASS_SALT),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &rr),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &pp),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };
    if (!kctx || EVP_KDF_derive(kctx, key, 32, params) != 1) {
        error = og_error_set(OG_ERROR, "scrypt key derivation failed (out of memory?)");
        goto cleanup;
    }
    error = 0;
cleanup:
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return error;
}

/* Associated data: the header, then the context. */
static int make_aad(const uint8_t *hdr, const char *context, uint8_t **aad, size_t *len)
{
    size_t clen = context ? strlen(context) : 0;
    if (!(*aad = malloc(PASS_HDR + clen + 1)))
        return og_error_set(OG_ERROR, "out of memory");
    memcpy(*aad, hdr, PASS_HDR);
    if (clen)
        memcpy(*aad + PASS_HDR, context, clen);
    *len = PASS_HDR + clen;
    return 0;
}

static int pass_check(const char *pass, size_t passlen)
{
    if (!pass || passlen < OG_CRYPTO_PASS_MIN)
        return og_error_set(OG_EINVAL, "a passphrase needs at least %d bytes", OG_CRYPTO_PASS_MIN);
    if (passlen > PASS_MAX)
        return og_error_set(OG_EINVAL, "a passphrase has at most %d bytes", PASS_MAX);
    return 0;
}

int og_crypto_pass_seal(const char *pass, size_t passlen, int log2n, const char *context,
                        const void *plain, size_t len, uint8_t **out, size_t *outlen)
{
    int error = -1;
    uint8_t key[32], *buf = NULL, *aad = NULL;
    size_t aadlen = 0;
    if ((error = pass_check(pass, passlen)) < 0)
        return error;
    if (log2n == 0)
        log2n = OG_CRYPTO_PASS_LOG2N;
    if (log2n < LOG2N_MIN || log2n > LOG2N_MAX)
        return og_error_set(OG_EINVAL, "scrypt cost 2^%d is out of range (2^%d to 2^%d)", log2n,
                            LOG2N_MIN, LOG2N_MAX);
    if (!(buf = malloc(len + OG_CRYPTO_PASS_OVERHEAD))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    memcpy(buf, PASS_MAGIC, 4);
    buf[4] = PASS_VERSION;
    buf[5] = (uint8_t)log2n;
    buf[6] = PASS_R;
    buf[7] = PASS_P;
    if ((error = og_crypto_random(buf + 8, PASS_SALT + OG_CRYPTO_NONCE_LEN)) < 0 ||
        (error = derive(pass, passlen, buf + 8, log2n, PASS_R, PASS_P, key)) < 0 ||
        (error = make_aad(buf, context, &aad, &aadlen)) < 0 ||
        (error = og_crypto__gcm_seal(key, buf + 8 + PASS_SALT, aad, aadlen, plain, len,
                                     buf + PASS_HDR, buf + PASS_HDR + len)) < 0)
        goto cleanup;
    *out = buf;
    *outlen = len + OG_CRYPTO_PASS_OVERHEAD;
    buf = NULL;
    error = 0;
cleanup:
    og_crypto_wipe(key, sizeof(key));
    free(aad);
    free(buf);
    return error;
}

int og_crypto_pass_open(const char *pass, size_t passlen, const char *context, const void *blob,
                        size_t len, uint8_t **out, size_t *outlen)
{
    int error = -1;
    const uint8_t *in = blob;
    uint8_t key[32], *plain = NULL, *aad = NULL;
    size_t aadlen = 0, n;
    if ((error = pass_check(pass, passlen)) < 0)
        return error;
    if (!in || len < OG_CRYPTO_PASS_OVERHEAD || memcmp(in, PASS_MAGIC, 4) != 0 ||
        in[4] != PASS_VERSION)
        return og_error_set(OG_ECORRUPT, "not a passphrase-sealed secret (or a truncated one)");
    if (in[5] < LOG2N_MIN || in[5] > LOG2N_MAX || in[6] != PASS_R || in[7] != PASS_P)
        return og_error_set(OG_EINVAL, "scrypt parameters out of range (N 2^%d, r %d, p %d)", in[5],
                            in[6], in[7]);
    n = len - OG_CRYPTO_PASS_OVERHEAD;
    if (!(plain = malloc(n ? n : 1))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = derive(pass, passlen, in + 8, in[5], in[6], in[7], key)) < 0 ||
        (error = make_aad(in, context, &aad, &aadlen)) < 0)
        goto cleanup;
    if ((error = og_crypto__gcm_open(key, in + 8 + PASS_SALT, aad, aadlen, in + PASS_HDR, n,
                                     in + PASS_HDR + n, plain)) < 0) {
        error = og_error_set(OG_ECORRUPT, "the passphrase does not open it (a wrong passphrase,"
                                          " or the sealed key was changed)");
        goto cleanup;
    }
    *out = plain;
    *outlen = n;
    plain = NULL;
    error = 0;
cleanup:
    og_crypto_wipe(key, sizeof(key));
    if (plain)
        og_crypto_wipe(plain, n);
    free(plain);
    free(aad);
    return error;
}

static int master_path(char *path, size_t size, const char *dir)
{
    if (!dir || !*dir)
        return og_error_set(OG_EINVAL, "no data folder given for the master key");
    if ((size_t)snprintf(path, size, "%s/%s", dir, OG_MASTER_KEY_FILE) >= size)
        return og_error_set(OG_EINVAL, "data folder path too long: '%s'", dir);
    return 0;
}

int og_crypto_master_key_export(const char *data_dir, const char *pass, size_t passlen,
                                uint8_t **out, size_t *outlen)
{
    uint8_t key[OG_CRYPTO_KEY_LEN];
    char path[4096];
    int error;
    if ((error = master_path(path, sizeof(path), data_dir)) < 0)
        return error;
    if ((error = og_crypto__key_file_read(path, "master key file", key)) == 0)
        error =
            og_crypto_pass_seal(pass, passlen, 0, MASTER_CONTEXT, key, sizeof(key), out, outlen);
    og_crypto_wipe(key, sizeof(key));
    return error;
}

int og_crypto_master_key_import(const char *data_dir, const char *pass, size_t passlen,
                                const void *blob, size_t len)
{
    uint8_t *key = NULL;
    size_t klen = 0;
    int error = og_crypto_pass_open(pass, passlen, MASTER_CONTEXT, blob, len, &key, &klen);
    if (error < 0)
        return og_error_wrap("opening the installation key in the backup");
    if (klen != OG_CRYPTO_KEY_LEN)
        error = og_error_set(OG_ECORRUPT, "the sealed installation key has %zu bytes, not %d", klen,
                             OG_CRYPTO_KEY_LEN);
    else
        error = og_crypto__master_key_write(data_dir, key);
    og_crypto_wipe(key, klen);
    free(key);
    return error;
}

int og_crypto_master_key_install(const char *data_dir, const char *key_file)
{
    uint8_t key[OG_CRYPTO_KEY_LEN];
    int error;
    if (!key_file || !*key_file)
        return og_error_set(OG_EINVAL, "no master key file given");
    if ((error = og_crypto__key_file_read(key_file, "master key file", key)) == 0)
        error = og_crypto__master_key_write(data_dir, key);
    og_crypto_wipe(key, sizeof(key));
    return error;
}

int og_crypto_master_key_fits(og_keyring *k, og_store *s)
{
    uint8_t dek[OG_CRYPTO_KEY_LEN];
    int error = og_keyring__scope_dek(k, s, NULL, dek);
    og_crypto_wipe(dek, sizeof(dek));
    if (error == OG_ECORRUPT)
        return og_error_set(OG_ECORRUPT, "the master key does not open this installation's keys:"
                                         " it is another installation's key");
    return error;
}
