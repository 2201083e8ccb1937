/* item.c - a gate item's row: loading, inserting and updating it, its decision history and
 * the events it emits. */
#include "gate/gate_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void og_gate__bind_texts(og_stmt *st, int first, size_t n, const char *const *v)
{
    for (size_t i = 0; i < n; i++)
        og_stmt_bind_text(st, first + (int)i, v[i]);
}

int og_gate__row(og_stmt **st, og_store *s, const char *sql, size_t n, const char *const *v)
{
    int rc;
    *st = NULL;
    if ((rc = og_stmt_prepare(st, s, sql)) < 0)
        return rc;
    og_gate__bind_texts(*st, 1, n, v);
    if ((rc = og_stmt_step(*st)) != OG_ROW) {
        og_stmt_free(*st);
        *st = NULL;
    }
    return rc;
}

void og_gate__bind_int_or_null(og_stmt *st, int idx, int64_t v)
{
    if (v)
        og_stmt_bind_int(st, idx, v);
    else
        og_stmt_bind_null(st, idx);
}

const char *og_gate__or_null(const char *s)
{
    return s && *s ? s : NULL;
}

void og_gate__item_free(og_gate__item *it)
{
    json_decref(it->params);
    json_decref(it->analysis);
    json_decref(it->result);
    json_decref(it->inference);
    it->params = it->analysis = it->result = it->inference = NULL;
    free(it->staged_sealed);
    if (it->staged_plain)
        og_crypto_wipe(it->staged_plain, it->staged_plain_len);
    free(it->staged_plain);
    it->staged_sealed = it->staged_plain = NULL;
    it->staged = NULL;
}

static void copy_col(og_stmt *st, int col, char *out, size_t size)
{
    const char *s = og_stmt_col_text(st, col);
    og_strlcpy(out, s ? s : "", size);
}

static json_t *load_json(og_stmt *st, int col)
{
    const char *s = og_stmt_col_text(st, col);
    return s ? json_loads(s, 0, NULL) : NULL;
}

static void item_from_row(og_stmt *st, og_gate__item *it)
{
    memset(it, 0, sizeof(*it));
    copy_col(st, 0, it->id, sizeof(it->id));
    copy_col(st, 1, it->tenant_id, sizeof(it->tenant_id));
    copy_col(st, 2, it->kind, sizeof(it->kind));
    copy_col(st, 3, it->area, sizeof(it->area));
    it->level = (og_gate_level)og_stmt_col_int(st, 4);
    copy_col(st, 5, it->state, sizeof(it->state));
    copy_col(st, 6, it->outcome, sizeof(it->outcome));
    copy_col(st, 7, it->target_type, sizeof(it->target_type));
    copy_col(st, 8, it->target_id, sizeof(it->target_id));
    it->params = load_json(st, 9);
    it->analysis = load_json(st, 10);
    it->inference = load_json(st, OG_GATE__COL_INFERENCE);
    it->result = load_json(st, 11);
    copy_col(st, 12, it->requested_by, sizeof(it->requested_by));
    copy_col(st, 13, it->requester_key, sizeof(it->requester_key));
    copy_col(st, 14, it->assignee, sizeof(it->assignee));
    it->escalated = (int)og_stmt_col_int(st, 15);
    it->deadline_us = og_stmt_col_is_null(st, 16) ? 0 : og_stmt_col_int(st, 16);
    it->audit_seq = og_stmt_col_int(st, 17);
    if (!og_stmt_col_is_null(st, OG_GATE__COL_STAGED)) {
        size_t len = 0;
        const void *b = og_stmt_col_blob(st, OG_GATE__COL_STAGED, &len);
        it->staged_sealed_len = b ? len : 0;
        if (b && len && (it->staged_sealed = malloc(len)))
            memcpy(it->staged_sealed, b, len);
        copy_col(st, OG_GATE__COL_STAGED + 1, it->staged_media, sizeof(it->staged_media));
    }
}

