/* engine.c - the gate engine: run an action at L0/L1, hold it for approval at L2, hand it to a
 * human at L3, record every decision in the audit trail, and expire what waits too long. */
#include "gate/gate_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_MAX 4096

/* One gate item as loaded from its row. The JSON members are owned. */
typedef struct gate_item {
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
} gate_item;

static void item_free(gate_item *it)
{
    json_decref(it->params);
    json_decref(it->analysis);
    json_decref(it->result);
    it->params = it->analysis = it->result = NULL;
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

#define ITEM_COLS                                                                                  \
    "id, tenant_id, kind, area, level, state, outcome, target_type, target_id, params, analysis,"  \
    " result, requested_by, requester_key, assignee, escalated, deadline_us, audit_seq,"           \
    " created_at, decided_by, decided_at, note, executed, failed, error, event_id, about, staged," \
    " staged_media"
#define COL_ABOUT  26
#define COL_STAGED 27

static void item_from_row(og_stmt *st, gate_item *it)
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
    it->result = load_json(st, 11);
    copy_col(st, 12, it->requested_by, sizeof(it->requested_by));
    copy_col(st, 13, it->requester_key, sizeof(it->requester_key));
    copy_col(st, 14, it->assignee, sizeof(it->assignee));
    it->escalated = (int)og_stmt_col_int(st, 15);
    it->deadline_us = og_stmt_col_is_null(st, 16) ? 0 : og_stmt_col_int(st, 16);
    it->audit_seq = og_stmt_col_int(st, 17);
    if (!og_stmt_col_is_null(st, COL_STAGED)) {
        size_t len = 0;
        const void *b = og_stmt_col_blob(st, COL_STAGED, &len);
        it->staged_sealed_len = b ? len : 0;
        if (b && len && (it->staged_sealed = malloc(len)))
            memcpy(it->staged_sealed, b, len);
        copy_col(st, COL_STAGED + 1, it->staged_media, sizeof(it->staged_media));
    }
}

static json_t *str_or_null(og_stmt *st, int col)
{
    const char *s = og_stmt_col_text(st, col);
    return s ? json_string(s) : json_null();
}

/* The row as the API shows it. */
static json_t *item_row_json(og_stmt *st)
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
    json_object_set_new(o, "recommendation", j ? j : json_null());
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

static int item_load(og_store *s, const char *id, gate_item *it, json_t **as_json)
{
    og_stmt *st = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, s, "SELECT " ITEM_COLS " FROM gate_items WHERE id = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, id);
    error = og_stmt_step(st);
    if (error == OG_ROW) {
        if (it)
            item_from_row(st, it);
        if (as_json)
            *as_json = item_row_json(st);
        error = 0;
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "gate item '%s' not found", id);
    }
    og_stmt_free(st);
    return error;
}

int og_gate_item_tenant(og_store *s, const char *gate_id, char tenant_id[OG_ID_LEN])
{
    gate_item it;
    int error;
    if (!gate_id || !og_id_valid(gate_id))
        return og_error_set(OG_EINVAL, "bad gate item id '%s'", gate_id ? gate_id : "");
    if ((error = item_load(s, gate_id, &it, NULL)) < 0)
        return error;
    og_strlcpy(tenant_id, it.tenant_id, OG_ID_LEN);
    item_free(&it);
    return 0;
}

/* Who asked, for separation of duties: a user by id whichever way they authenticated; anyone
 * else by their label. */
static void actor_key(const og_actor *a, char *out, size_t size)
{
    if (a->kind == OG_ACTOR_USER)
        snprintf(out, size, "user:%s", a->user_id);
    else
        og_actor_label(a, out, size);
}

void og_gate__actor_key(const og_actor *a, char *out, size_t size)
{
    actor_key(a, out, size);
}

int og_gate_item_requested_by(og_store *s, const char *gate_id, const og_actor *actor)
{
    gate_item it;
    char key[160];
    int error;
    if (!gate_id || !og_id_valid(gate_id))
        return og_error_set(OG_EINVAL, "bad gate item id '%s'", gate_id ? gate_id : "");
    if ((error = item_load(s, gate_id, &it, NULL)) < 0)
        return error;
    actor_key(actor, key, sizeof(key));
    error = strcmp(key, it.requester_key) == 0;
    item_free(&it);
    return error;
}

static char *dump(const json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

/* ---- what an item is about ---- */

/* Length of the UTF-8 sequence at s (1-4), or 0 when it is invalid, overlong or a surrogate. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

/*
 * in as one line of at most max bytes into out (max + 1 bytes): control characters (C0, DEL,
 * C1) and invalid UTF-8 become '?', so a name cannot move a terminal's cursor or start a new
 * line; a longer value is cut at a character boundary and ends in "...".
 */
static void clean_line(const char *in, char *out, size_t max)
{
    size_t o = 0, cut = 0, i = 0;
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    int over = 0;
    while (s[i]) {
        size_t n = utf8_len(s + i);
        int bad = n == 0 || s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 && s[i + 1] < 0xa0);
        size_t w = bad ? 1 : n;
        if (o + w > max) {
            over = 1;
            break;
        }
        if (o + w <= max - 3)
            cut = o + w; /* where "..." still fits */
        if (bad)
            out[o] = '?';
        else
            memcpy(out + o, s + i, n);
        o += w;
        i += n ? n : 1;
    }
    if (over) {
        memcpy(out + cut, "...", 3);
        o = cut + 3;
    }
    out[o] = '\0';
}

static void about_object_id(const char *gate_id, char *out, size_t size)
{
    snprintf(out, size, "gate_item:%s", gate_id);
}

