/* fuzz_acme_jws.c - libFuzzer target for account keys, JWKs, thumbprints and JWS (RFC 7515,
 * 7517, 7638; RFC 8555 §6.2), checked against an independent verifier. */
#include "acme/acme_internal.h"
#include "fuzz_util.h"

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <string.h>

/*
 * The input is NUL-separated: KEY, url, nonce, kid, payload (a missing payload is a POST-as-GET,
 * an empty nonce is none: the inner JWS of a key change). KEY is either a PEM private key as a
 * user imports it (`acme account create --key-file`) or "ec256:SEED" / "ec384:SEED": a key whose
 * private scalar is the SHA-256/384 of SEED, so every input has its own key (and now and then
 * a public coordinate with leading zero bytes). Checked:
 * - an import refused is OG_EINVAL with a clean message; an accepted key is EC P-256/P-384 or
 *   RSA of at least 2048 bits (read from its JWK's n);
 * - the JWK has exactly the RFC 7638 members, coordinates of the full field size; the
 *   thumbprint equals SHA-256 over the canonical JSON built here; the key authorization is
 *   token.thumbprint;
 * - a JWS refused is OG_EINVAL or OG_ERROR with a clean message, and only for an empty url or
 *   for a url, nonce or kid that is not valid UTF-8 or a nonce that is not base64url;
 * - an accepted JWS has exactly protected, payload and signature; the protected header carries
 *   alg, url, nonce, kid or jwk as given; the payload decodes to the payload; and the signature
 *   verifies with OpenSSL over a public key rebuilt from the JWK.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* A SEC1 ECPrivateKey without its public key (OpenSSL derives it) as PEM: caller frees. */