static json_t *str_or_null(og_stmt *st, int col)
{
    const char *s = og_stmt_col_text(st, col);
    return s ? json_string(s) : json_null();
}

/* The row as the API shows it. */
json_t *og_gate__item_row_json(og_stmt *st)
{
    char deadline[OG_TIME_LEN];
    json_t *o = json_object();
    json_t *j;
    json_object_set_new(o, "id", json_string(og_stmt_col_text(st, 0)));
    json_object_set_new(o, "tenant_id", json_string(og_stmt_col_text(st, 1)));
    json_object_set_new(o, "kind", json_string(og_stmt_col_text(st, 2)));
    json_object_set_new(o, "area", json_string(og_stmt_col_text(st, 3)));
    json_object_set_new(o, "level",
                        json_string(og_gate_level_name((og_gate_level)og_stmt_col_int(st, 4))));
    json_object_set_new(o, "state", json_string(og_stmt_col_text(st, 5)));
    json_object_set_new(o, "outcome", json_string(og_stmt_col_text(st, 6)));
    json_object_set_new(o, "target_type", str_or_null(st, 7));
    json_object_set_new(o, "target_id", str_or_null(st, 8));
    j = load_json(st, 9);
    json_object_set_new(o, "params", j ? j : json_null());
    j = load_json(st, 10);
    json_t *inf = load_json(st, OG_GATE__COL_INFERENCE);
    json_t *inf_rec = json_object_get(inf, "recommendation");
    /* an L3 task's recommendation is the inference step's; what the module said is context */
    if (og_stmt_col_int(st, 4) == OG_GATE_L3 && inf_rec) {
        json_object_set(o, "recommendation", inf_rec);
        json_object_set_new(o, "context", j ? j : json_null());
    } else {
        json_object_set_new(o, "recommendation", j ? j : json_null());
    }
    json_object_set_new(o, "inference", inf ? inf : json_null());
    j = load_json(st, 11);
    json_object_set_new(o, "result", j ? j : json_null());
    json_object_set_new(o, "requested_by", json_string(og_stmt_col_text(st, 12)));
    json_object_set_new(o, "assignee", str_or_null(st, 14));
    json_object_set_new(o, "escalated", json_boolean(og_stmt_col_int(st, 15)));
    if (!og_stmt_col_is_null(st, 16)) {
        og_time_format(og_stmt_col_int(st, 16), deadline);
        json_object_set_new(o, "deadline", json_string(deadline));
    } else {
        json_object_set_new(o, "deadline", json_null());
    }
    json_object_set_new(o, "audit_seq", json_integer(og_stmt_col_int(st, 17)));
    json_object_set_new(o, "created_at", json_string(og_stmt_col_text(st, 18)));
    json_object_set_new(o, "decided_by", str_or_null(st, 19));
    json_object_set_new(o, "decided_at", str_or_null(st, 20));
    json_object_set_new(o, "note", str_or_null(st, 21));
    json_object_set_new(o, "executed", json_boolean(og_stmt_col_int(st, 22)));
    json_object_set_new(o, "failed", json_boolean(og_stmt_col_int(st, 23)));
    json_object_set_new(o, "error", str_or_null(st, 24));
    json_object_set_new(o, "event_id", str_or_null(st, 25));
    return o;
}

int og_gate__item_load(og_store *s, const char *id, og_gate__item *it, json_t **as_json)
{
    og_stmt *st = NULL;
    int error =
        OG_GATE__ROW(&st, s, "SELECT " OG_GATE__ITEM_COLS " FROM gate_items WHERE id = ?", id);
    if (error == OG_ROW) {
        if (it)
            item_from_row(st, it);
        if (as_json)
            *as_json = og_gate__item_row_json(st);
        error = 0;
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "gate item '%s' not found", id);
    }
    og_stmt_free(st);
    return error;
}

