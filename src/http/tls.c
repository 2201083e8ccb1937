/* tls.c - the HTTPS listener's credentials (GnuTLS, through libmicrohttpd's certificate
 * callback), hot-swapped when a deploy to the tenant's "opsgate" target records another
 * certificate.
 *
 * Handshakes read the current credentials with one atomic load, so a swap never blocks or fails
 * one. Replaced credentials are retired, not freed: a handshake that loaded them may still be
 * signing with their key. They are freed RETIRE_GRACE_US after their retirement (far longer than
 * a handshake may take: the connection timeout is 60 s of inactivity) or at shutdown, after the
 * daemon has stopped. GnuTLS does not free what the callback returns (retrieve_function2). */
#include "http/tls.h"
#include "opsgate/certs.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CHAIN       8
#define RETIRE_GRACE_US ((int64_t)600 * 1000000)
#define MAX_PEM         (256 * 1024)

typedef struct creds {
    gnutls_pcert_st pcert[MAX_CHAIN];
    unsigned n;
    gnutls_privkey_t key;
    char fingerprint[65];
    int64_t retired_us; /* monotonic */
    struct creds *next; /* in the retired list */
} creds;

struct og_http_tls {
    og_store_pool *pool; /* borrowed */
    og_keyring *keys;    /* borrowed */
    const char *data_dir;
    char tenant_id[OG_ID_LEN];
    char default_fp[65]; /* --tls-cert-id: served while no deploy has recorded another */
    char *default_leaf;  /* its leaf PEM (public): the first record of the opsgate target */
    char last_msg[512];  /* the last poll failure logged, to log each one once */
    creds *retired;      /* only the watcher thread and og_http__tls_free touch it */
    unsigned port;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, running, sync_init;
};

/* What handshakes serve. One listener per process (the callback has no user pointer). */
static _Atomic(creds *) current;

static void creds_free(creds *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < c->n; i++)
        gnutls_pcert_deinit(&c->pcert[i]);
    if (c->key)
        gnutls_privkey_deinit(c->key);
    free(c);
}

