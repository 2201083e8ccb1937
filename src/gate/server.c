/* server.c - what the gate module runs inside a long-lived process: event workers, the
 * periodic expiry of approvals and review windows, and the scheduled retraining of the
 * inference step's models (infer.h). */
#include "gate/gate_internal.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/infer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct gate_server {
    og_events *events;
    og_store_pool *pool;
    og_keyring *keys;
    const char *data_dir;
    int64_t expire_every_us;
    int64_t retrain_every_us, next_retrain_us; /* monotonic */
    pthread_t timer;
    int timer_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
} gate_server;

static int64_t env_duration(const char *name, int64_t dflt)
{
    const char *v = getenv(name);
    int64_t us;
    if (!v || !*v)
        return dflt;
    if (og_duration_parse(v, &us) < 0 || us <= 0) {
        fprintf(stderr, "opsgate: ignoring %s='%s' (not a duration such as 30s)\n", name, v);
        og_error_clear();
        return dflt;
    }
    return us;
}

#define EXPIRY_LEASE "job:gate expiry"

static int env_int(const char *name, int dflt, int max)
{
    const char *v = getenv(name);
    char *end;
    if (!v || !*v)
        return dflt;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > max) {
        fprintf(stderr, "opsgate: ignoring %s='%s' (1 to %d)\n", name, v, max);
        return dflt;
    }
    return (int)n;
}

static void *timer_main(void *arg)
{
    gate_server *g = arg;
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (g->expire_every_us % 1000000) * 1000;
        ts.tv_sec += (time_t)(g->expire_every_us / 1000000) + (time_t)(ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        pthread_mutex_lock(&g->mu);
        if (!g->stop)
            pthread_cond_timedwait(&g->cv, &g->mu, &ts);
        int stop = g->stop;
        pthread_mutex_unlock(&g->mu);
        if (stop)
            break;
        og_ctx ctx;
        int n = 0;
        memset(&ctx, 0, sizeof(ctx));
        ctx.store = og_store_pool_get(g->pool);
        ctx.keys = g->keys;
        ctx.data_dir = g->data_dir;
        og_actor_system(&ctx.actor, "gate");
        /* Of several nodes on one database, the lease's holder expires items (another takes over
         * once a dead holder's lease runs out); each expiry re-checks its item's state under the
         * writer lock, so even a lapsed lease never expires one twice. */
        int got = 0;
        if (og_store_lease_take(
                ctx.store, EXPIRY_LEASE, og_node_id(),
                g->expire_every_us * 3 > 30000000 ? g->expire_every_us * 3 : 30000000, &got) < 0)
            fprintf(stderr, "opsgate: gate expiry: %s\n", og_error_last());
        else if (got && og_gate_expire(&ctx, &n) < 0)
            fprintf(stderr, "opsgate: gate expiry: %s\n", og_error_last());
        if (og_time_mono_us() >= g->next_retrain_us) {
            g->next_retrain_us = og_time_mono_us() + g->retrain_every_us;
            og_actor_system(&ctx.actor, "infer");
            if (og_infer_train(&ctx, NULL, NULL) < 0)
                fprintf(stderr, "opsgate: retraining the models: %s\n", og_error_last());
        }
        og_store_pool_put(g->pool, ctx.store);
    }
    og_store *s = og_store_pool_get(g->pool);
    og_store_lease_release(s, EXPIRY_LEASE, og_node_id());
    og_store_pool_put(g->pool, s);
    return NULL;
}

int og_gate_server_start(og_store_pool *pool, og_keyring *keys, const char *data_dir, void **handle)
{
    int error = -1;
    gate_server *g = NULL;
    og_events_config cfg;
    *handle = NULL;
    g = calloc(1, sizeof(*g));
    if (!g)
        return og_error_set(OG_ERROR, "out of memory");
    g->pool = pool;
    g->keys = keys;
    g->data_dir = data_dir;
    g->expire_every_us = env_duration("OPSGATE_GATE_EXPIRE_EVERY", 10000000);
    g->retrain_every_us = env_duration("OPSGATE_INFER_RETRAIN_EVERY", (int64_t)24 * 3600 * 1000000);
    g->next_retrain_us = og_time_mono_us() + g->retrain_every_us;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    memset(&cfg, 0, sizeof(cfg));
    cfg.workers = env_int("OPSGATE_EVENTS_WORKERS", 2, 64);
    cfg.max_attempts = env_int("OPSGATE_EVENTS_MAX_ATTEMPTS", 8, 1000);
    cfg.backoff_base_us = env_duration("OPSGATE_EVENTS_BACKOFF", 1000000);
    cfg.backoff_max_us = env_duration("OPSGATE_EVENTS_BACKOFF_MAX", 600000000);
    if ((error = og_events_start(&g->events, pool, keys, data_dir, &cfg)) < 0)
        goto cleanup;
    if (pthread_create(&g->timer, NULL, timer_main, g) != 0) {
        error = og_error_set(OG_ERROR, "cannot start the gate expiry timer");
        goto cleanup;
    }
    g->timer_started = 1;
    *handle = g;
    g = NULL;
    error = 0;
cleanup:
    og_gate_server_stop(g);
    return error;
}

void og_gate_server_stop(void *handle)
{
    gate_server *g = handle;
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stop = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    if (g->timer_started)
        pthread_join(g->timer, NULL);
    og_events_stop(g->events);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}