static char *dump(const json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

/* Insert a new item row. */
int og_gate__item_insert(og_ctx *ctx, const og_gate__item *it, const char *now, int executed,
                         int failed, const char *err, const char *event_id)
{
    og_stmt *st = NULL;
    int error;
    char *params = dump(it->params), *analysis = dump(it->analysis), *result = dump(it->result),
         *inference = dump(it->inference);
    uint8_t *about = NULL, *staged = NULL;
    size_t aboutlen = 0, stagedlen = 0;
    if ((error = og_gate__about_seal(ctx, it, &about, &aboutlen)) < 0 ||
        (error = og_gate__staged_seal(ctx, it, &staged, &stagedlen)) < 0)
        goto cleanup;
    if ((error =
             og_stmt_prepare(&st, ctx->store,
                             "INSERT INTO gate_items (id, tenant_id, kind, area, level, state,"
                             " outcome, target_type, target_id, params, analysis, result,"
                             " requested_by, requester_key, assignee, executed, failed, error,"
                             " created_at, deadline_us, audit_seq, event_id, about, staged,"
                             " staged_media, inference) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                             " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    OG_GATE__BIND_TEXTS(st, 1, it->id, it->tenant_id, it->kind, it->area);
    og_stmt_bind_int(st, 5, it->level);
    OG_GATE__BIND_TEXTS(st, 6, it->state, it->outcome, og_gate__or_null(it->target_type),
                        og_gate__or_null(it->target_id), params ? params : "{}", analysis, result,
                        it->requested_by, it->requester_key, og_gate__or_null(it->assignee));
    og_stmt_bind_int(st, 16, executed);
    og_stmt_bind_int(st, 17, failed);
    OG_GATE__BIND_TEXTS(st, 18, err, now);
    og_gate__bind_int_or_null(st, 20, it->deadline_us);
    og_stmt_bind_int(st, 21, it->audit_seq);
    og_stmt_bind_text(st, 22, og_gate__or_null(event_id));
    if (about)
        og_stmt_bind_blob(st, 23, about, aboutlen);
    else
        og_stmt_bind_null(st, 23);
    if (staged) {
        og_stmt_bind_blob(st, 24, staged, stagedlen);
        og_stmt_bind_text(st, 25, it->staged->media_type);
    } else {
        og_stmt_bind_null(st, 24);
        og_stmt_bind_null(st, 25);
    }
    og_stmt_bind_text(st, 26, inference);
    error = og_stmt_step(st);
    error = error < 0 ? error : 0;
cleanup:
    og_stmt_free(st);
    free(about);
    free(staged);
    free(params);
    free(analysis);
    free(inference);
    free(result);
    return error;
}

/* Write a decided item back. */
int og_gate__item_update(og_ctx *ctx, const og_gate__item *it, const char *by, const char *at,
                         const char *note, int executed, int failed, const char *err)
{
    og_stmt *st = NULL;
    int error;
    char *result = dump(it->result);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE gate_items SET state = ?, outcome = ?, assignee = ?,"
                                 " escalated = ?, result = ?, decided_by = ?, decided_at = ?,"
                                 " note = ?, executed = executed + ?, failed = ?,"
                                 " error = COALESCE(?, error),"
                                 " staged = CASE WHEN ? = 'done' THEN NULL ELSE staged END,"
                                 " staged_media = CASE WHEN ? = 'done' THEN NULL ELSE"
                                 " staged_media END WHERE id = ?")) < 0)
        goto cleanup;
    OG_GATE__BIND_TEXTS(st, 1, it->state, it->outcome, og_gate__or_null(it->assignee));
    og_stmt_bind_int(st, 4, it->escalated);
    OG_GATE__BIND_TEXTS(st, 5, result, by, at, note);
    og_stmt_bind_int(st, 9, executed);
    og_stmt_bind_int(st, 10, failed);
    OG_GATE__BIND_TEXTS(st, 11, err, it->state, it->state, it->id);
    error = og_stmt_step(st);
    error = error < 0 ? error : 0;
cleanup:
    og_stmt_free(st);
    free(result);
    return error;
}

/* Append to an item's decision history. */
int og_gate__decision_insert(og_ctx *ctx, const char *gate_id, const char *decision, const char *by,
                             const char *at, const char *note, int64_t audit_seq,
                             int64_t rollback_of, const char *event_id)
{
    og_stmt *st = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO gate_decisions (gate_id, n, decision, decided_by,"
                                 " decided_at, note, audit_seq, rollback_of, event_id) VALUES (?,"
                                 " (SELECT COALESCE(MAX(n), 0) + 1 FROM gate_decisions WHERE"
                                 " gate_id = ?), ?, ?, ?, ?, ?, ?, ?)")) < 0)
        return error;
    OG_GATE__BIND_TEXTS(st, 1, gate_id, gate_id, decision, by, at, note);
    og_stmt_bind_int(st, 7, audit_seq);
    og_gate__bind_int_or_null(st, 8, rollback_of);
    og_stmt_bind_text(st, 9, og_gate__or_null(event_id));
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

