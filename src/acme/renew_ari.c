/* renew_ari.c - when to renew: ACME Renewal Information (RFC 9773) windows, the CertID that names
 * a certificate to the CA, and the two-thirds fallback when a CA offers no ARI. */
#include "acme/acme_internal.h"
#include "opsgate/error.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

int og_acme_ari_pick(int64_t start_us, int64_t end_us, int64_t now_us, uint64_t rnd,
                     int64_t *out_us)
{
    if (end_us <= start_us)
        return og_error_set(OG_EINVAL, "ARI window is empty or inverted (start %lld, end %lld)",
                            (long long)start_us, (long long)end_us);
    /* RFC 9773 §4.2: a window in the past means renew now; otherwise a uniform point in it
     * spreads the CA's load. rnd % span has a bias below span / 2^64: negligible for spans of
     * days in microseconds (< 2^40). */
    if (end_us <= now_us) {
        *out_us = now_us;
        return 0;
    }
    uint64_t span = (uint64_t)(end_us - start_us);
    *out_us = start_us + (int64_t)(rnd % span);
    return 0;
}

int64_t og_acme_renew_fallback(int64_t not_before_us, int64_t not_after_us, uint64_t rnd)
{
    int64_t life = not_after_us - not_before_us;
    if (life <= 0)
        return not_before_us;
    int64_t jitter_span = life / 30;
    int64_t jitter = jitter_span > 0 ? (int64_t)(rnd % (uint64_t)jitter_span) : 0;
    return not_before_us + life / 3 * 2 - jitter;
}

int og_acme_ari_cert_id(const uint8_t *der, size_t len, char out[256])
{
    X509 *x = og_certs_x509_get(der, len); /* the renewal's other checks decode it too */
    char *a = NULL, *s = NULL;
    uint8_t *sder = NULL;
    int error = OG_EINVAL;
    out[0] = '\0';
    if (!x)
        return og_error_set(OG_EINVAL, "not a DER certificate");
    const ASN1_OCTET_STRING *kid = X509_get0_authority_key_id(x);
    const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
    if (!kid) {
        error = og_error_set(OG_EINVAL, "the certificate has no Authority Key Identifier, so "
                                        "it has no ARI CertID");
        goto cleanup;
    }
    /* the serial's DER content octets (leading zero kept), not its hex text */
    int n = i2d_ASN1_INTEGER(serial, &sder);
    if (n < 3) {
        error = og_error_set(OG_EINVAL, "the certificate's serial does not encode");
        goto cleanup;
    }
    int hdr = (sder[1] & 0x80) ? 2 + (sder[1] & 0x7f) : 2;
    if (hdr >= n) {
        error = og_error_set(OG_EINVAL, "the certificate's serial does not encode");
        goto cleanup;
    }
    a = og_base64url_encode(ASN1_STRING_get0_data(kid), (size_t)ASN1_STRING_length(kid));
    s = og_base64url_encode(sder + hdr, (size_t)(n - hdr));
    if (!a || !s || strlen(a) + strlen(s) + 2 > 256) {
        error = og_error_set(OG_ERROR, "ARI CertID too long");
        goto cleanup;
    }
    /* lengths checked above: a '.' and a NUL fit in the 256 bytes */
    size_t alen = strlen(a), slen = strlen(s);
    memcpy(out, a, alen);
    out[alen] = '.';
    memcpy(out + alen + 1, s, slen + 1);
    error = 0;
cleanup:
    X509_free(x);
    OPENSSL_free(sder);
    free(a);
    free(s);
    return error;
}

int og_acme_ari_parse(const char *body, size_t len, int64_t *start_us, int64_t *end_us)
{
    json_error_t je;
    json_t *j = body ? json_loadb(body, len, 0, &je) : NULL;
    json_t *w = json_object_get(j, "suggestedWindow");
    const char *s = json_string_value(json_object_get(w, "start"));
    const char *e = json_string_value(json_object_get(w, "end"));
    int error;
    if (!json_is_object(j))
        error = og_error_set(OG_EINVAL, "renewalInfo is not a JSON object");
    else if (!s || !e)
        error = og_error_set(OG_EINVAL, "renewalInfo has no suggestedWindow with start and end");
    else if ((error = og_time_parse(s, start_us)) < 0 || (error = og_time_parse(e, end_us)) < 0)
        og_error_wrap("renewalInfo suggestedWindow");
    else if (*end_us <= *start_us)
        error = og_error_set(OG_EINVAL, "renewalInfo window ends (%s) before it starts (%s)", e, s);
    else
        error = 0;
    json_decref(j);
    return error;
}

int og_acme__ari_fetch(og_acme_client *c, const char *cert_id, int64_t *start_us, int64_t *end_us,
                       int64_t *retry_after_s)
{
    const char *base = og_acme__dir_url(c, "renewalInfo");
    char url[1400];
    og_acme_resp r;
    int error;
    *retry_after_s = -1;
    if (!base)
        return OG_ENOTFOUND; /* not an error: the CA has no ARI, the caller falls back */
    snprintf(url, sizeof(url), "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", cert_id);
    if ((error = og_acme__http_do(c->http, "GET", url, NULL, NULL, &r)) < 0)
        return error;
    if (r.status != 200)
        error = og_acme__problem("renewalInfo", r.status, r.body.data, r.body.len, NULL);
    else
        error = og_acme_ari_parse(r.body.data, r.body.len, start_us, end_us);
    *retry_after_s = r.retry_after_s;
    og_acme__resp_clear(&r);
    return error;
}

int64_t og_acme__ari_recheck_us(int64_t retry_after_s)
{
    int64_t s = retry_after_s > 0 ? retry_after_s : 6 * 3600;
    if (s < 60)
        s = 60;
    if (s > 86400)
        s = 86400;
    return s * 1000000;
}
