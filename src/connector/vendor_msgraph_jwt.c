/* vendor_msgraph_jwt.c - the client assertion of Microsoft's client credentials flow with a
 * certificate: a JWT {alg: RS256, typ: JWT, x5t#S256} . {aud, exp, iss, jti, nbf, iat, sub}
 * signed with the app's certificate key through the crypto module (OpenSSL). Only the JWT's
 * assembly and the PEM armour of the certificate are handled here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_msgraph.h"

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END   "-----END CERTIFICATE-----"

/* base64url of the compact JSON of o (o stolen). */
static char *b64_json(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *b = s ? og_base64url_encode((const uint8_t *)s, strlen(s)) : NULL;
    free(s);
    json_decref(o);
    return b;
}

/* The DER of the first certificate of a PEM text. */
static int cert_der(const char *pem, uint8_t **der, size_t *len)
{
    const char *b = strstr(pem, PEM_BEGIN), *e = b ? strstr(b, PEM_END) : NULL;
    char *text;
    size_t n = 0;
    int error;
    *der = NULL;
    if (!b || !e)
        return og_error_set(OG_EINVAL, "credentials: certificate_pem is not a PEM certificate");
    b += strlen(PEM_BEGIN);
    if (!(text = malloc((size_t)(e - b) + 1)))
        return og_error_set(OG_ERROR, "out of memory");
    for (; b < e; b++)
        if (*b != '\n' && *b != '\r' && *b != ' ' && *b != '\t')
            text[n++] = *b;
    text[n] = '\0';
    if ((error = og_base64_decode(text, der, len)) < 0 || *len == 0)
        error = og_error_set(OG_EINVAL, "credentials: certificate_pem is not a PEM certificate");
    free(text);
    return error;
}

/* The key (RSA, and the certificate's) and base64url(SHA-256(DER of the certificate)). */
static int load(const char *key_pem, const char *cert_pem, og_crypto_key **key, char **x5t)
{
    uint8_t *der = NULL, h[32];
    size_t len = 0;
    const char *type;
    int error;
    if (og_crypto_key_from_pem(key, key_pem, strlen(key_pem)) < 0) {
        error = og_error_set(OG_EINVAL, "credentials: private_key_pem is not an unencrypted PEM "
                                        "private key");
        goto cleanup;
    }
    type = og_crypto_key_type(*key);
    if (!type || strncmp(type, "rsa", 3) != 0) {
        error = og_error_set(OG_EINVAL, "credentials: private_key_pem is not an RSA key of 2048 "
                                        "bits or more (Entra takes RSA certificate credentials)");
        goto cleanup;
    }
    if ((error = og_crypto_key_check(*key)) < 0 || (error = cert_der(cert_pem, &der, &len)) < 0)
        goto cleanup;
    if (!og_crypto_key_matches_cert(*key, der, len)) {
        error = og_error_set(OG_EINVAL, "credentials: certificate_pem is not a certificate of "
                                        "the key in private_key_pem");
        goto cleanup;
    }
    og_crypto_sha256(der, len, h);
    if (!(*x5t = og_base64url_encode(h, sizeof(h))))
        error = og_error_set(OG_ERROR, "out of memory");
cleanup:
    free(der);
    return error;
}

int og_msgraph_assertion(const char *key_pem, const char *cert_pem, const char *client_id,
                         const char *aud, int64_t now_s, char **out)
{
    og_crypto_key *key = NULL;
    char jti[OG_ID_LEN], *x5t = NULL, *head = NULL, *body = NULL, *input = NULL, *sig64 = NULL;
    uint8_t *sig = NULL;
    size_t n, siglen = 0;
    int error;
    *out = NULL;
    if ((error = load(key_pem, cert_pem, &key, &x5t)) < 0)
        goto cleanup;
    og_id_new(jti);
    if (!(head = b64_json(
              json_pack("{s:s, s:s, s:s}", "alg", "RS256", "typ", "JWT", "x5t#S256", x5t))) ||
        !(body =
              b64_json(json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:s}", "aud", aud, "exp",
                                 (json_int_t)(now_s + 600), "iss", client_id, "jti", jti, "nbf",
                                 (json_int_t)now_s, "iat", (json_int_t)now_s, "sub", client_id)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    n = strlen(head) + strlen(body) + 2;
    if (!(input = malloc(n))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    snprintf(input, n, "%s.%s", head, body);
    if ((error = og_crypto_key_sign(key, input, strlen(input), &sig, &siglen)) < 0)
        goto cleanup;
    if (!(sig64 = og_base64url_encode(sig, siglen)) || !(*out = malloc(n + strlen(sig64) + 1))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    snprintf(*out, n + strlen(sig64) + 1, "%s.%s", input, sig64);
cleanup:
    og_crypto_key_free(key);
    free(x5t);
    free(head);
    free(body);
    free(input);
    free(sig);
    free(sig64);
    return error;
}