void og_gate__audit_rec(const og_gate__item *it, og_audit_rec *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->tenant_id = it->tenant_id;
    rec->area = it->area;
    rec->action = it->kind;
    rec->target_type = it->target_type[0] ? it->target_type : "gate_item";
    rec->target_id = it->target_id[0] ? it->target_id : it->id;
    rec->gate_level = og_gate_level_name(it->level);
}

/* The notification event of an item: who it is for and what to look at. */
int og_gate__event_emit(og_ctx *ctx, const og_gate__item *it, const char *type,
                        const char *decision, const char *by, const char *note,
                        char id_out[OG_ID_LEN])
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s}",
                          "gate_id", it->id, "tenant_id", it->tenant_id, "kind", it->kind, "area",
                          it->area, "level", og_gate_level_name(it->level), "state", it->state,
                          "target_type", it->target_type[0] ? it->target_type : NULL, "target_id",
                          it->target_id[0] ? it->target_id : NULL, "assignee",
                          it->assignee[0] ? it->assignee : NULL, "decision", decision, "note", note,
                          "requested_by", it->requested_by);
    if (!p)
        return og_error_set(OG_ERROR, "out of memory");
    if (by)
        json_object_set_new(p, "decided_by", json_string(by));
    /* an L3 task's recommendation is the inference step's; the module's analysis is context */
    json_t *inf_rec = json_object_get(it->inference, "recommendation");
    if (it->level == OG_GATE_L3 && inf_rec) {
        json_object_set(p, "recommendation", inf_rec);
        if (it->analysis)
            json_object_set(p, "context", it->analysis);
    } else if (it->analysis) {
        json_object_set(p, "recommendation", it->analysis);
    }
    /* What a notification names (the kind's parameters: target, plan, text ...), how it ended
     * and until when it waits: the message is rendered from the event alone. */
    if (it->params)
        json_object_set(p, "params", it->params);
    /* the inference step's score and what weighed most, for the notification to show */
    if (json_is_object(it->inference))
        json_object_set_new(p, "inference",
                            json_pack("{s:O?, s:O?, s:O?, s:O?}", "score",
                                      json_object_get(it->inference, "score"), "explanation",
                                      json_object_get(it->inference, "explanation"), "model",
                                      json_object_get(it->inference, "model"), "raised",
                                      json_object_get(it->inference, "raised")));
    if (it->outcome[0])
        json_object_set_new(p, "outcome", json_string(it->outcome));
    if (it->deadline_us > 0 && strcmp(it->state, "done") != 0) {
        char dl[OG_TIME_LEN];
        og_time_format(it->deadline_us, dl);
        json_object_set_new(p, "deadline", json_string(dl));
    }
    /* What the action did (e.g. a deploy that verified, or rolled back on its own), so the
     * notification to the reviewer says it. */
    if (it->result)
        json_object_set(p, "result", it->result);
    int error = og_event_emit(ctx, it->tenant_id, type, p, id_out);
    json_decref(p);
    return error;
}
