/* engine.c - the gate engine's front door: a request runs an action at L0/L1, holds it for
 * approval at L2 or hands it to a human at L3, recorded in the audit trail in one transaction.
 * Decisions are decide.c's, reading list.c's. */
#include "gate/gate_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"

#include <string.h>

int og_gate_request(og_ctx *ctx, const char *tenant_id, const char *kind, const char *target_type,
                    const char *target_id, json_t *params, json_t *analysis, og_gate_outcome *out)
{
    og_gate_about about = {.target_type = target_type, .target_id = target_id};
    return og_gate_request_about(ctx, tenant_id, kind, &about, params, analysis, out);
}

int og_gate_request_about(og_ctx *ctx, const char *tenant_id, const char *kind,
                          const og_gate_about *about, json_t *params, json_t *analysis,
                          og_gate_outcome *out)
{
    return og_gate_request_staged(ctx, tenant_id, kind, about, params, analysis, NULL, out);
}

static int staged_check(const char *kind, const og_gate_staged *staged)
{
    size_t mlen;
    if (!staged)
        return 0;
    if (staged->len > OG_GATE_STAGED_MAX)
        return og_error_set(OG_ETOOBIG, "%s: the staged input is %zu bytes (at most %zu)", kind,
                            staged->len, OG_GATE_STAGED_MAX);
    if (staged->len && !staged->data)
        return og_error_set(OG_EINVAL, "%s: the staged input has a length but no bytes", kind);
    mlen = staged->media_type ? strlen(staged->media_type) : 0;
    if (mlen == 0 || mlen >= 128)
        return og_error_set(OG_EINVAL,
                            "%s: the staged input needs a media type (1 to 127 characters)", kind);
    return 0;
}

/* The new item of a request: its kind, what it is about (cleaned), its inputs and who asks. */
static void request_item(og_ctx *ctx, const og_action_kind *k, const og_gate_about *about,
                         json_t *params, json_t *analysis, const og_gate_staged *staged,
                         og_gate__item *it)
{
    /* a kind asked for through the general endpoint may say what its params are about */
    char kind_subject[OG_GATE_SUBJECT_MAX + 8];
    const char *subject = about->subject;
    og_id_new(it->id);
    og_strlcpy(it->kind, k->name, sizeof(it->kind));
    og_strlcpy(it->area, k->area, sizeof(it->area));
    og_strlcpy(it->target_type, about->target_type ? about->target_type : "",
               sizeof(it->target_type));
    og_strlcpy(it->target_id, about->target_id ? about->target_id : "", sizeof(it->target_id));
    if (!subject && k->subject && params && k->subject(params, kind_subject, sizeof(kind_subject)))
        subject = kind_subject;
    og_gate__clean_line(subject, it->subject, OG_GATE_SUBJECT_MAX);
    og_gate__clean_line(about->project, it->project, OG_GATE_NAME_MAX);
    og_gate__clean_line(about->target, it->target_name, OG_GATE_NAME_MAX);
    og_gate__clean_line(about->object, it->object_name, OG_GATE_NAME_MAX);
    it->params = params ? json_incref(params) : json_object();
    it->analysis = analysis ? json_incref(analysis) : NULL;
    it->staged = staged;
    og_actor_label(&ctx->actor, it->requested_by, sizeof(it->requested_by));
    og_gate__actor_key(&ctx->actor, it->requester_key, sizeof(it->requester_key));
}

static void set_state(og_gate__item *it, const char *state, const char *outcome)
{
    og_strlcpy(it->state, state, sizeof(it->state));
    og_strlcpy(it->outcome, outcome, sizeof(it->outcome));
}

/* The inference step (infer.h): the analysis kept with the item and its records, and the level
 * it runs at, raised by one when the tenant's risk threshold for the kind is passed. */
static int request_infer(og_ctx *ctx, const og_action_kind *k, const og_gate_about *about,
                         og_gate__item *it, int64_t now_us)
{
    og_infer_result r;
    og_infer_input in = {.kind = k->name,
                         .target_key = about->target ? about->target : about->target_id,
                         .facts = about->facts,
                         .level = (int)it->level,
                         .now_us = now_us};
    int error = og_infer_analyse(ctx, it->tenant_id, it->id, &in, &r);
    if (error < 0)
        return error;
    it->inference = r.analysis;
    if (r.level > (int)it->level && r.level <= OG_GATE_L3)
        it->level = (og_gate_level)r.level;
    return 0;
}

