/* append.c - appending records to a chain inside the caller's transaction: a record prepared
 * (checked, the head of its canonical JSON written), then put in its place in the chain. */
#include "audit_internal.h"
#include "opsgate/error.h"

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
    for (int i = 0; i < OG_AUDIT__INSERT_ROWS; i++) {
        og_stmt_free(a->ins_rows[i]);
        a->ins_rows[i] = NULL;
    }
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

void og_audit__item_row(const og_audit__item *it, og_audit__row *r)
{
    const og_audit_rec *rec = it->rec;
    memset(r, 0, sizeof(*r));
    r->chain = it->chain;
    r->actor = it->actor_label;
    r->token_id = it->actor->token_id[0] ? it->actor->token_id : NULL;
    r->area = rec->area;
    r->action = rec->action;
    r->target_type = rec->target_type;
    r->target_id = rec->target_id;
    r->event_id = it->event_id && it->event_id[0] ? it->event_id : NULL;
    r->analysis = rec->analysis ? it->analysis.data : NULL;
    r->gate_level = rec->gate_level;
    r->gate_decision = rec->gate_level ? rec->gate_decision : NULL;
    r->gate_decided_by = rec->gate_level ? rec->gate_decided_by : NULL;
    r->gate_decided_at = rec->gate_level ? rec->gate_decided_at : NULL;
    r->outcome = rec->failed ? "failed" : "ok";
    r->detail = rec->detail;
    r->rollback_of = rec->rollback_of;
    r->actor_id = it->actor->user_id[0] ? it->actor->user_id : NULL;
}

int og_audit__item_prepare(og_audit__item *it, const og_actor *actor, const char *event_id,
                           const og_audit_rec *rec)
{
    int error;
    og_audit__row r;
    memset(it, 0, sizeof(*it));
    if ((error = check_rec(rec)) < 0)
        return error;
    it->actor = actor;
    it->event_id = event_id;
    it->rec = rec;
    it->chain = og_audit__chain_name(rec->tenant_id);
    it->opens_chain = og_streq(it->chain, OG_AUDIT_PLATFORM_CHAIN) &&
                      og_streq(rec->action, "tenant.create") &&
                      og_streq(rec->target_type, "tenant") && rec->target_id && rec->target_id[0] &&
                      !og_streq(rec->target_id, OG_AUDIT_PLATFORM_CHAIN) &&
                      !json_object_get(rec->analysis, OG_AUDIT_CHAIN_REGION);
    og_actor_label(actor, it->actor_label, sizeof(it->actor_label));
    og_buf_init(&it->analysis, OG_AUDIT_RECORD_CAP);
    og_buf_init(&it->head, OG_AUDIT_RECORD_CAP);
    if (rec->analysis && (error = og_audit__jcs(&it->analysis, rec->analysis)) < 0) {
        og_error_wrap("audit record analysis");
        og_audit__item_free(it);
        return error;
    }
    og_audit__item_row(it, &r);
    if ((error = og_audit__row_canonical_head(&it->head, &r)) < 0)
        og_audit__item_free(it);
    return error;
}

void og_audit__item_free(og_audit__item *it)
{
    og_buf_free(&it->analysis);
    og_buf_free(&it->head);
}

int og_audit__item_hash(og_buf *scratch, const og_audit__item *it, const og_audit__row *r,
                        char hex[OG_AUDIT_HASH_HEX])
{
    uint8_t h[32];
    int rc;
    og_buf_reset(scratch);
    if ((rc = og_buf_append(scratch, it->head.data, it->head.len)) < 0 ||
        (rc = og_audit__row_canonical_tail(scratch, r)) < 0)
        return rc;
    og_crypto_sha256(scratch->data, scratch->len, h);
    og_hex_encode(h, 32, hex);
    return 0;
}

int og_audit__last_named(og_audit__appender *a, const char *chain, const char *type, const char *id,
                         char target[OG_AUDIT_NAME_MAX])
{
    int rc;
    target[0] = '\0';
    og_stmt_reset(a->named);
    og_stmt_bind_text(a->named, 1, chain);
    og_stmt_bind_text(a->named, 2, type);
    og_stmt_bind_text(a->named, 3, id);
    if ((rc = og_stmt_step(a->named)) == OG_ROW && og_stmt_col_text(a->named, 0))
        og_strlcpy(target, og_stmt_col_text(a->named, 0), OG_AUDIT_NAME_MAX);
    og_stmt_reset(a->named);
    return rc < 0 ? rc : 0;
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
    return og_audit__last_named(a, chain, rec->target_type, rec->target_id, target);
}

/* Bind record r with its hash as row `row` (0-based) of st, the appender's INSERT of one row or
 * of several (OG_AUDIT__COLUMNS, 23 parameters a row). */
