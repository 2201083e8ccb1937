/* primitives.c - randomness, SHA-256, HMAC-SHA256, Ed25519, AES-256-GCM and wiping over OpenSSL 3
 * EVP. */
#include "crypto_internal.h"

#include "opsgate/error.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* OpenSSL takes int lengths in several calls: large inputs go through in pieces of this size. */
#define PIECE ((size_t)1 << 30)

/* Fail loudly where the API cannot return an error (see crypto.h: a wrong digest is worse). */
static void die(const char *what)
{
    fprintf(stderr, "opsgate: fatal: OpenSSL %s failed\n", what);
    abort();
}

/* The first queued OpenSSL error as text (and drop the queue), for messages. */
static const char *ossl_reason(char *buf, size_t size)
{
    unsigned long e = ERR_get_error();
    if (!e) {
        snprintf(buf, size, "unknown OpenSSL error");
    } else {
        ERR_error_string_n(e, buf, size);
    }
    ERR_clear_error();
    return buf;
}

int og_crypto_random(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        size_t n = len < PIECE ? len : PIECE;
        if (RAND_bytes(p, (int)n) != 1) {
            char why[256];
            return og_error_set(OG_ERROR, "cannot get random bytes: %s",
                                ossl_reason(why, sizeof(why)));
        }
        p += n;
        len -= n;
    }
    return 0;
}

void og_crypto_wipe(void *p, size_t len)
{
    if (p && len)
        OPENSSL_cleanse(p, len);
}

/* ---- SHA-256 ---- */
struct og_sha256 {
    EVP_MD_CTX *md;
};

/* SHA-256 fetched once: EVP_sha256() looks the implementation up on every use, which is half the
 * cost of hashing an audit record (verify hashes two per record). Kept for the process. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void og_crypto_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    pthread_once(&sha256_once, sha256_fetch);
    if (!EVP_Digest(data, len, out, &n, sha256_md ? sha256_md : EVP_sha256(), NULL) || n != 32)
        die("SHA-256");
}

og_sha256 *og_sha256_new(void)
{
    og_sha256 *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->md = EVP_MD_CTX_new();
    if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
        og_sha256_free(h);
        ERR_clear_error();
        return NULL;
    }
    return h;
}

void og_sha256_update(og_sha256 *h, const void *data, size_t len)
{
    if (!len)
        return;
    /* EVP_DigestUpdate takes size_t; no pieces needed. */
    if (EVP_DigestUpdate(h->md, data, len) != 1)
        die("SHA-256 update");
}

void og_sha256_final(og_sha256 *h, uint8_t out[32])
{
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(h->md, out, &n) != 1 || n != 32)
        die("SHA-256 final");
    og_sha256_free(h);
}

void og_sha256_free(og_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->md);
    free(h);
}

int og_crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                          uint8_t out[32])
{
    size_t n = 0;
    static const unsigned char empty[1];
    /* EVP_Q_mac wants non-NULL pointers even for empty inputs. */
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key ? key : empty, keylen,
                   data ? data : empty, len, out, 32, &n) ||
        n != 32) {
        char why[256];
        return og_error_set(OG_ERROR, "HMAC-SHA256 failed: %s", ossl_reason(why, sizeof(why)));
    }
    return 0;
}

/* ---- Ed25519 ---- */
int og_crypto_ed25519_public(const uint8_t priv[32], uint8_t pub[32])
{
    int error = -1;
    size_t n = 32;
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, 32);
    if (!pk || EVP_PKEY_get_raw_public_key(pk, pub, &n) != 1 || n != 32) {
        char why[256];
        error = og_error_set(OG_ERROR, "cannot derive an Ed25519 public key: %s",
                             ossl_reason(why, sizeof(why)));
        goto cleanup;
    }
    error = 0;
cleanup:
    EVP_PKEY_free(pk);
    return error;
}

int og_crypto_ed25519_generate(uint8_t priv[32], uint8_t pub[32])
{
    int error = -1;
    if ((error = og_crypto_random(priv, 32)) < 0)
        return error;
    if ((error = og_crypto_ed25519_public(priv, pub)) < 0)
        og_crypto_wipe(priv, 32);
    return error;
}

