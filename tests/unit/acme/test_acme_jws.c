/* test_acme_jws.c - JWS signatures verify with OpenSSL against the JWK they carry (ES256, ES384,
 * RS256), RFC 7638 thumbprints, External Account Binding, problem documents, CSRs, and the
 * http-01 responder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acme/acme_internal.h"
#include "og_test.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

/* base64url text -> bytes (caller frees) */
static uint8_t *b64(const char *s, size_t *len)
{
    uint8_t *out = NULL;
    assert_int_equal(og_base64_decode(s, &out, len), 0);
    return out;
}

static json_t *b64_json(const char *s)
{
    size_t n;
    uint8_t *raw = b64(s, &n);
    json_error_t je;
    json_t *j = json_loadb((const char *)raw, n, 0, &je);
    free(raw);
    assert_non_null(j);
    return j;
}

static BIGNUM *jwk_bn(json_t *jwk, const char *member)
{
    size_t n;
    uint8_t *raw = b64(json_string_value(json_object_get(jwk, member)), &n);
    BIGNUM *bn = BN_bin2bn(raw, (int)n, NULL);
    free(raw);
    return bn;
}

/* The public key a JWK describes, rebuilt with OpenSSL alone (independent of the code tested). */
static EVP_PKEY *key_from_jwk(json_t *jwk)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY_CTX *pc = NULL;
    EVP_PKEY *pk = NULL;
    OSSL_PARAM *params = NULL;
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    BIGNUM *a = NULL, *b = NULL;
    uint8_t pub[1 + 2 * 48];
    if (strcmp(kty, "EC") == 0) {
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        int sz = strcmp(crv, "P-256") == 0 ? 32 : 48;
        a = jwk_bn(jwk, "x");
        b = jwk_bn(jwk, "y");
        pub[0] = 0x04;
        BN_bn2binpad(a, pub + 1, sz);
        BN_bn2binpad(b, pub + 1 + sz, sz);
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                        sz == 32 ? "prime256v1" : "secp384r1", 0);
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 1 + 2 * (size_t)sz);
        pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    } else {
        a = jwk_bn(jwk, "n");
        b = jwk_bn(jwk, "e");
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, a);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, b);
        pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
    assert_int_equal(EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params), 1);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(pc);
    BN_free(a);
    BN_free(b);
    return pk;
}

/* Verify a flattened JWS: ES* signatures are raw r||s, converted to DER for OpenSSL here. */
static int jws_verifies(json_t *jws, EVP_PKEY *pub, const char *alg)
{
    const char *p = json_string_value(json_object_get(jws, "protected"));
    const char *pl = json_string_value(json_object_get(jws, "payload"));
    size_t slen;
    uint8_t *sig = b64(json_string_value(json_object_get(jws, "signature")), &slen);
    char input[65536];
    uint8_t *der = NULL;
    int derlen = 0, ok;
    snprintf(input, sizeof(input), "%s.%s", p, pl);
    if (alg[0] == 'E') {
        size_t half = strcmp(alg, "ES256") == 0 ? 32 : 48;
        assert_int_equal(slen, 2 * half); /* raw, not DER */
        ECDSA_SIG *es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)half, NULL), BN_bin2bn(sig + half, (int)half, NULL));
        derlen = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(md, NULL, strcmp(alg, "ES384") == 0 ? EVP_sha384() : EVP_sha256(), NULL,
                         pub);
    ok = EVP_DigestVerify(md, der ? der : sig, der ? (size_t)derlen : slen, (const uint8_t *)input,
                          strlen(input)) == 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    free(sig);
    return ok;
}

/* The OpenSSL key behind an og_crypto_key, read back from its PEM (caller frees). */
static EVP_PKEY *evp_of(const og_crypto_key *key)
{
    char *pem = NULL;
    size_t len = 0;
    OG_ASSERT_OK(og_crypto_key_to_pem(key, &pem, &len));
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    free(pem);
    assert_non_null(pk);
    return pk;
}