/* Act at the item's level: execute at once (L0/L1, under a savepoint) or wait (L2/L3). Sets the
 * item's state, outcome and deadline and *decision; *exec_rc is execute's failure, its message in
 * err, to be recorded. Returns only a failure that leaves nothing to record (the savepoint's). */
static int request_act(og_ctx *ctx, const og_action_kind *k, og_gate__item *it, int64_t now_us,
                       int64_t approval_us, int64_t review_us, const char **decision, int *exec_rc,
                       char *err, size_t errsize)
{
    switch (it->level) {
    case OG_GATE_L0:
    case OG_GATE_L1:
        *exec_rc = og_gate__execute(ctx, k, it, false, err, errsize);
        if (*exec_rc < 0 && !err[0])
            return *exec_rc; /* the savepoint itself failed: nothing to record */
        *decision = "auto";
        if (*exec_rc < 0) {
            set_state(it, "done", "failed");
        } else if (it->level == OG_GATE_L0) {
            set_state(it, "done", "executed");
        } else {
            set_state(it, "review", "awaiting-review");
            it->deadline_us = now_us + review_us;
        }
        break;
    case OG_GATE_L2:
        *decision = "pending";
        set_state(it, "pending", "awaiting-approval");
        it->deadline_us = now_us + approval_us;
        break;
    case OG_GATE_L3:
        *decision = "assigned";
        set_state(it, "task", "awaiting-human");
        break;
    }
    return 0;
}

/* The request's audit record: the action itself at L0/L1, its request (L2) or task (L3). */
static int request_audit(og_ctx *ctx, og_gate__item *it, const char *decision, const char *now,
                         int exec_rc, const char *err)
{
    og_audit_rec rec;
    int error;
    og_gate__audit_rec(it, &rec);
    if (it->level >= OG_GATE_L2)
        rec.action = it->level == OG_GATE_L2 ? "gate.request" : "gate.task";
    /* an L3 task's recommendation is the inference step's; the module's analysis is context */
    json_t *inf_rec = json_object_get(it->inference, "recommendation");
    bool l3 = it->level == OG_GATE_L3 && inf_rec;
    rec.analysis =
        json_pack("{s:s, s:s, s:O, s:O?, s:O?, s:O?, s:O?}", "gate_id", it->id, "kind", it->kind,
                  "params", it->params, "recommendation", l3 ? inf_rec : it->analysis, "context",
                  l3 ? it->analysis : NULL, "inference", it->inference, "result", it->result);
    rec.gate_decision = decision;
    rec.gate_decided_by = "system:gate";
    rec.gate_decided_at = now;
    rec.failed = exec_rc < 0;
    rec.detail = exec_rc < 0 ? err : NULL;
    error = og_audit_append(ctx, &rec, &it->audit_seq);
    json_decref(rec.analysis);
    return error;
}

/* Whom the request notifies: the reviewer (an L1 action that ran), the approvers, the human. */
static const char *request_event(const og_gate__item *it, int exec_rc)
{
    switch (it->level) {
    case OG_GATE_L1:
        return exec_rc == 0 ? "gate.review" : NULL;
    case OG_GATE_L2:
        return "gate.approval";
    case OG_GATE_L3:
        return "gate.task";
    default:
        return NULL;
    }
}

/* What the caller of a recorded request hears: 0, the action's failure, or OG_EPENDING. */
static int request_result(const og_gate__item *it, int exec_rc, const char *err,
                          og_gate_outcome *out)
{
    if (out) {
        og_strlcpy(out->gate_id, it->id, sizeof(out->gate_id));
        out->level = it->level;
        og_strlcpy(out->state, it->state, sizeof(out->state));
        out->result = it->result ? json_incref(it->result) : NULL;
        out->audit_seq = it->audit_seq;
    }
    if (exec_rc < 0)
        return og_error_set(exec_rc, "%s failed (recorded as gate item %s): %s", it->kind, it->id,
                            err);
    if (it->level == OG_GATE_L2)
        return og_error_set(OG_EPENDING, "%s needs approval: gate item %s is pending", it->kind,
                            it->id);
    if (it->level == OG_GATE_L3)
        return og_error_set(OG_EPENDING, "%s is a task for a human: gate item %s", it->kind,
                            it->id);
    return 0;
}

