/* verify.c - trust and hostname checks of served chains: anchors from the system store or a
 * tenant's CA bundle, plus known intermediates to tell an incomplete chain from an untrusted one.
 */
#include "certs/certs_internal.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

struct og_certs_trust {
    X509_STORE *store;
    STACK_OF(X509) * helpers; /* intermediates that are not anchors */
    STACK_OF(X509) * scratch; /* served chain + helpers for the second attempt */
    X509_STORE_CTX *vctx;
};

int og_certs__trust_new(og_certs_trust **out, const char *bundle_pem, int bundle_only)
{
    int error = -1;
    BIO *bio = NULL;
    X509 *x = NULL;
    int anchors = 0, helpers = 0;
    og_certs_trust *t = calloc(1, sizeof(*t));
    if (!t || !(t->store = X509_STORE_new()) || !(t->helpers = sk_X509_new_null()) ||
        !(t->scratch = sk_X509_new_null()) || !(t->vctx = X509_STORE_CTX_new())) {
        error = og_error_set(OG_ERROR, "out of memory setting up the trust store");
        goto cleanup;
    }
    if (!bundle_pem || !bundle_only) {
        if (X509_STORE_set_default_paths(t->store) != 1) {
            error = og_error_set(OG_ERROR, "cannot load the system trust store");
            goto cleanup;
        }
    }
    if (bundle_pem) {
        if (!(bio = BIO_new_mem_buf(bundle_pem, -1))) {
            error = og_error_set(OG_ERROR, "out of memory reading the CA bundle");
            goto cleanup;
        }
        for (int i = 0; i < 10000 && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)); i++) {
            /* Self-signed certificates are the anchors; the rest only help build paths. */
            if (X509_get_extension_flags(x) & EXFLAG_SS) {
                X509_STORE_add_cert(t->store, x);
                anchors++;
            } else if (sk_X509_push(t->helpers, x) > 0) {
                x = NULL;
                helpers++;
            }
            X509_free(x);
            x = NULL;
        }
        ERR_clear_error();
        if (bundle_only && anchors == 0) {
            error = og_error_set(OG_EINVAL, "the CA bundle holds no self-signed CA certificate "
                                            "(a bundle that replaces the system store needs one)");
            goto cleanup;
        }
        if (anchors + helpers == 0) {
            error = og_error_set(OG_EINVAL, "the CA bundle holds no PEM certificate");
            goto cleanup;
        }
    }
    *out = t;
    t = NULL;
    error = 0;
cleanup:
    BIO_free(bio);
    X509_free(x);
    og_certs__trust_free(t);
    return error;
}

int og_certs__trust_add_helper(og_certs_trust *t, X509 *x)
{
    if (!X509_up_ref(x))
        return og_error_set(OG_ERROR, "cannot reference a certificate");
    if (sk_X509_push(t->helpers, x) <= 0) {
        X509_free(x);
        return og_error_set(OG_ERROR, "out of memory adding a chain helper");
    }
    return 0;
}

void og_certs__trust_free(og_certs_trust *t)
{
    if (!t)
        return;
    X509_STORE_free(t->store);
    sk_X509_pop_free(t->helpers, X509_free);
    sk_X509_free(t->scratch);
    X509_STORE_CTX_free(t->vctx);
    free(t);
}

static int is_missing_issuer(int err)
{
    return err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE ||
           err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
}

/* One verification; returns 1 when trusted, 0 when not (*err set), -1 on an internal error.
 * Expiry is left out on purpose: expired is its own finding, not a trust failure. */
static int verify_once(og_certs_trust *t, X509 *leaf, STACK_OF(X509) * untrusted, int *err,
                       int *depth)
{
    X509_STORE_CTX_cleanup(t->vctx);
    if (X509_STORE_CTX_init(t->vctx, t->store, leaf, untrusted) != 1)
        return -1;
    X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(t->vctx);
    X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_NO_CHECK_TIME);
    X509_VERIFY_PARAM_set_auth_level(p, 0);
    int ok = X509_verify_cert(t->vctx);
    *err = X509_STORE_CTX_get_error(t->vctx);
    STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(t->vctx);
    *depth = built ? sk_X509_num(built) : 0;
    ERR_clear_error();
    return ok == 1 ? 1 : 0;
}

