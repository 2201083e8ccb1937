/* writer.c - the group-commit writer for standalone records (og_audit_writer): concurrent callers'
 * records appended in one transaction, one fsync for them all. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Callers prepare their record on their own thread (checked, its analysis and the head of its
 * canonical JSON written: og_audit__item_prepare), so that a bad record fails at once, alone, and
 * the leader's work is only what depends on the chain. Then they queue the request (on their own
 * stack: the record stays borrowed while they wait). Whoever finds no batch in flight becomes the
 * leader: it takes the whole queue and appends every record in one transaction, committed once:
 * one fsync for the batch (og_audit__batch_commit: each chain's head read once, the names once per
 * chain and target, no savepoint per record; record by record when one fails). Meanwhile new
 * callers queue up for the next batch.
 *
 * The callers of a batch all return at once when it commits, and the first of them back becomes
 * the next leader: taking the queue right away would commit that one record alone while the
 * others queue behind it, halving the batch. So a leader first gathers: it waits until as many
 * requests queue as the last batch held, at most GATHER_US and at most a quarter of the last
 * batch's time (short commits wait less), then takes whatever is there.
 *
 * Wake-ups are counted: each waiting caller sleeps on a semaphore of its own, posted once, after
 * the leader has let go of the lock, either because its record is done or because it is to lead
 * the next batch (the first request queued during a batch); the gathering leader is woken only
 * when enough requests have queued, not by each one. Waking every waiter for each batch (a
 * broadcast) made the callers fight over the lock: a quarter of the CPU of 8 writers on 2 CPUs.
 */
#define GATHER_US 2000
enum { WAITING, DONE, LEAD };
typedef struct writer_req {
    og_audit__item it; /* it.next links the queue */
    int state;         /* WAITING until posted: DONE, or LEAD the next batch */
    sem_t sem;
} writer_req;

struct og_audit_writer {
    og_store *s;
    og_audit__appender app;
    pthread_mutex_t mu;
    pthread_cond_t gather_cv; /* gather_want requests queued */
    og_audit__item *head, *tail;
    int queued, leading;
    int gather_want;       /* > 0: the leader is gathering until that many are queued */
    int last_batch;        /* records in the last batch */
    int64_t last_batch_us; /* how long it took, commit included */
    int64_t commits,
        records; /* batches committed and the records in them (og_audit__writer_stats) */
};

int og_audit_writer_open(og_audit_writer **out, const char *url)
{
    int error = -1;
    og_audit_writer *w = calloc(1, sizeof(*w));
    *out = NULL;
    if (!w)
        return og_error_set(OG_ERROR, "out of memory");
    pthread_condattr_t ca;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->gather_cv, &ca);
    pthread_condattr_destroy(&ca);
    if ((error = og_store_open(&w->s, url, 0)) < 0 ||
        (error = og_audit__appender_init(&w->app, w->s)) < 0) {
        og_audit_writer_close(w);
        return error;
    }
    *out = w;
    return 0;
}

void og_audit_writer_close(og_audit_writer *w)
{
    if (!w)
        return;
    og_audit__appender_free(&w->app);
    og_store_close(w->s);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->gather_cv);
    free(w);
}

/* Under w->mu, as the new leader: wait for the callers of the last batch to queue again. */
static void writer_gather(og_audit_writer *w)
{
    int64_t wait_us = w->last_batch_us / 4 < GATHER_US ? w->last_batch_us / 4 : GATHER_US;
    struct timespec deadline;
    if (w->queued >= w->last_batch || wait_us <= 0)
        return;
    og_time_deadline(&deadline, CLOCK_MONOTONIC, wait_us);
    w->gather_want = w->last_batch;
    while (w->queued < w->last_batch)
        if (pthread_cond_timedwait(&w->gather_cv, &w->mu, &deadline) == ETIMEDOUT)
            break;
    w->gather_want = 0;
}

/* Lead from under w->mu: take the queue, run it as one batch, hand the lead on, post its callers;
 * returns with w->mu released. */
static void writer_lead(og_audit_writer *w, writer_req *me)
{
    writer_gather(w);
    og_audit__item *batch = w->head;
    int n = w->queued;
    w->head = w->tail = NULL;
    w->queued = 0;
    pthread_mutex_unlock(&w->mu);
    int64_t t0 = og_time_mono_us();
    og_audit__batch_commit(&w->app, batch);
    int64_t took = og_time_mono_us() - t0;
    pthread_mutex_lock(&w->mu);
    w->commits++;
    w->records += n;
    w->last_batch = n;
    w->last_batch_us = took;
    /* The first request queued meanwhile leads the next batch; else the next caller will. */
    writer_req *next = (writer_req *)w->head;
    w->leading = next != NULL;
    pthread_mutex_unlock(&w->mu);
    for (og_audit__item *it = batch, *after; it; it = after) {
        writer_req *r = (writer_req *)it;
        after = it->next; /* r may return and vanish once posted */
        if (r == me)
            continue;
        r->state = DONE;
        sem_post(&r->sem);
    }
    if (next) {
        next->state = LEAD;
        sem_post(&next->sem);
    }
}

int og_audit_append_durable(og_audit_writer *w, const og_actor *actor, const char *event_id,
                            const og_audit_rec *rec, int64_t *out_seq)
{
    writer_req me;
    int rc = og_audit__item_prepare(&me.it, actor, event_id, rec);
    if (rc < 0)
        return rc; /* a bad record fails at once, alone */
    me.state = WAITING;
    sem_init(&me.sem, 0, 0);
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = &me.it;
    else
        w->head = &me.it;
    w->tail = &me.it;
    w->queued++;
    if (w->gather_want > 0 && w->queued >= w->gather_want)
        pthread_cond_signal(&w->gather_cv);
    if (!w->leading) {
        w->leading = 1;
        writer_lead(w, &me);
    } else {
        pthread_mutex_unlock(&w->mu);
        while (sem_wait(&me.sem) < 0 && errno == EINTR)
            ;
        if (me.state == LEAD) { /* w->leading was kept set for it */
            pthread_mutex_lock(&w->mu);
            writer_lead(w, &me);
        }
    }
    sem_destroy(&me.sem);
    rc = me.it.rc;
    if (rc < 0)
        og_error_set(rc, "%s", me.it.err);
    else if (out_seq)
        *out_seq = me.it.seq;
    og_audit__item_free(&me.it);
    return rc;
}

void og_audit__writer_stats(og_audit_writer *w, int64_t *commits, int64_t *records)
{
    pthread_mutex_lock(&w->mu);
    *commits = w->commits;
    *records = w->records;
    pthread_mutex_unlock(&w->mu);
}
