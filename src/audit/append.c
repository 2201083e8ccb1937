/* append.c - appending records to a chain inside the caller's transaction, and the group-commit
 * writer for standalone records. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

int og_audit__appender_init(og_audit__appender *a, og_store *s)
{
    int error;
    memset(a, 0, sizeof(*a));
    a->s = s;
    og_buf_init(&a->scratch, OG_AUDIT_RECORD_CAP);
    if ((error =
             og_stmt_prepare(&a->last, s,
                             "SELECT seq, hash FROM audit_record WHERE chain = " OG_AUDIT__CHAIN_ARG
                             " ORDER BY seq DESC LIMIT 1")) < 0 ||
        (error = og_stmt_prepare(&a->ins, s,
                                 "INSERT INTO audit_record (" OG_AUDIT__COLUMNS ") VALUES"
                                 " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                                 " ?, ?, ?)")) < 0 ||
        (error = og_stmt_prepare(&a->named, s, OG_AUDIT__NAMED_SQL)) < 0)
        og_audit__appender_free(a);
    return error;
}

void og_audit__appender_free(og_audit__appender *a)
{
    og_stmt_free(a->last);
    og_stmt_free(a->ins);
    og_stmt_free(a->named);
    og_buf_free(&a->scratch);
    a->last = a->ins = a->named = NULL;
}

int og_audit__chain_lock(og_store *s, const char *chain)
{
    char key[160];
    snprintf(key, sizeof(key), "audit:%s", chain);
    return og_store_lock(s, key);
}

static int check_rec(const og_audit_rec *rec)
{
    if (!rec || !rec->area || !rec->area[0] || !rec->action || !rec->action[0])
        return og_error_set(OG_EINVAL, "an audit record needs a process area and an action");
    if (rec->gate_level) {
        const char *l = rec->gate_level;
        if (!(l[0] == 'L' && l[1] >= '0' && l[1] <= '3' && l[2] == '\0'))
            return og_error_set(OG_EINVAL, "gate level '%s' is not one of L0, L1, L2, L3", l);
    }
    if (rec->rollback_of < 0)
        return og_error_set(OG_EINVAL, "rollback_of %lld is not a sequence number",
                            (long long)rec->rollback_of);
    return 0;
}

/*
 * The names recorded next to the ids, as they are now: the chain's tenant, the target (the
 * caller's, else its module's namer, else the last name recorded for it in this chain: a record
 * about an object just removed still names it). Sealed names are never asked for here.
 */
static int names_now(og_audit__appender *a, const og_actor *actor, const og_audit_rec *rec,
                     const char *chain, char tenant[OG_AUDIT_NAME_MAX],
                     char target[OG_AUDIT_NAME_MAX])
{
    og_ctx nctx;
    int rc;
    memset(&nctx, 0, sizeof(nctx));
    nctx.store = a->s;
    nctx.actor = *actor;
    tenant[0] = target[0] = '\0';
    if (!og_streq(chain, OG_AUDIT_PLATFORM_CHAIN) &&
        (rc = og_audit__tenant_name(&nctx, chain, tenant, OG_AUDIT_NAME_MAX)) < 0)
        return rc;
    if (og_audit__name_fit(rec->target_name, target, OG_AUDIT_NAME_MAX))
        return 0;
    if (!rec->target_type || !rec->target_id || !rec->target_id[0])
        return 0;
    if (og_streq(rec->target_type, "tenant") && og_streq(rec->target_id, chain) && tenant[0]) {
        og_strlcpy(target, tenant, OG_AUDIT_NAME_MAX);
        return 0;
    }
    if ((rc = og_audit__name(&nctx, rec->target_type,
                             og_streq(chain, OG_AUDIT_PLATFORM_CHAIN) ? NULL : chain,
                             rec->target_id, 1, target, OG_AUDIT_NAME_MAX)) != 0)
        return rc < 0 ? rc : 0;
    og_stmt_reset(a->named);
    og_stmt_bind_text(a->named, 1, chain);
    og_stmt_bind_text(a->named, 2, rec->target_type);
    og_stmt_bind_text(a->named, 3, rec->target_id);
    if ((rc = og_stmt_step(a->named)) == OG_ROW && og_stmt_col_text(a->named, 0))
        og_strlcpy(target, og_stmt_col_text(a->named, 0), OG_AUDIT_NAME_MAX);
    og_stmt_reset(a->named);
    return rc < 0 ? rc : 0;
}

