/* node_lease.c - a node's name held by one live process per database: claimed at start (refused
 * while another live node holds it, taken back at once from this node's own dead process), kept
 * by a heartbeat, let go at shutdown. */
#include "http/background.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a node's hold on its name lasts without a heartbeat (which comes every third of it),
 * or $OPSGATE_NODE_TTL (a duration), so that tests need not wait. */
#define NODE_TTL_US (30LL * 1000000)

int64_t og_http__node_ttl_us(void)
{
    const char *v = getenv("OPSGATE_NODE_TTL");
    int64_t us;
    if (v && *v && og_duration_parse(v, &us) == 0 && us >= 1000000)
        return us;
    og_error_clear();
    return NODE_TTL_US;
}

static void lease_name(char out[96])
{
    snprintf(out, 96, "node:%s", og_node_id());
}

int og_http__node_claim(og_store_pool *pool)
{
    char name[96], holder[256];
    int64_t expires = 0, ttl = og_http__node_ttl_us();
    int got = 0, error, alive;
    og_store *s = og_store_pool_get(pool);
    lease_name(name);
    if ((error = og_store_lease_take(s, name, og_node_instance(), ttl, &got)) < 0 || got)
        goto cleanup;
    if ((error = og_store_lease_holder(s, name, holder, sizeof(holder), &expires)) < 0)
        goto cleanup;
    if (error == 0) { /* let go since: free to take */
        if ((error = og_store_lease_take(s, name, og_node_instance(), ttl, &got)) < 0 || got)
            goto cleanup;
        if ((error = og_store_lease_holder(s, name, holder, sizeof(holder), &expires)) < 0)
            goto cleanup;
    }
    alive = error == 1 ? og_node_instance_alive(holder) : 1;
    if (alive == 0) {
        /* This node's earlier process on this host, gone (killed, crashed): its name, and with
         * it its running deliveries and jobs, are taken back now rather than when its lease
         * runs out. */
        if ((error = og_store_lease_take_from(s, name, og_node_instance(), holder, ttl, &got)) < 0)
            goto cleanup;
        if (got) {
            fprintf(stderr,
                    "opsgate: node %s: took over from its earlier process (%s), which is not "
                    "running any more\n",
                    og_node_id(), holder);
            goto cleanup;
        }
    }
    int64_t left = (expires - og_time_now_us()) / 1000000;
    error = og_error_set(
        OG_ECONFLICT,
        "node name '%s' is in use by a live node on this database (process %s%s; its hold runs out "
        "in %lld s unless renewed): give each node its own name (serve --node NAME), or stop that "
        "one first",
        og_node_id(), holder, alive < 0 ? ", on another host: it cannot be checked from here" : "",
        (long long)(left > 0 ? left : 0));
cleanup:
    og_store_pool_put(pool, s);
    return error < 0 ? error : 0;
}

int og_http__node_heartbeat(og_ctx *ctx)
{
    char name[96];
    int got = 0;
    lease_name(name);
    int error =
        og_store_lease_take(ctx->store, name, og_node_instance(), og_http__node_ttl_us(), &got);
    if (error == 0 && !got)
        error = og_error_set(OG_ECONFLICT,
                             "node name '%s' was taken by another process while this one's "
                             "heartbeat lapsed: two nodes now run under one name; stop one",
                             og_node_id());
    return error;
}

void og_http__node_release(og_store_pool *pool)
{
    char name[96];
    og_store *s = og_store_pool_get(pool);
    lease_name(name);
    if (og_store_lease_release(s, name, og_node_instance()) < 0)
        fprintf(stderr, "opsgate: node %s: %s\n", og_node_id(), og_error_last());
    og_store_pool_put(pool, s);
}