static void check_key_type(const char *type, const char *alg)
{
    og_crypto_key *key = NULL;
    json_t *jws = NULL;
    OG_ASSERT_OK(og_crypto_key_generate(&key, type));
    assert_string_equal(og_crypto_key_type(key), type);
    assert_string_equal(og_acme__jws_alg(key), alg);
    OG_ASSERT_OK(
        og_acme__jws_json(&jws, key, NULL, "nonce-1", "https://ca.test/new-acct", "{\"a\":1}"));
    json_t *prot = b64_json(json_string_value(json_object_get(jws, "protected")));
    assert_string_equal(json_string_value(json_object_get(prot, "alg")), alg);
    assert_string_equal(json_string_value(json_object_get(prot, "nonce")), "nonce-1");
    assert_string_equal(json_string_value(json_object_get(prot, "url")),
                        "https://ca.test/new-acct");
    assert_null(json_object_get(prot, "kid"));
    EVP_PKEY *pub = key_from_jwk(json_object_get(prot, "jwk"));
    assert_true(jws_verifies(jws, pub, alg));
    /* a changed payload no longer verifies */
    json_object_set_new(jws, "payload", json_string("eyJhIjoyfQ"));
    assert_false(jws_verifies(jws, pub, alg));
    EVP_PKEY_free(pub);
    json_decref(prot);
    json_decref(jws);
    /* with a kid: no jwk in the header; POST-as-GET has the empty payload */
    OG_ASSERT_OK(
        og_acme__jws_json(&jws, key, "https://ca.test/acct/1", "n2", "https://ca.test/o", NULL));
    prot = b64_json(json_string_value(json_object_get(jws, "protected")));
    assert_string_equal(json_string_value(json_object_get(prot, "kid")), "https://ca.test/acct/1");
    assert_null(json_object_get(prot, "jwk"));
    assert_string_equal(json_string_value(json_object_get(jws, "payload")), "");
    json_decref(prot);
    json_decref(jws);
    og_crypto_key_free(key);
}

static void test_acme_jws__es256_verifies_against_its_jwk(void **state)
{
    (void)state;
    check_key_type("ec256", "ES256");
}

static void test_acme_jws__es384_and_rs256_verify_too(void **state)
{
    (void)state;
    check_key_type("ec384", "ES384");
    check_key_type("rsa2048", "RS256");
}

static void test_acme_jws__ec_coordinates_keep_leading_zeros(void **state)
{
    (void)state;
    /* about 1 key in 128 has a coordinate under 2^248; generate until one shows up, so the
     * fixed-size encoding (RFC 7518 §6.2.1.2) is exercised */
    for (int i = 0; i < 2000; i++) {
        og_crypto_key *key = NULL;
        OG_ASSERT_OK(og_crypto_key_generate(&key, "ec256"));
        json_t *jwk = og_acme__jwk(key);
        size_t xl, yl;
        uint8_t *x = b64(json_string_value(json_object_get(jwk, "x")), &xl);
        uint8_t *y = b64(json_string_value(json_object_get(jwk, "y")), &yl);
        assert_int_equal(xl, 32);
        assert_int_equal(yl, 32);
        int leading_zero = x[0] == 0 || y[0] == 0;
        free(x);
        free(y);
        json_decref(jwk);
        og_crypto_key_free(key);
        if (leading_zero)
            return;
    }
}

