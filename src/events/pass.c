/* pass.c - one delivery pass: fan-out of the outbox to the handlers and the claims of what is due
 * in one transaction, the handlers, then every outcome in one more. */
#include "events/events_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FANOUT_BATCH  500 /* events fanned out per pass */
#define DELIVER_BATCH 16  /* deliveries claimed per handler per pass */
#define CLAIM_MAX     64  /* deliveries claimed per pass, all handlers */

/* A delivery claimed by this pass, and how it ended once run. */
typedef struct claimed {
    size_t sub; /* its handler, in the pass's snapshot */
    char event_id[OG_ID_LEN];
    int attempt;
    int ran;           /* the outcome below is set */
    const char *state; /* done, pending or dead */
    int64_t next_us;
    int uncount; /* handed back without being tried: the attempt does not count */
    char msg[256];
} claimed;

/* Handler i of snap by name, or n. */
static size_t sub_index(const og_events__sub *snap, size_t n, const char *name)
{
    size_t i = 0;
    while (i < n && strcmp(snap[i].name, name) != 0)
        i++;
    return i;
}

/* What a pass has to do, from reads outside any transaction, so that an idle pass costs four
 * queries, not transactions (every worker of every node polls): fan[i] when handler i's cursor is
 * behind the outbox, due[i] when it has a delivery due or a lease run out (the partial indexes of
 * events schema step 2 hold only such rows), *next_us the earliest time after now at which one
 * will be (0: none). */
static int survey(og_store *s, const og_events__sub *snap, size_t n, int64_t now, bool fan[],
                  bool due[], int64_t *next_us)
{
    og_stmt *st = NULL;
    int64_t max = 0;
    int error, rc;
    *next_us = 0;
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
    if (rc < 0)
        return rc;
    /* only times still to come: a row of a handler this process does not have stays due */
    if ((error = og_stmt_prepare_args(
             &st, s,
             "SELECT MIN(t) FROM (SELECT MIN(next_us) AS t FROM event_deliveries WHERE"
             " state = 'pending' AND next_us > ?1 UNION ALL SELECT MIN(lease_us) FROM"
             " event_deliveries WHERE state = 'running' AND lease_us > ?1) AS times",
             "i", now)) < 0)
        return error;
    if ((rc = og_stmt_step(st)) == OG_ROW && !og_stmt_col_is_null(st, 0))
        *next_us = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const og_events__sub *const *)a)->name,
                  (*(const og_events__sub *const *)b)->name);
}

/* Give every handler whose cursor is behind (fan[i]) delivery rows for the events past it that
 * match its pattern, and move the cursors: the events past the lowest cursor read once, in the
 * caller's transaction. *made[i] says handler i got some. One fan-out per handler at a time across
 * the nodes (PostgreSQL: a lock named for each, taken in name order; other writers go on).
 * Events commit in seq order (og_event_emit), so a cursor never passes an event that commits
 * later. */
