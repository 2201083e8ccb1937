/* background.c - the server's periodic jobs (audit checkpoints, scheduled certificate scans and
 * expiry alerts, ACME renewals, connector syncs, data-key re-seals), each on its own thread so that
 * a long scan or renewal never delays a checkpoint; every thread stops promptly at shutdown. Each
 * job runs under a lease (og_store_lease_take, "job:NAME"): of several nodes on one database one
 * runs it at a time, and another takes it over when the holder dies and its lease runs out. */
#include "http/background.h"
#include "opsgate/acme.h"
#include "opsgate/app.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/connector.h"
#include "opsgate/ct.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JOBS_EVERY_US      (60LL * 1000000)
#define KEY_CACHE_EVERY_US (2LL * 1000000)

/* How often the certificate jobs run: every minute, or $OPSGATE_JOBS_EVERY (a duration such as
 * "2s") so that tests and demos need not wait minutes. A bad value is ignored, and said so. */
static int64_t jobs_every_us(void)
{
    const char *v = getenv("OPSGATE_JOBS_EVERY");
    int64_t us;
    if (!v || !*v)
        return JOBS_EVERY_US;
    if (og_duration_parse(v, &us) < 0 || us <= 0) {
        fprintf(stderr, "opsgate: ignoring OPSGATE_JOBS_EVERY='%s' (not a duration such as 30s)\n",
                v);
        og_error_clear();
        return JOBS_EVERY_US;
    }
    return us;
}

static int job_audit_checkpoint(og_ctx *ctx, og_http_background *bg)
{
    int made = 0;
    int rc = og_audit_checkpoint_all_with(ctx, &bg->audit, &made);
    if (rc == OG_ECORRUPT) { /* read in the server log, by an operator on this host */
        char msg[900];
        snprintf(msg, sizeof(msg), "%s", og_error_last());
        og_error_set(rc, "%s (`opsgate audit verify` finds the damage)", msg);
    }
    if (rc == 0 && made > 0)
        fprintf(stderr, "opsgate: audit: signed %d checkpoint%s\n", made, made == 1 ? "" : "s");
    return rc;
}

static int job_acme_renewals(og_ctx *ctx)
{
    int ran = 0, failed = 0;
    int rc = og_acme_renew_due(ctx, NULL, &ran, &failed);
    if (rc == 0 && ran > 0)
        fprintf(stderr, "opsgate: acme: %d renewal%s run, %d failed\n", ran, ran == 1 ? "" : "s",
                failed);
    return rc;
}

/* Wait until the monotonic time `until_us` or until stop; returns 1 when stopping. */
static int wait_until(og_http_background *bg, int64_t until_us)
{
    pthread_mutex_lock(&bg->mu);
    while (!bg->stop) {
        int64_t left = until_us - og_time_mono_us();
        if (left <= 0)
            break;
        struct timespec ts;
        og_time_deadline(&ts, CLOCK_MONOTONIC, left);
        pthread_cond_timedwait(&bg->cv, &bg->mu, &ts);
    }
    int stop = bg->stop;
    pthread_mutex_unlock(&bg->mu);
    return stop;
}

/* How long a node holds a job's lease: three runs' worth (at least 30 s), or
 * $OPSGATE_LEASE_TTL (a duration) so that tests see a dead node's jobs taken over quickly. The
 * holder extends it at each run; another node takes the job once it runs out. */
static int64_t lease_ttl_us(int64_t every_us)
{
    const char *v = getenv("OPSGATE_LEASE_TTL");
    int64_t us;
    if (v && *v && og_duration_parse(v, &us) == 0 && us > 0)
        return us;
    og_error_clear();
    return every_us * 3 > 30000000 ? every_us * 3 : 30000000;
}

/* 1 when this node holds (or now takes) the job's lease: of several nodes on one database, one
 * runs each job at a time. A database that cannot be asked skips this run (said on stderr). */
static int job_lease(og_store *s, og_http_job *j)
{
    int got = 0;
    if (og_store_lease_take(s, j->lease, og_node_id(), lease_ttl_us(j->every_us), &got) < 0) {
        fprintf(stderr, "opsgate: %s: %s\n", j->name, og_error_last());
        return 0;
    }
    return got;
}

static void *job_main(void *arg)
{
    og_http_job *j = arg;
    og_http_background *bg = j->bg;
    snprintf(j->lease, sizeof(j->lease), "job:%s", j->name);
    while (!wait_until(bg, j->next_us)) {
        og_store *s = og_store_pool_get(bg->pool);
        if (!j->local && !job_lease(s, j)) {
            og_store_pool_put(bg->pool, s);
            j->next_us = og_time_mono_us() + j->every_us;
            continue;
        }
        og_ctx ctx;
        memset(&ctx, 0, sizeof(ctx));
        ctx.store = s;
        ctx.keys = bg->keys;
        ctx.data_dir = bg->data_dir;
        og_actor_system(&ctx.actor, j->component);
        if ((j->run_bg ? j->run_bg(&ctx, bg) : j->run(&ctx)) < 0)
            fprintf(stderr, "opsgate: %s: %s\n", j->name, og_error_last());
        og_store_pool_put(bg->pool, s);
        j->next_us = og_time_mono_us() + j->every_us;
    }
    /* Stopping: let go, so another node takes the job at its next run. */
    if (j->local)
        return NULL;
    og_store *s = og_store_pool_get(bg->pool);
    if (og_store_lease_release(s, j->lease, og_node_id()) < 0)
        fprintf(stderr, "opsgate: %s: %s\n", j->name, og_error_last());
    og_store_pool_put(bg->pool, s);
    return NULL;
}