static void test_acme_jws__thumbprint_matches_rfc7638_example(void **state)
{
    (void)state;
    /* RFC 7638 §3.1 */
    json_t *jwk = json_pack(
        "{s:s, s:s, s:s}", "kty", "RSA", "e", "AQAB", "n",
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJ"
        "ECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FD"
        "W2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4v"
        "MQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw");
    char tp[44], expect[128];
    OG_ASSERT_OK(og_acme__jwk_thumbprint(jwk, tp));
    assert_string_equal(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    /* a key's JWK from crypto.h is already canonical: its thumbprint is that of its JWK */
    og_crypto_key *key = NULL;
    char *text = NULL;
    OG_ASSERT_OK(og_crypto_key_generate(&key, "rsa2048"));
    OG_ASSERT_OK(og_crypto_key_jwk(key, &text));
    json_t *parsed = json_loads(text, 0, NULL);
    char *canon = json_dumps(parsed, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, canon);
    OG_ASSERT_OK(og_acme__thumbprint(key, tp));
    char *ka = og_acme__key_authorization(key, "tok");
    snprintf(expect, sizeof(expect), "tok.%s", tp);
    assert_string_equal(ka, expect);
    char *v = og_acme__dns01_value(ka);
    assert_int_equal(strlen(v), 43);
    assert_null(strpbrk(v, "+/="));
    free(v);
    free(ka);
    free(canon);
    free(text);
    json_decref(parsed);
    og_crypto_key_free(key);
    json_decref(jwk);
}

static void test_acme_jws__eab_is_hs256_over_the_account_jwk(void **state)
{
    (void)state;
    og_crypto_key *key = NULL;
    json_t *eab = NULL;
    size_t klen;
    uint8_t *mac_key =
        b64("zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W", &klen);
    OG_ASSERT_OK(og_crypto_key_generate(&key, "ec256"));
    OG_ASSERT_OK(og_acme__eab(&eab, key, "kid-1", mac_key, klen, "https://ca.test/new-acct"));
    json_t *prot = b64_json(json_string_value(json_object_get(eab, "protected")));
    assert_string_equal(json_string_value(json_object_get(prot, "alg")), "HS256");
    assert_string_equal(json_string_value(json_object_get(prot, "kid")), "kid-1");
    assert_string_equal(json_string_value(json_object_get(prot, "url")),
                        "https://ca.test/new-acct");
    assert_null(json_object_get(prot, "nonce")); /* RFC 8555 §7.3.4: no nonce */
    json_t *payload = b64_json(json_string_value(json_object_get(eab, "payload")));
    json_t *jwk = og_acme__jwk(key);
    assert_true(json_equal(payload, jwk));
    /* the MAC, computed with OpenSSL's HMAC directly */
    char input[4096];
    uint8_t mac[32];
    unsigned maclen = 0;
    snprintf(input, sizeof(input), "%s.%s", json_string_value(json_object_get(eab, "protected")),
             json_string_value(json_object_get(eab, "payload")));
    HMAC(EVP_sha256(), mac_key, (int)klen, (const uint8_t *)input, strlen(input), mac, &maclen);
    char *expect = og_base64url_encode(mac, maclen);
    assert_string_equal(json_string_value(json_object_get(eab, "signature")), expect);
    free(expect);
    /* bad input */
    json_t *none = NULL;
    assert_int_equal(og_acme__eab(&none, key, "", mac_key, klen, "u"), OG_EINVAL);
    assert_int_equal(og_acme__eab(&none, key, "kid", NULL, 0, "u"), OG_EINVAL);
    assert_null(none);
    json_decref(prot);
    json_decref(payload);
    json_decref(jwk);
    json_decref(eab);
    free(mac_key);
    og_crypto_key_free(key);
}

static void test_acme_jws__bad_input_is_refused(void **state)
{
    (void)state;
    og_crypto_key *key = NULL;
    json_t *j = NULL;
    assert_int_equal(og_crypto_key_generate(&key, "dsa"), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "'dsa'"));
    assert_null(key);
    assert_int_equal(og_crypto_key_generate(&key, NULL), OG_EINVAL);
    OG_ASSERT_OK(og_crypto_key_generate(&key, "ec256"));
    assert_int_equal(og_acme__jws_json(&j, key, NULL, "n", NULL, "{}"), OG_EINVAL);
    assert_int_equal(og_acme__jws_json(&j, key, NULL, "n", "", "{}"), OG_EINVAL);
    assert_null(j);
    /* an Ed25519 key parses but is not an ACME account key here */
    EVP_PKEY *ed_evp = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    assert_true(PEM_write_bio_PrivateKey(b, ed_evp, NULL, NULL, 0, NULL, NULL));
    long n = BIO_get_mem_data(b, &p);
    og_crypto_key *ed = NULL;
    OG_ASSERT_OK(og_acme__key_from_pem(&ed, p, (size_t)n));
    BIO_free(b);
    EVP_PKEY_free(ed_evp);
    assert_null(og_crypto_key_type(ed));
    assert_null(og_acme__jws_alg(ed));
    assert_int_equal(og_acme__jws_json(&j, ed, NULL, "n", "https://x", "{}"), OG_EINVAL);
    og_crypto_key_free(ed);
    /* PEM round trip; garbage does not parse */
    char *pem = NULL, *pem2 = NULL;
    size_t len = 0, len2 = 0;
    og_crypto_key *back = NULL;
    OG_ASSERT_OK(og_crypto_key_to_pem(key, &pem, &len));
    OG_ASSERT_OK(og_acme__key_from_pem(&back, pem, len));
    OG_ASSERT_OK(og_crypto_key_to_pem(back, &pem2, &len2));
    assert_int_equal(len, len2);
    assert_string_equal(pem, pem2);
    og_crypto_key_free(back);
    back = NULL;
    assert_int_equal(og_acme__key_from_pem(&back, "junk", 4), OG_ECORRUPT);
    assert_non_null(strstr(og_error_last(), "stored ACME key"));
    assert_null(back);
    free(pem);
    free(pem2);
    og_crypto_key_free(key);
}

