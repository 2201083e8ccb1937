/* pool.c - a pool of store connections for the server's threads: taken and given back, waiting
 * while all are out; one that comes back inside a transaction is rolled back, loudly. */
#include "opsgate/error.h"
#include "opsgate/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct og_store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    og_store **free_list;
    int nfree;
    int size;
};

int og_store_pool_open(og_store_pool **out, const char *url, int size)
{
    return og_store_pool_open_bounded(out, url, size, 0);
}

int og_store_pool_open_bounded(og_store_pool **out, const char *url, int size, int cache_kib)
{
    int error = -1;
    og_store_pool *p = calloc(1, sizeof(*p));
    *out = NULL;
    if (!p || size < 1)
        return og_error_set(OG_ERROR, "out of memory or bad pool size %d", size);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->free_list = calloc((size_t)size, sizeof(og_store *));
    if (!p->free_list) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    p->size = size;
    for (int i = 0; i < size; i++) {
        if ((error = og_store_open(&p->free_list[i], url, 0)) < 0)
            goto cleanup;
        p->nfree++;
        if (cache_kib > 0 && (error = og_store_cache_limit(p->free_list[i], cache_kib)) < 0)
            goto cleanup;
    }
    *out = p;
    return 0;
cleanup:
    og_store_pool_close(p);
    return error;
}

og_store *og_store_pool_get(og_store_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    og_store *s = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return s;
}

void og_store_pool_put(og_store_pool *p, og_store *s)
{
    if (!s)
        return;
    if (og_store_tx_depth(s) > 0) {
        /* A bug of the caller's: whatever it wrote since its BEGIN is undone here, and anything
         * a request "committed" inside that transaction with it. Said loudly, never silent. */
        fprintf(stderr,
                "opsgate: store: a connection came back to its pool inside a transaction"
                " (depth %d): rolled back\n",
                og_store_tx_depth(s));
        while (og_store_tx_depth(s) > 0)
            og_store_tx_rollback(s);
    }
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = s;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void og_store_pool_close(og_store_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nfree; i++)
        og_store_close(p->free_list[i]);
    free(p->free_list);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}
