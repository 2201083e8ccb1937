/* x509.c - parsing one X.509 certificate into og_cert_info and its intrinsic findings. */
#include "certs/certs_internal.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const finding_names[OG_CERT_NFINDINGS] = {
    "expired",     "expiring", "hostname-mismatch", "untrusted-chain", "incomplete-chain",
    "self-signed", "weak-key", "sha1-signature",    "long-validity",
};

const char *og_certs_finding_name(unsigned bit)
{
    for (int i = 0; i < OG_CERT_NFINDINGS; i++)
        if (bit == (1u << i))
            return finding_names[i];
    return NULL;
}

int og_certs_finding_parse(const char *s, unsigned *bit)
{
    for (int i = 0; s && i < OG_CERT_NFINDINGS; i++) {
        if (strcmp(s, finding_names[i]) == 0) {
            *bit = 1u << i;
            return 0;
        }
    }
    return og_error_set(OG_EINVAL,
                        "unknown finding '%s' (expired, expiring, hostname-mismatch, "
                        "untrusted-chain, incomplete-chain, self-signed, weak-key, sha1-signature, "
                        "long-validity)",
                        s ? s : "");
}

json_t *og_certs_findings_json(unsigned findings)
{
    json_t *a = json_array();
    for (int i = 0; i < OG_CERT_NFINDINGS; i++)
        if (findings & (1u << i))
            json_array_append_new(a, json_string(finding_names[i]));
    return a;
}

/* Days since the epoch of a civil date (UTC), for the fixed dates below. */
static int64_t days_from_civil(int y, int m, int d)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    return (int64_t)timegm(&tm) / 86400;
}

/* CA/B Forum Baseline Requirements: ballot 193 (825 days from 2018-03-01), SC-31 and the
 * browsers' 398 days from 2020-09-01, SC-081v3 (200/100/47 days from 2026/2027/2029-03-15).
 * limits[i].days is the maximum before limits[i]'s date; LAST_MAX_DAYS after the last one. */
static const struct {
    int y, m, d, days;
} limits[] = {
    {2018, 3, 1, 1185}, {2020, 9, 1, 825},  {2026, 3, 15, 398},
    {2027, 3, 15, 200}, {2029, 3, 15, 100},
};
#define NLIMITS       (sizeof(limits) / sizeof(limits[0]))
#define LAST_MAX_DAYS 47

/* The UTC day (since the epoch) of a time, rounded down also before 1970. */
static int64_t day_of(int64_t us)
{
    int64_t day = us / 86400000000LL;
    if (us < 0 && us % 86400000000LL)
        day--;
    return day;
}

int og_certs_max_validity_days(int64_t not_before_us)
{
    int64_t day = day_of(not_before_us);
    for (size_t i = 0; i < NLIMITS; i++)
        if (day < days_from_civil(limits[i].y, limits[i].m, limits[i].d))
            return limits[i].days;
    return LAST_MAX_DAYS;
}

int og_certs_validity_step_next(int64_t at_us, int64_t *from_us, int *max_days)
{
    int64_t day = day_of(at_us);
    for (size_t i = 0; i < NLIMITS; i++) {
        int64_t from = days_from_civil(limits[i].y, limits[i].m, limits[i].d);
        if (day < from) {
            *from_us = from * 86400000000LL;
            *max_days = i + 1 < NLIMITS ? limits[i + 1].days : LAST_MAX_DAYS;
            return 1;
        }
    }
    return 0;
}

static int64_t asn1_time_us(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm) * 1000000LL;
}

static char *name_text(const X509_NAME *n)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (!b)
        return NULL;
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *p = NULL;
        long len = BIO_get_mem_data(b, &p);
        out = malloc((size_t)len + 1);
        if (out) {
            memcpy(out, p, (size_t)len);
            out[len] = '\0';
        }
    }
    BIO_free(b);
    return out;
}

