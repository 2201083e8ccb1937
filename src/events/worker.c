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

#define MAX_HANDLERS  32
#define FANOUT_BATCH  500
#define DELIVER_BATCH 16

typedef struct subscription {
    char name[64];
    char pattern[64];
    og_event_handler_fn fn;
    void *arg;
} subscription;

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
static size_t subs_snapshot(subscription out[MAX_HANDLERS])
{
    pthread_mutex_lock(&reg_mu);
    size_t n = nsubs;
    memcpy(out, subs, n * sizeof(subs[0]));
    pthread_mutex_unlock(&reg_mu);
    return n;
}

static bool pattern_match(const char *pattern, const char *type)
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
        cfg->poll_us = 200000;
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

/* Give one handler delivery rows for the events past its cursor that match its pattern. */
static int fanout_one(og_store *s, const subscription *sub, int *made)
{
    int error = -1;
    og_stmt *cur = NULL, *ev = NULL, *ins = NULL, *put = NULL;
    int64_t last = 0, seen = 0;
    char now[OG_TIME_LEN];
    int64_t now_us = og_time_now_us();
    og_time_format(now_us, now);
    /* The handler's cursor is read, then moved: one fan-out per handler at a time across the
     * nodes (PostgreSQL: a lock named for it; other writers go on). Events commit in seq order
     * (og_event_emit), so a cursor never passes an event that commits later. */
    char key[96];
    snprintf(key, sizeof(key), "events:fanout:%.63s", sub->name);
    if ((error = og_store_tx_begin_scope(s, key)) < 0)
        return error;
    if ((error = og_stmt_prepare(&cur, s, "SELECT last_seq FROM event_cursors WHERE handler = ?")) <
        0)
        goto cleanup;
    og_stmt_bind_text(cur, 1, sub->name);
    if ((error = og_stmt_step(cur)) < 0)
        goto cleanup;
    if (error == OG_ROW)
        last = og_stmt_col_int(cur, 0);
    seen = last;
    if ((error = og_stmt_prepare(&ev, s,
                                 "SELECT seq, id, type FROM events WHERE seq > ? ORDER BY seq"
                                 " LIMIT 500")) < 0 ||
        (error = og_stmt_prepare(&ins, s,
                                 "INSERT INTO event_deliveries (event_id, handler, state, attempts,"
                                 " next_us, updated_at) VALUES (?, ?, 'pending', 0, ?, ?)"
                                 " ON CONFLICT (event_id, handler) DO NOTHING")) < 0)
        goto cleanup;
    og_stmt_bind_int(ev, 1, last);
    int rc;
    while ((rc = og_stmt_step(ev)) == OG_ROW) {
        seen = og_stmt_col_int(ev, 0);
        if (!pattern_match(sub->pattern, og_stmt_col_text(ev, 2)))
            continue;
        og_stmt_reset(ins);
        og_stmt_bind_text(ins, 1, og_stmt_col_text(ev, 1));
        og_stmt_bind_text(ins, 2, sub->name);
        og_stmt_bind_int(ins, 3, now_us);
        og_stmt_bind_text(ins, 4, now);
        if ((error = og_stmt_step(ins)) < 0)
            goto cleanup;
        (*made)++;
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if (seen != last) {
        if ((error = og_stmt_prepare(&put, s,
                                     "INSERT INTO event_cursors (handler, last_seq) VALUES (?, ?)"
                                     " ON CONFLICT (handler) DO UPDATE SET last_seq ="
                                     " excluded.last_seq")) < 0)
            goto cleanup;
        og_stmt_bind_text(put, 1, sub->name);
        og_stmt_bind_int(put, 2, seen);
        if ((error = og_stmt_step(put)) < 0)
            goto cleanup;
    }
    error = 0;
cleanup:
    og_stmt_free(cur);
    og_stmt_free(ev);
    og_stmt_free(ins);
    og_stmt_free(put);
    return og_store_tx_end(s, error);
}

/* The oldest due delivery of a handler (?1) at ?2, or the oldest whose lease ran out; on
 * PostgreSQL locked, skipping rows another node is claiming right now. */
static const og_sql_dialects DUE_SQL = {
    "SELECT event_id, attempts FROM event_deliveries WHERE handler = ?1 AND state = 'pending'"
    " AND next_us <= ?2 ORDER BY next_us LIMIT 1",
    "SELECT event_id, attempts FROM event_deliveries WHERE handler = ?1 AND state = 'pending'"
    " AND next_us <= ?2 ORDER BY next_us LIMIT 1 FOR UPDATE SKIP LOCKED"};
static const og_sql_dialects LAPSED_SQL = {
    "SELECT event_id, attempts FROM event_deliveries WHERE handler = ?1 AND state = 'running'"
    " AND lease_us <= ?2 ORDER BY lease_us LIMIT 1",
    "SELECT event_id, attempts FROM event_deliveries WHERE handler = ?1 AND state = 'running'"
    " AND lease_us <= ?2 ORDER BY lease_us LIMIT 1 FOR UPDATE SKIP LOCKED"};

/* Claim one due delivery of a handler for cfg->node: *got = 1 and its event id and attempt
 * number. Two searches of event_deliveries_due (handler, state, next_us), not one OR: with the OR
 * SQLite walked every delivery the handler ever had, done ones included, on every poll of every
 * worker (bench_console: half of an idle server's CPU after 4,000 events). */
static int claim(og_store *s, const subscription *sub, const og_events_config *cfg,
                 char event_id[OG_ID_LEN], int *attempt, int *got)
{
    int error = -1;
    og_stmt *sel = NULL;
    int64_t now = og_time_now_us(), before = 0;
    char now_s[OG_TIME_LEN];
    *got = 0;
    og_time_format(now, now_s);
    /* Scoped (no key): on PostgreSQL the claims of several nodes and every other writer run side
     * by side, the row locks keep a delivery to one claimant; SQLite has one writer. */
    if ((error = og_store_tx_begin_scope(s, NULL)) < 0)
        return error;
    for (int q = 0; q < 2 && error != OG_ROW; q++) {
        og_stmt_free(sel);
        sel = NULL;
        if ((error = og_stmt_prepare_dialect(&sel, s, q == 0 ? &DUE_SQL : &LAPSED_SQL)) < 0)
            goto cleanup;
        og_stmt_bind_text(sel, 1, sub->name);
        og_stmt_bind_int(sel, 2, now);
        if ((error = og_stmt_step(sel)) < 0)
            goto cleanup;
    }
    if (error == OG_ROW) {
        og_strlcpy(event_id, og_stmt_col_text(sel, 0), OG_ID_LEN);
        before = og_stmt_col_int(sel, 1);
        *attempt = (int)before + 1;
        /* attempts unchanged: nobody claimed it between the search and here */
        if ((error = og_store_run(s,
                                  "UPDATE event_deliveries SET state = 'running', attempts = ?,"
                                  " lease_us = ?, lease_owner = ?, updated_at = ? WHERE"
                                  " event_id = ? AND handler = ? AND attempts = ?",
                                  "iitttti", (int64_t)*attempt, (int64_t)(now + cfg->lease_us),
                                  cfg->node, now_s, event_id, sub->name, before)) < 0)
            goto cleanup;
        *got = og_store_changes(s) == 1;
    }
    error = 0;
cleanup:
    og_stmt_free(sel);
    return og_store_tx_end(s, error);
}

/* Load an event; ev->payload is owned by the caller (json_decref). */
static int load_event(og_store *s, const char *id, og_event *ev)
{
    og_stmt *st = NULL;
    int error;
    memset(ev, 0, sizeof(*ev));
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT id, type, COALESCE(tenant_id, ''), payload, created_at"
                                 " FROM events WHERE id = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, id);
    error = og_stmt_step(st);
    if (error == OG_ROW) {
        og_strlcpy(ev->id, og_stmt_col_text(st, 0), sizeof(ev->id));
        og_strlcpy(ev->type, og_stmt_col_text(st, 1), sizeof(ev->type));
        og_strlcpy(ev->tenant_id, og_stmt_col_text(st, 2), sizeof(ev->tenant_id));
        ev->payload = json_loads(og_stmt_col_text(st, 3), 0, NULL);
        if (!ev->payload)
            ev->payload = json_object();
        og_strlcpy(ev->created_at, og_stmt_col_text(st, 4), sizeof(ev->created_at));
        error = 0;
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "event '%s' not found", id);
    }
    og_stmt_free(st);
    return error;
}