static void test_acme_problem__type_detail_and_subproblems_are_named(void **state)
{
    (void)state;
    char type[128];
    const char *body =
        "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":\"policy forbids\","
        "\"status\":400,\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:caa\",\"detail\":"
        "\"CAA forbids\",\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"}}]}";
    assert_int_equal(og_acme__problem("new order", 400, body, strlen(body), type), OG_EUPSTREAM);
    assert_string_equal(type, "urn:ietf:params:acme:error:rejectedIdentifier");
    const char *m = og_error_last();
    assert_non_null(strstr(m, "new order: acme:rejectedIdentifier (HTTP 400): policy forbids"));
    assert_non_null(strstr(m, "a.example: acme:caa: CAA forbids"));

    const char *rl = "{\"type\":\"urn:ietf:params:acme:error:rateLimited\",\"detail\":\"slow\"}";
    assert_int_equal(og_acme__problem(NULL, 429, rl, strlen(rl), NULL), OG_EBUSY);
    const char *nf = "{\"type\":\"urn:ietf:params:acme:error:accountDoesNotExist\"}";
    assert_int_equal(og_acme__problem("x", 400, nf, strlen(nf), type), OG_ENOTFOUND);
    /* not a problem document: still an error naming the status */
    assert_int_equal(og_acme__problem("x", 502, "<html>", 6, type), OG_EUPSTREAM);
    assert_string_equal(type, "");
    assert_non_null(strstr(og_error_last(), "HTTP 502"));
    assert_int_equal(og_acme__problem("x", 500, NULL, 0, NULL), OG_EUPSTREAM);
    assert_int_equal(og_acme__problem("x", 500, "{\"type\":5}", 10, NULL), OG_EUPSTREAM);
    /* a foreign type is kept in full */
    const char *other = "{\"type\":\"about:blank\",\"detail\":\"d\"}";
    og_acme__problem("x", 400, other, strlen(other), NULL);
    assert_non_null(strstr(og_error_last(), "about:blank"));
}

static void test_acme_csr__names_become_sans_and_it_is_signed(void **state)
{
    (void)state;
    og_crypto_key *key = NULL;
    char *csr = NULL;
    const char *names[] = {"www.example.test", "example.test", "192.0.2.7"};
    OG_ASSERT_OK(og_crypto_key_generate(&key, "ec384"));
    EVP_PKEY *pk = evp_of(key);
    OG_ASSERT_OK(og_acme__csr(&csr, key, names, 3));
    size_t len;
    uint8_t *der = b64(csr, &len);
    const uint8_t *p = der;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
    assert_non_null(req);
    assert_int_equal(X509_REQ_verify(req, pk), 1);
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    GENERAL_NAMES *g = NULL;
    for (int i = 0; i < sk_X509_EXTENSION_num(exts) && !g; i++)
        g = X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts, i));
    assert_non_null(g);
    assert_int_equal(sk_GENERAL_NAME_num(g), 3);
    assert_int_equal(sk_GENERAL_NAME_value(g, 0)->type, GEN_DNS);
    assert_int_equal(sk_GENERAL_NAME_value(g, 2)->type, GEN_IPADD);
    GENERAL_NAMES_free(g);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    free(der);
    free(csr);
    csr = NULL;
    /* an IP address never goes into the CN */
    OG_ASSERT_OK(og_acme__csr(&csr, key, names + 2, 1));
    der = b64(csr, &len);
    p = der;
    req = d2i_X509_REQ(NULL, &p, (long)len);
    assert_non_null(req);
    assert_int_equal(X509_NAME_entry_count(X509_REQ_get_subject_name(req)), 0);
    X509_REQ_free(req);
    free(der);
    free(csr);
    csr = NULL;
    assert_int_equal(og_acme__csr(&csr, key, names, 0), OG_EINVAL);
    assert_null(csr);
    EVP_PKEY_free(pk);
    og_crypto_key_free(key);
}