unsigned og_certs__chain_findings(og_certs_trust *t, STACK_OF(X509) * chain, char *detail)
{
    int err = 0, depth = 0, depth2 = 0, err2 = 0;
    X509 *leaf = sk_X509_value(chain, 0);
    if (detail)
        detail[0] = '\0';
    if (!leaf)
        return OG_CERT_F_UNTRUSTED_CHAIN;
    int ok = verify_once(t, leaf, chain, &err, &depth);
    if (ok == 1)
        return 0;
    if (detail)
        snprintf(detail, 128, "%s", X509_verify_cert_error_string(err));
    if (ok < 0 || !is_missing_issuer(err) || sk_X509_num(t->helpers) == 0)
        return OG_CERT_F_UNTRUSTED_CHAIN;
    /* The server left an issuer out. If intermediates we know of (tenant bundle, inventory)
     * complete the path, the chain is incomplete but would be trusted; if they only extend it,
     * it is both incomplete and untrusted. */
    sk_X509_zero(t->scratch);
    for (int i = 0; i < sk_X509_num(chain); i++)
        sk_X509_push(t->scratch, sk_X509_value(chain, i));
    for (int i = 0; i < sk_X509_num(t->helpers); i++)
        sk_X509_push(t->scratch, sk_X509_value(t->helpers, i));
    ok = verify_once(t, leaf, t->scratch, &err2, &depth2);
    sk_X509_zero(t->scratch);
    if (ok == 1) {
        if (detail)
            snprintf(detail, 128, "the server does not send the intermediate certificate(s)");
        return OG_CERT_F_INCOMPLETE_CHAIN;
    }
    if (depth2 > depth)
        return OG_CERT_F_INCOMPLETE_CHAIN | OG_CERT_F_UNTRUSTED_CHAIN;
    return OG_CERT_F_UNTRUSTED_CHAIN;
}

unsigned og_certs__host_findings(X509 *x, const char *name)
{
    unsigned char buf[16];
    if (!name || !*name)
        return 0;
    int r;
    if (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1)
        r = X509_check_ip_asc(x, name, 0);
    else
        r = X509_check_host(x, name, strlen(name), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
    ERR_clear_error();
    return r == 1 ? 0 : OG_CERT_F_HOSTNAME_MISMATCH;
}

int og_certs_chain_check(const void *const *chain, const size_t *lens, size_t n,
                         const char *ca_bundle_pem, const char *name, unsigned *findings,
                         char *detail)
{
    int error = -1;
    og_certs_trust *t = NULL;
    STACK_OF(X509) *sk = sk_X509_new_null();
    *findings = 0;
    if (!sk) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (n == 0) {
        error = og_error_set(OG_EINVAL, "empty chain");
        goto cleanup;
    }
    for (size_t i = 0; i < n && i < OG_CERTS_MAX_CHAIN; i++) {
        const unsigned char *p = chain[i];
        X509 *x = d2i_X509(NULL, &p, (long)lens[i]);
        if (!x) {
            ERR_clear_error();
            error = og_error_set(OG_EINVAL, "chain certificate %zu is not DER X.509", i);
            goto cleanup;
        }
        sk_X509_push(sk, x);
    }
    if ((error = og_certs__trust_new(&t, ca_bundle_pem, 1)) < 0)
        goto cleanup;
    *findings = og_certs__chain_findings(t, sk, detail) |
                og_certs__host_findings(sk_X509_value(sk, 0), name);
    error = 0;
cleanup:
    sk_X509_pop_free(sk, X509_free);
    og_certs__trust_free(t);
    return error;
}
