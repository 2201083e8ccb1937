/* import.c - `cert import`: a PEM, DER or PKCS#12 bundle into the inventory, its private keys
 * matched to its certificates and sealed with the tenant's key. */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IMPORT_KEYS 16

typedef struct import_key {
    char id[OG_ID_LEN];
    const char *text; /* what is sealed: borrowed from the input, or `owned` */
    size_t text_len;
    char *owned;   /* an opened key re-encoded as PKCS#8 PEM; wiped and freed */
    int line;      /* of its PEM block; 0 for the key of a PKCS#12 bundle */
    int encrypted; /* stored passphrase-protected (no password opened it) */
    char key_type[16];
    char fp[65]; /* the certificate it belongs to */
    EVP_PKEY *pk;
} import_key;

typedef struct import_parse {
    const char *name;
    const char *password; /* borrowed; NULL = none */
    STACK_OF(X509) * certs;
    import_key keys[MAX_IMPORT_KEYS];
    int nkeys;
    const char *kind;
} import_parse;

/* The password callback of PEM_read_bio_PrivateKey: the password given, or none (never a
 * prompt). */
static int pem_password(char *buf, int size, int rw, void *u)
{
    const char *pw = u;
    (void)rw;
    if (!pw)
        return -1;
    size_t n = strlen(pw);
    if (n > (size_t)size)
        return -1;
    memcpy(buf, pw, n);
    return (int)n;
}

static const char *pkey_type(EVP_PKEY *pk)
{
    int id = EVP_PKEY_get_base_id(pk);
    return id == EVP_PKEY_RSA       ? "RSA"
           : id == EVP_PKEY_EC      ? "EC"
           : id == EVP_PKEY_ED25519 ? "ED25519"
                                    : "other";
}

/* "ab12cd34ef56ab78": the first 16 hex digits of the SHA-256 of a public key's
 * SubjectPublicKeyInfo (`openssl pkey -pubout -outform DER | sha256sum`). */
