/* gate.h - human-in-the-loop gates: action kinds, per-tenant level policy, and the engine that
 * runs an action at L0/L1, waits for approval at L2, or hands it to a human at L3. */
#ifndef OPSGATE_GATE_H
#define OPSGATE_GATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "opsgate/context.h"

typedef enum og_gate_level {
    OG_GATE_L0 = 0, /* fully automated: execute and log */
    OG_GATE_L1 = 1, /* execute, then notify; the human may ack, override (rollback) or escalate */
    OG_GATE_L2 = 2, /* prepare and recommend; a human approves before execution */
    OG_GATE_L3 = 3, /* a human acts with the system's recommendation and records the outcome */
} og_gate_level;

typedef struct og_gate_outcome og_gate_outcome; /* below: what a request did */

const char *og_gate_level_name(og_gate_level l);            /* "L0" */
int og_gate_level_parse(const char *s, og_gate_level *out); /* "L2" or "2"; OG_EINVAL naming s */

/*
 * The staged input of an action: what the requesting module computed and its execute needs, too
 * big or too confidential for params (which are kept in plain text with the audit record), e.g.
 * a generated document or an order placed before the gate. Borrowed. When the action runs at
 * once (L0/L1) execute gets the caller's bytes; when it waits for approval (L2) the engine keeps
 * them with the gate item sealed with the tenant's key (bound to "gate_staged:<item id>") and
 * hands them to execute on approval, days later if need be; once the item is decided (approved,
 * rejected or expired) they are dropped. At L3 a human acts and nothing executes: nothing is
 * kept. At most OG_GATE_STAGED_MAX bytes (OG_ETOOBIG); media_type (1 to 127 characters) says how
 * the owning module reads them.
 */
#define OG_GATE_STAGED_MAX ((size_t)16 * 1024 * 1024)
typedef struct og_gate_staged {
    const void *data;
    size_t len;
    const char *media_type; /* "application/vnd.opsgate.generate", ... */
} og_gate_staged;

/*
 * An action kind, registered once per process by the module that owns it.
 * execute runs inside a transaction the engine opened (together with the audit record and events);
 * it may do outside work (deploy a file, call a CA) — then it must be safe to retry and its
 * rollback must undo that work. *result (may stay NULL) is stored with the gate item and passed to
 * rollback. rollback is NULL for irreversible kinds (override then only records and notifies).
 */
typedef struct og_action_kind {
    const char *name;            /* "artifacts.publish", "certs.deploy", ... */
    const char *area;            /* process area: "artifacts", "certs", ... */
    og_gate_level default_level; /* artifact kinds L0, certificate kinds L1 */
    const char *description;
    /* staged: the request's staged input (og_gate_request_staged), NULL when it had none */
    int (*execute)(og_ctx *ctx, const char *tenant_id, json_t *params, const og_gate_staged *staged,
                   json_t **result);
    int (*rollback)(og_ctx *ctx, const char *tenant_id, json_t *params, json_t *result);
    /* 1: anyone who may write in the tenant may ask for it with caller-chosen params through the
     * general endpoint (og_gate_request_general: `POST /tenants/{t}/gates`, `gate request`).
     * 0 (the default): only the owning module's own command asks for it, after checking what
     * that command checks; the general endpoint refuses it naming `command`. */
    int requestable;
    const char *command; /* the CLI command that asks for a kind that is not requestable */
    const char *route;   /* the HTTP route that does ("PUT /api/v1/..."); NULL when none */
    /* 1: L2 approvals (and rejections) of this kind need a tenant-admin (or platform), not a
     * project-manager. */
    int admin_approval;
    /* Optional, for a kind asked for through the general endpoint, whose caller describes
     * nothing: the item's subject from its params into out (size bytes); true when it wrote one. */
    bool (*subject)(json_t *params, char *out, size_t size);
    /* Optional: add what the action's own state says to the item as `gate show` shows it (doc:
     * the item, with its result and outcome). */
    void (*show)(json_t *doc);
} og_action_kind;

int og_gate_kind_register(const og_action_kind *kind); /* kind is borrowed for the process */
const og_action_kind *og_gate_kind_find(const char *name);
/* og_error_detail() of the OG_EINVAL for an action kind that is not registered: each face says
 * where the list is (`opsgate gate kinds`, GET /api/v1/gate-kinds). */
#define OG_GATE_DETAIL_UNKNOWN_KIND "unknown_action_kind"
/* og_error_detail() of the OG_EDENIED for a kind the general endpoint does not take; the detail's
 * arg (og_error_detail_arg()) is the kind's name: each face names its `command` or `route`. */
#define OG_GATE_DETAIL_NOT_REQUESTABLE "kind_not_requestable"
/* All kinds as JSON (name, area, default level, description, reversible, requestable). */
json_t *og_gate_kinds_json(void);