/* Insert the record r with its hash through the appender's prepared INSERT st. */
static int row_insert(og_stmt *st, const og_audit__row *r, const char *hash)
{
    int error;
    og_stmt_reset(st);
    og_stmt_bind_text(st, 1, r->chain);
    og_stmt_bind_int(st, 2, r->seq);
    og_stmt_bind_text(st, 3, r->time);
    og_stmt_bind_text(st, 4, r->actor);
    og_stmt_bind_text(st, 5, r->token_id);
    og_stmt_bind_text(st, 6, r->area);
    og_stmt_bind_text(st, 7, r->action);
    og_stmt_bind_text(st, 8, r->target_type);
    og_stmt_bind_text(st, 9, r->target_id);
    og_stmt_bind_text(st, 10, r->event_id);
    og_stmt_bind_text(st, 11, r->analysis);
    og_stmt_bind_text(st, 12, r->gate_level);
    og_stmt_bind_text(st, 13, r->gate_decision);
    og_stmt_bind_text(st, 14, r->gate_decided_by);
    og_stmt_bind_text(st, 15, r->gate_decided_at);
    og_stmt_bind_text(st, 16, r->outcome);
    og_stmt_bind_text(st, 17, r->detail);
    if (r->rollback_of)
        og_stmt_bind_int(st, 18, r->rollback_of);
    else
        og_stmt_bind_null(st, 18);
    og_stmt_bind_text(st, 19, r->prev_hash);
    og_stmt_bind_text(st, 20, hash);
    og_stmt_bind_text(st, 21, r->tenant_name);
    og_stmt_bind_text(st, 22, r->actor_id);
    og_stmt_bind_text(st, 23, r->target_name);
    if ((error = og_stmt_step(st)) < 0)
        return og_error_wrap("appending to audit chain '%s'", r->chain);
    og_stmt_reset(st);
    return 0;
}

int og_audit__append(og_audit__appender *a, const og_actor *actor, const char *event_id,
                     const og_audit_rec *rec, int64_t *out_seq)
{
    char tenant_name[OG_AUDIT_NAME_MAX], target_name[OG_AUDIT_NAME_MAX];
    int error = -1;
    char actor_label[256], time[OG_TIME_LEN], hash[OG_AUDIT_HASH_HEX], prev[OG_AUDIT_HASH_HEX];
    og_buf analysis = {0};
    og_audit__row r = {0};
    int64_t seq = 1;
    if ((error = check_rec(rec)) < 0)
        goto cleanup;
    if (og_store_tx_depth(a->s) <= 0) {
        error = og_error_set(OG_ERROR, "audit: og_audit_append needs the caller's open transaction,"
                                       " so the record commits or rolls back with its change");
        goto cleanup;
    }
    r.chain = og_audit__chain_name(rec->tenant_id);
    /* The names first: they do not depend on the chain's head, so its lock is not held while
     * they are read (a writer of the chain that commits meanwhile changes no name but the
     * fallback to the target's last recorded one, which it recorded for the same object). */
    if ((error = names_now(a, actor, rec, r.chain, tenant_name, target_name)) < 0)
        goto cleanup;
    /* The chain's writers, on every node, one at a time from reading its head to the commit. */
    if ((error = og_audit__chain_lock(a->s, r.chain)) < 0)
        goto cleanup;
    og_stmt_reset(a->last);
    og_stmt_bind_text(a->last, 1, r.chain);
    error = og_stmt_step(a->last);
    if (error < 0)
        goto cleanup;
    og_strlcpy(prev, zero_hash, sizeof(prev));
    if (error == OG_ROW) {
        seq = og_stmt_col_int(a->last, 0) + 1;
        og_strlcpy(prev, og_stmt_col_text(a->last, 1) ? og_stmt_col_text(a->last, 1) : "",
                   sizeof(prev));
    }
    og_stmt_reset(a->last);

    og_actor_label(actor, actor_label, sizeof(actor_label));
    og_time_format(og_time_now_us(), time);
    if (rec->analysis) {
        og_buf_init(&analysis, OG_AUDIT_RECORD_CAP);
        if ((error = og_audit__jcs(&analysis, rec->analysis)) < 0) {
            og_error_wrap("audit record analysis");
            goto cleanup;
        }
    }
    r.seq = seq;
    r.time = time;
    r.actor = actor_label;
    r.token_id = actor->token_id[0] ? actor->token_id : NULL;
    r.area = rec->area;
    r.action = rec->action;
    r.target_type = rec->target_type;
    r.target_id = rec->target_id;
    r.event_id = event_id && event_id[0] ? event_id : NULL;
    r.analysis = rec->analysis ? analysis.data : NULL;
    r.gate_level = rec->gate_level;
    r.gate_decision = rec->gate_level ? rec->gate_decision : NULL;
    r.gate_decided_by = rec->gate_level ? rec->gate_decided_by : NULL;
    r.gate_decided_at = rec->gate_level ? rec->gate_decided_at : NULL;
    r.outcome = rec->failed ? "failed" : "ok";
    r.detail = rec->detail;
    r.rollback_of = rec->rollback_of;
    r.prev_hash = prev;
    r.tenant_name = tenant_name[0] ? tenant_name : NULL;
    r.actor_id = actor->user_id[0] ? actor->user_id : NULL;
    r.target_name = target_name[0] ? target_name : NULL;
    if ((error = og_audit__row_hash(&a->scratch, &r, hash)) < 0)
        goto cleanup;

    if ((error = row_insert(a->ins, &r, hash)) < 0)
        goto cleanup;
    if (out_seq)
        *out_seq = seq;
    if (og_streq(r.chain, OG_AUDIT_PLATFORM_CHAIN) && og_streq(rec->action, "tenant.create") &&
        og_streq(rec->target_type, "tenant") && rec->target_id && rec->target_id[0] &&
        !og_streq(rec->target_id, OG_AUDIT_PLATFORM_CHAIN) &&
        !json_object_get(rec->analysis, OG_AUDIT_CHAIN_REGION)) {
        /* A tenant's chain is opened with its tenant, by a record that names the platform
         * record creating it: verify can tell a chain that was deleted whole from one that never
         * had a record. */
        json_t *open =
            json_pack("{s:I,s:s}", "platform_seq", (json_int_t)seq, "platform_hash", hash);
        og_audit_rec genesis = {.tenant_id = rec->target_id,
                                .area = "audit",
                                .action = OG_AUDIT_ACT_CHAIN_OPEN,
                                .target_type = "tenant",
                                .target_id = rec->target_id,
                                .analysis = open};
        error = open ? og_audit__append(a, actor, event_id, &genesis, NULL)
                     : og_error_set(OG_ERROR, "out of memory");
        json_decref(open);
        if (error < 0)
            goto cleanup;
    }
    error = 0;
cleanup:
    og_buf_free(&analysis);
    return error;
}

