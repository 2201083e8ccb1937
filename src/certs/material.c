/* material.c - a certificate of the inventory as PEM texts to serve or deploy: the leaf, the
 * intermediates above it, and its private key unsealed. The only way a key leaves the inventory
 * (deploy and opsgate's own HTTPS listener use it). */
#include "certs/certs_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN 8
#define MAX_PEM   (256 * 1024) /* leaf and chain texts */

/* ---- X.509 helpers ---- */

static X509 *first_cert(const char *pem, size_t len)
{
    BIO *bio;
    X509 *x;
    if (len > INT32_MAX || !(bio = BIO_new_mem_buf(pem, (int)len)))
        return NULL;
    x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    return x;
}

int og_certs_pem_fingerprint(const char *pem, size_t len, char fp[65])
{
    X509 *x = first_cert(pem, len);
    unsigned char *der = NULL;
    uint8_t md[32];
    int n;
    fp[0] = '\0';
    if (!x)
        return og_error_set(OG_EINVAL, "no PEM certificate in it");
    n = i2d_X509(x, &der);
    X509_free(x);
    if (n <= 0)
        return og_error_set(OG_EINVAL, "cannot encode the certificate");
    og_crypto_sha256(der, (size_t)n, md);
    OPENSSL_free(der);
    og_hex_encode(md, 32, fp);
    return 0;
}

/* 0 when key_pem is the private key of the first certificate of cert_pem, OG_EINVAL if not. */
static int key_matches(const char *cert_pem, const char *key_pem)
{
    int error = -1;
    size_t key_len = strlen(key_pem);
    X509 *x = first_cert(cert_pem, strlen(cert_pem));
    BIO *bio = key_len <= INT32_MAX ? BIO_new_mem_buf(key_pem, (int)key_len) : NULL;
    EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    if (!x)
        error = og_error_set(OG_EINVAL, "no PEM certificate");
    else if (!pk)
        error = og_error_set(OG_EINVAL, "the private key does not parse");
    else if (X509_check_private_key(x, pk) != 1)
        error = og_error_set(OG_EINVAL, "the private key does not belong to the certificate");
    else
        error = 0;
    ERR_clear_error();
    EVP_PKEY_free(pk);
    BIO_free(bio);
    X509_free(x);
    return error;
}

/* DER to PEM text (caller frees). */
static int der_to_pem(const void *der, size_t len, char **pem)
{
    const unsigned char *p = der;
    X509 *x = len <= INT32_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    long n;
    int error = -1;
    if (!x || !bio || PEM_write_bio_X509(bio, x) != 1 || (n = BIO_get_mem_data(bio, &data)) <= 0) {
        error = og_error_set(OG_EINVAL, "cannot encode a certificate as PEM");
        goto cleanup;
    }
    if (!(*pem = strndup(data, (size_t)n))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = 0;
cleanup:
    ERR_clear_error();
    BIO_free(bio);
    X509_free(x);
    return error;
}

/* 1 when issuer_der issued (and signed) child_der, 0 when not. */
static int issued_by(const void *child_der, size_t child_len, const void *issuer_der,
                     size_t issuer_len)
{
    const unsigned char *p = child_der, *q = issuer_der;
    X509 *c = d2i_X509(NULL, &p, (long)child_len), *i = d2i_X509(NULL, &q, (long)issuer_len);
    EVP_PKEY *pk = i ? X509_get0_pubkey(i) : NULL;
    int ok = c && i && pk && X509_check_issued(i, c) == X509_V_OK && X509_verify(c, pk) == 1;
    ERR_clear_error();
    X509_free(c);
    X509_free(i);
    return ok;
}

/* ---- material ---- */

void og_certs_material_clear(og_certs_material *m)
{
    if (!m)
        return;
    free(m->leaf_pem);
    free(m->chain_pem);
    if (m->key_pem) {
        og_crypto_wipe(m->key_pem, strlen(m->key_pem));
        free(m->key_pem);
    }
    memset(m, 0, sizeof(*m));
}

/* The DER and issuer of one certificate row. Caller frees *der. */
static int cert_row(og_store *s, const char *tenant_id, const char *fp, uint8_t **der, size_t *len,
                    char *issuer, size_t isize)
{
    og_stmt *st = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT der, issuer FROM certs WHERE tenant_id = ? AND"
                                 " fingerprint = ? AND kind = '" OG_CERTS_KIND_X509 "'")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, fp);
    error = og_stmt_step(st);
    if (error == OG_ROW) {
        const void *b = og_stmt_col_blob(st, 0, len);
        *der = malloc(*len ? *len : 1);
        if (!*der) {
            error = og_error_set(OG_ERROR, "out of memory");
        } else {
            memcpy(*der, b, *len);
            og_strlcpy(issuer, og_stmt_col_text(st, 1) ? og_stmt_col_text(st, 1) : "", isize);
            error = 0;
        }
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "no certificate %.16s... in this tenant", fp);
    }
    og_stmt_free(st);
    return error;
}