static void spki_hash(EVP_PKEY *pk, char out[17])
{
    unsigned char *der = NULL;
    uint8_t md[32];
    char hex[65];
    int len = pk ? i2d_PUBKEY(pk, &der) : -1;
    ERR_clear_error();
    if (len <= 0) {
        og_strlcpy(out, "?", 17);
        return;
    }
    og_crypto_sha256(der, (size_t)len, md);
    OPENSSL_free(der);
    og_hex_encode(md, sizeof(md), hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

/* Keep an opened key (taken over): its PEM text as given when it came unencrypted (text), else
 * re-encoded as unencrypted PKCS#8 PEM. Sealed later, never written elsewhere. */
static int key_take(import_parse *ip, EVP_PKEY *pk, int line, const char *text, size_t text_len)
{
    BIO *bio = NULL;
    char *data = NULL;
    long dl;
    if (ip->nkeys == MAX_IMPORT_KEYS)
        return og_error_set(OG_EINVAL, "%s: more than %d private keys", ip->name, MAX_IMPORT_KEYS);
    import_key *k = &ip->keys[ip->nkeys];
    memset(k, 0, sizeof(*k));
    og_id_new(k->id);
    k->line = line;
    og_strlcpy(k->key_type, pkey_type(pk), sizeof(k->key_type));
    if (text) {
        k->text = text;
        k->text_len = text_len;
        k->pk = pk;
        ip->nkeys++;
        return 0;
    }
    if (!(bio = BIO_new(BIO_s_mem())) ||
        PEM_write_bio_PKCS8PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
        (dl = BIO_get_mem_data(bio, &data)) <= 0 || !(k->owned = malloc((size_t)dl))) {
        BIO_free(bio);
        ERR_clear_error();
        return og_error_set(OG_ERROR, "%s: cannot encode a private key", ip->name);
    }
    memcpy(k->owned, data, (size_t)dl);
    og_crypto_wipe(data, (size_t)dl);
    BIO_free(bio);
    k->text = k->owned;
    k->text_len = (size_t)dl;
    k->pk = pk;
    ip->nkeys++;
    return 0;
}

static int parse_pem(import_parse *ip, const char *pem, size_t len)
{
    og_certs_pem_block b;
    size_t pos = 0;
    int line = 0, rc, error = 0;
    memset(&b, 0, sizeof(b));
    ip->kind = "pem";
    /* Parse everything first: a malformed block anywhere refuses the whole bundle. */
    while ((rc = og_certs__pem_next(pem, len, &pos, &line, ip->name, &b)) == 1) {
        if (strstr(b.label, "CERTIFICATE") && !strstr(b.label, "REQUEST")) {
            X509 *x = og_certs_x509_get(b.der, b.len); /* shared: read only */
            if (!x) {
                error =
                    og_error_set(OG_EINVAL, "%s line %d: the %s block is not an X.509 certificate",
                                 ip->name, b.line, b.label);
                goto cleanup;
            }
            sk_X509_push(ip->certs, x);
        } else if (strstr(b.label, "PRIVATE KEY")) {
            int encrypted = strstr(b.label, "ENCRYPTED") != NULL || b.has_headers;
            BIO *bio = BIO_new_mem_buf(b.text, (int)b.text_len);
            EVP_PKEY *pk = NULL;
            if (!encrypted && strcmp(b.label, "PRIVATE KEY") == 0) /* PKCS#8: the quick way */
                pk = og_crypto_pkcs8_decode(b.der, b.len);
            if (!pk && bio && (!encrypted || ip->password))
                pk = PEM_read_bio_PrivateKey(bio, NULL, pem_password,
                                             encrypted ? (void *)ip->password : NULL);
            BIO_free(bio);
            ERR_clear_error();
            if (!pk && encrypted && ip->password) {
                error = og_error_set(OG_EINVAL,
                                     "%s line %d: the password given does not open the "
                                     "encrypted private key",
                                     ip->name, b.line);
                goto cleanup;
            }
            if (!pk && !encrypted) {
                error = og_error_set(OG_EINVAL, "%s line %d: the %s block does not parse", ip->name,
                                     b.line, b.label);
                goto cleanup;
            }
            if (pk) {
                /* a key opened with the password is kept unencrypted (PKCS#8) under the seal */
                if ((error = key_take(ip, pk, b.line, encrypted ? NULL : b.text, b.text_len)) < 0) {
                    EVP_PKEY_free(pk);
                    goto cleanup;
                }
            } else {
                /* passphrase-protected and no password: sealed as it is, linked to nothing */
                if (ip->nkeys == MAX_IMPORT_KEYS) {
                    error = og_error_set(OG_EINVAL, "%s: more than %d private keys", ip->name,
                                         MAX_IMPORT_KEYS);
                    goto cleanup;
                }
                import_key *k = &ip->keys[ip->nkeys++];
                memset(k, 0, sizeof(*k));
                og_id_new(k->id);
                k->text = b.text;
                k->text_len = b.text_len;
                k->line = b.line;
                k->encrypted = 1;
                og_strlcpy(k->key_type, "encrypted", sizeof(k->key_type));
            }
        }
        /* Other blocks (parameters, public keys, requests) are ignored: they hold no secret. */
        og_certs__pem_block_clear(&b);
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if (sk_X509_num(ip->certs) == 0)
        error = og_error_set(OG_EINVAL, "%s: no PEM certificate in it", ip->name);
cleanup:
    og_certs__pem_block_clear(&b);
    return error;
}

static int parse_p12(import_parse *ip, PKCS12 *p12)
{
    EVP_PKEY *pk = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    int error = 0;
    ip->kind = "pkcs12";
    if (!og_certs__p12_open(p12, ip->password, &pk, &cert, &ca))
        return og_error_set(OG_EINVAL,
                            ip->password ? "%s: the password given does not open the PKCS#12 "
                                           "bundle"
                                         : "%s: the PKCS#12 bundle needs a password",
                            ip->name);
    if (cert) {
        sk_X509_push(ip->certs, cert);
        cert = NULL;
    }
    while (ca && sk_X509_num(ca) > 0)
        sk_X509_push(ip->certs, sk_X509_shift(ca));
    if (pk) {
        if ((error = key_take(ip, pk, 0, NULL, 0)) < 0)
            goto cleanup;
        pk = NULL;
    }
    if (sk_X509_num(ip->certs) == 0)
        error = og_error_set(OG_EINVAL, "%s: the PKCS#12 bundle holds no certificate", ip->name);
cleanup:
    EVP_PKEY_free(pk);
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
    return error;
}

/* PEM, else PKCS#12, else one DER certificate; told apart by content as scan-files does. */
static int parse_bundle(import_parse *ip, const char *data, size_t len)
{
    if (len > 11 && memmem(data, len, "-----BEGIN ", 11))
        return parse_pem(ip, data, len);
    if (len > 0 && (unsigned char)data[0] == 0x30) {
        const unsigned char *p = (const unsigned char *)data;
        PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
        if (p12) {
            int error = parse_p12(ip, p12);
            PKCS12_free(p12);
            return error;
        }
        X509 *x = og_certs_x509_get(data, len);
        if (x) {
            ip->kind = "der";
            sk_X509_push(ip->certs, x);
            return 0;
        }
    }
    ERR_clear_error();
    return og_error_set(OG_EINVAL, "%s: neither PEM, nor a DER certificate, nor a PKCS#12 bundle",
                        ip->name);
}

/* Link each opened key to its certificate; a key that matches none is an error naming the
 * public keys on both sides, so the person can see which file holds the wrong one. */
static int match_keys(import_parse *ip, char (*fps)[65])
{
    for (int k = 0; k < ip->nkeys; k++) {
        import_key *key = &ip->keys[k];
        if (!key->pk)
            continue;
        for (int i = 0; i < sk_X509_num(ip->certs); i++)
            if (X509_check_private_key(sk_X509_value(ip->certs, i), key->pk) == 1) {
                og_strlcpy(key->fp, fps[i], sizeof(key->fp));
                break;
            }
        ERR_clear_error();
        if (key->fp[0])
            continue;
        char kh[17], where[48], certs[700] = "";
        size_t o = 0;
        spki_hash(key->pk, kh);
        if (key->line)
            snprintf(where, sizeof(where), "at line %d", key->line);
        else
            snprintf(where, sizeof(where), "of the PKCS#12 bundle");
        for (int i = 0; i < sk_X509_num(ip->certs) && i < 4 && o < sizeof(certs); i++) {
            X509 *x = sk_X509_value(ip->certs, i);
            char ch[17], subject[160] = "";
            BIO *bio = BIO_new(BIO_s_mem());
            spki_hash(X509_get0_pubkey(x), ch);
            if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
                int sl = BIO_read(bio, subject, (int)sizeof(subject) - 1);
                subject[sl > 0 ? sl : 0] = '\0';
            }
            BIO_free(bio);
            o += (size_t)snprintf(certs + o, sizeof(certs) - o, "%s%s has %s...", i ? "; " : "",
                                  subject[0] ? subject : "(no subject)", ch);
        }
        if (sk_X509_num(ip->certs) > 4 && o < sizeof(certs))
            snprintf(certs + o, sizeof(certs) - o, "; and %d more", sk_X509_num(ip->certs) - 4);
        ERR_clear_error();
        return og_error_set(OG_EINVAL,
                            "%s: the private key %s (%s, public key SHA-256 %s...) matches no "
                            "certificate in it (%s); nothing was imported",
                            ip->name, where, key->key_type, kh, certs);
    }
    return 0;
}

/* Each certificate of ip into the batch as an "import" sighting of name; its fingerprint into fps
 * (same order) and fplist. */
static int batch_certs(import_parse *ip, og_certs_batch *batch, const char *name, char (*fps)[65],
                       json_t *fplist)
{
    int error = 0;
    for (int i = 0; i < sk_X509_num(ip->certs); i++) {
        og_cert_info ci;
        unsigned char *der = NULL;
        X509 *x = sk_X509_value(ip->certs, i);
        int dl = i2d_X509(x, &der);
        if (dl <= 0 || (error = og_certs__info_from_x509(&ci, x)) < 0) {
            OPENSSL_free(der);
            return error < 0 ? error : og_error_set(OG_ERROR, "cannot encode a certificate");
        }
        error = og_certs__batch_add_cert(batch, der, (size_t)dl, &ci, fps[i]);
        og_cert_info_clear(&ci);
        OPENSSL_free(der);
        if (error < 0 || (error = og_certs__batch_add_sighting(batch, fps[i], "import", name, "", 0,
                                                               NULL, NULL)) < 0)
            return error;
        json_array_append_new(fplist, json_string(fps[i]));
    }
    return 0;
}

/* Seal and store the keys of ip for tenant tid (inside the caller's transaction); what was stored
 * goes to a new *keylist for the audit record. */
static int store_keys(og_ctx *ctx, const char *tid, const import_parse *ip, const char *name,
                      json_t **keylist)
{
    og_stmt *st = NULL;
    json_t *list = json_array();
    int error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO cert_keys (id, tenant_id, fingerprint, key_type,"
                                 " encrypted, sealed, source, created_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    for (int k = 0; k < ip->nkeys; k++) {
        const import_key *key = &ip->keys[k];
        uint8_t *sealed = NULL;
        size_t slen = 0;
        char now[OG_TIME_LEN];
        og_time_format(og_time_now_us(), now);
        /* The object id binds the ciphertext to this row: copied elsewhere, it will not open. */
        if ((error = og_crypto_seal(ctx->keys, ctx->store, tid, key->id, key->text, key->text_len,
                                    &sealed, &slen)) < 0)
            goto cleanup;
        og_stmt_reset(st);
        og_stmt_bind_text(st, 1, key->id);
        og_stmt_bind_text(st, 2, tid);
        og_stmt_bind_text(st, 3, key->fp[0] ? key->fp : NULL);
        og_stmt_bind_text(st, 4, key->key_type);
        og_stmt_bind_int(st, 5, key->encrypted);
        og_stmt_bind_blob(st, 6, sealed, slen);
        og_stmt_bind_text(st, 7, name);
        og_stmt_bind_text(st, 8, now);
        error = og_stmt_step(st);
        free(sealed);
        if (error < 0)
            goto cleanup;
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s?, s:b}", "id", key->id, "type",
                                        key->key_type, "certificate", key->fp[0] ? key->fp : NULL,
                                        "encrypted", key->encrypted));
    }
    *keylist = list;
    list = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(list);
    return error;
}