int og_gate_request_staged(og_ctx *ctx, const char *tenant_id, const char *kind,
                           const og_gate_about *about, json_t *params, json_t *analysis,
                           const og_gate_staged *staged, og_gate_outcome *out)
{
    int error = -1, exec_rc = 0;
    bool executed = false;
    static const og_gate_about none;
    const og_action_kind *k;
    og_gate__item it;
    int64_t approval_us, review_us, now_us = og_time_now_us();
    char now[OG_TIME_LEN], err[512] = "", event_id[OG_ID_LEN] = "";
    const char *decision = NULL, *event;

    memset(&it, 0, sizeof(it));
    if (out)
        memset(out, 0, sizeof(*out));
    if (!about)
        about = &none;
    if ((error = og_gate__kind_lookup(kind, &k)) < 0)
        return error;
    if (params && !json_is_object(params))
        return og_error_set(OG_EINVAL, "%s: params must be a JSON object", kind);
    if (analysis && !json_is_object(analysis))
        return og_error_set(OG_EINVAL, "%s: the recommendation must be a JSON object", kind);
    if ((error = staged_check(kind, staged)) < 0 ||
        (error = og_gate__tenant(ctx, tenant_id, OG_PERM_WRITE, it.tenant_id)) < 0)
        return error;
    og_time_format(now_us, now);
    request_item(ctx, k, about, params, analysis, staged, &it);

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = og_gate__level(ctx->store, it.tenant_id, k, &it.level)) < 0 ||
        (error = og_gate__timing(ctx->store, it.tenant_id, &approval_us, &review_us)) < 0 ||
        (error = og_gate__assignee(ctx->store, it.tenant_id, k->area, it.assignee,
                                   sizeof(it.assignee))) < 0 ||
        (error = request_infer(ctx, k, about, &it, now_us)) < 0 ||
        (error = request_act(ctx, k, &it, now_us, approval_us, review_us, &decision, &exec_rc, err,
                             sizeof(err))) < 0 ||
        (error = og_infer_outcome(ctx, it.id, it.outcome)) < 0)
        goto cleanup;
    executed = it.level <= OG_GATE_L1 && exec_rc == 0;
    event = request_event(&it, exec_rc);
    if ((error = request_audit(ctx, &it, decision, now, exec_rc, err)) < 0 ||
        (event && (error = og_gate__event_emit(ctx, &it, event, NULL, NULL, NULL, event_id)) < 0) ||
        (error = og_gate__item_insert(ctx, &it, now, executed, exec_rc < 0,
                                      exec_rc < 0 ? err : NULL, event_id)) < 0 ||
        (error = og_gate__decision_insert(ctx, it.id, decision, "system:gate", now, NULL,
                                          it.audit_seq, 0, event_id)) < 0 ||
        (error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    error = request_result(&it, exec_rc, err, out);
    goto done;
cleanup:
    if (executed)
        og_gate__undo_executed(ctx, k, &it);
    og_store_tx_rollback(ctx->store);
done:
    og_gate__item_free(&it);
    return error;
}

int og_gate_request_general(og_ctx *ctx, const char *tenant_id, const char *kind,
                            const char *target_type, const char *target_id, json_t *params,
                            json_t *analysis, og_gate_outcome *out)
{
    const og_action_kind *k;
    int error;
    if (out)
        memset(out, 0, sizeof(*out));
    if ((error = og_gate__kind_lookup(kind, &k)) < 0)
        return error;
    /* The tenant first: another tenant's name is not found, whatever the kind. */
    char tid[OG_ID_LEN];
    if ((error = og_gate__tenant(ctx, tenant_id, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!k->requestable) {
        og_error_set(OG_EDENIED,
                     "action kind '%s' is not requestable through the general gate request: "
                     "the operation it gates checks and builds it",
                     k->name);
        return og_error_set_detail_arg(OG_GATE_DETAIL_NOT_REQUESTABLE, k->name);
    }
    return og_gate_request(ctx, tid, kind, target_type, target_id, params, analysis, out);
}
