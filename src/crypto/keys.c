/* keys.c - asymmetric private keys (EC P-256/P-384, RSA): PEM, public JWK, JWS signatures, CSRs
 * and self-signed certificates, so that no other module drives OpenSSL's EVP for them. */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <arpa/inet.h>
#include <limits.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct og_crypto_key {
    EVP_PKEY *pkey;
};

/* the most names a CSR carries (ACME asks for at most 100 too) */
#define CSR_MAX_NAMES 100

static const struct {
    const char *name;
    int rsa_bits; /* 0 for EC */
    const char *curve;
} key_types[] = {
    {"ec256", 0, "P-256"},   {"ec384", 0, "P-384"},   {"rsa2048", 2048, NULL},
    {"rsa3072", 3072, NULL}, {"rsa4096", 4096, NULL},
};
#define NTYPES (sizeof(key_types) / sizeof(key_types[0]))

int og_crypto_key_type_check(const char *type)
{
    for (size_t i = 0; type && i < NTYPES; i++)
        if (strcmp(type, key_types[i].name) == 0)
            return 0;
    return og_error_set(OG_EINVAL,
                        "unknown key type '%s' (ec256, ec384, rsa2048, rsa3072, "
                        "rsa4096)",
                        type ? type : "");
}

static int key_wrap(og_crypto_key **out, EVP_PKEY *pkey)
{
    if (!pkey)
        return OG_ERROR;
    if (!(*out = malloc(sizeof(**out)))) {
        EVP_PKEY_free(pkey);
        return og_error_set(OG_ERROR, "out of memory");
    }
    (*out)->pkey = pkey;
    return 0;
}

int og_crypto_key_generate(og_crypto_key **out, const char *type)
{
    EVP_PKEY *pkey = NULL;
    *out = NULL;
    if (og_crypto_key_type_check(type) < 0)
        return OG_EINVAL;
    for (size_t i = 0; i < NTYPES; i++) {
        if (strcmp(type, key_types[i].name) != 0)
            continue;
        if (key_types[i].rsa_bits)
            pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)key_types[i].rsa_bits);
        else
            pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", key_types[i].curve);
    }
    if (key_wrap(out, pkey) < 0)
        return og_error_set(OG_ERROR, "generating a %s key failed", type);
    return 0;
}

/* One DER element at *p (before end) of tag: its contents in *c, *clen; *p moves past it. 0, or -1
 * when it is not there (short forms and lengths up to 0xffff: all an EC private key needs). */
static int der_take(const unsigned char **p, const unsigned char *end, unsigned char tag,
                    const unsigned char **c, size_t *clen)
{
    const unsigned char *q = *p;
    size_t n;
    if (end - q < 2 || *q++ != tag)
        return -1;
    n = *q++;
    if (n == 0x81 || n == 0x82) {
        size_t k = n - 0x80;
        if ((size_t)(end - q) < k)
            return -1;
        n = k == 1 ? q[0] : (size_t)q[0] << 8 | q[1];
        q += k;
    } else if (n > 0x7f) {
        return -1;
    }
    if ((size_t)(end - q) < n)
        return -1;
    *c = q;
    *clen = n;
    *p = q + n;
    return 0;
}

/* The EC key of p8 built from its scalar and public point (EVP_PKEY_fromdata), without OpenSSL's
 * decoder framework: its first use in a process costs about 1.4 ms, a third of a `cert issue`'s
 * account opening (docs/acme.md). Only a named NIST curve with the public key present
 * and no parameters of its own (RFC 5915 ECPrivateKey inside PKCS#8, as OpenSSL and opsgate write
 * it); NULL for anything else, which then goes through the decoder. Like OpenSSL's decoder, the
 * point is taken as written. */
