/* acme_jws.c - ACME account and certificate keys, JWK and thumbprints, JWS (ES256/ES384/RS256),
 * External Account Binding, problem documents and CSRs. */
#include "acme/acme_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int rsa_bits; /* 0 for EC */
    const char *curve;
} key_types[] = {
    {"ec256", 0, "P-256"},   {"ec384", 0, "P-384"},   {"rsa2048", 2048, NULL},
    {"rsa3072", 3072, NULL}, {"rsa4096", 4096, NULL},
};

int og_acme__key_type_valid(const char *type)
{
    for (size_t i = 0; type && i < sizeof(key_types) / sizeof(key_types[0]); i++)
        if (strcmp(type, key_types[i].name) == 0)
            return 0;
    return og_error_set(OG_EINVAL,
                        "unknown key type '%s' (ec256, ec384, rsa2048, rsa3072, "
                        "rsa4096)",
                        type ? type : "");
}

int og_acme__key_generate(EVP_PKEY **out, const char *type)
{
    *out = NULL;
    if (og_acme__key_type_valid(type) < 0)
        return OG_EINVAL;
    for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
        if (strcmp(type, key_types[i].name) != 0)
            continue;
        if (key_types[i].rsa_bits)
            *out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)key_types[i].rsa_bits);
        else
            *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", key_types[i].curve);
    }
    if (!*out)
        return og_error_set(OG_ERROR, "generating a %s key failed", type);
    return 0;
}

int og_acme__key_to_pem(EVP_PKEY *key, char **pem, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    int error = OG_ERROR;
    *pem = NULL;
    if (!b || !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))
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

int og_acme__key_from_pem(EVP_PKEY **out, const char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    *out = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!*out)
        return og_error_set(OG_ECORRUPT, "a stored ACME key does not parse");
    return 0;
}

/* EC curve size in bytes (32 or 48), 0 for RSA, -1 otherwise. */
static int ec_size(EVP_PKEY *key)
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

const char *og_acme__jws_alg(EVP_PKEY *key)
{
    switch (ec_size(key)) {
    case 0:
        return "RS256";
    case 32:
        return "ES256";
    case 48:
        return "ES384";
    default:
        return NULL;
    }
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

json_t *og_acme__jwk(EVP_PKEY *key)
{
    BIGNUM *a = NULL, *b = NULL;
    char *sa = NULL, *sb = NULL;
    json_t *j = NULL;
    int sz = ec_size(key);
    if (sz < 0)
        return NULL;
    if (sz == 0) {
        if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &a) ||
            !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &b))
            goto cleanup;
        if ((sa = bn_b64url(a, 0)) && (sb = bn_b64url(b, 0)))
            j = json_pack("{s:s, s:s, s:s}", "e", sb, "kty", "RSA", "n", sa);
    } else {
        if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &a) ||
            !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &b))
            goto cleanup;
        /* RFC 7518 §6.2.1.2: coordinates are the full field size, leading zeros kept */
        if ((sa = bn_b64url(a, sz)) && (sb = bn_b64url(b, sz)))
            j = json_pack("{s:s, s:s, s:s, s:s}", "crv", sz == 32 ? "P-256" : "P-384", "kty", "EC",
                          "x", sa, "y", sb);
    }
cleanup:
    BN_free(a);
    BN_free(b);
    free(sa);
    free(sb);
    return j;
}

int og_acme__thumbprint(EVP_PKEY *key, char out[44])
{
    json_t *jwk = og_acme__jwk(key);
    char *text = NULL, *b64 = NULL;
    uint8_t h[32];
    int error = OG_ERROR;
    /* RFC 7638: required members only, sorted, no whitespace: jansson's sorted compact dump */
    if (!jwk || !(text = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS)))
        goto cleanup;
    og_crypto_sha256(text, strlen(text), h);
    if (!(b64 = og_base64url_encode(h, 32)) || strlen(b64) != 43)
        goto cleanup;
    memcpy(out, b64, 44);
    error = 0;
