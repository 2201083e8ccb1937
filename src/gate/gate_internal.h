/* gate_internal.h - helpers shared by the files of the gate module only. */
#ifndef OPSGATE_GATE_INTERNAL_H
#define OPSGATE_GATE_INTERNAL_H

#include "opsgate/audit.h"
#include "opsgate/gate.h"

#include <stdbool.h>

/* og_gate_kind_find() that fails with OG_EINVAL naming an unknown kind. */
int og_gate__kind_lookup(const char *name, const og_action_kind **out);

/* A tenant (name or id) the actor may act on with perm; fills tenant_id. */
int og_gate__tenant(og_ctx *ctx, const char *tenant, og_perm perm, char tenant_id[OG_ID_LEN]);

/* The effective level of kind in a tenant (policy row or the kind's default); no authorization. */
int og_gate__level(og_store *s, const char *tenant_id, const og_action_kind *kind,
                   og_gate_level *out);

/* The tenant's timing (defaults when unset) and the assignee of an area ("" when none). */
int og_gate__timing(og_store *s, const char *tenant_id, int64_t *approval_us, int64_t *review_us);
int og_gate__assignee(og_store *s, const char *tenant_id, const char *area, char *out, size_t size);

/* The built-in kind a lowering of another's level waits as (policy.c): always L2, approved by a
 * tenant-admin other than the requester. */
extern const og_action_kind og_gate__policy_lower_kind;

/* "user:<id>" for users, the actor label otherwise: who asked, for separation of duties. */
void og_gate__actor_key(const og_actor *a, char *out, size_t size);

/* Tenant-admins of their tenant and platform actors. */
bool og_gate__is_admin(const og_actor *a);

/* ---- statements (item.c) ---- */

/* Bind n texts to the parameters of st from first on (NULL binds SQL NULL; a failed bind is
 * sticky: og_stmt_step reports it). OG_GATE__BIND_TEXTS(st, 1, a, b, c) counts them. */
void og_gate__bind_texts(og_stmt *st, int first, size_t n, const char *const *v);
#define OG_GATE__BIND_TEXTS(st, first, ...)                                                        \
    og_gate__bind_texts((st), (first), sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *),     \
                        (const char *[]){__VA_ARGS__})
/* Prepare sql on s, bind n texts from parameter 1 on and step once: OG_ROW with *st on the row
 * (caller frees it), OG_DONE with *st NULL, or a negative code with *st NULL.
 * OG_GATE__ROW(&st, s, sql, a, b) counts the texts. */
int og_gate__row(og_stmt **st, og_store *s, const char *sql, size_t n, const char *const *v);
#define OG_GATE__ROW(st, s, sql, ...)                                                              \
    og_gate__row((st), (s), (sql), sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *),         \
                 (const char *[]){__VA_ARGS__})
/* Bind v, or SQL NULL when v is 0. */
void og_gate__bind_int_or_null(og_stmt *st, int idx, int64_t v);
/* s, or NULL when it is empty (a column that holds NULL for "none"). */
const char *og_gate__or_null(const char *s);

/* ---- gate items (item.c) ---- */

/* One gate item as loaded from its row. The JSON members are owned. */
typedef struct og_gate__item {
    char id[OG_ID_LEN];
    char tenant_id[OG_ID_LEN];
    char kind[64];
    char area[64];
    og_gate_level level;
    char state[16];
    char outcome[32];
    char target_type[64];
    char target_id[256];
    json_t *params;
    json_t *analysis;
    json_t *inference; /* the inference step's analysis (infer.h); NULL for older items */
    json_t *result;
    char requested_by[160];
    char requester_key[160];
    char assignee[64];
    int escalated;
    int64_t deadline_us;
    int64_t audit_seq;
    /* what it is about (og_gate_about), cleaned; "" when not given */
    char subject[OG_GATE_SUBJECT_MAX + 1];
    char project[OG_GATE_NAME_MAX + 1];
    char target_name[OG_GATE_NAME_MAX + 1];
    char object_name[OG_GATE_NAME_MAX + 1];
    /* the staged input: borrowed from the requester, or opened from the row on approval */
    const og_gate_staged *staged;
    og_gate_staged staged_open;
    uint8_t *staged_sealed; /* the row's sealed bytes (owned) */
    size_t staged_sealed_len;
    uint8_t *staged_plain; /* opened (owned, wiped when freed) */
    size_t staged_plain_len;
    char staged_media[128];
} og_gate__item;

