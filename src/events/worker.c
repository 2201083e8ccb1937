/* worker.c - handler registry, fan-out of the outbox to handlers, and the delivery workers. */
#include "events/events_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HANDLERS OG_EVENTS__MAX_HANDLERS
typedef og_events__sub subscription;

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static subscription subs[MAX_HANDLERS];
static size_t nsubs;

int og_events_subscribe(const char *name, const char *pattern, og_event_handler_fn fn, void *arg)
{
    int error = 0;
    if (!name || !*name || strlen(name) >= sizeof(subs[0].name) || !pattern || !*pattern ||
        strlen(pattern) >= sizeof(subs[0].pattern) || !fn)
        return og_error_set(OG_EINVAL, "event handler '%s': needs a name, a pattern and a function",
                            name ? name : "");
    pthread_mutex_lock(&reg_mu);
    for (size_t i = 0; i < nsubs; i++) {
        if (strcmp(subs[i].name, name) == 0) {
            error = og_error_set(OG_EEXISTS, "event handler '%s' is already registered", name);
            goto cleanup;
        }
    }
    if (nsubs == MAX_HANDLERS) {
        error = og_error_set(OG_ETOOBIG, "too many event handlers (at most %d)", MAX_HANDLERS);
        goto cleanup;
    }
    og_strlcpy(subs[nsubs].name, name, sizeof(subs[nsubs].name));
    og_strlcpy(subs[nsubs].pattern, pattern, sizeof(subs[nsubs].pattern));
    subs[nsubs].fn = fn;
    subs[nsubs].arg = arg;
    nsubs++;
cleanup:
    pthread_mutex_unlock(&reg_mu);
    return error;
}

void og_events_unsubscribe_all(void)
{
    pthread_mutex_lock(&reg_mu);
    nsubs = 0;
    pthread_mutex_unlock(&reg_mu);
}

/* A snapshot of the registry, so passes run without holding the lock across handler calls. */
size_t og_events__subs_snapshot(subscription out[MAX_HANDLERS])
{
    pthread_mutex_lock(&reg_mu);
    size_t n = nsubs;
    memcpy(out, subs, n * sizeof(subs[0]));
    pthread_mutex_unlock(&reg_mu);
    return n;
}

bool og_events__pattern_match(const char *pattern, const char *type)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return strncmp(pattern, type, n - 1) == 0;
    return strcmp(pattern, type) == 0;
}

void og_events_config_defaults(og_events_config *cfg)
{
    if (cfg->workers <= 0)
        cfg->workers = 2;
    if (cfg->max_attempts <= 0)
        cfg->max_attempts = 8;
    if (cfg->backoff_base_us <= 0)
        cfg->backoff_base_us = 1000000;
    if (cfg->backoff_max_us <= 0)
        cfg->backoff_max_us = 600000000;
    if (cfg->poll_us <= 0)
        cfg->poll_us = 1000000;
    if (cfg->coalesce_us <= 0)
        cfg->coalesce_us = 20000;
    if (cfg->lease_us <= 0)
        cfg->lease_us = 300000000;
    if (!cfg->node || !cfg->node[0])
        cfg->node = og_node_id();
}

int64_t og_events__backoff_us(const og_events_config *cfg, int attempt, double jitter)
{
    int64_t d = cfg->backoff_base_us;
    for (int i = 1; i < attempt && d < cfg->backoff_max_us; i++)
        d *= 2;
    if (d > cfg->backoff_max_us)
        d = cfg->backoff_max_us;
    if (jitter < 0)
        jitter = 0;
    if (jitter > 1)
        jitter = 1;
    /* "Equal jitter": never retry sooner than half the delay, spread the herd over the rest. */
    return d / 2 + (int64_t)((double)(d - d / 2) * jitter);
}

int og_events_run_once(og_ctx *ctx, const og_events_config *cfg_in, int *delivered)
{
    og_events_config cfg;
    int d = 0, work = 0, error;
    memset(&cfg, 0, sizeof(cfg));
    if (cfg_in)
        cfg = *cfg_in;
    og_events_config_defaults(&cfg);
    if (og_store_tx_depth(ctx->store) > 0)
        return og_error_set(OG_ERROR, "events: a delivery pass cannot run inside a transaction");
    error = og_events__pass(ctx, &cfg, &d, &work, NULL);
    if (delivered)
        *delivered = d;
    return error;
}

/* ---- worker threads ---- */

struct og_events {
    og_store_pool *pool;
    og_keyring *keys;
    const char *data_dir;
    og_events_config cfg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    uint64_t kicks; /* og_events__kick() calls so far */
    int nthreads;
    pthread_t *threads;
    og_events *next; /* the running buses of this process */
};

static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static og_events *live;

void og_events__kick(void)
{
    pthread_mutex_lock(&live_mu);
    for (og_events *e = live; e; e = e->next) {
        pthread_mutex_lock(&e->mu);
        e->kicks++;
        pthread_cond_signal(&e->cv);
        pthread_mutex_unlock(&e->mu);
    }
    pthread_mutex_unlock(&live_mu);
}