int og_http__background_add(og_http_background *bg, const char *name, const char *component,
                            int64_t every_us, og_http_job_fn run)
{
    if (bg->njobs >= OG_HTTP_MAX_JOBS)
        return og_error_set(OG_ERROR, "too many background jobs");
    og_http_job *j = &bg->jobs[bg->njobs++];
    j->bg = bg;
    j->name = name;
    j->component = component;
    j->every_us = every_us;
    j->run = run;
    j->next_us = og_time_mono_us() + every_us;
    return 0;
}

int og_http__background_add_local(og_http_background *bg, const char *name, const char *component,
                                  int64_t every_us, og_http_job_fn run)
{
    int error = og_http__background_add(bg, name, component, every_us, run);
    if (error == 0)
        bg->jobs[bg->njobs - 1].local = 1;
    return error;
}

/* Tenants whose data key was rotated (`tenant key rotate --data-key`): their data re-sealed
 * under the new version, a bounded number of batches per tenant and run, resumable. */
static int job_datakey_reseal(og_ctx *ctx)
{
    int pending = 0;
    return og_app_datakey_work(ctx, 100, &pending);
}

/* Cached data keys past their lifetime, or of tenants whose key was revoked or destroyed by any
 * process: zeroized within seconds, not at the next request for them. */
static int job_key_cache(og_ctx *ctx)
{
    return og_keyring_cache_sweep(ctx->keys, ctx->store, NULL);
}

/* Chunk rows no object names (an upload that crashed between its chunks and its version), over
 * an hour old: another node's upload may be writing its chunks right now. Installations without
 * a data folder only (the objects are rows). */
static int job_chunks_sweep(og_ctx *ctx)
{
    int removed = 0;
    int error = og_artifacts_chunks_sweep(ctx, 3600, &removed);
    if (error == 0 && removed > 0)
        fprintf(stderr, "opsgate: removed %d chunk rows of uploads that did not finish\n", removed);
    return error;
}

static int job_session_sweep(og_ctx *ctx)
{
    return og_tenant_session_sweep(ctx, NULL);
}

int og_http__background_start(og_http_background *bg, og_store_pool *pool, og_keyring *keys,
                              const char *data_dir, int64_t checkpoint_every_us)
{
    pthread_condattr_t ca;
    int64_t every_us = jobs_every_us();
    bg->pool = pool;
    bg->keys = keys;
    bg->data_dir = data_dir;
    pthread_mutex_init(&bg->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&bg->cv, &ca);
    pthread_condattr_destroy(&ca);
    bg->initialised = 1;
    if (checkpoint_every_us > 0 &&
        og_http__background_add(bg, "audit checkpoint", "audit", checkpoint_every_us, NULL) == 0)
        bg->jobs[bg->njobs - 1].run_bg = job_audit_checkpoint;
    /* Due scheduled certificate scans, then expiry alerts for every tenant. */
    og_http__background_add(bg, "certificate schedules", "scheduler", every_us,
                            og_certs_scheduler_job);
    /* Renewals whose time has come (ARI window or two thirds of the lifetime), one at a time. */
    og_http__background_add(bg, "acme renewals", "renewer", every_us, job_acme_renewals);
    /* PSA connectors whose options.sync_interval (default 15m) has passed: an incremental pull. */
    og_http__background_add(bg, "connector syncs", "scheduler", every_us,
                            og_connector_scheduler_job);
    /* Certificate Transparency watches whose source's poll_interval (default 1h) has passed. */
    og_http__background_add(bg, "ct polls", "scheduler", every_us, og_ct_scheduler_job);
    og_http__background_add(bg, "data-key re-seal", "keys", every_us, job_datakey_reseal);
    /* Console sessions past their idle or absolute expiry: deleted and audited (session.expire). */
    og_http__background_add(bg, "console sessions", "console", every_us, job_session_sweep);
    if (!data_dir)
        og_http__background_add(bg, "artifact chunks sweep", "artifacts", 3600LL * 1000000,
                                job_chunks_sweep);
    /* every node keeps its hold on its name */
    og_http__background_add_local(bg, "node heartbeat", "node", og_http__node_ttl_us() / 3,
                                  og_http__node_heartbeat);
    /* every node sweeps its own cache */
    og_http__background_add_local(bg, "key cache", "keyring", KEY_CACHE_EVERY_US, job_key_cache);
    for (size_t i = 0; i < bg->njobs; i++) {
        if (pthread_create(&bg->jobs[i].thread, NULL, job_main, &bg->jobs[i]) != 0) {
            og_http__background_stop(bg);
            return og_error_set(OG_ERROR, "cannot start the %s thread: %s", bg->jobs[i].name,
                                strerror(errno));
        }
        bg->jobs[i].running = 1;
    }
    return 0;
}

void og_http__background_stop(og_http_background *bg)
{
    if (!bg->initialised)
        return;
    pthread_mutex_lock(&bg->mu);
    bg->stop = 1;
    pthread_cond_broadcast(&bg->cv);
    pthread_mutex_unlock(&bg->mu);
    for (size_t i = 0; i < bg->njobs; i++) {
        if (bg->jobs[i].running) {
            pthread_join(bg->jobs[i].thread, NULL);
            bg->jobs[i].running = 0;
        }
    }
    pthread_mutex_destroy(&bg->mu);
    pthread_cond_destroy(&bg->cv);
    bg->initialised = 0;
}
