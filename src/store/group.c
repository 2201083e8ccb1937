/* group.c - group commit: writers of one SQLite database in this process share a transaction and
 * the fsync of its commit (og_store_group_commit, store.h). */
#include "opsgate/error.h"
#include "opsgate/util.h"
#include "store/store_internal.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * Callers queue a request (on their own stack: it stays borrowed while they wait). Whoever finds
 * no batch in flight leads: it takes the whole queue, runs each member's fn in one transaction on
 * its own connection (each fn's level a savepoint) and commits once; meanwhile new callers queue
 * for the next batch. A batch of one is a plain call of fn, whose level is then the transaction.
 *
 * The members of a batch all return at once when it commits, and the first back becomes the next
 * leader: taking the queue at once would commit that one alone while the others queue behind it.
 * So a leader first gathers, as the audit writer does (src/audit/append.c): it waits until as
 * many requests queue as the last batch held, at most GATHER_US and at most a quarter of the last
 * batch's time, then takes what is there. A lone sequential writer never waits (last batch: 1).
 *
 * A member whose fn fails has rolled back its own level; the others go on. A failure that takes
 * the whole transaction with it (SQLite rolls back by itself on a full disk, an I/O error, out
 * of memory) is noticed right after that fn (the backend is outside a transaction again): the
 * leader rolls back, calls undo for the members that had succeeded and runs them and the ones
 * not yet run in a new transaction. Each round drops at least the member that broke it.
 */
#define GATHER_US 2000
#define MSG_MAX   1024
enum { PENDING, RAN, FAILED };

/* A failure as the thread that ran into it sees it, to hand to another thread. */
typedef struct failure {
    int rc;
    char err[MSG_MAX];
    const char *detail; /* a string literal, or NULL */
    char detail_arg[256];
} failure;

typedef struct group_req {
    og_store_group_fn fn;
    void (*undo)(void *arg);
    void *arg;
    int rc;
    int state; /* the leader's: PENDING, RAN (in the transaction under way), FAILED */
    int done;  /* set under the group's lock once the batch is over */
    failure fail;
    struct group_req *next;
} group_req;

struct og_store__group {
    char *key; /* the database file's real path */
    int refs;
    og_store__group *next; /* in the registry */
    pthread_mutex_t mu;
    pthread_cond_t cv;        /* a batch is done */
    pthread_cond_t gather_cv; /* a request queued (the leader may be gathering) */
    group_req *head, *tail;
    int queued, leading;
    int last_batch;
    int64_t last_batch_us;
    int64_t commits, members, reruns;
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static og_store__group *registry;

og_store__group *og_store__group_acquire(const char *location)
{
    char real[PATH_MAX];
    og_store__group *g;
    if (!location || !*location || location[0] == ':' || strncmp(location, "file:", 5) == 0 ||
        !realpath(location, real))
        return NULL; /* in memory, a URI, or no file: nobody to share with */
    pthread_mutex_lock(&registry_mu);
    for (g = registry; g; g = g->next)
        if (strcmp(g->key, real) == 0)
            break;
    if (!g && (g = calloc(1, sizeof(*g))) != NULL) {
        if (!(g->key = strdup(real))) {
            free(g);
            g = NULL;
        } else {
            pthread_condattr_t ca;
            pthread_mutex_init(&g->mu, NULL);
            pthread_cond_init(&g->cv, NULL);
            pthread_condattr_init(&ca);
            pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
            pthread_cond_init(&g->gather_cv, &ca);
            pthread_condattr_destroy(&ca);
            g->next = registry;
            registry = g;
        }
    }
    if (g)
        g->refs++;
    pthread_mutex_unlock(&registry_mu);
    return g; /* NULL when out of memory: its writers commit alone, as before */
}

void og_store__group_release(og_store__group *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&registry_mu);
    if (--g->refs > 0) {
        pthread_mutex_unlock(&registry_mu);
        return;
    }
    for (og_store__group **pp = &registry; *pp; pp = &(*pp)->next)
        if (*pp == g) {
            *pp = g->next;
            break;
        }
    pthread_mutex_unlock(&registry_mu);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    pthread_cond_destroy(&g->gather_cv);
    free(g->key);
    free(g);
}

static void failure_take(failure *f, int rc)
{
    f->rc = rc;
    og_strlcpy(f->err, og_error_last(), sizeof(f->err));
    f->detail = og_error_detail()[0] ? og_error_detail() : NULL;
    og_strlcpy(f->detail_arg, og_error_detail_arg(), sizeof(f->detail_arg));
}

/* The failure just reported on the leader's thread, kept for the member's own thread. */
static void req_fail(group_req *r, int rc)
{
    failure_take(&r->fail, rc);
    r->rc = rc;
}

/* Roll s back to outside any transaction (levels fn left open included). */
static void rollback_all(og_store *s)
{
    while (og_store_tx_depth(s) > 0)
        og_store_tx_rollback(s);
}

/* Run r->fn as a member of the batch's transaction on s (depth 1). 0 when it left the transaction
 * usable (it may have failed alone), -1 when the transaction is gone with it. */
static int member_run(og_store *s, group_req *r)
{
    int rc = r->fn(s, r->arg);
    if (og_store_tx_depth(s) > 1) {
        /* fn left its level open: a bug of fn; undo it whole rather than commit half */
        if (rc >= 0)
            rc = og_error_set(OG_ERROR, "a group commit member left its transaction open");
        while (og_store_tx_depth(s) > 1)
            og_store_tx_rollback(s);
    }
    if (rc < 0) {
        req_fail(r, rc);
        r->state = FAILED;
    } else {
        r->rc = rc;
        r->state = RAN;
    }
    if (og_store__tx_alive(s))
        return 0;
    if (r->state == RAN) {
        req_fail(r, og_error_set(OG_ERROR, "the transaction was rolled back under a change "
                                           "that succeeded"));
        r->state = FAILED;
    }
    return -1;
}

/* Undo the members that ran in the transaction just rolled back; they are pending again, or
 * failed with rc when rc < 0. Returns how many. */
static int64_t undo_ran(group_req *batch, int rc)
{
    int64_t n = 0;
    failure f;
    if (rc < 0)
        failure_take(&f, rc); /* before any undo can touch the message */
    for (group_req *r = batch; r; r = r->next) {
        if (r->state != RAN)
            continue;
        if (r->undo)
            r->undo(r->arg);
        r->state = PENDING;
        if (rc < 0) {
            r->fail = f;
            r->rc = rc;
            r->state = FAILED;
        }
        n++;
    }
    return n;
}

/* One round: the pending members of batch in one transaction. Returns 1 when a member broke the
 * transaction (the others are pending again, for another round), else 0. */
static int batch_round(og_store__group *g, og_store *s, group_req *batch)
{
    int rc = og_store_tx_begin(s);
    for (group_req *r = batch; r; r = r->next) {
        if (r->state != PENDING)
            continue;
        if (rc < 0) {
            req_fail(r, rc);
            r->state = FAILED;
            continue;
        }
        if (member_run(s, r) < 0) {
            /* r took the transaction with it: the others' work of this round is gone too */
            rollback_all(s);
            int64_t again = undo_ran(batch, 0);
            pthread_mutex_lock(&g->mu);
            g->reruns += again;
            pthread_mutex_unlock(&g->mu);
            return 1;
        }
    }
    if (rc == 0 && (rc = og_store_tx_commit(s)) < 0) {
        rollback_all(s);
        undo_ran(batch, rc); /* nothing of the batch is durable: every member learns why */
    }
    return 0;
}

/* fn by itself on s: its level is the transaction (or a level of the caller's). A level it left
 * open is rolled back, not committed half. */
static int run_alone(og_store *s, og_store_group_fn fn, void *arg)
{
    int depth = og_store_tx_depth(s);
    int rc = fn(s, arg);
    if (og_store_tx_depth(s) > depth) {
        if (rc >= 0)
            rc = og_error_set(OG_ERROR, "a group commit member left its transaction open");
        while (og_store_tx_depth(s) > depth)
            og_store_tx_rollback(s);
    }
    return rc;
}

/* Run the batch (the leader's request among them) on the leader's connection s. */
static void batch_run(og_store__group *g, og_store *s, group_req *batch, int n)
{
    if (n == 1) {
        /* alone: fn's own level is the transaction, its end the durable commit */
        int rc = run_alone(s, batch->fn, batch->arg);
        if (rc < 0)
            req_fail(batch, rc);
        else
            batch->rc = rc;
        return;
    }
    while (batch_round(g, s, batch))
        ;
}

/* Under g->mu, as the new leader: wait for the members of the last batch to queue again. */
static void gather(og_store__group *g)
{
    int64_t wait_us = g->last_batch_us / 4 < GATHER_US ? g->last_batch_us / 4 : GATHER_US;
    struct timespec deadline;
    if (g->queued >= g->last_batch || wait_us <= 0)
        return;
    og_time_deadline(&deadline, CLOCK_MONOTONIC, wait_us);
    while (g->queued < g->last_batch)
        if (pthread_cond_timedwait(&g->gather_cv, &g->mu, &deadline) == ETIMEDOUT)
            break;
}

int og_store_group_commit(og_store *s, og_store_group_fn fn, void (*undo)(void *arg), void *arg)
{
    og_store__group *g = og_store__group_of(s);
    if (!fn)
        return og_error_set(OG_EINVAL, "a group commit needs a function to run");
    if (!g || og_store_tx_depth(s) > 0)
        return run_alone(s, fn, arg); /* no group, or nested in the caller's transaction */
    group_req me = {.fn = fn, .undo = undo, .arg = arg};
    pthread_mutex_lock(&g->mu);
    if (g->tail)
        g->tail->next = &me;
    else
        g->head = &me;
    g->tail = &me;
    g->queued++;
    pthread_cond_signal(&g->gather_cv);
    while (!me.done) {
        if (g->leading) {
            pthread_cond_wait(&g->cv, &g->mu);
            continue;
        }
        g->leading = 1;
        gather(g);
        group_req *batch = g->head;
        int n = g->queued;
        g->head = g->tail = NULL;
        g->queued = 0;
        pthread_mutex_unlock(&g->mu);
        int64_t t0 = og_time_mono_us();
        batch_run(g, s, batch, n);
        int64_t took = og_time_mono_us() - t0;
        pthread_mutex_lock(&g->mu);
        g->commits++;
        g->members += n;
        g->last_batch = n;
        g->last_batch_us = took;
        for (group_req *r = batch, *next; r; r = next) {
            next = r->next; /* r may return and vanish once done is set and the lock is free */
            r->done = 1;
        }
        g->leading = 0;
        pthread_cond_broadcast(&g->cv);
    }
    pthread_mutex_unlock(&g->mu);
    if (me.rc < 0) {
        og_error_set(me.rc, "%s", me.fail.err);
        if (me.fail.detail && me.fail.detail_arg[0])
            og_error_set_detail_arg(me.fail.detail, me.fail.detail_arg);
        else if (me.fail.detail)
            og_error_set_detail(me.fail.detail);
    }
    return me.rc;
}

void og_store_group_stats(og_store *s, int64_t *commits, int64_t *members, int64_t *reruns)
{
    og_store__group *g = og_store__group_of(s);
    int64_t c = 0, m = 0, r = 0;
    if (g) {
        pthread_mutex_lock(&g->mu);
        c = g->commits;
        m = g->members;
        r = g->reruns;
        pthread_mutex_unlock(&g->mu);
    }
    if (commits)
        *commits = c;
    if (members)
        *members = m;
    if (reruns)
        *reruns = r;
}