void og_audit__row_bind(og_stmt *st, int row, const og_audit__row *r, const char *hash)
{
    int b = row * 23;
    og_stmt_bind_text(st, b + 1, r->chain);
    og_stmt_bind_int(st, b + 2, r->seq);
    og_stmt_bind_text(st, b + 3, r->time);
    og_stmt_bind_text(st, b + 4, r->actor);
    og_stmt_bind_text(st, b + 5, r->token_id);
    og_stmt_bind_text(st, b + 6, r->area);
    og_stmt_bind_text(st, b + 7, r->action);
    og_stmt_bind_text(st, b + 8, r->target_type);
    og_stmt_bind_text(st, b + 9, r->target_id);
    og_stmt_bind_text(st, b + 10, r->event_id);
    og_stmt_bind_text(st, b + 11, r->analysis);
    og_stmt_bind_text(st, b + 12, r->gate_level);
    og_stmt_bind_text(st, b + 13, r->gate_decision);
    og_stmt_bind_text(st, b + 14, r->gate_decided_by);
    og_stmt_bind_text(st, b + 15, r->gate_decided_at);
    og_stmt_bind_text(st, b + 16, r->outcome);
    og_stmt_bind_text(st, b + 17, r->detail);
    if (r->rollback_of)
        og_stmt_bind_int(st, b + 18, r->rollback_of);
    else
        og_stmt_bind_null(st, b + 18);
    og_stmt_bind_text(st, b + 19, r->prev_hash);
    og_stmt_bind_text(st, b + 20, hash);
    og_stmt_bind_text(st, b + 21, r->tenant_name);
    og_stmt_bind_text(st, b + 22, r->actor_id);
    og_stmt_bind_text(st, b + 23, r->target_name);
}

/* Insert the record r with its hash through the appender's prepared INSERT st. */
static int row_insert(og_stmt *st, const og_audit__row *r, const char *hash)
{
    og_stmt_reset(st);
    og_audit__row_bind(st, 0, r, hash);
    if (og_stmt_step(st) < 0)
        return og_error_wrap("appending to audit chain '%s'", r->chain);
    og_stmt_reset(st);
    return 0;
}

/* A tenant's chain is opened with its tenant, by a record that names the platform record
 * creating it: verify can tell a chain that was deleted whole from one that never had a record. */
static int open_chain(og_audit__appender *a, const og_audit__item *it, int64_t seq,
                      const char *hash)
{
    int error;
    json_t *open = json_pack("{s:I,s:s}", "platform_seq", (json_int_t)seq, "platform_hash", hash);
    og_audit_rec genesis = {.tenant_id = it->rec->target_id,
                            .area = "audit",
                            .action = OG_AUDIT_ACT_CHAIN_OPEN,
                            .target_type = "tenant",
                            .target_id = it->rec->target_id,
                            .analysis = open};
    error = open ? og_audit__append(a, it->actor, it->event_id, &genesis, NULL)
                 : og_error_set(OG_ERROR, "out of memory");
    json_decref(open);
    return error;
}

int og_audit__append_item(og_audit__appender *a, og_audit__item *it, int64_t *out_seq)
{
    char tenant_name[OG_AUDIT_NAME_MAX], target_name[OG_AUDIT_NAME_MAX];
    int error = -1;
    char time[OG_TIME_LEN], hash[OG_AUDIT_HASH_HEX], prev[OG_AUDIT_HASH_HEX];
    og_audit__row r;
    int64_t seq = 1;
    /* The names first: they do not depend on the chain's head, so its lock is not held while
     * they are read (a writer of the chain that commits meanwhile changes no name but the
     * fallback to the target's last recorded one, which it recorded for the same object). */
    if ((error = names_now(a, it->actor, it->rec, it->chain, tenant_name, target_name)) < 0)
        return error;
    /* The chain's writers, on every node, one at a time from reading its head to the commit. */
    if ((error = og_audit__chain_lock(a->s, it->chain)) < 0)
        return error;
    og_stmt_reset(a->last);
    og_stmt_bind_text(a->last, 1, it->chain);
    if ((error = og_stmt_step(a->last)) < 0)
        return error;
    og_strlcpy(prev, zero_hash, sizeof(prev));
    if (error == OG_ROW) {
        seq = og_stmt_col_int(a->last, 0) + 1;
        og_strlcpy(prev, og_stmt_col_text(a->last, 1) ? og_stmt_col_text(a->last, 1) : "",
                   sizeof(prev));
    }
    og_stmt_reset(a->last);

    og_time_format(og_time_now_us(), time);
    og_audit__item_row(it, &r);
    r.seq = seq;
    r.time = time;
    r.prev_hash = prev;
    r.tenant_name = tenant_name[0] ? tenant_name : NULL;
    r.target_name = target_name[0] ? target_name : NULL;
    if ((error = og_audit__item_hash(&a->scratch, it, &r, hash)) < 0 ||
        (error = row_insert(a->ins, &r, hash)) < 0)
        return error;
    if (out_seq)
        *out_seq = seq;
    if (it->opens_chain && (error = open_chain(a, it, seq, hash)) < 0)
        return error;
    return 0;
}

int og_audit__append(og_audit__appender *a, const og_actor *actor, const char *event_id,
                     const og_audit_rec *rec, int64_t *out_seq)
{
    og_audit__item it;
    int error = og_audit__item_prepare(&it, actor, event_id, rec);
    if (error < 0)
        return error;
    if (og_store_tx_depth(a->s) <= 0)
        error = og_error_set(OG_ERROR, "audit: og_audit_append needs the caller's open transaction,"
                                       " so the record commits or rolls back with its change");
    else
        error = og_audit__append_item(a, &it, out_seq);
    og_audit__item_free(&it);
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
