/* events.h - the durable event bus: an outbox written in the same transaction as the change that
 * causes the event, delivered at least once to registered handlers by worker threads. */
#ifndef OPSGATE_EVENTS_H
#define OPSGATE_EVENTS_H

#include <jansson.h>
#include <stdint.h>

#include "opsgate/context.h"

typedef struct og_event {
    char id[OG_ID_LEN];
    char type[64];             /* "gate.review", "certs.expiring", "artifacts.published", ... */
    char tenant_id[OG_ID_LEN]; /* "" for platform events */
    json_t *payload;           /* borrowed for the duration of a handler call */
    char created_at[OG_TIME_LEN];
    int attempt; /* 1 on first delivery to this handler */
} og_event;

/*
 * Write an event to the outbox. Must run inside the caller's open transaction, so the event exists
 * if and only if the change that causes it commits. payload is borrowed. id_out may be NULL.
 * Events carry what their readers need (a notification is rendered from the event alone): the
 * stored payload of a tenant's event gets "tenant_name", the tenant's name at emit time, unless
 * the payload has one; emitters put the names of their objects (certificate names, target,
 * project) in the payload themselves.
 */
int og_event_emit(og_ctx *ctx, const char *tenant_id, const char *type, json_t *payload,
                  char id_out[OG_ID_LEN]);

/*
 * A handler: return 0 when done, a negative code to be retried (exponential backoff with jitter)
 * until the configured number of attempts, after which the delivery is dead-lettered.
 * Delivery is at least once: handlers must be idempotent by event id (ev->id).
 * ctx carries a system actor ("system:events") and a store with no open transaction.
 */
typedef int (*og_event_handler_fn)(og_ctx *ctx, const og_event *ev, void *arg);

/* Register a handler, process-wide, before og_events_start(). pattern: an exact type, a prefix
 * with '*' ("certs.*"), or "*". name must be unique and stable: deliveries are tracked per
 * (event, handler name). */
int og_events_subscribe(const char *name, const char *pattern, og_event_handler_fn fn, void *arg);
void og_events_unsubscribe_all(void); /* tests */

typedef struct og_events_config {
    int workers;             /* delivery threads (default 2) */
    int max_attempts;        /* before dead-lettering (default 8) */
    int64_t backoff_base_us; /* first retry delay (default 1 s), doubled each attempt, jittered */
    int64_t backoff_max_us;  /* cap (default 10 min) */
    int64_t poll_us;         /* how often idle workers look for events written by other
                              * processes (the CLI, other nodes) (default 1 s); those written in
                              * this process wake them, and a delivery falling due (a backoff, a
                              * lease) is looked for when it does */
    int64_t coalesce_us;     /* how long a worker woken by an event of this process waits for
                              * its transaction to commit and for more events to gather into one
                              * pass (default 20 ms) */
    int64_t lease_us;        /* how long a claimed delivery may run before another worker, of
                              * this node or another, may take it again (default 5 min) */
    const char *node;        /* the lease owner written on the deliveries claimed (default
                              * og_node_id(); borrowed: must outlive the workers). A start resets
                              * only this node's leases: a restart under the same `serve --node`
                              * frees them at once, a dead node's run out */
} og_events_config;

typedef struct og_events og_events;
/* Start delivery workers over a pool of stores; deliveries left pending by a crash are picked up,
 * and those this node (cfg->node) left running are due again at once. Several nodes on one
 * database claim each delivery once (a lease per delivery, PostgreSQL: FOR UPDATE SKIP LOCKED).
 * A worker's pass costs two transactions however many events and handlers it serves: the fan-out
 * of new events to every handler together with the claims of what is due (up to 16 deliveries a
 * handler, 64 in all), then, after running them, every outcome. */
int og_events_start(og_events **out, og_store_pool *pool, og_keyring *keys, const char *data_dir,
                    const og_events_config *cfg);
void og_events_stop(og_events *ev); /* waits for in-flight handlers; NULL-safe */

/* One synchronous delivery pass of everything due (CLI, tests). *delivered may be NULL.
 * Counts deliveries that succeeded in this pass. cfg may be NULL (defaults). */
int og_events_run_once(og_ctx *ctx, const og_events_config *cfg, int *delivered);

/*
 * `opsgate events list [--state pending|running|done|dead]`: one entry per (event, handler)
 * delivery, plus events no handler has picked up yet (state "pending", handler null). tenant (name
 * or id) may be NULL for all tenants (platform scope). Caller decrefs *out.
 */
int og_events_list(og_ctx *ctx, const char *tenant, const char *state, json_t **out);
/* `events retry ID`: dead deliveries of the event go back to pending with a fresh attempt count.
 * OG_ENOTFOUND for an unknown event, OG_ECONFLICT when none of its deliveries is dead. Audited. */
int og_events_retry(og_ctx *ctx, const char *event_id);

/*
 * Idempotency helper for handlers whose effect is in the database: call inside the handler's own
 * transaction, before the effect. Returns 1 when (handler, event_id) was already recorded (skip
 * the effect: this is a redelivery), 0 when it is recorded now, negative on error.
 */
int og_event_seen(og_ctx *ctx, const char *handler, const char *event_id);

/* Defaults filled into cfg's zero fields. */
void og_events_config_defaults(og_events_config *cfg);

/* Prometheus text for the bus: deliveries by state and handler. Appends to out. */
int og_events_metrics_render(og_store *s, og_buf *out);

#endif
