/* events_internal.h - helpers shared by the files of the events module only. */
#ifndef OPSGATE_EVENTS_INTERNAL_H
#define OPSGATE_EVENTS_INTERNAL_H

#include "opsgate/events.h"

#include <stdbool.h>

#define OG_EVENTS__MAX_HANDLERS 32

/* A registered handler (worker.c's registry; a pass works on a snapshot of it). */
typedef struct og_events__sub {
    char name[64];
    char pattern[64];
    og_event_handler_fn fn;
    void *arg;
} og_events__sub;

/* A copy of the registry into out; returns how many handlers. */
size_t og_events__subs_snapshot(og_events__sub out[OG_EVENTS__MAX_HANDLERS]);
/* Whether an event type matches a handler's pattern ("x.y", "x.*", "*"). */
bool og_events__pattern_match(const char *pattern, const char *type);

/* The delay before retry number `attempt` (1 = the first retry): base * 2^(attempt-1), capped at
 * max, then jittered into [d/2, d] with jitter in [0, 1] (0 = d/2, 1 = d). */
int64_t og_events__backoff_us(const og_events_config *cfg, int attempt, double jitter);

/*
 * One delivery pass (pass.c) on ctx's store, outside any transaction: fan the outbox out to the
 * handlers whose cursor is behind and claim what is due, in one transaction; run the handlers;
 * record the outcomes, in one more. *delivered counts deliveries that succeeded, *work those
 * attempted. *next_due_us (may be NULL) gets the earliest time after now at which a delivery
 * becomes due again (a backoff ending, a lease running out), 0 when none: a worker sleeps until
 * then at the latest.
 */
int og_events__pass(og_ctx *ctx, const og_events_config *cfg, int *delivered, int *work,
                    int64_t *next_due_us);

/* Wake the delivery workers of this process (og_event_emit, in the emitter's transaction: they
 * wait cfg->coalesce_us for it to commit and for more events to gather). */
void og_events__kick(void);

#endif
