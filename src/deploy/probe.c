/* probe.c - a TLS client that reports which certificate an endpoint serves (its SHA-256
 * fingerprint, hashed through crypto/). The certificate's own X.509 work (material, PEM
 * fingerprints) is the certs module's (certs.h). */
#include "deploy/deploy_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void fp_of(X509 *x, char fp[65])
{
    unsigned char *der = NULL;
    uint8_t md[32];
    int n = i2d_X509(x, &der);
    if (n <= 0) {
        fp[0] = '\0';
        return;
    }
    og_crypto_sha256(der, (size_t)n, md);
    OPENSSL_free(der);
    og_hex_encode(md, 32, fp);
}

/* ---- the TLS client ---- */

static int wait_fd(int fd, short ev, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - og_time_mono_us();
        if (left <= 0)
            return 0;
        struct pollfd p = {fd, ev, 0};
        int rc = poll(&p, 1, (int)(left / 1000) + 1);
        if (rc > 0)
            return 1;
        if (rc < 0 && errno != EINTR)
            return -1;
    }
}

static int is_ip(const char *h)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

int og_deploy__probe(const og_deploy_endpoint *ep, int timeout_ms, char fp[65])
{
    int error = -1, fd = -1, rc;
    struct addrinfo hints, *ai = NULL;
    char port[8];
    SSL_CTX *sctx = NULL;
    SSL *ssl = NULL;
    X509 *leaf = NULL;
    int64_t deadline = og_time_mono_us() + (int64_t)timeout_ms * 1000;
    const char *sni = ep->sni[0] ? ep->sni : (is_ip(ep->host) ? NULL : ep->host);
    fp[0] = '\0';
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%d", ep->port);
    if ((rc = getaddrinfo(ep->host, port, &hints, &ai)) != 0) {
        error = og_error_set(OG_ERROR, "%s:%d: %s", ep->host, ep->port, gai_strerror(rc));
        goto cleanup;
    }
    if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
        error = og_error_set(OG_ERROR, "socket: %s", strerror(errno));
        goto cleanup;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
        error = og_error_set(OG_ERROR, "%s:%d: connect: %s", ep->host, ep->port, strerror(errno));
        goto cleanup;
    }
    if (wait_fd(fd, POLLOUT, deadline) != 1) {
        error = og_error_set(OG_ERROR, "%s:%d: connect timed out", ep->host, ep->port);
        goto cleanup;
    }
    int soerr = 0;
    socklen_t sl = sizeof(soerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
        error = og_error_set(OG_ERROR, "%s:%d: connect: %s", ep->host, ep->port,
                             strerror(soerr ? soerr : errno));
        goto cleanup;
    }
    /* No trust check: verification asks which certificate is served, not whether it is good. */
    if (!(sctx = SSL_CTX_new(TLS_client_method())) || !(ssl = SSL_new(sctx)) ||
        SSL_set_fd(ssl, fd) != 1 || (sni && SSL_set_tlsext_host_name(ssl, sni) != 1)) {
        error = og_error_set(OG_ERROR, "TLS client set-up failed");
        goto cleanup;
    }
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    for (int rounds = 0; rounds < 1000; rounds++) {
        rc = SSL_connect(ssl);
        if (rc == 1)
            break;
        int e = SSL_get_error(ssl, rc), w = 0;
        if (e == SSL_ERROR_WANT_READ)
            w = wait_fd(fd, POLLIN, deadline);
        else if (e == SSL_ERROR_WANT_WRITE)
            w = wait_fd(fd, POLLOUT, deadline);
        if (w != 1) {
            char reason[160] = "";
            ERR_error_string_n(ERR_peek_last_error(), reason, sizeof(reason));
            error = og_error_set(OG_ERROR, "%s:%d: TLS handshake %s%s%s", ep->host, ep->port,
                                 w == 0 ? "timed out" : "failed", reason[0] ? ": " : "", reason);
            goto cleanup;
        }
    }
    if (!(leaf = SSL_get1_peer_certificate(ssl))) {
        error = og_error_set(OG_ERROR, "%s:%d: no certificate served", ep->host, ep->port);
        goto cleanup;
    }
    fp_of(leaf, fp);
    error = 0;
cleanup:
    ERR_clear_error();
    X509_free(leaf);
    if (ssl) {
        SSL_set_quiet_shutdown(ssl, 1);
        SSL_free(ssl);
    }
    SSL_CTX_free(sctx);
    if (fd >= 0)
        close(fd);
    if (ai)
        freeaddrinfo(ai);
    return error;
}
