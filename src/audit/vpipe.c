/* vpipe.c - verify's record pipeline: the calling thread reads a chain's records in batches,
 * worker threads recompute each record's hash and Merkle leaf, and the caller takes the records
 * back in chain order to check the links, the order and the checkpoints. A ring of a few batches
 * bounds the memory: the reader waits when every batch is in flight. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VP_BATCH_RECORDS 512
#define VP_BATCH_BYTES   ((size_t)256 << 10) /* a batch is closed once its copies pass this */
#define VP_MAX_WORKERS   16
#define VP_NONE          UINT32_MAX

/* The text columns of OG_AUDIT__COLUMNS copied per record (seq and rollback_of are integers). */
enum {
    F_CHAIN,
    F_TIME,
    F_ACTOR,
    F_TOKEN,
    F_AREA,
    F_ACTION,
    F_TTYPE,
    F_TID,
    F_EVENT,
    F_ANALYSIS,
    F_GLEVEL,
    F_GDECISION,
    F_GBY,
    F_GAT,
    F_OUTCOME,
    F_DETAIL,
    F_PREV,
    F_HASH,
    F_TNAME,
    F_ACTOR_ID,
    F_TARGET_NAME,
    F_COUNT
};
/* Their column numbers in OG_AUDIT__COLUMNS. */
static const int col_of[F_COUNT] = {0,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                    12, 13, 14, 15, 16, 18, 19, 20, 21, 22};

typedef struct vp_rec {
    int64_t seq;
    int64_t rollback_of;
    uint32_t off[F_COUNT]; /* into the batch's mem; VP_NONE = NULL */
    int hash_ok;
    uint8_t leaf[32];
} vp_rec;

typedef struct vp_batch {
    vp_rec recs[VP_BATCH_RECORDS];
    size_t n;
    char *mem; /* the records' text columns, each NUL-terminated */
    size_t len, alloc;
    int done;
} vp_batch;

struct og_audit__vpipe {
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    pthread_t threads[VP_MAX_WORKERS];
    int workers, quit;
    og_buf scratch; /* the caller's, when there are no workers */
    size_t nslots;
    vp_batch *slots;
    /* counters, slot = counter % nslots: filled up to head, claimed by workers up to work,
     * taken back by the caller up to tail; tail <= work <= head, head - tail <= nslots */
    uint64_t head, work, tail;
    size_t pos; /* next record of the batch at tail */
    og_stmt *st;
    int eof;    /* the statement has no more rows */
    int eof_rc; /* then: OG_DONE or the statement's error */
};

static int workers_wanted = -1;

void og_audit__verify_set_workers(int n)
{
    workers_wanted = n;
}

static int default_workers(void)
{
    if (workers_wanted >= 0)
        return workers_wanted > VP_MAX_WORKERS ? VP_MAX_WORKERS : workers_wanted;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 1)
        return 0; /* one core: the caller hashes, no threads */
    return n > VP_MAX_WORKERS ? VP_MAX_WORKERS : (int)n;
}

static const char *field(const vp_batch *b, const vp_rec *r, int f)
{
    return r->off[f] == VP_NONE ? NULL : b->mem + r->off[f];
}