static EVP_PKEY *ec_from_pkcs8(const PKCS8_PRIV_KEY_INFO *p8)
{
    static const struct {
        int nid;
        const char *group;
        size_t size;
    } curves[] = {{NID_X9_62_prime256v1, "prime256v1", 32},
                  {NID_secp384r1, "secp384r1", 48},
                  {NID_secp521r1, "secp521r1", 66}};
    const unsigned char *pk = NULL, *p, *end, *seq, *v, *d = NULL, *pub = NULL, *bits;
    const X509_ALGOR *palg = NULL;
    const void *pval = NULL;
    int pklen = 0, ptype = 0;
    size_t seqlen, vlen, dlen = 0, publen = 0, bitslen, size = 0;
    const char *group = NULL;
    BIGNUM *priv = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    if (!PKCS8_pkey_get0(NULL, &pk, &pklen, &palg, p8) || pklen <= 0)
        return NULL;
    X509_ALGOR_get0(NULL, &ptype, &pval, palg);
    for (size_t i = 0; ptype == V_ASN1_OBJECT && i < sizeof(curves) / sizeof(curves[0]); i++)
        if (OBJ_obj2nid(pval) == curves[i].nid) {
            group = curves[i].group;
            size = curves[i].size;
        }
    /* ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters OPTIONAL,
     * [1] publicKey BIT STRING OPTIONAL } */
    p = pk;
    end = pk + pklen;
    if (!group || der_take(&p, end, 0x30, &seq, &seqlen) < 0 || p != end)
        goto cleanup;
    p = seq;
    end = seq + seqlen;
    if (der_take(&p, end, 0x02, &v, &vlen) < 0 || vlen != 1 || v[0] != 1 ||
        der_take(&p, end, 0x04, &d, &dlen) < 0 || dlen != size)
        goto cleanup;
    if (der_take(&p, end, 0xa1, &v, &vlen) < 0 || p != end)
        goto cleanup;
    p = v;
    if (der_take(&p, v + vlen, 0x03, &bits, &bitslen) < 0 || p != v + vlen ||
        bitslen != 2 + 2 * size || bits[0] != 0 || bits[1] != 0x04)
        goto cleanup;
    pub = bits + 1; /* the uncompressed point: 04 || X || Y */
    publen = bitslen - 1;
    if (!(priv = BN_secure_new()) || !BN_bin2bn(d, (int)dlen, priv) || BN_is_zero(priv) ||
        !(bld = OSSL_PARAM_BLD_new()) ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) ||
        !(params = OSSL_PARAM_BLD_to_param(bld)) ||
        !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
cleanup:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params); /* clears the scalar: BN_secure_new puts it in the secure part */
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(priv);
    return pkey;
}

EVP_PKEY *og_crypto_pkcs8_decode(const void *der, size_t len)
{
    const unsigned char *p = der;
    PKCS8_PRIV_KEY_INFO *p8 =
        len <= (size_t)LONG_MAX ? d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len) : NULL;
    const ASN1_OBJECT *alg = NULL;
    const char *type = NULL;
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dc = NULL;
    size_t left = len;
    if (!p8 || p != (const unsigned char *)der + len ||
        !PKCS8_pkey_get0(&alg, NULL, NULL, NULL, p8))
        goto cleanup;
    switch (OBJ_obj2nid(alg)) {
    case NID_X9_62_id_ecPublicKey:
        if ((pkey = ec_from_pkcs8(p8)))
            goto cleanup;
        type = "EC";
        break;
    case NID_rsaEncryption:
        type = "RSA";
        break;
    case NID_ED25519:
        type = "ED25519";
        break;
    case NID_ED448:
        type = "ED448";
        break;
    default:
        goto cleanup;
    }
    p = der;
    if (!(dc = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "PrivateKeyInfo", type, EVP_PKEY_KEYPAIR,
                                             NULL, NULL)) ||
        !OSSL_DECODER_from_data(dc, &p, &left) || left != 0) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
cleanup:
    OSSL_DECODER_CTX_free(dc);
    PKCS8_PRIV_KEY_INFO_free(p8);
    ERR_clear_error();
    return pkey;
}