cleanup:
    json_decref(jwk);
    free(text);
    free(b64);
    return error ? og_error_set(OG_ERROR, "computing a JWK thumbprint failed") : 0;
}

char *og_acme__key_authorization(EVP_PKEY *key, const char *token)
{
    char tp[44];
    og_buf b;
    if (og_acme__thumbprint(key, tp) < 0)
        return NULL;
    og_buf_init(&b, 1024);
    if (og_buf_printf(&b, "%s.%s", token, tp) < 0) {
        og_buf_free(&b);
        return NULL;
    }
    return og_buf_detach(&b);
}

char *og_acme__dns01_value(const char *key_auth)
{
    uint8_t h[32];
    og_crypto_sha256(key_auth, strlen(key_auth), h);
    return og_base64url_encode(h, 32);
}

/* Sign input with the key: ES* as raw r||s, RS256 as PKCS#1 v1.5. Caller frees *sig. */
static int sign(EVP_PKEY *key, const char *input, uint8_t **sig, size_t *siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ECDSA_SIG *es = NULL;
    uint8_t *der = NULL;
    size_t derlen = 0;
    int error = OG_ERROR, sz = ec_size(key);
    *sig = NULL;
    if (!md || sz < 0 ||
        EVP_DigestSignInit(md, NULL, sz == 48 ? EVP_sha384() : EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, NULL, &derlen, (const uint8_t *)input, strlen(input)) != 1 ||
        !(der = malloc(derlen)) ||
        EVP_DigestSign(md, der, &derlen, (const uint8_t *)input, strlen(input)) != 1)
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

int og_acme__jws_json(json_t **out, EVP_PKEY *key, const char *kid, const char *nonce,
                      const char *url, const char *payload)
{
    const char *alg = og_acme__jws_alg(key);
    json_t *prot = NULL;
    char *prot_text = NULL, *prot_b64 = NULL, *pay_b64 = NULL, *sig_b64 = NULL;
    uint8_t *sig = NULL;
    size_t siglen = 0;
    og_buf input;
    int error = OG_ERROR;
    *out = NULL;
    og_buf_init(&input, 1 << 20);
    if (!alg)
        return og_error_set(OG_EINVAL, "the account key is not EC P-256, P-384 or RSA");
    if (!url || !*url)
        return og_error_set(OG_EINVAL, "a JWS needs a url");
    prot = json_pack("{s:s, s:s}", "alg", alg, "url", url);
    if (!prot)
        goto cleanup;
    if (nonce)
        json_object_set_new(prot, "nonce", json_string(nonce));
    if (kid && *kid)
        json_object_set_new(prot, "kid", json_string(kid));
    else
        json_object_set_new(prot, "jwk", og_acme__jwk(key));
    if (!(prot_text = json_dumps(prot, JSON_COMPACT | JSON_SORT_KEYS)) ||
        !(prot_b64 = og_base64url_encode((const uint8_t *)prot_text, strlen(prot_text))))
        goto cleanup;
    pay_b64 = payload ? og_base64url_encode((const uint8_t *)payload, strlen(payload)) : strdup("");
    if (!pay_b64)
        goto cleanup;
    if ((error = og_buf_printf(&input, "%s.%s", prot_b64, pay_b64)) < 0 ||
        (error = sign(key, input.data, &sig, &siglen)) < 0)
        goto cleanup;
    error = OG_ERROR;
    if (!(sig_b64 = og_base64url_encode(sig, siglen)))
        goto cleanup;
    *out = json_pack("{s:s, s:s, s:s}", "protected", prot_b64, "payload", pay_b64, "signature",
                     sig_b64);
    error = *out ? 0 : OG_ERROR;
cleanup:
    json_decref(prot);
    free(prot_text);
    free(prot_b64);
    free(pay_b64);
    free(sig_b64);
    free(sig);
    og_buf_free(&input);
    if (error == OG_ERROR && !*og_error_last())
        og_error_set(OG_ERROR, "building a JWS failed");
    return error;
}

int og_acme__jws(char **out, EVP_PKEY *key, const char *kid, const char *nonce, const char *url,
                 const char *payload)
{
    json_t *j = NULL;
    int error = og_acme__jws_json(&j, key, kid, nonce, url, payload);
    *out = NULL;
    if (error < 0)
        return error;
    *out = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return *out ? 0 : og_error_set(OG_ERROR, "out of memory");
}

int og_acme__eab(json_t **out, EVP_PKEY *account_key, const char *eab_kid, const uint8_t *hmac_key,
                 size_t hmac_len, const char *url)
{
    json_t *prot = NULL, *jwk = NULL;
    char *prot_text = NULL, *jwk_text = NULL, *p64 = NULL, *j64 = NULL, *s64 = NULL;
    uint8_t mac[32];
    og_buf input;
    int error = OG_ERROR;
    *out = NULL;
    og_buf_init(&input, 1 << 16);
    if (!eab_kid || !*eab_kid || !hmac_key || !hmac_len)
        return og_error_set(OG_EINVAL, "External Account Binding needs a key id and a MAC key");
    prot = json_pack("{s:s, s:s, s:s}", "alg", "HS256", "kid", eab_kid, "url", url);
    jwk = og_acme__jwk(account_key);
    if (!prot || !jwk || !(prot_text = json_dumps(prot, JSON_COMPACT | JSON_SORT_KEYS)) ||
        !(jwk_text = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS)) ||
        !(p64 = og_base64url_encode((const uint8_t *)prot_text, strlen(prot_text))) ||
        !(j64 = og_base64url_encode((const uint8_t *)jwk_text, strlen(jwk_text))))
        goto cleanup;
    if (og_buf_printf(&input, "%s.%s", p64, j64) < 0 ||
        og_crypto_hmac_sha256(hmac_key, hmac_len, input.data, input.len, mac) < 0 ||
        !(s64 = og_base64url_encode(mac, 32)))
        goto cleanup;
    *out = json_pack("{s:s, s:s, s:s}", "protected", p64, "payload", j64, "signature", s64);
    error = *out ? 0 : OG_ERROR;
cleanup:
    json_decref(prot);
    json_decref(jwk);
    free(prot_text);
    free(jwk_text);
    free(p64);
    free(j64);
    free(s64);
    og_buf_free(&input);
    og_crypto_wipe(mac, sizeof(mac));
    return error ? og_error_set(OG_ERROR, "building the External Account Binding failed") : 0;
}