/* Recompute the hash of every record of b and its Merkle leaf. */
static void batch_hash(vp_batch *b, og_buf *scratch)
{
    for (size_t i = 0; i < b->n; i++) {
        vp_rec *v = &b->recs[i];
        og_audit__row r = {.chain = field(b, v, F_CHAIN),
                           .seq = v->seq,
                           .time = field(b, v, F_TIME),
                           .actor = field(b, v, F_ACTOR),
                           .token_id = field(b, v, F_TOKEN),
                           .area = field(b, v, F_AREA),
                           .action = field(b, v, F_ACTION),
                           .target_type = field(b, v, F_TTYPE),
                           .target_id = field(b, v, F_TID),
                           .event_id = field(b, v, F_EVENT),
                           .analysis = field(b, v, F_ANALYSIS),
                           .gate_level = field(b, v, F_GLEVEL),
                           .gate_decision = field(b, v, F_GDECISION),
                           .gate_decided_by = field(b, v, F_GBY),
                           .gate_decided_at = field(b, v, F_GAT),
                           .outcome = field(b, v, F_OUTCOME),
                           .detail = field(b, v, F_DETAIL),
                           .rollback_of = v->rollback_of,
                           .prev_hash = field(b, v, F_PREV),
                           .tenant_name = field(b, v, F_TNAME),
                           .actor_id = field(b, v, F_ACTOR_ID),
                           .target_name = field(b, v, F_TARGET_NAME)};
        char hash[OG_AUDIT_HASH_HEX];
        uint8_t raw[32];
        og_buf_reset(scratch);
        v->hash_ok = 0;
        if (og_audit__row_canonical(scratch, &r) == 0) {
            /* as og_audit__row_hash, keeping the raw hash for the leaf */
            og_crypto_sha256(scratch->data, scratch->len, raw);
            og_hex_encode(raw, 32, hash);
            v->hash_ok = og_streq(hash, field(b, v, F_HASH));
        }
        if (v->hash_ok)
            og_audit_merkle_leaf(raw, 32, v->leaf);
        else
            og_error_clear(); /* the caller reports the record, not the hash's error */
    }
}

static void *worker(void *arg)
{
    og_audit__vpipe *p = arg;
    og_buf scratch;
    og_buf_init(&scratch, OG_AUDIT_RECORD_CAP);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->work == p->head)
            pthread_cond_wait(&p->work_cv, &p->mu);
        if (p->quit)
            break;
        vp_batch *b = &p->slots[p->work++ % p->nslots];
        pthread_mutex_unlock(&p->mu);
        batch_hash(b, &scratch);
        pthread_mutex_lock(&p->mu);
        b->done = 1;
        pthread_cond_broadcast(&p->done_cv);
    }
    pthread_mutex_unlock(&p->mu);
    og_buf_free(&scratch);
    return NULL;
}

int og_audit__vpipe_open(og_audit__vpipe **out)
{
    og_audit__vpipe *p = calloc(1, sizeof(*p));
    *out = NULL;
    if (!p)
        return og_error_set(OG_ERROR, "out of memory");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    og_buf_init(&p->scratch, OG_AUDIT_RECORD_CAP);
    int want = default_workers();
    p->nslots = want ? (size_t)want * 2 + 2 : 1;
    p->slots = calloc(p->nslots, sizeof(*p->slots));
    if (!p->slots) {
        og_audit__vpipe_close(p);
        return og_error_set(OG_ERROR, "out of memory");
    }
    for (int i = 0; i < want; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
            break; /* fewer workers (or none: the caller hashes) */
        p->workers++;
    }
    *out = p;
    return 0;
}

/* Wait for the batches in flight and forget them (the caller stopped early). */
void og_audit__vpipe_end(og_audit__vpipe *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    for (; p->tail < p->head; p->tail++) {
        vp_batch *b = &p->slots[p->tail % p->nslots];
        while (!b->done)
            pthread_cond_wait(&p->done_cv, &p->mu);
    }
    p->work = p->head;
    pthread_mutex_unlock(&p->mu);
    p->st = NULL;
    p->pos = 0;
    p->eof = p->eof_rc = 0;
}

void og_audit__vpipe_close(og_audit__vpipe *p)
{
    if (!p)
        return;
    og_audit__vpipe_end(p);
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->workers; i++)
        pthread_join(p->threads[i], NULL);
    for (size_t i = 0; p->slots && i < p->nslots; i++)
        free(p->slots[i].mem);
    free(p->slots);
    og_buf_free(&p->scratch);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work_cv);
    pthread_cond_destroy(&p->done_cv);
    free(p);
}

void og_audit__vpipe_begin(og_audit__vpipe *p, og_stmt *st)
{
    og_audit__vpipe_end(p);
    p->st = st;
}

