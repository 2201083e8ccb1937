/* tls.h - internal to src/http: the HTTPS listener's credentials (serve --tls-cert-id), swapped
 * without a restart when a deploy to the tenant's "opsgate" target records another certificate. */
#ifndef OPSGATE_HTTP_TLS_H
#define OPSGATE_HTTP_TLS_H

#include "opsgate/context.h"
#include "opsgate/crypto.h"
#include "opsgate/store.h"

typedef struct og_http_tls og_http_tls;

/*
 * Load certificate cert_id (fingerprint or unique prefix) of tenant with its chain and key from
 * the inventory and make it the listener's credentials. One listener per process: the MHD
 * certificate callback (og_http__tls_cert_callback) reads them. OG_EINVAL for a missing tenant
 * or id, OG_ENOTFOUND for an unknown certificate or one without its key. pool, keys and data_dir
 * are borrowed until og_http__tls_free. Caller frees *out.
 */
int og_http__tls_new(og_http_tls **out, og_store_pool *pool, og_keyring *keys, const char *data_dir,
                     const char *tenant, const char *cert_id);
/* What og_http__tls_new checks, on one store (serve --check): the certificate, its chain and its
 * key load into GnuTLS. Nothing is kept. */
int og_http__tls_check(og_store *store, og_keyring *keys, const char *data_dir, const char *tenant,
                       const char *cert_id);
/* The value for MHD_OPTION_HTTPS_CERT_CALLBACK (a gnutls_certificate_retrieve_function2). */
void *og_http__tls_cert_callback(void);
/* Start polling the tenant's opsgate target with an endpoint on port (the bound port) every
 * OG_HTTP_TLS_POLL_MS and swap to the certificate it records. */
#define OG_HTTP_TLS_POLL_MS 250
int og_http__tls_watch(og_http_tls *tls, unsigned port);
/* Stop polling (call before MHD_stop_daemon). Safe on NULL. */
void og_http__tls_stop(og_http_tls *tls);
/* Free every credential (call after MHD_stop_daemon: no handshake may run). NULL is a no-op. */
void og_http__tls_free(og_http_tls *tls);

#endif