/* The body of pem's one "PRIVATE KEY" block through og_crypto_pkcs8_decode; NULL otherwise. */
static EVP_PKEY *pkcs8_pem(const char *pem, size_t len)
{
    BIO *b = len <= (size_t)INT32_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long n = 0;
    EVP_PKEY *pkey = NULL;
    if (b && PEM_read_bio(b, &name, &header, &der, &n) == 1 && strcmp(name, "PRIVATE KEY") == 0 &&
        !*header)
        pkey = og_crypto_pkcs8_decode(der, (size_t)n);
    if (der)
        OPENSSL_cleanse(der, (size_t)n);
    OPENSSL_free(der);
    OPENSSL_free(name);
    OPENSSL_free(header);
    BIO_free(b);
    ERR_clear_error();
    return pkey;
}

int og_crypto_key_from_pem(og_crypto_key **out, const char *pem, size_t len)
{
    EVP_PKEY *pkey = pkcs8_pem(pem, len);
    *out = NULL;
    if (!pkey) { /* every other form OpenSSL reads */
        BIO *b = len <= (size_t)INT32_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
        pkey = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    }
    if (!pkey)
        return og_error_set(OG_ECORRUPT, "a private key does not parse");
    return key_wrap(out, pkey);
}

int og_crypto_key_to_pem(const og_crypto_key *key, char **pem, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    int error = OG_ERROR;
    *pem = NULL;
    if (!b || !PEM_write_bio_PrivateKey(b, key->pkey, NULL, NULL, 0, NULL, NULL))
        goto cleanup;
    long n = BIO_get_mem_data(b, &p);
    if (n <= 0 || !(*pem = malloc((size_t)n + 1)))
        goto cleanup;
    memcpy(*pem, p, (size_t)n);
    (*pem)[n] = '\0';
    if (len)
        *len = (size_t)n;
    error = 0;
cleanup:
    BIO_free(b); /* BIO_s_mem frees its memory; the PEM text there is not wiped by OpenSSL */
    return error ? og_error_set(OG_ERROR, "encoding a private key failed") : 0;
}

int og_crypto_key_to_der(const og_crypto_key *key, uint8_t **der, size_t *len)
{
    uint8_t *p = NULL;
    int n = i2d_PrivateKey(key->pkey, &p);
    *der = NULL;
    if (n <= 0 || !(*der = malloc((size_t)n))) {
        if (n > 0)
            OPENSSL_clear_free(p, (size_t)n);
        return og_error_set(OG_ERROR, "encoding a private key failed");
    }
    memcpy(*der, p, (size_t)n);
    *len = (size_t)n;
    OPENSSL_clear_free(p, (size_t)n);
    return 0;
}

/* EC curve size in bytes (32 or 48), 0 for RSA, -1 otherwise. */
static int ec_size(const EVP_PKEY *key)
{
    char group[64];
    if (EVP_PKEY_is_a(key, "RSA"))
        return 0;
    if (!EVP_PKEY_is_a(key, "EC") ||
        !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        NULL))
        return -1;
    if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
        return 32;
    if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
        return 48;
    return -1;
}

const char *og_crypto_key_type(const og_crypto_key *key)
{
    int bits;
    switch (key ? ec_size(key->pkey) : -1) {
    case 0:
        /* below 2048 bits an RSA key is none of the types (it was "rsa2048": an imported
         * 1024-bit ACME account key passed) */
        bits = EVP_PKEY_get_bits(key->pkey);
        return bits >= 4096   ? "rsa4096"
               : bits >= 3072 ? "rsa3072"
               : bits >= 2048 ? "rsa2048"
                              : NULL;
    case 32:
        return "ec256";
    case 48:
        return "ec384";
    default:
        return NULL;
    }
}

void og_crypto_key_free(og_crypto_key *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey);
    free(key);
}

int og_crypto_key_check(const og_crypto_key *key)
{
    EVP_PKEY_CTX *pc = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL) : NULL;
    int ok = pc && EVP_PKEY_pairwise_check(pc) == 1;
    EVP_PKEY_CTX_free(pc);
    ERR_clear_error();
    return ok ? 0 : og_error_set(OG_EINVAL, "the private key is inconsistent (damaged?)");
}