/* What it->subject, project, target and object say, sealed with the tenant's key for the item
 * (*out stays NULL when there is nothing to keep or no keyring to seal with). */
static int about_seal(og_ctx *ctx, const gate_item *it, uint8_t **out, size_t *outlen)
{
    int error = -1;
    char oid[OG_ID_LEN + 16], *text = NULL;
    json_t *j = json_object();
    *out = NULL;
    *outlen = 0;
    if (!j)
        return og_error_set(OG_ERROR, "out of memory");
    if (it->subject[0])
        json_object_set_new(j, "subject", json_string(it->subject));
    if (it->project[0])
        json_object_set_new(j, "project", json_string(it->project));
    if (it->target_name[0])
        json_object_set_new(j, "target", json_string(it->target_name));
    if (it->object_name[0])
        json_object_set_new(j, "object", json_string(it->object_name));
    if (json_object_size(j) == 0 || !ctx->keys) {
        error = 0;
        goto cleanup;
    }
    if (!(text = dump(j))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    about_object_id(it->id, oid, sizeof(oid));
    error =
        og_crypto_seal(ctx->keys, ctx->store, it->tenant_id, oid, text, strlen(text), out, outlen);
cleanup:
    free(text);
    json_decref(j);
    return error;
}

/* The subject of an item whose module said none (or written before subjects were kept): its kind
 * and target. */
static json_t *fallback_subject(og_stmt *st)
{
    const char *kind = og_stmt_col_text(st, 2), *tt = og_stmt_col_text(st, 7),
               *tid = og_stmt_col_text(st, 8);
    char buf[OG_GATE_SUBJECT_MAX + 1], line[OG_GATE_SUBJECT_MAX + 1];
    snprintf(buf, sizeof(buf), "%s%s%s%s%s", kind ? kind : "?", tt ? " " : "", tt ? tt : "",
             tid ? " " : "", tid ? tid : "");
    clean_line(buf, line, OG_GATE_SUBJECT_MAX);
    return json_string(line);
}

static void set_str_or_null(json_t *o, const char *key, json_t *from, const char *field)
{
    const char *v = json_string_value(json_object_get(from, field));
    json_object_set_new(o, key, v ? json_string(v) : json_null());
}

/* Add subject, project, target_name and object_name of the row (ITEM_COLS) to o, opening what
 * the requesting module said with the tenant's key. */
static int about_to_json(og_ctx *ctx, og_stmt *st, json_t *o)
{
    size_t len = 0;
    const void *blob =
        og_stmt_col_is_null(st, COL_ABOUT) ? NULL : og_stmt_col_blob(st, COL_ABOUT, &len);
    const char *id = og_stmt_col_text(st, 0), *tid = og_stmt_col_text(st, 1);
    uint8_t *plain = NULL;
    size_t plen = 0;
    json_t *about = NULL;
    char oid[OG_ID_LEN + 16];
    int error;
    if (blob && len && ctx->keys) {
        about_object_id(id, oid, sizeof(oid));
        if ((error = og_crypto_open(ctx->keys, ctx->store, tid, oid, blob, len, &plain, &plen)) < 0)
            return og_error_wrap("gate item %s: what it is about", id);
        about = json_loadb((const char *)plain, plen, 0, NULL);
        free(plain);
        if (!json_is_object(about)) {
            json_decref(about);
            return og_error_set(OG_ECORRUPT, "gate item %s: what it is about is malformed", id);
        }
    }
    if (json_is_string(json_object_get(about, "subject")))
        set_str_or_null(o, "subject", about, "subject");
    else
        json_object_set_new(o, "subject", fallback_subject(st));
    set_str_or_null(o, "project", about, "project");
    set_str_or_null(o, "target_name", about, "target");
    set_str_or_null(o, "object_name", about, "object");
    json_decref(about);
    return 0;
}

/* ---- staged input ---- */

static void staged_object_id(const char *gate_id, char *out, size_t size)
{
    snprintf(out, size, "gate_staged:%s", gate_id);
}

/* The staged input of an item that waits for approval, sealed for its row (*out stays NULL when
 * there is none to keep: no input, or the item does not wait for an execution). */
static int staged_seal(og_ctx *ctx, const gate_item *it, uint8_t **out, size_t *outlen)
{
    char oid[OG_ID_LEN + 16];
    *out = NULL;
    *outlen = 0;
    if (!it->staged || it->level != OG_GATE_L2 || strcmp(it->state, "pending") != 0)
        return 0;
    if (!ctx->keys)
        return og_error_set(OG_EINVAL, "%s: no keyring to seal its staged input with", it->kind);
    staged_object_id(it->id, oid, sizeof(oid));
    return og_crypto_seal(ctx->keys, ctx->store, it->tenant_id, oid,
                          it->staged->data ? it->staged->data : "", it->staged->len, out, outlen);
}

/* Open the staged input kept with a pending item (loaded by item_load) for its execute. */
static int staged_open(og_ctx *ctx, gate_item *it)
{
    char oid[OG_ID_LEN + 16];
    if (!it->staged_sealed_len)
        return 0;
    if (!it->staged_sealed)
        return og_error_set(OG_ERROR, "out of memory");
    if (!ctx->keys)
        return og_error_set(OG_EINVAL, "gate item %s: no keyring to open its staged input", it->id);
    staged_object_id(it->id, oid, sizeof(oid));
    if (og_crypto_open(ctx->keys, ctx->store, it->tenant_id, oid, it->staged_sealed,
                       it->staged_sealed_len, &it->staged_plain, &it->staged_plain_len) < 0)
        return og_error_wrap("gate item %s: its staged input", it->id);
    it->staged_open.data = it->staged_plain;
    it->staged_open.len = it->staged_plain_len;
    it->staged_open.media_type = it->staged_media;
    it->staged = &it->staged_open;
    return 0;
}

/* Insert a new item row. */
static int item_insert(og_ctx *ctx, const gate_item *it, const char *now, int executed, int failed,
                       const char *err, const char *event_id)
{
    og_stmt *st = NULL;
    int error;
    char *params = dump(it->params), *analysis = dump(it->analysis), *result = dump(it->result);
    uint8_t *about = NULL, *staged = NULL;
    size_t aboutlen = 0, stagedlen = 0;
    if ((error = about_seal(ctx, it, &about, &aboutlen)) < 0 ||
        (error = staged_seal(ctx, it, &staged, &stagedlen)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO gate_items (id, tenant_id, kind, area, level, state,"
                                 " outcome, target_type, target_id, params, analysis, result,"
                                 " requested_by, requester_key, assignee, executed, failed, error,"
                                 " created_at, deadline_us, audit_seq, event_id, about, staged,"
                                 " staged_media) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                                 " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, it->id);
    og_stmt_bind_text(st, 2, it->tenant_id);
    og_stmt_bind_text(st, 3, it->kind);
    og_stmt_bind_text(st, 4, it->area);
    og_stmt_bind_int(st, 5, it->level);
    og_stmt_bind_text(st, 6, it->state);
    og_stmt_bind_text(st, 7, it->outcome);
    og_stmt_bind_text(st, 8, it->target_type[0] ? it->target_type : NULL);
    og_stmt_bind_text(st, 9, it->target_id[0] ? it->target_id : NULL);
    og_stmt_bind_text(st, 10, params ? params : "{}");
    og_stmt_bind_text(st, 11, analysis);
    og_stmt_bind_text(st, 12, result);
    og_stmt_bind_text(st, 13, it->requested_by);
    og_stmt_bind_text(st, 14, it->requester_key);
    og_stmt_bind_text(st, 15, it->assignee[0] ? it->assignee : NULL);
    og_stmt_bind_int(st, 16, executed);
    og_stmt_bind_int(st, 17, failed);
    og_stmt_bind_text(st, 18, err);
    og_stmt_bind_text(st, 19, now);
    if (it->deadline_us)
        og_stmt_bind_int(st, 20, it->deadline_us);
    else
        og_stmt_bind_null(st, 20);
    og_stmt_bind_int(st, 21, it->audit_seq);
    og_stmt_bind_text(st, 22, event_id && *event_id ? event_id : NULL);
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
    error = og_stmt_step(st);
    error = error < 0 ? error : 0;
cleanup:
    og_stmt_free(st);
    free(about);
    free(staged);
    free(params);
    free(analysis);
    free(result);
    return error;
}

/* Append to an item's decision history. */
static int decision_insert(og_ctx *ctx, const char *gate_id, const char *decision, const char *by,
                           const char *at, const char *note, int64_t audit_seq, int64_t rollback_of,
                           const char *event_id)
{
    og_stmt *st = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO gate_decisions (gate_id, n, decision, decided_by,"
                                 " decided_at, note, audit_seq, rollback_of, event_id) VALUES (?,"
                                 " (SELECT COALESCE(MAX(n), 0) + 1 FROM gate_decisions WHERE"
                                 " gate_id = ?), ?, ?, ?, ?, ?, ?, ?)")) < 0)
        return error;
    og_stmt_bind_text(st, 1, gate_id);
    og_stmt_bind_text(st, 2, gate_id);
    og_stmt_bind_text(st, 3, decision);
    og_stmt_bind_text(st, 4, by);
    og_stmt_bind_text(st, 5, at);
    og_stmt_bind_text(st, 6, note);
    og_stmt_bind_int(st, 7, audit_seq);
    if (rollback_of)
        og_stmt_bind_int(st, 8, rollback_of);
    else
        og_stmt_bind_null(st, 8);
    og_stmt_bind_text(st, 9, event_id && *event_id ? event_id : NULL);
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* The notification event of an item: who it is for and what to look at. */
static int emit_gate_event(og_ctx *ctx, const gate_item *it, const char *type, const char *decision,
                           const char *by, const char *note, char id_out[OG_ID_LEN])
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
    if (it->analysis)
        json_object_set(p, "recommendation", it->analysis);
    /* What a notification names (the kind's parameters: target, plan, text ...), how it ended
     * and until when it waits: the message is rendered from the event alone. */
    if (it->params)
        json_object_set(p, "params", it->params);
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

/* The item whose execute or rollback runs in this thread (og_gate_executing). */
static _Thread_local const og_gate_exec *tl_exec;

const og_gate_exec *og_gate_executing(void)
{
    return tl_exec;
}

static void exec_info(const gate_item *it, int on_approval, og_gate_exec *x)
{
    x->gate_id = it->id;
    x->kind = it->kind;
    x->level = it->level;
    x->requested_by = it->requested_by;
    x->requester_key = it->requester_key;
    x->on_approval = on_approval;
}

/* An action executed, then recording it failed while its transaction is still open (its
 * savepoint, or the request's): undo its outside work (files, reloads) with its rollback before
 * the transaction rolls back, so that nothing outside says it happened. The error stays. */
static void undo_executed(og_ctx *ctx, const og_action_kind *k, const gate_item *it)
{
    char saved[1024];
    int code = og_error_code();
    og_gate_exec x;
    const og_gate_exec *outer = tl_exec;
    if (!k->rollback || og_store_tx_depth(ctx->store) == 0)
        return; /* irreversible, or the commit failed: the records it needs are gone */
    og_strlcpy(saved, og_error_last(), sizeof(saved));
    exec_info(it, 0, &x);
    tl_exec = &x;
    (void)k->rollback(ctx, it->tenant_id, it->params, it->result);
    tl_exec = outer;
    og_error_set(code, "%s", saved);
}

/* Run a kind's execute under a savepoint: on failure its changes go, the message is kept in err.
 * The kind sees the item through og_gate_executing() while it runs. */
static int run_execute(og_ctx *ctx, const og_action_kind *k, gate_item *it, int on_approval,
                       char *err, size_t errsize)
{
    int error;
    og_gate_exec x;
    const og_gate_exec *outer = tl_exec;
    json_t **result = &it->result;
    *result = NULL;
    exec_info(it, on_approval, &x);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    tl_exec = &x;
    error = k->execute(ctx, it->tenant_id, it->params, it->staged, result);
    tl_exec = outer;
    if (error < 0) {
        snprintf(err, errsize, "%s", og_error_last()[0] ? og_error_last() : og_error_name(error));
        og_store_tx_rollback(ctx->store);
        json_decref(*result);
        *result = NULL;
        return error;
    }
    if ((error = og_store_tx_commit(ctx->store)) < 0) {
        undo_executed(ctx, k, it); /* a failed release leaves its savepoint open */
        og_store_tx_rollback(ctx->store);
        json_decref(*result);
        *result = NULL;
    }
    return error;
}

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

int og_gate_request_staged(og_ctx *ctx, const char *tenant_id, const char *kind,
                           const og_gate_about *about, json_t *params, json_t *analysis,
                           const og_gate_staged *staged, og_gate_outcome *out)
{
    int error = -1, exec_rc = 0, executed = 0;
    static const og_gate_about none;
    const og_action_kind *k;
    gate_item it;
    og_gate_level level;
    int64_t approval_us, review_us, now_us = og_time_now_us();
    char now[OG_TIME_LEN], err[512] = "", event_id[OG_ID_LEN] = "";
    const char *decision = NULL;
    og_audit_rec rec;

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
    if ((error = staged_check(kind, staged)) < 0)
        return error;
    if ((error = og_gate__tenant(ctx, tenant_id, OG_PERM_WRITE, it.tenant_id)) < 0)
        return error;
    og_time_format(now_us, now);
    og_id_new(it.id);
    og_strlcpy(it.kind, k->name, sizeof(it.kind));
    og_strlcpy(it.area, k->area, sizeof(it.area));
    og_strlcpy(it.target_type, about->target_type ? about->target_type : "",
               sizeof(it.target_type));
    og_strlcpy(it.target_id, about->target_id ? about->target_id : "", sizeof(it.target_id));
    /* a kind asked for through the general endpoint may say what its params are about */
    char kind_subject[OG_GATE_SUBJECT_MAX + 8];
    const char *subject = about->subject;
    if (!subject && k->subject && params && k->subject(params, kind_subject, sizeof(kind_subject)))
        subject = kind_subject;
    clean_line(subject, it.subject, OG_GATE_SUBJECT_MAX);
    clean_line(about->project, it.project, OG_GATE_NAME_MAX);
    clean_line(about->target, it.target_name, OG_GATE_NAME_MAX);
    clean_line(about->object, it.object_name, OG_GATE_NAME_MAX);
    it.params = params ? json_incref(params) : json_object();
    it.analysis = analysis ? json_incref(analysis) : NULL;
    it.staged = staged;
    og_actor_label(&ctx->actor, it.requested_by, sizeof(it.requested_by));
    actor_key(&ctx->actor, it.requester_key, sizeof(it.requester_key));

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = og_gate__level(ctx->store, it.tenant_id, k, &level)) < 0 ||
        (error = og_gate__timing(ctx->store, it.tenant_id, &approval_us, &review_us)) < 0 ||
        (error = og_gate__assignee(ctx->store, it.tenant_id, k->area, it.assignee,
                                   sizeof(it.assignee))) < 0)
        goto cleanup;
    it.level = level;

    switch (level) {
    case OG_GATE_L0:
    case OG_GATE_L1:
        exec_rc = run_execute(ctx, k, &it, 0, err, sizeof(err));
        executed = exec_rc == 0;
        if (exec_rc < 0 && !err[0]) {
            error = exec_rc; /* the savepoint itself failed: nothing to record */
            goto cleanup;
        }
        decision = "auto";
        if (exec_rc < 0) {
            og_strlcpy(it.state, "done", sizeof(it.state));
            og_strlcpy(it.outcome, "failed", sizeof(it.outcome));
        } else if (level == OG_GATE_L0) {
            og_strlcpy(it.state, "done", sizeof(it.state));
            og_strlcpy(it.outcome, "executed", sizeof(it.outcome));
        } else {
            og_strlcpy(it.state, "review", sizeof(it.state));
            og_strlcpy(it.outcome, "awaiting-review", sizeof(it.outcome));
            it.deadline_us = now_us + review_us;
        }
        break;
    case OG_GATE_L2:
        decision = "pending";
        og_strlcpy(it.state, "pending", sizeof(it.state));
        og_strlcpy(it.outcome, "awaiting-approval", sizeof(it.outcome));
        it.deadline_us = now_us + approval_us;
        break;
    case OG_GATE_L3:
        decision = "assigned";
        og_strlcpy(it.state, "task", sizeof(it.state));
        og_strlcpy(it.outcome, "awaiting-human", sizeof(it.outcome));
        break;
    }

    memset(&rec, 0, sizeof(rec));
    rec.tenant_id = it.tenant_id;
    rec.area = it.area;
    rec.action =
        level >= OG_GATE_L2 ? (level == OG_GATE_L2 ? "gate.request" : "gate.task") : it.kind;
    rec.target_type = it.target_type[0] ? it.target_type : "gate_item";
    rec.target_id = it.target_id[0] ? it.target_id : it.id;
    rec.analysis =
        json_pack("{s:s, s:s, s:O, s:O?, s:O?}", "gate_id", it.id, "kind", it.kind, "params",
                  it.params, "recommendation", it.analysis, "result", it.result);
    rec.gate_level = og_gate_level_name(level);
    rec.gate_decision = decision;
    rec.gate_decided_by = "system:gate";
    rec.gate_decided_at = now;
    rec.failed = exec_rc < 0;
    rec.detail = exec_rc < 0 ? err : NULL;
    error = og_audit_append(ctx, &rec, &it.audit_seq);
    json_decref(rec.analysis);
    if (error < 0)
        goto cleanup;

    if (exec_rc == 0 && level == OG_GATE_L1)
        error = emit_gate_event(ctx, &it, "gate.review", NULL, NULL, NULL, event_id);
    else if (level == OG_GATE_L2)
        error = emit_gate_event(ctx, &it, "gate.approval", NULL, NULL, NULL, event_id);
    else if (level == OG_GATE_L3)
        error = emit_gate_event(ctx, &it, "gate.task", NULL, NULL, NULL, event_id);
    if (error < 0)
        goto cleanup;
    if ((error = item_insert(ctx, &it, now, exec_rc == 0 && level <= OG_GATE_L1, exec_rc < 0,
                             exec_rc < 0 ? err : NULL, event_id)) < 0 ||
        (error = decision_insert(ctx, it.id, decision, "system:gate", now, NULL, it.audit_seq, 0,
                                 event_id)) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;

    if (out) {
        og_strlcpy(out->gate_id, it.id, sizeof(out->gate_id));
        out->level = level;
        og_strlcpy(out->state, it.state, sizeof(out->state));
        out->result = it.result ? json_incref(it.result) : NULL;
        out->audit_seq = it.audit_seq;
    }
    if (exec_rc < 0)
        error =
            og_error_set(exec_rc, "%s failed (recorded as gate item %s): %s", it.kind, it.id, err);
    else if (level == OG_GATE_L2)
        error =
            og_error_set(OG_EPENDING, "%s needs approval: gate item %s is pending", it.kind, it.id);
    else if (level == OG_GATE_L3)
        error = og_error_set(OG_EPENDING, "%s is a task for a human: gate item %s", it.kind, it.id);
    else
        error = 0;
    goto done;
cleanup:
    if (executed)
        undo_executed(ctx, k, &it);
    og_store_tx_rollback(ctx->store);
done:
    item_free(&it);
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

/* ---- decisions ---- */

static const char *const decisions[] = {"approve",  "reject", "ack",    "override",
                                        "escalate", "done",   "failed", NULL};

/* Does decision fit the item's level and state? OG_ECONFLICT saying why not. */
static int decision_fits(const gate_item *it, const char *decision, int64_t now_us)
{
    og_gate_level need;
    const char *state;
    if (strcmp(decision, "approve") == 0 || strcmp(decision, "reject") == 0) {
        need = OG_GATE_L2;
        state = "pending";
    } else if (strcmp(decision, "done") == 0 || strcmp(decision, "failed") == 0) {
        need = OG_GATE_L3;
        state = "task";
    } else {
        need = OG_GATE_L1;
        state = "review";
    }
    if (strcmp(it->state, "done") == 0)
        return og_error_set(OG_ECONFLICT, "gate item %s is already decided (%s): cannot %s it",
                            it->id, it->outcome, decision);
    if (it->level != need)
        return og_error_set(
            OG_ECONFLICT, "'%s' applies to %s items (%s); gate item %s is %s in state %s", decision,
            og_gate_level_name(need), state, it->id, og_gate_level_name(it->level), it->state);
    if (it->deadline_us && now_us >= it->deadline_us) {
        char when[OG_TIME_LEN];
        og_time_format(it->deadline_us, when);
        return og_error_set(OG_ECONFLICT, "gate item %s: its %s ended at %s", it->id,
                            need == OG_GATE_L2 ? "approval time" : "review window", when);
    }
    return 0;
}

/* May this actor take this decision? */
static int decision_allowed(const og_ctx *ctx, const gate_item *it, const char *decision)
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
        actor_key(a, key, sizeof(key));
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

static int item_update(og_ctx *ctx, const gate_item *it, const char *by, const char *at,
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
    og_stmt_bind_text(st, 1, it->state);
    og_stmt_bind_text(st, 2, it->outcome);
    og_stmt_bind_text(st, 3, it->assignee[0] ? it->assignee : NULL);
    og_stmt_bind_int(st, 4, it->escalated);
    og_stmt_bind_text(st, 5, result);
    og_stmt_bind_text(st, 6, by);
    og_stmt_bind_text(st, 7, at);
    og_stmt_bind_text(st, 8, note);
    og_stmt_bind_int(st, 9, executed);
    og_stmt_bind_int(st, 10, failed);
    og_stmt_bind_text(st, 11, err);
    og_stmt_bind_text(st, 12, it->state);
    og_stmt_bind_text(st, 13, it->state);
    og_stmt_bind_text(st, 14, it->id);
    error = og_stmt_step(st);
    error = error < 0 ? error : 0;
cleanup:
    og_stmt_free(st);
    free(result);
    return error;
}

/*
 * Apply one decision inside the caller's transaction: effects, audit record, history, event.
 * *exec_rc receives an approved action's execution failure (recorded, not rolled back).
 */
static int apply_decision(og_ctx *ctx, gate_item *it, const char *decision, const char *note,
                          int *exec_rc, char *err, size_t errsize)
{
    int error = -1;
    const og_action_kind *k = og_gate_kind_find(it->kind);
    og_audit_rec rec;
    char now[OG_TIME_LEN], by[160], event_id[OG_ID_LEN] = "";
    const char *recorded = decision; /* the word in the audit record */
    int executed = 0, failed = 0;
    int64_t seq = 0, rollback_of = 0;
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, by, sizeof(by));
    *exec_rc = 0;
    memset(&rec, 0, sizeof(rec));
    rec.action = it->kind;

    if (strcmp(decision, "approve") == 0) {
        if (!k)
            return og_error_set(OG_ECONFLICT,
                                "action kind '%s' is not available in this process: "
                                "cannot execute gate item %s",
                                it->kind, it->id);
        recorded = "approved";
        json_decref(it->result);
        it->result = NULL;
        if ((error = staged_open(ctx, it)) < 0)
            return error;
        *exec_rc = run_execute(ctx, k, it, 1, err, errsize);
        if (*exec_rc < 0 && !err[0])
            return *exec_rc;
        executed = *exec_rc == 0;
        failed = *exec_rc < 0;
        og_strlcpy(it->outcome, failed ? "failed" : "approved", sizeof(it->outcome));
        og_strlcpy(it->state, "done", sizeof(it->state));
    } else if (strcmp(decision, "reject") == 0) {
        recorded = "rejected";
        rec.action = "gate.reject";
        og_strlcpy(it->outcome, "rejected", sizeof(it->outcome));
        og_strlcpy(it->state, "done", sizeof(it->state));
    } else if (strcmp(decision, "expire") == 0) {
        recorded = "expired";
        rec.action = "gate.expire";
        og_strlcpy(it->outcome, "expired", sizeof(it->outcome));
        og_strlcpy(it->state, "done", sizeof(it->state));
    } else if (strcmp(decision, "close") == 0) {
        recorded = "review-closed";
        rec.action = "gate.review.close";
        og_strlcpy(it->outcome, "review-closed", sizeof(it->outcome));
        og_strlcpy(it->state, "done", sizeof(it->state));
    } else if (strcmp(decision, "ack") == 0) {
        recorded = "acknowledged";
        rec.action = "gate.ack";
        og_strlcpy(it->outcome, "acknowledged", sizeof(it->outcome));
        og_strlcpy(it->state, "done", sizeof(it->state));
    } else if (strcmp(decision, "escalate") == 0) {
        recorded = "escalated";
        rec.action = "gate.escalate";
        it->escalated = 1;
        it->assignee[0] = '\0'; /* tenant-admins decide from here on */
        og_strlcpy(it->outcome, "escalated", sizeof(it->outcome));
    } else if (strcmp(decision, "override") == 0) {
        recorded = "overridden";
        if (!k)
            return og_error_set(OG_ECONFLICT,
                                "action kind '%s' is not available in this process: "
                                "cannot roll back gate item %s",
                                it->kind, it->id);
        if (k->rollback) {
            og_gate_exec x;
            const og_gate_exec *outer = tl_exec;
            exec_info(it, 0, &x);
            if ((error = og_store_tx_begin(ctx->store)) < 0)
                return error;
            tl_exec = &x;
            error = k->rollback(ctx, it->tenant_id, it->params, it->result);
            tl_exec = outer;
            if (error < 0) {
                og_error_wrap("rolling back gate item %s", it->id);
                og_store_tx_rollback(ctx->store);
                return error;
            }
            if ((error = og_store_tx_commit(ctx->store)) < 0)
                return error;
        }
        /* The reversal is its own record pointing at the one it reverses. */
        rec.action = "gate.rollback";
        rollback_of = it->audit_seq;
        rec.detail = k->rollback ? NULL : "irreversible kind: nothing was rolled back";
        og_strlcpy(it->outcome, "overridden", sizeof(it->outcome));
        og_strlcpy(it->state, "done", sizeof(it->state));
    } else if (strcmp(decision, "done") == 0 || strcmp(decision, "failed") == 0) {
        failed = decision[0] == 'f';
        recorded = failed ? "failed" : "done";
        rec.action = "gate.task.outcome";
        og_strlcpy(it->outcome, recorded, sizeof(it->outcome));
        og_strlcpy(it->state, "done", sizeof(it->state));
    } else {
        return og_error_set(OG_EINVAL, "unknown decision '%s'", decision);
    }

    rec.tenant_id = it->tenant_id;
    rec.area = it->area;
    rec.target_type = it->target_type[0] ? it->target_type : "gate_item";
    rec.target_id = it->target_id[0] ? it->target_id : it->id;
    rec.analysis = json_pack("{s:s, s:s, s:s, s:s?, s:O?}", "gate_id", it->id, "kind", it->kind,
                             "decision", recorded, "note", note, "result", it->result);
    rec.gate_level = og_gate_level_name(it->level);
    rec.gate_decision = recorded;
    rec.gate_decided_by = by;
    rec.gate_decided_at = now;
    rec.failed = failed;
    if (!rec.detail)
        rec.detail = failed && *exec_rc < 0 ? err : note;
    rec.rollback_of = rollback_of;
    error = og_audit_append(ctx, &rec, &seq);
    json_decref(rec.analysis);
    if (error < 0)
        return error;
    if ((error = emit_gate_event(
             ctx, it, strcmp(recorded, "escalated") == 0 ? "gate.escalated" : "gate.decided",
             recorded, by, note, event_id)) < 0)
        return error;
    if ((error =
             decision_insert(ctx, it->id, recorded, by, now, note, seq, rollback_of, event_id)) < 0)
        return error;
    return item_update(ctx, it, by, now, note, executed, failed, *exec_rc < 0 ? err : NULL);
}

int og_gate_decide(og_ctx *ctx, const char *gate_id, const char *decision, const char *note)
{
    int error = -1, exec_rc = 0, known = 0;
    gate_item it;
    char err[512] = "";
    memset(&it, 0, sizeof(it));
    for (size_t i = 0; decision && decisions[i]; i++)
        known |= strcmp(decision, decisions[i]) == 0;
    if (!known)
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
    if ((error = item_load(ctx->store, gate_id, &it, NULL)) < 0)
        goto cleanup;
    if ((error = decision_allowed(ctx, &it, decision)) < 0 ||
        (error = decision_fits(&it, decision, og_time_now_us())) < 0)
        goto cleanup;
    if ((error = apply_decision(ctx, &it, decision, note, &exec_rc, err, sizeof(err))) < 0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    error = exec_rc < 0
                ? og_error_set(exec_rc, "approved, but %s failed (recorded): %s", it.kind, err)
                : 0;
    goto done;
cleanup:
    og_store_tx_rollback(ctx->store);
done:
    item_free(&it);
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
        int rc;
        while (nids < 64 && (rc = og_stmt_step(st)) == OG_ROW)
            og_strlcpy(ids[nids++], og_stmt_col_text(st, 0), OG_ID_LEN);
        og_stmt_free(st);
        st = NULL;
        if (nids == 0)
            break;
        int progressed = 0;
        for (int i = 0; i < nids; i++) {
            gate_item it;
            int exec_rc = 0;
            char err[64] = "";
            memset(&it, 0, sizeof(it));
            if ((error = og_store_tx_begin(ctx->store)) < 0)
                return error;
            error = item_load(ctx->store, ids[i], &it, NULL);
            if (error == 0 && (strcmp(it.state, "pending") == 0 || strcmp(it.state, "review") == 0))
                error =
                    apply_decision(ctx, &it, strcmp(it.state, "pending") == 0 ? "expire" : "close",
                                   NULL, &exec_rc, err, sizeof(err));
            if (error == 0)
                error = og_store_tx_commit(ctx->store);
            else
                og_store_tx_rollback(ctx->store);
            item_free(&it);
            if (error < 0)
                return error;
            count++;
            progressed = 1;
        }
        if (!progressed)
            break;
    }
    if (n)
        *n = count;
    return 0;
}

/* ---- reading ---- */

int og_gate_list(og_ctx *ctx, const char *tenant, const char *state, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *arr = NULL;
    char tid[OG_ID_LEN];
    og_tenant tenant_row;
    static const char *const states[] = {"pending", "review", "task", "done", NULL};
    int known = state == NULL;
    for (size_t i = 0; state && states[i]; i++)
        known |= strcmp(state, states[i]) == 0;
    if (!known)
        return og_error_set(OG_EINVAL, "unknown gate state '%s' (pending, review, task or done)",
                            state);
    if ((error = og_gate__tenant(ctx, tenant, OG_PERM_READ, tid)) < 0 ||
        (error = og_tenant_get(ctx, tid, &tenant_row)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " ITEM_COLS " FROM gate_items WHERE tenant_id = ? AND"
                                 " (? = '' OR state = ?) ORDER BY created_at DESC, id"
                                 " LIMIT 1000")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, state ? state : "");
    og_stmt_bind_text(st, 3, state ? state : "");
    arr = json_array();
    int rc;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        json_t *o = item_row_json(st);
        json_array_append_new(arr, o);
        json_object_set_new(o, "tenant_name", json_string(tenant_row.name));
        if ((error = about_to_json(ctx, st, o)) < 0)
            goto cleanup;
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    *out = arr;
    arr = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(arr);
    return error;
}

/* What the item is about, into doc (og_gate_show; item_load has no ctx to open it with). */
static int item_about(og_ctx *ctx, const char *id, json_t *doc)
{
    og_stmt *st = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " ITEM_COLS " FROM gate_items WHERE id = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, id);
    error = og_stmt_step(st);
    if (error == OG_ROW)
        error = about_to_json(ctx, st, doc);
    else if (error == OG_DONE)
        error = og_error_set(OG_ENOTFOUND, "gate item '%s' not found", id);
    og_stmt_free(st);
    return error;
}

