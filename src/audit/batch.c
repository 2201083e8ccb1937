/* batch.c - appending a list of prepared records in one transaction (the durable writer's batch):
 * each chain's head read once, the names looked up once per chain and target, several rows per
 * INSERT; one by one again when anything fails. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

/*
 * What the batch knows, valid for the rest of its transaction: the only writes in it are the
 * batch's own records, so a name looked up once is the name every later record of the batch
 * would have looked up (one record naming a target becomes the target's last recorded name, which
 * the batch notes as it goes), and a chain's head is the batch's own last record.
 */
typedef struct chain_state {
    const og_audit__item *first; /* the first item of the chain: its chain, its actor */
    int64_t seq;                 /* of the chain's last record */
    char prev[OG_AUDIT_HASH_HEX];
} chain_state;

/* A name the batch looked up: the chain's tenant or a target as a namer named it for one actor
 * (namers are told who writes), or the last name recorded for a target in the chain. */
enum { NAME_TENANT, NAME_NAMER, NAME_LAST };
typedef struct name_state {
    int kind;
    const og_audit__item *first; /* the item it was looked up for: its chain and actor */
    const char *type, *id;       /* the target (NAME_NAMER, NAME_LAST) */
    char name[OG_AUDIT_NAME_MAX];
} name_state;

typedef struct batch_row {
    og_audit__row r;
    char time[OG_TIME_LEN];
    char hash[OG_AUDIT_HASH_HEX];
    char prev[OG_AUDIT_HASH_HEX];
    char tenant[OG_AUDIT_NAME_MAX];
    char target[OG_AUDIT_NAME_MAX];
} batch_row;

typedef struct batch {
    og_audit__appender *a;
    size_t n; /* items, and the capacity of every array below */
    chain_state *chains;
    size_t nchains;
    name_state *names;
    size_t nnames;
    batch_row *rows;
} batch;

static int same_actor(const og_actor *x, const og_actor *y)
{
    return x == y ||
           (x->kind == y->kind && x->role == y->role && og_streq(x->local_user, y->local_user) &&
            og_streq(x->component, y->component) && og_streq(x->user_id, y->user_id) &&
            og_streq(x->user_name, y->user_name) && og_streq(x->token_id, y->token_id) &&
            og_streq(x->tenant_id, y->tenant_id));
}

static chain_state *chain_of(batch *b, const og_audit__item *it)
{
    og_audit__appender *a = b->a;
    for (size_t i = 0; i < b->nchains; i++)
        if (og_streq(b->chains[i].first->chain, it->chain))
            return &b->chains[i];
    chain_state *c = &b->chains[b->nchains];
    memset(c, 0, sizeof(*c));
    c->first = it;
    og_strlcpy(c->prev, zero_hash, sizeof(c->prev));
    og_stmt_reset(a->last);
    og_stmt_bind_text(a->last, 1, it->chain);
    int rc = og_stmt_step(a->last);
    if (rc == OG_ROW) {
        c->seq = og_stmt_col_int(a->last, 0);
        og_strlcpy(c->prev, og_stmt_col_text(a->last, 1) ? og_stmt_col_text(a->last, 1) : "",
                   sizeof(c->prev));
    }
    og_stmt_reset(a->last);
    if (rc < 0)
        return NULL;
    b->nchains++;
    return c;
}

/* The name_state of that kind for the item (its chain, target and, but for NAME_LAST, its
 * actor); *fresh = 1 when just added, to be looked up. */
static name_state *name_of(batch *b, const og_audit__item *it, int kind, int *fresh)
{
    const char *type = kind == NAME_TENANT ? NULL : it->rec->target_type;
    const char *id = kind == NAME_TENANT ? NULL : it->rec->target_id;
    for (size_t i = 0; i < b->nnames; i++) {
        name_state *n = &b->names[i];
        if (n->kind == kind && og_streq(n->first->chain, it->chain) && og_streq(n->type, type) &&
            og_streq(n->id, id) && (kind == NAME_LAST || same_actor(n->first->actor, it->actor))) {
            *fresh = 0;
            return n;
        }
    }
    name_state *n = &b->names[b->nnames++];
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->first = it;
    n->type = type;
    n->id = id;
    *fresh = 1;
    return n;
}

/* The chain's tenant name for this item (as og_audit__tenant_name gives it). */
static int tenant_of(batch *b, const og_audit__item *it, char out[OG_AUDIT_NAME_MAX])
{
    int fresh, rc;
    out[0] = '\0';
    if (og_streq(it->chain, OG_AUDIT_PLATFORM_CHAIN))
        return 0;
    name_state *n = name_of(b, it, NAME_TENANT, &fresh);
    if (fresh) {
        og_ctx nctx = {.store = b->a->s, .actor = *it->actor};
        if ((rc = og_audit__tenant_name(&nctx, it->chain, n->name, sizeof(n->name))) < 0)
            return rc;
    }
    og_strlcpy(out, n->name, OG_AUDIT_NAME_MAX);
    return 0;
}