#define ACME_URN "urn:ietf:params:acme:error:"

/* t with the ACME URN prefix shortened to "acme:", in buf when it had it (size bytes) */
static const char *short_type(const char *t, char *buf, size_t size)
{
    if (strncmp(t, ACME_URN, strlen(ACME_URN)) == 0) {
        snprintf(buf, size, "acme:%s", t + strlen(ACME_URN));
        return buf;
    }
    return t;
}

int og_acme__problem(const char *what, long status, const char *body, size_t len, char *type)
{
    json_error_t je;
    json_t *j = body && len ? json_loadb(body, len, 0, &je) : NULL;
    const char *t = j ? json_string_value(json_object_get(j, "type")) : NULL;
    const char *d = j ? json_string_value(json_object_get(j, "detail")) : NULL;
    json_t *subs = j ? json_object_get(j, "subproblems") : NULL;
    og_buf msg;
    char tbuf[160];
    int code = OG_ERROR;
    if (type)
        type[0] = '\0';
    og_buf_init(&msg, 4096);
    if (!t) {
        og_buf_printf(&msg, "%s: HTTP %ld without a problem document", what ? what : "ACME",
                      status);
    } else {
        if (type)
            og_strlcpy(type, t, 128);
        /* The CA writes these: cap each so the message always names the operation. */
        og_buf_printf(&msg, "%s: %.120s (HTTP %ld)", what ? what : "ACME",
                      short_type(t, tbuf, sizeof(tbuf)), status);
        if (d)
            og_buf_printf(&msg, ": %.1000s", d);
        if (strcmp(t, ACME_URN "rateLimited") == 0)
            code = OG_EBUSY;
        else if (strcmp(t, ACME_URN "accountDoesNotExist") == 0)
            code = OG_ENOTFOUND;
        else if (strcmp(t, ACME_URN "orderNotReady") == 0)
            code = OG_ECONFLICT;
    }
    /* subproblems say which identifier failed; at most 10 keep the message readable */
    for (size_t i = 0; json_is_array(subs) && i < json_array_size(subs) && i < 10; i++) {
        json_t *s = json_array_get(subs, i);
        const char *st = json_string_value(json_object_get(s, "type"));
        const char *sd = json_string_value(json_object_get(s, "detail"));
        const char *iv =
            json_string_value(json_object_get(json_object_get(s, "identifier"), "value"));
        og_buf_printf(&msg, "; %.255s%s%.120s%s%.200s", iv ? iv : "", iv ? ": " : "",
                      st ? short_type(st, tbuf, sizeof(tbuf)) : "", sd ? ": " : "", sd ? sd : "");
    }
    og_error_set(code, "%s", msg.data ? msg.data : "ACME error");
    og_buf_free(&msg);
    json_decref(j);
    return code;
}