static void import_parse_clear(import_parse *ip)
{
    for (int k = 0; k < ip->nkeys; k++) {
        EVP_PKEY_free(ip->keys[k].pk);
        if (ip->keys[k].owned) {
            og_crypto_wipe(ip->keys[k].owned, ip->keys[k].text_len);
            free(ip->keys[k].owned);
        }
    }
    sk_X509_pop_free(ip->certs, X509_free);
}

/* An import, for request (NULL: any pending request the leaf's key matches). */
static int import_for(og_ctx *ctx, const char *tenant, const char *name, const void *data,
                      size_t len, const char *password, const char *request,
                      og_certs_import_summary *summary)
{
    int error = -1, in_tx = 0;
    og_tenant t;
    og_certs_batch *batch = NULL;
    char(*fps)[65] = NULL;
    json_t *analysis = NULL, *fplist = json_array(), *keylist = NULL;
    og_certs_import_summary sum;
    import_parse ip;
    uint64_t nnew = 0;
    memset(&sum, 0, sizeof(sum));
    memset(&ip, 0, sizeof(ip));
    if (!name || !*name)
        name = "bundle";
    ip.name = name;
    ip.password = password;
    ip.certs = sk_X509_new_null();
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        goto cleanup;
    if (!ip.certs || !fplist || !(batch = og_certs__batch_new())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (len > OG_CERTS_MAX_FILE) {
        error = og_error_set(OG_ETOOBIG, "%s: larger than 1 MiB", name);
        goto cleanup;
    }
    if ((error = parse_bundle(&ip, data, len)) < 0)
        goto cleanup;
    if (!(fps = calloc((size_t)sk_X509_num(ip.certs), sizeof(*fps)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = batch_certs(&ip, batch, name, fps, fplist)) < 0 ||
        (error = match_keys(&ip, fps)) < 0 || (error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = og_certs__batch_write(ctx, t.id, batch, og_time_now_us(), &nnew)) < 0 ||
        (error = store_keys(ctx, t.id, &ip, name, &keylist)) < 0 ||
        (error = og_certs__request_fulfil(ctx, t.id, request, fps[0], sk_X509_value(ip.certs, 0),
                                          name, sum.request)) < 0)
        goto cleanup;
    analysis =
        json_pack("{s:s, s:s, s:i, s:I, s:O, s:o, s:s?}", "file", name, "kind", ip.kind, "certs",
                  sk_X509_num(ip.certs), "certs_new", (json_int_t)nnew, "fingerprints", fplist,
                  "keys", keylist, "request", sum.request[0] ? sum.request : NULL);
    keylist = NULL;
    /* Its days-left alerts in the same transaction: an import that reports a failure stored
     * nothing. Not the renewal plans' rules, which read every plan of the tenant (an ACME
     * renewal imports its certificate: that made renewing n plans cost n^2): the next expiry
     * pass runs them (the scheduler's, every minute, or `cert check-expiry`). */
    if ((error = og_audit_log(ctx, t.id, "certs", "certs.import", "certificate", fps[0],
                              analysis)) < 0 ||
        (error = og_certs__expiry_days_left(ctx, t.id)) < 0)
        goto cleanup;
    sum.certs = sk_X509_num(ip.certs);
    sum.certs_new = (int)nnew;
    sum.keys = ip.nkeys + (sum.request[0] ? 1 : 0);
    og_strlcpy(sum.first_fingerprint, fps[0], sizeof(sum.first_fingerprint));
    og_strlcpy(sum.kind, ip.kind, sizeof(sum.kind));
    error = 0;
cleanup:
    if (in_tx && (error = og_store_tx_end(ctx->store, error)) >= 0 && summary)
        *summary = sum;
    import_parse_clear(&ip);
    og_certs__batch_free(batch);
    json_decref(analysis);
    json_decref(fplist);
    json_decref(keylist);
    free(fps);
    return error;
}

int og_certs_import_bundle(og_ctx *ctx, const char *tenant, const char *name, const void *data,
                           size_t len, const char *password, og_certs_import_summary *summary)
{
    return import_for(ctx, tenant, name, data, len, password, NULL, summary);
}

int og_certs_import_request(og_ctx *ctx, const char *tenant, const char *request, const char *name,
                            const void *data, size_t len, og_certs_import_summary *summary)
{
    if (!request || !*request)
        return og_error_set(OG_EINVAL, "missing certificate request id");
    return import_for(ctx, tenant, name, data, len, NULL, request, summary);
}

int og_certs_import(og_ctx *ctx, const char *tenant, const char *name, const char *pem, size_t len,
                    og_certs_import_summary *summary)
{
    return og_certs_import_bundle(ctx, tenant, name, pem, len, NULL, summary);
}
