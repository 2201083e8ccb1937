/* background.h - internal to src/http: periodic jobs of the server. */
#ifndef OPSGATE_HTTP_BACKGROUND_H
#define OPSGATE_HTTP_BACKGROUND_H

#include <pthread.h>
#include <stdint.h>

#include "opsgate/audit.h"
#include "opsgate/context.h"
#include "opsgate/crypto.h"
#include "opsgate/store.h"

/* A job runs with a system actor ("system:<component>") and a pooled store, outside any
 * transaction. A failure is logged; the job runs again at its next time. */
typedef int (*og_http_job_fn)(og_ctx *ctx);

struct og_http_background;

typedef struct og_http_job {
    struct og_http_background *bg;
    pthread_t thread;
    int running;
    const char *name;
    const char *component;
    int64_t every_us;
    int64_t next_us; /* monotonic */
    og_http_job_fn run;
    int (*run_bg)(og_ctx *ctx, struct og_http_background *bg); /* instead of run, if set */
    char lease[96]; /* "job:NAME", the lease a node holds while it runs the job */
    int local;      /* runs on every node, no lease: work on this process's own memory */
} og_http_job;

#define OG_HTTP_MAX_JOBS 16

typedef struct og_http_background {
    og_store_pool *pool;  /* borrowed */
    og_keyring *keys;     /* borrowed */
    const char *data_dir; /* borrowed */
    og_http_job jobs[OG_HTTP_MAX_JOBS];
    size_t njobs;
    pthread_mutex_t mu; /* guards stop, for the waits */
    pthread_cond_t cv;
    int stop, initialised;
    og_audit_opts audit; /* signing key file and witness file of the checkpoint job */
} og_http_background;

/* Add a job before start. */
int og_http__background_add(og_http_background *bg, const char *name, const char *component,
                            int64_t every_us, og_http_job_fn run);
/* Add a job that runs on every node, without a lease (it works on the process's own state, such
 * as its key cache). */
int og_http__background_add_local(og_http_background *bg, const char *name, const char *component,
                                  int64_t every_us, og_http_job_fn run);
/* Start one thread per job (checkpoint_every_us > 0 adds the periodic audit checkpoint job, which
 * signs with bg->audit, set before; the certificate schedule, ACME renewal and connector sync
 * jobs run every minute). */
int og_http__background_start(og_http_background *bg, og_store_pool *pool, og_keyring *keys,
                              const char *data_dir, int64_t checkpoint_every_us);
/* Stop and join; safe on a zeroed or never-started struct. */
void og_http__background_stop(og_http_background *bg);

/* This node's hold on its name in the database (node_lease.c): the lease "node:ID" owned by
 * og_node_instance(). claim takes it at start, from this node's own dead process at once, and
 * refuses with OG_ECONFLICT while another live process holds it; heartbeat (a local background
 * job, every third of the hold) renews it; release lets go at shutdown. */
int64_t og_http__node_ttl_us(void);
int og_http__node_claim(og_store_pool *pool);
int og_http__node_heartbeat(og_ctx *ctx);
void og_http__node_release(og_store_pool *pool);

#endif