/* The target's name for this item, as append.c's names_now finds it: the caller's, else the
 * tenant's for the chain's own tenant, else the namer's, else the last one recorded (by the batch
 * or before it). */
static int target_of(batch *b, const og_audit__item *it, const char *tenant,
                     char out[OG_AUDIT_NAME_MAX])
{
    const og_audit_rec *rec = it->rec;
    int fresh, rc;
    out[0] = '\0';
    if (og_audit__name_fit(rec->target_name, out, OG_AUDIT_NAME_MAX))
        return 0;
    if (!rec->target_type || !rec->target_id || !rec->target_id[0])
        return 0;
    if (og_streq(rec->target_type, "tenant") && og_streq(rec->target_id, it->chain) && tenant[0]) {
        og_strlcpy(out, tenant, OG_AUDIT_NAME_MAX);
        return 0;
    }
    name_state *n = name_of(b, it, NAME_NAMER, &fresh);
    if (fresh) {
        og_ctx nctx = {.store = b->a->s, .actor = *it->actor};
        if ((rc = og_audit__name(&nctx, rec->target_type,
                                 og_streq(it->chain, OG_AUDIT_PLATFORM_CHAIN) ? NULL : it->chain,
                                 rec->target_id, 1, n->name, sizeof(n->name))) < 0)
            return rc;
    }
    if (!n->name[0]) {
        n = name_of(b, it, NAME_LAST, &fresh);
        if (fresh && (rc = og_audit__last_named(b->a, it->chain, rec->target_type, rec->target_id,
                                                n->name)) < 0)
            return rc;
    }
    og_strlcpy(out, n->name, OG_AUDIT_NAME_MAX);
    return 0;
}

/* A record of the batch names its target: that is now the last name recorded for it in the
 * chain. */
static void note_named(batch *b, const og_audit__item *it, const char *name)
{
    int fresh;
    name_state *n = name_of(b, it, NAME_LAST, &fresh);
    og_strlcpy(n->name, name, sizeof(n->name));
}

/* Row i of the batch: the item's record in its place in the chain. */
static int row_make(batch *b, og_audit__item *it, batch_row *row)
{
    int rc;
    chain_state *c = chain_of(b, it);
    if (!c)
        return og_error_wrap("reading the head of audit chain '%s'", it->chain);
    if ((rc = tenant_of(b, it, row->tenant)) < 0 ||
        (rc = target_of(b, it, row->tenant, row->target)) < 0)
        return rc;
    og_time_format(og_time_now_us(), row->time);
    og_strlcpy(row->prev, c->prev, sizeof(row->prev));
    og_audit__item_row(it, &row->r);
    row->r.seq = c->seq + 1;
    row->r.time = row->time;
    row->r.prev_hash = row->prev;
    row->r.tenant_name = row->tenant[0] ? row->tenant : NULL;
    row->r.target_name = row->target[0] ? row->target : NULL;
    if ((rc = og_audit__item_hash(&b->a->scratch, it, &row->r, row->hash)) < 0)
        return rc;
    c->seq = row->r.seq;
    og_strlcpy(c->prev, row->hash, sizeof(c->prev));
    if (row->r.target_name && row->r.target_type && row->r.target_id)
        note_named(b, it, row->r.target_name);
    return 0;
}

/* The appender's INSERT of k rows (1 <= k <= OG_AUDIT__INSERT_ROWS), prepared once. */
static og_stmt *insert_of(og_audit__appender *a, int k)
{
    static const char one[] =
        ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    if (!a->ins_rows[k - 1]) {
        og_buf sql;
        og_buf_init(&sql, 64 * 1024);
        int rc = og_buf_puts(&sql, "INSERT INTO audit_record (" OG_AUDIT__COLUMNS ") VALUES");
        for (int i = 0; i < k && rc == 0; i++)
            rc = og_buf_puts(&sql, i ? one : one + 1);
        if (rc == 0)
            og_stmt_prepare(&a->ins_rows[k - 1], a->s, sql.data);
        og_buf_free(&sql);
    }
    return a->ins_rows[k - 1];
}

/*
 * Insert rows [0, n): on PostgreSQL up to OG_AUDIT__INSERT_ROWS per statement (one round trip
 * each), on SQLite one per statement: SQLite first copies a multi-row VALUES into a temporary
 * table when the table has triggers (audit_record_extends_chain), which costs more than it saves.
 */
static int rows_insert(batch *b, size_t n)
{
    int most = og_store_has(b->a->s, OG_STORE_CAP_ROUND_TRIPS) ? OG_AUDIT__INSERT_ROWS : 1;
    for (size_t done = 0; done < n;) {
        int k = n - done < (size_t)most ? (int)(n - done) : most;
        og_stmt *st = k == 1 ? b->a->ins : insert_of(b->a, k);
        if (!st)
            return og_error_wrap("preparing the audit records' INSERT");
        og_stmt_reset(st);
        for (int i = 0; i < k; i++)
            og_audit__row_bind(st, i, &b->rows[done + (size_t)i].r, b->rows[done + (size_t)i].hash);
        int rc = og_stmt_step(st);
        og_stmt_reset(st);
        if (rc < 0)
            return og_error_wrap("appending %d records to the audit trail", k);
        done += (size_t)k;
    }
    return 0;
}