static void append_gen_name(json_t *arr, const GENERAL_NAME *g, int uri_only)
{
    char buf[300];
    const unsigned char *d;
    int len;
    switch (g->type) {
    case GEN_DNS:
        if (uri_only)
            return;
        d = ASN1_STRING_get0_data(g->d.dNSName);
        len = ASN1_STRING_length(g->d.dNSName);
        snprintf(buf, sizeof(buf), "DNS:%.*s", len > 255 ? 255 : len, (const char *)d);
        break;
    case GEN_EMAIL:
        if (uri_only)
            return;
        d = ASN1_STRING_get0_data(g->d.rfc822Name);
        len = ASN1_STRING_length(g->d.rfc822Name);
        snprintf(buf, sizeof(buf), "email:%.*s", len > 255 ? 255 : len, (const char *)d);
        break;
    case GEN_URI:
        d = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
        len = ASN1_STRING_length(g->d.uniformResourceIdentifier);
        snprintf(buf, sizeof(buf), "%s%.*s", uri_only ? "" : "URI:", len > 255 ? 255 : len,
                 (const char *)d);
        break;
    case GEN_IPADD: {
        if (uri_only)
            return;
        d = ASN1_STRING_get0_data(g->d.iPAddress);
        len = ASN1_STRING_length(g->d.iPAddress);
        if (len == 4) {
            snprintf(buf, sizeof(buf), "IP:%u.%u.%u.%u", d[0], d[1], d[2], d[3]);
        } else if (len == 16) {
            char ip[INET6_ADDRSTRLEN];
            if (!inet_ntop(AF_INET6, d, ip, sizeof(ip)))
                return;
            snprintf(buf, sizeof(buf), "IP:%s", ip);
        } else {
            return;
        }
        break;
    }
    default:
        return;
    }
    json_array_append_new(arr, json_string(buf));
}

/* Keep only printable ASCII: certificate strings are attacker-controlled and end up in terminals
 * and JSON. */
static void sanitize(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            *s = '?';
}

unsigned og_certs__intrinsic_findings(const og_cert_info *ci, int md_nid)
{
    unsigned f = 0;
    /* `openssl req -x509` makes CA:TRUE certificates that servers use as their own: a CA with
     * DNS or IP names is judged as the end-entity certificate it is used as. */
    int end_entity = !ci->is_ca || json_array_size(ci->sans) > 0;
    if (ci->self_signed && end_entity)
        f |= OG_CERT_F_SELF_SIGNED;
    if (((strcmp(ci->key_type, "RSA") == 0 || strcmp(ci->key_type, "DSA") == 0) &&
         ci->key_bits < 2048) ||
        (strcmp(ci->key_type, "EC") == 0 && ci->key_bits < 224))
        f |= OG_CERT_F_WEAK_KEY;
    /* A root's own signature is never checked by clients, so SHA-1 on a self-signed CA is fine. */
    if ((md_nid == NID_sha1 || md_nid == NID_md5) && !(ci->self_signed && ci->is_ca))
        f |= OG_CERT_F_SHA1_SIGNATURE;
    /* The validity limit binds subscriber (end-entity) certificates; CAs live longer. The BRs
     * count both ends inclusively, hence the extra second. */
    if (end_entity) {
        int64_t validity_s = (ci->not_after_us - ci->not_before_us) / 1000000 + 1;
        if (validity_s > (int64_t)og_certs_max_validity_days(ci->not_before_us) * 86400)
            f |= OG_CERT_F_LONG_VALIDITY;
    }
    return f;
}