/* Append the intermediates above der: CA certificates of the tenant whose subject is the issuer
 * and whose key signed it, up to (not including) a self-signed root. */
static int build_chain(og_store *s, const char *tenant_id, const uint8_t *leaf, size_t leaf_len,
                       const char *leaf_issuer, og_buf *chain)
{
    og_stmt *st = NULL;
    int error = 0;
    uint8_t *cur = malloc(leaf_len ? leaf_len : 1);
    size_t cur_len = leaf_len;
    char issuer[1024];
    if (!cur)
        return og_error_set(OG_ERROR, "out of memory");
    memcpy(cur, leaf, leaf_len);
    og_strlcpy(issuer, leaf_issuer, sizeof(issuer));
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT der, subject, issuer FROM certs WHERE"
                                 " tenant_id = ? AND is_ca = 1 AND subject = ?"
                                 " LIMIT 16")) < 0)
        goto cleanup;
    for (int depth = 0; depth < MAX_CHAIN; depth++) {
        int rc, found = 0;
        uint8_t *next = NULL;
        size_t next_len = 0;
        char next_subject[1024] = "", next_issuer[1024] = "";
        og_stmt_reset(st);
        og_stmt_bind_text(st, 1, tenant_id);
        og_stmt_bind_text(st, 2, issuer);
        while (!found && (rc = og_stmt_step(st)) == OG_ROW) {
            size_t l;
            const void *b = og_stmt_col_blob(st, 0, &l);
            if (!issued_by(cur, cur_len, b, l))
                continue;
            if (!(next = malloc(l ? l : 1))) {
                error = og_error_set(OG_ERROR, "out of memory");
                goto cleanup;
            }
            memcpy(next, b, l);
            next_len = l;
            og_strlcpy(next_subject, og_stmt_col_text(st, 1), sizeof(next_subject));
            og_strlcpy(next_issuer, og_stmt_col_text(st, 2), sizeof(next_issuer));
            found = 1;
        }
        if (!found && rc < 0) { /* not a shorter chain: a failed lookup */
            error = rc;
            goto cleanup;
        }
        if (!found)
            break;
        if (strcmp(next_subject, next_issuer) == 0) { /* a root: clients have it already */
            free(next);
            break;
        }
        char *pem = NULL;
        if ((error = der_to_pem(next, next_len, &pem)) < 0 ||
            (error = og_buf_puts(chain, pem)) < 0) {
            free(pem);
            free(next);
            goto cleanup;
        }
        free(pem);
        free(cur);
        cur = next;
        cur_len = next_len;
        og_strlcpy(issuer, next_issuer, sizeof(issuer));
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    free(cur);
    return error;
}

