/* x509_cache.c - decoded certificates shared by reference: each decoded once per process while it
 * stays in a small cache keyed by the SHA-256 of its DER (og_certs_x509_get). */
#include "certs/certs_internal.h"
#include "opsgate/crypto.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <string.h>

#define SLOTS 64

typedef struct slot {
    uint8_t md[32]; /* SHA-256 of the DER */
    size_t len;
    X509 *x; /* the cache's reference; NULL: empty */
    uint64_t used;
} slot;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static slot slots[SLOTS];
static uint64_t tick;

/* The slot holding (md, len), or NULL; mu held. */
static slot *find(const uint8_t md[32], size_t len)
{
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].x && slots[i].len == len && memcmp(slots[i].md, md, 32) == 0)
            return &slots[i];
    return NULL;
}

X509 *og_certs_x509_get(const void *der, size_t len)
{
    uint8_t md[32];
    const unsigned char *p = der;
    X509 *x = NULL;
    slot *s;
    if (!der || len == 0 || len > OG_CERTS_MAX_DER)
        return NULL;
    og_crypto_sha256(der, len, md);
    pthread_mutex_lock(&mu);
    if ((s = find(md, len)) != NULL && X509_up_ref(s->x) == 1) {
        s->used = ++tick;
        x = s->x;
    }
    pthread_mutex_unlock(&mu);
    if (x)
        return x;
    /* decoded outside the lock: other threads' hits do not wait for it */
    x = d2i_X509(NULL, &p, (long)len);
    if (!x || p != (const unsigned char *)der + len) {
        X509_free(x);
        ERR_clear_error();
        return NULL;
    }
    pthread_mutex_lock(&mu);
    if (!find(md, len) && X509_up_ref(x) == 1) { /* another thread may have put it there */
        s = &slots[0];
        for (int i = 1; i < SLOTS && s->x; i++)
            if (!slots[i].x || slots[i].used < s->used)
                s = &slots[i];
        X509_free(s->x);
        memcpy(s->md, md, 32);
        s->len = len;
        s->x = x;
        s->used = ++tick;
    }
    pthread_mutex_unlock(&mu);
    return x;
}