/* Let go of a claimed delivery: its state (done, pending or dead), when it is due next, its
 * error, and whether the attempt counts (uncount: handed back without being tried). Only while
 * the lease is still ours: one that ran out may have been taken over by another node (or
 * worker), whose outcome is the one to keep. */
static int release(og_store *s, const subscription *sub, const og_events_config *cfg,
                   const char *event_id, int attempt, const char *state, int64_t next_us,
                   const char *error_msg, int uncount)
{
    char now_s[OG_TIME_LEN];
    og_time_format(og_time_now_us(), now_s);
    int error = og_store_run(s,
                             "UPDATE event_deliveries SET state = ?, next_us = ?,"
                             " attempts = attempts - ?, lease_us = 0, lease_owner = NULL,"
                             " last_error = ?, updated_at = ? WHERE event_id = ? AND handler = ?"
                             " AND state = 'running' AND lease_owner = ? AND attempts = ?",
                             "tiittttti", state, next_us, (int64_t)(uncount ? 1 : 0), error_msg,
                             now_s, event_id, sub->name, cfg->node, (int64_t)attempt);
    return error < 0 ? error : 0;
}

/* Record how a delivery ended: done, or pending again after a backoff, or dead. */
static int finish(og_store *s, const subscription *sub, const og_events_config *cfg,
                  const char *event_id, int attempt, int rc, const char *msg)
{
    const char *state = "done";
    int64_t now = og_time_now_us(), next = now;
    if (rc < 0) {
        if (attempt >= cfg->max_attempts) {
            state = "dead";
        } else {
            state = "pending";
            next = now + og_events__backoff_us(cfg, attempt, (double)random() / RAND_MAX);
        }
    }
    return release(s, sub, cfg, event_id, attempt, state, next, rc < 0 ? msg : NULL, 0);
}