/* The unsealed, unencrypted private key linked to fp. */
static int key_load(og_ctx *ctx, const char *tenant_id, const char *fp, char **key_pem)
{
    og_stmt *st = NULL;
    int error, encrypted_only = 0;
    uint8_t *plain = NULL;
    size_t plen = 0;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT id, encrypted, sealed FROM cert_keys WHERE"
                                      " tenant_id = ? AND fingerprint = ? ORDER BY encrypted,"
                                      " created_at DESC LIMIT 4",
                                      "tt", tenant_id, fp)) < 0)
        return error;
    error = og_error_set(OG_ENOTFOUND,
                         "certificate %.16s... has no private key in the inventory (import the "
                         "certificate together with its key)",
                         fp);
    int rc;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        if (og_stmt_col_int(st, 1)) {
            encrypted_only = 1;
            continue;
        }
        size_t slen;
        const void *sealed = og_stmt_col_blob(st, 2, &slen);
        if ((error = og_crypto_open(ctx->keys, ctx->store, tenant_id, og_stmt_col_text(st, 0),
                                    sealed, slen, &plain, &plen)) < 0) {
            og_error_wrap("opening the private key of certificate %.16s...", fp);
            goto cleanup;
        }
        if (!(*key_pem = malloc(plen + 1))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        memcpy(*key_pem, plain, plen);
        (*key_pem)[plen] = '\0';
        error = 0;
        goto cleanup;
    }
    if (rc < 0)
        error = rc;
    else if (encrypted_only)
        error = og_error_set(OG_ENOTFOUND,
                             "the private key of certificate %.16s... is passphrase-protected; "
                             "import it unencrypted to deploy it",
                             fp);
cleanup:
    if (plain) {
        og_crypto_wipe(plain, plen);
        free(plain);
    }
    og_stmt_free(st);
    return error;
}

static int material_load(og_ctx *ctx, const char *tenant_id, const char *fp, int with_key,
                         og_certs_material *out)
{
    int error = -1;
    uint8_t *der = NULL;
    size_t len = 0;
    char issuer[1024];
    og_buf chain;
    og_buf_init(&chain, MAX_PEM);
    memset(out, 0, sizeof(*out));
    og_strlcpy(out->fingerprint, fp, sizeof(out->fingerprint));
    if ((error = cert_row(ctx->store, tenant_id, fp, &der, &len, issuer, sizeof(issuer))) < 0 ||
        (error = der_to_pem(der, len, &out->leaf_pem)) < 0 ||
        (error = og_buf_puts(&chain, "")) < 0 ||
        (error = build_chain(ctx->store, tenant_id, der, len, issuer, &chain)) < 0 ||
        (with_key && (error = key_load(ctx, tenant_id, fp, &out->key_pem)) < 0))
        goto cleanup;
    out->chain_pem = og_buf_detach(&chain);
    if (!out->chain_pem && !(out->chain_pem = strdup(""))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (with_key && (error = key_matches(out->leaf_pem, out->key_pem)) < 0) {
        og_error_wrap("certificate %.16s...", fp);
        goto cleanup;
    }
    error = 0;
cleanup:
    free(der);
    og_buf_free(&chain);
    if (error < 0)
        og_certs_material_clear(out);
    return error;
}

int og_certs_material_load(og_ctx *ctx, const char *tenant_id, const char *fp,
                           og_certs_material *out)
{
    return material_load(ctx, tenant_id, fp, 1, out);
}

int og_certs_material_load_public(og_ctx *ctx, const char *tenant_id, const char *fp,
                                  og_certs_material *out)
{
    return material_load(ctx, tenant_id, fp, 0, out);
}

int og_certs_material_get(og_ctx *ctx, const char *tenant, const char *cert_id,
                          og_certs_material *out)
{
    int error;
    og_tenant t;
    char fp[65];
    memset(out, 0, sizeof(*out));
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0 ||
        (error = og_certs__resolve_id(ctx, t.id, cert_id, fp)) < 0)
        return error;
    if (strncmp(fp, OG_CERTS__APP_PREFIX, 4) == 0)
        return og_error_set(OG_EINVAL,
                            "'%s' is a cloud app credential, not a certificate: there is nothing "
                            "of it to deploy",
                            cert_id);
    return og_certs_material_load(ctx, t.id, fp, out);
}
