/* writer.c - the group-commit writer for standalone records (og_audit_writer): concurrent callers'
 * records appended in one transaction, one fsync for them all. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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
 * Wake-ups are counted, and cheap: the requests queued for one batch all wait on one futex word
 * (of two, by the batch's number: the next batch's callers queue while one is in flight), which
 * the leader sets once the batch has committed and wakes with one call, after it has let go of
 * the lock; the first request queued during a batch is to lead the next one, so the leader also
 * sets that batch's word's lead bit and wakes one of its callers, and whichever caller of it sees
 * the bit first takes it. The gathering leader is woken only when enough requests have queued,
 * not by each one. Waking every waiter for each batch (a broadcast) made the callers fight over
 * the lock: a quarter of the CPU of 8 writers on 2 CPUs; a semaphore per caller, posted one by
 * one, cost a system call per append.
 */
#define GATHER_US 2000
typedef struct writer_req {
    og_audit__item it; /* it.next links the queue */
    uint32_t batch;    /* the number of the batch it is queued for */
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
        records;    /* batches committed and the records in them (og_audit__writer_stats) */
    uint32_t next;  /* the number of the batch the queue is for (under mu) */
    uint32_t fw[2]; /* futex words, batch b's is fw[b & 1]: the number of the last batch of that
                     * parity committed, shifted left one, and bit 0 set while the batch queued
                     * for it has no leader yet */
};

/* Whether futex word value v says batch b has committed (numbers wrap: compared as a distance). */
static int batch_done(uint32_t v, uint32_t b)
{
    return (int32_t)((v & ~1u) - (b << 1)) >= 0;
}

static void fw_wait(uint32_t *word, uint32_t v)
{
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void fw_wake(uint32_t *word, int n)
{
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* Batch b has committed: into its word, keeping the lead bit and never going back (a leader
 * preempted here may come after the next batch of the same parity has committed). */
static void fw_publish(uint32_t *word, uint32_t b)
{
    uint32_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    while (!batch_done(v, b) && !__atomic_compare_exchange_n(word, &v, (b << 1) | (v & 1u), 0,
                                                             __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        ;
}

/* Wait until batch b has committed (0) or this caller is to lead it (1). */
static int writer_wait(og_audit_writer *w, uint32_t b)
{
    uint32_t *word = &w->fw[b & 1];
    for (;;) {
        uint32_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
        if (batch_done(v, b))
            return 0;
        if (!(v & 1u))
            fw_wait(word, v); /* returns at once if the word changed meanwhile */
        else if (__atomic_compare_exchange_n(word, &v, v & ~1u, 0, __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE))
            return 1;
    }
}

int og_audit_writer_open(og_audit_writer **out, const char *url)
{
    int error = -1;
    og_audit_writer *w = calloc(1, sizeof(*w));
    *out = NULL;
    if (!w)
        return og_error_set(OG_ERROR, "out of memory");
    w->next = 1; /* the words start at 0: batch 0 committed */
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

/* Lead from under w->mu: take the queue, run it as one batch, hand the lead on, wake its callers;
 * returns with w->mu released. */
static void writer_lead(og_audit_writer *w)
{
    writer_gather(w);
    og_audit__item *batch = w->head;
    int n = w->queued;
    uint32_t b = w->next++;
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
    /* One of the requests queued meanwhile leads the next batch; else the next caller will. */
    int next = w->head != NULL;
    w->leading = next;
    pthread_mutex_unlock(&w->mu);
    /* the batch's callers return (their items are theirs again) */
    fw_publish(&w->fw[b & 1], b);
    if (n > 1)
        fw_wake(&w->fw[b & 1], INT_MAX);
    if (next) {
        __atomic_fetch_or(&w->fw[(b + 1) & 1], 1u, __ATOMIC_RELEASE);
        fw_wake(&w->fw[(b + 1) & 1], 1);
    }
}

int og_audit_append_durable(og_audit_writer *w, const og_actor *actor, const char *event_id,
                            const og_audit_rec *rec, int64_t *out_seq)
{
    writer_req me;
    int rc = og_audit__item_prepare(&me.it, actor, event_id, rec);
    if (rc < 0)
        return rc; /* a bad record fails at once, alone */
    pthread_mutex_lock(&w->mu);
    me.batch = w->next;
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
        writer_lead(w);
    } else {
        pthread_mutex_unlock(&w->mu);
        if (writer_wait(w, me.batch)) { /* w->leading was kept set for it */
            pthread_mutex_lock(&w->mu);
            writer_lead(w);
        }
    }
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