static int fanout(og_store *s, const og_events__sub *snap, size_t n, const bool fan[], bool made[])
{
    const og_events__sub *order[OG_EVENTS__MAX_HANDLERS];
    int64_t last[OG_EVENTS__MAX_HANDLERS], seen = 0, low = INT64_MAX;
    size_t nfan = 0;
    og_stmt *st = NULL, *ins = NULL, *put = NULL;
    char now[OG_TIME_LEN], key[96];
    int64_t now_us = og_time_now_us();
    int error = 0, rc;
    og_time_format(now_us, now);
    for (size_t i = 0; i < n; i++) {
        made[i] = false;
        last[i] = 0;
        if (fan[i])
            order[nfan++] = &snap[i];
    }
    qsort(order, nfan, sizeof(order[0]), by_name);
    for (size_t k = 0; k < nfan && error == 0; k++) {
        snprintf(key, sizeof(key), "events:fanout:%.63s", order[k]->name);
        error = og_store_lock(s, key);
    }
    if (error < 0 || nfan == 0)
        return error;
    if ((error = og_stmt_prepare(&st, s, "SELECT handler, last_seq FROM event_cursors")) < 0)
        return error;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        size_t i = sub_index(snap, n, og_stmt_col_text(st, 0));
        if (i < n)
            last[i] = og_stmt_col_int(st, 1);
    }
    og_stmt_free(st);
    st = NULL;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (fan[i] && last[i] < low)
            low = last[i];
    seen = low;
    if ((error = og_stmt_prepare_args(&st, s,
                                      "SELECT seq, id, type FROM events WHERE seq > ? ORDER BY seq"
                                      " LIMIT 500",
                                      "i", low)) < 0 ||
        (error = og_stmt_prepare(&ins, s,
                                 "INSERT INTO event_deliveries (event_id, handler, state, attempts,"
                                 " next_us, updated_at) VALUES (?, ?, 'pending', 0, ?, ?)"
                                 " ON CONFLICT (event_id, handler) DO NOTHING")) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        seen = og_stmt_col_int(st, 0);
        for (size_t i = 0; i < n; i++) {
            if (!fan[i] || seen <= last[i] ||
                !og_events__pattern_match(snap[i].pattern, og_stmt_col_text(st, 2)))
                continue;
            og_stmt_reset(ins);
            og_stmt_bind_text(ins, 1, og_stmt_col_text(st, 1));
            og_stmt_bind_text(ins, 2, snap[i].name);
            og_stmt_bind_int(ins, 3, now_us);
            og_stmt_bind_text(ins, 4, now);
            if ((error = og_stmt_step(ins)) < 0)
                goto cleanup;
            made[i] = true;
        }
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&put, s,
                                 "INSERT INTO event_cursors (handler, last_seq) VALUES (?, ?)"
                                 " ON CONFLICT (handler) DO UPDATE SET last_seq ="
                                 " excluded.last_seq")) < 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        if (!fan[i] || seen <= last[i])
            continue; /* a cursor never goes back */
        og_stmt_reset(put);
        og_stmt_bind_text(put, 1, snap[i].name);
        og_stmt_bind_int(put, 2, seen);
        if ((error = og_stmt_step(put)) < 0)
            goto cleanup;
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    og_stmt_free(ins);
    og_stmt_free(put);
    return error;
}

/* The oldest due deliveries of a handler (?1) at ?2, or the oldest whose lease ran out, at most
 * ?3; on PostgreSQL locked, skipping rows another node is claiming right now. */
static const og_sql_dialects DUE_SQL = {
    "SELECT event_id, attempts FROM event_deliveries WHERE handler = ?1 AND state = 'pending'"
    " AND next_us <= ?2 ORDER BY next_us LIMIT ?3",
    "SELECT event_id, attempts FROM event_deliveries WHERE handler = ?1 AND state = 'pending'"
    " AND next_us <= ?2 ORDER BY next_us LIMIT ?3 FOR UPDATE SKIP LOCKED"};
static const og_sql_dialects LAPSED_SQL = {
    "SELECT event_id, attempts FROM event_deliveries WHERE handler = ?1 AND state = 'running'"
    " AND lease_us <= ?2 ORDER BY lease_us LIMIT ?3",
    "SELECT event_id, attempts FROM event_deliveries WHERE handler = ?1 AND state = 'running'"
    " AND lease_us <= ?2 ORDER BY lease_us LIMIT ?3 FOR UPDATE SKIP LOCKED"};

/* Claim up to DELIVER_BATCH due deliveries of handler i for cfg->node, appended to c[*nc] (at
 * most CLAIM_MAX), in the caller's transaction. Two searches of event_deliveries_due (handler,
 * state, next_us), not one OR: with the OR SQLite walked every delivery the handler ever had, done
 * ones included (bench_console: half of an idle server's CPU after 4,000 events). The rows are
 * read first, then claimed, each only while its attempts are what was read (nobody claimed it in
 * between). */
