/* decide.c - decisions on gate items (approve, reject, ack, override, escalate, done, failed):
 * who may take which, what each does and records, and the expiry of what waits too long. */
#include "gate/gate_internal.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"

#include <string.h>

#define NOTE_MAX 4096

/* A decision: the level of the items it applies to, the word its record and history carry, its
 * audit action (NULL: the kind's own) and whether it closes the item. */
typedef struct decision_kind {
    const char *name;
    og_gate_level level;
    const char *recorded;
    const char *action;
    bool closes;
} decision_kind;

static const decision_kind decisions[] = {
    {"approve", OG_GATE_L2, "approved", NULL, true},
    {"reject", OG_GATE_L2, "rejected", "gate.reject", true},
    {"ack", OG_GATE_L1, "acknowledged", "gate.ack", true},
    /* the reversal is its own record pointing at the one it reverses */
    {"override", OG_GATE_L1, "overridden", "gate.rollback", true},
    {"escalate", OG_GATE_L1, "escalated", "gate.escalate", false},
    {"done", OG_GATE_L3, "done", "gate.task.outcome", true},
    {"failed", OG_GATE_L3, "failed", "gate.task.outcome", true},
    /* the engine's own (og_gate_expire) */
    {"expire", OG_GATE_L2, "expired", "gate.expire", true},
    {"close", OG_GATE_L1, "review-closed", "gate.review.close", true},
};
#define PEOPLES_DECISIONS 7 /* the first ones: what og_gate_decide takes */

static const decision_kind *decision_find(const char *name, size_t among)
{
    for (size_t i = 0; name && i < among; i++)
        if (strcmp(decisions[i].name, name) == 0)
            return &decisions[i];
    return NULL;
}

static bool is(const decision_kind *d, const char *name)
{
    return strcmp(d->name, name) == 0;
}

/* Does the decision fit the item's level and state? OG_ECONFLICT saying why not. */
static int decision_fits(const og_gate__item *it, const decision_kind *d, int64_t now_us)
{
    const char *state = d->level == OG_GATE_L2   ? "pending"
                        : d->level == OG_GATE_L3 ? "task"
                                                 : "review";
    if (strcmp(it->state, "done") == 0)
        return og_error_set(OG_ECONFLICT, "gate item %s is already decided (%s): cannot %s it",
                            it->id, it->outcome, d->name);
    if (it->level != d->level)
        return og_error_set(
            OG_ECONFLICT, "'%s' applies to %s items (%s); gate item %s is %s in state %s", d->name,
            og_gate_level_name(d->level), state, it->id, og_gate_level_name(it->level), it->state);
    if (it->deadline_us && now_us >= it->deadline_us) {
        char when[OG_TIME_LEN];
        og_time_format(it->deadline_us, when);
        return og_error_set(OG_ECONFLICT, "gate item %s: its %s ended at %s", it->id,
                            d->level == OG_GATE_L2 ? "approval time" : "review window", when);
    }
    return 0;
}

/* May this actor take this decision? */
static int decision_allowed(const og_ctx *ctx, const og_gate__item *it, const char *decision)
{
    const og_actor *a = &ctx->actor;
    char key[160];
    int error;
    if ((error = og_authz_check(a, it->tenant_id, OG_PERM_WRITE)) < 0) {
        if (error == OG_ENOTFOUND)
            return og_error_set(OG_ENOTFOUND, "gate item '%s' not found", it->id);
        return error;
    }
    if (it->level == OG_GATE_L2) {
        const og_action_kind *k = og_gate_kind_find(it->kind);
        if (k && k->admin_approval && !og_gate__is_admin(a))
            return og_error_set(OG_EDENIED,
                                "to %s a %s approval needs the tenant-admin role (you are %s)",
                                decision, it->kind, og_role_name(a->role));
        if (!og_gate__is_admin(a) && a->role != OG_ROLE_PROJECT_MANAGER)
            return og_error_set(OG_EDENIED,
                                "to %s an approval needs the tenant-admin or project-manager role "
                                "(you are %s)",
                                decision, og_role_name(a->role));
        og_gate__actor_key(a, key, sizeof(key));
        if (strcmp(key, it->requester_key) == 0)
            return og_error_set(OG_EDENIED,
                                "separation of duties: %s requested gate item %s and cannot %s it",
                                it->requested_by, it->id, decision);
        return 0;
    }
    /* L1 and L3 items belong to their assignee; tenant-admins may always step in. */
    if (it->assignee[0] && !og_gate__is_admin(a) && strcmp(a->user_name, it->assignee) != 0)
        return og_error_set(OG_EDENIED, "gate item %s is assigned to %s (or a tenant-admin)",
                            it->id, it->assignee);
    if (it->escalated && !og_gate__is_admin(a))
        return og_error_set(OG_EDENIED, "gate item %s was escalated: a tenant-admin decides now",
                            it->id);
    return 0;
}

