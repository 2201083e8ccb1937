/* challenge_tls.c - tls-alpn-01 (RFC 8737): a TLS responder for one order that negotiates only
 * the "acme-tls/1" protocol and shows, for each name, a self-signed certificate with the critical
 * acmeIdentifier extension holding SHA-256 of the key authorization. */
#include "acme/acme_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_NAMES  OG_ACME_MAX_NAMES
#define ACME_TLS_1 "acme-tls/1"
/* id-pe-acmeIdentifier (RFC 8737 §6.1) */
#define ACME_IDENTIFIER_OID "1.3.6.1.5.5.7.1.31"

struct og_acme_tlsalpn {
    int fd;
    int stop;
    pthread_t thread;
    pthread_mutex_t mu;
    SSL_CTX *ctx;
    og_crypto_key *key; /* one key for every validation certificate */
    uint8_t *key_der;   /* the same as PKCS#8 DER for libssl (wiped on stop) */
    size_t key_der_len;
    char *names[MAX_NAMES];
    X509 *certs[MAX_NAMES];
    int n;
};

int og_acme__tlsalpn_cert(const char *domain, const char *key_auth, const og_crypto_key *key,
                          X509 **out)
{
    uint8_t h[32], value[34], *der = NULL;
    size_t len = 0;
    *out = NULL;
    if (strlen(domain) <= 253) {
        /* extnValue is the DER of an OCTET STRING holding the 32-byte digest (RFC 8737 §3) */
        og_crypto_sha256(key_auth, strlen(key_auth), h);
        value[0] = 0x04;
        value[1] = 32;
        memcpy(value + 2, h, 32);
        if (og_crypto_cert_selfsigned(key, domain, ACME_IDENTIFIER_OID, value, sizeof(value), &der,
                                      &len) == 0) {
            const uint8_t *p = der;
            *out = d2i_X509(NULL, &p, (long)len);
        }
    }
    free(der);
    if (!*out)
        return og_error_set(OG_ERROR, "building the tls-alpn-01 certificate of %s failed", domain);
    return 0;
}

/* Only "acme-tls/1": a client that does not offer it gets no handshake (RFC 8737 §3). */
static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    static const unsigned char want[] = "\x0a" ACME_TLS_1;
    unsigned char *sel = NULL;
    if (SSL_select_next_proto(&sel, outlen, want, sizeof(want) - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

/* Pick the certificate of the SNI name; an unknown name ends the handshake. */
static int on_sni(SSL *ssl, int *alert, void *arg)
{
    og_acme_tlsalpn *s = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    X509 *cert = NULL;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; name && i < s->n; i++)
        if (strcasecmp(s->names[i], name) == 0)
            cert = s->certs[i];
    /* the key is P-256 (id-ecPublicKey), handed to libssl as DER so no EVP handle leaves crypto */
    int ok = cert && SSL_use_certificate(ssl, cert) == 1 &&
             SSL_use_PrivateKey_ASN1(NID_X9_62_id_ecPublicKey, ssl, s->key_der,
                                     (long)s->key_der_len) == 1;
    pthread_mutex_unlock(&s->mu);
    if (!ok) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

static void *run(void *arg)
{
    og_acme_tlsalpn *s = arg;
    /* OpenSSL writes with write(2): a peer that hung up must give EPIPE here, not kill the
     * process (SIGPIPE from a write goes to the writing thread, where it stays blocked) */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    int cfd;
    while ((cfd = og_acme__accept_next(s->fd, &s->mu, &s->stop)) >= 0) {
        /* a stalled client is dropped after 2 s */
        struct timeval tv = {2, 0};
        setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        SSL *ssl = SSL_new(s->ctx);
        if (ssl && SSL_set_fd(ssl, cfd) == 1 && SSL_accept(ssl) == 1)
            SSL_shutdown(ssl);
        SSL_free(ssl);
        ERR_clear_error();
        close(cfd);
    }
    return NULL;
}

int og_acme__tlsalpn_start(og_acme_tlsalpn **out, const char *listen_addr)
{
    og_acme_tlsalpn *s = NULL;
    int error, fd = -1;
    *out = NULL;
    if ((error = og_acme__listen(listen_addr, "tls-alpn-01", &fd)) < 0)
        return error;
    if (!(s = calloc(1, sizeof(*s))) || !(s->ctx = SSL_CTX_new(TLS_server_method())) ||
        og_crypto_key_generate(&s->key, "ec256") < 0 ||
        og_crypto_key_to_der(s->key, &s->key_der, &s->key_der_len) < 0) {
        error = og_error_set(OG_ERROR, "cannot set up the tls-alpn-01 responder");
        goto fail;
    }
    SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
    SSL_CTX_set_alpn_select_cb(s->ctx, on_alpn, s);
    SSL_CTX_set_tlsext_servername_callback(s->ctx, on_sni);
    SSL_CTX_set_tlsext_servername_arg(s->ctx, s);
    s->fd = fd;
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        error = og_error_set(OG_ERROR, "cannot start the tls-alpn-01 responder thread");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    if (s) {
        SSL_CTX_free(s->ctx);
        og_crypto_key_free(s->key);
        og_crypto_wipe(s->key_der, s->key_der_len);
        free(s->key_der);
        free(s);
    }
    close(fd);
    return error;
}

int og_acme__tlsalpn_add(og_acme_tlsalpn *s, const char *domain, const char *key_auth)
{
    X509 *x = NULL;
    int error;
    if ((error = og_acme__tlsalpn_cert(domain, key_auth, s->key, &x)) < 0)
        return error;
    pthread_mutex_lock(&s->mu);
    if (s->n >= MAX_NAMES) {
        error = og_error_set(OG_ETOOBIG, "too many tls-alpn-01 names");
    } else if (!(s->names[s->n] = strdup(domain))) {
        error = og_error_set(OG_ERROR, "out of memory");
    } else {
        s->certs[s->n++] = x;
        x = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    X509_free(x);
    return error;
}

void og_acme__tlsalpn_stop(og_acme_tlsalpn *s)
{
    if (!s)
        return;
    og_acme__accept_stop(s->thread, s->fd, &s->mu, &s->stop);
    for (int i = 0; i < s->n; i++) {
        free(s->names[i]);
        X509_free(s->certs[i]);
    }
    SSL_CTX_free(s->ctx);
    og_crypto_key_free(s->key);
    og_crypto_wipe(s->key_der, s->key_der_len);
    free(s->key_der);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