static json_t *next_one(const char *decision, const char *who)
{
    return json_pack("{s:s, s:s}", "decision", decision, "who", who);
}

/* The decisions still open on an item and who may take them, in words (decision_allowed and
 * decision_fits decide; this only says it). */
static json_t *next_decisions(const gate_item *it)
{
    json_t *a = json_array();
    char who[400];
    if (strcmp(it->state, "pending") == 0) {
        const og_action_kind *k = og_gate_kind_find(it->kind);
        snprintf(who, sizeof(who), "%s other than the requester (%s)",
                 k && k->admin_approval ? "a tenant-admin" : "a tenant-admin or project-manager",
                 it->requested_by);
        json_array_append_new(a, next_one("approve", who));
        json_array_append_new(a, next_one("reject", who));
    } else if (strcmp(it->state, "review") == 0 || strcmp(it->state, "task") == 0) {
        if (it->escalated)
            og_strlcpy(who, "a tenant-admin (escalated)", sizeof(who));
        else if (it->assignee[0])
            snprintf(who, sizeof(who), "%s (the assignee) or a tenant-admin", it->assignee);
        else
            snprintf(who, sizeof(who),
                     "a user who may change the tenant's data (%s has no assignee)", it->area);
        if (it->state[0] == 'r') {
            json_array_append_new(a, next_one("ack", who));
            json_array_append_new(a, next_one("override", who));
            if (!it->escalated)
                json_array_append_new(a, next_one("escalate", who));
        } else {
            json_array_append_new(a, next_one("done", who));
            json_array_append_new(a, next_one("failed", who));
        }
    }
    return a;
}

