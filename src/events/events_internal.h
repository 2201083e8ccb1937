/* events_internal.h - helpers shared by the files of the events module only. */
#ifndef OPSGATE_EVENTS_INTERNAL_H
#define OPSGATE_EVENTS_INTERNAL_H

#include "opsgate/events.h"

/* The delay before retry number `attempt` (1 = the first retry): base * 2^(attempt-1), capped at
 * max, then jittered into [d/2, d] with jitter in [0, 1] (0 = d/2, 1 = d). */
int64_t og_events__backoff_us(const og_events_config *cfg, int attempt, double jitter);

#endif
