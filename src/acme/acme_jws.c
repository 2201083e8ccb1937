/* acme_jws.c - JWK and thumbprints, JWS (ES256/ES384/RS256), External Account Binding, problem
 * documents and CSRs, over the keys of crypto.h. */
#include "acme/acme_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* "ES256", "ES384" or "RS256" by the key's type; NULL for a key ACME accounts cannot use. */
const char *og_acme__jws_alg(const og_crypto_key *key)
{
    const char *t = og_crypto_key_type(key);
    if (!t)
        return NULL;
    return strcmp(t, "ec256") == 0 ? "ES256" : strcmp(t, "ec384") == 0 ? "ES384" : "RS256";
}

int og_acme__key_from_pem(og_crypto_key **out, const char *pem, size_t len)
{
    if (og_crypto_key_from_pem(out, pem, len) < 0)
        return og_error_set(OG_ECORRUPT, "a stored ACME key does not parse");
    return 0;
}

int og_acme__account_key_import(og_crypto_key **out, const char *pem, size_t len)
{
    *out = NULL;
    if (!pem || og_crypto_key_from_pem(out, pem, len) < 0 || !og_acme__jws_alg(*out) ||
        og_crypto_key_check(*out) < 0) {
        og_crypto_key_free(*out);
        *out = NULL;
        return og_acme__bad_setting("key-file", "bad account key: not an intact EC P-256/P-384 "
                                                "or RSA (2048 bits or more) private key in PEM");
    }
    return 0;
}

json_t *og_acme__jwk(const og_crypto_key *key)
{
    char *text = NULL;
    json_error_t je;
    json_t *j = og_crypto_key_jwk(key, &text) == 0 ? json_loads(text, 0, &je) : NULL;
    free(text);
    return j;
}

int og_acme__jwk_thumbprint(json_t *jwk, char out[44])
{
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
    free(text);
    free(b64);
    return error ? og_error_set(OG_ERROR, "computing a JWK thumbprint failed") : 0;
}

int og_acme__thumbprint(const og_crypto_key *key, char out[44])
{
    json_t *jwk = og_acme__jwk(key);
    int error = og_acme__jwk_thumbprint(jwk, out);
    json_decref(jwk);
    return error;
}

char *og_acme__key_authorization(const og_crypto_key *key, const char *token)
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

int og_acme__jws_json(json_t **out, const og_crypto_key *key, const char *kid, const char *nonce,
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
    /* RFC 8555 §6.5.1: a nonce is base64url; what the CA sent goes into the header as is */
    if (nonce && (!*nonce || strspn(nonce, B64URL) != strlen(nonce)))
        return og_error_set(OG_ERROR, "the CA sent a Replay-Nonce that is not base64url");
    prot = json_pack("{s:s, s:s}", "alg", alg, "url", url);
    /* a member jansson refuses (text that is not UTF-8) must not silently go missing */
    if (!prot || (nonce && json_object_set_new(prot, "nonce", json_string(nonce)) < 0) ||
        json_object_set_new(prot, kid && *kid ? "kid" : "jwk",
                            kid && *kid ? json_string(kid) : og_acme__jwk(key)) < 0) {
        error = og_error_set(OG_ERROR, "building a JWS failed: url or account URL is not UTF-8");
        goto cleanup;
    }
    if (!(prot_text = json_dumps(prot, JSON_COMPACT | JSON_SORT_KEYS)) ||
        !(prot_b64 = og_base64url_encode((const uint8_t *)prot_text, strlen(prot_text))))
        goto cleanup;
    pay_b64 = payload ? og_base64url_encode((const uint8_t *)payload, strlen(payload)) : strdup("");
    if (!pay_b64)
        goto cleanup;
    if ((error = og_buf_printf(&input, "%s.%s", prot_b64, pay_b64)) < 0 ||
        (error = og_crypto_key_sign(key, input.data, input.len, &sig, &siglen)) < 0)
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

int og_acme__jws(char **out, const og_crypto_key *key, const char *kid, const char *nonce,
                 const char *url, const char *payload)
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

int og_acme__eab(json_t **out, const og_crypto_key *account_key, const char *eab_kid,
                 const uint8_t *hmac_key, size_t hmac_len, const char *url)
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
    int code = OG_EUPSTREAM;
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

int og_acme__csr(char **out, const og_crypto_key *key, const char *const *names, size_t n)
{
    uint8_t *der = NULL;
    size_t len = 0;
    int error;
    *out = NULL;
    if (!n || n > OG_ACME_MAX_NAMES)
        return og_error_set(OG_EINVAL, "a certificate needs 1 to %d names", OG_ACME_MAX_NAMES);
    if ((error = og_crypto_csr_build(key, names, n, &der, &len)) < 0)
        return error;
    *out = og_base64url_encode(der, len);
    free(der);
    return *out ? 0 : og_error_set(OG_ERROR, "building the CSR failed");
}