static int claim(og_store *s, const og_events__sub *sub, size_t i, const og_events_config *cfg,
                 int64_t now, claimed *c, int *nc)
{
    og_stmt *sel = NULL;
    char now_s[OG_TIME_LEN];
    int first = *nc, error = 0, rc;
    int want = first + DELIVER_BATCH < CLAIM_MAX ? DELIVER_BATCH : CLAIM_MAX - first;
    og_time_format(now, now_s);
    for (int q = 0; q < 2 && *nc - first < want; q++) {
        if ((error = og_stmt_prepare_dialect(&sel, s, q == 0 ? &DUE_SQL : &LAPSED_SQL)) < 0)
            return error;
        og_stmt_bind_text(sel, 1, sub->name);
        og_stmt_bind_int(sel, 2, now);
        og_stmt_bind_int(sel, 3, want - (*nc - first));
        while ((rc = og_stmt_step(sel)) == OG_ROW) {
            claimed *d = &c[(*nc)++];
            memset(d, 0, sizeof(*d));
            d->sub = i;
            og_strlcpy(d->event_id, og_stmt_col_text(sel, 0), sizeof(d->event_id));
            d->attempt = (int)og_stmt_col_int(sel, 1); /* as read; +1 once claimed */
        }
        og_stmt_free(sel);
        sel = NULL;
        if (rc < 0)
            return rc;
    }
    for (int k = first; k < *nc; k++) {
        claimed *d = &c[k];
        int64_t before = d->attempt;
        d->attempt = (int)before + 1;
        if ((error = og_store_run(s,
                                  "UPDATE event_deliveries SET state = 'running', attempts = ?,"
                                  " lease_us = ?, lease_owner = ?, updated_at = ? WHERE"
                                  " event_id = ? AND handler = ? AND attempts = ?",
                                  "iitttti", (int64_t)d->attempt, (int64_t)(now + cfg->lease_us),
                                  cfg->node, now_s, d->event_id, sub->name, before)) < 0)
            return error;
        if (og_store_changes(s) != 1) { /* taken meanwhile: not ours */
            c[k--] = c[--(*nc)];
        }
    }
    return 0;
}

/* The pass's first transaction: fan out, then claim what is due (new deliveries are due at
 * once). Scoped (no key of its own): on PostgreSQL the claims of several nodes and every other
 * writer run side by side, the row locks keep a delivery to one claimant; SQLite has one writer. */
