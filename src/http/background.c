/* background.c - the server's periodic jobs (audit checkpoints, and what later modules add), run
 * on one thread that wakes for the next due job and stops promptly at shutdown. */
#include "http/background.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int job_audit_checkpoint(og_ctx *ctx)
{
    int made = 0;
    int rc = og_audit_checkpoint_all(ctx, &made);
    if (rc == 0 && made > 0)
        fprintf(stderr, "opsgate: audit: signed %d checkpoint%s\n", made, made == 1 ? "" : "s");
    return rc;
}

static void *background_main(void *arg)
{
    og_http_background *bg = arg;
    pthread_mutex_lock(&bg->mu);
    while (!bg->stop) {
        int64_t now = og_time_mono_us();
        int64_t next = now + 3600LL * 1000000;
        for (size_t i = 0; i < bg->njobs; i++) {
            og_http_job *j = &bg->jobs[i];
            if (j->next_us <= now) {
                pthread_mutex_unlock(&bg->mu);
                og_store *s = og_store_pool_get(bg->pool);
                og_ctx ctx;
                memset(&ctx, 0, sizeof(ctx));
                ctx.store = s;
                ctx.keys = bg->keys;
                ctx.data_dir = bg->data_dir;
                og_actor_system(&ctx.actor, j->component);
                if (j->run(&ctx) < 0)
                    fprintf(stderr, "opsgate: %s: %s\n", j->name, og_error_last());
                og_store_pool_put(bg->pool, s);
                pthread_mutex_lock(&bg->mu);
                j->next_us = og_time_mono_us() + j->every_us;
            }
            if (j->next_us < next)
                next = j->next_us;
        }
        if (bg->stop)
            break;
        /* Sleep until the next job is due, or until stop is signalled. */
        int64_t wait_us = next - og_time_mono_us();
        if (wait_us > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += (time_t)(wait_us / 1000000);
            ts.tv_nsec += (long)(wait_us % 1000000) * 1000;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&bg->cv, &bg->mu, &ts);
        }
    }
    pthread_mutex_unlock(&bg->mu);
    return NULL;
}

int og_http__background_add(og_http_background *bg, const char *name, const char *component,
                            int64_t every_us, og_http_job_fn run)
{
    if (bg->njobs >= OG_HTTP_MAX_JOBS)
        return og_error_set(OG_ERROR, "too many background jobs");
    og_http_job *j = &bg->jobs[bg->njobs++];
    j->name = name;
    j->component = component;
    j->every_us = every_us;
    j->run = run;
    j->next_us = og_time_mono_us() + every_us;
    return 0;
}

int og_http__background_start(og_http_background *bg, og_store_pool *pool, og_keyring *keys,
                              const char *data_dir, int64_t checkpoint_every_us)
{
    pthread_condattr_t ca;
    bg->pool = pool;
    bg->keys = keys;
    bg->data_dir = data_dir;
    pthread_mutex_init(&bg->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&bg->cv, &ca);
    pthread_condattr_destroy(&ca);
    bg->initialised = 1;
    if (checkpoint_every_us > 0)
        og_http__background_add(bg, "audit checkpoint", "audit", checkpoint_every_us,
                                job_audit_checkpoint);
    /* Due scheduled certificate scans, then expiry alerts for every tenant. */
    og_http__background_add(bg, "certificate schedules", "scheduler", 60LL * 1000000,
                            og_certs_scheduler_job);
    if (pthread_create(&bg->thread, NULL, background_main, bg) != 0)
        return og_error_set(OG_ERROR, "cannot start the background thread: %s", strerror(errno));
    bg->running = 1;
    return 0;
}

void og_http__background_stop(og_http_background *bg)
{
    if (!bg->initialised)
        return;
    if (bg->running) {
        pthread_mutex_lock(&bg->mu);
        bg->stop = 1;
        pthread_cond_signal(&bg->cv);
        pthread_mutex_unlock(&bg->mu);
        pthread_join(bg->thread, NULL);
        bg->running = 0;
    }
    pthread_mutex_destroy(&bg->mu);
    pthread_cond_destroy(&bg->cv);
    bg->initialised = 0;
}