int og_audit_append(og_ctx *ctx, const og_audit_rec *rec, int64_t *out_seq)
{
    og_audit__appender a;
    int error;
    if (og_store_tx_depth(ctx->store) <= 0)
        return og_error_set(OG_ERROR, "audit: og_audit_append needs the caller's open transaction,"
                                      " so the record commits or rolls back with its change");
    if ((error = og_audit__appender_init(&a, ctx->store)) < 0)
        return error;
    error = og_audit__append(&a, &ctx->actor, ctx->event_id, rec, out_seq);
    og_audit__appender_free(&a);
    return error;
}

int og_audit_log(og_ctx *ctx, const char *tenant_id, const char *area, const char *action,
                 const char *target_type, const char *target_id, json_t *analysis)
{
    og_audit_rec rec = {.tenant_id = tenant_id,
                        .area = area,
                        .action = action,
                        .target_type = target_type,
                        .target_id = target_id,
                        .analysis = analysis};
    return og_audit_append(ctx, &rec, NULL);
}

/* ---- group commit ----
 * Callers queue a request (on their own stack: the record stays borrowed while they wait). Whoever
 * finds no batch in flight becomes the leader: it takes the whole queue, appends every record in
 * one transaction (each under its own savepoint, so one bad record fails alone) and commits once:
 * one fsync for the batch. Meanwhile new callers queue up for the next batch.
 *
 * The callers of a batch all return at once when it commits, and the first of them back becomes
 * the next leader: taking the queue right away would commit that one record alone while the
 * others queue behind it, halving the batch. So a leader first gathers: it waits until as many
 * requests queue as the last batch held, at most GATHER_US and at most a quarter of the last
 * batch's time (short commits wait less), then takes whatever is there. */
#define GATHER_US 2000
typedef struct writer_req {
    const og_actor *actor;
    const char *event_id;
    const og_audit_rec *rec;
    int64_t seq;
    int rc;
    int done;
    char err[256];
    struct writer_req *next;
} writer_req;

struct og_audit_writer {
    og_store *s;
    og_audit__appender app;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_cond_t gather_cv; /* a request queued (the leader may be gathering) */
    writer_req *head, *tail;
    int queued, leading;
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
    pthread_cond_init(&w->cv, NULL);
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
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->gather_cv);
    free(w);
}