/*
 * The gate item whose execute or rollback runs in the calling thread, for kinds that re-derive
 * what they trust when they run (an L2 action runs when approved, in the approver's context,
 * possibly long after it was requested): its kind (one execute may serve several kinds), who
 * requested it and whether this is the execution of an approval. NULL outside execute/rollback.
 * Borrowed until execute/rollback returns.
 */
typedef struct og_gate_exec {
    const char *gate_id;
    const char *kind;
    og_gate_level level;
    const char *requested_by;  /* actor label of the requester */
    const char *requester_key; /* "user:<id>" for users, the actor label otherwise */
    int on_approval;           /* 1 when an L2 approval runs it (ctx is then the approver's) */
} og_gate_exec;
const og_gate_exec *og_gate_executing(void);

/* ---- policy ----
 * Changing a kind's level needs tenant-admin (or platform). Raising is recorded as
 * gate.policy.set; lowering (below the current level, whatever the default) as gate.policy.lower
 * with the old and new level. A lowering that goes below a level somebody else set (each policy
 * keeps who set each of its levels) is not made at once: it becomes an L2 gate item of kind
 * gate.policy.lower that a tenant-admin other than the requester approves (separation of
 * duties); then it returns OG_EPENDING and *out (may be NULL) names the item. Platform actors
 * (platform-admins, the local operator) lower at once, recorded the same way.
 * gate.policy.lower itself is always L2: its level cannot be set (OG_EINVAL). */
int og_gate_policy_set(og_ctx *ctx, const char *tenant, const char *kind, og_gate_level level);
/* The same, with the gate item of a lowering that waits for approval in *out (may be NULL; its
 * result stays NULL). */
int og_gate_policy_change(og_ctx *ctx, const char *tenant, const char *kind, og_gate_level level,
                          og_gate_outcome *out);
int og_gate_policy_get(og_ctx *ctx, const char *tenant_id, const char *kind, og_gate_level *out);
int og_gate_policy_show(og_ctx *ctx, const char *tenant, json_t **out);

/* For og_app_tenant_area_enable (app.h): pin each registered kind of a process area ("certs",
 * "artifacts") at its default level where the tenant (an id the caller resolved) has no policy
 * yet; a level an admin chose is never touched. Needs tenant-admin (or platform), OG_EDENIED
 * otherwise. Runs inside the caller's transaction (OG_EINVAL outside one) and writes no audit
 * record of its own: the caller's record names what was set. *out (caller decrefs):
 * {"set": [{kind, level}], "kept": [{kind, level}]}. */
int og_gate_policy_defaults(og_ctx *ctx, const char *tenant_id, const char *area, json_t **out);

/* Per-tenant timing of the gates. 0 in either leaves that one unchanged. Needs tenant-admin (or
 * platform), audited. Defaults: L2 approvals expire after 24 h, L1 reviews close after 7 days. */
#define OG_GATE_DEFAULT_APPROVAL_TIMEOUT_US ((int64_t)24 * 3600 * 1000000)
#define OG_GATE_DEFAULT_REVIEW_WINDOW_US    ((int64_t)7 * 24 * 3600 * 1000000)
int og_gate_timing_set(og_ctx *ctx, const char *tenant, int64_t approval_timeout_us,
                       int64_t review_window_us);

/* The assignee of a process area in a tenant: the user who gets L1 review items and L2/L3
 * notifications of that area's kinds. user NULL or "" removes it (then tenant-admins are
 * notified). The user must exist in the tenant. Needs tenant-admin (or platform), audited. */
int og_gate_assignee_set(og_ctx *ctx, const char *tenant, const char *area, const char *user);

/* ---- requests ---- */
struct og_gate_outcome {
    char gate_id[OG_ID_LEN]; /* the gate item (review, approval or task); at L0 a record
                              * already in state "done", kept for history and metrics */
    og_gate_level level;
    char state[16]; /* "done" (L0), "review" (L1), "pending" (L2), "task" (L3) */
    json_t *result; /* owned by the caller when set: execute's result */
    int64_t audit_seq;
};

/*
 * Ask for an action. The engine takes the tenant's level for the kind, then:
 *  L0: executes, records (decision "auto"), returns 0 with state "done".
 *  L1: executes, records, opens a review item for the assignee of (tenant, area) and emits a
 *      notification event; returns 0 with state "review".
 *  L2: records the request with the recommendation (analysis), opens a pending approval, notifies;
 *      returns OG_EPENDING with state "pending". Executes on approval.
 *  L3: opens a task for a human with the recommendation; returns OG_EPENDING with state "task".
 * analysis (borrowed, may be NULL): what the system computed or recommends, and why.
 */
int og_gate_request(og_ctx *ctx, const char *tenant_id, const char *kind, const char *target_type,
                    const char *target_id, json_t *params, json_t *analysis, og_gate_outcome *out);