/* Room for n more bytes in b's memory. */
static int batch_reserve(vp_batch *b, size_t n)
{
    if (n > VP_NONE - b->len)
        return og_error_set(OG_ETOOBIG, "audit verify: a batch of records is too big");
    if (b->mem && b->len + n <= b->alloc)
        return 0;
    size_t want = b->alloc ? b->alloc : VP_BATCH_BYTES * 2;
    while (want < b->len + n)
        want *= 2;
    char *m = realloc(b->mem, want);
    if (!m)
        return og_error_set(OG_ERROR, "out of memory");
    b->mem = m;
    b->alloc = want;
    return 0;
}

/* Copy the statement's next rows into b until it is full: 1 when rows may follow, OG_DONE (0) at
 * the end, negative when a step or a copy failed. */
static int batch_fill(og_stmt *st, vp_batch *b)
{
    int rc = 0;
    b->n = 0;
    b->done = 0;
    b->len = 0;
    while (b->n < VP_BATCH_RECORDS && b->len < VP_BATCH_BYTES) {
        const char *text[F_COUNT];
        size_t size[F_COUNT], total = 0;
        if ((rc = og_stmt_step(st)) != OG_ROW)
            return rc;
        vp_rec *v = &b->recs[b->n];
        v->seq = og_stmt_col_int(st, 1);
        v->rollback_of = og_stmt_col_is_null(st, 17) ? 0 : og_stmt_col_int(st, 17);
        for (int f = 0; f < F_COUNT; f++) {
            text[f] = og_stmt_col_text(st, col_of[f]);
            size[f] = text[f] ? strlen(text[f]) + 1 : 0;
            total += size[f];
        }
        if ((rc = batch_reserve(b, total)) < 0)
            return rc;
        for (int f = 0; f < F_COUNT; f++) {
            v->off[f] = text[f] ? (uint32_t)b->len : VP_NONE;
            memcpy(b->mem + b->len, text[f] ? text[f] : "", size[f]);
            b->len += size[f];
        }
        b->n++;
    }
    return 1;
}

/* Fill free slots while the statement has rows; hand each to the workers (or hash it here). */
static void fill_ahead(og_audit__vpipe *p)
{
    while (!p->eof && p->head - p->tail < p->nslots) {
        vp_batch *b = &p->slots[p->head % p->nslots];
        int rc = batch_fill(p->st, b);
        if (rc <= 0) {
            p->eof = 1;
            p->eof_rc = rc;
        }
        if (b->n == 0)
            break;
        if (!p->workers) {
            batch_hash(b, &p->scratch);
            b->done = 1;
            p->head++;
            p->work = p->head;
            break; /* one batch at a time: there is nobody to hand a second one to */
        }
        pthread_mutex_lock(&p->mu);
        p->head++;
        pthread_cond_signal(&p->work_cv);
        pthread_mutex_unlock(&p->mu);
    }
}

int og_audit__vpipe_next(og_audit__vpipe *p, og_audit__vrow *out)
{
    for (;;) {
        if (p->tail < p->head) {
            vp_batch *b = &p->slots[p->tail % p->nslots];
            if (p->workers) {
                pthread_mutex_lock(&p->mu);
                while (!b->done)
                    pthread_cond_wait(&p->done_cv, &p->mu);
                pthread_mutex_unlock(&p->mu);
            }
            if (p->pos < b->n) {
                vp_rec *v = &b->recs[p->pos++];
                out->seq = v->seq;
                out->prev_hash = field(b, v, F_PREV);
                out->hash = field(b, v, F_HASH);
                out->hash_ok = v->hash_ok;
                memcpy(out->leaf, v->leaf, 32);
                return OG_ROW;
            }
            pthread_mutex_lock(&p->mu);
            p->tail++;
            pthread_mutex_unlock(&p->mu);
            p->pos = 0;
        }
        if (!p->st)
            return og_error_set(OG_ERROR, "audit verify: no statement to read");
        fill_ahead(p);
        if (p->tail == p->head)
            return p->eof_rc;
    }
}