int og_gate_item_resolve(og_store *s, const char *tenant_id, const char *ref, char id[OG_ID_LEN])
{
    og_stmt *st = NULL;
    char pat[OG_ID_LEN + 1];
    size_t n = ref ? strlen(ref) : 0;
    int error, rc, found = 0;
    if (ref && og_id_valid(ref)) {
        og_strlcpy(pat, ref, sizeof(pat));
        for (size_t i = 0; pat[i]; i++)
            pat[i] = (char)(pat[i] >= 'A' && pat[i] <= 'F' ? pat[i] - 'A' + 'a' : pat[i]);
        og_strlcpy(id, pat, OG_ID_LEN);
        return 0;
    }
    if (n < 8 || n >= OG_ID_LEN)
        return og_error_set(OG_EINVAL,
                            "bad gate item id '%.64s': give the id or at least its first 8 "
                            "characters",
                            ref ? ref : "");
    for (size_t i = 0; i < n; i++) {
        char c = ref[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'))
            return og_error_set(OG_EINVAL, "bad gate item id '%.64s': not an id or its start", ref);
        pat[i] = c;
    }
    pat[n] = '%';
    pat[n + 1] = '\0';
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT id FROM gate_items WHERE id LIKE ? AND (? = '' OR"
                                 " tenant_id = ?) ORDER BY id LIMIT 2")) < 0)
        return error;
    og_stmt_bind_text(st, 1, pat);
    og_stmt_bind_text(st, 2, tenant_id ? tenant_id : "");
    og_stmt_bind_text(st, 3, tenant_id ? tenant_id : "");
    while ((rc = og_stmt_step(st)) == OG_ROW)
        if (found++ == 0)
            og_strlcpy(id, og_stmt_col_text(st, 0), OG_ID_LEN);
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    pat[n] = '\0';
    if (found == 0)
        return og_error_set(OG_ENOTFOUND, "gate item '%s' not found", pat);
    if (found > 1)
        return og_error_set(OG_ECONFLICT,
                            "'%s' is the start of several gate items: give more of the id", pat);
    return 0;
}