/* GnuTLS credentials from m's leaf, chain and key. */
static int creds_new(creds **out, const og_certs_material *m)
{
    int error = -1, rc;
    size_t ll = strlen(m->leaf_pem), cl = m->chain_pem ? strlen(m->chain_pem) : 0;
    char *full = NULL;
    creds *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (!c || ll + cl > MAX_PEM || !(full = malloc(ll + cl + 1))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    memcpy(full, m->leaf_pem, ll);
    memcpy(full + ll, m->chain_pem ? m->chain_pem : "", cl);
    full[ll + cl] = '\0';
    gnutls_datum_t d = {(unsigned char *)full, (unsigned)(ll + cl)};
    c->n = MAX_CHAIN;
    if ((rc = gnutls_pcert_list_import_x509_raw(c->pcert, &c->n, &d, GNUTLS_X509_FMT_PEM, 0)) < 0 ||
        c->n == 0) {
        c->n = rc < 0 ? 0 : c->n;
        error = og_error_set(OG_EINVAL, "certificate %.16s...: GnuTLS cannot load its chain: %s",
                             m->fingerprint, rc < 0 ? gnutls_strerror(rc) : "empty");
        goto cleanup;
    }
    gnutls_datum_t k = {(unsigned char *)m->key_pem, (unsigned)strlen(m->key_pem)};
    if ((rc = gnutls_privkey_init(&c->key)) < 0 ||
        (rc = gnutls_privkey_import_x509_raw(c->key, &k, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        error = og_error_set(OG_EINVAL, "certificate %.16s...: GnuTLS cannot load its key: %s",
                             m->fingerprint, gnutls_strerror(rc));
        goto cleanup;
    }
    og_strlcpy(c->fingerprint, m->fingerprint, sizeof(c->fingerprint));
    *out = c;
    c = NULL;
    error = 0;
cleanup:
    creds_free(c);
    free(full);
    return error;
}

static int cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                         const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                         gnutls_pcert_st **pcert, unsigned int *pcert_length,
                         gnutls_privkey_t *privkey)
{
    (void)session;
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    creds *c = atomic_load_explicit(&current, memory_order_acquire);
    if (!c)
        return -1;
    *pcert = c->pcert;
    *pcert_length = c->n;
    *privkey = c->key;
    return 0;
}

void *og_http__tls_cert_callback(void)
{
    gnutls_certificate_retrieve_function2 *f = cert_callback;
    return (void *)f;
}

/* Make m the served certificate; the previous credentials are retired. */
static int install(og_http_tls *tls, const og_certs_material *m)
{
    creds *c = NULL;
    int error;
    if ((error = creds_new(&c, m)) < 0)
        return error;
    creds *old = atomic_exchange_explicit(&current, c, memory_order_acq_rel);
    if (old) {
        old->retired_us = og_time_mono_us();
        old->next = tls->retired;
        tls->retired = old;
    }
    return 0;
}

static void ctx_init(og_http_tls *tls, og_ctx *ctx, og_store *s)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->store = s;
    ctx->keys = tls->keys;
    ctx->data_dir = tls->data_dir;
    og_actor_system(&ctx->actor, "tls");
}

int og_http__tls_new(og_http_tls **out, og_store_pool *pool, og_keyring *keys, const char *data_dir,
                     const char *tenant, const char *cert_id)
{
    int error = -1;
    og_http_tls *tls = NULL;
    og_store *s = NULL;
    og_ctx ctx;
    og_tenant t;
    og_certs_material m;
    memset(&m, 0, sizeof(m));
    *out = NULL;
    if (!tenant || !*tenant || !cert_id || !*cert_id)
        return og_error_set(OG_EINVAL, "HTTPS needs a certificate id and its tenant");
    if (atomic_load(&current))
        return og_error_set(OG_EEXISTS, "an HTTPS listener is already running in this process");
    if (!(tls = calloc(1, sizeof(*tls))))
        return og_error_set(OG_ERROR, "out of memory");
    tls->pool = pool;
    tls->keys = keys;
    tls->data_dir = data_dir;
    s = og_store_pool_get(pool);
    ctx_init(tls, &ctx, s);
    if ((error = og_tenant_get(&ctx, tenant, &t)) < 0)
        goto cleanup;
    og_strlcpy(tls->tenant_id, t.id, sizeof(tls->tenant_id));
    if ((error = og_certs_material_get(&ctx, t.id, cert_id, &m)) < 0) {
        og_error_wrap("--tls-cert-id %s of tenant %s", cert_id, tenant);
        goto cleanup;
    }
    og_strlcpy(tls->default_fp, m.fingerprint, sizeof(tls->default_fp));
    if (!(tls->default_leaf = strdup(m.leaf_pem))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = install(tls, &m)) < 0)
        goto cleanup;
    *out = tls;
    tls = NULL;
    error = 0;
cleanup:
    og_certs_material_clear(&m);
    if (s)
        og_store_pool_put(pool, s);
    og_http__tls_free(tls);
    return error;
}

int og_http__tls_check(og_store *store, og_keyring *keys, const char *data_dir, const char *tenant,
                       const char *cert_id)
{
    int error;
    og_ctx ctx;
    og_certs_material m;
    creds *c = NULL;
    memset(&ctx, 0, sizeof(ctx));
    memset(&m, 0, sizeof(m));
    ctx.store = store;
    ctx.keys = keys;
    ctx.data_dir = data_dir;
    og_actor_system(&ctx.actor, "tls");
    if ((error = og_certs_material_get(&ctx, tenant, cert_id, &m)) < 0)
        og_error_wrap("--tls-cert-id %s of tenant %s", cert_id, tenant);
    else
        error = creds_new(&c, &m);
    creds_free(c);
    og_certs_material_clear(&m);
    return error;
}

static void log_once(og_http_tls *tls, const char *msg)
{
    if (strcmp(tls->last_msg, msg) == 0)
        return;
    og_strlcpy(tls->last_msg, msg, sizeof(tls->last_msg));
    fprintf(stderr, "opsgate: tls: %s\n", msg);
}

/* One poll: the certificate the opsgate target records (or --tls-cert-id's when there is none),
 * loaded and swapped in when it is not the one served. */