int og_crypto_ed25519_sign(const uint8_t priv[32], const void *msg, size_t len, uint8_t sig[64])
{
    int error = -1;
    size_t n = 64;
    EVP_MD_CTX *md = NULL;
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, 32);
    static const unsigned char empty[1];
    if (!pk || !(md = EVP_MD_CTX_new()) || EVP_DigestSignInit(md, NULL, NULL, NULL, pk) != 1 ||
        EVP_DigestSign(md, sig, &n, msg ? msg : empty, len) != 1 || n != 64) {
        char why[256];
        error = og_error_set(OG_ERROR, "Ed25519 signing failed: %s", ossl_reason(why, sizeof(why)));
        goto cleanup;
    }
    error = 0;
cleanup:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    return error;
}

int og_crypto_ed25519_verify(const uint8_t pub[32], const void *msg, size_t len,
                             const uint8_t sig[64])
{
    int error = -1;
    EVP_MD_CTX *md = NULL;
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    static const unsigned char empty[1];
    if (!pk || !(md = EVP_MD_CTX_new()) || EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) != 1) {
        char why[256];
        error = og_error_set(OG_ERROR, "Ed25519 verification could not run: %s",
                             ossl_reason(why, sizeof(why)));
        goto cleanup;
    }
    if (EVP_DigestVerify(md, sig, 64, msg ? msg : empty, len) != 1) {
        ERR_clear_error();
        error = og_error_set(OG_ECORRUPT, "Ed25519 signature does not verify");
        goto cleanup;
    }
    error = 0;
cleanup:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    return error;
}

/* ---- AES-256-GCM ---- */
static int gcm_feed(EVP_CIPHER_CTX *c, const void *aad, size_t aadlen, const void *in, size_t len,
                    uint8_t *out)
{
    int n = 0;
    const unsigned char *a = aad, *p = in;
    while (aadlen > 0) {
        size_t k = aadlen < PIECE ? aadlen : PIECE;
        if (EVP_CipherUpdate(c, NULL, &n, a, (int)k) != 1)
            return -1;
        a += k;
        aadlen -= k;
    }
    while (len > 0) {
        size_t k = len < PIECE ? len : PIECE;
        if (EVP_CipherUpdate(c, out, &n, p, (int)k) != 1 || (size_t)n != k)
            return -1;
        p += k;
        out += k;
        len -= k;
    }
    return 0;
}

int og_crypto__gcm_seal(const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                        size_t aadlen, const void *in, size_t len, uint8_t *out, uint8_t tag[16])
{
    int error = -1;
    int n = 0;
    uint8_t last[16];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    /* GCM's default IV length is 12 bytes, so no EVP_CTRL_GCM_SET_IVLEN is needed. */
    if (!c || EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
        gcm_feed(c, aad, aadlen, in, len, out) < 0 || EVP_EncryptFinal_ex(c, last, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1) {
        char why[256];
        error = og_error_set(OG_ERROR, "AES-256-GCM encryption failed: %s",
                             ossl_reason(why, sizeof(why)));
        goto cleanup;
    }
    error = 0;
cleanup:
    EVP_CIPHER_CTX_free(c);
    return error;
}

int og_crypto__gcm_open(const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                        size_t aadlen, const void *in, size_t len, const uint8_t tag[16],
                        uint8_t *out)
{
    int error = -1;
    int n = 0;
    uint8_t last[16];
    uint8_t t[16];
    memcpy(t, tag, 16); /* the ctrl takes a non-const pointer */
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
        gcm_feed(c, aad, aadlen, in, len, out) < 0 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, t) != 1) {
        char why[256];
        error = og_error_set(OG_ERROR, "AES-256-GCM decryption failed: %s",
                             ossl_reason(why, sizeof(why)));
        goto cleanup;
    }
    /* Final is where GCM compares the tag; a mismatch is the only expected failure here. */
    if (EVP_DecryptFinal_ex(c, last, &n) != 1) {
        ERR_clear_error();
        error = og_error_set(OG_ECORRUPT, "authentication failed");
        goto cleanup;
    }
    error = 0;
cleanup:
    /* Never hand out plaintext that did not authenticate. */
    if (error < 0 && out)
        og_crypto_wipe(out, len);
    EVP_CIPHER_CTX_free(c);
    return error;
}

void og_crypto_init_process(void)
{
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}