/* How notifications went is the subscriber's to say (og_gate_delivery_status_register). */
static _Atomic(og_gate_delivery_status_fn) delivery_fn;

void og_gate_delivery_status_register(og_gate_delivery_status_fn fn)
{
    delivery_fn = fn;
}

static int delivery_status(og_store *s, const char *event_id, json_t *arr)
{
    og_gate_delivery_status_fn fn = delivery_fn;
    return fn ? fn(s, event_id, arr) : 0;
}

int og_gate_show(og_ctx *ctx, const char *gate_id, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *doc = NULL, *hist = NULL, *notes = NULL;
    gate_item it;
    og_tenant tenant_row;
    memset(&it, 0, sizeof(it));
    if (!gate_id || !og_id_valid(gate_id))
        return og_error_set(OG_EINVAL, "bad gate item id '%s'", gate_id ? gate_id : "");
    if ((error = item_load(ctx->store, gate_id, &it, &doc)) < 0)
        return error;
    if ((error = og_authz_check(&ctx->actor, it.tenant_id, OG_PERM_READ)) < 0) {
        if (error == OG_ENOTFOUND)
            og_error_set(OG_ENOTFOUND, "gate item '%s' not found", gate_id);
        goto cleanup;
    }
    if ((error = item_about(ctx, gate_id, doc)) < 0 ||
        (error = og_tenant_get(ctx, it.tenant_id, &tenant_row)) < 0)
        goto cleanup;
    json_object_set_new(doc, "tenant_name", json_string(tenant_row.name));
    json_object_set_new(doc, "next", next_decisions(&it));
    /* what the action's own state says (platform.note: whether its note stands) */
    {
        const og_action_kind *k = og_gate_kind_find(it.kind);
        if (k && k->show)
            k->show(doc);
    }
    hist = json_array();
    notes = json_array();
    if (json_is_string(json_object_get(doc, "event_id")) &&
        (error = delivery_status(ctx->store, json_string_value(json_object_get(doc, "event_id")),
                                 notes)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT n, decision, decided_by, decided_at, note, audit_seq,"
                                 " rollback_of, event_id FROM gate_decisions WHERE gate_id = ?"
                                 " ORDER BY n")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, gate_id);
    int rc;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        json_t *d = json_object();
        json_object_set_new(d, "decision", json_string(og_stmt_col_text(st, 1)));
        json_object_set_new(d, "decided_by", json_string(og_stmt_col_text(st, 2)));
        json_object_set_new(d, "decided_at", json_string(og_stmt_col_text(st, 3)));
        json_object_set_new(d, "note", str_or_null(st, 4));
        json_object_set_new(d, "audit_seq", json_integer(og_stmt_col_int(st, 5)));
        json_object_set_new(d, "rollback_of",
                            og_stmt_col_is_null(st, 6) ? json_null()
                                                       : json_integer(og_stmt_col_int(st, 6)));
        json_array_append_new(hist, d);
        /* Decisions after the first carry their own notification event. */
        const char *ev = og_stmt_col_text(st, 7);
        if (ev && og_stmt_col_int(st, 0) > 1 &&
            (error = delivery_status(ctx->store, ev, notes)) < 0)
            goto cleanup;
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    json_object_set_new(doc, "decisions", hist);
    json_object_set_new(doc, "notifications", notes);
    hist = notes = NULL;
    *out = doc;
    doc = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(doc);
    json_decref(hist);
    json_decref(notes);
    item_free(&it);
    return error;
}