/* The columns of a gate_items row as og_gate__item_load and og_gate__item_row_json read them. */
#define OG_GATE__ITEM_COLS                                                                         \
    "id, tenant_id, kind, area, level, state, outcome, target_type, target_id, params, analysis,"  \
    " result, requested_by, requester_key, assignee, escalated, deadline_us, audit_seq,"           \
    " created_at, decided_by, decided_at, note, executed, failed, error, event_id, about, staged," \
    " staged_media, inference"
#define OG_GATE__COL_ABOUT     26
#define OG_GATE__COL_STAGED    27
#define OG_GATE__COL_INFERENCE 29

/* Free what it owns (not it); it may be zeroed. */
void og_gate__item_free(og_gate__item *it);
/* Load item id into it (may be NULL) and/or as the API shows it into *as_json (may be NULL;
 * without what it is about: og_gate__about_json). OG_ENOTFOUND for an unknown id. */
int og_gate__item_load(og_store *s, const char *id, og_gate__item *it, json_t **as_json);
/* The current row (OG_GATE__ITEM_COLS) as the API shows it; a new reference. */
json_t *og_gate__item_row_json(og_stmt *st);
/* Insert a new item row (what it is about and its staged input sealed on the way). */
int og_gate__item_insert(og_ctx *ctx, const og_gate__item *it, const char *now, int executed,
                         int failed, const char *err, const char *event_id);
/* Write a decided item back (state, outcome, result ...; the staged input goes once done). */
int og_gate__item_update(og_ctx *ctx, const og_gate__item *it, const char *by, const char *at,
                         const char *note, int executed, int failed, const char *err);
/* Append to an item's decision history (rollback_of 0: none). */
int og_gate__decision_insert(og_ctx *ctx, const char *gate_id, const char *decision, const char *by,
                             const char *at, const char *note, int64_t audit_seq,
                             int64_t rollback_of, const char *event_id);
/* Start the audit record of an action on it: its tenant, area, target (the item when it names
 * none), level, and its kind as the action. */
void og_gate__audit_rec(const og_gate__item *it, og_audit_rec *rec);
/* Emit the item's event of type (gate.review, gate.decided ...) in the caller's transaction. */
int og_gate__event_emit(og_ctx *ctx, const og_gate__item *it, const char *type,
                        const char *decision, const char *by, const char *note,
                        char id_out[OG_ID_LEN]);

/* ---- what an item is about, and its staged input (about.c) ---- */

/* in as one line of at most max bytes into out (max + 1 bytes): control characters and invalid
 * UTF-8 become '?', a longer value is cut at a character boundary and ends in "...". */
void og_gate__clean_line(const char *in, char *out, size_t max);
/* What it says it is about, sealed with the tenant's key for its row (*out stays NULL when there
 * is nothing to keep or no keyring). Caller frees *out. */
int og_gate__about_seal(og_ctx *ctx, const og_gate__item *it, uint8_t **out, size_t *outlen);
/* Add subject, project, target_name and object_name of the row (OG_GATE__ITEM_COLS) to o. */
int og_gate__about_json(og_ctx *ctx, og_stmt *st, json_t *o);
/* The staged input of an item that waits for approval, sealed for its row (*out stays NULL when
 * there is none to keep). Caller frees *out. */
int og_gate__staged_seal(og_ctx *ctx, const og_gate__item *it, uint8_t **out, size_t *outlen);
/* Open the staged input kept with a loaded item into it->staged. */
int og_gate__staged_open(og_ctx *ctx, og_gate__item *it);

/* ---- running a kind (exec.c) ---- */

/* Run k's execute for it under a savepoint (its result into it->result): on failure its changes
 * go and the message is kept in err; a failure with err empty is the savepoint's own. */
int og_gate__execute(og_ctx *ctx, const og_action_kind *k, og_gate__item *it, bool on_approval,
                     char *err, size_t errsize);
/* Run k's rollback for it under a savepoint; the error is wrapped naming the item. */
int og_gate__rollback(og_ctx *ctx, const og_action_kind *k, const og_gate__item *it);
/* An executed action whose recording failed while its transaction is still open: undo its
 * outside work with its rollback before the transaction rolls back. The error stays. */
void og_gate__undo_executed(og_ctx *ctx, const og_action_kind *k, const og_gate__item *it);

#endif
