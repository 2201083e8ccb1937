/* tbs.c - a certificate's TBS hash as Certificate Transparency monitors give it (RFC 6962 §3.2):
 * the same for a precertificate and the certificate issued from it, so an issuance logged only
 * as a precertificate is found in the inventory. */
#include "certs/certs_internal.h"
#include "opsgate/error.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <strings.h>

int og_certs_tbs_sha256(const void *der, size_t len, char out[65])
{
    const unsigned char *p = der;
    unsigned char *tbs = NULL, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int error = 0, n;
    out[0] = '\0';
    if (!der || len == 0 || len > (size_t)64 << 20)
        return og_error_set(OG_EINVAL, "no certificate to hash");
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x || p != (const unsigned char *)der + len) {
        X509_free(x);
        return og_error_set(OG_EINVAL, "not a DER certificate");
    }
    /* the embedded SCT list and the precertificate poison are what differ; both go */
    static const int drop[] = {NID_ct_precert_scts, NID_ct_precert_poison};
    for (size_t k = 0; k < sizeof(drop) / sizeof(drop[0]); k++)
        for (int i, guard = 0; guard < 64 && (i = X509_get_ext_by_NID(x, drop[k], -1)) >= 0;
             guard++)
            X509_EXTENSION_free(X509_delete_ext(x, i));
    if ((n = i2d_re_X509_tbs(x, &tbs)) <= 0 ||
        EVP_Digest(tbs, (size_t)n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        error = og_error_set(OG_ERROR, "cannot hash the certificate's TBSCertificate");
    else
        og_hex_encode(md, 32, out);
    OPENSSL_free(tbs);
    X509_free(x);
    return error;
}

int og_certs_find_tbs(og_ctx *ctx, const char *tenant, const char *tbs_sha256,
                      int64_t not_before_us, int64_t not_after_us, char fp[65])
{
    og_tenant t;
    og_stmt *st = NULL;
    int error, rc, found = 0;
    fp[0] = '\0';
    if (!tbs_sha256 || strlen(tbs_sha256) != 64)
        return og_error_set(OG_EINVAL, "a TBS hash is 64 hex digits");
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
        return error;
    /* a precertificate and its certificate have the same validity: only those rows are hashed */
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT fingerprint, der FROM certs WHERE tenant_id = ? AND"
                                      " not_before_us = ? AND not_after_us = ? LIMIT 1000",
                                      "tii", t.id, (int64_t)not_before_us, (int64_t)not_after_us)) <
        0)
        return error;
    while (!found && (rc = og_stmt_step(st)) == OG_ROW) {
        char h[65];
        size_t dlen = 0;
        const void *der = og_stmt_col_blob(st, 1, &dlen);
        if (og_certs_tbs_sha256(der, dlen, h) < 0) {
            og_error_clear(); /* a row that does not parse is not the one */
            continue;
        }
        if (strcasecmp(h, tbs_sha256) == 0) {
            og_strlcpy(fp, og_stmt_col_text(st, 0), 65);
            found = 1;
        }
    }
    error = found ? 1 : rc < 0 ? rc : 0;
    og_stmt_free(st);
    return error;
}