static char *ec_pem_from_seed(int bits, const char *seed)
{
    static const uint8_t p256[] = {0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20};
    static const uint8_t p256_oid[] = {0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                       0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    static const uint8_t p384[] = {0x30, 0x3e, 0x02, 0x01, 0x01, 0x04, 0x30};
    static const uint8_t p384_oid[] = {0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
    uint8_t der[80], d[48];
    unsigned dl = 0;
    size_t n = 0;
    EVP_Digest(seed, strlen(seed), d, &dl, bits == 256 ? EVP_sha256() : EVP_sha384(), NULL);
    memcpy(der + n, bits == 256 ? p256 : p384, 7);
    n += 7;
    memcpy(der + n, d, dl);
    n += dl;
    memcpy(der + n, bits == 256 ? p256_oid : p384_oid,
           bits == 256 ? sizeof(p256_oid) : sizeof(p384_oid));
    n += bits == 256 ? sizeof(p256_oid) : sizeof(p384_oid);
    char *b64 = og_base64_encode(der, n), *pem = NULL;
    if (b64 && (pem = malloc(strlen(b64) + 128)))
        sprintf(pem, "-----BEGIN EC PRIVATE KEY-----\n%s\n-----END EC PRIVATE KEY-----\n", b64);
    free(b64);
    return pem;
}

/* base64url text of a JSON member decoded (caller frees), its length in *n. */
static uint8_t *b64_member(json_t *obj, const char *name, size_t *n)
{
    const char *s = json_string_value(json_object_get(obj, name));
    uint8_t *out = NULL;
    FUZZ_ASSERT(s && strspn(s, B64URL) == strlen(s));
    if (og_base64_decode(s, &out, n) < 0)
        FUZZ_FAIL("member %s is not base64url: %s", name, s);
    return out;
}

/* The public key the JWK describes, built with OpenSSL alone. */
static EVP_PKEY *key_from_jwk(json_t *jwk, int *ec_size)
{
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pc = NULL;
    EVP_PKEY *pkey = NULL;
    BIGNUM *n = NULL, *e = NULL;
    uint8_t *a = NULL, *c = NULL, pt[97];
    size_t al = 0, cl = 0;
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    FUZZ_ASSERT(b && kty);
    if (strcmp(kty, "RSA") == 0) {
        FUZZ_ASSERT(json_object_size(jwk) == 3);
        a = b64_member(jwk, "n", &al);
        c = b64_member(jwk, "e", &cl);
        if (al < 256 || a[0] == 0)
            FUZZ_FAIL("an RSA key of %zu bytes accepted (or a padded modulus)", al);
        *ec_size = 0;
        n = BN_bin2bn(a, (int)al, NULL);
        e = BN_bin2bn(c, (int)cl, NULL);
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n);
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e);
        pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    } else {
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        FUZZ_ASSERT(strcmp(kty, "EC") == 0 && json_object_size(jwk) == 4 && crv);
        FUZZ_ASSERT(strcmp(crv, "P-256") == 0 || strcmp(crv, "P-384") == 0);
        *ec_size = strcmp(crv, "P-256") == 0 ? 32 : 48;
        a = b64_member(jwk, "x", &al);
        c = b64_member(jwk, "y", &cl);
        if (al != (size_t)*ec_size || cl != (size_t)*ec_size)
            FUZZ_FAIL("%s coordinates of %zu and %zu bytes", crv, al, cl);
        pt[0] = 4;
        memcpy(pt + 1, a, al);
        memcpy(pt + 1 + al, c, cl);
        OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
                                        *ec_size == 32 ? "P-256" : "P-384", 0);
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + al + cl);
        pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    }
    params = OSSL_PARAM_BLD_to_param(b);
    if (!pc || !params || EVP_PKEY_fromdata_init(pc) != 1 ||
        EVP_PKEY_fromdata(pc, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        FUZZ_FAIL("the JWK does not describe a public key OpenSSL takes");
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_CTX_free(pc);
    BN_free(n);
    BN_free(e);
    free(a);
    free(c);
    return pkey;
}

/* RFC 7638 §3: the required members in lexicographic order, no whitespace. */
static void check_thumbprint(json_t *jwk, const og_crypto_key *key)
{
    char canon[2048], tp[44];
    uint8_t h[32];
    unsigned hl = 0;
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
#define M(name) json_string_value(json_object_get(jwk, name))
    if (strcmp(kty, "RSA") == 0)
        snprintf(canon, sizeof(canon), "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", M("e"),
                 M("n"));
    else
        snprintf(canon, sizeof(canon), "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                 M("crv"), M("x"), M("y"));
#undef M
    EVP_Digest(canon, strlen(canon), h, &hl, EVP_sha256(), NULL);
    char *want = og_base64url_encode(h, 32);
    FUZZ_ASSERT(og_acme__thumbprint(key, tp) == 0 && want && strcmp(tp, want) == 0);
    char *ka = og_acme__key_authorization(key, "tok-EN_1");
    FUZZ_ASSERT(ka && strncmp(ka, "tok-EN_1.", 9) == 0 && strcmp(ka + 9, want) == 0);
    free(ka);
    free(want);
}

static void verify(EVP_PKEY *pub, int ec_size, const char *input, const uint8_t *sig, size_t n)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t *der = NULL;
    int derlen = 0;
    ECDSA_SIG *es = NULL;
    if (ec_size) {
        /* JWA §3.4: R || S, each of the field size */
        FUZZ_ASSERT(n == (size_t)ec_size * 2);
        es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, BN_bin2bn(sig, ec_size, NULL), BN_bin2bn(sig + ec_size, ec_size, NULL));
        derlen = i2d_ECDSA_SIG(es, &der);
        sig = der;
        n = (size_t)derlen;
    }
    if (!md ||
        EVP_DigestVerifyInit(md, NULL, ec_size == 48 ? EVP_sha384() : EVP_sha256(), NULL, pub) !=
            1 ||
        EVP_DigestVerify(md, sig, n, (const uint8_t *)input, strlen(input)) != 1)
        FUZZ_FAIL("the JWS signature does not verify");
    EVP_MD_CTX_free(md);
    ECDSA_SIG_free(es);
    OPENSSL_free(der);
}

static int utf8(const char *s)
{
    return og_utf8_valid(s, strlen(s), NULL);
}