static int fan_and_claim(og_store *s, const og_events__sub *snap, size_t n,
                         const og_events_config *cfg, const bool fan[], bool due[], claimed *c,
                         int *nc)
{
    bool made[OG_EVENTS__MAX_HANDLERS];
    bool any = false;
    int error;
    int64_t now;
    for (size_t i = 0; i < n; i++)
        any |= fan[i] || due[i];
    if (!any)
        return 0;
    if ((error = og_store_tx_begin_scope(s, NULL)) < 0)
        return error;
    if ((error = fanout(s, snap, n, fan, made)) < 0)
        goto cleanup;
    now = og_time_now_us(); /* after the fan-out: what it made is due */
    for (size_t i = 0; i < n && *nc < CLAIM_MAX; i++)
        if ((due[i] || made[i]) && (error = claim(s, &snap[i], i, cfg, now, c, nc)) < 0)
            goto cleanup;
    error = 0;
cleanup:
    error = og_store_tx_end(s, error);
    if (error < 0)
        *nc = 0; /* rolled back: nothing was claimed */
    return error;
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

/* A delivery for a tenant whose key is revoked or withdrawn goes back to pending, its attempt not
 * counted, to be tried again in KEY_LOCKED_RETRY_US: a handler would only hit the lock, and a
 * client's withdrawn key must not use up the delivery's attempts and make it dead. */
#define KEY_LOCKED_RETRY_US (5LL * 60 * 1000000)

/* Run one claimed delivery and set its outcome: done, or pending again after a backoff, or dead.
 * The handler's failure is the delivery's business, not the pass's. */
static void deliver(og_ctx *base, const og_events__sub *sub, const og_events_config *cfg,
                    claimed *d, int *delivered)
{
    og_event ev;
    og_ctx ctx;
    int64_t now;
    int rc = load_event(base->store, d->event_id, &ev);
    if (rc == 0 && ev.tenant_id[0] &&
        (rc = og_crypto_job_check(base->store, ev.tenant_id, "events.delivery")) == OG_ELOCKED) {
        json_decref(ev.payload);
        og_strlcpy(d->msg, og_error_last(), sizeof(d->msg));
        d->state = "pending";
        d->next_us = og_time_now_us() + KEY_LOCKED_RETRY_US;
        d->uncount = 1;
        d->ran = 1;
        return;
    }
    if (rc == 0) {
        ev.attempt = d->attempt;
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
    }
    json_decref(ev.payload); /* NULL when the event did not load */
    now = og_time_now_us();
    d->state = "done";
    d->next_us = now;
    d->msg[0] = '\0';
    if (rc < 0) {
        const char *m = og_error_last();
        og_strlcpy(d->msg, m && *m ? m : og_error_name(rc), sizeof(d->msg));
        if (d->attempt >= cfg->max_attempts) {
            d->state = "dead";
        } else {
            d->state = "pending";
            d->next_us = now + og_events__backoff_us(cfg, d->attempt, (double)random() / RAND_MAX);
        }
    } else {
        (*delivered)++;
    }
    d->ran = 1;
}

/* Record the outcomes of c[0..n) that ran, in one transaction, each only while its lease is still
 * ours (one that ran out may have been taken over by another node or worker, whose outcome is the
 * one to keep); the leases of those still to run are renewed from now. */
static int outcomes(og_store *s, const og_events__sub *snap, const og_events_config *cfg,
                    claimed *c, int n)
{
    char now_s[OG_TIME_LEN];
    int64_t now = og_time_now_us();
    int error;
    og_time_format(now, now_s);
    if ((error = og_store_tx_begin_scope(s, NULL)) < 0)
        return error;
    for (int k = 0; k < n && error >= 0; k++) {
        claimed *d = &c[k];
        if (d->ran)
            error = og_store_run(s,
                                 "UPDATE event_deliveries SET state = ?, next_us = ?,"
                                 " attempts = attempts - ?, lease_us = 0, lease_owner = NULL,"
                                 " last_error = ?, updated_at = ? WHERE event_id = ? AND"
                                 " handler = ? AND state = 'running' AND lease_owner = ? AND"
                                 " attempts = ?",
                                 "tiittttti", d->state, d->next_us, (int64_t)d->uncount,
                                 strcmp(d->state, "done") == 0 ? NULL : d->msg, now_s, d->event_id,
                                 snap[d->sub].name, cfg->node, (int64_t)d->attempt);
        else
            error = og_store_run(s,
                                 "UPDATE event_deliveries SET lease_us = ?, updated_at = ? WHERE"
                                 " event_id = ? AND handler = ? AND state = 'running' AND"
                                 " lease_owner = ? AND attempts = ?",
                                 "itttti", (int64_t)(now + cfg->lease_us), now_s, d->event_id,
                                 snap[d->sub].name, cfg->node, (int64_t)d->attempt);
    }
    return og_store_tx_end(s, error < 0 ? error : 0);
}

int og_events__pass(og_ctx *ctx, const og_events_config *cfg, int *delivered, int *work,
                    int64_t *next_due_us)
{
    og_events__sub snap[OG_EVENTS__MAX_HANDLERS];
    bool fan[OG_EVENTS__MAX_HANDLERS], due[OG_EVENTS__MAX_HANDLERS];
    size_t n = og_events__subs_snapshot(snap);
    claimed *c = NULL;
    int nc = 0, error = 0, from = 0;
    int64_t next = 0, since;
    if (next_due_us)
        *next_due_us = 0;
    if (n == 0)
        return 0;
    if ((error = survey(ctx->store, snap, n, og_time_now_us(), fan, due, &next)) < 0)
        return error;
    if (next_due_us)
        *next_due_us = next;
    if (!(c = calloc(CLAIM_MAX, sizeof(*c))))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = fan_and_claim(ctx->store, snap, n, cfg, fan, due, c, &nc)) < 0 || nc == 0)
        goto cleanup;
    since = og_time_mono_us();
    for (int k = 0; k < nc; k++) {
        (*work)++;
        deliver(ctx, &snap[c[k].sub], cfg, &c[k], delivered);
        /* slow handlers: what ran so far is recorded, and the leases of the rest renewed, long
         * before they run out and another worker would take them over */
        if (k + 1 < nc && og_time_mono_us() - since > cfg->lease_us / 4) {
            if ((error = outcomes(ctx->store, snap, cfg, c + from, nc - from)) < 0)
                goto cleanup;
            from = k + 1;
            since = og_time_mono_us();
        }
    }
    error = outcomes(ctx->store, snap, cfg, c + from, nc - from);
cleanup:
    free(c);
    return error;
}