/* What a decision does before it is recorded: an approval executes the action (under a
 * savepoint; its failure is recorded, in *exec_rc and err), an override runs the kind's rollback,
 * an escalation hands the item to the tenant-admins. */
static int decision_act(og_ctx *ctx, const og_action_kind *k, og_gate__item *it,
                        const decision_kind *d, int *exec_rc, char *err, size_t errsize)
{
    int error;
    if (is(d, "approve")) {
        json_decref(it->result);
        it->result = NULL;
        if ((error = og_gate__staged_open(ctx, it)) < 0)
            return error;
        *exec_rc = og_gate__execute(ctx, k, it, true, err, errsize);
        if (*exec_rc < 0 && !err[0])
            return *exec_rc;
    } else if (is(d, "override") && k->rollback) {
        return og_gate__rollback(ctx, k, it);
    } else if (is(d, "escalate")) {
        it->escalated = 1;
        it->assignee[0] = '\0'; /* tenant-admins decide from here on */
    }
    return 0;
}

/* Record a decision taken, at `now` by `by`: its audit record, its event, the history and the
 * item itself. */
static int decision_record(og_ctx *ctx, const og_action_kind *k, og_gate__item *it,
                           const decision_kind *d, const char *now, const char *by,
                           const char *note, int exec_rc, const char *err)
{
    og_audit_rec rec;
    char event_id[OG_ID_LEN] = "";
    bool failed = exec_rc < 0 || is(d, "failed");
    int64_t seq = 0;
    int error;
    og_gate__audit_rec(it, &rec);
    if (d->action)
        rec.action = d->action;
    rec.analysis = json_pack("{s:s, s:s, s:s, s:s?, s:O?}", "gate_id", it->id, "kind", it->kind,
                             "decision", d->recorded, "note", note, "result", it->result);
    rec.gate_decision = d->recorded;
    rec.gate_decided_by = by;
    rec.gate_decided_at = now;
    rec.failed = failed;
    rec.detail = failed && exec_rc < 0 ? err : note;
    if (is(d, "override")) {
        rec.rollback_of = it->audit_seq;
        if (!k->rollback)
            rec.detail = "irreversible kind: nothing was rolled back";
    }
    error = og_audit_append(ctx, &rec, &seq);
    json_decref(rec.analysis);
    if (error < 0 ||
        (error = og_gate__event_emit(ctx, it, is(d, "escalate") ? "gate.escalated" : "gate.decided",
                                     d->recorded, by, note, event_id)) < 0 ||
        (error = og_gate__decision_insert(ctx, it->id, d->recorded, by, now, note, seq,
                                          rec.rollback_of, event_id)) < 0)
        return error;
    return og_gate__item_update(ctx, it, by, now, note, is(d, "approve") && exec_rc == 0, failed,
                                exec_rc < 0 ? err : NULL);
}

/*
 * Apply one decision inside the caller's transaction: effects, audit record, history, event.
 * *exec_rc receives an approved action's execution failure (recorded, not rolled back).
 */
static int apply_decision(og_ctx *ctx, og_gate__item *it, const decision_kind *d, const char *note,
                          int *exec_rc, char *err, size_t errsize)
{
    int error;
    const og_action_kind *k = og_gate_kind_find(it->kind);
    char now[OG_TIME_LEN], by[160];
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, by, sizeof(by));
    *exec_rc = 0;
    if (!k && (is(d, "approve") || is(d, "override")))
        return og_error_set(OG_ECONFLICT,
                            "action kind '%s' is not available in this process: "
                            "cannot %s gate item %s",
                            it->kind, is(d, "approve") ? "execute" : "roll back", it->id);
    if ((error = decision_act(ctx, k, it, d, exec_rc, err, errsize)) < 0)
        return error;
    if (is(d, "approve"))
        og_strlcpy(it->outcome, *exec_rc < 0 ? "failed" : "approved", sizeof(it->outcome));
    else
        og_strlcpy(it->outcome, d->recorded, sizeof(it->outcome));
    if (d->closes)
        og_strlcpy(it->state, "done", sizeof(it->state));
    /* the outcome is the analysed action's label (infer.h): what the models learn from */
    if ((error = og_infer_outcome(ctx, it->id, it->outcome)) < 0)
        return error;
    return decision_record(ctx, k, it, d, now, by, note, *exec_rc, err);
}