/* Wait on e->cv (e->mu held) until the wall-clock time until_us, a stop, or, when kicks is not
 * NULL, a kick after *kicks. */
static void wait_until(og_events *e, int64_t until_us, const uint64_t *kicks)
{
    struct timespec ts = {.tv_sec = (time_t)(until_us / 1000000),
                          .tv_nsec = (long)(until_us % 1000000) * 1000};
    while (!e->stop && (!kicks || e->kicks == *kicks) && og_time_now_us() < until_us)
        if (pthread_cond_timedwait(&e->cv, &e->mu, &ts) != 0)
            break; /* timed out (or failed: the loop's caller polls again) */
}

/*
 * A worker: a pass, then another at once while there was work; else it sleeps until an event is
 * written in this process (og_event_emit kicks), a delivery falls due (a backoff ends, a lease
 * runs out) or cfg.poll_us passes, the poll that finds events written by other processes (the
 * CLI, other nodes). A kick is followed by cfg.coalesce_us of waiting, for the emitter's
 * transaction to commit and for the events of a burst to gather into one pass; a kicked pass that
 * found nothing (the emitter had not committed yet) looks once more after 5 x coalesce_us.
 */
static void *worker_main(void *arg)
{
    og_events *e = arg;
    int kicked = 0;
    pthread_mutex_lock(&e->mu);
    while (!e->stop) {
        uint64_t kicks = e->kicks;
        pthread_mutex_unlock(&e->mu);
        og_ctx ctx;
        int delivered = 0, work = 0;
        int64_t next = 0;
        memset(&ctx, 0, sizeof(ctx));
        ctx.store = og_store_pool_get(e->pool);
        ctx.keys = e->keys;
        ctx.data_dir = e->data_dir;
        og_actor_system(&ctx.actor, "events");
        /* A failed pass (database busy, disk full) is retried on the next tick; the rows are
         * durable, so nothing is lost by giving up on this one. */
        (void)og_events__pass(&ctx, &e->cfg, &delivered, &work, &next);
        og_store_pool_put(e->pool, ctx.store);
        int64_t now = og_time_now_us(), until = now + e->cfg.poll_us;
        if (next > 0 && next < until)
            until = next;
        if (kicked && work == 0 && now + 5 * e->cfg.coalesce_us < until)
            until = now + 5 * e->cfg.coalesce_us;
        kicked = 0;
        pthread_mutex_lock(&e->mu);
        if (work > 0)
            continue;
        wait_until(e, until, &kicks);
        if (e->kicks != kicks) {
            kicked = 1;
            wait_until(e, og_time_now_us() + e->cfg.coalesce_us, NULL);
        }
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

/* Deliveries this node left running (a crash, then a restart under the same node id) are due
 * again now: this process is their worker. Other nodes' leases are theirs until they run out;
 * NULL owners were claimed by a binary from before leases had owners. */
static int release_leases(og_store *s, const char *node)
{
    int error = og_store_run(s,
                             "UPDATE event_deliveries SET state = 'pending', lease_us = 0,"
                             " lease_owner = NULL, next_us = ? WHERE state = 'running' AND"
                             " (lease_owner = ? OR lease_owner IS NULL)",
                             "it", og_time_now_us(), node);
    return error < 0 ? error : 0;
}

int og_events_start(og_events **out, og_store_pool *pool, og_keyring *keys, const char *data_dir,
                    const og_events_config *cfg)
{
    int error = -1;
    og_events *e = NULL;
    og_store *s = NULL;
    *out = NULL;
    e = calloc(1, sizeof(*e));
    if (!e)
        return og_error_set(OG_ERROR, "out of memory");
    if (cfg)
        e->cfg = *cfg;
    og_events_config_defaults(&e->cfg);
    e->pool = pool;
    e->keys = keys;
    e->data_dir = data_dir;
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    s = og_store_pool_get(pool);
    error = release_leases(s, e->cfg.node);
    og_store_pool_put(pool, s);
    if (error < 0)
        goto cleanup;
    e->threads = calloc((size_t)e->cfg.workers, sizeof(pthread_t));
    if (!e->threads) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < e->cfg.workers; i++) {
        if (pthread_create(&e->threads[i], NULL, worker_main, e) != 0) {
            error = og_error_set(OG_ERROR, "cannot start event worker thread %d", i + 1);
            goto cleanup;
        }
        e->nthreads++;
    }
    pthread_mutex_lock(&live_mu);
    e->next = live;
    live = e;
    pthread_mutex_unlock(&live_mu);
    *out = e;
    e = NULL;
    error = 0;
cleanup:
    og_events_stop(e);
    return error;
}

void og_events_stop(og_events *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&live_mu);
    for (og_events **p = &live; *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    pthread_mutex_unlock(&live_mu);
    pthread_mutex_lock(&e->mu);
    e->stop = 1;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    for (int i = 0; i < e->nthreads; i++)
        pthread_join(e->threads[i], NULL);
    free(e->threads);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->cv);
    free(e);
}