static void poll_once(og_http_tls *tls)
{
    og_store *s = og_store_pool_get(tls->pool);
    og_ctx ctx;
    og_certs_material m, rec;
    char want[65], msg[512];
    memset(&m, 0, sizeof(m));
    memset(&rec, 0, sizeof(rec));
    ctx_init(tls, &ctx, s);
    creds *cur = atomic_load_explicit(&current, memory_order_acquire);
    /* No record (yet, or removed by the rollback of a first deploy): --tls-cert-id's. */
    og_strlcpy(rec.fingerprint, tls->default_fp, sizeof(rec.fingerprint));
    rec.leaf_pem = tls->default_leaf; /* borrowed, public */
    if (og_deploy_listener_poll(&ctx, tls->tenant_id, (int)tls->port, &rec, want) < 0) {
        snprintf(msg, sizeof(msg), "reading the opsgate target: %s", og_error_last());
        log_once(tls, msg);
        goto cleanup;
    }
    if (!want[0])
        og_strlcpy(want, tls->default_fp, sizeof(want));
    if (strcmp(want, cur->fingerprint) == 0) {
        tls->last_msg[0] = '\0';
        goto cleanup;
    }
    if (og_certs_material_get(&ctx, tls->tenant_id, want, &m) < 0 || install(tls, &m) < 0) {
        snprintf(msg, sizeof(msg), "cannot serve %.16s... (still serving %.16s...): %s", want,
                 cur->fingerprint, og_error_last());
        log_once(tls, msg);
        goto cleanup;
    }
    tls->last_msg[0] = '\0';
    fprintf(stderr, "opsgate: tls: now serving %.16s... (was %.16s...)\n", want, cur->fingerprint);
cleanup:
    og_certs_material_clear(&m);
    og_store_pool_put(tls->pool, s);
}

/* Free retired credentials no handshake can still be using. */
static void reap(og_http_tls *tls, int all)
{
    int64_t now = og_time_mono_us();
    for (creds **p = &tls->retired; *p;) {
        creds *c = *p;
        if (all || now - c->retired_us > RETIRE_GRACE_US) {
            *p = c->next;
            creds_free(c);
        } else {
            p = &c->next;
        }
    }
}

static void *watch_main(void *arg)
{
    og_http_tls *tls = arg;
    pthread_mutex_lock(&tls->mu);
    while (!tls->stop) {
        pthread_mutex_unlock(&tls->mu);
        poll_once(tls);
        reap(tls, 0);
        pthread_mutex_lock(&tls->mu);
        if (tls->stop)
            break;
        struct timespec ts;
        og_time_deadline(&ts, CLOCK_MONOTONIC, (int64_t)OG_HTTP_TLS_POLL_MS * 1000);
        pthread_cond_timedwait(&tls->cv, &tls->mu, &ts);
    }
    pthread_mutex_unlock(&tls->mu);
    return NULL;
}

int og_http__tls_watch(og_http_tls *tls, unsigned port)
{
    pthread_condattr_t ca;
    tls->port = port;
    pthread_mutex_init(&tls->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&tls->cv, &ca);
    pthread_condattr_destroy(&ca);
    tls->sync_init = 1;
    if (pthread_create(&tls->thread, NULL, watch_main, tls) != 0)
        return og_error_set(OG_ERROR, "cannot start the TLS watcher: %s", strerror(errno));
    tls->running = 1;
    return 0;
}

void og_http__tls_stop(og_http_tls *tls)
{
    if (!tls || !tls->running)
        return;
    pthread_mutex_lock(&tls->mu);
    tls->stop = 1;
    pthread_cond_signal(&tls->cv);
    pthread_mutex_unlock(&tls->mu);
    pthread_join(tls->thread, NULL);
    tls->running = 0;
}

void og_http__tls_free(og_http_tls *tls)
{
    if (!tls)
        return;
    og_http__tls_stop(tls);
    reap(tls, 1);
    creds_free(atomic_exchange(&current, NULL));
    free(tls->default_leaf);
    if (tls->sync_init) {
        pthread_mutex_destroy(&tls->mu);
        pthread_cond_destroy(&tls->cv);
    }
    free(tls);
}