/* base64url of a big number, left-padded with zeros to pad bytes (0 = minimal). */
static char *bn_b64url(const BIGNUM *bn, int pad)
{
    int n = pad ? pad : BN_num_bytes(bn);
    uint8_t *buf = malloc((size_t)(n ? n : 1));
    char *s = NULL;
    if (buf && BN_bn2binpad(bn, buf, n) == n)
        s = og_base64url_encode(buf, (size_t)n);
    free(buf);
    return s;
}

int og_crypto_key_jwk(const og_crypto_key *key, char **json)
{
    BIGNUM *a = NULL, *b = NULL;
    char *sa = NULL, *sb = NULL;
    og_buf out;
    int sz = ec_size(key->pkey), error = OG_ERROR;
    *json = NULL;
    if (sz < 0)
        return og_error_set(OG_EINVAL, "the key is not EC P-256, P-384 or RSA");
    og_buf_init(&out, 4096);
    /* the members are base64url text, so no JSON escaping is needed; RFC 7638 order */
    if (sz == 0) {
        if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, &a) &&
            EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, &b) && (sa = bn_b64url(a, 0)) &&
            (sb = bn_b64url(b, 0)) &&
            og_buf_printf(&out, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", sb, sa) == 0)
            error = 0;
    } else {
        /* RFC 7518 §6.2.1.2: coordinates are the full field size, leading zeros kept */
        if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &a) &&
            EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &b) &&
            (sa = bn_b64url(a, sz)) && (sb = bn_b64url(b, sz)) &&
            og_buf_printf(&out, "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                          sz == 32 ? "P-256" : "P-384", sa, sb) == 0)
            error = 0;
    }
    if (error == 0)
        *json = og_buf_detach(&out);
    og_buf_free(&out);
    BN_free(a);
    BN_free(b);
    free(sa);
    free(sb);
    return error ? og_error_set(OG_ERROR, "encoding a public JWK failed") : 0;
}

int og_crypto_key_sign(const og_crypto_key *key, const void *data, size_t len, uint8_t **sig,
                       size_t *siglen)
{
    EVP_MD_CTX *md = NULL;
    ECDSA_SIG *es = NULL;
    uint8_t *der = NULL;
    size_t derlen = 0;
    int error = OG_ERROR, sz = ec_size(key->pkey);
    *sig = NULL;
    if (sz < 0)
        return og_error_set(OG_EINVAL, "the key is not EC P-256, P-384 or RSA");
    if (!(md = EVP_MD_CTX_new()) ||
        EVP_DigestSignInit(md, NULL, sz == 48 ? EVP_sha384() : EVP_sha256(), NULL, key->pkey) !=
            1 ||
        EVP_DigestSign(md, NULL, &derlen, data, len) != 1 || !(der = malloc(derlen)) ||
        EVP_DigestSign(md, der, &derlen, data, len) != 1)
        goto cleanup;
    if (sz == 0) {
        *sig = der;
        *siglen = derlen;
        der = NULL;
        error = 0;
        goto cleanup;
    }
    /* JWA §3.4: the signature is R and S as fixed-size big-endian octets, not a DER sequence */
    const uint8_t *p = der;
    if (!(es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) || !(*sig = malloc((size_t)sz * 2)))
        goto cleanup;
    if (BN_bn2binpad(ECDSA_SIG_get0_r(es), *sig, sz) != sz ||
        BN_bn2binpad(ECDSA_SIG_get0_s(es), *sig + sz, sz) != sz) {
        free(*sig);
        *sig = NULL;
        goto cleanup;
    }
    *siglen = (size_t)sz * 2;
    error = 0;
cleanup:
    EVP_MD_CTX_free(md);
    ECDSA_SIG_free(es);
    free(der);
    return error ? og_error_set(OG_ERROR, "signing a JWS failed") : 0;
}