int og_gate_decide(og_ctx *ctx, const char *gate_id, const char *decision, const char *note)
{
    int error = -1, exec_rc = 0;
    og_gate__item it;
    char err[512] = "";
    const decision_kind *d = decision_find(decision, PEOPLES_DECISIONS);
    memset(&it, 0, sizeof(it));
    if (!d)
        return og_error_set(OG_EINVAL,
                            "unknown decision '%s' (approve, reject, ack, override, escalate, "
                            "done or failed)",
                            decision ? decision : "");
    if (!gate_id || !og_id_valid(gate_id))
        return og_error_set(OG_EINVAL, "bad gate item id '%s'", gate_id ? gate_id : "");
    if (note && strlen(note) > NOTE_MAX)
        return og_error_set(OG_ETOOBIG, "the note is longer than %d bytes", NOTE_MAX);
    if (note && !*note)
        note = NULL;
    /* The write lock is taken at begin: two deciders on one item are serialised, and the second
     * finds it decided. */
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_gate__item_load(ctx->store, gate_id, &it, NULL)) == 0 &&
        (error = decision_allowed(ctx, &it, d->name)) == 0 &&
        (error = decision_fits(&it, d, og_time_now_us())) == 0)
        error = apply_decision(ctx, &it, d, note, &exec_rc, err, sizeof(err));
    error = og_store_tx_end(ctx->store, error);
    if (error >= 0 && exec_rc < 0)
        error = og_error_set(exec_rc, "approved, but %s failed (recorded): %s", it.kind, err);
    og_gate__item_free(&it);
    return error;
}

/* Expire an L2 approval or close an L1 review past its deadline, in its own transaction. */
static int expire_one(og_ctx *ctx, const char *id)
{
    og_gate__item it;
    int error, exec_rc = 0;
    char err[64] = "";
    memset(&it, 0, sizeof(it));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error = og_gate__item_load(ctx->store, id, &it, NULL);
    if (error == 0 && (strcmp(it.state, "pending") == 0 || strcmp(it.state, "review") == 0))
        error = apply_decision(ctx, &it,
                               decision_find(strcmp(it.state, "pending") == 0 ? "expire" : "close",
                                             sizeof(decisions) / sizeof(decisions[0])),
                               NULL, &exec_rc, err, sizeof(err));
    error = og_store_tx_end(ctx->store, error);
    og_gate__item_free(&it);
    return error;
}

int og_gate_expire(og_ctx *ctx, int *n)
{
    int error = -1, count = 0;
    og_stmt *st = NULL;
    char ids[64][OG_ID_LEN];
    int nids = 0;
    int64_t now = og_time_now_us();
    if (n)
        *n = 0;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    /* Bounded batches; each item in its own transaction so one bad item does not stall others. */
    for (int round = 0; round < 100; round++) {
        nids = 0;
        if ((error = og_stmt_prepare(&st, ctx->store,
                                     "SELECT id FROM gate_items WHERE state IN ('pending',"
                                     " 'review') AND deadline_us IS NOT NULL AND deadline_us <= ?"
                                     " ORDER BY deadline_us LIMIT 64")) < 0)
            return error;
        og_stmt_bind_int(st, 1, now);
        while (nids < 64 && og_stmt_step(st) == OG_ROW)
            og_strlcpy(ids[nids++], og_stmt_col_text(st, 0), OG_ID_LEN);
        og_stmt_free(st);
        st = NULL;
        if (nids == 0)
            break;
        for (int i = 0; i < nids; i++) {
            if ((error = expire_one(ctx, ids[i])) < 0)
                return error;
            count++;
        }
    }
    if (n)
        *n = count;
    return 0;
}