/* A delivery for a tenant whose key is revoked or withdrawn goes back to pending, its attempt not
 * counted, to be tried again in KEY_LOCKED_RETRY_US: a handler would only hit the lock, and a
 * client's withdrawn key must not use up the delivery's attempts and make it dead. */
#define KEY_LOCKED_RETRY_US (5LL * 60 * 1000000)
static int put_back(og_store *s, const subscription *sub, const og_events_config *cfg,
                    const char *event_id, int attempt, const char *msg)
{
    return release(s, sub, cfg, event_id, attempt, "pending",
                   og_time_now_us() + KEY_LOCKED_RETRY_US, msg, 1);
}

/* Run one claimed delivery. The handler's failure is the delivery's business, not the pass's:
 * only a failure to record the outcome is returned. */
static int deliver(og_ctx *base, const subscription *sub, const og_events_config *cfg,
                   const char *event_id, int attempt, int *delivered)
{
    og_event ev;
    og_ctx ctx;
    char msg[512];
    int rc = load_event(base->store, event_id, &ev);
    if (rc == 0 && ev.tenant_id[0] &&
        (rc = og_crypto_job_check(base->store, ev.tenant_id, "events.delivery")) < 0) {
        json_decref(ev.payload);
        if (rc != OG_ELOCKED)
            return rc;
        og_strlcpy(msg, og_error_last(), sizeof(msg));
        return put_back(base->store, sub, cfg, event_id, attempt, msg);
    }
    if (rc == 0) {
        ev.attempt = attempt;
        memset(&ctx, 0, sizeof(ctx));
        ctx.store = base->store;
        ctx.keys = base->keys;
        ctx.data_dir = base->data_dir;
        og_actor_system(&ctx.actor, "events");
        og_strlcpy(ctx.event_id, ev.id, sizeof(ctx.event_id));
        og_error_clear();
        rc = sub->fn(&ctx, &ev, sub->arg);
        /* A handler that returned with its transaction open must not leak it into ours. */
        while (og_store_tx_depth(base->store) > 0)
            og_store_tx_rollback(base->store);
        json_decref(ev.payload);
    }
    if (rc < 0) {
        const char *m = og_error_last();
        og_strlcpy(msg, m && *m ? m : og_error_name(rc), sizeof(msg));
    } else {
        msg[0] = '\0';
        (*delivered)++;
    }
    return finish(base->store, sub, cfg, event_id, attempt, rc, msg);
}

/* One pass: fan out, then deliver up to a batch of due deliveries per handler. *work counts
 * deliveries attempted. */
/* Handler i of snap by name, or n. */
static size_t sub_index(const subscription *snap, size_t n, const char *name)
{
    size_t i = 0;
    while (i < n && strcmp(snap[i].name, name) != 0)
        i++;
    return i;
}