/* The general name of one CSR name: an IP SAN for an address literal, else a DNS SAN. */
static GENERAL_NAME *general_name(const char *name)
{
    uint8_t ip[16];
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_OCTET_STRING *os = NULL;
    ASN1_IA5STRING *ia5 = NULL;
    int iplen = inet_pton(AF_INET, name, ip) == 1 ? 4 : inet_pton(AF_INET6, name, ip) == 1 ? 16 : 0;
    if (!g)
        return NULL;
    if (iplen) {
        if (!(os = ASN1_OCTET_STRING_new()) || !ASN1_OCTET_STRING_set(os, ip, iplen)) {
            ASN1_OCTET_STRING_free(os);
            GENERAL_NAME_free(g);
            return NULL;
        }
        GENERAL_NAME_set0_value(g, GEN_IPADD, os);
    } else {
        if (!(ia5 = ASN1_IA5STRING_new()) || !ASN1_STRING_set(ia5, name, -1)) {
            ASN1_IA5STRING_free(ia5);
            GENERAL_NAME_free(g);
            return NULL;
        }
        GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
    }
    return g;
}

/* d (from an i2d_ call, n bytes, OpenSSL's memory) copied to *out; frees d. */
static int der_out(uint8_t *d, int n, uint8_t **out, size_t *len)
{
    *out = n > 0 ? malloc((size_t)n) : NULL;
    if (*out) {
        memcpy(*out, d, (size_t)n);
        *len = (size_t)n;
    }
    OPENSSL_free(d);
    return *out ? 0 : OG_ERROR;
}

/* The request's SubjectPublicKeyInfo for an EC key, set from the key's encoded point and named
 * curve: X509_REQ_set_pubkey would encode the key through OpenSSL 3's encoders and decode the
 * result back through its decoders (about 0.2 ms, a fifth of an ACME order's client CPU). 0 when
 * the key is not an EC key on a named curve (the caller takes the general way), 1 when set. */
static int csr_ec_pubkey(X509_REQ *req, const EVP_PKEY *pkey)
{
    char group[64];
    unsigned char point[1 + 2 * 66];
    size_t plen = 0;
    int nid;
    ASN1_OBJECT *alg, *curve;
    X509_PUBKEY *pub = X509_REQ_get_X509_PUBKEY(req);
    unsigned char *enc;
    if (!pub || !EVP_PKEY_is_a(pkey, "EC") ||
        !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        NULL) ||
        ((nid = OBJ_sn2nid(group)) == NID_undef && (nid = EC_curve_nist2nid(group)) == NID_undef) ||
        !EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                         sizeof(point), &plen) ||
        plen == 0 || point[0] != 0x04) {
        ERR_clear_error();
        return 0;
    }
    alg = OBJ_nid2obj(NID_X9_62_id_ecPublicKey);
    curve = OBJ_nid2obj(nid);
    if (!alg || !curve || !(enc = OPENSSL_memdup(point, plen)))
        return 0;
    if (!X509_PUBKEY_set0_param(pub, alg, V_ASN1_OBJECT, curve, enc, (int)plen)) {
        OPENSSL_free(enc);
        return 0;
    }
    return 1;
}