static void check_jws(const og_crypto_key *key, const char *url, const char *nonce, const char *kid,
                      const char *payload)
{
    char *text = NULL;
    json_error_t je;
    og_error_clear();
    int rc = og_acme__jws(&text, key, kid, nonce, url, payload);
    int fine = *url && utf8(url) && utf8(kid) &&
               (!nonce || (utf8(nonce) && strspn(nonce, B64URL) == strlen(nonce)));
    fuzz_log("jws rc=%d (expected %s)", rc, fine ? "ok" : "a refusal");
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL, OG_ERROR);
        if (fine)
            FUZZ_FAIL("a JWS refused for url '%s' nonce '%s' kid '%s'", url, nonce ? nonce : "",
                      kid);
        return;
    }
    if (!fine)
        FUZZ_FAIL("a JWS built for url '%s' nonce '%s' kid '%s'", url, nonce ? nonce : "", kid);
    json_t *jws = json_loads(text, 0, &je), *prot = NULL, *jwk;
    FUZZ_ASSERT(json_is_object(jws) && json_object_size(jws) == 3);
    size_t pl = 0, dl = 0, sl = 0;
    uint8_t *p = b64_member(jws, "protected", &pl), *d = b64_member(jws, "payload", &dl);
    uint8_t *sig = b64_member(jws, "signature", &sl);
    FUZZ_ASSERT(dl == strlen(payload ? payload : "") && memcmp(d, payload ? payload : "", dl) == 0);
    prot = json_loadb((const char *)p, pl, JSON_REJECT_DUPLICATES, &je);
    FUZZ_ASSERT(json_is_object(prot));
    FUZZ_ASSERT(strcmp(json_string_value(json_object_get(prot, "alg")), og_acme__jws_alg(key)) ==
                0);
    FUZZ_ASSERT(json_string_value(json_object_get(prot, "url")) &&
                strcmp(json_string_value(json_object_get(prot, "url")), url) == 0);
    FUZZ_ASSERT(nonce ? json_object_get(prot, "nonce") &&
                            strcmp(json_string_value(json_object_get(prot, "nonce")), nonce) == 0
                      : !json_object_get(prot, "nonce"));
    /* kid or jwk, never both (RFC 8555 §6.2) */
    FUZZ_ASSERT(*kid ? json_object_get(prot, "kid") && !json_object_get(prot, "jwk") &&
                           strcmp(json_string_value(json_object_get(prot, "kid")), kid) == 0
                     : !json_object_get(prot, "kid") && json_object_get(prot, "jwk"));
    FUZZ_ASSERT(json_object_size(prot) == 3 + (nonce != NULL));
    jwk = *kid ? og_acme__jwk(key) : json_incref(json_object_get(prot, "jwk"));
    int ec_size = 0;
    EVP_PKEY *pub = key_from_jwk(jwk, &ec_size);
    check_thumbprint(jwk, key);
    const char *pt = json_string_value(json_object_get(jws, "protected"));
    const char *dt = json_string_value(json_object_get(jws, "payload"));
    char *input = malloc(strlen(pt) + strlen(dt) + 2);
    FUZZ_ASSERT(input);
    sprintf(input, "%s.%s", pt, dt);
    verify(pub, ec_size, input, sig, sl);
    free(input);
    EVP_PKEY_free(pub);
    json_decref(jwk);
    json_decref(prot);
    json_decref(jws);
    free(p);
    free(d);
    free(sig);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *parts[5];
    char *copy = NULL, *pem = NULL;
    og_crypto_key *key = NULL;
    size_t n = fuzz_split(data, size, &copy, parts, 5);
    if (n == 0)
        return 0;
    if (strncmp(parts[0], "ec256:", 6) == 0 || strncmp(parts[0], "ec384:", 6) == 0)
        pem = ec_pem_from_seed(parts[0][2] == '2' ? 256 : 384, parts[0] + 6);
    const char *key_text = pem ? pem : parts[0];
    og_error_clear();
    int rc = og_acme__account_key_import(&key, key_text, strlen(key_text));
    fuzz_log("key import rc=%d type=%s", rc, key ? og_crypto_key_type(key) : "-");
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL);
        FUZZ_ASSERT(!key && !pem); /* a derived key is always a good one */
        goto done;
    }
    FUZZ_ASSERT(key && og_acme__jws_alg(key));
    check_jws(key, parts[1], *parts[2] ? parts[2] : NULL, parts[3], n >= 5 ? parts[4] : NULL);
done:
    og_crypto_key_free(key);
    free(pem);
    free(copy);
    return 0;
}