int og_acme__csr(char **out, EVP_PKEY *key, const char *const *names, size_t n)
{
    X509_REQ *req = NULL;
    X509_NAME *subj = NULL;
    GENERAL_NAMES *gens = NULL;
    STACK_OF(X509_EXTENSION) *exts = NULL;
    X509_EXTENSION *ext = NULL;
    uint8_t *der = NULL;
    int error = OG_ERROR, derlen;
    *out = NULL;
    if (!n || n > OG_ACME_MAX_NAMES)
        return og_error_set(OG_EINVAL, "a certificate needs 1 to %d names", OG_ACME_MAX_NAMES);
    if (!(req = X509_REQ_new()) || !(subj = X509_NAME_new()) || !(gens = GENERAL_NAMES_new()))
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        uint8_t ip[16];
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_OCTET_STRING *os = NULL;
        ASN1_IA5STRING *ia5 = NULL;
        int iplen = inet_pton(AF_INET, names[i], ip) == 1    ? 4
                    : inet_pton(AF_INET6, names[i], ip) == 1 ? 16
                                                             : 0;
        if (!g)
            goto cleanup;
        if (iplen) {
            if (!(os = ASN1_OCTET_STRING_new()) || !ASN1_OCTET_STRING_set(os, ip, iplen)) {
                ASN1_OCTET_STRING_free(os);
                GENERAL_NAME_free(g);
                goto cleanup;
            }
            GENERAL_NAME_set0_value(g, GEN_IPADD, os);
        } else {
            if (!(ia5 = ASN1_IA5STRING_new()) || !ASN1_STRING_set(ia5, names[i], -1)) {
                ASN1_IA5STRING_free(ia5);
                GENERAL_NAME_free(g);
                goto cleanup;
            }
            GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
        }
        if (!sk_GENERAL_NAME_push(gens, g)) {
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
        !X509_REQ_set_pubkey(req, key) || !(ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens)) ||
        !(exts = sk_X509_EXTENSION_new_null()) || !sk_X509_EXTENSION_push(exts, ext))
        goto cleanup;
    ext = NULL;
    if (!X509_REQ_add_extensions(req, exts) ||
        !X509_REQ_sign(req, key, ec_size(key) == 48 ? EVP_sha384() : EVP_sha256()))
        goto cleanup;
    der = NULL;
    if ((derlen = i2d_X509_REQ(req, &der)) <= 0)
        goto cleanup;
    if ((*out = og_base64url_encode(der, (size_t)derlen)))
        error = 0;
cleanup:
    X509_REQ_free(req);
    X509_NAME_free(subj);
    GENERAL_NAMES_free(gens);
    X509_EXTENSION_free(ext);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    OPENSSL_free(der);
    return error ? og_error_set(OG_ERROR, "building the CSR failed") : 0;
}