/* The fast way: every item's row made, then inserted. Nothing is set in the items. */
static int batch_fast(og_audit__appender *a, og_audit__item *items, size_t n)
{
    int error = -1;
    batch b = {.a = a, .n = n};
    size_t i = 0;
    b.chains = calloc(n, sizeof(*b.chains));
    b.names = calloc(3 * n, sizeof(*b.names)); /* a tenant, a namer's, a last name per item */
    b.rows = calloc(n, sizeof(*b.rows));
    if (!b.chains || !b.names || !b.rows) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (og_audit__item *it = items; it; it = it->next, i++)
        if ((error = row_make(&b, it, &b.rows[i])) < 0)
            goto cleanup;
    if ((error = rows_insert(&b, n)) < 0)
        goto cleanup;
    i = 0;
    for (og_audit__item *it = items; it; it = it->next, i++) {
        it->seq = b.rows[i].r.seq;
        it->rc = 0;
    }
    error = 0;
cleanup:
    free(b.chains);
    free(b.names);
    free(b.rows);
    return error;
}

static void item_fail(og_audit__item *it, int rc)
{
    it->rc = rc;
    og_strlcpy(it->err, og_error_last(), sizeof(it->err));
}

static int by_chain(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Begin the batch's transaction and lock the chains it appends to, in name order: two nodes'
 * batches never wait for each other in a cycle. */
static int batch_begin(og_audit__appender *a, og_audit__item *items, size_t n)
{
    size_t i = 0;
    /* Scoped to nothing of its own: it runs beside other nodes' and tenants' writers, holding
     * only the chains it appends to. */
    int rc = og_store_tx_begin_scope(a->s, NULL);
    const char **chains = rc == 0 ? calloc(n ? n : 1, sizeof(*chains)) : NULL;
    if (rc == 0 && !chains)
        rc = og_error_set(OG_ERROR, "out of memory");
    for (og_audit__item *it = items; rc == 0 && it && i < n; it = it->next)
        chains[i++] = it->chain;
    if (rc == 0)
        qsort(chains, i, sizeof(*chains), by_chain);
    for (size_t k = 0; rc == 0 && k < i; k++)
        if (k == 0 || strcmp(chains[k], chains[k - 1]) != 0)
            rc = og_audit__chain_lock(a->s, chains[k]);
    free(chains);
    if (rc < 0 && og_store_tx_depth(a->s) > 0)
        og_store_tx_rollback(a->s);
    return rc;
}

/* One by one, each under its own savepoint: a record that fails fails alone. */
static void batch_each(og_audit__appender *a, og_audit__item *items)
{
    for (og_audit__item *it = items; it; it = it->next) {
        int e = og_store_tx_begin(a->s);
        if (e == 0)
            e = og_store_tx_end(a->s, og_audit__append_item(a, it, &it->seq));
        if (e < 0)
            item_fail(it, e);
        else
            it->rc = 0;
    }
}

int og_audit__batch_commit(og_audit__appender *a, og_audit__item *items)
{
    size_t n = 0;
    int opens = 0, rc;
    if (og_store_tx_depth(a->s) > 0)
        return og_error_set(OG_ERROR, "audit: a batch of records is a transaction of its own");
    for (og_audit__item *it = items; it; it = it->next) {
        n++;
        /* a tenant.create record of the platform may open the tenant's chain, and names the
         * tenant for the records of its chain that follow (og_audit__tenant_name) */
        opens |= it->opens_chain || (og_streq(it->chain, OG_AUDIT_PLATFORM_CHAIN) &&
                                     og_streq(it->rec->action, "tenant.create"));
        it->rc = 0;
    }
    if (n == 0)
        return 0;
    if ((rc = batch_begin(a, items, n)) < 0)
        goto failed;
    /* The fast way, all or nothing: no savepoint (SQLite would copy the pages every INSERT
     * changes into a savepoint's journal, growing over the batch until it spills into a temporary
     * file) and, on PostgreSQL, none per statement either. A record that opens a tenant's chain
     * appends the chain's first record as well: rare, and the one-by-one way does it. */
    if (!opens) {
        if ((rc = og_store_tx_atomic(a->s)) == 0 && (rc = batch_fast(a, items, n)) == 0)
            goto commit;
        og_store_tx_rollback(a->s);
        if (n == 1)
            goto failed; /* the record's own failure */
        /* the failing record fails again below, alone; the others are appended */
        if ((rc = batch_begin(a, items, n)) < 0)
            goto failed;
    }
    batch_each(a, items);
commit:
    if ((rc = og_store_tx_commit(a->s)) == 0)
        return 0;
failed:
    /* nothing of the batch is durable: every record's writer learns why */
    for (og_audit__item *it = items; it; it = it->next)
        if (it->rc == 0)
            item_fail(it, rc);
    return rc;
}