/*
 * What a gate item is about, as a person reads it in `gate list`, `gate show` and the API. The
 * module that asks fills it (it knows its object; the engine never reads other modules' tables).
 * Every field is borrowed and may be NULL. The engine keeps it with the item sealed with the
 * tenant's key (it may name an artifact, whose name its own module seals), one line each:
 * control characters become '?', and values past OG_GATE_SUBJECT_MAX (subject) or
 * OG_GATE_NAME_MAX (the others) bytes are cut at a character boundary and end in "...".
 * Without a subject the item is described by its kind and target.
 */
#define OG_GATE_SUBJECT_MAX 512
#define OG_GATE_NAME_MAX    256
typedef struct og_gate_about {
    const char *target_type; /* the object's type and id, as og_gate_request() takes them */
    const char *target_id;
    const char
        *subject; /* `runbook "dc-migration" v3 in project NWIND-42: approved -> published` */
    const char *project; /* the project's key, for artifact kinds */
    const char *target;  /* the deploy target's name, for certs.deploy */
    const char *object;  /* the artifact's or certificate's name */
    /* What the module knows of the action for the inference step (infer.h, docs/inference.md):
     * each kind's extractor reads only the fields it knows (numbers, closed vocabularies) and
     * keeps none of the others. Borrowed, may be NULL. */
    json_t *facts;
} og_gate_about;

/* og_gate_request() with what the item is about (about may be NULL: then it is the same call). */
int og_gate_request_about(og_ctx *ctx, const char *tenant_id, const char *kind,
                          const og_gate_about *about, json_t *params, json_t *analysis,
                          og_gate_outcome *out);

/* og_gate_request_about() with the action's staged input (staged may be NULL: then it is the
 * same call), which execute receives now or on approval (see og_gate_staged). */
int og_gate_request_staged(og_ctx *ctx, const char *tenant_id, const char *kind,
                           const og_gate_about *about, json_t *params, json_t *analysis,
                           const og_gate_staged *staged, og_gate_outcome *out);

/* The general endpoint (`POST /api/v1/tenants/{t}/gates`, `opsgate gate request`): the same as
 * og_gate_request() for kinds marked requestable; any other kind is OG_EDENIED naming the
 * module command that asks for it (its params are that command's to build and check). */
int og_gate_request_general(og_ctx *ctx, const char *tenant_id, const char *kind,
                            const char *target_type, const char *target_id, json_t *params,
                            json_t *analysis, og_gate_outcome *out);

/*
 * Decide on a gate item: "approve", "reject" (L2, never by the requester), "ack", "override"
 * (runs rollback, recorded with rollback-of), "escalate" (L1), "done", "failed" (L3).
 * Errors: OG_EINVAL for an unknown decision or id; OG_ENOTFOUND for an item that does not exist or
 * belongs to another tenant; OG_ECONFLICT for a decision that does not fit the item's level or
 * state (or an L1 review window that closed); OG_EDENIED for a role without the right, or the
 * requester deciding on their own L2 approval. Each decision is one audit record carrying
 * gate_level, gate_decision, gate_decided_by, gate_decided_at and the note as detail, and emits
 * a "gate.decided" event (notifications).
 */
int og_gate_decide(og_ctx *ctx, const char *gate_id, const char *decision, const char *note);

/* state: NULL for all, or "pending" (L2), "review" (L1), "task" (L3), "done". Newest first.
 * Each item carries what it is about: subject, tenant_name, project, target_name, object_name
 * (null when the requesting module gave none; items written before these existed get a subject
 * made of their kind and target). Caller decrefs *out. */
int og_gate_list(og_ctx *ctx, const char *tenant, const char *state, json_t **out);
/* A page of og_gate_list(): at most limit (1..1000) items after the newest offset (0..1000000)
 * are passed over, and in *total (may be NULL) how many match in all. tenant NULL or "": every
 * tenant's items, newest first, for platform actors only (OG_EDENIED otherwise). */
int og_gate_list_page(og_ctx *ctx, const char *tenant, const char *state, int limit, int offset,
                      json_t **out, int64_t *total);
/* One item (as og_gate_list() shows it) with its decision history, the delivery state of its
 * notifications, and "next": the decisions still open on it, each {"decision", "who"} (who may
 * take it, in words), empty once decided. */
int og_gate_show(og_ctx *ctx, const char *gate_id, json_t **out);
/* The gate item a full id or a unique prefix (at least 8 characters of an id) names, in tenant
 * tenant_id (NULL: any tenant), into id. Without authorization, for the CLI's short ids.
 * OG_EINVAL for a reference that is neither, OG_ENOTFOUND when nothing matches, OG_ECONFLICT
 * for a prefix that matches several items (give more of it). */
