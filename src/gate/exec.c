/* exec.c - running an action kind's execute and rollback for a gate item under a savepoint, with
 * the item visible to the kind while it runs (og_gate_executing). */
#include "gate/gate_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

/* The item whose execute or rollback runs in this thread (og_gate_executing). */
static _Thread_local const og_gate_exec *tl_exec;

const og_gate_exec *og_gate_executing(void)
{
    return tl_exec;
}

/* Call k's execute (its result into *result) or, when result is NULL, its rollback, with it as
 * the running item. */
static int call_kind(og_ctx *ctx, const og_action_kind *k, const og_gate__item *it,
                     bool on_approval, json_t **result)
{
    og_gate_exec x = {
        .gate_id = it->id,
        .kind = it->kind,
        .level = it->level,
        .requested_by = it->requested_by,
        .requester_key = it->requester_key,
        .on_approval = on_approval,
    };
    const og_gate_exec *outer = tl_exec;
    int error;
    tl_exec = &x;
    if (result)
        error = k->execute(ctx, it->tenant_id, it->params, it->staged, result);
    else
        error = k->rollback(ctx, it->tenant_id, it->params, it->result);
    tl_exec = outer;
    return error;
}

void og_gate__undo_executed(og_ctx *ctx, const og_action_kind *k, const og_gate__item *it)
{
    char saved[1024];
    int code = og_error_code();
    if (!k->rollback || og_store_tx_depth(ctx->store) == 0)
        return; /* irreversible, or the commit failed: the records it needs are gone */
    og_strlcpy(saved, og_error_last(), sizeof(saved));
    (void)call_kind(ctx, k, it, false, NULL);
    og_error_set(code, "%s", saved);
}

int og_gate__execute(og_ctx *ctx, const og_action_kind *k, og_gate__item *it, bool on_approval,
                     char *err, size_t errsize)
{
    int error;
    it->result = NULL;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error = call_kind(ctx, k, it, on_approval, &it->result);
    if (error < 0) {
        snprintf(err, errsize, "%s", og_error_last()[0] ? og_error_last() : og_error_name(error));
        og_store_tx_rollback(ctx->store);
        json_decref(it->result);
        it->result = NULL;
        return error;
    }
    if ((error = og_store_tx_commit(ctx->store)) < 0) {
        og_gate__undo_executed(ctx, k, it); /* a failed release leaves its savepoint open */
        og_store_tx_rollback(ctx->store);
        json_decref(it->result);
        it->result = NULL;
    }
    return error;
}

int og_gate__rollback(og_ctx *ctx, const og_action_kind *k, const og_gate__item *it)
{
    int error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = call_kind(ctx, k, it, false, NULL)) < 0) {
        og_error_wrap("rolling back gate item %s", it->id);
        og_store_tx_rollback(ctx->store);
        return error;
    }
    return og_store_tx_commit(ctx->store);
}