/* GET path from the responder on port; returns the HTTP status, body into out */
static int http_get(int port, const char *path, char *out, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[512], buf[2048];
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    assert_true(send(fd, req, strlen(req), 0) > 0);
    size_t n = 0;
    ssize_t k;
    while (n < sizeof(buf) - 1 && (k = recv(fd, buf + n, sizeof(buf) - 1 - n, 0)) > 0)
        n += (size_t)k;
    buf[n] = '\0';
    close(fd);
    const char *body = strstr(buf, "\r\n\r\n");
    og_strlcpy(out, body ? body + 4 : "", size);
    return atoi(buf + 9);
}

static void test_acme_http01__serves_known_tokens_only(void **state)
{
    (void)state;
    og_acme_http01 *s = NULL;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t al = sizeof(a);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    getsockname(fd, (struct sockaddr *)&a, &al);
    int port = ntohs(a.sin_port);
    close(fd);
    char listen_addr[64], body[512];
    snprintf(listen_addr, sizeof(listen_addr), "127.0.0.1:%d", port);
    OG_ASSERT_OK(og_acme__http01_start(&s, listen_addr));
    OG_ASSERT_OK(og_acme__http01_add(s, "tok_A-1", "tok_A-1.thumb"));
    assert_int_equal(http_get(port, "/.well-known/acme-challenge/tok_A-1", body, sizeof(body)),
                     200);
    assert_string_equal(body, "tok_A-1.thumb");
    assert_int_equal(http_get(port, "/.well-known/acme-challenge/other", body, sizeof(body)), 404);
    assert_int_equal(http_get(port, "/", body, sizeof(body)), 404);
    og_acme__http01_stop(s);
    og_acme__http01_stop(NULL);

    assert_int_equal(og_acme__http01_start(&s, "nonsense"), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "nonsense"));
    assert_int_equal(og_acme__http01_start(&s, "127.0.0.1:99999"), OG_EINVAL);
    assert_int_equal(og_acme__http01_start(&s, "[::1:80"), OG_EINVAL);
    assert_null(s);
    /* webroot refuses tokens that could leave the folder */
    assert_int_equal(og_acme__webroot_put("/tmp", "../../etc/x", "v"), OG_ERROR);
    assert_int_equal(og_acme__webroot_put("/nonexistent-dir", "tok", "v"), OG_EINVAL);
}

static void test_acme_tlsalpn__certificate_carries_the_critical_acme_identifier(void **state)
{
    (void)state;
    og_crypto_key *key = NULL;
    X509 *x = NULL;
    uint8_t h[32];
    OG_ASSERT_OK(og_crypto_key_generate(&key, "ec256"));
    OG_ASSERT_OK(og_acme__tlsalpn_cert("www.example.test", "tok.thumb", key, &x));
    ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
    int idx = X509_get_ext_by_OBJ(x, oid, -1);
    assert_true(idx >= 0);
    X509_EXTENSION *ext = X509_get_ext(x, idx);
    assert_int_equal(X509_EXTENSION_get_critical(ext), 1);
    ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(ext);
    og_crypto_sha256("tok.thumb", 9, h);
    assert_int_equal(ASN1_STRING_length(v), 34);
    assert_int_equal(ASN1_STRING_get0_data(v)[0], 0x04); /* DER OCTET STRING of the digest */
    assert_int_equal(ASN1_STRING_get0_data(v)[1], 32);
    assert_memory_equal(ASN1_STRING_get0_data(v) + 2, h, 32);
    assert_int_equal(X509_check_host(x, "www.example.test", 0, 0, NULL), 1);
    EVP_PKEY *pk = evp_of(key);
    assert_int_equal(X509_verify(x, pk), 1);
    EVP_PKEY_free(pk);
    ASN1_OBJECT_free(oid);
    X509_free(x);
    og_crypto_key_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acme_jws__es256_verifies_against_its_jwk),
        cmocka_unit_test(test_acme_jws__es384_and_rs256_verify_too),
        cmocka_unit_test(test_acme_jws__ec_coordinates_keep_leading_zeros),
        cmocka_unit_test(test_acme_jws__thumbprint_matches_rfc7638_example),
        cmocka_unit_test(test_acme_jws__eab_is_hs256_over_the_account_jwk),
        cmocka_unit_test(test_acme_jws__bad_input_is_refused),
        cmocka_unit_test(test_acme_problem__type_detail_and_subproblems_are_named),
        cmocka_unit_test(test_acme_csr__names_become_sans_and_it_is_signed),
        cmocka_unit_test(test_acme_http01__serves_known_tokens_only),
        cmocka_unit_test(test_acme_tlsalpn__certificate_carries_the_critical_acme_identifier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
