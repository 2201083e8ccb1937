/* sync_batch.c - the pulled projects of a sync written in batches: each project of a mapped
 * company is copied into a queue as the adaptor yields it, and the queue is written in one
 * transaction once it holds BATCH_MAX projects (and at the end of the pull), each project under
 * its own savepoint as before, so one failing project still keeps its previous snapshot while the
 * others are written. One commit per batch instead of one per project: the pages the projects
 * share (the audit chain's tail, the indexes) go to the write-ahead log once per batch. The
 * write lock is taken only while a full queue is written, never while the vendor is asked for
 * the next page (docs/connectors-sync.md). */
#include <stdlib.h>
#include <string.h>

#include "opsgate/error.h"
#include "sync_internal.h"

#define BATCH_MAX 64

typedef struct queued {
    og_conn_project p; /* its strings and records point at the copies below */
    char *remote_id, *company_id, *company_name, *updated_at;
    json_t *raw, *data;
    char tenant[OG_ID_LEN];
} queued;

struct og_conn__batch {
    queued q[BATCH_MAX];
    size_t n;
};

static void queued_clear(queued *q)
{
    free(q->remote_id);
    free(q->company_id);
    free(q->company_name);
    free(q->updated_at);
    json_decref(q->raw);
    json_decref(q->data);
    memset(q, 0, sizeof(*q));
}

static int dup_opt(const char *in, char **out)
{
    *out = NULL;
    return in && !(*out = strdup(in)) ? -1 : 0;
}

/* Copy p into q: the adaptor's strings and records are borrowed for its callback only. */
static int queued_set(queued *q, const og_conn_project *p, const char *tenant)
{
    if (dup_opt(p->remote_id, &q->remote_id) < 0 || dup_opt(p->company_id, &q->company_id) < 0 ||
        dup_opt(p->company_name, &q->company_name) < 0 ||
        dup_opt(p->updated_at, &q->updated_at) < 0 ||
        (p->raw && !(q->raw = json_deep_copy(p->raw))) ||
        (p->data && !(q->data = json_deep_copy(p->data)))) {
        queued_clear(q);
        return og_error_set(OG_ERROR, "out of memory");
    }
    og_strlcpy(q->tenant, tenant, sizeof(q->tenant));
    q->p.remote_id = q->remote_id;
    q->p.company_id = q->company_id;
    q->p.company_name = q->company_name;
    q->p.updated_at = q->updated_at;
    q->p.closed = p->closed;
    q->p.raw = q->raw;
    q->p.data = q->data;
    return 0;
}

/* Each queued project under its own savepoint (project_sync's transaction nests). A failing
 * project is counted and the others go on, unless the database itself failed (full, busy,
 * corrupt: SQLite may have rolled the whole transaction back): that error is returned. */
static int write_each(og_conn_sync *r, struct og_conn__batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        int error = og_conn__project_sync(r, &b->q[i].p, b->q[i].tenant);
        if (error == OG_ENOSPACE || error == OG_EBUSY || error == OG_ECORRUPT)
            return error;
        if (error < 0)
            og_conn__sync_fail(r, error); /* this one keeps its snapshot; the others go on */
    }
    return 0;
}

int og_conn__batch_flush(og_conn_sync *r)
{
    struct og_conn__batch *b = r->batch;
    int64_t changes = r->changes;
    int error;
    if (!b || !b->n)
        return 0;
    if ((error = og_store_tx_begin(r->sys.store)) == 0)
        error = og_store_tx_end(r->sys.store, write_each(r, b));
    if (error < 0) {
        r->changes = changes; /* none of the batch was written */
        og_error_wrap("connector %s: writing %zu pulled projects", r->c->name, b->n);
    }
    for (size_t i = 0; i < b->n; i++)
        queued_clear(&b->q[i]);
    b->n = 0;
    return error;
}

int og_conn__batch_add(og_conn_sync *r, const og_conn_project *p, const char *tenant)
{
    int error;
    if (!r->batch && !(r->batch = calloc(1, sizeof(*r->batch))))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = queued_set(&r->batch->q[r->batch->n], p, tenant)) < 0)
        return error;
    if (++r->batch->n == BATCH_MAX)
        return og_conn__batch_flush(r);
    return 0;
}

void og_conn__batch_free(og_conn_sync *r)
{
    if (!r->batch)
        return;
    for (size_t i = 0; i < r->batch->n; i++)
        queued_clear(&r->batch->q[i]);
    free(r->batch);
    r->batch = NULL;
}