int og_certs__info_from_x509(og_cert_info *out, X509 *x)
{
    int error = -1;
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_PKEY *pk = NULL;
    GENERAL_NAMES *sans = NULL;
    AUTHORITY_INFO_ACCESS *aia = NULL;
    CRL_DIST_POINTS *cdp = NULL;
    BIGNUM *bn = NULL;
    char *hex = NULL;
    int md_nid = NID_undef, pk_nid = NID_undef;

    memset(out, 0, sizeof(*out));
    out->sans = json_array();
    out->ocsp = json_array();
    out->ca_issuers = json_array();
    out->crl = json_array();
    if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32) {
        error = og_error_set(OG_ERROR, "cannot compute the certificate's fingerprint");
        goto cleanup;
    }
    og_hex_encode(md, 32, out->fingerprint);
    out->subject = name_text(X509_get_subject_name(x));
    out->issuer = name_text(X509_get_issuer_name(x));
    if (!out->subject || !out->issuer) {
        error = og_error_set(OG_ERROR, "out of memory reading certificate names");
        goto cleanup;
    }
    sanitize(out->subject);
    sanitize(out->issuer);
    if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) && (hex = BN_bn2hex(bn))) {
        og_strlcpy(out->serial, hex, sizeof(out->serial));
        for (char *c = out->serial; *c; c++)
            if (*c >= 'A' && *c <= 'F')
                *c = (char)(*c - 'A' + 'a');
    }
    out->not_before_us = asn1_time_us(X509_get0_notBefore(x));
    out->not_after_us = asn1_time_us(X509_get0_notAfter(x));

    if ((pk = X509_get_pubkey(x)) != NULL) {
        int id = EVP_PKEY_get_base_id(pk);
        const char *t = id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS ? "RSA"
                        : id == EVP_PKEY_EC                          ? "EC"
                        : id == EVP_PKEY_ED25519                     ? "ED25519"
                        : id == EVP_PKEY_ED448                       ? "ED448"
                        : id == EVP_PKEY_DSA                         ? "DSA"
                                                                     : "other";
        og_strlcpy(out->key_type, t, sizeof(out->key_type));
        out->key_bits = EVP_PKEY_get_bits(pk);
        if (id == EVP_PKEY_EC) {
            size_t glen = 0;
            if (EVP_PKEY_get_group_name(pk, out->key_curve, sizeof(out->key_curve), &glen) != 1)
                out->key_curve[0] = '\0';
        }
    } else {
        og_strlcpy(out->key_type, "unknown", sizeof(out->key_type));
    }
    int sig_nid = X509_get_signature_nid(x);
    og_strlcpy(out->sig_alg, sig_nid != NID_undef ? OBJ_nid2ln(sig_nid) : "unknown",
               sizeof(out->sig_alg));
    if (sig_nid != NID_undef)
        OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid);

    /* X509_get_extension_flags computes EXFLAG_* once (and caches them in the X509). */
    uint32_t xf = X509_get_extension_flags(x);
    out->is_ca = (xf & EXFLAG_CA) != 0;
    out->self_signed = (xf & EXFLAG_SS) != 0 && X509_check_issued(x, x) == X509_V_OK && pk &&
                       X509_verify(x, pk) == 1;

    if ((sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) != NULL) {
        for (int i = 0; i < sk_GENERAL_NAME_num(sans) && i < 1000; i++)
            append_gen_name(out->sans, sk_GENERAL_NAME_value(sans, i), 0);
    }
    if ((aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL)) != NULL) {
        for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia) && i < 100; i++) {
            ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
            int nid = OBJ_obj2nid(ad->method);
            if (nid == NID_ad_OCSP)
                append_gen_name(out->ocsp, ad->location, 1);
            else if (nid == NID_ad_ca_issuers)
                append_gen_name(out->ca_issuers, ad->location, 1);
        }
    }
    if ((cdp = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL)) != NULL) {
        for (int i = 0; i < sk_DIST_POINT_num(cdp) && i < 100; i++) {
            DIST_POINT *dp = sk_DIST_POINT_value(cdp, i);
            if (!dp->distpoint || dp->distpoint->type != 0)
                continue;
            GENERAL_NAMES *names = dp->distpoint->name.fullname;
            for (int j = 0; j < sk_GENERAL_NAME_num(names) && j < 100; j++)
                append_gen_name(out->crl, sk_GENERAL_NAME_value(names, j), 1);
        }
    }
    out->findings = og_certs__intrinsic_findings(out, md_nid);
    error = 0;
cleanup:
    if (error < 0)
        og_cert_info_clear(out);
    EVP_PKEY_free(pk);
    GENERAL_NAMES_free(sans);
    AUTHORITY_INFO_ACCESS_free(aia);
    CRL_DIST_POINTS_free(cdp);
    BN_free(bn);
    OPENSSL_free(hex);
    return error;
}

int og_certs_parse_der(og_cert_info *out, const void *der, size_t len)
{
    X509 *x = og_certs_x509_get(der, len);
    int error;
    memset(out, 0, sizeof(*out));
    if (!x)
        return og_error_set(OG_EINVAL, "not a DER X.509 certificate");
    error = og_certs__info_from_x509(out, x);
    X509_free(x);
    return error;
}

void og_cert_info_clear(og_cert_info *ci)
{
    if (!ci)
        return;
    free(ci->subject);
    free(ci->issuer);
    json_decref(ci->sans);
    json_decref(ci->ocsp);
    json_decref(ci->ca_issuers);
    json_decref(ci->crl);
    memset(ci, 0, sizeof(*ci));
}

json_t *og_cert_info_to_json(const og_cert_info *ci)
{
    char nb[OG_TIME_LEN], na[OG_TIME_LEN];
    og_time_format(ci->not_before_us, nb);
    og_time_format(ci->not_after_us, na);
    json_t *key = json_pack("{s:s, s:i}", "type", ci->key_type, "bits", ci->key_bits);
    if (ci->key_curve[0])
        json_object_set_new(key, "curve", json_string(ci->key_curve));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:o, s:s, s:b, s:b, s:O, s:O, s:O}",
                     "fingerprint", ci->fingerprint, "subject", ci->subject, "issuer", ci->issuer,
                     "serial", ci->serial, "not_before", nb, "not_after", na, "sans", ci->sans,
                     "key", key, "signature_algorithm", ci->sig_alg, "ca", ci->is_ca,
                     "self_signed_issuer", ci->self_signed, "ocsp", ci->ocsp, "ca_issuers",
                     ci->ca_issuers, "crl", ci->crl);
}