int og_crypto_csr_build(const og_crypto_key *key, const char *const *names, size_t n, uint8_t **der,
                        size_t *len)
{
    X509_REQ *req = NULL;
    X509_NAME *subj = NULL;
    GENERAL_NAMES *gens = NULL;
    STACK_OF(X509_EXTENSION) *exts = NULL;
    X509_EXTENSION *ext = NULL;
    uint8_t *d = NULL;
    int error = OG_ERROR;
    *der = NULL;
    if (!n || n > CSR_MAX_NAMES)
        return og_error_set(OG_EINVAL, "a CSR needs 1 to %d names", CSR_MAX_NAMES);
    if (!(req = X509_REQ_new()) || !(subj = X509_NAME_new()) || !(gens = GENERAL_NAMES_new()))
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        GENERAL_NAME *g = general_name(names[i]);
        if (!g || !sk_GENERAL_NAME_push(gens, g)) {
            GENERAL_NAME_free(g);
            goto cleanup;
        }
    }
    /* the CN is optional for ACME; put the first DNS name there when it fits (64 chars), never
     * an IP address (CAs refuse those in the CN) */
    uint8_t ipbuf[16];
    int first_is_ip =
        inet_pton(AF_INET, names[0], ipbuf) == 1 || inet_pton(AF_INET6, names[0], ipbuf) == 1;
    if (strlen(names[0]) <= 64 && !first_is_ip &&
        !X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8, (const uint8_t *)names[0], -1, -1,
                                    0))
        goto cleanup;
    if (!X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, subj) ||
        (!csr_ec_pubkey(req, key->pkey) && !X509_REQ_set_pubkey(req, key->pkey)) ||
        !(ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens)) ||
        !(exts = sk_X509_EXTENSION_new_null()) || !sk_X509_EXTENSION_push(exts, ext))
        goto cleanup;
    ext = NULL;
    if (!X509_REQ_add_extensions(req, exts) ||
        !X509_REQ_sign(req, key->pkey, ec_size(key->pkey) == 48 ? EVP_sha384() : EVP_sha256()))
        goto cleanup;
    error = der_out(d, i2d_X509_REQ(req, &d), der, len);
cleanup:
    X509_REQ_free(req);
    X509_NAME_free(subj);
    GENERAL_NAMES_free(gens);
    X509_EXTENSION_free(ext);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    return error ? og_error_set(OG_ERROR, "building the CSR failed") : 0;
}

/* The critical extension oid (dotted) with the DER value, added to x. */
static int add_critical_ext(X509 *x, const char *oid_text, const void *value, size_t len)
{
    ASN1_OBJECT *oid = OBJ_txt2obj(oid_text, 1);
    ASN1_OCTET_STRING *val = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    int ok = oid && val && len <= INT32_MAX && ASN1_OCTET_STRING_set(val, value, (int)len) &&
             (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 1, val)) && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(val);
    return ok ? 0 : OG_ERROR;
}

int og_crypto_cert_selfsigned(const og_crypto_key *key, const char *name, const char *ext_oid,
                              const void *ext_value, size_t ext_len, uint8_t **der, size_t *len)
{
    X509 *x = X509_new();
    X509_EXTENSION *ext = NULL;
    X509V3_CTX v3;
    uint8_t serial[16], ip[16], *d = NULL;
    char san[300];
    int error = OG_ERROR;
    *der = NULL;
    if (!x || !name || strlen(name) > 253 || og_crypto_random(serial, sizeof(serial)) < 0)
        goto cleanup;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) {
        BN_free(bn);
        goto cleanup;
    }
    BN_free(bn);
    int is_ip = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;
    snprintf(san, sizeof(san), "%s:%s", is_ip ? "IP" : "DNS", name);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    if (!X509_set_version(x, 2) || !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 7 * 86400) || !X509_set_pubkey(x, key->pkey) ||
        !(ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san)) ||
        !X509_add_ext(x, ext, -1))
        goto cleanup;
    if ((ext_oid && add_critical_ext(x, ext_oid, ext_value, ext_len) < 0) ||
        !X509_sign(x, key->pkey, EVP_sha256()))
        goto cleanup;
    error = der_out(d, i2d_X509(x, &d), der, len);
cleanup:
    X509_free(x);
    X509_EXTENSION_free(ext);
    return error ? og_error_set(OG_ERROR, "building a self-signed certificate failed") : 0;
}

bool og_crypto_key_matches_cert(const og_crypto_key *key, const void *der, size_t len)
{
    const uint8_t *p = der;
    X509 *x = len <= (size_t)INT32_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
    bool ok = x && X509_check_private_key(x, key->pkey) == 1;
    X509_free(x);
    ERR_clear_error();
    return ok;
}

bool og_crypto_key_matches_x509(const og_crypto_key *key, const X509 *x)
{
    bool ok = key && x && X509_check_private_key(x, key->pkey) == 1;
    ERR_clear_error();
    return ok;
}