int og_gate_item_resolve(og_store *s, const char *tenant_id, const char *ref, char id[OG_ID_LEN]);
/* The tenant of a gate item without authorization (the CLI needs it to resolve --as).
 * OG_ENOTFOUND for an unknown id. */
int og_gate_item_tenant(og_store *s, const char *gate_id, char tenant_id[OG_ID_LEN]);
/* 1 when actor requested the gate item (same user, however authenticated), 0 when not, or a
 * negative code (OG_ENOTFOUND for an unknown id). Without authorization: the CLI checks its
 * --as user before deciding. */
int og_gate_item_requested_by(og_store *s, const char *gate_id, const og_actor *actor);

/* Expire L2 approvals past their timeout (expired = rejected, recorded) and close L1 review
 * windows; the server calls it periodically. *n may be NULL. */
int og_gate_expire(og_ctx *ctx, int *n);

/* ---- metrics ----
 * Appends the Prometheus text exposition of the gates (by tenant, area and kind: executed,
 * failed, approvals, rejections, expiries, overrides, escalations, override rate; the items open
 * now by state, opsgate_gate_open) and of the event bus (the notification channels' are notify's:
 * og_notify_metrics_render). Counts come from the database, so they survive restarts and include
 * decisions made through the CLI. */
int og_gate_metrics_render(og_store *s, og_buf *out);

/*
 * The same counters over time, for the console's overview and GET /api/v1/gate-stats: the
 * counters /metrics exports (from the same definitions), summed by area over every kind and, for
 * tenant NULL or "", over every tenant (a platform actor only; OG_EDENIED otherwise); a tenant
 * (name or id) needs OG_PERM_READ in it, as og_gate_list (another tenant's is OG_ENOTFOUND).
 * window_us (1 hour to OG_GATE_STATS_WINDOW_MAX_US, OG_EINVAL otherwise) is rounded up to whole
 * hours, the last one the hour now. Caller decrefs *out:
 *   {"tenant": name|null, "since", "until" (now), "bucket_seconds": 3600, "hours_count",
 *    "hours": [start of each hour], "areas": [{"area",
 *      "totals": {counter: N}   all time, what /metrics sums to (executed, failed, approvals,
 *                               rejections, expiries, overrides, escalations, l1_executed),
 *      "window": {counter: N}   the sum of the series,
 *      "open": {"pending", "review", "task"}   open now (opsgate_gate_open),
 *      "series": {counter or open state: [one value per hour]}}]}
 * A counter counts in the hour its event happened (an L2 action's execution when approved, a
 * decision when decided); an open state's value is the items open at the end of the hour (the
 * last one: now). Every registered kind's area is listed, with zeros when it has no items.
 */
#define OG_GATE_STATS_WINDOW_MAX_US ((int64_t)31 * 24 * 3600 * 1000000)
int og_gate_stats(og_ctx *ctx, const char *tenant, int64_t window_us, json_t **out);

/* How an event's notifications went, for `gate show`: appends to arr one object per send (see
 * og_notify_event_status). The gate emits events and knows no subscriber: app registers notify's
 * at start-up (og_app_register_all). Without one, items show no notifications. */
typedef int (*og_gate_delivery_status_fn)(og_store *s, const char *event_id, json_t *arr);
void og_gate_delivery_status_register(og_gate_delivery_status_fn fn);

/* ---- running inside the server ----
 * Starts the event workers (the handlers are registered beforehand: og_app_register_all) and a
 * timer that calls og_gate_expire() every 10 s (OPSGATE_GATE_EXPIRE_EVERY, a duration, overrides)
 * and retrains the inference step's models (og_infer_train) every 24 h
 * (OPSGATE_INFER_RETRAIN_EVERY).
 * Event worker settings come from the environment when set: OPSGATE_EVENTS_WORKERS,
 * OPSGATE_EVENTS_MAX_ATTEMPTS, OPSGATE_EVENTS_BACKOFF (first retry delay, a duration),
 * OPSGATE_EVENTS_BACKOFF_MAX. The workers take stores from pool (size it for them: workers + 1
 * more). Everything borrowed must outlive og_gate_server_stop(). */
int og_gate_server_start(og_store_pool *pool, og_keyring *keys, const char *data_dir,
                         void **handle);
void og_gate_server_stop(void *handle); /* waits for running handlers; NULL-safe */

/* Register the audit trail's namer of gate items (their kind). */
int og_gate_audit_names_register(void);

/* Re-seal this module's sealed data of a tenant under the tenant's current data-key version: one
 * batch (og_crypto_reseal_batch, crypto.h; counting, or up to b->limit items from b->part and
 * b->cursor), in the caller's transaction. The composition layer runs it for `tenant key rotate
 * --data-key`; items already under the current version are left as they are. */
struct og_crypto_reseal_batch;
int og_gate_reseal(og_ctx *ctx, const char *tenant_id, struct og_crypto_reseal_batch *b);

#endif