static int by_chain(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Lock the chains a batch appends to, in name order: two nodes' batches never wait for each
 * other in a cycle. */
static int lock_batch_chains(og_audit_writer *w, writer_req *batch)
{
    size_t n = 0, i = 0;
    int rc = 0;
    for (writer_req *r = batch; r; r = r->next)
        n++;
    const char **chains = calloc(n ? n : 1, sizeof(*chains));
    if (!chains)
        return og_error_set(OG_ERROR, "out of memory");
    for (writer_req *r = batch; r; r = r->next)
        chains[i++] = og_audit__chain_name(r->rec ? r->rec->tenant_id : NULL);
    qsort(chains, n, sizeof(*chains), by_chain);
    for (i = 0; i < n && rc == 0; i++)
        if (i == 0 || strcmp(chains[i], chains[i - 1]) != 0)
            rc = og_audit__chain_lock(w->s, chains[i]);
    free(chains);
    return rc;
}

static void writer_run_batch(og_audit_writer *w, writer_req *batch)
{
    /* Scoped to nothing of its own: it runs beside other nodes' and tenants' writers, holding
     * only the chains it appends to. */
    int rc = og_store_tx_begin_scope(w->s, NULL);
    if (rc == 0 && (rc = lock_batch_chains(w, batch)) < 0)
        og_store_tx_rollback(w->s);
    for (writer_req *r = batch; r; r = r->next) {
        if (rc < 0) {
            r->rc = rc;
            continue;
        }
        int e = og_store_tx_begin(w->s);
        if (e == 0)
            e = og_audit__append(&w->app, r->actor, r->event_id, r->rec, &r->seq);
        if (e == 0) {
            e = og_store_tx_commit(w->s);
        } else {
            og_store_tx_rollback(w->s);
        }
        r->rc = e;
        if (e < 0)
            og_strlcpy(r->err, og_error_last(), sizeof(r->err));
    }
    if (rc == 0)
        rc = og_store_tx_commit(w->s);
    if (rc < 0) {
        /* nothing of the batch is durable: every caller learns why */
        for (writer_req *r = batch; r; r = r->next) {
            if (r->rc == 0) {
                r->rc = rc;
                og_strlcpy(r->err, og_error_last(), sizeof(r->err));
            }
        }
    }
}

/* Under w->mu, as the new leader: wait for the callers of the last batch to queue again. */
static void writer_gather(og_audit_writer *w)
{
    int64_t wait_us = w->last_batch_us / 4 < GATHER_US ? w->last_batch_us / 4 : GATHER_US;
    struct timespec deadline;
    if (w->queued >= w->last_batch || wait_us <= 0)
        return;
    og_time_deadline(&deadline, CLOCK_MONOTONIC, wait_us);
    while (w->queued < w->last_batch)
        if (pthread_cond_timedwait(&w->gather_cv, &w->mu, &deadline) == ETIMEDOUT)
            break;
}

int og_audit_append_durable(og_audit_writer *w, const og_actor *actor, const char *event_id,
                            const og_audit_rec *rec, int64_t *out_seq)
{
    writer_req me = {.actor = actor, .event_id = event_id, .rec = rec};
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = &me;
    else
        w->head = &me;
    w->tail = &me;
    w->queued++;
    pthread_cond_signal(&w->gather_cv);
    while (!me.done) {
        if (w->leading) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        w->leading = 1;
        writer_gather(w);
        writer_req *batch = w->head;
        int n = w->queued;
        w->head = w->tail = NULL;
        w->queued = 0;
        pthread_mutex_unlock(&w->mu);
        int64_t t0 = og_time_mono_us();
        writer_run_batch(w, batch);
        int64_t took = og_time_mono_us() - t0;
        pthread_mutex_lock(&w->mu);
        w->commits++;
        w->records += n;
        w->last_batch = n;
        w->last_batch_us = took;
        for (writer_req *r = batch, *next; r; r = next) {
            next = r->next; /* r may return and vanish once done is set and the lock is free */
            r->done = 1;
        }
        w->leading = 0;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (me.rc < 0)
        return og_error_set(me.rc, "%s", me.err);
    if (out_seq)
        *out_seq = me.seq;
    return 0;
}

void og_audit__writer_stats(og_audit_writer *w, int64_t *commits, int64_t *records)
{
    pthread_mutex_lock(&w->mu);
    *commits = w->commits;
    *records = w->records;
    pthread_mutex_unlock(&w->mu);
}