/* What a pass has to do, from three reads outside any transaction, so that an idle pass costs
 * three queries, not two transactions per handler (every worker of every node polls): fan[i]
 * when handler i's cursor is behind the outbox, due[i] when it has a delivery due or a lease run
 * out (the partial indexes of events schema step 2 hold only such rows). */
static int survey(og_store *s, const subscription *snap, size_t n, int64_t now, bool fan[],
                  bool due[])
{
    og_stmt *st = NULL;
    int64_t max = 0;
    int error, rc;
    if ((error = og_stmt_prepare(&st, s, "SELECT COALESCE(MAX(seq), 0) FROM events")) < 0)
        return error;
    if ((rc = og_stmt_step(st)) == OG_ROW)
        max = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        fan[i] = max > 0; /* no cursor yet: behind as soon as there is an event */
        due[i] = false;
    }
    if ((error = og_stmt_prepare(&st, s, "SELECT handler, last_seq FROM event_cursors")) < 0)
        return error;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        size_t i = sub_index(snap, n, og_stmt_col_text(st, 0));
        if (i < n)
            fan[i] = og_stmt_col_int(st, 1) < max;
    }
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    if ((error = og_stmt_prepare_args(&st, s,
                                      "SELECT handler FROM event_deliveries WHERE state = 'pending'"
                                      " AND next_us <= ?1 UNION SELECT handler FROM"
                                      " event_deliveries WHERE state = 'running' AND"
                                      " lease_us <= ?1",
                                      "i", now)) < 0)
        return error;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        size_t i = sub_index(snap, n, og_stmt_col_text(st, 0));
        if (i < n)
            due[i] = true;
    }
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

/* One pass: fan out, then deliver up to a batch of due deliveries per handler. *work counts
 * deliveries attempted. */
static int pass(og_ctx *ctx, const og_events_config *cfg, int *delivered, int *work)
{
    subscription snap[MAX_HANDLERS];
    bool fan[MAX_HANDLERS], due[MAX_HANDLERS];
    size_t n = subs_snapshot(snap);
    int error = 0;
    if (n == 0)
        return 0;
    if ((error = survey(ctx->store, snap, n, og_time_now_us(), fan, due)) < 0)
        return error;
    for (size_t i = 0; i < n; i++) {
        int made = 0;
        if (fan[i] && (error = fanout_one(ctx->store, &snap[i], &made)) < 0)
            return error;
        if (made > 0)
            due[i] = true; /* new deliveries are due at once */
    }
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; due[i] && k < DELIVER_BATCH; k++) {
            char id[OG_ID_LEN];
            int attempt = 0, got = 0;
            if ((error = claim(ctx->store, &snap[i], cfg, id, &attempt, &got)) < 0)
                return error;
            if (!got)
                break;
            (*work)++;
            if ((error = deliver(ctx, &snap[i], cfg, id, attempt, delivered)) < 0)
                return error;
        }
    }
    return 0;
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
    error = pass(ctx, &cfg, &d, &work);
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
    int nthreads;
    pthread_t *threads;
};

static void *worker_main(void *arg)
{
    og_events *e = arg;
    for (;;) {
        pthread_mutex_lock(&e->mu);
        int stop = e->stop;
        pthread_mutex_unlock(&e->mu);
        if (stop)
            break;
        og_ctx ctx;
        int delivered = 0, work = 0;
        memset(&ctx, 0, sizeof(ctx));
        ctx.store = og_store_pool_get(e->pool);
        ctx.keys = e->keys;
        ctx.data_dir = e->data_dir;
        og_actor_system(&ctx.actor, "events");
        /* A failed pass (database busy, disk full) is retried on the next tick; the rows are
         * durable, so nothing is lost by giving up on this one. */
        (void)pass(&ctx, &e->cfg, &delivered, &work);
        og_store_pool_put(e->pool, ctx.store);
        if (work > 0)
            continue;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (e->cfg.poll_us % 1000000) * 1000;
        ts.tv_sec += (time_t)(e->cfg.poll_us / 1000000) + (time_t)(ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        pthread_mutex_lock(&e->mu);
        if (!e->stop)
            pthread_cond_timedwait(&e->cv, &e->mu, &ts);
        pthread_mutex_unlock(&e->mu);
    }
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
